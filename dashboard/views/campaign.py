"""Campaign: one campaign's profile, headline figures, KPI targets and pace, series by platform,
platform mix and reach, top content, budget and burn-up, feedback and data freshness, in tabs
(overview, KPIs, reach and engagement, content, budget, feedback, data) under the campaign's
status. The headline tiles show their change against the previous period of the same length
(``metrics.period_comparison``); a warning over the tabs says when the figures are old, with
an "Upload figures" button for those who may send them.

The campaign comes from the link (``?campaign=CODE``, as the Portfolio page links it) or the
picker, which writes its choice back to the link. The sidebar's period and platforms apply to
the figures; statuses and pace are computed at the end of the period (or today). Every figure
and row comes from the metrics layer (``dashboard.metrics``, ``dashboard.metrics.lookups``,
``dashboard.metrics.comments``); the page draws them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import campaign_sections as parts
from dashboard import components, metrics, status_text
from dashboard.charts import campaign as charts
from dashboard.components import plain, plain_code
from dashboard.filters import sidebar_filters
from dashboard.i18n import (
    current_language,
    fmt_date,
    fmt_figure,
    fmt_number,
    fmt_percent,
    t,
)
from dashboard.metrics import lookups
from dashboard.programme_text import status_label

PICK_KEY = "campaign_pick"
TAB_KEY = "campaign_tab"
LAST_KEY = "_campaign_last"  # the campaign shown last, kept across page switches
TOP_N = 10
MIN_IMPRESSIONS_FOR_RATE = 1000  # posts ranked by engagement rate need this many impressions

wh = st.session_state["warehouse"]
selection = sidebar_filters(wh)
st.title(t("page.campaign"))

state = st.session_state


# --- which campaign ---------------------------------------------------------------------------


def _pick_campaign() -> str:
    """The campaign to show: the link's, else the picker's, else the last one shown, among
    those the sidebar selects; written back to the link. Stops the page when there is none."""
    choices = lookups.campaign_profiles(
        wh, selection, current_language()
    )  # the campaigns the sidebar selects
    if choices.empty:
        known = len(lookups.campaign_names(wh, current_language()))
        components.empty(
            t("campaign.empty.no_match") if known else t("campaign.empty.no_campaigns")
        )
        st.stop()
    names = dict(zip(choices["code"], choices["name"], strict=True))
    codes = list(names)
    asked = st.query_params.get("campaign")
    if asked is not None and asked != state.get(LAST_KEY):
        # the link names a campaign (a new session, a pasted link, a click on the Portfolio)
        match = {c.casefold(): c for c in codes}.get(asked.strip().casefold())
        if match:
            state[PICK_KEY] = match
        else:
            exists = lookups.campaign_exists(wh, asked.strip())
            key = "campaign.outside_filters" if exists else "campaign.unknown"
            st.warning(
                t(key, code=plain(asked[:60]), first=plain(codes[0])), icon=":material/link_off:"
            )
            state[PICK_KEY] = codes[0]
    if state.get(PICK_KEY) not in names:
        state[PICK_KEY] = state.get(LAST_KEY) if state.get(LAST_KEY) in names else codes[0]
    st.selectbox(
        t("campaign.pick"),
        options=codes,
        key=PICK_KEY,
        format_func=lambda c: f"{c} · {names[c]}",
    )
    picked = state[PICK_KEY]
    state[LAST_KEY] = picked
    if st.query_params.get("campaign") != picked:
        st.query_params["campaign"] = picked
    return picked


code = _pick_campaign()
sel = dataclasses.replace(selection, campaigns=(code,))
as_of = components.as_of(selection)


_status_text = parts.status_text
_columns = parts.columns


# --- 1. profile -------------------------------------------------------------------------------

profile = lookups.campaign_profile(wh, code, current_language())
start_date = pd.Timestamp(profile["start_date"]).date()
end_date = pd.Timestamp(profile["end_date"]).date()

status_row = metrics.campaign_status(wh, as_of, [code]).iloc[0]

st.header(f"{plain(code)} · {plain(profile['name'])}")
reasons = status_text.reasons_text(status_row["reasons"], markdown=True)
status_line = f"**{t('campaign.overall_status')}:** {_status_text(status_row['status'])}"
if reasons:
    status_line += " — " + reasons
st.markdown(status_line)
components.as_of_caption(as_of)


def _listed(value) -> str:
    if value is None or (not isinstance(value, str) and not hasattr(value, "__len__")):
        return "—"
    return plain(", ".join(str(v) for v in value)) or "—"


def _shown(value) -> str:
    """A profile field from the set-up, as text (never Markdown), or a dash."""
    return plain(value) if isinstance(value, str) and value else "—"


def _show_profile() -> None:
    """The campaign's profile from the set-up, in two columns."""
    left, right = st.columns(2)
    left.markdown(
        "\n".join(
            [
                f"- **{t('campaign.profile.organisation')}:** "
                f"{_shown(profile['organisation_name'])}",
                f"- **{t('campaign.profile.thematic_area')}:** {_shown(profile['thematic_area'])}",
                f"- **{t('campaign.profile.regions')}:** {_listed(profile['regions'])}",
                f"- **{t('campaign.profile.languages')}:** {_listed(profile['languages'])}",
            ]
        )
    )
    right.markdown(
        "\n".join(
            [
                f"- **{t('campaign.profile.period')}:** "
                f"{fmt_date(start_date)} – {fmt_date(end_date)}",
                f"- **{t('campaign.profile.status')}:** {_shown(status_label(profile['status']))}",
                f"- **{t('campaign.profile.description')}:** {_shown(profile['description'])}",
            ]
        )
    )


