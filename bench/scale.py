"""The scale programme for the dashboard and export benchmarks, written straight into a
warehouse, and the warehouse they run on.

200 campaigns over three years, six platforms each with daily channel figures, about 300,000
posts with their lifetime totals and a week of daily figures each, monthly spend on three budget
lines, monthly KZT rates and KPI targets. The rows are generated in DuckDB and written as one
batch per table, with the same schema and views as a loaded warehouse: generating them through
the file loaders would measure the loaders, which ``bench.run`` already does. The same constants
always give the same rows.

:func:`scale_warehouse` re-uses ``data/scale.duckdb`` while the generator and the schema are
unchanged. ``python -m bench.scale PATH`` builds one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from etl import derived
from etl.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
SCALE_PATH = ROOT / "data" / "scale.duckdb"

CAMPAIGNS = 200
PLATFORMS = ("instagram", "telegram", "facebook", "youtube", "tiktok", "vk")
START = dt.date(2024, 1, 1)
DAYS = 3 * 365
POSTS_PER_CAMPAIGN = 1500
POST_DAYS = 7
THEMES = (
    "personal-data protection",
    "online freedom of expression",
    "digital security",
    "censorship and self-censorship",
    "access to information",
)
REGIONS = ("Almaty", "Astana", "Shymkent", "Ust-Kamenogorsk", "Pavlodar", "Karaganda")
# One batch per kind of data, opened in this order (their ids follow it).
KINDS = ("programme", "fx", "metrics", "spend", "feedback")
# The table whose rows each batch counts as read and loaded.
COUNTED = (
    ("programme", "campaign"),
    ("metrics", "metric_observation"),
    ("spend", "spend"),
    ("fx", "fx_rate"),
    ("feedback", "feedback_response"),
)

Con = duckdb.DuckDBPyConnection


def build_scale(path: Path, factor: int = 1) -> Warehouse:
    """Write the scale programme into a new warehouse at ``path``; ``factor`` times as many
    campaigns (and organisations, posts, daily rows) for the growth benchmark."""
    wh = Warehouse(path)
    with wh.writer() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("BEGIN TRANSACTION")
        batch = _open_batches(con)
        _write_campaigns(con, batch["programme"], CAMPAIGNS * factor)
        _write_plans(con, batch["programme"])
        _write_channels(con, batch["programme"])
        _write_fx(con, batch["fx"])
        _write_channel_days(con, batch["metrics"])
        _write_posts(con, batch["metrics"])
        _write_spend(con, batch["spend"])
        _write_feedback(con, batch["feedback"])
        _count_rows(con, batch)
        # The facts were written without a load, so the figures loads keep are made here.
        derived.rebuild(con)
        con.execute("COMMIT")
    return wh


def _sql_list(values: Sequence[str]) -> str:
    """A DuckDB list literal of strings: ``['a', 'b']``."""
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _open_batches(con: Con) -> dict[str, int]:
    """One loaded batch per kind of data; their ids by kind."""
    batch = {}
    for kind in KINDS:
        batch_id = con.execute("SELECT nextval('core.batch_id_seq')").fetchone()[0]
        con.execute(
            "INSERT INTO core.batch (batch_id, kind, source, source_name, loaded_by, "
            "started_at, finished_at, status, message) VALUES (?, ?, 'bench', "
            "'scale programme', 'bench', now()::TIMESTAMP, now()::TIMESTAMP, 'loaded', "
            "'generated for the dashboard benchmark')",
            [batch_id, kind],
        )
        batch[kind] = batch_id
    return batch


def _write_campaigns(con: Con, p: int, n: int) -> None:
    """The campaigns (kept in the temporary table ``c`` for the steps after) and their
    organisations."""
    regions, themes = _sql_list(REGIONS), _sql_list(THEMES)
    con.execute(
        """
        CREATE TEMP TABLE c AS
        SELECT i, printf('S%03d', i) AS code, printf('ORG%02d', i % $orgs) AS org,
               $start + CAST((i * 7) % 400 AS INTEGER) AS start_date,
               $start + CAST((i * 7) % 400 AS INTEGER) + 300 + CAST(i % 400 AS INTEGER)
                   AS end_date
        FROM range(1, $n + 1) t(i)
        """,
        {"n": n, "orgs": max(20, n // 10), "start": START},
    )
    con.execute(
        f"INSERT INTO core.organisation SELECT DISTINCT org, 'Organisation ' || org, "
        f"{regions}[1 + CAST(substr(org, 4) AS INTEGER) % 6], {p}, NULL, NULL FROM c"
    )
    con.execute(
        f"""
        INSERT INTO core.campaign (code, name, organisation_code, thematic_area, regions,
            languages, start_date, end_date, status, description, batch_id, superseded_by,
            source_row)
        SELECT code, 'Campaign ' || code, org, {themes}[1 + i % 5],
               [{regions}[1 + i % 6]], ['ru', 'kk'], start_date, end_date, 'active',
               NULL, {p}, NULL, i FROM c
        """
    )


def _write_plans(con: Con, p: int) -> None:
    """Each campaign's three budget lines and three KPI targets."""
    con.execute(
        f"""
        INSERT INTO core.budget_line
        SELECT code, h, printf('%d.%d', h, 1), 'Line ' || h,
               CAST(CASE h WHEN 1 THEN 12000000 WHEN 2 THEN 3000000 ELSE 9000000 END
                    AS DECIMAL(18, 2)), 'KZT', {p}, NULL, i
        FROM c, (VALUES (1), (2), (5)) h(h)
        """
    )
    con.execute(
        f"""
        INSERT INTO core.kpi_target (campaign_code, indicator_code, indicator, level, metric,
            unit, direction, baseline, baseline_year, target, cumulative, batch_id,
            superseded_by, source_row)
        SELECT c.code, k.code, k.name, 'output', k.metric, '#', 'increase', 0, 2024, k.target,
               k.cumulative, {p}, NULL, i
        FROM c, (VALUES ('OP1', 'Impressions', 'impressions', 20000000.0, true),
                        ('OP2', 'Engagements', 'engagements', 900000.0, true),
                        ('OP3', 'Followers', 'followers', 60000.0, false)) k(code, name,
                                                                             metric, target,
                                                                             cumulative)
        """
    )


