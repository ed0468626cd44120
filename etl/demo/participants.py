"""The demo's events and their participants, counted by region, sex and age group."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from etl.demo.dates import weekday_on_or_before
from etl.demo.programme import DATA_AS_OF, OTHER_REGIONS, Campaign, EventPlan
from etl.demo.seeding import stream
from etl.kinds import AGE_GROUPS


@dataclass(frozen=True)
class Event:
    code: str
    plan: EventPlan
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


def _event_day(rng: Random, plan: EventPlan, i: int, n: int, first: date, last: date) -> date:
    """The ``i``-th of ``n`` events falls near its share of the period, on a weekday (screenings
    on Saturdays)."""
    span = (last - first).days
    centre = first + timedelta(days=round((i + 0.5) * span / n) + rng.randint(-6, 6))
    allowed = (5,) if plan.type == "screening" else (1, 2, 3, 4)
    return max(first, weekday_on_or_before(min(centre, last), allowed))


def _regions(c: Campaign, plan: EventPlan) -> tuple[list[str], list[float]]:
    """Where an event's participants come from, with weights."""
    if plan.region == "online":
        return list(c.regions) + list(OTHER_REGIONS[:2]), [0.45, 0.35, 0.12, 0.08]
    other = [r for r in c.regions if r != plan.region]
    return [plan.region, *other], [0.85] + [0.15 / len(other)] * len(other)


def _attendance(rng: Random, c: Campaign, plan: EventPlan) -> dict[tuple[str, str, str], int]:
    """Draw an event's participants: (region, sex, age group) -> count."""
    regions, region_w = _regions(c, plan)
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
    return dict(cells)


def events(c: Campaign, seed: int) -> list[Event]:
    """The campaign's events, spread over its period up to a few days before the data date."""
    rng = stream(seed, c.code, "events")
    first = c.start + timedelta(days=20)
    last = DATA_AS_OF - timedelta(days=5)
    out: list[Event] = []
    for i, plan in enumerate(c.events):
        day = _event_day(rng, plan, i, len(c.events), first, last)
        out.append(Event(f"{c.code}-E{i + 1:02d}", plan, day, _attendance(rng, c, plan)))
    return out


def participant_rows(events: list[Event]) -> list[list[str]]:
    """The participants template's rows: one per event, region, sex and age group."""
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
