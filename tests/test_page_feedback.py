"""The Feedback page, driven through Streamlit's AppTest on the demo programme, its figures checked
against plain SQL on the warehouse file, and its chart builders as pure functions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_warehouse, downloads, open_page, open_tab, sql, tiles

from dashboard import themes
from dashboard.charts import feedback as charts
from etl.warehouse import Warehouse

NBSP = "\u00a0"
PERSONAL_DATA = re.compile(r"@|\+7|\d{3}[\s\-)]*\d{3}|\d{12}")


pytestmark = pytest.mark.usefixtures("fresh_cache")


def expected_tiles(wh: Warehouse, codes: list[str], start=None, end=None) -> dict[str, float]:
    """The headline figures of the campaigns over the period, from the warehouse's views."""
    period = [codes, start, end]
    responses, rated, positive, average, scales = sql(
        wh,
        "SELECT count(*), count(rating), "
        "count(*) FILTER (WHERE rating * 1.0 / rating_scale >= 0.8), avg(rating), "
        "count(DISTINCT rating_scale) FILTER (WHERE rating IS NOT NULL) "
        "FROM feedback WHERE list_contains(?, campaign_code) "
        "AND submitted_at::DATE >= coalesce(?::DATE, DATE '1900-01-01') "
        "AND submitted_at::DATE <= coalesce(?::DATE, DATE '2999-12-31')",
        period,
    )[0]
    events, participants = sql(
        wh,
        "SELECT (SELECT count(*) FROM events WHERE list_contains($1, campaign_code) "
        "        AND event_date BETWEEN coalesce($2::DATE, DATE '1900-01-01') "
        "        AND coalesce($3::DATE, DATE '2999-12-31')), "
        "(SELECT sum(participants) FROM participants WHERE list_contains($1, campaign_code) "
        "        AND event_date BETWEEN coalesce($2::DATE, DATE '1900-01-01') "
        "        AND coalesce($3::DATE, DATE '2999-12-31'))",
        period,
    )[0]
    assert scales == 1  # every demo form rates 1 to 5
    return {
        "responses": responses,
        "rated": rated,
        "positive": positive / rated,
        "average": average,
        "events": events,
        "participants": participants,
    }


def all_codes(wh: Warehouse) -> list[str]:
    return [r[0] for r in sql(wh, "SELECT code FROM campaigns ORDER BY code")]


# --- the page on the demo programme ----------------------------------------------------------


