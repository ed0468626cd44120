"""What the checks of a load are told beyond the file: the campaign it is for (its dates) and
the ``--date-order`` given for slashed dates no value of a column tells."""

from __future__ import annotations

import contextvars
import difflib

import duckdb

from etl import reading
from etl.messages import message
from etl.stage import Context

# The --date-order of the load under way (set by ``load_file``), read where the checks'
# context is made.
DATE_ORDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("date_order", default=None)


def campaign_context(con: duckdb.DuckDBPyConnection, campaign: str | None, name: str) -> Context:
    """The checks' context for a file of ``campaign``, refused when there is no such campaign."""
    if not campaign:
        raise reading.FileRejected(message("load.campaign_needed", name=name))
    row = con.execute(
        "SELECT start_date, end_date FROM campaigns WHERE code = ?", [campaign]
    ).fetchone()
    if row is None:
        codes = [c for (c,) in con.execute("SELECT code FROM campaigns ORDER BY code").fetchall()]
        close = difflib.get_close_matches(campaign, codes, n=1, cutoff=0.6)
        if not close:
            close = [c for c in codes if c.casefold() == campaign.casefold()]
        if not codes:
            raise reading.FileRejected(message("load.campaign_unknown_none", campaign=campaign))
        known = ", ".join(codes)
        if close:
            raise reading.FileRejected(
                message(
                    "load.campaign_unknown_suggest",
                    campaign=campaign,
                    suggest=close[0],
                    known=known,
                )
            )
        raise reading.FileRejected(message("load.campaign_unknown", campaign=campaign, known=known))
    return Context(campaign, row[0], row[1], DATE_ORDER.get())
