"""Spend files as grantees' accountants write them, rewritten into our spend fields.

Exports from 1C and sheets typed in a Russian or Kazakh Excel write amounts with a currency mark
and local separators (``739 433,35 тг``, ``KZT 12,500.00``, ``(12 500)``), name a budget line
with its description (``1.1 Заработная плата``, ``Статья 1.1``), and often have no currency
column or no document-number column. ``rewrite`` turns such rows into plain spend fields, with a
warning for every reading it had to choose and an error for every row it cannot settle;
``stage_spend`` stages the result. A file that needs none of this is staged as it is.

The rewritten rows keep the file's row numbers and the columns in their places (a currency or a
reference made here is added after them), so every message still points at the file as the user
sees it. The amounts themselves are read by ``etl.amounts``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from etl import reading
from etl.amounts import (
    SPACES,
    currency_code,
    file_decimal,
    header_currency,
    read_number,
    split_amount,
)
from etl.headers import HeaderMatch, accepted_words
from etl.messages import code_of, message
from etl.normalise import MISSING_MARKERS
from etl.stage import Context, Staged, stage

# References made from a row's content start with this; a file whose rows have them restates
# every such cost of its period (see ``facts.write_spend``).
AUTO_PREFIX = "auto-"
REFERENCE_HEADER = "reference (made from the row)"

Note = tuple[int | None, str, str | None, str]  # row, column, value, message


@dataclass
class Rewritten:
    """A spend file's rows in our spend fields, and what was decided on the way."""

    header: list[str]
    rows: list[tuple[int, list[str | None]]]
    match: HeaderMatch
    decimal: str = "."
    changed: bool = False
    warnings: list[Note] = field(default_factory=list)
    errors: list[Note] = field(default_factory=list)


# --- budget lines ------------------------------------------------------------------------------

_LINE = re.compile(
    r"(?:(?:статья|ст|пункт|п|бап|бабы|line|item|no|№)\.?\s*)?"
    r"([0-9]{1,2}(?:[.,][0-9]{1,3})*)\.?"
    r"(?:\s*[-—–:]\s*|\s+|$)(.*)",
    re.IGNORECASE | re.DOTALL,
)


def _key(text: str) -> str:
    """Text compared without case, repeated spaces or the dots of ``ё``."""
    s = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(s.split())


def resolve_line(text: str, budget: dict[str, str]) -> tuple[str | None, str, str]:
    """The budget line ``text`` names, how it was found, and what else it says.

    Returns (code, how, rest): ``how`` is ``code`` (the cell is a code, or starts with one:
    ``1.1 Заработная плата``, ``Статья 1.1``), ``description`` (the cell is exactly one line's
    description) or ``''`` (no line: code is None).
    """
    s = text.strip(SPACES)
    if s in budget:
        return s, "code", ""
    m = _LINE.fullmatch(s)
    if m:
        for code in (m.group(1), m.group(1).replace(",", ".")):
            if code in budget:
                return code, "code", m.group(2).strip(SPACES + ".")
    hits = [
        code for code, description in budget.items() if description and _key(description) == _key(s)
    ]
    if len(hits) == 1:
        return hits[0], "description", ""
    return None, "", ""


# --- dates and references ----------------------------------------------------------------------

_DATE = re.compile(
    r"(?:(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"
    r"|(?P<d2>[0-9]{1,2})[./](?P<m2>[0-9]{1,2})[./](?P<y2>[0-9]{4}|[0-9]{2}))"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)


def slash_order(cells: list[str], given: str | None = None) -> str:
    """The order of day and month in a column's slashed dates: ``given``, else what a date with
    a day above 12 shows, else day first."""
    if given:
        return given
    for cell in cells:
        m = re.match(r"\s*([0-9]{1,2})/([0-9]{1,2})/", cell)
        if m and int(m.group(1)) > 12:
            return "dmy"
        if m and int(m.group(2)) > 12:
            return "mdy"
    return "dmy"


