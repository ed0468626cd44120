"""A loader's errors, warnings and summaries in the reader's language.

An issue (``etl.load.Issue`` or a stored row of ``load_issues`` as a mapping) carries a
``message`` in English and, where the loader built it from a code, ``code`` and ``params``.
``issue_text`` gives the text to show in a language; ``summary_text`` a load's one-line summary.
Both write the parameters that are labels (a kind of file, a status) with the dashboard's own
words (``upload.kinds.*``, ``loads.status.*``) in Russian and Kazakh; English stays the
loader's text, word for word. Without a code (an issue stored before codes were kept), the
stored English message is shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from dashboard.i18n import DEFAULT_LANGUAGE, catalogue, current_language
from etl import messages
from etl.load.result import summary_message

# Parameters that are labels, and the dashboard catalogue keys that name their values.
_LABEL_KEYS = {"kind": "upload.kinds", "status": "loads.status"}


def _field(issue: Any, name: str) -> Any:
    value = issue.get(name) if isinstance(issue, Mapping) else getattr(issue, name, None)
    if isinstance(value, float) and math.isnan(value):  # an empty cell of a pandas frame
        return None
    return value


def _language(lang: str | None) -> str:
    return lang if lang in messages.LANGUAGES else current_language()


def _labels(name: str, value: Any, lang: str) -> str | None:
    """A kind or a status in the page's words (None: the loader's own label)."""
    if lang == DEFAULT_LANGUAGE or name not in _LABEL_KEYS:
        return None
    entry = catalogue(lang).get(f"{_LABEL_KEYS[name]}.{value}")
    return entry if isinstance(entry, str) else None


def _params(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str) and raw:
        try:
            found = json.loads(raw)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}
    return {}


def issue_text(issue: Any, lang: str | None = None) -> str:
    """The issue's message in ``lang`` (the page's language when None). ``issue`` may also be
    a loader message itself (``etl.messages.Message``, e.g. a refusal's ``exc.args[0]``)."""
    if isinstance(issue, messages.Message):
        return issue.render(_language(lang))
    english = str(_field(issue, "message") or "")
    code = _field(issue, "code")
    if not code:
        return english
    lang = _language(lang)
    if lang == DEFAULT_LANGUAGE and english:
        return english
    try:
        return messages.render(str(code), _params(_field(issue, "params")), lang, labels=_labels)
    except KeyError:  # a code this version does not know: the English text it was stored with
        return english


def _as_mapping(row: Any) -> Mapping[str, Any]:
    if isinstance(row, Mapping):
        return row
    if hasattr(row, "_asdict"):  # a row of itertuples
        return row._asdict()
    if hasattr(row, "to_dict"):  # a row of a frame
        return row.to_dict()
    return {name: getattr(row, name) for name in ("message_code", "message_params")}


def summary_text(result: Any, lang: str | None = None) -> str:
    """A load result's (``LoadResult`` or its dict) one-line summary in ``lang``."""
    lang = _language(lang)
    english = str(_field(result, "message") or "")
    status = _field(result, "status")
    if lang == DEFAULT_LANGUAGE and english:
        return english
    if _field(result, "message_code") and _field(result, "message_params"):
        # a stored batch (``loads``): the figures its summary was made from
        return summary_message(_as_mapping(result), lang, labels=_labels)
    if status not in ("loaded", "rejected", "dry_run", "already_loaded"):
        return english
    if status != "already_loaded" and _field(result, "rows_read") is None:
        return english  # not a load's figures: nothing to build the summary from
    if status in ("rejected", "dry_run") and _field(result, "errors_total") is None:
        return english  # a stored batch: its error count is not in the row
    fields = result if isinstance(result, Mapping) else None
    return summary_message(fields if fields is not None else result, lang, labels=_labels)


def issues_in_language(frame: Any, lang: str | None = None) -> Any:
    """A table of stored issues (``lookups.batch_issues``) with each ``message`` in ``lang``
    (the page's language when None), without the ``code`` and ``params`` it was made from."""
    if frame.empty or "code" not in frame.columns:
        return frame.drop(columns=["code", "params"], errors="ignore")
    lang = _language(lang)
    shown = frame.drop(columns=["code", "params"])
    shown["message"] = [issue_text(row, lang) for row in frame.to_dict("records")]
    return shown