def test_tiles_tables_comments_and_participants_equal_sql(
    monkeypatch, demo_warehouse: Warehouse
) -> None:
    wh = demo_warehouse
    at = open_page(monkeypatch, wh, "feedback")
    want = expected_tiles(wh, all_codes(wh))
    assert tiles(at) == {
        "Responses": f"{want['responses']:,}",
        "Average rating": f"{want['average']:.1f} / 5",
        "Positive ratings": f"{want['positive']:.1%}",
        "Events held": f"{want['events']:,}",
        "Participants": f"{int(want['participants']):,}",
    }
    help_text = next(m for m in at.metric if m.label == "Positive ratings").help
    assert f"of the {want['rated']} responses with a rating" in help_text

    # Ratings per campaign: responses by rating.
    ratings = downloads(at, "feedback_ratings_chart")
    got = {(r.campaign, int(r.rating)): int(r.responses) for r in ratings.itertuples(index=False)}
    assert got == {
        (c, r): n
        for c, r, n in sql(
            wh,
            "SELECT campaign_code, rating, count(*) FROM feedback WHERE rating IS NOT NULL "
            "GROUP BY ALL",
        )
    }
    campaigns = downloads(at, "feedback_campaigns").set_index("campaign")
    for code, n, share, events in sql(
        wh,
        "SELECT campaign_code, count(*), avg((rating * 1.0 / rating_scale >= 0.8)::INT), "
        "(SELECT count(*) FROM events e WHERE e.campaign_code = f.campaign_code) "
        "FROM feedback f GROUP BY campaign_code",
    ):
        assert campaigns.loc[code, "feedback_responses"] == n
        assert campaigns.loc[code, "positive_feedback_share"] == pytest.approx(share)
        assert campaigns.loc[code, "events_held"] == events
    assert set(campaigns["scale"]) == {"5"}

    # One row per event, with its responses and participants.
    events = downloads(at, "feedback_events").set_index(["campaign", "event"])
    assert len(events) == want["events"]
    for code, event, n, avg in sql(
        wh, "SELECT campaign_code, event_code, count(*), avg(rating) FROM feedback GROUP BY ALL"
    ):
        assert events.loc[(code, event), "feedback_responses"] == n
        assert events.loc[(code, event), "average_rating"] == pytest.approx(avg)
    for code, event, n in sql(
        wh, "SELECT campaign_code, event_code, sum(participants) FROM participants GROUP BY ALL"
    ):
        assert events.loc[(code, event), "participants"] == n

    # Participants by sex, age group and region: SQL's sums, adding up to the total.
    for dimension in ("sex", "age_group", "region"):  # each in its tab, drawn when open
        parts = downloads(
            open_tab(at, dimension, key="feedback_breakdown"), f"feedback_{dimension}"
        )
        expected = dict(
            sql(wh, f"SELECT {dimension}, sum(participants) FROM participants GROUP BY 1")
        )
        assert dict(zip(parts["group"], parts["participants"], strict=True)) == expected
        assert parts["participants"].sum() == want["participants"]
        assert parts["share"].sum() == pytest.approx(1.0)
    assert list(downloads(at, "feedback_age_group")["group"]) == [
        "under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+",
    ]  # fmt: skip
    sexes = downloads(at, "feedback_sex")
    assert dict(zip(sexes["group"], sexes["label"], strict=True))["female"] == "Women"

    # Comments: the newest first, masked, with the themes the pure functions give them.
    stored = sql(
        wh,
        "SELECT comment, language FROM feedback WHERE nullif(trim(comment), '') IS NOT NULL "
        "ORDER BY submitted_at DESC",
    )
    comments = downloads(at, "feedback_comments")
    assert list(comments["comment"]) == [c for c, _ in stored][:200]
    assert not comments["comment"].str.contains(PERSONAL_DATA).any()
    assert comments["comment"].str.contains(r"\[(?:email|phone|IIN)\]").any()
    lexicon = themes.default_lexicon()
    names = {theme.id: theme.label("en") for theme in lexicon.themes}
    assert (
        list(comments["themes"])
        == [", ".join(names[i] for i in themes.tag(c, lang)) for c, lang in stored][:200]
    )
    assert not {"sex", "age_group", "region"} & set(comments.columns)
    counted = downloads(at, "feedback_themes_chart")
    pure = themes.theme_counts([(lang, c) for c, lang in stored])
    assert counted[["language", "theme", "comments"]].values.tolist() == (
        pure[["language", "theme", "comments"]].values.tolist()
    )
    words = downloads(at, "feedback_words_chart")
    pure = themes.top_words([(lang, c) for c, lang in stored], n=10)
    assert words[["language", "word", "occurrences"]].values.tolist() == pure.values.tolist()

    # Filter the comments by theme, then by language: the tiles stay, the list follows.
    at.multiselect(key="feedback_themes").set_value(["privacy"]).run()
    assert not at.exception
    comments = downloads(at, "feedback_comments")
    tagged = [c for c, lang in stored if "privacy" in themes.tag(c, lang)]
    assert list(comments["comment"]) == tagged
    assert comments["themes"].str.contains(names["privacy"]).all()
    assert tiles(at)["Responses"] == f"{want['responses']:,}"
    at.multiselect(key="feedback_themes").set_value([])
    at.multiselect(key="feedback_languages").set_value(["en"]).run()
    comments = downloads(at, "feedback_comments")
    assert list(comments["comment"]) == [c for c, lang in stored if lang == "en"]
    assert set(comments["language"]) == {"en"}


