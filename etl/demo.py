"""A realistic, deterministic demo programme, written as files in our upload template formats.

Five grantee organisations in five regions of Kazakhstan each run one campaign (one per thematic
group of the programme). :func:`write_demo_files` writes the programme workbook, the monthly
exchange rates and, per campaign, daily social-media metrics, spend transactions, event
participants and feedback responses, up to the demo's "data as of" date :data:`DATA_AS_OF`.

The demo carries the situations the dashboard must show: ``DSEC-03`` spends far ahead of its
timeline, ``ATI-05`` is far behind pace on its impressions and engagement targets, ``FOE-02``
gets noticeably lower event ratings, and the metrics and spend files of ``CEN-04`` are saved the
way a Russian-locale Excel user saves them (Russian headers, ``;``, Windows-1251, ``31.12.2026``,
``1 250 000,00``). Some feedback comments carry personal data (an e-mail, phone numbers, an IIN)
that the loader must mask.

Everything random comes from ``random.Random`` seeded from ``seed`` and the part being generated,
so the same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from random import Random

import xlsxwriter

from etl.kinds import AGE_GROUPS, aliases, header_words, template_header

DATA_AS_OF = date(2026, 11, 20)
"""The last day the demo has data for (metrics, spend, events and feedback)."""

INDIRECT_RATE = 0.07
POST_TRACKING_DAYS = 21  # a post is tracked daily on the day it is published and 20 days after
_WORKBOOK_CREATED = datetime(2026, 11, 20, 9, 0, 0)

# fmt: off
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
              "сентябрь", "октябрь", "ноябрь", "декабрь")
# fmt: on


@dataclass(frozen=True)
class DemoFile:
    """One file of the demo programme, in the order the loader should load it."""

    path: Path
    kind: str  # "programme", "fx", "metrics", "spend", "participants", "feedback"
    campaign: str | None  # campaign code, None for programme and fx


# --------------------------------------------------------------------------------------------
# The programme: organisations, campaigns, channels, budgets, events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    code: str
    name: str
    city: str


@dataclass(frozen=True)
class _Channel:
    platform: str
    handle: str
    language: str
    weight: float  # size of the account relative to the platform's typical campaign account


@dataclass(frozen=True)
class _Line:
    line: str
    description: str
    amount: int  # KZT
    monthly: int = 0  # monthly salary for staff lines paid every month, else 0


@dataclass(frozen=True)
class _EventPlan:
    type: str  # training, workshop, screening, discussion, online
    name: str
    region: str  # where it takes place, or "online"
    youth: bool = False  # audience mostly students


@dataclass(frozen=True)
class _Campaign:
    code: str
    name: str
    org: _Org
    theme: str
    regions: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]  # language and share of the audience
    start: date
    end: date
    description: str
    channels: tuple[_Channel, ...]
    lines: tuple[_Line, ...]
    events: tuple[_EventPlan, ...]
    text_lang: str  # language of spend descriptions: en or ru
    scale: float  # social-media volume multiplier
    boost_share: float  # share of posts promoted with ads
    kpi_pace: float  # impressions/engagement achieved relative to the elapsed share
    kpis: tuple[str, ...]
    spend_pace: float  # spend relative to the elapsed share, for lines without an override
    spend_factors: dict[str, float] = field(default_factory=dict)  # line -> share spent
    front_loaded: bool = False
    low_ratings: bool = False
    excel_ru: bool = False  # metrics and spend saved by a Russian-locale Excel


def _staff(months: int, coordinator: int, smm: int, accountant: int) -> list[_Line]:
    def line(code: str, role: str, rate: int) -> _Line:
        return _Line(code, f"{role}, {months} months x {rate:,} KZT", rate * months, rate)

    return [
        line("1.1", "Campaign coordinator", coordinator),
        line("1.2", "SMM and content manager", smm),
        line("1.3", "Accountant (part-time)", accountant),
    ]


def _other_lines(
    trainers: int,
    travel: int,
    equipment: int,
    video: int,
    ads: int,
    translation: int,
    events: int,
    video_text: str = "Video production (short videos, reels)",
) -> list[_Line]:
    return [
        _Line("1.4", "Trainers' and experts' fees", trainers),
        _Line("2.1", "Travel to regions for events (tickets, accommodation, per diem)", travel),
        _Line("3.1", "Equipment (camera, microphones, laptop)", equipment),
        _Line("5.1", video_text, video),
        _Line("5.2", "Promoted posts and online advertising", ads),
        _Line("5.3", "Translation and subtitles (Kazakh, Russian, English)", translation),
        _Line("5.4", "Events: venue rental, coffee breaks, printed materials", events),
    ]


def _with_indirect(lines: list[_Line]) -> tuple[_Line, ...]:
    direct = sum(x.amount for x in lines)
    indirect = _Line(
        "8.1", "Indirect costs (7% of direct eligible costs)", round(direct * INDIRECT_RATE)
    )
    return (*lines, indirect)


ORGS = (
    _Org("ADR", 'Public Foundation "Almaty Digital Rights Centre"', "Almaty"),
    _Org("ERK", 'Public Association "Erkin Soz" Media Initiative', "Astana"),
    _Org("QLN", 'Public Foundation "Qalqan" Digital Security Lab', "Shymkent"),
    _Org("APC", 'Public Association "Altai Press Club"', "Ust-Kamenogorsk"),
    _Org("ERT", 'Public Foundation "Ertis" Open Information Centre', "Pavlodar"),
)
_ORG = {o.code: o for o in ORGS}

CAMPAIGNS: tuple[_Campaign, ...] = (
    _Campaign(
        code="PDP-01",
        name="My Data, My Right (Менің деректерім — менің құқығым)",
        org=_ORG["ADR"],
        theme="personal-data protection",
        regions=("Almaty", "Almaty Region"),
        languages=(("ru", 0.55), ("kk", 0.33), ("en", 0.12)),
        start=date(2026, 3, 2),
        end=date(2027, 1, 31),
        description=(
            "Young people (18-34) in Almaty and Almaty Region know their rights under the Law on "
            "Personal Data and Its Protection and use them: what not to share, how to ask a "
            "company what it holds, what to do after a leak."
        ),
        channels=(
            _Channel("instagram", "menin.derekterim", "kk", 1.2),
            _Channel("telegram", "menin_derekterim", "ru", 1.0),
            _Channel("facebook", "mydatamyright.kz", "en", 0.8),
            _Channel("youtube", "MyDataMyRightKZ", "ru", 0.9),
        ),
        lines=_with_indirect(
            _staff(11, 450_000, 350_000, 150_000)
            + _other_lines(900_000, 600_000, 1_200_000, 3_000_000, 2_800_000, 900_000, 1_500_000)
        ),
        events=(
            _EventPlan("training", "Training: your personal data online", "Almaty"),
            _EventPlan(
                "workshop", "Workshop: privacy settings in social networks", "Almaty", youth=True
            ),
            _EventPlan(
                "training",
                "Training for students: the Law on Personal Data",
                "Almaty Region",
                youth=True,
            ),
            _EventPlan("online", "Webinar: what to do after a data leak", "online"),
            _EventPlan("discussion", "Round table: personal data in public services", "Almaty"),
            _EventPlan("workshop", "Workshop: data protection for small NGOs", "Almaty Region"),
        ),
        text_lang="en",
        scale=1.15,
        boost_share=0.22,
        kpi_pace=1.04,
        kpis=("OP1", "OP2", "OP3", "OP4", "OC1"),
        spend_pace=0.92,
    ),
    _Campaign(
        code="FOE-02",
        name="Speak Freely Online (Еркін сөйле)",
        org=_ORG["ERK"],
        theme="online freedom of expression",
        regions=("Astana", "Akmola Region"),
        languages=(("ru", 0.6), ("kk", 0.4)),
        start=date(2026, 3, 16),
        end=date(2027, 2, 28),
        description=(
            "Bloggers, students and local journalists in Astana and Akmola Region know the legal "
            "limits of online speech and how to answer takedown requests and defamation threats."
        ),
        channels=(
            _Channel("instagram", "erkin.soile", "kk", 1.0),
            _Channel("telegram", "erkinsoz_astana", "ru", 1.1),
            _Channel("x", "ErkinSozKZ", "ru", 1.0),
        ),
        lines=_with_indirect(
            _staff(12, 420_000, 320_000, 130_000)
            + _other_lines(700_000, 800_000, 900_000, 2_400_000, 2_000_000, 600_000, 1_600_000)
        ),
        events=(
            _EventPlan("training", "Training: legal limits of online speech", "Astana"),
            _EventPlan("discussion", "Panel: bloggers and defamation claims", "Astana"),
            _EventPlan("workshop", "Workshop: responding to takedown requests", "Akmola Region"),
            _EventPlan("online", "Webinar: moderating comments without censorship", "online"),
            _EventPlan(
                "training",
                "Training for student media: free expression online",
                "Astana",
                youth=True,
            ),
        ),
        text_lang="en",
        scale=1.0,
        boost_share=0.15,
        kpi_pace=0.95,
        kpis=("OP1", "OP2", "OP3", "OP4", "OC1"),
        spend_pace=0.88,
        low_ratings=True,
    ),
    _Campaign(
        code="DSEC-03",
        name="Digital Shield (Цифрлық қалқан)",
        org=_ORG["QLN"],
        theme="digital security",
        regions=("Shymkent", "Turkistan Region"),
        languages=(("kk", 0.6), ("ru", 0.4)),
        start=date(2026, 4, 1),
        end=date(2027, 3, 31),
        description=(
            "Journalists, activists and teachers in Shymkent and Turkistan Region practise basic "
            "digital hygiene: strong passwords, two-factor authentication, spotting phishing, "
            "secure messengers."
        ),
        channels=(
            _Channel("instagram", "tsifrlyq.qalqan", "kk", 1.1),
            _Channel("tiktok", "qalqan.digital", "kk", 1.2),
            _Channel("telegram", "qalqan_security", "ru", 0.8),
            _Channel("youtube", "QalqanDigital", "ru", 0.7),
        ),
        lines=_with_indirect(
            _staff(12, 350_000, 250_000, 100_000)
            + _other_lines(
                2_400_000, 1_400_000, 2_400_000, 3_000_000, 4_000_000, 600_000, 2_200_000
            )
        ),
        events=(
            _EventPlan("training", "Тренинг по цифровой гигиене для журналистов", "Shymkent"),
            _EventPlan(
                "workshop", "Воркшоп: двухфакторная аутентификация и менеджеры паролей", "Shymkent"
            ),
            _EventPlan(
                "training", "Тренинг по цифровой безопасности для учителей", "Turkistan Region"
            ),
            _EventPlan("online", "Онлайн-семинар: как распознать фишинг", "online"),
            _EventPlan("training", "Тренинг для активистов: безопасные мессенджеры", "Shymkent"),
            _EventPlan("workshop", "Воркшоп: защита смартфона", "Turkistan Region"),
            _EventPlan(
                "training", "Тренинг по цифровой гигиене для студентов", "Shymkent", youth=True
            ),
            _EventPlan("online", "Онлайн-семинар: безопасность аккаунтов в соцсетях", "online"),
        ),
        text_lang="ru",
        scale=1.3,
        boost_share=0.35,
        kpi_pace=1.1,
        kpis=("OP1", "OP2", "OP3", "OC1"),
        spend_pace=1.0,
        spend_factors={
            "1.4": 1.0,
            "2.1": 0.95,
            "3.1": 1.0,
            "5.1": 1.15,
            "5.2": 1.3,
            "5.3": 0.6,
            "5.4": 0.9,
        },
        front_loaded=True,
    ),
    _Campaign(
        code="CEN-04",
        name="No Self-Censorship (Без самоцензуры)",
        org=_ORG["APC"],
        theme="censorship and self-censorship",
        regions=("Ust-Kamenogorsk", "Semey"),
        languages=(("ru", 0.85), ("kk", 0.15)),
        start=date(2026, 4, 15),
        end=date(2026, 12, 31),
        description=(
            "Editors and journalists of East Kazakhstan and Abai Region talk openly about "
            "censorship and self-censorship through documentary screenings and discussions."
        ),
        channels=(
            _Channel("facebook", "altaipressclub", "ru", 1.1),
            _Channel("vk", "altaipressclub", "ru", 1.0),
            _Channel("telegram", "bez_samocenzury", "ru", 0.9),
        ),
        lines=_with_indirect(
            _staff(9, 420_000, 300_000, 120_000)
            + _other_lines(
                600_000,
                700_000,
                500_000,
                2_500_000,
                1_200_000,
                700_000,
                1_800_000,
                video_text="Documentary screening rights and video production",
            )
        ),
        events=(
            _EventPlan("screening", "Показ документального фильма и обсуждение", "Ust-Kamenogorsk"),
            _EventPlan(
                "discussion",
                "Круглый стол редакторов: самоцензура в региональных СМИ",
                "Ust-Kamenogorsk",
            ),
            _EventPlan("screening", "Кинопоказ и дискуссия в Семее", "Semey"),
            _EventPlan(
                "training", "Тренинг для журналистов: работа под давлением", "Ust-Kamenogorsk"
            ),
            _EventPlan("discussion", "Открытая дискуссия: где граница допустимого", "Semey"),
        ),
        text_lang="ru",
        scale=0.85,
        boost_share=0.12,
        kpi_pace=0.92,
        kpis=("OP1", "OP3", "OP4", "OC1"),
        spend_pace=0.9,
        excel_ru=True,
    ),
    _Campaign(
        code="ATI-05",
        name="Ask the State (Мемлекеттен сұра)",
        org=_ORG["ERT"],
        theme="access to information",
        regions=("Pavlodar", "Ekibastuz"),
        languages=(("ru", 0.7), ("kk", 0.3)),
        start=date(2026, 4, 27),
        end=date(2027, 3, 15),
        description=(
            "Residents of Pavlodar Region request information from state bodies under the Law on "
            "Access to Information, appeal refusals and publish the answers."
        ),
        channels=(
            _Channel("instagram", "suraq.pavlodar", "kk", 0.8),
            _Channel("facebook", "ertis.open", "ru", 0.9),
        ),
        lines=_with_indirect(
            _staff(11, 380_000, 280_000, 110_000)
            + _other_lines(500_000, 500_000, 600_000, 1_800_000, 2_200_000, 400_000, 1_000_000)
        ),
        events=(
            _EventPlan("workshop", "Мастер-класс: как направить запрос в госорган", "Pavlodar"),
            _EventPlan("discussion", "Встреча с жителями: открытые данные акимата", "Ekibastuz"),
            _EventPlan(
                "online", "Вебинар: обжалование отказа в предоставлении информации", "online"
            ),
            _EventPlan(
                "training", "Тренинг для сельских журналистов: доступ к информации", "Pavlodar"
            ),
        ),
        text_lang="ru",
        scale=0.55,
        boost_share=0.04,
        kpi_pace=0.45,
        kpis=("OP1", "OP2", "OP3", "OP4", "OC1"),
        spend_pace=0.85,
        spend_factors={"5.2": 0.22},
    ),
)

_CITY_RU = {
    "Almaty": "Алматы",
    "Almaty Region": "Алматинскую область",
    "Astana": "Астану",
    "Akmola Region": "Акмолинскую область",
    "Shymkent": "Шымкент",
    "Turkistan Region": "Туркестанскую область",
    "Ust-Kamenogorsk": "Усть-Каменогорск",
    "Semey": "Семей",
    "Pavlodar": "Павлодар",
    "Ekibastuz": "Экибастуз",
}

# --------------------------------------------------------------------------------------------
# Platforms: what each reports and how its posts behave
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Platform:
    prefix: str
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


# fmt: off
_PLATFORMS: dict[str, _Platform] = {
    "instagram": _Platform(
        prefix="ig", posts_per_week=(3, 5), post_exposure=2200, sigma=0.7, tau=1.6,
        reach_ratio=(0.70, 0.85), views_ratio=0.85, has_impressions=True, can_boost=True,
        rates={"likes": 0.045, "comments": 0.004, "shares": 0.006, "saves": 0.007,
               "clicks": 0.002},
        background=0.35, followers=3200, follow_rate=0.0030,
    ),
    "telegram": _Platform(  # reports views, reactions, comments and forwards only
        prefix="tg", posts_per_week=(4, 5), post_exposure=900, sigma=0.5, tau=1.1,
        reach_ratio=None, views_ratio=1.0, has_impressions=False, can_boost=False,
        rates={"likes": 0.02, "comments": 0.002, "shares": 0.012, "saves": None, "clicks": None},
        background=0.15, followers=1900, follow_rate=0.0040,
    ),
    "facebook": _Platform(
        prefix="fb", posts_per_week=(2, 4), post_exposure=1500, sigma=0.8, tau=1.0,
        reach_ratio=(0.72, 0.88), views_ratio=0.45, has_impressions=True, can_boost=True,
        rates={"likes": 0.025, "comments": 0.003, "shares": 0.005, "saves": None,
               "clicks": 0.008},
        background=0.30, followers=5200, follow_rate=0.0025,
    ),
    "youtube": _Platform(  # impressions are thumbnail impressions, reach is unique viewers
        prefix="yt", posts_per_week=(2, 3), post_exposure=3500, sigma=0.9, tau=4.0,
        reach_ratio=(0.15, 0.25), views_ratio=0.30, has_impressions=True, can_boost=True,
        rates={"likes": 0.012, "comments": 0.0015, "shares": 0.001, "saves": None,
               "clicks": None},
        background=0.50, followers=900, follow_rate=0.0020,
    ),
    "tiktok": _Platform(
        prefix="tt", posts_per_week=(3, 5), post_exposure=3000, sigma=1.0, tau=1.4,
        reach_ratio=(0.75, 0.90), views_ratio=0.90, has_impressions=True, can_boost=True,
        rates={"likes": 0.06, "comments": 0.004, "shares": 0.006, "saves": 0.005,
               "clicks": None},
        background=0.20, followers=1100, follow_rate=0.0012,
    ),
    "vk": _Platform(
        prefix="vk", posts_per_week=(2, 4), post_exposure=700, sigma=0.5, tau=1.2,
        reach_ratio=(0.75, 0.90), views_ratio=0.90, has_impressions=True, can_boost=True,
        rates={"likes": 0.02, "comments": 0.002, "shares": 0.004, "saves": None, "clicks": 0.005},
        background=0.25, followers=2600, follow_rate=0.0030,
    ),
    "x": _Platform(  # no reach, no views, no bookmarks in the export
        prefix="x", posts_per_week=(3, 5), post_exposure=800, sigma=0.7, tau=0.6,
        reach_ratio=None, views_ratio=None, has_impressions=True, can_boost=False,
        rates={"likes": 0.015, "comments": 0.002, "shares": 0.004, "saves": None,
               "clicks": 0.006},
        background=0.20, followers=1400, follow_rate=0.0020,
    ),
}
# fmt: on
_ENGAGEMENTS = ("likes", "comments", "shares", "saves", "clicks")
_B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _account_url(platform: str, handle: str) -> str:
    return {
        "instagram": f"https://www.instagram.com/{handle}/",
        "telegram": f"https://t.me/{handle}",
        "facebook": f"https://www.facebook.com/{handle}",
        "youtube": f"https://www.youtube.com/@{handle}",
        "tiktok": f"https://www.tiktok.com/@{handle}",
        "vk": f"https://vk.com/{handle}",
        "x": f"https://x.com/{handle}",
    }[platform]


def _account_name(platform: str, handle: str) -> str:
    return handle if platform in ("facebook", "vk") else f"@{handle}"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _rng(seed: int, *parts: str) -> Random:
    """An independent, reproducible stream for one part of the demo."""
    return Random(f"{seed}:{':'.join(parts)}")


def _sround(rng: Random, x: float) -> int:
    """``x`` rounded up or down at random so that the expected value is ``x``."""
    if x <= 0:
        return 0
    whole = math.floor(x)
    return whole + (1 if rng.random() < x - whole else 0)


def _days(start: date, end: date) -> Iterable[date]:
    for i in range((end - start).days + 1):
        yield start + timedelta(days=i)


def _elapsed_share(c: _Campaign) -> float:
    return ((DATA_AS_OF - c.start).days + 1) / ((c.end - c.start).days + 1)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _last_weekday(year: int, month: int) -> date:
    d = _month_end(year, month)
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _weekday_on_or_before(d: date, allowed: Sequence[int]) -> date:
    while d.weekday() not in allowed:
        d -= timedelta(days=1)
    return d


def _nice(x: float) -> int:
    """``x`` rounded to two significant figures, as a target in a logframe would be."""
    if x <= 0:
        return 0
    step = 10 ** max(0, math.floor(math.log10(x)) - 1)
    return int(round(x / step) * step)


def _month_name(year: int, month: int, lang: str) -> str:
    names = _MONTHS_RU if lang == "ru" else _MONTHS_EN
    return f"{names[month - 1]} {year}"


# --------------------------------------------------------------------------------------------
# Social-media metrics
# --------------------------------------------------------------------------------------------


@dataclass
class _MetricTotals:
    impressions: int = 0
    engagements: int = 0  # likes + comments + shares + saves
    followers_start: int = 0
    followers_now: int = 0


def _activity(c: _Campaign, d: date) -> float:
    """How active the campaign is on day ``d``: ramp-up, summer lull, autumn push."""
    ramp = min(1.0, 0.55 + 0.45 * (d - c.start).days / 60)
    season = 0.85 if d.month in (7, 8) else (1.1 if d.month in (9, 10, 11) else 1.0)
    return ramp * season


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


# --------------------------------------------------------------------------------------------
# Post details: publication time, format, language and title
# --------------------------------------------------------------------------------------------

# Formats a platform's posts come in, with their shares, for video and for other posts.
_FORMATS: dict[str, tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]] = {
    "instagram": ((("reel", 1.0),), (("image", 0.45), ("carousel", 0.45), ("story", 0.10))),
    "tiktok": ((("video", 1.0),), (("video", 1.0),)),
    "youtube": ((("short", 0.6), ("video", 0.4)), (("video", 1.0),)),
    "telegram": ((("video", 1.0),), (("text", 0.55), ("image", 0.45))),
    "facebook": ((("video", 1.0),), (("image", 0.6), ("text", 0.4))),
    "vk": ((("video", 1.0),), (("image", 0.6), ("text", 0.4))),
    "x": ((("video", 1.0),), (("text", 0.6), ("image", 0.4))),
}
# Hours of the day posts go out (local time), weighted: mornings, lunch and evenings.
_POST_HOURS = (
    (8, 1),
    (9, 3),
    (10, 3),
    (11, 2),
    (12, 3),
    (13, 3),
    (14, 1),
    (15, 1),
    (16, 1),
    (17, 2),
    (18, 4),
    (19, 5),
    (20, 4),
    (21, 2),
)

# Titles: a frame ("Checklist: ...") and a topic line, per language; topics per campaign theme.
_TITLE_FRAMES = {
    "en": (
        "",
        "",
        "Checklist: ",
        "Q&A: ",
        "Explainer: ",
        "Myth or fact: ",
        "Live: ",
        "In 60 seconds: ",
        "Case study: ",
    ),
    "ru": (
        "",
        "",
        "Чек-лист: ",
        "Вопрос-ответ: ",
        "Разбор: ",
        "Миф или факт: ",
        "Эфир: ",
        "За 60 секунд: ",
        "Реальный случай: ",
    ),
    "kk": (
        "",
        "",
        "Чек-парақ: ",
        "Сұрақ-жауап: ",
        "Түсіндірме: ",
        "Миф пе, шындық па: ",
        "Тікелей эфир: ",
        "60 секундта: ",
        "Нақты оқиға: ",
    ),
}
_TITLE_TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "personal-data protection": {
        "en": (
            "what not to share about yourself online",
            "how to ask a company what data it holds",
            "what to do after a data leak",
            "your rights under the personal data law",
            "consent forms you should read twice",
            "why your IIN is not a password",
        ),
        "ru": (
            "чем не стоит делиться в сети",
            "как узнать, какие данные о вас хранит компания",
            "что делать после утечки данных",
            "ваши права по закону о персональных данных",
            "согласие на обработку данных: что вы подписываете",
            "почему ИИН — не пароль",
        ),
        "kk": (
            "желіде өзіңіз туралы не жарияламау керек",
            "компаниядан деректеріңізді қалай сұрауға болады",
            "деректер тарап кетсе не істеу керек",
            "дербес деректер туралы заң бойынша құқықтарыңыз",
            "келісім парағына қол қоймас бұрын",
            "ЖСН неге құпиясөз емес",
        ),
    },
    "online freedom of expression": {
        "en": (
            "where the legal limits of online speech lie",
            "answering a takedown request",
            "bloggers and defamation claims",
            "moderating comments without censorship",
            "your right to criticise officials",
            "what to do if your post is blocked",
        ),
        "ru": (
            "где проходят правовые границы слова в сети",
            "как ответить на требование удалить пост",
            "блогеры и иски о клевете",
            "модерация комментариев без цензуры",
            "право критиковать чиновников",
            "что делать, если ваш пост заблокировали",
        ),
        "kk": (
            "желідегі сөз бостандығының құқықтық шегі",
            "жазбаны өшіру талабына қалай жауап беру керек",
            "блогерлер және жала жабу туралы талаптар",
            "цензурасыз пікір модерациясы",
            "шенеуніктерді сынау құқығы",
            "жазбаңыз бұғатталса не істеу керек",
        ),
    },
    "digital security": {
        "en": (
            "strong passwords that you can remember",
            "turn on two-factor authentication today",
            "how to spot a phishing message",
            "choosing a secure messenger",
            "protecting your smartphone",
            "securing your social media accounts",
        ),
        "ru": (
            "надёжный пароль, который легко запомнить",
            "включите двухфакторную аутентификацию",
            "как распознать фишинговое сообщение",
            "как выбрать безопасный мессенджер",
            "защита смартфона",
            "как защитить аккаунты в соцсетях",
        ),
        "kk": (
            "есте сақтауға оңай мықты құпиясөз",
            "екі факторлы аутентификацияны қосыңыз",
            "фишинг хабарламасын қалай тануға болады",
            "қауіпсіз мессенджерді таңдау",
            "смартфонды қорғау",
            "әлеуметтік желідегі аккаунтты қорғау",
        ),
    },
    "censorship and self-censorship": {
        "en": (
            "when editors stay silent",
            "self-censorship in regional newsrooms",
            "working as a journalist under pressure",
            "where the line of the acceptable lies",
            "after the screening: a conversation about censorship",
            "why facts need courage",
        ),
        "ru": (
            "когда редакторы молчат",
            "самоцензура в региональных редакциях",
            "работа журналиста под давлением",
            "где граница допустимого",
            "после показа: разговор о цензуре",
            "почему фактам нужна смелость",
        ),
        "kk": (
            "редакторлар үнсіз қалғанда",
            "аймақтық редакциялардағы өзін-өзі цензуралау",
            "қысым жағдайындағы журналист жұмысы",
            "рұқсат етілгеннің шегі қайда",
            "көрсетілімнен кейін: цензура туралы әңгіме",
            "фактілерге неге батылдық керек",
        ),
    },
    "access to information": {
        "en": (
            "how to send a request to a state body",
            "the akimat's open data, explained",
            "appealing a refusal to provide information",
            "the answers we received this month",
            "your right to know how the budget is spent",
            "deadlines state bodies must keep",
        ),
        "ru": (
            "как направить запрос в госорган",
            "открытые данные акимата: разбираемся",
            "как обжаловать отказ в предоставлении информации",
            "какие ответы мы получили за месяц",
            "ваше право знать, как тратится бюджет",
            "сроки ответа госорганов",
        ),
        "kk": (
            "мемлекеттік органға сұрауды қалай жолдау керек",
            "әкімдіктің ашық деректері",
            "ақпарат беруден бас тартуға шағымдану",
            "осы айда алған жауаптарымыз",
            "бюджеттің қалай жұмсалатынын білу құқығы",
            "мемлекеттік органдардың жауап беру мерзімі",
        ),
    },
}


_POST_DETAILS = ("published_at", "format", "language", "title")
_NO_DETAILS = (None,) * len(_POST_DETAILS)


def _pick(rng: Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _post_details(
    c: _Campaign, ch: _Channel, post_id: str, pub: date, video: bool, seed: int
) -> tuple[datetime, str, str, str]:
    """When a post was published (local time), its format, language and title.

    Drawn from a stream of their own, seeded from the post id, so they leave the figures as
    they are.
    """
    rng = _rng(seed, c.code, "post", post_id)
    hour = rng.choices([h for h, _ in _POST_HOURS], weights=[w for _, w in _POST_HOURS])[0]
    published = datetime.combine(pub, time(hour, rng.randrange(60)))
    fmt = _pick(rng, _FORMATS[ch.platform][0 if video else 1])
    # Mostly the channel's language, else one of the campaign's by its audience share. A
    # Russian-locale Excel (cp1251) cannot save Kazakh letters: that grantee posts in Russian.
    lang = ch.language if rng.random() < 0.75 else _pick(rng, c.languages)
    if c.excel_ru and lang == "kk":
        lang = "ru"
    topic = rng.choice(_TITLE_TOPICS[c.theme][lang])
    frame = rng.choice(_TITLE_FRAMES[lang])
    title = frame + topic if frame else topic[0].upper() + topic[1:]
    return published, fmt, lang, title


def _metrics(c: _Campaign, seed: int) -> tuple[list[tuple], _MetricTotals]:
    """Daily channel rows and post rows for every platform of the campaign.

    A row is the metrics template's columns followed by the post's details (publication time,
    format, language, title; empty on channel rows).
    """
    rows: list[tuple] = []
    totals = _MetricTotals()
    days = list(_days(c.start, DATA_AS_OF))
    for ch in c.channels:
        rng = _rng(seed, c.code, "metrics", ch.platform)
        p = _PLATFORMS[ch.platform]
        size = c.scale * ch.weight * rng.uniform(0.85, 1.15)
        # Per day, the tracked posts' figures summed: exposure, impressions, reach, views, then
        # the five engagement counts; and the post rows themselves.
        day_sums: dict[date, list[int]] = {d: [0] * 9 for d in days}
        day_max_reach: dict[date, int] = dict.fromkeys(days, 0)
        post_rows: dict[date, list[tuple]] = {d: [] for d in days}

        publish: list[date] = []
        week = c.start - timedelta(days=c.start.weekday())
        while week <= DATA_AS_OF:
            k = rng.randint(*p.posts_per_week)
            for wd in sorted(rng.sample(range(7), k)):
                d = week + timedelta(days=wd)
                if c.start <= d <= DATA_AS_OF:
                    publish.append(d)
            week += timedelta(days=7)

        tg_message = rng.randint(40, 160)  # message number on telegram, wall post on vk
        group = rng.randint(100_000_000, 230_000_000)
        code_compact = c.code.replace("-", "")
        for n, pub in enumerate(publish, start=1):
            video = ch.platform in ("youtube", "tiktok") or rng.random() < 0.45
            tg_message += rng.choice((1, 1, 1, 2, 3))
            post_id = f"{p.prefix}_{code_compact}_{n:04d}"
            details = _post_details(c, ch, post_id, pub, video, seed)
            long_video = ch.platform == "youtube" and details[1] == "video"
            url = _post_url(
                rng, ch.platform, ch.handle, tg_message, video and not long_video, group
            )
            quality = rng.lognormvariate(0, 0.35)
            organic = p.post_exposure * size * _activity(c, pub) * rng.lognormvariate(0, p.sigma)
            paid = 0.0
            if p.can_boost and rng.random() < c.boost_share:
                paid = organic * rng.uniform(2.5, 7.0)
            tau = p.tau * rng.uniform(0.7, 1.4)
            # Most views in the first days, then a thin long tail (shares, search, profile visits).
            weights = [math.exp(-t / tau) + 0.03 / (1 + t) for t in range(POST_TRACKING_DAYS)]
            wsum = sum(weights)
            reach_ratio = rng.uniform(*p.reach_ratio) if p.reach_ratio else None
            for t in range(POST_TRACKING_DAYS):
                d = pub + timedelta(days=t)
                if d > DATA_AS_OF:
                    break
                org_t = organic * weights[t] / wsum * rng.uniform(0.8, 1.2)
                paid_t = paid / 7 * rng.uniform(0.7, 1.3) if t < 7 else 0.0
                exposure = _sround(rng, org_t + paid_t)
                imp = exposure if p.has_impressions else None
                reach = None
                if reach_ratio is not None:
                    reach = min(exposure, _sround(rng, exposure * reach_ratio))
                views = None
                if p.views_ratio is not None:
                    views = (
                        exposure
                        if not p.has_impressions
                        else _sround(rng, exposure * p.views_ratio * (1.0 if video else 0.6))
                    )
                eng: list[int | None] = []
                for m in _ENGAGEMENTS:
                    rate = p.rates[m]
                    if rate is None:
                        eng.append(None)
                        continue
                    base = (org_t + 0.3 * paid_t) * rate * quality * rng.uniform(0.8, 1.2)
                    eng.append(_sround(rng, base))
                post_rows[d].append(
                    (d, ch.platform, post_id, url, imp, reach, views, *eng, None, *details)
                )
                sums = day_sums[d]
                sums[0] += exposure
                sums[1] += imp or 0
                sums[2] += reach or 0
                sums[3] += views or 0
                for i, v in enumerate(eng):
                    sums[4 + i] += v or 0
                if reach is not None:
                    day_max_reach[d] = max(day_max_reach[d], reach)

        typical_daily = p.post_exposure * size * sum(p.posts_per_week) / 2 / 7
        followers = int(p.followers * ch.weight * rng.uniform(0.6, 1.5))
        totals.followers_start += followers
        for d in days:
            sums = day_sums[d]
            weekday = 0.85 if d.weekday() >= 5 else 1.0
            bg = typical_daily * p.background * _activity(c, d) * weekday * rng.uniform(0.8, 1.2)
            bg_count = _sround(rng, bg)
            exposure = sums[0] + bg_count
            imp = sums[1] + bg_count if p.has_impressions else None
            reach = None
            if p.reach_ratio is not None and imp is not None:
                unique = (sums[2] + bg * sum(p.reach_ratio) / 2) * rng.uniform(0.78, 0.92)
                reach = min(imp, max(day_max_reach[d], _sround(rng, unique)))
            views = None
            if p.views_ratio is not None:
                views = sums[3] + _sround(rng, bg * p.views_ratio)
            channel_eng: list[int | None] = []
            for i, m in enumerate(_ENGAGEMENTS):
                rate = p.rates[m]
                if rate is None:
                    channel_eng.append(None)
                    continue
                extra = _sround(rng, bg * rate * 0.5 * rng.uniform(0.6, 1.4))
                channel_eng.append(sums[4 + i] + extra)
            gained = _sround(rng, exposure * p.follow_rate * rng.uniform(0.5, 1.5))
            lost = _sround(rng, followers * 0.0001 * rng.uniform(0.3, 1.7))
            followers = max(0, followers + gained - lost)
            rows.append(
                (
                    d,
                    ch.platform,
                    None,
                    None,
                    imp,
                    reach,
                    views,
                    *channel_eng,
                    followers,
                    *_NO_DETAILS,
                )
            )
            rows.extend(post_rows[d])
            totals.impressions += imp or 0
            totals.engagements += sum(v or 0 for v in channel_eng[:4])
        totals.followers_now += followers
    order = {ch.platform: i for i, ch in enumerate(c.channels)}
    rows.sort(key=lambda r: (r[0], order[r[1]], r[2] or ""))
    return rows, totals


# --------------------------------------------------------------------------------------------
# Events and participants
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    code: str
    plan: _EventPlan
    day: date
    cells: dict[tuple[str, str, str], int]  # (region, sex, age group) -> participants

    @property
    def total(self) -> int:
        return sum(self.cells.values())


_EVENT_SIZE = {
    "training": (16, 32),
    "workshop": (12, 26),
    "screening": (35, 95),
    "discussion": (20, 50),
    "online": (35, 120),
}
_AGE_WEIGHTS = (0.02, 0.20, 0.32, 0.22, 0.13, 0.08, 0.03)
_AGE_WEIGHTS_YOUTH = (0.08, 0.62, 0.20, 0.06, 0.03, 0.01, 0.0)
_OTHER_REGIONS = ("Karaganda", "Kostanay", "Aktobe", "Atyrau")


def _events(c: _Campaign, seed: int) -> list[_Event]:
    rng = _rng(seed, c.code, "events")
    first = c.start + timedelta(days=20)
    last = DATA_AS_OF - timedelta(days=5)
    span = (last - first).days
    n = len(c.events)
    events: list[_Event] = []
    for i, plan in enumerate(c.events):
        centre = first + timedelta(days=round((i + 0.5) * span / n) + rng.randint(-6, 6))
        allowed = (5,) if plan.type == "screening" else (1, 2, 3, 4)
        day = max(first, _weekday_on_or_before(min(centre, last), allowed))
        if plan.region == "online":
            regions = list(c.regions) + list(_OTHER_REGIONS[:2])
            region_w = [0.45, 0.35, 0.12, 0.08]
        else:
            other = [r for r in c.regions if r != plan.region]
            regions = [plan.region, *other]
            region_w = [0.85] + [0.15 / len(other)] * len(other)
        ages = _AGE_WEIGHTS_YOUTH if plan.youth else _AGE_WEIGHTS
        size = rng.randint(*_EVENT_SIZE[plan.type])
        has_other = rng.random() < 0.3
        sexes = ("female", "male", "other") if has_other else ("female", "male")
        sex_w = (0.57, 0.41, 0.02) if has_other else (0.58, 0.42)
        cells: Counter[tuple[str, str, str]] = Counter()
        for _ in range(size):
            cells[
                (
                    rng.choices(regions, region_w)[0],
                    rng.choices(sexes, sex_w)[0],
                    rng.choices(AGE_GROUPS, ages)[0],
                )
            ] += 1
        if has_other and not any(k[1] == "other" for k in cells):
            cells[(plan.region if plan.region != "online" else c.regions[0], "other", "25-34")] += 1
        events.append(_Event(f"{c.code}-E{i + 1:02d}", plan, day, dict(cells)))
    return events


def _participant_rows(events: list[_Event]) -> list[list[str]]:
    rows = []
    age_order = {a: i for i, a in enumerate(AGE_GROUPS)}
    sex_order = {"female": 0, "male": 1, "other": 2}
    for e in events:
        keys = sorted(
            e.cells, key=lambda k: (k[0] != e.plan.region, k[0], sex_order[k[1]], age_order[k[2]])
        )
        for region, sex, age in keys:
            rows.append(
                [
                    e.code,
                    e.plan.name,
                    e.day.isoformat(),
                    e.plan.type,
                    region,
                    sex,
                    age,
                    str(e.cells[(region, sex, age)]),
                ]
            )
    return rows


# --------------------------------------------------------------------------------------------
# Feedback
# --------------------------------------------------------------------------------------------

# (comment, kind, topic). kind: "pos" (praise), "neg" (criticism) or "pii" (carries personal
# data the loader must mask). topic: "any", a campaign theme (pd, sec, foe, cen, ati), or the
# kind of event it fits: "venue" (in person), "online", "film" (screening).
# fmt: off
_COMMENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ru": (
        ("Очень полезный тренинг, теперь понимаю, какие данные о себе не стоит публиковать.",
         "pos", "pd"),
        ("Спасибо организаторам! Узнала, как включить двухфакторную аутентификацию на всех "
         "аккаунтах.", "pos", "sec"),
        ("Хотелось бы больше практики и меньше теории.", "neg", "any"),
        ("Тренер объяснял доступно, примеры из казахстанской практики очень к месту.", "pos",
         "any"),
        ("Было бы здорово провести такой же семинар для студентов нашего колледжа.", "pos",
         "any"),
        ("Впервые услышала про закон о персональных данных и свои права по нему.", "pos", "pd"),
        ("Хорошая организация, но зал был слишком маленький и душный.", "neg", "venue"),
        ("Пришлите, пожалуйста, презентацию на aigerim.n@mail.kz", "pii", "any"),
        ("Хочу участвовать в следующих мероприятиях, мой номер +7 701 123 45 67", "pii", "any"),
        ("Полезно для журналистов районных газет, многие коллеги не знают об этих рисках.",
         "pos", "any"),
        ("Теперь проверяю настройки приватности в Instagram и Telegram.", "pos", "pd"),
        ("Не хватило времени на вопросы, а тема очень важная.", "neg", "any"),
        ("Понравился разбор реальных случаев блокировок и удаления публикаций.", "pos", "foe"),
        ("Материалы на русском и казахском — большой плюс.", "pos", "any"),
        ("Слишком много информации за один день, лучше разделить на два занятия.", "neg",
         "any"),
        ("Узнал, как отправить запрос в госорган и в какие сроки должны ответить.", "pos",
         "ati"),
        ("Спасибо за фильм и обсуждение после показа, говорили откровенно.", "pos", "film"),
        ("Связь во время онлайн-части постоянно прерывалась.", "neg", "online"),
        ("Мой ИИН 900101300123, прошу выдать сертификат участника.", "pii", "any"),
        ("Рекомендую коллегам из редакции, особенно блок про надёжные пароли.", "pos", "sec"),
        ("Не всё было понятно, много английских терминов без перевода.", "neg", "any"),
        ("Хорошо, что о самоцензуре говорили открыто, это редкость.", "pos", "cen"),
        ("Свяжитесь со мной по телефону 8 (705) 1234567, хотим провести тренинг в нашем НКО.",
         "pii", "any"),
        ("Ожидал больше конкретики по законодательству, получилось поверхностно.", "neg", "any"),
        ("Помогли понять, как распознавать фишинговые сообщения.", "pos", "sec"),
        ("Спасибо, всё было организовано на высоком уровне.", "pos", "any"),
    ),
    "kk": (
        ("Өте пайдалы іс-шара болды, рахмет!", "pos", "any"),
        ("Жеке деректерімді қалай қорғау керектігін енді түсіндім.", "pos", "pd"),
        ("Екі факторлы аутентификацияны қосуды үйрендім.", "pos", "sec"),
        ("Тренер материалды түсінікті етіп жеткізді.", "pos", "any"),
        ("Тәжірибелік тапсырмалар аз болды, келесіде көбірек болса екен.", "neg", "any"),
        ("Мұндай іс-шараларды аудандарда да өткізу керек.", "pos", "any"),
        ("Қазақ тіліндегі материалдар үшін көп рахмет.", "pos", "any"),
        ("Презентацияны aigerim.n@mail.kz поштасына жіберіңізші.", "pii", "any"),
        ("Келесі тренингке шақырыңыздар, телефоным +7 701 123 45 67", "pii", "any"),
        ("Уақыт жетпеді, сұрақтарға жауап беріп үлгермедік.", "neg", "any"),
        ("Фишингтік хабарламаларды ажыратуды үйрендім, бұл өте маңызды.", "pos", "sec"),
        ("Ақпарат алу құқығы туралы көп жаңа нәрсе білдім.", "pos", "ati"),
        ("Фильм мен одан кейінгі талқылау ерекше әсер қалдырды.", "pos", "film"),
        ("Студенттерге де осындай семинар өткізсеңіздер жақсы болар еді.", "pos", "any"),
        ("Зал тар әрі тым ыстық болды.", "neg", "venue"),
        ("Мемлекеттік органға сұрау салуды енді білемін.", "pos", "ati"),
        ("Өзін-өзі цензуралау туралы ашық айтқандарыңыз ұнады.", "pos", "cen"),
        ("ЖСН 900101300123, сертификатты осы нөмірге рәсімдеңіз.", "pii", "any"),
        ("Онлайн байланыс жиі үзіліп қалды.", "neg", "online"),
        ("Әріптестеріме міндетті түрде ұсынамын.", "pos", "any"),
        ("Құпиясөздерді сақтау туралы бөлім ерекше пайдалы болды.", "pos", "sec"),
        ("Кейбір терминдер түсініксіз болды, аудармасы қажет.", "neg", "any"),
        ("Байланыс үшін: 8 (705) 1234567, біздің ауылда да тренинг өткізгіміз келеді.", "pii",
         "any"),
        ("Заңнама туралы нақтырақ айтылса екен.", "neg", "any"),
        ("Әлеуметтік желілердегі құпиялық баптауларымды тексеріп шықтым.", "pos", "pd"),
        ("Блогерлер үшін заңдық шектеулерді білу өте маңызды.", "pos", "foe"),
    ),
    "en": (
        ("Very practical session, I finally set up two-factor authentication on all my "
         "accounts.", "pos", "sec"),
        ("Great trainers, clear examples from Kazakhstan.", "pos", "any"),
        ("Would love a follow-up session on secure messaging apps.", "pos", "sec"),
        ("Too much content for one afternoon; two shorter sessions would work better.", "neg",
         "any"),
        ("Please send the slides to aigerim.n@mail.kz, thanks!", "pii", "any"),
        ("The screening and the discussion afterwards were eye-opening.", "pos", "film"),
        ("I learned how to file an information request and what deadlines apply.", "pos",
         "ati"),
        ("Not enough time for questions.", "neg", "any"),
        ("Useful for our newsroom, especially the part on phishing.", "pos", "sec"),
        ("Call me on +7 701 123 45 67 if you run this in Astana again.", "pii", "any"),
        ("Good mix of Russian, Kazakh and English materials.", "pos", "any"),
        ("The venue was hard to find and the room was too small.", "neg", "venue"),
        ("An honest conversation about self-censorship, which is rare.", "pos", "cen"),
        ("I now review the app permissions on my phone every month.", "pos", "pd"),
        ("Some legal parts were too general.", "neg", "any"),
        ("Excellent organisation and a friendly atmosphere.", "pos", "any"),
        ("My IIN is 900101300123, please put it on the certificate.", "pii", "any"),
        ("Would recommend to every journalist and blogger I know.", "pos", "any"),
        ("The online stream kept dropping.", "neg", "online"),
        ("Helpful checklist on what personal data not to post.", "pos", "pd"),
        ("More hands-on exercises next time, please.", "neg", "any"),
        ("I did not know the law lets me ask a company what data it holds about me.", "pos",
         "pd"),
        ("Contact our NGO at 8 (705) 1234567, we would like to host a session.", "pii", "any"),
        ("Clear, well paced and relevant.", "pos", "any"),
        ("The password manager demo was the best part.", "pos", "sec"),
        ("Now I know how to answer a takedown request without panicking.", "pos", "foe"),
    ),
}
# fmt: on
_THEMES = {
    "PDP-01": ("pd", "sec"),
    "FOE-02": ("foe", "cen"),
    "DSEC-03": ("sec",),
    "CEN-04": ("cen", "foe"),
    "ATI-05": ("ati",),
}


def _comment_pool(c: _Campaign, e: _Event, lang: str, kind: str) -> list[str]:
    """Comments of ``kind`` in ``lang`` that fit the campaign's theme and the event."""
    fits = {"any", *_THEMES.get(c.code, ())}
    fits.add("online" if e.plan.region == "online" else "venue")
    if e.plan.type == "screening":
        fits.add("film")
    return [t for t, k, topic in _COMMENTS[lang] if k == kind and topic in fits]


