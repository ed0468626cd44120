"""The SQL of the measures: :func:`build_query` writes it for a :class:`Selection` at a grain
and breakdown (a pure function), :func:`query` and :func:`totals` run it through the cached
reader (``dashboard.reader``), so whole tables never reach pandas. :func:`campaign_conditions`
is the one place a selection picks campaigns; :func:`selected_rows` gives a source's rows for
lists the measures do not make.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from dashboard import reader
from dashboard.metrics.definition import Measure
from dashboard.metrics.measures import MEASURES, measure
from dashboard.metrics.selection import ALL, DEFAULT_SETTINGS, Selection, Settings, as_selection
from dashboard.metrics.sources import (
    DIMENSIONS,
    GRAINS,
    MONTH_COLUMNS,
    SOURCES,
    Source,
    relation,
)
from etl.reporting import load_settings
from etl.warehouse import Warehouse


def ignored_filters(measure_id: str, selection: Selection = ALL) -> list[str]:
    """The filters of ``selection`` that do not apply to the measure's rows."""
    selection = as_selection(selection)
    out = []
    for source_id in measure(measure_id).sources():
        src = SOURCES[source_id]
        if selection.platforms and "platform" not in src.dims:
            out.append(f"platforms ({source_id})")
        if (selection.start or selection.end) and src.date is None:
            out.append(f"period ({source_id})")
    return out


def unavailable(measure_id: str, grain: str = "total", by: Sequence[str] = ()) -> str | None:
    """Why the measure cannot be computed at this grain and breakdown, or None if it can."""
    m = measure(measure_id)
    if grain not in GRAINS:
        return f"unknown grain '{grain}'; use one of: {', '.join(GRAINS)}"
    for d in by:
        if d not in DIMENSIONS:
            return f"unknown breakdown '{d}'; use one of: {', '.join(DIMENSIONS)}"
    for source_id in m.sources():
        src = SOURCES[source_id]
        if grain != "total" and src.date is None:
            return f"{m.label}: {source_id} rows are not dated, so there is no {grain} series"
        for d in by:
            if d not in src.dims:
                return f"{m.label}: {source_id} rows are not recorded by {d}"
    return None


def _platform_filtered(m: Measure, selection: Selection) -> bool:
    """Whether a platform filter in the selection applies to the measure's rows."""
    return bool(selection.platforms) and all("platform" in SOURCES[s].dims for s in m.sources())


class Params:
    """Named query parameters, each value bound once and referenced as ``$name`` (added to
    ``values`` when given, else to a new dict)."""

    def __init__(self, values: dict[str, object] | None = None) -> None:
        self.values: dict[str, object] = {} if values is None else values

    def __call__(self, name: str, value: object) -> str:
        self.values[name] = list(value) if isinstance(value, tuple) else value
        return f"${name}"


def _bucket(grain: str, column: str) -> str:
    return column if grain == "day" else f"date_trunc('{grain}', {column})::DATE"


def campaign_conditions(sel: Selection, params: dict[str, object]) -> str:
    """The SQL condition on ``campaigns c`` that picks the selection's campaigns (``TRUE`` when
    it does not limit them): its campaign codes, thematic areas and regions, and, unless
    ``campaigns_in_period`` is off, the campaigns running at some time in its period. Adds its
    named parameters (``campaigns``, ``themes``, ``regions``, ``start``, ``end``) to ``params``.
    """
    p = Params(params)
    where = ["TRUE"]
    if sel.campaigns:
        where.append(f"list_contains({p('campaigns', sel.campaigns)}, c.code)")
    if sel.themes:
        where.append(f"list_contains({p('themes', sel.themes)}, c.thematic_area)")
    if sel.regions:
        where.append(f"list_has_any(c.regions, {p('regions', sel.regions)})")
    if sel.campaigns_in_period and sel.start:
        where.append(f"c.end_date >= {p('start', sel.start)}")
    if sel.campaigns_in_period and sel.end:
        where.append(f"c.start_date <= {p('end', sel.end)}")
    return " AND ".join(where)


# What picks a source's rows: each current campaign's code and what the conditions read. Not
# the ``campaigns`` view, whose organisation names DuckDB would join to every row first (twice
# the time on ten times the scale programme).
_PICKING = (
    "SELECT code, thematic_area, regions, start_date, end_date FROM core.campaign "
    "WHERE superseded_by IS NULL"
)


