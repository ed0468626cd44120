"""The Google Sheets that ``campaigns sync`` loads, and the service account it reads them as.

Sources are described in a TOML file (``sources.toml`` in the folder the command runs from,
``--config PATH`` or ``CAMPAIGNS_SOURCES``), one ``[sources.NAME]`` table per worksheet::

    [sources.pdp-metrics]
    spreadsheet = "https://docs.google.com/spreadsheets/d/1AbC.../edit#gid=0"
    worksheet = "Daily"          # title; the first worksheet when left out
    kind = "metrics"             # detected from the header when left out
    campaign = "PDP-01"

    [sources.pdp-metrics.columns]  # sheet header = our field name
    "Показы" = "impressions"

A form's responses sheet names a form mapping instead (see ``forms``; the path is relative to the
sources file): ``mapping = "forms/pdp-seminar.toml"``.

The service account's key comes from the JSON file named by ``CAMPAIGNS_GOOGLE_CREDENTIALS``,
else from ``.streamlit/secrets.toml``: its fields under ``[gcp_service_account]``, or the path of
the key file as ``service_account_file`` under ``[google]``.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from etl import forms
from etl.kinds import FILE_KINDS

SOURCES_ENV = "CAMPAIGNS_SOURCES"
CREDENTIALS_ENV = "CAMPAIGNS_GOOGLE_CREDENTIALS"
DEFAULT_SOURCES = Path("sources.toml")
SECRETS = Path(".streamlit/secrets.toml")

SOURCE_KEYS = ("spreadsheet", "worksheet", "kind", "campaign", "columns", "mapping")
SYNC_KINDS = tuple(FILE_KINDS)
_KEY = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_URL_KEY = re.compile(r"/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
_KEY_FIELDS = ("client_email", "private_key", "token_uri")


class ConfigError(ValueError):
    """The sources file or the credentials cannot be used as they are (exit code 2)."""


@dataclass(frozen=True)
class Source:
    """One worksheet to load: where it is, what it holds, and how its headers read."""

    name: str
    spreadsheet: str  # the spreadsheet's key
    worksheet: str | None = None
    kind: str | None = None
    campaign: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    mapping: forms.Mapping | None = None  # for form responses: which question is which field


def sources_path(option: Path | None = None) -> Path:
    """The sources file: ``--config``, else ``CAMPAIGNS_SOURCES``, else ``sources.toml``."""
    if option is not None:
        return Path(option)
    return Path(os.environ.get(SOURCES_ENV) or DEFAULT_SOURCES)


def spreadsheet_key(value: str) -> str:
    """The key of a spreadsheet given as its key or as the address a browser shows.

    Raises ``ValueError`` with the reason when ``value`` is neither.
    """
    value = value.strip()
    if "://" in value or value.startswith("docs.google.com"):
        url = urlparse(value if "://" in value else "https://" + value)
        found = _URL_KEY.search(url.path)
        if url.hostname != "docs.google.com" or not found:
            raise ValueError(
                f"'{value}' is not the address of a Google spreadsheet; copy it from the "
                "browser while the sheet is open (https://docs.google.com/spreadsheets/d/KEY/...)"
            )
        return found.group(1)
    if not _KEY.match(value):
        raise ValueError(
            f"'{value}' is neither a spreadsheet key nor its address; give the part of the "
            "address between /d/ and /edit, or the whole address"
        )
    return value


def load_sources(path: Path) -> list[Source]:
    """Read and check the sources file; every problem names the file, the source and the key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"no sources file at {path}: copy sources.example.toml to sources.toml and describe "
            "your sheets in it (see docs/sources.md), or give --config PATH"
        )
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    for key in data:
        if key != "sources":
            raise ConfigError(
                f"{path}: unknown key '{key}' at the top level; describe each sheet in a "
                "[sources.NAME] table"
            )
    tables = data.get("sources")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{path} describes no sources; add a [sources.NAME] table per sheet")
    return [_source(path, name, table) for name, table in tables.items()]


