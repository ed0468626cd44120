"""Google Sheets into the warehouse: each source's worksheet is read and loaded as one batch.

A worksheet is read with gspread as the values the sheet shows (``FORMATTED_VALUE``), so
``1 234``, ``12,5`` and dates reach the loader as people wrote them. Its rows become a UTF-8 CSV
file that ``load_file`` checks and loads like any upload: the same values give the same bytes,
so a sheet that has not changed since its last load changes nothing, and an edited sheet
replaces the figures it restates.

Requests that fail for a passing reason (HTTP 408, 429, 5xx, no answer in time, a broken
connection, an answer cut short) are tried again after waiting ``CAMPAIGNS_SYNC_BACKOFF``
seconds, then twice as long each time. A source that cannot be read in full is reported and
leaves the warehouse as it was; the other sources are still loaded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import google.auth.exceptions
import gspread
import requests
from google.oauth2.service_account import Credentials
from gspread.exceptions import GSpreadException, WorksheetNotFound
from gspread.http_client import HTTPClient
from gspread.utils import ValueRenderOption

from etl.headers import find_header_row
from etl.load import Issue, UsageError, load_file
from etl.load.result import SUMMARY_CODE, summary_fields
from etl.messages import message
from etl.sources import ConfigError, Source
from etl.warehouse import Warehouse, publishing_once

API_URL_ENV = "CAMPAIGNS_SHEETS_API_URL"
BACKOFF_ENV = "CAMPAIGNS_SYNC_BACKOFF"
TIMEOUT_ENV = "CAMPAIGNS_SYNC_TIMEOUT"
GOOGLE_API = "https://sheets.googleapis.com"
SCOPES = ["https://www.googleapis.com/auth/spreadsheets.readonly"]
ATTEMPTS = 4
DEFAULT_BACKOFF = 1.0
DEFAULT_TIMEOUT = 60.0
MAX_WAIT = 60.0
RETRY_STATUSES = (408, 429)

Progress = Callable[[str], None]


class FetchFailed(Exception):
    """A worksheet could not be read in full; the message says why, for the user."""


class _RequestFailed(FetchFailed):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Sheet:
    """The values of one worksheet as the sheet shows them."""

    title: str
    worksheet: str
    values: list[list[str]]


@dataclass
class SyncResult:
    """What happened to one source; ``to_dict`` is one element of the ``--json`` list."""

    name: str
    status: str  # loaded, unchanged, rejected, failed
    spreadsheet: str
    worksheet: str | None = None
    title: str | None = None
    kind: str | None = None
    campaign: str | None = None
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    errors: list[Issue] = field(default_factory=list)
    errors_total: int = 0
    warnings: list[Issue] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "unchanged")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["errors"] = [asdict(i) for i in self.errors]
        d["warnings"] = [asdict(i) for i in self.warnings]
        return d


def _seconds(env: str, default: float) -> float:
    raw = os.environ.get(env)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ConfigError(f"{env} must be a number of seconds, got '{raw}'")
    return value


def api_url() -> str:
    """Where the Sheets API is: Google, or ``CAMPAIGNS_SHEETS_API_URL`` (a proxy, a test)."""
    url = (os.environ.get(API_URL_ENV) or GOOGLE_API).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{API_URL_ENV} must start with http:// or https://, got '{url}'")
    return url


class _Transport(HTTPClient):
    """gspread's HTTP client, sent to ``api_url()`` and trying passing failures again."""

    def __init__(self, auth, session=None) -> None:
        super().__init__(auth, session)
        self.base = GOOGLE_API
        self.backoff = DEFAULT_BACKOFF
        self.attempts = ATTEMPTS

    def request(self, method, endpoint, *args, **kwargs):
        if endpoint.startswith(GOOGLE_API):
            endpoint = self.base + endpoint[len(GOOGLE_API) :]
        host = urlparse(endpoint).netloc
        for attempt in range(1, self.attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                response = super().request(method, endpoint, *args, **kwargs)
                if response.content:
                    json.loads(response.content)
                return response
            except gspread.exceptions.APIError as exc:
                status = exc.response.status_code
                if status not in RETRY_STATUSES and status < 500:
                    raise _RequestFailed(_api_message(exc, status), status) from None
                reason = f"HTTP {status}"
                wait = max(wait, _retry_after(exc.response))
            except (requests.Timeout, google.auth.exceptions.TransportError) as exc:
                if isinstance(exc, google.auth.exceptions.TransportError) and not isinstance(
                    exc.__cause__, requests.Timeout
                ):
                    reason = "could not reach Google's sign-in server"
                else:
                    reason = f"no answer within {self.timeout:g} s" if self.timeout else "no answer"
            except requests.ConnectionError:
                reason = f"could not connect to {host}"
            except (requests.exceptions.ChunkedEncodingError, json.JSONDecodeError):
                reason = "the answer was cut short"
            except google.auth.exceptions.RefreshError as exc:
                text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "refused"
                raise _RequestFailed(
                    f"Google refused the service account's sign-in: {text}"
                ) from None
            if attempt == self.attempts:
                raise _RequestFailed(f"{reason} after {attempt} attempts")
            time.sleep(min(wait, MAX_WAIT))
        raise AssertionError("unreachable")


def _api_message(exc: gspread.exceptions.APIError, status: int) -> str:
    message = str(exc.error.get("message") or "").strip()
    return f"HTTP {status}: {message}" if message else f"HTTP {status}"


def _retry_after(response: requests.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", 0)))
    except ValueError:
        return 0.0


def connect(info: dict) -> gspread.Client:
    """A gspread client signed in as the service account whose key fields are ``info``."""
    try:
        creds = Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, TypeError, KeyError):
        raise ConfigError(
            f"the private key of the service account {info.get('client_email')} cannot be "
            "read; create a new JSON key for it (see docs/sources.md)"
        ) from None
    client = gspread.Client(auth=creds, http_client=_Transport)
    transport = client.http_client
    assert isinstance(transport, _Transport)
    transport.base = api_url()
    transport.backoff = _seconds(BACKOFF_ENV, DEFAULT_BACKOFF)
    client.set_timeout(_seconds(TIMEOUT_ENV, DEFAULT_TIMEOUT) or None)
    return client


def fetch(client: gspread.Client, source: Source, account: str) -> Sheet:
    """The values of ``source``'s worksheet; raises ``FetchFailed`` saying what went wrong."""
    try:
        spreadsheet = client.open_by_key(source.spreadsheet)
    except _RequestFailed as exc:
        text = str(exc)
        if exc.status == 403 and ("has not been used" in text or "it is disabled" in text):
            raise FetchFailed(
                "the Google Sheets API is not enabled in the service account's project: "
                f"enable it (see docs/sources.md); {exc}"
            ) from None
        if exc.status == 403:
            raise FetchFailed(
                message("sheets.not_shared", spreadsheet=source.spreadsheet, account=account)
            ) from None
        if exc.status == 404:
            raise FetchFailed(
                message("sheets.not_found", spreadsheet=source.spreadsheet, account=account)
            ) from None
        raise
    try:
        if source.worksheet:
            worksheet = spreadsheet.worksheet(source.worksheet)
        else:
            worksheet = spreadsheet.get_worksheet(0)
    except WorksheetNotFound:
        titles = ", ".join(f"'{w.title}'" for w in spreadsheet.worksheets())
        if not titles:
            raise FetchFailed(
                message(
                    "sheets.no_worksheet_none", title=spreadsheet.title, worksheet=source.worksheet
                )
            ) from None
        raise FetchFailed(
            message(
                "sheets.no_worksheet",
                title=spreadsheet.title,
                worksheet=source.worksheet,
                titles=titles,
            )
        ) from None
    values = worksheet.get_all_values(value_render_option=ValueRenderOption.formatted)
    return Sheet(spreadsheet.title, worksheet.title, [list(row) for row in values])


def tidy(values: list[list]) -> list[list[str]]:
    """Rows as text, all as wide as the widest, without trailing empty rows and columns."""
    rows = [["" if c is None else str(c) for c in row] for row in values]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    width = 0
    for row in rows:
        for i in range(len(row), 0, -1):
            if row[i - 1].strip():
                width = max(width, i)
                break
    return [(row + [""] * width)[:width] for row in rows]


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def rename_columns(rows: list[list[str]], columns: dict[str, str]) -> list[str]:
    """Rename header cells as ``columns`` says, in place; returns the headers not found.

    The header row is the one among the first 20 that holds most of the headers named;
    headers compare ignoring case, repeated spaces and line breaks.
    """
    if not columns:
        return []
    wanted = {_key(k): v for k, v in columns.items()}
    best, hits = None, 0
    for index, row in enumerate(rows[:20]):
        n = sum(1 for c in row if _key(c) in wanted)
        if n > hits:
            best, hits = index, n
    if best is None:
        return list(columns)
    header = rows[best]
    found = set()
    for i, cell in enumerate(header):
        key = _key(cell)
        if key in wanted:
            header[i] = wanted[key]
            found.add(key)
    return [k for k in columns if _key(k) not in found]


def column_letter(index: int) -> str:
    """The sheet's name of the column at ``index`` (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def name_blank_headers(rows: list[list[str]], kind: str | None) -> list[str]:
    """Give a blank header cell with values under it the name ``column F``, in place.

    A merged header cell holds its text in the first cell only; the loader ignores columns
    without a header, and a name makes it say so. Returns the names given.
    """
    if not rows:
        return []
    index = find_header_row(rows, (kind,) if kind else None)
    header = rows[index]
    named = []
    for i, cell in enumerate(header):
        if not cell.strip() and any(row[i].strip() for row in rows[index + 1 :]):
            header[i] = f"column {column_letter(i)}"
            named.append(header[i])
    return named


def to_csv(rows: list[list[str]]) -> bytes:
    """The rows as UTF-8 CSV; the same rows always give the same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _file_name(name: str) -> str:
    return (re.sub(r"[^\w.-]+", "_", name).strip("._") or "sheet") + ".csv"


def sync(
    warehouse: Warehouse,
    sources: list[Source],
    info: dict,
    *,
    progress: Progress | None = None,
) -> list[SyncResult]:
    """Read and load every source in turn; one source's failure does not stop the others."""
    step = progress or (lambda _msg: None)
    client = connect(info)
    account = info["client_email"]
    results = []
    # Readers see the sync's loads together, published once at its end.
    with tempfile.TemporaryDirectory(prefix="campaigns-sync-") as tmp, publishing_once():
        for source in sources:
            results.append(_sync_one(warehouse, client, account, source, Path(tmp), step))
    return results


def _sync_one(
    warehouse: Warehouse,
    client: gspread.Client,
    account: str,
    source: Source,
    folder: Path,
    step: Progress,
) -> SyncResult:
    result = SyncResult(
        source.name,
        "failed",
        source.spreadsheet,
        worksheet=source.worksheet,
        kind=source.kind,
        campaign=source.campaign,
    )
    step(f"{source.name}: reading the sheet")
    try:
        sheet = fetch(client, source, account)
    except FetchFailed as exc:
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        return _failed(result, message("sheets.read_failed", reason=reason))
    except (GSpreadException, requests.RequestException, ValueError, KeyError) as exc:
        return _failed(result, message("sheets.read_failed_type", error=type(exc).__name__))
    result.title, result.worksheet = sheet.title, sheet.worksheet
    rows = tidy(sheet.values)
    for header in rename_columns(rows, source.columns):
        result.warnings.append(
            Issue(
                None,
                header,
                None,
                message("sheets.column_not_in_sheet", header=header),
                "warning",
            )
        )
    name_blank_headers(rows, source.kind)
    path = folder / _file_name(source.name)
    path.write_bytes(to_csv(rows))
    try:
        loaded = load_file(
            warehouse,
            path,
            campaign=source.campaign,
            kind=source.kind,
            source="sheet",
            source_name=f"{source.name}: {sheet.title} / {sheet.worksheet}",
            mapping=source.mapping,
            progress=lambda s: step(f"{source.name}: {s}"),
        )
    except UsageError as exc:
        return _failed(result, message("sheets.not_loaded", reason=str(exc)))
    result.kind = loaded.kind
    result.batch_id = loaded.batch_id
    result.errors = loaded.errors
    result.errors_total = loaded.errors_total
    result.warnings += loaded.warnings
    result.rows_read = loaded.rows_read
    result.rows_rejected = loaded.rows_rejected
    if loaded.status == "already_loaded":
        result.status = "unchanged"
        result.message = message("sheets.unchanged", batch=loaded.batch_id)
    else:
        result.status = loaded.status
        result.rows_loaded = loaded.rows_loaded
        result.message = message(
            "sheets.loaded_from",
            summary={"code": SUMMARY_CODE, "params": summary_fields(loaded)},
            title=sheet.title,
            worksheet=sheet.worksheet,
        )
    return result


def _failed(result: SyncResult, message: str) -> SyncResult:
    result.status = "failed"
    result.message = message
    result.errors = [Issue(None, None, None, message)]
    result.errors_total = 1
    return result
