"""The demo programme's reporting cycle (``data/cycle.toml``): which months each campaign's files
hold and when they came, and what became of each reporting period.

Files with the months before the cycle's first period came at once, when the cycle started;
from then on each month's files came some days after the month ended (one late), and each
period was submitted, approved or returned as the data file says. :func:`apply_cycle` dates the
demo's batches by when their files came and takes the periods' steps, dated too, through
``etl.reporting`` as the dashboard and ``campaigns reporting`` take them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from etl.demo.datafiles import read_toml
from etl.demo.dates import month_end
from etl.demo.programme import CAMPAIGNS, DATA_AS_OF
from etl.reporting import DEFAULT_PATH, Actor, ReportingSettings, load_settings, take_step
from etl.warehouse import Warehouse

_CYCLE = read_toml("cycle.toml")

FIRST_PERIOD: str = _CYCLE["first_period"]
"""The first month of the reporting cycle (the reporting file's ``[cycle] first_period``)."""
FIRST_DAY = date(int(FIRST_PERIOD[:4]), int(FIRST_PERIOD[5:7]), 1)
HISTORY = "history"
_TEN = datetime.min.time().replace(hour=10)
_HOUR = timedelta(hours=1)  # the part of a campaign's files with the months before the cycle


@dataclass(frozen=True)
class PeriodStory:
    """What became of one campaign's period."""

    period: str
    campaign: str
    state: str  # submitted, approved, returned or unsubmitted
    sent: datetime | None = None
    submitted: datetime | None = None
    decided: datetime | None = None
    comment: str | None = None
    withheld: tuple[str, ...] = ()
    narrative: dict[str, str] = field(default_factory=dict)


STORIES: tuple[PeriodStory, ...] = tuple(
    PeriodStory(
        p["period"],
        p["campaign"],
        p["state"],
        p.get("sent"),
        p.get("submitted"),
        p.get("decided"),
        p.get("comment"),
        tuple(p.get("withheld", ())),
        {k: p[k] for k in ("achievements", "challenges", "success_story") if k in p},
    )
    for p in _CYCLE["periods"]
)

WITHHELD: dict[str, frozenset[str]] = {
    c.code: frozenset(e for s in STORIES if s.campaign == c.code for e in s.withheld)
    for c in CAMPAIGNS
}
"""Per campaign, the events whose participants and feedback files have not come."""


def part_of(day: date) -> str:
    """The part of a campaign's files a row dated ``day`` goes in: ``history`` before the
    cycle, else its month (``YYYY-MM``)."""
    return HISTORY if day < FIRST_DAY else f"{day.year:04d}-{day.month:02d}"


def sent_at(campaign: str, part: str | None) -> datetime:
    """When the files of ``campaign``'s ``part`` came (the set-up's for ``part`` None)."""
    if part is None:
        return _CYCLE["setup_sent"]
    index = [c.code for c in CAMPAIGNS].index(campaign)
    if part == HISTORY:
        return _CYCLE["history_sent"] + timedelta(hours=index)
    story = _story(campaign, part)
    if story is not None and story.sent is not None:
        return story.sent
    year, month = int(part[:4]), int(part[5:7])
    last = month_end(year, month)
    if last >= DATA_AS_OF:
        at = datetime.combine(DATA_AS_OF + timedelta(days=1), datetime.min.time())
        at = at.replace(hour=10 + index)
    else:
        at = datetime.combine(last + timedelta(days=_CYCLE["sent_after_days"] + index), _TEN)
    # A month's files never come before the month before it.
    previous = date(year, month, 1) - timedelta(days=1)
    if previous >= FIRST_DAY:
        at = max(at, sent_at(campaign, f"{previous.year:04d}-{previous.month:02d}") + _HOUR)
    return at


def _story(campaign: str, period: str) -> PeriodStory | None:
    return next((s for s in STORIES if s.campaign == campaign and s.period == period), None)


def apply_cycle(
    warehouse: Warehouse,
    batches: Sequence[tuple[int, datetime]],
    grantees: dict[str, str],
    settings: ReportingSettings,
) -> None:
    """Date each batch (id, when its file came) and take every period's steps: submitted by
    the organisation's demo account (``grantees``: organisation -> username) or, without one,
    by the officer for it; approved or returned by the officer."""
    with warehouse.writer() as con:
        con.execute("BEGIN TRANSACTION")
        for batch_id, at in batches:
            con.execute(
                "UPDATE core.batch SET started_at = ?, finished_at = ? WHERE batch_id = ?",
                [at, at + timedelta(seconds=2), batch_id],
            )
        con.execute("COMMIT")
    officer = Actor(_CYCLE["officer"], "officer")
    organisation = {c.code: c.org.code for c in CAMPAIGNS}
    for story in STORIES:
        if story.state == "unsubmitted":
            continue
        org = organisation[story.campaign]
        username = grantees.get(org)
        submitter = Actor(username, "grantee", org) if username else officer
        step = {"settings": settings}
        take_step(
            warehouse, "submit", story.campaign, story.period, submitter,
            narrative=story.narrative or None, now=story.submitted, **step,
        )  # fmt: skip
        if story.state == "approved":
            take_step(
                warehouse, "approve", story.campaign, story.period, officer,
                now=story.decided, **step,
            )  # fmt: skip
        elif story.state == "returned":
            take_step(
                warehouse, "return", story.campaign, story.period, officer,
                comment=story.comment, now=story.decided, **step,
            )  # fmt: skip


def demo_settings() -> ReportingSettings:
    """The cycle of the shipped reporting file, which the demo programme's periods follow."""
    return load_settings(DEFAULT_PATH)