def iso_date(text: str, order: str = "dmy") -> str | None:
    """A date cell as ISO text, in the forms the loader reads, or None; ``order`` is that of
    day and month in slashed dates ("dmy" or "mdy")."""
    s = text.strip(SPACES)
    if re.fullmatch(r"[1-9][0-9]{4}(\.[0-9]+)?", s):  # an Excel date serial number
        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(float(s)))).isoformat()
    m = _DATE.fullmatch(s)
    if not m:
        return None
    if m.group("y"):
        y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    else:
        y, mo, d = int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))
        if order == "mdy" and "/" in s:
            mo, d = d, mo
        if y < 100:
            y += 2000 if y < 69 else 1900
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def auto_reference(date: str, line: str, amount: str, currency: str, description: str) -> str:
    """A reference made from what a cost is: the same cost written again gets the same one."""
    key = "\x1f".join((date, line, amount, currency, _key(description)))
    return AUTO_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


# --- the rewrite -------------------------------------------------------------------------------


def _present(value: str | None) -> bool:
    if value is None:
        return False
    s = value.strip(SPACES)
    return bool(s) and s.lower() not in MISSING_MARKERS


def _plain(value: Decimal) -> str:
    return format(value, "f")


class _Rewrite:
    """One pass over a spend file's rows; each step fills in one of our fields."""

    def __init__(
        self,
        header: list[str],
        rows: list[tuple[int, list[str | None]]],
        hm: HeaderMatch,
        budget: dict[str, str],
        date_order: str | None = None,
    ) -> None:
        width = len(header)
        self.header = header
        self.budget = budget
        self.columns = dict(hm.columns)
        self.written = {n: cells for n, cells in rows}
        self.out = Rewritten(
            list(header),
            [(n, [c[i] if i < len(c) else None for i in range(width)]) for n, c in rows],
            HeaderMatch("spend", self.columns, list(hm.unknown), list(hm.duplicates)),
        )
        # Rows with at least one cell: blank rows stay blank, for the checks to skip.
        self.live = [
            (n, cells)
            for n, cells in self.out.rows
            if any(c is not None and c.strip(SPACES) for c in cells)
        ]
        self.values: dict[int, Decimal] = {}  # the amount of each row that could be read
        self.marks: dict[int, str] = {}  # the currency of each amount's mark
        self.flagged: set[int] = set()  # rows whose amount has a currency error already
        self.currencies: dict[int, str] = {}
        self.lines: dict[int, str] = {}
        self.date_order = date_order
        i = self.columns.get("amount")
        self.amount_head = header[i] if i is not None else "amount"
        self.head_currency = header_currency(self.amount_head) if i is not None else None

    def cell(self, n: int, field_name: str) -> str | None:
        """The cell of row ``n`` as the file has it."""
        i = self.columns.get(field_name)
        cells = self.written.get(n, [])
        return cells[i] if i is not None and i < len(cells) else None

    def put(self, cells: list[str | None], field_name: str, value: str | None) -> None:
        i = self.columns[field_name]
        if cells[i] != value:
            cells[i] = value
            self.out.changed = True

    def add_column(self, field_name: str, heading: str) -> None:
        self.columns[field_name] = len(self.out.header)
        self.out.header.append(heading)
        for _n, cells in self.out.rows:
            cells.append(None)
        self.out.changed = True

    def error(self, n: int | None, column: str, value: str | None, message: str) -> None:
        self.out.errors.append((n, column, value, message))

    def warn(self, n: int | None, column: str, value: str | None, message: str) -> None:
        self.out.warnings.append((n, column, value, message))

    def amounts(self) -> None:
        """Amounts as plain numbers, and the currency their marks (or header) name."""
        if "amount" not in self.columns:
            return
        written = [c for n, _ in self.live if _present(c := self.cell(n, "amount"))]
        self.out.decimal = file_decimal([c for c in written if c is not None])
        for n, cells in self.live:
            raw = self.cell(n, "amount")
            if not _present(raw) or raw is None:
                continue
            digits, negative, currencies = split_amount(raw)
            if currencies:
                self.marks[n] = currencies[0]
            if len(set(currencies)) > 1:
                self.flagged.add(n)
                self.error(
                    n,
                    self.amount_head,
                    raw,
                    message("spend.two_currencies", currencies=", ".join(sorted(set(currencies)))),
                )
                continue
            if currencies and self.head_currency and currencies[0] != self.head_currency:
                self.flagged.add(n)
                self.error(
                    n,
                    self.amount_head,
                    raw,
                    message(
                        "spend.mark_header_differ",
                        mark=currencies[0],
                        column=self.amount_head,
                        header=self.head_currency,
                    ),
                )
            number = read_number(digits, self.out.decimal)
            if number is None:
                continue  # left as written: the checks say how to write it
            self.values[n] = -number if negative else number
            self.put(cells, "amount", _plain(self.values[n]))

    def currency(self) -> None:
        """The currency column, else the marks; where both are given they must agree."""
        if "currency" in self.columns:
            self._check_currency_column()
        elif "amount" in self.columns:
            self._currency_from_marks()

    def _check_currency_column(self) -> None:
        heading = self.header[self.columns["currency"]]
        for n, cells in self.live:
            written = self.cell(n, "currency")
            mark = self.marks.get(n) or (self.head_currency if n in self.values else None)
            code = currency_code(written) if written is not None and _present(written) else None
            if code and mark and code != mark and n not in self.flagged:
                self.error(
                    n,
                    heading,
                    written,
                    message(
                        "spend.currency_differs",
                        currency=code,
                        column=heading,
                        amount=self.cell(n, "amount"),
                        amount_column=self.amount_head,
                        mark=mark,
                    ),
                )
            elif not _present(written) and mark:
                self.put(cells, "currency", mark)
                code = mark
            if code:
                self.currencies[n] = code

    def _currency_from_marks(self) -> None:
        counts = Counter(self.marks[n] for n, _ in self.live if n in self.marks)
        if not counts and not self.head_currency:
            return  # the checks report the missing column (see ``explain_missing``)
        main = self.head_currency or counts.most_common(1)[0][0]
        self.add_column("currency", self.amount_head)
        for n, cells in self.live:
            mark = self.marks.get(n, main)
            cells[self.columns["currency"]] = mark
            self.currencies[n] = mark
            if mark != main and n not in self.flagged:
                others = counts[main]
                self.error(
                    n,
                    self.amount_head,
                    self.cell(n, "amount"),
                    message("spend.mixed_currencies", mark=mark, count=others, main=main),
                )
        code = "spend.currency_from_header" if self.head_currency else "spend.currency_from_marks"
        self.warn(None, "currency", main, message(code, currency=main, column=self.amount_head))

    def budget_lines(self) -> None:
        """Lines written with their description, or as their description alone."""
        if "budget_line" not in self.columns:
            return
        heading = self.header[self.columns["budget_line"]]
        for n, cells in self.live:
            written = self.cell(n, "budget_line")
            if written is None or not _present(written):
                continue
            code, how, rest = resolve_line(written, self.budget)
            if code is None:
                continue  # the checks list the campaign's lines
            self.lines[n] = code
            self.put(cells, "budget_line", code)
            if how == "description":
                self.warn(
                    n,
                    heading,
                    written,
                    message("spend.line_from_description", line=code),
                )
            elif rest and _key(rest) != _key(self.budget[code]):
                others = [c for c, d in self.budget.items() if d and _key(d) == _key(rest)]
                if others:
                    self.error(
                        n,
                        heading,
                        written,
                        message(
                            "spend.two_lines",
                            line=code,
                            description=self.budget[code],
                            written=rest,
                            other=others[0],
                        ),
                    )

    def references(self) -> None:
        """A reference made from each row's content, when the file has no document numbers.

        Without a description a cost cannot be told from another of the same day, line and
        amount: the checks then ask for the missing reference column.
        """
        if "reference" in self.columns or "description" not in self.columns:
            return
        self.add_column("reference", REFERENCE_HEADER)
        first: dict[str, int] = {}
        seen: Counter[str] = Counter()
        description_head = self.header[self.columns["description"]]
        dates = [d for n, _ in self.live if (d := self.cell(n, "date"))]
        order = slash_order(dates, self.date_order)
        for n, cells in self.live:
            date = self.cell(n, "date") or ""
            amount = self.values.get(n)
            base = auto_reference(
                iso_date(date, order) or date.strip(SPACES),
                self.lines.get(n) or (self.cell(n, "budget_line") or "").strip(SPACES),
                _plain(amount.quantize(Decimal("0.01")))
                if amount is not None
                else (self.cell(n, "amount") or ""),
                self.currencies.get(n, ""),
                self.cell(n, "description") or "",
            )
            seen[base] += 1
            reference = base if seen[base] == 1 else f"{base}-{seen[base]}"
            first.setdefault(base, n)
            if seen[base] > 1:
                self.warn(
                    n,
                    description_head,
                    self.cell(n, "description"),
                    message("spend.same_cost", first_row=first[base]),
                )
            cells[self.columns["reference"]] = reference
        if not self.live:
            return
        self.warn(
            None,
            REFERENCE_HEADER,
            None,
            message("spend.references_made"),
        )


