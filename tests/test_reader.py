"""The scoped reader without Streamlit: the metrics layer imports and counts outside a page with
no Streamlit loaded, caches its results and keeps each reader to its scope; the dashboard's
adapter (``dashboard.data``) puts Streamlit's caches and the session's scope in its place."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import sql

from dashboard import data, reader
from dashboard.metrics import lookups
from etl.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
ADR_CAMPAIGNS = "SELECT code FROM campaigns WHERE organisation_code = 'ADR' ORDER BY code"


def run_fresh(code: str) -> str:
    """Run ``code`` in a new interpreter from the checkout; its standard output."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_metrics_layer_counts_without_streamlit(programme: Warehouse) -> None:
    out = run_fresh(
        f"""
        import sys
        from datetime import date
        from pathlib import Path

        from dashboard import metrics, reader
        from etl.warehouse import Warehouse

        wh = Warehouse(Path({str(programme.path)!r}))
        first = metrics.totals(wh, ["budget_eur", "impressions"])
        kept = len(reader._cached_fetch._entries)
        again = metrics.totals(wh, ["budget_eur", "impressions"])
        cached = first == again and len(reader._cached_fetch._entries) == kept == 1
        status = metrics.campaign_status(wh, date(2026, 4, 1))
        with reader.scoped(reader.Scope(organisation="ADR")):
            seen = reader.read(wh, "SELECT code FROM campaigns ORDER BY code")["code"].tolist()
        print(cached, sorted(status["campaign"]), seen)
        print("streamlit" in sys.modules)
        """
    )
    codes = [c for (c,) in sql(programme, "SELECT code FROM campaigns ORDER BY code")]
    adr = [
        c for (c,) in sql(programme, "SELECT code FROM campaigns WHERE organisation_code = 'ADR'")
    ]
    assert out.splitlines() == [f"True {codes} {adr}", "False"]


def test_the_memory_cache_gives_each_caller_its_own_copy(programme: Warehouse) -> None:
    cache = reader._MemoryCache(reader._fetch, 2, copy=True)
    where = (str(programme.path), programme.version(), None)
    first = cache(*where, "SELECT code FROM campaigns ORDER BY code", ())
    first.loc[0, "code"] = "changed"
    assert cache(*where, "SELECT code FROM campaigns ORDER BY code", ())["code"].tolist() == [
        "FOE-02",
        "PDP-01",
    ]
    for n in range(3):  # the least recently used goes first
        cache(*where, f"SELECT {n} AS n", ())
    assert len(cache._entries) == 2


def test_list_columns_read_as_python_lists_of_the_same_values(programme: Warehouse) -> None:
    """A DuckDB list reads as a Python list of its items (text and numbers), cheap to keep
    and give back on every rerun; a missing list stays missing and dates stay as read."""
    got = reader.read(
        programme,
        "SELECT code, regions, [1, 2] AS whole, [0.5] AS part, NULL::VARCHAR[] AS none, "
        "[DATE '2026-03-01'] AS days FROM campaigns ORDER BY code",
    )
    assert got["regions"].tolist() == [
        list(regions)
        for (regions,) in sql(programme, "SELECT regions FROM campaigns ORDER BY code")
    ]
    assert all(type(r) is list for r in got["regions"])
    assert got["whole"].tolist() == [[1, 2]] * len(got)
    assert got["part"].tolist() == [[0.5]] * len(got)
    assert type(got["whole"][0][0]) is int
    assert got["none"].isna().all()
    assert [str(d) for d in got["days"][0]] == ["2026-03-01T00:00:00.000000"]


def test_the_app_reads_through_the_reader(programme: Warehouse) -> None:
    """Imported, ``dashboard.data`` binds reads in a page to the session's scope (refused
    before sign-in) and keeps the reader's cache, whose results every session shares; outside
    a page it reads within the scope ``scoped`` sets, as the reader does."""
    assert isinstance(reader._cached_fetch, reader._MemoryCache)
    assert reader._in_page is data._in_page and reader._page_scope is data._session_scope
    data.clear_cache()
    first = lookups.allowed_campaigns(programme)
    kept = len(reader._cached_fetch._entries)
    assert kept >= 1 and lookups.allowed_campaigns(programme) == first
    assert len(reader._cached_fetch._entries) == kept  # the second read was the kept one
    data.clear_cache()
    assert not reader._cached_fetch._entries
    with data.scoped(data.Scope(campaigns=("PDP-01",))):
        assert lookups.allowed_campaigns(programme) == ("PDP-01",)
    assert lookups.allowed_campaigns(programme) == ("FOE-02", "PDP-01")


def test_the_reports_and_the_command_line_import_without_streamlit() -> None:
    """The donor report (with its PDF renderer) and the ``export``/``report`` commands run
    outside a Streamlit server: none of them imports Streamlit or its adapters."""
    out = run_fresh(
        """
        import sys

        import cli.reports
        import dashboard.report
        import dashboard.report.pdf
        from dashboard.reader import scope_of

        adapters = [m for m in ("dashboard.data", "dashboard.components") if m in sys.modules]
        print("streamlit" in sys.modules, *adapters)
        """
    ).split()
    assert out == ["False"]
