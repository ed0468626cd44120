"""The demo's social-media metrics: daily channel rows and the rows of the posts tracked daily.

Each campaign channel publishes a few posts a week (``platforms.toml`` says how many and how big
they are on each platform); a post is tracked daily on the day it is published and for
:data:`POST_TRACKING_DAYS` days in all, most of its views coming in the first days. A channel's
daily row is its posts' figures plus some background exposure, and its follower count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from etl.demo.datafiles import read_toml
from etl.demo.dates import days
from etl.demo.programme import DATA_AS_OF, Campaign, Channel
from etl.demo.seeding import pick, sround, stream

POST_TRACKING_DAYS = 21  # a post is tracked daily on the day it is published and 20 days after

POST_DETAILS = ("published_at", "format", "language", "title")
"""The post details that follow the metrics template's columns on a post row."""
_NO_DETAILS = (None,) * len(POST_DETAILS)

_ENGAGEMENTS = ("likes", "comments", "shares", "saves", "clicks")
_B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Platform:
    """How a platform's posts behave and what its export reports (``platforms.toml``)."""

    prefix: str
    account_url: str
    at_name: bool
    ad_network: str
    posts_per_week: tuple[int, int]
    post_exposure: float  # median lifetime impressions (views on telegram) of an organic post
    sigma: float  # spread of post sizes (lognormal)
    tau: float  # decay of daily impressions after publication, in days
    reach_ratio: tuple[float, float] | None  # daily reach / impressions; None: not reported
    views_ratio: float | None  # views / impressions; None: not reported
    rates: dict[str, float | None]  # likes, comments, shares, saves, clicks per impression
    has_impressions: bool
    background: float  # channel exposure outside the tracked posts, share of daily post exposure
    followers: int  # typical follower count at the start
    follow_rate: float  # new followers per impression
    can_boost: bool
    formats: dict[str, tuple[tuple[str, float], ...]]  # "video"/"other" -> (format, share)


def _platform(r: dict[str, Any]) -> Platform:
    """A platform of ``platforms.toml``, where figures the platform does not report are absent."""
    return Platform(
        prefix=r["prefix"],
        account_url=r["account_url"],
        at_name=r["at_name"],
        ad_network=r["ad_network"],
        posts_per_week=tuple(r["posts_per_week"]),
        post_exposure=r["post_exposure"],
        sigma=r["sigma"],
        tau=r["tau"],
        reach_ratio=tuple(r["reach_ratio"]) if "reach_ratio" in r else None,
        views_ratio=r.get("views_ratio"),
        rates={m: r["rates"].get(m) for m in _ENGAGEMENTS},
        has_impressions=r["has_impressions"],
        background=r["background"],
        followers=r["followers"],
        follow_rate=r["follow_rate"],
        can_boost=r["can_boost"],
        formats={k: tuple(v.items()) for k, v in r["formats"].items()},
    )


PLATFORM_PROFILES: dict[str, Platform] = {
    name: _platform(record) for name, record in read_toml("platforms.toml").items()
}

_POSTS = read_toml("posts.toml")
_POST_HOURS: tuple[tuple[int, int], ...] = tuple((h, w) for h, w in _POSTS["post_hours"])
_TITLE_FRAMES: dict[str, list[str]] = _POSTS["frames"]
_TITLE_TOPICS: dict[str, dict[str, list[str]]] = _POSTS["topics"]


def account_url(platform: str, handle: str) -> str:
    return PLATFORM_PROFILES[platform].account_url.format(handle=handle)


def account_name(platform: str, handle: str) -> str:
    return f"@{handle}" if PLATFORM_PROFILES[platform].at_name else handle


@dataclass
class MetricTotals:
    impressions: int = 0
    engagements: int = 0  # likes + comments + shares + saves
    followers_start: int = 0
    followers_now: int = 0


def _activity(c: Campaign, d: date) -> float:
    """How active the campaign is on day ``d``: ramp-up, summer lull, autumn push."""
    ramp = min(1.0, 0.55 + 0.45 * (d - c.start).days / 60)
    season = 0.85 if d.month in (7, 8) else (1.1 if d.month in (9, 10, 11) else 1.0)
    return ramp * season


