"""Feedback: what participants said about the selected campaigns' events, and who took part.

Headline tiles (responses, average rating, share of positive ratings, events, participants),
the ratings of each campaign, responses and positive ratings by month, one row per event, the
participants' comments (masked) with their keyword themes, theme counts and frequent words per
comment language, and participants by sex, age group and region.

Every figure comes from the metrics layer (``dashboard.metrics``): responses and ratings count
by the day a response was submitted, events and participants by the event's day; ratings on
1-to-5 and 1-to-10 forms are never averaged together. Comments come from
``dashboard.metrics.comments`` (masked, never listed with the respondent's sex, age or region) and
their themes from the lexicon in ``dashboard/locales/feedback/themes.toml``; the tables of
campaigns and events come worked out from ``dashboard.metrics.feedback``.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import components, metrics, themes
from dashboard.charts import campaign_colours
from dashboard.charts import feedback as charts
from dashboard.components import plain, plain_code
from dashboard.filters import sidebar_filters
from dashboard.i18n import (
    column_datetime_format,
    current_language,
    fmt_figure,
    fmt_month,
    t,
)
from dashboard.metrics import comments as fb
from dashboard.metrics import feedback as feedback_tables
from dashboard.metrics import lookups
from etl.kinds import AGE_GROUPS, SEXES

COMMENTS_SHOWN = 200
TOP_WORDS = 10
THEME_KEY = "feedback_themes"
LANGUAGE_KEY = "feedback_languages"
BREAKDOWNS = ("sex", "age_group", "region")
BREAKDOWN_KEY = "feedback_breakdown"

wh = st.session_state["warehouse"]
selection = sidebar_filters(wh)
st.title(t("page.feedback"))

profiles = lookups.campaign_profiles(wh, selection, current_language())
if profiles.empty:
    components.empty(
        t("feedback.empty.no_match")
        if not selection.is_default()
        else t("feedback.empty.no_campaigns")
    )
    st.stop()

codes = tuple(profiles["code"])
names = dict(zip(profiles["code"], profiles["name"], strict=True))
sel = replace(selection, campaigns=codes)
lang = current_language()
lexicon = themes.default_lexicon()
example = plain_code(codes[0]) if len(codes) == 1 else "CODE"

tot = metrics.totals(
    wh,
    [
        "feedback_responses",
        "rated_responses",
        "positive_responses",
        "positive_feedback_share",
        "events_held",
        "participants",
    ],
    sel,
)
if not tot["feedback_responses"] and not tot["events_held"] and not tot["participants"]:
    components.empty(t("feedback.empty.nothing", code=example))
    st.stop()


def _count(value: float | None) -> str:
    return fmt_figure(value or 0, "count")


def _in_order(parts: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """The rows in the order of their ``group`` in ``order``; groups not in it last, by name."""
    rank = {g: i for i, g in enumerate(order)}
    keys = [(rank.get(g, len(rank)), str(g)) for g in parts["group"]]
    return parts.iloc[sorted(range(len(parts)), key=keys.__getitem__)]


def _rating(label: str) -> dict:
    return components.figure_column(label, "rating")


# Column name -> how every table of the page shows it.
COLUMNS = {
    "link": st.column_config.LinkColumn(
        t("feedback.col.code"), display_text=r"campaign=([^&]+)", help=t("feedback.open_help")
    ),
    "campaign": st.column_config.TextColumn(t("feedback.col.code")),
    "name": st.column_config.TextColumn(t("feedback.col.campaign"), width="medium"),
    "event_name": st.column_config.TextColumn(t("feedback.col.event"), width="large"),
    "event": st.column_config.TextColumn(t("feedback.col.event"), width="medium"),
    "event_date": components.date_column(t("feedback.col.date")),
    "events_held": components.figure_column(t("feedback.col.events"), "count"),
    "participants": components.figure_column(t("feedback.col.participants"), "count"),
    "share": components.figure_column(t("feedback.col.share"), "share"),
    "feedback_responses": components.figure_column(t("feedback.col.responses"), "count"),
    "rated": components.figure_column(t("feedback.col.rated"), "count"),
    "average": _rating(t("feedback.col.average")),
    "average_rating": _rating(t("feedback.col.average")),
    "rating_scale": st.column_config.NumberColumn(t("feedback.col.scale"), format="%d"),
    "scale": st.column_config.TextColumn(t("feedback.col.scale")),
    "share_of_scale": components.figure_column(t("feedback.col.share_of_scale"), "share"),
    "positive_feedback_share": components.figure_column(t("feedback.col.positive"), "share"),
    "submitted_at": st.column_config.DatetimeColumn(
        t("feedback.col.submitted"), format=column_datetime_format()
    ),
    "comment": st.column_config.TextColumn(t("feedback.col.comment"), width="large"),
    "theme_names": st.column_config.TextColumn(t("feedback.col.themes"), width="medium"),
    "rating": st.column_config.NumberColumn(t("feedback.col.rating"), format="%d"),
    "language_name": st.column_config.TextColumn(t("feedback.col.language")),
}


def _columns(*names: str) -> dict:
    """The column configuration of a table showing ``names``."""
    return {name: COLUMNS[name] for name in names}


# --- headline tiles -------------------------------------------------------------------------

scales = fb.ratings_by_scale(wh, sel)
if len(scales) == 1:
    # "4.4 / 5": a figure, the same in every language, and short enough for a tile
    average = (
        f"{fmt_figure(scales['average'].iloc[0], 'rating')} / "
        f"{fmt_figure(scales['rating_scale'].iloc[0], 'count')}"
    )
elif len(scales) > 1:
    average = t("feedback.rating_mixed")
else:
    average = fmt_figure(None, "rating")
tiles = st.columns(5)
tiles[0].metric(
    t("feedback.tile.responses"),
    _count(tot["feedback_responses"]),
    help=t("feedback.help.responses"),
)
tiles[1].metric(t("feedback.tile.rating"), average, help=t("feedback.help.rating"))
tiles[2].metric(
    t("feedback.tile.positive"),
    fmt_figure(tot["positive_feedback_share"], "share"),
    help=t(
        "feedback.help.positive",
        positive=_count(tot["positive_responses"]),
        rated=_count(tot["rated_responses"]),
    ),
)
tiles[3].metric(
    t("feedback.tile.events"), _count(tot["events_held"]), help=t("feedback.help.events")
)
tiles[4].metric(
    t("feedback.tile.participants"),
    _count(tot["participants"]),
    help=t("feedback.help.participants"),
)
if len(scales) > 1:
    components.table(
        scales,
        key="feedback_scales",
        name="feedback-average-rating-by-scale",
        definition_text=t("feedback.def.scales"),
        column_config=_columns("rating_scale", "rated", "average", "share_of_scale"),
    )
if selection.platforms:
    st.caption(t("feedback.platform_scope"))

colours = campaign_colours(lookups.campaign_names(wh))

# --- ratings by campaign --------------------------------------------------------------------

st.subheader(t("feedback.section.campaigns"))
if not tot["feedback_responses"]:
    components.empty(t("feedback.empty.responses", code=example))
else:
    by_rating = metrics.query(
        wh, ["feedback_responses"], sel, "total", ("campaign", "rating_scale", "rating")
    ).rename(columns={"feedback_responses": "responses"})
    rated = by_rating[by_rating["rating"].notna()]
    if rated.empty:
        components.empty(t("feedback.empty.ratings"))
    else:
        components.chart(
            components.figure(
                charts.rating_distribution,
                rated,
                title=t("feedback.chart.ratings"),
                axis_title=t("feedback.chart.share_of_rated"),
                legend_title=t("feedback.col.rating"),
                names=names,
            ),
            rated.assign(name=rated["campaign"].map(names)),
            key="feedback_ratings_chart",
            name="feedback-ratings-by-campaign",
            definition_text=t("feedback.def.ratings_chart"),
        )

by_campaign = feedback_tables.campaign_table(wh, sel, lang)
by_campaign["name"] = by_campaign["campaign"].map(names)
by_campaign["link"] = components.page_urls("campaign", "campaign", by_campaign["campaign"])
campaign_columns = _columns(
    "link",
    "name",
    "feedback_responses",
    "average_rating",
    "scale",
    "positive_feedback_share",
    "events_held",
    "participants",
)
components.table(
    by_campaign[list(campaign_columns)],
    key="feedback_campaigns",
    name="feedback-by-campaign",
    definition_text=t("feedback.def.campaigns"),
    download=by_campaign[
        [
            "campaign",
            "name",
            *feedback_tables.CAMPAIGN_COUNTS,
            "average_rating",
            "scale",
            "positive_feedback_share",
        ]
    ],
    column_config=campaign_columns,
)

# --- by month -------------------------------------------------------------------------------

st.subheader(t("feedback.section.months"))
if tot["feedback_responses"]:
    monthly = metrics.query(wh, ["feedback_responses"], sel, "month", ("campaign",)).rename(
        columns={"period": "month", "feedback_responses": "responses"}
    )
    shares = metrics.query(
        wh, ["feedback_responses", "positive_feedback_share"], sel, "month"
    ).rename(columns={"period": "month", "positive_feedback_share": "positive_share"})
    components.chart(
        components.figure(
            charts.monthly_responses,
            monthly,
            shares,
            title=t("feedback.chart.months"),
            responses_title=t("feedback.col.responses"),
            positive_label=t("feedback.col.positive"),
            positive_axis_title=t("feedback.chart.positive_axis"),
            month_title=t("feedback.chart.month"),
            colours=colours,
            month_labels=fmt_month,
            others_label=t("feedback.chart.other_campaigns"),
        ),
        monthly.merge(
            shares.rename(columns={"responses": "all_responses"}), on="month", how="left"
        ),
        key="feedback_months_chart",
        name="feedback-by-month",
        definition_text=t("feedback.def.months"),
    )
else:
    components.empty(t("feedback.empty.responses", code=example))

# --- by event -------------------------------------------------------------------------------

st.subheader(t("feedback.section.events"))
by_event = feedback_tables.event_table(wh, sel, lang)
if by_event.empty:
    components.empty(t("feedback.empty.events", code=example))
else:
    event_columns = _columns(
        "event_name",
        "campaign",
        "event_date",
        "participants",
        "feedback_responses",
        "average_rating",
        "scale",
        "positive_feedback_share",
    )
    components.table(
        by_event[list(event_columns)],
        key="feedback_events",
        name="feedback-by-event",
        definition_text=t("feedback.def.events"),
        download=by_event[
            [
                "campaign",
                "event",
                "event_name",
                "event_date",
                "event_type",
                "participants",
                "feedback_responses",
                "average_rating",
                "scale",
                "positive_feedback_share",
            ]
        ],
        column_config=event_columns,
    )

# --- comments and their themes --------------------------------------------------------------

st.subheader(t("feedback.section.comments"))
language_names = {code: t(f"feedback.lang.{code}") for code in charts.LANGUAGE_ORDER}
theme_names = {theme.id: theme.label(lang) for theme in lexicon.themes}
counted = fb.theme_counts(wh, sel, lexicon)
if counted.empty:
    components.empty(t("feedback.empty.comments"))
else:
    left, right = st.columns(2)
    chosen_themes = left.multiselect(
        t("feedback.filter.themes"),
        options=list(theme_names),
        format_func=theme_names.__getitem__,
        key=THEME_KEY,
        placeholder=t("feedback.filter.all"),
    )
    present = charts.language_order(counted["language"])
    chosen_languages = right.multiselect(
        t("feedback.filter.languages"),
        options=present,
        format_func=lambda code: language_names.get(code, code),
        key=LANGUAGE_KEY,
        placeholder=t("feedback.filter.all"),
    )
    shown = fb.comments(
        wh,
        sel,
        theme_ids=chosen_themes,
        languages=chosen_languages,
        limit=COMMENTS_SHOWN,
        lexicon=lexicon,
    )
    if shown.empty:
        components.empty(t("feedback.empty.no_comment_matches"))
    else:
        matching = int(shown["matching"].iloc[0])
        shown["theme_names"] = [", ".join(theme_names[i] for i in ids) for ids in shown["themes"]]
        shown["language_name"] = shown["language"].map(language_names)
        comment_columns = _columns(
            "submitted_at",
            "comment",
            "theme_names",
            "rating",
            "language_name",
            "campaign",
            "event",
            "rating_scale",
        )
        st.caption(
            t(
                "feedback.comments_shown",
                shown=fmt_figure(len(shown), "count"),
                matching=fmt_figure(matching, "count"),
            )
        )
        components.table(
            shown[list(comment_columns)],
            key="feedback_comments",
            name="feedback-comments",
            definition_text=t("feedback.def.comments", n=fmt_figure(COMMENTS_SHOWN, "count")),
            download=shown[
                [
                    "submitted_at",
                    "campaign",
                    "event_code",
                    "event",
                    "rating",
                    "rating_scale",
                    "language",
                    "comment",
                    "theme_names",
                ]
            ].rename(columns={"theme_names": "themes"}),
            column_config=comment_columns,
        )

    counted["theme_name"] = counted["theme"].map(theme_names)
    counted["language_name"] = counted["language"].map(language_names)
    components.chart(
        components.figure(
            charts.theme_bars,
            counted,
            title=t("feedback.chart.themes"),
            axis_title=t("feedback.chart.share_of_comments"),
            theme_labels=theme_names,
            language_labels=language_names,
        ),
        counted[["language", "language_name", "theme", "theme_name", "comments", "share"]],
        key="feedback_themes_chart",
        name="feedback-themes-by-language",
        definition_text=t("feedback.def.themes"),
    )
    words = fb.top_words(wh, sel, TOP_WORDS, lexicon)
    if not words.empty:
        components.chart(
            components.figure(
                charts.top_words,
                words,
                title=t("feedback.chart.words", n=TOP_WORDS),
                axis_title=t("feedback.chart.occurrences"),
                language_labels=language_names,
            ),
            words.assign(language_name=words["language"].map(language_names)),
            key="feedback_words_chart",
            name="feedback-top-words",
            definition_text=t("feedback.def.words", n=TOP_WORDS),
        )

# --- participants by sex, age group and region ----------------------------------------------

st.subheader(t("feedback.section.participants"))
undated = metrics.undated_participants(wh, codes)
if len(undated):
    st.warning(
        t(
            "feedback.undated_participants",
            total=_count(float(undated["participants"].sum())),
            events=plain(", ".join(f"{r.campaign}/{r.event_code}" for r in undated.itertuples())),
        ),
        icon=":material/event_busy:",
    )
if not tot["participants"]:
    components.empty(t("feedback.empty.participants", code=example))
else:
    st.caption(t("feedback.participants_total", total=_count(tot["participants"])))
    group_labels = {
        "sex": {s: t(f"feedback.sex.{s}") for s in SEXES},
        "age_group": {"under 18": t("feedback.age.under_18")},
        "region": {},
    }
    orders = {"sex": list(SEXES), "age_group": list(AGE_GROUPS)}
    # Only the open tab's breakdown is worked out and drawn (a click on another reruns the page).
    for dimension, tab in components.lazy_tabs(BREAKDOWN_KEY, BREAKDOWNS).items():
        parts = metrics.query(wh, ["participants"], sel, "total", (dimension,)).rename(
            columns={dimension: "group"}
        )
        parts["share"] = parts["participants"] / tot["participants"]
        if dimension in orders:
            parts = _in_order(parts, orders[dimension])
        else:
            parts = parts.sort_values(["participants", "group"], ascending=[False, True])
        parts = parts.reset_index(drop=True)
        parts["label"] = [group_labels[dimension].get(g, g) for g in parts["group"]]
        heading = t(f"feedback.breakdown.{dimension}")
        with tab:
            components.chart(
                components.figure(
                    charts.breakdown_bars,
                    parts,
                    title=t(f"feedback.chart.by_{dimension}"),
                    axis_title=t("feedback.col.participants"),
                    labels=group_labels[dimension],
                ),
                parts[["group", "label", "participants", "share"]],
                key=f"feedback_{dimension}_chart",
                name=f"participants-by-{dimension.replace('_', '-')}",
                definition_text=t("feedback.def.participants_chart"),
            )
            components.table(
                parts[["label", "participants", "share"]],
                key=f"feedback_{dimension}",
                name=f"participants-by-{dimension.replace('_', '-')}",
                definition_text=t("feedback.def.participants"),
                download=parts[["group", "label", "participants", "share"]],
                column_config={
                    "label": st.column_config.TextColumn(heading),
                    **_columns("participants", "share"),
                },
            )