def _rows(
    source: Source,
    sel: Selection,
    grain: str,
    by: Sequence[str],
    p: Params,
    fx_rule: str,
    *,
    before_start: bool = False,
    months: bool = False,
) -> str:
    """The source's rows in the selection, with key columns ``k_period`` and ``k_<dim>``; with
    ``months``, the whole months of the source's kept monthly totals (:func:`_month_rows`)."""
    keys = []
    if grain != "total" and not before_start:
        keys.append(f"{_bucket(grain, 's.' + source.date)} AS k_period")
    keys += [f"s.{DIMENSIONS[d]} AS k_{d}" for d in by]
    where = [campaign_conditions(sel, p.values)]
    if 0 < len(sel.campaigns) <= FEW_CAMPAIGNS:
        where.append(f"list_contains({p('campaigns', sel.campaigns)}, s.campaign_code)")
    if sel.platforms and "platform" in source.dims:
        where.append(f"list_contains({p('platforms', sel.platforms)}, s.platform)")
    if source.date:
        where += _date_conditions(f"s.{source.date}", sel, grain, p, before_start)
    cols = ", ".join([*keys, "s.*"])
    rows = _month_rows(source, sel, p) if months else relation(source, fx_rule)
    return (
        f"SELECT {cols} FROM ({rows.strip()}) s "
        f"JOIN ({_PICKING}) c ON c.code = s.campaign_code WHERE {' AND '.join(where)}"
    )


# A selection of at most this many campaigns is also applied to the source's own rows, which
# lets DuckDB skip the rows of other campaigns before a join (it does not carry the condition
# on the campaign through the left join of posts to their figures); for more, testing each row
# against the list costs more than it saves.
FEW_CAMPAIGNS = 20

# A measure the kept monthly totals can give: a sum of one column, or of one column over the
# rows where another is reported.
_MONTHLY_SUM = re.compile(r"sum\((\w+)\)(?: FILTER \(WHERE (\w+) IS NOT NULL\))?")


def _from_months(measures: Sequence[Measure], sel: Selection, grain: str) -> bool:
    """Whether ``measures`` (plain aggregates of one source) come out of the source's kept
    monthly totals exactly as out of its rows: every one a sum of columns the months keep, at
    a grain no finer than a month, with no rule that looks at each row's own day (a
    campaign's own dates, approved periods). A period need not be whole months: its partial
    months are read day by day."""
    src = SOURCES[measures[0].source]
    if src.monthly is None or grain not in ("total", "month"):
        return False
    if sel.within_campaign_period or sel.approved_only:
        return False
    for m in measures:
        found = _MONTHLY_SUM.fullmatch(m.formula or "")
        if not found or not set(filter(None, found.groups())) <= set(MONTH_COLUMNS):
            return False
    return True


def _month_rows(source: Source, sel: Selection, p: Params) -> str:
    """The source's rows as its kept monthly totals give them: one row per channel, month and
    set of figures reported (dated by the month's first day) for each month wholly within the
    selection's period, and the rows of its days for the months it covers only in part."""
    cols = ", ".join(["campaign_code", "platform", *MONTH_COLUMNS])
    day = source.date

    def whole(month: str) -> str:
        """Whether ``month`` (its first day) is wholly within the period."""
        out = ["TRUE"]
        if sel.start:
            out.append(f"{month} >= {p('start', sel.start)}")
        if sel.end:
            out.append(f"last_day({month}) <= {p('end', sel.end)}")
        return " AND ".join(out)

    months = f"SELECT {cols}, month AS {day} FROM {source.monthly} WHERE {whole('month')}"
    if not (sel.start or sel.end):
        return months
    month_of_day = f"date_trunc('month', {day})"
    in_part = [f"NOT ({whole(month_of_day)})"]
    if sel.start:
        in_part.append(f"{day} >= {p('start', sel.start)}")
    if sel.end:
        in_part.append(f"{day} <= {p('end', sel.end)}")
    days = f"SELECT {cols}, {day} FROM ({source.relation}) WHERE {' AND '.join(in_part)}"
    return f"{months} UNION ALL {days}"


def _date_conditions(
    d: str, sel: Selection, grain: str, p: Params, before_start: bool
) -> list[str]:
    """The conditions on the rows' date column ``d``: within the period (and each campaign's
    own, when asked), or before the period's start for an opening level; with
    ``approved_only``, in an approved period of the row's campaign too."""
    lower = _lower_bound(sel, p)
    where = [_approved(d, p)] if sel.approved_only else []
    if before_start:
        return [*where, f"{d} < {lower}"]
    if lower:
        where.append(f"{d} >= {lower}")
    if sel.end:
        where.append(f"{d} <= {p('end', sel.end)}")
    if sel.within_campaign_period:
        where.append(f"{d} <= c.end_date")
    if grain != "total":
        where.append(f"{d} IS NOT NULL")
    return where


