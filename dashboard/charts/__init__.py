"""Chart builders: a DataFrame in, a plotly Figure out; no Streamlit here, so tests call them.

Every platform keeps one colour on every chart, from colour-blind-safe palettes (Okabe-Ito, Paul
Tol), near each brand's hue where that leaves red, amber and green alone (instagram pink,
telegram light blue, facebook blue, x black; youtube indigo, tiktok grey, vk purple).

Red, amber and green mean a status (on track, at risk, behind) and nothing else. Campaigns get
blues, purples, cyan and greys (from Paul Tol's colour-blind-safe schemes), each campaign the
colour its code alone gives (:func:`campaign_colour`), so it is the same on every page, for every
role and whatever is filtered.

Figures on charts are written as everywhere else (``dashboard.i18n.plotly_figure``): values of a
percentage kind are drawn times 100 so that the sign follows the language (``30 %`` in Russian).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import plotly_figure

PLATFORM_COLOURS: dict[str, str] = {
    "instagram": "#CC79A7",
    "telegram": "#56B4E9",
    "facebook": "#0072B2",
    "youtube": "#332288",
    "tiktok": "#777777",
    "vk": "#AA4499",
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


# Campaign colours: no red, amber or green, which mean a status; distinguishable by lightness
# as well as hue.
CAMPAIGN_PALETTE: tuple[str, ...] = (
    "#004488",  # dark blue
    "#88CCEE",  # light cyan
    "#AA4499",  # purple
    "#6699CC",  # mid blue
    "#332288",  # indigo
    "#CC79A7",  # lilac pink
    "#777777",  # grey
    "#44BBCC",  # cyan
    "#5D3A9B",  # violet
    "#B4A7D6",  # lavender
)


def platform_colour(platform: str) -> str:
    return PLATFORM_COLOURS.get(platform, OTHER_COLOUR)


def platform_order(platforms: Iterable[str]) -> list[str]:
    """Platforms in the fixed legend order (the order of ``PLATFORM_COLOURS``), others last."""
    order = {p: i for i, p in enumerate(PLATFORM_COLOURS)}
    return sorted(set(platforms), key=lambda p: (order.get(p, len(order)), p))


_NUMBER_AT_END = re.compile(r"(\d+)\s*$")


def campaign_colour(code: str) -> str:
    """A campaign's colour, from its code alone, so it is the same whoever looks and whatever
    else is listed: codes numbered at their end (``PDP-01``, ``FOE-02``, as the programme
    numbers its campaigns) take the palette in turn by that number, so campaigns numbered in
    sequence never share a colour up to the palette's length; any other code a stable hash."""
    text = str(code)
    number = _NUMBER_AT_END.search(text)
    if number:
        place = int(number.group(1)) - 1
    else:
        place = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")
    return CAMPAIGN_PALETTE[place % len(CAMPAIGN_PALETTE)]


def campaign_colours(codes: Iterable[str]) -> dict[str, str]:
    """Each campaign's :func:`campaign_colour`: the same whatever else is listed or filtered."""
    return {code: campaign_colour(code) for code in sorted(set(codes))}


def scaled(values: Iterable[float | None], kind: str) -> list[float | None]:
    """``values`` as a chart of figures of ``kind`` draws them (percentages times 100)."""
    scale = plotly_figure(kind).scale
    return [None if v is None or pd.isna(v) else float(v) * scale for v in values]


def figure_axis(kind: str) -> dict[str, str]:
    """Axis tick settings for figures of ``kind`` in the current language."""
    return plotly_figure(kind).axis()


def figure_hover(var: str, kind: str) -> str:
    """The hover or text template part writing ``%{var}`` as a figure of ``kind``."""
    return plotly_figure(kind).template(var)


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
                hovertemplate=figure_hover("y", "count"),
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
    fig.update_yaxes(title_text=metric, rangemode="tozero", **figure_axis("count"))
    return fig
