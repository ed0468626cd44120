"""Portfolio: the filtered campaigns' headline figures, one row per campaign with its status,
and the campaigns compared on cost efficiency, engagement rate and pace. A reader who has one
campaign (a grantee, say) sees that campaign instead, with the programme's median campaign
beside each figure (``metrics.programme_medians``: no other campaign is named).

Every figure comes from the metrics layer (``dashboard.metrics``); statuses are computed at
``components.as_of`` (today, or the end of the selected period when it ends earlier).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import campaign_sections, components, metrics, status_text
from dashboard.charts import campaign_colours
from dashboard.charts.portfolio import campaign_bars, pace_scatter
from dashboard.components import figure_column, plain
from dashboard.filters import sidebar_filters
from dashboard.i18n import column_date_format, current_language, fmt_figure, t
from dashboard.metrics import lookups, portfolio

TILES = (
    "impressions",
    "engagements",
    "engagement_rate",
    "content_items",
    "spend_eur",
    "budget_eur",
    "spend_execution",
    "cost_per_mille",
)
COLUMNS = (*TILES, "views", "cost_per_engagement")
STATUS_ICONS = {
    metrics.ON_TRACK: "🟢",
    metrics.AT_RISK: "🟠",
    metrics.BEHIND: "🔴",
    metrics.NOT_STARTED: "⚪",
}

wh = st.session_state["warehouse"]
selection = sidebar_filters(wh)
st.title(t("page.portfolio"))

profiles = lookups.campaign_profiles(wh, selection, current_language())
if profiles.empty:
    components.empty(
        t("portfolio.no_campaigns") if selection.is_default() else t("portfolio.no_match")
    )
    st.stop()

codes = tuple(profiles["code"])
sel = replace(selection, campaigns=codes)
day = components.as_of(selection)
settings = metrics.DEFAULT_SETTINGS


# --- headline tiles: how each shows its measure ---------------------------------------------
# Measure -> (label key, figure kind, help key or None).
TILE_LOOK = {
    "impressions": ("look.impressions.portfolio_tile", "count", "look.impressions.portfolio_help"),
    "engagements": ("measure.engagements", "count", "help.engagements"),
    "engagement_rate": ("measure.engagement_rate", "rate", "help.engagement_rate"),
    "content_items": ("measure.content_items", "count", "help.content_items"),
    "spend_eur": ("measure.spend_eur", "money", "help.spend_eur"),
    "budget_eur": ("measure.budget_eur", "money", "help.budget_eur"),
    "spend_execution": ("portfolio.col.execution", "share", None),
    "cost_per_mille": ("measure.cost_per_mille", "unit_cost", "help.cpm"),
}
AUDIENCE_TILES = ("impressions", "engagements", "engagement_rate", "content_items")
MONEY_TILES = ("spend_eur", "budget_eur", "spend_execution", "cost_per_mille")


def _tile(column, tot: dict, measure_id: str, **extra) -> None:
    """One headline tile: the measure's label, its figure written by kind, its help."""
    label, kind, help_key = TILE_LOOK[measure_id]
    value = tot[measure_id]
    if measure_id == "spend_eur":
        value = value or 0  # nothing spent yet reads 0, not a dash
    shown_help = t(help_key) if help_key else None
    column.metric(t(label), fmt_figure(value, kind), help=shown_help, **extra)


# --- one campaign: its figures beside the programme's median -------------------------------
BENCHMARKED = ("impressions", "engagements", "engagement_rate", "content_items",
               "spend_execution", "cost_per_mille")  # fmt: skip


