"""The donor's workbook: Cover, Logframe, Campaigns, By platform, Reach, Financial report,
Budget lines, Costs, Participants, Events, Approval (the reporting periods not approved),
Narratives (the grantees'), Definitions and, when the report is compared with a submitted one,
Changes. Native Excel charts show impressions and views by platform, budget
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

from dashboard.report.approval import approval_table, statement
from dashboard.report.model import COLUMNS, Report, ReportMeta, Table
from dashboard.report.words import (
    column_label,
    column_meaning,
    day,
    moment,
    period,
    shown_frame,
    unit_text,
    word,
)
from etl.cells import FORMULA_START, formula_like, is_list, neutral_text

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
# Dates as Russian and Kazakh readers write them; English keeps the ISO form.
LOCAL_DATES = {"date": "dd.mm.yyyy", "datetime": "dd.mm.yyyy hh:mm"}
TEXT_WIDTH = 42  # longer text wraps within the column
LINE_HEIGHT = 15


class _Book:
    """The workbook with its formats."""

    def __init__(self, buf: io.BytesIO, report: Report) -> None:
        self.report = report
        self.lang = report.meta.lang
        self.wb = xlsxwriter.Workbook(
            buf,
            {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True},
        )
        m = report.meta
        produced = pd.Timestamp(m.produced_at).tz_localize(None).to_pydatetime()
        self.wb.set_properties(
            {
                "title": f"{m.programme}: {m.scope}",
                "subject": period(m.period_start, m.period_end, m.lang),
                "author": m.programme,
                "comments": m.funding_statement,
                "created": produced,
            }
        )
        self.formats: dict[tuple, Any] = {}

    def w(self, key: str, **params: Any) -> str:
        """The report's text ``key`` in the workbook's language."""
        return word(key, self.lang, **params)

    def sheet(self, key: str) -> str:
        """A sheet's name in the workbook's language."""
        return self.w(f"sheet.{key}")

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
    _sheet(book, book.sheet("logframe"), [tables["logframe"]], hide=("section", "measure"))
    _sheet(book, book.sheet("campaigns"), [tables["campaigns"]])
    platforms = _sheet(book, book.sheet("platforms"), [tables["platforms"]])
    _platform_chart(book, platforms, tables["platforms"])
    _sheet(book, book.sheet("reach"), [tables["reach"]])
    financial = _sheet(
        book,
        book.sheet("financial"),
        [tables["financial"], _headings(book, tables["financial"]), tables["subgrants"]],
    )
    _budget_chart(book, financial, tables["financial"])
    _sheet(book, book.sheet("budget_lines"), [tables["budget_lines"]])
    _sheet(book, book.sheet("costs"), [tables["costs"]])
    participants = _sheet(
        book,
        book.sheet("participants"),
        [tables["participants_check"], tables["participants"], tables["participants_sex_age"]],
    )
    _participants_chart(book, participants, tables["participants_sex_age"])
    _sheet(book, book.sheet("events"), [tables["events"]])
    approval = approval_table(report.meta)
    if approval is not None:
        _sheet(book, book.sheet("approval"), [approval])
    if "narratives" in tables:
        _sheet(book, book.sheet("narratives"), [tables["narratives"]])
    if changes is not None:
        _changes(book, report, changes)
    _definitions(book, report)
    book.wb.close()
    return buf.getvalue()


# --- sheets ---------------------------------------------------------------------------------


def _cover(book: _Book, report: Report, changes: pd.DataFrame | None) -> None:
    m = report.meta
    ws = book.wb.add_worksheet(book.sheet("cover"))
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
    for name, text in _cover_rows(m, book.lang):
        ws.write_string(row, 0, name, key)
        _wrapped(ws, row, 1, text, value, 90)
        row += 1
    row += 1
    ws.set_row(row, _height(m.disclaimer, 110))
    ws.merge_range(
        row, 0, row, 1, neutral_text(m.disclaimer), book.fmt(italic=True, text_wrap=True)
    )
    row += 2
    ws.write_string(row, 0, book.w("cover.sheets"), key)
    for title, text in _contents(book, report, changes):
        _wrapped(ws, row, 1, f"{title}: {text}", value, 90)
        row += 1
    ws.set_footer(f"&L{m.funding_statement}&R&P / &N")
    ws.activate()


def _cover_rows(m: ReportMeta, lang: str = "en") -> list[tuple[str, str]]:
    """(name, text) of each line of the cover's details."""

    def w(key: str, **params: Any) -> str:
        return word(key, lang, **params)

    rows: list[tuple[str, str]] = [
        (w("cover.contract"), m.contract or ""),
        (w("cover.report"), m.scope),
        (w("cover.period"), period(m.period_start, m.period_end, lang)),
        (w("cover.organisation"), m.organisation_name or ""),
        (w("cover.campaigns"), ", ".join(m.campaigns)),
        (w("cover.produced"), moment(m.produced_at, lang)),
        (w("cover.data_as_of"), moment(m.data_as_of, lang) or w("cover.no_load")),
        (w("cover.status_date"), day(m.status_date, lang)),
        (w("cover.fx"), _fx_text(m.fx_rule, lang)),
        (w("cover.implementation"), period(m.programme_start, m.programme_end, lang)),
    ]
    approval = statement(m)
    if approval is not None:
        rows.append((w("cover.approval"), approval))
    if m.submitted is not None:
        s = m.submitted
        rows.append(
            (w("cover.submitted"), w("cover.submitted_text", title=s.title, at=s.at_text, by=s.by))
        )
    if m.compared_with is not None:
        c = m.compared_with
        rows.append(
            (
                w("cover.compared"),
                w(
                    "cover.compared_text",
                    id=c.report_id,
                    title=c.title,
                    at=c.submitted_at_text,
                    changes=c.changes,
                ),
            )
        )
    return rows


