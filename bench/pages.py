"""Page benchmark: every dashboard page on the scale programme, cold and warm, beside its raw SQL.

For each page ``dashboard/app.py`` lists in ``PAGES`` (the Campaign page with ``?campaign=`` set
to the first campaign), in a child process:

* **cold**: one script run of the real app (``streamlit.testing`` ``AppTest``, a fresh one,
  signed in as a programme officer, who reads every campaign) as the first after a load is
  published (:func:`new_version`: cached results and the app's
  connection to the warehouse start anew), the median of ``BENCH_COLD`` (3) such runs; every
  page has been run once before, so code is imported and compiled and the warehouse file is in
  the operating system's cache;
* **warm**: the median of ``BENCH_WARM`` (3) further runs of the last cold run's ``AppTest``,
  the rerun a reader triggers by changing a widget that does not change the data;
* **raw SQL**: the statements the page sent on its first cold run (recorded by
  ``dashboard.data.recording``), each distinct one run once, in order, on one read-only DuckDB
  connection to the same file in the same process, results fetched into pandas as the app does;
  a pass after each cold run, the median counts.

Targets: cold within ``2 x raw + 0.5 s``, warm under 0.2 s, and peak memory of the app process
under 800 MiB. The app process is a real ``streamlit run`` server on the scale warehouse, whose
peak resident set (``VmHWM``) is read after headless Chromium has opened every page in English,
Russian and Kazakh; without Chromium or Playwright, the peak of the child process above stands in.

``python -m bench.pages`` builds (or re-uses) ``data/scale.duckdb`` and prints the table;
``--warehouse PATH`` runs it on another warehouse, ``--record`` writes the figures to
``docs/benchmarks.md`` (``make bench`` does), ``--profile PAGE`` prints where a page's cold and
warm runs spend their time. Missed targets are printed, never turned into a failing exit code.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import cProfile
import datetime as dt
import gc
import hashlib
import io
import json
import os
import platform
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from etl.warehouse import ENV_VAR, Warehouse

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
SERVER = (
    ROOT / "dashboard" / "server.py"
)  # app.py with the session-cookie route: what make run starts
DOC = ROOT / "docs" / "benchmarks.md"
SCALE_PATH = ROOT / "data" / "scale.duckdb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
LANGUAGES = ("en", "ru", "kk")

COLD_FACTOR = 2.0
COLD_ALLOWANCE = 0.5  # seconds
WARM_TARGET = 0.2  # seconds
MEMORY_TARGET = 800.0  # MiB
COLD_RUNS = int(os.environ.get("BENCH_COLD", "3"))
WARM_RUNS = int(os.environ.get("BENCH_WARM", "3"))


# --- what is measured and how it is judged ---------------------------------------------------


@dataclass
class PageTiming:
    """One page's figures, in seconds; ``reads`` counts every read the cold run sent (served
    from the cache or not), ``slowest`` holds the slowest distinct statements as
    ``(seconds, first words)``."""

    page: str
    cold: float
    warm: float
    raw: float
    reads: int
    statements: int
    slowest: list[tuple[float, str]] = field(default_factory=list)
    error: str | None = None


@dataclass
class Memory:
    """Peak resident memory in MiB: of the ``streamlit run`` server (``None`` when no browser
    could drive it) and of the child process that timed the pages."""

    server: float | None
    timing_process: float
    server_pages: list[tuple[str, float]] = field(default_factory=list)

    @property
    def peak(self) -> float:
        return self.server if self.server is not None else self.timing_process


def cold_limit(raw: float) -> float:
    """The longest a cold run may take: twice its raw SQL plus half a second."""
    return COLD_FACTOR * raw + COLD_ALLOWANCE


def cold_ratio(timing: PageTiming) -> float:
    """Cold run over its limit: at most 1.0 meets the target."""
    return timing.cold / cold_limit(timing.raw)


def cold_ok(timing: PageTiming) -> bool:
    return timing.error is None and timing.cold <= cold_limit(timing.raw)


def warm_ok(timing: PageTiming) -> bool:
    return timing.error is None and timing.warm < WARM_TARGET


def missed_targets(timings: Sequence[PageTiming], memory: Memory | None) -> list[str]:
    """One plain sentence per missed target (a page that failed misses both of its own)."""
    out = []
    for p in timings:
        if p.error is not None:
            out.append(f"{p.page}: the page failed ({p.error}), so it meets no target")
            continue
        if not cold_ok(p):
            out.append(
                f"{p.page}: cold run {p.cold:.2f} s, over its limit of {cold_limit(p.raw):.2f} s "
                f"(2 x {p.raw:.2f} s raw SQL + {COLD_ALLOWANCE} s)"
            )
        if not warm_ok(p):
            out.append(f"{p.page}: warm run {p.warm:.3f} s, not under {WARM_TARGET} s")
    if memory is not None and memory.peak >= MEMORY_TARGET:
        out.append(
            f"peak memory of the app process {memory.peak:.0f} MiB, not under "
            f"{MEMORY_TARGET:.0f} MiB"
        )
    return out


def table_rows(timings: Sequence[PageTiming]) -> list[list[str]]:
    """The report's rows: page, cold, warm, raw SQL, cold limit, ratio, reads, verdicts."""
    rows = []
    for p in timings:
        if p.error is not None:
            rows.append([p.page, "error", "", "", "", "", "", "fail", "fail"])
            continue
        rows.append(
            [
                p.page,
                f"{p.cold:.2f}",
                f"{p.warm:.3f}",
                f"{p.raw:.2f}",
                f"{cold_limit(p.raw):.2f}",
                f"{cold_ratio(p):.2f}",
                f"{p.reads} / {p.statements}",
                "pass" if cold_ok(p) else "fail",
                "pass" if warm_ok(p) else "fail",
            ]
        )
    return rows


