"""The Upload page in AppTest, signed in as each role, on a real warehouse: what it offers, the
check before loading (detected settings, rows as parsed, errors by row and column), loading
after confirmation, the size limit, templates, the history's downloads and undo. What the page
wrote is checked with plain SQL on the warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import conftest
import openpyxl
import pytest
from conftest import METRICS_HEADER, account, sql

from dashboard import data, uploads
from etl.accounts import Accounts
from etl.kinds import template_header
from etl.load import load_file

pytestmark = pytest.mark.usefixtures("fresh_cache")

GOOD = "2026-03-02,instagram,,,1000,800,,50,5,3,2,10,1200"
BAD = "2026-03-03,instagram,,,100,200,,,,,,,"  # reach above impressions
CLEAN = f"{METRICS_HEADER}\n{GOOD}\n2026-03-04,telegram,,,,,2500,30,2,9,,,800\n".encode()
WITH_ERROR = f"{METRICS_HEADER}\n{GOOD}\n{BAD}\n".encode()


def open_page(monkeypatch, wh, page: str, *, user: str = "officer"):
    """The page signed in as ``user``, whose account exists before the app first runs (so the
    first run already shows the sign-in form)."""
    account(wh, user)
    return conftest.open_page(monkeypatch, wh, page, user=user)


def upload(at, name: str, content: bytes):
    at.file_uploader(key="upload_files").set_value((name, content, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def frames(at) -> dict[str, object]:
    """The tables the page shows, told apart by their columns (AppTest does not give a
    dataframe's key): detected, mapping, preview, issues and history."""
    found = {}
    for df in (d.value for d in at.dataframe):
        columns = set(df.columns)
        if {"Detected", "Value"} <= columns:
            found["upload_detected"] = df
        elif {"header", "field"} <= columns:
            found["upload_mapping"] = df
        elif "severity" in columns:
            found["upload_issues"] = df
        elif "batch_id" in columns:
            found["upload_history"] = df
        elif {"row", "errors"} <= columns:
            found["upload_preview"] = df
    return found


def confirm(at):
    button = next(b for b in at.button if b.key and b.key.startswith("upload_confirm_"))
    return button


def test_a_grantee_picks_only_own_campaigns_and_campaign_kinds(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    assert at.selectbox(key="upload_campaign").options == ["PDP-01 · Your data, your rights"]
    assert at.selectbox(key="upload_kind").options == [
        "Channel and post figures (metrics)",
        "Costs (spend)",
        "Feedback responses",
        "Event participants",
    ]


def test_an_officer_also_sends_rates_and_the_programme(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload")
    assert at.selectbox(key="upload_campaign").options == [
        "FOE-02 · Speak freely online",
        "PDP-01 · Your data, your rights",
    ]
    assert at.selectbox(key="upload_kind").options[-2:] == [
        "Exchange rates (fx)",
        "Programme set-up workbook",
    ]


def test_a_viewer_is_refused(monkeypatch, programme):
    # Viewers are not offered the page: a link to it opens the dashboard instead.
    at = open_page(monkeypatch, programme, "upload", user="viewer")
    assert "Upload" not in [t.value for t in at.title] and not at.get("file_uploader")
    # Run directly, the page itself refuses them before drawing anything.
    from streamlit.testing.v1 import AppTest

    account(programme, "viewer")
    viewer = Accounts.for_warehouse(programme).get("viewer")
    page = AppTest.from_file(str(conftest.APP.parent / "views" / "upload.py"), default_timeout=60)
    page.session_state["warehouse"] = programme
    page.session_state["_auth_user"] = viewer
    page.session_state["_data_scope"] = data.ALL
    page.run()
    assert not page.exception, page.exception
    assert [e.value for e in page.error] == ["You cannot open this page with your role (viewer)."]
    assert not page.get("file_uploader") and not page.selectbox


def walk(node):
    """Every element under ``node``, in the order the page draws them."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def file_box(at, title: str = "File"):
    """The elements of the first file's box, in order, from its title on."""
    elements = list(walk(at.main))
    start = next(i for i, e in enumerate(elements) if e.type == "subheader" and e.value == title)
    return elements[start:]


# Two good rows and two bad ones: row 3 with one error (reach above impressions), row 4 with
# two (a date that is none and a negative count).
BAD_TWICE = "2026-13-40,telegram,,,-5,,,,,,,,"
FOUR_ROWS = (
    f"{METRICS_HEADER}\n{GOOD}\n{BAD}\n{BAD_TWICE}\n2026-03-04,telegram,,,,,2500,30,2,9,,,800\n"
).encode()


def styled_cells(frame_element) -> set[tuple[int, int]]:
    """The (row, column) positions of a table's cells that carry a style."""
    import re

    css = frame_element.proto.arrow_data.styler.styles
    return {(int(r), int(c)) for r, c in re.findall(r"_row(\d+)_col(\d+)", css)}


def test_the_check_starts_with_its_verdict_then_the_rows_with_errors(
    monkeypatch, programme, tmp_path
):
    from dashboard.issue_text import issue_text

    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    upload(at, "march.csv", FOUR_ROWS)
    # The loader's own dry run, the independent side: which rows and cells are wrong.
    path = tmp_path / "march.csv"
    path.write_bytes(FOUR_ROWS)
    dry = load_file(programme, path, campaign="PDP-01", kind="metrics", dry_run=True)
    bad_rows = sorted({i.row for i in dry.errors})
    assert bad_rows == [3, 4] and len(dry.errors) == 3

    # First, under the file's name: the verdict, 2 rows ready and 2 rows with 3 errors.
    box = file_box(at)
    assert [e.type for e in box[:3]] == ["subheader", "text", "warning"]
    assert box[2].value == "2 rows ready, 2 rows with 3 errors"

    # The rows as read: those with errors first, each with what is wrong beside it.
    preview = frames(at)["upload_preview"]
    assert list(preview["row"]) == [3, 4, 2, 5]
    for position, row in enumerate([3, 4]):
        expected = "; ".join(
            f"{i.column}: {issue_text(i, 'en')}" for i in dry.errors if i.row == row
        )
        assert preview["errors"].iloc[position] == expected
    assert list(preview["errors"].iloc[2:]) == ["—", "—"]
    assert list(preview["impressions"]) == ["100", "-5", "1,000", "—"]
    # Exactly the bad cells are marked: (row, column) of every error, and nothing else.
    element = next(d for d in at.dataframe if "errors" in d.value.columns)
    columns = list(element.value.columns)
    position = {row: i for i, row in enumerate(element.value["row"])}
    assert styled_cells(element) == {(position[i.row], columns.index(i.column)) for i in dry.errors}

    # How the file was read is folded away: the detected settings and the column map.
    (details,) = [e for e in at.expander if e.label.startswith("How the file was read")]
    inside = list(walk(details))
    detected = next(e.value for e in inside if e.type == "dataframe" and "Detected" in e.value)
    found = dict(zip(detected["Detected"], detected["Value"], strict=True))
    assert found["Kind"] == "Channel and post figures (metrics)" and found["Delimiter"] == "comma"
    assert found["Period"] == "2026-03-02 – 2026-03-04"
    assert found["Encoding"] == "utf-8" and found["Decimal mark"] == "point"
    mapping = next(e.value for e in inside if e.type == "dataframe" and "field" in e.value)
    assert ("impressions", "impressions") in set(
        zip(mapping["header"], mapping["field"], strict=True)
    )

    # Nothing written yet, and a file with errors cannot be loaded as it is.
    assert sql(programme, "SELECT count(*) FROM core.batch WHERE source = 'upload'") == [(0,)]
    assert confirm(at).disabled


@pytest.mark.parametrize(
    ("counts", "lang", "text"),
    [
        ((5, 1, 2, 0, 0), "en", "5 rows ready, 1 row with 2 errors"),
        ((1, 2, 1, 0, 0), "en", "1 row ready, 2 rows with 1 error"),
        ((5, 1, 2, 0, 0), "ru", "5 строк готово, 1 строка с 2 ошибками"),
        ((1, 3, 1, 0, 0), "ru", "1 строка готова, 3 строки с 1 ошибкой"),
        ((22, 11, 25, 0, 0), "ru", "22 строки готовы, 11 строк с 25 ошибками"),
        ((5, 1, 2, 0, 0), "kk", "5 жол дайын, 1 жолда 2 қате бар"),
        ((3, 0, 0, 0, 1), "en", "3 rows ready, 1 warning"),
        ((3, 0, 0, 0, 0), "en", "3 rows ready: no errors or warnings, the file can be loaded."),
        (
            (1, 0, 0, 0, 0),
            "ru",
            "1 строка готова: ошибок и предупреждений нет, файл можно загрузить.",
        ),
        ((2, 0, 0, 0, 0), "kk", "2 жол дайын: қате де, ескерту де жоқ, файлды жүктеуге болады."),
        ((3, 0, 0, 0, 2), "ru", "3 строки готовы, 2 предупреждения"),
        ((3, 0, 0, 0, 2), "kk", "3 жол дайын, 2 ескерту"),
        ((0, 0, 0, 1, 0), "en", "1 error in the file as a whole"),
        ((0, 0, 0, 2, 0), "ru", "2 ошибки в файле в целом"),
        ((0, 0, 0, 1, 0), "kk", "Файлдың өзінде 1 қате"),
    ],
)
def test_the_verdict_reads_right_in_each_language(counts, lang, text):
    assert uploads.verdict_text(uploads.Verdict(*counts), lang) == text


@pytest.mark.parametrize(
    ("lang", "sizes"),
    [
        ("en", ["200 MB", "1.5 MB", "512 KB", "1048 bytes"]),
        ("ru", ["200 МБ", "1,5 МБ", "512 КБ", "1\u00a0048 байт"]),
        ("kk", ["200 МБ", "1,5 МБ", "512 КБ", "1\u00a0048 байт"]),
    ],
)
def test_sizes_in_each_language(lang, sizes):
    counts = [200 * 1024 * 1024, 3 * 512 * 1024, 512 * 1024, 1048]
    assert [uploads.size_text(n, lang) for n in counts] == sizes


def test_confirm_loads_the_valid_rows_when_asked(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    upload(at, "march.csv", WITH_ERROR)
    skip = next(c for c in at.checkbox if c.key and c.key.startswith("upload_skip_"))
    skip.check().run()
    assert not confirm(at).disabled
    confirm(at).click().run()
    assert not at.exception, at.exception
    assert sql(
        programme,
        "SELECT source, source_name, loaded_by, campaign_code, rows_loaded, rows_rejected, status "
        "FROM core.batch WHERE source = 'upload'",
    ) == [("upload", "march.csv", "grantee-ADR", "PDP-01", 1, 1, "loaded")]
    assert sql(
        programme,
        "SELECT day, impressions FROM channel_daily WHERE campaign_code = 'PDP-01' "
        "AND platform = 'instagram' ORDER BY day",
    ) == [(dt.date(2026, 3, 2), 1000)]
    assert any("1 of 2 rows loaded" in s.value for s in at.success)
    assert list(frames(at)["upload_history"]["source_name"]) == ["march.csv"]


def test_a_clean_file_loads_and_the_same_file_again_says_so(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    upload(at, "clean.csv", CLEAN)
    assert "upload_issues" not in frames(at)
    assert any(
        s.value == "2 rows ready: no errors or warnings, the file can be loaded."
        for s in at.success
    )
    confirm(at).click().run()
    assert sql(programme, "SELECT rows_loaded, status FROM core.batch WHERE source = 'upload'") == [
        (2, "loaded")
    ]
    upload(at, "clean again.csv", CLEAN)
    assert any("already loaded as batch" in i.value for i in at.info)
    confirm(at).click().run()
    assert any("already loaded as batch" in i.value for i in at.info)
    assert sql(programme, "SELECT count(*) FROM core.batch WHERE source = 'upload'") == [(1,)]


def test_an_oversize_file_is_refused_with_its_name_size_and_the_limit(monkeypatch, programme):
    monkeypatch.setenv("CAMPAIGNS_MAX_UPLOAD_MB", "0.001")  # 1048 bytes
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    big = METRICS_HEADER + "\n" + "\n".join([GOOD] * 40) + "\n"
    upload(at, "whole year.csv", big.encode())
    (error,) = [e.value for e in at.error]
    # the file name is escaped, so that it shows as typed whatever Markdown it holds
    assert error == (
        f"whole year\\.csv is {len(big)} bytes, above the 1048 bytes limit. Split it by "
        "month or platform and send the parts."
    )
    assert sql(programme, "SELECT count(*) FROM core.batch WHERE source = 'upload'") == [(0,)]


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_templates_parse_back_to_the_kind_header(lang):
    files = {name: content for name, content, _ in uploads.template_files("spend", lang)}
    header = template_header("spend", lang)
    text = files[f"spend.{lang}.csv"].decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == header
    book = openpyxl.load_workbook(io.BytesIO(files[f"spend.{lang}.xlsx"]), read_only=True)
    first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    assert list(first) == header
    (programme_name,) = [n for n, _, _ in uploads.template_files("programme", lang)]
    assert programme_name == f"programme.{lang}.xlsx"


def test_the_page_offers_the_templates_of_the_chosen_kind(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    at.selectbox(key="upload_kind").set_value("participants")
    at.radio(key="upload_template_lang").set_value("ru")
    at.run()
    labels = [b.proto.label for b in at.get("download_button") if "template" in b.proto.id]
    assert labels == ["participants.ru.csv", "participants.ru.xlsx"]


def _history_batch(at, batch_id: int):
    at.selectbox(key="upload_batch").set_value(batch_id)
    at.run()
    assert not at.exception, at.exception


def test_a_grantee_undoes_an_own_upload(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    upload(at, "clean.csv", CLEAN)
    confirm(at).click().run()
    ((batch_id,),) = sql(programme, "SELECT batch_id FROM core.batch WHERE source = 'upload'")
    _history_batch(at, batch_id)
    at.button(key="upload_undo").click().run()
    at.button(key="upload_undo_yes").click().run()
    assert not at.exception, at.exception
    assert sql(
        programme, "SELECT status, undone_by FROM core.batch WHERE batch_id = ?", [batch_id]
    ) == [("undone", "grantee-ADR")]
    assert sql(programme, "SELECT count(*) FROM channel_daily WHERE batch_id = ?", [batch_id]) == [
        (0,)
    ]
    assert any(f"Batch {batch_id} undone" in s.value for s in at.success)


def test_a_grantee_cannot_undo_an_upload_of_someone_else(monkeypatch, programme, tmp_path):
    path = tmp_path / "officer.csv"
    path.write_bytes(CLEAN)
    result = load_file(programme, path, campaign="PDP-01", loaded_by="officer", source="upload")
    assert result.status == "loaded"
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    _history_batch(at, result.batch_id)
    assert not any(b.key == "upload_undo" for b in at.button)
    assert any("Only the person who sent it" in c.value for c in at.caption)
    # The check holds without the page too.
    grantee = Accounts.for_warehouse(programme).get("grantee-ADR")
    with data.scoped(data.Scope(organisation="ADR")), pytest.raises(uploads.UploadRefused):
        uploads.undo(programme, grantee, result.batch_id)
    assert sql(
        programme, "SELECT status FROM core.batch WHERE batch_id = ?", [result.batch_id]
    ) == [("loaded",)]


def test_downloads_of_a_batch_are_its_kept_file_and_its_rejected_rows(programme, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(WITH_ERROR)
    ours = load_file(programme, path, campaign="PDP-01", skip_invalid=True, source_name="m.csv")
    other = tmp_path / "o.csv"
    other.write_bytes(CLEAN.replace(b"instagram", b"tiktok"))
    theirs = load_file(programme, other, campaign="FOE-02", source_name="o.csv")
    with data.scoped(data.Scope(organisation="ADR")):
        name, kept = uploads.original_file(programme, ours.batch_id)
        assert (name, kept.read_bytes()) == ("m.csv", WITH_ERROR)
        rows = list(
            csv.reader(
                io.StringIO(uploads.rejected_rows(programme, ours.batch_id).decode("utf-8-sig"))
            )
        )
        assert rows[0] == ["row", *METRICS_HEADER.split(","), "errors"]
        assert rows[1][:7] == ["3", "2026-03-03", "instagram", "", "", "100", "200"]
        assert rows[1][-1].startswith("reach ('200'): reach 200 is above impressions 100")
        # Another organisation's batch is not there to download.
        assert uploads.original_file(programme, theirs.batch_id) is None
        assert uploads.rejected_rows(programme, theirs.batch_id) is None


# --- a form's responses: the mapping as a form ---------------------------------------------------

FORM_HEADER = [
    "Отметка времени",
    "Адрес электронной почты",
    "Оцените содержание семинара",
    "Оцените работу ведущего",
    "Ваш пол",
]
FORM_ROWS = [
    ["27.03.2026 15:58:32", "aigerim@example.kz", "5", "2", "Женский"],
    ["28.03.2026 9:05:00", "bolat@example.kz", "4", "3", "Мужской"],
]


def form_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FORM_HEADER)
    writer.writerows(FORM_ROWS)
    return out.getvalue().encode("utf-8")


def form_widget(widgets, name: str):
    return next(w for w in widgets if w.key and w.key.startswith(f"upload_form_{name}_"))


def form_preview(at):
    return next(d.value for d in at.dataframe if {"submitted_at", "rating"} <= set(d.value.columns))


def test_a_forms_responses_show_the_proposed_mapping_to_change_save_and_load(
    monkeypatch, programme
):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    at.selectbox(key="upload_kind").set_value("feedback").run()
    upload(at, "Отзывы (Ответы).csv", form_csv())

    # The proposal: the first rating-like question, the sex question; contacts are no option.
    rating = form_widget(at.selectbox, "rating")
    assert rating.value == "Оцените содержание семинара"
    assert form_widget(at.selectbox, "sex").value == "Ваш пол"
    assert form_widget(at.selectbox, "usefulness").value == ""  # not asked
    assert "Адрес электронной почты" not in rating.options
    assert "— not asked —" in rating.options
    assert list(form_preview(at)["rating"]) == ["5", "4"]
    assert any("Proposed from the questions" in c.value for c in at.caption)

    # The grantee takes the other question and names the event, sees it read, and saves.
    rating.set_value("Оцените работу ведущего").run()
    form_widget(at.text_input, "about").input("PDP-W1").run()
    assert not at.exception, at.exception
    preview = form_preview(at)
    assert list(preview["rating"]) == ["2", "3"]
    assert list(preview["event_code"]) == ["PDP-W1", "PDP-W1"]
    form_widget(at.button, "save").click().run()
    assert not at.exception, at.exception
    ((campaign, text, saved_by),) = sql(
        programme, "SELECT campaign_code, mapping, saved_by FROM core.form_mapping"
    )
    assert (campaign, saved_by) == ("PDP-01", "grantee-ADR")
    assert 'rating = "Оцените работу ведущего"' in text and 'event = "PDP-W1"' in text
    assert "Адрес электронной почты" not in text
    # (the name is escaped, so that it shows as typed whatever Markdown it holds)
    assert any("Saved with the campaign by grantee\\-ADR" in c.value for c in at.caption)

    # Loading uses the saved choice.
    confirm(at).click().run()
    assert not at.exception, at.exception
    assert sql(
        programme,
        "SELECT event_code, rating, sex FROM feedback WHERE campaign_code = 'PDP-01' "
        "ORDER BY submitted_at",
    ) == [("PDP-W1", 2, "female"), ("PDP-W1", 3, "male")]
    ((detected,),) = sql(programme, "SELECT detected FROM core.batch WHERE source = 'upload'")
    assert json.loads(detected)["mapping"]["origin"] == "saved"


def test_the_saved_mapping_is_used_for_the_next_file_of_the_form(monkeypatch, programme, tmp_path):
    from etl import forms

    forms.save_mapping(
        programme,
        "PDP-01",
        forms.mapping_text({"rating": ["Оцените работу ведущего"]}, event="PDP-W2"),
        "officer",
    )
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    at.selectbox(key="upload_kind").set_value("feedback").run()
    upload(at, "April.csv", form_csv())
    assert form_widget(at.selectbox, "rating").value == "Оцените работу ведущего"
    assert form_widget(at.selectbox, "sex").value == ""  # the saved mapping does not take it
    assert any("Saved with the campaign by officer on" in c.value for c in at.caption)
    confirm(at).click().run()
    assert sql(programme, "SELECT event_code, rating FROM feedback ORDER BY submitted_at") == [
        ("PDP-W2", 2),
        ("PDP-W2", 3),
    ]


def test_a_form_with_nothing_proposed_is_mapped_by_hand(monkeypatch, programme):
    header = ["Отметка времени", "Сколько раз вы были на наших встречах?", "Ваш город"]
    rows = [["27.03.2026 15:58:32", "0", "Алматы"], ["28.03.2026 9:05:00", "11", "Астана"]]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    at.selectbox(key="upload_kind").set_value("feedback").run()
    upload(at, "registration.csv", out.getvalue().encode("utf-8"))
    assert confirm(at).disabled
    assert any("No question reads as a rating" in c.value for c in at.caption)
    # What could be proposed is filled in: the city question, by its words and answers.
    assert form_widget(at.selectbox, "region").value == "Ваш город"
    assert form_widget(at.selectbox, "rating").value == ""
    form_widget(at.selectbox, "region").set_value("").run()
    assert form_widget(at.button, "save").disabled  # nothing chosen
    form_widget(at.selectbox, "region").set_value("Ваш город").run()
    form_widget(at.button, "save").click().run()
    assert not at.exception, at.exception
    assert not confirm(at).disabled
    confirm(at).click().run()
    assert sql(
        programme, "SELECT submitted_at, region, rating FROM feedback ORDER BY submitted_at"
    ) == [
        (dt.datetime(2026, 3, 27, 15, 58, 32), "Алматы", None),
        (dt.datetime(2026, 3, 28, 9, 5), "Астана", None),
    ]


# --- the history after a load or an undo ------------------------------------------------------


def test_after_a_load_and_an_undo_every_list_shows_the_new_state(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    assert any(i.value == "Nothing has been sent here yet." for i in at.info)
    upload(at, "clean.csv", CLEAN)
    confirm(at).click().run()
    assert not at.exception, at.exception
    ((batch_id, status),) = sql(
        programme, "SELECT batch_id, status FROM core.batch WHERE source = 'upload'"
    )
    assert status == "loaded"
    assert any("2 of 2 rows loaded" in s.value for s in at.success)
    history = frames(at)["upload_history"]
    assert list(history["batch_id"]) == [batch_id]
    assert list(history["status"]) == ["loaded"]
    assert list(history["kind"]) == ["Channel and post figures (metrics)"]
    assert at.selectbox(key="upload_batch").options == [f"#{batch_id} · clean.csv · loaded"]

    at.button(key="upload_undo").click().run()
    at.button(key="upload_undo_yes").click().run()
    assert not at.exception, at.exception
    assert sql(programme, "SELECT status FROM core.batch WHERE batch_id = ?", [batch_id]) == [
        ("undone",)
    ]
    assert list(frames(at)["upload_history"]["status"]) == ["undone"]
    assert at.selectbox(key="upload_batch").options == [f"#{batch_id} · clean.csv · undone"]
    assert not any(b.key == "upload_undo" for b in at.button)


def test_the_history_names_kinds_and_shows_no_none(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload")
    at.selectbox(key="upload_kind").set_value("fx").run()
    history = frames(at)["upload_history"]
    # the set-up workbook and the rates of the programme fixture, newest first
    assert list(history["kind"]) == ["Exchange rates (fx)", "Programme set-up workbook"]
    assert list(history["platform"]) == ["—", "—"]
    text = history.astype(str)
    assert not text.isin(["None", "nan", "NaT", "<NA>"]).any().any(), text


def test_a_warning_is_counted_in_the_verdict_and_listed_under_the_rows(
    monkeypatch, programme, tmp_path
):
    from dashboard.issue_text import issue_text

    # a row without any figure is left out with a warning
    content = f"{METRICS_HEADER}\n{GOOD}\n2026-03-05,instagram,,,,,,,,,,,\n".encode()
    path = tmp_path / "w.csv"
    path.write_bytes(content)
    dry = load_file(programme, path, campaign="PDP-01", kind="metrics", dry_run=True)
    assert not dry.errors and len(dry.warnings) == 1
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    upload(at, "w.csv", content)
    box = file_box(at)
    assert (box[2].type, box[2].value) == ("success", "1 row ready, 1 warning")
    table = next(d.value for d in at.dataframe if "message" in d.value.columns)
    (warning,) = dry.warnings
    assert list(table["message"]) == [issue_text(warning, "en")]
    assert list(table["row"]) == ["—" if warning.row is None else str(warning.row)]
    assert not confirm(at).disabled


def test_check_again_takes_the_corrected_copy_and_back_returns_to_the_file(monkeypatch, programme):
    at = open_page(monkeypatch, programme, "upload", user="grantee-ADR")
    upload(at, "march.csv", FOUR_ROWS)
    skip = next(c for c in at.checkbox if c.key and c.key.startswith("upload_skip_"))
    assert skip.label.startswith("Load the valid rows and keep the 2 invalid ones aside")
    # Checked again without a change: the corrected copy stands in for the file, same verdict.
    next(b for b in at.button if b.key and b.key.startswith("upload_recheck_")).click().run()
    assert not at.exception, at.exception
    # (the name is escaped, so that it shows as typed whatever Markdown it holds)
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert "Checked: march (corrected).csv, the file as corrected on this page." in captions
    assert file_box(at)[3].value == "2 rows ready, 2 rows with 3 errors"
    back = next(b for b in at.button if b.key and b.key.startswith("upload_start_over_"))
    back.click().run()
    assert not at.exception, at.exception
    assert not any("(corrected)" in c.value for c in at.caption)
    assert not any(b.key and b.key.startswith("upload_start_over_") for b in at.button)
    assert sql(programme, "SELECT count(*) FROM core.batch WHERE source = 'upload'") == [(0,)]


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
@pytest.mark.parametrize("kind", ["metrics", "spend", "participants", "feedback", "fx"])
def test_the_rows_as_read_are_headed_as_the_templates(kind, lang):
    from etl.kinds import FILE_KINDS

    header = template_header(kind, lang)
    fields = [f.name for f in FILE_KINDS[kind].fields][: len(header)]
    assert [uploads.field_label(kind, f, lang) for f in fields] == header
