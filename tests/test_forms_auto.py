"""Form responses loaded without a hand-written mapping: the mapping proposed from the questions
and answers (Russian, Kazakh and English Google Forms, a Sheet's XLSX, Typeform), the response
times in each form's own format, and a mapping saved with the campaign used again.

Every expected value below is worked out by hand from what the test writes into the file; what
the loader stored is read back with plain SQL on the warehouse.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from dashboard.issue_text import issue_text
from etl import forms
from etl.warehouse import Warehouse

Query = Callable[..., list[tuple]]

STORED = (
    "SELECT submitted_at, rating, rating_scale, usefulness, usefulness_scale, would_recommend, "
    "sex, age_group, region, language FROM feedback ORDER BY submitted_at"
)


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text(csv_text(header, rows), encoding="utf-8")
    return path


def load(invoke, path: Path, *extra: str) -> tuple[int, dict]:
    code, output, data = invoke("load", str(path), "--campaign", "PDP-01", "--json", *extra)
    assert "Traceback" not in output
    assert data is not None, output
    return code, data


def detected_mapping(query: Query, batch_id: int) -> dict:
    (detected,) = query("SELECT detected FROM core.batch WHERE batch_id = ?", [batch_id])[0]
    return json.loads(detected)["mapping"]


def everything_stored(query: Query, programme: Warehouse, batch_id: int) -> str:
    """Every text the warehouse holds in core, and the batch's kept file."""
    columns = query(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'core' AND data_type = 'VARCHAR'"
    )
    text = " ".join(
        str(v)
        for table, column in columns
        for (v,) in query(f'SELECT "{column}" FROM core."{table}" WHERE "{column}" IS NOT NULL')
    )
    (stored,) = query("SELECT stored_file FROM core.batch WHERE batch_id = ?", [batch_id])[0]
    return text + (programme.files_dir / stored).read_text(encoding="utf-8")


# --- a Russian form, from its linked Sheet (ru locale) -------------------------------------------

RU_HEADER = [
    "Отметка времени",
    "Адрес электронной почты",
    "Оцените семинар в целом",
    "Насколько полезной была для вас информация?",
    "Порекомендуете ли вы семинар коллегам?",
    "Что можно улучшить?",
    "Ваш пол",
    "Ваш возраст",
    "Из какого вы города?",
    "Номер телефона для связи",
]
RU_ROWS = [
    [
        "27.03.2026 15:58:32",
        "aigerim@example.kz",
        "10",
        "Очень полезно",
        "Да",
        "Больше практики по настройкам приватности, меньше теории",
        "Женский",
        "18–24",
        "Алматы",
        "+7 701 123 45 67",
    ],
    [
        "28.03.2026 9:05:00",
        "bolat@example.kz",
        "7",
        "Полезно",
        "Затрудняюсь ответить",
        "Хотелось бы раздаточные материалы на казахском языке",
        "Мужской",
        "35-44",
        "Шымкент",
        "87011234567",
    ],
    [
        "13.04.2026 18:40:10",
        "",
        "4",
        "Отчасти полезно",
        "Нет",
        "Слишком долго, зал был душный и плохо слышно",
        "Женский",
        "25–34 лет",
        "Алматы",
        "",
    ],
]
# By hand: a 1-10 rating (an answer is 10), usefulness in words on 1-5, and the Sheet's
# day-first times as written.
RU_EXPECTED = [
    (dt.datetime(2026, 3, 27, 15, 58, 32), 10, 10, 5, 5, True, "female", "18-24", "Алматы", "ru"),
    (dt.datetime(2026, 3, 28, 9, 5, 0), 7, 10, 4, 5, None, "male", "35-44", "Шымкент", "ru"),
    (dt.datetime(2026, 4, 13, 18, 40, 10), 4, 10, 3, 5, False, "female", "25-34", "Алматы", "ru"),
]