def rewrite(
    header: list[str],
    rows: list[tuple[int, list[str | None]]],
    hm: HeaderMatch,
    budget: dict[str, str],
    *,
    date_order: str | None = None,
) -> Rewritten:
    """The rows of a spend file in our spend fields, with what was decided about them.

    ``hm`` is the file's header matched to the spend fields; ``budget`` maps the campaign's
    budget line codes to their descriptions. Cells that cannot be read are left as written, for
    the checks to report them with the usual hints; ``changed`` is False when no cell needed
    rewriting. ``date_order`` is the order of day and month in slashed dates, when known.
    """
    r = _Rewrite(header, rows, hm, budget, date_order)
    r.amounts()
    r.currency()
    r.budget_lines()
    r.references()
    return r.out


# --- staging -----------------------------------------------------------------------------------


def explain_missing(s: Staged) -> None:
    """Say how to fix a spend file missing its currency or reference column."""
    for issue in s.file_errors:
        if issue["column"] not in ("currency", "reference"):
            continue
        words = ", ".join(f"'{w}'" for w in accepted_words("spend", issue["column"]))
        if issue["column"] == "currency":
            issue["message"] = message("spend.currency_missing", words=words)
        elif issue["column"] == "reference":
            issue["message"] = message("spend.reference_missing", words=words)


