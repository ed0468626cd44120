"""The work an upload hands to a worker process (``etl.isolate.run``): each job here runs there.

A job takes keyword arguments that pickle (paths, text, the ``Warehouse``) and returns a result
that pickles back: checking or loading an uploaded file, previewing a form's responses through a
mapping, publishing the warehouse's read copy again, listing what the worker has open.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from etl import forms, load, reading
from etl.privacy import mask
from etl.warehouse import Warehouse


def load_upload(
    path: Path,
    *,
    warehouse: Warehouse,
    name: str,
    kind: str | None,
    campaign: str | None,
    dry_run: bool,
    source: str,
    loaded_by: str | None = None,
    skip_invalid: bool = False,
    preview_rows: int = 0,
    saved: Sequence[Any] = (),
    progress: Callable[[str], None] | None = None,
) -> load.LoadResult:
    """Check (``dry_run``) or load the file at ``path`` as ``etl.load.load_file`` does; for a
    form's responses, through the newest of the ``saved`` mappings (``forms.SavedMapping``, read
    by the caller within the user's campaigns) whose questions are all in the file."""
    mapping = _saved_mapping(path, name, kind, saved) if saved else None
    return load.load_file(
        warehouse,
        path,
        campaign=campaign,
        kind=kind,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        source=source,
        source_name=name,
        loaded_by=loaded_by,
        progress=progress,
        mapping=mapping,
        preview_rows=preview_rows,
    )


def _saved_mapping(
    path: Path, name: str, kind: str | None, saved: Sequence[Any]
) -> forms.Mapping | None:
    try:
        header, _rows = forms.read_responses(path, name, kind=kind)
    except reading.FileRejected:
        return None
    if not forms.looks_like_form(header):
        return None
    return forms.pick_saved(saved, header)


def form_rows(
    path: Path,
    *,
    name: str,
    text: str,
    events: dict[str, str],
    fields: Sequence[str],
    rows: int,
) -> list[dict[str, Any]] | None:
    """The first ``rows`` responses of the form at ``path`` as the mapping ``text`` reads them:
    one dict per response holding the ``fields`` it gives, the comment masked. None when the
    text is no mapping or the file no form's responses."""
    try:
        mapping = forms.mapping_from(tomllib.loads(text), text=text)
        header, body = forms.read_responses(path, name, kind="feedback")
        rw = forms.rewrite(mapping, header, body, name, events=events)
    except (tomllib.TOMLDecodeError, forms.MappingError, reading.FileRejected):
        return None
    shown = [(i, n) for i, n in enumerate(fields) if n in rw.match.columns]
    records = []
    for _number, cells in rw.rows[:rows]:
        record = {n: cells[i] for i, n in shown}
        if "comment" in record:
            record["comment"] = mask(record["comment"])
        records.append(record)
    return records


def republish(*, warehouse: Warehouse) -> None:
    """Publish the warehouse's read copy from what is committed."""
    warehouse.publish()


def open_files() -> list[str]:
    """What the worker has open (``/proc/self/fd``): the tests check that no database file of
    the server's crosses into it."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            out.append(os.readlink(f"/proc/self/fd/{fd}"))
    return out
