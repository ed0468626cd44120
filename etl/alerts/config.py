"""The alert rules' settings: ``alerts.toml`` shipped beside this module holds the defaults;
a file named by ``CAMPAIGNS_ALERTS`` (or by ``config`` in the ``[alerts]`` table of
``.streamlit/secrets.toml``) overrides what it sets, rule by rule and value by value.
``CAMPAIGNS_DASHBOARD_URL`` overrides the dashboard's address the e-mails link to."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_VAR = "CAMPAIGNS_ALERTS"
URL_ENV_VAR = "CAMPAIGNS_DASHBOARD_URL"
DEFAULT_PATH = Path(__file__).with_name("alerts.toml")
SECRETS = Path(".streamlit/secrets.toml")
AUDIENCES = ("officers", "grantees", "viewers")


class ConfigError(ValueError):
    """The alerts file cannot be used; the message names the file and the key to fix."""


@dataclass(frozen=True)
class RuleConfig:
    """One rule's settings: whether it runs, who is told, and its thresholds."""

    name: str
    enabled: bool = True
    recipients: tuple[str, ...] = ("officers", "grantees")
    thresholds: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    def value(self, key: str, default: float) -> float:
        return float(self.thresholds.get(key, default))

    def tells(self, role: str) -> bool:
        """Whether people of ``role`` (officer, grantee, viewer) receive this rule's alerts."""
        return f"{role}s" in self.recipients


@dataclass(frozen=True)
class AlertsConfig:
    rules: dict[str, RuleConfig]
    base_url: str
    path: Path | None = None

    def rule(self, name: str) -> RuleConfig:
        """The settings of rule ``name`` (a rule the file does not name is off)."""
        return self.rules.get(name) or RuleConfig(name, enabled=False)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such alerts file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def override_path(secrets: Path = SECRETS) -> Path | None:
    """The file overriding the defaults: ``CAMPAIGNS_ALERTS``, else ``config`` in the
    ``[alerts]`` table of ``secrets``, else none."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    if secrets.is_file():
        table = _read(secrets).get("alerts")
        if isinstance(table, dict) and table.get("config"):
            return Path(str(table["config"]))
    return None


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _rule(name: str, table: Any, where: Path) -> RuleConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [rules.{name}] must be a table")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: rules.{name}.enabled must be true or false")
    recipients = table.get("recipients", ["officers", "grantees"])
    if not isinstance(recipients, list) or any(r not in AUDIENCES for r in recipients):
        raise ConfigError(
            f"{where}: rules.{name}.recipients must be a list of {', '.join(AUDIENCES)}"
        )
    thresholds: dict[str, float] = {}
    for key, value in table.items():
        if key in ("enabled", "recipients"):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: rules.{name}.{key} must be a number of at least 0")
        if key == "band" and value >= 1:
            raise ConfigError(f"{where}: rules.{name}.band must be below 1 (0.15: +-15%)")
        thresholds[key] = float(value)
    return RuleConfig(name, enabled, tuple(recipients), thresholds)


def load_config(path: str | Path | None = None, *, secrets: Path = SECRETS) -> AlertsConfig:
    """The rules' settings: the shipped defaults with ``path`` (else :func:`override_path`)
    laid over them."""
    data = _read(DEFAULT_PATH)
    chosen = Path(path) if path else override_path(secrets)
    if chosen is not None:
        data = _merged(data, _read(chosen))
    where = chosen or DEFAULT_PATH
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: [rules] must be a table of rules")
    base_url = os.environ.get(URL_ENV_VAR) or str(data.get("alerts", {}).get("base_url", ""))
    return AlertsConfig(
        rules={name: _rule(name, table, where) for name, table in rules.items()},
        base_url=base_url.rstrip("/"),
        path=chosen,
    )
