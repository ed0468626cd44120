"""Timing the dashboard pages in this process: each page of the real app run through
Streamlit's ``AppTest`` (signed in as a programme officer) cold and warm, beside a pass of its
recorded SQL directly in DuckDB; and profiling one page.

``bench.pages`` runs the timings as ``python -m bench.page_timing`` in a child process, whose
peak memory it reads; the figures come back as JSON.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import importlib
import io
import json
import os
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import streamlit as st
from streamlit import logger
from streamlit.testing.v1 import AppTest

from bench.page_targets import COLD_RUNS, WARM_RUNS, PageTiming
from bench.raw_sql import distinct_statements, raw_sql_pass, slowest_statements
from dashboard import reader
from dashboard.headless import run_like_a_server
from dashboard.reader import recording
from etl.accounts import Accounts
from etl.demo import demo_password
from etl.warehouse import ENV_VAR, Warehouse

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"

# The benchmark reads as a programme officer, who sees every campaign.
BENCH_USER = "officer"


def app_pages() -> list[str]:
    """The page names ``dashboard/app.py`` lists in ``PAGES``, read from its source (running it
    would draw the app)."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == "PAGES" and node.value is not None:
            return [ast.literal_eval(entry.elts[0]) for entry in node.value.elts]
    raise RuntimeError(f"no PAGES in {APP}")


# Pages whose tabs run only when open (``components.lazy_tabs``): the key of their tabs and the
# tuple of tab names (a name in the page's source, or a module's).
TABBED = {
    "campaign": ("campaign_tab", "TABS"),
    "content": ("content_group", "dashboard.metrics.posts.GROUPS"),
    "feedback": ("feedback_breakdown", "BREAKDOWNS"),
}


def _tab_names(page: str) -> list[str]:
    where = TABBED[page][1]
    if "." in where:  # a module's: imported (the page's source would draw the page)
        module, name = where.rsplit(".", 1)
        return list(getattr(importlib.import_module(module), name))
    source = APP.parent / "views" / f"{page}.py"
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == where:
            return list(ast.literal_eval(node.value))
    raise RuntimeError(f"no {where} in {source}")


def page_views(page: str) -> list[tuple[str, str | None]]:
    """What the benchmark times of ``page``: ``(name, tab)`` for the page as its address opens
    it (``tab`` None, its first tab open) and, for a page of lazy tabs, each other tab opened on
    its own, named ``page/tab``: each is what one click of a reader runs."""
    if page not in TABBED:
        return [(page, None)]
    return [(page, None)] + [(f"{page}/{tab}", tab) for tab in _tab_names(page)[1:]]


def open_tab(at: AppTest, page: str, tab: str) -> None:
    """Open ``tab`` of ``page``'s lazy tabs in ``at``, as a click does (the next run draws it)."""
    from dashboard.components import TAB_LABELS
    from dashboard.i18n import t

    key = TABBED[page][0]
    at.session_state[key] = t(f"{TAB_LABELS[key]}.{tab}")


def bench_password(wh: Warehouse) -> str:
    """The bench officer's password, creating the account in ``wh``'s store if missing."""
    accounts = Accounts.for_warehouse(wh)
    if accounts.get(BENCH_USER) is None:
        accounts.add(BENCH_USER, "officer", password=demo_password(BENCH_USER))
    return demo_password(BENCH_USER)


def _quiet_streamlit() -> None:
    """AppTest runs the app without a server, and Streamlit says so on every run."""
    logger.set_log_level("error")


def new_version(wh: Warehouse) -> None:
    """Make the app see a new load: move the published copy's time stamp on, which keys its
    cached results and its connection to the copy (a new one starts with DuckDB's block cache
    empty), as publishing a load does. Clears the kept results and Streamlit's caches of data
    (the charts) too."""
    before = wh.version()
    stamp = max(time.time_ns(), wh.read_path.stat().st_mtime_ns + 1_000_000)
    os.utime(wh.read_path, ns=(stamp, stamp))
    st.cache_data.clear()
    # a warehouse versioned some other way: drop its connections too
    reader.clear_cache(connections=wh.version() == before)


def _app_test(page: str, campaign: str, tab: str | None = None) -> AppTest:
    """A fresh AppTest of the real app, opened on ``page`` as its address would open it and
    signed in through the sign-in form (which runs the page once); with ``tab``, that tab of
    the page's lazy tabs opened (one more run)."""
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
    if tab is not None:
        open_tab(at, page, tab)
        at.run()
    return at


def _error(at: AppTest) -> str | None:
    if at.exception:
        return str(at.exception[0].message).splitlines()[0][:200]
    return None


def _timed(run: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def _prepare(wh: Warehouse) -> None:
    """Point the app at ``wh``, quieten Streamlit and make ``AppTest`` compile each script once,
    as a server does (``dashboard.headless``)."""
    os.environ[ENV_VAR] = str(wh.path)
    _quiet_streamlit()
    run_like_a_server()


def time_page(
    wh: Warehouse,
    page: str,
    campaign: str,
    cold_runs: int,
    warm_runs: int,
    view: tuple[str, str | None] | None = None,
) -> tuple[PageTiming, list[tuple[str, tuple]]]:
    """One page's figures (or those of ``view``, one of its :func:`page_views`): ``cold_runs``
    cold runs, each of a fresh AppTest after a new version and followed by a pass of the first
    run's SQL directly in DuckDB, then ``warm_runs`` reruns of the last AppTest; and the
    distinct statements of the first cold run."""
    name, tab = view or (page, None)
    colds, passes, recorded, error = [], [], None, None
    statements: list[tuple[str, tuple]] = []
    for _ in range(max(cold_runs, 1)):
        at = _app_test(page, campaign, tab)
        new_version(wh)
        gc.collect()
        with recording() as sent:
            colds.append(_timed(at.run))
        error = error or _error(at)
        if recorded is None:
            recorded, statements = sent, distinct_statements(sent)
        passes.append(raw_sql_pass(wh, statements))
    warm = statistics.median(_timed(at.run) for _ in range(max(warm_runs, 1)))
    error = error or _error(at)
    return PageTiming(
        page=name,
        cold=statistics.median(colds),
        warm=warm,
        raw=statistics.median(p[0] for p in passes),
        reads=len(recorded),
        statements=len(statements),
        slowest=slowest_statements(statements, passes),
        error=error,
    ), statements


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
    _prepare(wh)
    # One run of every page first, so the cold runs below do not pay for importing code.
    for page in pages:
        _app_test(page, campaign)
    out = []
    for page in pages:
        timed = [time_page(wh, page, campaign, cold_runs, warm_runs, v) for v in page_views(page)]
        if len(timed) > 1:  # the whole page of lazy tabs: every tab's statements, each once
            every = distinct_statements([s for _, sent in timed for s in sent])
            runs = [raw_sql_pass(wh, every)[0] for _ in range(max(cold_runs, 1))]
            timed[0][0].whole_raw = statistics.median(runs)
        out += [timing for timing, _ in timed]
    return out


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
    _prepare(wh)
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


def main(argv: Sequence[str] | None = None) -> None:
    """The child process of ``bench.pages``: time the pages, write the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.page_timing")
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pages", nargs="+", required=True)
    args = parser.parse_args(argv)
    timings = time_pages(Warehouse(args.warehouse), args.pages, args.campaign)
    args.out.write_text(json.dumps([asdict(t) for t in timings]), encoding="utf-8")


if __name__ == "__main__":
    main()
