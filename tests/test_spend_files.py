"""Spend files as grantees' accountants send them: 1C exports and sheets typed in a Russian or
Kazakh Excel, loaded through `campaigns load` into a real warehouse.

The programme in conftest gives PDP-01 the budget lines 1.1 Project coordinator, 5.1 Video
production and 5.2 Promoted posts, and KZT rates of 600 + month + 0.5 per EUR in 2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write

from etl.spend import REFERENCE_HEADER

MARCH = 603.5  # KZT per EUR in March 2026 (conftest FX)
APRIL = 604.5

SPEND_ROWS = (
    "SELECT spend_date, budget_line, amount, currency, description, reference, amount_eur "
    "FROM spend ORDER BY spend_date, reference"
)


def load(invoke, path: Path, *extra: str) -> dict:
    code, out, summary = invoke("load", str(path), "--campaign", "PDP-01", "--json", *extra)
    assert summary is not None, out
    assert code == (0 if summary["status"] in ("loaded", "already_loaded") else 1), out
    return summary


def current_spend(query) -> list[tuple]:
    """The warehouse's current spend rows, without the batch that wrote them."""
    return query(
        "SELECT spend_date, budget_line, amount, currency, description, reference FROM spend "
        "ORDER BY reference"
    )


def spend_count(query) -> int:
    return query("SELECT count(*) FROM core.spend")[0][0]


# --- amounts with currency marks and local separators -------------------------------------------


def test_amounts_with_marks_and_local_separators_are_read_and_give_the_currency(
    invoke, query, tmp_path
):
    text = (
        "Дата документа;№ документа;Статья расходов;Содержание операции;Сумма\r\n"
        "15.03.2026;ПП-101;1.1;Заработная плата за март;739 433,35 тг\r\n"
        "16.03.2026;ПП-102;5.1;Монтаж ролика;₸ 12 500\r\n"
        "17.03.2026;ПП-103;5.1;Монтаж ролика;12 500 KZT\r\n"
        "18.03.2026;ПП-104;5.2;Продвижение;12 500,00 ₸\r\n"
        "19.03.2026;ПП-105;5.2;Продвижение;KZT 12,500.00\r\n"
        "20.03.2026;ПП-106;5.2;Продвижение;1\u00a0250\u00a0000,50 тг\r\n"
        "21.03.2026;ПП-107;5.2;Продвижение;48\u202f000 ₸\r\n"
    )
    summary = load(invoke, write(tmp_path / "1c.csv", text))
    assert summary["status"] == "loaded", summary["errors"]
    assert (summary["rows_read"], summary["rows_loaded"]) == (7, 7)
    assert summary["detected"]["columns"]["currency"] == "Сумма"
    (note,) = [w for w in summary["warnings"] if w["column"] == "currency"]
    assert note["row"] is None and "KZT" in note["message"] and "'Сумма'" in note["message"]
    amounts = [
        ("ПП-101", "739433.35"),
        ("ПП-102", "12500.00"),
        ("ПП-103", "12500.00"),
        ("ПП-104", "12500.00"),
        ("ПП-105", "12500.00"),
        ("ПП-106", "1250000.50"),
        ("ПП-107", "48000.00"),
    ]
    assert query("SELECT reference, amount, currency, amount_eur FROM spend ORDER BY 1") == [
        (ref, Decimal(a), "KZT", round(float(a) / MARCH, 2)) for ref, a in amounts
    ]


def test_euro_amounts_with_point_thousands_and_comma_decimals(invoke, query, tmp_path):
    text = (
        "date,reference,budget line,description,amount,currency\n"
        '2026-03-15,INV-1,5.1,Editing,"1.234,56 €",EUR\n'
        '2026-03-16,INV-2,5.1,Editing,"€ 2.000",EUR\n'
        '2026-03-17,INV-3,5.1,Editing,"2.500,00",EUR\n'
    )
    summary = load(invoke, write(tmp_path / "eur.csv", text))
    assert summary["status"] == "loaded", summary["errors"]
    # "2.000" alone could be two or two thousand: the file writes decimals with a comma.
    assert summary["detected"]["decimal_mark"] == "comma"
    assert query("SELECT reference, amount, currency, amount_eur FROM spend ORDER BY 1") == [
        ("INV-1", Decimal("1234.56"), "EUR", 1234.56),
        ("INV-2", Decimal("2000.00"), "EUR", 2000.0),
        ("INV-3", Decimal("2500.00"), "EUR", 2500.0),
    ]