def _contents(book: _Book, report: Report, changes: pd.DataFrame | None) -> list[tuple[str, str]]:
    t = report.tables
    out = [
        (book.sheet("logframe"), t["logframe"].description),
        (book.sheet("campaigns"), t["campaigns"].description),
        (book.sheet("platforms"), t["platforms"].description),
        (book.sheet("reach"), t["reach"].description),
        (book.sheet("financial"), f"{t['financial'].description} {t['subgrants'].description}"),
        (book.sheet("budget_lines"), t["budget_lines"].description),
        (book.sheet("costs"), t["costs"].description),
        (book.sheet("participants"), t["participants"].description),
        (book.sheet("events"), t["events"].description),
    ]
    if report.meta.approval is not None:
        out.append((book.sheet("approval"), book.w("table.approval.description")))
    if "narratives" in t:
        out.append((book.sheet("narratives"), t["narratives"].description))
    if changes is not None:
        out.append((book.sheet("changes"), book.w("cover.changes_sheet")))
    out.append((book.sheet("definitions"), book.w("cover.definitions_sheet")))
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


def _fx_text(rule: str, lang: str = "en") -> str:
    if rule == "campaign_average":
        return word("fx.campaign_average", lang)
    return word("fx.booking_month", lang)


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
        title = column_label(name, book.lang)
        ws.write_string(header, col, neutral_text(title), head)
        widths[col] = max(widths.get(col, 0), min(len(title), 24))
    kinds = [_column_format(frame[name], _unit(name), book.lang) for name in frame.columns]
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

    shown = shown_frame(book.report, frame)  # texts in the report's language
    values = shown.astype(object).where(shown.notna(), None).to_numpy().tolist()
    longest = [widths.get(col, 0) for col in range(len(frame.columns))]
    # The common cells (text, numbers, blanks) written here; the rest by ``_write_cell``.
    for i, row in enumerate(values):
        r = header + 1 + i
        row_type = row_types[i]
        lines = 1.0
        for col, v in enumerate(row):
            kind = type(v)
            if kind is str:
                wrap = len(v) > TEXT_WIDTH - 2
                if wrap:
                    lines = max(lines, _height(v, TEXT_WIDTH) / LINE_HEIGHT)
                text = "'" + v if v.startswith(FORMULA_START) and formula_like(v) else v
                ws.write_string(r, col, text, cell_format(col, row_type, wrap))
                width = len(text)
            elif (kind is float or kind is int) and v == v:
                ws.write_number(r, col, float(v), cell_format(col, row_type, False))
                width = len(f"{v:,.0f}") + 3
            elif v is None or kind is float:  # None or NaN
                ws.write_blank(r, col, None, cell_format(col, row_type, False))
                continue
            else:
                width = _write_cell(ws, r, col, v, cell_format(col, row_type, False))
            if width > longest[col]:
                longest[col] = width
        if lines > 1:
            ws.set_row(r, LINE_HEIGHT * lines)
    for col, width in enumerate(longest):
        if width > widths.get(col, 0):
            widths[col] = width


