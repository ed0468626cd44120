"""The Content page, driven through AppTest on the demo programme; the post queries on a small
warehouse with lifetime exports; and the chart builders.

Expected figures come from plain SQL on the warehouse file (``content_items``, ``post_daily``,
``metric_observations``), never through the dashboard's code.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import open_page, open_tab, sql, tiles, write

from dashboard import metrics
from dashboard.charts import PLATFORM_COLOURS
from dashboard.charts import content as charts
from dashboard.metrics import posts
from etl.load import load_file
from etl.warehouse import Warehouse

NBSP = "\u00a0"

ENG = (
    "CASE WHEN coalesce(likes, comments, shares, saves) IS NULL THEN NULL "
    "ELSE coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) "
    "+ coalesce(saves, 0) END"
)
# Every post of the demo with its figures to date: the demo's posts all have daily figures.
POSTS = f"""
    SELECT ci.campaign_code, ci.platform, ci.post_id, ci.format, ci.language, ci.title, ci.url,
           ci.published_at::DATE AS published_on,
           sum(p.impressions) AS impressions, sum(p.views) AS views, sum(p.eng) AS engagements,
           sum(p.eng) FILTER (WHERE p.impressions IS NOT NULL) AS eng_rated,
           sum(p.impressions) FILTER (WHERE p.eng IS NOT NULL) AS imp_rated
    FROM content_items ci
    LEFT JOIN (SELECT *, {ENG} AS eng FROM post_daily) p
      ON p.campaign_code = ci.campaign_code AND p.platform = ci.platform
     AND p.post_id = ci.post_id
    GROUP BY ALL
"""


pytestmark = pytest.mark.usefixtures("fresh_cache")


def number(text: str) -> float:
    """A tile's English number: '9,734,313' -> 9734313."""
    return float(re.sub(r"[^\d.\-]", "", text))


def expected(wh: Warehouse, where: str = "TRUE", params: list | None = None) -> dict:
    row = sql(
        wh,
        f"SELECT count(*), sum(impressions), sum(views), sum(engagements), "
        f"sum(eng_rated) / sum(imp_rated) FROM ({POSTS}) WHERE {where}",
        params,
    )[0]
    return dict(zip(["posts", "impressions", "views", "engagements", "rate"], row, strict=True))


# --- the page on the demo programme -----------------------------------------------------------


def test_tiles_best_formats_and_the_list_equal_sql(demo_warehouse: Warehouse, monkeypatch) -> None:
    wh = demo_warehouse
    at = open_page(monkeypatch, wh, "content")

    assert at.title[0].value == "Content"
    got = tiles(at)
    want = expected(wh)
    assert number(got["Posts published"]) == want["posts"]
    assert number(got["Impressions of these posts (to date)"]) == want["impressions"]
    assert number(got["Views (to date)"]) == want["views"]
    assert number(got["Engagements (to date)"]) == want["engagements"]
    assert got["Engagement rate"] == f"{want['rate']:.2%}"
    rate_tile = next(m for m in at.metric if m.label == "Engagement rate")
    assert rate_tile.delta == "engagements / impressions"  # the denominator, on the tile

    # best by format: posts, totals and the ratio of sums per format, and the top post
    downloads = at.session_state["_downloads"]
    best = downloads["content_best_format"].set_index("group")
    per_format = sql(
        wh,
        f"SELECT format, count(*), sum(impressions), sum(engagements), "
        f"sum(eng_rated) / sum(imp_rated) FROM ({POSTS}) GROUP BY format",
    )
    assert set(best.index) == {f for f, *_ in per_format}
    for fmt, count, impressions, engagements, rate in per_format:
        assert best.loc[fmt, "content_items"] == count
        assert best.loc[fmt, "post_impressions"] == impressions
        assert best.loc[fmt, "post_engagements"] == engagements
        assert best.loc[fmt, "post_engagement_rate"] == pytest.approx(rate)
    top = sql(
        wh,
        f"SELECT format, url, impressions FROM ({POSTS}) QUALIFY row_number() OVER "
        "(PARTITION BY format ORDER BY impressions DESC, published_on DESC, campaign_code, "
        "platform, post_id) = 1",
    )
    for fmt, url, impressions in top:
        assert best.loc[fmt, "best_url"] == url
        assert best.loc[fmt, "best_value"] == impressions
    assert list(best["post_impressions"]) == sorted(best["post_impressions"], reverse=True)
    # the other groups are drawn when their tab is opened
    assert "content_best_language" not in downloads
    open_tab(at, "language", key="content_group")
    open_tab(at, "platform", key="content_group")
    downloads = at.session_state["_downloads"]
    for key in ("content_chart_format", "content_best_language", "content_chart_language",
                "content_best_platform", "content_chart_platform"):  # fmt: skip
        assert key in downloads, key

    # the list: the posts with the most impressions, as many as the list shows, and it says so
    listed = downloads["content_posts"]
    first = sql(
        wh,
        f"SELECT post_id, impressions FROM ({POSTS}) "
        "ORDER BY impressions DESC NULLS LAST, published_on DESC, campaign_code, platform, "
        f"post_id LIMIT {posts.LIST_ROWS}",
    )
    assert list(listed["post_id"]) == [p for p, _ in first]
    assert list(listed["impressions"]) == [v for _, v in first]
    assert (listed["basis"] == "daily").all()
    captions = " ".join(c.value for c in at.caption)
    assert (
        f"The {posts.LIST_ROWS:,} posts with the most impressions of the {want['posts']:,}"
        in captions
    )
    shown = next(df.value for df in at.dataframe if "reach_day_peak" in df.value.columns)
    link = f"campaign?campaign={listed['campaign_code'].iloc[0]}"
    assert shown["campaign_code"].iloc[0].startswith(link)
    assert [b.label for b in at.get("download_button")][-2:] == [
        "All posts (CSV)",
        "All posts (Excel)",
    ]

    # in Russian: the same figures, Russian labels and number formats
    at.selectbox(key="lang").set_value("ru").run()
    assert not at.exception
    assert at.title[0].value == "Контент"
    got = tiles(at)
    assert got["Опубликовано"] == f"{want['posts']:,}".replace(",", NBSP)
    assert got["Показы этих публикаций (на сегодня)"] == f"{int(want['impressions']):,}".replace(
        ",", NBSP
    )
    rate = f"{want['rate'] * 100:.2f}".replace(".", ",")
    assert got["Уровень вовлечённости"] == f"{rate}{NBSP}%"
    assert [s.value for s in at.subheader] == ["Лучшие публикации", "Публикации"]


