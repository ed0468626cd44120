"""Python's cyclic garbage collector kept to the objects a report makes.

A report's figures and files make hundreds of thousands of small objects (frames' cells,
xlsxwriter's cell records, reportlab's flowables). Every few hundred of them Python's
collector runs, and now and then it looks through every object of the process: in a running
dashboard, the imported code, Streamlit's caches and every session's data. In an export of a
programme's year that was about a tenth of a second of the workbook alone. ``gc.freeze``
sets the objects that exist when the report starts aside for the time it is made, so the
collector looks only at the report's own; ``gc.unfreeze`` gives them back to it at the end.

Nothing is kept alive by it: objects are freed by their reference counts as ever, and cycles
among the set-aside objects are collected once they are given back. When two reports are
made at once, in nested calls or in two sessions, they are given back when the last ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_making = 0  # reports being made now, in any thread


@contextmanager
def report_objects_only() -> Iterator[None]:
    """Within the block (or the decorated function), the collector looks only at objects made
    since the first report still being made began. Blocks nest and overlap across threads:
    the objects are given back when the last one ends."""
    global _making
    with _lock:
        if _making == 0:
            gc.freeze()
        _making += 1
    try:
        yield
    finally:
        with _lock:
            _making -= 1
            if _making == 0:
                gc.unfreeze()
