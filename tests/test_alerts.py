"""Alert rules on a real warehouse, their state (sent once until the cause changes, closed when
resolved), their settings, and who is told what. Expected alerts come from
``tests/alert_facts.py``, worked out from the figures loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alert_facts import (
    AS_OF,
    LINE_BUDGETS_KZT,
    ORGANISATIONS,
    budget_eur,
    elapsed,
    expected,
    impressions,
    load_facts,
    reject_a_load,
    spend_eur,
)
from conftest import METRICS_HEADER, write

from dashboard import alerts as alerting
from dashboard.metrics.alerts import RULES, current_alerts, rule
from etl import migrations
from etl.accounts import User
from etl.alerts import Alert
from etl.alerts.config import ConfigError, load_config
from etl.load import load_file
from etl.warehouse import Warehouse


@pytest.fixture
def facts(programme: Warehouse, tmp_path: Path) -> Warehouse:
    load_facts(programme, tmp_path)
    return programme


def _keys(found) -> set[tuple]:
    return {(a.rule, a.campaign, a.subject) for a in found}


def test_the_rules_find_what_the_figures_say(facts: Warehouse) -> None:
    found = current_alerts(facts, AS_OF, load_config())
    assert _keys(found) == expected(AS_OF)
    by_key = {(a.rule, a.campaign, a.subject): a for a in found}
    kpi = by_key["kpi_behind", "PDP-01", "OP1"]
    assert kpi.params["achievement"] == pytest.approx(impressions("PDP-01", AS_OF) / 2_000_000)
    assert kpi.params["elapsed"] == pytest.approx(elapsed("PDP-01", AS_OF))
    line = by_key["budget_line_over", "FOE-02", "1.1"]
    assert line.params["spend_eur"] == pytest.approx(spend_eur("FOE-02", "1.1"))
    assert line.params["budget_eur"] == pytest.approx(budget_eur(LINE_BUDGETS_KZT["FOE-02", "1.1"]))
    stale = by_key["no_figures", "PDP-01", ""]
    assert stale.params == {"days": (AS_OF - dt.date(2026, 6, 10)).days, "last_date": "2026-06-10"}
    assert {a.organisation for a in found if a.campaign} <= set(ORGANISATIONS.values())
    assert all(a.organisation == ORGANISATIONS[a.campaign] for a in found)


def test_the_alerts_follow_the_day(facts: Warehouse) -> None:
    later = dt.date(2026, 10, 1)  # FOE-02 has gone quiet too; its spend pace is back in the band
    assert _keys(current_alerts(facts, later, load_config())) == expected(later)
    assert expected(later) != expected(AS_OF)


def test_thresholds_and_switches_come_from_the_settings(facts: Warehouse, tmp_path: Path) -> None:
    over = write(
        tmp_path / "alerts.toml",
        "[rules.no_figures]\ndays = 30\n[rules.budget_line_over]\nenabled = false\n"
        "[rules.spend_ahead]\nband = 0.9\n[rules.kpi_behind]\nband = 0.9\n",
    )
    found = _keys(current_alerts(facts, AS_OF, load_config(over)))
    wanted = expected(AS_OF, band=0.9, stale_days=30)
    assert found == {k for k in wanted if k[0] != "budget_line_over"}
    assert ("no_figures", "PDP-01", "") not in found  # 21 days without figures: under 30
    assert ("kpi_behind", "PDP-01", "OP1") not in found  # a pace of 0.13 is within 1 - 0.9


def test_a_rejected_load_is_an_alert_until_a_later_load_of_its_kind(
    facts: Warehouse, tmp_path: Path
) -> None:
    today = dt.date.today()
    batch = reject_a_load(facts, tmp_path)
    rejected = [a for a in current_alerts(facts, today, load_config()) if a.rule == "load_rejected"]
    assert _keys(rejected) == {("load_rejected", "FOE-02", str(batch))}
    assert rejected[0].organisation == "SMK" and rejected[0].params["file"] == "bad.csv"
    # a week later it is no news any more
    week = current_alerts(facts, today + dt.timedelta(days=7), load_config())
    assert not [a for a in week if a.rule == "load_rejected"]
    # a good file of the same kind for the campaign resolves it
    good = write(tmp_path / "good.csv", METRICS_HEADER + "\n2026-06-29,tiktok,,,5,,,,,,,,\n")
    assert load_file(facts, good, campaign="FOE-02").status == "loaded"
    assert not [a for a in current_alerts(facts, today, load_config()) if a.rule == "load_rejected"]


def test_an_alert_is_news_once_until_its_cause_changes_and_closes_when_resolved(
    facts: Warehouse, tmp_path: Path
) -> None:
    config = load_config()
    now = dt.datetime(2026, 7, 1, 6, 0)
    found, first = alerting.evaluate(facts, AS_OF, config, now)
    assert set(first.opened) == {a.key for a in found} and not first.changed
    _, again = alerting.evaluate(facts, AS_OF, config, now + dt.timedelta(hours=1))
    assert not again.opened and not again.changed and not again.closed
    assert set(again.unchanged) == set(first.opened)

    # More spent on PDP-01's line 5.1: its share spent moves to another step; the cause changed.
    write(tmp_path / "more.csv", "date,budget_line,amount,currency,description,reference\n"
          "2026-06-20,5.1,300000,KZT,more,R-2\n")  # fmt: skip
    assert load_file(facts, tmp_path / "more.csv", campaign="PDP-01").status == "loaded"
    # PDP-01's figures come again up to 30 June: the no-figures alert is resolved.
    rows = "\n".join(f"2026-06-{d},instagram,,,1000,,,,,,,," for d in range(11, 31))
    write(tmp_path / "june.csv", METRICS_HEADER + "\n" + rows)
    assert load_file(facts, tmp_path / "june.csv", campaign="PDP-01").status == "loaded"
    found, third = alerting.evaluate(facts, AS_OF, config, now + dt.timedelta(days=1))
    assert third.changed == ("budget_line_over|PDP-01|5.1",)
    assert third.closed == ("no_figures|PDP-01|",)
    assert not third.opened
    with facts.reader() as con:
        rows = con.execute(
            "SELECT alert_key, closed_at IS NOT NULL, opened_at < changed_at FROM alerts "
            "ORDER BY alert_key"
        ).fetchall()
    state = {key: (closed, moved) for key, closed, moved in rows}
    assert state["no_figures|PDP-01|"] == (True, False)
    assert state["budget_line_over|PDP-01|5.1"] == (False, True)


def test_each_person_is_told_about_their_own_campaigns_only(facts: Warehouse) -> None:
    config = load_config()
    found = current_alerts(facts, AS_OF, config) + [
        Alert("load_rejected", None, "1", "rejected", None, {"batch": 1, "kind": "programme"})
    ]
    officer = User("o", "O", "officer")
    adr = User("a", "A", "grantee", organisation="ADR")
    smk = User("s", "S", "grantee", organisation="SMK")
    desk = User("v", "V", "viewer", campaigns=("FOE-02",))
    assert alerting.alerts_for(officer, found, config) == found  # the programme's too
    assert _keys(alerting.alerts_for(adr, found, config)) == {
        k for k in expected(AS_OF) if k[1] == "PDP-01"
    }
    assert _keys(alerting.alerts_for(smk, found, config)) == {
        k for k in expected(AS_OF) if k[1] == "FOE-02"
    }
    assert alerting.alerts_for(desk, found, config) == []  # viewers are not told by default
    viewers = load_config(_file("[rules.budget_line_over]\nrecipients = ['viewers']\n"))
    assert _keys(alerting.alerts_for(desk, found, viewers)) == {
        ("budget_line_over", "FOE-02", "1.1")
    }
    assert _keys(alerting.alerts_for(User("w", "W", "viewer"), found, viewers)) == {
        ("budget_line_over", "FOE-02", "1.1"),
        ("budget_line_over", "PDP-01", "5.1"),
    }
    assert not [
        a for a in alerting.alerts_for(officer, found, viewers) if a.rule == "budget_line_over"
    ]


def _file(text: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_settings_file_overrides_the_defaults_value_by_value(monkeypatch, tmp_path) -> None:
    defaults = load_config()
    assert set(defaults.rules) == set(RULES)
    assert defaults.rule("no_figures").value("days", 0) == 14
    assert defaults.rule("kpi_behind").recipients == ("officers", "grantees")
    override = write(
        tmp_path / "mine.toml",
        '[rules.no_figures]\ndays = 21\n[alerts]\nbase_url = "https://d.example.org/"\n',
    )
    monkeypatch.setenv("CAMPAIGNS_ALERTS", str(override))
    mine = load_config()
    assert mine.rule("no_figures").value("days", 0) == 21
    assert mine.rule("no_figures").enabled and mine.rule("kpi_behind").enabled
    assert mine.base_url == "https://d.example.org"
    monkeypatch.setenv("CAMPAIGNS_DASHBOARD_URL", "https://other.example.org")
    assert load_config().base_url == "https://other.example.org"
    monkeypatch.delenv("CAMPAIGNS_ALERTS")
    secrets = write(tmp_path / "secrets.toml", f'[alerts]\nconfig = "{override}"\n')
    assert load_config(secrets=secrets).rule("no_figures").value("days", 0) == 21


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules.no_figures]\ndays = -1\n", "rules.no_figures.days must be a number"),
        ("[rules.no_figures]\nenabled = 'yes'\n", "rules.no_figures.enabled must be true"),
        ("[rules.kpi_behind]\nrecipients = ['donors']\n", "rules.kpi_behind.recipients"),
        ("[rules.spend_ahead]\nband = 1.5\n", "rules.spend_ahead.band must be below 1"),
        ("[rules\n", "is not valid TOML"),
    ],
)
def test_a_wrong_settings_file_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path / "bad.toml", text))


def test_the_rule_registry_keeps_its_order_and_refuses_a_name_twice() -> None:
    with pytest.raises(ValueError, match="two alert rules"):
        rule("kpi_behind")(lambda wh, day, settings: [])
    assert list(RULES) == ["kpi_behind", "spend_ahead", "budget_line_over", "no_figures",
                           "load_rejected", "report_overdue"]  # fmt: skip


def test_migrations_with_a_gap_in_their_numbers_apply_in_order(tmp_path: Path) -> None:
    import duckdb

    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0003_c.sql").write_text("CREATE TABLE c (x INTEGER);")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert [m.version for m in migrations.apply(con, folder)] == [1, 3]
    (folder / "0002_b.sql").write_text("CREATE TABLE b (x INTEGER);")  # a branch merged later
    assert [m.version for m in migrations.apply(con, folder)] == [2]
    assert migrations.applied(con) == [1, 2, 3]
    assert 8 in [m.version for m in migrations.available()]
