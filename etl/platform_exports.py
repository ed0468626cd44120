"""Platforms' own export files, recognised by their header and read as metrics.

The profiles live in ``exports.toml``. A recognised file is rewritten, row for row, into the
shape of our metrics template: the platform and, for per-post files, the export date and the
``lifetime`` window are added as columns, dates are rewritten in ISO form, and summary rows are
set aside with a warning. The rewritten rows keep the file's row numbers and column headers, so
every message still points at the file as the user sees it.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from etl.dates import column_days, worded_moment
from etl.headers import HeaderMatch, normalise
from etl.kinds import METRIC_FIELDS
from etl.messages import message

Note = tuple[int | None, str, str | None, str]  # row, column, value, message


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    platform: str
    grain: str
    signature: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    dates: str = ""
    totals: tuple[str, ...] = ()
    renamed: str = ""
    url: str = ""  # the post's address from its id, where the export gives no link
    title_metric: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # file names (or patterns) per UI language, compared as stems
    file_signature: tuple[str, ...] = ()  # what suffices with a matching file name

    def named_by(self, name: str | None) -> bool:
        """Whether ``name`` is one of this export's file names, in any UI language."""
        if not name or not self.files:
            return False
        stem = _stem(name)
        return any(fnmatch.fnmatchcase(stem, _stem(f)) for f in self.files)

    def unknown(self, header: list[str | None]) -> list[str]:
        """The header's cells that none of this export's words name."""
        words = {normalise(w) for ws in self.columns.values() for w in ws}
        return [str(c) for c in header if normalise(c) and normalise(c) not in words]

    def match(self, header: list[str | None]) -> dict[str, int]:
        """Key -> column index for the keys this header names (the first column wins)."""
        lookup = {normalise(w): key for key, words in self.columns.items() for w in words}
        found: dict[str, int] = {}
        for index, cell in enumerate(header):
            key = lookup.get(normalise(cell))
            if key is not None and key not in found:
                found[key] = index
        return found


@dataclass(frozen=True)
class Breakdown:
    name: str
    label: str
    signature: tuple[tuple[str, ...], ...]


@cache
def _config() -> dict:
    return tomllib.loads(resources.files("etl").joinpath("exports.toml").read_text("utf-8"))


@cache
def profiles() -> tuple[Profile, ...]:
    found = []
    for name, p in _config()["profiles"].items():
        found.append(
            Profile(
                name=name,
                label=p["label"],
                platform=p["platform"],
                grain=p["grain"],
                signature=tuple(p["signature"]),
                columns={k: tuple(v) for k, v in p["columns"].items()},
                dates=p.get("dates", ""),
                totals=tuple(
                    normalise(t) for t in [*_config().get("totals", ()), *p.get("totals", ())]
                ),
                renamed=p.get("renamed", ""),
                url=p.get("url", ""),
                title_metric={k: tuple(v) for k, v in p.get("title_metric", {}).items()},
                files=tuple(p.get("files", ())),
                file_signature=tuple(p.get("file_signature", ())),
            )
        )
    return tuple(found)


@cache
def breakdowns() -> tuple[Breakdown, ...]:
    return tuple(
        Breakdown(name, b["label"], tuple(tuple(s) for s in b["signature"]))
        for name, b in _config()["breakdowns"].items()
    )


def detect(header: list[str | None], name: str | None = None) -> Profile | None:
    """The export profile a file is, from its header and, as further evidence, its name.

    A profile whose signature the header carries is a candidate; so is a profile whose file name
    (in any UI language) the file has, when the header carries its ``file_signature`` and at least
    one figure we store, and names nothing else (YouTube's ``Chart data.csv`` for the channel is
    only ``Date,Views``; with a dimension such as traffic source it is not a channel's series).
    Among the candidates, the one the file is named after wins, then the one naming most columns.
    """
    best, best_rank = None, (False, 0)
    for p in profiles():
        found = p.match(header)
        named = p.named_by(name)
        by_header = all(k in found for k in p.signature)
        by_name = (
            named
            and bool(p.file_signature)
            and all(k in found for k in p.file_signature)
            and any(k in found for k in METRIC_FIELDS)
            and not p.unknown(header)
        )
        rank = (named, len(found))
        if (by_header or by_name) and rank > best_rank:
            best, best_rank = p, rank
    return best


