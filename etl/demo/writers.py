"""Writing the demo's files: CSV in our template format or a Russian-locale Excel's, and the
programme workbook (organisations, campaigns, budget lines, KPI targets, channels)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from etl.demo.programme import CAMPAIGNS, ORGS, WORKBOOK_PROPERTIES
from etl.demo.social import account_name, account_url
from etl.kinds import header_words, template_header


def fmt_date(d: date, ru: bool) -> str:
    return d.strftime("%d.%m.%Y") if ru else d.isoformat()


def fmt_datetime(t: datetime | None, ru: bool) -> str | None:
    if t is None:
        return None
    return t.strftime("%d.%m.%Y %H:%M" if ru else "%Y-%m-%d %H:%M")


def fmt_amount(tiyn: int, ru: bool) -> str:
    whole, frac = divmod(tiyn, 100)
    if ru:
        return f"{whole:,}".replace(",", " ") + f",{frac:02d}"
    return f"{whole}.{frac:02d}"


def write_csv(
    path: Path, header: list[str], rows: Iterable[Sequence[object]], excel_ru: bool = False
) -> None:
    """Our CSV template format (UTF-8 with BOM, comma) or a Russian Excel's (cp1251, ``;``)."""
    encoding, delimiter = ("cp1251", ";") if excel_ru else ("utf-8-sig", ",")
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def _sheet_name(kind: str) -> str:
    return header_words()["sheets"][kind]["en"][0]


def _write_sheet(
    wb: Workbook,
    formats: dict[str, Format],
    kind: str,
    rows: list[list[object]],
    widths: Sequence[int],
) -> None:
    """One sheet of the programme workbook: the template's English header, then ``rows``."""
    ws = wb.add_worksheet(_sheet_name(kind))
    ws.write_row(0, 0, template_header(kind, "en"), formats["bold"])
    for col, w in enumerate(widths):
        ws.set_column(col, col, w)
    ws.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, date):
                ws.write_datetime(r, col, datetime.combine(value, time()), formats["date"])
            elif isinstance(value, float):
                ws.write_number(r, col, value, formats["money"])
            elif isinstance(value, int):
                ws.write_number(r, col, value)
            else:
                ws.write_string(r, col, str(value))


def _campaign_rows() -> list[list[object]]:
    return [
        [
            c.code,
            c.name,
            c.org.code,
            c.theme,
            ", ".join(c.regions),
            ", ".join(lang for lang, _ in c.languages),
            c.start,
            c.end,
            "active",
            c.description,
            *c.translations,
        ]
        for c in CAMPAIGNS
    ]


def _budget_rows() -> list[list[object]]:
    return [
        [c.code, int(x.line.split(".")[0]), x.line, x.description, float(x.amount), "KZT"]
        for c in CAMPAIGNS
        for x in c.lines
    ]


def _channel_rows() -> list[list[object]]:
    return [
        [
            c.code,
            ch.platform,
            account_name(ch.platform, ch.handle),
            account_url(ch.platform, ch.handle),
            ch.language,
        ]
        for c in CAMPAIGNS
        for ch in c.channels
    ]


def write_programme(path: Path, kpis: list[list[object]]) -> None:
    """The programme workbook, with the campaigns' KPI target rows ``kpis``."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties(WORKBOOK_PROPERTIES)
    formats = {
        "bold": wb.add_format({"bold": True}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
    }
    organisations = [[o.code, o.name, o.city] for o in ORGS]
    _write_sheet(wb, formats, "organisations", organisations, (8, 50, 18))
    widths = (10, 48, 12, 30, 30, 12, 12, 12, 10, 80, 40, 40, 30, 30)
    _write_sheet(wb, formats, "campaigns", _campaign_rows(), widths)
    _write_sheet(wb, formats, "budget_lines", _budget_rows(), (10, 9, 7, 64, 16, 9))
    kpi_widths = (10, 14, 70, 9, 24, 6, 10, 10, 13, 12, 11, 70, 70)
    _write_sheet(wb, formats, "kpi_targets", kpis, kpi_widths)
    _write_sheet(wb, formats, "channels", _channel_rows(), (10, 11, 22, 44, 9))
    wb.close()
