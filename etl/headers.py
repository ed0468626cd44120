"""Matching the header row of a file to the canonical fields of a kind, and guessing the kind.

Header words come from ``headers.toml``. A header cell matches a word when both read the same
after ignoring case, accents of ``ё``, surrounding and repeated spaces (no-break ones included),
underscores, line breaks and a trailing unit in brackets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache

from etl.kinds import FILE_KINDS, PROGRAMME_SHEETS, header_words

_SPACES = re.compile(r"[\s_\u00a0\u202f\u2009\ufeff]+")
_UNIT = re.compile(r"\s*\([^)]*\)\s*$")


def normalise(text: object) -> str:
    """The comparable form of a header cell or sheet name."""
    if text is None:
        return ""
    return _normalised(str(text))


@lru_cache(maxsize=1 << 14)
def _normalised(text: str) -> str:
    # Kept: telling a file's kind and header row compares every cell of its first rows with
    # the words of every kind and platform export, the same few hundred texts many times.
    s = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    s = _SPACES.sub(" ", s).strip()
    s = _UNIT.sub("", s).strip()
    return s.strip(" :*")


@cache
def _lookup(kind: str) -> dict[str, str]:
    """normalised header word -> field name, for one kind (or programme sheet)."""
    table: dict[str, str] = {}
    for field_name, by_language in header_words()[kind].items():
        for words in by_language.values():
            for word in words:
                table.setdefault(normalise(word), field_name)
    return table


def accepted_words(kind: str, field_name: str) -> list[str]:
    """Every header word accepted for a field, for error messages."""
    words: list[str] = []
    for by_language in (header_words()[kind][field_name],):
        for language_words in by_language.values():
            words.extend(w for w in language_words if w not in words)
    return words


@dataclass
class HeaderMatch:
    """How the columns of one file map to the fields of a kind."""

    kind: str
    columns: dict[str, int] = field(default_factory=dict)  # field -> column index
    unknown: list[tuple[int, str]] = field(default_factory=list)  # ignored columns
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)  # (index, header, field)

    @property
    def missing(self) -> list[str]:
        spec = FILE_KINDS.get(self.kind) or PROGRAMME_SHEETS[self.kind]
        return [f for f in spec.required if f not in self.columns]


def match(kind: str, header: list[str | None]) -> HeaderMatch:
    """Map header cells to the fields of ``kind``. The first of two same-meaning columns wins."""
    lookup = _lookup(kind)
    result = HeaderMatch(kind)
    for index, cell in enumerate(header):
        key = normalise(cell)
        if not key:
            continue
        name = lookup.get(key)
        if name is None:
            result.unknown.append((index, str(cell)))
        elif name in result.columns:
            result.duplicates.append((index, str(cell), name))
        else:
            result.columns[name] = index
    return result


def score(kind: str, header: list[str | None]) -> int:
    """How many fields of ``kind`` a header row names."""
    return len(match(kind, header).columns)


def detect_kind(header: list[str | None]) -> tuple[str | None, dict[str, int]]:
    """The file kind a header names best, with every kind's score.

    Only kinds the header gives evidence of count: at least one column that only that kind
    has (a figure, an amount, a rating...), never a date alone. A kind whose required columns
    are all present wins, unless another kind explains clearly more of the columns: then the
    file is most likely that kind with a required column misnamed, and taking it for that kind
    lets the error say which column is missing.
    """
    scores: dict[str, int] = {}
    complete = []
    for name, spec in FILE_KINDS.items():
        m = match(name, header)
        if spec.evidence and not any(f in m.columns for f in spec.evidence):
            scores[name] = 0
            continue
        scores[name] = len(m.columns)
        if not m.missing:
            # Prefer the kind that explains most of the columns present.
            complete.append((len(m.columns) - len(m.unknown), len(m.columns), name))
    best = max(scores, key=lambda k: scores[k])
    if scores[best] == 0:
        return None, scores
    if complete:
        complete.sort(reverse=True)
        chosen = complete[0][2]
        if scores[best] >= 2 * scores[chosen] and scores[best] - scores[chosen] >= 3:
            return best, scores
        return chosen, scores
    if scores[best] >= 3:
        return best, scores
    return None, scores


def find_header_row(rows: list[list[str | None]], kinds: tuple[str, ...] | None = None) -> int:
    """Index of the row that looks most like a header among the first rows.

    Title lines, ``sep=`` hints and merged group headings above the real header score lower than
    the header itself, which names several known fields.
    """
    # platform_exports builds on this module: imported here to break the cycle
    from etl import platform_exports

    exports_too = kinds is None or "metrics" in kinds
    kinds = kinds or tuple(FILE_KINDS)
    best_index, best_score = 0, 0
    for index, row in enumerate(rows[:20]):
        s = max(score(k, row) for k in kinds)
        if exports_too:
            s = max(s, platform_exports.header_score(row))
        if s > best_score:
            best_index, best_score = index, s
    return best_index


def sheet_kind(sheet_name: str) -> str | None:
    """The programme table a workbook sheet holds, by its name in any language."""
    key = normalise(sheet_name)
    for table, by_language in header_words()["sheets"].items():
        for words in by_language.values():
            if key in {normalise(w) for w in words}:
                return table
    return None