def test_a_russian_form_loads_with_a_proposed_mapping(
    invoke, query: Query, programme: Warehouse, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "Отзывы о семинаре (Ответы).csv", RU_HEADER, RU_ROWS)
    code, data = load(invoke, path)
    assert code == 0, data["errors"]
    assert (data["status"], data["kind"], data["rows_loaded"]) == ("loaded", "feedback", 3)
    assert query(STORED) == RU_EXPECTED
    assert [c for (c,) in query("SELECT comment FROM feedback ORDER BY submitted_at")] == [
        RU_ROWS[0][5],
        RU_ROWS[1][5],
        RU_ROWS[2][5],
    ]

    # The load says what it chose, and keeps the proposal with the batch.
    mapping = detected_mapping(query, data["batch_id"])
    assert mapping["proposed"] is True and mapping["origin"] == "proposed"
    chosen = {f: v["questions"] for f, v in mapping["fields"].items()}
    assert chosen == {
        "submitted_at": ["Отметка времени"],
        "rating": ["Оцените семинар в целом"],
        "usefulness": ["Насколько полезной была для вас информация?"],
        "would_recommend": ["Порекомендуете ли вы семинар коллегам?"],
        "comment": ["Что можно улучшить?"],
        "sex": ["Ваш пол"],
        "age_group": ["Ваш возраст"],
        "region": ["Из какого вы города?"],
    }
    notes = data["detected"]["notes"]
    assert notes[0] == (
        "rating ← 'Оцените семинар в целом' (1–10): the question's words (оцен*); answers 4 to 10"
    )
    assert any(
        w["message"].startswith("the form's questions were matched") for w in data["warnings"]
    )
    # why each field was chosen, in the reader's language too
    reasons = mapping["fields"]["rating"]["reasons"]
    assert "; ".join(issue_text(r, "en") for r in reasons) == mapping["fields"]["rating"]["why"]
    assert "; ".join(issue_text(r, "ru") for r in reasons) == (
        "слова вопроса (оцен*); ответы от 4 до 10"
    )
    assert "; ".join(issue_text(r, "kk") for r in reasons) == (
        "сұрақтың сөздері (оцен*); жауаптар: 4–10"
    )
    text = mapping["text"]
    assert forms.mapping_from(tomllib.loads(text)).scales == {
        "rating": 10,
        "usefulness": 5,
    }

    # Contacts are neither stored nor kept.
    held = everything_stored(query, programme, data["batch_id"])
    assert "Шымкент" in held
    for secret in ("aigerim@example.kz", "bolat@example.kz", "701 123 45 67", "87011234567"):
        assert secret not in held, secret
    warned = " ".join(w["message"] for w in data["warnings"])
    assert "Адрес электронной почты" in warned and "Номер телефона для связи" in warned

    # The same bytes again are the same load.
    code, again = load(invoke, path)
    assert (code, again["status"], again["previous_batch_id"]) == (
        0,
        "already_loaded",
        data["batch_id"],
    )
    assert len(query(STORED)) == 3


# --- a Kazakh form, from the form's own CSV (12-hour times with their offset) --------------------

KK_HEADER = [
    "Уақыт белгісі",
    "Аты-жөніңіз",
    "Семинарды жалпы бағалаңыз",
    "Ақпарат қаншалықты пайдалы болды?",
    "Семинарды әріптестеріңізге ұсынасыз ба?",
    "Ұсыныстарыңыз",
    "Жынысыңыз",
    "Жасыңыз",
    "Қай қаладансыз?",
]
KK_ROWS = [
    [
        "2026/03/27 3:58:32 pm GMT+5",
        "Айгерім Сәдуақасова",
        "Өте жақсы",
        "Өте пайдалы",
        "Иә",
        "Жеке деректерді қорғау туралы тағы бір семинар өткізіңіз",
        "Әйел",
        "25-34",
        "Өскемен",
    ],
    [
        "2026/03/28 11:05:00 am GMT+5",
        "Болат Ахметов",
        "Жақсы",
        "Пайдалы",
        "Білмеймін",
        "Материалдарды алдын ала жіберіңіздер, рахмет",
        "Ер адам",
        "35–44 жас",
        "Павлодар",
    ],
    [
        "2026/03/29 12:30:10 am GMT+5",
        "",
        "Орташа",
        "Аз пайдалы",
        "Жоқ",
        "Зал өте тар болды, келесі жолы үлкенірек зал керек",
        "Әйел",
        "18-24",
        "Павлодар",
    ],
]
# By hand: the times less five hours (12:30 am is half past midnight, the day before in UTC);
# worded answers on the 1-5 scale.
KK_EXPECTED = [
    (dt.datetime(2026, 3, 27, 10, 58, 32), 5, 5, 5, 5, True, "female", "25-34", "Өскемен", "kk"),
    (dt.datetime(2026, 3, 28, 6, 5, 0), 4, 5, 4, 5, None, "male", "35-44", "Павлодар", "kk"),
    (dt.datetime(2026, 3, 28, 19, 30, 10), 3, 5, 2, 5, False, "female", "18-24", "Павлодар", "kk"),
]


