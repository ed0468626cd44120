"""The demo's spend transactions, line by line of each campaign's budget, and the exchange rates.

Each budget line spends its share of the budget (the elapsed share of the campaign at its spend
pace, or the share ``programme.toml`` sets for the line), split over the transactions a grantee
would book for it: monthly salaries, a trainer's fee after each event, travel before events away
from home, equipment in the first weeks, video invoices, a monthly ads top-up per ad network,
translations, venue and catering, and each month's flat-rate indirect costs. Descriptions are in
the campaign's spend language, from ``spend_texts.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

from etl.demo.datafiles import read_toml
from etl.demo.dates import (
    WORKING_DAYS,
    last_weekday,
    month_end,
    months,
    weekday_on_or_before,
)
from etl.demo.participants import Event
from etl.demo.programme import (
    DATA_AS_OF,
    INDIRECT_LINE,
    INDIRECT_RATE,
    RUSSIAN_PLACE,
    Campaign,
    elapsed_share,
)
from etl.demo.seeding import stream
from etl.demo.social import PLATFORM_PROFILES

Transaction = tuple[date, str, int, str]
"""(date, budget line, amount in tiyn, description)"""

_TEXTS: dict[str, dict[str, Any]] = read_toml("spend_texts.toml")


def _month_name(year: int, month: int, texts: dict[str, Any]) -> str:
    return f"{texts['months'][month - 1]} {year}"


@dataclass
class _Ledger:
    """A campaign's transactions as they are booked, drawing amounts from ``rng``."""

    c: Campaign
    rng: Random
    tx: list[Transaction] = field(default_factory=list)

    def target(self, line: str) -> int:
        """How much the line has spent by the data date, in tiyn."""
        c, rng = self.c, self.rng
        if line in c.spend_factors:
            share = c.spend_factors[line]
        elif line == "3.1":
            share = rng.uniform(0.85, 1.0)
        else:
            share = elapsed_share(c) * c.spend_pace * rng.uniform(0.85, 1.12)
        return round(c.budget_line(line).amount * min(share, 1.35) * 100)

    def split(self, line: str, items: list[tuple[date, str]], cents: bool = False) -> None:
        """Book the line's spend over ``items`` (date, description), in random proportions,
        rounded to whole hundreds of tenge unless ``cents``."""
        total = self.target(line)
        weights = [self.rng.uniform(0.7, 1.3) for _ in items]
        wsum = sum(weights)
        for (d, text), w in zip(items, weights, strict=True):
            amount = total * w / wsum
            amount = round(amount) if cents else round(amount / 10_000) * 10_000
            self.tx.append((d, line, int(amount), text))


def _spread_dates(rng: Random, c: Campaign, n: int, front: bool) -> list[date]:
    """``n`` working days spread over the campaign so far, earlier ones denser if ``front``."""
    first, last = c.start + timedelta(days=7), DATA_AS_OF
    span = (last - first).days
    out = []
    for i in range(n):
        u = (i + rng.uniform(0.2, 0.8)) / n
        if front:
            u = u**1.6
        out.append(weekday_on_or_before(first + timedelta(days=round(u * span)), WORKING_DAYS))
    return [max(d, c.start) for d in out]


def _salaries(c: Campaign, texts: dict[str, Any]) -> list[Transaction]:
    """Staff lines: the monthly salary, paid on the month's last working day."""
    tx: list[Transaction] = []
    for line in (x for x in c.lines if x.monthly):
        for y, m in months(c.start, c.end):
            payday = last_weekday(y, m)
            if payday > DATA_AS_OF:
                break
            text = texts["salary"][line.line].format(month=_month_name(y, m, texts))
            tx.append((payday, line.line, line.monthly * 100, text))
    return tx


def _trainer_fees(ledger: _Ledger, events: list[Event], texts: dict[str, Any]) -> None:
    """1.4 trainers' fees: paid a few days after each event."""
    rng = ledger.rng
    items = [
        (
            weekday_on_or_before(e.day + timedelta(days=rng.randint(1, 4)), WORKING_DAYS),
            texts["trainer_fee"].format(event=e.plan.name),
        )
        for e in events
    ]
    ledger.split("1.4", items)


def _travel(ledger: _Ledger, events: list[Event], texts: dict[str, Any]) -> None:
    """2.1 travel: before events away from the organisation's city, at least two trips."""
    c, rng = ledger.c, ledger.rng
    trips = [
        (e.day - timedelta(days=rng.randint(2, 6)), e.plan.region)
        for e in events
        if e.plan.region not in ("online", c.org.city)
    ]
    while len(trips) < 2:
        d = _spread_dates(rng, c, 1, False)[0]
        trips.append((d, next(r for r in c.regions if r != c.org.city)))
    ru = c.text_lang == "ru"
    items = [
        (max(c.start, d), texts["travel"].format(region=RUSSIAN_PLACE[r] if ru else r))
        for d, r in sorted(trips)
    ]
    ledger.split("2.1", items)


