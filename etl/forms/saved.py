"""Form mappings saved with a campaign (``core.form_mapping``), and the one that fits a file.

A mapping saved on the Upload page is used again for the next file of the same form: the newest
saved with the campaign whose questions are all in the file's header. Also here, the reads that
takes: a file's responses as the loader reads them, and the campaign's events.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import reading
from etl.forms.mapping import Mapping, MappingError, mapping_from
from etl.forms.recognition import looks_like_form
from etl.forms.responses import columns_for
from etl.messages import message
from etl.warehouse import Warehouse


@dataclass(frozen=True)
class SavedMapping:
    """A mapping saved with a campaign, by whom and when."""

    mapping_id: int
    campaign: str
    text: str
    saved_by: str | None
    saved_at: dt.datetime

    def mapping(self) -> Mapping:
        """The saved text as a mapping (``MappingError`` when it no longer reads)."""
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"saved mapping {self.mapping_id}: not valid TOML ({exc})") from None
        m = mapping_from(
            data,
            text=self.text,
            source=f"saved for {self.campaign} by {self.saved_by or 'unknown'} on "
            f"{self.saved_at:%Y-%m-%d %H:%M}",
        )
        m.origin, m.saved_id = "saved", self.mapping_id
        return m


def saved_mappings(con: duckdb.DuckDBPyConnection, campaign: str) -> list[SavedMapping]:
    """The mappings saved with ``campaign``, newest first (none before the table exists)."""
    try:
        rows = con.execute(
            "SELECT mapping_id, campaign_code, mapping, saved_by, saved_at FROM core.form_mapping "
            "WHERE campaign_code = ? ORDER BY mapping_id DESC",
            [campaign],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return [SavedMapping(*row) for row in rows]


def pick_saved(saved: Sequence[SavedMapping], header: Sequence[str | None]) -> Mapping | None:
    """The newest saved mapping all of whose questions are in ``header``."""
    header = [str(h) if h is not None else "" for h in header]
    for s in saved:
        try:
            m = s.mapping()
        except MappingError:
            continue
        wanted = {f: t for f, t in m.questions.items() if f != "submitted_at"}
        if wanted and all(columns_for(t, header) for t in wanted.values()):
            return m
    return None


def save_mapping(warehouse: Warehouse, campaign: str, text: str, saved_by: str | None) -> int:
    """Keep ``text`` as the form mapping of ``campaign``; returns its id. Raises
    ``MappingError`` when the text is no mapping or the campaign does not exist."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"the mapping is not valid TOML ({exc})") from None
    mapping_from(data, text=text, source="the mapping")
    with warehouse.writer() as con:
        if not con.execute("SELECT 1 FROM campaigns WHERE code = ?", [campaign]).fetchone():
            raise MappingError(
                f"campaign '{campaign}' does not exist; `campaigns list` shows the codes"
            )
        con.execute("BEGIN TRANSACTION")
        mapping_id = con.execute("SELECT nextval('core.form_mapping_id_seq')").fetchone()[0]
        con.execute(
            "INSERT INTO core.form_mapping VALUES (?, ?, ?, ?, ?)",
            [mapping_id, campaign, text, saved_by, dt.datetime.now().replace(microsecond=0)],
        )
        con.execute("COMMIT")
    return mapping_id


def campaign_events(con: duckdb.DuckDBPyConnection, campaign: str | None) -> dict[str, str]:
    """The campaign's events, code -> name (the code when it has no name)."""
    if not campaign:
        return {}
    rows = con.execute(
        "SELECT event_code, coalesce(name, event_code) FROM events WHERE campaign_code = ? "
        "ORDER BY event_code",
        [campaign],
    ).fetchall()
    return dict(rows)


def read_responses(
    path: Path, name: str | None = None, *, kind: str | None = None
) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """A file's header and its data rows (row number, cells), read as the loader reads them.

    Raises ``reading.FileRejected`` when the file cannot be read as a table."""
    path = Path(path)
    name = name or path.name
    with path.open("rb") as fh:
        data = fh.read(reading.FAST_PATH_BYTES + 1)
    partial = len(data) > reading.FAST_PATH_BYTES
    fmt = reading.sniff_format(data)
    if fmt in ("json", "xls") or (fmt == "xlsx" and partial):
        raise reading.FileRejected(message("forms.not_responses", name=name, format=fmt))
    con = duckdb.connect()
    try:
        kinds = (kind,) if kind else None
        if fmt == "xlsx":
            book = reading.read_workbook(data, name)
            first = next(iter(book.sheets))
            raw = reading.read_sheet(con, book.sheets[first], name=name, table="raw_0", kinds=kinds)
        else:
            text, encoding = reading.decode(data, name, partial=partial)
            raw = reading.read_csv_text(
                con, text, name=name, encoding=encoding, table="raw_0", kinds=kinds
            )
        rows = con.execute(f"SELECT * FROM {raw.table} ORDER BY row_number").fetchall()
    finally:
        con.close()
    return list(raw.header), [(r[0], list(r[1:])) for r in rows]


def saved_mapping(
    warehouse: Warehouse,
    campaign: str | None,
    path: Path,
    *,
    name: str | None = None,
    kind: str | None = None,
) -> Mapping | None:
    """The mapping saved with ``campaign`` for the form whose responses ``path`` holds: the
    newest whose questions are all in the file. None when there is none (or the file is no
    form's responses), so that the loader proposes one."""
    if not campaign or kind not in (None, "feedback") or not warehouse.read_path.exists():
        return None
    with warehouse.reader() as con:
        saved = saved_mappings(con, campaign)
    if not saved:
        return None
    try:
        header, _rows = read_responses(path, name, kind=kind)
    except (reading.FileRejected, OSError):
        return None
    if not looks_like_form(header):
        return None
    return pick_saved(saved, header)
