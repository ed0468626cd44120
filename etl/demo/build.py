"""Building the demo warehouse: the demo programme's files, loaded by the ordinary loaders."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from etl.accounts import Accounts
from etl.demo.cycle import apply_cycle, demo_settings
from etl.demo.files import write_demo_files
from etl.load import LoadResult, load_file
from etl.warehouse import Warehouse, publishing_once

# The demo programme's accounts, one per role (and a second grantee to see the isolation):
# (username, role, organisation, name). Each password is "<username>-demo-2026"; the README
# lists them. A real deployment removes them (`campaigns users remove`).
# (username, role, organisation, name, language of its alert e-mails); each has the address
# <username>@demo.example, a domain that never receives mail.
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("officer", "officer", None, "Programme officer (demo)", "en"),
    ("adr", "grantee", "ADR", "Almaty Digital Rights Centre (demo)", "ru"),
    ("erk", "grantee", "ERK", "Erkin Soz Media Initiative (demo)", "kk"),
    ("viewer", "viewer", None, "EU Delegation (demo)", "en"),
)


def demo_password(username: str) -> str:
    return f"{username}-demo-2026"


def add_demo_accounts(warehouse: Warehouse) -> list[str]:
    """Create the demo accounts, replacing any with the same names; their usernames."""
    accounts = Accounts.for_warehouse(warehouse)
    for username, role, organisation, name, language in DEMO_ACCOUNTS:
        if accounts.get(username) is not None:
            accounts.remove(username)
        accounts.add(
            username,
            role,
            name=name,
            organisation=organisation,
            password=demo_password(username),
            email=f"{username}@demo.example",
            language=language,
        )
    return [a[0] for a in DEMO_ACCOUNTS]


def build_demo(
    warehouse: Warehouse,
    *,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[LoadResult]:
    """Write the demo files to a temporary folder, load each one as its own batch, and add the
    demo accounts (``DEMO_ACCOUNTS``)."""
    if replace:
        for p in (warehouse.path, warehouse.path.with_name(warehouse.path.name + ".wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(warehouse.files_dir, ignore_errors=True)
    # Readers see the whole demo at once: published when it is built, not after each load.
    with publishing_once():
        results = []
        sent = []
        with tempfile.TemporaryDirectory(prefix="campaigns-demo-") as tmp:
            files = write_demo_files(Path(tmp), post_details=True)
            for f in files:
                if progress:
                    progress(f"loading {f.path.name}")
                result = load_file(
                    warehouse,
                    f.path,
                    campaign=f.campaign,
                    kind=f.kind,
                    source="demo",
                    loaded_by="demo",
                )
                results.append(result)
                if result.batch_id is not None:
                    sent.append((result.batch_id, f.sent))
        add_demo_accounts(warehouse)
        grantees = {org: user for user, role, org, _, _ in DEMO_ACCOUNTS if role == "grantee"}
        apply_cycle(warehouse, sent, grantees, demo_settings())
    return results