def _equipment(ledger: _Ledger, texts: dict[str, Any]) -> None:
    """3.1 equipment: a few items bought in the first weeks."""
    c, rng = ledger.c, ledger.rng
    bought = rng.sample(texts["equipment"], rng.randint(2, 4))
    items = [
        (weekday_on_or_before(c.start + timedelta(days=rng.randint(5, 45)), WORKING_DAYS), item)
        for item in bought
    ]
    ledger.split("3.1", items)


def _video(ledger: _Ledger, n_months: int, texts: dict[str, Any]) -> None:
    """5.1 video production: invoices through the campaign, about one a month."""
    c, rng = ledger.c, ledger.rng
    n_video = max(3, n_months - rng.randint(0, 2))
    dates = _spread_dates(rng, c, n_video, c.front_loaded)
    ledger.split("5.1", [(d, texts["video"].format(n=i + 1)) for i, d in enumerate(dates)])


def _ads(ledger: _Ledger, period: list[tuple[int, int]], texts: dict[str, Any]) -> None:
    """5.2 ads: a top-up per ad network in most months (to the tiyn)."""
    c, rng = ledger.c, ledger.rng
    networks = sorted(
        {
            PLATFORM_PROFILES[ch.platform].ad_network
            for ch in c.channels
            if PLATFORM_PROFILES[ch.platform].can_boost or ch.platform == "telegram"
        }
    )
    items = []
    for y, m in period:
        for net in networks:
            if rng.random() < 0.25:
                continue
            d = date(y, m, rng.randint(1, 26))
            if not c.start <= d <= DATA_AS_OF:
                continue
            items.append((d, texts["ads"].format(network=net, month=_month_name(y, m, texts))))
    if c.front_loaded:
        items = items[: max(3, len(items) * 3 // 4)]
    ledger.split("5.2", items, cents=True)


def _translation(ledger: _Ledger, n_months: int, texts: dict[str, Any]) -> None:
    """5.3 translation: every six weeks or so."""
    c, rng = ledger.c, ledger.rng
    n_tr = max(2, n_months * 2 // 3)
    done = texts["translation"]
    dates = _spread_dates(rng, c, n_tr, c.front_loaded)
    ledger.split("5.3", [(d, done[i % len(done)]) for i, d in enumerate(dates)])


def _event_costs(ledger: _Ledger, events: list[Event], texts: dict[str, Any]) -> None:
    """5.4 events: venue and catering for each in-person event, platform fee for webinars."""
    c, rng = ledger.c, ledger.rng
    items = []
    for e in events:
        name = e.plan.name
        if e.plan.region == "online":
            items.append((e.day - timedelta(days=3), texts["webinar"].format(event=name)))
            continue
        venue_day = e.day - timedelta(days=rng.randint(3, 10))
        items.append((venue_day, texts["venue"].format(event=name)))
        items.append((e.day, texts["catering"].format(event=name)))
    ledger.split("5.4", [(max(c.start, d), t) for d, t in items])


def _indirect(
    tx: list[Transaction], period: list[tuple[int, int]], texts: dict[str, Any]
) -> list[Transaction]:
    """The indirect-costs line: the flat rate of each completed month's direct costs."""
    out: list[Transaction] = []
    for y, m in period:
        end = month_end(y, m)
        if end > DATA_AS_OF:
            break
        direct = sum(a for d, ln, a, _ in tx if (d.year, d.month) == (y, m) and ln != INDIRECT_LINE)
        if direct:
            text = texts["indirect"].format(month=_month_name(y, m, texts))
            out.append((end, INDIRECT_LINE, round(direct * INDIRECT_RATE), text))
    return out


def spend_rows(c: Campaign, events: list[Event], seed: int) -> list[Transaction]:
    """The campaign's spend transactions up to the data date, by date, line and description."""
    texts = _TEXTS[c.text_lang]
    period = months(c.start, DATA_AS_OF)
    ledger = _Ledger(c, stream(seed, c.code, "spend"), _salaries(c, texts))
    _trainer_fees(ledger, events, texts)
    _travel(ledger, events, texts)
    _equipment(ledger, texts)
    _video(ledger, len(period), texts)
    _ads(ledger, period, texts)
    _translation(ledger, len(period), texts)
    _event_costs(ledger, events, texts)
    tx = ledger.tx + _indirect(ledger.tx, period, texts)
    tx.sort(key=lambda r: (r[0], r[1], r[3]))
    return tx


def fx_rows(seed: int) -> list[tuple[str, str, float]]:
    """Monthly exchange rates of the data year: (YYYY-MM, currency, units per euro)."""
    rng = stream(seed, "fx")
    kzt, usd = 598.0, 1.14
    rows: list[tuple[str, str, float]] = []
    for m in range(1, DATA_AS_OF.month + 1):
        kzt = min(620.0, max(590.0, kzt + rng.gauss(1.2, 4.0)))
        usd = min(1.17, max(1.08, usd + rng.gauss(-0.004, 0.012)))
        month = f"{DATA_AS_OF.year}-{m:02d}"
        rows.append((month, "KZT", round(kzt, 2)))
        rows.append((month, "USD", round(usd, 4)))
    return rows
