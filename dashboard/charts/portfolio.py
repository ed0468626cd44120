"""Portfolio charts: campaigns compared on cost efficiency, engagement rate and pace.

Pure builders: a DataFrame with one row per campaign in, a plotly Figure out. Each campaign
keeps its colour (``dashboard.charts.campaign_colours``); bars are sorted so the best reads
first, and campaigns without a value are left off rather than drawn as zero.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import OTHER_COLOUR, figure_axis, figure_hover, scaled

_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


def campaign_bars(
    df: pd.DataFrame,
    value: str,
    *,
    title: str,
    axis_title: str,
    colours: dict[str, str],
    kind: str = "unit_cost",
    ascending: bool = True,
) -> go.Figure:
    """Horizontal bars, one per campaign (column ``campaign``) with a ``value`` column.

    ``ascending`` puts the smallest value on top (for costs, where lower is better); the hover
    gives the campaign's code, its name (column ``name`` if present) and the exact value,
    written as a figure of ``kind`` (``dashboard.i18n.FIGURES``) as tiles and tables write it."""
    rows = df[df[value].notna()].sort_values(value, ascending=not ascending)
    names = rows["name"] if "name" in rows else rows["campaign"]
    fig = go.Figure(
        go.Bar(
            x=scaled(rows[value], kind),
            y=rows["campaign"],
            orientation="h",
            marker={"color": [colours.get(c, OTHER_COLOUR) for c in rows["campaign"]]},
            customdata=list(names),
            hovertemplate=(
                f"<b>%{{y}}</b> %{{customdata}}<br>{figure_hover('x', kind)}<extra></extra>"
            ),
            texttemplate=figure_hover("x", kind),
            textposition="auto",
        )
    )
    fig.update_layout(
        title=title,
        margin=_MARGIN,
        height=max(260, 40 + 28 * len(rows)),
        showlegend=False,
    )
    fig.update_xaxes(title_text=axis_title, rangemode="tozero", **figure_axis(kind))
    fig.update_yaxes(type="category", automargin=True)
    return fig


def pace_scatter(
    df: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    plan_label: str,
    band_label: str,
    colours: dict[str, str],
    band: float = 0.15,
) -> go.Figure:
    """Each campaign's budget execution (column ``execution``) against the elapsed share of its
    period (column ``elapsed``), both shares of 1, with the plan (execution = elapsed) and the
    on-track band around it (``1 +- band`` times the elapsed share)."""
    rows = df[df["execution"].notna() & df["elapsed"].notna()]
    fig = go.Figure()
    grid = [i * 5.0 for i in range(21)]  # percentages of the period, as the axes write them
    fig.add_trace(
        go.Scatter(
            x=grid + grid[::-1],
            y=[g * (1 + band) for g in grid] + [g * (1 - band) for g in grid[::-1]],
            fill="toself",
            fillcolor="rgba(0, 158, 115, 0.12)",
            line={"width": 0},
            name=band_label,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0, 100],
            y=[0, 100],
            mode="lines",
            line={"color": "#009E73", "dash": "dash"},
            name=plan_label,
            hoverinfo="skip",
        )
    )
    names = rows["name"] if "name" in rows else rows["campaign"]
    fig.add_trace(
        go.Scatter(
            x=scaled(rows["elapsed"], "share"),
            y=scaled(rows["execution"], "share"),
            mode="markers+text",
            text=rows["campaign"],
            textposition="top center",
            marker={
                "size": 11,
                "color": [colours.get(c, OTHER_COLOUR) for c in rows["campaign"]],
                "line": {"width": 1, "color": "#333333"},
            },
            customdata=list(names),
            name="",
            showlegend=False,
            hovertemplate=(
                f"<b>%{{text}}</b> %{{customdata}}<br>{x_title}: {figure_hover('x', 'share')}"
                f"<br>{y_title}: {figure_hover('y', 'share')}<extra></extra>"
            ),
        )
    )
    top = max([1.0, *rows["execution"].tolist()]) * 1.1 * 100
    fig.update_layout(title=title, margin=_MARGIN, height=420, legend={"orientation": "h"})
    fig.update_xaxes(title_text=x_title, range=[0, 105], **figure_axis("share"))
    fig.update_yaxes(title_text=y_title, range=[0, top], **figure_axis("share"))
    return fig
