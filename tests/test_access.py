"""Who sees what: signed-out visitors see only the sign-in form, a grantee sees only its own
organisation's campaigns on every page and in every download (whatever the URL asks for and
whatever another user left in the caches), and each role gets its own pages.

The real app runs in AppTest on the demo warehouse; sign-in goes through the form."""

from __future__ import annotations

import io
import json
import sqlite3
import time

import openpyxl
import pytest
from conftest import account, open_page, sign_in, sql

from dashboard.components import csv_bytes, xlsx_bytes
from etl.accounts import Accounts
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

DATA_PAGES = ("portfolio", "campaign", "content", "budget", "feedback")


def own_and_others(wh: Warehouse, organisation: str) -> tuple[set[str], set[str]]:
    """Text that identifies the organisation's campaigns, and text that identifies only other
    organisations' (campaign codes and names, organisation names, channel accounts, post URLs),
    computed from the warehouse."""
    by_org = """
        SELECT c.organisation_code = $org AS own, x.text
        FROM campaigns c,
        LATERAL (SELECT c.code AS text UNION ALL SELECT c.name
                 UNION ALL SELECT c.organisation_name
                 UNION ALL SELECT account FROM channels WHERE campaign_code = c.code
                 UNION ALL SELECT url FROM content_items WHERE campaign_code = c.code) x
        WHERE x.text IS NOT NULL AND length(x.text) >= 5
    """
    con_rows = sql(wh, by_org.replace("$org", "?"), [organisation])
    own = {text for is_own, text in con_rows if is_own}
    others = {text for is_own, text in con_rows if not is_own} - own
    return own, others


def shown(at, *, workbooks: bool = True) -> str:
    """Everything the page shows as text: tables, tiles, texts, choices, charts, and the bytes
    of every CSV and XLSX download it offers (the CSV only without ``workbooks``: the XLSX
    holds the same cells)."""
    parts: list[str] = []
    for frame in at.dataframe:
        value = frame.value
        parts.append((value.data if hasattr(value, "data") else value).to_csv())
    for element in at.table:
        parts.append(element.value.to_csv())
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info",
                 "warning", "error", "success"):  # fmt: skip
        parts += [str(e.value) for e in getattr(at, kind)]
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts.append(json.dumps([str(o) for o in widget.options], ensure_ascii=False))
    for chart in at.get("plotly_chart"):
        parts.append(chart.proto.spec)
    for frame in (
        at.session_state["_downloads"].values() if "_downloads" in at.session_state else ()
    ):
        parts.append(csv_bytes(frame).decode("utf-8-sig"))
        if not workbooks:
            continue
        book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame)), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                parts.append(" ".join("" if v is None else str(v) for v in row))
    # Markdown escapes (a backslash before punctuation) are not part of what the reader sees
    return "\n".join(parts).replace("\\", "")


def leaks(text: str, others: set[str]) -> list[str]:
    return sorted(o for o in others if o in text)


@pytest.mark.parametrize("page", (*DATA_PAGES, "reports"))
def test_logged_out_visitors_see_only_the_sign_in_form(
    monkeypatch: pytest.MonkeyPatch, demo_warehouse: Warehouse, page: str
) -> None:
    at = open_page(monkeypatch, demo_warehouse, page, user=None, campaign="FOE-02")
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.dataframe and not at.metric and not at.get("plotly_chart")
    assert at.text_input(key="auth_username") is not None
    _, others = own_and_others(demo_warehouse, "ADR")
    own, _ = own_and_others(demo_warehouse, "ERK")
    assert leaks(shown(at), others | own) == []


@pytest.mark.parametrize("page", (*DATA_PAGES, "upload", "reporting"))
def test_a_grantee_sees_none_of_another_organisations_rows(
    monkeypatch: pytest.MonkeyPatch, demo_warehouse: Warehouse, page: str
) -> None:
    """Even after an officer filled every cache with the whole programme, and even from a link
    crafted to name another organisation's campaigns."""
    own, others = own_and_others(demo_warehouse, "ADR")
    officer = open_page(monkeypatch, demo_warehouse, page)
    assert leaks(shown(officer), others), "the officer should see other organisations"

    erk = [c for (c,) in sql(demo_warehouse, "SELECT code FROM campaigns "
                                              "WHERE organisation_code = 'ERK'")]  # fmt: skip
    at = open_page(monkeypatch, demo_warehouse, page, user="adr", campaign=erk[0], c=",".join(erk))
    # The page may say which codes of the link it ignored (the reader's own input, said alike
    # for codes that exist and codes that do not); nothing else may name them.
    echoes = ("Ignored in the link", f"No campaign “{erk[0]}”")
    text = "\n".join(line for line in shown(at).splitlines() if not line.startswith(echoes))
    assert leaks(text, others) == []
    assert "PDP-01" in text  # ADR's own campaign is there


def test_one_grantee_never_gets_anothers_cached_results(
    monkeypatch: pytest.MonkeyPatch, demo_warehouse: Warehouse
) -> None:
    _, not_adr = own_and_others(demo_warehouse, "ADR")
    _, not_erk = own_and_others(demo_warehouse, "ERK")
    first = open_page(monkeypatch, demo_warehouse, "portfolio", user="adr")
    second = open_page(monkeypatch, demo_warehouse, "portfolio", user="erk")
    assert leaks(shown(first), not_adr) == []
    assert leaks(shown(second), not_erk) == []
    assert shown(first) != shown(second)


