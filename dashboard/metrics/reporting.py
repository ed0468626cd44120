"""What each campaign owes per reporting period, and its state.

For every campaign, every reporting period that has begun by ``as_of`` (periods and due days
from ``etl.reporting.load_settings``) and every kind of file owed, one row saying:

- ``received``: a load of that kind for the campaign touches the period (one of its rows is
  dated in it: a metric's date, a spend's date, a feedback response's submission, a participant
  count's event) and the first such load came by the due day;
- ``late``: the first such load came after the due day;
- ``missing``: the due day has passed and nothing came;
- ``not_due``: nothing yet, and the due day has not passed;
- ``none``: nothing came, and the period is submitted (or approved): submitting it says there
  was nothing of that kind to report (no event held, say). A returned or reopened period owes
  it again.

A load counts if it is loaded (not rejected or undone); a row it wrote that a later load
replaced still shows it was received. Each row also carries the period's submission state
(``etl.reporting``: submitted, approved, returned, reopened; empty when never submitted).

For the Reporting page: :func:`cells` folds ``owed`` to one row per campaign and period;
:func:`submission`, :func:`period_loads` and :func:`period_history` read one period's
submission (its narrative, the officer's comment), the loads behind it and its audit trail.
Every read goes through the dashboard's scoped reader, so a grantee reads its own campaigns
only.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from dashboard import reader
from dashboard.metrics.builder import run_sql
from dashboard.metrics.targets import as_date
from etl.reporting import (
    NARRATIVE_PARTS,
    ReportingSettings,
    campaign_periods,
    due_date,
    load_settings,
    period_bounds,
)
from etl.warehouse import Warehouse

RECEIVED, LATE, MISSING, NOT_DUE, NONE = "received", "late", "missing", "not_due", "none"
OWED_STATES = (RECEIVED, LATE, MISSING, NOT_DUE, NONE)
# The submission states that say the period is complete as it stands.
_DECLARED = ("submitted", "approved")
# A period no step was taken on yet (its state in ``cells``).
NOT_SUBMITTED = "not_submitted"

# Each loaded batch, the campaign it is about, when it came, and the months its dated rows fall
# in (for metric rows, the months the loads keep: ``core.batch_month``, one row per batch,
# campaign and month instead of every metric row ever loaded).
_TOUCHED = """
    WITH touched AS (
        SELECT batch_id, campaign_code, month AS day FROM core.batch_month
        UNION SELECT batch_id, campaign_code, spend_date FROM core.spend
        UNION SELECT batch_id, campaign_code, CAST(submitted_at AS DATE)
              FROM core.feedback_response
        UNION SELECT p.batch_id, p.campaign_code, e.event_date FROM core.participant_count p
              JOIN core.event e ON e.campaign_code = p.campaign_code
               AND e.event_code = p.event_code
    )
    SELECT b.batch_id, b.kind, t.campaign_code AS campaign,
           coalesce(b.finished_at, b.started_at) AS received_at,
           CAST(date_trunc('month', t.day) AS DATE) AS month
    FROM touched t JOIN core.batch b ON b.batch_id = t.batch_id
    WHERE b.status = 'loaded' AND t.day IS NOT NULL
    GROUP BY ALL
