"""The report's people tables: participants of the period by sex, age group and region, the
totals check (each breakdown's parts against the total counted once), age group by sex, and
every event held in the period."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard import metrics
from dashboard.report.model import Table, date_column
from dashboard.report.words import word
from etl.warehouse import Warehouse

PARTICIPANT_BREAKDOWNS = ("sex", "age_group", "region")


def participant_tables(
    wh: Warehouse,
    period: metrics.Selection,
    codes: tuple[str, ...],
    splits: dict[str, pd.DataFrame],
    lang: str = "en",
) -> list[Table]:
    """Participants, Participant totals, Participants by age group and sex, and Events;
    ``splits``: the period's participants by each of :data:`PARTICIPANT_BREAKDOWNS`."""
    total = metrics.totals(wh, ["participants", "events_held"], period)
    whole = total["participants"] or 0.0
    by_group, check = _by_group(splits, whole)
    return [
        Table(
            "participants",
            word("table.participants.title", lang),
            word("table.participants.description", lang),
            by_group,
            keys=("dimension", "group"),
            notes=_notes(wh, codes, total, lang),
        ),
        Table(
            "participants_check",
            word("table.participants_check.title", lang),
            word("table.participants_check.description", lang),
            check,
            keys=("dimension",),
        ),
        Table(
            "participants_sex_age",
            word("table.participants_sex_age.title", lang),
            word("table.participants_sex_age.description", lang),
            _sex_by_age(wh, period),
            keys=("age_group",),
        ),
        Table(
            "events",
            word("table.events.title", lang),
            word("table.events.description", lang),
            _events(wh, period),
            keys=("campaign", "event_code"),
        ),
    ]


def _by_group(splits: dict[str, pd.DataFrame], whole: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Participants by group of each breakdown with their shares, and each breakdown's parts
    added up against ``whole`` (the total counted once)."""
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    for dim in PARTICIPANT_BREAKDOWNS:
        df = splits[dim].dropna(subset=["participants"]).sort_values(dim)
        parts = float(df["participants"].sum()) if len(df) else 0.0
        for r in df.itertuples(index=False):
            value = float(r.participants)
            rows.append(
                {
                    "dimension": dim,
                    "group": getattr(r, dim),
                    "participants": value,
                    "share": value / whole if whole else None,
                }
            )
        checks.append(
            {
                "dimension": dim,
                "sum_of_parts": parts,
                "total": whole,
                "difference": parts - whole,
                "check": "ok" if abs(parts - whole) < 1e-9 else "differs",
            }
        )
    by_group = pd.DataFrame.from_records(
        rows, columns=["dimension", "group", "participants", "share"]
    )
    check = pd.DataFrame.from_records(
        checks, columns=["dimension", "sum_of_parts", "total", "difference", "check"]
    )
    return by_group, check


def _sex_by_age(wh: Warehouse, period: metrics.Selection) -> pd.DataFrame:
    """Participants by age group (rows) and sex (columns), with each age group's total."""
    cross = metrics.query(wh, ["participants"], period, "total", ("age_group", "sex"))
    if not len(cross):
        return pd.DataFrame({"age_group": []})
    sex_age = (
        cross.pivot_table(
            index="age_group", columns="sex", values="participants", aggfunc="sum", fill_value=0
        )
        .reset_index()
        .rename_axis(columns=None)
    )
    if len(sex_age):
        sex_age["total"] = sex_age.drop(columns="age_group").sum(axis=1)
    return sex_age


def _events(wh: Warehouse, period: metrics.Selection) -> pd.DataFrame:
    events_sql, params = metrics.selected_rows("events", period)
    events = metrics.run_sql(
        wh,
        "SELECT e.campaign_code AS campaign, e.event_code, e.name AS event_name, e.event_date, "
        "e.event_type, (SELECT sum(p.participants) FROM participants p "
        "WHERE p.campaign_code = e.campaign_code AND p.event_code = e.event_code) "
        "AS participants "
        f"FROM ({events_sql}) e ORDER BY e.event_date, e.campaign_code, e.event_code",
        params,
    )
    events["event_date"] = date_column(events["event_date"])
    return events


def _notes(
    wh: Warehouse, codes: tuple[str, ...], total: dict[str, Any], lang: str = "en"
) -> tuple[str, ...]:
    """The period's events and participants, and participants of events not in the event
    list (no date, so in no period), never dropped silently."""
    notes = [
        word(
            "note.participants_total",
            lang,
            events=int(total["events_held"] or 0),
            participants=int(total["participants"] or 0),
        ),
    ]
    orphans = metrics.undated_participants(wh, codes)
    if len(orphans):
        listed = ", ".join(
            f"{r.campaign}/{r.event_code} ({int(r.participants)})" for r in orphans.itertuples()
        )
        notes.append(word("note.participants_orphans", lang, listed=listed))
    return tuple(notes)
