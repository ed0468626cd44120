"""Reading the demo programme's data files (``etl/demo/data``), shipped with the package."""

from __future__ import annotations

import csv
import io
import tomllib
from importlib import resources
from typing import Any

_DATA = resources.files(__package__).joinpath("data")


def read_toml(name: str) -> dict[str, Any]:
    """The TOML file ``name`` of the demo's data."""
    return tomllib.loads(_DATA.joinpath(name).read_text(encoding="utf-8"))


def read_csv(name: str) -> list[dict[str, str]]:
    """The rows of the CSV file ``name`` of the demo's data, keyed by its header."""
    text = _DATA.joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))
