"""The Programme page in AppTest, signed in as an officer on a real warehouse: the registry
edited and saved as one batch, an invalid edit refused with its row and column, a set-up
workbook imported after a check, and the Google Sheets sources synced against the fake Google.
What the page wrote is checked with plain SQL on the warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import conftest
import pytest
from conftest import account, sql
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_google import FakeGoogle

from dashboard import auth, data
from dashboard.i18n import t
from etl.accounts import Accounts
from etl.programme import read_setup, setup_bytes
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

KEY = "1PdpMetrics2026aBcDeFgHiJkLmNoPqRsTuVwXyZ0"
HEADER = ["date", "platform", "impressions", "reach", "likes", "followers"]
DAILY = [
    HEADER,
    ["21.11.2026", "instagram", "12400", "8100", "410", "5210"],
    ["22.11.2026", "instagram", "13050", "8420", "388", "5240"],
    ["22.11.2026", "telegram", "2200", "1900", "35", "1010"],
]
SOURCES = f"""
[sources.pdp-metrics]
spreadsheet = "https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
worksheet = "Daily"
kind = "metrics"
campaign = "PDP-01"
"""
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def open_page(monkeypatch, wh: Warehouse, *, user: str = "officer"):
    account(wh, user)
    return conftest.open_page(monkeypatch, wh, "programme", user=user)


def edit(at, kind: str, **state):
    """Seed the editor of ``kind`` with edits (``edited_rows``, ``added_rows``,
    ``deleted_rows``) as the browser would send them."""
    at.session_state[f"programme_edit_{kind}_0"] = {
        "edited_rows": state.get("edited_rows", {}),
        "added_rows": state.get("added_rows", []),
        "deleted_rows": state.get("deleted_rows", []),
    }


def click(at, key: str):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def batches(wh: Warehouse) -> list[tuple]:
    return sql(wh, "SELECT batch_id, kind, source, loaded_by, status FROM loads ORDER BY 1")


def test_the_registry_shows_the_set_up(monkeypatch, programme):
    at = open_page(monkeypatch, programme)
    budget = at.data_editor(key="programme_edit_budget_lines_0").value
    expected = sql(
        programme,
        "SELECT campaign_code, line_code, CAST(amount AS DOUBLE) FROM budget_lines ORDER BY ALL",
    )
    assert sorted(budget[["campaign", "line", "amount"]].itertuples(index=False, name=None)) == (
        expected
    )
    campaigns = at.data_editor(key="programme_edit_campaigns_0").value
    assert sorted(campaigns["code"]) == [
        c for (c,) in sql(programme, "SELECT code FROM campaigns ORDER BY 1")
    ]


def test_a_budget_line_edited_and_saved(monkeypatch, programme):
    before = batches(programme)
    lines = read_setup(programme)["budget_lines"]
    index = lines.index[(lines["campaign"] == "PDP-01") & (lines["line"] == "5.2")][0]
    at = open_page(monkeypatch, programme)
    edit(at, "budget_lines", edited_rows={int(index): {"amount": 2750000}})
    at.run()
    click(at, "programme_check")
    assert any("can be saved" in s.value for s in at.success), [s.value for s in at.success]
    assert batches(programme) == before  # a check writes nothing
    click(at, "programme_save")
    assert sql(
        programme,
        "SELECT amount FROM budget_lines WHERE campaign_code = 'PDP-01' AND line_code = '5.2'",
    ) == [(2750000,)]
    after = batches(programme)
    assert after[:-1] == before
    new = after[-1]
    assert new[1:] == ("programme", "dashboard", "officer", "loaded")
    # Only PDP-01's lines were restated; FOE-02 keeps the rows of the first load.
    assert sql(
        programme, "SELECT DISTINCT batch_id FROM budget_lines WHERE campaign_code = 'FOE-02'"
    ) == [(1,)]
    assert sql(
        programme, "SELECT DISTINCT batch_id FROM budget_lines WHERE campaign_code = 'PDP-01'"
    ) == [(new[0],)]
    assert any(f"batch {new[0]}" in s.value for s in at.success)
    # The editors start again from the warehouse.
    budget = at.data_editor(key="programme_edit_budget_lines_1").value
    assert 2750000 in list(budget["amount"])


def test_a_campaign_added(monkeypatch, programme):
    at = open_page(monkeypatch, programme)
    edit(
        at,
        "campaigns",
        added_rows=[
            {
                "code": "ACC-03",
                "name": "Open data for all",
                "organisation": "ADR",
                "thematic_area": "access to information",
                "regions": "Pavlodar",
                "languages": "ru, kk",
                "start_date": "2026-05-01",
                "end_date": "2026-10-31",
                "status": "planned",
            }
        ],
    )
    edit(
        at,
        "budget_lines",
        added_rows=[
            {
                "campaign": "ACC-03",
                "heading": 5,
                "line": "5.1",
                "description": "Data journalism training",
                "amount": 1500000,
                "currency": "KZT",
            }
        ],
    )
    at.run()
    click(at, "programme_save")
    assert sql(
        programme,
        "SELECT name, organisation_code, regions, languages, start_date::VARCHAR, "
        "end_date::VARCHAR, status FROM campaigns WHERE code = 'ACC-03'",
    ) == [
        (
            "Open data for all",
            "ADR",
            ["Pavlodar"],
            ["ru", "kk"],
            "2026-05-01",
            "2026-10-31",
            "planned",
        )
    ]
    assert sql(
        programme, "SELECT line_code, amount FROM budget_lines WHERE campaign_code = 'ACC-03'"
    ) == [("5.1", 1500000)]
    # The two campaigns already there were not touched.
    assert sql(programme, "SELECT count(*) FROM core.campaign") == [(3,)]


def test_an_invalid_edit_is_refused_with_its_row_and_column(monkeypatch, programme):
    before = batches(programme)
    campaigns = read_setup(programme)["campaigns"]
    index = int(campaigns.index[campaigns["code"] == "PDP-01"][0])
    at = open_page(monkeypatch, programme)
    edit(at, "campaigns", edited_rows={index: {"organisation": "NOPE"}})
    at.run()
    # said at once, at its row, and "Save" is held back until it is fixed
    problems = next(df.value for df in at.dataframe if "problem" in df.value.columns)
    assert list(problems["row"]) == [index + 1]
    assert list(problems["column"]) == ["Organisation"]
    assert list(problems["value"]) == ["NOPE"]
    assert at.button(key="programme_save").disabled
    # the loader's own check says the same
    click(at, "programme_check")
    assert any("cannot be saved" in e.value for e in at.error)
    issues = conftest.downloads(at, "programme_issues")
    found = issues[issues["column"] == "campaigns: organisation"]
    assert list(found["row"]) == [index + 2]  # the sheet's row: the header is row 1
    assert list(found["value"]) == ["NOPE"]
    assert "not in the organisations sheet" in found["message"].iloc[0]
    assert batches(programme) == before
    assert sql(programme, "SELECT organisation_code FROM campaigns WHERE code = 'PDP-01'") == [
        ("ADR",)
    ]


def test_saving_without_a_change_writes_nothing(monkeypatch, programme):
    before = batches(programme)
    at = open_page(monkeypatch, programme)
    click(at, "programme_save")
    assert any("Nothing has changed" in i.value for i in at.info)
    assert batches(programme) == before


def test_an_imported_workbook_is_checked_then_loaded(monkeypatch, programme):
    frames = read_setup(programme)
    frames["channels"].loc[0, "account"] = "@renamed"
    content = setup_bytes(frames, "ru")
    at = open_page(monkeypatch, programme)
    at.file_uploader(key="programme_upload").set_value(
        ("setup.ru.xlsx", content, "application/octet-stream")
    )
    at.run()
    assert not at.exception, at.exception
    assert any("can be saved" in s.value for s in at.success)
    assert "@renamed" not in [a for (a,) in sql(programme, "SELECT account FROM channels")]
    click(at, "programme_import_confirm")
    assert "@renamed" in [a for (a,) in sql(programme, "SELECT account FROM channels")]
    assert batches(programme)[-1][1:] == ("programme", "upload", "officer", "loaded")


# --- sources -----------------------------------------------------------------------------------


@pytest.fixture
def google(tmp_path: Path, monkeypatch):
    with FakeGoogle(key=_KEY, slow_seconds=1.5) as fake:
        key_file = tmp_path / "service-account.json"
        key_file.write_text(json.dumps(fake.service_account()), encoding="utf-8")
        sources_file = tmp_path / "sources.toml"
        sources_file.write_text(SOURCES, encoding="utf-8")
        monkeypatch.setenv("CAMPAIGNS_SOURCES", str(sources_file))
        monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(key_file))
        monkeypatch.setenv("CAMPAIGNS_SHEETS_API_URL", fake.url)
        monkeypatch.setenv("CAMPAIGNS_SYNC_BACKOFF", "0.001")
        monkeypatch.setenv("CAMPAIGNS_SYNC_TIMEOUT", "5")
        yield fake


def table_with(at, *columns: str):
    """The one table the page shows with these column titles (AppTest gives no key for a
    table drawn without selection)."""
    (found,) = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    return found


def page_text(at) -> str:
    parts = [str(getattr(e, "value", "")) for e in at.main]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def no_secret(at, google) -> None:
    text = page_text(at)
    assert "PRIVATE KEY" not in text
    body = [ln for ln in google.private_key_pem().splitlines() if "PRIVATE KEY" not in ln]
    assert not any(line in text for line in body)
    assert not any(token in text for token in google.tokens_issued)


def test_sources_are_listed_and_sync_now_loads_them(monkeypatch, programme, google):
    google.add(KEY, "PDP metrics 2026", {"Daily": [list(r) for r in DAILY]})
    at = open_page(monkeypatch, programme)
    listed = conftest.downloads(at, "programme_sources")
    assert list(listed["name"]) == ["pdp-metrics"]
    assert list(listed["spreadsheet"]) == [KEY]
    assert listed["status"].iloc[0] == ""  # never synced
    click(at, "programme_sync")
    assert sql(programme, "SELECT count(*) FROM channel_daily WHERE campaign_code = 'PDP-01'") == [
        (3,)
    ]
    ((batch, status, rows),) = sql(
        programme, "SELECT batch_id, status, rows_loaded FROM loads WHERE source = 'sheet'"
    )
    assert (status, rows) == ("loaded", 3)
    result = table_with(at, "Status", "Batch")
    assert list(result["Status"]) == ["loaded"] and list(result["Batch"]) == [batch]
    listed = conftest.downloads(at, "programme_sources")
    assert (listed["status"].iloc[0], listed["rows"].iloc[0], listed["batch"].iloc[0]) == (
        "loaded",
        3,
        batch,
    )
    no_secret(at, google)


def test_a_sync_error_is_shown(monkeypatch, programme, google):
    rows = [list(r) for r in DAILY]
    rows[2][3] = "99999"  # reach above impressions
    google.add(KEY, "PDP metrics 2026", {"Daily": rows})
    at = open_page(monkeypatch, programme)
    click(at, "programme_sync")
    assert sql(programme, "SELECT status FROM loads WHERE source = 'sheet'") == [("rejected",)]
    assert any("Errors: 1" in e.value for e in at.error), [e.value for e in at.error]
    errors = table_with(at, "Row", "Column")
    assert list(errors["Row"]) == [3] and list(errors["Column"]) == ["reach"]
    no_secret(at, google)


def test_a_sheet_that_cannot_be_read_is_reported(monkeypatch, programme, google):
    at = open_page(monkeypatch, programme)  # the spreadsheet is not there: Google says 404
    click(at, "programme_sync")
    result = table_with(at, "Status", "Batch")
    assert list(result["Status"]) == ["failed"]
    assert sql(programme, "SELECT count(*) FROM loads WHERE source = 'sheet'") == [(0,)]
    no_secret(at, google)


def test_without_sources_or_credentials_the_page_says_how(monkeypatch, programme, tmp_path):
    monkeypatch.setenv("CAMPAIGNS_SOURCES", str(tmp_path / "missing.toml"))
    monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(tmp_path / "missing.json"))
    at = open_page(monkeypatch, programme)
    warnings = [w.value for w in at.warning]
    assert any("docs/sources.md" in w and "sources.toml" in w for w in warnings)
    assert any("CAMPAIGNS_GOOGLE_CREDENTIALS" in w for w in warnings)
    assert not [b for b in at.button if b.key == "programme_sync"]


# --- who may use it ----------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["viewer", "grantee-ADR"])
def test_auth_require_refuses_other_roles(programme, user):
    from streamlit.testing.v1 import AppTest

    account(programme, user)
    signed = Accounts.for_warehouse(programme).get(user)
    at = AppTest.from_file(str(conftest.APP.parent / "views" / "programme.py"), default_timeout=60)
    at.session_state["warehouse"] = programme
    at.session_state[auth._USER] = signed
    at.session_state[data._SCOPE_KEY] = auth.scope_of(signed)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [t("auth.refused", role=auth.role_label(signed))]
    assert not at.data_editor and not at.button


@pytest.mark.parametrize("user", ["viewer", "grantee-ADR"])
def test_other_roles_do_not_reach_the_page(monkeypatch, programme, user):
    at = open_page(monkeypatch, programme, user=user)
    assert not at.data_editor
    assert not [b for b in at.button if b.key and b.key.startswith("programme_")]


def test_a_problem_in_the_set_up_as_stored_is_shown_before_any_edit(monkeypatch, programme):
    # A set-up stored before a check existed (or written by hand) may hold what an edit would
    # be refused for: the page says so at once, and again on a rerun with nothing edited.
    with programme.writer() as con:
        con.execute(
            "UPDATE core.campaign SET organisation_code = 'NOPE' "
            "WHERE code = 'PDP-01' AND superseded_by IS NULL"
        )
    campaigns = read_setup(programme)["campaigns"]
    index = int(campaigns.index[campaigns["code"] == "PDP-01"][0])
    at = open_page(monkeypatch, programme)
    for _ in range(2):
        problems = next(df.value for df in at.dataframe if "problem" in df.value.columns)
        assert list(problems["row"]) == [index + 1]
        assert list(problems["column"]) == ["Organisation"]
        assert list(problems["value"]) == ["NOPE"]
        assert at.button(key="programme_save").disabled
        at.run()
    # Edited back into order, the table has nothing left to say.
    edit(at, "campaigns", edited_rows={index: {"organisation": "ADR"}})
    at.run()
    assert not any("problem" in df.value.columns for df in at.dataframe)
    assert not at.button(key="programme_save").disabled


def test_edited_rows_are_checked_cell_by_cell_in_the_order_a_reader_goes_through_them():
    """``row_problems`` on a budget table with a repeated line, values repeated across rows
    (each distinct value is checked once, so a repeat must still be named at its own row), an
    empty row and numbers given as text; and on campaigns, a date cleared as pandas writes it
    in a date column (NaT), which is a required cell left empty, not an end before the
    start."""
    import datetime as dt

    import pandas as pd

    from dashboard.programme_admin import row_problems

    budget = pd.DataFrame(
        {
            "campaign": ["PDP-01", "PDP-01", None, "NOPE", "PDP-01", "PDP-01"],
            "heading": [1, 9, None, 1, "5", 1.5],
            "line": ["1.1", "1.1", None, "1.1", " 1.1 ", "5.2"],
            "description": ["Coordinator", "", None, "x", "x", "x"],
            "amount": [100.0, -5.0, None, "12 000,50", "abc", 100.0],
            "currency": ["KZT", "kzt", None, "EURO", "KZT", "KZT"],
        }
    )

    def found(kind: str, frame: pd.DataFrame, known: dict) -> list[tuple]:
        return [(p.row, p.column, p.value, p.code) for p in row_problems(kind, frame, known)]

    assert found("budget_lines", budget, {"campaigns": {"PDP-01"}}) == [
        (2, "heading", "9", "bad_heading"),
        (2, "description", "", "required"),
        (2, "amount", "-5.0", "negative"),
        (2, "line", "1.1", "duplicate"),
        # row 3 is empty: an added row left blank is not written
        (4, "currency", "EURO", "bad_currency"),
        (4, "campaign", "NOPE", "unknown_campaign"),
        (5, "amount", "abc", "not_number"),
        (5, "line", " 1.1 ", "duplicate"),
        (6, "heading", "1.5", "not_whole"),
    ]

    campaigns = pd.DataFrame(
        {
            "code": ["A-1", "B-2", "C-3"],
            "name": ["a", "b", "c"],
            "organisation": ["ORG", "ORG", "ORG"],
            "thematic_area": ["t", "t", "t"],
            "start_date": [dt.date(2026, 3, 1), dt.date(2026, 3, 1), dt.date(2026, 3, 1)],
            "end_date": [pd.NaT, dt.date(2026, 2, 1), "31.12.2026"],
        },
        dtype=object,
    )
    assert found("campaigns", campaigns, {"organisations": {"ORG"}}) == [
        (1, "end_date", "", "required"),
        (2, "end_date", "2026-02-01", "end_before_start"),
        (3, "end_date", "31.12.2026", "not_date"),
    ]
