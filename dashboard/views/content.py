"""Content: every post published in the selection with its figures, filterable and sortable,
and the best performers by format, language and platform.

A post is in when it was published in the period on the selected campaigns and platforms; its
figures are to date (the metrics layer's ``content`` source). Totals come from the
``content_items`` and ``post_*`` measures of ``dashboard.metrics``; the list and each group's
best post from ``dashboard.metrics.posts``, ranked in DuckDB. At most ``posts.LIST_ROWS``
posts reach the browser: the downloads under the list hold every post that matches, built when
clicked.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import components, metrics
from dashboard.charts import content as charts
from dashboard.filters import sidebar_filters
from dashboard.i18n import fmt_date, fmt_figure, t
from dashboard.metrics import posts

GROUP_KEY = "content_group"
XLSX_MOST = 100_000  # a longer list downloads as CSV only: a spreadsheet file that size is slow
TILES = (
    "content_items",
    "post_impressions",
    "post_views",
    "post_engagements",
    "post_engagement_rate",
)
GROUP_COLUMNS = (
    "group", "content_items", "post_impressions", "post_views", "post_engagements",
    "post_engagement_rate", "best_title", "best_url", "best_campaign", "best_value",
)  # fmt: skip
KNOWN_FORMATS = ("video", "reel", "short", "image", "carousel", "text", "story")
KNOWN_LANGUAGES = ("ru", "kk", "en")

wh = st.session_state["warehouse"]
sel = sidebar_filters(wh)
st.title(t("page.content"))


def _format_name(value: str) -> str:
    if value in KNOWN_FORMATS:
        return t(f"content.format.{value}")
    return value or t("content.not_given")


def _language_name(value: str) -> str:
    if value in KNOWN_LANGUAGES:
        return t(f"content.language.{value}")
    return value or t("content.not_given")


GROUP_NAMES: dict[str, Callable[[str], str]] = {
    "format": _format_name,
    "language": _language_name,
    "platform": charts.platform_name,
}


def _names(values: pd.Series, name_of: Callable[[str], str]) -> pd.Series:
    """Each value's name, looked up once per distinct value."""
    values = values.fillna("")
    return values.map({v: name_of(v) for v in values.unique()})


def _period() -> str:
    if sel.start and sel.end:
        return t("content.period_between", start=fmt_date(sel.start), end=fmt_date(sel.end))
    if sel.start:
        return t("content.period_from", start=fmt_date(sel.start))
    if sel.end:
        return t("content.period_to", end=fmt_date(sel.end))
    return t("content.period_any")


# --- headline tiles -------------------------------------------------------------------------

tot = metrics.totals(wh, TILES, sel)
if not tot["content_items"]:
    loaded = metrics.totals(wh, ["content_items"])["content_items"]
    components.empty(t("content.empty.no_match") if loaded else t("content.empty.no_posts"))
    st.stop()

tiles = st.columns(5)
tiles[0].metric(
    t("content.tile.posts"),
    fmt_figure(tot["content_items"], "count"),
    help=t("content.help.posts"),
)
tiles[1].metric(
    t("look.impressions.content_tile"),
    fmt_figure(tot["post_impressions"], "count"),
    help=t("look.impressions.content_help"),
)
tiles[2].metric(
    t("content.tile.views"), fmt_figure(tot["post_views"], "count"), help=t("content.help.views")
)
tiles[3].metric(
    t("content.tile.engagements"),
    fmt_figure(tot["post_engagements"], "count"),
    help=t("content.help.engagements"),
)
tiles[4].metric(
    t("content.tile.engagement_rate"),
    fmt_figure(tot["post_engagement_rate"], "rate"),
    delta=t("content.tile.engagement_rate_of"),
    delta_color="off",
    delta_arrow="off",
    help=t("content.help.engagement_rate"),
)
st.caption(t("content.scope", period=_period()))