# The one condition of ``Selection.approved_only``: the row (alias ``s``, dated by ``{d}``) is
# in a reporting period its campaign has approved, as the period's bounds were approved.
_APPROVED = (
    "EXISTS (SELECT 1 FROM reporting_periods ap WHERE ap.campaign_code = s.campaign_code "
    "AND ap.state = 'approved' AND {d} BETWEEN ap.period_start AND ap.period_end)"
)


def _approved(d: str, p: Params) -> str:
    """``_APPROVED``, and rows dated before the reporting cycle's first period (the
    ``[cycle]`` of the reporting file), which owe no approval and stand as loaded."""
    first = load_settings().first_day
    if first is None:
        return _APPROVED.format(d=d)
    return f"({d} < {p('cycle_start', first)} OR {_APPROVED.format(d=d)})"


def _lower_bound(sel: Selection, p: Params) -> str | None:
    if sel.start and sel.within_campaign_period:
        return f"greatest({p('start', sel.start)}, c.start_date)"
    if sel.start:
        return p("start", sel.start)
    if sel.within_campaign_period:
        return "c.start_date"
    return None


def _key_columns(grain: str, by: Sequence[str]) -> list[str]:
    return (["k_period"] if grain != "total" else []) + [f"k_{d}" for d in by]


def _part(
    measures: list[Measure],
    sel: Selection,
    grain: str,
    by: Sequence[str],
    p: Params,
    fx_rule: str,
    months: bool = True,
) -> str:
    """One subquery giving the key columns and the measures (all of one source), over the
    source's kept monthly totals when they give the same figures and ``months`` allows."""
    src = SOURCES[measures[0].source]
    m = measures[0]
    if m.aggregation == "stock_change":
        return _growth(src, sel, grain, by, p, fx_rule, m.id)
    monthly = months and not m.inner and _from_months(measures, sel, grain)
    rows = _rows(src, sel, grain, by, p, fx_rule, months=monthly)
    keys = _key_columns(grain, by)
    if m.inner:
        extra = [src.date] if m.inner_by == "date" else ["campaign_code", "platform"]
        inner = ", ".join([*keys, *extra, f"{m.inner} AS inner_value"])
        outer = ", ".join([*keys, f'{m.formula} AS "{m.id}"'])
        return f"SELECT {outer} FROM (SELECT {inner} FROM ({rows}) GROUP BY ALL) GROUP BY ALL"
    cols = ", ".join([*keys, *(f'{x.formula} AS "{x.id}"' for x in measures)])
    return f"SELECT {cols} FROM ({rows}) GROUP BY ALL"


def _growth(
    src: Source,
    sel: Selection,
    grain: str,
    by: Sequence[str],
    p: Params,
    fx_rule: str,
    measure_id: str,
) -> str:
    keys = _key_columns(grain, by)
    rows = _rows(src, sel, grain, by, p, fx_rule)
    levels = (
        f"SELECT {', '.join([*keys, 'campaign_code', 'platform'])}, "
        "arg_max(followers, day) AS end_level, arg_min(followers, day) AS first_level "
        f"FROM ({rows}) WHERE followers IS NOT NULL GROUP BY ALL"
    )
    if _lower_bound(sel, Params()) is not None:
        before = _rows(src, sel, grain, (), p, fx_rule, before_start=True)
        opening = (
            "SELECT campaign_code, platform, arg_max(followers, day) AS level "
            f"FROM ({before}) WHERE followers IS NOT NULL GROUP BY ALL"
        )
    else:
        opening = (
            "SELECT NULL::VARCHAR AS campaign_code, NULL::VARCHAR AS platform, "
            "NULL::DOUBLE AS level WHERE FALSE"
        )
    previous = "o.level, l.first_level"
    if grain != "total":
        previous = (
            "lag(l.end_level) OVER (PARTITION BY l.campaign_code, l.platform "
            f"ORDER BY l.k_period), {previous}"
        )
    lkeys = [f"l.{k}" for k in keys]
    inner = (
        f"SELECT {', '.join([*lkeys, f'l.end_level - coalesce({previous}) AS growth'])} "
        f"FROM ({levels}) l LEFT JOIN ({opening}) o "
        "ON o.campaign_code = l.campaign_code AND o.platform = l.platform"
    )
    cols = ", ".join([*keys, f'sum(growth) AS "{measure_id}"'])
    return f"SELECT {cols} FROM ({inner}) GROUP BY ALL"


