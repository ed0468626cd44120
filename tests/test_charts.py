"""Colours that tell the truth: red, amber and green mean a status and nothing else; a campaign
has one colour, the same on every page and for every role (read from the figures real pages
draw), and platforms, budget headings and comment languages keep theirs."""

from __future__ import annotations

import colorsys
import json

import pytest
from conftest import open_page

from dashboard.charts import (
    CAMPAIGN_PALETTE,
    PLATFORM_COLOURS,
    campaign_colour,
    campaign_colours,
)
from dashboard.charts.budget import HEADING_COLOURS
from dashboard.charts.campaign import FORECAST_COLOUR, STATUS_COLOURS
from dashboard.charts.feedback import LANGUAGE_COLOURS, rating_colour
from dashboard.i18n import t


def hsv(colour: str) -> tuple[float, float, float]:
    """Hue in degrees, saturation and value of ``#rrggbb`` or ``rgb(r, g, b)``."""
    if colour.startswith("#"):
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(x)) for x in colour[colour.index("(") + 1 : -1].split(","))
    h, s, v = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
    return h * 360, s, v


def looks_like_a_status(colour: str) -> bool:
    """Red, orange, amber, yellow or green: any clearly coloured hue from red through green
    (0-170 degrees) or back to red (345-360)."""
    hue, saturation, value = hsv(colour)
    if saturation < 0.25 or value < 0.25:
        return False  # a grey or black
    return hue <= 170 or hue >= 345


def test_the_status_colours_are_what_the_check_finds() -> None:
    # the check is not vacuous: it finds every red, amber and green a status uses
    for status in ("on track", "behind", "at risk", "met", "not met", "overspending"):
        assert looks_like_a_status(STATUS_COLOURS[status]), status
    assert not looks_like_a_status("#777777") and not looks_like_a_status("#0072B2")


@pytest.mark.parametrize(
    ("what", "colours"),
    [
        ("campaigns", CAMPAIGN_PALETTE),
        ("platforms", tuple(PLATFORM_COLOURS.values())),
        ("budget headings", tuple(HEADING_COLOURS.values())),
        ("comment languages", tuple(LANGUAGE_COLOURS.values())),
        ("ratings", tuple(rating_colour(r, 5) for r in range(1, 6))),
        ("the spend forecast", (FORECAST_COLOUR,)),
    ],
)
def test_nothing_but_a_status_is_red_amber_or_green(what: str, colours: tuple[str, ...]) -> None:
    assert [c for c in colours if looks_like_a_status(c)] == [], what


def test_the_campaign_palette_has_distinct_colours() -> None:
    assert len(set(CAMPAIGN_PALETTE)) == len(CAMPAIGN_PALETTE) >= 8
    assert len(set(PLATFORM_COLOURS.values())) == len(PLATFORM_COLOURS)


def test_a_campaigns_colour_comes_from_its_code_alone() -> None:
    assert campaign_colour("PDP-01") == campaign_colours(["PDP-01"])["PDP-01"]
    assert campaign_colours(["PDP-01", "FOE-02", "X-9"])["PDP-01"] == campaign_colour("PDP-01")
    # campaigns numbered in sequence never share a colour, up to the palette's length
    codes = [f"C-{n:02d}" for n in range(1, len(CAMPAIGN_PALETTE) + 1)]
    assert len(set(campaign_colours(codes).values())) == len(CAMPAIGN_PALETTE)
    # a code without a number still has a colour of the palette, the same every time
    assert campaign_colour("ALPHA") in CAMPAIGN_PALETTE
    assert campaign_colour("ALPHA") == campaign_colour("ALPHA")


def chart(at, title: str) -> dict:
    """The figure a page drew under ``title``."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def bar_colours(spec: dict, trace: int = 0) -> dict[str, str]:
    """Campaign code -> its bar's colour in a horizontal bar chart."""
    data = spec["data"][trace]
    colours = data["marker"]["color"]
    return dict(zip(data["y"], colours, strict=True))


@pytest.mark.usefixtures("fresh_cache")
def test_a_campaign_has_the_same_colour_on_every_page_and_for_every_role(
    demo_warehouse, monkeypatch
) -> None:
    officer = open_page(monkeypatch, demo_warehouse)
    assert not officer.exception
    cpm = bar_colours(chart(officer, t("portfolio.chart.cpm", lang="en")))
    officer_budget = open_page(monkeypatch, demo_warehouse, "budget")
    assert not officer_budget.exception
    # the execution bars (after the band) carry the campaigns' colours
    pace = bar_colours(chart(officer_budget, t("budget.chart.pace", lang="en")), 1)
    grantee = open_page(monkeypatch, demo_warehouse, "budget", user="grantee-ADR")
    assert not grantee.exception
    own = bar_colours(chart(grantee, t("budget.chart.pace", lang="en")), 1)

    assert set(own) == {"PDP-01"}  # the grantee sees its own campaign only
    assert own["PDP-01"] == pace["PDP-01"] == cpm["PDP-01"] == campaign_colour("PDP-01")
    for code in set(cpm) & set(pace):
        assert cpm[code] == pace[code] == campaign_colour(code)
    drawn = set(cpm.values()) | set(pace.values())
    assert not [c for c in drawn if looks_like_a_status(c)]
    assert len(set(cpm.values())) == len(cpm)  # the demo's campaigns tell apart
