"""What to count and by which rules: the :class:`Selection` (a period and campaign filters, as
the dashboard's filters and the reports ask) and the :class:`Settings` of pace and money."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dashboard.metrics.sources import FX_RULES


@dataclass(frozen=True)
class Selection:
    """What to count: a period and campaign filters. Empty tuples mean all.

    ``regions`` and ``themes`` select campaigns (a campaign is in when it works in any of the
    regions). ``platforms`` applies to sources that have a platform (channels, content); spend,
    budget, events and feedback are not split by platform and ignore it. ``start``/``end``
    bound each source's date (budget lines are not dated), and pick campaigns too: only
    campaigns running at some time in the period count (as the dashboard's filters say), so a
    period's budget is the budget of the campaigns running in it. ``campaigns_in_period=False``
    keeps every campaign whatever its dates. ``within_campaign_period`` keeps only rows dated
    within each campaign's own start and end dates.

    ``approved_only`` keeps only rows dated in a reporting period their campaign has approved
    (a row of ``reporting_periods`` in state ``approved``, between the period's first and last
    day as approved), as the donor report counts by default; rows dated before the reporting
    cycle's first period (``first_period`` in the ``[cycle]`` of the reporting file) owe no
    approval and count as loaded. For each kind of measure:

    - sums (impressions, spend, participants, responses) add up the approved rows only;
    - ratios (engagement rate, cost per mille, positive share) divide the approved sum of the
      numerator by the approved sum of the denominator;
    - reach within a day or a post (non-additive) combines the approved days' rows only;
    - levels (followers) are each channel's last approved value in the period, and growth is
      that level minus the channel's last approved value before the period (or, with none,
      its first approved value in it): the change over a period not approved shows in the
      next approved level, as a level is not a flow;
    - posts (content) count when published on a day of an approved period, with their
      figures to date as loaded (a post's figures are not split by the period they were
      earned in);
    - rows with no date (a participant count whose event has no day) are in no period, so
      never approved; undated sources (budget lines) are not affected.
    """

    start: date | None = None
    end: date | None = None
    campaigns: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    within_campaign_period: bool = False
    campaigns_in_period: bool = True
    approved_only: bool = False

    def __post_init__(self) -> None:
        for name in ("campaigns", "platforms", "regions", "themes"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))

    def is_default(self) -> bool:
        """Whether the selection is everything: no period, no filter, the default rules."""
        return self == ALL


ALL = Selection()


def as_selection(value: object | None) -> Selection:
    """A :class:`Selection` from any object with the same fields (``dashboard.filters``'
    selection, say); None means everything."""
    if value is None:
        return ALL
    if isinstance(value, Selection):
        return value
    return Selection(
        start=getattr(value, "start", None),
        end=getattr(value, "end", None),
        campaigns=tuple(getattr(value, "campaigns", ()) or ()),
        platforms=tuple(getattr(value, "platforms", ()) or ()),
        regions=tuple(getattr(value, "regions", ()) or ()),
        themes=tuple(getattr(value, "themes", ()) or ()),
        within_campaign_period=bool(getattr(value, "within_campaign_period", False)),
        campaigns_in_period=bool(getattr(value, "campaigns_in_period", True)),
        approved_only=bool(getattr(value, "approved_only", False)),
    )


@dataclass(frozen=True)
class Settings:
    """The rules of pace and money. ``band``: the on-track band around the elapsed share
    (0.15 = +-15%). ``stale_days``: days without figures that flag a campaign.
    ``fx_rule``: ``booking_month`` (each cost at its booking month's rate, the budget at the
    latest rate loaded) or ``campaign_average`` (costs and budget at the average of the monthly
    rates loaded for the campaign's months)."""

    band: float = 0.15
    stale_days: int = 14
    fx_rule: str = "booking_month"

    def __post_init__(self) -> None:
        if self.fx_rule not in FX_RULES:
            raise ValueError(f"unknown fx_rule '{self.fx_rule}'; use one of: {FX_RULES}")
        if not 0 <= self.band < 1:
            raise ValueError("band is a fraction between 0 and 1, e.g. 0.15")


DEFAULT_SETTINGS = Settings()
