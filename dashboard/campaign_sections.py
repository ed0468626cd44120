"""Parts of the Campaign page (``dashboard/views/campaign.py``): the table of its columns, how
it writes a status, its later sections (budget lines and burn-up, feedback, data freshness) for
the campaign shown, each drawn from what the metrics layer returns, and the warning about old
figures (also on a grantee's Portfolio).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import auth, components, metrics
from dashboard.charts import campaign as charts
from dashboard.components import plain_code
from dashboard.i18n import (
    column_datetime_format,
    fmt_date,
    fmt_figure,
    t,
)
from dashboard.metrics import comments as feedback
from dashboard.metrics import lookups
from etl.warehouse import Warehouse

COMMENTS_SHOWN = 5  # the latest comments listed


@dataclass(frozen=True)
class Shown:
    """The campaign the page shows, and what its figures are over."""

    wh: Warehouse
    sel: metrics.Selection  # the sidebar's selection, narrowed to the campaign
    code: str
    as_of: dt.date  # statuses and pace are computed at this day
    start: dt.date  # the campaign's period
    end: dt.date


def status_text(status: str | None) -> str:
    """A KPI's or campaign's status with its icon, in the reader's language."""
    if not status:
        return ""
    label = t(f"campaign.status.{status.replace(' ', '_')}")
    return f"{charts.status_icon(status)} {label}".strip()


def fit(df: pd.DataFrame, most: int = 20) -> int:
    """A table height showing every row up to ``most`` rows, then scrolling."""
    return 38 + 35 * min(len(df), most)


# --- the columns of the page's tables ---------------------------------------------------------


def _text(key: str, **kwargs: Any) -> Any:
    return st.column_config.TextColumn(t(key), **kwargs)


def _whole(key: str) -> Any:
    return st.column_config.NumberColumn(t(key), format="%d")


def _columns() -> dict[str, Any]:
    """Column name -> how every table of the page shows it, in the reader's language (built on
    each run: the module is imported once, in whatever language came first)."""
    return {
        "platform": _text("campaign.col.platform"),
        "account": _text("campaign.col.account"),
        "url": st.column_config.LinkColumn(t("campaign.col.link")),
        "language": _text("campaign.col.language"),
        "indicator": _text("campaign.col.indicator", width="medium", pinned=True),
        "unit": _text("campaign.col.unit"),
        "target": components.number_column(t("campaign.col.target")),
        "actual": components.number_column(t("campaign.col.actual")),
        "achievement": components.figure_column(t("campaign.col.achievement"), "share"),
        "elapsed": components.figure_column(t("campaign.col.elapsed"), "share"),
        "pace": components.figure_column(t("campaign.col.pace"), "share"),
        "status": _text("campaign.col.status", pinned=True),
        "note": _text("campaign.col.note"),
        "time_window": _text("campaign.col.window"),
        "observations": components.figure_column(t("campaign.col.observations"), "count"),
        "reach_day_average": components.figure_column(t("campaign.col.reach_day_average"), "count"),
        "reach_day_peak": components.figure_column(t("campaign.col.reach_day_peak"), "count"),
        "reach_latest": components.figure_column(t("campaign.col.reach_latest"), "count"),
        "latest_date": components.date_column(t("campaign.col.latest_date")),
        "title": _text("campaign.col.title", width="large"),
        "format": _text("campaign.col.format"),
        "published_on": components.date_column(t("campaign.col.published")),
        "impressions": components.figure_column(t("campaign.measure.impressions"), "count"),
        "views": components.figure_column(t("campaign.measure.views"), "count"),
        "engagements": components.figure_column(t("campaign.measure.engagements"), "count"),
        "engagement_rate": components.figure_column(t("campaign.measure.engagement_rate"), "rate"),
        "basis": _text("campaign.col.basis"),
        "budget_line": _text("campaign.col.budget_line"),
        "heading": _whole("campaign.col.heading"),
        "description": _text("campaign.col.description"),
        "budget_eur": components.figure_column(t("campaign.col.budget_eur"), "money"),
        "spend_eur": components.figure_column(t("campaign.col.spend_eur"), "money"),
        "execution": components.figure_column(t("campaign.col.execution"), "share"),
        "rating_scale": _whole("campaign.col.scale"),
        "rated": components.figure_column(t("campaign.col.rated"), "count"),
        "average": components.figure_column(t("campaign.col.average"), "rating"),
        "share_of_scale": components.figure_column(t("campaign.col.share_of_scale"), "share"),
        "submitted_on": components.date_column(t("campaign.col.submitted")),
        "event": _text("campaign.col.event"),
        "rating": _whole("campaign.col.rating"),
        "comment": _text("campaign.col.comment", width="large"),
        "kind": _text("campaign.col.kind"),
        "source_name": _text("campaign.col.source"),
        "finished_at": st.column_config.DatetimeColumn(
            t("campaign.col.finished"), format=column_datetime_format()
        ),
        "rows_loaded": components.figure_column(t("campaign.col.rows_loaded"), "count"),
        "programme_wide": st.column_config.CheckboxColumn(t("campaign.col.programme_wide")),
    }


