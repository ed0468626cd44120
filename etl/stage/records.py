"""What staging works with and what it gives back: the ``Context`` the checks need, the
``Staged`` record of a typed table and its issues, and an issue about the file as a dict."""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.headers import HeaderMatch
from etl.kinds import FILE_KINDS, PROGRAMME_SHEETS, Kind


@dataclass
class Staged:
    """A typed table ``table`` (row_number, then one column per field) and its issues."""

    kind: str
    table: str
    issues_table: str
    header: HeaderMatch
    decimal: str
    rows_blank: int = 0
    rows_skipped: int = 0  # rows of a metrics file without any figure, left out with a warning
    date_orders: dict[str, str] = field(default_factory=dict)  # column -> "dmy" / "mdy"
    file_errors: list[dict] = field(default_factory=list)  # issues about the file as a whole
    file_warnings: list[dict] = field(default_factory=list)
    raw_source: str = ""  # the file's cells as read (a table, or a query over the file)
    rows_total: int = 0
    raw_header: list[str] = field(default_factory=list)
    sheet: str | None = None
    # The file's own cells, when the staged rows were rewritten from them (a platform export,
    # form responses): rows set aside are kept as the file had them.
    file_source: str = ""
    file_header: list[str] = field(default_factory=list)

    @property
    def cells_source(self) -> tuple[str, list[str]]:
        """Where the file's cells are, and their headers."""
        if self.file_source:
            return self.file_source, self.file_header
        return self.raw_source, self.raw_header

    def header_col(self, field_name: str) -> str:
        """The file's own header of a field."""
        index = self.header.columns.get(field_name)
        return self.raw_header[index] if index is not None else field_name


@dataclass(frozen=True)
class Context:
    """What the checks need to know about the warehouse, and what the user said."""

    campaign: str | None = None
    start: object = None  # campaign start date
    end: object = None
    # The order of day and month in slashed dates when no date of a column tells ("dmy",
    # "mdy"), as given with --date-order; None: day first, with a warning.
    date_order: str | None = None


def spec_of(kind: str) -> Kind:
    """The kind of file, or of set-up sheet, named ``kind``."""
    return FILE_KINDS.get(kind) or PROGRAMME_SHEETS[kind]


def issue(
    row: int | None,
    column: str | None,
    value: str | None,
    message: str,
    severity: str = "error",
) -> dict:
    """An issue about the file as a whole (``Staged.file_errors``, ``file_warnings``)."""
    return {"row": row, "column": column, "value": value, "message": message, "severity": severity}