def test_link_filters_change_the_figures_as_sql_says(
    monkeypatch, demo_warehouse: Warehouse
) -> None:
    wh = demo_warehouse
    start, end = dt.date(2026, 6, 1), dt.date(2026, 9, 30)
    codes = ["FOE-02", "PDP-01"]
    at = open_page(
        monkeypatch, wh, "feedback", c=",".join(codes), **{"from": "2026-06-01", "to": "2026-09-30"}
    )
    want = expected_tiles(wh, codes, start, end)
    everything = expected_tiles(wh, all_codes(wh))
    assert want["responses"] < everything["responses"]
    assert tiles(at) == {
        "Responses": f"{want['responses']:,}",
        "Average rating": f"{want['average']:.1f} / 5",
        "Positive ratings": f"{want['positive']:.1%}",
        "Events held": f"{want['events']:,}",
        "Participants": f"{int(want['participants']):,}",
    }
    assert set(downloads(at, "feedback_campaigns")["campaign"]) == set(codes)
    months = pd.to_datetime(downloads(at, "feedback_months_chart")["month"])
    assert months.min() >= pd.Timestamp(start) and months.max() <= pd.Timestamp(end)
    dates = downloads(at, "feedback_comments")["submitted_at"].dt.date
    assert dates.min() >= start and dates.max() <= end
    sexes = downloads(at, "feedback_sex")
    assert sexes["participants"].sum() == want["participants"]

    # A region picks the campaigns working there; in Russian, with Russian number formats.
    (code,) = [
        c for (c,) in sql(wh, "SELECT code FROM campaigns WHERE list_contains(regions, 'Semey')")
    ]
    at = open_page(monkeypatch, wh, "feedback", r="Semey", lang="ru")
    want = expected_tiles(wh, [code])
    got = tiles(at)
    assert at.title[0].value == "Обратная связь"
    assert got["Ответы"] == f"{want['responses']:,}".replace(",", NBSP)
    assert got["Средняя оценка"] == f"{want['average']:.1f}".replace(".", ",") + " / 5"
    assert got["Положительные оценки"] == (
        f"{want['positive'] * 100:.1f}".replace(".", ",") + f"{NBSP}%"
    )
    assert got["Участники"] == f"{int(want['participants']):,}".replace(",", NBSP)
    assert list(downloads(at, "feedback_campaigns")["campaign"]) == [code]
    assert any(s.value == "Комментарии и их темы" for s in at.subheader)
    assert "Женщины" in set(downloads(at, "feedback_sex")["label"])
    assert {"Русский", "Казахский"} <= set(downloads(at, "feedback_themes_chart")["language_name"])


def test_ratings_on_two_scales_are_never_averaged_together(
    monkeypatch, tmp_path: Path, demo_warehouse: Warehouse
) -> None:
    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    with wh.writer() as con:  # FOE-02's form asked for 1 to 10
        con.execute(
            "UPDATE core.feedback_response SET rating = rating * 2, rating_scale = 10 "
            "WHERE campaign_code = 'FOE-02'"
        )
        # and one response to a PDP-01 event on a 1-to-10 form, beside its others on 1 to 5
        con.execute(
            "UPDATE core.feedback_response SET rating = rating * 2, rating_scale = 10 "
            "WHERE rowid = (SELECT min(rowid) FROM core.feedback_response "
            "WHERE campaign_code = 'PDP-01' AND rating IS NOT NULL)"
        )
    at = open_page(monkeypatch, wh, "feedback", c="FOE-02,PDP-01")
    got = tiles(at)
    assert got["Average rating"] == "by scale, see below"
    by_scale = {
        scale: (n, avg)
        for scale, n, avg in sql(
            wh,
            "SELECT rating_scale, count(rating), avg(rating) FROM feedback "
            "WHERE campaign_code IN ('FOE-02', 'PDP-01') GROUP BY 1",
        )
    }
    scales = downloads(at, "feedback_scales").set_index("rating_scale")
    assert set(scales.index) == {5, 10}
    for scale, (n, avg) in by_scale.items():
        assert scales.loc[scale, "rated"] == n
        assert scales.loc[scale, "average"] == pytest.approx(avg)
        assert scales.loc[scale, "share_of_scale"] == pytest.approx(avg / scale)
    # a positive rating is 80% of its scale whichever the scale: 8 of 10 as 4 of 5
    want = expected_tiles(demo_warehouse, ["FOE-02", "PDP-01"])
    assert got["Positive ratings"] == f"{want['positive']:.1%}"
    campaigns = downloads(at, "feedback_campaigns").set_index("campaign")
    assert campaigns.loc["FOE-02", "scale"] == "10"
    assert campaigns.loc["PDP-01", "scale"] == "5, 10"
    # each event's scales, smallest first, as its responses were rated
    rated = sql(
        wh,
        "SELECT campaign_code, event_code, list_sort(list_distinct(list(rating_scale))) "
        "FROM feedback WHERE campaign_code IN ('FOE-02', 'PDP-01') AND rating IS NOT NULL "
        "GROUP BY ALL",
    )
    events = downloads(at, "feedback_events").set_index(["campaign", "event"])
    for campaign, event, scales_rated in rated:
        assert events.loc[(campaign, event), "scale"] == ", ".join(map(str, scales_rated))
    assert "5, 10" in set(events["scale"])
    ((foe_average,),) = sql(wh, "SELECT avg(rating) FROM feedback WHERE campaign_code = 'FOE-02'")
    assert campaigns.loc["FOE-02", "average_rating"] == pytest.approx(foe_average)
    ratings = downloads(at, "feedback_ratings_chart")
    assert set(ratings.loc[ratings["campaign"] == "FOE-02", "rating_scale"]) == {10}