@pytest.mark.parametrize(
    ("header", "currency"),
    [("Сумма, тг", "KZT"), ("Сумма (KZT)", "KZT"), ("Amount, EUR", "EUR"), ("Сома, теңге", "KZT")],
)
def test_currency_named_in_the_amount_header(invoke, query, tmp_path, header, currency):
    text = (
        f"Дата;Номер документа;Статья бюджета;Назначение платежа;{header}\n"
        "15.03.2026;СФ-1;5.2;Продвижение;250 000\n"
    )
    summary = load(invoke, write(tmp_path / "header.csv", text))
    assert summary["status"] == "loaded", summary["errors"]
    rate = 1.0 if currency == "EUR" else MARCH
    assert query("SELECT amount, currency, amount_eur FROM spend") == [
        (Decimal("250000.00"), currency, round(250000 / rate, 2))
    ]


def test_refunds_in_brackets_or_with_a_minus_are_negative_and_net_off(invoke, query, tmp_path):
    text = (
        "Дата;Номер документа;Статья бюджета;Назначение платежа;Сумма;Валюта\n"
        "15.03.2026;СФ-1;5.2;Продвижение;120 000,00 ₸;KZT\n"
        "20.03.2026;ВЗ-1;5.2;Возврат за отменённую рекламу;(20 000,00 ₸);KZT\n"
        "25.03.2026;ВЗ-2;5.2;Сторно;-5 000;KZT\n"
        "02.04.2026;ВЗ-3;5.2;Возврат;\u22121 500 тг;KZT\n"
    )
    summary = load(invoke, write(tmp_path / "refunds.csv", text))
    assert summary["status"] == "loaded", summary["errors"]
    refunds = [w for w in summary["warnings"] if "refund" in w["message"]]
    assert [(w["row"], w["column"]) for w in refunds] == [(3, "Сумма"), (4, "Сумма"), (5, "Сумма")]
    assert "line 5.2" in refunds[0]["message"]
    assert query("SELECT reference, amount, amount_eur FROM spend ORDER BY spend_date") == [
        ("СФ-1", Decimal("120000.00"), round(120000 / MARCH, 2)),
        ("ВЗ-1", Decimal("-20000.00"), round(-20000 / MARCH, 2)),
        ("ВЗ-2", Decimal("-5000.00"), round(-5000 / MARCH, 2)),
        ("ВЗ-3", Decimal("-1500.00"), round(-1500 / APRIL, 2)),
    ]
    assert query("SELECT sum(amount) FROM spend WHERE budget_line = '5.2'") == [
        (Decimal("93500.00"),)
    ]


def test_a_row_marked_in_another_currency_is_an_error_naming_it(invoke, query, tmp_path):
    before = spend_count(query)
    text = (
        "Дата;Номер документа;Статья бюджета;Назначение платежа;Сумма\n"
        "15.03.2026;СФ-1;5.2;Продвижение;12 500 ₸\n"
        "16.03.2026;СФ-2;5.2;Продвижение;12 500 ₸\n"
        "17.03.2026;СФ-3;5.1;Монтаж;1 000 €\n"
    )
    summary = load(invoke, write(tmp_path / "mixed.csv", text))
    assert summary["status"] == "rejected"
    (error,) = summary["errors"]
    assert (error["row"], error["column"], error["value"]) == (4, "Сумма", "1 000 €")
    assert "EUR" in error["message"] and "KZT" in error["message"]
    assert "currency" in error["message"]
    assert spend_count(query) == before


def test_a_currency_column_disagreeing_with_the_mark_names_both(invoke, query, tmp_path):
    before = spend_count(query)
    text = (
        "Дата;Номер документа;Статья бюджета;Назначение платежа;Сумма;Валюта\n"
        "15.03.2026;СФ-1;5.2;Продвижение;12 500 ₸;KZT\n"
        "16.03.2026;СФ-2;5.2;Продвижение;12 500 ₸;EUR\n"
    )
    summary = load(invoke, write(tmp_path / "disagree.csv", text))
    assert summary["status"] == "rejected"
    (error,) = summary["errors"]
    assert (error["row"], error["column"], error["value"]) == (3, "Валюта", "EUR")
    message = error["message"]
    assert "EUR" in message and "KZT" in message and "'Сумма'" in message and "12 500 ₸" in message
    assert spend_count(query) == before


