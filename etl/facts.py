"""Writing checked rows into the warehouse tables, and taking a batch back out.

Write dispositions are explicit per table. A new batch *supersedes* the current rows it restates
(same scope) instead of deleting them, so a corrected file never double-counts and an undo can
put back exactly what was there:

* metric values, spend, exchange rates, content items: merged by key (a spend file without
  document numbers also restates every such cost of its period);
* participants and feedback: a file restates each event it lists, whole;
* budget lines, KPI targets and channels: the set-up file restates each campaign it lists, whole;
  a campaign (or organisation) restated exactly as it stands is left as it is, so loading the
  exported set-up back writes and replaces nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.kinds import METRIC_FIELDS
from etl.privacy import mask_sql
from etl.spend import AUTO_PREFIX


@dataclass(frozen=True)
class Table:
    name: str
    scope: tuple[str, ...]  # columns whose values a new batch restates in full


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("organisation", ("code",)),
        Table("campaign", ("code",)),
        Table("budget_line", ("campaign_code",)),
        Table("kpi_target", ("campaign_code",)),
        Table("channel", ("campaign_code",)),
        Table("content_item", ("campaign_code", "platform", "post_id")),
        Table(
            "metric_observation",
            ("campaign_code", "platform", "post_id", "metric_date", "time_window"),
        ),
        Table("spend", ("campaign_code", "reference")),
        Table("fx_rate", ("month", "currency")),
        Table("event", ("campaign_code", "event_code")),
        Table("participant_count", ("campaign_code", "event_code")),
        Table("feedback_response", ("campaign_code", "event_code")),
    )
}


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    batch_id: int,
    *,
    merge: tuple[str, ...] = (),
    near: str | None = None,
    keep_unchanged: bool = False,
) -> tuple[int, int]:
    """Supersede current rows in the scopes ``source`` restates, then insert ``source``.

    ``source`` is a query with the columns of ``core.<table>`` less the batch columns, plus
    ``source_row``. Columns in ``merge`` keep the current value where the new row has none (a
    file that leaves a figure empty has not restated it). ``near`` is a condition on
    ``core.<table>`` that every row the source could restate satisfies; when no current row
    satisfies it the comparison is skipped, which keeps a first load as fast as an insert.
    With ``keep_unchanged``, a scope the source restates with exactly its current rows is left
    as it is (neither superseded nor written again).
    Returns (rows inserted, rows superseded).
    """
    t = TABLES[table]
    on = " AND ".join(f"t.{c} = s.{c}" for c in t.scope)
    scope = ", ".join(t.scope)
    current = f"core.{table} t WHERE t.superseded_by IS NULL" + (f" AND ({near})" if near else "")
    columns = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' "
            "AND table_name = ? AND column_name NOT IN ('batch_id', 'superseded_by', "
            "'source_row') ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]
    overlap = con.execute(f"SELECT EXISTS (SELECT 1 FROM {current})").fetchone()[0]
    if overlap and keep_unchanged:
        source = _changed_scopes_only(con, t, source, columns, current)
    if not overlap:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _incoming AS SELECT * FROM ({source})")
        replaced = 0
    else:
        picked = ", ".join(
            f"coalesce(s.{c}, t.{c}) AS {c}" if c in merge else f"s.{c}" for c in columns
        )
        merged = (
            f"SELECT {picked}, s.source_row FROM ({source}) s "
            f"LEFT JOIN (SELECT * FROM {current}) t ON {on}"
            if merge
            else source
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS SELECT * FROM ({merged})")
        replaced = con.execute(
            f"""
            UPDATE core.{table} t SET superseded_by = ?
            FROM (SELECT DISTINCT {scope} FROM _incoming) s
            WHERE t.superseded_by IS NULL AND {on}
            """,
            [batch_id],
        ).fetchone()[0]
    cols = ", ".join(columns)
    inserted = con.execute(
        f"INSERT INTO core.{table} ({cols}, batch_id, superseded_by, source_row) "
        f"SELECT {cols}, ?, NULL, source_row FROM _incoming",
        [batch_id],
    ).fetchone()[0]
    con.execute("DROP VIEW IF EXISTS _incoming" if not overlap else "DROP TABLE _incoming")
    return inserted, replaced


def _changed_scopes_only(
    con: duckdb.DuckDBPyConnection, t: Table, source: str, columns: list[str], current: str
) -> str:
    """``source`` less the scopes whose rows are the current rows of that scope, as they are
    (compared on every column but the batch columns; NULLs compare equal)."""
    cols = ", ".join(columns)
    scope = ", ".join(t.scope)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _restated AS SELECT * FROM ({source})")
    in_scope = " AND ".join(f"r.{c} IS NOT DISTINCT FROM t.{c}" for c in t.scope)
    now = f"SELECT {cols} FROM {current} AND EXISTS (SELECT 1 FROM _restated r WHERE {in_scope})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _changed AS SELECT DISTINCT {scope} FROM (
            (SELECT {cols} FROM _restated EXCEPT ALL {now})
            UNION ALL
            ({now} EXCEPT ALL SELECT {cols} FROM _restated)
        )
        """
    )
    same = " AND ".join(f"c.{c} IS NOT DISTINCT FROM s.{c}" for c in t.scope)
    return f"SELECT s.* FROM _restated s WHERE EXISTS (SELECT 1 FROM _changed c WHERE {same})"