def test_a_kazakh_form_csv_with_gmt_offsets(
    invoke, query: Query, programme: Warehouse, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "kk.csv", KK_HEADER, KK_ROWS)
    code, data = load(invoke, path)
    assert code == 0, data["errors"]
    assert query(STORED) == KK_EXPECTED
    held = everything_stored(query, programme, data["batch_id"])
    assert "Сәдуақасова" not in held and "Ахметов" not in held
    assert "Аты-жөніңіз" in " ".join(w["message"] for w in data["warnings"])


# --- English forms: the form's CSV (GMT+8), an en-US Sheet, an en-GB Sheet -----------------------

EN_HEADER = [
    "Timestamp",
    "Email Address",
    "How would you rate the workshop overall?",
    "How useful was the content for your work?",
    "Would you recommend this workshop to a colleague?",
    "Gender",
    "Age group",
    "City",
    "Any other comments?",
]


def en_rows(times: list[str]) -> list[list[str]]:
    answers = [
        ["a@example.org", "5", "Very useful", "Yes", "Female", "18-24", "Almaty"],
        ["b@example.org", "3", "Somewhat useful", "Maybe", "Male", "45-54", "Astana"],
        ["c@example.org", "2", "Not very useful", "No", "Prefer not to say", "25-34", "Almaty"],
    ]
    comments = [
        "More hands-on exercises with real phones, please",
        "The room was too cold and the slides were hard to read",
        "",
    ]
    return [[t, *a, c] for t, a, c in zip(times, answers, comments, strict=True)]


EN_ANSWERS = [
    (5, 5, 5, 5, True, "female", "18-24", "Almaty", "en"),
    (3, 5, 3, 5, None, "male", "45-54", "Astana", "en"),
    (2, 5, 2, 5, False, "undisclosed", "25-34", "Almaty", "en"),
]


@pytest.mark.parametrize(
    "times, moments",
    [
        # The form's own CSV: year first, 12-hour clock and the form's offset; stored in UTC.
        (
            [
                "2026/03/27 3:58:32 PM GMT+8",
                "2026/03/28 9:05:00 AM GMT+8",
                "2026/04/02 12:00:00 PM GMT+8",
            ],
            [
                dt.datetime(2026, 3, 27, 15, 58, 32) - dt.timedelta(hours=8),
                dt.datetime(2026, 3, 28, 9, 5) - dt.timedelta(hours=8),
                dt.datetime(2026, 4, 2, 12, 0) - dt.timedelta(hours=8),
            ],
        ),
        # An en-US Sheet: month first, which 3/27 proves for the whole column (4/2 is 2 April).
        (
            ["3/27/2026 15:58:32", "3/28/2026 9:05:00", "4/2/2026 12:00:00"],
            [
                dt.datetime(2026, 3, 27, 15, 58, 32),
                dt.datetime(2026, 3, 28, 9, 5),
                dt.datetime(2026, 4, 2, 12, 0),
            ],
        ),
        # An en-GB Sheet: day first, which 27/03 proves (02/04 is 2 April).
        (
            ["27/03/2026 15:58:32", "28/03/2026 09:05:00", "02/04/2026 12:00:00"],
            [
                dt.datetime(2026, 3, 27, 15, 58, 32),
                dt.datetime(2026, 3, 28, 9, 5),
                dt.datetime(2026, 4, 2, 12, 0),
            ],
        ),
    ],
    ids=["forms-csv-gmt+8", "en-us-sheet", "en-gb-sheet"],
)
def test_english_forms_in_each_locale(
    invoke,
    query: Query,
    programme: Warehouse,
    tmp_path: Path,
    times: list[str],
    moments: list[dt.datetime],
) -> None:
    path = write_csv(tmp_path / "en.csv", EN_HEADER, en_rows(times))
    code, data = load(invoke, path)
    assert code == 0, data["errors"]
    assert query(STORED) == [(m, *a) for m, a in zip(moments, EN_ANSWERS, strict=True)]
    assert not any("reads either way" in w["message"] for w in data["warnings"])
    held = everything_stored(query, programme, data["batch_id"])
    assert "Astana" in held and "example.org" not in held


