"""The reporting cycle: the periods a campaign reports for, the steps a period goes through
(submitted by the campaign's grantee, approved or returned by an officer, reopened with a
reason), and the lock an approved period puts on the campaign's figures.

What each campaign owes per period (the kinds of file, the period's length, the due day) is the
``[cycle]`` table of the programme's reporting file (``dashboard/report/reporting.toml``, or the
file named by ``CAMPAIGNS_REPORTING``), each value left out taking its default
(:func:`load_settings`). Whether each kind was received, late or is
missing is computed by the metrics layer (``dashboard.metrics.reporting``).

Steps:

- ``submit``: the campaign's own grantee (an account of its organisation) or an officer, from
  no state, ``returned`` or ``reopened``; with an optional narrative (achievements,
  challenges, a success story: free text in any language).
- ``approve``: an officer, from ``submitted``. The period is then locked.
- ``return``: an officer, from ``submitted``, with a comment for the grantee.
- ``reopen``: an officer, from ``approved``, with a reason. The lock goes.

Every step is a row of ``core.reporting_event`` (who, their role, when, the comment or reason,
the narrative); a refused step changes nothing and raises :class:`ReportingRefused` with a
coded message (``etl/messages/reporting``).

Locks: :func:`check_locks` is called inside the transaction of a load (after its facts are
written: a refused load takes them back and is recorded as rejected, the lock as its error) and
of an undo (before its facts are removed: refused). It looks at the rows the batch writes or
replaces (or, for an undo, removes or restores) and raises :class:`PeriodLocked` when one of
them is dated in an approved period of its campaign.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from etl.load.result import UsageError
from etl.messages import message
from etl.warehouse import Warehouse

ENV_VAR = "CAMPAIGNS_REPORTING"
# The programme's reporting file (its donor-report settings and logframe, and ``[cycle]``).
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "dashboard" / "report" / "reporting.toml"
OWED_KINDS = ("metrics", "spend", "participants", "feedback")
PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)
STATES = ("submitted", "approved", "returned", "reopened")
NARRATIVE_PARTS = ("achievements", "challenges", "success_story")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")

# The states each step starts from (None: a period never submitted), and where it leads.
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str]] = {
    "submit": ((None, "returned", "reopened"), "submitted"),
    "approve": (("submitted",), "approved"),
    "return": (("submitted",), "returned"),
    "reopen": (("approved",), "reopened"),
}


class ReportingRefused(ValueError):
    """A step of the cycle that cannot be taken; the message says why."""


class PeriodLocked(UsageError):
    """A load, correction or undo that would change figures of an approved (locked) period."""


@dataclass(frozen=True)
class ReportingSettings:
    period_months: int = 1
    due_days: int = 15
    kinds: tuple[str, ...] = OWED_KINDS
    # The first period the cycle runs for (``YYYY-MM``); None: from each campaign's start.
    # Earlier periods owe nothing and take no steps: their figures stand as loaded.
    first_period: str | None = None
    path: Path | None = None

    def in_cycle(self, period: str) -> bool:
        """Whether ``period`` (``YYYY-MM``) is one the cycle runs for."""
        return self.first_period is None or period >= self.first_period

    @property
    def first_day(self) -> dt.date | None:
        """The first day of the cycle's first period (None: the cycle has no start)."""
        if self.first_period is None:
            return None
        return dt.date(int(self.first_period[:4]), int(self.first_period[5:7]), 1)


# The settings last read from each reporting file, with the file's (mtime, size) then.
_LOADED: dict[Path, tuple[tuple[int, int], ReportingSettings]] = {}


def load_settings(path: Path | None = None) -> ReportingSettings:
    """The ``[cycle]`` table of the reporting file ``path`` (default: ``CAMPAIGNS_REPORTING``,
    else the shipped one), each value it leaves out taking its default; a value that cannot be
    used is a :class:`UsageError` naming the file. The file is read again only when it has
    changed (its modification time or size) since it was last read."""
    where = Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)
    try:
        stat = where.stat()
    except FileNotFoundError:
        raise UsageError(f"{where}: no such reporting file") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    kept = _LOADED.get(where)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    settings = settings_from(_read(where), where)
    _LOADED[where] = (stamp, settings)
    return settings


