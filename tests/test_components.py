"""The parts every page shares: safe download files, and table figures written per language."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
import streamlit as st
from conftest import table_text, table_values

from dashboard import components
from dashboard.i18n import LANG_KEY

NBSP = "\u00a0"


@pytest.fixture
def language():
    """Set the reader's language for a test, as the picker does."""

    def choose(lang: str) -> None:
        st.session_state[LANG_KEY] = lang

    yield choose
    st.session_state.pop(LANG_KEY, None)


# --- downloads -----------------------------------------------------------------------------------


ROWS = pd.DataFrame(
    {
        "title": ['=HYPERLINK("http://x")', "+7 701 000", "Сөз бостандығы", "-dash", "plain"],
        "impressions": [1200, 5, 0, -5, 7],
        "day": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", None]),
    }
)


def test_a_formula_is_written_as_text() -> None:
    assert components.neutralise("=1+1") == "'=1+1"
    assert components.neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert components.neutralise("\tx") == "'\tx"
    assert components.neutralise("Almaty") == "Almaty"
    assert components.neutralise(-5) == -5  # a number stays a number


def test_csv_opens_in_excel_with_cyrillic_and_no_formula() -> None:
    data = components.csv_bytes(ROWS)
    assert data.startswith(b"\xef\xbb\xbf")  # byte-order mark: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == [
        '\'=HYPERLINK("http://x")',
        "'+7 701 000",
        "Сөз бостандығы",
        "'-dash",
        "plain",
    ]
    assert [int(r["impressions"]) for r in rows] == [1200, 5, 0, -5, 7]
    assert rows[0]["day"] == "2026-03-01"


def test_xlsx_keeps_numbers_and_dates_and_writes_no_formula() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(components.xlsx_bytes(ROWS, "posts"))).active
    assert sheet.title == "posts"
    assert [c.value for c in sheet[1]] == ["title", "impressions", "day"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert values[0][0] == '\'=HYPERLINK("http://x")'
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 7))
    assert [v[1] for v in values] == [1200, 5, 0, -5, 7]
    assert values[0][2] == dt.datetime(2026, 3, 1)
    assert values[4][2] is None
    assert sheet.freeze_panes == "A2"


# --- figures in the reader's language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "values", "en", "ru"),
    [
        ("localized", [1234567, 12], "1,234,567", f"1{NBSP}234{NBSP}567"),
        ("localized", [1234.567, 12], "1,234.57", f"1{NBSP}234,57"),
        ("euro", [83010.92, 1.5], "€83,010.92", f"83{NBSP}010,92{NBSP}€"),
        ("euro", [83010.0, 2.0], "€83,010", f"83{NBSP}010{NBSP}€"),
        ("percent", [0.0307, 0.05], "3.07%", f"3,07{NBSP}%"),  # small shares: two decimals
        ("percent", [0.4512, 0.9], "45.1%", f"45,1{NBSP}%"),
        ("%d", [12345, 1], "12,345", f"12{NBSP}345"),
        ("%.1f", [4.25, 1], "4.2", "4,2"),
    ],
)
def test_a_number_column_is_written_in_the_language(
    fmt: str, values: list[float], en: str, ru: str, language
) -> None:
    column = pd.Series(values)
    language("en")
    assert components.column_writer(fmt, column)(values[0]) == en
    language("ru")
    assert components.column_writer(fmt, column)(values[0]) == ru
    assert components.column_writer(fmt, column)(None) == "—"


def test_formats_only_streamlit_knows_are_left_to_it() -> None:
    column = pd.Series([1.0])
    assert components.column_writer("plain", column) is None
    assert components.column_writer(None, column) is None
    assert components.column_writer("compact", column) is None
    assert components.column_writer("%.1f km", column) is None


def test_a_table_shows_the_text_and_keeps_the_values(language) -> None:
    language("kk")
    df = pd.DataFrame({"name": ["a", "b"], "reach": [1234.0, 99.0], "rate": [0.031, 0.2]})
    config = {
        "name": st.column_config.TextColumn("Name"),
        "reach": st.column_config.NumberColumn("Reach", format="localized", help="as reported"),
        "rate": st.column_config.NumberColumn("Rate", format="percent"),
    }
    shown, new_config = components.localized(df, config)

    # the values sent stay numbers, so the table sorts by them
    pd.testing.assert_frame_equal(table_values(shown), df, check_dtype=False)
    assert pd.api.types.is_float_dtype(table_values(shown)["reach"])
    text = table_text(shown)
    assert list(text["reach"]) == [f"1{NBSP}234", "99"]
    assert list(text["rate"]) == ["3,1%", "20,0%"]  # Kazakh: no space before the sign
    assert list(text["name"]) == ["a", "b"]
    assert new_config["reach"]["type_config"]["format"] is None
    assert new_config["reach"]["label"] == "Reach" and new_config["reach"]["help"] == "as reported"
    assert new_config["name"] is config["name"]
    assert config["reach"]["type_config"]["format"] == "localized"  # the caller's left alone