def test_dates_that_read_either_way_are_day_first_and_said_so(
    invoke, query: Query, tmp_path: Path
) -> None:
    times = ["05/04/2026 10:00:00", "06/04/2026 11:30:00", "07/04/2026 12:00:00"]
    path = write_csv(tmp_path / "ambiguous.csv", EN_HEADER, en_rows(times))
    code, data = load(invoke, path)
    assert code == 0, data["errors"]
    (warning,) = [w for w in data["warnings"] if "reads either way" in w["message"]]
    assert warning["column"] == "Timestamp" and "day first" in warning["message"]
    assert [d for (d,) in query("SELECT submitted_at FROM feedback ORDER BY submitted_at")] == [
        dt.datetime(2026, 4, 5, 10, 0),
        dt.datetime(2026, 4, 6, 11, 30),
        dt.datetime(2026, 4, 7, 12, 0),
    ]
    # Said to be month first, the same answers are 4 May, 4 June and 4 July instead.
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[questions]\nrating = "How would you rate"\n[form]\ndate_order = "mdy"\n',
        encoding="utf-8",
    )
    code, data = load(invoke, path, "--mapping", str(mapping))
    assert code == 0, data["errors"]
    assert not any("reads either way" in w["message"] for w in data["warnings"])
    assert [d for (d,) in query("SELECT submitted_at FROM feedback ORDER BY submitted_at")] == [
        dt.datetime(2026, 5, 4, 10, 0),
        dt.datetime(2026, 6, 4, 11, 30),
        dt.datetime(2026, 7, 4, 12, 0),
    ]


# --- the Sheet downloaded as XLSX: times as Excel serial numbers ---------------------------------


def test_sheet_xlsx_with_serial_timestamps(invoke, query: Query, tmp_path: Path) -> None:
    moments = [
        dt.datetime(2026, 3, 27, 15, 58, 32),
        dt.datetime(2026, 3, 28, 9, 5, 0),
        dt.datetime(2026, 4, 13, 18, 40, 10),
    ]
    epoch = dt.datetime(1899, 12, 30)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(RU_HEADER)
    for moment, row in zip(moments, RU_ROWS, strict=True):
        # a plain number, as a Sheet's column without a date format is downloaded
        ws.append([(moment - epoch) / dt.timedelta(days=1), *row[1:]])
    wb.save(tmp_path / "responses.xlsx")
    code, data = load(invoke, tmp_path / "responses.xlsx")
    assert code == 0, data["errors"]
    assert data["detected"]["format"] == "xlsx"
    assert query(STORED) == [(m, *e[1:]) for m, e in zip(moments, RU_EXPECTED, strict=True)]


# --- Typeform ------------------------------------------------------------------------------------

TYPEFORM_HEADER = [
    "#",
    "How would you rate the session? (1-10)",
    "What did you like most, and what should we change?",
    "Would you recommend the session to a friend?",
    "Start Date (UTC)",
    "Submit Date (UTC)",
    "Network ID",
]
TYPEFORM_ROWS = [
    [
        "k3j2h1g5f6",
        "5",
        "The password manager demo, but it was far too short",
        "1",
        "2026-03-27 07:50:01",
        "2026-03-27 07:58:32",
        "0a1b2c3d4e",
    ],
    [
        "q9w8e7r6t5",
        "3",
        "Good speakers; the venue was hard to find",
        "0",
        "2026-03-27 08:01:00",
        "2026-03-27 08:04:45",
        "5f6a7b8c9d",
    ],
]


def test_typeform_csv(invoke, query: Query, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "typeform.csv", TYPEFORM_HEADER, TYPEFORM_ROWS)
    code, data = load(invoke, path)
    assert code == 0, data["errors"]
    # The question says 1-10, so 5 and 3 are on a 1-10 scale; 1 and 0 answer yes and no.
    assert query(
        "SELECT submitted_at, rating, rating_scale, would_recommend, comment FROM feedback "
        "ORDER BY submitted_at"
    ) == [
        (dt.datetime(2026, 3, 27, 7, 58, 32), 5, 10, True, TYPEFORM_ROWS[0][2]),
        (dt.datetime(2026, 3, 27, 8, 4, 45), 3, 10, False, TYPEFORM_ROWS[1][2]),
    ]
    mapping = detected_mapping(query, data["batch_id"])
    assert mapping["fields"]["submitted_at"]["questions"] == ["Submit Date (UTC)"]
    assert "the question says 10" in mapping["fields"]["rating"]["why"]
    # Typeform's own columns are not questions left out.
    assert not any("Network ID" in w["message"] for w in data["warnings"])