def post_link() -> Any:
    """A post's link in the top posts (the channels' links are written out)."""
    return st.column_config.LinkColumn(t("campaign.col.post"), display_text="↗")


def columns(*names: str) -> dict[str, Any]:
    """The column configuration of a table showing ``names``."""
    every = _columns()
    return {name: every[name] for name in names}


# --- 7. budget --------------------------------------------------------------------------------


def budget_lines(c: Shown) -> None:
    """Budget against spend of each budget line, as a table and as bars."""
    st.subheader(t("campaign.section.budget"))
    lines = lookups.campaign_budget(c.wh, c.sel, c.code)
    if lines.empty:
        components.empty(t("campaign.empty.budget", code=plain_code(c.code)))
        return
    shown = ["budget_line", "heading", "description", "budget_eur", "spend_eur", "execution"]
    components.table(
        lines[shown],
        key="campaign_budget_lines",
        name=f"{c.code}_budget_lines",
        height=fit(lines),
        definition_text=t("campaign.def.budget_lines"),
        column_config=columns(*shown),
    )
    bars = charts.budget_line_rows(lines)
    components.chart(
        components.figure(
            charts.budget_lines,
            bars,
            {
                "budget": t("campaign.col.budget_eur"),
                "spend": t("campaign.col.spend_eur"),
                "axis": t("campaign.axis.eur"),
            },
        ),
        bars,
        key="campaign_budget_chart",
        name=f"{c.code}_budget_vs_spend",
        definition_text=t("campaign.def.budget_chart"),
    )


def burn_up(c: Shown) -> None:
    """Cumulative spend against the straight-line plan and the budget, with its forecast."""
    pace = metrics.spend_pace(c.wh, c.as_of, [c.code]).iloc[0]
    to_date = float(pace["spend_eur"] or 0.0)
    if not to_date:
        components.empty(t("campaign.empty.spend", code=plain_code(c.code)))
        return
    booked = metrics.query(
        c.wh, ["spend_eur"], metrics.Selection(campaigns=(c.code,), end=c.as_of), "day"
    )
    cumulative = charts.cumulative_spend(booked, c.start, c.as_of)
    plan_budget = None if pd.isna(pace["budget_eur"]) else float(pace["budget_eur"])
    forecast = charts.burn_forecast(to_date, c.start, c.end, c.as_of)
    components.chart(
        components.figure(
            charts.burn_up,
            cumulative,
            plan_budget,
            c.start,
            c.end,
            c.as_of,
            {
                "spend": t("campaign.burn.spend"),
                "plan": t("campaign.burn.plan"),
                "forecast": t("campaign.burn.forecast"),
                "budget": t("campaign.col.budget_eur"),
                "x": t("campaign.axis.day"),
                "y": t("campaign.axis.cumulative_eur"),
            },
        ),
        cumulative,
        key="campaign_burnup",
        name=f"{c.code}_burn_up",
        definition_text=t("campaign.def.burnup"),
    )
    st.caption(
        t(
            "campaign.burn.summary",
            spend=fmt_figure(to_date, "money"),
            date=fmt_date(c.as_of),
            elapsed=fmt_figure(pace["elapsed"], "round_share"),
            forecast=fmt_figure(forecast, "money"),
            end=fmt_date(c.end),
            status=status_text(pace["status"]),
        )
    )
    if forecast is not None and plan_budget and forecast > plan_budget:
        st.warning(
            t(
                "campaign.burn.over",
                forecast=fmt_figure(forecast, "money"),
                budget=fmt_figure(plan_budget, "money"),
                over=fmt_figure(forecast / plan_budget - 1, "round_share"),
            ),
            icon=":material/trending_up:",
        )


# --- 8. feedback ------------------------------------------------------------------------------


