"""The demo programme's set-up: organisations, campaigns, their channels, budgets and events.

Read from the data files ``programme.toml``, ``channels.csv``, ``events.csv`` and
``budget_lines.csv``; each campaign's indirect-costs line is added here, at the programme's flat
rate of the direct costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from etl.demo.datafiles import read_csv, read_toml

_PROGRAMME = read_toml("programme.toml")

DATA_AS_OF: date = _PROGRAMME["programme"]["data_as_of"]
"""The last day the demo has data for (metrics, spend, events and feedback)."""

INDIRECT_RATE: float = _PROGRAMME["programme"]["indirect_rate"]
INDIRECT_LINE: str = _PROGRAMME["programme"]["indirect_line"]["line"]

WORKBOOK_PROPERTIES: dict[str, str | datetime] = dict(_PROGRAMME["workbook"])
"""The programme workbook's document properties (title, author, company, created)."""


@dataclass(frozen=True)
class Org:
    code: str
    name: str
    city: str


@dataclass(frozen=True)
class Channel:
    platform: str
    handle: str
    language: str
    weight: float  # size of the account relative to the platform's typical campaign account


@dataclass(frozen=True)
class Line:
    line: str
    description: str
    amount: int  # KZT
    monthly: int = 0  # monthly salary for staff lines paid every month, else 0


@dataclass(frozen=True)
class EventPlan:
    type: str  # training, workshop, screening, discussion, online
    name: str
    region: str  # where it takes place, or "online"
    youth: bool = False  # audience mostly students


@dataclass(frozen=True)
class Campaign:
    code: str
    name: str
    org: Org
    theme: str
    regions: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]  # language and share of the audience
    start: date
    end: date
    description: str
    channels: tuple[Channel, ...]
    lines: tuple[Line, ...]
    events: tuple[EventPlan, ...]
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
    comment_topics: tuple[str, ...] = ()  # feedback comment topics that fit its theme
    # Its name and thematic area in Russian and Kazakh (the workbook's translation columns).
    translations: tuple[str, str, str, str] = ("", "", "", "")

    def budget_line(self, line: str) -> Line:
        return next(x for x in self.lines if x.line == line)


def elapsed_share(c: Campaign) -> float:
    """The share of the campaign's days that have passed by :data:`DATA_AS_OF`."""
    return ((DATA_AS_OF - c.start).days + 1) / ((c.end - c.start).days + 1)


def _with_indirect(lines: list[Line]) -> tuple[Line, ...]:
    """The direct lines followed by the indirect-costs line, at the flat rate of their total."""
    direct = sum(x.amount for x in lines)
    description = _PROGRAMME["programme"]["indirect_line"]["description"]
    return (*lines, Line(INDIRECT_LINE, description, round(direct * INDIRECT_RATE)))


def _by_campaign(name: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in read_csv(name):
        out.setdefault(row.pop("campaign"), []).append(row)
    return out


def _campaign(
    record: dict[str, Any],
    orgs: dict[str, Org],
    channels: list[dict[str, str]],
    events: list[dict[str, str]],
    lines: list[dict[str, str]],
) -> Campaign:
    return Campaign(
        code=record["code"],
        name=record["name"],
        org=orgs[record["organisation"]],
        theme=record["theme"],
        regions=tuple(record["regions"]),
        languages=tuple(record["languages"].items()),
        start=record["start"],
        end=record["end"],
        description=record["description"],
        channels=tuple(
            Channel(r["platform"], r["handle"], r["language"], float(r["weight"])) for r in channels
        ),
        lines=_with_indirect(
            [
                Line(r["line"], r["description"], int(r["amount"]), int(r["monthly"] or 0))
                for r in lines
            ]
        ),
        events=tuple(
            EventPlan(r["type"], r["name"], r["region"], youth=r["youth"] == "yes") for r in events
        ),
        text_lang=record["text_lang"],
        scale=record["scale"],
        boost_share=record["boost_share"],
        kpi_pace=record["kpi_pace"],
        kpis=tuple(record["kpis"]),
        spend_pace=record["spend_pace"],
        spend_factors=dict(record.get("spend_factors", {})),
        front_loaded=record.get("front_loaded", False),
        low_ratings=record.get("low_ratings", False),
        excel_ru=record.get("excel_ru", False),
        comment_topics=tuple(record["comment_topics"]),
        translations=(
            record.get("name_ru", ""),
            record.get("name_kk", ""),
            record.get("theme_ru", ""),
            record.get("theme_kk", ""),
        ),
    )


def _campaigns(orgs: tuple[Org, ...]) -> tuple[Campaign, ...]:
    by_code = {o.code: o for o in orgs}
    channels = _by_campaign("channels.csv")
    events = _by_campaign("events.csv")
    lines = _by_campaign("budget_lines.csv")
    return tuple(
        _campaign(r, by_code, channels[r["code"]], events[r["code"]], lines[r["code"]])
        for r in _PROGRAMME["campaigns"]
    )


ORGS: tuple[Org, ...] = tuple(
    Org(o["code"], o["name"], o["city"]) for o in _PROGRAMME["organisations"]
)
CAMPAIGNS: tuple[Campaign, ...] = _campaigns(ORGS)

_REGIONS = read_toml("regions.toml")
OTHER_REGIONS: tuple[str, ...] = tuple(_REGIONS["other_regions"])
"""Regions outside the campaigns' own that online events also reach, most first."""
RUSSIAN_PLACE: dict[str, str] = _REGIONS["russian"]
"""The campaigns' places in Russian, as written after "в"."""