# --------------------------------------------------------------------------------------------
# A post: its address and details
# --------------------------------------------------------------------------------------------


def _post_url(rng: Random, platform: str, handle: str, n: int, video: bool, group: int) -> str:
    def code(k: int) -> str:
        return "".join(rng.choice(_B62 + "_-") for _ in range(k))

    def digits(k: int, first: str = "1") -> str:
        return first + "".join(rng.choice("0123456789") for _ in range(k - 1))

    if platform == "instagram":
        return f"https://www.instagram.com/{'reel' if video else 'p'}/{code(11)}/"
    if platform == "telegram":
        return f"https://t.me/{handle}/{n}"
    if platform == "facebook":
        return f"https://www.facebook.com/{handle}/posts/{digits(16)}"
    if platform == "youtube":
        return f"https://www.youtube.com/{'shorts/' if video else 'watch?v='}{code(11)}"
    if platform == "tiktok":
        return f"https://www.tiktok.com/@{handle}/video/{digits(19, '7')}"
    if platform == "vk":
        return f"https://vk.com/wall-{group}_{n}"
    return f"https://x.com/{handle}/status/{digits(19, '1')}"


def _post_details(
    c: Campaign, ch: Channel, post_id: str, pub: date, video: bool, seed: int
) -> tuple[datetime, str, str, str]:
    """When a post was published (local time), its format, language and title.

    Drawn from a stream of their own, seeded from the post id, so they leave the figures as
    they are.
    """
    rng = stream(seed, c.code, "post", post_id)
    hour = rng.choices([h for h, _ in _POST_HOURS], weights=[w for _, w in _POST_HOURS])[0]
    published = datetime.combine(pub, time(hour, rng.randrange(60)))
    fmt = pick(rng, PLATFORM_PROFILES[ch.platform].formats["video" if video else "other"])
    # Mostly the channel's language, else one of the campaign's by its audience share. A
    # Russian-locale Excel (cp1251) cannot save Kazakh letters: that grantee posts in Russian.
    lang = ch.language if rng.random() < 0.75 else pick(rng, c.languages)
    if c.excel_ru and lang == "kk":
        lang = "ru"
    topic = rng.choice(_TITLE_TOPICS[c.theme][lang])
    frame = rng.choice(_TITLE_FRAMES[lang])
    title = frame + topic if frame else topic[0].upper() + topic[1:]
    return published, fmt, lang, title


# --------------------------------------------------------------------------------------------
# Tracked posts, summed per day
# --------------------------------------------------------------------------------------------


@dataclass
class _TrackedDays:
    """Per day, the tracked posts' figures summed (exposure, impressions, reach, views, then the
    five engagement counts), the largest reach of one post, and the post rows themselves."""

    sums: dict[date, list[int]] = field(default_factory=dict)
    max_reach: dict[date, int] = field(default_factory=dict)
    posts: dict[date, list[tuple]] = field(default_factory=dict)

    @classmethod
    def over(cls, period: list[date]) -> _TrackedDays:
        return cls({d: [0] * 9 for d in period}, dict.fromkeys(period, 0), {d: [] for d in period})

    def add(self, d: date, row: tuple, exposure: int, figures: tuple[int | None, ...]) -> None:
        """Add one post's row for day ``d``; ``figures`` are its impressions, reach, views and
        engagement counts."""
        self.posts[d].append(row)
        sums = self.sums[d]
        sums[0] += exposure
        for i, v in enumerate(figures):
            sums[1 + i] += v or 0
        reach = figures[1]
        if reach is not None:
            self.max_reach[d] = max(self.max_reach[d], reach)


def _publication_days(rng: Random, c: Campaign, p: Platform) -> list[date]:
    """The days a channel publishes on: a few days a week, from the campaign's start."""
    publish: list[date] = []
    week = c.start - timedelta(days=c.start.weekday())
    while week <= DATA_AS_OF:
        k = rng.randint(*p.posts_per_week)
        for wd in sorted(rng.sample(range(7), k)):
            d = week + timedelta(days=wd)
            if c.start <= d <= DATA_AS_OF:
                publish.append(d)
        week += timedelta(days=7)
    return publish