def _write_channels(con: Con, p: int) -> None:
    """One channel per campaign and platform."""
    con.execute(
        f"""
        INSERT INTO core.channel
        SELECT code, pl, lower(code) || '_' || pl, 'https://example.org/' || pl || '/' || code,
               'ru', {p}, NULL, i
        FROM c, unnest({_sql_list(PLATFORMS)}) u(pl)
        """
    )


def _write_fx(con: Con, fx: int) -> None:
    """Forty monthly KZT rates from the start."""
    con.execute(
        f"""
        INSERT INTO core.fx_rate
        SELECT CAST($start + to_months(CAST(m AS INTEGER)) AS DATE), 'KZT', 480 + m * 1.5, {fx},
               NULL, m
        FROM range(0, 40) t(m)
        """,
        {"start": START},
    )


def _write_channel_days(con: Con, m: int) -> None:
    """Every channel's figures for every day of the programme."""
    con.execute(
        f"""
        INSERT INTO core.metric_observation
        SELECT code, pl, '', d, 'day',
               1000 + (i * 37 + pi * 101 + day * 13) % 9000 AS impressions,
               700 + (i * 37 + pi * 101 + day * 13) % 6000 AS reach,
               CASE WHEN pl IN ('youtube', 'tiktok', 'telegram')
                    THEN 500 + (i + day * 7) % 4000 END AS views,
               20 + (i + pi + day) % 300 AS likes, (i + day) % 30 AS comments,
               (pi + day) % 20 AS shares, (i + pi) % 15 AS saves, (day + pi) % 50 AS clicks,
               5000 + i * 10 + day * (2 + pi) AS followers,
               {m}, NULL, day
        FROM c, unnest({_sql_list(PLATFORMS)}) WITH ORDINALITY u(pl, pi),
             range(0, $days) t(day), LATERAL (SELECT $start + CAST(day AS INTEGER) AS d)
        """,
        {"start": START, "days": DAYS},
    )


def _write_posts(con: Con, m: int) -> None:
    """The posts (kept in the temporary table ``posts``), each with its lifetime totals a week
    after publishing and its daily figures for that week."""
    con.execute(
        f"""
        CREATE TEMP TABLE posts AS
        SELECT code, i, pl, printf('%s-%s-%05d', code, pl, k) AS post_id,
               $start + CAST((k * 3 + i) % ($days - 10) AS INTEGER) AS published
        FROM c, range(0, $posts) t(k),
             LATERAL (SELECT {_sql_list(PLATFORMS)}[1 + CAST(k % 6 AS INTEGER)] AS pl)
        """,
        {"start": START, "days": DAYS, "posts": POSTS_PER_CAMPAIGN},
    )
    con.execute(
        f"""
        INSERT INTO core.content_item
        SELECT code, pl, post_id, 'https://example.org/' || pl || '/p/' || post_id,
               published + INTERVAL 10 HOUR, 'video', 'ru', 'Post ' || post_id, {m}, NULL, i
        FROM posts
        """
    )
    con.execute(
        f"""
        INSERT INTO core.metric_observation
        SELECT code, pl, post_id, published + $post_days, 'lifetime',
               3000 + hash(post_id) % 20000, 2000 + hash(post_id) % 15000,
               1000 + hash(post_id) % 9000, 50 + hash(post_id) % 800, hash(post_id) % 60,
               hash(post_id) % 40, hash(post_id) % 30, hash(post_id) % 90, NULL, {m}, NULL, i
        FROM posts
        """,
        {"post_days": POST_DAYS},
    )
    con.execute(
        f"""
        INSERT INTO core.metric_observation
        SELECT code, pl, post_id, published + CAST(day AS INTEGER), 'day',
               (3000 + hash(post_id) % 20000) // (day + 2), NULL,
               (1000 + hash(post_id) % 9000) // (day + 2),
               (50 + hash(post_id) % 800) // (day + 2), NULL, NULL, NULL, NULL, NULL,
               {m}, NULL, i
        FROM posts, range(0, $post_days) t(day)
        """,
        {"post_days": POST_DAYS},
    )


