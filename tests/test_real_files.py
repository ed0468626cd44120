"""Files as they arrive from the field, one class of shape per test, each in several variants.

Columns named like ours (``Date`` beside the ``date`` the loader adds), exports that hold no
figure we store, near misses of the exports we read, negative net changes, missing-value marks,
rows without figures, footers and separator lines in every encoding, and slashed dates whose
order only the whole column tells. Each file is written here as bytes and loaded through
``campaigns load ... --json`` into a real warehouse; stored figures are compared with the values
written into the file.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from dashboard import metrics as mx
from etl.warehouse import Warehouse

Query = Callable[..., list[tuple]]
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def load(invoke, tmp_path: Path):
    """Write ``data`` as ``name`` and load it for PDP-01; (exit code, JSON summary)."""

    def run(name: str, data: bytes, *args: str, as_of: str = "2026-04-10") -> tuple[int, dict]:
        folder = tmp_path / "files"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        code, output, result = invoke(
            "load", str(path), "--campaign", "PDP-01", "--json", "--as-of", as_of, *args
        )
        assert "Traceback" not in output
        assert isinstance(result, dict), output
        return code, result

    return run


def facts(query: Query) -> int:
    return query("SELECT count(*) FROM metric_observations")[0][0]


def daily(query: Query, platform: str) -> dict:
    """(day, post id) -> {figure: value} of the daily rows stored for PDP-01 on ``platform``."""
    rows = query(
        "SELECT metric_date::VARCHAR, post_id, views, likes, comments, shares, impressions "
        "FROM metric_observations WHERE campaign_code = 'PDP-01' AND platform = ? "
        "AND time_window = 'day' ORDER BY ALL",
        [platform],
    )
    names = ("views", "likes", "comments", "shares", "impressions")
    return {
        (day, post): {n: v for n, v in zip(names, values, strict=True) if v is not None}
        for day, post, *values in rows
    }


def messages(items: list[dict]) -> str:
    return " | ".join(i["message"] for i in items)


# --- a column named like one of ours --------------------------------------------------------


def tiktok_overview(date_header: str, likes: list[str]) -> bytes:
    """A TikTok overview whose date column is headed ``date_header``; the loader adds its own
    ``date`` column while reading it."""
    lines = [f"{date_header},Video Views,Profile Views,Likes,Comments,Shares"]
    lines += [f"Apr {d + 1},{100 + d},5,{v},1,0" for d, v in enumerate(likes)]
    return BOM + ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("date_header", ["Date", "DATE", "date", "Дата"])
def test_a_file_with_its_own_date_column_and_an_invalid_row(
    load, query: Query, date_header: str
) -> None:
    """Rejected, skipped with --skip-invalid and checked with --dry-run, whatever the case of
    the file's own ``Date``; the row set aside keeps the file's cells as written."""
    data = tiktok_overview(date_header, ["3", "x4", "5"])
    before = facts(query)
    code, result = load("Overview.csv", data)
    assert (code, result["status"]) == (1, "rejected")
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]] == [(3, "Likes", "x4")]
    assert facts(query) == before
    (cells,) = query("SELECT cells FROM core.rejected_row WHERE batch_id = ?", [result["batch_id"]])
    assert json.loads(cells[0]) == {
        date_header: "Apr 2",
        "Video Views": "101",
        "Profile Views": "5",
        "Likes": "x4",
        "Comments": "1",
        "Shares": "0",
    }

    code, result = load("Overview.csv", data, "--dry-run")
    assert (code, result["status"], result["would_load"]) == (1, "dry_run", False)

    code, result = load("Overview.csv", data, "--skip-invalid")
    assert (code, result["status"], result["rows_loaded"]) == (0, "loaded", 2)
    stored = daily(query, "tiktok")
    assert {day: v["likes"] for (day, _), v in stored.items()} == {
        "2026-04-01": 3,
        "2026-04-03": 5,
    }


def test_odd_headers_keep_every_cell_of_a_rejected_row(load, query: Query) -> None:
    """A header named twice, in two cases, with quotes or a backslash, or empty."""
    data = (
        b'date,platform,views,views,VIEWS,likes,"it\'s ""new""",back\\slash,\n'
        b"2026-04-01,youtube,10,11,12,oops,a,b,c\n"
    )
    code, result = load("m.csv", data)
    assert code == 1
    (cells,) = query("SELECT cells FROM core.rejected_row WHERE batch_id = ?", [result["batch_id"]])
    assert json.loads(cells[0]) == {
        "date": "2026-04-01",
        "platform": "youtube",
        "views": "10",
        "views (2)": "11",
        "VIEWS": "12",
        "likes": "oops",
        'it\'s "new"': "a",
        "back\\slash": "b",
        "column 9": "c",
    }
    code, result = load("m.csv", data, "--skip-invalid")
    assert (code, result["status"], result["rows_loaded"]) == (1, "rejected", 0)