rank = st.segmented_control(
    t("content.rank_pick"),
    options=posts.RANK_MEASURES,
    format_func=lambda m: t(f"content.measure.{m}"),
    default="impressions",
    key="content_rank",
)
rank = rank or "impressions"
measure = posts.TOTAL_OF[rank]
measure_label = t(f"content.measure.{rank}")
value_kind = "rate" if rank == "engagement_rate" else "count"


# --- best performers ------------------------------------------------------------------------

st.subheader(t("content.section.best"))
# Only the open tab's group is worked out and drawn (a click on another reruns the page).
for dimension, tab in components.lazy_tabs(GROUP_KEY, posts.GROUPS).items():
    with tab:
        table = posts.groups(wh, sel, dimension, rank)
        name_of = GROUP_NAMES[dimension]
        dimension_label = t(f"content.dimension.{dimension}")
        if dimension == "platform":
            plotted = table.rename(columns={"group": "platform"})
            fig = components.figure(
                charts.platform_bars,
                plotted,
                measure,
                {"axis": measure_label, "posts": t("content.col.posts")},
                value_kind,
            )
            chart_text = t("content.def.chart_platform", measure=measure_label)
        else:
            plotted = posts.groups_by_platform(wh, sel, dimension, rank)
            fig = components.figure(
                charts.group_bars_by_platform,
                plotted,
                measure,
                list(table["group"]),
                {g: name_of(g) for g in table["group"]},
                {
                    "axis": measure_label,
                    "group": t(f"content.col.{dimension}"),
                    "posts": t("content.col.posts"),
                    "legend": t("content.col.platform"),
                },
                value_kind,
            )
            chart_text = t(
                "content.def.chart_groups", measure=measure_label, dimension=dimension_label
            )
        components.chart(
            fig,
            plotted,
            key=f"content_chart_{dimension}",
            name=f"posts-{measure}-by-{dimension}",
            definition_text=chart_text,
        )
        if rank == "engagement_rate" and table["best_title"].isna().all():
            components.empty(
                t("content.empty.no_best", min=fmt_figure(posts.MIN_IMPRESSIONS_FOR_RATE, "count"))
            )
        shown = table.assign(group=[name_of(g) for g in table["group"]])
        components.table(
            shown[list(GROUP_COLUMNS)],
            key=f"content_best_{dimension}",
            name=f"posts-by-{dimension}",
            definition_text=t(
                "content.def.groups_rate" if rank == "engagement_rate" else "content.def.groups",
                dimension=dimension_label,
                measure=t(f"content.measure_lower.{rank}"),
                min=fmt_figure(posts.MIN_IMPRESSIONS_FOR_RATE, "count"),
            ),
            download=table,
            column_config={
                "group": st.column_config.TextColumn(t(f"content.col.{dimension}")),
                "content_items": components.count_column(t("content.col.posts")),
                "post_impressions": components.count_column(t("content.col.impressions")),
                "post_views": components.count_column(t("content.col.views")),
                "post_engagements": components.count_column(t("content.col.engagements")),
                "post_engagement_rate": components.figure_column(
                    t("content.col.engagement_rate"), "rate"
                ),
                "best_title": st.column_config.TextColumn(
                    t("content.col.best_title"), width="large"
                ),
                "best_url": st.column_config.LinkColumn(
                    t("content.col.best_link"), display_text="↗"
                ),
                "best_campaign": st.column_config.TextColumn(t("content.col.best_campaign")),
                "best_value": components.figure_column(
                    t("content.col.best_value", measure=t(f"content.measure_lower.{rank}")),
                    value_kind,
                ),
            },
        )


# --- every post -----------------------------------------------------------------------------

st.subheader(t("content.section.posts"))
pick = st.columns([2, 2, 3])
formats = pick[0].multiselect(
    t("content.filter_formats"),
    options=list(posts.groups(wh, sel, "format", rank)["group"]),
    format_func=_format_name,
    placeholder=t("content.filter_all"),
    key="content_formats",
)
languages = pick[1].multiselect(
    t("content.filter_languages"),
    options=list(posts.groups(wh, sel, "language", rank)["group"]),
    format_func=_language_name,
    placeholder=t("content.filter_all"),
    key="content_languages",
)
search = pick[2].text_input(
    t("content.search"), help=t("content.search_help"), key="content_search"
)
post_filter = posts.PostFilter(tuple(formats), tuple(languages), search.strip())
top = posts.top_posts(wh, sel, rank, posts.LIST_ROWS, post_filter)

