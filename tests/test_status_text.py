"""A campaign status's reasons are codes with parameters, written in the reader's language by
``dashboard.status_text``: each on its own (the Campaign page) or as a row's summary (the
Portfolio table)."""

from __future__ import annotations

import pickle

import pytest

from dashboard.metrics import Reason
from dashboard.status_text import reason_text, reasons_summaries, reasons_summary, reasons_text

REASONS = (
    Reason("kpi_behind", kpi="OP1"),
    Reason("kpi_behind", kpi="OC_2"),
    Reason("overspending", execution=0.634),
    Reason("over_budget"),
    Reason("no_figures_for", days=1234),
)


def test_each_reason_in_english() -> None:
    assert reasons_text(REASONS, "en") == (
        "OP1 behind pace; OC_2 behind pace; spending ahead of the elapsed time; "
        "spend above the budget; no figures for 1,234 days"
    )
    assert reason_text(Reason("no_figures_since_start", days=14), "en") == (
        "no figures loaded, 14 days after the start"
    )
    assert reason_text(Reason("underspending", execution=0.1), "en") == (
        "spending behind the elapsed time"
    )
    assert reasons_text((), "en") == ""


def test_an_indicator_code_is_shown_as_it_is_in_markdown() -> None:
    assert reason_text(Reason("kpi_behind", kpi="OC_2"), "en", markdown=True) == (
        "OC\\_2 behind pace"
    )


def test_reasons_in_russian() -> None:
    assert reasons_text(REASONS[2:], "ru") == (
        "расходы опережают прошедшее время; расходы превышают бюджет; нет данных 1\u00a0234 дн."
    )


def test_a_row_summary_names_the_indicators_together() -> None:
    assert reasons_summary(REASONS, "en") == (
        "behind on OP1, OC_2; spending ahead of time (63% spent); over budget; "
        "no figures for 1,234 days"
    )
    assert reasons_summary((Reason("no_figures_since_start", days=1),), "en") == (
        "no figures loaded, 1 day after the start"
    )
    assert reasons_summary((Reason("underspending", execution=0.2),), "ru") == (
        "расходы отстают от времени (израсходовано 20\u00a0%)"
    )
    assert reasons_summary((), "en") == ""


def test_a_reason_survives_the_cache_and_refuses_an_unknown_code() -> None:
    assert pickle.loads(pickle.dumps(REASONS)) == REASONS
    with pytest.raises(ValueError, match="unknown reason"):
        Reason("behind pace")


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_a_table_of_rows_gets_each_rows_own_summary(lang: str) -> None:
    stale = (Reason("no_figures_for", days=20),)
    rows = [REASONS, (), stale, float("nan"), REASONS, stale, ()]
    expected = [reasons_summary(r if isinstance(r, tuple) else (), lang) for r in rows]
    assert reasons_summaries(rows, lang) == expected
    assert expected[0] != expected[2] and expected[1] == expected[3] == ""
