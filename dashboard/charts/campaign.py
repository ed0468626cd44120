"""Charts of the Campaign page: KPI bullets, series by platform, platform mix, budget lines and
the spend burn-up with its forecast.

Every builder takes a DataFrame and the labels to print (already in the reader's language) and
returns a ``plotly.graph_objects.Figure``; nothing here calls Streamlit. Platforms keep their
colours from ``dashboard.charts``; hovering shows exact values with d3 formats, whose separators
``dashboard.i18n.localize_figure`` sets per language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import (
    PLATFORM_NAMES,
    figure_axis,
    figure_hover,
    platform_colour,
    platform_order,
    scaled,
)
from dashboard.i18n import MISSING, fmt_figure, plotly_figure

# KPI and campaign statuses: a colour for charts and an icon for tables (shape and colour, so
# the status reads without colour too).
STATUS_COLOURS: dict[str, str] = {
    "on track": "#009E73",
    "ahead": "#0072B2",
    "behind": "#D55E00",
    "at risk": "#E69F00",
    "not started": "#999999",
    "no data": "#999999",
    "no data source": "#999999",
    "no baseline": "#999999",
    "on plan": "#009E73",
    "overspending": "#E69F00",
    "underspending": "#E69F00",
    "met": "#009E73",
    "not met": "#E69F00",
}
STATUS_ICONS: dict[str, str] = {
    "on track": "🟢",
    "ahead": "🔵",
    "behind": "🔴",
    "at risk": "🟠",
    "not started": "⚪",
    "no data": "⚪",
    "no data source": "➖",
    "no baseline": "➖",
    "on plan": "🟢",
    "overspending": "🟠",
    "underspending": "🟠",
    "met": "🟢",
    "not met": "🟠",
}
PLAN_COLOUR = "#999999"
SPEND_COLOUR = "#0072B2"
FORECAST_COLOUR = "#AA4499"  # a projection, not a status: no red
BUDGET_COLOUR = "#BBBBBB"

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def status_colour(status: str | None) -> str:
    return STATUS_COLOURS.get(status or "", "#999999")


def status_icon(status: str | None) -> str:
    return STATUS_ICONS.get(status or "", "")


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def short(text: str | None, width: int = 32) -> str:
    """``text`` cut at a word to at most ``width`` characters, with an ellipsis when cut."""
    text = " ".join(str(text or "").split())
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0] if " " in text[: width - 1] else text[: width - 1]
    return cut.rstrip(" ,;:(") + "…"


# --- KPI targets -------------------------------------------------------------------------------

TARGET_COLOUR = "#000000"
BASELINE_COLOUR = "#777777"
EXPECTED_COLOUR = "#004488"


def kpi_value_text(value: float | None, unit: str | None, target: float | None = None) -> str:
    """A KPI's baseline, target or actual in its own unit, written as every page writes that
    kind of figure: ``#`` a count, ``%`` a share (on the 0-100 scale), ``EUR`` money (with
    cents when the KPI's ``target`` is a small amount, a cost per unit, for all its figures)."""
    unit = str(unit or "").strip()
    if unit == "#":
        return fmt_figure(value, "count")
    if unit == "%":
        return fmt_figure(None if value is None or pd.isna(value) else value / 100, "share")
    if unit.upper() in {"EUR", "€"}:
        small = target is not None and not pd.isna(target) and abs(target) < 1000
        return fmt_figure(value, "unit_cost" if small else "money")
    text = fmt_figure(value, "level")
    return f"{text} {unit}".strip() if text != MISSING else text


def _in_unit(rows: pd.DataFrame, column: str) -> list[str]:
    """``column`` of KPI rows, each in its KPI's unit (:func:`kpi_value_text`)."""
    return [
        kpi_value_text(v, u, target)
        for v, u, target in zip(rows[column], rows["unit"], rows["target"], strict=True)
    ]


def _share_of_target(value: float | None, target: float) -> float | None:
    if value is None or pd.isna(value) or not target:
        return None
    return float(value) / float(target)


