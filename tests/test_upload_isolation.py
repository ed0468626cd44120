"""An upload cannot take the dashboard down: its check and load run in a worker process with
memory and time limits (``etl.isolate``), a worker over a limit or failing shows a short message
with an incident number (never a traceback or a path) and writes nothing, the next upload works,
and no ``campaigns-upload-*`` folder is left behind. A page that raises shows an incident number
too. Real files, a real warehouse, real worker processes; the limits are set the way an operator
sets them, by environment variable.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

import conftest
import duckdb
import pytest
from conftest import METRICS_HEADER, account, copy_warehouse, sql, write_programme

from dashboard import data, uploads
from etl import isolate
from etl.accounts import Accounts
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache")

INCIDENT = re.compile(r"\*\*([0-9a-f]{8})\*\*")
CLEAN = (
    f"{METRICS_HEADER}\n2026-03-02,instagram,,,1000,800,,50,5,3,2,10,1200\n"
    "2026-03-04,telegram,,,,,2500,30,2,9,,,800\n"
).encode()


@pytest.fixture(scope="module")
def whole_year(tmp_path_factory) -> bytes:
    """A grantee's "whole year" of post rows: 1,000,000 rows, 68 MB, under every size and
    shape limit, and a few seconds and several hundred MiB of work for the loader."""
    path = tmp_path_factory.mktemp("big") / "whole-year.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(METRICS_HEADER + "\n")
        fh.writelines(
            f"2026-0{1 + i % 9}-{1 + i % 28:02d},instagram,p{i},https://example.org/p/{i},"
            f"{i % 5000 + 10},{i % 5000},,{i % 40},1,1,1,1,\n"
            for i in range(1_000_000)
        )
    return path.read_bytes()


@pytest.fixture
def tmpdir_of_test(tmp_path, monkeypatch) -> Path:
    """The system's temporary folder, as uploads see it, pointed at a folder of the test's."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def left_behind(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(f"{isolate.PREFIX}*"))


def shown_text(at) -> list[str]:
    """Every text the page shows the user."""
    kinds = ("error", "warning", "info", "success", "markdown", "text", "caption", "exception")
    return [str(getattr(e, "value", "")) for kind in kinds for e in at.get(kind)]


def assert_no_internals(at, *folders: Path) -> None:
    assert not at.exception, at.exception
    for text in shown_text(at):
        assert "Traceback" not in text and 'File "' not in text, text
        assert ".py" not in text and "/tmp" not in text, text
        for folder in folders:
            assert str(folder) not in text, text


def open_upload(monkeypatch, wh: Warehouse, user: str = "grantee-ADR"):
    account(wh, user)
    return conftest.open_page(monkeypatch, wh, "upload", user=user)


def send(at, name: str, content: bytes):
    at.file_uploader(key="upload_files").set_value((name, content, "text/csv"))
    at.run(timeout=300)
    return at


def incident_of(text: str) -> str:
    match = INCIDENT.search(text)
    assert match, text
    return match.group(1)


# --- over a limit, through the page --------------------------------------------------------------


