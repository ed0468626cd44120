"""The statements a page sends to the warehouse can be recorded and run again on their own, which
is how ``make bench`` sets each page's time beside the time of its raw SQL."""

from __future__ import annotations

import duckdb
import pytest
import streamlit as st

from dashboard import data, metrics
from etl.warehouse import Warehouse


@pytest.fixture(autouse=True)
def _clear_cache():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_recording_collects_every_read_cached_or_not(programme: Warehouse) -> None:
    with data.recording() as recorded:
        names = data.campaign_names(programme)
        data.campaign_names(programme)  # served from the cache, still recorded
        kpis = metrics.run_sql(
            programme,
            "SELECT code FROM campaigns WHERE list_contains($codes, code) AND end_date >= $day",
            {"codes": ["PDP-01"], "day": "2026-01-01"},
        )
        loads = data.recent_loads(programme, limit=1)
    assert names == {"FOE-02": "Speak freely online", "PDP-01": "Your data, your rights"}
    assert kpis["code"].tolist() == ["PDP-01"]
    assert len(recorded) == 4
    assert recorded[0] == recorded[1]
    assert recorded[2][1] == (("codes", ("PDP-01",)), ("day", "2026-01-01"))
    assert recorded[3][1] == (1,)

    # Run directly in DuckDB, the recorded statements give what the dashboard got.
    con = duckdb.connect(str(programme.read_path), read_only=True)
    try:
        again = [con.execute(sql, data.bind(params)).df() for sql, params in recorded]
    finally:
        con.close()
    assert again[0]["code"].tolist() == list(names)
    assert again[2]["code"].tolist() == ["PDP-01"]
    assert again[3]["batch_id"].tolist() == loads["batch_id"].tolist()


def test_nothing_is_recorded_outside_recording(programme: Warehouse) -> None:
    with data.recording() as recorded:
        pass
    data.campaign_names(programme)
    assert recorded == []
    assert data._recorded is None

    with data.recording() as outer:
        data.campaign_names(programme)
        with data.recording() as inner:
            data.recent_loads(programme)
        data.filter_options(programme)
    assert len(inner) == 1 and "FROM loads" in inner[0][0]
    assert len(outer) == 2 and "FROM loads" not in "".join(sql for sql, _ in outer)
    assert data._recorded is None


def test_bind_matches_the_cached_reader() -> None:
    assert data.bind(()) == []
    assert data.bind((3, "x")) == [3, "x"]
    assert data.bind((("a", ("x", "y")), ("b", 2))) == {"a": ["x", "y"], "b": 2}