def stage_spend(
    con: duckdb.DuckDBPyConnection,
    raw: reading.RawTable,
    hm: HeaderMatch,
    ctx: Context,
    *,
    name: str,
) -> tuple[Staged, reading.RawTable]:
    """Stage a spend file, rewritten first where it needs it; returns the staged file and the
    table staged (``raw`` itself when nothing was rewritten)."""
    rows = [
        (r[0], list(r[1:]))
        for r in con.execute(f"SELECT * FROM {raw.table} ORDER BY row_number").fetchall()
    ]
    budget = dict(
        con.execute(
            "SELECT line_code, description FROM budget_lines WHERE campaign_code = ?",
            [ctx.campaign or ""],
        ).fetchall()
    )
    rw = rewrite(raw.header, rows, hm, budget, date_order=getattr(ctx, "date_order", None))
    table = raw
    if rw.changed:
        table = reading.numbered_table(con, "raw_spend", rw.header, rw.rows, raw)
        s = stage(con, table, rw.match, ctx, name=name, suffix="_0")
        s.file_source, s.file_header = raw.table, raw.header
        if "amount" in rw.match.columns:
            s.decimal = rw.decimal
    else:
        s = stage(con, raw, hm, ctx, name=name, suffix="_0")
    explain_missing(s)
    for row, column, value, text in rw.warnings:
        if row is None:
            s.file_warnings.append(_issue(row, column, value, text, "warning"))
    if s.file_errors:
        return s, table
    notes = [(*w, "warning") for w in rw.warnings if w[0] is not None]
    notes += [(*e, "error") for e in rw.errors]
    if notes:
        con.executemany(
            f"INSERT INTO {s.issues_table} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*note, *_code_and_params(note[3])) for note in notes],
        )
    return s, table


def _code_and_params(text: str) -> tuple[str | None, str | None]:
    """A message's code and params (JSON text) as the issues table holds them."""
    code, params = code_of(text)
    return code, json.dumps(params, ensure_ascii=False) if code else None


def _issue(row, column, value, message, severity) -> dict:
    return {"row": row, "column": column, "value": value, "message": message, "severity": severity}
