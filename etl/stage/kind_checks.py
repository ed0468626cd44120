"""The checks each kind of file adds to those of each field: duplicate rows, figures that
cannot be (reach above impressions), references to the programme, dates outside the campaign.

Each check is a SQL query over the staged table giving issue rows; ``stage`` runs them all."""

from __future__ import annotations

from collections.abc import Callable

from etl import normalise as n
from etl.headers import HeaderMatch
from etl.kinds import NET_CHANGE_FIELDS, PROGRAMME_SHEETS
from etl.stage.records import Context

# The file's own header of a field.
Column = Callable[[str], str]


def kind_checks(
    kind: str, table: str, header: list[str], match: HeaderMatch, ctx: Context
) -> list[str]:
    """The SQL of the checks a kind of file adds to those of each field: each query gives
    (row_number, column, value, message, severity) rows of the staged ``table``."""

    def col(field_name: str) -> str:
        return _col(match, header, field_name)

    if kind == "metrics":
        return _metrics_checks(table, match, col, ctx)
    if kind == "spend":
        return _spend_checks(table, col, ctx)
    if kind == "participants":
        return _participants_checks(table, col, ctx)
    if kind == "feedback":
        return _feedback_checks(table, match, col, ctx)
    if kind == "fx":
        return _fx_checks(table, col)
    if kind in PROGRAMME_SHEETS:
        return _programme_checks(kind, table, col)
    return []


def _metrics_checks(table: str, match: HeaderMatch, col: Column, ctx: Context) -> list[str]:
    """A metrics file: duplicate rows, reach above impressions, signs, followers on post rows,
    dates outside the campaign, the time window."""
    checks: list[str] = []
    post = "coalesce(post_id, '')"
    checks.append(
        f"SELECT row_number, {n.q(col('date'))}, NULL, 'same date, platform and post as row '"
        f" || first_row || '; keep one of the two rows', 'error' FROM (SELECT row_number, "
        f"min(row_number) OVER (PARTITION BY date, platform, {post}, "
        f"coalesce(lower(time_window), 'day')) AS first_row "
        f"FROM {table} WHERE date IS NOT NULL AND platform IS NOT NULL) "
        f"WHERE row_number > first_row"
    )
    checks.append(
        f"SELECT row_number, {n.q(col('reach'))}, reach__raw, 'reach ' || "
        f"{n.as_text('count', 'reach')} || ' is above impressions ' || "
        f"{n.as_text('count', 'impressions')} || "
        f"'; reach counts unique people among the impressions, so it cannot be higher: "
        f"check the two columns are not swapped', 'error' FROM {table} "
        f"WHERE reach > impressions"
    )
    lifetime = "lower(coalesce(time_window, 'day')) = 'lifetime'"
    for f in (f for f in NET_CHANGE_FIELDS if f in match.columns):
        checks.append(
            f"SELECT row_number, {n.q(col(f))}, {f}__raw, CASE WHEN {lifetime} THEN "
            f"'a post''s total so far cannot be below zero, got ''' || {f}__raw || '''; "
            f"check the sign' ELSE 'a net change below zero ({f} withdrawn or removed "
            f"that day), stored as reported' END, CASE WHEN {lifetime} THEN 'error' "
            f"ELSE 'warning' END FROM {table} WHERE \"{f}\" < 0"
        )
    if "followers" in match.columns:
        checks.append(
            f"SELECT row_number, {n.q(col('followers'))}, followers__raw, 'followers are "
            f"counted for the whole channel; on a post row (post_id filled in) the value was "
            f"ignored: put it on the channel row of that day', 'warning' FROM {table} "
            f"WHERE coalesce(post_id, '') <> '' AND followers IS NOT NULL"
        )
    # A post's lifetime totals are as of the export date, which may follow the campaign.
    checks.extend(
        _outside_period(
            table, "date", col("date"), ctx, "coalesce(lower(time_window), 'day') = 'day'"
        )
    )
    if "time_window" in match.columns:
        checks.append(
            f"SELECT row_number, {n.q(col('time_window'))}, time_window__raw, 'the window is "
            f"day (figures for that day) or lifetime (a post''s totals so far); write one of "
            f"the two', 'error' FROM {table} WHERE time_window IS NOT NULL AND "
            f"lower(time_window) NOT IN ('day', 'lifetime')"
        )
    return checks


