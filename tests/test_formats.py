"""Files as people save them: the same three figures, written in many ways, load as the same values.

Every case holds one channel row of PDP-01: instagram on 2026-03-02 with impressions 1 234 567,
reach 1 200 and likes 1 500, and nothing else. Whatever the encoding, delimiter, header
language, thousands separator, date style or file format, ``channel_daily`` must then show
exactly those numbers, and the columns left empty must be NULL, not zero.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import METRICS_HEADER, write

from etl.kinds import template_header
from etl.load import LoadResult, load_file
from etl.warehouse import Warehouse

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "data" / "templates"

DAY = dt.date(2026, 3, 2)
IMPRESSIONS, REACH, LIKES = 1234567, 1200, 1500
EN_HEADER = METRICS_HEADER.split(",")


# --- building the files ------------------------------------------------------------------------


def metrics_row(
    *,
    date: str = "2026-03-02",
    platform: str = "instagram",
    impressions: str = "1234567",
    reach: str = "1200",
    likes: str = "1500",
    views: str = "",
    followers: str = "",
) -> list[str]:
    """One channel row in the column order of METRICS_HEADER and of our templates."""
    return [date, platform, "", "", impressions, reach, views, likes, "", "", "", "", followers]


def csv_text(
    header: list[str],
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    newline: str = "\n",
    final_newline: bool = True,
    before: str = "",
) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    text = before + buf.getvalue()
    return text if final_newline else text[: -len(newline)]


def thousands(sep: str) -> dict[str, str]:
    return {
        "impressions": f"1{sep}234{sep}567",
        "reach": f"1{sep}200",
        "likes": f"1{sep}500",
    }


RU = template_header("metrics", "ru")
KK = template_header("metrics", "kk")
BASE = csv_text(EN_HEADER, [metrics_row()])


CSV_CASES: dict[str, bytes] = {
    "utf-8": BASE.encode("utf-8"),
    "utf-8 with BOM": BASE.encode("utf-8-sig"),
    "windows-1251, russian headers": csv_text(
        RU, [metrics_row(platform="Инстаграм")], delimiter=";", newline="\r\n"
    ).encode("cp1251"),
    "utf-16 LE with BOM, tab": codecs.BOM_UTF16_LE
    + csv_text(EN_HEADER, [metrics_row()], delimiter="\t", newline="\r\n").encode("utf-16-le"),
    "utf-16 LE without BOM": BASE.encode("utf-16-le"),
    "utf-16 BE with BOM": codecs.BOM_UTF16_BE + BASE.encode("utf-16-be"),
    "kazakh headers": csv_text(KK, [metrics_row()]).encode("utf-8"),
    "russian headers utf-8": csv_text(RU, [metrics_row()]).encode("utf-8"),
    "semicolon": csv_text(EN_HEADER, [metrics_row()], delimiter=";").encode(),
    "tab": csv_text(EN_HEADER, [metrics_row()], delimiter="\t").encode(),
    "CRLF": csv_text(EN_HEADER, [metrics_row()], newline="\r\n").encode(),
    "no final newline": csv_text(EN_HEADER, [metrics_row()], final_newline=False).encode(),
    "CRLF, no final newline": csv_text(
        EN_HEADER, [metrics_row()], newline="\r\n", final_newline=False
    ).encode(),
    "sep=; first line": csv_text(
        EN_HEADER, [metrics_row()], delimiter=";", newline="\r\n", before="sep=;\r\n"
    ).encode(),
    "title line above the header": csv_text(
        EN_HEADER, [metrics_row()], before="Instagram insights: Your data, your rights\n"
    ).encode(),
    "title and blank line above the header": csv_text(
        EN_HEADER, [metrics_row()], delimiter=";", before="Instagram insights;;\n;;\n"
    ).encode(),
    "thousands: space": csv_text(EN_HEADER, [metrics_row(**thousands(" "))]).encode(),
    "thousands: no-break space": csv_text(
        EN_HEADER, [metrics_row(**thousands("\u00a0"))], delimiter=";"
    ).encode(),
    "thousands: narrow no-break space": csv_text(
        EN_HEADER, [metrics_row(**thousands("\u202f"))]
    ).encode(),
    "thousands: comma (quoted)": csv_text(EN_HEADER, [metrics_row(**thousands(","))]).encode(),
    "thousands: comma, semicolon file": csv_text(
        EN_HEADER, [metrics_row(**thousands(","))], delimiter=";"
    ).encode(),
    "thousands: apostrophe": csv_text(EN_HEADER, [metrics_row(**thousands("'"))]).encode(),
    "date DD.MM.YYYY": csv_text(EN_HEADER, [metrics_row(date="02.03.2026")]).encode(),
    "date DD/MM/YYYY": csv_text(EN_HEADER, [metrics_row(date="02/03/2026")]).encode(),
    "missing marker -": csv_text(EN_HEADER, [metrics_row(views="-")]).encode(),
    "missing marker N/A": csv_text(EN_HEADER, [metrics_row(views="N/A")]).encode(),
    "spaces around values": csv_text(
        EN_HEADER,
        [metrics_row(date=" 2026-03-02 ", impressions=" 1234567", reach="1200 ", views="  ")],
    ).encode(),
}


def xlsx_bytes(header: list, rows: list[list], path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "metrics"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def xlsx_row(date: object) -> list:
    return [date, "instagram", None, None, IMPRESSIONS, REACH, None, LIKES]


XLSX_CASES: dict[str, list] = {
    "xlsx, ISO date as text": xlsx_row("2026-03-02"),
    "xlsx, DD.MM.YYYY as text": xlsx_row("02.03.2026"),
    "xlsx, Excel serial number": xlsx_row(46083),
    "xlsx, real date cell": xlsx_row(DAY),
    "xlsx, real datetime cell at midnight": xlsx_row(dt.datetime(2026, 3, 2)),
}


# --- checking ----------------------------------------------------------------------------------


def load(wh: Warehouse, path: Path, **kwargs) -> LoadResult:
    result = load_file(wh, path, campaign="PDP-01", **kwargs)
    assert result.status == "loaded", [str(e) for e in result.errors]
    assert result.errors == []
    return result


def source_rows(query: Callable[..., list[tuple]]) -> list[int]:
    """Rows of the file the metric figures came from (whichever layout the fact table has)."""
    (table,) = query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'core' "
        "AND table_name IN ('metric_value', 'metric_observation')"
    )[0]
    return [r for (r,) in query(f"SELECT DISTINCT source_row FROM core.{table} ORDER BY 1")]


def assert_three_figures(query: Callable[..., list[tuple]]) -> None:
    rows = query(
        "SELECT campaign_code, platform, day, impressions, reach_day, views, likes, comments, "
        "shares, saves, clicks, followers FROM channel_daily"
    )
    assert rows == [
        ("PDP-01", "instagram", DAY, IMPRESSIONS, REACH, None, LIKES)
        + (None, None, None, None, None)
    ]
    # Three values written, no zeros standing in for the empty cells.
    assert query("SELECT metric, value FROM metric_values ORDER BY metric") == [
        ("impressions", IMPRESSIONS),
        ("likes", LIKES),
        ("reach", REACH),
    ]


@pytest.mark.parametrize("content", CSV_CASES.values(), ids=CSV_CASES.keys())
def test_csv_as_saved(programme: Warehouse, query, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "instagram export.csv"
    path.write_bytes(content)
    load(programme, path)
    assert_three_figures(query)


@pytest.mark.parametrize("row", XLSX_CASES.values(), ids=XLSX_CASES.keys())
def test_xlsx_as_saved(programme: Warehouse, query, tmp_path: Path, row: list) -> None:
    path = xlsx_bytes(EN_HEADER[:8], [row], tmp_path / "instagram export.xlsx")
    load(programme, path)
    assert_three_figures(query)


def test_xlsx_numbers_stored_as_text(programme: Warehouse, query, tmp_path: Path) -> None:
    """Cells typed in as text (green triangle in Excel), thousands separators and all."""
    row = ["02.03.2026", "Instagram", None, None, "1 234 567", "1200", "", "1\u00a0500"]
    load(programme, xlsx_bytes(RU[:8], [row], tmp_path / "export.xlsx"))
    assert_three_figures(query)


def test_xlsx_russian_headers_and_title_row(programme: Warehouse, query, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Статистика Instagram за март 2026"])
    ws.append(RU)
    ws.append(xlsx_row(DAY))
    wb.save(tmp_path / "статистика.xlsx")
    result = load(programme, tmp_path / "статистика.xlsx")
    assert result.detected["header_row"] == 2
    assert_three_figures(query)
    assert source_rows(query) == [3]


def test_empty_cells_are_null_not_zero(programme: Warehouse, query, tmp_path: Path) -> None:
    text = csv_text(
        EN_HEADER,
        [
            metrics_row(views=""),
            metrics_row(date="2026-03-03", views="0", likes="", reach=""),
        ],
    )
    load(programme, write(tmp_path / "m.csv", text))
    rows = query("SELECT day, impressions, reach_day, views, likes FROM channel_daily ORDER BY day")
    assert rows == [
        (DAY, IMPRESSIONS, REACH, None, LIKES),
        (dt.date(2026, 3, 3), IMPRESSIONS, None, 0, None),
    ]
    assert query("SELECT count(*) FROM metric_values WHERE metric = 'views'") == [(1,)]


@pytest.mark.parametrize("written", ["1938.0", "1938,0", "1938.00", "1 938.0"])
def test_whole_number_with_zero_fraction(
    programme: Warehouse, query, tmp_path: Path, written: str
) -> None:
    text = csv_text(EN_HEADER, [metrics_row(followers=written)], delimiter=";")
    load(programme, write(tmp_path / "m.csv", text))
    assert query("SELECT followers, impressions, likes FROM channel_daily") == [
        (1938, IMPRESSIONS, LIKES)
    ]


@pytest.mark.parametrize(
    "amount",
    ["1 250 000,50", "1\u00a0250\u00a0000,50", "1250000,50", "1.250.000,50"],
    ids=["space", "no-break space", "plain", "dots"],
)
def test_spend_with_decimal_comma(programme: Warehouse, query, tmp_path: Path, amount: str) -> None:
    text = (
        "дата;статья бюджета;сумма;валюта;описание;номер документа\r\n"
        f"15.03.2026;5.2;{amount};KZT;Продвижение постов;СФ-0001\r\n"
        "20.03.2026;5.1;12 000,00;KZT;Монтаж;СФ-0002\r\n"
    )
    load(programme, write(tmp_path / "расходы.csv", text, "cp1251"))
    march_rate = 603.5  # FX in conftest: 600 + month + 0.5
    assert query(
        "SELECT spend_date, budget_line, heading, amount, currency, reference, amount_eur "
        "FROM spend ORDER BY spend_date"
    ) == [
        (
            dt.date(2026, 3, 15),
            "5.2",
            5,
            Decimal("1250000.50"),
            "KZT",
            "СФ-0001",
            round(1250000.50 / march_rate, 2),
        ),
        (
            dt.date(2026, 3, 20),
            "5.1",
            5,
            Decimal("12000.00"),
            "KZT",
            "СФ-0002",
            round(12000 / march_rate, 2),
        ),
    ]


# --- our own templates, filled in ----------------------------------------------------------------

TEMPLATE_ROWS: dict[str, list[str]] = {
    "metrics": metrics_row(),
    "spend": ["2026-03-15", "5.2", "250000", "KZT", "Promoted posts", "INV-7"],
    "participants": [
        "EV-1",
        "Workshop",
        "2026-04-10",
        "workshop",
        "Almaty",
        "female",
        "25-34",
        "12",
    ],
    "feedback": [
        "2026-04-10 15:00",
        "EV-1",
        "5",
        "4",
        "yes",
        "Useful",
        "female",
        "25-34",
        "Almaty",
        "ru",
    ],
    "fx": ["2027-01", "KZT", "612.5"],
}

TEMPLATE_CHECKS: dict[str, tuple[str, list[tuple]]] = {
    "metrics": (
        "SELECT platform, day, impressions, reach_day, likes FROM channel_daily",
        [("instagram", DAY, IMPRESSIONS, REACH, LIKES)],
    ),
    "spend": (
        "SELECT spend_date, budget_line, amount, currency, reference FROM spend",
        [(dt.date(2026, 3, 15), "5.2", Decimal("250000.00"), "KZT", "INV-7")],
    ),
    "participants": (
        "SELECT event_code, event_date, region, sex, age_group, participants FROM participants",
        [("EV-1", dt.date(2026, 4, 10), "Almaty", "female", "25-34", 12)],
    ),
    "feedback": (
        "SELECT event_code, submitted_at, rating, usefulness, would_recommend FROM feedback",
        [("EV-1", dt.datetime(2026, 4, 10, 15, 0), 5, 4, True)],
    ),
    "fx": (
        "SELECT month, currency, units_per_eur FROM exchange_rates WHERE month >= '2027-01-01'",
        [(dt.date(2027, 1, 1), "KZT", 612.5)],
    ),
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("kind", list(TEMPLATE_ROWS))
def test_filled_in_template_loads(
    programme: Warehouse, query, tmp_path: Path, kind: str, lang: str, fmt: str
) -> None:
    template = TEMPLATES / f"{kind}.{lang}.{fmt}"
    path = tmp_path / template.name
    row = TEMPLATE_ROWS[kind]
    if fmt == "csv":
        raw = template.read_bytes()
        assert raw.endswith(b"\r\n")
        path.write_bytes(raw + ",".join(row).encode("utf-8") + b"\r\n")
    else:
        wb = openpyxl.load_workbook(template)
        wb.worksheets[0].append(row)
        wb.save(path)
    result = load(programme, path)
    assert result.kind == kind and result.kind_detected
    assert result.rows_loaded == 1
    sql, expected = TEMPLATE_CHECKS[kind]
    assert query(sql) == expected
