"""Loader messages made in SQL: the English text, the code and the parameters of an issue as
three columns of a query, from the same catalogue entry as ``etl.messages.message``."""

from __future__ import annotations

import string

from etl.messages import DEFAULT_LANGUAGE, text_of


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _concat(template: str, exprs: dict[str, str]) -> str:
    parts: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            parts.append(_q(literal))
        if name is not None:
            parts.append(f"CAST(({exprs[name]}) AS VARCHAR)")
    return " || ".join(parts) or "''"


def english_sql(code: str, **exprs: str) -> str:
    """SQL of the English text of ``code``, each ``{name}`` being the SQL expression
    ``exprs[name]``; plural forms are chosen on ``count`` (``one`` for 1, else ``other``)."""
    entry = text_of(code, DEFAULT_LANGUAGE)
    if isinstance(entry, dict):
        one, other = entry.get("one", entry["other"]), entry["other"]
        return (
            f"CASE WHEN ({exprs['count']}) = 1 THEN {_concat(one, exprs)} "
            f"ELSE {_concat(other, exprs)} END"
        )
    return _concat(entry, exprs)


def params_sql(**exprs: str) -> str:
    """SQL of the parameters as JSON text (``{}`` when there are none)."""
    if not exprs:
        return "'{}'"
    pairs = ", ".join(f"{_q(name)}, {expr}" for name, expr in exprs.items())
    return f"json_object({pairs})::VARCHAR"


def issue_sql(
    code: str, severity: str = "error", *, shown: dict[str, str] | None = None, **exprs: str
) -> str:
    """The tail of an issue query's select list: message, severity, code, params. ``shown``
    gives, for a parameter that is a label, the SQL of its English text where it differs from
    the parameter's value."""
    text = english_sql(code, **{**exprs, **(shown or {})})
    return f"{text}, {_q(severity)}, {_q(code)}, {params_sql(**exprs)}"


def issue_struct_sql(code: str, severity: str = "error", **exprs: str) -> str:
    """The same as ``issue_sql`` as one struct ``{message, severity, code, params}``, for a
    CASE that chooses between messages."""
    return (
        f"{{'message': {english_sql(code, **exprs)}, 'severity': {_q(severity)}, "
        f"'code': {_q(code)}, 'params': {params_sql(**exprs)}}}"
    )
