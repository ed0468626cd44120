"""What the checks of a load are told beyond the file: the campaign it is for (its dates) and
the ``--date-order`` given for slashed dates no value of a column tells."""

from __future__ import annotations

import contextvars
import difflib

import duckdb

from etl import reading
from etl.stage import Context

# The --date-order of the load under way (set by ``load_file``), read where the checks'
# context is made.
DATE_ORDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("date_order", default=None)


def campaign_context(con: duckdb.DuckDBPyConnection, campaign: str | None, name: str) -> Context:
    """The checks' context for a file of ``campaign``, refused when there is no such campaign."""
    if not campaign:
        raise reading.FileRejected(
            f"{name}: say which campaign the file is for (--campaign CODE); "
            "`campaigns list` shows the codes"
        )
    row = con.execute(
        "SELECT start_date, end_date FROM campaigns WHERE code = ?", [campaign]
    ).fetchone()
    if row is None:
        codes = [c for (c,) in con.execute("SELECT code FROM campaigns ORDER BY code").fetchall()]
        close = difflib.get_close_matches(campaign, codes, n=1, cutoff=0.6)
        if not close:
            close = [c for c in codes if c.casefold() == campaign.casefold()]
        hint = f"did you mean '{close[0]}'? " if close else ""
        listed = ", ".join(codes) if codes else "none yet: load the programme set-up first"
        raise reading.FileRejected(
            f"campaign '{campaign}' does not exist; {hint}known campaigns: {listed}"
        )
    return Context(campaign, row[0], row[1], DATE_ORDER.get())