# --- empty states ----------------------------------------------------------------------------


def test_without_campaigns_it_says_to_load_the_programme(monkeypatch, warehouse) -> None:
    at = open_page(monkeypatch, warehouse, "feedback")
    assert "Programme page" in at.info[0].value
    assert not at.metric


def test_without_feedback_it_says_what_to_load(monkeypatch, programme: Warehouse) -> None:
    at = open_page(monkeypatch, programme, "feedback", c="FOE-02")
    assert "feedback forms and the participant counts of FOE-02" in at.info[0].value
    assert "Upload page" in at.info[0].value and "`campaigns" not in at.info[0].value
    assert not at.metric


# --- chart builders --------------------------------------------------------------------------


def test_rating_distribution_shows_shares_from_low_to_high() -> None:
    df = pd.DataFrame(
        {
            "campaign": ["B-02", "A-01", "A-01", "A-01", "B-02"],
            "rating_scale": [5, 5, 5, 5, 5],
            "rating": [5, 1, 5, 4, None],
            "responses": [3, 1, 2, 1, 4],
        }
    )
    fig = charts.rating_distribution(
        df, title="t", axis_title="Share", legend_title="Rating", names={"A-01": "Ay"}
    )
    assert [trace.name for trace in fig.data] == ["1", "4", "5"]
    one, four, five = fig.data
    assert list(five.y) == ["A-01", "B-02"]
    assert list(five.x) == pytest.approx([50.0, 100.0])  # % of rated responses only
    assert list(one.x) == pytest.approx([25.0, 0.0])
    assert one.customdata[0][0] == 1 and one.customdata[0][1] == "Ay"
    assert one.marker.color != five.marker.color
    assert five.marker.color == charts.rating_colour(5, 5)
    assert fig.layout.barmode == "stack" and fig.layout.xaxis.ticksuffix == "%"


def test_rating_distribution_labels_ratings_of_two_scales() -> None:
    df = pd.DataFrame(
        {
            "campaign": ["A-01", "A-01", "B-02"],
            "rating_scale": [5, 10, 10],
            "rating": [4, 9, 2],
            "responses": [1, 1, 2],
        }
    )
    fig = charts.rating_distribution(df, title="t", axis_title="x", legend_title="Rating")
    assert [trace.name for trace in fig.data] == ["2/10", "4/5", "9/10"]
    assert charts.rating_colour(1, 10) == charts.rating_colour(1, 5)
    assert charts.rating_colour(10, 10) == charts.rating_colour(5, 5)


