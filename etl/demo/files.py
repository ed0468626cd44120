"""The demo programme's files, written in our upload template formats in the order to load them.

Per campaign: daily social-media metrics, spend transactions, event participants and feedback
responses; then the programme workbook (with the KPI targets set from those figures) and the
monthly exchange rates, which load first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from etl.demo.feedback import feedback_rows
from etl.demo.participants import events, participant_rows
from etl.demo.programme import CAMPAIGNS, Campaign
from etl.demo.seeding import DEFAULT_SEED
from etl.demo.social import POST_DETAILS, metrics
from etl.demo.spend import Transaction, fx_rows, spend_rows
from etl.demo.targets import kpi_rows
from etl.demo.writers import (
    fmt_amount,
    fmt_date,
    fmt_datetime,
    write_csv,
    write_programme,
)
from etl.kinds import aliases, template_header


@dataclass(frozen=True)
class DemoFile:
    """One file of the demo programme, in the order the loader should load it."""

    path: Path
    kind: str  # "programme", "fx", "metrics", "spend", "participants", "feedback"
    campaign: str | None  # campaign code, None for programme and fx


def _write_metrics(path: Path, rows: list[tuple], c: Campaign, post_details: bool) -> None:
    """The metrics file; with ``post_details``, post rows also carry the post's details."""
    ru = c.excel_ru
    lang = "ru" if ru else "en"
    header = template_header("metrics", lang)
    width = len(header)
    if post_details:
        header += [aliases("metrics", f)[lang][0] for f in POST_DETAILS]
    write_csv(
        path,
        header,
        (
            [fmt_date(r[0], ru), *r[1:width]]
            + ([fmt_datetime(r[width], ru), *r[width + 1 :]] if post_details else [])
            for r in rows
        ),
        ru,
    )


def _write_spend(path: Path, spend: list[Transaction], c: Campaign) -> None:
    ru = c.excel_ru
    write_csv(
        path,
        template_header("spend", "ru" if ru else "en"),
        (
            [
                fmt_date(d, ru),
                line,
                fmt_amount(amount, ru),
                "KZT",
                text,
                f"{c.code}/{d.year}/{i:04d}",
            ]
            for i, (d, line, amount, text) in enumerate(spend, start=1)
        ),
        ru,
    )


def _write_campaign(
    out_dir: Path, c: Campaign, seed: int, post_details: bool
) -> tuple[list[DemoFile], list[list[object]]]:
    """The campaign's four files, and its KPI target rows for the programme workbook."""
    held = events(c, seed)
    metric_rows, totals = metrics(c, seed)
    kpis = kpi_rows(c, totals, held, seed)
    paths = {
        kind: out_dir / f"{kind}_{c.code}.csv"
        for kind in ("metrics", "spend", "participants", "feedback")
    }
    _write_metrics(paths["metrics"], metric_rows, c, post_details)
    _write_spend(paths["spend"], spend_rows(c, held, seed), c)
    write_csv(paths["participants"], template_header("participants", "en"), participant_rows(held))
    write_csv(paths["feedback"], template_header("feedback", "en"), feedback_rows(c, held, seed))
    return [DemoFile(path, kind, c.code) for kind, path in paths.items()], kpis


def write_demo_files(
    out_dir: Path, seed: int = DEFAULT_SEED, *, post_details: bool = False
) -> list[DemoFile]:
    """Write the demo programme's files in load order (programme, fx, then per campaign).

    With ``post_details``, the metrics files' post rows also carry each post's publication time,
    format, language and title, in four columns after the template's (as platform exports name
    them); every other cell is the same either way.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    per_campaign: list[DemoFile] = []
    kpis: list[list[object]] = []
    for c in CAMPAIGNS:
        files, campaign_kpis = _write_campaign(out_dir, c, seed, post_details)
        per_campaign += files
        kpis += campaign_kpis
    programme_path = out_dir / "programme.xlsx"
    write_programme(programme_path, kpis)
    fx_path = out_dir / "fx.csv"
    write_csv(
        fx_path,
        template_header("fx", "en"),
        ([m, cur, f"{v:.2f}" if cur == "KZT" else f"{v:.4f}"] for m, cur, v in fx_rows(seed)),
    )
    return [
        DemoFile(programme_path, "programme", None),
        DemoFile(fx_path, "fx", None),
        *per_campaign,
    ]