def undo(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Remove every row ``batch_id`` wrote and restore the rows it had superseded.

    A restored row takes back the state the undone row had: current if that row was current,
    else superseded by whichever later batch superseded it. Returns rows removed.
    """
    removed = 0
    for t in TABLES.values():
        on = " AND ".join(f"r.{c} = s.{c}" for c in t.scope)
        scope = ", ".join(t.scope)
        con.execute(
            f"""
            UPDATE core.{t.name} r SET superseded_by = s.next_batch
            FROM (SELECT DISTINCT {scope}, superseded_by AS next_batch FROM core.{t.name}
                  WHERE batch_id = ? AND superseded_by IS NOT NULL) s
            WHERE r.superseded_by = ? AND {on}
            """,
            [batch_id, batch_id],
        )
        con.execute(
            f"UPDATE core.{t.name} SET superseded_by = NULL WHERE superseded_by = ?", [batch_id]
        )
        removed += con.execute(
            f"DELETE FROM core.{t.name} WHERE batch_id = ?", [batch_id]
        ).fetchone()[0]
    return removed


def dependants(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[tuple[str, int]]:
    """Campaigns that undoing ``batch_id`` would remove while other loads still use them."""
    vanishing = [
        code
        for (code,) in con.execute(
            """
            SELECT code FROM core.campaign c
            WHERE batch_id = ? AND superseded_by IS NULL
              AND NOT EXISTS (SELECT 1 FROM core.campaign p
                              WHERE p.code = c.code AND p.superseded_by = ?)
            """,
            [batch_id, batch_id],
        ).fetchall()
    ]
    if not vanishing:  # most batches set up no campaign: nothing to look for in the facts
        return []
    used = " UNION ".join(
        f"SELECT campaign_code, batch_id FROM core.{table} "
        "WHERE superseded_by IS NULL AND campaign_code IN (SELECT unnest($codes))"
        for table in ("metric_observation", "spend", "participant_count", "feedback_response")
    )
    return con.execute(
        f"SELECT campaign_code, batch_id FROM ({used}) WHERE batch_id <> $b "
        "GROUP BY ALL ORDER BY ALL",
        {"codes": vanishing, "b": batch_id},
    ).fetchall()


# --- what each kind writes -------------------------------------------------------------------


def write_metrics(con, staged: str, campaign: str, batch_id: int) -> tuple[int, int]:
    camp = _lit(campaign)
    metrics = ", ".join(METRIC_FIELDS)
    lo, hi = con.execute(f"SELECT min(date), max(date) FROM {staged}").fetchone()
    rows = f"""
        SELECT {camp} AS campaign_code, platform, coalesce(post_id, '') AS post_id,
               date AS metric_date, coalesce(lower(time_window), 'day') AS time_window,
               {
        metrics.replace(
            "followers", "CASE WHEN coalesce(post_id, '') = '' THEN followers END AS followers"
        )
    },
               row_number AS source_row
        FROM {staged}
    """
    near = f"t.campaign_code = {camp} AND t.metric_date BETWEEN DATE '{lo}' AND DATE '{hi}'"
    inserted, replaced = replace_rows(
        con, "metric_observation", rows, batch_id, merge=METRIC_FIELDS, near=near
    )
    items = f"""
        SELECT {camp} AS campaign_code, platform, post_id, max(post_url) AS url,
               min(published_at) AS published_at, max(format) AS format,
               max(language) AS language, max(title) AS title, min(row_number) AS source_row
        FROM {staged} WHERE coalesce(post_id, '') <> '' GROUP BY platform, post_id
    """
    replace_rows(
        con,
        "content_item",
        items,
        batch_id,
        merge=("url", "published_at", "format", "language", "title"),
        near=f"t.campaign_code = {camp}",
    )
    return inserted, replaced


def write_spend(con, staged: str, campaign: str, batch_id: int) -> tuple[int, int]:
    """Spend merged by reference. A file without document numbers (references made from each
    row's content, see ``etl.spend``) also restates every such cost of its period: those it no
    longer lists, because an amount was corrected or a row deleted, are superseded too."""
    camp, auto = _lit(campaign), _lit(AUTO_PREFIX)
    first, last = con.execute(
        f"SELECT min(date), max(date) FROM {staged} WHERE starts_with(reference, {auto})"
    ).fetchone()
    dropped = 0
    if first is not None:
        dropped = con.execute(
            f"UPDATE core.spend SET superseded_by = ? WHERE superseded_by IS NULL "
            f"AND campaign_code = {camp} AND starts_with(reference, {auto}) "
            f"AND spend_date BETWEEN ? AND ? "
            f"AND reference NOT IN (SELECT reference FROM {staged} WHERE reference IS NOT NULL)",
            [batch_id, first, last],
        ).fetchone()[0]
    inserted, replaced = replace_rows(
        con,
        "spend",
        f"SELECT {camp} AS campaign_code, date AS spend_date, budget_line, "
        f"CAST(round(amount, 2) AS DECIMAL(18, 2)) AS amount, currency, description, "
        f"reference, row_number AS source_row FROM {staged}",
        batch_id,
    )
    return inserted, replaced + dropped


def write_fx(con, staged: str, campaign: str | None, batch_id: int) -> tuple[int, int]:
    return replace_rows(
        con,
        "fx_rate",
        f"SELECT month, currency, units_per_eur, row_number AS source_row FROM {staged}",
        batch_id,
    )


def write_participants(con, staged: str, campaign: str, batch_id: int) -> tuple[int, int]:
    camp = _lit(campaign)
    replace_rows(
        con,
        "event",
        f"SELECT {camp} AS campaign_code, event_code, max(event_name) AS name, "
        f"min(event_date) AS event_date, max(event_type) AS event_type, "
        f"min(row_number) AS source_row FROM {staged} GROUP BY event_code",
        batch_id,
    )
    return replace_rows(
        con,
        "participant_count",
        f"SELECT {camp} AS campaign_code, event_code, region, sex, age_group, "
        f"CAST(participants AS INTEGER) AS participants, row_number AS source_row "
        f"FROM {staged}",
        batch_id,
    )


def write_feedback(con, staged: str, campaign: str, batch_id: int) -> tuple[int, int]:
    return replace_rows(
        con,
        "feedback_response",
        f"SELECT {_lit(campaign)} AS campaign_code, coalesce(event_code, '') AS event_code, "
        f"submitted_at, CAST(rating AS INTEGER) AS rating, "
        f"CAST(usefulness AS INTEGER) AS usefulness, would_recommend, "
        f"{mask_sql('comment')} AS comment, sex, age_group, region, lower(language) AS language, "
        f"CAST(rating_scale AS INTEGER) AS rating_scale, "
        f"CAST(usefulness_scale AS INTEGER) AS usefulness_scale, respondent_name, "
        f"respondent_email, respondent_phone, row_number AS source_row FROM {staged}",
        batch_id,
    )


def write_programme(con, staged: dict[str, str], batch_id: int) -> tuple[int, int]:
    """Write the set-up workbook's sheets; each campaign listed is restated whole, and one
    restated exactly as it stands is left as it is."""
    total_in = total_replaced = 0

    def add(result: tuple[int, int]) -> None:
        nonlocal total_in, total_replaced
        total_in += result[0]
        total_replaced += result[1]

    if "organisations" in staged:
        add(
            replace_rows(
                con,
                "organisation",
                f"SELECT code, name, city, row_number AS source_row FROM {staged['organisations']}",
                batch_id,
                keep_unchanged=True,
            )
        )
    if "campaigns" in staged:
        add(
            replace_rows(
                con,
                "campaign",
                f"SELECT code, name, organisation AS organisation_code, thematic_area, "
                f"regions, languages, start_date, end_date, coalesce(status, 'active') AS status, "
                f"description, name_ru, name_kk, thematic_area_ru, thematic_area_kk, "
                f"row_number AS source_row FROM {staged['campaigns']}",
                batch_id,
                keep_unchanged=True,
            )
        )
    if "budget_lines" in staged:
        add(
            replace_rows(
                con,
                "budget_line",
                f"SELECT campaign AS campaign_code, CAST(heading AS INTEGER) AS heading, "
                f"line AS line_code, description, CAST(round(amount, 2) AS DECIMAL(18, 2)) "
                f"AS amount, currency, row_number AS source_row FROM {staged['budget_lines']}",
                batch_id,
                keep_unchanged=True,
            )
        )
    if "kpi_targets" in staged:
        add(
            replace_rows(
                con,
                "kpi_target",
                f"SELECT campaign AS campaign_code, indicator_code, indicator, "
                f"lower(level) AS level, metric, unit, direction, baseline, "
                f"CAST(baseline_year AS INTEGER) "
                f"AS baseline_year, target, coalesce(cumulative, false) AS cumulative, "
                f"indicator_ru, indicator_kk, "
                f"row_number AS source_row FROM {staged['kpi_targets']}",
                batch_id,
                keep_unchanged=True,
            )
        )
    if "channels" in staged:
        add(
            replace_rows(
                con,
                "channel",
                f"SELECT campaign AS campaign_code, platform, account, url, language, "
                f"row_number AS source_row FROM {staged['channels']}",
                batch_id,
                keep_unchanged=True,
            )
        )
    return total_in, total_replaced


WRITERS = {
    "metrics": write_metrics,
    "spend": write_spend,
    "fx": write_fx,
    "participants": write_participants,
    "feedback": write_feedback,
}


def _lit(text: str | None) -> str:
    if text is None:
        return "NULL"
    return "'" + text.replace("'", "''") + "'"
