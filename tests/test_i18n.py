"""Labels and formats per language: exact strings, a complete catalogue, and safe fallbacks.

Everything here is pure except the last test, which drives the language picker through AppTest
on a small script.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import string
from pathlib import Path

import pandas as pd
import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from hypothesis import given
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from dashboard import filters, i18n
from dashboard.charts import daily_by_platform
from dashboard.i18n import (
    fmt_date,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_percent,
    literal,
    localize_figure,
    plotly_separators,
    t,
)

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
NBSP = "\u00a0"


# --- formats -----------------------------------------------------------------------------------


# Values with exactly as many decimals as written: no rounding, so Babel (decimal) and the
# formatter (binary floats) must agree everywhere. (Between -1 and 0 Babel writes "-0.0"
# where the formatter writes "0.0".)
WHOLE = hs.integers(min_value=-(10**11), max_value=10**11).filter(lambda n: n >= 0 or n <= -100)


@given(n=WHOLE, decimals=hs.sampled_from([0, 1, 2]), lang=hs.sampled_from(["en", "ru", "kk"]))
def test_column_formats_write_what_babel_writes(n: int, decimals: int, lang: str) -> None:
    x = n / 10**decimals
    locale = Locale.parse({"en": "en", "ru": "ru_KZ", "kk": "kk_KZ"}[lang])
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    number = format_decimal(x, format=digits, locale=locale)
    assert i18n.number_formatter(decimals, lang=lang)(x) == number
    share = x / 100  # percent of a share with two more decimals is still exact
    pattern = locale.percent_formats[None].pattern.replace("#,##0", digits)
    assert i18n.number_formatter(decimals, kind="percent", lang=lang)(share) == format_percent(
        share, format=pattern, locale=locale
    )
    money = format_currency(
        x,
        "EUR",
        format=f"{digits} ¤" if lang != "en" else f"¤{digits}",
        locale=locale,
        currency_digits=False,
    ).replace(" ", NBSP)
    assert i18n.number_formatter(decimals, kind="money", lang=lang)(x) == money


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["1,234.5", "1,235", "1,234,567", "0", "-1,234.50", "12.0"]),
        ("ru", ["1 234,5", "1 235", "1 234 567", "0", "-1 234,50", "12,0"]),
        ("kk", ["1 234,5", "1 235", "1 234 567", "0", "-1 234,50", "12,0"]),
    ],
)
def test_numbers(lang: str, expected: list[str]) -> None:
    expected = [e.replace(" ", NBSP) for e in expected]
    got = [
        fmt_number(1234.5, 1, lang=lang),
        fmt_number(1234.6, lang=lang),
        fmt_number(1234567, lang=lang),
        fmt_number(0, lang=lang),
        fmt_number(-1234.5, 2, lang=lang),
        fmt_number(12, 1, lang=lang),
    ]
    assert got == expected


def test_russian_and_kazakh_group_with_a_no_break_space() -> None:
    assert fmt_number(1234.5, 1, lang="ru") == "1\u00a0234,5"
    assert fmt_number(1234.5, 1, lang="kk") == "1\u00a0234,5"
    assert fmt_number(1234.5, 1, lang="en") == "1,234.5"


@pytest.mark.parametrize(
    ("lang", "share", "decimals", "expected"),
    [
        ("en", 0.0431, 2, "4.31%"),
        ("ru", 0.0431, 2, "4,31\u00a0%"),
        ("kk", 0.0431, 2, "4,31%"),
        ("en", 0.5, 1, "50.0%"),
        ("ru", 12.345, 0, "1\u00a0234\u00a0%"),
    ],
)
def test_percentages(lang: str, share: float, decimals: int, expected: str) -> None:
    assert fmt_percent(share, decimals, lang=lang) == expected


@pytest.mark.parametrize(
    ("lang", "eur", "kzt"),
    [
        ("en", "€1,234", "KZT\u00a01,234,567"),
        ("ru", "1\u00a0234\u00a0€", "1\u00a0234\u00a0567\u00a0₸"),
        ("kk", "1\u00a0234\u00a0€", "1\u00a0234\u00a0567\u00a0₸"),
    ],
)
def test_money(lang: str, eur: str, kzt: str) -> None:
    assert fmt_money(1234.4, "EUR", lang=lang) == eur
    assert fmt_money(1234567, "KZT", lang=lang) == kzt


def test_money_with_cents() -> None:
    assert fmt_money(1234.5, "EUR", 2, lang="en") == "€1,234.50"
    assert fmt_money(1234.5, "EUR", 2, lang="ru") == "1\u00a0234,50\u00a0€"


@pytest.mark.parametrize(
    ("lang", "day", "month"),
    [
        ("en", "31 Dec 2024", "December 2024"),
        ("ru", "31.12.2024", "декабрь 2024\u202fг."),  # narrow no-break space, as CLDR
        ("kk", "31.12.2024", "2024\u202fж. желтоқсан"),
    ],
)
def test_dates(lang: str, day: str, month: str) -> None:
    for value in (
        dt.date(2024, 12, 31),
        dt.datetime(2024, 12, 31, 23, 59),
        pd.Timestamp("2024-12-31"),
        "2024-12-31",
    ):
        assert fmt_date(value, lang=lang) == day
    assert (
        fmt_date(dt.date(2026, 3, 5), lang=lang)
        == {
            "en": "5 Mar 2026",
            "ru": "05.03.2026",
            "kk": "05.03.2026",
        }[lang]
    )
    assert fmt_month(dt.date(2024, 12, 1), lang=lang) == month


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_missing_values_are_a_dash(missing) -> None:
    assert fmt_number(missing) == "—"
    assert fmt_percent(missing) == "—"
    assert fmt_money(missing, "EUR") == "—"
    assert fmt_date(missing) == "—"


def test_kazakh_locale_ships_with_babel() -> None:
    # Babel's CLDR data is in the wheel: no download, works offline
    kk = Locale.parse("kk_KZ")
    assert kk.language == "kk"
    assert kk.get_display_name() == "қазақ тілі (Қазақстан)"
    assert kk.plural_form(1) == "one" and kk.plural_form(5) == "other"


def test_outside_streamlit_the_language_is_english() -> None:
    assert i18n.current_language() == "en"
    assert fmt_number(1234.5, 1) == "1,234.5"
    assert t("page.portfolio") == "Portfolio"


def test_unknown_language_means_the_current_one() -> None:
    assert t("page.loads", lang="xx") == "Loads"
    assert fmt_number(1000, lang="fr") == "1,000"


# --- plotly ----------------------------------------------------------------------------------


def test_plotly_separators_per_language() -> None:
    assert plotly_separators("en") == ".,"
    assert plotly_separators("ru") == ",\u00a0"
    assert plotly_separators("kk") == ",\u00a0"
    assert i18n.d3_number(1) == ",.1f"
    assert i18n.d3_percent(2) == ",.2%"


def test_localize_figure_sets_separators_and_date_formats() -> None:
    df = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-03-01", "2026-03-02"]),
            "platform": ["instagram", "instagram"],
            "value": [1000.0, 1500.0],
        }
    )
    fig = localize_figure(daily_by_platform(df, "Показы", "PDP-01"), lang="ru")
    assert fig.layout.separators == ",\u00a0"
    assert fig.layout.xaxis.tickformat == "%d.%m\n%Y"
    assert fig.layout.xaxis.hoverformat == "%d.%m.%Y"
    assert fig.layout.yaxis.tickformat == ",.0f"  # the number axis keeps its d3 format

    fig = localize_figure(daily_by_platform(df, "Impressions", "PDP-01"), lang="en")
    assert fig.layout.separators == ".,"
    assert fig.layout.xaxis.hoverformat == "%d %b %Y"


# --- the catalogue ---------------------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    english = i18n.catalogue("en")
    assert len(english) > 50
    for lang in ("ru", "kk"):
        other = i18n.catalogue(lang)
        assert set(other) == set(english), lang
        for key, text in english.items():
            ours = other[key]
            assert isinstance(ours, dict) == isinstance(text, dict), (lang, key)
            mine = ours.values() if isinstance(ours, dict) else [ours]
            theirs = text.values() if isinstance(text, dict) else [text]
            wanted = set().union(*(_fields(x) for x in theirs))
            for form in mine:
                assert _fields(form) <= wanted | {"count"}, (lang, key, form)
                assert form.strip(), (lang, key)


def test_plural_labels_have_every_form_the_language_uses() -> None:
    for lang in i18n.LANGUAGES:
        tags = Locale.parse(i18n._BABEL_LOCALES[lang]).plural_form.tags | {"other"}
        for key, entry in i18n.catalogue(lang).items():
            if isinstance(entry, dict):
                assert tags <= set(entry), (lang, key, tags - set(entry))


def _keys_used_in_code() -> set[tuple[str, str]]:
    """(file, key) for every ``t("...")`` call and ``Note("...")`` in dashboard/ code."""
    found = set()
    for path in DASHBOARD.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if name in {"t", "Note"} and isinstance(getattr(first, "value", None), str):
                found.add((path.name, first.value))
    return found


def test_every_key_used_in_the_code_exists_in_all_three_languages() -> None:
    used = _keys_used_in_code() | {("filters.py", key) for key in filters._FILTER_LABELS.values()}
    assert len(used) > 40  # the scan does find the pages' labels
    files = {file for file, _ in used}
    assert {"app.py", "portfolio.py", "loads.py", "filters.py", "i18n.py"} <= files
    for lang in i18n.LANGUAGES:
        missing = sorted(f"{file}: {key}" for file, key in used if key not in i18n.catalogue(lang))
        assert not missing, f"missing from {lang}.toml: {missing}"


def test_translations_are_not_left_in_english() -> None:
    english = i18n.catalogue("en")
    # "Portfolio" is "Портфель" in both; file formats are named the same everywhere
    same_everywhere = {
        "app.language",
        "page.portfolio",
        "common.download_csv",
        "common.download_xlsx",
    }
    for lang in ("ru", "kk"):
        other = i18n.catalogue(lang)
        for key, text in english.items():
            if key in same_everywhere or isinstance(text, dict):
                continue
            if any(c.isalpha() for c in text.replace("EUR", "")) and text == other[key]:
                pytest.fail(f"{lang} {key} is the English text")


# --- t(): plurals, parameters and fallbacks ----------------------------------------------------


def test_labels_per_language() -> None:
    assert t("measure.impressions", lang="en") == "Impressions"
    assert t("measure.impressions", lang="ru") == "Показы"
    assert t("measure.impressions", lang="kk") == "Көрсетілімдер"
    assert t("upload.history", lang="ru", campaign="PDP-01") == "Загрузки: PDP-01"


def test_plural_forms_and_count_in_the_language() -> None:
    assert t("portfolio.unconverted", lang="en", count=1).startswith("1 spend line has ")
    assert t("portfolio.unconverted", lang="en", count=2).startswith("2 spend lines have ")
    assert t("portfolio.unconverted", lang="ru", count=1).startswith("1 строка расходов ")
    assert t("portfolio.unconverted", lang="ru", count=3).startswith("3 строки расходов ")
    assert t("portfolio.unconverted", lang="ru", count=5).startswith("5 строк расходов ")
    assert t("portfolio.unconverted", lang="ru", count=21).startswith("21 строка расходов ")
    assert t("portfolio.unconverted", lang="kk", count=1234).startswith("1\u00a0234 шығыс жолының ")


def test_a_missing_key_falls_back_to_english_and_is_logged(monkeypatch, caplog) -> None:
    russian = dict(i18n.catalogue("ru"))
    del russian["loads.col.batch"]
    real = i18n.catalogue
    monkeypatch.setattr(i18n, "catalogue", lambda lang: russian if lang == "ru" else real(lang))
    monkeypatch.setattr(i18n, "_reported", set())
    with caplog.at_level(logging.WARNING, logger="dashboard.i18n"):
        assert t("loads.col.batch", lang="ru") == "Batch"
        assert t("loads.col.file", lang="ru") == "Файл"
    assert "'loads.col.batch' missing from the ru catalogue" in caplog.text


def test_an_unknown_key_is_shown_as_itself_and_never_raises(monkeypatch, caplog) -> None:
    monkeypatch.setattr(i18n, "_reported", set())
    with caplog.at_level(logging.WARNING, logger="dashboard.i18n"):
        assert t("no.such.label", lang="kk") == "no.such.label"
        assert t("no.such.label", lang="en", value=1) == "no.such.label"
    assert "no.such.label" in caplog.text


def test_a_missing_parameter_leaves_the_text_unfilled(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="dashboard.i18n"):
        text = t("upload.history", lang="en", other="x")
    assert text == "Uploads of {campaign}"
    assert "could not be filled" in caplog.text


# --- the picker, through AppTest ---------------------------------------------------------------

PICKER_SCRIPT = """
import streamlit as st
from dashboard.i18n import fmt_date, fmt_number, language_picker, t