def _write_spend(con: Con, s: int) -> None:
    """A cost a month on each budget line while the campaign runs (two years at most)."""
    con.execute(
        f"""
        INSERT INTO core.spend
        SELECT code, CAST(start_date + to_months(CAST(mo AS INTEGER)) AS DATE) + 14,
               printf('%d.1', h),
               CAST(200000 + (i * 1009 + mo * 31 + h) % 500000 AS DECIMAL(18, 2)), 'KZT',
               'Monthly cost', printf('%s-%d-%02d', code, h, mo), {s}, NULL, mo
        FROM c, (VALUES (1), (2), (5)) h(h), range(0, 24) t(mo)
        WHERE start_date + to_months(CAST(mo AS INTEGER)) <= end_date
        """
    )


def _write_feedback(con: Con, f: int) -> None:
    """A hundred feedback responses per campaign."""
    con.execute(
        f"""
        INSERT INTO core.feedback_response (campaign_code, event_code, submitted_at, rating,
            usefulness, would_recommend, comment, sex, age_group, region, language,
            batch_id, superseded_by, source_row)
        SELECT code, 'E1', start_date + INTERVAL (k) DAY, 1 + (i + k) % 5, 1 + k % 5,
               (i + k) % 4 <> 0, 'Comment ' || k, ['female', 'male'][1 + k % 2],
               ['18-24', '25-34', '35-44'][1 + k % 3], {_sql_list(REGIONS)}[1 + i % 6], 'ru',
               {f}, NULL, k
        FROM c, range(0, 100) t(k)
        """
    )


def _count_rows(con: Con, batch: dict[str, int]) -> None:
    """Each batch's rows read and loaded: the rows of its table."""
    for kind, table in COUNTED:
        con.execute(
            f"UPDATE core.batch SET rows_read = n, rows_loaded = n FROM "
            f"(SELECT count(*) AS n FROM core.{table}) WHERE batch_id = ?",
            [batch[kind]],
        )


# --- the warehouse the benchmarks run on ---------------------------------------------------


def _scale_fingerprint(factor: int = 1) -> str:
    """Changes when the generator or the schema does, so an old scale warehouse is rebuilt."""
    digest = hashlib.sha256(f"x{factor}".encode())
    for path in [ROOT / "bench" / "scale.py", *sorted((ROOT / "etl" / "migrations").glob("*"))]:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def scale_path(factor: int = 1) -> Path:
    """Where the scale programme ``factor`` times larger is kept."""
    return SCALE_PATH if factor == 1 else SCALE_PATH.with_name(f"scale-{factor}x.duckdb")


def scale_warehouse(
    path: Path | None = None, *, rebuild: bool = False, factor: int = 1
) -> Warehouse:
    """The scale programme (``factor`` times larger) at ``path``: re-used when it was built by
    the current generator and schema (a stamp file beside it says so), else built again (a few
    seconds; about a minute at ten times)."""
    path = path or scale_path(factor)
    wh = Warehouse(path)
    stamp = path.with_name(path.name + ".stamp")
    fingerprint = _scale_fingerprint(factor)
    if (
        not rebuild
        and wh.exists()
        and wh.read_path.exists()
        and stamp.exists()
        and stamp.read_text(encoding="utf-8") == fingerprint
    ):
        return wh
    for old in (wh.path, wh.log_path, wh.read_path, wh.read_log_path, wh.base_path, stamp):
        old.unlink(missing_ok=True)
    t0 = time.perf_counter()
    build_scale(path, factor)
    stamp.write_text(fingerprint, encoding="utf-8")
    print(f"built the scale programme in {path} in {time.perf_counter() - t0:.1f} s")
    return wh


def first_campaign(wh: Warehouse) -> str:
    """The first campaign code of ``wh``, which the Campaign page is opened on."""
    con = duckdb.connect(str(wh.read_path), read_only=True)
    try:
        row = con.execute("SELECT code FROM campaigns ORDER BY code LIMIT 1").fetchone()
    finally:
        con.close()
    if row is None:
        raise RuntimeError(f"{wh.path} holds no campaign to open the Campaign page with")
    return row[0]


def scale_summary(wh: Warehouse) -> str:
    """What ``wh`` holds, in one line: campaigns, platforms, days, rows."""
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


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/scale.duckdb")
    wh = build_scale(target)
    with wh.reader() as con:
        for view in ("campaigns", "channel_daily", "content_items", "metric_observations"):
            n = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            print(f"{view}: {n:,}")


if __name__ == "__main__":
    main()
