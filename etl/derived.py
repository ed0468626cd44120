"""Figures derived from the facts once per load, which pages would otherwise recompute.

``core.post_figures`` holds each post's figures to date, as ``core.post_figures_of(observations)``
defines them (migration ``0011_post_figures_by_join``: the one definition, used by the refresh
here and by the tests). A load or an undo refreshes the rows of the
posts it touched, inside its own transaction, so a refused or failed one leaves the table as it
was and the table always equals the definition over the current facts:

* a load, once its facts are written and accepted: :func:`refresh_batch`;
* an undo: :func:`note_batch` before the batch's rows are taken out (afterwards they are gone),
  then :func:`refresh_noted` once the rows it replaced are restored.

The posts touched by batch ``b`` are those with a row of ``core.metric_observation`` that ``b``
wrote or superseded.
"""

from __future__ import annotations

import duckdb

_NOTED = "_post_figures_due"

# Every (campaign, platform, post) ``b`` wrote or superseded a row of.
_TOUCHED = """
SELECT DISTINCT campaign_code, platform, post_id FROM core.metric_observation
WHERE (batch_id = $b OR superseded_by = $b) AND post_id <> ''
"""

# The definition's figures of every post.
ALL_POSTS = "SELECT * FROM core.post_figures_of('core.metric_observation')"

# The observations of the noted posts, which the definition reads to refresh them.
_NOTED_FACTS = "_post_facts_due"


def note_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Note the posts ``batch_id`` wrote or superseded, to refresh with :func:`refresh_noted`."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_NOTED} AS {_TOUCHED}", {"b": batch_id})


def refresh_noted(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the noted posts' rows of ``core.post_figures`` from the current facts (a post
    left with no figures loses its row); returns the rows written."""
    con.execute(
        f"DELETE FROM core.post_figures f USING {_NOTED} n WHERE f.campaign_code = "
        "n.campaign_code AND f.platform = n.platform AND f.post_id = n.post_id"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {_NOTED_FACTS} AS SELECT m.* FROM core.metric_observation m "
        f"SEMI JOIN {_NOTED} USING (campaign_code, platform, post_id)"
    )
    written = con.execute(
        f"INSERT INTO core.post_figures SELECT * FROM core.post_figures_of('{_NOTED_FACTS}')"
    ).fetchone()[0]
    con.execute(f"DROP VIEW {_NOTED_FACTS}")
    con.execute(f"DROP TABLE {_NOTED}")
    return written


def refresh_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Refresh the rows of the posts ``batch_id`` wrote or superseded (after a load has written
    its facts); returns the rows written."""
    note_batch(con, batch_id)
    return refresh_noted(con)


def rebuild(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute every row of ``core.post_figures`` (for a warehouse whose facts were written
    without a load); returns the rows written."""
    con.execute("DELETE FROM core.post_figures")
    return con.execute(f"INSERT INTO core.post_figures {ALL_POSTS}").fetchone()[0]