def _show_channels() -> None:
    channels = lookups.campaign_channels(wh, code)
    if channels.empty:
        components.empty(t("campaign.empty.channels", code=plain_code(code)))
        return
    components.table(
        channels.assign(platform=channels["platform"].map(charts.platform_name)),
        key="campaign_channels",
        name=f"{code}_channels",
        definition_text=t("campaign.def.channels"),
        download=channels,
        column_config=_columns("platform", "account", "url", "language"),
    )


# --- 2. headline tiles ------------------------------------------------------------------------

TILE_MEASURES = [
    "impressions",
    "views",
    "engagements",
    "engagement_rate",
    "content_items",
    "followers",
    "follower_growth",
    "spend_eur",
    "budget_eur",
    "cost_per_mille",
    "spend_lines_without_rate",
]
# The tiles that show their change against the previous period of the same length.
COMPARED_MEASURES = (
    "impressions",
    "views",
    "engagements",
    "engagement_rate",
    "content_items",
    "cost_per_mille",
)


def _delta(comparison: metrics.Comparison, measure_id: str) -> str | None:
    """The change of a tile's measure against the previous period: a relative change
    (``+12.3%``) or, for a rate, a difference in percentage points (``-0.42 pp``)."""
    change = comparison.change(measure_id)
    if change is None:
        return None
    sign = "+" if change > 0 else ""
    if metrics.periods.is_rate(measure_id):
        return t("screens.delta.pp", value=sign + fmt_number(change * 100, 2))
    return sign + fmt_percent(change, 1)


def _delta_description(comparison: metrics.Comparison) -> str:
    """What the tiles' changes compare: the selected period with the one before it, or the
    last days with as many days before them."""
    before = comparison.previous
    if comparison.from_selection:
        return t("screens.delta.period", start=fmt_date(before[0]), end=fmt_date(before[1]))
    return t("screens.delta.recent", days=metrics.RECENT_DAYS)


def _audience_tiles(tot: dict[str, float | None], comparison: metrics.Comparison) -> None:
    """Impressions, views, engagements, engagement rate and posts, each with its change
    against the previous period (the caption under the tiles says which)."""

    def change(measure_id: str) -> dict:
        return {"delta": _delta(comparison, measure_id)}

    row = st.columns(5)
    row[0].metric(
        t("campaign.tile.impressions"),
        fmt_figure(tot["impressions"], "count"),
        **change("impressions"),
    )
    row[1].metric(t("campaign.tile.views"), fmt_figure(tot["views"], "count"), **change("views"))
    row[2].metric(
        t("campaign.tile.engagements"),
        fmt_figure(tot["engagements"], "count"),
        help=t("campaign.help.engagements"),
        **change("engagements"),
    )
    row[3].metric(
        t("campaign.tile.engagement_rate"),
        fmt_figure(tot["engagement_rate"], "rate"),
        help=t("campaign.help.engagement_rate"),
        **change("engagement_rate"),
    )
    row[4].metric(
        t("campaign.tile.content_items"),
        fmt_figure(tot["content_items"] or 0, "count"),
        help=t("campaign.help.content_items"),
        **change("content_items"),
    )


