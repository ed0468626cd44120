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

from dashboard.charts import PLATFORM_NAMES, platform_colour, platform_order

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def platform_bars(
    df: pd.DataFrame, value: str, labels: Mapping[str, str], number_format: str = ",.0f"
) -> go.Figure:
    """One horizontal bar per platform (column ``platform``) of the ``value`` column, the
    largest on top, in the platform's colour; ``content_items`` (the number of posts) shows on
    hover. ``labels``: ``axis`` (the figure's name) and ``posts``."""
    rows = df[df[value].notna()].sort_values(value, ascending=True)
    names = [platform_name(p) for p in rows["platform"]]
    fig = go.Figure(
        go.Bar(
            x=rows[value].astype(float),
            y=names,
            orientation="h",
            marker={"color": [platform_colour(p) for p in rows["platform"]]},
            customdata=rows["content_items"].astype(float),
            texttemplate=f"%{{x:{number_format}}}",
            textposition="auto",
            hovertemplate=(
                f"<b>%{{y}}</b><br>{labels['axis']}: %{{x:{number_format}}}"
                f"<br>{labels['posts']}: %{{customdata:,.0f}}<extra></extra>"
            ),
        )
    )
    fig.update_layout(margin=_MARGIN, height=max(220, 60 + 36 * len(rows)), showlegend=False)
    fig.update_xaxes(title_text=labels["axis"], tickformat=number_format, rangemode="tozero")
    fig.update_yaxes(type="category", automargin=True)
    return fig


def group_bars_by_platform(
    df: pd.DataFrame,
    value: str,
    order: list[str],
    group_names: Mapping[str, str],
    labels: Mapping[str, str],
    number_format: str = ",.0f",
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
                y=part[value].astype(float),
                name=platform_name(platform),
                marker={"color": platform_colour(platform)},
                customdata=part["content_items"].astype(float),
                hovertemplate=(
                    f"<b>%{{x}}</b> · {platform_name(platform)}<br>{labels['axis']}: "
                    f"%{{y:{number_format}}}<br>{labels['posts']}: %{{customdata:,.0f}}"
                    "<extra></extra>"
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
    fig.update_yaxes(title_text=labels["axis"], tickformat=number_format, rangemode="tozero")
    return fig