def _post_exposure(
    rng: Random, p: Platform, x: float, reach_ratio: float | None, video: bool
) -> tuple[int, int | None, int | None, int | None]:
    """A post's exposure on one day (expected ``x``), and the impressions, reach and views its
    platform reports of it."""
    exposure = sround(rng, x)
    imp = exposure if p.has_impressions else None
    reach = None
    if reach_ratio is not None:
        reach = min(exposure, sround(rng, exposure * reach_ratio))
    views = None
    if p.views_ratio is not None:
        views = (
            exposure
            if not p.has_impressions
            else sround(rng, exposure * p.views_ratio * (1.0 if video else 0.6))
        )
    return exposure, imp, reach, views


def _post_engagements(rng: Random, p: Platform, x: float, quality: float) -> list[int | None]:
    """A post's engagement counts on one day, from its weighted exposure ``x``; None for counts
    the platform does not report."""
    eng: list[int | None] = []
    for m in _ENGAGEMENTS:
        rate = p.rates[m]
        if rate is None:
            eng.append(None)
            continue
        base = x * rate * quality * rng.uniform(0.8, 1.2)
        eng.append(sround(rng, base))
    return eng


@dataclass(frozen=True)
class _Post:
    platform: str
    post_id: str
    url: str
    pub: date
    video: bool
    details: tuple[datetime, str, str, str]


def _track_post(
    rng: Random, c: Campaign, p: Platform, size: float, post: _Post, tracked: _TrackedDays
) -> None:
    """Draw a post's daily figures over its tracked days and add them to ``tracked``."""
    quality = rng.lognormvariate(0, 0.35)
    organic = p.post_exposure * size * _activity(c, post.pub) * rng.lognormvariate(0, p.sigma)
    paid = 0.0
    if p.can_boost and rng.random() < c.boost_share:
        paid = organic * rng.uniform(2.5, 7.0)
    tau = p.tau * rng.uniform(0.7, 1.4)
    # Most views in the first days, then a thin long tail (shares, search, profile visits).
    weights = [math.exp(-t / tau) + 0.03 / (1 + t) for t in range(POST_TRACKING_DAYS)]
    wsum = sum(weights)
    reach_ratio = rng.uniform(*p.reach_ratio) if p.reach_ratio else None
    for t in range(POST_TRACKING_DAYS):
        d = post.pub + timedelta(days=t)
        if d > DATA_AS_OF:
            break
        org_t = organic * weights[t] / wsum * rng.uniform(0.8, 1.2)
        paid_t = paid / 7 * rng.uniform(0.7, 1.3) if t < 7 else 0.0
        exposure, imp, reach, views = _post_exposure(
            rng, p, org_t + paid_t, reach_ratio, post.video
        )
        eng = _post_engagements(rng, p, org_t + 0.3 * paid_t, quality)
        row = (d, post.platform, post.post_id, post.url, imp, reach, views, *eng, None)
        tracked.add(d, (*row, *post.details), exposure, (imp, reach, views, *eng))


def _track_posts(
    rng: Random, c: Campaign, ch: Channel, size: float, seed: int, tracked: _TrackedDays
) -> None:
    """Publish the channel's posts and track each one's daily figures."""
    p = PLATFORM_PROFILES[ch.platform]
    publish = _publication_days(rng, c, p)
    tg_message = rng.randint(40, 160)  # message number on telegram, wall post on vk
    group = rng.randint(100_000_000, 230_000_000)
    code_compact = c.code.replace("-", "")
    for n, pub in enumerate(publish, start=1):
        video = ch.platform in ("youtube", "tiktok") or rng.random() < 0.45
        tg_message += rng.choice((1, 1, 1, 2, 3))
        post_id = f"{p.prefix}_{code_compact}_{n:04d}"
        details = _post_details(c, ch, post_id, pub, video, seed)
        long_video = ch.platform == "youtube" and details[1] == "video"
        url = _post_url(rng, ch.platform, ch.handle, tg_message, video and not long_video, group)
        _track_post(rng, c, p, size, _Post(ch.platform, post_id, url, pub, video, details), tracked)


