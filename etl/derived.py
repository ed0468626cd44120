"""Figures derived from the facts once per load, which pages would otherwise recompute.

Each kept table equals its one definition, a table macro of migrations over the observations
it is given by name, computed over the current facts:

* ``core.post_figures``: each post's figures to date, by ``core.post_figures_of``
  (migration ``0011_post_figures_by_join``);
* ``core.channel_month``: each channel's daily figures added up by calendar month, by
  ``core.channel_months_of`` (migration ``0012_channel_months``);
* ``core.post_content``: each current post with its figures to date, by
  ``core.post_content_of`` over the posts (migration ``0013_post_content``), made after
  ``core.post_figures``, which it reads.
* ``core.batch_month``: the months (and their days) each load's metric rows are dated in, per
  campaign, by ``core.batch_months_of`` (migrations ``0014_batch_months``,
  ``0015_batch_month_days``), restated rows included.

A load or an undo refreshes the rows it touched, inside its own transaction, so a refused or
failed one leaves the tables as they were and they always equal their definitions:

* a load, once its facts are written and accepted: :func:`refresh_batch`;
* an undo: :func:`note_batch` before the batch's rows are taken out (afterwards they are gone),
  then :func:`refresh_noted` once the rows it replaced are restored.

The rows touched by batch ``b`` are those of the posts, or of the channels' months, with a row
of ``core.metric_observation`` (or, for ``core.post_content``, of ``core.content_item``) that
``b`` wrote or superseded.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class _Kept:
    table: str  # the kept table
    macro: str  # its definition over a table of facts, by name
    key_of_fact: dict[str, str]  # each key column over a fact ``{m}``
    facts: str  # the facts the table is made from, of ``reads``
    reads: str = "core.metric_observation"  # the facts the definition reads
    # Other facts whose rows touch it, with the condition on them.
    also_touched_by: tuple[tuple[str, str], ...] = ()

    @property
    def noted(self) -> str:
        return f"_{self.table.split('.')[-1]}_due"

    def touched(self) -> str:
        """Every key batch ``$b`` wrote or superseded a row of."""
        cols = ", ".join(f"{expr.format(m='m')} AS {key}" for key, expr in self.key_of_fact.items())
        return " UNION ".join(
            f"SELECT DISTINCT {cols} FROM {table} m "
            f"WHERE (batch_id = $b OR superseded_by = $b) AND {facts}"
            for table, facts in ((self.reads, self.facts), *self.also_touched_by)
        )

    def noted_facts(self) -> str:
        """The observations of the noted keys, read through a join that DuckDB prunes."""
        on = " AND ".join(f"n.{k} = {e.format(m='m')}" for k, e in self.key_of_fact.items())
        return f"SELECT m.* FROM {self.reads} m SEMI JOIN {self.noted} n ON {on}"

    def deleting(self) -> str:
        """Take the noted keys' rows out of the table."""
        on = " AND ".join(f"f.{k} = n.{k}" for k in self.key_of_fact)
        return f"DELETE FROM {self.table} f USING {self.noted} n WHERE {on}"


KEPT = (
    _Kept(
        "core.post_figures",
        "core.post_figures_of",
        {
            "campaign_code": "{m}.campaign_code",
            "platform": "{m}.platform",
            "post_id": "{m}.post_id",
        },
        "post_id <> ''",
    ),
    _Kept(
        "core.channel_month",
        "core.channel_months_of",
        {
            "campaign_code": "{m}.campaign_code",
            "platform": "{m}.platform",
            "month": "date_trunc('month', {m}.metric_date)::DATE",
        },
        "post_id = '' AND time_window = 'day'",
    ),
    _Kept(
        "core.post_content",
        "core.post_content_of",
        {
            "campaign_code": "{m}.campaign_code",
            "platform": "{m}.platform",
            "post_id": "{m}.post_id",
        },
        "TRUE",
        reads="core.content_item",
        also_touched_by=(("core.metric_observation", "post_id <> ''"),),
    ),
    _Kept(
        "core.batch_month",
        "core.batch_months_of",
        {
            "batch_id": "{m}.batch_id",
            "campaign_code": "{m}.campaign_code",
            "month": "date_trunc('month', {m}.metric_date)::DATE",
        },
        "TRUE",
    ),
)

# The observations of the noted rows, which a definition reads to refresh them.
_NOTED_FACTS = "_facts_due"


def note_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Note the rows of the kept tables ``batch_id`` touched, to refresh with
    :func:`refresh_noted`."""
    for kept in KEPT:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {kept.noted} AS {kept.touched()}", {"b": batch_id}
        )


def refresh_noted(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the noted rows of the kept tables from the current facts (a key left with no
    facts loses its rows); returns the rows written."""
    written = 0
    for kept in KEPT:
        con.execute(kept.deleting())
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_NOTED_FACTS} AS {kept.noted_facts()}")
        written += con.execute(
            f"INSERT INTO {kept.table} SELECT * FROM {kept.macro}('{_NOTED_FACTS}')"
        ).fetchone()[0]
        con.execute(f"DROP VIEW {_NOTED_FACTS}")
        con.execute(f"DROP TABLE {kept.noted}")
    return written


def refresh_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Refresh the rows ``batch_id`` touched (after a load has written its facts); returns the
    rows written."""
    note_batch(con, batch_id)
    return refresh_noted(con)


def rebuild(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute every row of the kept tables (for a warehouse whose facts were written
    without a load); returns the rows written."""
    written = 0
    for kept in KEPT:
        con.execute(f"DELETE FROM {kept.table}")
        written += con.execute(
            f"INSERT INTO {kept.table} SELECT * FROM {kept.macro}('{kept.reads}') "
            f"ORDER BY {', '.join(kept.key_of_fact)}"
        ).fetchone()[0]
    return written