if top.empty:
    components.empty(t("content.empty.filters"))
    st.stop()

matching = int(top["matching"].iloc[0])
if matching > len(top):
    st.caption(
        t(
            "content.list_top",
            n=fmt_figure(len(top), "count"),
            total=fmt_figure(matching, "count"),
            measure=t(f"content.measure_lower.{rank}"),
        )
    )
else:
    st.caption(t("content.list_all", count=matching))

listed = top.drop(columns=["matching", "impressions_rated"])
shown = listed.assign(
    campaign_code=components.page_urls("campaign", "campaign", listed["campaign_code"]),
    platform=listed["platform"].map(charts.platform_name),
    format=_names(listed["format"], _format_name),
    language=_names(listed["language"], _language_name),
    basis=listed["basis"].map(
        {"daily": t("content.basis.daily"), "lifetime": t("content.basis.lifetime")}
    ),
).drop(columns=["post_id", "published_on_estimated"])
components.table(
    shown,
    key="content_posts",
    name="posts",
    definition_text=t("content.def.posts"),
    download=listed,
    column_config={
        "campaign_code": st.column_config.LinkColumn(
            t("content.col.campaign"), display_text=r"campaign=([^&]+)"
        ),
        "platform": st.column_config.TextColumn(t("content.col.platform")),
        "published_on": components.date_column(t("content.col.published")),
        "format": st.column_config.TextColumn(t("content.col.format")),
        "language": st.column_config.TextColumn(t("content.col.language")),
        "title": st.column_config.TextColumn(t("content.col.title"), width="large"),
        "url": st.column_config.LinkColumn(t("content.col.post"), display_text="↗"),
        "impressions": components.count_column(t("content.col.impressions")),
        "reach_lifetime": components.count_column(t("content.col.reach_lifetime")),
        "reach_day_peak": components.count_column(t("content.col.reach_day_peak")),
        "views": components.count_column(t("content.col.views")),
        "engagements": components.count_column(t("content.col.engagements")),
        "engagement_rate": components.figure_column(t("content.col.engagement_rate"), "rate"),
        "likes": components.count_column(t("content.col.likes")),
        "comments": components.count_column(t("content.col.comments")),
        "shares": components.count_column(t("content.col.shares")),
        "saves": components.count_column(t("content.col.saves")),
        "clicks": components.count_column(t("content.col.clicks")),
        "basis": st.column_config.TextColumn(t("content.col.basis")),
        "figures_as_of": components.date_column(t("content.col.figures_as_of")),
    },
)

if matching > len(top):
    # The whole list is read and written only when a button is clicked.
    def _all_posts() -> pd.DataFrame:
        return posts.all_posts(wh, sel, rank, post_filter).drop(columns=["impressions_rated"])

    st.caption(t("content.download_all", total=fmt_figure(matching, "count")))
    help_text = t("content.download_all_help", rows=fmt_figure(matching, "count"))
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        t("content.download_all_csv"),
        data=lambda: components.csv_bytes(_all_posts()),
        file_name="posts-all.csv",
        mime=components.CSV_MIME,
        key="content_posts_all_csv",
        help=help_text,
        icon=":material/download:",
        on_click="ignore",
    )
    too_many = matching > XLSX_MOST
    right.download_button(
        t("content.download_all_xlsx"),
        data=lambda: components.xlsx_bytes(_all_posts(), "posts"),
        file_name="posts-all.xlsx",
        mime=components.XLSX_MIME,
        key="content_posts_all_xlsx",
        help=t("content.xlsx_too_many", most=fmt_figure(XLSX_MOST, "count"))
        if too_many
        else help_text,
        icon=":material/download:",
        on_click="ignore",
        disabled=too_many,
    )
