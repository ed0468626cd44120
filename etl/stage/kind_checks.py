"""The checks each kind of file adds to those of each field: duplicate rows, figures that
cannot be (reach above impressions), references to the programme, dates outside the campaign.

Each check is a SQL query over the staged table giving issue rows, with an aggregate over the
table's rows that says whether it finds any (None when only running it can tell): ``stage``
asks every check that can say in one pass and runs only those that find a row.
Their texts are loader messages (``etl.messages``): the English text, code and parameters of
each issue come from ``issue_sql``."""

from __future__ import annotations

from collections.abc import Callable

from etl import normalise as n
from etl.headers import HeaderMatch
from etl.kinds import NET_CHANGE_FIELDS, PROGRAMME_SHEETS
from etl.messages.sql import issue_sql
from etl.stage.records import Context

# The file's own header of a field.
Column = Callable[[str], str]

# (an aggregate over the staged table's rows, true when the check finds a row, or None; the SQL
# of its issues: (row_number, column, value, message, severity, code, params) rows)
Check = tuple[str | None, str]


def kind_checks(
    kind: str, table: str, header: list[str], match: HeaderMatch, ctx: Context
) -> list[Check]:
    """The checks a kind of file adds to those of each field, over the staged ``table``."""

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


def _metrics_checks(table: str, match: HeaderMatch, col: Column, ctx: Context) -> list[Check]:
    """A metrics file: duplicate rows, reach above impressions, signs, followers on post rows,
    dates outside the campaign, the time window."""
    checks: list[Check] = []
    post = "coalesce(post_id, '')"
    same = issue_sql("stage.duplicate_post_row", first_row="first_row")
    checks.append(
        _repeated(
            table,
            ("date", "platform", post, "coalesce(lower(time_window), 'day')"),
            "date IS NOT NULL AND platform IS NOT NULL",
            f"{n.q(col('date'))}, NULL, {same}",
        )
    )
    reach_above = issue_sql(
        "stage.reach_above_impressions",
        reach=n.as_text("count", "reach"),
        impressions=n.as_text("count", "impressions"),
    )
    checks.append(
        _rows_where(table, f"{n.q(col('reach'))}, reach__raw, {reach_above}", "reach > impressions")
    )
    lifetime = "lower(coalesce(time_window, 'day')) = 'lifetime'"
    for f in (f for f in NET_CHANGE_FIELDS if f in match.columns):
        below = issue_sql("stage.total_below_zero", value=f"{f}__raw")
        change = issue_sql("stage.net_change_below_zero", "warning", field=n.q(f))
        shown = f"{n.q(col(f))}, {f}__raw"
        checks.append(_rows_where(table, f"{shown}, {below}", f'"{f}" < 0 AND {lifetime}'))
        checks.append(_rows_where(table, f"{shown}, {change}", f'"{f}" < 0 AND NOT ({lifetime})'))
    if "followers" in match.columns:
        checks.append(
            _rows_where(
                table,
                f"{n.q(col('followers'))}, followers__raw, "
                f"{issue_sql('stage.followers_on_post', 'warning')}",
                "coalesce(post_id, '') <> '' AND followers IS NOT NULL",
            )
        )
    # A post's lifetime totals are as of the export date, which may follow the campaign.
    checks.extend(
        _outside_period(
            table, "date", col("date"), ctx, "coalesce(lower(time_window), 'day') = 'day'"
        )
    )
    if "time_window" in match.columns:
        checks.append(
            _rows_where(
                table,
                f"{n.q(col('time_window'))}, time_window__raw, {issue_sql('stage.time_window')}",
                "time_window IS NOT NULL AND lower(time_window) NOT IN ('day', 'lifetime')",
            )
        )
    return checks


