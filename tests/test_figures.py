"""One way to write each kind of figure, in every language and everywhere: a headline tile, a
table cell and a chart's data label and hover text (drawn by plotly.js in Chromium) show the same
figure the same way. Expected texts are written here by hand or with Python's own formats, never
through the dashboard's formatter."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from conftest import open_page, sql, table_cells, table_text, table_values, tiles
from plotly.offline import get_plotlyjs

from dashboard import components, i18n
from dashboard.charts.portfolio import campaign_bars
from dashboard.i18n import fmt_count, fmt_figure, localize_figure, plotly_figure, t

NBSP = "\u00a0"
LANGS = ("en", "ru", "kk")


def local(english: str, lang: str) -> str:
    """An English-formatted figure (``1,234.5``) with the language's marks."""
    if lang == "en":
        return english
    return english.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)


# --- the formatter -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("value", [313787, 313787.0, 313786.6, 313787.4, 12.0, 0])
def test_a_count_never_shows_decimals(value: float, lang: str) -> None:
    text = fmt_figure(value, "count", lang=lang)
    assert text == local(f"{round(value):,}", lang)
    assert fmt_count(value, lang=lang) == text
    assert "," not in text if lang != "en" else "." not in text


def test_percentages_follow_the_language() -> None:
    assert fmt_figure(0.0307, "rate", lang="en") == "3.07%"
    assert fmt_figure(0.0307, "rate", lang="ru") == f"3,07{NBSP}%"  # Russian: a space before %
    assert fmt_figure(0.0307, "rate", lang="kk") == "3,07%"
    assert fmt_figure(0.5, "share", lang="ru") == f"50,0{NBSP}%"
    assert fmt_figure(1234.5, "unit_cost", lang="en") == "€1,234.50"
    assert fmt_figure(1234.5, "unit_cost", lang="ru") == f"1{NBSP}234,50{NBSP}€"
    assert fmt_figure(4.25, "rating", lang="kk") == "4,2"
    for kind in i18n.FIGURES:
        assert fmt_figure(None, kind, lang="ru") == i18n.MISSING


def test_an_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="count"):
        fmt_figure(1, "amount")


@pytest.mark.parametrize("lang", LANGS)
def test_a_table_column_of_a_kind_writes_what_fmt_figure_writes(lang: str) -> None:
    st.session_state[i18n.LANG_KEY] = lang
    try:
        df = pd.DataFrame({"n": [313787.0, 5.0], "r": [0.0307, 0.5], "m": [1234.4, None]})
        config = {
            "n": components.figure_column("N", "count"),
            "r": components.figure_column("R", "rate"),
            "m": components.figure_column("M", "money"),
        }
        shown, new_config = components.localized(df, config)
        text = table_text(shown)
        for column, kind in (("n", "count"), ("r", "rate"), ("m", "money")):
            assert list(text[column]) == [fmt_figure(v, kind, lang=lang) for v in df[column]]
            # the kind is the dashboard's own: Streamlit never sees it
            assert "figure" not in new_config[column]
        cells = table_cells(shown)
        assert "313,787.00" not in cells and "None" not in cells and "nan" not in cells
    finally:
        del st.session_state[i18n.LANG_KEY]


def test_absent_text_shows_a_dash_not_none() -> None:
    df = pd.DataFrame({"name": ["a", None], "n": [1.0, 2.0]})
    shown, _ = components.localized(df, {"n": components.figure_column("N", "count")})
    assert list(table_text(shown)["name"]) == ["a", i18n.MISSING]
    assert "None" not in table_cells(shown)
    pd.testing.assert_frame_equal(table_values(shown), df, check_dtype=False)  # their values


# --- tile, table and chart on a real page, the chart drawn by plotly.js ------------------------


@pytest.fixture(scope="module")
def chromium(browser):
    """Headless Chromium (conftest's ``browser``: skipped without it unless required)."""
    return browser


