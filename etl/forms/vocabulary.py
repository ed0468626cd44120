"""The words of ``forms.toml`` and how a form's questions and answers are compared with them.

Questions and answers are compared as keys (case, spaces and a closing full stop aside) or as
words in a row (``оцен*`` matches the start of a word); worded answers read as a rating, a yes
or no, a sex, an age group or an event.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources

from etl.headers import normalise
from etl.kinds import AGE_GROUPS, SEX_ALIASES
from etl.normalise import AGE_ALIASES


@cache
def words() -> dict:
    """``forms.toml``: the words of questions and answers in Russian, Kazakh and English."""
    return tomllib.loads(resources.files("etl").joinpath("forms.toml").read_text("utf-8"))


def text_key(text: object) -> str:
    """A question or answer as compared: case, spaces and a closing ``.`` or ``!`` aside."""
    return normalise(text).rstrip(".!").strip()


def folded(text: object) -> str:
    """``text`` compared without case, compatibility forms or the dots of ``ё``."""
    return unicodedata.normalize("NFKC", str(text)).casefold().replace("ё", "е")


def word_tokens(text: object) -> list[str]:
    """The words of ``text``, folded."""
    return re.findall(r"\w+", folded(text))


Pattern = tuple[tuple[str, bool], ...]  # words in a row; True: the start of a word


@cache
def word_pattern(word: str) -> Pattern:
    """The words of an entry of ``forms.toml``; ``оцен*`` matches the start of a word."""
    return tuple((t.rstrip("*"), t.endswith("*")) for t in re.findall(r"\w+\*?", folded(word)))


def holds_words(tokens: list[str], pattern: Pattern) -> bool:
    """Whether ``tokens`` hold the words of ``pattern`` one after the other."""
    n = len(pattern)
    if not n:
        return False
    for start in range(len(tokens) - n + 1):
        if all(
            tokens[start + j] == w or (prefix and tokens[start + j].startswith(w))
            for j, (w, prefix) in enumerate(pattern)
        ):
            return True
    return False


def words_hit(text: str, patterns: Sequence[str]) -> list[str]:
    """The words of ``patterns`` that ``text`` holds."""
    tokens = word_tokens(text)
    return [w for w in patterns if holds_words(tokens, word_pattern(w))]


@cache
def field_words(fname: str) -> tuple[str, ...]:
    """The words naming ``fname`` in a question, in every language."""
    by_language = words()["questions"].get(fname, {})
    return tuple(w for ws in by_language.values() for w in ws)


@cache
def likert_words() -> dict[str, int]:
    """A worded scale's answer (``Отлично``, ``Strongly agree``) -> its number."""
    return {text_key(w): int(n) for n, ws in words()["likert"].items() for w in ws}


@cache
def recommend_words() -> dict[str, str]:
    """A worded answer to "would you recommend" -> yes, no or unsure."""
    return {text_key(w): answer for answer, ws in words()["recommend"].items() for w in ws}


@cache
def answer_words(section: str) -> dict[str, str]:
    """Answer wording -> stored value, from ``[answers.<section>]``."""
    return {text_key(w): value for value, ws in words()["answers"][section].items() for w in ws}


@cache
def _sexes() -> dict[str, str]:
    return {text_key(k): v for k, v in SEX_ALIASES.items()} | answer_words("sex")


def sex_of(value: str) -> str | None:
    """Our sex for an answer naming one."""
    return _sexes().get(text_key(value))


_AGE_UNITS = re.compile(r"\s*\b(years?|yrs|лет|года?|жастан|жас)\b\.?\s*")


@cache
def _age_aliases() -> dict[str, str]:
    return {_age_key(k): v for k, v in AGE_ALIASES.items()} | {
        _age_key(k): v for k, v in answer_words("age_group").items()
    }


def _age_key(value: str) -> str:
    s = re.sub(r"[–—−]", "-", folded(value))
    s = _AGE_UNITS.sub(" ", s)
    return re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", s)).strip(" .")


def age_group_of(value: str) -> str | None:
    """Our age group for an answer naming one (``25–34 лет``, ``65 и старше``)."""
    return _age_aliases().get(_age_key(value))


def age_group_of_years(value: str) -> str | None:
    """The age group of an age given in years (``23``)."""
    if not re.fullmatch(r"\s*\d{1,3}\s*", value):
        return None
    years = int(value)
    if not 5 <= years <= 110:
        return None
    if years < 18:
        return "under 18"
    if years >= 65:
        return "65+"
    for group in AGE_GROUPS[1:-1]:
        low, high = (int(x) for x in group.split("-"))
        if low <= years <= high:
            return group
    return None


# An answer starting with a number (``5``, ``5 - Отлично``, ``10 (очень)``).
LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})(?:\s*[-–—:.)]\s*\S.*|\s*$|\s+\S.*)")


def event_lookup(events: dict[str, str] | None) -> dict[str, str]:
    """An answer naming an event (its code or its name) -> the event's code."""
    lookup: dict[str, str] = {}
    for code, event_name in (events or {}).items():
        if event_name:
            lookup.setdefault(text_key(event_name), code)
        lookup[text_key(code)] = code
    return lookup