def test_whole_numbers_and_gaps_keep_their_types_and_show_their_text(language) -> None:
    language("ru")
    df = pd.DataFrame(
        {
            "posts": np.array([1200, 7, 30000], dtype="int64"),
            "people": pd.array([5, None, 1500], dtype="Int64"),
            "cost": [1234.5, float("nan"), 0.25],
        }
    )
    config = {
        "posts": components.count_column("Posts"),
        "people": components.count_column("People"),
        "cost": components.figure_column("Cost", "unit_cost"),
    }
    shown, _ = components.localized(df, config)
    values, text = table_values(shown), table_text(shown)

    assert list(text["posts"]) == [f"1{NBSP}200", "7", f"30{NBSP}000"]
    assert list(text["people"]) == ["5", "—", f"1{NBSP}500"]
    assert list(text["cost"]) == [f"1{NBSP}234,50{NBSP}€", "—", f"0,25{NBSP}€"]
    # what the table sorts by: counts stay whole numbers, the gaps stay empty
    assert pd.api.types.is_integer_dtype(values["posts"]) and list(values["posts"]) == [
        1200,
        7,
        30000,
    ]
    assert values["people"].isna().tolist() == [False, True, False]
    assert values["people"].dropna().tolist() == [5, 1500]
    assert values["cost"].isna().tolist() == [False, True, False]
    assert values["cost"].dropna().tolist() == [1234.5, 0.25]
    assert list(df["posts"]) == [1200, 7, 30000] and str(df["people"].dtype) == "Int64"


def test_a_table_shown_again_follows_its_values_and_the_language(language) -> None:
    config = {"reach": components.count_column("Reach")}
    df = pd.DataFrame({"reach": [1234.0, 5.0]})
    language("en")
    assert list(table_text(components.localized(df, config)[0])["reach"]) == ["1,234", "5"]
    language("ru")
    assert list(table_text(components.localized(df, config)[0])["reach"]) == [f"1{NBSP}234", "5"]
    changed = df.assign(reach=[1234.0, 6000.0])
    assert list(table_text(components.localized(changed, config)[0])["reach"]) == [
        f"1{NBSP}234",
        f"6{NBSP}000",
    ]
    renamed = df.rename(columns={"reach": "views"})
    views = {"views": components.figure_column("Views", "money")}
    assert list(table_text(components.localized(renamed, views)[0])["views"]) == [
        f"1{NBSP}234{NBSP}€",
        f"5{NBSP}€",
    ]


def test_a_table_without_formats_is_left_as_it_is() -> None:
    df = pd.DataFrame({"name": ["a"]})
    assert components.localized(df, None) == (df, None)
    empty = pd.DataFrame({"reach": pd.Series([], dtype=float)})
    config = {"reach": st.column_config.NumberColumn("Reach", format="localized")}
    assert components.localized(empty, config) == (empty, config)


# --- figures -------------------------------------------------------------------------------------

CALLS: list[int] = []


def bars(frame: pd.DataFrame, title: str):
    """A chart builder as pages have them: a pure function of a frame."""
    import plotly.graph_objects as go

    CALLS.append(1)
    return go.Figure(go.Bar(x=frame["x"], y=frame["y"]), layout={"title": title})


def test_a_figure_is_built_once_per_data_and_language(language) -> None:
    import plotly.io as pio
    import plotly.tools

    st.cache_data.clear()
    CALLS.clear()
    frame = pd.DataFrame({"x": ["a", "b"], "y": [1234.5, 2.0]})
    language("ru")
    first = components.figure(bars, frame, title="Показы")
    again = components.figure(bars, frame.copy(), title="Показы")
    assert len(CALLS) == 1  # the same data and language: built once
    components.figure(bars, frame, title="Показы")
    language("en")
    english = components.figure(bars, frame, title="Impressions")
    assert len(CALLS) == 2

    # Streamlit takes the kept figure as it is, with the language's number marks
    sent = plotly.tools.return_figure_from_figure_or_data(first, validate_figure=True)
    assert pio.to_json(sent) == pio.to_json(again.to_dict())
    assert sent["layout"]["separators"] == ",\u00a0"
    assert sent["layout"]["title"]["text"] == "Показы"
    assert "template" not in sent["layout"]
    assert english.to_dict()["layout"]["separators"] == ".,"
    y = sent["data"][0]["y"]  # plotly sends number arrays base64-encoded
    assert np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist() == [1234.5, 2.0]
    st.cache_data.clear()
