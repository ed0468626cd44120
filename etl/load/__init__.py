"""Loading one file into the warehouse: all of it, none of it, or (on request) its valid rows.

``load_file`` is what the CLI and the upload page call. A load is one *batch*: the bytes are
kept, every row written carries the batch id, and the batch records what was detected, what was
loaded, and every error and warning. The same bytes again are a no-op that names the earlier
batch; a corrected file replaces the values it restates (see ``facts``).

- ``loader``: ``load_file``: the file read and hashed, checked, then written;
- ``check``: what the file is, and its rows staged (``rewritten``: platform exports and form
  responses; ``programme_workbook``: the set-up workbook; ``context``: the campaign and the
  date order; ``findings``: what staging found, recorded);
- ``preview``: the period of the rows and the first rows as parsed;
- ``write``: the batch written in one transaction; ``keep``: what is kept of the file;
- ``result``: ``LoadResult``, ``Issue``, ``UsageError`` and the summary line.
"""

from etl.load.loader import DEFAULT_MAX_MB, load_file, max_bytes
from etl.load.loader import _size as _size  # the upload page shows sizes the same way
from etl.load.preview import PERIOD_FIELDS
from etl.load.result import Issue, LoadResult, UsageError
from etl.load.write import MAX_ERRORS_REPORTED

__all__ = [
    "DEFAULT_MAX_MB",
    "MAX_ERRORS_REPORTED",
    "PERIOD_FIELDS",
    "Issue",
    "LoadResult",
    "UsageError",
    "load_file",
    "max_bytes",
]
