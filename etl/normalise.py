"""SQL that turns text cells into typed values, and says why a cell could not be turned.

Each field type has a *value* expression (NULL when the cell is empty or cannot be read) and a
*problem* expression (NULL when the cell is fine, else the message shown to the user, which
repeats the value and says how to write it). Everything runs inside DuckDB so that a
million-row file is checked at the speed of a scan.
"""

from __future__ import annotations

from etl.kinds import (
    AGE_GROUPS,
    BUDGET_HEADINGS,
    CAMPAIGN_STATUSES,
    PLATFORM_ALIASES,
    PLATFORMS,
    SEX_ALIASES,
    YES_NO_ALIASES,
)
from etl.messages.sql import issue_struct_sql

MISSING_MARKERS = ("-", "--", "—", "–", "n/a", "na", "nan", "null", "none", "undefined", "#n/a")
_SPACE_CHARS = " \t\r\n\u00a0\u202f\u2009\ufeff"
_LONGEST_MARKER = max(len(m) for m in MISSING_MARKERS)
# Characters people put inside numbers: spaces of every kind, apostrophes and currency signs.
_NUMBER_NOISE = r"[\s\x{00A0}\x{202F}\x{2009}'’₸₽€$%]|KZT|kzt|тг\.?|тенге|EUR|USD"

DATE_FORMATS = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%d.%m.%y",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
)


# The order of day and month in dates written with slashes (03/04/2026): "dmy" (the usual
# order in Kazakhstan and Europe) or "mdy" (the United States, and some platforms' exports).
DATE_ORDERS = ("dmy", "mdy")


def date_formats(order: str = "dmy") -> tuple[str, ...]:
    """The date forms read, with slashed dates month first when ``order`` is "mdy"."""
    if order != "mdy":
        return DATE_FORMATS
    return tuple(f.replace("%d/%m/", "%m/%d/") for f in DATE_FORMATS)


def q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def clean(col: str) -> str:
    """The cell trimmed, with empty cells and missing-value markers as NULL.

    Trimming every cell is slow on large files, so cells that neither start nor end with a
    space (the usual case) skip it, and so do the markers' lower-casing for cells longer than
    any marker. The ends are told by their characters' code points, which costs no string.
    """
    codes = ", ".join(str(ord(ch)) for ch in _SPACE_CHARS)
    trimmed = f"trim({col}, {q(_SPACE_CHARS)})"
    markers = ", ".join(q(m) for m in MISSING_MARKERS)
    return (
        f"(CASE WHEN {col} IS NULL THEN NULL "
        f"WHEN ascii({col}) NOT IN ({codes}) AND ascii({col}[-1]) NOT IN ({codes}) THEN "
        f"(CASE WHEN length({col}) > {_LONGEST_MARKER} THEN {col} "
        f"WHEN lower({col}) IN ({markers}, '') THEN NULL ELSE {col} END) "
        f"WHEN lower({trimmed}) IN ({markers}, '') THEN NULL ELSE {trimmed} END)"
    )


def number(v: str, decimal: str) -> str:
    """A number written with the file's decimal mark and any thousands separator.

    The other mark is read as a thousands separator only where it groups three digits
    (``1,234,567`` or ``1.234.567``): ``1,5`` in a file with decimal points is not a number.
    """
    stripped = f"regexp_replace({v}, {q(_NUMBER_NOISE)}, '', 'g')"
    if decimal == ",":
        grouped = "-?[0-9]{1,3}(\\.[0-9]{3})+(,[0-9]+)?"
        text = f"replace(replace({stripped}, '.', ''), ',', '.')"
        other = "."
    else:
        grouped = "-?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]+)?"
        text = f"replace({stripped}, ',', '')"
        other = ","
    parsed = (
        f"(CASE WHEN contains({v}, '{other}') AND NOT regexp_full_match({stripped}, "
        f"'{grouped}') THEN NULL ELSE TRY_CAST({text} AS DOUBLE) END)"
    )
    return f"(CASE WHEN isfinite({parsed}) THEN {parsed} END)"


