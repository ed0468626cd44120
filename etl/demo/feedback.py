"""The demo's feedback responses: ratings, a recommendation and, now and then, a comment.

Comments come from ``comments.csv`` in Russian, Kazakh and English, each tagged with its kind
(``pos`` praise, ``neg`` criticism, ``pii`` carries personal data the loader must mask) and its
topic (``any``, a campaign theme, or the kind of event it fits: ``venue``, ``online``, ``film``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from random import Random

from etl.demo.datafiles import read_csv
from etl.demo.participants import Event
from etl.demo.programme import DATA_AS_OF, Campaign
from etl.demo.seeding import stream


def _comments() -> dict[str, tuple[tuple[str, str, str], ...]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r in read_csv("comments.csv"):
        out.setdefault(r["language"], []).append((r["text"], r["kind"], r["topic"]))
    return {lang: tuple(items) for lang, items in out.items()}


COMMENTS: dict[str, tuple[tuple[str, str, str], ...]] = _comments()
"""Feedback comments by language: (text, kind, topic)."""

_RATINGS = (1, 2, 3, 4, 5)
_RATING_W = (1, 2, 8, 30, 59)
_RATING_W_LOW = (6, 12, 27, 33, 22)


def _comment_pool(c: Campaign, e: Event, lang: str, kind: str) -> list[str]:
    """Comments of ``kind`` in ``lang`` that fit the campaign's theme and the event."""
    fits = {"any", *c.comment_topics}
    fits.add("online" if e.plan.region == "online" else "venue")
    if e.plan.type == "screening":
        fits.add("film")
    return [t for t, k, topic in COMMENTS[lang] if k == kind and topic in fits]


def _comment(rng: Random, c: Campaign, e: Event, lang: str, rating: int) -> str:
    """A comment for four responses in ten: mostly praise after a good rating, criticism after
    a poor one, and one in ten carrying personal data."""
    if rng.random() >= 0.4:
        return ""
    r = rng.random()
    if r < 0.1:
        kind = "pii"
    elif rating <= 3:
        kind = "neg" if r < 0.85 else "pos"
    else:
        kind = "pos" if r < 0.92 else "neg"
    return rng.choice(_comment_pool(c, e, lang, kind))


def _response(
    rng: Random, c: Campaign, e: Event, person: tuple[str, str, str]
) -> tuple[datetime, list[str]]:
    """One participant's response to an event: when it came in, and its template row."""
    region, sex, age = person
    deadline = datetime.combine(DATA_AS_OF, time(23, 59, 59))
    lag = rng.choices((0, 1, 2, 3), (0.6, 0.25, 0.1, 0.05))[0]
    hour = rng.randint(15, 22) if lag == 0 else rng.randint(8, 23)
    moment = time(hour, rng.randint(0, 59), rng.randint(0, 59))
    at = min(datetime.combine(e.day + timedelta(days=lag), moment), deadline)
    rating = rng.choices(_RATINGS, _RATING_W_LOW if c.low_ratings else _RATING_W)[0]
    usefulness = min(5, max(1, rating + rng.choice((-1, 0, 0, 0, 1))))
    p_yes = {5: 0.97, 4: 0.88, 3: 0.45}.get(rating, 0.1)
    recommend = "yes" if rng.random() < p_yes else "no"
    langs, lang_w = zip(*c.languages, strict=True)
    lang = rng.choices(langs, lang_w)[0]
    comment = _comment(rng, c, e, lang, rating)
    row = [at.strftime("%Y-%m-%d %H:%M:%S"), e.code, str(rating), str(usefulness),
           recommend, comment, sex, age, region, lang]  # fmt: skip
    return at, row


def feedback_rows(c: Campaign, events: list[Event], seed: int) -> list[list[str]]:
    """The feedback template's rows: responses from a sample of each event's participants, in
    the order they came in."""
    rng = stream(seed, c.code, "feedback")
    attendance = sum(e.total for e in events)
    wanted = min(150, max(40, round(attendance * rng.uniform(0.35, 0.5))))
    per_event = [min(e.total, max(1, round(wanted * e.total / attendance))) for e in events]
    rows: list[tuple[datetime, str, list[str]]] = []
    for e, n in zip(events, per_event, strict=True):
        people = [k for k, v in sorted(e.cells.items()) for _ in range(v)]
        for person in rng.sample(people, n):
            at, row = _response(rng, c, e, person)
            rows.append((at, e.code, row))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [row for _, _, row in rows]