def build_query(
    measure_ids: Sequence[str],
    selection: Selection = ALL,
    grain: str = "total",
    by: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
    *,
    months: bool = True,
) -> tuple[str, dict[str, object]]:
    """The SQL (and its named parameters) giving the measures over the selection.

    One row per period bucket (column ``period``: the day, the Monday of the week or the first
    of the month) and per value of each ``by`` dimension (columns named after the dimension:
    ``campaign`` holds the campaign code), then one column per measure id, in the order asked.
    With ``grain="total"`` and no ``by``, exactly one row. Raises ``ValueError`` for a measure
    that cannot be computed at that grain or breakdown (see :func:`unavailable`). A ratio whose
    numerator and denominator a platform filter treats differently (it applies to impressions
    but not to spend) is NULL rather than wrong.

    Sums over channels' days are read from the monthly totals the loads keep
    (``core.channel_month``) for the months wholly in the period, which gives the same figures
    from about thirty times fewer rows; ``months=False`` reads every day's row instead.
    """
    if isinstance(measure_ids, str):
        measure_ids = [measure_ids]
    selection = as_selection(selection)
    by = list(by)
    wanted = _wanted(measure_ids, grain, by)
    groups = _subquery_groups(wanted)
    p = Params()
    parts = [_part(ms, selection, grain, by, p, settings.fx_rule, months) for ms in groups]
    keys = _key_columns(grain, by)
    combined = _combined(parts, groups, keys)
    out = [f"{c} AS {c[2:]}" for c in keys] + [_output(m, selection) for m in wanted]
    order = f" ORDER BY {', '.join(keys)}" if keys else ""
    sql = f"SELECT {', '.join(out)} FROM ({combined}) q{order}"
    return sql, p.values


def _wanted(measure_ids: Sequence[str], grain: str, by: list[str]) -> list[Measure]:
    """The measures asked for, checked: each known and computable at the grain and breakdown."""
    if len(set(by)) != len(by):
        raise ValueError(f"breakdown repeats a dimension: {by}")
    wanted = [measure(i) for i in measure_ids]
    if not wanted:
        raise ValueError("no measures asked for")
    for m in wanted:
        reason = unavailable(m.id, grain, by)
        if reason:
            raise ValueError(reason)
    return wanted


def _subquery_groups(wanted: list[Measure]) -> list[list[Measure]]:
    """The measures to aggregate (a ratio's numerator and denominator in its place), grouped
    by subquery: measures of one source with plain aggregates share one; two-step ones get
    their own."""
    base: dict[str, Measure] = {}
    for m in wanted:
        for part in (m.numerator, m.denominator) if m.is_ratio else (m.id,):
            base[part] = MEASURES[part]
    groups: dict[str, list[Measure]] = {}
    for m in base.values():
        key = m.source if (not m.inner and m.aggregation != "stock_change") else m.id
        groups.setdefault(key, []).append(m)
    return list(groups.values())


def _combined(parts: list[str], groups: list[list[Measure]], keys: list[str]) -> str:
    """The subqueries side by side: joined on their key columns (every key any of them has),
    or, for a total without breakdown, their one row each."""
    if not keys:
        return "SELECT * FROM " + ", ".join(f"({sql}) p{i}" for i, sql in enumerate(parts))
    ctes = [f"p{i} AS ({sql})" for i, sql in enumerate(parts)]
    union = " UNION ".join(f"SELECT {', '.join(keys)} FROM p{i}" for i in range(len(parts)))
    ctes.append(f"k AS ({union})")
    joins = " ".join(
        f"LEFT JOIN p{i} ON " + " AND ".join(f"p{i}.{c} IS NOT DISTINCT FROM k.{c}" for c in keys)
        for i in range(len(parts))
    )
    owner = {}
    for i, ms in enumerate(groups):
        for m in ms:
            owner[m.id] = f'p{i}."{m.id}"'
    cols = [f"k.{c}" for c in keys] + [f'{ref} AS "{mid}"' for mid, ref in owner.items()]
    return f"WITH {', '.join(ctes)} SELECT {', '.join(cols)} FROM k {joins}"