def _follower_and_money_tiles(tot: dict[str, float | None], comparison: metrics.Comparison) -> None:
    """Followers and their growth, spend, budget and cost per 1,000 impressions."""
    row = st.columns(5)
    row[0].metric(
        t("campaign.tile.followers"),
        fmt_figure(tot["followers"], "count"),
        help=t("campaign.help.followers"),
    )
    growth = tot["follower_growth"]
    row[1].metric(
        t("campaign.tile.follower_growth"),
        ("+" if growth and growth > 0 else "") + fmt_figure(growth, "count"),
        help=t("campaign.help.follower_growth"),
    )
    spend = tot["spend_eur"] or 0.0
    budget = tot["budget_eur"]
    row[2].metric(
        t("campaign.tile.spend"),
        fmt_figure(spend, "money"),
        delta=t("campaign.of_budget", share=fmt_figure(spend / budget, "share"))
        if budget
        else None,
        delta_color="off",
        delta_arrow="off",
        help=t("campaign.help.spend"),
    )
    row[3].metric(
        t("campaign.tile.budget"), fmt_figure(budget, "money"), help=t("campaign.help.budget")
    )
    row[4].metric(
        t("campaign.tile.cpm"),
        fmt_figure(tot["cost_per_mille"], "unit_cost"),
        delta=_delta(comparison, "cost_per_mille"),
        delta_color="inverse",  # a lower cost is better
        help=t("campaign.help.cpm_platforms") if sel.platforms else t("campaign.help.cpm"),
    )


def _show_headline() -> None:
    st.subheader(t("campaign.section.headline"))
    tot = metrics.totals(wh, TILE_MEASURES, sel)
    has_metrics = tot["impressions"] is not None or tot["views"] is not None
    if not has_metrics and tot["followers"] is None:
        components.empty(t("campaign.empty.metrics", code=plain_code(code)))
    comparison = metrics.period_comparison(wh, COMPARED_MEASURES, sel, as_of)
    _audience_tiles(tot, comparison)
    _follower_and_money_tiles(tot, comparison)
    st.caption(t("screens.delta.caption", compared=_delta_description(comparison)))
    if tot["spend_lines_without_rate"]:
        st.warning(t("campaign.unconverted", count=int(tot["spend_lines_without_rate"])))
    if sel.platforms:
        st.caption(t("campaign.platform_scope"))


# --- 3. KPI targets ---------------------------------------------------------------------------


def _kpi_note(row) -> str:
    """Why a KPI has no pace: no data source, no data, no baseline, not started."""
    if row.status == metrics.NO_SOURCE:
        return t("campaign.kpi_note.no_source", metric=row.metric or "—")
    if row.status == metrics.NO_DATA:
        return t("campaign.kpi_note.no_data")
    if row.status == metrics.NO_BASELINE:
        return t("campaign.kpi_note.no_baseline")
    if row.status == metrics.NOT_STARTED:
        return t("campaign.kpi_note.not_started")
    return ""


def _in_unit(kpis: pd.DataFrame, column: str) -> list[str]:
    """Each KPI's figure in its own unit, as the KPI chart writes it (a count, a share...)."""
    return [
        charts.kpi_value_text(v, u, target)
        for v, u, target in zip(kpis[column], kpis["unit"], kpis["target"], strict=True)
    ]