def drawn(browser, spec: dict, tmp_path: Path) -> tuple[list[str], str]:
    """The bar labels plotly.js draws for ``spec``, and the hover text of its first bar."""
    page_file = tmp_path / "chart.html"
    page_file.write_text(
        "<html><head><meta charset='utf-8'></head><body><div id='g' style='width:900px;"
        "height:500px'></div><script>" + get_plotlyjs() + "</script><script>"
        f"var spec = {json.dumps(spec)};"
        "Plotly.newPlot('g', spec.data, spec.layout).then(function () {"
        "  Plotly.Fx.hover('g', [{curveNumber: 0, pointNumber: 0}]);"
        "  document.body.setAttribute('data-ready', '1'); });"
        "</script></body></html>",
        encoding="utf-8",
    )
    page = browser.new_page()
    try:
        page.goto(page_file.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        labels = page.locator("text.bartext").all_text_contents()
        hover = " ".join(page.locator("g.hovertext text").all_text_contents())
        return labels, hover
    finally:
        page.close()


def display_values(at, index: int = 0) -> pd.DataFrame:
    styler = at.dataframe[index].proto.arrow_data.styler
    return pa.ipc.open_stream(styler.display_values).read_pandas()


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_a_figure_reads_the_same_in_a_tile_a_table_and_a_chart(
    demo_warehouse, monkeypatch, chromium, tmp_path, lang
) -> None:
    at = open_page(monkeypatch, demo_warehouse, c="PDP-01", lang=lang)
    assert not at.exception
    eng, imp = sql(
        demo_warehouse,
        """
        SELECT sum(coalesce(likes,0)+coalesce(comments,0)+coalesce(shares,0)+coalesce(saves,0))
                 FILTER (WHERE impressions IS NOT NULL
                         AND coalesce(likes, comments, shares, saves) IS NOT NULL),
               sum(impressions) FILTER (WHERE coalesce(likes, comments, shares, saves) IS NOT NULL)
        FROM channel_daily WHERE campaign_code = 'PDP-01'
        """,
    )[0]
    rate = eng / imp
    by_hand = {
        "en": f"{rate * 100:.2f}%",
        "ru": f"{rate * 100:.2f}".replace(".", ",") + f"{NBSP}%",
        "kk": f"{rate * 100:.2f}".replace(".", ",") + "%",
    }[lang]

    tile = tiles(at)[t("measure.engagement_rate", lang=lang)]
    assert tile == by_hand
    table = display_values(at)
    assert table.loc[0, "engagement_rate"] == by_hand

    spec = next(
        json.loads(chart.proto.spec)
        for chart in at.get("plotly_chart")
        if json.loads(chart.proto.spec)["layout"].get("title", {}).get("text")
        == t("portfolio.chart.engagement_rate", lang=lang)
    )
    labels, hover = drawn(chromium, spec, tmp_path)
    assert labels == [by_hand]
    assert by_hand in hover


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("kind", "values"),
    [("count", [313787.0, 9_734_313.0]), ("unit_cost", [3.456, 1234.5]), ("share", [0.5, 0.0307])],
)
def test_chart_labels_and_hovers_are_what_tiles_show(
    chromium, tmp_path, kind: str, values: list[float], lang: str
) -> None:
    st.session_state[i18n.LANG_KEY] = lang
    try:
        frame = pd.DataFrame({"campaign": ["A-1", "B-2"], "value": values})
        fig = campaign_bars(
            frame, "value", title="T", axis_title="X", colours={}, kind=kind, ascending=True
        )
        spec = json.loads(localize_figure(fig, lang=lang).to_json())
        labels, hover = drawn(chromium, spec, tmp_path)
        written = [fmt_figure(v, kind, lang=lang) for v in values]
        assert sorted(labels) == sorted(written)
        assert any(w in hover for w in written)
        axis = plotly_figure(kind, lang=lang).axis()
        assert spec["layout"]["xaxis"]["ticksuffix"] == axis["ticksuffix"]
    finally:
        del st.session_state[i18n.LANG_KEY]


def test_links_and_lists_are_left_to_streamlit() -> None:
    df = pd.DataFrame({"url": ["https://example.org", None], "codes": [["A-1"], None]})
    config = {
        "url": st.column_config.LinkColumn("Link"),
        "codes": st.column_config.ListColumn("Codes"),
    }
    shown, _ = components.localized(df, config)
    assert shown is df  # nothing written over a link or a list


def test_a_kpi_is_written_in_its_own_unit() -> None:
    from dashboard.charts.campaign import kpi_value_text

    assert kpi_value_text(91.0, "%") == "91.0%"  # a share on the 0-100 scale
    assert kpi_value_text(1_000_000.0, "#") == "1,000,000"  # a count: no decimals
    assert kpi_value_text(3.456, "EUR", 5.0) == "€3.46"  # a cost per unit keeps its cents
    assert kpi_value_text(4.0, "EUR", 5.0) == "€4.00"
    assert kpi_value_text(50_000.0, "EUR", 60_000.0) == "€50,000"
    assert kpi_value_text(None, "#") == i18n.MISSING
    assert kpi_value_text(12.5, "hours") == "12.5 hours"
