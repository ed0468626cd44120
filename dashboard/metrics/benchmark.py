"""The programme's benchmark: the median campaign's figure for each measure
(:func:`programme_medians`), which a grantee sees beside their own campaign's without seeing
any other campaign.

Each campaign's figure is counted over the selection's period and platforms (the filters that
pick campaigns by region or theme do not narrow the programme), and the median is taken over the
campaigns that have one; ``dashboard.reader.programme_medians`` reads it across every campaign
and gives back the medians alone, and nothing for a measure fewer than
``reader.MIN_CAMPAIGNS_FOR_MEDIAN`` campaigns have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dashboard import reader
from dashboard.metrics.builder import build_query
from dashboard.metrics.selection import DEFAULT_SETTINGS, Selection, Settings, as_selection
from etl.warehouse import Warehouse


def programme_medians(
    wh: Warehouse,
    measure_ids: Sequence[str],
    selection: Selection | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, float | None]:
    """Measure id -> the median of the campaigns' figures over the selection's period and
    platforms, across the whole programme (None: too few campaigns have a figure)."""
    programme = replace(as_selection(selection), campaigns=(), regions=(), themes=())
    sql, params = build_query(list(measure_ids), programme, "total", ("campaign",), settings)
    return reader.programme_medians(wh, sql, params, list(measure_ids))