# --- exports of figures we do not store, and near misses ------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "named", "column"),
    [
        (
            "Chart data.csv",
            "Date,Average view duration\n2026-04-01,0:01:23\n2026-04-02,0:01:40\n",
            "YouTube Studio",
            "Average view duration",
        ),
        (
            "Данные диаграммы.csv",
            "Дата,Средняя продолжительность просмотра\n2026-04-01,0:01:23\n",
            "YouTube Studio",
            "Средняя продолжительность просмотра",
        ),
        (
            "Диаграмма деректері.csv",
            "Күні,Көру уақыты (сағат)\n2026-04-01,1.5\n",
            "YouTube Studio totals",
            "Көру уақыты (сағат)",
        ),
        (
            "live.csv",
            "Date,LIVE duration,Diamonds,Gifters\n2026-04-01,1:00:00,20,3\n"
            "2026-04-02,0:30:00,4,1\n",
            "TikTok LIVE",
            "Diamonds",
        ),
    ],
)
def test_an_export_of_figures_we_do_not_store_is_refused_as_that_export(
    load, query: Query, name: str, text: str, named: str, column: str
) -> None:
    """A date column and figures we do not store: never taken for feedback, refused naming the
    export and its columns."""
    before = facts(query)
    responses = query("SELECT count(*) FROM feedback")[0][0]
    code, result = load(name, text.encode())
    assert (code, result["status"]) == (1, "rejected")
    message = messages(result["errors"])
    assert named in message and column in message and "Nothing was loaded" in message
    assert "required column" not in message
    assert facts(query) == before
    assert query("SELECT count(*) FROM feedback")[0][0] == responses


@pytest.mark.parametrize(
    "text",
    [
        "Date,Views\n2026-04-01,100\n2026-04-02,120\n",
        "Дата,Просмотры\n2026-04-01,100\n2026-04-02,120\n",
        "Date\n2026-04-01\n2026-04-02\n",
    ],
)
def test_a_date_and_figures_without_a_platform_are_not_feedback(
    load, query: Query, text: str
) -> None:
    responses = query("SELECT count(*) FROM feedback")[0][0]
    code, result = load("daily.csv", text.encode())
    assert code == 1
    assert result["kind"] != "feedback"
    assert query("SELECT count(*) FROM feedback")[0][0] == responses


def test_feedback_is_still_recognised_by_its_own_columns(load, query: Query) -> None:
    text = "submitted_at,rating,comment\n2026-04-01 10:00,5,Полезно\n2026-04-02 11:30,4,\n"
    code, result = load("fb.csv", text.encode())
    assert (code, result["kind"], result["rows_loaded"]) == (0, "feedback", 2)
    assert query("SELECT rating FROM feedback ORDER BY submitted_at") == [(5,), (4,)]


@pytest.mark.parametrize(
    ("header", "row", "export", "lacks"),
    [
        # A TikTok Business account's content export: its views column is not "Total views".
        (
            "Video Title,Video Link,Post Time,Video Views,Likes,Comments,Shares,Reach",
            "Hello,https://www.tiktok.com/@a/video/123,2026-04-01,100,5,1,0,80",
            "TikTok content",
            "total views",
        ),
        # A YouTube table exported without its Content (video id) column.
        (
            "Video title,Video publish time,Views,Impressions,Likes",
            'Explainer,"Mar 5, 2026",120,900,7',
            "YouTube Studio table data",
            "content",
        ),
        # The same in the Russian UI.
        (
            "Название видео,Время публикации видео,Просмотры,Показы,Лайки",
            "Объяснение,5 мар. 2026 г.,120,900,7",
            "YouTube Studio table data",
            "контент",
        ),
    ],
)
def test_a_near_miss_of_an_export_is_named_as_that_export(
    load, query: Query, header: str, row: str, export: str, lacks: str
) -> None:
    before = facts(query)
    code, result = load("export.csv", BOM + f"{header}\n{row}\n".encode())
    assert (code, result["status"]) == (1, "rejected")
    (error,) = result["errors"]
    assert export in error["message"] and f"'{lacks}'" in error["message"]
    assert "required column" not in error["message"]
    assert facts(query) == before


