"""Campaign: one campaign's profile, headline figures, KPI targets and pace, series by platform,
platform mix and reach, top content, budget and burn-up, feedback and data freshness.

The campaign comes from the link (``?campaign=CODE``, as the Portfolio page links it) or the
picker, which writes its choice back to the link. The sidebar's period and platforms apply to
the figures; statuses and pace are computed at the end of the period (or today). Every figure
and row comes from the metrics layer (``dashboard.metrics``, ``dashboard.lookups``,
``dashboard.feedback``); the page draws them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components, data, feedback, lookups, metrics
from dashboard.charts import campaign as charts
from dashboard.components import plain, plain_code
from dashboard.filters import sidebar_filters
from dashboard.i18n import (
    column_datetime_format,
    fmt_date,
    fmt_money,
    fmt_number,
    fmt_percent,
    t,
)

PICK_KEY = "campaign_pick"
LAST_KEY = "_campaign_last"  # the campaign shown last, kept across page switches
TOP_N = 10
MIN_IMPRESSIONS_FOR_RATE = 1000  # posts ranked by engagement rate need this many impressions
COMMENTS_N = 5

wh = st.session_state["warehouse"]
selection = sidebar_filters(wh)
st.title(t("page.campaign"))

base = metrics.as_selection(selection)
state = st.session_state


# --- the columns of the page's tables ---------------------------------------------------------


def _text(key: str, **kwargs: Any) -> Any:
    return st.column_config.TextColumn(t(key), **kwargs)


def _whole(key: str) -> Any:
    return st.column_config.NumberColumn(t(key), format="%d")


# Column name -> how every table of the page shows it.
COLUMNS: dict[str, Any] = {
    "platform": _text("campaign.col.platform"),
    "account": _text("campaign.col.account"),
    "url": st.column_config.LinkColumn(t("campaign.col.link")),
    "language": _text("campaign.col.language"),
    "indicator": _text("campaign.col.indicator", width="large"),
    "unit": _text("campaign.col.unit"),
    "target": components.number_column(t("campaign.col.target")),
    "actual": components.number_column(t("campaign.col.actual")),
    "achievement": components.percent_column(t("campaign.col.achievement")),
    "elapsed": components.percent_column(t("campaign.col.elapsed")),
    "pace": components.percent_column(t("campaign.col.pace")),
    "status": _text("campaign.col.status"),
    "note": _text("campaign.col.note"),
    "time_window": _text("campaign.col.window"),
    "observations": components.number_column(t("campaign.col.observations")),
    "reach_day_average": components.number_column(t("campaign.col.reach_day_average")),
    "reach_day_peak": components.number_column(t("campaign.col.reach_day_peak")),
    "reach_latest": components.number_column(t("campaign.col.reach_latest")),
    "latest_date": components.date_column(t("campaign.col.latest_date")),
    "title": _text("campaign.col.title", width="large"),
    "format": _text("campaign.col.format"),
    "published_on": components.date_column(t("campaign.col.published")),
    "impressions": components.number_column(t("campaign.measure.impressions")),
    "views": components.number_column(t("campaign.measure.views")),
    "engagements": components.number_column(t("campaign.measure.engagements")),
    "engagement_rate": components.percent_column(t("campaign.measure.engagement_rate")),
    "basis": _text("campaign.col.basis"),
    "budget_line": _text("campaign.col.budget_line"),
    "heading": _whole("campaign.col.heading"),
    "description": _text("campaign.col.description"),
    "budget_eur": components.euro_column(t("campaign.col.budget_eur")),
    "spend_eur": components.euro_column(t("campaign.col.spend_eur")),
    "execution": components.percent_column(t("campaign.col.execution")),
    "rating_scale": _whole("campaign.col.scale"),
    "rated": components.number_column(t("campaign.col.rated")),
    "average": st.column_config.NumberColumn(t("campaign.col.average"), format="%.1f"),
    "share_of_scale": components.percent_column(t("campaign.col.share_of_scale")),
    "submitted_on": components.date_column(t("campaign.col.submitted")),
    "event": _text("campaign.col.event"),
    "rating": _whole("campaign.col.rating"),
    "comment": _text("campaign.col.comment", width="large"),
    "kind": _text("campaign.col.kind"),
    "source_name": _text("campaign.col.source"),
    "finished_at": st.column_config.DatetimeColumn(
        t("campaign.col.finished"), format=column_datetime_format()
    ),
    "rows_loaded": components.number_column(t("campaign.col.rows_loaded")),
    "programme_wide": st.column_config.CheckboxColumn(t("campaign.col.programme_wide")),
}
# A post's link in the top posts (the channels' links are written out).
POST_LINK = st.column_config.LinkColumn(t("campaign.col.post"), display_text="↗")


def _columns(*names: str) -> dict[str, Any]:
    """The column configuration of a table showing ``names``."""
    return {name: COLUMNS[name] for name in names}


# --- which campaign ---------------------------------------------------------------------------


def _pick_campaign() -> str:
    """The campaign to show: the link's, else the picker's, else the last one shown, among
    those the sidebar selects; written back to the link. Stops the page when there is none."""
    choices = data.campaign_profiles(wh, selection)  # the campaigns the sidebar selects
    if choices.empty:
        known = len(data.campaign_names(wh))
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
sel = dataclasses.replace(base, campaigns=(code,))
as_of = components.as_of(selection)


def _status_text(status: str | None) -> str:
    if not status:
        return ""
    label = t(f"campaign.status.{status.replace(' ', '_')}")
    return f"{charts.status_icon(status)} {label}".strip()


def _fit(df: pd.DataFrame, most: int = 20) -> int:
    """A table height showing every row up to ``most`` rows, then scrolling."""
    return 38 + 35 * min(len(df), most)


# --- 1. profile -------------------------------------------------------------------------------

profile = lookups.campaign_profile(wh, code)
start_date = pd.Timestamp(profile["start_date"]).date()
end_date = pd.Timestamp(profile["end_date"]).date()

status_row = metrics.campaign_status(wh, as_of, [code]).iloc[0]

REASONS = (
    (
        re.compile(r"^(.+) behind pace$"),
        lambda m: t("campaign.reason.kpi_behind", kpi=plain(m[1])),
    ),
    (re.compile(r"^overspending$"), lambda m: t("campaign.reason.overspending")),
    (re.compile(r"^underspending$"), lambda m: t("campaign.reason.underspending")),
    (re.compile(r"^over budget$"), lambda m: t("campaign.reason.over_budget")),
    (
        re.compile(r"^no figures loaded, (\d+) days after the start$"),
        lambda m: t("campaign.reason.no_figures_since_start", days=fmt_number(int(m[1]))),
    ),
    (
        re.compile(r"^no figures for (\d+) days$"),
        lambda m: t("campaign.reason.no_figures_for", days=fmt_number(int(m[1]))),
    ),
)


def _reason(text: str) -> str:
    for pattern, label in REASONS:
        found = pattern.match(text)
        if found:
            return label(found)
    return plain(text)


st.header(f"{plain(code)} · {plain(profile['name'])}")
reasons = [_reason(r) for r in str(status_row["reasons"] or "").split("; ") if r]
status_line = f"**{t('campaign.overall_status')}:** {_status_text(status_row['status'])}"
if reasons:
    status_line += " — " + "; ".join(reasons)
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
                f"- **{t('campaign.profile.status')}:** {_shown(profile['status'])}",
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


def _audience_tiles(tot: dict[str, float | None]) -> None:
    """Impressions, views, engagements, engagement rate and posts."""
    row = st.columns(5)
    row[0].metric(t("campaign.tile.impressions"), fmt_number(tot["impressions"]))
    row[1].metric(t("campaign.tile.views"), fmt_number(tot["views"]))
    row[2].metric(
        t("campaign.tile.engagements"),
        fmt_number(tot["engagements"]),
        help=t("campaign.help.engagements"),
    )
    row[3].metric(
        t("campaign.tile.engagement_rate"),
        fmt_percent(tot["engagement_rate"], 2),
        help=t("campaign.help.engagement_rate"),
    )
    row[4].metric(
        t("campaign.tile.content_items"),
        fmt_number(tot["content_items"] or 0),
        help=t("campaign.help.content_items"),
    )


def _follower_and_money_tiles(tot: dict[str, float | None]) -> None:
    """Followers and their growth, spend, budget and cost per 1,000 impressions."""
    row = st.columns(5)
    row[0].metric(
        t("campaign.tile.followers"),
        fmt_number(tot["followers"]),
        help=t("campaign.help.followers"),
    )
    growth = tot["follower_growth"]
    row[1].metric(
        t("campaign.tile.follower_growth"),
        ("+" if growth and growth > 0 else "") + fmt_number(growth),
        help=t("campaign.help.follower_growth"),
    )
    spend = tot["spend_eur"] or 0.0
    budget = tot["budget_eur"]
    row[2].metric(
        t("campaign.tile.spend"),
        fmt_money(spend, "EUR"),
        delta=t("campaign.of_budget", share=fmt_percent(spend / budget, 1)) if budget else None,
        delta_color="off",
        delta_arrow="off",
        help=t("campaign.help.spend"),
    )
    row[3].metric(
        t("campaign.tile.budget"), fmt_money(budget, "EUR"), help=t("campaign.help.budget")
    )
    row[4].metric(
        t("campaign.tile.cpm"),
        fmt_money(tot["cost_per_mille"], "EUR", 2),
        help=t("campaign.help.cpm_platforms") if sel.platforms else t("campaign.help.cpm"),
    )


def _show_headline() -> None:
    st.subheader(t("campaign.section.headline"))
    tot = metrics.totals(wh, TILE_MEASURES, sel)
    has_metrics = tot["impressions"] is not None or tot["views"] is not None
    if not has_metrics and tot["followers"] is None:
        components.empty(t("campaign.empty.metrics", code=plain_code(code)))
    _audience_tiles(tot)
    _follower_and_money_tiles(tot)
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


def _kpi_table(kpis: pd.DataFrame) -> None:
    view = pd.DataFrame(
        {
            "indicator": kpis["indicator_code"] + " · " + kpis["indicator"],
            "unit": kpis["unit"],
            "target": kpis["target"],
            "actual": pd.to_numeric(kpis["actual"]).round(1),
            "achievement": kpis["achievement"],
            "elapsed": kpis["elapsed"],
            "pace": kpis["pace"],
            "status": [_status_text(s) for s in kpis["status"]],
            "note": [_kpi_note(r) for r in kpis.itertuples()],
        }
    )
    components.table(
        view,
        key="campaign_kpis",
        name=f"{code}_kpis",
        definition_text=t("campaign.def.kpis"),
        download=kpis,
        column_config=_columns(*view.columns),
    )


def _show_kpis() -> None:
    st.subheader(t("campaign.section.kpis"))
    kpis = metrics.kpi_progress(wh, as_of, [code])
    if kpis.empty:
        components.empty(t("campaign.empty.kpis", code=plain_code(code)))
        return
    _kpi_table(kpis)
    bullets = charts.kpi_bullet_rows(kpis)
    if bullets["achievement"].notna().any():
        components.chart(
            components.figure(
                charts.kpi_bullets,
                bullets,
                {
                    "achievement": t("campaign.col.achievement"),
                    "elapsed": t("campaign.col.elapsed"),
                    "axis": t("campaign.axis.share_of_target"),
                },
            ),
            bullets,
            key="campaign_kpi_chart",
            name=f"{code}_kpi_pace",
            definition_text=t("campaign.def.kpi_chart"),
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
        default="impressions",
        key="campaign_measure",
    )
    grain = pick_right.segmented_control(
        t("campaign.grain_pick"),
        options=GRAINS,
        format_func=lambda g: t(f"campaign.grain.{g}"),
        default="week",
        key="campaign_grain",
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
        default="impressions",
        key="campaign_top_measure",
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
            min=fmt_number(MIN_IMPRESSIONS_FOR_RATE),
        ),
        download=top.drop(columns=["imp_rated"]),
        column_config={**columns, "url": POST_LINK},
    )


# --- 7. budget --------------------------------------------------------------------------------


def _show_budget_lines() -> None:
    st.subheader(t("campaign.section.budget"))
    lines = lookups.campaign_budget(wh, sel, code)
    if lines.empty:
        components.empty(t("campaign.empty.budget", code=plain_code(code)))
        return
    shown = ["budget_line", "heading", "description", "budget_eur", "spend_eur", "execution"]
    components.table(
        lines[shown],
        key="campaign_budget_lines",
        name=f"{code}_budget_lines",
        height=_fit(lines),
        definition_text=t("campaign.def.budget_lines"),
        column_config=_columns(*shown),
    )
    bars = charts.budget_line_rows(lines)
    components.chart(
        components.figure(
            charts.budget_lines,
            bars,
            {
                "budget": t("campaign.col.budget_eur"),
                "spend": t("campaign.col.spend_eur"),
                "axis": t("campaign.axis.eur"),
            },
        ),
        bars,
        key="campaign_budget_chart",
        name=f"{code}_budget_vs_spend",
        definition_text=t("campaign.def.budget_chart"),
    )


def _show_burn_up() -> None:
    pace = metrics.spend_pace(wh, as_of, [code]).iloc[0]
    to_date = float(pace["spend_eur"] or 0.0)
    if not to_date:
        components.empty(t("campaign.empty.spend", code=plain_code(code)))
        return
    booked = metrics.query(
        wh, ["spend_eur"], metrics.Selection(campaigns=(code,), end=as_of), "day"
    )
    cumulative = charts.cumulative_spend(booked, start_date, as_of)
    plan_budget = None if pd.isna(pace["budget_eur"]) else float(pace["budget_eur"])
    forecast = charts.burn_forecast(to_date, start_date, end_date, as_of)
    components.chart(
        components.figure(
            charts.burn_up,
            cumulative,
            plan_budget,
            start_date,
            end_date,
            as_of,
            {
                "spend": t("campaign.burn.spend"),
                "plan": t("campaign.burn.plan"),
                "forecast": t("campaign.burn.forecast"),
                "budget": t("campaign.col.budget_eur"),
                "x": t("campaign.axis.day"),
                "y": t("campaign.axis.cumulative_eur"),
            },
        ),
        cumulative,
        key="campaign_burnup",
        name=f"{code}_burn_up",
        definition_text=t("campaign.def.burnup"),
    )
    st.caption(
        t(
            "campaign.burn.summary",
            spend=fmt_money(to_date, "EUR"),
            date=fmt_date(as_of),
            elapsed=fmt_percent(pace["elapsed"], 0),
            forecast=fmt_money(forecast, "EUR"),
            end=fmt_date(end_date),
            status=_status_text(pace["status"]),
        )
    )
    if forecast is not None and plan_budget and forecast > plan_budget:
        st.warning(
            t(
                "campaign.burn.over",
                forecast=fmt_money(forecast, "EUR"),
                budget=fmt_money(plan_budget, "EUR"),
                over=fmt_percent(forecast / plan_budget - 1, 0),
            ),
            icon=":material/trending_up:",
        )


# --- 8. feedback ------------------------------------------------------------------------------


def _rating_text(scales: pd.DataFrame) -> str:
    """The average rating on its scale, or "mixed" when forms of several scales answered."""
    if len(scales) == 1:
        return t(
            "campaign.rating_of",
            average=fmt_number(scales["average"].iloc[0], 1),
            scale=fmt_number(scales["rating_scale"].iloc[0]),
        )
    if len(scales) > 1:
        return t("campaign.rating_mixed")
    return "—"


def _show_comments() -> None:
    comments = feedback.comments(wh, sel, limit=COMMENTS_N)[
        ["submitted_on", "event_code", "event", "rating", "rating_scale", "language", "comment"]
    ]
    if comments.empty:
        components.empty(t("campaign.empty.comments"))
        return
    shown = ["submitted_on", "rating", "rating_scale", "comment", "event", "language"]
    components.table(
        comments[shown],
        key="campaign_comments",
        name=f"{code}_latest_comments",
        definition_text=t("campaign.def.comments", n=COMMENTS_N),
        download=comments,
        column_config=_columns(*shown),
    )


def _show_feedback() -> None:
    st.subheader(t("campaign.section.feedback"))
    fb = metrics.totals(wh, ["feedback_responses", "positive_feedback_share"], sel)
    if not fb["feedback_responses"]:
        components.empty(t("campaign.empty.feedback", code=plain_code(code)))
        return
    scales = feedback.ratings_by_scale(wh, sel)
    tiles = st.columns(3)
    tiles[0].metric(t("campaign.tile.responses"), fmt_number(fb["feedback_responses"]))
    tiles[1].metric(
        t("campaign.tile.positive"),
        fmt_percent(fb["positive_feedback_share"], 1),
        help=t("campaign.help.positive"),
    )
    tiles[2].metric(t("campaign.tile.rating"), _rating_text(scales), help=t("campaign.help.rating"))
    if len(scales) > 1:
        components.table(
            scales,
            key="campaign_ratings",
            name=f"{code}_ratings",
            definition_text=t("campaign.def.ratings"),
            column_config=_columns("rating_scale", "rated", "average", "share_of_scale"),
        )
    _show_comments()


# --- 9. data freshness ------------------------------------------------------------------------


def _show_freshness() -> None:
    st.subheader(t("campaign.section.freshness"))
    fresh = metrics.data_freshness(wh, as_of, [code]).iloc[0]
    cols = st.columns(3)
    cols[0].metric(
        t("campaign.tile.last_metric_date"),
        fmt_date(fresh["last_metric_date"]),
        help=t("campaign.help.last_metric_date"),
    )
    cols[1].metric(
        t("campaign.tile.days_without_data"),
        fmt_number(fresh["days_without_data"]),
        help=t("campaign.help.days_without_data"),
    )
    cols[2].metric(t("campaign.tile.last_load"), fmt_date(fresh["last_load_at"]))
    if bool(fresh["no_recent_data"]):
        st.warning(
            t("campaign.stale", code=plain_code(code), days=fmt_number(fresh["days_without_data"]))
        )
    loads = lookups.latest_loads(wh, code)
    if loads.empty:
        components.empty(t("campaign.empty.loads", code=plain_code(code)))
        return
    components.table(
        loads,
        key="campaign_loads",
        name=f"{code}_latest_loads",
        definition_text=t("campaign.def.loads"),
        column_config=_columns(*loads.columns),
    )


_show_profile()
_show_channels()
_show_headline()
_show_kpis()
_show_series()
_show_mix()
_show_reach()
_show_top_posts()
_show_budget_lines()
_show_burn_up()
_show_feedback()
_show_freshness()
