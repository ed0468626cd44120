"""Blank upload templates and the field tables of the format reference.

This module owns what we hand to grantees so their files load first time: the header-only CSV
and XLSX templates for every loadable kind and language, the programme set-up workbook, and the
field tables in ``docs/formats.md``. It invents nothing: headers come from ``template_header``
(``kinds.py`` and ``headers.toml``), descriptions from ``Field.help`` with the Russian and Kazakh
translations in ``template_help.toml``.

Output is deterministic (fixed document properties and creation date), so the committed files in
``data/templates/`` can be checked byte for byte against a fresh run.

Run ``python -m etl.templates`` to rewrite ``data/templates/`` and the tables in
``docs/formats.md``.
"""

from __future__ import annotations

import csv
import re
import tomllib
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from etl.kinds import (
    FILE_KINDS,
    LANGUAGES,
    PROGRAMME_SHEETS,
    Field,
    Kind,
    header_words,
    template_header,
)

TEMPLATE_KINDS = ("metrics", "spend", "feedback", "participants", "fx")
PROGRAMME_ORDER = ("organisations", "campaigns", "budget_lines", "kpi_targets", "channels")

# Fixed so that re-running gives identical bytes.
CREATED = datetime(2025, 1, 1, 0, 0, 0)
AUTHOR = "Media-freedom programme"

# Field types whose cells are formatted as text in the XLSX templates, so Excel keeps what is
# typed: dates stay as written instead of being re-read in the local date order, and codes keep
# leading zeros, long post ids and line codes such as 5.10.
TEXT_TYPES = {"date", "datetime", "month", "code"}

# Minimum column width (in characters) by field type.
TYPE_WIDTH = {
    "date": 12,
    "datetime": 18,
    "month": 10,
    "text": 24,
    "list": 24,
    "code": 14,
    "amount": 14,
    "number": 12,
}

# Plain words for the field types, used in docs/formats.md.
TYPE_LABELS = {
    "date": "date",
    "datetime": "date and time",
    "month": "month",
    "count": "whole number",
    "amount": "amount",
    "number": "number",
    "text": "text",
    "code": "code",
    "platform": "platform",
    "currency": "currency code",
    "sex": "sex",
    "age_group": "age group",
    "rating": "rating 1-5",
    "yes_no": "yes / no",
    "bool": "yes / no",
    "list": "list",
    "heading": "budget heading",
    "direction": "direction",
    "unit": "unit",
    "status": "status",
}

REPO_ROOT = Path(__file__).resolve().parent.parent


@cache
def help_texts() -> dict[str, Any]:
    """The parsed ``template_help.toml``."""
    with resources.files("etl").joinpath("template_help.toml").open("rb") as fh:
        return tomllib.load(fh)


def spec(kind: str) -> Kind:
    """The kind or programme sheet called ``kind``."""
    return FILE_KINDS.get(kind) or PROGRAMME_SHEETS[kind]


def label(key: str, lang: str) -> str:
    """A word of the template workbooks (help-sheet name, column titles, yes/no)."""
    return help_texts()["labels"][key][lang]


def field_help(kind: str, field: Field, lang: str) -> str:
    """The description of ``field`` in ``lang``; English is ``Field.help``."""
    if lang == "en":
        return field.help
    return help_texts()[kind][field.name][lang]


def template_fields(kind: str) -> list[Field]:
    """The fields that have a column in the template of ``kind``, in template order."""
    words = header_words()[kind]
    header = template_header(kind, "en")
    by_word = {words[f.name]["en"][0]: f for f in spec(kind).fields}
    return [by_word[word] for word in header]


def data_sheet_name(kind: str, lang: str) -> str:
    """Name of the data sheet: the kind for files, the first sheet word for programme tables."""
    if kind in PROGRAMME_SHEETS:
        return header_words()["sheets"][kind][lang][0]
    return help_texts()["sheet_names"][kind][lang]


# --- CSV ---------------------------------------------------------------------------------------