"""

# What each campaign received of each kind in each period: the first load and every load whose
# rows touch the period. Periods tile the calendar in runs of ``$months`` months from January
# (``etl.reporting.period_start_of``), so the period of a month is a matter of arithmetic.
_RECEIVED = f"""
    SELECT campaign, kind,
           strftime(make_date(year(month), (month(month) - 1) // $months * $months + 1, 1),
                    '%Y-%m') AS period,
           min(received_at) AS received_at,
           list_sort(list_distinct(list(batch_id))) AS batches
    FROM ({_TOUCHED}) AS touched
    WHERE $campaign IS NULL OR campaign = $campaign
    GROUP BY ALL
"""

_CAMPAIGNS = """
    SELECT code AS campaign, organisation_code AS organisation, start_date, end_date
    FROM campaigns ORDER BY code
"""

_SUBMISSIONS = """
    SELECT campaign_code AS campaign, period, state, comment, narrative, approved_by,
           approved_at
    FROM reporting_periods
"""

COLUMNS = (
    "campaign", "organisation", "period", "period_start", "period_end", "due", "kind", "state",
    "received_at", "batches", "submission", "comment", "approved_by", "approved_at",
)  # fmt: skip


def owed(
    wh: Warehouse,
    as_of: dt.date,
    *,
    campaign: str | None = None,
    period: str | None = None,
    settings: ReportingSettings | None = None,
) -> pd.DataFrame:
    """One row per campaign, period begun by ``as_of`` and kind owed (see the module's
    docstring), by campaign, period and the kinds' order in the settings. Worked out once per
    published load, day and settings (a rerun of a page reuses it)."""
    settings = settings or load_settings()
    if period is not None:
        period_bounds(period, settings)  # refuses a name that is no period
    return _owed(wh, as_of, campaign, period, settings)


@reader.derived
def _owed(
    wh: Warehouse,
    as_of: dt.date,
    campaign: str | None,
    period: str | None,
    settings: ReportingSettings,
) -> pd.DataFrame:
    periods = []
    for c in run_sql(wh, _CAMPAIGNS).itertuples(index=False):
        if campaign is not None and c.campaign != campaign:
            continue
        for key in campaign_periods(as_date(c.start_date), as_date(c.end_date), settings, as_of):
            if period is not None and key != period:
                continue
            start, end = period_bounds(key, settings)
            periods.append((c.campaign, c.organisation, key, start, end, due_date(end, settings)))
    # Every period of every campaign, each with every kind owed, in the settings' order.
    table = pd.DataFrame(periods, columns=list(COLUMNS[:6])).merge(
        pd.DataFrame({"kind": list(settings.kinds)}), how="cross"
    )
    received = run_sql(wh, _RECEIVED, {"months": settings.period_months, "campaign": campaign})
    submissions = run_sql(wh, _SUBMISSIONS).rename(columns={"state": "submission"})
    table = table.merge(received, on=["campaign", "period", "kind"], how="left").merge(
        submissions[["campaign", "period", "submission", "comment", "approved_by", "approved_at"]],
        on=["campaign", "period"],
        how="left",
    )
    got = table["received_at"].notna()
    due = pd.to_datetime(table["due"])
    table["state"] = np.select(
        [
            got & (table["received_at"] < due + pd.Timedelta(days=1)),
            got,
            table["submission"].isin(_DECLARED),
            due < pd.Timestamp(as_of),
        ],
        [RECEIVED, LATE, NONE, MISSING],
        NOT_DUE,
    )
    table["batches"] = [b if isinstance(b, list) else [] for b in table["batches"]]
    return table[list(COLUMNS)]


# --- one period in detail: its submission, the loads behind it, its audit trail ------------------

_SUBMISSION = """
    SELECT campaign_code AS campaign, period, state, narrative, comment, changed_by, changed_at,
           approved_by, approved_at
    FROM reporting_periods WHERE campaign_code = $campaign AND period = $period
"""

_LOADS = """
    SELECT batch_id, source_name AS file, kind, started_at AS loaded_at, loaded_by,
           rows_loaded AS rows, status
    FROM loads WHERE list_contains($batches, batch_id)
    ORDER BY started_at, batch_id
"""

_HISTORY = """
    SELECT period, action, state_before, state_after, username, role, taken_at, comment
    FROM reporting_history WHERE campaign_code = $campaign AND period = $period
    ORDER BY taken_at, action
"""

HISTORY_COLUMNS = (
    "period", "action", "state_before", "state_after", "username", "role", "taken_at", "comment",
)  # fmt: skip
LOAD_COLUMNS = ("batch_id", "file", "kind", "loaded_at", "loaded_by", "rows", "status")


def submission(wh: Warehouse, campaign: str, period: str) -> dict | None:
    """The period's submission (state, narrative as a dict of its parts, the officer's
    comment or reason, who changed it last and when, who approved it); None when never
    submitted."""
    found = run_sql(wh, _SUBMISSION, {"campaign": campaign, "period": period})
    if found.empty:
        return None
    row = found.iloc[0].to_dict()
    text = row.get("narrative")
    parts = json.loads(text) if isinstance(text, str) and text else {}
    row["narrative"] = {k: parts[k] for k in NARRATIVE_PARTS if parts.get(k)}
    for key in ("comment", "approved_by"):
        if pd.isna(row.get(key)):
            row[key] = None
    for key in ("changed_at", "approved_at"):
        row[key] = None if pd.isna(row.get(key)) else pd.Timestamp(row[key]).to_pydatetime()
    return row


def period_loads(wh: Warehouse, batches: list[int] | tuple[int, ...]) -> pd.DataFrame:
    """The loads behind a period's cells (``owed``'s ``batches``): batch, file, kind, when,
    by whom, rows loaded and status, oldest first."""
    if not batches:
        return pd.DataFrame(columns=list(LOAD_COLUMNS))
    return run_sql(wh, _LOADS, {"batches": sorted({int(b) for b in batches})})


def period_history(wh: Warehouse, campaign: str, period: str) -> pd.DataFrame:
    """The period's audit trail (``core.reporting_event``), oldest step first: the action,
    the states before and after, who (username, role), when, and the comment or reason."""
    return run_sql(wh, _HISTORY, {"campaign": campaign, "period": period})


def cells(table: pd.DataFrame) -> pd.DataFrame:
    """``owed`` folded to one row per campaign and period: its organisation, the period's
    bounds and due day, the submission state (``not_submitted`` when none), the officer's
    comment, and ``kinds``, a dict of each kind's state in the settings' order."""
    columns = ["campaign", "organisation", "period", "period_start", "period_end", "due",
               "submission", "comment", "kinds"]  # fmt: skip
    if table.empty:
        return pd.DataFrame(columns=columns)
    table = table.sort_values(["campaign", "period"], kind="stable")
    kinds: dict[tuple[str, str], dict[str, str]] = {}
    # (pandas' own text columns are slow to iterate a cell at a time: their lists are not)
    for key, kind, state in zip(
        zip(table["campaign"].tolist(), table["period"].tolist(), strict=True),
        table["kind"].tolist(),
        table["state"].tolist(),
        strict=True,
    ):
        kinds.setdefault(key, {})[kind] = state
    grid = table.drop_duplicates(["campaign", "period"])[columns[:-1]].reset_index(drop=True)
    grid["submission"] = [
        s if isinstance(s, str) and s else NOT_SUBMITTED for s in grid["submission"].tolist()
    ]
    grid["comment"] = [c if isinstance(c, str) else None for c in grid["comment"].tolist()]
    grid["kinds"] = [
        kinds[key] for key in zip(grid["campaign"].tolist(), grid["period"].tolist(), strict=True)
    ]
    return grid


def grid(
    wh: Warehouse, as_of: dt.date, *, settings: ReportingSettings | None = None
) -> pd.DataFrame:
    """:func:`cells` of every campaign's periods begun by ``as_of``, with each kind's state
    in a column of its own as well (named by the kind, in the settings' order). Worked out once
    per published load, day and settings: the Reporting page draws it on every run."""
    return _grid(wh, as_of, settings or load_settings())


@reader.derived
def _grid(wh: Warehouse, as_of: dt.date, settings: ReportingSettings) -> pd.DataFrame:
    table = cells(_owed(wh, as_of, None, None, settings))
    for kind in settings.kinds:
        table[kind] = [states.get(kind) for states in table["kinds"]]
    return table
