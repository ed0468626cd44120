"""A campaign status's reasons (``dashboard.metrics.Reason``) written in a language.

Two ways, from the label catalogue: each reason on its own (:func:`reason_text`,
:func:`reasons_text`: ``campaign.reason.*``, as the Campaign page states them), or a row's
summary (:func:`reasons_summary`: ``portfolio.reason.*``, the indicators behind pace together and
the share of the budget spent, as the Portfolio table and its download give them). ``lang``
``None`` is the page's language; English is ``"en"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dashboard.i18n import current_language, fmt_number, fmt_percent, literal, t
from dashboard.metrics import (
    KPI_BEHIND,
    NO_FIGURES_SINCE_START,
    OVER_BUDGET,
    REASON_OVERSPENDING,
    REASON_UNDERSPENDING,
    Reason,
)

SEPARATOR = "; "


def reason_text(reason: Reason, lang: str | None = None, *, markdown: bool = False) -> str:
    """One reason in ``lang`` (``campaign.reason.<code>``). With ``markdown``, the indicator's
    code (from the data) is written so that Markdown shows it as it is."""
    key = f"campaign.reason.{reason.code}"
    if reason.code == KPI_BEHIND:
        kpi = str(reason.kpi)
        return t(key, lang=lang, kpi=literal(kpi) if markdown else kpi)
    if reason.days is not None:
        return t(key, lang=lang, days=fmt_number(reason.days, lang=lang))
    return t(key, lang=lang)


def reasons_text(
    reasons: Sequence[Reason], lang: str | None = None, *, markdown: bool = False
) -> str:
    """Every reason in ``lang``, one after the other (empty when there is none)."""
    return SEPARATOR.join(reason_text(r, lang, markdown=markdown) for r in reasons)


def reasons_summary(reasons: Sequence[Reason], lang: str | None = None) -> str:
    """The reasons in ``lang`` as one short line (``portfolio.reason.*``): the indicators behind
    pace named together, spend off pace with the share of the budget spent, over budget, and
    the days without figures."""
    behind = [str(r.kpi) for r in reasons if r.code == KPI_BEHIND]
    out = [t("portfolio.reason.kpis_behind", lang=lang, codes=", ".join(behind))] if behind else []
    for r in reasons:
        if r.code in (REASON_OVERSPENDING, REASON_UNDERSPENDING):
            spent = fmt_percent(r.execution, 0, lang=lang)
            out.append(t(f"portfolio.reason.{r.code}", lang=lang, execution=spent))
        elif r.code == OVER_BUDGET:
            out.append(t("portfolio.reason.over_budget", lang=lang))
        elif r.days is not None:
            stale = "no_figures" if r.code == NO_FIGURES_SINCE_START else "stale"
            out.append(t(f"portfolio.reason.{stale}", lang=lang, count=r.days))
    return SEPARATOR.join(out)


def reasons_summaries(rows: Iterable[Sequence[Reason]], lang: str | None = None) -> list[str]:
    """:func:`reasons_summary` of each row's reasons (a tuple, or NaN for none), each distinct
    set of reasons written once: most campaigns share theirs (none, or the same one)."""
    lang = lang or current_language()
    written: dict[tuple[Reason, ...], str] = {}
    out = []
    for reasons in rows:
        key = tuple(reasons) if isinstance(reasons, (tuple, list)) else ()
        if key not in written:
            written[key] = reasons_summary(key, lang)
        out.append(written[key])
    return out
