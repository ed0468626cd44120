"""Shared fixtures: a temporary warehouse with a small programme, and a CLI runner.

Every test works on a real DuckDB file under ``tmp_path``; nothing is mocked.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from cli import cli
from dashboard.headless import run_like_a_server
from dashboard.local_server import local_server
from etl.accounts import PASSWORD_HASHING_ENV, Accounts
from etl.warehouse import Warehouse

# Passwords hashed at argon2's lowest cost, here and in every server and command the tests
# start: the suite adds and signs in to accounts over a thousand times, at 0.3-0.4 s each at
# the default cost. The tests of the setting itself (tests/test_accounts.py) set it themselves.
os.environ.setdefault(PASSWORD_HASHING_ENV, "cheapest-for-tests")

METRICS_HEADER = (
    "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves,clicks,"
    "followers"
)

PROGRAMME = {
    "organisations": [
        ["code", "name", "city"],
        ["ADR", "Almaty Digital Rights", "Almaty"],
        ["SMK", "Shymkent Media Club", "Shymkent"],
    ],
    "campaigns": [
        [
            "code",
            "name",
            "organisation",
            "thematic_area",
            "regions",
            "languages",
            "start_date",
            "end_date",
            "status",
            "description",
        ],
        [
            "PDP-01",
            "Your data, your rights",
            "ADR",
            "personal-data protection",
            "Almaty, Astana",
            "ru, kk",
            "2026-03-01",
            "2026-12-31",
            "active",
            "Explainers",
        ],
        [
            "FOE-02",
            "Speak freely online",
            "SMK",
            "online freedom of expression",
            "Shymkent",
            "kk",
            "2026-04-01",
            "2027-01-31",
            "active",
            "",
        ],
    ],
    "budget": [
        ["campaign", "heading", "line", "description", "amount", "currency"],
        ["PDP-01", "1", "1.1", "Project coordinator", "6000000", "KZT"],
        ["PDP-01", "5", "5.1", "Video production", "4000000", "KZT"],
        ["PDP-01", "5", "5.2", "Promoted posts", "2500000", "KZT"],
        ["FOE-02", "1", "1.1", "Coordinator", "5000000", "KZT"],
        ["FOE-02", "5", "5.4", "Events", "3000000", "KZT"],
    ],
    "targets": [
        [
            "campaign",
            "indicator_code",
            "indicator",
            "level",
            "metric",
            "unit",
            "direction",
            "baseline",
            "baseline_year",
            "target",
            "cumulative",
        ],
        [
            "PDP-01",
            "OP1",
            "Impressions of campaign content",
            "output",
            "impressions",
            "#",
            "increase",
            "0",
            "2025",
            "2000000",
            "yes",
        ],
        [
            "FOE-02",
            "OP1",
            "Impressions of campaign content",
            "output",
            "impressions",
            "#",
            "increase",
            "0",
            "2025",
            "1000000",
            "yes",
        ],
    ],
    "channels": [
        ["campaign", "platform", "account", "url", "language"],
        ["PDP-01", "instagram", "@yourdata.kz", "https://instagram.com/yourdata.kz", "ru"],
        ["PDP-01", "telegram", "yourdata_kz", "https://t.me/yourdata_kz", "ru"],
        ["FOE-02", "tiktok", "@speakfree", "https://tiktok.com/@speakfree", "kk"],
    ],
}

FX = "month,currency,units_per_eur\n" + "".join(
    f"2026-{m:02d},KZT,{600 + m}.5\n" for m in range(1, 13)
)


def write_programme(path: Path, sheets: dict[str, list[list]] | None = None) -> Path:
    """The set-up workbook, written with openpyxl the way a user's Excel would hold it."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (sheets or PROGRAMME).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _copy_warehouse(source: Warehouse, target: Path, *, accounts: bool = False) -> Warehouse:
    """A copy of a built warehouse (file, published copy and kept files) at ``target``; with
    ``accounts``, the account store beside it too (a copy of ``demo_template`` has the demo
    accounts; other copies start without any)."""
    wh = Warehouse(target)
    target.parent.mkdir(parents=True)
    shutil.copyfile(source.path, wh.path)
    shutil.copyfile(source.read_path, wh.read_path)
    # Commits not yet folded into the files: without them the copies would lack them.
    for log, target_log in (
        (source.log_path, wh.log_path),
        (source.read_log_path, wh.read_log_path),
    ):
        if log.exists():
            shutil.copyfile(log, target_log)
    if source.files_dir.exists():
        shutil.copytree(source.files_dir, wh.files_dir)
    if accounts:
        shutil.copyfile(Accounts.for_warehouse(source).path, Accounts.for_warehouse(wh).path)
    return wh


