"""`campaigns demo` builds the demo programme through the ordinary loaders."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from click.testing import CliRunner
from conftest import copy_warehouse

from cli import cli
from etl.demo import DATA_AS_OF, DEMO_ACCOUNTS, demo_password, write_demo_files
from etl.warehouse import Warehouse


@pytest.fixture(scope="module")
def sql(demo_warehouse: Warehouse):
    """The demo as ``campaigns demo`` built it (``demo_template``), read through SQL."""
    con = duckdb.connect(str(demo_warehouse.read_path), read_only=True)

    def run(query: str):
        return con.execute(query).fetchall()

    yield run
    con.close()


def test_every_demo_file_is_a_loaded_batch(sql, tmp_path):
    files = write_demo_files(tmp_path)
    statuses = sql("SELECT status, count(*), sum(rows_rejected) FROM loads GROUP BY 1")
    assert statuses == [("loaded", len(files), 0)]
    assert sql("SELECT DISTINCT source FROM loads") == [("demo",)]
    loaded = sorted(sql("SELECT source_name, kind, coalesce(campaign_code, '') FROM loads"))
    assert loaded == sorted((f.path.name, f.kind, f.campaign or "") for f in files)
    kinds = dict(sql("SELECT kind, count(*) FROM loads GROUP BY 1"))
    assert kinds["programme"] == kinds["fx"] == 1
    # Each campaign's figures come in files: the months before the reporting cycle in one,
    # then one per month.
    assert all(kinds[k] >= 5 for k in ("metrics", "spend", "participants", "feedback"))


def test_five_campaigns_five_themes_five_regions(sql):
    rows = sql("SELECT code, thematic_area, organisation_code FROM campaigns")
    assert len(rows) == 5
    assert len({r[1] for r in rows}) == 5 and len({r[2] for r in rows}) == 5
    cities = sql("SELECT DISTINCT city FROM organisations")
    assert len(cities) == 5


def test_six_to_nine_months_of_daily_and_post_metrics(sql):
    for code, first, last, posts in sql(
        "SELECT c.campaign_code, min(c.day), max(c.day), "
        "(SELECT count(DISTINCT post_id) FROM post_daily p WHERE p.campaign_code = "
        "c.campaign_code) FROM channel_daily c GROUP BY 1"
    ):
        months = (last - first).days / 30.4
        assert 6 <= months <= 9.2, (code, months)
        assert last <= DATA_AS_OF
        assert posts > 50, code
        assert (
            len(sql(f"SELECT DISTINCT platform FROM channels WHERE campaign_code = '{code}'")) >= 2
        )


def test_posts_views_decay_after_publication(sql):
    # Across all posts, the first three days after publication carry most of the first
    # fortnight's views or impressions.
    share = sql(
        "WITH d AS (SELECT p.*, p.day - min(p.day) OVER (PARTITION BY campaign_code, platform,"
        " post_id) AS age, coalesce(views, impressions) AS v FROM post_daily p) "
        "SELECT sum(v) FILTER (WHERE age < 3) / sum(v) FILTER (WHERE age < 14) FROM d"
    )[0][0]
    assert share > 0.5


def test_spend_in_kzt_with_monthly_rates(sql):
    assert sql("SELECT DISTINCT currency FROM spend") == [("KZT",)]
    assert sql("SELECT count(*) FROM spend WHERE amount_eur IS NULL") == [(0,)]
    months = sql("SELECT count(DISTINCT month) FROM exchange_rates WHERE currency = 'KZT'")
    assert months[0][0] >= 9


def _elapsed(start: date, end: date) -> float:
    return (DATA_AS_OF - start).days / (end - start).days


def test_one_campaign_overspends(sql):
    over = []
    for code, start, end, spent, budget in sql(
        "SELECT c.code, c.start_date, c.end_date, "
        "(SELECT sum(amount) FROM spend s WHERE s.campaign_code = c.code), "
        "(SELECT sum(amount) FROM budget_lines b WHERE b.campaign_code = c.code) "
        "FROM campaigns c"
    ):
        if float(spent) / float(budget) > _elapsed(start, end) * 1.15:
            over.append(code)
    assert over == ["DSEC-03"]


def test_one_campaign_is_behind_pace_on_impressions(sql):
    behind = []
    for code, start, end, actual, target in sql(
        "SELECT c.code, c.start_date, c.end_date, "
        "(SELECT sum(impressions) FROM channel_daily d WHERE d.campaign_code = c.code), "
        "t.target FROM campaigns c JOIN kpi_targets t ON t.campaign_code = c.code "
        "AND t.metric = 'impressions'"
    ):
        if actual / target < _elapsed(start, end) * 0.85:
            behind.append(code)
    assert behind == ["ATI-05"]


def test_events_participants_and_feedback_in_three_languages(sql):
    assert sql("SELECT count(DISTINCT campaign_code) FROM events") == [(5,)]
    assert sql("SELECT count(*) FROM participants WHERE participants <= 0") == [(0,)]
    assert {lang for (lang,) in sql("SELECT DISTINCT language FROM feedback")} == {"ru", "kk", "en"}
    masked = sql(
        "SELECT count(*) FROM feedback WHERE comment LIKE '%[email]%' OR "
        "comment LIKE '%[phone]%' OR comment LIKE '%[IIN]%'"
    )[0][0]
    assert masked > 0
    assert sql(
        "SELECT count(*) FROM feedback WHERE regexp_matches(comment, "
        "'@[a-z]+\\.[a-z]{2,}|\\+7 ?7[0-9]{2}|[0-9]{12}')"
    ) == [(0,)]


def test_the_command_says_where_the_demo_is_and_its_accounts(demo_template, demo_output):
    assert f"demo programme ready in {demo_template.path}" in demo_output
    for username, role, _organisation, _name, _language in DEMO_ACCOUNTS:
        assert any(
            line.split()[:3] == [username, demo_password(username), role]
            for line in demo_output.splitlines()
        ), (username, demo_output)


def test_demo_refuses_to_overwrite_without_force(demo_warehouse, tmp_path):
    wh = copy_warehouse(demo_warehouse, tmp_path / "wh" / "warehouse.duckdb")
    before = wh.path.read_bytes()
    result = CliRunner().invoke(cli, ["--warehouse", str(wh.path), "demo"])
    assert result.exit_code == 1
    assert "--force" in result.output
    assert wh.path.read_bytes() == before


def test_demo_says_when_the_password_hashing_setting_is_unknown_and_builds_nothing(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CAMPAIGNS_PASSWORD_HASHING", "fast")
    wh = Warehouse(tmp_path / "warehouse.duckdb")
    result = CliRunner().invoke(cli, ["--warehouse", str(wh.path), "demo"])
    assert result.exit_code == 1
    assert "CAMPAIGNS_PASSWORD_HASHING='fast' is not one of" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