def _spend_checks(table: str, col: Column, ctx: Context) -> list[str]:
    """A spend file: duplicate references, budget lines, exchange rates, zero and negative
    amounts, dates outside the campaign, earlier costs without document numbers it drops."""
    checks: list[str] = []
    checks.append(_duplicates(table, ("reference",), col("reference"), "reference"))
    checks.append(
        f"SELECT s.row_number, {n.q(col('budget_line'))}, s.budget_line__raw, "
        f"'budget line ' || s.budget_line || ' is not in the budget of this campaign; use "
        f"one of: ' || coalesce((SELECT string_agg(line_code, ', ' ORDER BY line_code) "
        f"FROM budget_lines WHERE campaign_code = {n.q(ctx.campaign or '')}), "
        f"'(no budget loaded: load the programme set-up first)'), 'error' "
        f"FROM {table} s WHERE s.budget_line IS NOT NULL AND s.budget_line NOT IN "
        f"(SELECT line_code FROM budget_lines WHERE campaign_code = "
        f"{n.q(ctx.campaign or '')})"
    )
    checks.append(
        f"SELECT s.row_number, {n.q(col('currency'))}, s.currency__raw, 'no exchange rate "
        f"for ' || s.currency || ' in ' || strftime(s.date, '%Y-%m') || '; the amount is "
        f"kept but has no EUR value until that month''s rate is loaded (kind fx)', "
        f"'warning' FROM {table} s WHERE s.currency <> 'EUR' AND s.date IS NOT NULL AND "
        f"NOT EXISTS (SELECT 1 FROM exchange_rates r WHERE r.currency = s.currency AND "
        f"r.month = date_trunc('month', s.date))"
    )
    checks.append(
        f"SELECT row_number, {n.q(col('amount'))}, amount__raw, 'the amount is zero; "
        f"delete the row or write the amount paid', 'error' FROM {table} WHERE amount = 0"
    )
    # A refund or a reversal is a negative cost: it is kept, and nets off the line's spend.
    checks.append(
        f"SELECT row_number, {n.q(col('amount'))}, amount__raw, 'a negative amount is "
        f"booked as a refund or reversal and reduces the spend on line ' || "
        f"coalesce(budget_line, budget_line__raw, '(no line)') || '; if it is a cost, "
        f"write it without the minus sign or brackets', 'warning' FROM {table} "
        f"WHERE amount < 0"
    )
    checks.extend(_outside_period(table, "date", col("date"), ctx))
    # Costs without document numbers (references made by ``etl.spend``) that an earlier
    # file loaded for this file's period and this file no longer lists are replaced by it.
    # Imported here: etl.spend stages its rows with etl.stage, which imports this module.
    from etl.spend import AUTO_PREFIX

    auto = f"starts_with(reference, {n.q(AUTO_PREFIX)})"
    checks.append(
        f"SELECT NULL, {n.q(col('reference'))}, NULL, CAST(k AS VARCHAR) || CASE WHEN k = 1 "
        f"THEN ' cost without a document number loaded earlier ' ELSE ' costs without a "
        f"document number loaded earlier ' END || CASE WHEN lo = hi THEN 'on ' || "
        f"CAST(lo AS VARCHAR) ELSE 'between ' || CAST(lo AS VARCHAR) || ' and ' || "
        f"CAST(hi AS VARCHAR) END || CASE WHEN k = 1 THEN ' is' ELSE ' are' END || ' not in "
        f"this file as loaded (changed or left out); loading the file replaces ' || CASE "
        f"WHEN k = 1 THEN 'it' ELSE 'them' END || ', since a file without document numbers "
        f"restates its period whole: send every cost of the period, not only new ones', "
        f"'warning' FROM (SELECT count(*) AS k, min(p.spend_date) AS lo, "
        f"max(p.spend_date) AS hi FROM spend p, (SELECT min(date) AS first, max(date) AS "
        f"last FROM {table} WHERE {auto}) f WHERE p.campaign_code = "
        f"{n.q(ctx.campaign or '')} AND starts_with(p.reference, {n.q(AUTO_PREFIX)}) AND "
        f"p.spend_date BETWEEN f.first AND f.last AND p.reference NOT IN (SELECT reference "
        f"FROM {table} WHERE reference IS NOT NULL)) WHERE k > 0"
    )
    return checks


def _participants_checks(table: str, col: Column, ctx: Context) -> list[str]:
    """A participants file: duplicate groups, one date per event, dates outside the campaign."""
    checks: list[str] = []
    checks.append(
        _duplicates(
            table,
            ("event_code", "region", "sex", "age_group"),
            col("event_code"),
            "event, region, sex and age group",
        )
    )
    checks.append(
        f"SELECT row_number, {n.q(col('event_date'))}, event_date__raw, 'event ' || "
        f"event_code || ' has another date in row ' || first_row || '; one event has one "
        f"date', 'error' FROM (SELECT row_number, event_code, event_date, event_date__raw, "
        f"first_value(event_date) OVER w AS first_date, first_value(row_number) OVER w AS "
        f"first_row FROM {table} WHERE event_code IS NOT NULL AND event_date IS NOT NULL "
        f"WINDOW w AS (PARTITION BY event_code ORDER BY row_number)) "
        f"WHERE event_date <> first_date"
    )
    checks.extend(_outside_period(table, "event_date", col("event_date"), ctx))
    return checks