_COPY_SUFFIX = re.compile(r"\s*(?:\(\d+\)|-\s*(?:copy|копия))\s*$")


def _stem(name: str) -> str:
    """A file name compared across UI languages: no folder, no extension, no " (1)" that a
    browser adds to a second download of the same name, case and spaces ignored."""
    base = re.split(r"[\\/]", name)[-1]
    if "." in base:
        base = base.rsplit(".", 1)[0]
    base = unicodedata.normalize("NFKC", base).casefold().replace("ё", "е")
    base = _COPY_SUFFIX.sub("", base)
    return re.sub(r"[\s_\u00a0\u202f]+", " ", base).strip()


def header_score(row: list[str | None]) -> int:
    """How strongly a row looks like the header of some export (for finding the header row)."""
    best = 0
    for p in profiles():
        found = p.match(row)
        if all(k in found for k in p.signature):
            best = max(best, len(found))
    return best


def breakdown(header: list[str | None]) -> Breakdown | None:
    """The audience breakdown a header describes, if it is one."""
    cells = {normalise(c) for c in header if c}
    for b in breakdowns():
        if all(any(normalise(w) in cells for w in words) for words in b.signature):
            return b
    return None


@dataclass
class Rewritten:
    """A recognised export in our metrics shape."""

    header: list[str]
    rows: list[tuple[int, list[str | None]]]  # (row number in the file, cells)
    match: HeaderMatch
    platform: str
    warnings: list[Note]
    notes: list[str]


def rewrite(
    profile: Profile,
    header: list[str],
    rows: list[tuple[int, list[str | None]]],
    *,
    as_of: dt.date,
    preamble: list[str],
    name: str,
) -> Rewritten:
    """Rewrite the data rows of ``profile``'s file into our metrics fields.

    Raises ``ValueError`` with a message for the user when the file cannot be read as metrics.
    """
    found = profile.match(header)
    columns = {k: i for k, i in found.items() if not k.startswith("_")}
    warnings: list[Note] = []
    notes: list[str] = []
    platform = profile.platform
    if platform == "title":
        platform, metric = _from_title(profile, preamble, name)
        columns[metric] = found["_primary"]
        notes.append(f"the title line '{' '.join(preamble).strip()}' gives {platform} {metric}")
    if profile.renamed and "views" in columns and "impressions" not in columns:
        notes.append(profile.renamed)
    warnings += _not_stored(profile, header, columns)
    kept = _without_totals(profile, header, rows, warnings)
    out_rows = _metric_rows(profile, header, kept, columns, platform, as_of, warnings)
    out_header, match = _metrics_match(profile, header, columns, out_rows)
    return Rewritten(out_header, out_rows, match, platform, warnings, notes)


def _not_stored(profile: Profile, header: list[str], columns: dict[str, int]) -> list[Note]:
    """The warning naming the columns not stored: recognition-only columns (watch time,
    profile views...) are not stored either."""
    stored = set(columns.values())
    ignored = [h for i, h in enumerate(header) if i not in stored and h and str(h).strip()]
    if not ignored:
        return []
    return [
        (
            None,
            "",
            None,
            message("exports.not_stored", export=profile.name, columns=", ".join(ignored)),
        )
    ]


def _without_totals(
    profile: Profile,
    header: list[str],
    rows: list[tuple[int, list[str | None]]],
    warnings: list[Note],
) -> list[tuple[int, list[str | None]]]:
    """The rows padded to the header's width, but for the export's total rows (each one a
    warning)."""
    width = len(header)
    kept: list[tuple[int, list[str | None]]] = []
    for number, cells in rows:
        cells = list(cells) + [None] * (width - len(cells))
        first = next((c for c in cells if c not in (None, "")), None)
        if profile.totals and first is not None and normalise(first) in profile.totals:
            warnings.append(
                (
                    number,
                    header[0],
                    first,
                    message("exports.total_row"),
                )
            )
            continue
        kept.append((number, cells))
    return kept