def _column_format(column: pd.Series, unit: str, lang: str = "en") -> str | None:
    if lang != "en" and unit in LOCAL_DATES:
        return LOCAL_DATES[unit]
    if unit in NUMBER_FORMATS:
        return NUMBER_FORMATS[unit]
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.dropna()
        whole = bool(len(values)) and all(float(v).is_integer() for v in values)
        return "#,##0" if whole else "#,##0.00"
    return None


# Excel's day 0 is 1899-12-30 for every date after February 1900 (it counts a 29 February
# 1900 that never was); a report's dates are all later.
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()


def _excel_day(value: dt.date) -> int:
    return value.toordinal() - _EXCEL_EPOCH


def _write_date(ws: Worksheet, row: int, col: int, serial: float, fmt: Any) -> None:
    """A date or time as Excel stores it, a day number in a date format: what xlsxwriter's
    ``write_datetime`` writes, without its conversion of each value (a tenth of a second over
    the costs of a programme's year)."""
    ws.write_number(row, col, serial, fmt if fmt is not None else ws.default_date_format)


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
    if isinstance(value, dt.datetime):  # pd.Timestamp is one too
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        _write_date(ws, row, col, _excel_day(value) + seconds / 86400, fmt)
        return 16
    if isinstance(value, dt.date):
        _write_date(ws, row, col, _excel_day(value), fmt)
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
        book.w("changes.title"),
        book.w("changes.description", id=c.report_id, title=c.title, at=c.submitted_at_text)
        if c is not None
        else book.w("changes.description_plain"),
        changes,
        notes=() if len(changes) else (book.w("changes.none"),),
    )
    _sheet(book, book.sheet("changes"), [table])


def _definitions(book: _Book, report: Report) -> None:
    ws = book.wb.add_worksheet(book.sheet("definitions"))
    head = book.fmt(bold=True, bg_color=HEADER_FILL, border=1)
    wrap = book.fmt(text_wrap=True, valign="top")
    titles = [("table", 22), ("column", 30), ("heading", 30), ("unit", 10), ("meaning", 90)]
    for col, (key, width) in enumerate(titles):
        name = book.w(f"defs.{key}")
        ws.write_string(0, col, neutral_text(name), head)
        ws.set_column(col, col, width)
    row = 1
    for table in report.tables.values():
        for name, unit, description in table.column_info():
            if book.lang != "en":
                unit, description = unit_text(unit, book.lang), column_meaning(name, book.lang)
            heading = column_label(name, book.lang)
            for col, text in enumerate((table.title, name, heading, unit, description)):
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
                "name": column_label(name, book.lang),
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
        book.sheet("platforms"),
        where,
        "platform",
        series,
        {"type": "column"},
        title=book.w("chart.platforms"),
        below=where[:2],
    )
    if chart is not None:
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        chart.set_size({"width": 720, "height": 360})


def _budget_chart(book: _Book, placed: dict, table: Table) -> None:
    series = [("budget_eur", "#BBBBBB"), ("spent_cumulative_eur", EU_BLUE)]
    chart = _chart(
        book,
        book.sheet("financial"),
        placed["headings"],
        "heading_name",
        series,
        {"type": "bar"},
        title=book.w("chart.budget"),
        below=placed["subgrants"][:2],
    )
    if chart is not None:
        chart.set_x_axis({"num_format": "#,##0"})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 720, "height": 40 * placed["headings"][1] + 140})


def _headings(book: _Book, financial: Table) -> Table:
    """The heading rows of the financial report, on their own for the chart."""
    frame = financial.frame
    frame = frame[frame["row_type"] == "heading"][
        ["heading", "heading_name", "budget_eur", "spent_cumulative_eur", "execution"]
    ]
    return Table(
        "headings",
        book.w("headings.title"),
        book.w("headings.description"),
        frame.reset_index(drop=True),
    )


def _participants_chart(book: _Book, placed: dict, table: Table) -> None:
    colours = {"female": "#CC79A7", "male": "#0072B2", "other": "#009E73"}
    where = placed["participants_sex_age"]
    series = [(c, colours.get(c, "#999999")) for c in where[2] if c not in ("age_group", "total")]
    chart = _chart(
        book,
        book.sheet("participants"),
        where,
        "age_group",
        series,
        {"type": "column", "subtype": "stacked"},
        title=book.w("chart.participants"),
        below=where[:2],
    )
    if chart is not None:
        chart.set_size({"width": 640, "height": 340})
