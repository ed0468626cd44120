"""A realistic, deterministic demo programme, written as files in our upload template formats
and loaded into a warehouse by the ordinary loaders.

Five grantee organisations in five regions of Kazakhstan each run one campaign (one per thematic
group of the programme). :func:`write_demo_files` writes the programme workbook, the monthly
exchange rates and, per campaign, daily social-media metrics, spend transactions, event
participants and feedback responses, up to the demo's "data as of" date :data:`DATA_AS_OF`;
:func:`build_demo` loads them and adds the demo accounts.

The demo carries the situations the dashboard must show: ``DSEC-03`` spends far ahead of its
timeline, ``ATI-05`` is far behind pace on its impressions and engagement targets, ``FOE-02``
gets noticeably lower event ratings, and the metrics and spend files of ``CEN-04`` are saved the
way a Russian-locale Excel user saves them (Russian headers, ``;``, Windows-1251, ``31.12.2026``,
``1 250 000,00``). Some feedback comments carry personal data (an e-mail, phone numbers, an IIN)
that the loader must mask.

The programme itself (organisations, campaigns, channels, budgets, events, indicators, texts) is
data, in ``etl/demo/data``; the modules here generate the figures from it, one kind each:
``social`` (metrics), ``spend``, ``participants``, ``feedback``, ``targets`` (KPI targets).
Everything random comes from ``seeding``: one stream per part, from ``seed``, so the same seed
gives byte-identical files.
"""

from etl.demo.build import DEMO_ACCOUNTS, add_demo_accounts, build_demo, demo_password
from etl.demo.files import DemoFile, write_demo_files
from etl.demo.programme import CAMPAIGNS, DATA_AS_OF, INDIRECT_RATE, ORGS
from etl.demo.social import POST_TRACKING_DAYS

__all__ = [
    "CAMPAIGNS",
    "DATA_AS_OF",
    "DEMO_ACCOUNTS",
    "INDIRECT_RATE",
    "ORGS",
    "POST_TRACKING_DAYS",
    "DemoFile",
    "add_demo_accounts",
    "build_demo",
    "demo_password",
    "write_demo_files",
]