def write_csv(path: Path, kind: str, lang: str) -> None:
    """A header-only CSV: UTF-8 with BOM (so Excel shows Cyrillic), comma, CRLF."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerow(template_header(kind, lang))


# --- XLSX --------------------------------------------------------------------------------------


def _new_workbook(path: Path, title: str) -> Workbook:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    workbook.set_properties(
        {
            "title": title,
            "subject": "Upload template",
            "author": AUTHOR,
            "company": AUTHOR,
            "comments": "Fill in the first sheet; the help sheet describes each column.",
            "created": CREATED,
        }
    )
    return workbook


def _write_data_sheet(workbook: Workbook, kind: str, lang: str) -> Worksheet:
    """One sheet holding only the header row of ``kind`` in ``lang``."""
    sheet = workbook.add_worksheet(data_sheet_name(kind, lang))
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    header = template_header(kind, lang)
    for col, (word, field) in enumerate(zip(header, template_fields(kind), strict=True)):
        width = max(len(word) + 3, TYPE_WIDTH.get(field.type, 11))
        sheet.set_column(col, col, width, text if field.type in TEXT_TYPES else None)
        sheet.write_string(0, col, word, bold)
    sheet.freeze_panes(1, 0)
    return sheet


def _write_help_sheet(workbook: Workbook, kinds: list[str], lang: str) -> Worksheet:
    """The help sheet: per template column its header, whether required, and its description.

    With more than one kind (the programme workbook) a first column names the sheet.
    """
    sheet = workbook.add_worksheet(label("help_sheet", lang))
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    top = workbook.add_format({"valign": "top"})
    with_sheet = len(kinds) > 1
    titles = [label("column", lang), label("required", lang), label("description", lang)]
    if with_sheet:
        titles.insert(0, label("sheet", lang))
    rows: list[list[str]] = []
    for kind in kinds:
        for word, field in zip(template_header(kind, lang), template_fields(kind), strict=True):
            required = label("yes" if field.required else "no", lang)
            row = [word, required, field_help(kind, field, lang)]
            if with_sheet:
                row.insert(0, data_sheet_name(kind, lang))
            rows.append(row)
    for col, title in enumerate(titles):
        sheet.write_string(0, col, title, bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write_string(r, col, value, wrap if col == len(row) - 1 else top)
    for col in range(len(titles) - 1):
        width = max(len(titles[col]), *(len(row[col]) for row in rows)) + 2
        sheet.set_column(col, col, min(width, 40))
    sheet.set_column(len(titles) - 1, len(titles) - 1, 70)
    sheet.freeze_panes(1, 0)
    return sheet


def write_xlsx(path: Path, kind: str, lang: str) -> None:
    """A template workbook: the data sheet first (the loader reads it), then the help sheet."""
    workbook = _new_workbook(path, f"{kind} upload template ({lang})")
    _write_data_sheet(workbook, kind, lang)
    _write_help_sheet(workbook, [kind], lang)
    workbook.close()


def write_programme_xlsx(path: Path, lang: str) -> None:
    """The programme set-up workbook: one sheet per table, then one help sheet for all."""
    workbook = _new_workbook(path, f"programme set-up workbook ({lang})")
    for kind in PROGRAMME_ORDER:
        _write_data_sheet(workbook, kind, lang)
    _write_help_sheet(workbook, list(PROGRAMME_ORDER), lang)
    workbook.close()


def write_templates(out_dir: Path) -> list[Path]:
    """Write every blank template into ``out_dir``; return the paths written, in order.

    ``{kind}.{lang}.csv`` and ``{kind}.{lang}.xlsx`` for each loadable kind and language, and
    ``programme.{lang}.xlsx`` for each language.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in TEMPLATE_KINDS:
        for lang in LANGUAGES:
            csv_path = out_dir / f"{kind}.{lang}.csv"
            write_csv(csv_path, kind, lang)
            xlsx_path = out_dir / f"{kind}.{lang}.xlsx"
            write_xlsx(xlsx_path, kind, lang)
            written += [csv_path, xlsx_path]
    for lang in LANGUAGES:
        path = out_dir / f"programme.{lang}.xlsx"
        write_programme_xlsx(path, lang)
        written.append(path)
    return written


# --- docs/formats.md ---------------------------------------------------------------------------

DOC_KINDS = (*TEMPLATE_KINDS, *PROGRAMME_ORDER)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _words(kind: str, field: str, lang: str) -> str:
    return ", ".join(f"`{_cell(w)}`" for w in header_words()[kind][field][lang])


def fields_table(kind: str) -> str:
    """The markdown table of the fields of ``kind`` (a loadable kind or a programme sheet)."""
    lines = [
        "| field | English header | Russian header | Kazakh header | type | required"
        " | description |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in spec(kind).fields:
        cells = [
            f"`{f.name}`",
            _words(kind, f.name, "en"),
            _words(kind, f.name, "ru"),
            _words(kind, f.name, "kk"),
            TYPE_LABELS.get(f.type, f.type),
            "yes" if f.required else "no",
            _cell(f.help),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sheets_table() -> str:
    """The markdown table of the programme workbook's sheet names, per language."""
    lines = [
        "| table | English sheet name | Russian sheet name | Kazakh sheet name |",
        "|---|---|---|---|",
    ]
    for kind in PROGRAMME_ORDER:
        names = header_words()["sheets"][kind]
        cells = [
            f"`{kind}`",
            *(", ".join(f"`{_cell(w)}`" for w in names[lang]) for lang in LANGUAGES),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def doc_tables() -> dict[str, str]:
    """Every generated table of docs/formats.md, by marker name (``fields:KIND`` or ``sheets:``)."""
    tables = {f"fields:{kind}": fields_table(kind) for kind in DOC_KINDS}
    tables["sheets:programme"] = sheets_table()
    return tables


def _block(marker: str, table: str) -> str:
    return f"<!-- {marker} -->\n{table}\n<!-- /{marker} -->"


def formats_markdown() -> str:
    """All generated tables of docs/formats.md, each between its marker comments."""
    return "\n\n".join(_block(marker, table) for marker, table in doc_tables().items())


_BLOCK = re.compile(r"<!-- ((?:fields|sheets):\w+) -->\n(.*?)\n?<!-- /\1 -->", re.S)


def doc_blocks(text: str) -> dict[str, str]:
    """The tables found between marker comments in ``text``, by marker name."""
    return {m.group(1): m.group(2) for m in _BLOCK.finditer(text)}


def update_formats_doc(path: Path) -> bool:
    """Rewrite the tables between the markers in ``path``; return True if the file changed."""
    text = path.read_text(encoding="utf-8")
    tables = doc_tables()

    def replace(m: re.Match[str]) -> str:
        marker = m.group(1)
        return _block(marker, tables[marker]) if marker in tables else m.group(0)

    new = _BLOCK.sub(replace, text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    for written_path in write_templates(REPO_ROOT / "data" / "templates"):
        print(written_path.relative_to(REPO_ROOT))
    doc = REPO_ROOT / "docs" / "formats.md"
    if doc.exists() and update_formats_doc(doc):
        print(doc.relative_to(REPO_ROOT), "tables updated")
