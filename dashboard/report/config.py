"""The reporting settings and the programme's logframe, read from ``reporting.toml``.

The file shipped beside this module is the default; ``CAMPAIGNS_REPORTING`` (or the
``--config`` option of ``campaigns export``) names another. Every problem is reported with the
file, the indicator and the key, so whoever edits the file knows what to fix.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dashboard import metrics
from etl.load.result import UsageError
from etl.reporting import ReportingSettings, settings_from

ENV_VAR = "CAMPAIGNS_REPORTING"
DEFAULT_PATH = Path(__file__).with_name("reporting.toml")
LEVELS = ("impact", "outcome", "output")
UNITS = ("#", "%")
DIRECTIONS = ("increase", "decrease")
DISAGGREGATIONS = ("sex", "age_group", "region", "platform", "campaign")


class ConfigError(ValueError):
    """The reporting file cannot be used; the message says where and how to fix it."""


@dataclass(frozen=True)
class Indicator:
    code: str
    level: str
    result: str
    indicator: str
    unit: str
    target: float
    cumulative: bool
    source: str
    measure: str | None = None
    direction: str = "increase"
    baseline: float | None = None
    baseline_year: int | None = None
    disaggregation: tuple[str, ...] = ()


@dataclass(frozen=True)
class Programme:
    name: str
    contract: str
    start: dt.date
    end: dt.date
    funding_statement: str
    disclaimer: str
    implementing_partner: str
    subgrant_cap_eur: float
    fx_rule: str

    def disclaimer_for(self, organisation: str | None) -> str:
        return self.disclaimer.replace("{organisation}", organisation or self.implementing_partner)


@dataclass(frozen=True)
class ReportingConfig:
    path: Path
    programme: Programme
    indicators: tuple[Indicator, ...] = field(default_factory=tuple)
    # The reporting cycle's ``[cycle]`` table of the same file (``etl.reporting``).
    cycle: ReportingSettings = field(default_factory=ReportingSettings)

    @property
    def settings(self) -> metrics.Settings:
        return metrics.Settings(fx_rule=self.programme.fx_rule)


def config_path(path: str | Path | None = None) -> Path:
    """The reporting file: ``path``, else ``CAMPAIGNS_REPORTING``, else the shipped default."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)


