"""What a donor report is: the request it answers, its tables and their data dictionary.

A :class:`Report` is plain data: a :class:`ReportMeta` (what the report covers and when it was
produced, typed: dates as dates) and named :class:`Table` frames, each column described once in
:data:`COLUMNS` and headed in the files by :func:`label`. It turns into JSON and back without
loss, which is how a submitted report is frozen (``dashboard.report.freeze``); the JSON keeps
one form, so reports frozen by any version read back. ``dashboard.report.build`` fills it in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


class ReportError(ValueError):
    """The report cannot be made as asked; the message says why and what to change."""


@dataclass(frozen=True)
class Request:
    """What a report covers: a period (both days included) and the campaigns, all the reader
    may see when neither ``campaigns`` nor ``organisation`` is given. ``approved_only`` (the
    default) counts only figures dated in reporting periods their campaign has approved."""

    start: dt.date
    end: dt.date
    campaigns: tuple[str, ...] = ()
    organisation: str | None = None
    # Count only figures of reporting periods their campaign has approved (the default); False
    # includes figures not yet approved too (the report says which).
    approved_only: bool = True

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
        "For indicators that add up over time: on track when achievement / elapsed share is "
        "within 1 +- 0.15, behind or ahead outside it. For levels and rates: met or not met "
        "against the target. Not started, no data, no data source or no baseline otherwise.",
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
    "period": (
        "text",
        "The reporting period, named by its first month (YYYY-MM); its length is the "
        "programme's reporting cycle (monthly by default).",
    ),
    "state": (
        "text",
        "The period's submission state: approved, submitted (waiting for the officer), "
        "returned (to the grantee, with a comment), reopened (after approval) or not "
        "submitted.",
    ),
    "achievements": ("text", "The grantee's narrative: what the campaign achieved in the period."),
    "challenges": ("text", "The grantee's narrative: the challenges met in the period."),
    "success_story": ("text", "The grantee's narrative: a success story of the period."),
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


# --- what a report covers -------------------------------------------------------------------


def _minutes(moment: dt.datetime) -> str:
    """A moment to the minute, as the files print it (``2026-11-29 10:30+00:00``)."""
    return moment.isoformat(sep=" ", timespec="minutes")


@dataclass(frozen=True)
class Submission:
    """A report marked as submitted: its title, who submitted it and when."""

    title: str
    by: str
    at: dt.datetime

    @property
    def at_text(self) -> str:
        return _minutes(self.at)

    def plain(self) -> dict[str, Any]:
        return {"title": self.title, "by": self.by, "at": self.at_text}

    @classmethod
    def from_plain(cls, raw: Mapping[str, Any]) -> Submission:
        return cls(raw["title"], raw["by"], dt.datetime.fromisoformat(raw["at"]))


@dataclass(frozen=True)
class Comparison:
    """The submitted report a new one is compared with, and how many figures differ."""

    report_id: int
    title: str
    submitted_at: dt.datetime
    changes: int

    @property
    def submitted_at_text(self) -> str:
        return _minutes(self.submitted_at)

    def plain(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "title": self.title,
            "submitted_at": self.submitted_at_text,
            "changes": self.changes,
        }

    @classmethod
    def from_plain(cls, raw: Mapping[str, Any]) -> Comparison:
        return cls(
            int(raw["report_id"]),
            raw["title"],
            dt.datetime.fromisoformat(raw["submitted_at"]),
            int(raw["changes"]),
        )


# The states a campaign's reporting period is in when it is not approved.
NOT_APPROVED_STATES = ("submitted", "returned", "reopened", "not_submitted")


@dataclass(frozen=True)
class PeriodState:
    """A campaign's reporting period in the report's range and its submission state."""

    campaign: str
    period: str
    state: str

    def plain(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "period": self.period, "state": self.state}

    @classmethod
    def from_plain(cls, raw: Mapping[str, Any]) -> PeriodState:
        return cls(str(raw["campaign"]), str(raw["period"]), str(raw["state"]))


@dataclass(frozen=True)
class Approval:
    """What a report counted of the reporting cycle: only figures of approved periods
    (``approved_only``) or all, and the campaign-periods in its range not approved (left out
    when ``approved_only``, included otherwise), by campaign and period."""

    approved_only: bool
    not_approved: tuple[PeriodState, ...] = ()

    def plain(self) -> dict[str, Any]:
        return {
            "approved_only": self.approved_only,
            "not_approved": [p.plain() for p in self.not_approved],
        }

    @classmethod
    def from_plain(cls, raw: Mapping[str, Any]) -> Approval:
        return cls(
            bool(raw.get("approved_only", False)),
            tuple(PeriodState.from_plain(p) for p in raw.get("not_approved") or ()),
        )


_DATES = ("period_start", "period_end", "status_date", "programme_start", "programme_end")
_TUPLES = ("campaigns", "requested_campaigns")


@dataclass(frozen=True)
class ReportMeta(Mapping[str, Any]):
    """What a report covers and when it was produced. ``scope`` names what it covers for the
    reader; ``requested_*`` what was asked for (empty: all the reader may see); ``campaigns``
    the campaigns it holds. ``data_as_of`` is the end of the last load (None before any).
    ``approval`` says whether it counted approved periods only and which were not approved
    (None: a report made before the reporting cycle, which counted every figure loaded).

    :meth:`plain` is the JSON form (dates as ISO text); reading it by key (``meta["scope"]``,
    ``meta.get("submitted")``) gives that form too, for code that reads the meta as a mapping."""

    programme: str
    contract: str
    period_start: dt.date
    period_end: dt.date
    campaigns: tuple[str, ...]
    requested_campaigns: tuple[str, ...]
    requested_organisation: str | None
    scope: str
    organisation: str | None
    organisation_name: str | None
    produced_at: dt.datetime
    data_as_of: dt.datetime | None
    status_date: dt.date
    fx_rule: str
    funding_statement: str
    disclaimer: str
    subgrant_cap_eur: float
    programme_start: dt.date
    programme_end: dt.date
    whole_programme: bool
    submitted: Submission | None = None
    compared_with: Comparison | None = None
    lang: str = "en"  # the language of the report's files: en, ru or kk
    approval: Approval | None = None

    @property
    def period_text(self) -> str:
        """``2026-03-01 to 2026-11-30``."""
        return f"{self.period_start.isoformat()} to {self.period_end.isoformat()}"

    @property
    def produced_at_text(self) -> str:
        return self.produced_at.isoformat()

    @property
    def data_as_of_text(self) -> str | None:
        return None if self.data_as_of is None else self.data_as_of.isoformat(sep=" ")

    def plain(self) -> dict[str, Any]:
        """The meta as JSON values; ``submitted``, ``compared_with`` and ``approval`` only when
        set, ``lang`` only when not English (so an English report keeps the form it always
        had)."""
        out: dict[str, Any] = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("submitted", "compared_with", "lang", "approval")
        }
        if self.lang != "en":
            out["lang"] = self.lang
        for name in _DATES:
            out[name] = out[name].isoformat()
        for name in _TUPLES:
            out[name] = list(out[name])
        out["produced_at"] = self.produced_at_text
        out["data_as_of"] = self.data_as_of_text
        for name in ("submitted", "compared_with", "approval"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.plain()
        return out

    @classmethod
    def from_plain(cls, raw: Mapping[str, Any]) -> ReportMeta:
        """The meta from its JSON form."""
        values = {name: raw.get(name) for name in cls.__dataclass_fields__}
        for name in _DATES:
            values[name] = dt.date.fromisoformat(values[name])
        for name in _TUPLES:
            values[name] = tuple(values[name] or ())
        values["produced_at"] = dt.datetime.fromisoformat(values["produced_at"])
        if values["data_as_of"] is not None:
            values["data_as_of"] = dt.datetime.fromisoformat(values["data_as_of"])
        values["subgrant_cap_eur"] = float(values["subgrant_cap_eur"])
        values["whole_programme"] = bool(values["whole_programme"])
        if values["submitted"] is not None:
            values["submitted"] = Submission.from_plain(values["submitted"])
        if values["compared_with"] is not None:
            values["compared_with"] = Comparison.from_plain(values["compared_with"])
        values["lang"] = values["lang"] or "en"
        if values["approval"] is not None:
            values["approval"] = Approval.from_plain(values["approval"])
        return cls(**values)

    def __getitem__(self, key: str) -> Any:
        return self.plain()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.plain())

    def __len__(self) -> int:
        return len(self.plain())


@dataclass
class Report:
    """A report's meta and tables. The tables hold the programme's data as the warehouse has it
    (so reports in different languages compare figure by figure); ``translations`` gives, per
    column (``campaign_name``, ``thematic_area``, ``indicator``, ``result``), the text the
    files of a report in Russian or Kazakh show instead (``dashboard.report.words``)."""

    meta: ReportMeta
    tables: dict[str, Table] = field(default_factory=dict)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

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
        meta = self.meta.plain()
        whole: dict[str, Any] = {"meta": meta, "tables": tables}
        if self.translations:
            whole["translations"] = self.translations
        return json.dumps(whole, ensure_ascii=False, sort_keys=True)

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
        translations = {str(c): dict(m) for c, m in (raw.get("translations") or {}).items()}
        return cls(ReportMeta.from_plain(raw["meta"]), tables, translations)


def date_column(column: pd.Series) -> pd.Series:
    """Dates as ``datetime.date`` objects (None where missing), whatever DuckDB gave: the form
    a table's date columns take, kept as dates through JSON (:func:`_kind`)."""
    return column.map(lambda v: None if v is None or pd.isna(v) else pd.Timestamp(v).date())


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