def _metric_rows(
    profile: Profile,
    header: list[str],
    kept: list[tuple[int, list[str | None]]],
    columns: dict[str, int],
    platform: str,
    as_of: dt.date,
    warnings: list[Note],
) -> list[tuple[int, list[str | None]]]:
    """Each row with its dates in ISO form and the platform, export date and time window
    added (and the post's id, when only its link is given)."""
    width = len(header)
    date_col = columns.get("date")
    days = (
        column_days([c[date_col] for _, c in kept], profile.dates, as_of)
        if date_col is not None
        else None
    )
    published = columns.get("published_at")
    post_id, post_url = columns.get("post_id"), columns.get("post_url")
    out_rows = []
    for i, (number, cells) in enumerate(kept):
        cells = cells[:width]
        if days is not None and days[i] is not None:
            cells[date_col] = days[i]
        if published is not None and cells[published]:
            moment = worded_moment(cells[published], profile.dates, as_of) or _iso_moment(
                cells[published]
            )
            cells[published] = moment or cells[published]
            if profile.grain == "post" and moment and moment[:10] > as_of.isoformat():
                warnings.append(
                    (
                        number,
                        header[published],
                        cells[published],
                        message("exports.published_after", as_of=str(as_of)),
                    )
                )
        if post_id is not None and cells[post_id]:
            cells[post_id] = cells[post_id].strip()
        extra_date = as_of.isoformat() if profile.grain == "post" else None
        window = "lifetime" if profile.grain == "post" else "day"
        row = cells + [platform, extra_date, window]
        if post_id is None and post_url is not None and row[post_url]:
            row.append(_id_from_url(row[post_url]))
        out_rows.append((number, row))
    return out_rows


def _metrics_match(
    profile: Profile,
    header: list[str],
    columns: dict[str, int],
    out_rows: list[tuple[int, list[str | None]]],
) -> tuple[list[str], HeaderMatch]:
    """The rewritten header and where each metrics field is in it; a post's id or link made
    here is added to ``out_rows`` as the last column."""
    width = len(header)
    out_header = list(header) + ["platform", "date", "time_window"]
    post_id, post_url = columns.get("post_id"), columns.get("post_url")
    match = HeaderMatch("metrics")
    for key, index in columns.items():
        match.columns[key] = index
    match.columns["platform"] = width
    if profile.grain == "post":
        match.columns["date"] = width + 1
    match.columns["time_window"] = width + 2
    if post_id is None and post_url is not None:
        out_header.append("post_id")
        match.columns["post_id"] = width + 3
        for _, row in out_rows:
            row.extend([None] * (len(out_header) - len(row)))
    elif post_id is not None and post_url is None and profile.url:
        out_header.append("post_url")
        match.columns["post_url"] = len(out_header) - 1
        for _, row in out_rows:
            row.append(profile.url.format(post_id=row[post_id]) if row[post_id] else None)
    return out_header, match


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_moment(cell: str) -> str | None:
    """An ISO date or timestamp cell, trimmed (None when it is in another form)."""
    cell = cell.strip()
    return cell if _ISO.match(cell) else None


def _from_title(profile: Profile, preamble: list[str], name: str) -> tuple[str, str]:
    title = normalise(" ".join(preamble))
    platform = next((p for p in ("facebook", "instagram") if p in title), None)
    metric = next(
        (
            m
            for m, words in profile.title_metric.items()
            if any(normalise(w) in title for w in words)
        ),
        None,
    )
    if platform is None or metric is None:
        shown = " ".join(preamble).strip() or "(none)"
        accepted = ", ".join(profile.title_metric)
        raise ValueError(
            message("exports.series_unknown", name=name, title=shown, accepted=accepted)
        )
    return platform, metric


_URL_ID = re.compile(r"/(?:video|photo|p|reel|status|posts?)/([\w-]+)")


def _id_from_url(url: str) -> str | None:
    m = _URL_ID.search(url)
    return m.group(1) if m else url.strip().rstrip("/").rsplit("/", 1)[-1] or None