def _rating_text(scales: pd.DataFrame) -> str:
    """The average rating on its scale, or "mixed" when forms of several scales answered."""
    if len(scales) == 1:
        return t(
            "campaign.rating_of",
            average=fmt_figure(scales["average"].iloc[0], "rating"),
            scale=fmt_figure(scales["rating_scale"].iloc[0], "count"),
        )
    if len(scales) > 1:
        return t("campaign.rating_mixed")
    return "—"


def _comments(c: Shown) -> None:
    comments = feedback.comments(c.wh, c.sel, limit=COMMENTS_SHOWN)[
        ["submitted_on", "event_code", "event", "rating", "rating_scale", "language", "comment"]
    ]
    if comments.empty:
        components.empty(t("campaign.empty.comments"))
        return
    shown = ["submitted_on", "rating", "rating_scale", "comment", "event", "language"]
    components.table(
        comments[shown],
        key="campaign_comments",
        name=f"{c.code}_latest_comments",
        definition_text=t("campaign.def.comments", n=COMMENTS_SHOWN),
        download=comments,
        column_config=columns(*shown),
    )


def feedback_section(c: Shown) -> None:
    """Responses, positive share and rating, ratings by scale and the latest comments."""
    st.subheader(t("campaign.section.feedback"))
    fb = metrics.totals(c.wh, ["feedback_responses", "positive_feedback_share"], c.sel)
    if not fb["feedback_responses"]:
        components.empty(t("campaign.empty.feedback", code=plain_code(c.code)))
        return
    scales = feedback.ratings_by_scale(c.wh, c.sel)
    tiles = st.columns(3)
    tiles[0].metric(t("campaign.tile.responses"), fmt_figure(fb["feedback_responses"], "count"))
    tiles[1].metric(
        t("campaign.tile.positive"),
        fmt_figure(fb["positive_feedback_share"], "share"),
        help=t("campaign.help.positive"),
    )
    tiles[2].metric(t("campaign.tile.rating"), _rating_text(scales), help=t("campaign.help.rating"))
    if len(scales) > 1:
        components.table(
            scales,
            key="campaign_ratings",
            name=f"{c.code}_ratings",
            definition_text=t("campaign.def.ratings"),
            column_config=columns("rating_scale", "rated", "average", "share_of_scale"),
        )
    _comments(c)


# --- old figures -----------------------------------------------------------------------------


def stale_warning(code: str, days: Any) -> None:
    """Say that a campaign's figures are ``days`` old and what to do: those who may upload get
    an "Upload figures" button opening the Upload page on the campaign; others are told whom to
    ask. No command line: the reader is in a browser."""
    st.warning(
        t("campaign.stale", code=plain_code(code), days=fmt_figure(days, "count")),
        icon=":material/update:",
    )
    if auth.current_user().can_upload:
        st.page_link(
            "views/upload.py",
            label=t("screens.stale.upload"),
            icon=":material/upload:",
            query_params={"campaign": code},
        )
    else:
        st.caption(t("screens.stale.ask"))


def stale_notice(c: Shown) -> None:
    """The stale-data warning of the campaign shown, when its figures are old."""
    fresh = metrics.data_freshness(c.wh, c.as_of, [c.code]).iloc[0]
    if bool(fresh["no_recent_data"]):
        stale_warning(c.code, fresh["days_without_data"])


# --- 9. data freshness ------------------------------------------------------------------------


def freshness(c: Shown) -> None:
    """When figures were last dated and loaded, and the latest load of each kind."""
    st.subheader(t("campaign.section.freshness"))
    fresh = metrics.data_freshness(c.wh, c.as_of, [c.code]).iloc[0]
    cols = st.columns(3)
    cols[0].metric(
        t("campaign.tile.last_metric_date"),
        fmt_date(fresh["last_metric_date"]),
        help=t("campaign.help.last_metric_date"),
    )
    cols[1].metric(
        t("campaign.tile.days_without_data"),
        fmt_figure(fresh["days_without_data"], "count"),
        help=t("campaign.help.days_without_data"),
    )
    cols[2].metric(t("campaign.tile.last_load"), fmt_date(fresh["last_load_at"]))
    loads = lookups.latest_loads(c.wh, c.code)
    if loads.empty:
        components.empty(t("campaign.empty.loads", code=plain_code(c.code)))
        return
    components.table(
        loads,
        key="campaign_loads",
        name=f"{c.code}_latest_loads",
        definition_text=t("campaign.def.loads"),
        column_config=columns(*loads.columns),
    )