def kpi_bullet_rows(kpis: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`kpi_bullets` draws from ``metrics.kpi_progress``: label (the
    indicator's code), indicator, status, cumulative, pace, unit, baseline, target, actual,
    expected (by now, cumulative KPIs only), and the actual, baseline and expected value as
    shares of the target (``share``, ``baseline_share``, ``expected_share``)."""
    rows = pd.DataFrame(
        {
            "label": kpis["indicator_code"],
            "indicator": kpis["indicator"],
            "status": kpis["status"],
            "cumulative": kpis["cumulative"].astype(bool),
            "pace": kpis["pace"],
            "unit": kpis["unit"],
            "baseline": kpis["baseline"],
            "target": kpis["target"],
            "actual": kpis["actual"],
            "expected": kpis["expected"],
        }
    )
    for column in ("actual", "baseline", "expected"):
        rows[f"{'share' if column == 'actual' else column + '_share'}"] = [
            _share_of_target(v, tgt) for v, tgt in zip(rows[column], rows["target"], strict=True)
        ]
    return rows


def _kpi_hover(rows: pd.DataFrame, labels: Mapping[str, Any]) -> tuple[list[list[str]], str]:
    """The hover of a trace of KPI bars: its data (the KPI's texts, shown as text) and its
    template (the markup). The expected value and the pace are there only when every KPI of the
    trace accumulates over time (a trace is one status, so they all do or none does)."""
    paced = bool(len(rows)) and bool(rows["cumulative"].all() and rows["expected"].notna().all())
    custom = []
    for row in rows.itertuples(index=False):
        unit = row.unit
        custom.append(
            [
                short(row.indicator, 48),
                kpi_value_text(row.actual, unit, row.target),
                kpi_value_text(row.target, unit, row.target),
                kpi_value_text(row.baseline, unit, row.target),
                kpi_value_text(row.expected, unit, row.target) if paced else "",
                fmt_figure(row.pace, "share") if paced else "",
                labels["statuses"].get(row.status, row.status),
            ]
        )
    template = (
        "<b>%{y}</b> %{customdata[0]}"
        f"<br>{labels['actual']}: %{{customdata[1]}}"
        f"<br>{labels['target']}: %{{customdata[2]}}"
        f"<br>{labels['baseline']}: %{{customdata[3]}}"
    )
    if paced:
        template += (
            f"<br>{labels['expected']}: %{{customdata[4]}}<br>{labels['pace']}: %{{customdata[5]}}"
        )
    template += f"<br>{labels['status_title']}: %{{customdata[6]}}<extra></extra>"
    return custom, template


def kpi_bullets(df: pd.DataFrame, labels: Mapping[str, Any]) -> go.Figure:
    """One bar per KPI: its actual as a share of its target (100% = the target, marked), its
    baseline beside it, coloured by its status, one legend entry per status shown. Only KPIs
    that accumulate over time (``cumulative``) carry the tick of what they should have reached
    by now (their pace); a level or a rate has met its target or not.

    ``df`` as :func:`kpi_bullet_rows` returns; rows without an actual are left out. ``labels``:
    ``axis``, ``actual``, ``target``, ``baseline``, ``expected``, ``pace``, ``status_title``
    and ``statuses`` (status -> its name).
    """
    rows = df[df["share"].notna()].iloc[::-1]
    share = plotly_figure("share")
    fig = go.Figure()
    order = list(dict.fromkeys(rows["status"].iloc[::-1]))
    for status in order:
        part = rows[rows["status"] == status]
        custom, template = _kpi_hover(part, labels)
        fig.add_trace(
            go.Bar(
                x=scaled(part["share"], "share"),
                y=part["label"],
                orientation="h",
                name=labels["statuses"].get(status, status),
                marker={"color": status_colour(status)},
                customdata=custom,
                hovertemplate=template,
                legendgroup=f"status-{status}",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[share.scale] * len(rows),
            y=rows["label"],
            mode="markers",
            name=labels["target"],
            marker={"symbol": "line-ns", "size": 30, "line": {"width": 3, "color": TARGET_COLOUR}},
            hovertext=_in_unit(rows, "target"),
            hovertemplate="%{y} · " + labels["target"] + ": %{hovertext}<extra></extra>",
        )
    )
    based = rows[rows["baseline_share"].notna()]
    if len(based):
        fig.add_trace(
            go.Scatter(
                x=scaled(based["baseline_share"], "share"),
                y=based["label"],
                mode="markers",
                name=labels["baseline"],
                marker={
                    "symbol": "diamond",
                    "size": 11,
                    "color": BASELINE_COLOUR,
                    "line": {"width": 1, "color": "#FFFFFF"},
                },  # fmt: skip
                hovertext=_in_unit(based, "baseline"),
                hovertemplate="%{y} · " + labels["baseline"] + ": %{hovertext}<extra></extra>",
            )
        )
    paced = rows[rows["cumulative"] & rows["expected_share"].notna()]
    if len(paced):
        fig.add_trace(
            go.Scatter(
                x=scaled(paced["expected_share"], "share"),
                y=paced["label"],
                mode="markers",
                name=labels["expected"],
                marker={
                    "symbol": "line-ns-open",
                    "size": 24,
                    "color": EXPECTED_COLOUR,
                    "line": {"width": 3, "color": EXPECTED_COLOUR},
                },  # fmt: skip
                hovertext=_in_unit(paced, "expected"),
                hovertemplate="%{y} · " + labels["expected"] + ": %{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="overlay",
        margin=_MARGIN,
        height=160 + 45 * len(rows),
        showlegend=True,
        legend={"orientation": "h", "y": -0.3, "traceorder": "normal"},
    )
    fig.update_xaxes(title_text=labels["axis"], rangemode="tozero", **share.axis())
    fig.update_yaxes(automargin=True, type="category")
    return fig


# --- series by platform ------------------------------------------------------------------------


def series_by_platform(
    df: pd.DataFrame, measure: str, labels: Mapping[str, str], *, kind: str = "count"
) -> go.Figure:
    """One line per platform over time, in the platforms' colours and fixed legend order.

    ``df`` has columns ``period`` (the day, the Monday of the week or the first of the month),
    ``platform`` and ``measure``; ``labels``: ``y`` (axis title), ``x``, ``legend``; ``kind``:
    the figure kind of ``measure`` (``dashboard.i18n.FIGURES``).
    """
    fig = go.Figure()
    for platform in platform_order(df["platform"].dropna()):
        rows = df[(df["platform"] == platform) & df[measure].notna()].sort_values("period")
        fig.add_trace(
            go.Scatter(
                x=rows["period"],
                y=scaled(rows[measure], kind),
                name=platform_name(platform),
                mode="lines+markers",
                line={"color": platform_colour(platform), "width": 2},
                marker={"size": 5},
                hovertemplate=figure_hover("y", kind),
            )
        )
    fig.update_layout(
        hovermode="x unified", legend_title_text=labels["legend"], margin=_MARGIN, height=380
    )
    fig.update_xaxes(title_text=labels["x"], type="date")
    fig.update_yaxes(title_text=labels["y"], rangemode="tozero", **figure_axis(kind))
    return fig


# --- platform mix ------------------------------------------------------------------------------


def platform_shares(df: pd.DataFrame, measures: Mapping[str, str]) -> pd.DataFrame:
    """Each platform's share of each measure: columns ``measure``, ``platform``, ``value``,
    ``share`` (of the measure's total over the platforms that report it). ``df`` has one row
    per platform (column ``platform``) and a column per measure id in ``measures``."""
    out = []
    for mid in measures:
        values = df[["platform", mid]].dropna()
        total = float(values[mid].sum())
        for platform in platform_order(values["platform"]):
            value = float(values.loc[values["platform"] == platform, mid].sum())
            out.append(
                {
                    "measure": mid,
                    "platform": platform,
                    "value": value,
                    "share": value / total if total else None,
                }
            )
    return pd.DataFrame(out, columns=["measure", "platform", "value", "share"])


def platform_mix(shares: pd.DataFrame, measures: Mapping[str, str], axis: str) -> go.Figure:
    """Stacked horizontal bars, one per measure, split into platform shares (100% each).

    ``shares`` as :func:`platform_shares` returns; ``measures`` maps measure id -> label.
    """
    fig = go.Figure()
    order = list(measures)
    for platform in platform_order(shares["platform"]):
        rows = shares[shares["platform"] == platform].set_index("measure").reindex(order)
        fig.add_trace(
            go.Bar(
                y=[measures[m] for m in order],
                x=scaled(rows["share"], "share"),
                customdata=rows["value"].astype(float),
                orientation="h",
                name=platform_name(platform),
                marker={"color": platform_colour(platform)},
                hovertemplate=(
                    f"%{{y}}: {figure_hover('x', 'share')} ({figure_hover('customdata', 'count')})"
                ),
            )
        )
    fig.update_layout(
        barmode="stack",
        margin=_MARGIN,
        height=140 + 50 * len(order),
        legend={"traceorder": "normal"},
    )
    fig.update_xaxes(title_text=axis, range=[0, 100], **figure_axis("share"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


# --- budget ------------------------------------------------------------------------------------


def budget_line_rows(lines: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`budget_lines` draws from a campaign's budget lines (``budget_line``,
    ``description``, ``budget_eur``, ``spend_eur``): the line's code and short description as
    its label, nothing budgeted or spent as 0."""
    labelled = lines.assign(
        line=[
            f"{line} {short(text)}".strip()
            for line, text in zip(lines["budget_line"], lines["description"], strict=True)
        ]
    )
    return labelled[["line", "budget_eur", "spend_eur"]].fillna(0.0)


def budget_lines(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Budget and spend (EUR) side by side for each budget line.

    ``df`` has columns ``line`` (the label), ``budget_eur`` and ``spend_eur``; ``labels``:
    ``budget``, ``spend``, ``axis``.
    """
    rows = df.iloc[::-1]
    fig = go.Figure()
    for column, colour in (("budget_eur", BUDGET_COLOUR), ("spend_eur", SPEND_COLOUR)):
        name = labels["budget" if column == "budget_eur" else "spend"]
        fig.add_trace(
            go.Bar(
                y=rows["line"],
                x=rows[column].astype(float),
                orientation="h",
                name=name,
                marker={"color": colour},
                hovertemplate=f"%{{y}}<br>{name}: {figure_hover('x', 'money')}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", margin=_MARGIN, height=140 + 40 * len(rows))
    fig.update_xaxes(title_text=labels["axis"], rangemode="tozero", **figure_axis("money"))
    fig.update_yaxes(automargin=True)
    return fig


def _days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def burn_forecast(
    spend_to_date: float, start: dt.date, end: dt.date, as_of: dt.date
) -> float | None:
    """Spend at the end date if it goes on at the average daily rate so far:
    spend to date / elapsed days x total days (both ends included). None before the start.
    From the end date on, the forecast is the spend itself."""
    total = _days(start, end)
    elapsed = min(_days(start, as_of), total)
    if elapsed <= 0:
        return None
    return float(spend_to_date) / elapsed * total


def cumulative_spend(daily: pd.DataFrame, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """Cumulative spend (EUR) by day from the start to ``as_of``: columns ``day``, ``spend_eur``
    (that day's), ``cumulative_eur``. ``daily`` has columns ``period`` and ``spend_eur``; spend
    booked before the start counts on the start day."""
    last = max(start, as_of)
    days = pd.date_range(start, last, freq="D")
    if daily.empty:
        spent = pd.Series(0.0, index=days)
    else:
        booked = daily.assign(day=pd.to_datetime(daily["period"]).clip(lower=pd.Timestamp(start)))
        booked = booked[booked["day"] <= pd.Timestamp(last)]
        spent = booked.groupby("day")["spend_eur"].sum().reindex(days, fill_value=0.0)
    out = pd.DataFrame({"day": days, "spend_eur": spent.fillna(0.0).to_numpy(dtype=float)})
    out["cumulative_eur"] = out["spend_eur"].cumsum()
    return out


def burn_up(
    cumulative: pd.DataFrame,
    budget: float | None,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    labels: Mapping[str, str],
) -> go.Figure:
    """Cumulative spend against the linear plan, with the forecast to the end date dashed.

    ``cumulative`` as :func:`cumulative_spend` returns. The plan runs from 0 on the start day
    to the budget on the end date; the forecast from the spend at ``as_of`` to
    :func:`burn_forecast` at the end date. ``labels``: ``spend``, ``plan``, ``forecast``,
    ``budget``, ``x``, ``y``.
    """
    fig = go.Figure()
    hover = "%{x}<br>" + figure_hover("y", "money")
    if budget:
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(start), pd.Timestamp(end)],
                y=[0.0, float(budget)],
                mode="lines",
                name=labels["plan"],
                line={"color": PLAN_COLOUR, "width": 2},
                hovertemplate=hover + "<extra>" + labels["plan"] + "</extra>",
            )
        )
        fig.add_hline(
            y=float(budget),
            line={"color": BUDGET_COLOUR, "width": 1, "dash": "dot"},
            annotation_text=labels["budget"],
            annotation_position="top left",
        )
    fig.add_trace(
        go.Scatter(
            x=cumulative["day"],
            y=cumulative["cumulative_eur"].astype(float),
            mode="lines",
            name=labels["spend"],
            line={"color": SPEND_COLOUR, "width": 3, "shape": "hv"},
            hovertemplate=hover + "<extra>" + labels["spend"] + "</extra>",
        )
    )
    spent = float(cumulative["cumulative_eur"].iloc[-1]) if len(cumulative) else 0.0
    forecast = burn_forecast(spent, start, end, as_of)
    if forecast is not None and as_of < end:
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(as_of), pd.Timestamp(end)],
                y=[spent, forecast],
                mode="lines+markers",
                name=labels["forecast"],
                line={"color": FORECAST_COLOUR, "width": 2, "dash": "dash"},
                marker={"size": 6},
                hovertemplate=hover + "<extra>" + labels["forecast"] + "</extra>",
            )
        )
    fig.update_layout(hovermode="closest", margin=_MARGIN, height=380)
    fig.update_xaxes(title_text=labels["x"], type="date")
    fig.update_yaxes(title_text=labels["y"], rangemode="tozero", **figure_axis("money"))
    return fig