def test_a_template_with_one_misnamed_column_is_still_told_its_column(load) -> None:
    """Our own template with ``platfrom`` is not taken for a platform's export."""
    code, result = load("m.csv", b"date,platfrom,impressions,likes\n2026-04-01,youtube,900,7\n")
    assert code == 1
    assert "required column 'platform' is missing" in messages(result["errors"])


# --- net changes, missing-value marks, rows without figures ---------------------------------


def youtube_chart(likes: list[str], views: list[str]) -> bytes:
    """YouTube's chart data per video and day: the day's net change of a figure."""
    lines = ["Date,Content,Video title,Video publish time,Views,Likes"]
    for d, (v, lk) in enumerate(zip(views, likes, strict=True)):
        lines.append(f'2026-04-0{d + 1},vid1,Explainer,"Mar 30, 2026",{v},{lk}')
    return ("\n".join(lines) + "\n").encode()


def test_negative_net_changes_are_stored_as_reported(
    load, query: Query, programme: Warehouse
) -> None:
    likes, views = ["12", "-3", "4", "-1"], ["300", "-7", "120", "80"]
    code, result = load("Chart data.csv", youtube_chart(likes, views))
    assert (code, result["status"], result["rows_loaded"]) == (0, "loaded", 4)
    warned = {(w["row"], w["column"], w["value"]) for w in result["warnings"] if w["row"]}
    assert warned == {(3, "Likes", "-3"), (5, "Likes", "-1"), (3, "Views", "-7")}
    stored = daily(query, "youtube")
    assert [stored[(f"2026-04-0{d}", "vid1")]["likes"] for d in range(1, 5)] == [12, -3, 4, -1]
    # The metrics layer adds net changes as they are: the post's likes to date, and the
    # campaign's engagements, are the plain sums of the file's figures.
    selection = mx.Selection(campaigns=("PDP-01",), platforms=("youtube",))
    got = mx.totals(programme, ["post_views", "post_engagements"], selection)
    assert got["post_views"] == sum(int(v) for v in views)
    assert got["post_engagements"] == sum(int(v) for v in likes)


def test_a_negative_lifetime_total_is_an_error(load, query: Query) -> None:
    text = (
        "date,platform,post_id,time_window,likes\n"
        "2026-04-05,instagram,p1,lifetime,40\n2026-04-05,instagram,p2,lifetime,-2\n"
    )
    code, result = load("m.csv", text.encode())
    assert code == 1
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]] == [(3, "likes", "-2")]


MARKS = ["", "-", "--", "N/A", "undefined", "NaN", "NAN"]


@pytest.mark.parametrize("mark", MARKS)
def test_missing_value_marks_are_blanks_and_rows_without_figures_are_skipped(
    load, query: Query, mark: str
) -> None:
    text = (
        "date,platform,views,likes,comments\n"
        f"2026-04-01,youtube,100,{mark},3\n"
        f"2026-04-02,youtube,{mark},{mark},{mark}\n"
        f"2026-04-03,youtube,50,2,{mark}\n"
    )
    code, result = load("m.csv", text.encode())
    assert (code, result["status"]) == (0, "loaded")
    assert (result["rows_read"], result["rows_loaded"], result["rows_skipped"]) == (3, 2, 1)
    assert [w["row"] for w in result["warnings"] if "no figures" in w["message"]] == [3]
    assert daily(query, "youtube") == {
        ("2026-04-01", ""): {"views": 100, "comments": 3},
        ("2026-04-03", ""): {"views": 50, "likes": 2},
    }


def test_a_file_whose_every_row_lacks_figures_is_refused(load, query: Query) -> None:
    before = facts(query)
    code, result = load(
        "m.csv", b"date,platform,views\n2026-04-01,youtube,-\n2026-04-02,youtube,\n"
    )
    assert (code, result["status"]) == (1, "rejected")
    assert "no rows to load" in messages(result["errors"])
    assert facts(query) == before


# --- footers, separators and trailing blank lines, in every encoding -----------------------

FOOTED = (
    "date,platform,views,likes\n"
    "2026-04-01,youtube,100,5\n"
    "----------,--------,-----,-----\n"
    "2026-04-02,youtube,120,6\n"
    "\n"
    "Итого,,220,11\n"
    "Выгружено 10.04.2026\n"
    "==========\n"
    "\n\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1251"])