def _kpi_table(kpis: pd.DataFrame) -> None:
    view = pd.DataFrame(
        {
            "indicator": kpis["indicator_code"] + " · " + kpis["indicator"],
            "unit": kpis["unit"],
            "baseline": _in_unit(kpis, "baseline"),
            "target": _in_unit(kpis, "target"),
            "actual": _in_unit(kpis, "actual"),
            "achievement": kpis["achievement"],
            "expected": _in_unit(kpis, "expected"),
            "pace": kpis["pace"],
            "status": [_status_text(s) for s in kpis["status"]],
            "note": [_kpi_note(r) for r in kpis.itertuples()],
        }
    )
    config = _columns("indicator", "unit", "achievement", "pace", "status", "note")
    for name in ("baseline", "target", "actual", "expected"):
        config[name] = st.column_config.TextColumn(t(f"look.kpi.{name}"))
    components.table(
        view,
        key="campaign_kpis",
        name=f"{code}_kpis",
        definition_text=t("look.kpi.table"),
        download=kpis,
        column_config=config,
    )


def _show_kpis() -> None:
    st.subheader(t("campaign.section.kpis"))
    kpis = metrics.kpi_progress(wh, as_of, [code])
    if kpis.empty:
        components.empty(t("campaign.empty.kpis", code=plain_code(code)))
        return
    names = lookups.indicator_names(wh, current_language())
    kpis["indicator"] = [
        names.get((code, c), n)
        for c, n in zip(kpis["indicator_code"], kpis["indicator"], strict=True)
    ]
    _kpi_table(kpis)
    bullets = charts.kpi_bullet_rows(kpis)
    if bullets["share"].notna().any():
        statuses = {s: t(f"campaign.status.{s.replace(' ', '_')}") for s in set(kpis["status"])}
        components.chart(
            components.figure(
                charts.kpi_bullets,
                bullets,
                {
                    "axis": t("look.kpi.axis"),
                    "actual": t("look.kpi.actual"),
                    "target": t("look.kpi.target"),
                    "baseline": t("look.kpi.baseline"),
                    "expected": t("look.kpi.expected"),
                    "pace": t("look.kpi.pace"),
                    "status_title": t("look.kpi.status"),
                    "statuses": statuses,
                },
            ),
            bullets,
            key="campaign_kpi_chart",
            name=f"{code}_kpi_pace",
            definition_text=t("look.kpi.definition"),
        )


# --- 4. time series ---------------------------------------------------------------------------

SERIES_MEASURES = ("impressions", "views", "engagements", "followers")
GRAINS = ("day", "week", "month")


def _show_series() -> None:
    st.subheader(t("campaign.section.series"))
    pick_left, pick_right = st.columns([3, 2])
    measure_id = pick_left.segmented_control(
        t("campaign.measure_pick"),
        options=SERIES_MEASURES,
        format_func=lambda m: t(f"campaign.measure.{m}"),
        **components.kept_choice("campaign_measure", "impressions"),
    )
    grain = pick_right.segmented_control(
        t("campaign.grain_pick"),
        options=GRAINS,
        format_func=lambda g: t(f"campaign.grain.{g}"),
        **components.kept_choice("campaign_grain", "week"),
    )
    measure_id = measure_id or "impressions"
    grain = grain or "week"
    series = metrics.query(wh, [measure_id], sel, grain, ("platform",))
    series = series[series[measure_id].notna()]
    if series.empty:
        components.empty(t("campaign.empty.metrics", code=plain_code(code)))
        return
    measure_label = t(f"campaign.measure.{measure_id}")
    components.chart(
        components.figure(
            charts.series_by_platform,
            series,
            measure_id,
            {
                "y": measure_label,
                "x": t(f"campaign.axis.{grain}"),
                "legend": t("campaign.col.platform"),
            },
        ),
        series,
        key="campaign_series",
        name=f"{code}_{measure_id}_{grain}",
        definition_text=t(
            "campaign.def.series_followers" if measure_id == "followers" else "campaign.def.series",
            measure=measure_label,
        ),
    )


# --- 5. platform mix and reach ----------------------------------------------------------------