def settings_from(raw: Mapping[str, Any], where: Path) -> ReportingSettings:
    """The ``[cycle]`` table of ``raw``, the parsed reporting file ``where`` (see
    :func:`load_settings`)."""
    values: dict[str, Any] = dict(raw.get("cycle", {}))
    months = values.get("period_months", 1)
    if months not in PERIOD_MONTHS:
        raise UsageError(
            f"{where}: [cycle] period_months is {months!r}; "
            f"use one of {', '.join(map(str, PERIOD_MONTHS))}"
        )
    due = values.get("due_days", 15)
    if not isinstance(due, int) or due < 0:
        raise UsageError(
            f"{where}: [cycle] due_days is {due!r}; give a whole number of days, 0 or more"
        )
    kinds = tuple(values.get("kinds", OWED_KINDS))
    unknown = [k for k in kinds if k not in OWED_KINDS]
    if unknown or not kinds:
        raise UsageError(
            f"{where}: [cycle] kinds {list(kinds)!r}; give some of {', '.join(OWED_KINDS)}"
        )
    first = values.get("first_period")
    if first is not None:
        first = str(first)
        m = _PERIOD.match(first)
        start = (
            dt.date(int(m.group(1)), int(m.group(2)), 1) if m and 0 < int(m.group(2)) < 13 else None
        )
        if start is None or period_start_of(start, ReportingSettings(months)) != start:
            raise UsageError(
                f"{where}: [cycle] first_period is {first!r}; give the first month of a period "
                f'as "YYYY-MM" (periods of {months} month(s) start in January)'
            )
    return ReportingSettings(months, due, kinds, first, where)


def _read(path: Path) -> dict[str, Any]:
    try:
        with Path(path).open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such reporting file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None


# --- periods -----------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start_of(day: dt.date, settings: ReportingSettings) -> dt.date:
    """The first day of the period ``day`` falls in."""
    month = (day.month - 1) // settings.period_months * settings.period_months + 1
    return dt.date(day.year, month, 1)


def period_key(start: dt.date) -> str:
    return f"{start.year:04d}-{start.month:02d}"


def period_bounds(period: str, settings: ReportingSettings) -> tuple[dt.date, dt.date]:
    """First and last day of the period named ``period`` (``YYYY-MM``, its first month)."""
    m = _PERIOD.match(str(period))
    start = None
    if m and 1 <= int(m.group(2)) <= 12:
        start = dt.date(int(m.group(1)), int(m.group(2)), 1)
    if start is None or period_start_of(start, settings) != start:
        raise ReportingRefused(
            message("reporting.bad_period", period=period, months=settings.period_months)
        )
    last = _add_months(start, settings.period_months - 1)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return start, end


def due_date(period_end: dt.date, settings: ReportingSettings) -> dt.date:
    """The last day a period's reports are on time."""
    return period_end + dt.timedelta(days=settings.due_days)


def campaign_periods(
    start: dt.date, end: dt.date, settings: ReportingSettings, until: dt.date | None = None
) -> list[str]:
    """The periods a campaign running from ``start`` to ``end`` reports for (those that
    overlap it, from the cycle's first period), up to the one ``until`` falls in."""
    last = min(end, until) if until else end
    periods = []
    current = period_start_of(start, settings)
    while current <= last:
        if settings.in_cycle(period_key(current)):
            periods.append(period_key(current))
        current = _add_months(current, settings.period_months)
    return periods


# --- the steps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who takes a step: an account's username, role and organisation (``etl.accounts.User``
    has these)."""

    username: str
    role: str
    organisation: str | None = None


def state(warehouse: Warehouse, campaign: str, period: str) -> dict | None:
    """The period's row of ``reporting_periods`` (None: never submitted)."""
    with warehouse.reader() as con:
        return _state(con, campaign, period)