def test_a_file_over_the_memory_limit_is_refused_and_the_page_goes_on(
    monkeypatch, programme, whole_year, tmpdir_of_test, caplog
):
    # Within a megabyte (beyond the loader's own code) the worker cannot even open the
    # warehouse: whatever the file, DuckDB runs out of memory and says so.
    monkeypatch.setenv("CAMPAIGNS_UPLOAD_MEMORY_MB", "1")
    at = open_upload(monkeypatch, programme)
    with caplog.at_level(logging.WARNING, logger="campaigns.incidents"):
        send(at, "whole-year.csv", whole_year)
    (error,) = [e.value for e in at.error]
    assert error.startswith("whole\\-year\\.csv needs more memory than an upload may use (1 MB)")
    assert "Split it by month or platform" in error
    incident = incident_of(error)
    assert_no_internals(at, tmpdir_of_test, programme.path.parent)
    # The server log has the id with what happened, and where.
    assert f"incident {incident}" in caplog.text and "memory limit of 1 MiB" in caplog.text
    assert "Traceback (most recent call last)" in caplog.text
    assert left_behind(tmpdir_of_test) == []
    assert sql(programme, "SELECT count(*) FROM core.batch WHERE source = 'upload'") == [(0,)]

    # Rerunning the page shows the refusal again without checking the file again.
    t0 = time.monotonic()
    at.run()
    assert time.monotonic() - t0 < 2.0
    assert [e.value for e in at.error] == [error]

    # The same session goes on: another file is checked and loaded as ever.
    monkeypatch.delenv("CAMPAIGNS_UPLOAD_MEMORY_MB")
    send(at, "march.csv", CLEAN)
    assert not at.exception, at.exception
    assert any(
        s.value.endswith("no errors or warnings, the file can be loaded.") for s in at.success
    )
    next(b for b in at.button if b.key and b.key.startswith("upload_confirm_")).click().run()
    assert not at.exception, at.exception
    assert sql(
        programme, "SELECT source_name, rows_loaded, status FROM core.batch WHERE source = 'upload'"
    ) == [("march.csv", 2, "loaded")]
    assert left_behind(tmpdir_of_test) == []


def test_a_heavy_file_within_the_limits_is_checked_not_refused(
    monkeypatch, programme, whole_year, tmpdir_of_test
):
    """A million rows under the default memory limit, which DuckDB left to its own default (80 %
    of the machine's memory) overran: told its share of the limit, it writes what does not fit
    to temporary files in the upload's folder, and the file is checked."""
    monkeypatch.delenv("CAMPAIGNS_UPLOAD_MEMORY_MB", raising=False)
    at = open_upload(monkeypatch, programme)
    send(at, "whole-year.csv", whole_year)
    assert not at.error, [e.value for e in at.error]
    verdicts = [w.value for w in at.warning] + [s.value for s in at.success]
    rows = whole_year.count(b"\n") - 1  # every line but the header is a row
    assert any(v.startswith(f"{rows:,} rows ready") for v in verdicts), verdicts
    assert_no_internals(at, tmpdir_of_test)
    assert left_behind(tmpdir_of_test) == []


def test_a_file_over_the_time_limit_is_refused(monkeypatch, programme, whole_year, tmpdir_of_test):
    monkeypatch.setenv("CAMPAIGNS_UPLOAD_SECONDS", "0.5")
    at = open_upload(monkeypatch, programme)
    t0 = time.monotonic()
    send(at, "whole-year.csv", whole_year)
    assert time.monotonic() - t0 < 20  # killed, not waited for
    (error,) = [e.value for e in at.error]
    assert error.startswith("whole\\-year\\.csv needs more time than an upload may use (0.5 s)")
    incident_of(error)
    assert_no_internals(at, tmpdir_of_test)
    assert left_behind(tmpdir_of_test) == []


def test_a_set_up_workbook_over_the_memory_limit_is_refused_on_the_programme_page(
    monkeypatch, programme, tmp_path, tmpdir_of_test
):
    before = sql(programme, "SELECT count(*) FROM core.batch")
    book = write_programme(tmp_path / "setup.xlsx").read_bytes()
    monkeypatch.setenv("CAMPAIGNS_UPLOAD_MEMORY_MB", "1")
    at = conftest.open_page(monkeypatch, programme, "programme")
    at.file_uploader(key="programme_upload").set_value(
        ("setup.xlsx", book, "application/octet-stream")
    )
    at.run(timeout=120)
    errors = [e.value for e in at.error]
    assert any(
        e.startswith("setup\\.xlsx needs more memory than an upload may use") for e in errors
    )
    assert_no_internals(at, tmpdir_of_test)
    assert sql(programme, "SELECT count(*) FROM core.batch") == before
    assert left_behind(tmpdir_of_test) == []


# --- a load stopped half-way ---------------------------------------------------------------------


class TabClosed(Exception):
    """What Streamlit raises in a script whose session has gone, at its next call."""


