"""Each alert's state in the warehouse (``core.alert``, migration 0008) and who was told of it
(``core.alert_delivery``).

:func:`sync` records one evaluation of every rule over the whole programme: a new alert opens,
an alert whose fingerprint changed is news again, an alert no longer found closes (found again
later, it reopens). :func:`delivered` says which alerts, in which state, a person has been sent;
:func:`record_delivery` keeps what a digest sent, so an alert goes to a person once until its
cause changes, and :func:`digest_sent` says whether a person already had the day's digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from etl.alerts import Alert
from etl.warehouse import Warehouse


@dataclass(frozen=True)
class SyncResult:
    """What one evaluation changed: the keys of the alerts opened (or reopened), changed (a
    new fingerprint) and closed, and of those unchanged."""

    opened: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


def sync(wh: Warehouse, found: Iterable[Alert], now: dt.datetime) -> SyncResult:
    """Record the alerts ``found`` by one evaluation of every rule at ``now``; the open
    alerts not among them close."""
    alerts = {a.key: a for a in found}
    opened, changed, unchanged = [], [], []
    with wh.writer() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            known = {
                key: (fingerprint, closed_at)
                for key, fingerprint, closed_at in con.execute(
                    "SELECT alert_key, fingerprint, closed_at FROM core.alert"
                ).fetchall()
            }
            for key, a in alerts.items():
                values = [a.fingerprint, a.params_json(), now]
                if key not in known:
                    con.execute(
                        "INSERT INTO core.alert VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                        [key, a.rule, a.campaign, a.subject, a.fingerprint, a.params_json(),
                         now, now, now],
                    )  # fmt: skip
                    opened.append(key)
                elif known[key][1] is not None:
                    con.execute(
                        "UPDATE core.alert SET fingerprint = ?, params = ?, opened_at = ?, "
                        "changed_at = ?, seen_at = ?, closed_at = NULL WHERE alert_key = ?",
                        [*values, now, now, key],
                    )
                    opened.append(key)
                elif known[key][0] != a.fingerprint:
                    con.execute(
                        "UPDATE core.alert SET fingerprint = ?, params = ?, changed_at = ?, "
                        "seen_at = ? WHERE alert_key = ?",
                        [*values, now, key],
                    )
                    changed.append(key)
                else:
                    con.execute(
                        "UPDATE core.alert SET params = ?, seen_at = ? WHERE alert_key = ?",
                        [a.params_json(), now, key],
                    )
                    unchanged.append(key)
            closed = sorted(k for k, (_, shut) in known.items() if shut is None and k not in alerts)
            for key in closed:
                con.execute("UPDATE core.alert SET closed_at = ? WHERE alert_key = ?", [now, key])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return SyncResult(tuple(opened), tuple(changed), tuple(closed), tuple(unchanged))


def delivered(wh: Warehouse, recipient: str) -> set[tuple[str, str]]:
    """Every (alert key, fingerprint) ``recipient`` has been sent."""
    with wh.writer(publish=False) as con:  # the file itself: deliveries are not published
        return set(
            con.execute(
                "SELECT alert_key, fingerprint FROM core.alert_delivery WHERE recipient = ?",
                [recipient],
            ).fetchall()
        )


def digest_sent(wh: Warehouse, recipient: str, day: dt.date) -> bool:
    """Whether ``recipient`` was already sent the digest of ``day``."""
    with wh.writer(publish=False) as con:
        row = con.execute(
            "SELECT count(*) FROM core.alert_delivery WHERE recipient = ? AND digest_day = ?",
            [recipient, day],
        ).fetchone()
    return bool(row and row[0])


def record_delivery(
    wh: Warehouse, recipient: str, alerts: Sequence[Alert], day: dt.date, now: dt.datetime
) -> None:
    """Keep that ``recipient``'s digest of ``day`` sent ``alerts`` at ``now`` (in the file
    itself; the next publish carries it to the read copy)."""
    with wh.writer(publish=False) as con:
        con.executemany(
            "INSERT INTO core.alert_delivery VALUES (?, ?, ?, ?, ?)",
            [[a.key, a.fingerprint, recipient, day, now] for a in alerts],
        )