def _state(con: duckdb.DuckDBPyConnection, campaign: str, period: str) -> dict | None:
    cur = con.execute(
        "SELECT * FROM core.reporting_period WHERE campaign_code = ? AND period = ?",
        [campaign, period],
    )
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def clean_narrative(narrative: Mapping[str, object] | None) -> dict[str, str] | None:
    """The narrative's parts as text (blank parts left out); None when all are blank."""
    if not narrative:
        return None
    unknown = [k for k in narrative if k not in NARRATIVE_PARTS]
    if unknown:
        raise ReportingRefused(
            message(
                "reporting.narrative_parts",
                parts=", ".join(map(str, unknown)),
                allowed=", ".join(NARRATIVE_PARTS),
            )
        )
    parts = {k: str(v).strip() for k, v in narrative.items() if v is not None and str(v).strip()}
    return parts or None


def take_step(
    warehouse: Warehouse,
    action: str,
    campaign: str,
    period: str,
    actor: Actor,
    *,
    comment: str | None = None,
    narrative: Mapping[str, object] | None = None,
    settings: ReportingSettings | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Take one step (``submit``, ``approve``, ``return``, ``reopen``) on a campaign's period,
    in one transaction with its audit-trail row; returns the period's new row."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown step '{action}'")
    settings = settings or load_settings()
    start, end = period_bounds(period, settings)
    if not settings.in_cycle(period):
        raise ReportingRefused(
            message("reporting.before_cycle", period=period, first=settings.first_period)
        )
    comment = (comment or "").strip() or None
    text = clean_narrative(narrative) if action == "submit" else None
    now = now or dt.datetime.now().replace(microsecond=0)
    with warehouse.writer() as con:
        row = con.execute(
            "SELECT organisation_code, start_date, end_date FROM campaigns WHERE code = ?",
            [campaign],
        ).fetchone()
        if row is None:
            raise ReportingRefused(message("reporting.no_campaign", campaign=campaign))
        organisation, c_start, c_end = row
        if end < c_start or start > c_end:
            raise ReportingRefused(
                message(
                    "reporting.outside_campaign",
                    campaign=campaign,
                    period=period,
                    start=c_start.isoformat(),
                    end=c_end.isoformat(),
                )
            )
        _check_role(action, actor, campaign, organisation)
        if action == "return" and not comment:
            raise ReportingRefused(message("reporting.comment_needed"))
        if action == "reopen" and not comment:
            raise ReportingRefused(message("reporting.reason_needed"))
        before = _state(con, campaign, period)
        current = before["state"] if before else None
        allowed, after = TRANSITIONS[action]
        if current not in allowed:
            raise ReportingRefused(
                message(
                    f"reporting.cannot_{action}",
                    campaign=campaign,
                    period=period,
                    status=current or "not_submitted",
                )
            )
        approved_by = actor.username if after == "approved" else None
        approved_at = now if after == "approved" else None
        narrative_json = json.dumps(text, ensure_ascii=False) if text else None
        con.execute("BEGIN TRANSACTION")
        try:
            if before is None:
                con.execute(
                    "INSERT INTO core.reporting_period VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        campaign, period, start, end, after, narrative_json, None,
                        actor.username, now, None, None,
                    ],
                )  # fmt: skip
            else:
                keep_narrative = action != "submit"
                con.execute(
                    "UPDATE core.reporting_period SET state = ?, "
                    "narrative = CASE WHEN ? THEN narrative ELSE ? END, comment = ?, "
                    "changed_by = ?, changed_at = ?, approved_by = ?, approved_at = ? "
                    "WHERE campaign_code = ? AND period = ?",
                    [
                        after, keep_narrative, narrative_json,
                        comment if action in ("return", "reopen") else None,
                        actor.username, now, approved_by, approved_at, campaign, period,
                    ],
                )  # fmt: skip
            con.execute(
                "INSERT INTO core.reporting_event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    campaign, period, action, current, after, actor.username, actor.role, now,
                    comment, narrative_json,
                ],
            )  # fmt: skip
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return _state(con, campaign, period) or {}


def _check_role(action: str, actor: Actor, campaign: str, organisation: str) -> None:
    if actor.role == "officer":
        return
    if action == "submit":
        own = actor.role == "grantee" and actor.organisation == organisation
        if not own:
            raise ReportingRefused(
                message("reporting.not_own_campaign", user=actor.username, campaign=campaign)
            )
        return
    raise ReportingRefused(message(f"reporting.officers_only_{action}", user=actor.username))