_RATINGS = (1, 2, 3, 4, 5)
_RATING_W = (1, 2, 8, 30, 59)
_RATING_W_LOW = (6, 12, 27, 33, 22)


def _feedback_rows(c: _Campaign, events: list[_Event], seed: int) -> list[list[str]]:
    rng = _rng(seed, c.code, "feedback")
    attendance = sum(e.total for e in events)
    wanted = min(150, max(40, round(attendance * rng.uniform(0.35, 0.5))))
    per_event = [min(e.total, max(1, round(wanted * e.total / attendance))) for e in events]
    langs, lang_w = zip(*c.languages, strict=True)
    deadline = datetime.combine(DATA_AS_OF, time(23, 59, 59))
    rows: list[tuple[datetime, str, list[str]]] = []
    for e, n in zip(events, per_event, strict=True):
        people = [k for k, v in sorted(e.cells.items()) for _ in range(v)]
        for region, sex, age in rng.sample(people, n):
            lag = rng.choices((0, 1, 2, 3), (0.6, 0.25, 0.1, 0.05))[0]
            hour = rng.randint(15, 22) if lag == 0 else rng.randint(8, 23)
            moment = time(hour, rng.randint(0, 59), rng.randint(0, 59))
            at = min(datetime.combine(e.day + timedelta(days=lag), moment), deadline)
            rating = rng.choices(_RATINGS, _RATING_W_LOW if c.low_ratings else _RATING_W)[0]
            usefulness = min(5, max(1, rating + rng.choice((-1, 0, 0, 0, 1))))
            p_yes = {5: 0.97, 4: 0.88, 3: 0.45}.get(rating, 0.1)
            recommend = "yes" if rng.random() < p_yes else "no"
            lang = rng.choices(langs, lang_w)[0]
            comment = ""
            if rng.random() < 0.4:
                r = rng.random()
                if r < 0.1:
                    kind = "pii"
                elif rating <= 3:
                    kind = "neg" if r < 0.85 else "pos"
                else:
                    kind = "pos" if r < 0.92 else "neg"
                comment = rng.choice(_comment_pool(c, e, lang, kind))
            row = [at.strftime("%Y-%m-%d %H:%M:%S"), e.code, str(rating), str(usefulness),
                   recommend, comment, sex, age, region, lang]  # fmt: skip
            rows.append((at, e.code, row))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [row for _, _, row in rows]