def load_config(path: str | Path | None = None) -> ReportingConfig:
    """Read and check the reporting file (see the comments at the top of the shipped one)."""
    where = config_path(path)
    try:
        raw = tomllib.loads(where.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{where}: no such file; set {ENV_VAR} to the reporting file, or unset it to use "
            f"the default ({DEFAULT_PATH})"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML ({e}); fix the line it names") from None
    try:
        cycle = settings_from(raw, where)
    except UsageError as e:
        raise ConfigError(str(e)) from None
    return ReportingConfig(where, _programme(where, raw), _indicators(where, raw), cycle)


def _need(where: Path, table: dict, key: str, kind: type | tuple, context: str):
    value = table.get(key)
    if value is None:
        raise ConfigError(f"{where}: {context} has no `{key}`; add it")
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(
            f"{where}: {context} `{key}` = {value!r} is not {_kind_name(kind)}; write it as one"
        )
    return value


def _kind_name(kind: type | tuple) -> str:
    names = {str: "text", dt.date: "a date (YYYY-MM-DD, no quotes)", bool: "true or false"}
    if isinstance(kind, tuple):
        return "a number"
    return names.get(kind, kind.__name__)


def _programme(where: Path, raw: dict) -> Programme:
    table = raw.get("programme")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: no [programme] table; copy it from {DEFAULT_PATH}")
    ctx = "[programme]"
    start = _need(where, table, "start", dt.date, ctx)
    end = _need(where, table, "end", dt.date, ctx)
    if end < start:
        raise ConfigError(f"{where}: [programme] `end` ({end}) is before `start` ({start})")
    fx_rule = table.get("fx_rule", "booking_month")
    if fx_rule not in metrics.FX_RULES:
        raise ConfigError(
            f"{where}: [programme] `fx_rule` = {fx_rule!r}; "
            f"use one of {', '.join(metrics.FX_RULES)}"
        )
    cap = _need(where, table, "subgrant_cap_eur", (int, float), ctx)
    return Programme(
        name=_need(where, table, "name", str, ctx),
        contract=str(table.get("contract", "")),
        start=start,
        end=end,
        funding_statement=_need(where, table, "funding_statement", str, ctx),
        disclaimer=_need(where, table, "disclaimer", str, ctx),
        implementing_partner=str(table.get("implementing_partner", "")),
        subgrant_cap_eur=float(cap),
        fx_rule=fx_rule,
    )


def _indicators(where: Path, raw: dict) -> tuple[Indicator, ...]:
    rows = raw.get("indicators", [])
    if not isinstance(rows, list):
        raise ConfigError(f"{where}: `indicators` must be [[indicators]] tables")
    seen: set[str] = set()
    out = []
    for number, row in enumerate(rows, start=1):
        code = row.get("code")
        ctx = f"indicator {code!r}" if code else f"[[indicators]] number {number}"
        code = _need(where, row, "code", str, ctx)
        if code in seen:
            raise ConfigError(f"{where}: indicator code {code!r} is used twice; make it unique")
        seen.add(code)
        level = _need(where, row, "level", str, ctx).lower()
        if level not in LEVELS:
            raise ConfigError(f"{where}: {ctx} `level` = {level!r}; use one of {', '.join(LEVELS)}")
        unit = _need(where, row, "unit", str, ctx)
        if unit not in UNITS:
            raise ConfigError(f'{where}: {ctx} `unit` = {unit!r}; use "#" or "%"')
        direction = str(row.get("direction", "increase")).lower()
        if direction not in DIRECTIONS:
            raise ConfigError(
                f"{where}: {ctx} `direction` = {direction!r}; use increase or decrease"
            )
        measure = row.get("measure")
        if measure is not None:
            if measure not in metrics.MEASURES:
                raise ConfigError(
                    f"{where}: {ctx} `measure` = {measure!r} is not a measure of the dashboard; "
                    "use one listed in docs/metrics.md, or leave it out for an indicator "
                    "measured outside the dashboard"
                )
            if unit == "%" and metrics.MEASURES[measure].unit != "percent":
                raise ConfigError(
                    f'{where}: {ctx} has unit "%" but measure {measure!r} is not a percentage'
                )
        parts = row.get("disaggregation", [])
        if isinstance(parts, str):
            parts = [parts]
        for part in parts:
            if part not in DISAGGREGATIONS:
                raise ConfigError(
                    f"{where}: {ctx} `disaggregation` has {part!r}; use any of "
                    f"{', '.join(DISAGGREGATIONS)}"
                )
            why = metrics.unavailable(measure, "total", (part,)) if measure else None
            if why:
                raise ConfigError(f"{where}: {ctx} cannot be split by {part}: {why}")
        baseline = row.get("baseline")
        if baseline is not None and not isinstance(baseline, int | float):
            raise ConfigError(f"{where}: {ctx} `baseline` = {baseline!r} is not a number")
        year = row.get("baseline_year")
        if year is not None and not isinstance(year, int):
            raise ConfigError(f"{where}: {ctx} `baseline_year` = {year!r} is not a year")
        out.append(
            Indicator(
                code=code,
                level=level,
                result=_need(where, row, "result", str, ctx),
                indicator=_need(where, row, "indicator", str, ctx),
                unit=unit,
                target=float(_need(where, row, "target", (int, float), ctx)),
                cumulative=bool(row.get("cumulative", unit == "#")),
                source=_need(where, row, "source", str, ctx),
                measure=measure,
                direction=direction,
                baseline=None if baseline is None else float(baseline),
                baseline_year=year,
                disaggregation=tuple(parts),
            )
        )
    return tuple(out)