# --- an event question, answered with the event's name ------------------------------------------


def test_an_event_question_names_the_campaigns_event(invoke, query: Query, tmp_path: Path) -> None:
    participants = tmp_path / "participants.csv"
    participants.write_text(
        "event_code,event_name,event_date,event_type,region,sex,age_group,participants\n"
        "PDP-W1,Семинар в Алматы,2026-03-27,workshop,Almaty,female,18-24,12\n"
        "PDP-W2,Семинар в Шымкенте,2026-04-13,workshop,Shymkent,male,25-34,9\n",
        encoding="utf-8",
    )
    code, _ = load(invoke, participants)
    assert code == 0
    header = ["Отметка времени", "Какое мероприятие вы посетили?", "Оцените мероприятие"]
    rows = [
        ["27.03.2026 15:58:32", "Семинар в Алматы", "5"],
        ["13.04.2026 18:40:10", "семинар в шымкенте", "4"],
    ]
    code, data = load(invoke, write_csv(tmp_path / "events.csv", header, rows))
    assert code == 0, data["errors"]
    assert query("SELECT event_code, rating FROM feedback ORDER BY submitted_at") == [
        ("PDP-W1", 5),
        ("PDP-W2", 4),
    ]
    assert not any("no question names the event" in w["message"] for w in data["warnings"])


# --- explicit and saved mappings -----------------------------------------------------------------

TWO_RATINGS = ["Отметка времени", "Оцените содержание семинара", "Оцените работу ведущего"]
TWO_RATINGS_ROWS = [
    ["27.03.2026 15:58:32", "5", "2"],
    ["28.03.2026 09:05:00", "4", "3"],
]


def test_an_explicit_mapping_wins_over_the_proposal(invoke, query: Query, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "two.csv", TWO_RATINGS, TWO_RATINGS_ROWS)
    code, data = load(invoke, path, "--dry-run")
    assert code == 0 and data["detected"]["mapping"]["fields"]["rating"]["questions"] == [
        "Оцените содержание семинара"
    ]
    mapping = tmp_path / "m.toml"
    mapping.write_text('[questions]\nrating = "Оцените работу ведущего"\n', encoding="utf-8")
    code, data = load(invoke, path, "--mapping", str(mapping))
    assert code == 0, data["errors"]
    assert data["detected"]["mapping"]["proposed"] is False
    assert [r for (r,) in query("SELECT rating FROM feedback ORDER BY submitted_at")] == [2, 3]


def test_a_mapping_saved_with_the_campaign_is_used_again(
    invoke, query: Query, programme: Warehouse, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "two.csv", TWO_RATINGS, TWO_RATINGS_ROWS)
    text = forms.mapping_text(
        {"rating": ["Оцените работу ведущего"]}, scales={"rating": 5}, event="PDP-W1"
    )
    saved_id = forms.save_mapping(programme, "PDP-01", text, "grantee-ADR")
    assert query("SELECT campaign_code, mapping, saved_by FROM core.form_mapping") == [
        ("PDP-01", text, "grantee-ADR")
    ]
    code, data = load(invoke, path)
    assert code == 0, data["errors"]
    mapping = data["detected"]["mapping"]
    assert (mapping["origin"], mapping["saved_id"], mapping["proposed"]) == (
        "saved",
        saved_id,
        False,
    )
    assert query("SELECT event_code, rating FROM feedback ORDER BY submitted_at") == [
        ("PDP-W1", 2),
        ("PDP-W1", 3),
    ]
    # Another campaign's file of the same form does not see it: a proposal is made there.
    code, _, other = invoke("load", str(path), "--campaign", "FOE-02", "--json", "--dry-run")
    assert other["detected"]["mapping"]["proposed"] is True
    # A form whose questions are not all in the saved mapping gets a proposal.
    other_form = write_csv(
        tmp_path / "other.csv",
        ["Отметка времени", "Оцените вебинар"],
        [["29.03.2026 10:00:00", "5"]],
    )
    code, data = load(invoke, other_form, "--dry-run")
    assert code == 0, data["errors"]
    assert data["detected"]["mapping"]["proposed"] is True