lang = language_picker()
st.title(t("page.portfolio"))
st.metric(t("measure.impressions"), fmt_number(1234567))
st.write(fmt_date("2026-03-05"))
"""


def test_the_picker_switches_labels_and_formats_and_keeps_the_url(tmp_path: Path) -> None:
    script = tmp_path / "picker.py"
    script.write_text(PICKER_SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.query_params["lang"] = "ru"
    at.run()

    assert not at.exception
    assert at.selectbox(key="lang").value == "ru"
    assert at.metric[0].label == "Показы"
    assert at.metric[0].value == "1\u00a0234\u00a0567"
    assert at.markdown[0].value == "05.03.2026"
    assert at.query_params["lang"] == "ru"

    at.selectbox(key="lang").set_value("kk").run()
    assert at.metric[0].label == "Көрсетілімдер"
    assert at.title[0].value == "Портфель"
    assert at.query_params["lang"] == "kk"

    at.selectbox(key="lang").set_value("en").run()
    assert at.metric[0].label == "Impressions"
    assert at.metric[0].value == "1,234,567"
    assert at.markdown[0].value == "5 Mar 2026"
    assert "lang" not in at.query_params  # English is the default: a clean URL


def test_an_unknown_language_in_the_url_opens_in_english(tmp_path: Path) -> None:
    script = tmp_path / "picker.py"
    script.write_text(PICKER_SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.query_params["lang"] = "de"
    at.run()

    assert not at.exception
    assert at.selectbox(key="lang").value == "en"
    assert at.metric[0].label == "Impressions"
    assert "lang" not in at.query_params


def test_literal_keeps_typed_text_from_becoming_markdown() -> None:
    from markdown_it import MarkdownIt

    typed = "[prize](http://example.com) ![x](http://e/x.png) **bold** :red[alarm] <b>x</b> a_b"
    html = MarkdownIt("commonmark").render(literal(typed))
    assert "<a " not in html and "<img" not in html and "<strong>" not in html
    assert "<b>" not in html
    # what the reader sees is the text as typed (the word joiners that stop link detection are
    # invisible)
    shown = html.strip().replace("\u2060", "")
    assert shown == "<p>" + typed.replace("<", "&lt;").replace(">", "&gt;") + "</p>"
