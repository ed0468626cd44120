"""``load_file``: one file in, one batch out (all of it, none of it, or on request its valid
rows). The file is read and its checksum taken, the same bytes again are a no-op naming the
earlier batch, then the file is checked (``check``) and written in one transaction (``write``)."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from etl import batches, forms, privacy, reading
from etl.kinds import KIND_NAMES
from etl.load.check import read_and_stage
from etl.load.context import DATE_ORDER
from etl.load.preview import describe_rows
from etl.load.result import Issue, LoadResult, UsageError
from etl.load.write import write_batch
from etl.messages import message
from etl.normalise import DATE_ORDERS
from etl.warehouse import Warehouse

DEFAULT_MAX_MB = 200


def max_bytes() -> int:
    """The largest file a load reads, in bytes (``CAMPAIGNS_MAX_UPLOAD_MB``)."""
    return int(float(os.environ.get("CAMPAIGNS_MAX_UPLOAD_MB", DEFAULT_MAX_MB)) * 1024 * 1024)


def load_file(
    warehouse: Warehouse,
    path: Path,
    *,
    campaign: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    source: str = "file",
    source_name: str | None = None,
    loaded_by: str | None = None,
    progress: Callable[[str], None] | None = None,
    as_of: dt.date | None = None,
    date_order: str | None = None,
    mapping: forms.Mapping | None = None,
    preview_rows: int = 0,
) -> LoadResult:
    """Check ``path`` and load it into ``warehouse`` as one batch.

    ``mapping`` says which question of a form's responses is which feedback field; the batch's
    checksum then covers the file and the mapping, so a corrected mapping loads again.
    ``preview_rows`` asks for the file's first rows as parsed in ``LoadResult.preview`` (rows
    with errors included), as the upload page shows them before anything is written.
    ``date_order`` ("dmy" or "mdy") says how to read slashed dates (03/04/2026) in a column
    where none of them tells (see ``stage``).
    """
    if date_order is not None and date_order not in DATE_ORDERS:
        raise UsageError(f"unknown date order '{date_order}'; use one of: {', '.join(DATE_ORDERS)}")
    token = DATE_ORDER.set(date_order)
    try:
        return _load_file(
            warehouse,
            path,
            campaign=campaign,
            kind=kind,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            source=source,
            source_name=source_name,
            loaded_by=loaded_by,
            progress=progress,
            as_of=as_of,
            mapping=mapping,
            preview_rows=preview_rows,
        )
    finally:
        DATE_ORDER.reset(token)


def _load_file(
    warehouse: Warehouse,
    path: Path,
    *,
    campaign,
    kind,
    dry_run,
    skip_invalid,
    source,
    source_name,
    loaded_by,
    progress,
    as_of,
    mapping,
    preview_rows,
) -> LoadResult:
    path = Path(path)
    name = source_name or path.name
    step = progress or (lambda _msg: None)
    _check_request(path, kind, mapping)
    result = LoadResult("rejected", name, kind=kind, campaign=campaign)
    size = path.stat().st_size
    step("reading")
    data = _read(path, size, result, mapping)
    user = loaded_by or os.environ.get("CAMPAIGNS_USER") or getpass.getuser()

    with warehouse.writer(publish=not dry_run) as con:
        if not dry_run and _already_loaded(con, result, campaign):
            return result
        started = dt.datetime.now()
        # A large file is screened for personal data (before its bytes are kept) while it is
        # read and checked, not after.
        screening = (
            privacy.Screening(path)
            if isinstance(data, reading.Scan) and not dry_run and batches.keep_days() != 0
            else None
        )
        try:
            # Checking only fills temporary tables of this connection: it needs no transaction,
            # and outside one DuckDB numbers a new table's rows in file order (see
            # reading.large_csv).
            staged = _check(
                con,
                data,
                path,
                result,
                name=name,
                kind=kind,
                campaign=campaign,
                step=step,
                as_of=as_of or dt.date.today(),
                mapping=mapping,
            )
            describe_rows(con, staged, result, preview_rows)
            write_batch(
                con,
                warehouse,
                path,
                result,
                staged,
                stored=data is not None,
                started=started,
                kind=kind,
                campaign=campaign,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                source=source,
                user=user,
                step=step,
                screening=screening,
            )
        finally:
            reading.remove_temporary_files()
    return result


def _check_request(path: Path, kind: str | None, mapping: forms.Mapping | None) -> None:
    """Refuse what the loader cannot be asked: an unknown kind, a form mapping for another
    kind than feedback, a file that is not there."""
    if kind is not None and kind not in KIND_NAMES:
        raise UsageError(f"unknown kind '{kind}'; use one of: {', '.join(KIND_NAMES)}")
    if mapping is not None and kind not in (None, "feedback"):
        raise UsageError(
            "a form mapping is for feedback responses; leave out --kind or use feedback"
        )
    if not path.is_file():
        raise UsageError(f"no such file: {path}")


def _read(
    path: Path, size: int, result: LoadResult, mapping: forms.Mapping | None
) -> bytes | reading.Scan | None:
    """The file's bytes, a ``Scan`` of a large file, or None for a file above the size limit;
    its checksum (with the mapping's, when one is given) in ``result``."""
    data: bytes | reading.Scan | None
    if size > max_bytes():
        # Not read, not kept: only its checksum, so that the refusal is in the load log.
        with path.open("rb") as fh:
            result.checksum = hashlib.file_digest(fh, "sha256").hexdigest()
        data = None
    elif size <= reading.FAST_PATH_BYTES:
        data = path.read_bytes()
        result.checksum = hashlib.sha256(data).hexdigest()
    else:
        # Large files are not held in memory: one pass hashes them and checks their text.
        data = reading.scan(path)
        result.checksum = data.checksum
    if mapping is not None:
        result.checksum = hashlib.sha256(
            f"{result.checksum}:{mapping.checksum}".encode()
        ).hexdigest()
    return data


def _already_loaded(
    con: duckdb.DuckDBPyConnection, result: LoadResult, campaign: str | None
) -> bool:
    """Whether the same bytes were loaded for the same campaign before: ``result`` then names
    that batch, and nothing changes."""
    previous = con.execute(
        "SELECT batch_id, kind, rows_loaded, finished_at FROM core.batch WHERE checksum = ? "
        "AND status = 'loaded' AND coalesce(campaign_code, '') = coalesce(?, '') "
        "ORDER BY batch_id DESC LIMIT 1",
        [result.checksum, campaign],
    ).fetchone()
    if previous is None:
        return False
    result.status = "already_loaded"
    result.previous_batch_id = result.batch_id = previous[0]
    result.kind = previous[1]
    result.rows_loaded = previous[2] or 0
    result.message = message(
        "load.already_loaded",
        file=result.file,
        batch=previous[0],
        at=f"{previous[3]:%Y-%m-%d %H:%M}",
    )
    return True


def _check(
    con: duckdb.DuckDBPyConnection,
    data: bytes | reading.Scan | None,
    path: Path,
    result: LoadResult,
    *,
    name: str,
    kind: str | None,
    campaign: str | None,
    step: Callable[[str], None],
    as_of: dt.date,
    mapping: forms.Mapping | None,
) -> dict:
    """Read and type the file into temporary tables; file-level problems become errors."""
    if data is None:
        size = path.stat().st_size
        result.errors.append(
            Issue(
                None,
                None,
                _size(size),
                message("load.too_big", name=name, size=_size(size), limit=_size(max_bytes())),
            )
        )
        return {}
    try:
        step("checking")
        return read_and_stage(
            con,
            data,
            path,
            result,
            name=name,
            kind=kind,
            campaign=campaign,
            as_of=as_of,
            mapping=mapping,
        )
    except reading.FileRejected as exc:
        result.errors.append(Issue(None, None, None, exc.message))
        return {}
    except reading.SettingError as exc:  # a limit (reading.LIMIT_SETTINGS) set to no number
        raise UsageError(str(exc)) from None
    except reading.VALUE_OUT_OF_RANGE:  # a value no check's SQL could cast: refused, not raised
        result.errors.append(Issue(None, None, None, reading.out_of_range(name)))
        return {}


def _size(count: int) -> str:
    """A file size as people read it: 200 MB, 1.5 MB, 512 KB, 1048 bytes."""
    if count >= 1024 * 1024:
        return f"{count / 1048576:.3g} MB"
    if count >= 10 * 1024:
        return f"{count / 1024:.3g} KB"
    return f"{count} bytes"
