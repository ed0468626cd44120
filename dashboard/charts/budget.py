"""Figures and charts of the Budget page: budget against spend by EU budget heading and line,
each campaign's execution against the time elapsed, and spend by month.

Headings follow Annex III of the EU grant contract: 1 Human resources, 2 Travel, 3 Equipment and
supplies, 4 Local office, 5 Other costs, services, 6 Other, 7 the subtotal of direct eligible
costs (1 to 6), 8 Indirect costs (``etl.kinds.ANNEX_III``). Spend booked on a line code that is
not in the budget has no heading; it is kept under :data:`UNMATCHED` (0) rather than dropped.

The flags the tables and charts share are computed here too (pure functions):

* a line or heading is **over budget** when its spend exceeds its budget, and **not in the
  budget** when it has spend but no budget;
* a heading (and the whole selection) **spends ahead of** or **behind time** when its execution
  (spend / budget) divided by the elapsed share of the campaigns' periods is outside
  ``1 +- band`` (``metrics.Settings.band``, 15% by default), the rule spend pace follows
  everywhere in the dashboard.

Builders take a DataFrame and the labels to print (already in the reader's language) and return
a ``plotly.graph_objects.Figure``; nothing here calls Streamlit. Hovering shows exact values
with d3 formats, whose separators ``dashboard.i18n.localize_figure`` sets per language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts import OTHER_COLOUR, figure_axis, figure_hover, scaled
from dashboard.metrics import AHEAD, BEHIND, elapsed_share, pace_status
from etl.kinds import DIRECT_HEADINGS as DIRECT_HEADINGS
from etl.kinds import INDIRECT_HEADING as INDIRECT
from etl.kinds import SUBTOTAL_HEADING as SUBTOTAL
from etl.kinds import UNMATCHED_HEADING as UNMATCHED

# One colour per heading on every chart: colour-blind safe, and no red, amber or green, which
# mean a status (over budget, spending ahead of or behind time).
HEADING_COLOURS: dict[int, str] = {
    1: "#004488",
    2: "#88CCEE",
    3: "#AA4499",
    4: "#6699CC",
    5: "#332288",
    6: "#CC79A7",
    INDIRECT: "#B4A7D6",
    UNMATCHED: "#000000",
}
BUDGET_COLOUR = "#BBBBBB"
SPENT_COLOUR = "#0072B2"
OVER_COLOUR = "#D55E00"
BAND_COLOUR = "rgba(0, 158, 115, 0.25)"
ELAPSED_COLOUR = "#333333"
CUMULATIVE_COLOUR = "#333333"

# Flags of a row, most serious first.
OVER_BUDGET = "over_budget"
NOT_BUDGETED = "not_budgeted"
SPENDING_AHEAD = "ahead"
SPENDING_BEHIND = "behind"
ON_PLAN = "on_plan"

_MARGIN = {"l": 10, "r": 10, "t": 90, "b": 10}
# Legends sit between the title and the plot, clear of the axis titles below.
_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0}


def heading_colour(heading: int) -> str:
    return HEADING_COLOURS.get(int(heading), OTHER_COLOUR)


# --- figures and flags -----------------------------------------------------------------------


def period_elapsed(
    start: dt.date, end: dt.date, period_start: dt.date | None, as_of: dt.date
) -> float:
    """The share of a campaign's days (``start`` to ``end``) that fall in the selected period up
    to ``as_of``: from ``period_start`` (or the campaign's start) to ``as_of``, both included.

    Spend in a period set against the whole budget is compared with this share; without a
    period start it is the campaign's elapsed share (``metrics.elapsed_share``).
    """
    done = elapsed_share(start, end, as_of)
    if period_start is not None:
        done -= elapsed_share(start, end, period_start - dt.timedelta(days=1))
    return max(0.0, done)


def weighted_elapsed(weights: pd.Series, elapsed: pd.Series) -> float | None:
    """The elapsed shares averaged with the budgets as weights (aligned by index); None without
    any budget."""
    both = pd.concat([weights.rename("w"), elapsed.rename("e")], axis=1).dropna()
    total = both["w"].sum()
    if not total:
        return None
    return float((both["w"] * both["e"]).sum() / total)


def flag(budget: float | None, spent: float | None, elapsed: float | None, band: float) -> str:
    """The flag of one line or heading (see the module's rules); ``elapsed`` None: only the
    budget is checked (lines)."""
    budget = None if budget is None or pd.isna(budget) else float(budget)
    spent = 0.0 if spent is None or pd.isna(spent) else float(spent)
    if not budget:
        return NOT_BUDGETED if spent else ""
    if spent > budget:
        return OVER_BUDGET
    if elapsed is None or pd.isna(elapsed) or elapsed <= 0:
        return ""
    status = pace_status((spent / budget) / elapsed, band)
    return {AHEAD: SPENDING_AHEAD, BEHIND: SPENDING_BEHIND}.get(status, ON_PLAN)


def with_execution(df: pd.DataFrame, *, band: float, check_pace: bool = True) -> pd.DataFrame:
    """``df`` (columns ``budget``, ``spent`` and, for headings, ``elapsed``) with ``variance``
    (budget - spent), ``execution`` (spent / budget) and ``flag`` added."""
    out = df.copy()
    budget = out["budget"].astype("Float64")
    spent = out["spent"].astype("Float64").fillna(0.0)
    out["spent"] = spent
    out["variance"] = budget.fillna(0.0) - spent
    out["execution"] = (spent / budget.where(budget.fillna(0.0) > 0)).astype("Float64")
    elapsed = (
        out["elapsed"] if check_pace and "elapsed" in out else pd.Series(None, index=out.index)
    )
    out["flag"] = [
        flag(b, s, e if check_pace else None, band)
        for b, s, e in zip(budget, spent, elapsed, strict=True)
    ]
    return out


def annex_rows(by_heading: pd.DataFrame, *, band: float) -> pd.DataFrame:
    """Headings in the financial report's order: 1 to 6, 7 (the subtotal of direct eligible
    costs), 8, spend on lines not in the budget (heading 0, when there is any), then the total.

    ``by_heading``: one row per heading with ``heading``, ``budget``, ``spent`` and, optionally,
    ``elapsed`` (weights for the subtotal and total come from the budgets). Columns out:
    heading, kind (``heading``, ``subtotal``, ``total``), budget, spent, elapsed, variance,
    execution, flag. Headings without budget or spend are left out; 7 is there when any of 1 to
    6 is.
    """
    rows = by_heading.copy()
    rows["heading"] = rows["heading"].astype(int)
    if "elapsed" not in rows:
        rows["elapsed"] = float("nan")
    rows = rows.groupby("heading", as_index=False).agg(
        budget=("budget", lambda s: s.sum(min_count=1)),
        spent=("spent", lambda s: s.sum(min_count=1)),
        elapsed=("elapsed", "first"),
    )
    rows = rows[rows["budget"].fillna(0).ne(0) | rows["spent"].fillna(0).ne(0)]
    rows["kind"] = "heading"

    def total(part: pd.DataFrame, heading: int, kind: str) -> pd.DataFrame:
        weights = part["budget"].fillna(0.0)
        return pd.DataFrame(
            {
                "heading": [heading],
                "kind": [kind],
                "budget": [part["budget"].sum(min_count=1)],
                "spent": [part["spent"].sum(min_count=1)],
                "elapsed": [weighted_elapsed(weights, part["elapsed"])],
            }
        )

    direct = rows[rows["heading"].isin(DIRECT_HEADINGS)]
    parts = [direct.sort_values("heading")]
    if len(direct):
        parts.append(total(direct, SUBTOTAL, "subtotal"))
    parts.append(rows[~rows["heading"].isin([*DIRECT_HEADINGS, UNMATCHED])].sort_values("heading"))
    parts.append(rows[rows["heading"] == UNMATCHED])
    parts.append(total(rows, -1, "total"))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out = with_execution(out[["heading", "kind", "budget", "spent", "elapsed"]], band=band)
    return out


# --- charts ----------------------------------------------------------------------------------


def heading_bars(
    df: pd.DataFrame,
    *,
    title: str,
    budget_label: str,
    spent_label: str,
    execution_label: str,
    axis_title: str,
    number_format: str = ",.0f",
) -> go.Figure:
    """Budget and spend side by side for each heading (one row per heading: ``label``,
    ``budget``, ``spent``, ``execution``), the first heading on top. Spend bars over their
    budget are drawn in vermillion; hovering gives the exact amounts and the execution."""
    rows = df.reset_index(drop=True)
    labels = list(rows["label"])
    spent = rows["spent"].astype(float).fillna(0.0)
    budget = rows["budget"].astype(float)
    over = [bool(b == b and s > b) for b, s in zip(budget, spent, strict=True)]
    execution = scaled(rows["execution"], "share")
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name=budget_label,
            y=labels,
            x=budget,
            orientation="h",
            marker={"color": BUDGET_COLOUR},
            hovertemplate=f"<b>%{{y}}</b><br>{budget_label}: %{{x:{number_format}}}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            name=spent_label,
            y=labels,
            x=spent,
            orientation="h",
            marker={"color": [OVER_COLOUR if o else SPENT_COLOUR for o in over]},
            customdata=execution,
            hovertemplate=(
                f"<b>%{{y}}</b><br>{spent_label}: %{{x:{number_format}}}"
                f"<br>{execution_label}: {figure_hover('customdata', 'share')}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title=title,
        barmode="group",
        margin=_MARGIN,
        height=max(280, 80 + 60 * len(rows)),
        legend=_LEGEND,
    )
    fig.update_xaxes(title_text=axis_title, tickformat=number_format, rangemode="tozero")
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def pace_bullets(
    df: pd.DataFrame,
    *,
    title: str,
    execution_label: str,
    elapsed_label: str,
    band_label: str,
    axis_title: str,
    colours: Mapping[str, str],
    band: float = 0.15,
) -> go.Figure:
    """One bullet per campaign (rows with ``campaign``, ``execution``, ``elapsed`` and
    optionally ``name``): a bar of the share of its budget spent, the on-track band (the elapsed
    share times ``1 +- band``) behind it and a tick at the elapsed share. Campaigns keep their
    colours; campaigns without a budget are left off."""
    rows = df[df["execution"].notna() & df["elapsed"].notna()].reset_index(drop=True)
    codes = list(rows["campaign"])
    names = list(rows["name"]) if "name" in rows else codes
    elapsed = rows["elapsed"].astype(float) * 100  # percentages, as the axis writes them
    low, high = elapsed * (1 - band), elapsed * (1 + band)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name=band_label,
            y=codes,
            x=high - low,
            base=low,
            orientation="h",
            width=0.8,
            marker={"color": BAND_COLOUR},
            customdata=list(zip(low, high, strict=True)),
            hovertemplate=(
                f"<b>%{{y}}</b><br>{band_label}: {figure_hover('customdata[0]', 'share')} – "
                f"{figure_hover('customdata[1]', 'share')}<extra></extra>"
            ),
        )
    )
    fig.add_trace(
        go.Bar(
            name=execution_label,
            y=codes,
            x=scaled(rows["execution"], "share"),
            orientation="h",
            width=0.4,
            marker={"color": [colours.get(c, OTHER_COLOUR) for c in codes]},
            customdata=names,
            hovertemplate=(
                f"<b>%{{y}}</b> %{{customdata}}<br>{execution_label}: "
                f"{figure_hover('x', 'share')}<extra></extra>"
            ),
        )
    )
    fig.add_trace(
        go.Scatter(
            name=elapsed_label,
            y=codes,
            x=elapsed,
            mode="markers",
            marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": ELAPSED_COLOUR}},
            hovertemplate=(
                f"<b>%{{y}}</b><br>{elapsed_label}: {figure_hover('x', 'share')}<extra></extra>"
            ),
        )
    )
    top = max([100.0, *(rows["execution"].astype(float) * 100).tolist(), *high.tolist()]) * 1.05
    fig.update_layout(
        title=title,
        barmode="overlay",
        margin=_MARGIN,
        height=max(260, 90 + 34 * len(rows)),
        legend=_LEGEND,
    )
    fig.update_xaxes(title_text=axis_title, range=[0, top], **figure_axis("share"))
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def monthly_spend(
    df: pd.DataFrame,
    *,
    title: str,
    heading_labels: Mapping[int, str],
    axis_title: str,
    cumulative_label: str,
    cumulative_axis_title: str,
    month_title: str,
    number_format: str = ",.0f",
    month_labels: Callable[[pd.Timestamp], str] | None = None,
) -> go.Figure:
    """Spend per month stacked by heading (rows with ``month``, ``heading``, ``spent``) and the
    cumulative total on a second axis. Headings stack in their Annex III order with their fixed
    colours; hovering a month gives each heading's exact amount and the running total.

    ``month_labels`` (first day of the month -> text, e.g. from ``i18n.fmt_month``) names the
    months on the axis in the reader's language; without it the axis is a date axis."""
    rows = df.copy()
    rows["month"] = pd.to_datetime(rows["month"])
    rows["spent"] = rows["spent"].astype(float).fillna(0.0)
    rows["heading"] = rows["heading"].astype(int)
    months = sorted(rows["month"].unique())
    labelled = month_labels is not None

    def axis(index) -> list:
        if not labelled:
            return list(index)
        return [month_labels(pd.Timestamp(m)) for m in index]

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for heading in sorted(rows["heading"].unique(), key=lambda h: (h == UNMATCHED, h)):
        part = rows[rows["heading"] == heading].groupby("month")["spent"].sum()
        part = part.reindex(months, fill_value=0.0)
        label = heading_labels.get(int(heading), str(heading))
        fig.add_trace(
            go.Bar(
                name=label,
                x=axis(part.index),
                y=list(part.values),
                marker={"color": heading_colour(heading)},
                hovertemplate=f"{label}: %{{y:{number_format}}}<extra></extra>",
            ),
            secondary_y=False,
        )
    cumulative = rows.groupby("month")["spent"].sum().reindex(months, fill_value=0.0).cumsum()
    fig.add_trace(
        go.Scatter(
            name=cumulative_label,
            x=axis(cumulative.index),
            y=list(cumulative.values),
            mode="lines+markers",
            line={"color": CUMULATIVE_COLOUR, "width": 2},
            hovertemplate=f"{cumulative_label}: %{{y:{number_format}}}<extra></extra>",
        ),
        secondary_y=True,
    )
    _monthly_layout(fig, title, month_title, axis_title, cumulative_axis_title, number_format)
    fig.update_xaxes(type="category") if labelled else fig.update_xaxes(type="date", dtick="M1")
    return fig


def _monthly_layout(
    fig: go.Figure,
    title: str,
    month_title: str,
    axis_title: str,
    cumulative_axis_title: str,
    number_format: str,
) -> None:
    """Title, stacking, legend and both y axes of :func:`monthly_spend`."""
    fig.update_layout(
        title=title,
        barmode="stack",
        hovermode="x unified",
        margin={**_MARGIN, "t": 120},  # room for a legend of every heading
        height=460,
        legend={**_LEGEND, "traceorder": "normal"},
    )
    fig.update_xaxes(title_text=month_title)
    fig.update_yaxes(
        title_text=axis_title, tickformat=number_format, rangemode="tozero", secondary_y=False
    )
    fig.update_yaxes(
        title_text=cumulative_axis_title,
        tickformat=number_format,
        rangemode="tozero",
        showgrid=False,
        tickmode="auto",
        secondary_y=True,
    )