def history(
    warehouse: Warehouse, campaign: str | None = None, period: str | None = None
) -> list[dict]:
    """The audit trail, oldest step first."""
    with warehouse.reader() as con:
        cur = con.execute(
            "SELECT campaign_code, period, action, state_before, state_after, username, role, "
            "taken_at, comment, narrative FROM core.reporting_event "
            "WHERE (? IS NULL OR campaign_code = ?) AND (? IS NULL OR period = ?) "
            "ORDER BY taken_at, rowid",
            [campaign, campaign, period, period],
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --- locks -------------------------------------------------------------------------------------

# The campaign and date of every dated figure a batch wrote or replaced (for an undo: removes or
# restores). A participant count is dated by its event. A post's description (its title,
# format) is no figure: restating it is not refused, while its figures are dated by their day.
_TOUCHED = """
    SELECT campaign_code, metric_date AS day FROM core.metric_observation
        WHERE batch_id = $b OR superseded_by = $b
    UNION SELECT campaign_code, spend_date FROM core.spend WHERE batch_id = $b OR superseded_by = $b
    UNION SELECT campaign_code, CAST(submitted_at AS DATE) FROM core.feedback_response
        WHERE batch_id = $b OR superseded_by = $b
    UNION SELECT campaign_code, event_date FROM core.event WHERE batch_id = $b OR superseded_by = $b
    UNION SELECT p.campaign_code, e.event_date FROM core.participant_count p
        JOIN core.event e ON e.campaign_code = p.campaign_code AND e.event_code = p.event_code
        WHERE p.batch_id = $b OR p.superseded_by = $b
"""


# The exchange rates batch $b changes: a (month, currency) whose rate it writes differently from
# the rate it replaces, or where it writes or replaces the only one. Restating a month's rate
# with the same value changes nothing.
_RATES_CHANGED = """
    SELECT month, currency FROM (
        (SELECT month, currency, units_per_eur FROM core.fx_rate WHERE batch_id = $b
         EXCEPT SELECT month, currency, units_per_eur FROM core.fx_rate WHERE superseded_by = $b)
        UNION
        (SELECT month, currency, units_per_eur FROM core.fx_rate WHERE superseded_by = $b
         EXCEPT SELECT month, currency, units_per_eur FROM core.fx_rate WHERE batch_id = $b)
    )
"""


def check_locks(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Refuse (:class:`PeriodLocked`, naming the first lock) when a row batch ``batch_id``
    writes, replaces, removes or restores is dated in an approved period of its campaign, or
    when it changes the exchange rate of a month in any campaign's approved period (the rate
    converts that period's costs to EUR)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'core' AND table_name = 'reporting_period'"
    ).fetchone()[0]
    if not exists:
        return
    row = con.execute(
        f"""
        SELECT r.campaign_code, r.period, r.approved_by, r.approved_at
        FROM ({_TOUCHED}) t JOIN core.reporting_period r
          ON r.campaign_code = t.campaign_code AND r.state = 'approved'
         AND t.day BETWEEN r.period_start AND r.period_end
        GROUP BY ALL ORDER BY r.campaign_code, r.period LIMIT 1
        """,
        {"b": batch_id},
    ).fetchone()
    if row is not None:
        campaign, period, by, at = row
        raise PeriodLocked(
            message(
                "reporting.locked",
                campaign=campaign,
                period=period,
                user=by,
                date=at.strftime("%Y-%m-%d %H:%M") if at else "",
            )
        )
    rate = con.execute(
        f"""
        SELECT f.currency, f.month, r.campaign_code, r.period, r.approved_by, r.approved_at
        FROM ({_RATES_CHANGED}) f JOIN core.reporting_period r
          ON r.state = 'approved'
         AND f.month BETWEEN date_trunc('month', r.period_start) AND r.period_end
        ORDER BY f.month, f.currency, r.campaign_code LIMIT 1
        """,
        {"b": batch_id},
    ).fetchone()
    if rate is not None:
        currency, month, campaign, period, by, at = rate
        raise PeriodLocked(
            message(
                "reporting.locked_rate",
                currency=currency,
                month=f"{month:%Y-%m}",
                campaign=campaign,
                period=period,
                user=by,
                date=at.strftime("%Y-%m-%d %H:%M") if at else "",
            )
        )
