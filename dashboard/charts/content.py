"""Charts of the Content page: the posts' figures by platform, and by format or language split
by platform.

Pure builders: a DataFrame of totals from the metrics layer in, a plotly Figure out, labels
passed in the reader's language. Every platform keeps its colour (``dashboard.charts``); a
group or platform without a figure is left off rather than drawn as zero, and hovering a bar
gives the exact figure and the number of posts behind it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import (
    PLATFORM_NAMES,
    figure_axis,
    figure_hover,
    platform_colour,
    platform_order,
    scaled,
)

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def platform_bars(
    df: pd.DataFrame, value: str, labels: Mapping[str, str], kind: str = "count"
) -> go.Figure:
    """One horizontal bar per platform (column ``platform``) of the ``value`` column, the
    largest on top, in the platform's colour; ``content_items`` (the number of posts) shows on
    hover. ``labels``: ``axis`` (the figure's name) and ``posts``; ``kind``: the figure kind of
    ``value`` (``dashboard.i18n.FIGURES``)."""
    rows = df[df[value].notna()].sort_values(value, ascending=True)
    names = [platform_name(p) for p in rows["platform"]]
    fig = go.Figure(
        go.Bar(
            x=scaled(rows[value], kind),
            y=names,
            orientation="h",
            marker={"color": [platform_colour(p) for p in rows["platform"]]},
            customdata=rows["content_items"].astype(float),
            texttemplate=figure_hover("x", kind),
            textposition="auto",
            hovertemplate=(
                f"<b>%{{y}}</b><br>{labels['axis']}: {figure_hover('x', kind)}"
                f"<br>{labels['posts']}: {figure_hover('customdata', 'count')}<extra></extra>"
            ),
        )
    )
    fig.update_layout(margin=_MARGIN, height=max(220, 60 + 36 * len(rows)), showlegend=False)
    fig.update_xaxes(title_text=labels["axis"], rangemode="tozero", **figure_axis(kind))
    fig.update_yaxes(type="category", automargin=True)
    return fig


def group_bars_by_platform(
    df: pd.DataFrame,
    value: str,
    order: list[str],
    group_names: Mapping[str, str],
    labels: Mapping[str, str],
    kind: str = "count",
) -> go.Figure:
    """Grouped bars: one group of bars per format or language (column ``group``, in ``order``
    and named by ``group_names``), one bar per platform in it, in the platform's colour, so a
    format that does well only on one platform shows as such. ``value`` is the figure;
    ``content_items`` (posts) shows on hover. ``labels``: ``axis``, ``group``, ``posts``,
    ``legend``."""
    place = {g: i for i, g in enumerate(order)}
    rows = df[df[value].notna() & df["group"].isin(place)]
    rows = rows.assign(place=rows["group"].map(place)).sort_values("place")
    fig = go.Figure()
    for platform in platform_order(rows["platform"]):
        part = rows[rows["platform"] == platform]
        fig.add_trace(
            go.Bar(
                x=[group_names.get(g, g) for g in part["group"]],
                y=scaled(part[value], kind),
                name=platform_name(platform),
                marker={"color": platform_colour(platform)},
                customdata=part["content_items"].astype(float),
                hovertemplate=(
                    f"<b>%{{x}}</b> · {platform_name(platform)}<br>{labels['axis']}: "
                    f"{figure_hover('y', kind)}<br>{labels['posts']}: "
                    f"{figure_hover('customdata', 'count')}<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        barmode="group",
        margin=_MARGIN,
        height=380,
        legend={"orientation": "h", "y": -0.2, "title": {"text": labels["legend"]}},
    )
    fig.update_xaxes(
        title_text=labels["group"],
        type="category",
        categoryorder="array",
        categoryarray=[group_names.get(g, g) for g in order],
    )
    fig.update_yaxes(title_text=labels["axis"], rangemode="tozero", **figure_axis(kind))
    return fig
