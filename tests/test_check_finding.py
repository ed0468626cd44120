"""A file's checks are asked in one pass whether they find a row, and only those that do are run
(``etl.stage.rows``): an answer of "none" where the check's own query finds rows would drop
issues unseen. For files of every kind with rows each check catches, and for a clean one, every
check is run in full here and its rows compared with the issues the staging kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import METRICS_HEADER, write

from etl.kinds import FILE_KINDS
from etl.load import LoadResult
from etl.load.check import read_and_stage
from etl.load.context import campaign_context
from etl.stage import Context
from etl.stage.rows import file_checks
from etl.warehouse import Warehouse

# Every row but the first breaks one rule (PDP-01 runs from 2026-03-01 to 2026-12-31).
METRICS = (
    METRICS_HEADER
    + ",time_window\n"
    + "\n".join(
        [
            "2026-03-02,instagram,p1,,100,50,,,,,,,,day",
            "2026-03-02,instagram,p1,,100,50,,,,,,,,day",  # the same post and day as row 2
            "2026-03-02,instagram,p9,,100,500,,,,,,,,day",  # reach above impressions
            "2026-03-03,instagram,p2,,100,50,-5,,,,,,,lifetime",  # a total below zero
            "2026-03-04,instagram,p3,,100,50,,-2,,,,,,day",  # a net change below zero
            "2026-03-05,instagram,p4,,100,50,,,,,,,120,day",  # followers on a post's row
            "2025-01-01,instagram,,,100,50,,,,,,,,day",  # before the campaign
            "2026-03-06,instagram,p5,,100,50,,,,,,,,week",  # no such window
            "2026-03-07,instagram,p6,,lots,50,,,,,,,,day",  # not a number
            "2026-03-08,,p7,,100,50,,,,,,,,day",  # no platform
        ]
    )
)
CLEAN_METRICS = (
    METRICS_HEADER
    + "\n"
    + "\n".join(
        [
            "2026-03-02,instagram,p1,,100,50,,,,,,,",
            "2026-03-03,instagram,p1,,120,60,,,,,,,",
            "2026-03-02,telegram,,,,,900,,,,,,400",
        ]
    )
)
PARTICIPANTS = "\n".join(
    [
        "event_code,event_name,event_date,event_type,region,sex,age_group,participants",
        "EV1,Workshop,2026-03-10,workshop,Almaty,female,18-24,10",
        "EV1,Workshop,2026-03-10,workshop,Almaty,female,18-24,12",  # the same group again
        "EV1,Workshop,2026-03-11,workshop,Almaty,male,18-24,5",  # another date for EV1
        "EV2,Talk,2027-05-01,workshop,Almaty,male,25-34,3",  # after the campaign
    ]
)
FEEDBACK = "\n".join(
    [
        "submitted_at,event_code,rating,usefulness,rating_scale",
        "2026-03-10,EV1,7,3,",  # above the scale of 5 taken when none is given
        "2026-03-10,EV1,4,3,7",  # a scale of neither 5 nor 10
        "2027-06-01,EV1,4,3,5",  # after the campaign
    ]
)
SPEND = "\n".join(
    [
        "date,budget_line,amount,currency,description,reference",
        "2026-03-10,1.1,0,KZT,Fee,R1",  # nothing spent
        "2026-03-11,1.1,-500,KZT,Refund,R2",  # a refund on a line
        "2026-03-12,,-300,KZT,Refund,R3",  # a refund on no line
        "2026-03-13,9.9,1000,KZT,Other,R4",  # a line the campaign's budget does not have
        "2026-03-14,5.1,1000,USD,Ads,R5",  # no rate for USD
        "2026-03-15,5.1,1000,KZT,Ads,R5",  # the same reference again
    ]
)
FX = "\n".join(
    [
        "month,currency,units_per_eur",
        "2026-01,USD,1.1",
        "2026-01,USD,1.2",  # the same month and currency again
        "2026-02,USD,0",  # not above zero
    ]
)

# What each file's rows break, by the code of the issue (the first file of each kind).
CASES = {
    "metrics": (
        METRICS,
        {
            "stage.duplicate_post_row",
            "stage.reach_above_impressions",
            "stage.total_below_zero",
            "stage.net_change_below_zero",
            "stage.followers_on_post",
            "stage.outside_period",
            "stage.time_window",
        },
    ),
    "participants": (
        PARTICIPANTS,
        {"stage.duplicate_row", "stage.event_two_dates", "stage.outside_period"},
    ),
    "feedback": (
        FEEDBACK,
        {"stage.rating_above_scale", "stage.scale_5_or_10", "stage.outside_period"},
    ),
    "spend": (
        SPEND,
        {
            "stage.amount_zero",
            "stage.amount_refund",
            "stage.amount_refund_no_line",
            "stage.budget_line_unknown",
            "stage.no_exchange_rate",
            "stage.duplicate_row",
        },
    ),
    "fx": (FX, {"stage.duplicate_row", "stage.rate_not_positive"}),
}


def _staged_checks(wh: Warehouse, path: Path, kind: str) -> list[tuple[bool | None, set, set]]:
    """For each table a file is staged as: each check's answer to "do you find a row" (None
    for a check that cannot tell) with the (row, code) of the rows its own query finds, and
    the (row, code) of every issue the staging kept."""
    out = []
    with wh.writer(publish=False) as con:
        result = LoadResult("rejected", path.name, kind=kind, campaign="PDP-01")
        staged = read_and_stage(
            con,
            path.read_bytes(),
            path,
            result,
            name=path.name,
            kind=kind,
            campaign="PDP-01",
            as_of=dt.date(2026, 12, 1),
            mapping=None,
        )
        needs_campaign = FILE_KINDS[kind].needs_campaign
        ctx = campaign_context(con, "PDP-01", path.name) if needs_campaign else Context()
        for s in staged.values():
            kept = set(con.execute(f"SELECT row_number, code FROM {s.issues_table}").fetchall())
            answers = []
            for found, sql in file_checks(s.table, s.raw_header, s.header, ctx):
                rows = {(r[0], r[5]) for r in con.execute(sql).fetchall()}
                told = None
                if found is not None:
                    query = f"SELECT coalesce({found}, false) FROM {s.table}"
                    (told,) = con.execute(query).fetchone()
                answers.append((told, rows))
            out.append((answers, kept))
    return out


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_check_that_finds_rows_says_so_and_its_issues_are_kept(programme, tmp_path, kind):
    text, codes = CASES[kind]
    path = write(tmp_path / f"{kind}.csv", text + "\n")
    (staged,) = _staged_checks(programme, path, kind)
    answers, kept = staged
    found = set().union(*(rows for _, rows in answers))
    # the file's rows do break the rules it was written to break
    assert codes <= {code for _, code in found}, sorted(codes - {c for _, c in found})
    for told, rows in answers:  # a check may say it finds rows and find none, never the reverse
        assert told is not False or not rows, sorted(rows)
    assert kept == found


def test_a_clean_file_runs_none_of_the_checks_that_can_tell(programme, tmp_path):
    path = write(tmp_path / "metrics.csv", CLEAN_METRICS + "\n")
    ((answers, kept),) = _staged_checks(programme, path, "metrics")
    asked = [told for told, _ in answers if told is not None]
    assert asked and not any(asked)
    assert all(not rows for _, rows in answers)
    assert kept == set()
