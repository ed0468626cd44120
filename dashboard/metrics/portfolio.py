"""The Portfolio table's figures: one row per campaign with its totals over the selection, its
status and the reasons for it, its spend pace, its slowest indicator's pace and its latest day
with figures.

Worked out once per published load, selection and day (``reader.derived``), so a rerun of the
page (a row chosen, a table sorted) only draws it. The page adds what depends on the reader's
language: the campaign's name and organisation as set up, labels, icons and links.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard import reader
from dashboard.metrics.builder import query
from dashboard.metrics.selection import Selection, Settings
from dashboard.metrics.status import campaign_status, data_freshness, kpi_progress, spend_pace
from etl.warehouse import Warehouse


@reader.derived
def campaign_rows(
    wh: Warehouse, sel: Selection, day: dt.date, measures: tuple[str, ...], settings: Settings
) -> pd.DataFrame:
    """One row per campaign of ``sel.campaigns``, in that order: ``campaign``, ``measures``
    (totals over the selection), ``status`` and ``reasons`` at ``day``
    (:func:`~dashboard.metrics.status.campaign_status`), ``execution`` and ``elapsed`` (spend
    pace), ``kpi_pace`` (the slowest pace of its indicators, NaN without one) and
    ``last_metric_date``."""
    codes = sel.campaigns
    per = query(wh, list(measures), sel, "total", ("campaign",), settings)
    status = campaign_status(wh, day, codes, settings)
    pace = spend_pace(wh, day, codes, settings)
    kpis = kpi_progress(wh, day, codes, settings)
    fresh = data_freshness(wh, day, codes, settings)
    worst_pace = (
        kpis[kpis["pace"].notna()].groupby("campaign")["pace"].min().rename("kpi_pace")
        if kpis["pace"].notna().any()
        else pd.Series(dtype=float, name="kpi_pace")
    )
    return (
        pd.DataFrame({"campaign": list(codes)})
        .merge(status[["campaign", "status", "reasons"]], on="campaign", how="left")
        .merge(per, on="campaign", how="left")
        .merge(pace[["campaign", "execution", "elapsed"]], on="campaign", how="left")
        .merge(worst_pace, left_on="campaign", right_index=True, how="left")
        .merge(fresh[["campaign", "last_metric_date"]], on="campaign", how="left")
    )
