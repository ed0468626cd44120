"""The loader's messages as codes and parameters: complete catalogues in English, Russian and
Kazakh, real loads whose issues read in the user's language, stored issues that keep their
code, and ``campaigns --lang``."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import duckdb
import pytest
from babel import Locale
from conftest import METRICS_HEADER, sql, write

from dashboard.i18n import t
from dashboard.issue_text import issue_text, summary_text
from dashboard.metrics import lookups
from etl import messages, migrations, platform_exports, recognise
from etl.load import load_file
from etl.normalise import problem_branches

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "ru", "kk")
# The calls that take a message code as their first argument.
CODE_CALLS = {
    "message", "english", "loader_message", "Message", "issue_sql", "issue_struct_sql", "render",
    "_render", "say",
}  # fmt: skip
CODE_LIKE = re.compile(r"^(?:[a-z_]+\.)+[a-z0-9_]+$")
CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)
FIELD_TYPES = (
    "count", "amount", "number", "rating", "date", "datetime", "month", "platform", "sex",
    "age_group", "yes_no", "bool", "currency", "status", "direction", "unit", "heading",
)  # fmt: skip


def _codes_in_source() -> dict[str, set[str]]:
    """Every message code the loader's and the command line's source uses, by file: the first
    argument of the message calls, any text shaped like a code of an area of the catalogues
    (``"issue.row" if ... else ...``), and the codes of every cell problem."""
    areas = {code.split(".")[0] for code in messages.catalogue("en")}
    prefixes = set(messages.LABEL_PARAMS.values())
    used: dict[str, set[str]] = {}
    for path in [*ROOT.glob("etl/**/*.py"), *ROOT.glob("cli/**/*.py")]:
        found = used.setdefault(str(path.relative_to(ROOT)), set())
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # parts of f-strings are not codes; their codes are checked by what they render
        in_fstrings = {
            id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
            for part in node.values
        }  # fmt: skip
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                first = node.args[0]
                if (
                    name in CODE_CALLS
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    found.add(first.value)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE_LIKE.match(node.value)
                and node.value.split(".")[0] in areas
                and node.value.rsplit(".", 1)[-1] not in ("toml", "xlsx", "csv")
                and node.value not in prefixes
                and id(node) not in in_fstrings
            ):
                found.add(node.value)
    for ftype in FIELD_TYPES:
        for signed in (False, True):
            for _cond, code, _exprs in problem_branches(ftype, "v", "t", "col", signed=signed):
                used["etl/normalise.py"].add(code)
    return {file: codes for file, codes in used.items() if codes}


def test_the_source_uses_codes_and_the_scan_finds_them() -> None:
    used = _codes_in_source()
    everything = set().union(*used.values())
    # the scan sees the calls of each area; an empty scan would make the next test vacuous
    for code in (
        "stage.reach_above_impressions",
        "cell.negative_count",
        "load.campaign_unknown",
        "reading.empty_file",
        "spend.two_currencies",
        "recognise.near_miss",
        "cli.batch_head",
    ):
        assert code in everything
    assert len(everything) > 120


def test_every_code_used_exists_in_all_three_languages_with_the_same_placeholders() -> None:
    missing = []
    for file, codes in sorted(_codes_in_source().items()):
        for code in sorted(codes):
            texts = {lang: messages.catalogue(lang).get(code) for lang in LANGS}
            if any(text is None for text in texts.values()):
                missing.append(f"{file}: {code} ({[k for k, v in texts.items() if v is None]})")
                continue
            names = {lang: messages.placeholders(text) for lang, text in texts.items()}
            if len({frozenset(n) for n in names.values()}) != 1:
                missing.append(f"{file}: {code} placeholders differ: {names}")
    assert not missing, "\n".join(missing)


def test_the_catalogues_have_the_same_codes_and_placeholders() -> None:
    english = messages.catalogue("en")
    exports = {
        x.name
        for x in (
            *platform_exports.profiles(),
            *platform_exports.breakdowns(),
            *recognise.other_exports(),
        )
    }
    instead = {e.name for e in recognise.other_exports()}
    for lang in ("ru", "kk"):
        other = messages.catalogue(lang)
        assert set(english) <= set(other), set(english) - set(other)
        extra = set(other) - set(english)
        # the only words beyond English's: the exports' names (English: etl/exports.toml)
        assert extra == {f"label.export.{n}" for n in exports} | {
            f"label.instead.{n}" for n in instead
        }
        for code, text in english.items():
            assert messages.placeholders(text) == messages.placeholders(other[code]), code


def test_translations_are_not_left_in_english() -> None:
    english = messages.catalogue("en")
    for lang in ("ru", "kk"):
        other = messages.catalogue(lang)
        for code, text in english.items():
            if code.startswith("summary.what") or code in ("label.kind.fx",):
                continue  # "{kind}", "{kind} ({platform})": no words of their own
            forms = other[code].values() if isinstance(other[code], dict) else [other[code]]
            for form in forms:
                assert CYRILLIC.search(form), (lang, code, form)
            assert other[code] != text


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_plural_texts_have_every_form_the_language_uses(lang: str) -> None:
    locale = Locale.parse(lang)
    needed = set(locale.plural_form.tags) | {"other"}
    for code, text in messages.catalogue(lang).items():
        if isinstance(text, dict):
            assert needed <= set(text), (code, needed - set(text))


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_renders_with_its_parameters(lang: str) -> None:
    for code, text in messages.catalogue("en").items():
        params = {name: 7 for name in messages.placeholders(text)}
        rendered = messages.render(code, params, lang)
        assert "{" not in rendered.replace("{heading}", ""), (code, rendered)
        for name in params:
            if name not in messages.LABEL_PARAMS:
                assert "7" in rendered, (code, lang, rendered)


def test_russian_plurals_follow_the_count() -> None:
    assert messages.render("summary.kept_aside", {"count": 1}, "ru") == (
        "; 1 строка с ошибками отложена для исправления"
    )
    assert messages.render("summary.kept_aside", {"count": 3}, "ru") == (
        "; 3 строки с ошибками отложены для исправления"
    )
    assert messages.render("summary.kept_aside", {"count": 11}, "ru") == (
        "; 11 строк с ошибками отложено для исправления"
    )
    assert messages.render("summary.kept_aside", {"count": 2}, "en") == (
        "; 2 invalid rows kept aside for correction"
    )


def test_a_message_is_its_english_text_and_keeps_its_code() -> None:
    m = messages.message("load.campaign_unknown", campaign="PDP-9", known="PDP-01, PDP-02")
    assert m == "campaign 'PDP-9' does not exist; known campaigns: PDP-01, PDP-02"
    assert (m.code, m.params) == (
        "load.campaign_unknown",
        {"campaign": "PDP-9", "known": "PDP-01, PDP-02"},
    )
    assert m.render("ru") == "кампании «PDP-9» нет; известные кампании: PDP-01, PDP-02"


# --- real loads ------------------------------------------------------------------------------

BAD_ROWS = [
    "2026-03-02,instagram,,,1000,-5,,50,5,3,2,10,1200",  # row 2: reach below zero
    "2026-03-03,instagram,,,1000,2000,,70,6,4,1,12,1230",  # row 3: reach above impressions
    "2026-03-04,instagramm,,,1500,900,,70,6,4,1,12,1230",  # row 4: a misspelt platform
]


def _bad_file(tmp_path: Path) -> Path:
    return write(tmp_path / "bad.csv", METRICS_HEADER + "\n" + "\n".join(BAD_ROWS) + "\n")


def test_a_bad_file_gives_issues_the_user_reads_in_russian_and_kazakh(programme, tmp_path):
    result = load_file(programme, _bad_file(tmp_path), campaign="PDP-01")
    assert result.status == "rejected"
    by_row = {(i.row, i.code): i for i in result.errors}
    assert set(by_row) == {
        (2, "cell.negative_count"),
        (3, "stage.reach_above_impressions"),
        (4, "cell.unknown_platform_suggest"),
    }
    negative = by_row[(2, "cell.negative_count")]
    assert negative.column == "reach" and negative.value == "-5"
    assert negative.params == {"column": "reach", "value": "-5"}
    assert negative.message == (
        "reach cannot be negative, got '-5'; it counts people or showings: check that the "
        "column holds the figure itself, not its change from the day before"
    )
    assert issue_text(negative, "ru") == (
        "reach не может быть отрицательным, указано «-5»; это число людей или показов: "
        "проверьте, что в столбце сама цифра, а не её изменение со вчерашнего дня"
    )
    assert issue_text(negative, "kk") == (
        "reach теріс бола алмайды, көрсетілгені «-5»; бұл адамдар не көрсетілімдер саны: "
        "бағанда алдыңғы күннен өзгерісі емес, санның өзі тұрғанын тексеріңіз"
    )
    above = by_row[(3, "stage.reach_above_impressions")]
    platform = by_row[(4, "cell.unknown_platform_suggest")]
    assert platform.params["value"] == "instagramm" and platform.params["suggest"] == "instagram"
    for issue in (negative, above, platform):
        for lang in ("ru", "kk"):
            text = issue_text(issue, lang)
            assert text != issue.message and CYRILLIC.search(text)
            for value in issue.params.values():
                if value not in ("", None) and len(str(value)) < 40:
                    assert str(value) in text, (lang, issue.code, value, text)
        # the English text is what the code gives in English, word for word
        assert (
            issue_text(issue, "en")
            == issue.message
            == messages.render(issue.code, issue.params, "en")
        )
    assert "2000" in issue_text(above, "ru") and "1000" in issue_text(above, "kk")


def test_an_unknown_campaign_is_refused_in_the_readers_language(programme, tmp_path):
    result = load_file(programme, _bad_file(tmp_path), campaign="PDP-0l")
    (refusal,) = result.errors
    assert refusal.code == "load.campaign_unknown_suggest"
    known = ", ".join(c for (c,) in sql(programme, "SELECT code FROM campaigns ORDER BY code"))
    assert refusal.params == {"campaign": "PDP-0l", "suggest": "PDP-01", "known": known}
    assert issue_text(refusal, "ru") == (
        f"кампании «PDP-0l» нет; возможно, имелась в виду «PDP-01»? известные кампании: {known}"
    )
    assert issue_text(refusal, "kk").startswith("«PDP-0l» науқаны жоқ")


def test_stored_issues_keep_their_code_and_params(programme, tmp_path):
    result = load_file(programme, _bad_file(tmp_path), campaign="PDP-01")
    stored = sql(
        programme,
        "SELECT row_number, code, params FROM core.batch_issue WHERE batch_id = ? "
        "ORDER BY row_number",
        [result.batch_id],
    )
    assert [(r, c) for r, c, _ in stored] == [
        (2, "cell.negative_count"),
        (3, "stage.reach_above_impressions"),
        (4, "cell.unknown_platform_suggest"),
    ]
    assert json.loads(stored[0][2]) == {"column": "reach", "value": "-5"}
    frame = lookups.batch_issues(programme, result.batch_id)
    assert list(frame.columns) == [
        "severity",
        "row",
        "column",
        "value",
        "message",
        "code",
        "params",
    ]
    read_back = {int(r["row"]): r for r in frame.to_dict("records")}
    for issue in result.errors:
        row = read_back[issue.row]
        assert row["code"] == issue.code and row["message"] == issue.message
        for lang in LANGS:
            assert issue_text(row, lang) == issue.text(lang)


def test_an_issue_stored_without_a_code_shows_its_english_message(programme, tmp_path):
    result = load_file(programme, _bad_file(tmp_path), campaign="PDP-01")
    with programme.writer() as con:  # a row as stored before codes were kept
        con.execute(
            "INSERT INTO core.batch_issue (batch_id, severity, row_number, column_name, value, "
            "message) VALUES (?, 'warning', 9, 'x', 'y', 'an old English warning')",
            [result.batch_id],
        )
    frame = lookups.batch_issues(programme, result.batch_id)
    old = frame[frame["row"] == 9].to_dict("records")[0]
    assert old["code"] is None or old["code"] != old["code"]  # None or NaN
    assert issue_text(old, "kk") == issue_text(old, "ru") == "an old English warning"


def test_the_summary_in_each_language(programme, tmp_path):
    good = write(
        tmp_path / "good.csv",
        METRICS_HEADER + "\n2026-03-02,instagram,,,1000,800,,50,5,3,2,10,1200\n"
        "2026-03-03,instagram,,,1500,900,,70,6,4,1,12,1230\n",
    )
    result = load_file(programme, good, campaign="PDP-01")
    assert (
        summary_text(result, "en") == result.message == "loaded 2 of 2 rows of metrics (instagram)"
    )
    assert summary_text(result, "ru") == (
        f"загружено 2 из 2 строк: {t('upload.kinds.metrics', lang='ru')} (instagram)"
    )
    assert summary_text(result.to_dict(), "kk") == (
        f"2 жолдың 2 жүктелді: {t('upload.kinds.metrics', lang='kk')} (instagram)"
    )
    again = load_file(programme, good, campaign="PDP-01")
    assert again.status == "already_loaded"
    assert summary_text(again, "ru").startswith(
        f"good.csv уже загружен как пакет {result.batch_id} "
    )
    bad = load_file(programme, _bad_file(tmp_path), campaign="PDP-01")
    assert summary_text(bad, "ru") == (
        f"отклонено ({t('upload.kinds.metrics', lang='ru')} (instagram)): 3 ошибки, "
        "ничего не загружено"
    )
    # a stored batch (the load log) gives the same summary from what is kept with it
    for loaded in (result, bad):
        (row,) = sql(
            programme,
            "SELECT status, message, message_code, message_params FROM loads WHERE batch_id = ?",
            [loaded.batch_id],
        )
        names = ("status", "message", "message_code", "message_params")
        stored = dict(zip(names, row, strict=True))
        assert stored["message"] == loaded.message
        for lang in LANGS:
            assert summary_text(stored, lang) == summary_text(loaded, lang)


def test_a_gap_in_migration_versions_is_applied_in_order(warehouse):
    versions = [m.version for m in migrations.available()]
    assert versions == sorted(versions) and 7 in versions
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        assert migrations.applied(con) == versions
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'load_issues'"
        ).fetchall()]  # fmt: skip
    finally:
        con.close()
    assert columns[-2:] == ["code", "params"]


# --- the command line ------------------------------------------------------------------------


def test_campaigns_lang_kk_prints_kazakh(invoke, tmp_path):
    bad = _bad_file(tmp_path)
    code, out, _ = invoke("--lang", "kk", "load", str(bad), "--campaign", "PDP-01")
    assert code == 1
    assert "reach теріс бола алмайды" in out
    assert "қабылданбады" in out and "не түзету керек" in out
    assert "cannot be negative" not in out and "what to fix" not in out


def test_campaigns_lang_from_the_environment_and_english_by_default(invoke, tmp_path, monkeypatch):
    bad = _bad_file(tmp_path)
    code, out, _ = invoke("load", str(bad), "--campaign", "PDP-01", "--dry-run")
    assert "reach cannot be negative, got '-5'" in out and "what to fix" in out
    monkeypatch.setenv("CAMPAIGNS_LANG", "ru")
    code, out, _ = invoke("load", str(bad), "--campaign", "PDP-01", "--dry-run")
    assert "reach не может быть отрицательным" in out and "что исправить" in out


def test_json_keeps_english_messages_with_code_and_params(invoke, tmp_path):
    code, _, summary = invoke(
        "--lang", "ru", "load", str(_bad_file(tmp_path)), "--campaign", "PDP-01", "--json"
    )
    first = summary["errors"][0]
    assert first["code"] == "cell.negative_count"
    assert first["params"] == {"column": "reach", "value": "-5"}
    assert first["message"].startswith("reach cannot be negative, got '-5'")
    assert summary["message"] == "rejected metrics (instagram): 3 errors, nothing loaded"


def test_no_refusal_or_issue_is_built_from_english_text_in_the_loader() -> None:
    """A refusal (``FileRejected``) or an ``Issue`` made from an f-string or a bare sentence
    would reach the user in English whatever the language: each takes a message."""
    found = []
    for path in ROOT.glob("etl/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "FileRejected" and node.args:
                text = node.args[0]
            elif name == "Issue" and len(node.args) >= 4:
                text = node.args[3]
            else:
                continue
            if isinstance(text, ast.JoinedStr | ast.BinOp) or (
                isinstance(text, ast.Constant) and isinstance(text.value, str)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


# --- the pages ------------------------------------------------------------------------------


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_loads_page_shows_a_batchs_errors_in_the_page_language(
    monkeypatch, programme, tmp_path, lang
):
    import conftest
    from conftest import downloads

    bad = load_file(programme, _bad_file(tmp_path), campaign="PDP-01", loaded_by="amina")
    stored = sql(
        programme,
        "SELECT row_number, code, params FROM load_issues WHERE batch_id = ? "
        "AND severity = 'error' ORDER BY row_number",
        [bad.batch_id],
    )
    at = conftest.open_page(monkeypatch, programme, "loads")
    at.selectbox(key="loads_batch").set_value(bad.batch_id).run()
    at.session_state["lang"] = lang  # the picker's choice, after the batch was picked
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["lang"] == lang
    shown = downloads(at, "loads_errors")
    assert "code" not in shown.columns and "params" not in shown.columns
    assert [(int(r), m) for r, m in shown[["row", "message"]].itertuples(index=False)] == [
        (row, messages.render(code, json.loads(params), lang)) for row, code, params in stored
    ]
    assert all(CYRILLIC.search(m) for m in shown["message"])


def test_a_sheet_load_says_its_summary_and_its_sheet_in_each_language() -> None:
    fields = {"status": "loaded", "kind": "feedback", "rows_read": 12, "rows_loaded": 12}
    said = messages.message(
        "sheets.loaded_from",
        summary={"code": "load_summary", "params": fields},
        title="Отзывы",
        worksheet="Ответы",
    )
    assert said == "loaded 12 of 12 rows of feedback from 'Отзывы' / Ответы"
    assert said.render("ru") == "загружено 12 из 12 строк: отзывы из «Отзывы» / Ответы"
    assert (
        said.render("kk") == "12 жолдың 12 жүктелді: кері байланыс («Отзывы» / Ответы кестесінен)"
    )


def test_the_preview_gives_each_rows_errors_with_their_codes(programme, tmp_path):
    result = load_file(
        programme, _bad_file(tmp_path), campaign="PDP-01", dry_run=True, preview_rows=10
    )
    assert [(i["row"], i["column"], i["code"]) for i in result.preview_issues] == [
        (2, "reach", "cell.negative_count"),
        (3, "reach", "stage.reach_above_impressions"),
        (4, "platform", "cell.unknown_platform_suggest"),
    ]
    by_row = {i.row: i for i in result.errors}
    for found in result.preview_issues:
        issue = by_row[found["row"]]
        assert (found["message"], found["params"]) == (issue.message, issue.params)
        assert issue_text(found, "kk") == issue.text("kk") != issue.message
    # the preview's own text of each row's errors stays the English one it was
    assert result.preview[0]["errors"] == f"reach: {by_row[2].message}"


def test_an_undo_refused_is_said_in_the_language_asked(invoke):
    code, out, _ = invoke("--lang", "ru", "undo", "999")
    assert code == 1
    assert "пакета 999 нет; список пакетов показывает `campaigns batches`" in " ".join(out.split())
    code, out, _ = invoke("undo", "999")
    assert "there is no batch 999" in out
