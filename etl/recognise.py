"""Files that are almost, or not at all, something we load: named as what they are.

A platform export missing one of the columns by which we read it (a column left out of the
export, a Business-account variant, a renamed column) would otherwise be reported against our
own template ("required column 'platform' is missing"), which tells its sender nothing. So would
an export of figures we do not store (YouTube's average view duration, TikTok LIVE). The
functions here recognise both from the header and say what the file is, what differs, and what
to upload instead. The exports we do read are in ``exports.toml``; those we recognise only to
refuse are in ``other_exports.toml``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from etl import platform_exports
from etl.headers import _lookup, match, normalise
from etl.kinds import METRIC_FIELDS
from etl.messages import message


@dataclass(frozen=True)
class OtherExport:
    name: str
    label: str
    words: frozenset[str]
    instead: str


@cache
def other_exports() -> tuple[OtherExport, ...]:
    text = resources.files("etl").joinpath("other_exports.toml").read_text("utf-8")
    return tuple(
        OtherExport(name, e["label"], frozenset(normalise(w) for w in e["words"]), e["instead"])
        for name, e in tomllib.loads(text)["exports"].items()
    )


@cache
def _date_words() -> frozenset[str]:
    words = {w for w, f in _lookup("metrics").items() if f == "date"}
    for p in platform_exports.profiles():
        words.update(normalise(w) for w in p.columns.get("date", ()))
    return frozenset(words)


def _stored_figures(header: list[str | None]) -> list[str]:
    """The header's columns that name a figure we store, in our template's words."""
    lookup = _lookup("metrics")
    return [str(c) for c in header if lookup.get(normalise(c)) in METRIC_FIELDS]


def unstored_export(header: list[str | None], name: str) -> str | None:
    """The refusal of a platform export whose columns hold no figure we store, or None."""
    cells = [normalise(c) for c in header if c and str(c).strip()]
    if not any(c in _date_words() for c in cells) or _stored_figures(header):
        return None
    for e in other_exports():
        columns = [str(c).strip() for c in header if c and normalise(c) in e.words]
        if columns:
            return message(
                "recognise.unstored_export",
                name=name,
                export=e.name,
                columns=", ".join(columns),
                instead=e.name,
            )
    return None


def near_miss(header: list[str | None], name: str) -> str | None:
    """The refusal of a file that resembles a platform export we read but lacks what we read it
    by (most of its header matches the export, a column of its signature is missing), or None.
    """
    cells = [c for c in header if c and str(c).strip()]
    if not cells:
        return None
    # A file that is our metrics template but for one column (misnamed or left out), and that
    # the template explains as well as any export, is that template.
    template = match("metrics", header)
    template_like = len(template.missing) <= 1
    best = None
    for p in platform_exports.profiles():
        found = p.match(header)
        missing = [k for k in p.signature if k not in found]
        if not missing or len(found) < 2 or not any(k in found for k in p.signature):
            continue
        if template_like and len(found) <= len(template.columns):
            continue
        # Most of the file's columns, or at least three of the export's, are the export's own.
        if len(found) * 2 < len(cells) and len(found) < 3:
            continue
        # The export most of whose signature the file has, then the one whose own words (not
        # shared with other exports) name most of the file's columns.
        own = sum(1 / _sharing(normalise(header[i])) for i in found.values())
        rank = (1 - len(missing) / len(p.signature), own)
        if best is None or rank > best[0]:
            best = (rank, p, found, missing)
    if best is None:
        return None
    _, profile, found, missing = best
    wanted = "; ".join(
        f"{key.lstrip('_').replace('_', ' ')} (named "
        + " / ".join(f"'{w}'" for w in _first_words(profile.columns[key]))
        + ")"
        for key in missing
    )
    known = {i for i in found.values()}
    other = [
        str(c).strip() for i, c in enumerate(header) if i not in known and c and str(c).strip()
    ]
    if other:
        return message(
            "recognise.near_miss_others",
            name=name,
            export=profile.name,
            wanted=wanted,
            others=", ".join(other)[:200],
        )
    return message("recognise.near_miss", name=name, export=profile.name, wanted=wanted)


@cache
def _word_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in platform_exports.profiles():
        for w in {normalise(w) for words in p.columns.values() for w in words}:
            counts[w] = counts.get(w, 0) + 1
    return counts


def _sharing(word: str) -> int:
    """How many exports have a column of this name."""
    return max(_word_counts().get(word, 1), 1)


def _first_words(words: tuple[str, ...], limit: int = 3) -> list[str]:
    """A few of a column's names for a message: one per script where there are several."""
    shown: list[str] = []
    for w in words:
        if len(shown) == limit:
            break
        if not shown or w.isascii() != shown[-1].isascii():
            shown.append(w)
    return shown or list(words[:limit])


def export_without_figures(
    profile: platform_exports.Profile, header: list[str | None], name: str
) -> str | None:
    """The refusal of a recognised export that holds none of the figures we store from it (its
    report was exported with other metrics only), or None."""
    if profile.platform == "title":
        return None  # a series: its one figure is named by its title line
    found = profile.match(header)
    if any(k in METRIC_FIELDS for k in found):
        return None
    needed = [
        " / ".join(f"'{w}'" for w in _first_words(profile.columns[k], 2))
        for k in profile.columns
        if k in METRIC_FIELDS
    ]
    date = found.get("date")
    held = [str(c).strip() for i, c in enumerate(header) if i != date and c and str(c).strip()]
    return message(
        "recognise.no_figures",
        name=name,
        export=profile.name,
        columns=", ".join(held)[:200],
        needed=", ".join(needed),
    )
