"""Typing and checking the rows of one file (or workbook sheet) before anything is written.

``stage`` turns a raw text table into a typed staging table and an issues table, both temporary
tables on the caller's connection; nothing here writes to the warehouse.

- ``rows``: ``stage`` itself: the typed table, each field's checks, the issues table;
- ``kind_checks``: the checks each kind of file adds (duplicates, references, periods);
- ``date_orders``: day first or month first, per date column;
- ``records``: ``Staged``, ``Context`` and the issue record they share.
"""

from etl.stage.records import Context, Staged, spec_of
from etl.stage.rows import NUMERIC_TYPES, detect_decimal, stage

__all__ = ["NUMERIC_TYPES", "Context", "Staged", "detect_decimal", "spec_of", "stage"]