def _source(path: Path, name: str, table: object) -> Source:
    where = f"{path}: source '{name}'"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table: write it as [sources.{name}]")
    for key in table:
        if key not in SOURCE_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}'; use {', '.join(SOURCE_KEYS)}")
    text = {}
    for key in ("spreadsheet", "worksheet", "kind", "campaign"):
        value = table.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{where}: {key} must be a non-empty text in quotes")
        text[key] = value.strip() if isinstance(value, str) else None
    if text["spreadsheet"] is None:
        raise ConfigError(f"{where}: spreadsheet is missing; give the spreadsheet's address or key")
    try:
        key = spreadsheet_key(text["spreadsheet"])
    except ValueError as exc:
        raise ConfigError(f"{where}: spreadsheet {exc}") from None
    kind = text["kind"]
    if kind is not None and kind not in SYNC_KINDS:
        raise ConfigError(
            f"{where}: kind '{kind}' is not one a sheet can hold; use one of "
            f"{', '.join(SYNC_KINDS)}, or leave it out to detect it from the header"
        )
    if kind is not None and FILE_KINDS[kind].needs_campaign and text["campaign"] is None:
        raise ConfigError(f"{where}: campaign is missing; {kind} figures belong to a campaign")
    columns = table.get("columns", {})
    if not isinstance(columns, dict):
        raise ConfigError(
            f'{where}: columns must be a table of "header in the sheet" = "field" lines, '
            f"written as [sources.{name}.columns]"
        )
    fields = (
        [f.name for f in FILE_KINDS[kind].fields]
        if kind
        else sorted({f.name for k in FILE_KINDS.values() for f in k.fields})
    )
    for header, target in columns.items():
        if not header.strip():
            raise ConfigError(f"{where}: columns has an empty header name")
        if not isinstance(target, str) or target not in fields:
            what = f"a {kind} field" if kind else "a field of any kind"
            raise ConfigError(
                f"{where}: columns maps '{header}' to {target!r}, which is not {what}; "
                f"use one of {', '.join(fields)}"
            )
    mapping = None
    if "mapping" in table:
        value = table["mapping"]
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: mapping must be the path of a form mapping file")
        if kind not in (None, "feedback"):
            raise ConfigError(f'{where}: a mapping is for form responses; use kind = "feedback"')
        try:
            mapping = forms.load_mapping(path.parent / value.strip())
        except forms.MappingError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return Source(
        name=name,
        spreadsheet=key,
        worksheet=text["worksheet"],
        kind=kind,
        campaign=text["campaign"],
        columns=dict(columns),
        mapping=mapping,
    )


def service_account_info(secrets: Path = SECRETS) -> dict:
    """The service account's key, as the fields of its JSON file.

    Messages name where the key was looked for, never what it holds.
    """
    env = os.environ.get(CREDENTIALS_ENV)
    if env:
        return _key_file(Path(env), f"{CREDENTIALS_ENV} names {env}, which")
    if secrets.is_file():
        try:
            with secrets.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{secrets} is not valid TOML: {exc}") from None
        inline = data.get("gcp_service_account")
        if isinstance(inline, dict):
            return _checked(dict(inline), f"[gcp_service_account] in {secrets}")
        google = data.get("google")
        if isinstance(google, dict) and google.get("service_account_file"):
            file = str(google["service_account_file"])
            return _key_file(Path(file), f"service_account_file in {secrets} names {file}, which")
    raise ConfigError(
        f"no Google service account: set {CREDENTIALS_ENV} to the path of its JSON key file, "
        f"or put the key's fields under [gcp_service_account] in {secrets} (see docs/sources.md)"
    )


def _key_file(path: Path, where: str) -> dict:
    if not path.is_file():
        raise ConfigError(f"{where} does not exist")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(
            f"{where} is not a JSON key file; download the key again as JSON (see docs/sources.md)"
        ) from None
    if not isinstance(info, dict):
        raise ConfigError(f"{where} is not a service account's JSON key")
    return _checked(info, str(path))


def _checked(info: dict, where: str) -> dict:
    kind = info.get("type", "service_account")
    if kind != "service_account":
        raise ConfigError(
            f"{where} holds a key of type '{kind}'; sync needs a service account's key "
            "(see docs/sources.md)"
        )
    missing = [k for k in _KEY_FIELDS if not isinstance(info.get(k), str) or not info.get(k)]
    if missing:
        raise ConfigError(
            f"{where} is not a complete service account key: {', '.join(missing)} missing"
        )
    return info
