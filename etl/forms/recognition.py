"""Whether a file is a form's responses, and which of its columns are questions or personal data.

A form's responses start with the response time (Google Forms) or a response id and a
``Submit Date (UTC)`` column (Typeform); the columns a service adds are never questions, and
columns whose header or answers are names, e-mails, phones or IINs are personal data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from etl.forms.vocabulary import holds_words, text_key, word_pattern, word_tokens, words
from etl.privacy import EMAIL, IIN, PHONE


@cache
def _stamp_keys() -> frozenset[str]:
    return frozenset(text_key(w) for w in words()["timestamp"]["words"])


@cache
def _service_keys() -> frozenset[str]:
    return frozenset(text_key(w) for w in words()["typeform"]["service"])


def looks_like_form(header: list[str | None]) -> bool:
    """A form's responses: the first column is the response time, the others long questions
    (Google Forms), or a response id first and a ``Submit Date (UTC)`` column (Typeform)."""
    first = next((c for c in header if c and str(c).strip()), None)
    if first is None:
        return False
    if text_key(first) in _stamp_keys():
        return True
    ids = {text_key(w) for w in words()["typeform"]["id"]}
    return text_key(first) in ids and any(text_key(c) in _stamp_keys() for c in header if c)


def is_personal(header: str) -> bool:
    """A column whose header says it holds names, e-mails, phones or IINs."""
    tokens = word_tokens(header)
    return any(holds_words(tokens, word_pattern(w)) for w in words()["personal"]["contains"])


def is_service(header: str | None) -> bool:
    """The response time, or a column a form service adds that is never a question."""
    key = text_key(header)
    return not key or key in _stamp_keys() or key in _service_keys()


def form_questions(header: Sequence[str | None]) -> list[str]:
    """The form's questions: every column but the response time and the services' own."""
    return [str(h) for h in header if h and str(h).strip() and not is_service(h)]


_PERSONAL_ANSWER = re.compile(rf"^\s*(?:{EMAIL}|{PHONE}|{IIN}|\+?[0-9][0-9 ()\-]{{8,}}[0-9])\s*$")


def answers_personal(values: Sequence[str]) -> bool:
    """Answers that are mostly e-mail addresses, phone numbers or IINs."""
    if not values:
        return False
    return sum(1 for v in values if _PERSONAL_ANSWER.match(v)) >= max(1, len(values) / 2)