def test_no_currency_column_and_no_marks_says_how_to_fix(invoke, query, tmp_path):
    before = spend_count(query)
    text = (
        "Дата;Номер документа;Статья бюджета;Назначение платежа;Сумма\n"
        "15.03.2026;СФ-1;5.2;Продвижение;12 500\n"
    )
    summary = load(invoke, write(tmp_path / "bare.csv", text))
    assert summary["status"] == "rejected"
    (error,) = summary["errors"]
    assert error["column"] == "currency" and error["row"] is None
    assert "'currency' is missing" in error["message"]
    assert "'валюта'" in error["message"] and "12 500 ₸" in error["message"]
    assert spend_count(query) == before


def test_an_unreadable_amount_keeps_its_value_in_the_error(invoke, query, tmp_path):
    text = (
        "Дата;Номер документа;Статья бюджета;Назначение платежа;Сумма;Валюта\n"
        "15.03.2026;СФ-1;5.2;Продвижение;12,5,0 ₸;KZT\n"
    )
    summary = load(invoke, write(tmp_path / "typo.csv", text))
    assert summary["status"] == "rejected"
    (error,) = summary["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "Сумма", "12,5,0 ₸")
    assert "expected an amount" in error["message"] and "write" in error["message"]


def test_a_1c_export_with_a_title_and_a_total_row(invoke, query, tmp_path):
    text = (
        "Карточка счета 7210 за март 2026 г.;;;;\r\n"
        "Дата документа;№ документа;Статья расходов;Содержание операции;Сумма, тг\r\n"
        "15.03.2026 0:00:00;ПП-101;1.1 Заработная плата;Зарплата за март;739 433,35\r\n"
        "16.03.2026 0:00:00;ПП-102;5.1 Видеопроизводство;Монтаж ролика;48 000,00\r\n"
        ";;;Итого;787 433,35\r\n"
    )
    summary = load(invoke, write(tmp_path / "card.csv", text, "cp1251"))
    assert summary["status"] == "loaded", summary["errors"]
    assert (summary["rows_read"], summary["rows_loaded"]) == (2, 2)
    (total,) = [w for w in summary["warnings"] if w["row"] == 5]
    assert "not loaded" in total["message"]
    assert query("SELECT reference, budget_line, amount, currency FROM spend ORDER BY 1") == [
        ("ПП-101", "1.1", Decimal("739433.35"), "KZT"),
        ("ПП-102", "5.1", Decimal("48000.00"), "KZT"),
    ]


# --- budget lines written with their description -------------------------------------------------


def test_budget_lines_written_with_their_description(invoke, query, tmp_path):
    text = (
        "Дата;Номер документа;Статья расходов;Назначение платежа;Сумма;Валюта\n"
        "15.03.2026;Д-1;1.1 Заработная плата;Зарплата;100;KZT\n"
        "15.03.2026;Д-2;1.1. Salaries;Salary;200;KZT\n"
        "15.03.2026;Д-3;5.2 — Печать материалов;Печать;300;KZT\n"
        "15.03.2026;Д-4;Статья 1.1;Зарплата;400;KZT\n"
        "15.03.2026;Д-5;п. 1.1;Зарплата;500;KZT\n"
        "15.03.2026;Д-6;  video   PRODUCTION ;Монтаж;600;KZT\n"
    )
    summary = load(invoke, write(tmp_path / "lines.csv", text))
    assert summary["status"] == "loaded", summary["errors"]
    assert query("SELECT reference, budget_line, heading FROM spend ORDER BY reference") == [
        ("Д-1", "1.1", 1),
        ("Д-2", "1.1", 1),
        ("Д-3", "5.2", 5),
        ("Д-4", "1.1", 1),
        ("Д-5", "1.1", 1),
        ("Д-6", "5.1", 5),
    ]
    (guess,) = [w for w in summary["warnings"] if w["column"] == "Статья расходов"]
    assert (guess["row"], guess["value"]) == (7, "  video   PRODUCTION ")
    assert "description" in guess["message"] and "5.1" in guess["message"]


def test_unknown_or_contradictory_budget_lines_are_errors(invoke, query, tmp_path):
    before = spend_count(query)
    text = (
        "Дата;Номер документа;Статья расходов;Назначение платежа;Сумма;Валюта\n"
        "15.03.2026;Д-1;7.7 Прочие расходы;Прочее;100;KZT\n"
        "15.03.2026;Д-2;5.2 Video production;Монтаж;200;KZT\n"
    )
    summary = load(invoke, write(tmp_path / "lines.csv", text))
    assert summary["status"] == "rejected"
    unknown, contradictory = summary["errors"]
    assert (unknown["row"], unknown["column"]) == (2, "Статья расходов")
    assert unknown["value"] == "7.7 Прочие расходы"
    assert "use one of: 1.1, 5.1, 5.2" in unknown["message"]
    assert (contradictory["row"], contradictory["value"]) == (3, "5.2 Video production")
    assert "5.2" in contradictory["message"] and "5.1" in contradictory["message"]
    assert spend_count(query) == before


# --- files without a reference column -----------------------------------------------------------

NO_REFERENCES = [
    ("15.03.2026", "1.1 Заработная плата", "Заработная плата за март", "739 433,35 тг"),
    ("16.03.2026", "5.1", "Монтаж ролика", "48 000 ₸"),
    ("16.03.2026", "5.1", "Монтаж ролика", "48 000 ₸"),  # two equal costs, both kept
    ("02.04.2026", "5.2", "Продвижение в Instagram", "12 500,50 ₸"),
]
EXPECTED = {  # (date, line, amount, description), independently of the file's writing
    (dt.date(2026, 3, 15), "1.1", Decimal("739433.35"), "Заработная плата за март"),
    (dt.date(2026, 3, 16), "5.1", Decimal("48000.00"), "Монтаж ролика"),
    (dt.date(2026, 4, 2), "5.2", Decimal("12500.50"), "Продвижение в Instagram"),
}


def no_reference_file(
    path: Path, rows, *, delimiter=";", encoding="utf-8", iso=False, amount="Сумма"
) -> Path:
    lines = [delimiter.join(["Дата документа", "Статья бюджета", "Содержание операции", amount])]
    for date, line, description, written in rows:
        if iso:
            day, month, year = date.split(".")
            date = f"{year}-{month}-{day}"
        cells = [date, line, description, written]
        lines.append(delimiter.join(f'"{c}"' if delimiter in c else c for c in cells))
    return write(path, "\r\n".join(lines) + "\r\n", encoding)


def test_a_file_without_references_gets_stable_ones_and_a_warning(invoke, query, tmp_path):
    summary = load(invoke, no_reference_file(tmp_path / "1c.csv", NO_REFERENCES))
    assert summary["status"] == "loaded", summary["errors"]
    assert summary["rows_loaded"] == 4
    (note,) = [w for w in summary["warnings"] if w["column"] == REFERENCE_HEADER]
    assert note["row"] is None and "auto-" in note["message"]
    (twice,) = [w for w in summary["warnings"] if w["row"] == 4]
    assert "row 3" in twice["message"] and "two costs" in twice["message"]
    rows = current_spend(query)
    assert {(r[0], r[1], r[2], r[4]) for r in rows} == EXPECTED
    assert [r[3] for r in rows] == ["KZT"] * 4
    references = [r[5] for r in rows]
    assert len(set(references)) == 4 and all(r.startswith("auto-") for r in references)
    twins = sorted(r[5] for r in rows if r[4] == "Монтаж ролика")
    assert twins[1] == twins[0] + "-2"
    assert query("SELECT sum(amount) FROM spend") == [(Decimal("847933.85"),)]


def test_a_re_sent_file_without_references_replaces_and_never_doubles(invoke, query, tmp_path):
    first = load(invoke, no_reference_file(tmp_path / "march.csv", NO_REFERENCES))
    assert first["status"] == "loaded", first["errors"]
    loaded = current_spend(query)
    count = spend_count(query)

    # The same bytes again: recognised by checksum, nothing written.
    again = load(invoke, no_reference_file(tmp_path / "march.csv", NO_REFERENCES))
    assert again["status"] == "already_loaded"
    assert current_spend(query) == loaded and spend_count(query) == count

    # Re-saved: rows re-ordered, Windows-1251 with commas, ISO dates, the currency in the
    # amount's header, amounts and lines written otherwise.
    resaved = [
        ("02.04.2026", "5.2", "Продвижение в Instagram", "12500,50 тг"),
        ("16.03.2026", "5.1 Монтаж", "Монтаж ролика ", "48000"),
        ("15.03.2026", "1.1", "Заработная плата за март", "739433,35"),
        ("16.03.2026", "5.1", "Монтаж ролика", "48 000,00"),
    ]
    path = no_reference_file(
        tmp_path / "march-resaved.csv",
        resaved,
        delimiter=",",
        encoding="cp1251",
        iso=True,
        amount="Сумма, тг",
    )
    resent = load(invoke, path)
    assert resent["status"] == "loaded", resent["errors"]
    assert resent["rows_replaced"] == 4
    assert not [w for w in resent["warnings"] if "loaded earlier" in w["message"]]
    assert current_spend(query) == loaded
    assert query("SELECT count(*), sum(amount) FROM spend") == [(4, Decimal("847933.85"))]


def test_a_corrected_file_without_references_restates_its_period(invoke, query, tmp_path):
    load(invoke, no_reference_file(tmp_path / "v1.csv", NO_REFERENCES))
    corrected = [
        NO_REFERENCES[0],
        NO_REFERENCES[1],
        ("02.04.2026", "5.2", "Продвижение", "9 000 ₸"),
    ]
    code, _, dry = invoke(
        "load",
        str(no_reference_file(tmp_path / "v2.csv", corrected)),
        "--campaign",
        "PDP-01",
        "--json",
        "--dry-run",
    )
    assert code == 0 and dry["would_load"] is True
    (notice,) = [w for w in dry["warnings"] if "loaded earlier" in w["message"]]
    assert notice["message"].startswith("2 costs without a document number")
    assert "between 2026-03-16 and 2026-04-02" in notice["message"]
    summary = load(invoke, no_reference_file(tmp_path / "v2.csv", corrected))
    assert summary["status"] == "loaded", summary["errors"]
    assert summary["rows_replaced"] == 4  # two restated, two no longer listed
    assert {(r[0], r[1], r[2], r[4]) for r in current_spend(query)} == {
        (dt.date(2026, 3, 15), "1.1", Decimal("739433.35"), "Заработная плата за март"),
        (dt.date(2026, 3, 16), "5.1", Decimal("48000.00"), "Монтаж ролика"),
        (dt.date(2026, 4, 2), "5.2", Decimal("9000.00"), "Продвижение"),
    }
    # Undoing the correction puts back what was there.
    code, out, _ = invoke("undo", str(summary["batch_id"]))
    assert code == 0, out
    assert {(r[0], r[1], r[2], r[4]) for r in current_spend(query)} == EXPECTED
    assert query("SELECT count(*) FROM spend") == [(4,)]


def test_without_references_nor_descriptions_the_reference_is_asked_for(invoke, query, tmp_path):
    before = spend_count(query)
    text = "Дата;Статья бюджета;Сумма\n15.03.2026;5.2;12 500 ₸\n"
    summary = load(invoke, write(tmp_path / "bare.csv", text))
    assert summary["status"] == "rejected"
    (error,) = summary["errors"]
    assert error["column"] == "reference" and "'reference' is missing" in error["message"]
    assert "'№ документа'" in error["message"] and "назначение платежа" in error["message"]
    assert spend_count(query) == before


# --- header words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["Дата документа", "№ документа", "Статья бюджета", "Назначение платежа", "Сумма, тг"],
        ["Дата документа", "Номер документа", "Статья расходов", "Содержание операции", "Сумма"],
        ["Құжат күні", "Құжат нөмірі", "Бюджет бабы", "Төлем мақсаты", "Сома"],
        ["Дата", "№ документа", "Статья бюджета", "Описание", "Сумма (KZT)"],
    ],
    ids=["ru-1c", "ru-typed", "kk", "ru-unit"],
)
def test_russian_and_kazakh_header_words(invoke, query, tmp_path, header):
    text = ";".join([*header, "Валюта"]) + "\n15.03.2026;A-1;5.2;Продвижение;250 000;KZT\n"
    summary = load(invoke, write(tmp_path / "words.csv", text))
    assert summary["status"] == "loaded", summary["errors"]
    assert summary["kind"] == "spend" and summary["kind_detected"] is True
    assert set(summary["detected"]["columns"]) == {
        "date",
        "reference",
        "budget_line",
        "description",
        "amount",
        "currency",
    }
    assert query(SPEND_ROWS) == [
        (
            dt.date(2026, 3, 15),
            "5.2",
            Decimal("250000.00"),
            "KZT",
            "Продвижение",
            "A-1",
            round(250000 / MARCH, 2),
        )
    ]
