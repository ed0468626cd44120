"""The donor workbook and PDF in Russian and Kazakh: sheet names, headings and column titles in
the language, campaign names, thematic areas and indicators as the set-up translates them,
numbers and dates in the language's format, the same figures as the English report, and the
English report (the default) unchanged. Expected texts are read with plain SQL or written
here; the workbook is read back with openpyxl and the PDF's text with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pypdf
import pytest
from conftest import open_page, sql, write_programme
from test_programme_translations import PDP_KK, translated_sheets

from dashboard.report import Request, export, file_name, freeze
from dashboard.report.build import build
from dashboard.report.config import load_config
from etl.load import load_file
from etl.warehouse import Warehouse

START, END = dt.date(2026, 3, 1), dt.date(2026, 10, 31)
TODAY = dt.date(2026, 11, 20)
PRODUCED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
KAZAKH_LETTERS = "әғқңөұүһі"
NBSP = "\u00a0"
ROOT = Path(__file__).parents[1]

SHEETS = {
    "ru": ["Обложка", "Логическая рамка", "Кампании", "По платформам", "Охват",
           "Финансовый отчёт", "Статьи бюджета", "Расходы", "Участники", "Мероприятия",
           "Утверждение", "Описательные отчёты", "Определения"],
    "kk": ["Мұқаба", "Логикалық шеңбер", "Науқандар", "Платформалар бойынша", "Қамту",
           "Қаржылық есеп", "Бюджет баптары", "Шығыстар", "Қатысушылар", "Іс-шаралар",
           "Бекіту", "Баяндамалар", "Анықтамалар"],
}  # fmt: skip
HUMAN_RESOURCES = {"ru": "Персонал", "kk": "Адам ресурстары"}  # as the Budget page names it

pytestmark = pytest.mark.usefixtures("fresh_cache")


def exported(wh: Warehouse, lang: str | None, formats=("xlsx", "pdf"), request=None):
    kwargs = {} if lang is None else {"lang": lang}
    return export(
        wh,
        request or Request(START, END, approved_only=False),
        load_config(),
        formats=formats,
        today=TODAY,
        **kwargs,
    )


def table_rows(ws, title: str) -> tuple[list, list[list]]:
    """The header and rows of the table titled ``title`` on a sheet."""
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r and r[0] == title)
    header = [h for h in rows[top + 2] if h is not None]
    body = []
    for r in rows[top + 3 :]:
        if r is None or all(v is None for v in r[: len(header)]):
            break
        body.append(list(r[: len(header)]))
    return header, body


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Text with line breaks and no-break spaces as plain spaces (PDF cells wrap)."""
    return re.sub(r"\s+", " ", text.replace(NBSP, " "))


@pytest.fixture(scope="module")
def reports(demo_warehouse: Warehouse) -> dict[str, object]:
    return {lang: exported(demo_warehouse, lang) for lang in ("en", "ru", "kk")}