def test_footers_separators_and_blank_lines_are_not_data(load, query: Query, encoding: str) -> None:
    code, result = load("m.csv", FOOTED.encode(encoding))
    assert (code, result["status"], result["rows_loaded"]) == (0, "loaded", 2), result["errors"]
    notes = [(w["row"], w["value"]) for w in result["warnings"] if "below the data" in w["message"]]
    assert notes == [(6, "Итого, 220, 11"), (7, "Выгружено 10.04.2026")]
    assert daily(query, "youtube") == {
        ("2026-04-01", ""): {"views": 100, "likes": 5},
        ("2026-04-02", ""): {"views": 120, "likes": 6},
    }


def test_a_workbook_with_a_total_row_below_the_data(load, query: Query) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ["date", "platform", "views"],
        ["2026-04-01", "youtube", 100],
        ["2026-04-02", "youtube", 120],
        [None, None, None],
        ["Total", None, 220],
    ):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    code, result = load("m.xlsx", buffer.getvalue())
    assert (code, result["rows_loaded"]) == (0, 2), result["errors"]
    assert {k: v["views"] for k, v in daily(query, "youtube").items()} == {
        ("2026-04-01", ""): 100,
        ("2026-04-02", ""): 120,
    }


def test_a_utf16_insights_series_with_a_total_footer(load, query: Query) -> None:
    text = (
        'sep=,\n"Facebook reach"\n"Date","Primary"\n"2026-03-29T00:00:00","120"\n'
        '"2026-03-30T00:00:00","130"\n\n"Total","250"\n\n'
    )
    code, result = load("Reach.csv", text.encode("utf-16"))
    assert (code, result["rows_loaded"]) == (0, 2), result["errors"]
    assert query(
        "SELECT metric_date::VARCHAR, reach FROM metric_observations WHERE platform = 'facebook' "
        "ORDER BY 1"
    ) == [("2026-03-29", 120), ("2026-03-30", 130)]


# --- the order of day and month, from the whole column -------------------------------------


@pytest.mark.parametrize(
    ("dates", "args", "expected", "order", "warned"),
    [
        # One date with a 13th month-day proves the column month first: 1/5 is 5 January.
        (["1/5/2026", "1/13/2026"], (), ["2026-01-05", "2026-01-13"], "mdy", False),
        # A date with a 13th day first proves it day first: 2/6 is 2 June.
        (["13/5/2026", "2/6/2026"], (), ["2026-05-13", "2026-06-02"], "dmy", False),
        # The last row tells, not the first: every row follows it.
        (
            ["3/4/2026", "4/5/2026", "12/25/2026"],
            (),
            ["2026-03-04", "2026-04-05", "2026-12-25"],
            "mdy",
            False,
        ),
        # Nothing tells: day first, with a warning saying so.
        (["1/5/2026", "2/6/2026"], (), ["2026-05-01", "2026-06-02"], "dmy", True),
        # Nothing tells and the user says month first.
        (
            ["1/5/2026", "2/6/2026"],
            ("--date-order", "mdy"),
            ["2026-01-05", "2026-02-06"],
            "mdy",
            False,
        ),
    ],
)
def test_slashed_dates_are_read_in_the_order_the_column_shows(
    load, query: Query, dates, args, expected, order, warned
) -> None:
    text = "date,platform,views\n" + "".join(f"{d},youtube,{i + 1}\n" for i, d in enumerate(dates))
    code, result = load("m.csv", text.encode(), *args)
    assert code == 0, result["errors"]
    assert result["detected"]["date_order"] == {"date": order}
    assert any("--date-order mdy" in w["message"] for w in result["warnings"]) is warned
    stored = query(
        "SELECT metric_date::VARCHAR, views FROM metric_observations WHERE platform = 'youtube' "
        "ORDER BY views"
    )
    assert stored == [(day, i + 1) for i, day in enumerate(expected)]


def test_a_column_mixing_both_orders_names_the_rows_that_disagree(load, query: Query) -> None:
    text = "date,platform,views\n1/13/2026,youtube,1\n1/14/2026,youtube,2\n25/1/2026,youtube,3\n"
    code, result = load("m.csv", text.encode())
    assert code == 1
    assert [(e["row"], e["value"]) for e in result["errors"]] == [(4, "25/1/2026")]


def test_an_unknown_date_order_is_a_usage_error(invoke, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(b"date,platform,views\n1/5/2026,youtube,1\n")
    code, output, _ = invoke("load", str(path), "--campaign", "PDP-01", "--date-order", "ymd")
    assert code == 2 and "ymd" in output and "Traceback" not in output
