"""A programme at scale for the dashboard benchmark, written straight into a warehouse.

200 campaigns over three years, six platforms each with daily channel figures, about 300,000
posts with their lifetime totals and a week of daily figures each, monthly spend on three budget
lines, monthly KZT rates and KPI targets. The rows are generated in DuckDB and written as one
batch per table, with the same schema and views as a loaded warehouse: generating them through
the file loaders would measure the loaders, which ``bench.run`` already does.

``python -m bench.scale PATH`` builds one.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from etl.warehouse import Warehouse

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


def build_scale(path: Path) -> Warehouse:
    """Write the scale programme into a new warehouse at ``path``."""
    wh = Warehouse(path)
    with wh.writer() as con:
        con.execute("BEGIN TRANSACTION")
        batch = {}
        for kind in ("programme", "fx", "metrics", "spend", "feedback"):
            batch_id = con.execute("SELECT nextval('core.batch_id_seq')").fetchone()[0]
            con.execute(
                "INSERT INTO core.batch (batch_id, kind, source, source_name, loaded_by, "
                "started_at, finished_at, status, message) VALUES (?, ?, 'bench', "
                "'scale programme', 'bench', now()::TIMESTAMP, now()::TIMESTAMP, 'loaded', "
                "'generated for the dashboard benchmark')",
                [batch_id, kind],
            )
            batch[kind] = batch_id
        params = {
            "n": CAMPAIGNS,
            "start": START,
            "days": DAYS,
            "posts": POSTS_PER_CAMPAIGN,
            "post_days": POST_DAYS,
        }
        platforms = "[" + ", ".join(f"'{p}'" for p in PLATFORMS) + "]"
        themes = "[" + ", ".join(f"'{t}'" for t in THEMES) + "]"
        regions = "[" + ", ".join(f"'{r}'" for r in REGIONS) + "]"
        p = batch["programme"]
        con.execute(
            """
            CREATE TEMP TABLE c AS
            SELECT i, printf('S%03d', i) AS code, printf('ORG%02d', i % 20) AS org,
                   $start + CAST((i * 7) % 400 AS INTEGER) AS start_date,
                   $start + CAST((i * 7) % 400 AS INTEGER) + 300 + CAST(i % 400 AS INTEGER)
                       AS end_date
            FROM range(1, $n + 1) t(i)
            """,
            {k: params[k] for k in ("n", "start")},
        )
        con.execute(
            f"INSERT INTO core.organisation SELECT DISTINCT org, 'Organisation ' || org, "
            f"{regions}[1 + CAST(substr(org, 4) AS INTEGER) % 6], {p}, NULL, NULL FROM c"
        )
        con.execute(
            f"""
            INSERT INTO core.campaign
            SELECT code, 'Campaign ' || code, org, {themes}[1 + i % 5],
                   [{regions}[1 + i % 6]], ['ru', 'kk'], start_date, end_date, 'active',
                   NULL, {p}, NULL, i FROM c
            """
        )
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
            INSERT INTO core.kpi_target
            SELECT c.code, k.code, k.name, 'output', k.metric, '#', 'increase', 0, 2024, k.target,
                   k.cumulative, {p}, NULL, i
            FROM c, (VALUES ('OP1', 'Impressions', 'impressions', 20000000.0, true),
                            ('OP2', 'Engagements', 'engagements', 900000.0, true),
                            ('OP3', 'Followers', 'followers', 60000.0, false)) k(code, name,
                                                                                 metric, target,
                                                                                 cumulative)
            """
        )
        con.execute(
            f"""
            INSERT INTO core.channel
            SELECT code, pl, lower(code) || '_' || pl, 'https://example.org/' || pl || '/' || code,
                   'ru', {p}, NULL, i
            FROM c, unnest({platforms}) u(pl)
            """
        )
        fx = batch["fx"]
        con.execute(
            f"""
            INSERT INTO core.fx_rate
            SELECT CAST($start + to_months(CAST(m AS INTEGER)) AS DATE), 'KZT', 480 + m * 1.5, {fx},
                   NULL, m
            FROM range(0, 40) t(m)
            """,
            {"start": START},
        )
        m = batch["metrics"]
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
            FROM c, unnest({platforms}) WITH ORDINALITY u(pl, pi),
                 range(0, $days) t(day), LATERAL (SELECT $start + CAST(day AS INTEGER) AS d)
            """,
            {"start": START, "days": DAYS},
        )
        con.execute(
            f"""
            CREATE TEMP TABLE posts AS
            SELECT code, i, pl, printf('%s-%s-%05d', code, pl, k) AS post_id,
                   $start + CAST((k * 3 + i) % ($days - 10) AS INTEGER) AS published
            FROM c, range(0, $posts) t(k),
                 LATERAL (SELECT {platforms}[1 + CAST(k % 6 AS INTEGER)] AS pl)
            """,
            {k: params[k] for k in ("start", "days", "posts")},
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
        s = batch["spend"]
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
        f = batch["feedback"]
        con.execute(
            f"""
            INSERT INTO core.feedback_response (campaign_code, event_code, submitted_at, rating,
                usefulness, would_recommend, comment, sex, age_group, region, language,
                batch_id, superseded_by, source_row)
            SELECT code, 'E1', start_date + INTERVAL (k) DAY, 1 + (i + k) % 5, 1 + k % 5,
                   (i + k) % 4 <> 0, 'Comment ' || k, ['female', 'male'][1 + k % 2],
                   ['18-24', '25-34', '35-44'][1 + k % 3], {regions}[1 + i % 6], 'ru',
                   {f}, NULL, k
            FROM c, range(0, 100) t(k)
            """
        )
        for kind, table in (
            ("programme", "campaign"),
            ("metrics", "metric_observation"),
            ("spend", "spend"),
            ("fx", "fx_rate"),
            ("feedback", "feedback_response"),
        ):
            con.execute(
                f"UPDATE core.batch SET rows_read = n, rows_loaded = n FROM "
                f"(SELECT count(*) AS n FROM core.{table}) WHERE batch_id = ?",
                [batch[kind]],
            )
        con.execute("COMMIT")
    return wh


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/scale.duckdb")
    wh = build_scale(target)
    with wh.reader() as con:
        for view in ("campaigns", "channel_daily", "content_items", "metric_observations"):
            n = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            print(f"{view}: {n:,}")


if __name__ == "__main__":
    main()