def _excel_serial(v: str) -> str:
    return (
        f"CASE WHEN regexp_full_match({v}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "
        f"THEN DATE '1899-12-30' + CAST(floor(CAST({v} AS DOUBLE)) AS INTEGER) END"
    )


def timestamp(v: str, order: str = "dmy") -> str:
    formats = "[" + ", ".join(q(f) for f in date_formats(order)) + "]"
    serial_ts = (
        f"CASE WHEN regexp_full_match({v}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "
        f"THEN TIMESTAMP '1899-12-30' + to_microseconds("
        f"CAST(round(CAST({v} AS DOUBLE) * 86400000000) AS BIGINT)) END"
    )
    return f"COALESCE(TRY_CAST({v} AS TIMESTAMP), try_strptime({v}, {formats}), {serial_ts})"


def date(v: str, order: str = "dmy") -> str:
    formats = "[" + ", ".join(q(f) for f in date_formats(order)) + "]"
    return (
        f"COALESCE(TRY_CAST({v} AS DATE), CAST(try_strptime({v}, {formats}) AS DATE), "
        f"{_excel_serial(v)})"
    )


def month(v: str) -> str:
    """First day of the month named by '2025-03', '03.2025', '03/2025' or any date in it."""
    return (
        "CAST(date_trunc('month', COALESCE("
        f"CAST(try_strptime({v}, ['%Y-%m', '%m.%Y', '%m/%Y', '%Y/%m', '%Y.%m']) AS DATE), "
        f"{date(v)})) AS DATE)"
    )


def mapped(v: str, mapping: dict[str, object]) -> str:
    """A value from a fixed list, written in any of its accepted spellings."""
    key = f"lower({v})"
    cases = " ".join(f"WHEN {q(k)} THEN {_lit(val)}" for k, val in mapping.items())
    return f"(CASE {key} {cases} END)"