# --------------------------------------------------------------------------------------------
# Channel rows
# --------------------------------------------------------------------------------------------


def _channel_figures(
    rng: Random, p: Platform, sums: list[int], max_reach: int, bg: float
) -> tuple[int, int | None, int | None, int | None, list[int | None]]:
    """A channel's day: its posts' sums plus ``bg`` background exposure; the exposure, then the
    impressions, reach, views and engagement counts its platform reports."""
    bg_count = sround(rng, bg)
    exposure = sums[0] + bg_count
    imp = sums[1] + bg_count if p.has_impressions else None
    reach = None
    if p.reach_ratio is not None and imp is not None:
        unique = (sums[2] + bg * sum(p.reach_ratio) / 2) * rng.uniform(0.78, 0.92)
        reach = min(imp, max(max_reach, sround(rng, unique)))
    views = None
    if p.views_ratio is not None:
        views = sums[3] + sround(rng, bg * p.views_ratio)
    eng: list[int | None] = []
    for i, m in enumerate(_ENGAGEMENTS):
        rate = p.rates[m]
        if rate is None:
            eng.append(None)
            continue
        extra = sround(rng, bg * rate * 0.5 * rng.uniform(0.6, 1.4))
        eng.append(sums[4 + i] + extra)
    return exposure, imp, reach, views, eng


def _channel_rows(
    rng: Random,
    c: Campaign,
    ch: Channel,
    size: float,
    period: list[date],
    tracked: _TrackedDays,
    totals: MetricTotals,
) -> list[tuple]:
    """The channel's daily rows, each followed by that day's post rows; adds to ``totals``."""
    p = PLATFORM_PROFILES[ch.platform]
    typical_daily = p.post_exposure * size * sum(p.posts_per_week) / 2 / 7
    followers = int(p.followers * ch.weight * rng.uniform(0.6, 1.5))
    totals.followers_start += followers
    rows: list[tuple] = []
    for d in period:
        weekday = 0.85 if d.weekday() >= 5 else 1.0
        bg = typical_daily * p.background * _activity(c, d) * weekday * rng.uniform(0.8, 1.2)
        exposure, imp, reach, views, eng = _channel_figures(
            rng, p, tracked.sums[d], tracked.max_reach[d], bg
        )
        gained = sround(rng, exposure * p.follow_rate * rng.uniform(0.5, 1.5))
        lost = sround(rng, followers * 0.0001 * rng.uniform(0.3, 1.7))
        followers = max(0, followers + gained - lost)
        rows.append((d, ch.platform, None, None, imp, reach, views, *eng, followers, *_NO_DETAILS))
        rows.extend(tracked.posts[d])
        totals.impressions += imp or 0
        totals.engagements += sum(v or 0 for v in eng[:4])
    totals.followers_now += followers
    return rows


def metrics(c: Campaign, seed: int) -> tuple[list[tuple], MetricTotals]:
    """Daily channel rows and post rows for every platform of the campaign, and their totals.

    A row is the metrics template's columns followed by the post's details (publication time,
    format, language, title; empty on channel rows).
    """
    rows: list[tuple] = []
    totals = MetricTotals()
    period = list(days(c.start, DATA_AS_OF))
    for ch in c.channels:
        rng = stream(seed, c.code, "metrics", ch.platform)
        size = c.scale * ch.weight * rng.uniform(0.85, 1.15)
        tracked = _TrackedDays.over(period)
        _track_posts(rng, c, ch, size, seed, tracked)
        rows += _channel_rows(rng, c, ch, size, period, tracked, totals)
    order = {ch.platform: i for i, ch in enumerate(c.channels)}
    rows.sort(key=lambda r: (r[0], order[r[1]], r[2] or ""))
    return rows, totals