# --------------------------------------------------------------------------------------------
# Spend
# --------------------------------------------------------------------------------------------

_EQUIPMENT = {
    "en": (
        "Laptop Lenovo ThinkPad E14 for trainings",
        "Camera Sony ZV-E10 with lens",
        "Wireless lavalier microphones Rode (2 pcs)",
        "Projector Epson EB-W06",
        "Hardware security keys YubiKey (10 pcs)",
        "LED lights and tripod",
    ),
    "ru": (
        "Ноутбук Lenovo ThinkPad E14 для тренингов",
        "Камера Sony ZV-E10 с объективом",
        "Беспроводные петличные микрофоны Rode (2 шт.)",
        "Проектор Epson EB-W06",
        "Аппаратные ключи безопасности YubiKey (10 шт.)",
        "Светодиодный свет и штатив",
    ),
}
_TRANSLATION = {
    "en": ("Translation of campaign materials into Kazakh", "Subtitles for campaign videos"),
    "ru": ("Перевод материалов на казахский язык", "Перевод и субтитры для видеороликов"),
}
_AD_NETWORKS = {
    "instagram": "Meta Ads",
    "facebook": "Meta Ads",
    "tiktok": "TikTok Ads",
    "youtube": "Google Ads (YouTube)",
    "vk": "VK Реклама",
    "telegram": "Telegram Ads",
    "x": "X Ads",
}