def test_link_filters_and_page_filters_change_the_posts(
    demo_warehouse: Warehouse, monkeypatch
) -> None:
    wh = demo_warehouse
    start, end = dt.date(2026, 6, 1), dt.date(2026, 8, 31)
    at = open_page(
        monkeypatch,
        wh,
        "content",
        c="PDP-01,DSEC-03",
        p="instagram,telegram",
        **{"from": start.isoformat(), "to": end.isoformat()},
    )
    where = (
        "campaign_code IN ('PDP-01', 'DSEC-03') AND platform IN ('instagram', 'telegram') "
        "AND published_on BETWEEN ? AND ?"
    )
    want = expected(wh, where, [start, end])
    assert 0 < want["posts"] < expected(wh)["posts"]
    got = tiles(at)
    assert number(got["Posts published"]) == want["posts"]
    # figures to date: a post published in the period counts what it collected after it too
    assert number(got["Impressions of these posts (to date)"]) == want["impressions"]
    assert number(got["Engagements (to date)"]) == want["engagements"]
    assert got["Engagement rate"] == f"{want['rate']:.2%}"
    open_tab(at, "platform", key="content_group")
    platforms = at.session_state["_downloads"]["content_best_platform"]
    assert set(platforms["group"]) == {"instagram", "telegram"}

    # formats, words in the title and the ranking narrow and order the list
    at.multiselect(key="content_formats").set_value(["image", "text"])
    at.text_input(key="content_search").set_value("ДАНН")
    at.segmented_control(key="content_rank").set_value("engagement_rate")
    at.run()
    assert not at.exception
    listed = at.session_state["_downloads"]["content_posts"]
    chosen = sql(
        wh,
        f"SELECT post_id FROM ({POSTS}) WHERE {where} AND format IN ('image', 'text') "
        "AND title ILIKE '%данн%' ORDER BY imp_rated >= 1000 DESC NULLS LAST, "
        "eng_rated / imp_rated DESC NULLS LAST, published_on DESC, campaign_code, platform, "
        "post_id",
        [start, end],
    )
    assert 0 < len(chosen) < want["posts"]
    assert list(listed["post_id"]) == [p for (p,) in chosen]
    assert f"{len(chosen)} posts match." in [c.value for c in at.caption]
    # tiles and best performers stay those of the whole selection
    assert number(tiles(at)["Posts published"]) == want["posts"]

    at.text_input(key="content_search").set_value("no title says this").run()
    assert not at.exception
    assert any("No post matches the formats" in i.value for i in at.info)