def test_english_stays_the_default_and_unchanged(demo_warehouse: Warehouse, reports) -> None:
    request = Request(START, END, approved_only=False)
    default = build(demo_warehouse, request, load_config(), today=TODAY, produced_at=PRODUCED)
    english = build(
        demo_warehouse, request, load_config(), today=TODAY, produced_at=PRODUCED, lang="en"
    )
    assert default.to_json() == english.to_json()
    plain = json.loads(default.to_json())
    assert "translations" not in plain and "lang" not in plain["meta"]  # the JSON of old
    book = openpyxl.load_workbook(io.BytesIO(reports["en"].files["xlsx"]))
    assert book.sheetnames[:3] == ["Cover", "Logframe", "Campaigns"]
    assert file_name(reports["en"].report, "xlsx") == f"report_programme_{START}_{END}.xlsx"


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_workbook_in_russian_and_kazakh(demo_warehouse: Warehouse, reports, lang) -> None:
    book = openpyxl.load_workbook(io.BytesIO(reports[lang].files["xlsx"]))
    assert book.sheetnames == SHEETS[lang]
    report = reports[lang].report
    assert file_name(report, "xlsx") == f"report_programme_{START}_{END}_{lang}.xlsx"

    # the Campaigns sheet: translated headings, names and thematic areas from the set-up
    campaigns = book[SHEETS[lang][2]]
    header, rows = table_rows(campaigns, report.tables["campaigns"].title)
    expected = {
        code: (name, area)
        for code, name, area in sql(
            demo_warehouse, f"SELECT code, name_{lang}, thematic_area_{lang} FROM campaigns"
        )
    }
    name_col = {"ru": "Название кампании", "kk": "Науқан атауы"}[lang]
    area_col = {"ru": "Тематическое направление", "kk": "Тақырыптық бағыт"}[lang]
    code_col = {"ru": "Кампания", "kk": "Науқан"}[lang]
    shown = {
        r[header.index(code_col)]: (r[header.index(name_col)], r[header.index(area_col)])
        for r in rows
    }
    assert shown == expected
    # dates as the language writes them
    start_cell = campaigns.cell(
        row=next(i for i, r in enumerate(campaigns.iter_rows(values_only=True), 1) if r[0] in
                 expected),
        column=header.index({"ru": "Начало", "kk": "Басталуы"}[lang]) + 1,
    )  # fmt: skip
    assert start_cell.number_format == "dd.mm.yyyy"

    # the campaigns' KPIs under their translated names
    logframe = book[SHEETS[lang][1]]
    header, rows = table_rows(logframe, report.tables["logframe"].title)
    code_col = header.index({"ru": "Код", "kk": "Коды"}[lang])
    indicator_col = header.index({"ru": "Показатель", "kk": "Көрсеткіш"}[lang])
    kpis = dict(
        sql(
            demo_warehouse,
            f"SELECT campaign_code || '/' || indicator_code, indicator_{lang} FROM kpi_targets",
        )
    )
    on_sheet = {r[code_col]: r[indicator_col] for r in rows if r[code_col] in kpis}
    assert on_sheet == kpis

    # budget headings of Annex III in the language
    financial = book[SHEETS[lang][5]]
    texts = {v for row in financial.iter_rows(values_only=True) for v in row if isinstance(v, str)}
    assert HUMAN_RESOURCES[lang] in texts and "Human resources" not in texts
    page_words = ROOT / "dashboard" / "locales" / "budget" / f"{lang}.toml"
    budget_page = tomllib.loads(page_words.read_text("utf-8"))
    assert budget_page["budget"]["heading"]["1"] == HUMAN_RESOURCES[lang]


def test_every_language_has_the_same_figures(reports) -> None:
    english = reports["en"].report
    for lang in ("ru", "kk"):
        assert freeze.changes(english, reports[lang].report).empty
        assert freeze.changes(reports[lang].report, english).empty


def test_the_pdf_in_kazakh_and_russian(demo_warehouse: Warehouse, reports) -> None:
    (impressions,) = sql(
        demo_warehouse,
        "SELECT sum(impressions) FROM channel_daily WHERE day BETWEEN ? AND ?",
        [START, END],
    )[0]
    whole = f"{int(impressions):,}"
    english = flat(pdf_text(reports["en"].files["pdf"]))
    assert "Report summary" in english and whole in english

    kazakh = flat(pdf_text(reports["kk"].files["pdf"]))
    for heading in ("Есептің қысқаша мазмұны", "Негізгі көрсеткіштер", "Қаржылық есеп",
                    "Бағдарлама көрсеткіштері", "Адам ресурстары"):  # fmt: skip
        assert heading in kazakh, heading
    assert whole.replace(",", " ") in kazakh and whole not in kazakh
    assert "Report summary" not in kazakh
    for (name,) in sql(demo_warehouse, "SELECT name_kk FROM campaigns WHERE code = 'FOE-02'"):
        assert name in kazakh
    assert f"{START:%d.%m.%Y} — {END:%d.%m.%Y}" in kazakh

    russian = flat(pdf_text(reports["ru"].files["pdf"]))
    assert "Краткий отчёт" in russian and "Ключевые показатели" in russian
    assert whole.replace(",", " ") in russian
    assert re.search(r"\d+,\d %", russian)  # a percentage with the decimal comma and a space
    info = pypdf.PdfReader(io.BytesIO(reports["ru"].files["pdf"])).metadata
    assert info["/Subject"] == f"Краткий отчёт, {START:%d.%m.%Y} — {END:%d.%m.%Y}"