def _lock_is_free(wh: Warehouse) -> bool:
    fd = os.open(wh.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _warehouse_state(wh: Warehouse) -> list:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return [
            con.execute("SELECT count(*), max(batch_id) FROM core.batch").fetchone(),
            con.execute("SELECT count(*) FROM channel_daily").fetchone(),
            con.execute("SELECT count(*) FROM metric_values").fetchone(),
        ]
    finally:
        con.close()


def test_a_load_stopped_mid_transaction_changes_nothing_and_the_next_load_works(
    programme, whole_year, tmpdir_of_test
):
    account(programme, "grantee-ADR")
    grantee = Accounts.for_warehouse(programme).get("grantee-ADR")
    before = _warehouse_state(programme)
    published = sql(programme, "SELECT count(*), max(batch_id) FROM core.batch")
    steps = []

    def closed_at_writing(step: str) -> None:
        steps.append(step)
        if step == "writing":  # the batch is inserted, the facts are being written
            raise TabClosed

    with data.scoped(data.Scope(organisation="ADR")):
        big = uploads.receive("whole-year.csv", whole_year)
        with pytest.raises(TabClosed):
            uploads.load_received(
                programme,
                grantee,
                big,
                campaign="PDP-01",
                kind="metrics",
                skip_invalid=False,
                progress=closed_at_writing,
            )
    assert steps == ["reading", "checking", "writing"]
    # The worker was killed inside the load's transaction: nothing of it was committed, the
    # read copy shows what it showed, and the writer lock went with the worker.
    assert _warehouse_state(programme) == before
    assert sql(programme, "SELECT count(*), max(batch_id) FROM core.batch") == published
    assert _lock_is_free(programme)
    assert left_behind(tmpdir_of_test) == []

    with data.scoped(data.Scope(organisation="ADR")):
        small = uploads.receive("march.csv", CLEAN)
        result = uploads.load_received(
            programme, grantee, small, campaign="PDP-01", kind="metrics", skip_invalid=False
        )
    assert result.status == "loaded" and result.rows_loaded == 2
    assert sql(programme, "SELECT source_name, status FROM core.batch WHERE source = 'upload'") == [
        ("march.csv", "loaded")
    ]
    assert left_behind(tmpdir_of_test) == []


def test_a_load_over_the_time_limit_changes_nothing_and_the_next_load_works(
    monkeypatch, programme, whole_year, tmpdir_of_test
):
    account(programme, "grantee-ADR")
    grantee = Accounts.for_warehouse(programme).get("grantee-ADR")
    before = _warehouse_state(programme)
    monkeypatch.setenv("CAMPAIGNS_UPLOAD_SECONDS", "2")
    with data.scoped(data.Scope(organisation="ADR")):
        big = uploads.receive("whole-year.csv", whole_year)
        with pytest.raises(isolate.OverLimit) as stopped:
            uploads.load_received(
                programme, grantee, big, campaign="PDP-01", kind="metrics", skip_invalid=False
            )
    assert stopped.value.what == "time" and re.fullmatch(r"[0-9a-f]{8}", stopped.value.incident)
    assert _warehouse_state(programme) == before
    assert _lock_is_free(programme)
    monkeypatch.delenv("CAMPAIGNS_UPLOAD_SECONDS")
    with data.scoped(data.Scope(organisation="ADR")):
        result = uploads.load_received(
            programme,
            grantee,
            uploads.receive("march.csv", CLEAN),
            campaign="PDP-01",
            kind="metrics",
            skip_invalid=False,
        )
    assert result.status == "loaded"
    assert left_behind(tmpdir_of_test) == []


def commit_then_die(*, warehouse: Warehouse, code: str, spare: int) -> None:
    """A worker's job that commits an organisation ``code`` and dies before publishing it:
    SIGKILL inside the writer's block, after COMMIT, so the block's end (which publishes the
    read copy) never runs. The worker unpickles it by name, importing this module. ``spare``
    is the test's own process, never to be killed."""
    if os.getpid() == spare:
        raise RuntimeError("commit_then_die runs in a worker, never in the test's process")
    with warehouse.writer() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO core.organisation (code, name, city, batch_id) VALUES (?, ?, ?, 1)",
            [code, "Killed before publishing", "Aktau"],
        )
        con.execute("COMMIT")
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_write_killed_between_its_commit_and_publishing_is_published_again(
    monkeypatch, programme, tmpdir_of_test
):
    # The worker is a fresh interpreter: it finds this module (``test_upload_isolation``, as
    # pytest imports it) the way pytest does, with tests/ on its path.
    tests_dir = str(Path(__file__).resolve().parent)
    path = [tests_dir, *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))
    programme.publish()  # as after any load: the read copy records the file it was made from
    organisations = "SELECT code FROM organisations ORDER BY code"
    before = sql(programme, organisations)
    assert before and ("KIL",) not in before

    with pytest.raises(isolate.OverLimit) as stopped:
        isolate.run(
            commit_then_die, warehouse=programme, writes=True, code="KIL", spare=os.getpid()
        )
    # Killed without a word, the worker is taken for one the kernel stopped for its memory.
    assert stopped.value.what == "memory" and re.fullmatch(r"[0-9a-f]{8}", stopped.value.incident)
    after = sorted([*before, ("KIL",)])
    con = duckdb.connect(str(programme.path), read_only=True)
    try:  # committed in the warehouse file itself
        assert con.execute(organisations).fetchall() == after
    finally:
        con.close()
    # The read copy was published again: a fresh read-only connection and the dashboard's
    # reader both show the committed organisation.
    assert sql(programme, organisations) == after
    with programme.reader() as reader:
        assert reader.execute(organisations).fetchall() == after
    assert _lock_is_free(programme)
    assert left_behind(tmpdir_of_test) == []


