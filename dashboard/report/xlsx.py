"""The donor's workbook: Cover, Logframe, Campaigns, By platform, Reach, Financial report,
Budget lines, Costs, Participants, Events, Definitions and, when the report is compared with a
submitted one, Changes. Native Excel charts show impressions and views by platform, budget
against spend by heading, and participants by age group and sex.

Numbers are written as numbers with formats by unit (EUR, shares as %, dates as dates); every
text cell goes through ``etl.cells.neutral``, so text a spreadsheet would take for a formula
starts with an apostrophe. The same report gives the same
bytes: the workbook's creation time is the report's production time.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from dashboard.report.model import COLUMNS, Report, ReportMeta, Table, label
from etl.cells import is_list, neutral_text

EU_BLUE = "#003399"
EU_YELLOW = "#FFCC00"
HEADER_FILL = "#DCE6F1"
NUMBER_FORMATS = {
    "EUR": "#,##0.00",
    "KZT": "#,##0.00",
    "rate": "0.0000",
    "share": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
TEXT_WIDTH = 42  # longer text wraps within the column
LINE_HEIGHT = 15


class _Book:
    """The workbook with its formats."""

    def __init__(self, buf: io.BytesIO, report: Report) -> None:
        self.wb = xlsxwriter.Workbook(
            buf,
            {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True},
        )
        m = report.meta
        produced = pd.Timestamp(m.produced_at).tz_localize(None).to_pydatetime()
        self.wb.set_properties(
            {
                "title": f"{m.programme}: {m.scope}",
                "subject": m.period_text,
                "author": m.programme,
                "comments": m.funding_statement,
                "created": produced,
            }
        )
        self.formats: dict[tuple, Any] = {}

    def fmt(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self.formats:
            self.formats[key] = self.wb.add_format(props)
        return self.formats[key]


def render_xlsx(report: Report, changes: pd.DataFrame | None = None) -> bytes:
    """The workbook of ``report`` as bytes; ``changes`` (see ``freeze.changes``) adds a sheet."""
    buf = io.BytesIO()
    book = _Book(buf, report)
    tables = report.tables
    _cover(book, report, changes)
    _sheet(book, "Logframe", [tables["logframe"]], hide=("section", "measure"))
    _sheet(book, "Campaigns", [tables["campaigns"]])
    platforms = _sheet(book, "By platform", [tables["platforms"]])
    _platform_chart(book, platforms, tables["platforms"])
    _sheet(book, "Reach", [tables["reach"]])
    financial = _sheet(
        book,
        "Financial report",
        [tables["financial"], _headings(tables["financial"]), tables["subgrants"]],
    )
    _budget_chart(book, financial, tables["financial"])
    _sheet(book, "Budget lines", [tables["budget_lines"]])
    _sheet(book, "Costs", [tables["costs"]])
    participants = _sheet(
        book,
        "Participants",
        [tables["participants_check"], tables["participants"], tables["participants_sex_age"]],
    )
    _participants_chart(book, participants, tables["participants_sex_age"])
    _sheet(book, "Events", [tables["events"]])
    if changes is not None:
        _changes(book, report, changes)
    _definitions(book, report)
    book.wb.close()
    return buf.getvalue()


# --- sheets ---------------------------------------------------------------------------------


def _cover(book: _Book, report: Report, changes: pd.DataFrame | None) -> None:
    m = report.meta
    ws = book.wb.add_worksheet("Cover")
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    banner = book.fmt(bold=True, font_size=16, font_color="#FFFFFF", bg_color=EU_BLUE)
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, 1, neutral_text(m.funding_statement), banner)
    ws.write_string(2, 0, neutral_text(m.programme), book.fmt(bold=True, font_size=14))
    key = book.fmt(bold=True, valign="top")
    value = book.fmt(text_wrap=True, valign="top")
    row = 4
    for name, text in _cover_rows(m):
        ws.write_string(row, 0, name, key)
        _wrapped(ws, row, 1, text, value, 90)
        row += 1
    row += 1
    ws.set_row(row, _height(m.disclaimer, 110))
    ws.merge_range(
        row, 0, row, 1, neutral_text(m.disclaimer), book.fmt(italic=True, text_wrap=True)
    )
    row += 2
    ws.write_string(row, 0, "Sheets", key)
    for title, text in _contents(report, changes):
        _wrapped(ws, row, 1, f"{title}: {text}", value, 90)
        row += 1
    ws.set_footer(f"&L{m.funding_statement}&R&P / &N")
    ws.activate()


def _cover_rows(m: ReportMeta) -> list[tuple[str, str]]:
    """(name, text) of each line of the cover's details."""
    rows: list[tuple[str, str]] = [
        ("Contract", m.contract or ""),
        ("Report", m.scope),
        ("Reporting period", m.period_text),
        ("Organisation", m.organisation_name or ""),
        ("Campaigns", ", ".join(m.campaigns)),
        ("Date produced", _when(m.produced_at)),
        ("Data as of (last load)", _when(m.data_as_of) or "no load yet"),
        ("Status date", m.status_date.isoformat()),
        ("Conversion to EUR", _fx_text(m.fx_rule)),
        ("Implementation period", f"{m.programme_start} to {m.programme_end}"),
    ]
    if m.submitted is not None:
        s = m.submitted
        rows.append(("Submitted", f"{s.title}, on {s.at_text} by {s.by}"))
    if m.compared_with is not None:
        c = m.compared_with
        rows.append(
            (
                "Compared with",
                f"submitted report #{c.report_id} ({c.title}, {c.submitted_at_text}): "
                f"{c.changes} figure(s) differ; see the Changes sheet",
            )
        )
    return rows