def _spread_dates(rng: Random, c: _Campaign, n: int, front: bool) -> list[date]:
    first, last = c.start + timedelta(days=7), DATA_AS_OF
    span = (last - first).days
    out = []
    for i in range(n):
        u = (i + rng.uniform(0.2, 0.8)) / n
        if front:
            u = u**1.6
        out.append(_weekday_on_or_before(first + timedelta(days=round(u * span)), (0, 1, 2, 3, 4)))
    return [max(d, c.start) for d in out]


def _spend_rows(c: _Campaign, events: list[_Event], seed: int) -> list[tuple[date, str, int, str]]:
    """Spend transactions: (date, line, amount in tiyn, description)."""
    rng = _rng(seed, c.code, "spend")
    lang = c.text_lang
    ru = lang == "ru"
    elapsed = _elapsed_share(c)
    months = _months(c.start, DATA_AS_OF)
    tx: list[tuple[date, str, int, str]] = []
    budget = {x.line: x for x in c.lines}

    roles = {
        "1.1": ("Salary: campaign coordinator", "Заработная плата координатора кампании"),
        "1.2": ("Salary: SMM and content manager", "Заработная плата SMM-менеджера"),
        "1.3": ("Fee: accountant", "Вознаграждение бухгалтера"),
    }
    for line in ("1.1", "1.2", "1.3"):
        for y, m in _months(c.start, c.end):
            payday = _last_weekday(y, m)
            if payday > DATA_AS_OF:
                break
            text = roles[line][1] + " за " if ru else roles[line][0] + ", "
            tx.append(
                (
                    payday,
                    line,
                    budget[line].monthly * 100,
                    text + _month_name(y, m, lang) + (" г." if ru else ""),
                )
            )

    def target(line: str) -> int:
        if line in c.spend_factors:
            share = c.spend_factors[line]
        elif line == "3.1":
            share = rng.uniform(0.85, 1.0)
        else:
            share = elapsed * c.spend_pace * rng.uniform(0.85, 1.12)
        return round(budget[line].amount * min(share, 1.35) * 100)

    def split(line: str, items: list[tuple[date, str]], cents: bool = False) -> None:
        total = target(line)
        weights = [rng.uniform(0.7, 1.3) for _ in items]
        wsum = sum(weights)
        for (d, text), w in zip(items, weights, strict=True):
            amount = total * w / wsum
            amount = round(amount) if cents else round(amount / 10_000) * 10_000
            tx.append((d, line, int(amount), text))

    # 1.4 trainers' fees: after each event
    line = "1.4"
    split(
        line,
        [
            (
                _weekday_on_or_before(e.day + timedelta(days=rng.randint(1, 4)), (0, 1, 2, 3, 4)),
                ("Гонорар тренера: " if ru else "Trainer fee: ") + e.plan.name,
            )
            for e in events
        ],
    )

    # 2.1 travel: before events away from the organisation's city
    line = "2.1"
    trips = [
        (e.day - timedelta(days=rng.randint(2, 6)), e.plan.region)
        for e in events
        if e.plan.region not in ("online", c.org.city)
    ]
    while len(trips) < 2:
        d = _spread_dates(rng, c, 1, False)[0]
        trips.append((d, next(r for r in c.regions if r != c.org.city)))
    split(
        line,
        [
            (
                max(c.start, d),
                (
                    f"Командировка в {_CITY_RU[r]}: билеты, проживание, суточные"
                    if ru
                    else f"Travel to {r}: tickets, accommodation, per diem"
                ),
            )
            for d, r in sorted(trips)
        ],
    )

    # 3.1 equipment: bought in the first weeks
    line = "3.1"
    items = rng.sample(_EQUIPMENT[lang], rng.randint(2, 4))
    split(
        line,
        [
            (
                _weekday_on_or_before(
                    c.start + timedelta(days=rng.randint(5, 45)), (0, 1, 2, 3, 4)
                ),
                item,
            )
            for item in items
        ],
    )

    # 5.1 video production: invoices through the campaign
    line = "5.1"
    n_video = max(3, len(months) - rng.randint(0, 2))
    split(
        line,
        [
            (d, (f"Производство видеоролика №{i + 1}" if ru else f"Video production: clip {i + 1}"))
            for i, d in enumerate(_spread_dates(rng, c, n_video, c.front_loaded))
        ],
    )

    # 5.2 ads: a top-up per ad network and month
    line = "5.2"
    networks = sorted(
        {
            _AD_NETWORKS[ch.platform]
            for ch in c.channels
            if _PLATFORMS[ch.platform].can_boost or ch.platform == "telegram"
        }
    )
    ad_items = []
    for y, m in months:
        for net in networks:
            if rng.random() < 0.25:
                continue
            d = date(y, m, rng.randint(1, 26))
            if not c.start <= d <= DATA_AS_OF:
                continue
            text = (
                f"Продвижение публикаций, {net}, {_month_name(y, m, 'ru')}"
                if ru
                else f"Promoted posts, {net}, {_month_name(y, m, 'en')}"
            )
            ad_items.append((d, text))
    if c.front_loaded:
        ad_items = ad_items[: max(3, len(ad_items) * 3 // 4)]
    split(line, ad_items, cents=True)

    # 5.3 translation: every six weeks or so
    line = "5.3"
    n_tr = max(2, len(months) * 2 // 3)
    texts = _TRANSLATION[lang]
    split(
        line,
        [
            (d, texts[i % len(texts)])
            for i, d in enumerate(_spread_dates(rng, c, n_tr, c.front_loaded))
        ],
    )

    # 5.4 events: venue and catering before each in-person event, platform fee for webinars
    line = "5.4"
    ev_items = []
    for e in events:
        if e.plan.region == "online":
            ev_items.append(
                (
                    e.day - timedelta(days=3),
                    (
                        f"Подписка на платформу вебинаров: {e.plan.name}"
                        if ru
                        else f"Webinar platform subscription: {e.plan.name}"
                    ),
                )
            )
            continue
        ev_items.append(
            (
                e.day - timedelta(days=rng.randint(3, 10)),
                (f"Аренда зала: {e.plan.name}" if ru else f"Venue rental: {e.plan.name}"),
            )
        )
        ev_items.append(
            (
                e.day,
                (
                    f"Кофе-брейк и раздаточные материалы: {e.plan.name}"
                    if ru
                    else f"Coffee break and handouts: {e.plan.name}"
                ),
            )
        )
    split(line, [(max(c.start, d), t) for d, t in ev_items])

    # 8.1 indirect costs: 7% of each completed month's direct costs
    for y, m in months:
        end = _month_end(y, m)
        if end > DATA_AS_OF:
            break
        direct = sum(a for d, ln, a, _ in tx if (d.year, d.month) == (y, m) and ln != "8.1")
        if direct:
            text = (
                f"Косвенные расходы (7%) за {_month_name(y, m, 'ru')} г."
                if ru
                else f"Indirect costs (7% flat rate), {_month_name(y, m, 'en')}"
            )
            tx.append((end, "8.1", round(direct * INDIRECT_RATE), text))

    tx.sort(key=lambda r: (r[0], r[1], r[3]))
    return tx


# --------------------------------------------------------------------------------------------
# Exchange rates
# --------------------------------------------------------------------------------------------


def _fx_rows(seed: int) -> list[tuple[str, str, float]]:
    rng = _rng(seed, "fx")
    kzt, usd = 598.0, 1.14
    rows: list[tuple[str, str, float]] = []
    for m in range(1, DATA_AS_OF.month + 1):
        kzt = min(620.0, max(590.0, kzt + rng.gauss(1.2, 4.0)))
        usd = min(1.17, max(1.08, usd + rng.gauss(-0.004, 0.012)))
        month = f"{DATA_AS_OF.year}-{m:02d}"
        rows.append((month, "KZT", round(kzt, 2)))
        rows.append((month, "USD", round(usd, 4)))
    return rows


# --------------------------------------------------------------------------------------------
# KPI targets
# --------------------------------------------------------------------------------------------


def _kpi_rows(
    c: _Campaign, totals: _MetricTotals, events: list[_Event], seed: int
) -> list[list[object]]:
    rng = _rng(seed, c.code, "kpi")
    elapsed = _elapsed_share(c)
    participants = sum(e.total for e in events)
    growth = totals.followers_now - totals.followers_start
    follow_pace = c.kpi_pace * rng.uniform(0.95, 1.1)
    rows: dict[str, list[object]] = {
        "OP1": [
            "Impressions of campaign content on social media",
            "output",
            "impressions",
            "#",
            0,
            _nice(totals.impressions / (elapsed * c.kpi_pace)),
            "yes",
        ],
        "OP2": [
            "Engagements with campaign content (likes, comments, shares, saves)",
            "output",
            "engagements",
            "#",
            0,
            _nice(totals.engagements / (elapsed * c.kpi_pace * rng.uniform(0.95, 1.05))),
            "yes",
        ],
        "OP3": [
            "People taking part in campaign events (trainings, workshops, screenings, discussions)",
            "output",
            "participants",
            "#",
            0,
            _nice(participants / (elapsed * rng.uniform(0.9, 1.05))),
            "yes",
        ],
        "OP4": [
            "Followers of the campaign accounts",
            "output",
            "followers",
            "#",
            totals.followers_start,
            totals.followers_start + _nice(max(growth, 1) / (elapsed * follow_pace)),
            "no",
        ],
        "OC1": [
            "Share of participants rating the event 4 or 5 out of 5",
            "outcome",
            "positive_feedback_share",
            "%",
            rng.choice((58, 60, 62, 65)),
            80,
            "no",
        ],
    }
    out = []
    for code in c.kpis:
        indicator, level, metric, unit, baseline, target, cumulative = rows[code]
        out.append(
            [
                c.code,
                code,
                indicator,
                level,
                metric,
                unit,
                "increase",
                baseline,
                2025,
                target,
                cumulative,
            ]
        )
    return out


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def _fmt_date(d: date, ru: bool) -> str:
    return d.strftime("%d.%m.%Y") if ru else d.isoformat()


def _fmt_datetime(t: datetime | None, ru: bool) -> str | None:
    if t is None:
        return None
    return t.strftime("%d.%m.%Y %H:%M" if ru else "%Y-%m-%d %H:%M")


def _fmt_amount(tiyn: int, ru: bool) -> str:
    whole, frac = divmod(tiyn, 100)
    if ru:
        return f"{whole:,}".replace(",", " ") + f",{frac:02d}"
    return f"{whole}.{frac:02d}"


def _write_csv(
    path: Path, header: list[str], rows: Iterable[Sequence[object]], excel_ru: bool = False
) -> None:
    """Our CSV template format (UTF-8 with BOM, comma) or a Russian Excel's (cp1251, ``;``)."""
    encoding, delimiter = ("cp1251", ";") if excel_ru else ("utf-8-sig", ",")
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def _sheet_name(kind: str) -> str:
    return header_words()["sheets"][kind]["en"][0]


def _write_programme(path: Path, kpis: list[list[object]]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties(
        {
            "title": "Demo programme: organisations, campaigns, budget, targets, channels",
            "author": "campaign-dashboard demo",
            "company": "Media-freedom programme, Kazakhstan",
            "created": _WORKBOOK_CREATED,
        }
    )
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": "#,##0.00"})

    def sheet(kind: str, rows: list[list[object]], widths: Sequence[int]) -> None:
        ws = wb.add_worksheet(_sheet_name(kind))
        ws.write_row(0, 0, template_header(kind, "en"), bold)
        for col, w in enumerate(widths):
            ws.set_column(col, col, w)
        ws.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, date):
                    ws.write_datetime(r, col, datetime.combine(value, time()), date_fmt)
                elif isinstance(value, float):
                    ws.write_number(r, col, value, money)
                elif isinstance(value, int):
                    ws.write_number(r, col, value)
                else:
                    ws.write_string(r, col, str(value))

    sheet("organisations", [[o.code, o.name, o.city] for o in ORGS], (8, 50, 18))
    sheet(
        "campaigns",
        [
            [
                c.code,
                c.name,
                c.org.code,
                c.theme,
                ", ".join(c.regions),
                ", ".join(lang for lang, _ in c.languages),
                c.start,
                c.end,
                "active",
                c.description,
            ]
            for c in CAMPAIGNS
        ],
        (10, 48, 12, 30, 30, 12, 12, 12, 10, 80),
    )
    sheet(
        "budget_lines",
        [
            [c.code, int(x.line.split(".")[0]), x.line, x.description, float(x.amount), "KZT"]
            for c in CAMPAIGNS
            for x in c.lines
        ],
        (10, 9, 7, 64, 16, 9),
    )
    sheet("kpi_targets", kpis, (10, 14, 70, 9, 24, 6, 10, 10, 13, 12, 11))
    sheet(
        "channels",
        [
            [
                c.code,
                ch.platform,
                _account_name(ch.platform, ch.handle),
                _account_url(ch.platform, ch.handle),
                ch.language,
            ]
            for c in CAMPAIGNS
            for ch in c.channels
        ],
        (10, 11, 22, 44, 9),
    )
    wb.close()


def write_demo_files(
    out_dir: Path, seed: int = 2026, *, post_details: bool = False
) -> list[DemoFile]:
    """Write the demo programme's files in load order (programme, fx, then per campaign).

    With ``post_details``, the metrics files' post rows also carry each post's publication time,
    format, language and title, in four columns after the template's (as platform exports name
    them); every other cell is the same either way.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    per_campaign: list[DemoFile] = []
    kpis: list[list[object]] = []
    for c in CAMPAIGNS:
        ru = c.excel_ru
        lang = "ru" if ru else "en"
        events = _events(c, seed)
        metric_rows, totals = _metrics(c, seed)
        kpis.extend(_kpi_rows(c, totals, events, seed))

        metrics_path = out_dir / f"metrics_{c.code}.csv"
        header = template_header("metrics", lang)
        width = len(header)
        if post_details:
            header += [aliases("metrics", f)[lang][0] for f in _POST_DETAILS]
        _write_csv(
            metrics_path,
            header,
            (
                [_fmt_date(r[0], ru), *r[1:width]]
                + ([_fmt_datetime(r[width], ru), *r[width + 1 :]] if post_details else [])
                for r in metric_rows
            ),
            ru,
        )

        spend_path = out_dir / f"spend_{c.code}.csv"
        spend = _spend_rows(c, events, seed)
        _write_csv(
            spend_path,
            template_header("spend", lang),
            (
                [
                    _fmt_date(d, ru),
                    line,
                    _fmt_amount(amount, ru),
                    "KZT",
                    text,
                    f"{c.code}/{d.year}/{i:04d}",
                ]
                for i, (d, line, amount, text) in enumerate(spend, start=1)
            ),
            ru,
        )

        participants_path = out_dir / f"participants_{c.code}.csv"
        _write_csv(
            participants_path, template_header("participants", "en"), _participant_rows(events)
        )

        feedback_path = out_dir / f"feedback_{c.code}.csv"
        _write_csv(
            feedback_path, template_header("feedback", "en"), _feedback_rows(c, events, seed)
        )

        per_campaign += [
            DemoFile(metrics_path, "metrics", c.code),
            DemoFile(spend_path, "spend", c.code),
            DemoFile(participants_path, "participants", c.code),
            DemoFile(feedback_path, "feedback", c.code),
        ]

    programme_path = out_dir / "programme.xlsx"
    _write_programme(programme_path, kpis)
    fx_path = out_dir / "fx.csv"
    _write_csv(
        fx_path,
        template_header("fx", "en"),
        ([m, cur, f"{v:.2f}" if cur == "KZT" else f"{v:.4f}"] for m, cur, v in _fx_rows(seed)),
    )
    return [
        DemoFile(programme_path, "programme", None),
        DemoFile(fx_path, "fx", None),
        *per_campaign,
    ]