# --- unexpected errors ---------------------------------------------------------------------------


def test_an_error_in_the_worker_is_an_incident_logged_with_its_traceback(
    programme, tmpdir_of_test, caplog
):
    with (
        caplog.at_level(logging.ERROR, logger="campaigns.incidents"),
        pytest.raises(isolate.WorkerFailed) as failed,
    ):
        # An unknown kind makes the loader raise (the page never asks for one).
        uploads.run_load(programme, CLEAN, "march.csv", kind="no-such-kind", dry_run=True)
    incident = failed.value.incident
    assert re.fullmatch(r"[0-9a-f]{8}", incident)
    logged = caplog.text
    assert f"incident {incident}" in logged
    assert "Traceback (most recent call last)" in logged and "UsageError" in logged
    text = uploads.stopped_text("march.csv", failed.value)
    assert f"**{incident}**" in text and "Traceback" not in text and "/" not in text
    assert left_behind(tmpdir_of_test) == []


def test_a_page_that_raises_shows_an_incident_number_and_the_log_has_the_traceback(
    monkeypatch, programme, caplog
):
    at = open_upload(monkeypatch, programme)
    # The published read copy is damaged under the running app (a disk fault, a bad copy).
    programme.read_path.write_bytes(b"this is no DuckDB database" * 100)
    stamp = time.time_ns() + 10**9
    os.utime(programme.read_path, ns=(stamp, stamp))
    with caplog.at_level(logging.ERROR, logger="campaigns.incidents"):
        at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    (message,) = [e for e in errors if e.startswith("Something went wrong on our side")]
    incident = incident_of(message)
    assert_no_internals(at, programme.path.parent)
    assert f"incident {incident}: page 'upload' failed for grantee-ADR" in caplog.text
    assert "Traceback (most recent call last)" in caplog.text


# --- what crosses into the worker, and what is left behind -------------------------------------


def test_no_database_connection_crosses_into_the_worker(programme):
    con = duckdb.connect(str(programme.path), read_only=True)  # held open by this process
    try:
        opened = isolate.run(isolate.open_files)
    finally:
        con.close()
    assert opened, "the worker lists its open files"
    assert not [f for f in opened if ".duckdb" in f or str(programme.path.parent) in f], opened