def test_a_viewer_limited_to_campaigns_sees_only_those(
    monkeypatch: pytest.MonkeyPatch, demo_warehouse: Warehouse
) -> None:
    from etl.demo import demo_password

    accounts = Accounts.for_warehouse(demo_warehouse)
    if accounts.get("desk-pdp") is None:
        accounts.add("desk-pdp", "viewer", campaigns=["PDP-01"], password=demo_password("x" * 10))
    at = open_page(monkeypatch, demo_warehouse, "budget", user=None)
    sign_in(at, "desk-pdp", demo_password("x" * 10))
    assert not at.exception
    _, others = own_and_others(demo_warehouse, "ADR")  # PDP-01 is ADR's only campaign
    assert leaks(shown(at), others) == []


def test_a_viewer_cannot_open_the_upload_reporting_or_management_pages(
    monkeypatch: pytest.MonkeyPatch, demo_warehouse: Warehouse
) -> None:
    for page in ("upload", "reporting", "programme", "loads"):
        at = open_page(monkeypatch, demo_warehouse, page, user="viewer")
        titles = [t.value for t in at.title]
        assert not {"Upload", "Reporting", "Programme", "Loads"} & set(titles)
        assert not at.get("file_uploader")
        assert not [b for b in at.button if "Undo" in str(b.label)]


def test_a_grantee_cannot_open_the_management_pages(
    monkeypatch: pytest.MonkeyPatch, demo_warehouse: Warehouse
) -> None:
    for page in ("programme", "loads"):
        at = open_page(monkeypatch, demo_warehouse, page, user="adr")
        titles = [t.value for t in at.title]
        assert "Programme" not in titles and "Loads" not in titles


def test_wrong_passwords_are_refused_then_slowed_but_the_owner_gets_in(
    monkeypatch: pytest.MonkeyPatch, warehouse: Warehouse
) -> None:
    import etl.accounts

    clock = [time.time()]
    monkeypatch.setattr(etl.accounts, "_clock", lambda: clock[0])
    account(warehouse, "officer")
    at = open_page(monkeypatch, warehouse, user=None)
    for _ in range(5):
        sign_in(at, "officer", "not the password")
        assert [e.value for e in at.error] == ["Wrong username or password."]
    sign_in(at, "officer", account(warehouse, "officer"))
    assert [e.value for e in at.error] == [
        "Too many failed sign-ins. Wait 2 seconds, then sign in again."
    ]
    assert [t.value for t in at.title] == ["Sign in"]
    assert not [b for b in at.button if b.label == "Sign out"]
    clock[0] += 2
    sign_in(at, "officer", account(warehouse, "officer"))
    assert not at.error and "Sign in" not in [t.value for t in at.title]
    assert [b for b in at.button if b.label == "Sign out"]


def test_signing_out_and_expired_sessions_return_to_the_sign_in_form(
    monkeypatch: pytest.MonkeyPatch, programme: Warehouse
) -> None:
    at = open_page(monkeypatch, programme, "portfolio")
    assert at.metric
    next(b for b in at.button if b.label == "Sign out").click()
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and not at.metric

    sign_in(at, "officer", account(programme, "officer"))
    assert at.metric
    store = Accounts.for_warehouse(programme).path
    con = sqlite3.connect(store)
    con.execute("UPDATE session SET created_at = ?", [time.time() - 13 * 3600])
    con.commit()
    con.close()
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and not at.metric
    assert any("session has ended" in i.value for i in at.info)


def test_removing_an_account_signs_it_out_at_once(
    monkeypatch: pytest.MonkeyPatch, programme: Warehouse
) -> None:
    at = open_page(monkeypatch, programme, "portfolio", user="grantee-ADR")
    assert at.metric
    Accounts.for_warehouse(programme).remove("grantee-ADR")
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and not at.metric


OIDC = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-test-cookie-secret-of-enough-length",
        "client_id": "campaign-dashboard",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}


def oidc_app(monkeypatch: pytest.MonkeyPatch, wh: Warehouse, user: dict):
    from conftest import APP
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CAMPAIGNS_WAREHOUSE", str(wh.path))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets.update(OIDC)
    at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def test_oidc_sign_in_maps_the_email_to_an_account(
    monkeypatch: pytest.MonkeyPatch, programme: Warehouse
) -> None:
    Accounts.for_warehouse(programme).add(
        "amina", "grantee", organisation="SMK", email="amina@smk.kz"
    )
    at = oidc_app(monkeypatch, programme, {"is_logged_in": True, "email": "Amina@smk.kz"})
    assert at.metric
    text = shown(at)
    assert "FOE-02" in text and "PDP-01" not in text and "Your data, your rights" not in text

    stranger = oidc_app(monkeypatch, programme, {"is_logged_in": True, "email": "x@example.com"})
    assert not stranger.metric and not stranger.dataframe
    assert "x@example.com" in stranger.warning[0].value

    unverified = oidc_app(
        monkeypatch,
        programme,
        {"is_logged_in": True, "email": "amina@smk.kz", "email_verified": False},
    )
    assert not unverified.metric

    signed_out = oidc_app(monkeypatch, programme, {"is_logged_in": False})
    assert [t.value for t in signed_out.title] == ["Sign in"]
    assert any("organisation account" in b.label for b in signed_out.button)
