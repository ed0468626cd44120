"""The demo programme's files, written in our upload template formats in the order to load them.

Per campaign: daily social-media metrics, spend transactions, event participants and feedback
responses; then the programme workbook (with the KPI targets set from those figures) and the
monthly exchange rates, which load first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from etl.demo.cycle import HISTORY, WITHHELD, part_of, sent_at
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
    sent: datetime  # when the file came (``etl.demo.cycle``)


def _metrics_rows(rows: list[tuple], c: Campaign, post_details: bool) -> list[list[object]]:
    """The metrics file's rows; with ``post_details``, post rows also carry the post's
    details."""
    ru = c.excel_ru
    width = len(template_header("metrics", "en"))
    return [
        [fmt_date(r[0], ru), *r[1:width]]
        + ([fmt_datetime(r[width], ru), *r[width + 1 :]] if post_details else [])
        for r in rows
    ]


def _metrics_header(c: Campaign, post_details: bool) -> list[str]:
    lang = "ru" if c.excel_ru else "en"
    header = template_header("metrics", lang)
    if post_details:
        header += [aliases("metrics", f)[lang][0] for f in POST_DETAILS]
    return header


def _spend_rows(spend: list[Transaction], c: Campaign) -> list[list[object]]:
    ru = c.excel_ru
    return [
        [fmt_date(d, ru), line, fmt_amount(amount, ru), "KZT", text, f"{c.code}/{d.year}/{i:04d}"]
        for i, (d, line, amount, text) in enumerate(spend, start=1)
    ]


def _parts(rows: Iterable[list[object]], day: Callable[[list[object]], date]) -> dict:
    """The rows by the part of the campaign's files they go in (``cycle.part_of``)."""
    parts: dict[str, list[list[object]]] = defaultdict(list)
    for row in rows:
        parts[part_of(day(row))].append(row)
    return parts


def _write_campaign(
    out_dir: Path, c: Campaign, seed: int, post_details: bool
) -> tuple[list[DemoFile], list[list[object]]]:
    """The campaign's files, each kind in parts (the months before the reporting cycle, then
    one file per month, each named by it), and its KPI target rows for the programme
    workbook. The participants and feedback of events whose files have not come
    (``cycle.WITHHELD``) are left out."""
    held = events(c, seed)
    metric_rows, totals = metrics(c, seed)
    kpis = kpi_rows(c, totals, held, seed)
    withheld = WITHHELD.get(c.code, frozenset())
    ru = c.excel_ru
    lang = "ru" if ru else "en"
    kinds = {
        "metrics": (
            _metrics_header(c, post_details),
            _parts(_metrics_rows(metric_rows, c, post_details), lambda r: _day(r[0])),
            ru,
        ),
        "spend": (
            template_header("spend", lang),
            _parts(_spend_rows(spend_rows(c, held, seed), c), lambda r: _day(r[0])),
            ru,
        ),
        "participants": (
            template_header("participants", "en"),
            _parts(
                (r for r in participant_rows(held) if r[0] not in withheld),
                lambda r: _day(r[2]),
            ),
            False,
        ),
        "feedback": (
            template_header("feedback", "en"),
            _parts(
                (r for r in feedback_rows(c, held, seed) if r[1] not in withheld),
                lambda r: _day(r[0]),
            ),
            False,
        ),
    }
    files = []
    for part in sorted({p for _, parts, _ in kinds.values() for p in parts}, key=_part_order):
        for kind, (header, parts, excel_ru) in kinds.items():
            if part not in parts:
                continue
            suffix = "" if part == HISTORY else f"_{part}"
            path = out_dir / f"{kind}_{c.code}{suffix}.csv"
            write_csv(path, header, parts[part], excel_ru)
            files.append(DemoFile(path, kind, c.code, sent_at(c.code, part)))
    return files, kpis


def _part_order(part: str) -> str:
    return "" if part == HISTORY else part


def _day(text: object) -> date:
    """The day of a cell as the demo writes it (``2026-04-01``, ``01.04.2026``, with or
    without a time)."""
    value = str(text)[:10]
    if value[2] == ".":
        return date(int(value[6:10]), int(value[3:5]), int(value[:2]))
    return date.fromisoformat(value)


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
    setup = sent_at("", None)
    return [
        DemoFile(programme_path, "programme", None, setup),
        DemoFile(fx_path, "fx", None, setup),
        *sorted(per_campaign, key=lambda f: f.sent),
    ]
