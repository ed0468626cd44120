"""Charts of the Feedback page: ratings per campaign, responses by month, keyword themes and
frequent words per comment language, and participants by sex, age group or region.

Pure builders: DataFrames and the labels to print (already in the reader's language) in, a
plotly Figure out; nothing here calls Streamlit. Campaigns keep their colours
(``dashboard.charts.campaign_colours``); ratings run from red (the bottom of the scale) to green
(the top) whatever the scale; each comment language has one colour on every chart. Hovering
shows exact values with d3 formats, whose separators ``dashboard.i18n.localize_figure`` sets per
language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import plotly.colors as px_colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts import OTHER_COLOUR, figure_axis, figure_hover, scaled

_MARGIN = {"l": 10, "r": 10, "t": 60, "b": 10}
_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0}

# Comment languages, in the order charts list them, with their colours (colour-blind safe, and
# no red, amber or green, which mean a status).
LANGUAGE_ORDER: tuple[str, ...] = ("ru", "kk", "en", "other")
LANGUAGE_COLOURS: dict[str, str] = {
    "ru": "#0072B2",
    "kk": "#AA4499",
    "en": "#88CCEE",
    "other": OTHER_COLOUR,
}
POSITIVE_COLOUR = "#333333"
BAR_COLOUR = "#0072B2"


def rating_colour(rating: float, scale: float) -> str:
    """Light blue at 1, darker up the scale to dark blue at its top: an order, not a status
    (red, amber and green mean a status)."""
    position = 0.0 if scale <= 1 else min(1.0, max(0.0, (rating - 1) / (scale - 1)))
    return px_colors.sample_colorscale("Blues", [0.3 + 0.7 * position])[0]


def rating_label(rating: int, scale: int, mixed: bool) -> str:
    """``4``, or ``4/5`` when the chart shows ratings of two scales."""
    return f"{rating}/{scale}" if mixed else f"{rating}"


def language_order(languages: Sequence[str]) -> list[str]:
    order = {lang: i for i, lang in enumerate(LANGUAGE_ORDER)}
    return sorted(set(languages), key=lambda lang: (order.get(lang, len(order)), lang))


def rating_distribution(
    df: pd.DataFrame,
    *,
    title: str,
    axis_title: str,
    legend_title: str,
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """One bar per campaign (column ``campaign``) split by rating (``rating`` of
    ``rating_scale``, with ``responses``): the share of the campaign's rated responses giving
    each rating, from the lowest (left) to the highest, so campaigns compare whatever their
    number of responses. Hovering gives the rating, the responses and their share. Campaigns
    read top to bottom in code order; ``names`` (code -> name) adds the name to the hover."""
    rows = df[df["rating"].notna() & (df["responses"] > 0)].copy()
    rows["rating"] = rows["rating"].astype(int)
    rows["rating_scale"] = rows["rating_scale"].astype(int)
    rows["share"] = rows["responses"] / rows.groupby("campaign")["responses"].transform("sum")
    campaigns = sorted(rows["campaign"].unique())
    mixed = rows["rating_scale"].nunique() > 1
    names = names or {}
    fig = go.Figure()
    order = (
        rows[["rating_scale", "rating"]]
        .drop_duplicates()
        .assign(position=lambda d: (d["rating"] - 1) / (d["rating_scale"] - 1).clip(lower=1))
        .sort_values(["position", "rating_scale"])
    )
    for scale, rating in zip(order["rating_scale"], order["rating"], strict=True):
        part = rows[(rows["rating_scale"] == scale) & (rows["rating"] == rating)]
        part = part.set_index("campaign").reindex(campaigns)
        label = rating_label(rating, scale, mixed)
        fig.add_trace(
            go.Bar(
                name=label,
                x=scaled(part["share"].fillna(0.0), "share"),
                y=campaigns,
                orientation="h",
                marker={"color": rating_colour(rating, scale)},
                customdata=[
                    [0 if pd.isna(n) else int(n), names.get(c, "")]
                    for c, n in zip(campaigns, part["responses"], strict=True)
                ],
                hovertemplate=(
                    f"<b>%{{y}}</b> %{{customdata[1]}}<br>{legend_title} {label}: "
                    f"{figure_hover('customdata[0]', 'count')} ({figure_hover('x', 'share')})"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title=title,
        barmode="stack",
        margin={**_MARGIN, "t": 90},
        height=max(280, 110 + 34 * len(campaigns)),
        legend={**_LEGEND, "title_text": legend_title, "traceorder": "normal"},
    )
    fig.update_xaxes(title_text=axis_title, range=[0, 100.1], dtick=20, **figure_axis("share"))
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def monthly_responses(
    df: pd.DataFrame,
    shares: pd.DataFrame,
    *,
    title: str,
    responses_title: str,
    positive_label: str,
    positive_axis_title: str,
    month_title: str,
    colours: Mapping[str, str],
    month_labels: Callable[[pd.Timestamp], str] | None = None,
    most: int = 12,
    others_label: str = "Other campaigns",
) -> go.Figure:
    """Responses per month stacked by campaign (``df``: ``month``, ``campaign``,
    ``responses``) and the share of positive ratings of each month over all of them
    (``shares``: ``month``, ``positive_share``) as a line on a second axis. ``month_labels``
    (first day of the month -> text, e.g. ``i18n.fmt_month``) names the months in the reader's
    language; without it the axis is a date axis. Beyond the ``most`` campaigns with the most
    responses, the rest are one bar, ``others_label``: a stack of 200 colours reads as none."""
    rows = df.copy()
    rows["month"] = pd.to_datetime(rows["month"])
    line = shares.copy()
    line["month"] = pd.to_datetime(line["month"])
    months = sorted(set(rows["month"]) | set(line["month"]))
    labelled = month_labels is not None
    names = {m: month_labels(pd.Timestamp(m)) for m in months} if labelled else {}

    def axis(values) -> list:
        return [names[m] for m in values] if labelled else list(values)

    table, bars = _responses_by_bar(rows, months, most, others_label)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for bar in bars:
        part = table[bar]
        fig.add_trace(
            go.Bar(
                name=bar,
                x=axis(part.index),
                y=list(part.values),
                marker={"color": colours.get(bar, OTHER_COLOUR)},
                hovertemplate=f"{bar}: {figure_hover('y', 'count')}<extra></extra>",
            ),
            secondary_y=False,
        )
    line = line.set_index("month")["positive_share"].reindex(months)
    fig.add_trace(
        go.Scatter(
            name=positive_label,
            x=axis(line.index),
            y=scaled(line.values, "share"),
            mode="lines+markers",
            line={"color": POSITIVE_COLOUR, "width": 2},
            connectgaps=False,
            hovertemplate=f"{positive_label}: {figure_hover('y', 'share')}<extra></extra>",
        ),
        secondary_y=True,
    )
    _monthly_layout(fig, title, month_title, responses_title, positive_axis_title, labelled)
    return fig


def _responses_by_bar(
    rows: pd.DataFrame, months: list, most: int, others_label: str
) -> tuple[pd.DataFrame, list[str]]:
    """Responses per month (rows) and bar (columns): the ``most`` campaigns with the most
    responses, then ``others_label`` for the rest; and the bars in the order they stack."""
    totals = rows.groupby("campaign")["responses"].sum()
    kept = sorted(totals.sort_values(ascending=False, kind="stable").index[:most])
    rows["bar"] = rows["campaign"].where(rows["campaign"].isin(kept), others_label)
    table = rows.pivot_table(
        index="month", columns="bar", values="responses", aggfunc="sum", fill_value=0
    ).reindex(months, fill_value=0)
    return table, [*kept, *([others_label] if others_label in table.columns else [])]


def _monthly_layout(
    fig: go.Figure,
    title: str,
    month_title: str,
    responses_title: str,
    positive_axis_title: str,
    labelled: bool,
) -> None:
    """Title, stacking, legend and both y axes of :func:`monthly_responses`."""
    fig.update_layout(
        title=title,
        barmode="stack",
        hovermode="x unified",
        margin={**_MARGIN, "t": 90},
        height=420,
        legend={**_LEGEND, "traceorder": "normal"},
    )
    if labelled:
        fig.update_xaxes(title_text=month_title, type="category")
    else:
        fig.update_xaxes(title_text=month_title, type="date", dtick="M1")
    fig.update_yaxes(
        title_text=responses_title, rangemode="tozero", secondary_y=False, **figure_axis("count")
    )
    fig.update_yaxes(
        title_text=positive_axis_title,
        **figure_axis("share"),
        range=[0, 105],
        dtick=20,
        showgrid=False,
        secondary_y=True,
    )


def theme_bars(
    df: pd.DataFrame,
    *,
    title: str,
    axis_title: str,
    theme_labels: Mapping[str, str],
    language_labels: Mapping[str, str],
) -> go.Figure:
    """Keyword themes (``theme``, in ``theme_labels``' order, first on top) with one bar per
    comment language (``language``): the share of that language's comments with the theme
    (``share``), the number of comments (``comments``) in the hover. Shares, not counts, so
    languages with few comments still compare."""
    themes = [t for t in theme_labels if t in set(df["theme"])]
    labels = [theme_labels[t] for t in themes]
    fig = go.Figure()
    for lang in language_order(df["language"]):
        part = df[df["language"] == lang].set_index("theme").reindex(themes)
        name = language_labels.get(lang, lang)
        fig.add_trace(
            go.Bar(
                name=name,
                x=scaled(part["share"].fillna(0.0), "share"),
                y=labels,
                orientation="h",
                marker={"color": LANGUAGE_COLOURS.get(lang, OTHER_COLOUR)},
                customdata=list(part["comments"].fillna(0).astype(int)),
                hovertemplate=(
                    f"{name} · %{{y}}: {figure_hover('customdata', 'count')} "
                    f"({figure_hover('x', 'share')})<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title=title,
        barmode="group",
        margin={**_MARGIN, "t": 90},
        height=max(300, 110 + 22 * len(themes) * max(1, len(fig.data))),
        legend={**_LEGEND, "traceorder": "normal"},
    )
    fig.update_xaxes(title_text=axis_title, rangemode="tozero", **figure_axis("share"))
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def top_words(
    df: pd.DataFrame,
    *,
    title: str,
    axis_title: str,
    language_labels: Mapping[str, str],
) -> go.Figure:
    """The most frequent words of each comment language side by side (``language``,
    ``word``, ``occurrences``), the most frequent on top."""
    langs = language_order(df["language"])
    fig = make_subplots(
        rows=1,
        cols=max(1, len(langs)),
        subplot_titles=[language_labels.get(lang, lang) for lang in langs],
        horizontal_spacing=0.12,
    )
    for i, lang in enumerate(langs, start=1):
        part = df[df["language"] == lang].sort_values(
            ["occurrences", "word"], ascending=[False, True]
        )
        fig.add_trace(
            go.Bar(
                name=language_labels.get(lang, lang),
                x=list(part["occurrences"]),
                y=list(part["word"]),
                orientation="h",
                marker={"color": LANGUAGE_COLOURS.get(lang, OTHER_COLOUR)},
                hovertemplate=f"%{{y}}: {figure_hover('x', 'count')}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=i,
        )
        fig.update_yaxes(type="category", autorange="reversed", automargin=True, row=1, col=i)
        fig.update_xaxes(
            title_text=axis_title,
            tickformat=",.0f",
            rangemode="tozero",
            # whole numbers only: a word is used 1 or 2 times, never 1.5
            dtick=1 if part["occurrences"].max() <= 8 else None,
            row=1,
            col=i,
        )
    most = int(df.groupby("language").size().max()) if len(df) else 0
    fig.update_layout(title=title, margin=_MARGIN, height=max(280, 100 + 24 * most))
    return fig


def breakdown_bars(
    df: pd.DataFrame,
    *,
    title: str,
    axis_title: str,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Participants by one characteristic (``group``, in the frame's order, first on top) with
    ``participants`` and their ``share`` of the total; the bar's text is the share, the hover
    gives both. ``labels`` names the groups in the reader's language."""
    labels = labels or {}
    names = [labels.get(g, str(g)) for g in df["group"]]
    fig = go.Figure(
        go.Bar(
            x=list(df["participants"]),
            y=names,
            orientation="h",
            marker={"color": BAR_COLOUR},
            customdata=scaled(df["share"], "share"),
            texttemplate=figure_hover("customdata", "share"),
            textposition="auto",
            hovertemplate=(
                f"%{{y}}: {figure_hover('x', 'count')} "
                f"({figure_hover('customdata', 'share')})<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title=title, margin=_MARGIN, height=max(240, 90 + 30 * len(df)), showlegend=False
    )
    fig.update_xaxes(title_text=axis_title, tickformat=",.0f", rangemode="tozero")
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig
