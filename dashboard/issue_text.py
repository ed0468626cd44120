"""A loader's errors, warnings and summaries in the reader's language.

An issue (``etl.load.Issue`` or a stored row of ``load_issues`` as a mapping) carries a
``message`` in English and, where the loader built it from a code, ``code`` and ``params``.
``issue_text`` gives the text to show in a language; ``summary_text`` a load's one-line summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _field(issue: Any, name: str) -> Any:
    if isinstance(issue, Mapping):
        return issue.get(name)
    return getattr(issue, name, None)


def issue_text(issue: Any, lang: str | None = None) -> str:
    """The issue's message in ``lang`` (the page's language when None)."""
    return str(_field(issue, "message") or "")


def summary_text(result: Any, lang: str | None = None) -> str:
    """A load result's (``LoadResult`` or its dict) one-line summary in ``lang``."""
    return str(_field(result, "message") or "")