# --- the pieces ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cells, expected",
    [
        (["2021/03/27 3:58:32 PM GMT+8"], ["2021-03-27 07:58:32"]),
        (["2021/03/27 3:58:32 pm GMT+5"], ["2021-03-27 10:58:32"]),
        (["2021/03/27 12:05:00 AM GMT+3"], ["2021-03-26 21:05:00"]),
        (["2021/03/27 1:00:00 AM GMT-5"], ["2021-03-27 06:00:00"]),
        (["2021/03/27 3:58:32 PM GMT"], ["2021-03-27 15:58:32"]),
        (["27.03.2021 15:58:32"], ["2021-03-27 15:58:32"]),
        (
            ["3/27/2021 15:58:32", "4/2/2021 8:00:00"],
            ["2021-03-27 15:58:32", "2021-04-02 08:00:00"],
        ),
        (
            ["27/03/2021 15:58:32", "4/2/2021 8:00:00"],
            ["2021-03-27 15:58:32", "2021-02-04 08:00:00"],
        ),
        (["2021-03-27 07:58:32"], ["2021-03-27 07:58:32"]),
        (["2021-03-27T07:58:32+05:00"], ["2021-03-27 02:58:32"]),
        (["44282.66564814815"], ["2021-03-27 15:58:32"]),
        (["31.02.2021 10:00:00"], ["31.02.2021 10:00:00"]),  # no such day: left for the checks
        (["вчера"], ["вчера"]),
    ],
)
def test_response_times(cells: list[str], expected: list[str]) -> None:
    assert forms.moments(list(enumerate(cells))).values == expected


def test_response_times_that_read_either_way() -> None:
    read = forms.moments([(2, "05/04/2026 10:00:00"), (3, "06/04/2026 10:00:00")])
    assert read.assumed and read.values == ["2026-04-05 10:00:00", "2026-04-06 10:00:00"]
    read = forms.moments([(2, "05/04/2026 10:00:00")], "mdy")
    assert not read.assumed and read.values == ["2026-05-04 10:00:00"]
    # Dotted dates are day first by custom: nothing to say.
    assert not forms.moments([(2, "05.04.2026 10:00:00")]).assumed


def test_proposal_reads_answers_without_telling_words() -> None:
    """Questions whose words say nothing are told by their answers."""
    header = ["Timestamp", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    rows = [
        [
            "2026/03/27",
            "4",
            "Женский",
            "18-24",
            "Алматы",
            "Да",
            "Очень понравилась практическая часть",
        ],
        ["2026/03/28", "5", "Мужской", "25-34", "Астана", "Нет", "Слишком мало времени на вопросы"],
        ["2026/03/29", "2", "Әйел", "35-44", "Шымкент", "Да", "Хорошие спикеры, но плохой звук"],
    ]
    proposal = forms.propose(header, rows)
    assert {f: c.questions for f, c in proposal.choices.items()} == {
        "rating": ("Q1",),
        "sex": ("Q2",),
        "age_group": ("Q3",),
        "region": ("Q4",),
        "would_recommend": ("Q5",),
        "comment": ("Q6",),
    }
    assert proposal.choices["rating"].scale == 5
    assert proposal.ok


def test_personal_columns_are_never_proposed() -> None:
    header = ["Timestamp", "Your name", "Contact", "Overall rating"]
    rows = [
        ["2026/03/27", "Aigerim", "aigerim@example.kz", "5"],
        ["2026/03/28", "Bolat", "+7 701 123 45 67", "4"],
    ]
    proposal = forms.propose(header, rows)
    assert proposal.personal == ["Your name", "Contact"]
    assert list(proposal.choices) == ["rating"]


def test_mapping_text_reads_back() -> None:
    text = forms.mapping_text(
        {"rating": ['Оцените "семинар"\n(1-10)'], "sex": ["Пол"]},
        scales={"rating": 10},
        event="PDP-W1",
        language="ru",
        date_order="mdy",
    )
    m = forms.mapping_from(tomllib.loads(text))
    assert m.questions == {"rating": ('Оцените "семинар"\n(1-10)',), "sex": ("Пол",)}
    assert (m.scales, m.event, m.language, m.date_order) == ({"rating": 10}, "PDP-W1", "ru", "mdy")