def test_monthly_responses_stack_campaigns_with_the_positive_share() -> None:
    df = pd.DataFrame(
        {
            "month": ["2026-05-01", "2026-06-01", "2026-06-01"],
            "campaign": ["A-01", "A-01", "B-02"],
            "responses": [3, 4, 5],
        }
    )
    shares = pd.DataFrame({"month": ["2026-05-01", "2026-06-01"], "positive_share": [0.5, 0.75]})
    fig = charts.monthly_responses(
        df,
        shares,
        title="t",
        responses_title="Responses",
        positive_label="Positive",
        positive_axis_title="Positive",
        month_title="Month",
        colours={"A-01": "#111111"},
        month_labels=lambda m: m.strftime("%b %Y"),
    )
    a, b, line = fig.data
    assert list(a.y) == [3, 4] and list(b.y) == [0, 5]
    assert list(a.x) == ["May 2026", "Jun 2026"]
    assert a.marker.color == "#111111"
    assert list(line.y) == [50.0, 75.0] and line.yaxis == "y2"  # drawn as percentages
    assert fig.layout.barmode == "stack" and fig.layout.xaxis.type == "category"


def test_theme_bars_and_top_words() -> None:
    counted = pd.DataFrame(
        {
            "language": ["kk", "kk", "ru", "ru"],
            "theme": ["privacy", "venue", "privacy", "venue"],
            "comments": [1, 3, 2, 0],
            "share": [0.25, 0.75, 1.0, 0.0],
        }
    )
    fig = charts.theme_bars(
        counted,
        title="t",
        axis_title="Share",
        theme_labels={"privacy": "Privacy", "venue": "Venue"},
        language_labels={"ru": "Russian", "kk": "Kazakh"},
    )
    assert [trace.name for trace in fig.data] == ["Russian", "Kazakh"]  # ru, kk, en, other
    assert list(fig.data[1].x) == [25.0, 75.0] and list(fig.data[1].customdata) == [1, 3]
    assert list(fig.data[0].y) == ["Privacy", "Venue"]
    assert fig.data[0].marker.color == charts.LANGUAGE_COLOURS["ru"]

    words = pd.DataFrame(
        {
            "language": ["en", "ru", "ru"],
            "word": ["useful", "зал", "тренер"],
            "occurrences": [2, 1, 5],
        }
    )
    fig = charts.top_words(
        words, title="t", axis_title="Times", language_labels={"ru": "Russian", "en": "English"}
    )
    ru, en = fig.data
    assert list(ru.y) == ["тренер", "зал"] and list(ru.x) == [5, 1]
    assert ru.xaxis == "x" and en.xaxis == "x2"
    assert [a.text for a in fig.layout.annotations] == ["Russian", "English"]


def test_breakdown_bars() -> None:
    parts = pd.DataFrame(
        {"group": ["female", "male"], "participants": [30, 10], "share": [0.75, 0.25]}
    )
    fig = charts.breakdown_bars(parts, title="t", axis_title="People", labels={"female": "Women"})
    (bars,) = fig.data
    assert list(bars.y) == ["Women", "male"]
    assert list(bars.x) == [30, 10] and list(bars.customdata) == [75.0, 25.0]
    assert "%{customdata:,.1f}%" in bars.hovertemplate


def test_monthly_responses_keep_the_busiest_campaigns_and_group_the_rest() -> None:
    df = pd.DataFrame(
        {
            "month": ["2026-05-01", "2026-05-01", "2026-06-01", "2026-06-01", "2026-06-01"],
            "campaign": ["A-01", "B-02", "B-02", "C-03", "D-04"],
            "responses": [9, 1, 1, 4, 3],
        }
    )
    shares = pd.DataFrame({"month": ["2026-05-01", "2026-06-01"], "positive_share": [0.5, 0.6]})
    fig = charts.monthly_responses(
        df,
        shares,
        title="t",
        responses_title="Responses",
        positive_label="Positive",
        positive_axis_title="Positive",
        month_title="Month",
        colours={},
        most=2,
        others_label="Others",
    )
    bars = {trace.name: list(trace.y) for trace in fig.data if trace.type == "bar"}
    # A-01 (9) and C-03 (4) have the most responses; B-02 (2) and D-04 (3) are grouped
    assert bars == {"A-01": [9, 0], "C-03": [0, 4], "Others": [1, 4]}
    assert sum(map(sum, bars.values())) == df["responses"].sum()  # nothing dropped
