"""``docs/benchmarks.md``: the Markdown tables the benchmarks write and the marked blocks each
one rewrites there."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def replace_block(text: str, name: str, lines: Sequence[str]) -> str:
    """``text`` with the block between ``<!-- bench:name -->`` and its closing marker replaced by
    ``lines`` (markers kept), or the block appended when the markers are not there yet."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = "\n".join([start, *lines, end])
    if start in text and end in text:
        return text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    return (text.rstrip("\n") + "\n\n" if text else "# Benchmarks\n\n") + block + "\n"


def write_block(name: str, lines: Sequence[str], doc: Path = DOC) -> None:
    """Rewrite the block ``name`` of ``doc`` with ``lines`` (the document is started when it is
    not there)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    doc.write_text(replace_block(text, name, lines), encoding="utf-8")
