"""Chart builders: a DataFrame in, a plotly Figure out; no Streamlit here, so tests call them.

Every platform keeps one colour on every chart. The colours come from the Okabe-Ito palette,
which stays distinguishable for colour-blind readers, picked near each brand's hue where the
palette allows (instagram purple, telegram light blue, facebook blue, youtube red, x black).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.colors as px_colors
import plotly.graph_objects as go

PLATFORM_COLOURS: dict[str, str] = {
    "instagram": "#CC79A7",
    "telegram": "#56B4E9",
    "facebook": "#0072B2",
    "youtube": "#D55E00",
    "tiktok": "#009E73",
    "vk": "#E69F00",
    "x": "#000000",
}
OTHER_COLOUR = "#999999"

PLATFORM_NAMES: dict[str, str] = {
    "instagram": "Instagram",
    "telegram": "Telegram",
    "facebook": "Facebook",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "vk": "VK",
    "x": "X",
}


# Campaign colours: a 24-colour qualitative palette, taken in campaign-code order.
CAMPAIGN_PALETTE: tuple[str, ...] = tuple(px_colors.qualitative.Dark24)


def platform_colour(platform: str) -> str:
    return PLATFORM_COLOURS.get(platform, OTHER_COLOUR)


def platform_order(platforms: Iterable[str]) -> list[str]:
    """Platforms in the fixed legend order (the order of ``PLATFORM_COLOURS``), others last."""
    order = {p: i for i, p in enumerate(PLATFORM_COLOURS)}
    return sorted(set(platforms), key=lambda p: (order.get(p, len(order)), p))


def campaign_colours(codes: Iterable[str]) -> dict[str, str]:
    """One colour per campaign, by its place among all the programme's campaign codes (pass
    them all, not only the selected ones, so a campaign keeps its colour whatever is filtered);
    past 24 campaigns the palette repeats."""
    return {
        code: CAMPAIGN_PALETTE[i % len(CAMPAIGN_PALETTE)]
        for i, code in enumerate(sorted(set(codes)))
    }


def daily_by_platform(df: pd.DataFrame, metric: str, title: str) -> go.Figure:
    """One line per platform over days.

    ``df`` has columns ``day``, ``platform`` and ``value`` (a measure by day and platform);
    ``metric`` labels the y axis; hovering a day gives each platform's exact value. Platforms
    appear in a fixed order so the legend reads the same on every chart.
    """
    fig = go.Figure()
    for platform in platform_order(df["platform"]):
        rows = df[df["platform"] == platform].sort_values("day")
        name = PLATFORM_NAMES.get(platform, platform)
        fig.add_trace(
            go.Scatter(
                x=rows["day"],
                y=rows["value"],
                name=name,
                mode="lines+markers",
                line={"color": platform_colour(platform), "width": 2},
                marker={"size": 5},
                # unified hover: the day heads the box, then one exact value per platform
                hovertemplate="%{y:,.0f}",
            )
        )
    fig.update_layout(
        title=title,
        hovermode="x unified",
        legend_title_text="Platform",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        separators=".,",
    )
    fig.update_xaxes(title_text="Day", type="date", tickformat="%d %b\n%Y", hoverformat="%d %b %Y")
    fig.update_yaxes(title_text=metric, tickformat=",.0f", rangemode="tozero")
    return fig
