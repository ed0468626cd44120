"""The Loads page in AppTest, signed in as an officer on a real warehouse: every batch with its
filters, one batch's errors and rejected rows, undo after a confirmation (and the loader's
refusal shown as it is); other roles are refused. Checked with plain SQL on the warehouse."""

from __future__ import annotations

from pathlib import Path

import conftest
import pytest
from conftest import METRICS_HEADER, account, downloads, sql, write

from dashboard import auth, data
from dashboard.i18n import t
from etl.accounts import Accounts
from etl.load import load_file
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

GOOD = f"{METRICS_HEADER}\n2026-03-02,instagram,,,1000,800,,50,5,3,2,10,1200\n"
BAD = (
    f"{METRICS_HEADER}\n2026-04-02,tiktok,,,1000,800,,50,5,3,2,10,1200\n"
    "2026-04-03,tiktok,,,100,200,,,,,,,\n"
)


@pytest.fixture
def log(programme: Warehouse, tmp_path: Path) -> Warehouse:
    """The programme (batch 1), rates (batch 2), PDP-01 metrics loaded by amina (batch 3) and
    a rejected FOE-02 file with one bad row sent by grantee-SMK (batch 4)."""
    r = load_file(
        programme, write(tmp_path / "good.csv", GOOD), campaign="PDP-01", loaded_by="amina"
    )
    assert r.status == "loaded", r.errors
    r = load_file(
        programme, write(tmp_path / "bad.csv", BAD), campaign="FOE-02", loaded_by="grantee-SMK"
    )
    assert r.status == "rejected"
    return programme


def open_page(monkeypatch, wh: Warehouse, *, user: str = "officer"):
    account(wh, user)
    return conftest.open_page(monkeypatch, wh, "loads", user=user)


def shown_ids(at) -> list[int]:
    return [int(b) for b in downloads(at, "loads_batches")["batch_id"]]


def test_every_batch_is_listed_newest_first(monkeypatch, log):
    at = open_page(monkeypatch, log)
    assert shown_ids(at) == [b for (b,) in sql(log, "SELECT batch_id FROM loads ORDER BY 1 DESC")]
    shown = downloads(at, "loads_batches").set_index("batch_id")
    for batch_id, who, status, rows in sql(
        log, "SELECT batch_id, loaded_by, status, rows_loaded FROM loads"
    ):
        assert (shown.loc[batch_id, "loaded_by"], shown.loc[batch_id, "status"]) == (who, status)
        assert shown.loc[batch_id, "rows_loaded"] == rows


@pytest.mark.parametrize(
    "key, value, where",
    [
        ("loads_kind", ["metrics"], "kind = 'metrics'"),
        ("loads_status", ["rejected"], "status = 'rejected'"),
        ("loads_who", ["amina"], "loaded_by = 'amina'"),
        ("loads_campaign", ["FOE-02"], "campaign_code = 'FOE-02'"),
        ("loads_campaign", [""], "campaign_code IS NULL"),
        ("loads_source", ["file"], "source = 'file'"),
    ],
)
def test_filters(monkeypatch, log, key, value, where):
    at = open_page(monkeypatch, log)
    at.multiselect(key=key).set_value(value).run()
    assert not at.exception, at.exception
    expected = [b for (b,) in sql(log, f"SELECT batch_id FROM loads WHERE {where} ORDER BY 1 DESC")]
    assert expected and shown_ids(at) == expected


def test_a_period_with_no_load_shows_none(monkeypatch, log):
    import datetime as dt

    at = open_page(monkeypatch, log)
    at.date_input(key="loads_period").set_value((dt.date(2020, 1, 1), dt.date(2020, 1, 2)))
    at.run()
    assert not at.exception, at.exception
    assert any("No batch matches" in i.value for i in at.info)


def test_a_rejected_batch_shows_its_errors_and_rows(monkeypatch, log):
    (rejected,) = sql(log, "SELECT batch_id FROM loads WHERE status = 'rejected'")[0]
    at = open_page(monkeypatch, log)
    at.selectbox(key="loads_batch").set_value(rejected).run()
    assert not at.exception, at.exception
    errors = downloads(at, "loads_errors")
    expected = sql(
        log,
        "SELECT row_number, column_name, message FROM load_issues "
        "WHERE batch_id = ? AND severity = 'error' ORDER BY row_number",
        [rejected],
    )
    assert [
        (int(r), c, m) for r, c, m in errors[["row", "column", "message"]].itertuples(index=False)
    ] == expected
    assert expected[0][0] == 3 and expected[0][1] == "reach"
    rows = next(d.value for d in at.dataframe if "Row" in d.value.columns)
    assert list(rows["Row"]) == ["3"]
    assert list(rows["reach"]) == ["200"]
    # Not loaded, so nothing to undo.
    assert not [b for b in at.button if b.key == "loads_undo"]