def _one_campaign(code: str, name: str) -> None:
    """A reader with one campaign (a grantee, say) sees it, not a comparison of it with itself:
    its status and figures, each tile with the median campaign's figure of the programme over
    the same period (``metrics.programme_medians``, which names no other campaign)."""
    st.header(f"{plain(code)} · {plain(name)}")
    row = metrics.campaign_status(wh, day, (code,), settings).iloc[0]
    line = f"**{t('portfolio.col.status')}:** {_status_label(row['status'])}"
    reasons = status_text.reasons_summary(row["reasons"])
    st.markdown(line + (f" — {plain(reasons)}" if reasons else ""))
    components.as_of_caption(day)
    fresh = metrics.data_freshness(wh, day, (code,), settings).iloc[0]
    if bool(fresh["no_recent_data"]):
        campaign_sections.stale_warning(code, fresh["days_without_data"])
    one = replace(selection, campaigns=(code,))
    tot = metrics.totals(wh, [*BENCHMARKED, "spend_eur", "budget_eur", "views"], one, settings)
    median = metrics.programme_medians(wh, BENCHMARKED, selection, settings)

    def versus(measure_id: str) -> dict:
        value = median.get(measure_id)
        if value is None:
            return {}
        shown = fmt_figure(value, TILE_LOOK[measure_id][1])
        return {
            "delta": t("screens.portfolio.median", value=shown),
            "delta_color": "off",
            "delta_arrow": "off",
        }

    for row in (AUDIENCE_TILES, MONEY_TILES):
        for column, measure_id in zip(st.columns(4), row, strict=True):
            _tile(column, tot, measure_id, **versus(measure_id))
    st.caption(t("screens.portfolio.median_note"))
    components.downloads(
        pd.DataFrame(
            {
                "measure": list(BENCHMARKED),
                "campaign": code,
                "value": [tot[m] for m in BENCHMARKED],
                "programme_median": [median[m] for m in BENCHMARKED],
            }
        ),
        key="portfolio_benchmark",
        name=f"{code}-against-programme-median",
    )
    st.page_link(
        "views/campaign.py",
        label=t("screens.portfolio.open"),
        icon=":material/campaign:",
        query_params={"campaign": code},
    )


def _status_label(status: str) -> str:
    return f"{STATUS_ICONS.get(status, '')} {t('status.' + status.replace(' ', '_'))}"


if len(codes) == 1 and len(lookups.campaign_names(wh)) == 1:
    _one_campaign(codes[0], profiles["name"].iloc[0])
    st.stop()

# --- headline tiles -------------------------------------------------------------------------
tot = metrics.totals(wh, [*TILES, "spend_lines_without_rate"], sel)
for column, measure_id in zip(st.columns(4), AUDIENCE_TILES, strict=True):
    _tile(column, tot, measure_id)
tiles = st.columns(4)
tiles[0].metric(t("measure.campaigns"), fmt_figure(len(codes), "count"))
_tile(
    tiles[1],
    tot,
    "spend_eur",
    delta=t("portfolio.of_budget", share=fmt_figure(tot["spend_execution"], "share"))
    if tot["spend_execution"] is not None
    else None,
    delta_color="off",
)
_tile(tiles[2], tot, "budget_eur")
_tile(tiles[3], tot, "cost_per_mille")
if selection.platforms:
    st.caption(t("portfolio.platform_scope"))
if tot["spend_lines_without_rate"]:
    st.warning(t("portfolio.unconverted", count=int(tot["spend_lines_without_rate"])))

