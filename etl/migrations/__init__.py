"""Versioned, ordered schema migrations of the warehouse.

Each ``NNNN_name.sql`` file in this folder is one version. ``apply`` runs the ones a warehouse
has not had yet, in order, each in its own transaction together with the row that records it, so
a migration that fails leaves the file as it was and re-running is a no-op.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

_LEDGER = (
    "CREATE TABLE IF NOT EXISTS schema_migration ("
    " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,"
    " applied_at TIMESTAMP NOT NULL)"
)
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def available(directory: Path | None = None) -> list[Migration]:
    """The migrations shipped with the package (or found in ``directory``), in version order."""
    root = directory or resources.files("etl.migrations")
    found = []
    for entry in root.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version number: {versions}")
    return found


def applied(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions already applied to this warehouse."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migration'"
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute("SELECT version FROM schema_migration ORDER BY version").fetchall()
    return [v for (v,) in rows]


def apply(con: duckdb.DuckDBPyConnection, directory: Path | None = None) -> list[Migration]:
    """Apply pending migrations; returns the ones applied now."""
    done = set(applied(con))
    ran = []
    for mig in available(directory):
        if mig.version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_LEDGER)
            con.execute(mig.sql)
            con.execute(
                "INSERT INTO schema_migration VALUES (?, ?, ?, current_timestamp::TIMESTAMP)",
                [mig.version, mig.name, mig.checksum],
            )
            con.execute("COMMIT")
        except Exception as exc:
            con.execute("ROLLBACK")
            raise RuntimeError(f"migration {mig.version:04d}_{mig.name} failed: {exc}") from exc
        ran.append(mig)
    return ran
