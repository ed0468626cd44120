"""Campaign: one campaign's profile, headline figures, KPI targets and pace, series by platform,
platform mix and reach, top content, budget and burn-up, feedback and data freshness.

The campaign comes from the link (``?campaign=CODE``, as the Portfolio page links it) or the
picker, which writes its choice back to the link. The sidebar's period and platforms apply to
the figures; statuses and pace are computed at the end of the period (or today).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from dashboard import components, data, feedback, metrics, status_text
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


# --- which campaign ---------------------------------------------------------------------------


choices = data.campaign_profiles(wh, selection)  # the campaigns the sidebar selects
if choices.empty:
    known = len(data.campaign_names(wh))
    components.empty(t("campaign.empty.no_match") if known else t("campaign.empty.no_campaigns"))
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
        exists = metrics.run_sql(
            wh, "SELECT count(*) AS n FROM campaigns WHERE code = $code", {"code": asked.strip()}
        )["n"].iloc[0]
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
code = state[PICK_KEY]
state[LAST_KEY] = code
if st.query_params.get("campaign") != code:
    st.query_params["campaign"] = code

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

profile = metrics.run_sql(
    wh,
    "SELECT code, name, organisation_name, thematic_area, regions, languages, start_date, "
    "end_date, status, description FROM campaigns WHERE code = $code",
    {"code": code},
).iloc[0]
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


left, right = st.columns(2)
left.markdown(
    "\n".join(
        [
            f"- **{t('campaign.profile.organisation')}:** {_shown(profile['organisation_name'])}",
            f"- **{t('campaign.profile.thematic_area')}:** {_shown(profile['thematic_area'])}",
            f"- **{t('campaign.profile.regions')}:** {_listed(profile['regions'])}",
            f"- **{t('campaign.profile.languages')}:** {_listed(profile['languages'])}",
        ]
    )
)
right.markdown(
    "\n".join(
        [
            f"- **{t('campaign.profile.period')}:** {fmt_date(start_date)} – {fmt_date(end_date)}",
            f"- **{t('campaign.profile.status')}:** {_shown(profile['status'])}",
            f"- **{t('campaign.profile.description')}:** {_shown(profile['description'])}",
        ]
    )
)

channels = metrics.run_sql(
    wh,
    "SELECT platform, account, url, language FROM channels WHERE campaign_code = $code "
    "ORDER BY platform, account",
    {"code": code},
)
if channels.empty:
    components.empty(t("campaign.empty.channels", code=plain_code(code)))
else:
    shown = channels.assign(platform=channels["platform"].map(charts.platform_name))
    components.table(
        shown,
        key="campaign_channels",
        name=f"{code}_channels",
        definition_text=t("campaign.def.channels"),
        download=channels,
        column_config={
            "platform": st.column_config.TextColumn(t("campaign.col.platform")),
            "account": st.column_config.TextColumn(t("campaign.col.account")),
            "url": st.column_config.LinkColumn(t("campaign.col.link")),
            "language": st.column_config.TextColumn(t("campaign.col.language")),
        },
    )


# --- 2. headline tiles ------------------------------------------------------------------------

st.subheader(t("campaign.section.headline"))
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
tot = metrics.totals(wh, TILE_MEASURES, sel)
has_metrics = tot["impressions"] is not None or tot["views"] is not None
if not has_metrics and tot["followers"] is None:
    components.empty(t("campaign.empty.metrics", code=plain_code(code)))

row1 = st.columns(5)
row1[0].metric(t("campaign.tile.impressions"), fmt_number(tot["impressions"]))
row1[1].metric(t("campaign.tile.views"), fmt_number(tot["views"]))
row1[2].metric(
    t("campaign.tile.engagements"),
    fmt_number(tot["engagements"]),
    help=t("campaign.help.engagements"),
)
row1[3].metric(
    t("campaign.tile.engagement_rate"),
    fmt_percent(tot["engagement_rate"], 2),
    help=t("campaign.help.engagement_rate"),
)
row1[4].metric(
    t("campaign.tile.content_items"),
    fmt_number(tot["content_items"] or 0),
    help=t("campaign.help.content_items"),
)
row2 = st.columns(5)
row2[0].metric(
    t("campaign.tile.followers"), fmt_number(tot["followers"]), help=t("campaign.help.followers")
)
growth = tot["follower_growth"]
row2[1].metric(
    t("campaign.tile.follower_growth"),
    ("+" if growth and growth > 0 else "") + fmt_number(growth),
    help=t("campaign.help.follower_growth"),
)
spend = tot["spend_eur"] or 0.0
budget = tot["budget_eur"]
row2[2].metric(
    t("campaign.tile.spend"),
    fmt_money(spend, "EUR"),
    delta=t("campaign.of_budget", share=fmt_percent(spend / budget, 1)) if budget else None,
    delta_color="off",
    delta_arrow="off",
    help=t("campaign.help.spend"),
)
row2[3].metric(t("campaign.tile.budget"), fmt_money(budget, "EUR"), help=t("campaign.help.budget"))
row2[4].metric(
    t("campaign.tile.cpm"),
    fmt_money(tot["cost_per_mille"], "EUR", 2),
    help=t("campaign.help.cpm_platforms") if sel.platforms else t("campaign.help.cpm"),
)
if tot["spend_lines_without_rate"]:
    st.warning(t("campaign.unconverted", count=int(tot["spend_lines_without_rate"])))
if sel.platforms:
    st.caption(t("campaign.platform_scope"))


# --- 3. KPI targets ---------------------------------------------------------------------------

st.subheader(t("campaign.section.kpis"))
kpis = metrics.kpi_progress(wh, as_of, [code])
if kpis.empty:
    components.empty(t("campaign.empty.kpis", code=plain_code(code)))
else:

    def _note(row) -> str:
        if row.status == metrics.NO_SOURCE:
            return t("campaign.kpi_note.no_source", metric=row.metric or "—")
        if row.status == metrics.NO_DATA:
            return t("campaign.kpi_note.no_data")
        if row.status == metrics.NO_BASELINE:
            return t("campaign.kpi_note.no_baseline")
        if row.status == metrics.NOT_STARTED:
            return t("campaign.kpi_note.not_started")
        return ""

    kpi_view = pd.DataFrame(
        {
            "indicator": kpis["indicator_code"] + " · " + kpis["indicator"],
            "unit": kpis["unit"],
            "target": kpis["target"],
            "actual": pd.to_numeric(kpis["actual"]).round(1),
            "achievement": kpis["achievement"],
            "elapsed": kpis["elapsed"],
            "pace": kpis["pace"],
            "status": [_status_text(s) for s in kpis["status"]],
            "note": [_note(r) for r in kpis.itertuples()],
        }
    )
    components.table(
        kpi_view,
        key="campaign_kpis",
        name=f"{code}_kpis",
        definition_text=t("campaign.def.kpis"),
        download=kpis,
        column_config={
            "indicator": st.column_config.TextColumn(t("campaign.col.indicator"), width="large"),
            "unit": st.column_config.TextColumn(t("campaign.col.unit")),
            "target": components.number_column(t("campaign.col.target")),
            "actual": components.number_column(t("campaign.col.actual")),
            "achievement": components.percent_column(t("campaign.col.achievement")),
            "elapsed": components.percent_column(t("campaign.col.elapsed")),
            "pace": components.percent_column(t("campaign.col.pace")),
            "status": st.column_config.TextColumn(t("campaign.col.status")),
            "note": st.column_config.TextColumn(t("campaign.col.note")),
        },
    )
    bullets = pd.DataFrame(
        {
            "label": kpis["indicator_code"],
            "indicator": kpis["indicator"],
            "achievement": kpis["achievement"],
            "elapsed": kpis["elapsed"],
            "status": kpis["status"],
        }
    )
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

st.subheader(t("campaign.section.series"))
SERIES_MEASURES = ("impressions", "views", "engagements", "followers")
GRAINS = ("day", "week", "month")
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
else:
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

st.subheader(t("campaign.section.mix"))
MIX = {m: t(f"campaign.measure.{m}") for m in ("impressions", "views", "engagements")}
by_platform = metrics.query(wh, list(MIX), sel, "total", ("platform",))
shares = charts.platform_shares(by_platform, MIX)
if shares.empty:
    components.empty(t("campaign.empty.metrics", code=plain_code(code)))
else:
    components.chart(
        components.figure(charts.platform_mix, shares, MIX, t("campaign.axis.share")),
        shares,
        key="campaign_mix",
        name=f"{code}_platform_mix",
        definition_text=t("campaign.def.mix"),
    )

reach = metrics.reach_by_window(wh, sel)
if not reach.empty:
    reach_view = reach.drop(columns=["campaign"]).assign(
        reach_day_average=reach["reach_day_average"].round(0),
        platform=reach["platform"].map(charts.platform_name),
        time_window=reach["time_window"].map(
            lambda w: t(f"campaign.window.{w}") if w in ("day", "7d", "28d", "lifetime") else w
        ),
    )
    components.table(
        reach_view,
        key="campaign_reach",
        name=f"{code}_reach",
        definition_text=t("campaign.def.reach"),
        download=reach,
        column_config={
            "platform": st.column_config.TextColumn(t("campaign.col.platform")),
            "time_window": st.column_config.TextColumn(t("campaign.col.window")),
            "observations": components.number_column(t("campaign.col.observations")),
            "reach_day_average": components.number_column(t("campaign.col.reach_day_average")),
            "reach_day_peak": components.number_column(t("campaign.col.reach_day_peak")),
            "reach_latest": components.number_column(t("campaign.col.reach_latest")),
            "latest_date": components.date_column(t("campaign.col.latest_date")),
        },
    )


# --- 6. top content ---------------------------------------------------------------------------

st.subheader(t("campaign.section.top"))
TOP_MEASURES = ("impressions", "views", "engagements", "engagement_rate")
top_measure = st.segmented_control(
    t("campaign.top_pick"),
    options=TOP_MEASURES,
    format_func=lambda m: t(f"campaign.measure.{m}"),
    default="impressions",
    key="campaign_top_measure",
)
top_measure = top_measure or "impressions"

_ENG = (
    "CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL "
    "ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) "
    "+ coalesce(saves, 0) END"
)


def _top_posts(measure: str) -> pd.DataFrame:
    """The best posts of the campaign in the selection by ``measure``, ranked in DuckDB.

    A post with daily figures counts its days in the period (activity in the period); a post
    with only lifetime snapshots counts its latest snapshot up to the period end, and only when
    it was published in the period. The two are never added together.
    """
    params: dict[str, object] = {"code": code, "n": TOP_N}
    day_where = ["campaign_code = $code"]
    life_where = ["m.campaign_code = $code", "m.post_id <> ''", "m.time_window = 'lifetime'"]
    in_period = ["TRUE"]
    if sel.platforms:
        params["platforms"] = list(sel.platforms)
        day_where.append("list_contains($platforms, platform)")
        life_where.append("list_contains($platforms, m.platform)")
    if sel.start:
        params["start"] = sel.start
        day_where.append("day >= $start")
        in_period.append("l.published_on >= $start")
    if sel.end:
        params["end"] = sel.end
        day_where.append("day <= $end")
        life_where.append("m.metric_date <= $end")
        in_period.append("l.published_on <= $end")
    sums = """
        sum(impressions) AS impressions, sum(views) AS views, sum(eng) AS engagements,
        sum(eng) FILTER (WHERE impressions IS NOT NULL) AS eng_rated,
        sum(impressions) FILTER (WHERE eng IS NOT NULL) AS imp_rated
    """
    order = {
        "engagement_rate": "engagement_rate DESC NULLS LAST, imp_rated DESC",
        "impressions": "impressions DESC NULLS LAST",
        "views": "views DESC NULLS LAST",
        "engagements": "engagements DESC NULLS LAST",
    }[measure]
    keep = f"{measure} IS NOT NULL"
    if measure == "engagement_rate":
        keep = "imp_rated >= $min_imp"
        params["min_imp"] = MIN_IMPRESSIONS_FOR_RATE
    sql = f"""
        WITH daily AS (
            SELECT platform, post_id, 'daily' AS basis, NULL::DATE AS as_of_date,
                   NULL::DATE AS first_seen, {sums}
            FROM (SELECT *, {_ENG} AS eng FROM post_daily WHERE {" AND ".join(day_where)})
            GROUP BY ALL
        ),
        has_daily AS (
            SELECT DISTINCT platform, post_id FROM post_daily WHERE campaign_code = $code
        ),
        snapshot AS (
            SELECT m.platform, m.post_id, m.metric_date, m.impressions, m.views, {_ENG} AS eng,
                   min(m.metric_date) OVER (PARTITION BY m.platform, m.post_id) AS first_seen
            FROM metric_observations m
            WHERE {" AND ".join(life_where)}
              AND NOT EXISTS (SELECT 1 FROM has_daily h
                              WHERE h.platform = m.platform AND h.post_id = m.post_id)
            QUALIFY row_number() OVER (PARTITION BY m.platform, m.post_id
                                       ORDER BY m.metric_date DESC) = 1
        ),
        lifetime AS (
            SELECT s.platform, s.post_id, 'lifetime' AS basis, s.metric_date AS as_of_date,
                   s.first_seen,
                   s.impressions, s.views, s.eng AS engagements,
                   CASE WHEN s.impressions IS NOT NULL THEN s.eng END AS eng_rated,
                   CASE WHEN s.eng IS NOT NULL THEN s.impressions END AS imp_rated
            FROM snapshot s
        ),
        posts AS (
            SELECT f.*, ci.title, ci.format, ci.url,
                   coalesce(ci.published_at::DATE, fd.first_day, f.first_seen) AS published_on
            FROM (SELECT * FROM daily UNION ALL BY NAME SELECT * FROM lifetime) f
            LEFT JOIN content_items ci
              ON ci.campaign_code = $code AND ci.platform = f.platform AND ci.post_id = f.post_id
            LEFT JOIN (SELECT platform, post_id, min(day) AS first_day FROM post_daily
                       WHERE campaign_code = $code GROUP BY ALL) fd
              ON fd.platform = f.platform AND fd.post_id = f.post_id
        )
        SELECT coalesce(nullif(trim(l.title), ''), l.post_id) AS title, l.platform, l.format,
               l.published_on, l.impressions, l.views, l.engagements,
               CASE WHEN l.imp_rated > 0 THEN l.eng_rated / l.imp_rated END AS engagement_rate,
               l.basis, l.as_of_date, l.url, l.post_id, l.imp_rated
        FROM posts l
        WHERE (l.basis = 'daily' OR ({" AND ".join(in_period)})) AND {keep}
        ORDER BY {order}, l.post_id
        LIMIT $n
    """
    return metrics.run_sql(wh, sql, params)


top = _top_posts(top_measure)
if top.empty:
    components.empty(t("campaign.empty.posts", code=plain_code(code)))
else:
    top_view = top.drop(columns=["post_id", "imp_rated", "as_of_date"]).assign(
        platform=top["platform"].map(charts.platform_name),
        basis=[
            t("campaign.basis.daily")
            if b == "daily"
            else t("campaign.basis.lifetime", date=fmt_date(d))
            for b, d in zip(top["basis"], top["as_of_date"], strict=True)
        ],
    )
    components.table(
        top_view,
        key="campaign_top",
        name=f"{code}_top_{top_measure}",
        definition_text=t(
            "campaign.def.top_rate" if top_measure == "engagement_rate" else "campaign.def.top",
            n=TOP_N,
            min=fmt_number(MIN_IMPRESSIONS_FOR_RATE),
        ),
        download=top.drop(columns=["imp_rated"]),
        column_config={
            "title": st.column_config.TextColumn(t("campaign.col.title"), width="large"),
            "platform": st.column_config.TextColumn(t("campaign.col.platform")),
            "format": st.column_config.TextColumn(t("campaign.col.format")),
            "published_on": components.date_column(t("campaign.col.published")),
            "impressions": components.number_column(t("campaign.measure.impressions")),
            "views": components.number_column(t("campaign.measure.views")),
            "engagements": components.number_column(t("campaign.measure.engagements")),
            "engagement_rate": components.percent_column(t("campaign.measure.engagement_rate")),
            "basis": st.column_config.TextColumn(t("campaign.col.basis")),
            "url": st.column_config.LinkColumn(t("campaign.col.post"), display_text="↗"),
        },
    )


# --- 7. budget --------------------------------------------------------------------------------

st.subheader(t("campaign.section.budget"))
money = metrics.query(wh, ["budget_eur", "spend_eur"], sel, "total", ("budget_line",))
lines = metrics.run_sql(
    wh,
    "SELECT line_code AS budget_line, any_value(heading) AS heading, "
    "any_value(description) AS description FROM budget_lines WHERE campaign_code = $code "
    "GROUP BY ALL",
    {"code": code},
)
if money.empty or (money["budget_eur"].isna().all() and money["spend_eur"].isna().all()):
    components.empty(t("campaign.empty.budget", code=plain_code(code)))
else:
    budget_table = money.merge(lines, on="budget_line", how="left")
    budget_table["spend_eur"] = budget_table["spend_eur"].fillna(0.0)  # nothing booked yet
    budget_table["heading"] = budget_table["heading"].astype("Int64")
    budget_table["execution"] = budget_table["spend_eur"] / budget_table["budget_eur"]
    budget_table["line"] = [
        f"{line} {charts.short(text)}".strip()
        for line, text in zip(budget_table["budget_line"], budget_table["description"], strict=True)
    ]
    budget_table = budget_table.sort_values(["heading", "budget_line"], na_position="last")
    components.table(
        budget_table[
            ["budget_line", "heading", "description", "budget_eur", "spend_eur", "execution"]
        ],
        key="campaign_budget_lines",
        name=f"{code}_budget_lines",
        height=_fit(budget_table),
        definition_text=t("campaign.def.budget_lines"),
        column_config={
            "budget_line": st.column_config.TextColumn(t("campaign.col.budget_line")),
            "heading": st.column_config.NumberColumn(t("campaign.col.heading"), format="%d"),
            "description": st.column_config.TextColumn(t("campaign.col.description")),
            "budget_eur": components.euro_column(t("campaign.col.budget_eur")),
            "spend_eur": components.euro_column(t("campaign.col.spend_eur")),
            "execution": components.percent_column(t("campaign.col.execution")),
        },
    )
    chart_lines = budget_table[["line", "budget_eur", "spend_eur"]].fillna(0.0)
    components.chart(
        components.figure(
            charts.budget_lines,
            chart_lines,
            {
                "budget": t("campaign.col.budget_eur"),
                "spend": t("campaign.col.spend_eur"),
                "axis": t("campaign.axis.eur"),
            },
        ),
        chart_lines,
        key="campaign_budget_chart",
        name=f"{code}_budget_vs_spend",
        definition_text=t("campaign.def.budget_chart"),
    )

pace = metrics.spend_pace(wh, as_of, [code]).iloc[0]
to_date = float(pace["spend_eur"] or 0.0)
if not to_date:
    components.empty(t("campaign.empty.spend", code=plain_code(code)))
else:
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

st.subheader(t("campaign.section.feedback"))
fb = metrics.totals(wh, ["feedback_responses", "positive_feedback_share"], sel)
if not fb["feedback_responses"]:
    components.empty(t("campaign.empty.feedback", code=plain_code(code)))
else:
    scales = feedback.ratings_by_scale(wh, sel)
    tiles = st.columns(3)
    tiles[0].metric(t("campaign.tile.responses"), fmt_number(fb["feedback_responses"]))
    tiles[1].metric(
        t("campaign.tile.positive"),
        fmt_percent(fb["positive_feedback_share"], 1),
        help=t("campaign.help.positive"),
    )
    rating = "—"
    if len(scales) == 1:
        rating = t(
            "campaign.rating_of",
            average=fmt_number(scales["average"].iloc[0], 1),
            scale=fmt_number(scales["rating_scale"].iloc[0]),
        )
    elif len(scales) > 1:
        rating = t("campaign.rating_mixed")
    tiles[2].metric(t("campaign.tile.rating"), rating, help=t("campaign.help.rating"))
    if len(scales) > 1:
        components.table(
            scales,
            key="campaign_ratings",
            name=f"{code}_ratings",
            definition_text=t("campaign.def.ratings"),
            column_config={
                "rating_scale": st.column_config.NumberColumn(t("campaign.col.scale"), format="%d"),
                "rated": components.number_column(t("campaign.col.rated")),
                "average": st.column_config.NumberColumn(t("campaign.col.average"), format="%.1f"),
                "share_of_scale": components.percent_column(t("campaign.col.share_of_scale")),
            },
        )
    comments = feedback.comments(wh, sel, limit=COMMENTS_N)[
        ["submitted_on", "event_code", "event", "rating", "rating_scale", "language", "comment"]
    ]
    if comments.empty:
        components.empty(t("campaign.empty.comments"))
    else:
        components.table(
            comments[["submitted_on", "rating", "rating_scale", "comment", "event", "language"]],
            key="campaign_comments",
            name=f"{code}_latest_comments",
            definition_text=t("campaign.def.comments", n=COMMENTS_N),
            download=comments,
            column_config={
                "submitted_on": components.date_column(t("campaign.col.submitted")),
                "event": st.column_config.TextColumn(t("campaign.col.event")),
                "rating": st.column_config.NumberColumn(t("campaign.col.rating"), format="%d"),
                "rating_scale": st.column_config.NumberColumn(t("campaign.col.scale"), format="%d"),
                "language": st.column_config.TextColumn(t("campaign.col.language")),
                "comment": st.column_config.TextColumn(t("campaign.col.comment"), width="large"),
            },
        )


# --- 9. data freshness ------------------------------------------------------------------------

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
loads = metrics.run_sql(
    wh,
    """
    SELECT kind, coalesce(platform, '') AS platform, source_name, finished_at, rows_loaded,
           campaign_code IS NULL AS programme_wide
    FROM loads
    WHERE status = 'loaded' AND (campaign_code = $code OR campaign_code IS NULL)
    QUALIFY row_number() OVER (PARTITION BY kind, coalesce(platform, ''), campaign_code
                               ORDER BY finished_at DESC, batch_id DESC) = 1
    ORDER BY finished_at DESC
    """,
    {"code": code},
)
if loads.empty:
    components.empty(t("campaign.empty.loads", code=plain_code(code)))
else:
    components.table(
        loads,
        key="campaign_loads",
        name=f"{code}_latest_loads",
        definition_text=t("campaign.def.loads"),
        column_config={
            "kind": st.column_config.TextColumn(t("campaign.col.kind")),
            "platform": st.column_config.TextColumn(t("campaign.col.platform")),
            "source_name": st.column_config.TextColumn(t("campaign.col.source")),
            "finished_at": st.column_config.DatetimeColumn(
                t("campaign.col.finished"), format=column_datetime_format()
            ),
            "rows_loaded": components.number_column(t("campaign.col.rows_loaded")),
            "programme_wide": st.column_config.CheckboxColumn(t("campaign.col.programme_wide")),
        },
    )