def _output(m: Measure, selection: Selection) -> str:
    """The output column of one measure asked for: the aggregate, or a ratio of two."""
    if not m.is_ratio:
        return f'"{m.id}"'
    num, den = MEASURES[m.numerator], MEASURES[m.denominator]
    if _platform_filtered(num, selection) != _platform_filtered(den, selection):
        return f'NULL::DOUBLE AS "{m.id}"'
    scale = f" * {m.scale!r}" if m.scale != 1 else ""
    return f'CASE WHEN "{den.id}" <> 0 THEN "{num.id}"::DOUBLE / "{den.id}"{scale} END AS "{m.id}"'


# --------------------------------------------------------------------------------------------
# Running queries (cached per published copy of the warehouse)
# --------------------------------------------------------------------------------------------


def run_sql(wh: Warehouse, sql: str, params: dict[str, object] | None = None) -> pd.DataFrame:
    """Run SQL with named parameters through the dashboard's cache, keyed by the published copy."""
    return reader.read(wh, sql, params or {})


def query(
    wh: Warehouse,
    measure_ids: Sequence[str],
    selection: Selection = ALL,
    grain: str = "total",
    by: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The measures over the selection as a DataFrame (see :func:`build_query`)."""
    sql, params = build_query(measure_ids, selection, grain, by, settings)
    return run_sql(wh, sql, params)


def selected_rows(
    source_id: str, selection: Selection = ALL, settings: Settings = DEFAULT_SETTINGS
) -> tuple[str, dict[str, object]]:
    """The SQL (and its named parameters) giving the rows of one source that the selection
    counts, with the source's columns: what the measures of that source aggregate, for lists
    and breakdowns the measures do not give (comments, say). Its parameters are named
    ``campaigns``, ``start``, ``end``, ``platforms``, ``regions`` and ``themes``."""
    if source_id not in SOURCES:
        raise ValueError(f"unknown source '{source_id}'; use one of: {', '.join(SOURCES)}")
    p = Params()
    sql = _rows(SOURCES[source_id], as_selection(selection), "total", (), p, settings.fx_rule)
    return sql, p.values


def totals(
    wh: Warehouse,
    measure_ids: Sequence[str],
    selection: Selection = ALL,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, float | None]:
    """The measures over the whole selection: id -> value (None: nothing reported)."""
    row = query(wh, measure_ids, selection, "total", (), settings).iloc[0]
    return {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}


def reach_by_window(wh: Warehouse, selection: Selection = ALL) -> pd.DataFrame:
    """Channel reach as reported, per campaign, platform and window, never added up.

    For the ``day`` window: the days reporting reach, the average and the peak one-day reach,
    and the latest one-day reach with its date. For any other window a channel reports (rows
    of ``metric_observations`` with an empty ``post_id``): the latest value and its date.
    """
    selection = as_selection(selection)
    p = Params()
    # The channel rows picked as ``channel_daily`` picks them, by a range the planner
    # estimates (migration 0016_channel_daily_estimate).
    src = Source(
        "reach",
        "SELECT campaign_code, platform, metric_date, time_window, reach "
        "FROM metric_observations WHERE post_id <= '' AND reach IS NOT NULL",
        "metric_date",
        ("campaign", "platform"),
        "",
    )
    rows = _rows(src, selection, "total", (), p, "booking_month")
    sql = f"""
        SELECT campaign_code AS campaign, platform, time_window,
               count(*) AS observations,
               avg(reach) FILTER (WHERE time_window = 'day') AS reach_day_average,
               max(reach) FILTER (WHERE time_window = 'day') AS reach_day_peak,
               arg_max(reach, metric_date) AS reach_latest,
               max(metric_date) AS latest_date
        FROM ({rows}) GROUP BY ALL ORDER BY campaign, platform, time_window
    """
    return run_sql(wh, sql, p.values)


def undated_participants(wh: Warehouse, campaigns: Sequence[str]) -> pd.DataFrame:
    """Participants recorded for an event that is not in the event list: without the event's
    day they are in no period, so no period's figures count them. Columns: campaign,
    event_code, participants (one row per such event of the campaigns)."""
    return run_sql(
        wh,
        "SELECT campaign_code AS campaign, event_code, sum(participants) AS participants "
        "FROM participants WHERE event_date IS NULL AND list_contains($c, campaign_code) "
        "GROUP BY ALL ORDER BY ALL",
        {"c": list(campaigns)},
    )
