"""The demo programme runs the reporting cycle: its files came month by month (one campaign late,
one with an event's files not come), and its periods were submitted, approved and returned as
``etl/demo/data/cycle.toml`` tells. What the dashboard reads of it is checked against the files
the demo writes and the story it tells, worked out here without the metrics layer."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import copy_warehouse, write

from dashboard.metrics.alerts import current_alerts
from dashboard.metrics.reporting import owed
from etl.alerts.config import load_config
from etl.demo import CAMPAIGNS, write_demo_files
from etl.demo.cycle import FIRST_PERIOD, STORIES
from etl.load import load_file
from etl.reporting import load_settings
from etl.warehouse import Warehouse

TODAY = dt.date(2026, 12, 5)
KINDS = ("metrics", "spend", "participants", "feedback")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory):
    return write_demo_files(tmp_path_factory.mktemp("demo-files"))


def _sql(wh: Warehouse, query: str) -> list[tuple]:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_the_reporting_file_starts_the_cycle_where_the_demo_does() -> None:
    assert load_settings().first_period == FIRST_PERIOD == "2026-09"


def test_each_batch_is_dated_when_its_file_came(demo_warehouse: Warehouse, files) -> None:
    came = {f.path.name: f.sent for f in files}
    batches = _sql(demo_warehouse, "SELECT source_name, started_at, finished_at FROM loads")
    assert len(batches) == len(files)
    for name, started, finished in batches:
        assert started == came[name], name
        assert dt.timedelta(0) <= finished - started < dt.timedelta(minutes=1)


def _expected(files) -> dict[tuple[str, str, str], str]:
    """(campaign, period, kind) -> state at TODAY, from the files' months and when they came,
    and the periods' stories."""
    sent = {}
    for f in files:
        month = re.search(r"_(\d{4}-\d{2})\.csv$", f.path.name)
        if month:
            sent[f.campaign, month.group(1), f.kind] = f.sent
    declared = {(s.campaign, s.period) for s in STORIES if s.state in ("submitted", "approved")}
    out = {}
    for c in CAMPAIGNS:
        year, month = 2026, 9
        while dt.date(year, month, 1) <= min(TODAY, c.end):
            period = f"{year:04d}-{month:02d}"
            due = dt.date(year, month, calendar.monthrange(year, month)[1]) + dt.timedelta(15)
            for kind in KINDS:
                came = sent.get((c.code, period, kind))
                if came is not None:
                    state = "received" if came.date() <= due else "late"
                elif (c.code, period) in declared:
                    state = "none"
                else:
                    state = "missing" if due < TODAY else "not_due"
                out[c.code, period, kind] = state
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def test_what_each_campaign_owes_follows_when_its_files_came(
    demo_warehouse: Warehouse, files
) -> None:
    table = owed(demo_warehouse, TODAY)
    got = {(r.campaign, r.period, r.kind): r.state for r in table.itertuples()}
    assert got == _expected(files)
    # The story a programme officer reads: September approved everywhere; in October one
    # campaign approved, one returned, one awaiting approval, one late, one overdue.
    states = dict(zip(table["campaign"] + " " + table["period"], table["submission"], strict=True))
    assert {states[f"{c.code} 2026-09"] for c in CAMPAIGNS} == {"approved"}
    october = {c.code: states[f"{c.code} 2026-10"] for c in CAMPAIGNS}
    october = {k: None if pd.isna(v) else v for k, v in october.items()}
    assert october == {
        "PDP-01": "approved",
        "FOE-02": "returned",
        "DSEC-03": "submitted",
        "CEN-04": "submitted",
        "ATI-05": None,
    }
    late = {(r.campaign, r.period) for r in table.itertuples() if r.state == "late"}
    assert late == {("CEN-04", "2026-10")}
    missing = {(r.campaign, r.period, r.kind) for r in table.itertuples() if r.state == "missing"}
    assert missing == {("ATI-05", "2026-10", "participants"), ("ATI-05", "2026-10", "feedback")}


def test_the_audit_trail_tells_who_did_what_and_when(demo_warehouse: Warehouse) -> None:
    events = _sql(
        demo_warehouse,
        "SELECT campaign_code, period, action, username, taken_at, comment "
        "FROM core.reporting_event",
    )
    submitter = {"PDP-01": "adr", "FOE-02": "erk"}  # the demo grantees; others by e-mail
    wanted = set()
    for s in STORIES:
        if s.state == "unsubmitted":
            continue
        wanted.add((s.campaign, s.period, "submit", submitter.get(s.campaign, "officer"),
                    s.submitted, None))  # fmt: skip
        if s.state in ("approved", "returned"):
            action = "approve" if s.state == "approved" else "return"
            wanted.add((s.campaign, s.period, action, "officer", s.decided, s.comment))
    assert set(events) == wanted
    (returned,) = [s for s in STORIES if s.state == "returned"]
    assert "receipt number" in returned.comment


def test_an_overdue_report_is_an_alert_for_the_campaign_that_owes_it(
    demo_warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGNS_ALERTS", str(write(tmp_path / "alerts.toml", "")))
    overdue = [a for a in current_alerts(demo_warehouse, TODAY, load_config())
               if a.rule == "report_overdue"]  # fmt: skip
    assert [(a.campaign, a.subject, a.params["kinds"]) for a in overdue] == [
        ("ATI-05", "2026-10", ["participants", "feedback"])
    ]


def test_an_approved_period_of_the_demo_is_locked(demo_warehouse: Warehouse, tmp_path: Path):
    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    late_receipt = write(
        tmp_path / "spend.csv",
        "date,budget_line,amount,currency,description,reference\n"
        "2026-09-30,1.1,1000.00,KZT,Taxi to the September workshop,PDP-01/2026/LATE\n",
    )
    before = _sql(wh, "SELECT count(*), sum(amount) FROM core.spend")
    result = load_file(wh, late_receipt, campaign="PDP-01", kind="spend")
    assert result.status == "rejected"
    (error,) = [str(e) for e in result.errors]
    assert "PDP-01" in error and "2026-09" in error and "approved" in error, error
    assert _sql(wh, "SELECT count(*), sum(amount) FROM core.spend") == before
