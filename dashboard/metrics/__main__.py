"""``python -m dashboard.metrics``: rewrite the generated tables of ``docs/metrics.md``
(``--check``: fail when they are out of date)."""

from dashboard.metrics.doc import main

raise SystemExit(main())