@pytest.fixture(scope="session")
def _empty_warehouse(tmp_path_factory) -> Warehouse:
    wh = Warehouse(tmp_path_factory.mktemp("empty") / "warehouse.duckdb")
    with wh.writer():
        pass
    return wh


@pytest.fixture(scope="session")
def _programme_warehouse(tmp_path_factory, _empty_warehouse) -> Warehouse:
    from etl.load import load_file

    folder = tmp_path_factory.mktemp("programme")
    wh = _copy_warehouse(_empty_warehouse, folder / "wh" / "warehouse.duckdb")
    r1 = load_file(wh, write_programme(folder / "programme.xlsx"))
    assert r1.status == "loaded", r1.errors
    fx = folder / "fx.csv"
    fx.write_text(FX, encoding="utf-8")
    r2 = load_file(wh, fx)
    assert r2.status == "loaded", r2.errors
    return wh


@pytest.fixture(scope="session")
def programme_template(_programme_warehouse: Warehouse) -> Warehouse:
    """The session's programme warehouse itself: copy it before changing anything."""
    return _programme_warehouse


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Warehouse:
    """The demo programme with its accounts, built by ``campaigns demo`` once per run (what the
    command printed is ``demo_output``): the first test process to need it builds it in the
    folder the run's processes share, under a lock, and the others wait for it. Never used
    itself, only copied (``copy_warehouse``), so every copy starts from the demo as built,
    whatever a test did to another."""
    shared = tmp_path_factory.getbasetemp()
    # Each pytest-xdist worker has its own folder in the run's (a run without xdist, as with
    # ``-p no:xdist``, has neither workers nor their ``worker_id`` fixture).
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder = shared / "demo-template"
    wh = Warehouse(folder / "warehouse.duckdb")
    with (shared / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            result = CliRunner().invoke(cli, ["--warehouse", str(wh.path), "demo"])
            assert result.exit_code == 0, result.output
            (folder / "output.txt").write_text(result.output, encoding="utf-8")
            (folder / "built").touch()
    return wh


@pytest.fixture(scope="session")
def demo_output(demo_template: Warehouse) -> str:
    """What ``campaigns demo`` printed when it built ``demo_template``."""
    return (demo_template.path.parent / "output.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory, demo_template: Warehouse) -> Warehouse:
    """The demo programme, shared by a test process: read it only, or copy it with
    ``copy_warehouse`` before changing anything."""
    folder = tmp_path_factory.mktemp("demo")
    return _copy_warehouse(demo_template, folder / "wh" / "warehouse.duckdb", accounts=True)


def copy_warehouse(source: Warehouse, target: Path, *, accounts: bool = False) -> Warehouse:
    """A copy of a built warehouse at ``target`` (a path to the new ``.duckdb`` file), with
    its account store when ``accounts``."""
    return _copy_warehouse(source, target, accounts=accounts)


@pytest.fixture
def warehouse(tmp_path: Path, _empty_warehouse: Warehouse) -> Warehouse:
    """An empty, migrated warehouse in a temporary folder."""
    return _copy_warehouse(_empty_warehouse, tmp_path / "wh" / "warehouse.duckdb")


@pytest.fixture
def programme(tmp_path: Path, _programme_warehouse: Warehouse) -> Warehouse:
    """A warehouse with the two-campaign programme (batch 1) and 2026 KZT rates (batch 2)."""
    return _copy_warehouse(_programme_warehouse, tmp_path / "wh" / "warehouse.duckdb")


@pytest.fixture
def query(programme: Warehouse) -> Callable[..., list[tuple]]:
    """Run SQL on the warehouse file itself (not the published copy)."""

    def run(sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(programme.path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return run


@pytest.fixture
def invoke(programme: Warehouse) -> Callable[..., tuple[int, str, object]]:
    """Run the CLI against the programme warehouse, ``input`` on its standard input; returns
    (exit code, output, parsed JSON)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> tuple[int, str, object]:
        result = runner.invoke(cli, ["--warehouse", str(programme.path), *args], input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        parsed = None
        if "--json" in args:
            try:
                parsed = json.loads(result.output)
            except json.JSONDecodeError:
                parsed = None
        return result.exit_code, result.output, parsed

    return run


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- the dashboard in AppTest --------------------------------------------------------------------

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


# Each script compiled once and the installed packages scanned for components once, as a server
# does: the suite opens the app in AppTest thousands of times.
run_like_a_server()


def clear_caches() -> None:
    """Forget every kept query result and derived table, and Streamlit's data caches."""
    import streamlit as st

    from dashboard import reader

    st.cache_data.clear()
    reader.clear_cache()


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """The caches emptied before and after the test, so figures come from its warehouse."""
    clear_caches()
    yield
    clear_caches()


def sql(wh: Warehouse, text: str, params: list | None = None) -> list[tuple]:
    """Rows of plain SQL on the warehouse's published copy: the independent side of a check."""
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        return con.execute(text, params or []).fetchall()
    finally:
        con.close()


def core_counts(run: Callable[[str], list[tuple]]) -> dict[str, int]:
    """Row count of every table of schema core (the load log included), through ``run`` (SQL to
    its rows): two statements, so one connection each however many tables there are."""
    tables = [
        t
        for (t,) in run(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'core' "
            "ORDER BY table_name"
        )
    ]
    return dict(run(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM core.{t}" for t in tables)))


def account(wh: Warehouse, username: str) -> str:
    """The password of ``username`` in ``wh``'s account store, creating the account if it is
    missing: "officer", "viewer", or "grantee-<ORG>" (a grantee of organisation ORG). Every
    test and demo account's password is ``etl.demo.demo_password(username)``."""
    from etl.accounts import Accounts
    from etl.demo import demo_password

    accounts = Accounts.for_warehouse(wh)
    if accounts.get(username) is None:
        if username.startswith("grantee-"):
            role, organisation = "grantee", username.removeprefix("grantee-")
        else:
            role, organisation = username, None
        accounts.add(username, role, organisation=organisation, password=demo_password(username))
    return demo_password(username)


def sign_in(at, username: str, password: str) -> None:
    """Fill in and send the sign-in form of an app showing it."""
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    at.button(key="auth_submit").click()
    at.run()


def open_page(
    monkeypatch, wh: Warehouse, page: str | None = None, *, user: str | None = "officer", **params
):
    """The app on ``wh`` opened from a link carrying ``params``, on ``views/<page>.py`` (the
    first page when None), signed in as ``user`` through the sign-in form (see :func:`account`;
    ``None`` stays signed out), after a run that raised nothing."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CAMPAIGNS_WAREHOUSE", str(wh.path))
    password = account(wh, user) if user is not None else None
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    if user is not None:
        sign_in(at, user, password)
        assert not at.exception, at.exception
    return at


def open_tab(at, name: str, key: str = "campaign_tab", lang: str = "en"):
    """Open the tab ``name`` of the page's tabs ``key`` as a click on it does (the tabs hold
    the open tab's label, in the page's language ``lang``); the page has run once more and
    raised nothing. Only the open tab's section is drawn."""
    from dashboard.components import TAB_LABELS
    from dashboard.i18n import t

    at.session_state[key] = t(f"{TAB_LABELS[key]}.{name}", lang=lang)
    at.run()
    assert not at.exception, at.exception
    return at


def every_tab(at, key: str = "campaign_tab"):
    """Open each tab of the page's tabs ``key`` in turn, as a reader clicking through them does,
    so that every section has been drawn (each run draws the open tab's alone)."""
    for label in [tab.label for tab in at.tabs]:
        at.session_state[key] = label
        at.run()
        assert not at.exception, at.exception
    return at


def tiles(at) -> dict[str, str]:
    """The headline tiles a page shows, label to value."""
    return {m.label: m.value for m in at.metric}


def downloads(at, key: str):
    """The frame behind the download buttons drawn under ``key``."""
    return at.session_state["_downloads"][key]


# --- the real server ---------------------------------------------------------------------------


@contextlib.contextmanager
def dashboard_server(script: Path, env: dict[str, str]) -> Iterator[str]:
    """``streamlit run script`` (with ``env`` added to this environment) on a free local port,
    as ``make run`` starts it, until the block ends; yields its address once it answers."""
    with local_server(env, script=script) as (url, _server):
        yield url


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium for a module of browser tests (``tests/browsing.py``)."""
    from playwright.sync_api import sync_playwright

    from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        missing = f"Debian's chromium is not installed ({CHROMIUM}; apt-get install chromium)"
        if os.environ.get("CAMPAIGNS_REQUIRE_BROWSER"):
            pytest.fail(f"CAMPAIGNS_REQUIRE_BROWSER is set but {missing}", pytrace=False)
        pytest.skip(f"browser tests skipped: {missing}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def table_text(shown) -> pd.DataFrame:
    """The text of each cell Streamlit sends the browser for a table given as a pandas Styler
    (what ``components.localized`` returns), read from the message Streamlit builds."""
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    proto = ArrowData()
    marshall_styler(proto, shown, "table")
    return pa.ipc.open_stream(proto.styler.display_values).read_pandas()


def table_values(shown) -> pd.DataFrame:
    """The values Streamlit sends the browser for a table given as a pandas Styler (what the
    table sorts by), read from the message Streamlit builds."""
    from streamlit import dataframe_util

    return pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(shown)).read_pandas()


def table_cells(shown) -> str:
    """Every cell's text of :func:`table_text`, one after another, a line each."""
    return "\n".join(str(v) for row in table_text(shown).itertuples(index=False) for v in row)