def test_a_stale_upload_folder_is_swept_and_a_fresh_one_kept(tmp_path):
    old = tmp_path / f"{isolate.PREFIX}old"
    fresh = tmp_path / f"{isolate.PREFIX}fresh"
    other = tmp_path / "campaigns-template-old"
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "x.upload").write_bytes(b"data")
    two_hours_ago = time.time() - 7200
    for folder in (old, other):
        os.utime(folder, (two_hours_ago, two_hours_ago))
    assert isolate.sweep(tmp_path) == [old]
    assert not old.exists() and fresh.exists() and other.exists()


def test_the_limits_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("CAMPAIGNS_UPLOAD_MEMORY_MB", raising=False)
    monkeypatch.delenv("CAMPAIGNS_UPLOAD_SECONDS", raising=False)
    assert isolate.Limits.from_env() == isolate.Limits(1024, 120)
    monkeypatch.setenv("CAMPAIGNS_UPLOAD_MEMORY_MB", "512")
    monkeypatch.setenv("CAMPAIGNS_UPLOAD_SECONDS", "30")
    assert isolate.Limits.from_env() == isolate.Limits(512, 30)
    monkeypatch.setenv("CAMPAIGNS_UPLOAD_SECONDS", "soon")  # not a number: the default, logged
    assert isolate.Limits.from_env().seconds == 120


# --- the real server, in a browser ---------------------------------------------------------------


@pytest.mark.xdist_group("browser")
def test_the_real_server_refuses_a_heavy_upload_and_keeps_serving(tmp_path, request):
    """``streamlit run`` as ``make run`` starts it, a grantee in Chromium, a worker killed half-way
    through the file: the refusal with its incident number, no traceback or path on the page,
    the number in the server's log, the server serving the next reader, and no upload folder
    left in its temporary folder."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:  # ``bench`` is not installed: it runs from the checkout
        sys.path.insert(0, root)
    from bench import hostile

    if not hostile.CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # the demo and the large file are made only once the browser is known to be there
    demo = request.getfixturevalue("demo_template")
    whole_year = request.getfixturevalue("whole_year")
    wh = copy_warehouse(demo, tmp_path / "demo" / "warehouse.duckdb", accounts=True)
    system_tmp = tmp_path / "server-tmp"
    system_tmp.mkdir()
    sent = tmp_path / "whole-year.csv"
    sent.write_bytes(whole_year)
    log = tmp_path / "server.log"
    limits = {"CAMPAIGNS_UPLOAD_SECONDS": "0.5", "TMPDIR": str(system_tmp)}
    with hostile.serve(wh, log, limits) as (url, server), sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(hostile.CHROMIUM), headless=True, args=hostile.CHROMIUM_ARGS
        )
        try:
            grantee = browser.new_context().new_page()
            hostile.sign_in(grantee, f"{url}/upload", "adr")
            grantee.get_by_text("Uploads of PDP-01").wait_for(timeout=60_000)
            answer = hostile.upload_and_wait(grantee, sent)
            assert answer.startswith("whole-year.csv needs more time than an upload may use")
            incident = re.search(r"Incident number: ([0-9a-f]{8})", answer).group(1)
            page_text = grantee.locator('[data-testid="stMain"]').inner_text()
            assert "Traceback" not in page_text and ".py" not in page_text
            assert str(tmp_path) not in page_text and "/tmp" not in page_text
            assert grantee.locator('[data-testid="stException"]').count() == 0

            # The server goes on: another reader opens the portfolio.
            reader = browser.new_context().new_page()
            hostile.sign_in(reader, url, "officer")
            assert reader.locator('[data-testid="stMain"] h1').inner_text() == "Portfolio"
            # its tiles follow the heading once the page's figures are read
            expect(reader.locator('[data-testid="stMain"]')).to_contain_text(
                "Impressions", timeout=60_000
            )
            assert reader.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
        assert server.poll() is None and hostile.healthy(url)
    logged = log.read_text(encoding="utf-8")
    assert f"incident {incident}" in logged and "time limit of 0.5 s" in logged
    assert left_behind(system_tmp) == []
    assert sql(wh, "SELECT count(*) FROM core.batch WHERE loaded_by = 'adr'") == [(0,)]