def _lit(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return q(str(value))


def _age_key(v: str) -> str:
    s = f"lower({v})"
    s = f"regexp_replace({s}, '[–—−]', '-', 'g')"
    s = f"regexp_replace({s}, '\\s*(years?|лет|года?|жас|жастан)\\s*', ' ', 'g')"
    return f"trim(regexp_replace({s}, '\\s*-\\s*', '-', 'g'))"


AGE_ALIASES: dict[str, str] = {g: g for g in AGE_GROUPS} | {
    "<18": "under 18",
    "under18": "under 18",
    "до 18": "under 18",
    "младше 18": "under 18",
    "0-17": "under 18",
    "13-17": "under 18",
    "18-ге дейін": "under 18",
    "18 дейін": "under 18",
    "65 +": "65+",
    "65 и старше": "65+",
    "65 и более": "65+",
    "65 and over": "65+",
    "65 and older": "65+",
    "over 65": "65+",
    "65 және одан жоғары": "65+",
}


def age_group(v: str) -> str:
    key = _age_key(v)
    cases = " ".join(f"WHEN {q(k)} THEN {q(val)}" for k, val in AGE_ALIASES.items())
    return f"(CASE {key} {cases} END)"


CURRENCY_ALIASES = {
    "₸": "KZT",
    "тенге": "KZT",
    "тг": "KZT",
    "тг.": "KZT",
    "теңге": "KZT",
    "€": "EUR",
    "евро": "EUR",
    "еуро": "EUR",
    "$": "USD",
    "доллар": "USD",
    "долл.": "USD",
    "₽": "RUB",
    "рубль": "RUB",
    "руб.": "RUB",
}


def currency(v: str) -> str:
    aliases = " ".join(f"WHEN {q(k)} THEN {q(val)}" for k, val in CURRENCY_ALIASES.items())
    return (
        f"(CASE lower({v}) {aliases} ELSE "
        f"CASE WHEN regexp_full_match(upper({v}), '[A-Z]{{3}}') THEN upper({v}) END END)"
    )


def text_list(v: str) -> str:
    return (
        f"list_filter(list_transform(regexp_split_to_array({v}, '[,;]'), lambda x: trim(x)), "
        f"lambda x: x <> '')"
    )


STATUS_ALIASES = {s: s for s in CAMPAIGN_STATUSES} | {
    "planned": "planned",
    "запланирована": "planned",
    "жоспарланған": "planned",
    "active": "active",
    "активна": "active",
    "активная": "active",
    "идет": "active",
    "белсенді": "active",
    "completed": "completed",
    "завершена": "completed",
    "аяқталған": "completed",
    "suspended": "suspended",
    "приостановлена": "suspended",
    "тоқтатылған": "suspended",
}
DIRECTION_ALIASES = {
    "increase": "increase",
    "up": "increase",
    "увеличение": "increase",
    "рост": "increase",
    "өсу": "increase",
    "arttyru": "increase",
    "decrease": "decrease",
    "down": "decrease",
    "уменьшение": "decrease",
    "снижение": "decrease",
    "азайту": "decrease",
    "төмендеу": "decrease",
}
UNIT_ALIASES = {
    "#": "#",
    "number": "#",
    "count": "#",
    "число": "#",
    "количество": "#",
    "саны": "#",
    "%": "%",
    "percent": "%",
    "процент": "%",
    "пайыз": "%",
}
HEADING_ALIASES = {str(h): h for h in BUDGET_HEADINGS} | {f"{h}.": h for h in BUDGET_HEADINGS}


def value_sql(ftype: str, v: str, decimal: str, order: str = "dmy") -> str:
    """The typed value of a cleaned cell ``v`` of type ``ftype``; ``order`` is the column's
    order of day and month."""
    if ftype in ("count", "amount", "number", "rating"):
        return number(v, decimal)
    if ftype == "date":
        return date(v, order)
    if ftype == "datetime":
        return timestamp(v, order)
    if ftype == "month":
        return month(v)
    if ftype == "platform":
        return mapped(v, PLATFORM_ALIASES)
    if ftype == "sex":
        return mapped(v, SEX_ALIASES)
    if ftype == "age_group":
        return age_group(v)
    if ftype in ("yes_no", "bool"):
        return mapped(v, YES_NO_ALIASES)
    if ftype == "currency":
        return currency(v)
    if ftype == "status":
        return mapped(v, STATUS_ALIASES)
    if ftype == "direction":
        return mapped(v, DIRECTION_ALIASES)
    if ftype == "unit":
        return mapped(v, UNIT_ALIASES)
    if ftype == "heading":
        return mapped(v, HEADING_ALIASES)
    if ftype == "list":
        return text_list(v)
    return v  # text, code


def quick_sql(ftype: str, cell: str, decimal: str) -> tuple[str, str] | None:
    """The quick reading of a cell of type ``ftype``, as (when it applies, its value), or None
    for a type that has none: most cells of a large file are already plain (``1234``,
    ``2025-03-31``, ``instagram``), and reading those directly is many times faster than
    trimming and matching every cell."""
    if ftype in ("count", "amount", "number", "rating"):
        cast = f"TRY_CAST({cell} AS DOUBLE)"
        guard = f"isfinite({cast})" + (f" AND NOT contains({cell}, '.')" if decimal == "," else "")
        return guard, cast
    if ftype == "date":
        quick = f"TRY_CAST({cell} AS DATE)"
        return f"{quick} IS NOT NULL", quick
    if ftype in QUICK_CHOICES:
        words = QUICK_CHOICES[ftype]
        quick = f"(CASE {cell} " + " ".join(f"WHEN {q(w)} THEN {q(w)}" for w in words) + " END)"
        return f"{quick} IS NOT NULL", quick
    return None


def typed_layers(
    ftype: str, cell: str, decimal: str, order: str, name: str
) -> tuple[list[str], list[str], str]:
    """The typed value of a cell as read, the quick reading (:func:`quick_sql`) where it
    applies, else the full cleaning (:func:`value_sql` of :func:`clean`), written in three
    steps of a query, each reading the columns of the one before: (the first step's columns,
    the second's, the typed value).
    The quick reading and whether it applies are worked out once (``<name>_q``, ``<name>_g``),
    the cleaning only where it does not (``<name>_k``), and the full reading names that column
    instead of repeating the cleaning at each use: a statement of a few kilobytes instead of
    tens, which costs DuckDB less to plan (most of a small file's typing) and no more to run."""
    quick = quick_sql(ftype, cell, decimal)
    k = f"{name}_k"
    if quick is None:
        return [f"{clean(cell)} AS {k}"], [k], value_sql(ftype, k, decimal, order)
    guard, value = quick
    g, v = f"{name}_g", f"{name}_q"
    first = [f"{value} AS {v}", f"coalesce({guard}, false) AS {g}"]
    # CASE evaluates the cleaning only for the rows that need it.
    second = [v, g, f"(CASE WHEN {g} THEN NULL ELSE {clean(cell)} END) AS {k}"]
    return first, second, f"(CASE WHEN {g} THEN {v} ELSE {value_sql(ftype, k, decimal, order)} END)"


# The values of a choice written as stored, which the quick reading takes as they are (the
# full cleaning reads each of them as itself).
QUICK_CHOICES: dict[str, tuple[str, ...]] = {
    "platform": PLATFORMS,
    "sex": tuple(dict.fromkeys(SEX_ALIASES.values())),
    "age_group": AGE_GROUPS,
}


def keep_sql(ftype: str, cell: str, typed: str) -> str:
    """When to keep the cell as written: it could not be read, was cleaned, or looks wrong."""
    if ftype in ("count", "amount", "number", "rating"):
        return (
            f"{cell} IS NOT NULL AND ({typed} IS NULL OR {typed} < 1 OR {typed} <> floor({typed}))"
        )
    if ftype in ("text", "code"):
        return f"{cell} IS NOT NULL AND ({typed} IS NULL OR {typed} <> {cell})"
    return f"{cell} IS NOT NULL AND {typed} IS NULL"


def as_text(ftype: str, typed: str) -> str:
    """A typed value written back as text, for messages."""
    if ftype in ("count", "amount", "number", "rating"):
        return f"regexp_replace(CAST({typed} AS VARCHAR), '\\.0$', '')"
    if ftype == "list":
        return f"array_to_string({typed}, ', ')"
    return f"CAST({typed} AS VARCHAR)"


def suspect_sql(ftype: str, kept: str, typed: str, *, signed: bool = False) -> str:
    """Rows worth checking for a problem in this field: a cheap filter before the messages.

    ``kept`` is the cell as written where it was kept (``stage``: it could not be read, was
    cleaned or looks wrong), ``typed`` the value read: the cell is there when either is, so
    the filter needs neither the cell as shown nor any text made for it. ``signed`` counts
    and amounts may be below zero (a platform's net change for a day, a refund)."""
    if ftype in ("count", "amount", "number", "rating"):
        extra = {
            "count": (
                f" OR {typed} <> floor({typed})"
                if signed
                else f" OR {typed} < 0 OR {typed} <> floor({typed})"
            ),
            "amount": "" if signed else f" OR {typed} < 0",
            "rating": f" OR {typed} < 1 OR {typed} > 10 OR {typed} <> floor({typed})",
        }
        return (
            f"({kept} IS NOT NULL OR {typed} IS NOT NULL) "
            f"AND ({typed} IS NULL{extra.get(ftype, '')})"
        )
    return f"{kept} IS NOT NULL AND {typed} IS NULL"


# The codes of a value its field cannot read (``etl/messages/stage``), by field type.
_NOT_READ = {
    "date": "cell.not_a_date",
    "datetime": "cell.not_a_datetime",
    "month": "cell.not_a_month",
    "sex": "cell.unknown_sex",
    "yes_no": "cell.not_yes_no",
    "bool": "cell.not_yes_no",
    "currency": "cell.unknown_currency",
    "direction": "cell.not_a_direction",
    "unit": "cell.not_a_unit",
    "heading": "cell.unknown_heading",
}
_CHOICES = {"age_group": AGE_GROUPS, "status": CAMPAIGN_STATUSES, "platform": PLATFORMS}


def problem_branches(
    ftype: str, v: str, typed: str, header: str, *, signed: bool = False
) -> list[tuple[str, str, dict[str, str]]]:
    """What can be wrong with a cell, in order: (SQL condition, message code, SQL of each
    parameter). ``v`` is the cleaned cell, ``typed`` its typed value; the cell is fine when no
    condition holds. ``signed`` counts and amounts may be below zero (a platform's net change
    for a day, a refund)."""
    if ftype in ("count", "amount", "number", "rating"):
        number = f"regexp_extract({v}, '[0-9]+([.,][0-9]+)?')"
        scaled = "CAST(round(CAST(replace({n}, ',', '.') AS DOUBLE) * {f}) AS BIGINT)"
        thousands = f"regexp_full_match({v}, '[0-9]+([.,][0-9]+)?\\s*([kKкК]|тыс\\.?|мың)')"
        millions = f"regexp_full_match({v}, '[0-9]+([.,][0-9]+)?\\s*(m|M|млн\\.?)')"
        branches = [
            (
                f"{typed} IS NULL AND {thousands}",
                f"cell.not_a_{ftype}_scaled",
                {"value": v, "suggest": scaled.format(n=number, f=1000)},
            ),
            (
                f"{typed} IS NULL AND {millions}",
                f"cell.not_a_{ftype}_scaled",
                {"value": v, "suggest": scaled.format(n=number, f=1000000)},
            ),
            (f"{typed} IS NULL", f"cell.not_a_{ftype}", {"value": v}),
        ]
        if ftype == "count" and not signed:
            branches.append(
                (f"{typed} < 0", "cell.negative_count", {"column": q(header), "value": v})
            )
        elif ftype in ("amount", "rating") and not signed:
            branches.append((f"{typed} < 0", "cell.negative", {"column": q(header), "value": v}))
        if ftype in ("count", "rating"):
            branches.append((f"{typed} <> floor({typed})", "cell.fraction", {"value": v}))
        if ftype == "rating":
            branches.append((f"{typed} < 1 OR {typed} > 10", "cell.rating_range", {"value": v}))
        return branches
    if ftype == "platform":
        best = did_you_mean(v, PLATFORM_ALIASES)
        choices = q(", ".join(PLATFORMS))
        return [
            (
                f"{typed} IS NULL AND ({best}).s >= 0.8",
                "cell.unknown_platform_suggest",
                {"value": v, "suggest": f"({best}).c", "choices": choices},
            ),
            (f"{typed} IS NULL", "cell.unknown_platform", {"value": v, "choices": choices}),
        ]
    if ftype in _CHOICES:
        code = "cell.unknown_age_group" if ftype == "age_group" else "cell.unknown_status"
        return [(f"{typed} IS NULL", code, {"value": v, "choices": q(", ".join(_CHOICES[ftype]))})]
    if ftype in _NOT_READ:
        return [(f"{typed} IS NULL", _NOT_READ[ftype], {"value": v})]
    return []


def problem_sql(ftype: str, v: str, typed: str, header: str, *, signed: bool = False) -> str:
    """NULL when the cell is fine, else the issue's message, severity, code and params as a
    struct ``{message, severity, code, params}`` naming the value and how to write it."""
    branches = problem_branches(ftype, v, typed, header, signed=signed)
    if not branches:
        return "NULL"
    whens = " ".join(
        f"WHEN {cond} THEN {issue_struct_sql(code, **exprs)}" for cond, code, exprs in branches
    )
    return f"CASE WHEN {v} IS NULL THEN NULL {whens} END"


def did_you_mean(v: str, choices: dict[str, str]) -> str:
    """SQL of the closest accepted word to ``v``: a struct ``{s: similarity, c: value}``.

    ``choices`` maps every accepted spelling to the value to suggest.
    """
    values = ", ".join(f"{{'a': {q(a)}, 'c': {q(c)}}}" for a, c in choices.items())
    return (
        f"list_sort(list_transform([{values}], "
        f"lambda x: {{'s': jaro_winkler_similarity(lower({v}), x.a), 'c': x.c}}), 'DESC')[1]"
    )
