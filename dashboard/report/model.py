"""What a donor report is: the request it answers, its tables and their data dictionary.

A :class:`Report` is plain data: ``meta`` (what the report covers and when it was produced)
and named :class:`Table` frames, each column described once in :data:`COLUMNS` and headed in
the files by :func:`label`. It turns into JSON and back without loss, which is how a submitted
report is frozen (``dashboard.report.freeze``). ``dashboard.report.build`` fills it in.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


class ReportError(ValueError):
    """The report cannot be made as asked; the message says why and what to change."""


@dataclass(frozen=True)
class Request:
    """What a report covers: a period (both days included) and the campaigns, all the reader
    may see when neither ``campaigns`` nor ``organisation`` is given."""

    start: dt.date
    end: dt.date
    campaigns: tuple[str, ...] = ()
    organisation: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ReportError(
                f"the reporting period ends ({self.end}) before it starts ({self.start}); "
                "swap the dates"
            )
        object.__setattr__(self, "campaigns", tuple(sorted(set(self.campaigns))))


# --- the data dictionary: every column of every table, described once ----------------------

# name -> (unit, description). Units: text, date, datetime, number (a count or amount of
# things), EUR, KZT (or the currency a row names), rate (units of currency per EUR), share
# (a fraction, 0.25 = 25%), percent (on a 0-100 scale, as the indicator is written).
COLUMNS: dict[str, tuple[str, str]] = {
    "section": ("text", "Programme indicators (from the reporting file) or campaign KPIs."),
    "level": ("text", "Logframe level: impact, outcome or output."),
    "result": ("text", "The expected result the indicator measures."),
    "indicator_code": ("text", "The indicator's code in the logframe."),
    "indicator": ("text", "The indicator as worded in the logframe."),
    "unit": ("text", "# for a count, % for a percentage (values on a 0-100 scale)."),
    "baseline": ("number", "The baseline value, in the indicator's unit."),
    "baseline_year": ("number", "The year of the baseline."),
    "target": ("number", "The life-of-project target, in the indicator's unit."),
    "value_period": (
        "number",
        "The indicator's value over the reporting period (a count in the period, a level at "
        "its end, a ratio of sums over it).",
    ),
    "value_cumulative": (
        "number",
        "The value from the start (of the programme, or of the campaign for its KPIs) to the "
        "end of the reporting period: the figure compared with the target.",
    ),
    "achievement": (
        "share",
        "Share of the target achieved: cumulative / target for cumulative counts, (value - "
        "baseline) / (target - baseline) for levels and percentages, (baseline - value) / "
        "(baseline - target) for decreasing indicators.",
    ),
    "elapsed": ("share", "Share of the implementation period passed at the status date."),
    "status": (
        "text",
        "on track when achievement / elapsed share is within 1 +- 0.15; behind or ahead "
        "outside it; not started, no data, no data source or no baseline otherwise.",
    ),
    "source_of_verification": ("text", "Where the value comes from."),
    "disaggregation": ("text", "The value in the period split by the listed breakdowns."),
    "measure": ("text", "The dashboard measure that computes the value (docs/metrics.md)."),
    "note": ("text", "Why a value or status is missing, when it is."),
    "campaign": ("text", "Campaign code."),
    "campaign_name": ("text", "Campaign name."),
    "organisation": ("text", "Grantee organisation's code."),
    "organisation_name": ("text", "Grantee organisation's name."),
    "thematic_area": ("text", "The campaign's thematic area."),
    "start_date": ("date", "First day of the campaign."),
    "end_date": ("date", "Last day of the campaign."),
    "content_items": ("number", "Posts and videos published in the period."),
    "impressions": (
        "number",
        "Impressions in the period (activity on the days of the period), where platforms "
        "report them.",
    ),
    "views": ("number", "Views in the period (activity on the days of the period)."),
    "engagements": ("number", "Likes + comments + shares + saves in the period."),
    "engagement_rate": (
        "share",
        "Engagements / impressions, both added up over the channel-days that report both.",
    ),
    "followers_end": (
        "number",
        "Followers at the end of the period: each channel's last reported level, added up.",
    ),
    "followers_gained": ("number", "Net follower growth over the period, added up over channels."),
    "events": ("number", "Events held in the period."),
    "participants": ("number", "Participants of the events held in the period."),
    "feedback_responses": ("number", "Feedback responses submitted in the period."),
    "positive_feedback_share": (
        "share",
        "Share of rated responses rating 4-5 of 5 (or 8-10 of 10).",
    ),
    "average_rating": (
        "number",
        "Average rating on the form's scale; empty when 5- and 10-point scales are mixed.",
    ),
    "spent_period_eur": ("EUR", "Costs booked in the period, in EUR by the conversion rule."),
    "spent_cumulative_eur": (
        "EUR",
        "Costs booked from the campaign's start to the end of the period, in EUR.",
    ),
    "budget_eur": ("EUR", "The whole budget, in EUR by the conversion rule."),
    "execution": ("share", "Cumulative spend / budget."),
    "platform": ("text", "Platform."),
    "window": (
        "text",
        "The window reach is counted in: day (one-day reach), lifetime, 7d, 28d or period. "
        "Reach of different windows, days, platforms or campaigns is never added up.",
    ),
    "reach_days": ("number", "Days (or reports) with a reach figure in the period."),
    "reach_day_average": ("number", "Average one-day reach over the days that report it."),
    "reach_day_peak": ("number", "Highest one-day reach in the period."),
    "reach_latest": ("number", "The latest reach reported in the period, for its window."),
    "reach_latest_date": ("date", "The day of the latest reach figure."),
    "row_type": ("text", "heading, line, subtotal or total."),
    "heading": ("number", "EU budget heading (Annex III): 1-6, 7 subtotal, 8 indirect costs."),
    "heading_name": ("text", "Name of the budget heading."),
    "line_code": ("text", "Budget line code."),
    "description": ("text", "What the line or cost is."),
    "variance_eur": ("EUR", "Budget - cumulative spend (negative: overspent)."),
    "budget_kzt": ("KZT", "The budget of lines budgeted in tenge, as budgeted."),
    "spent_period_kzt": ("KZT", "Costs booked in tenge in the period, as booked."),
    "spend_date": ("date", "The day the cost was booked."),
    "reference": ("text", "The grantee's reference of the cost (invoice, voucher)."),
    "amount": ("number", "Amount in the row's currency, as booked."),
    "currency": ("text", "Currency of the amount."),
    "rate_units_per_eur": (
        "rate",
        "The InforEuro rate the amount was converted at: units of the currency per EUR.",
    ),
    "rate_basis": (
        "text",
        "Which rate: the month of booking (YYYY-MM), the average of the campaign's months, "
        "or the latest rate loaded (budgets).",
    ),
    "amount_eur": ("EUR", "The amount in EUR; empty when no rate for it was loaded yet."),
    "campaigns": ("text", "The organisation's campaigns."),
    "cap_eur": ("EUR", "The most one grantee may receive as financial support."),
    "cap_share": ("share", "Budget / cap."),
    "headroom_eur": ("EUR", "Cap - budget."),
    "cap_status": ("text", "within the cap, or above the cap."),
    "dimension": ("text", "sex, age_group or region."),
    "group": ("text", "The group within the dimension."),
    "share": ("share", "Share of the dimension's total."),
    "sum_of_parts": ("number", "The groups of the dimension added up."),
    "total": ("number", "Participants of the period counted once (not split)."),
    "difference": ("number", "Sum of parts - total; 0 when they agree."),
    "check": ("text", "ok when the parts add up to the total, else differs."),
    "event_code": ("text", "Event code."),
    "event_name": ("text", "Event name."),
    "event_date": ("date", "The day the event took place."),
    "event_type": ("text", "Training, workshop, screening, discussion, ..."),
    "female": ("number", "Female participants."),
    "male": ("number", "Male participants."),
    "other": ("number", "Participants of another or no stated sex."),
    "age_group": ("text", "Age group."),
    "table": ("text", "The report table the figure is in."),
    "row": ("text", "The row of the figure (its key columns)."),
    "column": ("text", "The column of the figure."),
    "submitted": ("text", "The figure in the submitted report."),
    "current": ("text", "The figure now."),
    "change": ("number", "Current - submitted, for numbers."),
}


# Column headings as the files show them; a column not here is shown as its name, spaced.
LABELS: dict[str, str] = {
    "indicator_code": "Code",
    "baseline_year": "Baseline year",
    "value_period": "Value in the period",
    "value_cumulative": "Cumulative value",
    "achievement": "% of target",
    "source_of_verification": "Source of verification",
    "campaign_name": "Campaign name",
    "organisation_name": "Organisation name",
    "start_date": "Start",
    "end_date": "End",
    "followers_end": "Followers at the end",
    "followers_gained": "Followers gained",
    "positive_feedback_share": "Positive ratings",
    "spent_period_eur": "Spent in the period (EUR)",
    "spent_cumulative_eur": "Spent, cumulative (EUR)",
    "budget_eur": "Budget (EUR)",
    "execution": "Execution",
    "reach_days": "Days with reach",
    "reach_day_average": "Average one-day reach",
    "reach_day_peak": "Peak one-day reach",
    "reach_latest": "Latest reach",
    "reach_latest_date": "Latest reach on",
    "row_type": "Row",
    "heading_name": "Heading name",
    "line_code": "Line",
    "variance_eur": "Variance (EUR)",
    "budget_kzt": "Budget (KZT)",
    "spent_period_kzt": "Spent in the period (KZT)",
    "spend_date": "Booked on",
    "rate_units_per_eur": "Rate (per EUR)",
    "rate_basis": "Rate of",
    "amount_eur": "Amount (EUR)",
    "cap_eur": "Cap (EUR)",
    "cap_share": "Share of the cap",
    "headroom_eur": "Headroom (EUR)",
    "cap_status": "Cap",
    "sum_of_parts": "Sum of parts",
    "event_code": "Event",
    "event_name": "Event name",
    "event_date": "Date",
    "event_type": "Type",
    "age_group": "Age group",
    "engagement_rate": "Engagement rate (by impressions)",
    "content_items": "Content items",
    "feedback_responses": "Feedback responses",
    "average_rating": "Average rating",
}


def label(column: str) -> str:
    """The heading of a column in the files."""
    return LABELS.get(column) or column.replace("_", " ").capitalize()


@dataclass
class Table:
    """One table of a report. ``keys``: the columns naming a row (to compare reports)."""

    name: str
    title: str
    description: str
    frame: pd.DataFrame
    keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def column_info(self) -> list[tuple[str, str, str]]:
        """(column, unit, description) for every column of the frame."""
        return [(c, *COLUMNS.get(c, ("text", ""))) for c in self.frame.columns]


@dataclass
class Report:
    meta: dict[str, Any]
    tables: dict[str, Table] = field(default_factory=dict)

    def to_json(self) -> str:
        """The whole report as JSON text (dates as ISO strings, missing values as null)."""
        tables = []
        for t in self.tables.values():
            frame = t.frame.astype(object).where(t.frame.notna(), None)
            rows = [[_plain(v) for v in row] for row in frame.itertuples(index=False)]
            tables.append(
                {
                    "name": t.name,
                    "title": t.title,
                    "description": t.description,
                    "keys": list(t.keys),
                    "notes": list(t.notes),
                    "columns": list(t.frame.columns),
                    "dtypes": [_kind(t.frame[c]) for c in t.frame.columns],
                    "rows": rows,
                }
            )
        meta = {k: _plain(v) for k, v in self.meta.items()}
        return json.dumps({"meta": meta, "tables": tables}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Report:
        raw = json.loads(text)
        tables = {}
        for t in raw["tables"]:
            frame = pd.DataFrame(t["rows"], columns=t["columns"], dtype=object)
            for col, dtype in zip(t["columns"], t["dtypes"], strict=True):
                frame[col] = _restore(frame[col], dtype)
            tables[t["name"]] = Table(
                t["name"], t["title"], t["description"], frame, tuple(t["keys"]), tuple(t["notes"])
            )
        return cls(raw["meta"], tables)


def _plain(value: Any) -> Any:
    """A JSON value for one cell or meta value."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _kind(column: pd.Series) -> str:
    """What a column holds: date (``datetime.date`` values), integer, number, boolean or
    text; JSON keeps the values and this restores their type."""
    values = column.dropna()
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "integer"
    if pd.api.types.is_numeric_dtype(column):
        return "number"
    if len(values) and all(type(v) is dt.date for v in values):
        return "date"
    return "text"


def _restore(column: pd.Series, kind: str) -> pd.Series:
    if kind == "date":
        return column.map(lambda v: None if v is None else dt.date.fromisoformat(v))
    if kind == "integer":
        return pd.to_numeric(column, errors="coerce").astype("Int64")
    if kind == "number":
        return pd.to_numeric(column, errors="coerce").astype("float64")
    if kind == "boolean":
        return column.astype("boolean")
    return column.astype(object)