def test_undo_after_confirmation(monkeypatch, log):
    (batch,) = sql(log, "SELECT batch_id FROM loads WHERE loaded_by = 'amina'")[0]
    at = open_page(monkeypatch, log)
    at.selectbox(key="loads_batch").set_value(batch).run()
    at.button(key="loads_undo").click().run()
    assert not at.exception, at.exception
    # Asked first: nothing changed yet.
    assert any(f"Undo batch {batch}" in w.value for w in at.warning)
    assert sql(log, "SELECT status FROM loads WHERE batch_id = ?", [batch]) == [("loaded",)]
    at.button(key="loads_undo_cancel").click().run()
    assert not at.warning
    at.button(key="loads_undo").click().run()
    at.button(key="loads_undo_confirm").click().run()
    assert not at.exception, at.exception
    assert sql(log, "SELECT status, undone_by FROM loads WHERE batch_id = ?", [batch]) == [
        ("undone", "officer")
    ]
    assert sql(log, "SELECT count(*) FROM core.metric_observation WHERE batch_id = ?", [batch]) == [
        (0,)
    ]
    assert any(f"Batch {batch} undone" in s.value for s in at.success)


def test_a_refused_undo_shows_why(monkeypatch, log):
    # The programme batch created the campaign the metrics batch (3) belongs to.
    at = open_page(monkeypatch, log)
    at.selectbox(key="loads_batch").set_value(1).run()
    at.button(key="loads_undo").click().run()
    at.button(key="loads_undo_confirm").click().run()
    assert not at.exception, at.exception
    messages = [e.value for e in at.error]
    assert any("later loads use" in m and "batch 3" in m for m in messages), messages
    assert sql(log, "SELECT status FROM loads WHERE batch_id = 1") == [("loaded",)]


@pytest.mark.parametrize("user", ["viewer", "grantee-ADR"])
def test_other_roles_do_not_reach_the_page(monkeypatch, log, user):
    at = open_page(monkeypatch, log, user=user)
    assert not [b for b in at.button if b.key and b.key.startswith("loads_")]
    assert "loads_batches" not in at.session_state["_downloads"]


@pytest.mark.parametrize("user", ["viewer", "grantee-ADR"])
def test_auth_require_refuses_other_roles(log, user):
    at = page_alone(log, "loads", user)
    assert [e.value for e in at.error] == [
        t("auth.refused", role=auth.role_label(Accounts.for_warehouse(log).get(user)))
    ]
    assert not at.dataframe and not at.button


def page_alone(wh: Warehouse, page: str, username: str):
    """The page's own script run with ``username`` signed in, as the app would run it if the
    navigation let that user open it."""
    from streamlit.testing.v1 import AppTest

    account(wh, username)
    user = Accounts.for_warehouse(wh).get(username)
    at = AppTest.from_file(str(conftest.APP.parent / "views" / f"{page}.py"), default_timeout=60)
    at.session_state["warehouse"] = wh
    at.session_state[auth._USER] = user
    at.session_state[data._SCOPE_KEY] = auth.scope_of(user)
    at.run()
    assert not at.exception, at.exception
    return at


def batches_table(at):
    """The table of batches as the page shows it (not its download)."""
    return next(d.value for d in at.dataframe if "batch_id" in d.value.columns)


def test_kinds_statuses_messages_and_issues_are_in_the_pages_words(monkeypatch, log):
    from dashboard.issue_text import issue_text, summary_text

    at = open_page(monkeypatch, log)
    shown = batches_table(at).set_index("batch_id")
    kinds = {"metrics": "Channel and post figures (metrics)", "fx": "Exchange rates (fx)"}
    kinds["programme"] = "Programme set-up workbook"
    for batch_id, kind, status, campaign, source in sql(
        log, "SELECT batch_id, kind, status, campaign_code, source FROM loads"
    ):
        assert shown.loc[batch_id, "kind"] == kinds[kind]
        assert shown.loc[batch_id, "source"] == {"file": "command line"}[source]
        assert shown.loc[batch_id, "status"] == {"loaded": "loaded", "rejected": "rejected"}[status]
        assert shown.loc[batch_id, "campaign_code"] == (campaign or "—")
    text = shown.astype(str)
    assert not text.isin(["None", "nan", "NaT", "<NA>"]).any().any(), text

    # The rejected batch: its summary and its stored error as the page's language says them.
    ((batch, message, rows_read),) = sql(
        log, "SELECT batch_id, message, rows_read FROM loads WHERE status = 'rejected'"
    )
    at.selectbox(key="loads_batch").set_value(batch).run()
    record = {"message": message, "rows_read": rows_read, "status": "rejected"}
    assert summary_text(record, "en") in [x.value for x in at.text]
    stored = sql(
        log,
        "SELECT severity, row_number, column_name, value, message FROM load_issues "
        "WHERE batch_id = ? AND severity = 'error'",
        [batch],
    )
    expected = [
        issue_text({"severity": s, "row": r, "column": c, "value": v, "message": m}, "en")
        for s, r, c, v, m in stored
    ]
    errors = next(d.value for d in at.dataframe if "message" in d.value.columns)
    assert list(errors["message"]) == expected


def test_after_an_undo_the_list_and_the_picker_show_it(monkeypatch, log):
    at = open_page(monkeypatch, log)
    at.selectbox(key="loads_batch").set_value(3).run()
    at.button(key="loads_undo").click().run()
    at.button(key="loads_undo_confirm").click().run()
    assert not at.exception, at.exception
    assert batches_table(at).set_index("batch_id").loc[3, "status"] == "undone"
    assert at.selectbox(key="loads_batch").value == 3
    assert at.selectbox(key="loads_batch").format_func(3).endswith("· undone")
    assert not any(b.key == "loads_undo" for b in at.button)
