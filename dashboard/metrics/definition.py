"""What a measure is: the :class:`Measure` record, its units and its aggregation types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

AGGREGATIONS = {
    "additive": "added up over days, platforms and campaigns",
    "ratio_of_sums": "sum of the numerator over the selection divided by the sum of the "
    "denominator, never an average of row rates",
    "stock": "a level: the last value of each channel in the period, added up over channels",
    "stock_change": "the change of a level: each channel's last value in the period minus its "
    "last value before the period, added up over channels",
    "non_additive": "unique people within a window: never added up over days, posts or "
    "platforms; the rule used to combine rows is part of the name",
}

UNITS = {
    "count": "a number of things",
    "percent": "a ratio, stored as a fraction (0.05) and shown as a percentage (5%)",
    "EUR": "euros",
    "currency": "the currency as booked (KZT, EUR, USD): only meaningful by currency",
    "EUR per 1,000 impressions": "euros per thousand impressions",
    "EUR per engagement": "euros per engagement",
    "rating": "points on the form's rating scale (1 to 5, or 1 to 10)",
}


@dataclass(frozen=True)
class Measure:
    """One measure, defined once. Either ``formula`` over ``source``, or a ratio."""

    id: str
    label: str
    unit: str
    aggregation: str
    definition: str
    never: str = ""  # what the figure must never be used for
    source: str | None = None
    formula: str | None = None  # SQL aggregate over the source's rows
    # Two-step aggregates: ``inner`` per (keys and date) or per (keys and channel), then
    # ``formula`` over ``inner_value``.
    inner: str | None = None
    inner_by: str | None = None  # "date" or "channel"
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    window: str | None = None  # reach window the measure reads
    component: bool = False  # part of a ratio; not shown on its own

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == "ratio_of_sums"

    def sources(self) -> tuple[str, ...]:
        if self.is_ratio:
            return tuple(
                dict.fromkeys(
                    _CATALOGUE[self.numerator].sources() + _CATALOGUE[self.denominator].sources()
                )
            )
        return (self.source,) if self.source else ()

    def formula_text(self) -> str:
        """The formula as the documentation shows it."""
        if self.is_ratio:
            text = f"{self.numerator} / {self.denominator}"
            return f"{text} * {self.scale:g}" if self.scale != 1 else text
        if self.aggregation == "stock_change":
            return (
                "per channel: arg_max(followers, day) in the period minus arg_max(followers, "
                "day) before it (else the first value in the period); sum over channels"
            )
        if self.inner:
            per = "day" if self.inner_by == "date" else "channel"
            then = self.formula.replace("inner_value", "v")
            return f"per {per}: v = {self.inner}; then {then}"
        return self.formula or ""


# Every measure by id, once :func:`catalogue` has them: where a ratio finds its parts.
_CATALOGUE: dict[str, Measure] = {}


def catalogue(measures: Iterable[Measure]) -> dict[str, Measure]:
    """Every measure by id, ``measures`` added: the one dictionary a ratio's
    :meth:`Measure.sources` looks its numerator and denominator up in."""
    for m in measures:
        _CATALOGUE[m.id] = m
    return _CATALOGUE
