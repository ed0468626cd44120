"""Form responses through a mapping, personal data kept out, and `campaigns forget`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from etl.warehouse import Warehouse

Query = Callable[..., list[tuple]]

MAPPING = """
[questions]
rating = ["Оцените семинар в целом", "Как вы оцениваете семинар?"]
usefulness = "Насколько полезной была информация"
would_recommend = "Порекомендуете ли вы"
comment = "Ваши предложения"
sex = "Пол"
age_group = "Возраст"
region = "Город"

[scales]
rating = 10

[form]
event = "PDP-W1"
language = "ru"
"""

# The linked Sheet's CSV of a Russian form edited mid-collection: the rating question was
# reworded, so the later answers sit in a new last column. A header cell has a line break.
HEADER = [
    "Отметка времени",
    "Адрес электронной почты",
    "ФИО",
    "Оцените семинар в целом (1-10)",
    "Насколько полезной была информация?",
    "Порекомендуете ли вы семинар друзьям?",
    "Ваши предложения\n(необязательно)",
    "Пол",
    "Возраст",
    "Город",
    "Как вы оцениваете семинар?",
]
ROWS = [
    [
        "05.03.2026 9:05:03",
        "aigerim@example.kz",
        "Айгерим Садыкова",
        "9",
        "Очень полезно",
        "Скорее да",
        "Позвоните мне +7 701 123 45 67, Айгерим",
        "Женский",
        "18–24",
        "Алматы",
        "",
    ],
    [
        "05.03.2026 10:15:00",
        "bolat@example.kz",
        "Болат Ахметов",
        "7",
        "Полезно",
        "Не знаю",
        "Пишите на bolat@example.kz",
        "Мужской",
        "25-34",
        "Астана",
        "",
    ],
    [
        "06.03.2026 11:00:00",
        "",
        "",
        "",
        "3 - нейтрально",
        "Нет",
        "Мой ИИН 900101300123",
        "Женский",
        "35-44",
        "Алматы",
        "8",
    ],
]
# What each response means, worked out by hand from the answers above.
EXPECTED = [
    (dt.datetime(2026, 3, 5, 9, 5, 3), 9, 10, 5, True, "female", "18-24", "Алматы"),
    (dt.datetime(2026, 3, 5, 10, 15), 7, 10, 4, None, "male", "25-34", "Астана"),
    (dt.datetime(2026, 3, 6, 11, 0), 8, 10, 3, False, "female", "35-44", "Алматы"),
]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    mapping = tmp_path / "pdp-form.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    responses = tmp_path / "responses.csv"
    responses.write_text(csv_text(HEADER, ROWS), encoding="utf-8")
    return {"mapping": mapping, "responses": responses}


def load(invoke, path: Path, *extra: str):
    code, output, data = invoke("load", str(path), "--campaign", "PDP-01", "--json", *extra)
    assert "Traceback" not in output
    return code, data


def feedback_rows(query: Query) -> list[tuple]:
    return query(
        "SELECT submitted_at, rating, rating_scale, usefulness, would_recommend, sex, age_group, "
        "region FROM feedback ORDER BY submitted_at"
    )


def test_form_responses_with_nothing_feedback_like_are_refused_with_the_questions(
    invoke, query: Query, tmp_path: Path
) -> None:
    # A registration form: contacts, a head count and a checkbox question; no rating,
    # usefulness, recommendation or comment to propose.
    path = tmp_path / "registration.csv"
    path.write_text(
        csv_text(
            ["Отметка времени", "ФИО", "Сколько человек в вашей организации?", "Какие темы?"],
            [
                ["05.03.2026 9:05:03", "Айгерим", "12", "Данные; Безопасность"],
                ["05.03.2026 9:15:03", "Болат", "40", "Данные; Цензура"],
                ["05.03.2026 9:25:03", "Дана", "25", "Безопасность; Цензура"],
            ],
        ),
        encoding="utf-8",
    )
    code, data = load(invoke, path)
    assert code == 1 and data["status"] == "rejected"
    (error,) = data["errors"]
    assert "--mapping" in error["message"] and "Upload page" in error["message"]
    assert "Сколько человек в вашей организации?; Какие темы?" in error["message"]
    assert query("SELECT count(*) FROM feedback") == [(0,)]


def test_form_loads_through_its_mapping(invoke, query: Query, files) -> None:
    code, data = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    assert code == 0, data["errors"]
    assert (data["rows_read"], data["rows_loaded"]) == (3, 3)
    assert feedback_rows(query) == EXPECTED
    assert query("SELECT DISTINCT event_code, language FROM feedback") == [("PDP-W1", "ru")]
    # The same file and mapping again change nothing.
    code, again = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    assert (code, again["status"], again["previous_batch_id"]) == (
        0,
        "already_loaded",
        data["batch_id"],
    )
    assert len(feedback_rows(query)) == 3


def test_mapping_is_kept_with_the_batch(invoke, query: Query, files) -> None:
    _, data = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    (detected,) = query("SELECT detected FROM core.batch WHERE batch_id = ?", [data["batch_id"]])[0]
    assert json.loads(detected)["mapping"]["text"] == MAPPING


def test_personal_data_is_not_stored(invoke, query: Query, files, programme: Warehouse) -> None:
    _, data = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    warned = " ".join(w["message"] for w in data["warnings"])
    assert "Адрес электронной почты" in warned and "ФИО" in warned
    comments = [c for (c,) in query("SELECT comment FROM feedback ORDER BY submitted_at")]
    assert comments == [
        "Позвоните мне [phone], Айгерим",
        "Пишите на [email]",
        "Мой ИИН [IIN]",
    ]
    assert query(
        "SELECT count(*) FROM core.feedback_response WHERE respondent_email IS NOT NULL "
        "OR respondent_name IS NOT NULL OR respondent_phone IS NOT NULL"
    ) == [(0,)]
    # Nothing anywhere in the warehouse or its kept files holds the contacts.
    (stored,) = query("SELECT stored_file FROM core.batch WHERE batch_id = ?", [data["batch_id"]])[
        0
    ]
    kept = (programme.files_dir / stored).read_text(encoding="utf-8")
    columns = query(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'core' AND data_type = 'VARCHAR'"
    )
    text = " ".join(
        str(v)
        for table, column in columns
        for (v,) in query(f'SELECT "{column}" FROM core."{table}" WHERE "{column}" IS NOT NULL')
    )
    assert "Алматы" in text and "Алматы" in kept  # the scan does see the responses
    for secret in ("aigerim@example.kz", "bolat@example.kz", "Садыкова", "900101300123", "701 123"):
        assert secret not in text + kept, secret


def test_contacts_are_stored_only_when_the_mapping_asks(invoke, query: Query, files) -> None:
    files["mapping"].write_text(
        MAPPING + '\n[keep]\nrespondent_email = "Адрес электронной почты"\n', encoding="utf-8"
    )
    code, data = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    assert code == 0, data["errors"]
    assert query(
        "SELECT respondent_email, respondent_name FROM core.feedback_response ORDER BY submitted_at"
    ) == [("aigerim@example.kz", None), ("bolat@example.kz", None), (None, None)]


def test_worded_scales_in_three_languages(invoke, query: Query, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[questions]\nrating = "Overall"\nusefulness = "Useful"\nwould_recommend = "Recommend"\n'
        '[form]\nevent = "W2"\n',
        encoding="utf-8",
    )
    answers = [
        ("Excellent", "Not useful at all", "Definitely"),
        ("Өте жақсы", "Өте пайдалы", "Иә"),
        ("Удовлетворительно", "Скорее полезно", "Скорее нет"),
        ("Poor", "Neutral", "Жоқ"),
    ]
    rows = [[f"0{i + 1}/04/2026 10:00:00", *a] for i, a in enumerate(answers)]
    path = tmp_path / "responses.csv"
    path.write_text(
        csv_text(["Timestamp", "Overall rating", "Useful?", "Recommend us?"], rows),
        encoding="utf-8",
    )
    code, data = load(invoke, path, "--mapping", str(mapping))
    assert code == 0, data["errors"]
    assert query(
        "SELECT rating, usefulness, would_recommend FROM feedback ORDER BY submitted_at"
    ) == [(5, 1, True), (5, 5, True), (3, 4, False), (2, 3, False)]


def test_unrecognised_answer_is_an_error_naming_the_cell(invoke, query: Query, files) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][4] = "так себе"
    files["responses"].write_text(csv_text(HEADER, rows), encoding="utf-8")
    code, data = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    assert code == 1
    (error,) = data["errors"]
    assert error["row"] == 3 and error["value"] == "так себе"
    assert error["column"] == "Насколько полезной была информация?"
    assert query("SELECT count(*) FROM feedback") == [(0,)]


def test_rating_above_the_scale(invoke, query: Query, files) -> None:
    files["mapping"].write_text(MAPPING.replace("rating = 10", "rating = 5"), encoding="utf-8")
    code, data = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    assert code == 1
    assert {e["row"] for e in data["errors"]} == {2, 3, 4}
    assert all("scale" in e["message"] for e in data["errors"])


def test_xlsx_responses_with_serial_timestamps(invoke, query: Query, files, tmp_path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row, (when, *_rest) in zip(ROWS, EXPECTED, strict=True):
        ws.append([when, *row[1:]])
    wb.save(tmp_path / "responses.xlsx")
    code, data = load(invoke, tmp_path / "responses.xlsx", "--mapping", str(files["mapping"]))
    assert code == 0, data["errors"]
    assert feedback_rows(query) == EXPECTED


@pytest.mark.parametrize(
    "text, says",
    [
        ("[questions]\nratng = 'Overall'\n", "ratng is not a field"),
        ("[questions]\n", "[questions] is empty"),
        ("[questions]\nrating = 'x'\n[scales]\nrating = 7\n", "5 or 10"),
        ("[questions\n", "not valid TOML"),
    ],
)
def test_bad_mapping_is_a_usage_error(invoke, files, text: str, says: str) -> None:
    files["mapping"].write_text(text, encoding="utf-8")
    code, output, _ = invoke(
        "load", str(files["responses"]), "--campaign", "PDP-01", "--mapping", str(files["mapping"])
    )
    assert code == 2 and says in output and "Traceback" not in output


def test_forget_a_respondent(invoke, query: Query, files, programme: Warehouse) -> None:
    files["mapping"].write_text(
        MAPPING + '\n[keep]\nrespondent_email = "Адрес электронной почты"\n'
        'respondent_name = "ФИО"\n',
        encoding="utf-8",
    )
    programme.publish()  # the read copy made from the file: the load publishes its log
    _, data = load(invoke, files["responses"], "--mapping", str(files["mapping"]))
    (stored,) = query("SELECT stored_file FROM core.batch WHERE batch_id = ?", [data["batch_id"]])[
        0
    ]
    assert b"aigerim@example.kz" in programme.read_log_path.read_bytes()

    code, output, summary = invoke("forget", "--email", "AIGERIM@example.kz ", "--json")
    assert code == 0, output
    # No log of commits is left holding the row as it was loaded.
    assert not programme.log_path.exists() and not programme.read_log_path.exists()
    assert summary["responses_removed"] == 1
    assert query("SELECT count(*) FROM feedback") == [(2,)]
    assert query(
        "SELECT count(*) FROM core.feedback_response WHERE respondent_email = 'aigerim@example.kz'"
    ) == [(0,)]
    assert not (programme.files_dir / stored).exists()
    assert query("SELECT identifier_kind, responses_removed FROM erasures") == [("email", 1)]
    log = " ".join(str(v) for row in query("SELECT * FROM core.erasure") for v in row)
    assert "aigerim" not in log

    code, _, summary = invoke("forget", "--name", "болат ахметов", "--json")
    assert (code, summary["responses_removed"]) == (0, 1)
    assert query("SELECT count(*) FROM feedback") == [(1,)]


def test_forget_needs_exactly_one_identifier(invoke) -> None:
    code, output, _ = invoke("forget")
    assert code == 2 and "exactly one" in output
    code, output, _ = invoke("forget", "--phone", "123")
    assert code == 2 and "ten digits" in output