HEADER = [
    "page",
    f"cold s (median of {COLD_RUNS})",
    f"warm s (median of {WARM_RUNS})",
    "raw SQL s",
    "cold limit s (2 x raw + 0.5)",
    "cold / limit",
    "reads / distinct statements",
    "cold target",
    "warm target",
]


SHORT_HEADER = ["page", "cold s", "warm s", "raw SQL s", "limit s", "cold/limit", "reads"]
SHORT_HEADER += ["cold", "warm"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def replace_block(text: str, name: str, lines: Sequence[str]) -> str:
    """``text`` with the block between ``<!-- bench:name -->`` and its closing marker replaced by
    ``lines`` (markers kept), or the block appended when the markers are not there yet."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = "\n".join([start, *lines, end])
    if start in text and end in text:
        return text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    return (text.rstrip("\n") + "\n\n" if text else "# Benchmarks\n\n") + block + "\n"


def distinct_statements(recorded: Sequence[tuple[str, tuple]]) -> list[tuple[str, tuple]]:
    """Each ``(sql, params)`` once, in first-sent order: a repeat within a run is served from
    the cache, so the page's own SQL runs once per distinct statement."""
    seen: dict[tuple[str, str], tuple[str, tuple]] = {}
    for sql, params in recorded:
        seen.setdefault((sql, repr(params)), (sql, params))
    return list(seen.values())


# --- the scale warehouse ---------------------------------------------------------------------


def _scale_fingerprint() -> str:
    """Changes when the generator or the schema does, so an old scale warehouse is rebuilt."""
    digest = hashlib.sha256()
    for path in [ROOT / "bench" / "scale.py", *sorted((ROOT / "etl" / "migrations").glob("*"))]:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def scale_warehouse(path: Path = SCALE_PATH, *, rebuild: bool = False) -> Warehouse:
    """The scale programme at ``path``: re-used when it was built by the current generator and
    schema (a stamp file beside it says so), else built again (a few seconds)."""
    from bench.scale import build_scale

    wh = Warehouse(path)
    stamp = path.with_name(path.name + ".stamp")
    fingerprint = _scale_fingerprint()
    if (
        not rebuild
        and wh.exists()
        and wh.read_path.exists()
        and stamp.exists()
        and stamp.read_text(encoding="utf-8") == fingerprint
    ):
        return wh
    for old in (wh.path, wh.read_path, stamp, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)
    t0 = time.perf_counter()
    build_scale(path)
    stamp.write_text(fingerprint, encoding="utf-8")
    print(f"built the scale programme in {path} in {time.perf_counter() - t0:.1f} s")
    return wh


def app_pages() -> list[str]:
    """The page names ``dashboard/app.py`` lists in ``PAGES``, read from its source (running it
    would draw the app)."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == "PAGES" and node.value is not None:
            return [ast.literal_eval(entry.elts[0]) for entry in node.value.elts]
    raise RuntimeError(f"no PAGES in {APP}")


def first_campaign(wh: Warehouse) -> str:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        row = con.execute("SELECT code FROM campaigns ORDER BY code LIMIT 1").fetchone()
    finally:
        con.close()
    if row is None:
        raise RuntimeError(f"{wh.path} holds no campaign to open the Campaign page with")
    return row[0]


def scale_summary(wh: Warehouse) -> str:
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        counts = [
            con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            for view in ("campaigns", "channel_daily", "content_items", "metric_observations")
        ]
        days = con.execute("SELECT max(day) - min(day) + 1 FROM channel_daily").fetchone()[0]
        platforms = con.execute("SELECT count(DISTINCT platform) FROM channels").fetchone()[0]
    finally:
        con.close()
    return (
        f"{counts[0]:,} campaigns, {platforms} platforms, {days or 0:,} days; "
        f"{counts[1]:,} daily channel rows, {counts[2]:,} posts, "
        f"{counts[3]:,} metric observations"
    )


# --- timing, in the child process ------------------------------------------------------------


def _quiet_streamlit() -> None:
    """AppTest runs the app without a server, and Streamlit says so on every run."""
    from streamlit import logger

    logger.set_log_level("error")


def _share_script_cache() -> None:
    """Compile each script once, as a server does. A server keeps one ``ScriptCache`` for its
    life; AppTest makes a new one per run and so compiles ``app.py`` and the page again each
    time (tens of milliseconds for a long page), which no reader ever waits for."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    for module in (app_test, local_script_runner):
        if hasattr(module, "ScriptCache"):
            module.ScriptCache = lambda: shared


def new_version(wh: Warehouse) -> None:
    """Make the app see a new load: move the published copy's time stamp on, which keys its
    cached results and its connection to the copy (a new one starts with DuckDB's block cache
    empty), as publishing a load does. Clears Streamlit's caches of data too."""
    import streamlit as st

    before = wh.version()
    stamp = max(time.time_ns(), wh.read_path.stat().st_mtime_ns + 1_000_000)
    os.utime(wh.read_path, ns=(stamp, stamp))
    st.cache_data.clear()
    if wh.version() == before:  # a warehouse versioned some other way: drop every resource
        st.cache_resource.clear()


# The benchmark reads as a programme officer, who sees every campaign.
BENCH_USER = "officer"


def bench_password(wh: Warehouse) -> str:
    """The bench officer's password, creating the account in ``wh``'s store if missing."""
    from etl.accounts import Accounts
    from etl.demo import demo_password

    accounts = Accounts.for_warehouse(wh)
    if accounts.get(BENCH_USER) is None:
        accounts.add(BENCH_USER, "officer", password=demo_password(BENCH_USER))
    return demo_password(BENCH_USER)


def _app_test(page: str, campaign: str):
    """A fresh AppTest of the real app, opened on ``page`` as its address would open it and
    signed in through the sign-in form (which runs the page once)."""
    from streamlit.testing.v1 import AppTest

    password = bench_password(Warehouse.at())
    at = AppTest.from_file(str(APP), default_timeout=600)
    if page == "campaign":
        at.query_params["campaign"] = campaign
    if page != app_pages()[0]:  # the first page is the default one, at the app's root address
        at.switch_page(f"views/{page}.py")
    at.run()
    at.text_input(key="auth_username").input(BENCH_USER)
    at.text_input(key="auth_password").input(password)
    at.button(key="auth_submit").click()
    at.run()
    return at


def _error(at) -> str | None:
    if at.exception:
        return str(at.exception[0].message).splitlines()[0][:200]
    return None


def _timed(run: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def raw_sql_pass(
    wh: Warehouse, statements: Sequence[tuple[str, tuple]]
) -> tuple[float, list[float]]:
    """One pass of ``statements`` directly in DuckDB: one read-only connection to the published
    file, each result fetched into pandas as the app does. Seconds in all (opening the
    connection included) and for each statement."""
    from dashboard.data import bind

    each = []
    t0 = time.perf_counter()
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        for sql, params in statements:
            t1 = time.perf_counter()
            con.execute(sql, bind(params)).df()
            each.append(time.perf_counter() - t1)
    finally:
        con.close()
    return time.perf_counter() - t0, each


def _slowest(
    statements: Sequence[tuple[str, tuple]], passes: Sequence[tuple[float, list[float]]]
) -> list[tuple[float, str]]:
    """The three slowest statements by their median over ``passes``, with their first words."""
    medians = [statistics.median(times) for times in zip(*(p[1] for p in passes), strict=True)]
    words = [" ".join(sql.split())[:90] for sql, _ in statements]
    return sorted(zip(medians, words, strict=True), reverse=True)[:3]


def time_raw_sql(
    wh: Warehouse, recorded: Sequence[tuple[str, tuple]], passes: int = 3
) -> tuple[float, list[tuple[float, str]]]:
    """Median seconds of ``passes`` passes of the distinct recorded statements, and the three
    slowest statements."""
    statements = distinct_statements(recorded)
    done = [raw_sql_pass(wh, statements) for _ in range(passes)]
    return statistics.median(d[0] for d in done), _slowest(statements, done)


def time_pages(
    wh: Warehouse,
    pages: Sequence[str],
    campaign: str,
    cold_runs: int = COLD_RUNS,
    warm_runs: int = WARM_RUNS,
) -> list[PageTiming]:
    """Cold, warm and raw-SQL seconds of each page, in this process: the median of
    ``cold_runs`` cold runs (each of a fresh AppTest after the cache is cleared), each followed
    by a pass of the first run's SQL directly in DuckDB (so both see the machine alike), and
    the median of ``warm_runs`` reruns of the last AppTest."""

    from dashboard import data

    os.environ[ENV_VAR] = str(wh.path)
    _quiet_streamlit()
    _share_script_cache()
    # One run of every page first, so the cold runs below do not pay for importing code.
    for page in pages:
        _app_test(page, campaign)
    timings = []
    for page in pages:
        colds, passes, recorded, error = [], [], None, None
        for _ in range(max(cold_runs, 1)):
            at = _app_test(page, campaign)
            new_version(wh)
            gc.collect()
            with data.recording() as sent:
                colds.append(_timed(at.run))
            error = error or _error(at)
            if recorded is None:
                recorded, statements = sent, distinct_statements(sent)
            passes.append(raw_sql_pass(wh, statements))
        warm = statistics.median(_timed(at.run) for _ in range(max(warm_runs, 1)))
        error = error or _error(at)
        timings.append(
            PageTiming(
                page=page,
                cold=statistics.median(colds),
                warm=warm,
                raw=statistics.median(p[0] for p in passes),
                reads=len(recorded),
                statements=len(statements),
                slowest=_slowest(statements, passes),
                error=error,
            )
        )
        del at
    return timings


def _profiled(run: Callable[[], object]) -> tuple[float, cProfile.Profile]:
    """Seconds of ``run()`` and a profile of the script thread it starts (AppTest runs the
    app's script in a thread of its own, which a profiler on this thread would not see)."""
    prof = cProfile.Profile()

    def start(*_: object) -> None:
        sys.setprofile(None)
        if threading.current_thread().name == "ScriptRunner.scriptThread":
            prof.enable()

    threading.setprofile(start)
    try:
        seconds = _timed(run)
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    return seconds, prof


def profile_page(wh: Warehouse, page: str, campaign: str, top: int) -> None:
    """Print where one page's cold run and a warm run spend their time (cProfile): the
    dashboard's own functions by cumulative time, then every function by its own time."""

    os.environ[ENV_VAR] = str(wh.path)
    _quiet_streamlit()
    _share_script_cache()
    _app_test(page, campaign)
    at = _app_test(page, campaign)
    new_version(wh)
    for label in ("cold", "warm"):
        seconds, prof = _profiled(at.run)
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(r"/dashboard/", top)
        stats.sort_stats("tottime").print_stats(top)
        print(f"--- {page}, {label} run: {seconds:.2f} s (under the profiler) ---")
        print(out.getvalue())


# --- peak memory of the app process ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_mib(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for process {pid}")


@contextlib.contextmanager
def streamlit_server(
    wh: Warehouse, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run dashboard/server.py`` on the warehouse, as ``make run`` starts it, on a
    free local port (``env`` added to the environment, its output in ``log`` when given); yields
    its address and process."""
    port = _free_port()
    with contextlib.ExitStack() as files:
        out = files.enter_context(log.open("w", encoding="utf-8")) if log else subprocess.DEVNULL
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(SERVER),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT,  # where .streamlit/config.toml is read from
            env={**os.environ, ENV_VAR: str(wh.path), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
            ):
                if r.read() == b"ok":
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                shown = log.read_text()[-3000:] if log else ""
                raise RuntimeError(f"the dashboard server did not start\n{shown}")
            time.sleep(0.3)
        yield url, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _settle(page) -> None:
    """Wait until the page has drawn its title (or an error) and its script run has finished."""
    page.wait_for_selector(
        '[data-testid="stMain"] h1, [data-testid="stException"]', timeout=120_000
    )
    for _ in range(2):  # the running indicator can blink off between the app and the page
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=120_000,
        )
        page.wait_for_timeout(500)


def server_memory(
    wh: Warehouse, pages: Sequence[str], campaign: str
) -> list[tuple[str, float]] | None:
    """Open every page in every language in headless Chromium against a fresh server, and
    return ``(address, the server's peak resident MiB once it is drawn)`` for each; ``None``
    when Chromium or Playwright is not there."""
    if not CHROMIUM.exists():
        return None
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    seen = []
    with streamlit_server(wh) as (url, server), sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            tab = browser.new_page()
            tab.goto(url)
            tab.get_by_role("textbox", name="Username").fill(BENCH_USER)
            tab.get_by_role("textbox", name="Password").fill(bench_password(wh))
            tab.get_by_role("button", name="Sign in").click()
            _settle(tab)
            for lang in LANGUAGES:
                for page in pages:
                    query = {"campaign": campaign} if page == "campaign" else {}
                    if lang != "en":
                        query["lang"] = lang
                    path = "" if page == app_pages()[0] else page
                    address = f"/{path}" + (
                        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
                    )
                    tab.goto(url + address)
                    try:
                        _settle(tab)
                    except PlaywrightError as exc:
                        print(f"  {address} did not finish drawing: {exc}".splitlines()[0])
                    seen.append((address, _status_mib(server.pid, "VmHWM")))
        finally:
            browser.close()
    return seen


# --- the report ------------------------------------------------------------------------------


def print_report(timings: Sequence[PageTiming], memory: Memory, missed: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 120))
    table = Table(title="Dashboard pages on the scale programme")
    for name in SHORT_HEADER:
        table.add_column(name, justify="left" if name == "page" else "right")
    for row in table_rows(timings):
        table.add_row(
            *[
                f"[green]{c}[/]" if c == "pass" else f"[bold red]{c}[/]" if c == "fail" else c
                for c in row
            ]
        )
    console.print(table)
    console.print(
        f"cold: median of {COLD_RUNS} first runs after the cache is cleared; "
        f"warm: median of {WARM_RUNS} reruns; "
        f"limit: {COLD_FACTOR:g} x raw SQL + {COLD_ALLOWANCE} s; reads: statements the cold run "
        f"sent / distinct ones timed as raw SQL"
    )
    console.print("slowest statements of each page, run directly in DuckDB:")
    for p in timings:
        for seconds, sql in p.slowest:
            console.print(
                f"  {p.page:<10} {seconds:6.3f} s  {sql}", markup=False, highlight=False, crop=True
            )
    if memory.server is not None:
        console.print(
            f"peak memory of the streamlit server after every page in {', '.join(LANGUAGES)}: "
            f"{memory.server:.0f} MiB (target < {MEMORY_TARGET:.0f})"
        )
    console.print(f"peak memory of the timing process: {memory.timing_process:.0f} MiB")
    if missed:
        console.print("[bold red]Missed targets:[/]")
        for line in missed:
            console.print(f"  [red]- {line}[/]", highlight=False)
    else:
        console.print("[green]Every target met.[/]")


def record(
    timings: Sequence[PageTiming],
    memory: Memory,
    missed: Sequence[str],
    summary: str,
    campaign: str,
    load: float,
    doc: Path = DOC,
) -> None:
    import streamlit

    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, Streamlit {streamlit.__version__}, load average "
        f"{load:.1f} before the run; {summary}; Campaign page opened on {campaign}.",
        "",
        *markdown_table(HEADER, table_rows(timings)),
        "",
    ]
    if memory.server is not None:
        lines.append(
            f"Peak memory of the `streamlit run` server after every page in English, Russian "
            f"and Kazakh: **{memory.server:.0f} MiB** (target < {MEMORY_TARGET:.0f} MiB); of the "
            f"process that timed the pages: {memory.timing_process:.0f} MiB."
        )
    else:
        lines.append(
            f"Peak memory of the process that timed the pages (no browser to drive a server): "
            f"**{memory.timing_process:.0f} MiB** (target < {MEMORY_TARGET:.0f} MiB)."
        )
    lines += ["", "Missed targets:" if missed else "Every target met."]
    lines += [f"- {line}" for line in missed]
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    doc.write_text(replace_block(text, "pages", lines), encoding="utf-8")


def _timing_child(wh: Warehouse, pages: Sequence[str], campaign: str) -> tuple[list, float]:
    """Run the timings in a child process: its figures and its peak resident memory (MiB)."""
    with tempfile.TemporaryDirectory(prefix="campaigns-bench-pages-") as tmp:
        out = Path(tmp) / "timings.json"
        cmd = [sys.executable, "-m", "bench.pages", "--warehouse", str(wh.path), "--child"]
        cmd += ["--campaign", campaign, "--out", str(out), "--pages", *pages]
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        stderr = proc.stderr.read() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"the page timings failed:\n{stderr[-3000:]}")
        rows = json.loads(out.read_text(encoding="utf-8"))
    timings = [PageTiming(**{**r, "slowest": [tuple(s) for s in r["slowest"]]}) for r in rows]
    return timings, usage.ru_maxrss / 1024


def run(
    wh: Warehouse | None = None, pages: Sequence[str] | None = None, *, write: bool = False
) -> list[str]:
    """Measure every page, print the report (and record it); the missed targets."""
    wh = wh or scale_warehouse()
    pages = list(pages or app_pages())
    campaign = first_campaign(wh)
    summary = scale_summary(wh)
    load = os.getloadavg()[0]
    print(f"dashboard pages on {wh.path}: {summary}; load average {load:.1f}")
    timings, child_rss = _timing_child(wh, pages, campaign)
    seen = server_memory(wh, pages, campaign)
    memory = Memory(
        server=max(m for _, m in seen) if seen else None,
        timing_process=child_rss,
        server_pages=seen or [],
    )
    for address, mib in memory.server_pages:
        print(f"  server's peak memory once {address} is drawn: {mib:.0f} MiB")
    missed = missed_targets(timings, memory)
    print_report(timings, memory, missed)
    if write:
        record(timings, memory, missed, summary, campaign, load)
    return missed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="Time every dashboard page cold and warm beside its raw SQL. "
        "Example: python -m bench.pages --record",
    )
    parser.add_argument("--warehouse", type=Path, help="a built warehouse (default: the scale one)")
    parser.add_argument("--pages", nargs="+", help="only these pages (default: app.py's PAGES)")
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--rebuild", action="store_true", help="build the scale warehouse anew")
    parser.add_argument("--profile", metavar="PAGE", help="profile one page's cold and warm run")
    parser.add_argument("--top", type=int, default=40, help="lines of profile to print")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--campaign", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.warehouse:
        wh = Warehouse(args.warehouse)
        if not wh.read_path.exists():
            parser.error(f"no built warehouse at {wh.path}: run `campaigns demo` or leave it out")
    else:
        wh = scale_warehouse(rebuild=args.rebuild)
    pages = args.pages or app_pages()
    campaign = args.campaign or first_campaign(wh)
    if args.child:
        timings = time_pages(wh, pages, campaign)
        args.out.write_text(json.dumps([asdict(t) for t in timings]), encoding="utf-8")
    elif args.profile:
        profile_page(wh, args.profile, campaign, args.top)
    else:
        run(wh, pages, write=args.record)


if __name__ == "__main__":
    main()