def _show_mix() -> None:
    st.subheader(t("campaign.section.mix"))
    mix = {m: t(f"campaign.measure.{m}") for m in ("impressions", "views", "engagements")}
    by_platform = metrics.query(wh, list(mix), sel, "total", ("platform",))
    shares = charts.platform_shares(by_platform, mix)
    if shares.empty:
        components.empty(t("campaign.empty.metrics", code=plain_code(code)))
        return
    components.chart(
        components.figure(charts.platform_mix, shares, mix, t("campaign.axis.share")),
        shares,
        key="campaign_mix",
        name=f"{code}_platform_mix",
        definition_text=t("campaign.def.mix"),
    )


def _window_label(window: str) -> str:
    return t(f"campaign.window.{window}") if window in ("day", "7d", "28d", "lifetime") else window


def _show_reach() -> None:
    reach = metrics.reach_by_window(wh, sel)
    if reach.empty:
        return
    view = reach.drop(columns=["campaign"]).assign(
        reach_day_average=reach["reach_day_average"].round(0),
        platform=reach["platform"].map(charts.platform_name),
        time_window=reach["time_window"].map(_window_label),
    )
    components.table(
        view,
        key="campaign_reach",
        name=f"{code}_reach",
        definition_text=t("campaign.def.reach"),
        download=reach,
        column_config=_columns(
            "platform",
            "time_window",
            "observations",
            "reach_day_average",
            "reach_day_peak",
            "reach_latest",
            "latest_date",
        ),
    )


# --- 6. top content ---------------------------------------------------------------------------


def _basis_text(basis: str, as_of_date) -> str:
    """Which figures rank a post: its days in the period, or a lifetime snapshot's date."""
    if basis == "daily":
        return t("campaign.basis.daily")
    return t("campaign.basis.lifetime", date=fmt_date(as_of_date))


def _show_top_posts() -> None:
    st.subheader(t("campaign.section.top"))
    measure = st.segmented_control(
        t("campaign.top_pick"),
        options=lookups.TOP_POST_MEASURES,
        format_func=lambda m: t(f"campaign.measure.{m}"),
        **components.kept_choice("campaign_top_measure", "impressions"),
    )
    measure = measure or "impressions"
    top = lookups.top_posts(wh, sel, code, measure, TOP_N, MIN_IMPRESSIONS_FOR_RATE)
    if top.empty:
        components.empty(t("campaign.empty.posts", code=plain_code(code)))
        return
    view = top.drop(columns=["post_id", "imp_rated", "as_of_date"]).assign(
        platform=top["platform"].map(charts.platform_name),
        basis=[_basis_text(b, d) for b, d in zip(top["basis"], top["as_of_date"], strict=True)],
    )
    columns = _columns(*(c for c in view.columns if c != "url"))
    components.table(
        view,
        key="campaign_top",
        name=f"{code}_top_{measure}",
        definition_text=t(
            "campaign.def.top_rate" if measure == "engagement_rate" else "campaign.def.top",
            n=TOP_N,
            min=fmt_figure(MIN_IMPRESSIONS_FOR_RATE, "count"),
        ),
        download=top.drop(columns=["imp_rated"]),
        column_config={**columns, "url": parts.post_link()},
    )


shown = parts.Shown(wh, sel, code, as_of, start_date, end_date)
parts.stale_notice(shown)

# One tab per kind of question, so that a section is one click away rather than a long scroll.
# Only the open tab's section runs (a click on another reruns the page): a reader pays for the
# section they look at, not for all seven.
TABS = ("overview", "kpis", "reach", "content", "budget", "feedback", "data")


def _overview() -> None:
    _show_headline()
    _show_profile()


def _reach() -> None:
    _show_series()
    _show_mix()
    _show_reach()
    _show_channels()


def _budget() -> None:
    parts.budget_lines(shown)
    parts.burn_up(shown)


SECTIONS: dict[str, Callable[[], None]] = {
    "overview": _overview,
    "kpis": _show_kpis,
    "reach": _reach,
    "content": _show_top_posts,
    "budget": _budget,
    "feedback": lambda: parts.feedback_section(shown),
    "data": lambda: parts.freshness(shown),
}
for name, tab in components.lazy_tabs(TAB_KEY, TABS).items():
    with tab:
        SECTIONS[name]()