def _feedback_checks(table: str, match: HeaderMatch, col: Column, ctx: Context) -> list[str]:
    """A feedback file: dates outside the campaign, ratings above their scale."""
    checks: list[str] = []
    checks.extend(_outside_period(table, "submitted_at", col("submitted_at"), ctx))
    for rated in ("rating", "usefulness"):
        scale = f"{rated}_scale"
        if rated not in match.columns:
            continue
        checks.append(
            f"SELECT row_number, {n.q(col(rated))}, {rated}__raw, '{rated} ' || "
            f"CAST({rated} AS INTEGER) || ' is above the top of the scale (' || "
            f"CAST(coalesce({scale}, 5) AS INTEGER) || '); ratings run from 1 to ' || "
            f"CAST(coalesce({scale}, 5) AS INTEGER) || ': for a 1-10 question give "
            f"{scale} = 10', 'error' FROM {table} WHERE {rated} > coalesce({scale}, 5)"
        )
        if scale in match.columns:
            checks.append(
                f"SELECT row_number, {n.q(col(scale))}, {scale}__raw, 'the scale is 5 or "
                f"10', 'error' FROM {table} WHERE {scale} NOT IN (5, 10)"
            )
    return checks


def _fx_checks(table: str, col: Column) -> list[str]:
    """An exchange-rate file: duplicate months and currencies, rates not above zero."""
    checks: list[str] = []
    checks.append(_duplicates(table, ("month", "currency"), col("month"), "month and currency"))
    checks.append(
        f"SELECT row_number, {n.q(col('units_per_eur'))}, units_per_eur__raw, 'a rate must "
        f"be above zero, got ''' || units_per_eur__raw || '''', 'error' FROM {table} "
        f"WHERE units_per_eur <= 0"
    )
    return checks


def _programme_checks(kind: str, table: str, col: Column) -> list[str]:
    """A sheet of the set-up workbook: duplicate rows, then what its kind adds."""
    checks: list[str] = []
    spec = PROGRAMME_SHEETS[kind]
    checks.append(
        _duplicates(
            table,
            spec.row_key,
            col(spec.row_key[-1]),
            " and ".join(spec.row_key).replace("_", " "),
        )
    )
    if kind == "campaigns":
        checks.append(
            f"SELECT row_number, {n.q(col('end_date'))}, end_date__raw, 'the campaign ends "
            f"before it starts; check the start and end dates', 'error' FROM {table} "
            f"WHERE end_date < start_date"
        )
    if kind == "budget_lines":
        checks.append(
            f"SELECT row_number, {n.q(col('line'))}, line__raw, 'line ' || line || ' does "
            f"not start with its heading number ' || heading || '; number lines inside a "
            f"heading as ' || heading || '.1, ' || heading || '.2, ...', 'warning' "
            f"FROM {table} WHERE heading IS NOT NULL AND line IS NOT NULL AND "
            f"split_part(line, '.', 1) <> CAST(heading AS VARCHAR)"
        )
    return checks


def _col(match: HeaderMatch, header: list[str], field_name: str) -> str:
    index = match.columns.get(field_name)
    return header[index] if index is not None else field_name


def _duplicates(table: str, keys: tuple[str, ...], column: str, what: str) -> str:
    key_sql = ", ".join(f'"{k}"' for k in keys)
    present = " AND ".join(f'"{k}" IS NOT NULL' for k in keys)
    return (
        f"SELECT row_number, {n.q(column)}, NULL, 'same {what} as row ' || first_row || "
        f"'; keep one of the two rows', 'error' FROM (SELECT row_number, "
        f"min(row_number) OVER (PARTITION BY {key_sql}) AS first_row FROM {table} "
        f"WHERE {present}) WHERE row_number > first_row"
    )


def _outside_period(
    table: str, field_name: str, column: str, ctx: Context, where: str = "true"
) -> list[str]:
    if ctx.start is None or ctx.end is None:
        return []
    return [
        f'SELECT row_number, {n.q(column)}, "{field_name}__raw", '
        f"'date outside the campaign period {ctx.start} to {ctx.end}; check the date or the "
        f"campaign', 'warning' FROM {table} WHERE CAST(\"{field_name}\" AS DATE) NOT BETWEEN "
        f"DATE '{ctx.start}' AND DATE '{ctx.end}' AND {where}"
    ]
