"""Building the demo warehouse: the demo programme's files, loaded by the ordinary loaders."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from etl.demo import write_demo_files
from etl.load import LoadResult, load_file
from etl.warehouse import Warehouse


def build_demo(
    warehouse: Warehouse,
    *,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[LoadResult]:
    """Write the demo files to a temporary folder and load each one as its own batch."""
    if replace:
        for p in (warehouse.path, warehouse.path.with_name(warehouse.path.name + ".wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(warehouse.files_dir, ignore_errors=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="campaigns-demo-") as tmp:
        files = write_demo_files(Path(tmp), post_details=True)
        for f in files:
            if progress:
                progress(f"loading {f.path.name}")
            results.append(
                load_file(
                    warehouse,
                    f.path,
                    campaign=f.campaign,
                    kind=f.kind,
                    source="demo",
                    loaded_by="demo",
                )
            )
    return results
