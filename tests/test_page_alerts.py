"""The alerts in the app: the notice a person gets on signing in (their open alerts only, once
per session) and the officers' Alerts page, through AppTest on a real warehouse. The rules that
depend on today's date (no new figures, spend pace, reports overdue) are switched off, so the
alerts expected from ``tests/alert_facts.py`` hold whatever the day the tests run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alert_facts import expected, load_facts, reject_a_load
from conftest import METRICS_HEADER, account, open_page, sign_in, write

from dashboard import alerts as alerting
from dashboard.metrics.alerts import RULES
from etl.alerts.config import load_config
from etl.load import load_file
from etl.warehouse import Warehouse

STEADY = "".join(
    f"[rules.{name}]\nenabled = false\n" for name in ("no_figures", "spend_ahead", "report_overdue")
)


@pytest.fixture
def alerting_programme(
    programme: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache
) -> tuple[Warehouse, set[tuple]]:
    """The programme with alert-making figures and a rejected FOE-02 load; the alerts expected
    today as (rule, campaign, subject)."""
    load_facts(programme, tmp_path)
    batch = reject_a_load(programme, tmp_path)
    monkeypatch.setenv("CAMPAIGNS_ALERTS", str(write(tmp_path / "alerts.toml", STEADY)))
    today = dt.date.today()
    wanted = {k for k in expected(today) if k[0] in ("kpi_behind", "budget_line_over")}
    wanted.add(("load_rejected", "FOE-02", str(batch)))
    return programme, wanted


def _toasts(at) -> list[str]:
    return [x.value.replace("\\", "") for x in at.toast]


def test_an_officer_is_shown_every_open_alert_once_on_signing_in(
    monkeypatch, alerting_programme
) -> None:
    wh, wanted = alerting_programme
    assert len(wanted) == 4
    at = open_page(monkeypatch, wh)
    (notice,) = _toasts(at)
    assert notice.startswith("**You have 4 open alerts**")
    assert notice.count("\n- ") == 4
    for _, campaign, subject in wanted:
        assert campaign in notice and subject in notice
    at.run()  # the same session: not again
    assert _toasts(at) == []
    # another tab or a reload of the same sign-in (its session token): not again either
    again = open_page(monkeypatch, wh, user=None)
    again.session_state["_auth_token"] = at.session_state["_auth_token"]
    again.run()
    assert not again.exception and _toasts(again) == []


def test_a_grantee_is_shown_only_their_organisations_alerts(
    monkeypatch, alerting_programme
) -> None:
    wh, wanted = alerting_programme
    at = open_page(monkeypatch, wh, user="grantee-ADR", lang="ru")
    (notice,) = _toasts(at)
    pdp = [k for k in wanted if k[1] == "PDP-01"]
    assert len(pdp) == 2
    assert notice.startswith("**У вас 2 открытых оповещения**")
    assert "PDP-01" in notice and "FOE-02" not in notice
    assert "отстаёт от графика" in notice and "перерасход по статье бюджета 5.1" in notice


def test_no_alert_no_notice(monkeypatch, alerting_programme, tmp_path) -> None:
    wh, _ = alerting_programme
    quiet = "".join(f"[rules.{r}]\nenabled = false\n" for r in RULES)
    monkeypatch.setenv("CAMPAIGNS_ALERTS", str(write(tmp_path / "quiet.toml", quiet)))
    at = open_page(monkeypatch, wh)
    assert _toasts(at) == []


def _rows(at) -> set[tuple]:
    (frame,) = [d.value for d in at.dataframe if "alert" in d.value.columns]
    return set(zip(frame["rule"], frame["campaign"], frame["subject"], strict=True))


def test_the_officers_alerts_page_lists_what_the_rules_find_and_what_closed(
    monkeypatch, alerting_programme, tmp_path
) -> None:
    wh, wanted = alerting_programme
    names = {
        "kpi_behind": "KPI behind pace",
        "budget_line_over": "Budget line overspent",
        "load_rejected": "Load rejected",
    }
    at = open_page(monkeypatch, wh, "alerts")
    assert [t.value for t in at.title] == ["Alerts"]
    assert _rows(at) == {(names[r], c, s) for r, c, s in wanted}
    (frame,) = [d.value for d in at.dataframe if "alert" in d.value.columns]
    assert frame["opened"].isna().all()  # no daily run has recorded them yet
    assert any("has not recorded any alert yet" in c.value for c in at.caption)

    # The daily run records them; a good FOE-02 metrics file then resolves the rejected load.
    config = load_config()
    alerting.evaluate(wh, dt.date.today(), config)
    good = write(tmp_path / "good.csv", METRICS_HEADER + "\n2026-06-29,tiktok,,,5,,,,,,,,\n")
    assert load_file(wh, good, campaign="FOE-02").status == "loaded"
    _, changes = alerting.evaluate(wh, dt.date.today(), config)
    assert len(changes.closed) == 1

    at = open_page(monkeypatch, wh, "alerts")
    open_rows = {(names[r], c, s) for r, c, s in wanted if r != "load_rejected"}
    assert _rows(at) == open_rows
    (frame,) = [d.value for d in at.dataframe if "alert" in d.value.columns]
    assert frame["opened"].notna().all()
    (closed,) = [d.value for d in at.dataframe if "closed" in d.value.columns]
    assert list(zip(closed["rule"], closed["campaign"], strict=True)) == [
        ("Load rejected", "FOE-02")
    ]

    # Rules picked in the filter
    at.multiselect(key="alerts_rules").set_value(["budget_line_over"])
    at.run()
    assert {r for r, _, _ in _rows(at)} == {"Budget line overspent"}


def test_grantees_and_viewers_have_no_alerts_page(monkeypatch, alerting_programme) -> None:
    wh, _ = alerting_programme
    for user in ("grantee-ADR", "viewer"):
        at = open_page(monkeypatch, wh, "alerts", user=user)
        assert "Alerts" not in [t.value for t in at.title], user


def test_the_alerts_page_speaks_kazakh(monkeypatch, alerting_programme) -> None:
    wh, _ = alerting_programme
    # Opened in English first: the alerts' texts kept for this load are kept per language.
    at = open_page(monkeypatch, wh, "alerts")
    (frame,) = [d.value for d in at.dataframe if "alert" in d.value.columns]
    assert any("budget line" in text and "is overspent" in text for text in frame["alert"])
    at = open_page(monkeypatch, wh, "alerts", lang="kk")
    assert [t.value for t in at.title] == ["Хабарламалар"]
    assert not at.exception
    (frame,) = [d.value for d in at.dataframe if "alert" in d.value.columns]
    assert any("бюджет бабы бойынша асыра жұмсалды" in text for text in frame["alert"])
    assert not any("is overspent" in text for text in frame["alert"])


def test_signing_in_again_in_the_same_session_shows_the_notice_to_the_new_person(
    monkeypatch, alerting_programme
) -> None:
    wh, _ = alerting_programme
    at = open_page(monkeypatch, wh)
    assert len(_toasts(at)) == 1
    at.sidebar.button(key="auth_sign_out").click()
    at.run()
    sign_in(at, "grantee-SMK", account(wh, "grantee-SMK"))
    (notice,) = _toasts(at)
    assert "FOE-02" in notice and "PDP-01" not in notice