def _spend_checks(table: str, col: Column, ctx: Context) -> list[Check]:
    """A spend file: duplicate references, budget lines, exchange rates, zero and negative
    amounts, dates outside the campaign, earlier costs without document numbers it drops."""
    checks: list[Check] = []
    checks.append(_duplicates(table, ("reference",), col("reference"), "reference"))
    campaign_lines = f"FROM budget_lines WHERE campaign_code = {n.q(ctx.campaign or '')}"
    lines = f"(SELECT string_agg(line_code, ', ' ORDER BY line_code) {campaign_lines})"
    unknown_line = issue_sql("stage.budget_line_unknown", line="s.budget_line", lines=lines)
    no_budget = issue_sql("stage.budget_line_no_budget", line="s.budget_line")
    for message, budget in ((unknown_line, "EXISTS"), (no_budget, "NOT EXISTS")):
        checks.append(
            (
                None,
                f"SELECT s.row_number, {n.q(col('budget_line'))}, s.budget_line__raw, {message} "
                f"FROM {table} s WHERE s.budget_line IS NOT NULL AND s.budget_line NOT IN "
                f"(SELECT line_code {campaign_lines}) AND {budget} (SELECT 1 {campaign_lines})",
            )
        )
    no_rate = issue_sql(
        "stage.no_exchange_rate",
        "warning",
        currency="s.currency",
        month="strftime(s.date, '%Y-%m')",
    )
    checks.append(
        (
            "bool_or(currency <> 'EUR' AND date IS NOT NULL)",
            f"SELECT s.row_number, {n.q(col('currency'))}, s.currency__raw, {no_rate} "
            f"FROM {table} s WHERE s.currency <> 'EUR' AND s.date IS NOT NULL AND "
            f"NOT EXISTS (SELECT 1 FROM exchange_rates r WHERE r.currency = s.currency AND "
            f"r.month = date_trunc('month', s.date))",
        )
    )
    amount = f"{n.q(col('amount'))}, amount__raw"
    checks.append(_rows_where(table, f"{amount}, {issue_sql('stage.amount_zero')}", "amount = 0"))
    # A refund or a reversal is a negative cost: it is kept, and nets off the line's spend.
    line = "coalesce(budget_line, budget_line__raw)"
    refund = issue_sql("stage.amount_refund", "warning", line=line)
    checks.append(_rows_where(table, f"{amount}, {refund}", f"amount < 0 AND {line} IS NOT NULL"))
    checks.append(
        _rows_where(
            table,
            f"{amount}, {issue_sql('stage.amount_refund_no_line', 'warning')}",
            f"amount < 0 AND {line} IS NULL",
        )
    )
    checks.extend(_outside_period(table, "date", col("date"), ctx))
    # Costs without document numbers (references made by ``etl.spend``) that an earlier
    # file loaded for this file's period and this file no longer lists are replaced by it.
    # Imported here: etl.spend stages its rows with etl.stage, which imports this module.
    from etl.spend import AUTO_PREFIX

    auto = f"starts_with(reference, {n.q(AUTO_PREFIX)})"
    dropped = (
        f"(SELECT count(*) AS k, min(p.spend_date) AS lo, "
        f"max(p.spend_date) AS hi FROM spend p, (SELECT min(date) AS first, max(date) AS "
        f"last FROM {table} WHERE {auto}) f WHERE p.campaign_code = "
        f"{n.q(ctx.campaign or '')} AND starts_with(p.reference, {n.q(AUTO_PREFIX)}) AND "
        f"p.spend_date BETWEEN f.first AND f.last AND p.reference NOT IN (SELECT reference "
        f"FROM {table} WHERE reference IS NOT NULL))"
    )
    one_day = issue_sql("stage.costs_replaced_on", "warning", count="k", day="CAST(lo AS VARCHAR)")
    period = issue_sql(
        "stage.costs_replaced_between",
        "warning",
        count="k",
        first="CAST(lo AS VARCHAR)",
        last="CAST(hi AS VARCHAR)",
    )
    for message, when in ((one_day, "lo = hi"), (period, "lo <> hi")):
        checks.append(
            (
                f"bool_or({auto})",
                f"SELECT NULL, {n.q(col('reference'))}, NULL, {message} FROM {dropped} "
                f"WHERE k > 0 AND {when}",
            )
        )
    return checks


def _participants_checks(table: str, col: Column, ctx: Context) -> list[Check]:
    """A participants file: duplicate groups, one date per event, dates outside the campaign."""
    checks: list[Check] = []
    checks.append(
        _duplicates(
            table,
            ("event_code", "region", "sex", "age_group"),
            col("event_code"),
            "event, region, sex and age group",
        )
    )
    two_dates = issue_sql("stage.event_two_dates", event="event_code", first_row="first_row")
    present = "event_code IS NOT NULL AND event_date IS NOT NULL"
    checks.append(
        (
            # an event with two dates has more distinct (event, date) pairs than events
            f"count(DISTINCT (event_code, event_date)) FILTER (WHERE {present}) > "
            f"count(DISTINCT event_code) FILTER (WHERE {present})",
            f"SELECT row_number, {n.q(col('event_date'))}, event_date__raw, {two_dates} "
            f"FROM (SELECT row_number, event_code, event_date, event_date__raw, "
            f"first_value(event_date) OVER w AS first_date, first_value(row_number) OVER w AS "
            f"first_row FROM {table} WHERE {present} "
            f"WINDOW w AS (PARTITION BY event_code ORDER BY row_number)) "
            f"WHERE event_date <> first_date",
        )
    )
    checks.extend(_outside_period(table, "event_date", col("event_date"), ctx))
    return checks


