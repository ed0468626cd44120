"""Alerts that reach people: the rules' configuration (:mod:`etl.alerts.config`), each alert's
state in the warehouse, sent once until its cause changes (:mod:`etl.alerts.state`), and the
e-mail sent through SMTP (:mod:`etl.alerts.mail`).

An :class:`Alert` is what a rule found: its key (rule, campaign, subject), its cause
fingerprint (the values that make it true) and the parameters its text is written from. The
rules themselves compute from the metrics layer (``dashboard.metrics.alerts``); the digests'
texts are written in ``dashboard.alerts``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Alert:
    """One alert: ``rule`` found it about ``campaign`` (``None``: the programme as a whole) and
    ``subject`` (the KPI, budget line or batch; "" for the campaign itself). ``organisation`` is
    the campaign's organisation (who among the grantees is told). ``fingerprint`` changes when
    its cause does; ``params`` are the values its text is written from (JSON values)."""

    rule: str
    campaign: str | None
    subject: str
    fingerprint: str
    organisation: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.rule}|{self.campaign or ''}|{self.subject}"

    def params_json(self) -> str:
        return json.dumps(self.params, ensure_ascii=False, sort_keys=True, default=str)


__all__ = ["Alert"]