def _contents(report: Report, changes: pd.DataFrame | None) -> list[tuple[str, str]]:
    t = report.tables
    out = [
        ("Logframe", t["logframe"].description),
        ("Campaigns", t["campaigns"].description),
        ("By platform", t["platforms"].description),
        ("Reach", t["reach"].description),
        ("Financial report", f"{t['financial'].description} {t['subgrants'].description}"),
        ("Budget lines", t["budget_lines"].description),
        ("Costs", t["costs"].description),
        ("Participants", t["participants"].description),
        ("Events", t["events"].description),
    ]
    if changes is not None:
        out.append(("Changes", "Every figure that differs from the submitted report."))
    out.append(("Definitions", "What every column means."))
    return out


def _height(text: str, width: int) -> float:
    """The height of a row whose cell wraps ``text`` in a column ``width`` characters wide."""
    lines = sum(max(1, -(-len(part) // max(1, width - 4))) for part in text.split("\n"))
    return LINE_HEIGHT * lines


def _wrapped(ws: Worksheet, row: int, col: int, text: str, fmt: Any, width: int) -> None:
    text = neutral_text(text)
    ws.write_string(row, col, text, fmt)
    if len(text) > width - 4:
        ws.set_row(row, _height(text, width))


def _when(value: dt.datetime | None) -> str:
    if not value:
        return ""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
        return stamp.strftime("%Y-%m-%d %H:%M UTC")
    return stamp.strftime("%Y-%m-%d %H:%M")


def _fx_text(rule: str) -> str:
    if rule == "campaign_average":
        return "InforEuro: average of the monthly rates of each campaign's months"
    return "InforEuro: the rate of the month each cost was booked (budgets: the latest rate)"


def _sheet(
    book: _Book, name: str, tables: list[Table], hide: tuple[str, ...] = ()
) -> dict[str, tuple[int, int, list[str]]]:
    """Write ``tables`` one under another with their titles and notes; returns, per table, the
    row of its header, its number of rows and its columns (for charts)."""
    ws = book.wb.add_worksheet(name)
    ws.set_footer("&L" + name + "&R&P / &N")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    placed: dict[str, tuple[int, int, list[str]]] = {}
    widths: dict[int, float] = {}
    row = 0
    for number, table in enumerate(tables):
        columns = [c for c in table.frame.columns if c not in hide]
        ws.write_string(row, 0, neutral_text(table.title), book.fmt(bold=True, font_size=13))
        ws.write_string(row + 1, 0, neutral_text(table.description), book.fmt(italic=True))
        row += 2
        header = row
        _write_frame(book, ws, header, table.frame[columns], widths)
        placed[table.name] = (header, len(table.frame), columns)
        if number == 0:
            ws.freeze_panes(header + 1, 0)
            ws.repeat_rows(header)
        row = header + len(table.frame) + 2  # a blank row, then the notes
        for note in table.notes:
            ws.write_string(row, 0, neutral_text(note), book.fmt(italic=True, font_color="#555555"))
            row += 1
        row += 2
    for col, width in widths.items():
        ws.set_column(col, col, min(TEXT_WIDTH, max(9, width + 2)))
    return placed


def _unit(column: str) -> str:
    return COLUMNS.get(column, ("text", ""))[0]


def _write_frame(
    book: _Book, ws: Worksheet, header: int, frame: pd.DataFrame, widths: dict[int, float]
) -> None:
    head = book.fmt(bold=True, bg_color=HEADER_FILL, text_wrap=True, valign="top", border=1)
    ws.set_row(header, 2 * LINE_HEIGHT)
    for col, name in enumerate(frame.columns):
        ws.write_string(header, col, neutral_text(label(name)), head)
        widths[col] = max(widths.get(col, 0), min(len(label(name)), 24))
    kinds = [_column_format(frame[name], _unit(name)) for name in frame.columns]
    row_types = list(frame["row_type"]) if "row_type" in frame else [None] * len(frame)
    cell_formats: dict[tuple, Any] = {}

    def cell_format(col: int, row_type: str | None, wrap: bool) -> Any:
        key = (col, row_type, wrap)
        if key not in cell_formats:
            props: dict[str, Any] = {}
            if kinds[col]:
                props["num_format"] = kinds[col]
            if row_type in ("heading", "subtotal", "total"):
                props["bold"] = True
            if row_type in ("subtotal", "total"):
                props["top"] = 1
            if wrap:
                props.update(text_wrap=True, valign="top")
            cell_formats[key] = book.fmt(**props) if props else None
        return cell_formats[key]

    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    for i, row in enumerate(values):
        r = header + 1 + i
        lines = 1.0
        for col, v in enumerate(row):
            wrap = isinstance(v, str) and len(v) > TEXT_WIDTH - 2
            if wrap:
                lines = max(lines, _height(v, TEXT_WIDTH) / LINE_HEIGHT)
            width = _write_cell(ws, r, col, v, cell_format(col, row_types[i], wrap))
            if width > widths.get(col, 0):
                widths[col] = width
        if lines > 1:
            ws.set_row(r, LINE_HEIGHT * lines)


def _column_format(column: pd.Series, unit: str) -> str | None:
    if unit in NUMBER_FORMATS:
        return NUMBER_FORMATS[unit]
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.dropna()
        whole = bool(len(values)) and all(float(v).is_integer() for v in values)
        return "#,##0" if whole else "#,##0.00"
    return None


def _write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Any) -> float:
    """Write one value by its type; returns its width in characters."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
        return 0
    if isinstance(value, str) or is_list(value):
        text = neutral_text(value)
        ws.write_string(row, col, text, fmt)
        return len(text)
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
        return 5
    if isinstance(value, int | float):
        if value != value:  # NaN
            ws.write_blank(row, col, None, fmt)
            return 0
        ws.write_number(row, col, float(value), fmt)
        return len(f"{value:,.0f}") + 3
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        ws.write_datetime(row, col, stamp.to_pydatetime(), fmt)
        return 16
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
        return 10
    if hasattr(value, "item"):
        ws.write_number(row, col, float(value.item()), fmt)
        return 12
    text = neutral_text(str(value))
    ws.write_string(row, col, text, fmt)
    return len(text)


def _changes(book: _Book, report: Report, changes: pd.DataFrame) -> None:
    c = report.meta.compared_with
    table = Table(
        "changes",
        "Changes since the submitted report",
        f"Submitted report #{c.report_id} ({c.title}, {c.submitted_at_text}): every figure "
        "that differs now."
        if c is not None
        else "Every figure that differs from the submitted report.",
        changes,
        notes=() if len(changes) else ("No figure differs.",),
    )
    _sheet(book, "Changes", [table])


def _definitions(book: _Book, report: Report) -> None:
    ws = book.wb.add_worksheet("Definitions")
    head = book.fmt(bold=True, bg_color=HEADER_FILL, border=1)
    wrap = book.fmt(text_wrap=True, valign="top")
    for col, (name, width) in enumerate(
        [("Table", 22), ("Column", 30), ("Heading", 30), ("Unit", 10), ("Meaning", 90)]
    ):
        ws.write_string(0, col, neutral_text(name), head)
        ws.set_column(col, col, width)
    row = 1
    for table in report.tables.values():
        for name, unit, description in table.column_info():
            for col, text in enumerate((table.title, name, label(name), unit, description)):
                ws.write_string(row, col, neutral_text(text), wrap)
            row += 1
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, row - 1, 4)


# --- charts ---------------------------------------------------------------------------------


def _chart(
    book: _Book,
    sheet: str,
    placed: tuple[int, int, list[str]],
    category: str,
    series: list[tuple[str, str]],
    options: dict[str, Any],
    *,
    title: str,
    below: tuple[int, int],
) -> Any:
    """A native chart of a table written on ``sheet`` (``placed``: its header row, rows and
    columns): one series per ``(column, colour)`` against ``category``, inserted under the row
    ``below`` gives (header, rows). Returns the chart (None without rows or series: Excel
    has no empty chart) to finish it."""
    header, rows, columns = placed
    if not rows or not series:
        return None
    chart = book.wb.add_chart(options)

    def cells(col: int) -> list:
        return [sheet, header + 1, col, header + rows, col]

    for name, colour in series:
        chart.add_series(
            {
                "name": label(name),
                "categories": cells(columns.index(category)),
                "values": cells(columns.index(name)),
                "fill": {"color": colour},
            }
        )
    chart.set_title({"name": title})
    chart.set_legend({"position": "bottom"})
    book.wb.get_worksheet_by_name(sheet).insert_chart(below[0] + below[1] + 4, 0, chart)
    return chart


def _platform_chart(book: _Book, placed: dict, table: Table) -> None:
    series = [
        (name, colour)
        for name, colour in (("impressions", EU_BLUE), ("views", EU_YELLOW))
        if table.frame[name].notna().any()
    ]
    where = placed["platforms"]
    chart = _chart(
        book,
        "By platform",
        where,
        "platform",
        series,
        {"type": "column"},
        title="Impressions and views by platform in the period",
        below=where[:2],
    )
    if chart is not None:
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        chart.set_size({"width": 720, "height": 360})


def _budget_chart(book: _Book, placed: dict, table: Table) -> None:
    series = [("budget_eur", "#BBBBBB"), ("spent_cumulative_eur", EU_BLUE)]
    chart = _chart(
        book,
        "Financial report",
        placed["headings"],
        "heading_name",
        series,
        {"type": "bar"},
        title="Budget and cumulative spend by heading (EUR)",
        below=placed["subgrants"][:2],
    )
    if chart is not None:
        chart.set_x_axis({"num_format": "#,##0"})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 720, "height": 40 * placed["headings"][1] + 140})


def _headings(financial: Table) -> Table:
    """The heading rows of the financial report, on their own for the chart."""
    frame = financial.frame
    frame = frame[frame["row_type"] == "heading"][
        ["heading", "heading_name", "budget_eur", "spent_cumulative_eur", "execution"]
    ]
    return Table(
        "headings",
        "Budget execution by heading",
        "Each heading's budget against its cumulative spend (the chart below).",
        frame.reset_index(drop=True),
    )


def _participants_chart(book: _Book, placed: dict, table: Table) -> None:
    colours = {"female": "#CC79A7", "male": "#0072B2", "other": "#009E73"}
    where = placed["participants_sex_age"]
    series = [(c, colours.get(c, "#999999")) for c in where[2] if c not in ("age_group", "total")]
    chart = _chart(
        book,
        "Participants",
        where,
        "age_group",
        series,
        {"type": "column", "subtype": "stacked"},
        title="Participants by age group and sex",
        below=where[:2],
    )
    if chart is not None:
        chart.set_size({"width": 640, "height": 340})