def test_without_posts_the_page_says_what_to_load(
    programme_template: Warehouse, monkeypatch
) -> None:
    at = open_page(monkeypatch, programme_template, "content")
    infos = " ".join(i.value for i in at.info)
    assert "No posts loaded yet" in infos
    assert "Upload page" in infos and "`campaigns" not in infos
    assert not at.metric


# --- posts from lifetime exports ------------------------------------------------------------------

HEADER = (
    "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves,clicks,"
    "followers,time_window,published_at,format,language,title"
)
ROWS = [
    # a post with daily figures: they are added up; its reach is never added up
    "2026-03-10,instagram,ig1,https://instagram.com/p/ig1,1000,700,,50,5,3,2,4,,day,"
    "2026-03-10 09:00,reel,kk,Деректер туралы",
    "2026-03-11,instagram,ig1,https://instagram.com/p/ig1,500,400,,10,1,0,1,2,,day,,,,",
    # a post known only from two lifetime exports and no publication time: dated by the first,
    # counted with the latest
    "2026-04-05,telegram,tg1,https://t.me/c/tg1,,900,3000,40,2,6,,,,lifetime,,text,ru,О данных",
    "2026-04-20,telegram,tg1,https://t.me/c/tg1,,1500,5000,60,4,9,,,,lifetime,,text,ru,О данных",
    # a post seen by few: too few impressions to rank by engagement rate
    "2026-04-21,instagram,ig2,https://instagram.com/p/ig2,80,60,,20,0,0,0,,,day,"
    "2026-04-21 10:00,image,ru,Мало показов",
]


@pytest.fixture
def lifetime(programme: Warehouse, tmp_path: Path) -> Warehouse:
    path = write(tmp_path / "posts.csv", HEADER + "\n" + "\n".join(ROWS) + "\n")
    result = load_file(programme, path, campaign="PDP-01")
    assert result.status == "loaded", result.errors
    return programme


def test_posts_count_daily_sums_or_their_latest_lifetime_total(lifetime: Warehouse) -> None:
    everything = metrics.Selection()
    wanted = ["content_items", "post_impressions", "post_views", "post_engagements",
              "post_engagement_rate"]  # fmt: skip
    got = metrics.totals(lifetime, wanted, everything)
    assert got == {
        "content_items": 3,
        "post_impressions": 1000 + 500 + 80,
        "post_views": 5000,  # the latest snapshot, not 3000 + 5000
        "post_engagements": (50 + 5 + 3 + 2) + (10 + 1 + 0 + 1) + (60 + 4 + 9) + 20,
        # telegram reports no impressions, so its engagements are not in the rate
        "post_engagement_rate": pytest.approx((60 + 12 + 20) / (1000 + 500 + 80)),
    }
    listed = posts.top_posts(lifetime, everything, "views").set_index("post_id")
    assert listed.loc["tg1", "basis"] == "lifetime"
    assert listed.loc["tg1", "published_on"] == pd.Timestamp("2026-04-05")
    assert listed.loc["tg1", "figures_as_of"] == pd.Timestamp("2026-04-20")
    assert listed.loc["tg1", "reach_lifetime"] == 1500
    assert listed.loc["ig1", "basis"] == "daily"
    assert listed.loc["ig1", "reach_day_peak"] == 700
    assert pd.isna(listed.loc["ig1", "reach_lifetime"])
    assert listed.index[0] == "tg1" and (listed["matching"] == 3).all()

    # the lifetime post is published on its first snapshot's day, not after it
    april = metrics.Selection(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))
    assert metrics.totals(lifetime, ["content_items"], april)["content_items"] == 2
    later = metrics.Selection(start=dt.date(2026, 4, 6))
    assert set(posts.all_posts(lifetime, later)["post_id"]) == {"ig2"}

    # by engagement rate, a post under 1,000 impressions comes after the others and is no
    # group's best
    by_rate = posts.top_posts(lifetime, everything, "engagement_rate")
    assert list(by_rate["post_id"]) == ["ig1", "ig2", "tg1"]
    best = posts.best_of_groups(lifetime, everything, "engagement_rate")
    assert set(best["post_id"]) == {"ig1"}
    formats = posts.groups(lifetime, everything, "format", "engagement_rate").set_index("group")
    assert formats.loc["reel", "best_title"] == "Деректер туралы"
    assert pd.isna(formats.loc["image", "best_title"])
    found = posts.top_posts(lifetime, everything, post_filter=posts.PostFilter(search="ДАННЫХ"))
    assert list(found["post_id"]) == ["tg1"]