def test_every_kazakh_letter_prints(tmp_path: Path, warehouse: Warehouse) -> None:
    """A campaign named in Kazakh with every letter Russian lacks, through the set-up
    workbook to the PDF's text."""
    wh = warehouse  # a fresh empty warehouse of this test
    loaded = load_file(wh, write_programme(tmp_path / "set-up.xlsx", translated_sheets()))
    assert loaded.status == "loaded", loaded.errors
    request = Request(
        dt.date(2026, 3, 1), dt.date(2026, 6, 30), campaigns=("PDP-01",), approved_only=False
    )
    result = exported(wh, "kk", formats=("pdf",), request=request)
    text = flat(pdf_text(result.files["pdf"]))
    for letter in KAZAKH_LETTERS + KAZAKH_LETTERS.upper():
        if letter in PDP_KK:
            assert letter in text, letter
    assert set(KAZAKH_LETTERS) <= set(PDP_KK)
    assert "һәм ішкі тәртіп" in text  # the campaign's name as the set-up wrote it

    from reportlab.pdfbase import pdfmetrics

    from dashboard.report.pdf.styles import FONT, FONT_BOLD, register_fonts

    register_fonts()
    for font in (FONT, FONT_BOLD):
        glyphs = pdfmetrics.getFont(font).face.charToGlyph
        assert all(ord(c) in glyphs for c in KAZAKH_LETTERS + KAZAKH_LETTERS.upper())


def test_cli_export_in_kazakh(tmp_path: Path, demo_warehouse: Warehouse) -> None:
    from click.testing import CliRunner

    from cli import cli

    base = ["--warehouse", str(demo_warehouse.path), "export", "--from", str(START),
            "--to", str(END), "--format", "xlsx", "-o", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(cli, [*base, "--lang", "kk"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / f"report_programme_{START}_{END}_kk.xlsx")
    assert book.sheetnames == SHEETS["kk"]
    refused = CliRunner().invoke(cli, [*base, "--lang", "de"])
    assert refused.exit_code == 2 and "--lang" in refused.output


def test_the_reports_page_produces_the_report_in_the_chosen_language(
    monkeypatch, demo_warehouse: Warehouse
) -> None:
    at = open_page(monkeypatch, demo_warehouse, "reports")
    choice = at.selectbox(key="reports_lang")
    assert choice.value == "en"  # English unless asked
    at.date_input(key="reports_from").set_value(START)
    at.date_input(key="reports_to").set_value(END)
    choice.set_value("ru").run()
    at.button(key="reports_produce").click().run()
    assert not at.exception, at.exception
    produced = at.session_state["_reports_produced"]
    (made,) = [made for _, made in produced.values()]
    assert made.report.meta.lang == "ru"
    book = openpyxl.load_workbook(io.BytesIO(made.files["xlsx"]))
    assert book.sheetnames == SHEETS["ru"]
    assert [b for b in at.get("download_button") if b.proto.id.endswith("-reports_file_xlsx")]
    # a report is submitted in English: an officer is told so, and has no submit form here
    assert not [w for w in at.text_input if w.key == "reports_submit_title"]
    assert any("submitted in English" in c.value for c in at.caption)
    at.selectbox(key="reports_lang").set_value("en").run()
    at.button(key="reports_produce").click().run()
    assert [w for w in at.text_input if w.key == "reports_submit_title"]


def test_the_data_package_stays_in_english(demo_warehouse: Warehouse) -> None:
    result = exported(demo_warehouse, "kk", formats=("xlsx", "package"))
    package = zipfile.ZipFile(io.BytesIO(result.files["package"]))
    readme = package.read("README.txt").decode("utf-8")
    assert f"Whole programme, reporting period {START} to {END}" in readme
    assert not any(letter in readme for letter in KAZAKH_LETTERS)
    descriptor = json.loads(package.read("datapackage.json"))
    assert descriptor["title"].endswith(f"Whole programme, {START} to {END}")
    # the workbook of the same export is in Kazakh
    book = openpyxl.load_workbook(io.BytesIO(result.files["xlsx"]))
    assert book.sheetnames == SHEETS["kk"]
    assert list(result.files) == ["xlsx", "package"]