# --- campaign table with status -------------------------------------------------------------
rows = portfolio.campaign_rows(wh, sel, day, COLUMNS, settings)
table = profiles[["code", "name", "organisation", "thematic_area", "start", "end"]].merge(
    rows, left_on="code", right_on="campaign", how="left"
)
table["reasons"] = status_text.reasons_summaries(table["reasons"])
status_labels = {s: _status_label(s) for s in table["status"].unique()}
table["status_label"] = table["status"].map(status_labels)
table["link"] = components.page_urls("campaign", "campaign", table["campaign"])
shown = table[
    [
        "link", "name", "status_label", "reasons", "organisation", "thematic_area", "start", "end",
        "impressions", "engagements", "engagement_rate", "content_items", "spend_eur",
        "budget_eur", "execution", "elapsed", "kpi_pace", "cost_per_mille", "last_metric_date",
    ]
]  # fmt: skip
download = table[
    [
        "campaign", "name", "status", "reasons", "organisation", "thematic_area", "start", "end",
        "impressions", "views", "engagements", "engagement_rate", "content_items", "spend_eur",
        "budget_eur", "spend_execution", "execution", "elapsed", "kpi_pace", "cost_per_mille",
        "cost_per_engagement", "last_metric_date",
    ]
]  # fmt: skip
date_format = column_date_format()
st.subheader(t("portfolio.campaigns"))
components.as_of_caption(day)
event = components.table(
    shown,
    key="portfolio_campaigns",
    name="portfolio-campaigns",
    definition_text=t("portfolio.table_definition"),
    download=download,
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        # The code, status and reasons stay on screen however far the figures scroll (at
        # 1440 px wide, in every language). Streamlit pins columns only while they take less
        # than 60% of the table's width: hence these widths, and the name left to scroll.
        "link": st.column_config.LinkColumn(
            t("portfolio.col.code"),
            display_text=r"campaign=([^&]+)",
            help=t("portfolio.open_help"),
            width=80,
            pinned=True,
        ),
        "name": st.column_config.TextColumn(t("portfolio.col.name"), width="medium"),
        "status_label": st.column_config.TextColumn(
            t("portfolio.col.status"), width=130, pinned=True
        ),
        "reasons": st.column_config.TextColumn(t("portfolio.col.reasons"), width=350, pinned=True),
        "organisation": st.column_config.TextColumn(t("portfolio.col.organisation")),
        "thematic_area": st.column_config.TextColumn(t("portfolio.col.thematic_area")),
        "start": st.column_config.DateColumn(t("portfolio.col.start"), format=date_format),
        "end": st.column_config.DateColumn(t("portfolio.col.end"), format=date_format),
        "impressions": figure_column(t("look.impressions.portfolio_tile"), "count"),
        "engagements": figure_column(t("measure.engagements"), "count"),
        "engagement_rate": figure_column(t("measure.engagement_rate"), "rate"),
        "content_items": figure_column(t("measure.content_items"), "count"),
        "spend_eur": figure_column(t("portfolio.col.spend_eur"), "money"),
        "budget_eur": figure_column(t("measure.budget_eur"), "money"),
        "execution": figure_column(t("portfolio.col.execution"), "share"),
        "elapsed": figure_column(t("portfolio.col.elapsed"), "share"),
        "kpi_pace": figure_column(t("portfolio.col.kpi_pace"), "share"),
        "cost_per_mille": figure_column(t("measure.cost_per_mille"), "unit_cost"),
        "last_metric_date": st.column_config.DateColumn(
            t("portfolio.col.last_data_day"), format=date_format
        ),
    },
)
chosen = event.selection.rows if event is not None and hasattr(event, "selection") else []
if chosen:
    st.switch_page(
        "views/campaign.py", query_params={"campaign": table["campaign"].iloc[chosen[0]]}
    )

# --- comparisons ----------------------------------------------------------------------------
colours = campaign_colours(lookups.campaign_names(wh))
compare = table
left, right = st.columns(2)
with left:
    components.chart(
        components.figure(
            campaign_bars,
            compare[["campaign", "name", "cost_per_mille"]],
            "cost_per_mille",
            title=t("portfolio.chart.cpm"),
            axis_title=t("measure.cost_per_mille"),
            colours=colours,
            kind="unit_cost",
            ascending=True,
        ),
        compare[["campaign", "name", "spend_eur", "impressions", "cost_per_mille"]],
        key="portfolio_cpm",
        name="portfolio-cost-per-1000-impressions",
        definition_text=t("portfolio.chart.cpm_definition"),
    )
with right:
    components.chart(
        components.figure(
            campaign_bars,
            compare[["campaign", "name", "engagement_rate"]],
            "engagement_rate",
            title=t("portfolio.chart.engagement_rate"),
            axis_title=t("measure.engagement_rate"),
            colours=colours,
            kind="rate",
            ascending=False,
        ),
        compare[["campaign", "name", "engagements", "impressions", "engagement_rate"]],
        key="portfolio_engagement_rate",
        name="portfolio-engagement-rate",
        definition_text=t("portfolio.chart.engagement_rate_definition"),
    )
components.chart(
    components.figure(
        pace_scatter,
        compare[["campaign", "name", "execution", "elapsed"]],
        title=t("portfolio.chart.pace"),
        x_title=t("portfolio.col.elapsed"),
        y_title=t("portfolio.col.execution"),
        plan_label=t("portfolio.chart.plan"),
        band_label=t("portfolio.chart.band", band=fmt_figure(settings.band, "share")),
        colours=colours,
        band=settings.band,
    ),
    compare[["campaign", "name", "budget_eur", "execution", "elapsed", "kpi_pace", "status"]],
    key="portfolio_pace",
    name="portfolio-pace",
    definition_text=t("portfolio.chart.pace_definition", band=fmt_figure(settings.band, "share")),
)
