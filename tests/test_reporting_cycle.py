"""The reporting cycle on a real warehouse: what each campaign owes per period (received, late,
missing, not yet due), the steps of a period (who may take them, the audit trail), the lock an
approved period puts on loads and undos, and the ``campaigns reporting`` commands."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
from pathlib import Path

import pytest
from conftest import METRICS_HEADER, sql, write

from dashboard.metrics.reporting import grid as reporting_grid
from dashboard.metrics.reporting import owed
from etl import batches
from etl.accounts import User
from etl.load import load_file
from etl.messages import render
from etl.reporting import (
    ReportingRefused,
    ReportingSettings,
    history,
    load_settings,
    take_step,
)
from etl.warehouse import Warehouse

OFFICER = User("olga", "Olga", "officer")
ADR = User("adr", "Almaty Digital Rights", "grantee", organisation="ADR")  # runs PDP-01
SMK = User("smk", "Shymkent Media Club", "grantee", organisation="SMK")  # runs FOE-02
VIEWER = User("vera", "Vera", "viewer")
MONTHLY = ReportingSettings(period_months=1, due_days=15)


def _metrics(folder: Path, name: str, days: list[str], base: int = 100) -> Path:
    rows = [f"{d},instagram,,,{base + i},,,,,,,," for i, d in enumerate(days)]
    return write(folder / name, METRICS_HEADER + "\n" + "\n".join(rows) + "\n")


def _spend(folder: Path, name: str, day: str, reference: str) -> Path:
    return write(
        folder / name,
        "date,budget_line,amount,currency,description,reference\n"
        f"{day},1.1,1000,KZT,cost,{reference}\n",
    )


def _received_on(wh: Warehouse, batch_id: int, day: str) -> None:
    """Date a load as having come on ``day`` (the load log's times)."""
    with wh.writer() as con:
        con.execute(
            "UPDATE core.batch SET started_at = CAST(? AS TIMESTAMP), "
            "finished_at = CAST(? AS TIMESTAMP) WHERE batch_id = ?",
            [f"{day} 10:00:00", f"{day} 10:05:00", batch_id],
        )


def _load(wh: Warehouse, path: Path, campaign: str, received: str | None = None) -> int:
    result = load_file(wh, path, campaign=campaign)
    assert result.status == "loaded", result.errors
    if received:
        _received_on(wh, result.batch_id, received)
    return result.batch_id


# --- what is owed ------------------------------------------------------------------------------


def _expected(
    campaign_start: dt.date, as_of: dt.date, received: dict[tuple[str, str], dt.date]
) -> dict[tuple[str, str], str]:
    """Each (period, kind) of a monthly campaign up to ``as_of``, due the 15th of the month
    after: worked out from the days the loads came."""
    out = {}
    month = campaign_start.replace(day=1)
    while month <= as_of:
        key = f"{month:%Y-%m}"
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        due = last + dt.timedelta(days=15)
        for kind in ("metrics", "spend", "participants", "feedback"):
            came = received.get((key, kind))
            if came is not None:
                out[key, kind] = "received" if came <= due else "late"
            else:
                out[key, kind] = "missing" if as_of > due else "not_due"
        month = (last + dt.timedelta(days=1)).replace(day=1)
    return out


def test_each_kind_owed_is_received_late_missing_or_not_yet_due(
    programme: Warehouse, tmp_path: Path, fresh_cache: None
) -> None:
    # PDP-01 runs from 1 March 2026, FOE-02 from 1 April. March's metrics came on 10 April (due
    # 15 April): on time; April's metrics on 20 May (due 15 May): late; March's spend on 16
    # April: a day late. A load dated in March and April counts for both.
    on_time = _load(programme, _metrics(tmp_path, "m1.csv", ["2026-03-10"]), "PDP-01", "2026-04-10")
    late = _load(programme, _metrics(tmp_path, "m2.csv", ["2026-04-05"]), "PDP-01", "2026-05-20")
    spend = _load(programme, _spend(tmp_path, "s.csv", "2026-03-20", "R-1"), "PDP-01", "2026-04-16")
    foe = _load(
        programme, _metrics(tmp_path, "f.csv", ["2026-04-30", "2026-05-02"]), "FOE-02", "2026-05-03"
    )
    as_of = dt.date(2026, 5, 20)
    table = owed(programme, as_of, settings=MONTHLY)
    got = {
        c: {(r.period, r.kind): r.state for r in table[table.campaign == c].itertuples()}
        for c in ("PDP-01", "FOE-02")
    }
    expected = {
        "PDP-01": _expected(
            dt.date(2026, 3, 1),
            as_of,
            {
                ("2026-03", "metrics"): dt.date(2026, 4, 10),
                ("2026-04", "metrics"): dt.date(2026, 5, 20),
                ("2026-03", "spend"): dt.date(2026, 4, 16),
            },
        ),
        "FOE-02": _expected(
            dt.date(2026, 4, 1),
            as_of,
            {
                ("2026-04", "metrics"): dt.date(2026, 5, 3),
                ("2026-05", "metrics"): dt.date(2026, 5, 3),
            },
        ),
    }
    assert got == expected
    # The Reporting page's grid: one row per campaign and period, each kind's state in a dict
    # (in the settings' order) and in a column of its own.
    folded = reporting_grid(programme, as_of, settings=MONTHLY)
    assert sorted(zip(folded["campaign"], folded["period"], strict=True)) == sorted(
        {(c, p) for c, cells in expected.items() for p, _ in cells}
    )
    for r in folded.itertuples():
        states = {k: s for (p, k), s in expected[r.campaign].items() if p == r.period}
        assert r.kinds == states and list(r.kinds) == list(MONTHLY.kinds)
        assert {k: getattr(r, k) for k in MONTHLY.kinds} == states
        assert r.submission == "not_submitted"
    # Spot checks against the expectation's own wording, and the loads behind each cell.
    rows = {(r.campaign, r.period, r.kind): r for r in table.itertuples()}
    assert rows["PDP-01", "2026-03", "metrics"].state == "received"
    assert rows["PDP-01", "2026-03", "metrics"].batches == [on_time]
    assert rows["PDP-01", "2026-04", "metrics"].state == "late"
    assert rows["PDP-01", "2026-04", "metrics"].batches == [late]
    assert rows["PDP-01", "2026-03", "spend"].batches == [spend]
    assert rows["PDP-01", "2026-03", "spend"].state == "late"
    assert rows["FOE-02", "2026-05", "metrics"].batches == [foe]
    assert rows["PDP-01", "2026-05", "feedback"].state == "not_due"
    assert rows["PDP-01", "2026-05", "feedback"].due == dt.date(2026, 6, 15)
    # No period of a campaign before it starts.
    assert not any(k[0] == "FOE-02" and k[1] == "2026-03" for k in rows)


def test_an_undone_load_is_no_longer_received(
    programme: Warehouse, tmp_path: Path, fresh_cache: None
) -> None:
    batch = _load(programme, _metrics(tmp_path, "m.csv", ["2026-03-10"]), "PDP-01", "2026-04-01")
    row = owed(
        programme, dt.date(2026, 4, 2), campaign="PDP-01", period="2026-03", settings=MONTHLY
    )
    assert row.set_index("kind").loc["metrics", "state"] == "received"
    batches.undo(programme, batch, undone_by="olga")
    row = owed(
        programme, dt.date(2026, 4, 20), campaign="PDP-01", period="2026-03", settings=MONTHLY
    )
    assert row.set_index("kind").loc["metrics", "state"] == "missing"


def test_quarterly_periods_and_the_kinds_owed_come_from_the_settings(
    programme: Warehouse, tmp_path: Path, fresh_cache: None
) -> None:
    settings_file = write(
        tmp_path / "reporting.toml",
        '[cycle]\nperiod_months = 3\ndue_days = 30\nkinds = ["metrics"]\n',
    )
    settings = load_settings(settings_file)
    assert (settings.period_months, settings.due_days, settings.kinds) == (3, 30, ("metrics",))
    _load(programme, _metrics(tmp_path, "m.csv", ["2026-05-10"]), "PDP-01", "2026-07-25")
    table = owed(programme, dt.date(2026, 8, 1), campaign="PDP-01", settings=settings)
    # PDP-01 starts in March: the quarters January-March, April-June, July-September.
    assert [(r.period, r.kind, r.state) for r in table.itertuples()] == [
        ("2026-01", "metrics", "missing"),  # due 30 April
        ("2026-04", "metrics", "received"),  # due 30 July, came 25 July
        ("2026-07", "metrics", "not_due"),
    ]
    with pytest.raises(ReportingRefused, match="2026-05"):
        owed(programme, dt.date(2026, 8, 1), period="2026-05", settings=settings)
    bad = write(tmp_path / "bad.toml", "[cycle]\nperiod_months = 5\n")
    with pytest.raises(ValueError, match="period_months"):
        load_settings(bad)


def test_the_settings_file_is_read_again_only_when_it_changed(tmp_path: Path) -> None:
    settings_file = write(tmp_path / "reporting.toml", "[cycle]\nperiod_months = 3\n")
    first = load_settings(settings_file)
    assert load_settings(settings_file) is first  # unchanged: not read again
    # Another size: read again, whatever the clock says of the modification time.
    write(settings_file, "[cycle]\nperiod_months = 12\ndue_days = 20\n")
    changed = load_settings(settings_file)
    assert (changed.period_months, changed.due_days) == (12, 20)
    # The same size, a later modification time: read again too.
    write(settings_file, "[cycle]\nperiod_months = 6\ndue_days = 20\n")
    later = settings_file.stat().st_mtime_ns + 1_000_000_000
    os.utime(settings_file, ns=(later, later))
    assert load_settings(settings_file).period_months == 6
    # A file that can no longer be read is an error, not the settings read before.
    settings_file.unlink()
    with pytest.raises(ValueError, match="no such reporting file"):
        load_settings(settings_file)


def test_the_report_config_carries_the_cycle_of_the_same_file(tmp_path: Path) -> None:
    from dashboard.report.config import DEFAULT_PATH, ConfigError, load_config

    text = DEFAULT_PATH.read_text("utf-8")
    settings_file = write(tmp_path / "reporting.toml", text)
    config = load_config(settings_file)
    assert config.cycle == load_settings(settings_file)
    assert config.cycle.path == settings_file
    bad = write(tmp_path / "bad.toml", text.replace("period_months = 1", "period_months = 5", 1))
    with pytest.raises(ConfigError, match="period_months"):
        load_config(bad)


# --- the steps ---------------------------------------------------------------------------------


def test_the_steps_of_a_period_who_may_take_them_and_the_audit_trail(
    programme: Warehouse,
) -> None:
    def step(action, user, **kw):
        return take_step(programme, action, "PDP-01", "2026-04", user, settings=MONTHLY, **kw)

    def refused(code, action, user, **kw):
        with pytest.raises(ReportingRefused) as exc:
            step(action, user, **kw)
        assert exc.value.args[0].code == code
        return exc.value.args[0]

    # Someone else's grantee, a viewer: no.
    refused("reporting.not_own_campaign", "submit", SMK)
    refused("reporting.not_own_campaign", "submit", VIEWER)
    # Nothing submitted yet: nothing to approve, return or reopen.
    refused("reporting.cannot_approve", "approve", OFFICER)
    refused("reporting.cannot_reopen", "reopen", OFFICER, comment="why")
    narrative = {
        "achievements": "Три видео, 40 000 просмотров",
        "challenges": "Жарнама кешікті",
        "success_story": "A teacher used our explainer in class.",
    }
    row = step("submit", ADR, narrative=narrative)
    assert row["state"] == "submitted"
    assert json.loads(row["narrative"]) == narrative
    refused("reporting.cannot_submit", "submit", ADR)
    refused("reporting.officers_only_approve", "approve", ADR)
    refused("reporting.officers_only_return", "return", ADR, comment="x")
    refused("reporting.comment_needed", "return", OFFICER, comment="  ")
    row = step("return", OFFICER, comment="Spend for April is missing")
    assert (row["state"], row["comment"]) == ("returned", "Spend for April is missing")
    refused("reporting.cannot_approve", "approve", OFFICER)
    row = step("submit", ADR, narrative={"achievements": "Spend added"})
    assert json.loads(row["narrative"]) == {"achievements": "Spend added"}
    row = step("approve", OFFICER)
    assert (row["state"], row["approved_by"]) == ("approved", "olga")
    refused("reporting.cannot_submit", "submit", OFFICER)
    refused("reporting.officers_only_reopen", "reopen", ADR, comment="x")
    refused("reporting.reason_needed", "reopen", OFFICER)
    row = step("reopen", OFFICER, comment="A late invoice")
    assert (row["state"], row["approved_by"]) == ("reopened", None)
    # An officer may submit for any campaign.
    assert step("submit", OFFICER)["state"] == "submitted"

    trail = [
        (h["action"], h["state_before"], h["state_after"], h["username"], h["role"], h["comment"])
        for h in history(programme, "PDP-01", "2026-04")
    ]
    assert trail == [
        ("submit", None, "submitted", "adr", "grantee", None),
        ("return", "submitted", "returned", "olga", "officer", "Spend for April is missing"),
        ("submit", "returned", "submitted", "adr", "grantee", None),
        ("approve", "submitted", "approved", "olga", "officer", None),
        ("reopen", "approved", "reopened", "olga", "officer", "A late invoice"),
        ("submit", "reopened", "submitted", "olga", "officer", None),
    ]
    # The same trail, read independently from the published copy.
    assert sql(programme, "SELECT count(*) FROM reporting_history")[0][0] == 6


def test_a_period_must_be_a_period_of_the_campaign(programme: Warehouse) -> None:
    def code(campaign, period):
        with pytest.raises(ReportingRefused) as exc:
            take_step(programme, "submit", campaign, period, OFFICER, settings=MONTHLY)
        return exc.value.args[0].code

    assert code("PDP-01", "2026-4") == "reporting.bad_period"
    assert code("PDP-01", "2026-13") == "reporting.bad_period"
    assert code("PDP-01", "2026-02") == "reporting.outside_campaign"  # starts in March
    assert code("XXX-99", "2026-04") == "reporting.no_campaign"
    quarterly = ReportingSettings(period_months=3)
    with pytest.raises(ReportingRefused) as exc:
        take_step(programme, "submit", "PDP-01", "2026-05", OFFICER, settings=quarterly)
    assert exc.value.args[0].code == "reporting.bad_period"
    assert sql(programme, "SELECT count(*) FROM reporting_history")[0][0] == 0


# --- locks -------------------------------------------------------------------------------------


def _facts(wh: Warehouse) -> list[tuple]:
    return sql(
        wh,
        "SELECT campaign_code, metric_date, impressions, batch_id, superseded_by "
        "FROM core.metric_observation ORDER BY ALL",
    )


def _approve(wh: Warehouse, campaign: str, period: str) -> None:
    take_step(wh, "submit", campaign, period, OFFICER, settings=MONTHLY)
    take_step(wh, "approve", campaign, period, OFFICER, settings=MONTHLY)


def test_an_approved_period_refuses_loads_and_undos_until_reopened(
    programme: Warehouse, tmp_path: Path
) -> None:
    march = _load(programme, _metrics(tmp_path, "m.csv", ["2026-03-10"]), "PDP-01")
    _approve(programme, "PDP-01", "2026-03")
    facts_before = _facts(programme)
    log_before = sql(programme, "SELECT * FROM core.batch ORDER BY batch_id")

    # A correction of a March figure, and a file running from March into April: refused whole,
    # and kept in the load log as rejected with the lock as its error.
    refused = []
    for name, days in (("fix.csv", ["2026-03-10"]), ("span.csv", ["2026-03-31", "2026-04-01"])):
        result = load_file(programme, _metrics(tmp_path, name, days, 500), campaign="PDP-01")
        assert (result.status, result.rows_loaded) == ("rejected", 0)
        said = result.errors[0]
        assert said.code == "reporting.locked"
        assert (said.params["campaign"], said.params["period"], said.params["user"]) == (
            "PDP-01",
            "2026-03",
            "olga",
        )
        assert "PDP-01 2026-03" in said.message and "olga" in said.message
        assert "утверждён и заблокирован" in said.text("ru")
        refused.append(result.batch_id)
    # A dry run says the same and writes nothing.
    check = load_file(
        programme, _metrics(tmp_path, "dry.csv", ["2026-03-12"], 800), campaign="PDP-01",
        dry_run=True,
    )  # fmt: skip
    assert check.errors[0].code == "reporting.locked" and not check.would_load
    with pytest.raises(batches.UndoRefused) as exc:
        batches.undo(programme, march, undone_by="olga")
    assert exc.value.args[0].code == "reporting.locked"
    # The refusals changed no figure; the load log only gained the two rejected loads.
    assert _facts(programme) == facts_before
    assert sql(programme, "SELECT * FROM core.batch ORDER BY batch_id")[: len(log_before)] == (
        log_before
    )
    assert sql(
        programme, "SELECT batch_id, status FROM core.batch WHERE batch_id > ? ORDER BY 1",
        [log_before[-1][0]],
    ) == [(b, "rejected") for b in refused]  # fmt: skip
    assert sql(
        programme, "SELECT DISTINCT code FROM core.batch_issue WHERE batch_id IN (?, ?)", refused
    ) == [("reporting.locked",)]

    # April, and another campaign's March, are not locked.
    april = _load(programme, _metrics(tmp_path, "a.csv", ["2026-04-02"]), "PDP-01")
    assert batches.undo(programme, april, undone_by="olga")["status"] == "undone"

    take_step(programme, "reopen", "PDP-01", "2026-03", OFFICER, comment="fix", settings=MONTHLY)
    fixed = load_file(
        programme, _metrics(tmp_path, "fix2.csv", ["2026-03-10"], 700), campaign="PDP-01"
    )
    assert fixed.status == "loaded"
    assert sql(
        programme, "SELECT impressions FROM metric_observations WHERE campaign_code = 'PDP-01'"
    ) == [(700.0,)]
    assert batches.undo(programme, fixed.batch_id, undone_by="olga")["status"] == "undone"
    assert batches.undo(programme, march, undone_by="olga")["status"] == "undone"
    assert sql(programme, "SELECT count(*) FROM metric_observations")[0][0] == 0


def test_a_rate_of_an_approved_month_cannot_change_until_reopened(
    programme: Warehouse, tmp_path: Path
) -> None:
    """The programme's KZT rates (batch 2) give March 603.5. With PDP-01's March approved, a
    rates file restating every month as it was and adding 2027 loads; one changing March's
    rate is refused, as is undoing the rates that March's EUR figures were approved with."""
    rates = {f"2026-{m:02d}": f"{600 + m}.5" for m in range(1, 13)}
    header = "month,currency,units_per_eur\n"

    def rates_file(name: str, values: dict[str, str]) -> Path:
        body = "".join(f"{month},KZT,{v}\n" for month, v in values.items())
        return write(tmp_path / name, header + body)

    _approve(programme, "PDP-01", "2026-03")
    before = sql(programme, "SELECT * FROM exchange_rates ORDER BY ALL")
    changed = load_file(programme, rates_file("fix.csv", {**rates, "2026-03": "590.0"}))
    assert changed.status == "rejected"
    (said,) = changed.errors
    assert said.code == "reporting.locked_rate"
    assert (said.params["month"], said.params["currency"], said.params["campaign"]) == (
        "2026-03", "KZT", "PDP-01",
    )  # fmt: skip
    assert "курс KZT за 2026-03" in said.text("ru")
    assert sql(programme, "SELECT * FROM exchange_rates ORDER BY ALL") == before
    # Restating March as it was, and April's new rate (April is not approved), load.
    more = load_file(
        programme, rates_file("more.csv", {**rates, "2026-04": "611.0", "2027-01": "612.5"})
    )
    assert more.status == "loaded", more.errors
    assert sql(
        programme, "SELECT units_per_eur FROM exchange_rates WHERE month IN ('2026-03-01', "
        "'2026-04-01', '2027-01-01') ORDER BY month",
    ) == [(603.5,), (611.0,), (612.5,)]  # fmt: skip
    # Undoing it restores April's old rate and removes January's: no approved month changes.
    assert batches.undo(programme, more.batch_id, undone_by="olga")["status"] == "undone"
    with pytest.raises(batches.UndoRefused) as exc:
        batches.undo(programme, 2, undone_by="olga")  # the rates March was approved with
    assert exc.value.args[0].code == "reporting.locked_rate"
    take_step(programme, "reopen", "PDP-01", "2026-03", OFFICER, comment="rate", settings=MONTHLY)
    assert load_file(programme, rates_file("fix2.csv", {"2026-03": "590.0"})).status == "loaded"


def test_lock_and_refusals_in_russian_and_kazakh(programme: Warehouse) -> None:
    _approve(programme, "PDP-01", "2026-03")
    with pytest.raises(ReportingRefused) as exc:
        take_step(programme, "approve", "PDP-01", "2026-03", OFFICER, settings=MONTHLY)
    said = exc.value.args[0]
    assert said.render("ru") == (
        "PDP-01 2026-03: статус «утверждён»; утвердить можно только сданный период"
    )
    assert said.render("kk") == (
        "PDP-01 2026-03: күйі «бекітілді»; тек тапсырылған кезеңді бекітуге болады"
    )
    params = {"campaign": "PDP-01", "period": "2026-03", "user": "olga", "date": "2026-04-20"}
    assert "утверждён и заблокирован" in render("reporting.locked", params, "ru")
    assert "бекітілген және бұғатталған" in render("reporting.locked", params, "kk")


# --- the commands ------------------------------------------------------------------------------


def test_the_reporting_commands_round_trip(
    invoke, programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl.accounts import Accounts

    accounts = Accounts.for_warehouse(programme)
    accounts.add("olga", "officer", password="a long officer password 1")
    accounts.add("adr", "grantee", organisation="ADR", password="a long grantee password 1")
    _load(programme, _metrics(tmp_path, "m.csv", ["2026-03-10"]), "PDP-01", "2026-04-10")
    settings = write(tmp_path / "r.toml", '[cycle]\nkinds = ["metrics", "spend"]\n')
    monkeypatch.setenv("CAMPAIGNS_REPORTING", str(settings))
    if True:
        code, _, data = invoke(
            "reporting", "status", "--campaign", "PDP-01", "--as-of", "2026-04-20", "--json"
        )
        assert code == 0
        assert [(r["period"], r["kind"], r["state"]) for r in data["owed"]] == [
            ("2026-03", "metrics", "received"),
            ("2026-03", "spend", "missing"),
            ("2026-04", "metrics", "not_due"),
            ("2026-04", "spend", "not_due"),
        ]
        assert data["owed"][0]["received_at"] == "2026-04-10 10:05:00"
        assert data["owed"][0]["batches"] == [3]
        assert data["owed"][1]["received_at"] is None and data["owed"][1]["submission"] is None
        code, output, _ = invoke("reporting", "status", "--as-of", "2026-04-20")
        assert code == 0 and "PDP-01" in output and "not_due" in output
        story = write(
            tmp_path / "n.toml",
            'achievements = "Две тысячи подписчиков"\nsuccess_story = "Мектеп мұғалімі"\n',
        )
        code, _, row = invoke(
            "reporting", "submit", "PDP-01", "2026-03", "--narrative-file", str(story),
            "--user", "adr", "--json",
        )  # fmt: skip
        assert code == 0 and row["state"] == "submitted"
        code, output, _ = invoke("reporting", "approve", "PDP-01", "2026-03", "--user", "adr")
        assert code == 1 and "only an officer" in output
        code, output, _ = invoke(
            "--lang", "ru", "reporting", "approve", "PDP-01", "2026-03", "--user", "adr"
        )
        assert code == 1 and "только сотрудник программы" in output
        assert invoke("reporting", "approve", "PDP-01", "2026-03", "--user", "olga")[0] == 0
        code, _, data = invoke(
            "reporting", "status", "--period", "2026-03", "--as-of", "2026-04-20", "--json"
        )
        assert {r["campaign"]: r["submission"] for r in data["owed"]} == {"PDP-01": "approved"}
        code, output, _ = invoke(
            "load", str(_metrics(tmp_path, "late.csv", ["2026-03-11"], 900)), "--campaign", "PDP-01"
        )
        assert code != 0 and "approved and locked" in output
        code, _, _ = invoke(
            "reporting", "reopen", "PDP-01", "2026-03", "--reason", "late", "--user", "olga"
        )
        assert code == 0
        code, _, steps = invoke("reporting", "history", "--campaign", "PDP-01", "--json")
        assert [s["action"] for s in steps] == ["submit", "approve", "reopen"]
        assert steps[0]["narrative"] == {
            "achievements": "Две тысячи подписчиков",
            "success_story": "Мектеп мұғалімі",
        }
        code, output, _ = invoke("reporting", "submit", "PDP-01", "2026-03", "--user", "nobody")
        assert code == 1 and "no account" in output


# --- the alert ---------------------------------------------------------------------------------


def test_a_report_overdue_is_an_alert_until_it_comes_or_the_period_is_approved(
    programme: Warehouse, tmp_path: Path, fresh_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.alerts import alert_text
    from dashboard.metrics.alerts import current_alerts
    from etl.alerts.config import load_config

    monkeypatch.setenv(
        "CAMPAIGNS_REPORTING",
        str(write(tmp_path / "r.toml", '[cycle]\nkinds = ["metrics", "spend"]\n')),
    )
    only = write(
        tmp_path / "alerts.toml",
        "".join(
            f"[rules.{name}]\nenabled = {'true' if name == 'report_overdue' else 'false'}\n"
            for name in (
                "kpi_behind",
                "spend_ahead",
                "budget_line_over",
                "no_figures",
                "load_rejected",
                "report_overdue",
            )
        ),  # fmt: skip
    )
    config = load_config(only)
    assert load_config().rule("report_overdue").enabled  # on by default
    _load(programme, _metrics(tmp_path, "m.csv", ["2026-03-10"]), "PDP-01", "2026-04-01")
    as_of = dt.date(2026, 4, 20)  # March due 15 April; April not yet due
    found = current_alerts(programme, as_of, config)
    assert [(a.rule, a.campaign, a.subject, a.fingerprint) for a in found] == [
        ("report_overdue", "PDP-01", "2026-03", "missing:spend")
    ]
    assert alert_text(found[0], "en") == (
        "PDP-01: the reports for 2026-03 were due on 15 Apr 2026; not received: Costs (spend)."
    )
    assert "Расходы" in alert_text(found[0], "ru")
    # Spend comes (late): nothing overdue for March any more.
    _load(programme, _spend(tmp_path, "s.csv", "2026-03-05", "R-9"), "PDP-01", "2026-04-21")
    assert current_alerts(programme, dt.date(2026, 4, 22), config) == []
    # May: April's spend and metrics are missing for both campaigns, until April is approved.
    found = current_alerts(programme, dt.date(2026, 5, 16), config)
    assert {(a.campaign, a.subject, a.fingerprint) for a in found} == {
        ("PDP-01", "2026-04", "missing:metrics,spend"),
        ("FOE-02", "2026-04", "missing:metrics,spend"),
    }
    _approve(programme, "FOE-02", "2026-04")
    found = current_alerts(programme, dt.date(2026, 5, 16), config)
    assert [(a.campaign, a.subject) for a in found] == [("PDP-01", "2026-04")]


def test_participants_are_dated_by_their_event_and_feedback_by_its_submission(
    programme: Warehouse, tmp_path: Path, fresh_cache: None
) -> None:
    head = "event_code,event_name,event_date,event_type,region,sex,age_group,participants\n"
    event = "E1,Training,2026-04-10,training,Almaty"
    people = _load(
        programme,
        write(tmp_path / "p1.csv", head + f"{event},female,18-24,12\n{event},male,18-24,7\n"),
        "PDP-01",
        "2026-05-10",
    )
    fb_head = (
        "submitted_at,event_code,rating,usefulness,would_recommend,comment,sex,age_group,"
        "region,language\n"
    )
    said = _load(
        programme,
        write(
            tmp_path / "f1.csv", fb_head + "2026-04-30 18:00:00,E1,5,4,yes,Good,F,18-24,Almaty,ru\n"
        ),
        "PDP-01",
        "2026-05-16",
    )
    table = owed(programme, dt.date(2026, 5, 20), campaign="PDP-01", settings=MONTHLY)
    april = table[table.period == "2026-04"].set_index("kind")
    assert april.loc["participants", "state"] == "received"
    assert april.loc["participants", "batches"] == [people]
    assert april.loc["feedback", "state"] == "late"  # due 15 May, came the 16th
    assert april.loc["feedback", "batches"] == [said]
    may = table[table.period == "2026-05"].set_index("kind")
    assert set(may["state"]) == {"not_due"}

    _approve(programme, "PDP-01", "2026-04")
    counts = sql(programme, "SELECT sex, participants FROM participants ORDER BY 1")
    restated = load_file(
        programme, write(tmp_path / "p2.csv", head + f"{event},female,18-24,13\n"),
        campaign="PDP-01",
    )  # fmt: skip
    assert restated.status == "rejected" and restated.errors[0].code == "reporting.locked"
    late_answer = load_file(
        programme,
        write(tmp_path / "f2.csv", fb_head + "2026-04-29 09:00:00,E1,3,3,no,,M,25-34,Almaty,kk\n"),
        campaign="PDP-01",
    )
    assert late_answer.errors[0].code == "reporting.locked"
    assert sql(programme, "SELECT sex, participants FROM participants ORDER BY 1") == counts
    assert sql(programme, "SELECT count(*) FROM feedback")[0][0] == 1
    # A feedback file restates its events whole: May's response to E1 would take April's away,
    # so it is refused too; a response about another event loads.
    same_event = load_file(
        programme,
        write(tmp_path / "f3.csv", fb_head + "2026-05-02 09:00:00,E1,4,4,yes,,M,25-34,Almaty,kk\n"),
        campaign="PDP-01",
    )
    assert same_event.errors[0].code == "reporting.locked"
    other_event = load_file(
        programme,
        write(tmp_path / "f4.csv", fb_head + "2026-05-02 09:00:00,E2,4,4,yes,,M,25-34,Almaty,kk\n"),
        campaign="PDP-01",
    )
    assert other_event.status == "loaded", other_event.errors
    assert sql(programme, "SELECT count(*) FROM feedback")[0][0] == 2