# --- chart builders ---------------------------------------------------------------------------


def test_platform_bars_keep_platform_colours_and_put_the_largest_on_top() -> None:
    df = pd.DataFrame(
        {
            "platform": ["telegram", "instagram", "x"],
            "post_impressions": [300.0, 900.0, None],
            "content_items": [3, 9, 1],
        }
    )
    fig = charts.platform_bars(df, "post_impressions", {"axis": "Impressions", "posts": "Posts"})
    bar = fig.data[0]
    assert list(bar.y) == ["Telegram", "Instagram"]  # plotly draws the last on top; no empty bar
    assert list(bar.x) == [300.0, 900.0]
    assert list(bar.marker.color) == [PLATFORM_COLOURS["telegram"], PLATFORM_COLOURS["instagram"]]
    assert list(bar.customdata) == [3.0, 9.0]
    assert "Posts: %{customdata:,.0f}" in bar.hovertemplate
    assert fig.layout.xaxis.title.text == "Impressions"


def test_group_bars_split_each_group_by_platform_in_the_fixed_order() -> None:
    df = pd.DataFrame(
        {
            "group": ["video", "image", "video", "image", ""],
            "platform": ["tiktok", "instagram", "instagram", "telegram", "instagram"],
            "post_engagement_rate": [0.05, 0.02, 0.03, None, 0.01],
            "content_items": [4, 5, 6, 7, 1],
        }
    )
    fig = charts.group_bars_by_platform(
        df,
        "post_engagement_rate",
        ["video", "image", ""],
        {"video": "Video", "image": "Image", "": "not given"},
        {"axis": "Engagement rate", "group": "Format", "posts": "Posts", "legend": "Platform"},
        "rate",
    )
    assert [t.name for t in fig.data] == ["Instagram", "TikTok"]  # telegram has no figure
    instagram, tiktok = fig.data
    assert list(instagram.x) == ["Video", "Image", "not given"]
    assert list(instagram.y) == pytest.approx([3.0, 2.0, 1.0])  # drawn as percentages
    assert instagram.marker.color == PLATFORM_COLOURS["instagram"]
    assert list(tiktok.x) == ["Video"] and tiktok.marker.color == PLATFORM_COLOURS["tiktok"]
    assert fig.layout.barmode == "group"
    assert list(fig.layout.xaxis.categoryarray) == ["Video", "Image", "not given"]
    assert fig.layout.yaxis.ticksuffix == "%" and "%{y:,.2f}%" in instagram.hovertemplate


@pytest.mark.parametrize(
    ("lang", "content_label", "portfolio_label"),
    [
        ("en", "Impressions of these posts (to date)", "Impressions in the period"),
        ("ru", "Показы этих публикаций (на сегодня)", "Показы за период"),
        ("kk", "Осы жарияланымдардың көрсетілімдері (бүгінге)", "Кезеңдегі көрсетілімдер"),
    ],
)
def test_content_and_portfolio_name_the_impressions_they_count(
    demo_warehouse: Warehouse, monkeypatch, lang: str, content_label: str, portfolio_label: str
) -> None:
    """The two pages give different impression totals for the same filters (the posts' figures
    to date against the channels' figures in the period): both right, and each page's tile
    says which it counts, and its help points at the other page's."""
    wh = demo_warehouse
    content = open_page(monkeypatch, wh, "content", lang=lang)
    portfolio = open_page(monkeypatch, wh, lang=lang)
    assert not content.exception and not portfolio.exception
    posts_tile = next(m for m in content.metric if m.label == content_label)
    channels_tile = next(m for m in portfolio.metric if m.label == portfolio_label)

    (channels,) = sql(wh, "SELECT sum(impressions) FROM channel_daily")[0]
    posts_total = expected(wh)["impressions"]
    assert channels != posts_total  # 10.69 M against 9.73 M in the demo
    group = "," if lang == "en" else NBSP
    assert posts_tile.value == f"{int(posts_total):,}".replace(",", group)
    assert channels_tile.value == f"{int(channels):,}".replace(",", group)
    # each help says what the other page counts, in the page's language
    other_page = {"en": ("Content page", "Portfolio"), "ru": ("Контент", "Портфель"),
                  "kk": ("Контент", "Портфель")}[lang]  # fmt: skip
    assert other_page[0] in channels_tile.proto.help
    assert other_page[1] in posts_tile.proto.help