def _feedback_checks(table: str, match: HeaderMatch, col: Column, ctx: Context) -> list[Check]:
    """A feedback file: dates outside the campaign, ratings above their scale."""
    checks: list[Check] = []
    checks.extend(_outside_period(table, "submitted_at", col("submitted_at"), ctx))
    for rated in ("rating", "usefulness"):
        scale = f"{rated}_scale"
        if rated not in match.columns:
            continue
        above = issue_sql(
            "stage.rating_above_scale",
            field=n.q(rated),
            rating=f"CAST({rated} AS INTEGER)",
            scale=f"CAST(coalesce({scale}, 5) AS INTEGER)",
        )
        checks.append(
            _rows_where(
                table,
                f"{n.q(col(rated))}, {rated}__raw, {above}",
                f"{rated} > coalesce({scale}, 5)",
            )
        )
        if scale in match.columns:
            checks.append(
                _rows_where(
                    table,
                    f"{n.q(col(scale))}, {scale}__raw, {issue_sql('stage.scale_5_or_10')}",
                    f"{scale} NOT IN (5, 10)",
                )
            )
    return checks


def _fx_checks(table: str, col: Column) -> list[Check]:
    """An exchange-rate file: duplicate months and currencies, rates not above zero."""
    checks: list[Check] = []
    checks.append(_duplicates(table, ("month", "currency"), col("month"), "month and currency"))
    rate = issue_sql("stage.rate_not_positive", value="units_per_eur__raw")
    checks.append(
        _rows_where(
            table, f"{n.q(col('units_per_eur'))}, units_per_eur__raw, {rate}", "units_per_eur <= 0"
        )
    )
    return checks


def _programme_checks(kind: str, table: str, col: Column) -> list[Check]:
    """A sheet of the set-up workbook: duplicate rows, then what its kind adds."""
    checks: list[Check] = []
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
            _rows_where(
                table,
                f"{n.q(col('end_date'))}, end_date__raw, "
                f"{issue_sql('stage.campaign_ends_before_start')}",
                "end_date < start_date",
            )
        )
    if kind == "budget_lines":
        heading = issue_sql(
            "stage.line_heading", "warning", line="line", heading="CAST(heading AS VARCHAR)"
        )
        checks.append(
            _rows_where(
                table,
                f"{n.q(col('line'))}, line__raw, {heading}",
                "heading IS NOT NULL AND line IS NOT NULL AND "
                "split_part(line, '.', 1) <> CAST(heading AS VARCHAR)",
            )
        )
    return checks


def _col(match: HeaderMatch, header: list[str], field_name: str) -> str:
    index = match.columns.get(field_name)
    return header[index] if index is not None else field_name


def _rows_where(table: str, shown: str, where: str) -> Check:
    """The check giving ``shown`` (its columns after the row number) for each row of ``table``
    where ``where`` holds."""
    return f"bool_or({where})", f"SELECT row_number, {shown} FROM {table} WHERE {where}"


def _duplicates(table: str, keys: tuple[str, ...], column: str, what: str) -> Check:
    """Rows with the same ``keys`` as an earlier row; ``what`` names the keys (field names,
    which the file's headers also use)."""
    present = " AND ".join(f'"{k}" IS NOT NULL' for k in keys)
    same = issue_sql("stage.duplicate_row", keys=n.q(what), first_row="first_row")
    return _repeated(
        table,
        tuple(f'"{k}"' for k in keys),
        present,
        f"{n.q(column)}, NULL, {same}",
    )


def _repeated(table: str, keys: tuple[str, ...], where: str, issue: str) -> Check:
    """The SQL giving ``issue`` (its columns after the row number; ``first_row`` is the first
    row with the same keys) for every row of ``table`` whose ``keys`` (SQL of each, over the
    table's columns, never NULL where ``where`` holds) repeat those of an earlier row.

    The keys seen more than once are found by grouping, and only their rows are looked at
    again: cheaper on a large file, where most keys are seen once, than numbering every row
    within its keys. It finds a row when fewer distinct keys than rows are seen."""
    grouped = ", ".join(f"{expr} AS _k{i}" for i, expr in enumerate(keys))
    on = " AND ".join(f"{expr} = d._k{i}" for i, expr in enumerate(keys))
    return (
        f"count(*) FILTER (WHERE {where}) > count(DISTINCT ({', '.join(keys)})) "
        f"FILTER (WHERE {where})",
        f"SELECT row_number, {issue} FROM (SELECT row_number, d.first_row FROM {table} "
        f"JOIN (SELECT {grouped}, min(row_number) AS first_row FROM {table} WHERE {where} "
        f"GROUP BY ALL HAVING count(*) > 1) d ON {on} WHERE row_number > d.first_row)",
    )


def _outside_period(
    table: str, field_name: str, column: str, ctx: Context, where: str = "true"
) -> list[Check]:
    if ctx.start is None or ctx.end is None:
        return []
    outside = issue_sql(
        "stage.outside_period", "warning", first=n.q(str(ctx.start)), last=n.q(str(ctx.end))
    )
    return [
        _rows_where(
            table,
            f'{n.q(column)}, "{field_name}__raw", {outside}',
            f"CAST(\"{field_name}\" AS DATE) NOT BETWEEN DATE '{ctx.start}' AND DATE '{ctx.end}' "
            f"AND {where}",
        )
    ]
