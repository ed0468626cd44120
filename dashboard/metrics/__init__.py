"""The dashboard's one metrics layer: every measure defined once, and the SQL built from it.

A measure is data (:class:`Measure` in :data:`MEASURES`): an id, a label, a unit, an
aggregation type, the formula (SQL over the columns of one :class:`Source`, or a ratio of two
other measures with the denominator named), the date it is counted by and a plain-language
definition. Pages and exports ask for measures by id over a :class:`Selection` (period,
campaigns, platforms, regions, thematic areas) at a grain (total, day, week, month) and by
campaign, platform, currency, budget heading or line; :func:`build_query` writes the SQL (a pure
function) and :func:`query` runs it in DuckDB through the cached reader (``dashboard.reader``),
so whole tables never reach pandas.

The rules the measures keep (see ``docs/metrics.md`` and the domain notes):

* impressions, views, engagements, clicks, spend and counts add up over days, platforms and
  campaigns;
* rates are ratios of sums over the selection (never an average of row rates), and each names
  its denominator;
* reach is never added up: one-day reach is shown as a peak, an average, or, labelled as such, a
  sum of platform reach that may double-count, averaged per day;
* followers are a stock: the level at the end of a period and the net growth over it;
* money is in EUR at the stored monthly rate (``spend.amount_eur``, the booking month's rate),
  or at the average rate of the campaign's months when :class:`Settings` says so; the amounts
  as booked stay available (``spend_original``, ``budget_original`` by currency).

Targets and pace (:func:`kpi_progress`, :func:`spend_pace`, :func:`data_freshness`,
:func:`campaign_status`) compare each KPI's achievement and each campaign's spend with the
elapsed share of its period, with an on-track band of +-15% by default; a status's reasons are
codes with parameters (:class:`Reason`), which ``dashboard.status_text`` writes out.

The package's modules, each with one job: ``sources`` (the rows measures count and the
breakdowns), ``definition`` (what a measure is), ``social``, ``money`` and ``people`` (the
measures of each area), ``measures`` (all of them, and the KPI indicators they count),
``selection`` (what to count, by which rules), ``builder`` (the SQL, and running it),
``targets`` (KPI progress and pace), ``status`` (spend pace, freshness, status), ``periods`` (a
period against the one before it), ``benchmark`` (the programme's medians) and ``doc``.

``python -m dashboard.metrics`` rewrites the generated tables in ``docs/metrics.md``;
``--check`` fails when they are out of date.
"""

from __future__ import annotations

from dashboard.metrics.benchmark import programme_medians
from dashboard.metrics.builder import (
    Params,
    build_query,
    campaign_conditions,
    ignored_filters,
    query,
    reach_by_window,
    run_sql,
    selected_rows,
    totals,
    unavailable,
    undated_participants,
)
from dashboard.metrics.definition import AGGREGATIONS, UNITS, Measure
from dashboard.metrics.doc import DOC_PATH, MARK_END, MARK_START, main, render_doc, render_tables
from dashboard.metrics.measures import (
    INDICATOR_MEASURES,
    MEASURE_LIST,
    MEASURES,
    UNMAPPED_INDICATORS,
    measure,
)
from dashboard.metrics.periods import (
    RECENT_DAYS,
    Comparison,
    compared_periods,
    period_comparison,
    previous_period,
)
from dashboard.metrics.selection import ALL, DEFAULT_SETTINGS, Selection, Settings, as_selection
from dashboard.metrics.sources import (
    DIMENSIONS,
    FX_RULES,
    GRAINS,
    POSITIVE_FROM,
    POST_ENGAGEMENTS,
    SOURCES,
    Source,
)
from dashboard.metrics.status import (
    KPI_BEHIND,
    NO_FIGURES_FOR,
    NO_FIGURES_SINCE_START,
    OVER_BUDGET,
    REASON_CODES,
    REASON_OVERSPENDING,
    REASON_UNDERSPENDING,
    Reason,
    campaign_status,
    data_freshness,
    spend_pace,
)
from dashboard.metrics.targets import (
    AHEAD,
    AT_RISK,
    BEHIND,
    MET,
    NO_BASELINE,
    NO_DATA,
    NO_SOURCE,
    NOT_MET,
    NOT_STARTED,
    ON_PLAN,
    ON_TRACK,
    OVERSPENDING,
    UNDERSPENDING,
    Progress,
    achievement,
    as_date,
    elapsed_share,
    expected_by_now,
    kpi_progress,
    on_indicator_scale,
    pace_status,
    progress,
    target_met,
)

__all__ = [
    "AGGREGATIONS",
    "AHEAD",
    "ALL",
    "AT_RISK",
    "RECENT_DAYS",
    "BEHIND",
    "DEFAULT_SETTINGS",
    "DIMENSIONS",
    "DOC_PATH",
    "FX_RULES",
    "GRAINS",
    "INDICATOR_MEASURES",
    "KPI_BEHIND",
    "MARK_END",
    "MARK_START",
    "MEASURES",
    "MEASURE_LIST",
    "MET",
    "NOT_MET",
    "NOT_STARTED",
    "NO_BASELINE",
    "NO_DATA",
    "NO_FIGURES_FOR",
    "NO_FIGURES_SINCE_START",
    "NO_SOURCE",
    "ON_PLAN",
    "ON_TRACK",
    "OVERSPENDING",
    "OVER_BUDGET",
    "POSITIVE_FROM",
    "POST_ENGAGEMENTS",
    "REASON_CODES",
    "REASON_OVERSPENDING",
    "REASON_UNDERSPENDING",
    "SOURCES",
    "UNDERSPENDING",
    "UNITS",
    "UNMAPPED_INDICATORS",
    "Measure",
    "Params",
    "Progress",
    "Reason",
    "Comparison",
    "Selection",
    "Settings",
    "Source",
    "achievement",
    "annotations",
    "as_date",
    "as_selection",
    "build_query",
    "campaign_conditions",
    "campaign_status",
    "compared_periods",
    "period_comparison",
    "previous_period",
    "programme_medians",
    "data_freshness",
    "elapsed_share",
    "expected_by_now",
    "ignored_filters",
    "kpi_progress",
    "main",
    "measure",
    "on_indicator_scale",
    "pace_status",
    "progress",
    "query",
    "reach_by_window",
    "render_doc",
    "render_tables",
    "run_sql",
    "selected_rows",
    "spend_pace",
    "target_met",
    "totals",
    "unavailable",
    "undated_participants",
]
