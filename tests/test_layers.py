"""The layers only look down: pages draw what the metrics layer returns and never query the
warehouse themselves, and the metrics layer's page look-ups do not import Streamlit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VIEWS = sorted((ROOT / "dashboard" / "views").glob("*.py"))

# SQL keywords as queries write them (upper case), so prose ("select a campaign") never matches.
SQL = re.compile(
    r"\bSELECT\b|\bFROM\b.*\bWHERE\b|\bINSERT\s+INTO\b|\bUPDATE\b.*\bSET\b|\bDELETE\s+FROM\b"
    r"|\bGROUP\s+BY\b|\bORDER\s+BY\b",
    re.DOTALL,
)
# Calls that run SQL: the metrics layer's runner, the cached reader, a connection.
RUNNERS = {"run_sql", "execute", "sql"}


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (of the module, a class, a
    function): prose, not queries."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def sql_in(source: str) -> list[str]:
    """Where ``source`` holds SQL or runs it: each string literal that reads as a query, and
    each call of a query runner (``run_sql``, ``data.read``, ``execute``), as text."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in prose and SQL.search(node.value):
                found.append(f"line {node.lineno}: {node.value.strip()[:60]!r}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            reads = name == "read" and isinstance(owner, ast.Name) and owner.id == "data"
            if name in RUNNERS or reads:
                found.append(f"line {node.lineno}: call of {name}()")
    return found


@pytest.mark.parametrize("page", VIEWS, ids=lambda p: p.name)
def test_pages_hold_no_sql(page: Path) -> None:
    assert VIEWS, "no pages found"
    assert sql_in(page.read_text(encoding="utf-8")) == []


def test_the_check_finds_queries_and_passes_prose() -> None:
    page = '''
"""Pick a campaign from the list; select the period from the sidebar."""
import streamlit as st
from dashboard import data, metrics

st.caption("Select a campaign, then choose where to start from.")
n = metrics.run_sql(wh, "SELECT count(*) AS n FROM campaigns WHERE code = $code", {})
log = data.read(wh, sql)
rows = metrics.run_sql(wh, f"SELECT {cols} FROM loads ORDER BY batch_id DESC")
part = "campaign_code FROM spend WHERE list_contains($c, campaign_code)"
'''
    found = sql_in(page)
    lines = {int(f.split(":")[0].removeprefix("line ")) for f in found}
    assert lines == {7, 8, 9, 10}, found  # the queries and their runners, not the prose
    assert sum("call of" in f for f in found) == 3, found
    assert sql_in('"""SELECT in a docstring is prose."""\nx = 1\n') == []


def test_the_metrics_layer_does_not_import_streamlit_or_pages() -> None:
    """The metrics package (measures, look-ups, posts, comments) and the Programme page's
    service module name neither Streamlit nor a page among their imports."""
    modules = [
        *sorted((ROOT / "dashboard" / "metrics").glob("*.py")),
        ROOT / "dashboard" / "programme_admin.py",
    ]
    assert len(modules) > 5
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
                imported.update(f"{node.module}.{a.name}" for a in node.names)
        assert not any(name.split(".")[0] == "streamlit" for name in imported), module
        assert not any(".views" in name for name in imported), module
