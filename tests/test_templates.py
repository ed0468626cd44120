"""The blank upload templates and the field tables of docs/formats.md follow kinds.py."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from etl.kinds import FILE_KINDS, LANGUAGES, PROGRAMME_SHEETS, header_words, template_header
from etl.templates import (
    PROGRAMME_ORDER,
    TEMPLATE_KINDS,
    doc_blocks,
    doc_tables,
    help_texts,
    write_templates,
)

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "data" / "templates"
FORMATS_DOC = REPO / "docs" / "formats.md"
HELP_SHEET = {"en": "help", "ru": "справка", "kk": "анықтама"}


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    write_templates(out)
    return out


def _first_row(ws) -> list[str]:
    return [cell.value for cell in next(ws.iter_rows(min_row=1, max_row=1))]


def test_template_kinds_are_the_loadable_kinds() -> None:
    assert set(TEMPLATE_KINDS) == set(FILE_KINDS)
    assert set(PROGRAMME_ORDER) == set(PROGRAMME_SHEETS)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_csv_header(templates: Path, kind: str, lang: str) -> None:
    path = templates / f"{kind}.{lang}.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n") and raw.count(b"\n") == 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [template_header(kind, lang)]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_xlsx_header(templates: Path, kind: str, lang: str) -> None:
    wb = openpyxl.load_workbook(templates / f"{kind}.{lang}.xlsx")
    assert len(wb.sheetnames) == 2
    data, help_sheet = wb.worksheets
    assert len(data.title) <= 31
    assert data.max_row == 1
    assert _first_row(data) == template_header(kind, lang)
    assert data.freeze_panes == "A2"
    assert help_sheet.title == HELP_SHEET[lang]
    listed = [row[0] for row in help_sheet.iter_rows(min_row=2, values_only=True)]
    assert listed == template_header(kind, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_programme_workbook(templates: Path, lang: str) -> None:
    wb = openpyxl.load_workbook(templates / f"programme.{lang}.xlsx")
    sheets = header_words()["sheets"]
    expected = [sheets[name][lang][0] for name in PROGRAMME_ORDER]
    assert wb.sheetnames == [*expected, HELP_SHEET[lang]]
    for name, ws in zip(PROGRAMME_ORDER, wb.worksheets, strict=False):
        assert ws.max_row == 1
        assert _first_row(ws) == template_header(name, lang)
    help_rows = list(wb.worksheets[-1].iter_rows(min_row=2, values_only=True))
    listed = [(row[0], row[1]) for row in help_rows]
    assert listed == [
        (sheets[name][lang][0], word)
        for name in PROGRAMME_ORDER
        for word in template_header(name, lang)
    ]


def test_english_metrics_csv_header(templates: Path) -> None:
    text = (templates / "metrics.en.csv").read_bytes().decode("utf-8-sig")
    assert text == (
        "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves,"
        "clicks,followers\r\n"
    )


def test_output_is_deterministic(templates: Path, tmp_path: Path) -> None:
    again = write_templates(tmp_path)
    for path in again:
        assert path.read_bytes() == (templates / path.name).read_bytes(), path.name


def test_committed_templates_match_kinds(templates: Path) -> None:
    fresh = {p.name: p.read_bytes() for p in templates.iterdir()}
    committed = {
        p.name: p.read_bytes() for p in COMMITTED.iterdir() if p.suffix in {".csv", ".xlsx"}
    }
    assert sorted(committed) == sorted(fresh), "run: python -m etl.templates"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"templates out of date, run: python -m etl.templates ({stale})"


def test_every_field_has_ru_and_kk_help() -> None:
    texts = help_texts()
    for name, kind in {**FILE_KINDS, **PROGRAMME_SHEETS}.items():
        assert kind.fields
        for field in kind.fields:
            assert field.help, (name, field.name)
            entry = texts.get(name, {}).get(field.name, {})
            for lang in ("ru", "kk"):
                assert entry.get(lang, "").strip(), (name, field.name, lang)
        assert set(texts[name]) == {f.name for f in kind.fields}, name


def test_formats_doc_tables_are_generated() -> None:
    blocks = doc_blocks(FORMATS_DOC.read_text(encoding="utf-8"))
    expected = doc_tables()
    assert sorted(blocks) == sorted(expected)
    for marker, table in expected.items():
        assert blocks[marker] == table, f"{marker} is stale, run: python -m etl.templates"
