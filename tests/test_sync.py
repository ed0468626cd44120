"""``campaigns sync``: Google Sheets into the warehouse, against a fake Google over real HTTP.

The fake (``tests/fake_google.py``) signs the service account in and serves the Sheets API on
127.0.0.1; the real gspread client talks to it through ``CAMPAIGNS_SHEETS_API_URL``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import core_counts
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_google import FakeGoogle

from etl.sheets import column_letter, tidy, to_csv
from etl.sources import load_sources, spreadsheet_key

KEY = "1PdpMetrics2026aBcDeFgHiJkLmNoPqRsTuVwXyZ0"
FEEDBACK_KEY = "1FeedbackForm2026aBcDeFgHiJkLmNoPqRsTuVw"
OTHER_KEY = "1FoeMetrics2026aBcDeFgHiJkLmNoPqRsTuVwXyZ"
HEADER = ["date", "platform", "impressions", "reach", "likes", "followers"]
DAILY = [
    HEADER,
    ["21.11.2026", "instagram", "12\u00a0400", "8\u00a0100", "410", "5\u00a0210"],
    ["22.11.2026", "instagram", "13\u00a0050", "8\u00a0420", "388", "5\u00a0240"],
    ["22.11.2026", "telegram", "2\u00a0200", "1\u00a0900", "35", "1\u00a0010"],
]
METRICS_SOURCE = f"""
[sources.pdp-metrics]
spreadsheet = "https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
worksheet = "Daily"
kind = "metrics"
campaign = "PDP-01"
"""

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", ""))


@pytest.fixture
def google(tmp_path: Path, monkeypatch):
    """The fake Google, the service account's key file and the settings that point at them."""
    with FakeGoogle(key=_KEY, slow_seconds=1.5) as fake:
        key_file = tmp_path / "service-account.json"
        key_file.write_text(json.dumps(fake.service_account()), encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(key_file))
        monkeypatch.setenv("CAMPAIGNS_SHEETS_API_URL", fake.url)
        monkeypatch.setenv("CAMPAIGNS_SYNC_BACKOFF", "0.001")
        monkeypatch.setenv("CAMPAIGNS_SYNC_TIMEOUT", "0.5")
        monkeypatch.delenv("CAMPAIGNS_SOURCES", raising=False)
        fake.add(KEY, "PDP metrics 2026", {"Daily": [list(r) for r in DAILY], "Notes": []})
        yield fake


@pytest.fixture
def sync(google, invoke):
    """Run ``campaigns sync`` with the given sources file; no output may hold a secret."""
    secret_lines = [
        line for line in google.private_key_pem().splitlines() if "PRIVATE KEY" not in line
    ]

    def run(sources: str | None, *args: str):
        if sources is not None:
            Path("sources.toml").write_text(sources, encoding="utf-8")
        code, output, parsed = invoke("sync", *args)
        assert "PRIVATE KEY" not in output
        assert not any(line in output for line in secret_lines)
        assert not any(token in output for token in google.tokens_issued)
        assert "Traceback" not in output
        return code, output, parsed

    return run


def by_name(parsed) -> dict:
    return {r["name"]: r for r in parsed}


def test_a_metrics_sheet_lands_in_channel_daily(sync, query, google):
    code, output, _ = sync(METRICS_SOURCE)
    assert code == 0, output
    assert "pdp-metrics" in output and "loaded" in output

    rows = query(
        "SELECT platform, day, impressions, reach_day, likes, followers FROM channel_daily "
        "WHERE campaign_code = 'PDP-01' ORDER BY day, platform"
    )
    expected = sorted(
        (
            r[1],
            dt.datetime.strptime(r[0], "%d.%m.%Y").date(),
            number(r[2]),
            number(r[3]),
            number(r[4]),
            number(r[5]),
        )
        for r in DAILY[1:]
    )
    assert sorted(rows, key=lambda r: (r[1], r[0])) == sorted(expected, key=lambda r: (r[1], r[0]))
    (source, name, status, loaded) = query(
        "SELECT source, source_name, status, rows_loaded FROM loads ORDER BY batch_id DESC LIMIT 1"
    )[0]
    assert (source, status, loaded) == ("sheet", "loaded", 3)
    assert name == "pdp-metrics: PDP metrics 2026 / Daily"


def test_json_gives_one_summary_per_source(sync):
    code, _, parsed = sync(METRICS_SOURCE, "--json")
    assert code == 0
    (r,) = parsed
    assert r["name"] == "pdp-metrics" and r["status"] == "loaded"
    assert (r["rows_read"], r["rows_loaded"], r["rows_rejected"]) == (3, 3, 0)
    assert isinstance(r["batch_id"], int) and r["errors"] == []
    assert r["kind"] == "metrics" and r["campaign"] == "PDP-01" and r["spreadsheet"] == KEY
    assert r["message"]


def test_an_unchanged_sheet_changes_nothing(sync, query):
    code, _, first = sync(METRICS_SOURCE, "--json")
    assert code == 0
    before = core_counts(query)
    code, output, _ = sync(None)
    assert code == 0
    batch = first[0]["batch_id"]
    assert "unchanged" in output and f"batch {batch}" in output
    code, _, again = sync(None, "--json")
    assert code == 0
    assert again[0]["status"] == "unchanged" and again[0]["batch_id"] == batch
    assert again[0]["rows_loaded"] == 0
    assert core_counts(query) == before


def test_an_edited_cell_replaces_its_value_without_double_counting(sync, query, google):
    assert sync(METRICS_SOURCE)[0] == 0
    edited = [list(r) for r in DAILY]
    edited[2][2] = "14\u00a0000"
    google.add(KEY, "PDP metrics 2026", {"Daily": edited})
    code, _, parsed = sync(None, "--json")
    assert code == 0 and parsed[0]["status"] == "loaded"

    total = sum(number(r[2]) for r in edited[1:])
    assert query("SELECT sum(impressions), count(*) FROM channel_daily") == [(total, 3)]
    assert query(
        "SELECT impressions FROM channel_daily WHERE day = '2026-11-22' AND platform = 'instagram'"
    ) == [(14000.0,)]


def test_forms_feedback_loads_through_the_columns_table(sync, query, google):
    rating_q = "Насколько полезным было мероприятие?\n(1 — совсем нет, 5 — очень)"
    google.add(
        FEEDBACK_KEY,
        "Обратная связь (ответы)",
        {
            "Ответы на форму (1)": [
                [
                    "Отметка времени",
                    rating_q,
                    "Порекомендуете ли вы нас друзьям?",
                    "Ваш комментарий",
                    "Адрес электронной почты",
                ],
                [
                    "21.11.2026 9:03:12",
                    "5",
                    "Да",
                    "Очень полезно, пишите: a.s@mail.kz",
                    "a.s@mail.kz",
                ],
                ["21.11.2026 18:40:00", "4", "Нет", "", ""],
                ["22.11.2026 10:15:31", "3", "Да", "Мало времени на вопросы", ""],
            ]
        },
    )
    sources = f"""
[sources.pdp-feedback]
spreadsheet = "{FEEDBACK_KEY}"
kind = "feedback"
campaign = "PDP-01"

[sources.pdp-feedback.columns]
"Отметка времени" = "submitted_at"
"Насколько полезным было мероприятие? (1 — совсем нет, 5 — очень)" = "usefulness"
"Порекомендуете ли вы нас друзьям?" = "would_recommend"
"Ваш комментарий" = "comment"
"""
    code, output, parsed = sync(sources, "--json")
    assert code == 0, output
    (r,) = parsed
    assert r["status"] == "loaded" and r["rows_loaded"] == 3
    assert r["worksheet"] == "Ответы на форму (1)"
    rows = query(
        "SELECT submitted_at, usefulness, would_recommend, comment FROM feedback "
        "WHERE campaign_code = 'PDP-01' ORDER BY submitted_at"
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (dt.datetime(2026, 11, 21, 9, 3, 12), 5, True),
        (dt.datetime(2026, 11, 21, 18, 40), 4, False),
        (dt.datetime(2026, 11, 22, 10, 15, 31), 3, True),
    ]
    assert "a.s@mail.kz" not in str(rows)


def test_formatted_numbers_serial_dates_blank_headers_and_trailing_cells(sync, query, google):
    serial = 46347
    day = dt.date(1899, 12, 30) + dt.timedelta(days=serial)
    values = [
        ["Отчёт PDP-01, ноябрь", "", "", "", "", "", ""],
        ["Дата", "Платформа", "Показы", "", "Охват", "Лайки", ""],
        [str(serial), "Instagram", "1 234", "note", "1\u00a0000", "12", ""],
        ["22.11.2026", "Телеграм", "2\u202f500", "", "2 000", "7"],
        ["", "", "", "", "", "", ""],
        ["", ""],
        [],
    ]
    google.add(KEY, "PDP metrics 2026", {"Daily": values})
    code, output, parsed = sync(METRICS_SOURCE, "--json")
    assert code == 0, output
    (r,) = parsed
    assert (r["status"], r["rows_loaded"]) == ("loaded", 2)
    assert any(w["column"] == "column D" for w in r["warnings"]), r["warnings"]
    assert query(
        "SELECT day, platform, impressions, reach_day, likes FROM channel_daily ORDER BY day"
    ) == [
        (day, "instagram", 1234.0, 1000.0, 12.0),
        (dt.date(2026, 11, 22), "telegram", 2500.0, 2000.0, 7.0),
    ]


def test_tidy_trims_trailing_rows_and_columns_and_csv_is_stable():
    values = [["a", "b", ""], ["1", "", "", ""], ["", "2"], ["", " "], []]
    rows = tidy(values)
    assert rows == [["a", "b"], ["1", ""], ["", "2"]]
    assert to_csv(rows) == to_csv(tidy(values)) == b"a,b\n1,\n,2\n"
    assert tidy([[], [""]]) == []
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


@pytest.mark.parametrize(
    "value",
    [
        KEY,
        f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0",
        f"https://docs.google.com/spreadsheets/d/{KEY}",
        f"docs.google.com/spreadsheets/d/{KEY}/edit?usp=sharing",
        f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/edit",
    ],
)
def test_spreadsheet_key_from_a_key_or_an_address(value):
    assert spreadsheet_key(value) == KEY


@pytest.mark.parametrize("status", [429, 500, 503])
def test_passing_failures_are_tried_again(sync, google, status):
    google.fail(KEY, status, endpoint="values")
    code, output, parsed = sync(METRICS_SOURCE, "--json")
    assert code == 0, output
    assert parsed[0]["status"] == "loaded"
    assert google.count(KEY, "values") == 2


def test_a_slow_answer_is_tried_again(sync, google):
    google.fail(KEY, "slow", endpoint="values")
    code, _, parsed = sync(METRICS_SOURCE, "--json")
    assert code == 0 and parsed[0]["status"] == "loaded"
    assert google.count(KEY, "values") == 2


@pytest.mark.parametrize(
    "failure, reason",
    [
        (500, "HTTP 500 after 4 attempts"),
        ("slow", "no answer within 0.5 s after 4 attempts"),
        ("partial", "the answer was cut short after 4 attempts"),
    ],
)
def test_a_source_that_cannot_be_read_leaves_the_warehouse_alone(
    sync, google, query, failure, reason
):
    google.add(OTHER_KEY, "FOE metrics", {"Sheet1": [list(r) for r in DAILY]})
    google.fail(KEY, failure, endpoint="values", times=None)
    sources = (
        METRICS_SOURCE
        + f"""
[sources.foe-metrics]
spreadsheet = "{OTHER_KEY}"
campaign = "FOE-02"
"""
    )
    before = core_counts(query)
    code, _, parsed = sync(sources, "--source", "pdp-metrics", "--json")
    assert code == 1
    (r,) = parsed
    assert r["status"] == "failed" and reason in r["message"] and r["batch_id"] is None
    assert r["errors"][0]["message"] == r["message"]
    assert core_counts(query) == before
    assert google.count(KEY, "values") == 4

    code, _, parsed = sync(None, "--json")
    assert code == 1
    results = by_name(parsed)
    assert results["pdp-metrics"]["status"] == "failed"
    assert results["foe-metrics"]["status"] == "loaded"
    assert query("SELECT count(*) FROM loads WHERE source_name LIKE 'pdp-metrics%'") == [(0,)]
    assert query("SELECT count(*) FROM channel_daily WHERE campaign_code = 'FOE-02'") == [(3,)]
    assert query("SELECT count(*) FROM channel_daily WHERE campaign_code = 'PDP-01'") == [(0,)]


def test_a_sheet_not_shared_says_whom_to_share_it_with(sync, google):
    google.add(OTHER_KEY, "FOE metrics", {"Sheet1": [list(r) for r in DAILY]})
    google.fail(KEY, 403, times=None)
    sources = METRICS_SOURCE + f'[sources.foe]\nspreadsheet = "{OTHER_KEY}"\ncampaign = "FOE-02"\n'
    code, _, parsed = sync(sources, "--json")
    assert code == 1
    results = by_name(parsed)
    message = results["pdp-metrics"]["message"]
    assert "not shared with the service account" in message
    assert google.email in message and "share it with that address" in message
    assert google.count(KEY) == 1
    assert results["foe"]["status"] == "loaded"

    code, output, _ = sync(None)
    assert code == 1
    flat = " ".join(output.split())
    assert "pdp-metrics" in flat and "failed" in flat and "unchanged" in flat
    assert "1 of 2 sources not loaded" in flat


def test_a_missing_spreadsheet_or_worksheet_is_named(sync, google):
    sources = f"""
[sources.gone]
spreadsheet = "1NoSuchSheet0123456789abcdef"
campaign = "PDP-01"

[sources.wrong-tab]
spreadsheet = "{KEY}"
worksheet = "Weekly"
campaign = "PDP-01"
"""
    code, _, parsed = sync(sources, "--json")
    assert code == 1
    results = by_name(parsed)
    assert "not found (HTTP 404)" in results["gone"]["message"]
    assert google.email in results["gone"]["message"]
    assert "no worksheet 'Weekly'" in results["wrong-tab"]["message"]
    assert "'Daily', 'Notes'" in results["wrong-tab"]["message"]


def test_a_sheet_with_wrong_values_is_rejected_with_its_rows(sync, google, query):
    bad = [list(r) for r in DAILY]
    bad[3][1] = "Telegarm"
    google.add(KEY, "PDP metrics 2026", {"Daily": bad})
    before = query("SELECT count(*) FROM channel_daily")
    code, output, _ = sync(METRICS_SOURCE)
    assert code == 1
    assert "rejected" in output and "Telegarm" in output
    code, _, parsed = sync(None, "--json")
    (r,) = parsed
    assert r["status"] == "rejected" and r["rows_loaded"] == 0
    assert any(e["row"] == 4 and e["column"] == "platform" for e in r["errors"])
    assert query("SELECT count(*) FROM channel_daily") == before


def test_a_refused_sign_in_is_reported_without_the_key(sync, google, tmp_path, monkeypatch):
    other = dict(google.service_account())
    stranger = FakeGoogle(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    other["private_key"] = stranger.private_key_pem()
    stranger.server.server_close()
    key_file = tmp_path / "other.json"
    key_file.write_text(json.dumps(other), encoding="utf-8")
    monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(key_file))
    code, output, _ = sync(METRICS_SOURCE, "--json")
    assert code == 1
    assert "refused the service account's sign-in" in output
    assert "PRIVATE KEY" not in output
    assert not any(
        line in output
        for line in stranger.private_key_pem().splitlines()
        if "PRIVATE KEY" not in line
    )


def test_the_key_can_sit_in_streamlit_secrets(sync, google, monkeypatch):
    monkeypatch.delenv("CAMPAIGNS_GOOGLE_CREDENTIALS")
    Path(".streamlit").mkdir()
    lines = ["[gcp_service_account]"] + [
        f"{k} = {json.dumps(v)}" for k, v in google.service_account().items()
    ]
    Path(".streamlit/secrets.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output, _ = sync(METRICS_SOURCE)
    assert code == 0, output


def test_a_config_path_from_the_option_or_the_setting(sync, google, tmp_path, monkeypatch):
    path = tmp_path / "elsewhere.toml"
    path.write_text(METRICS_SOURCE, encoding="utf-8")
    code, output, _ = sync(None, "--config", str(path))
    assert code == 0, output
    monkeypatch.setenv("CAMPAIGNS_SOURCES", str(path))
    code, output, _ = sync(None)
    assert code == 0 and "unchanged" in output


@pytest.mark.parametrize(
    "sources, args, words",
    [
        (None, (), ["no sources file at sources.toml", "sources.example.toml"]),
        ("[sources.a\nspreadsheet = 1", (), ["sources.toml is not valid TOML", "line 1"]),
        (
            METRICS_SOURCE + 'sheet = "Daily"\n',
            (),
            ["sources.toml", "'pdp-metrics'", "unknown key 'sheet'"],
        ),
        (
            '[sources.pdp]\ncampaign = "PDP-01"\n',
            (),
            ["sources.toml", "'pdp'", "spreadsheet is missing"],
        ),
        (
            '[sources.pdp]\nspreadsheet = "https://example.com/d/abc"\ncampaign = "PDP-01"\n',
            (),
            ["'pdp'", "not the address of a Google spreadsheet"],
        ),
        (
            '[sources.pdp]\nspreadsheet = "my sheet"\ncampaign = "PDP-01"\n',
            (),
            ["'pdp'", "neither a spreadsheet key nor its address"],
        ),
        (
            f'[sources.pdp]\nspreadsheet = "{KEY}"\nkind = "metric"\ncampaign = "PDP-01"\n',
            (),
            ["'pdp'", "kind 'metric'", "metrics"],
        ),
        (
            f'[sources.pdp]\nspreadsheet = "{KEY}"\nkind = "metrics"\n',
            (),
            ["'pdp'", "campaign is missing"],
        ),
        (
            f'[sources.pdp]\nspreadsheet = "{KEY}"\nkind = "feedback"\ncampaign = "PDP-01"\n'
            '[sources.pdp.columns]\n"Оценка" = "score"\n',
            (),
            ["'pdp'", "columns maps 'Оценка' to 'score'", "usefulness"],
        ),
        ('title = "x"\n' + METRICS_SOURCE, (), ["unknown key 'title'"]),
        ("", (), ["describes no sources"]),
        (METRICS_SOURCE, ("--source", "pdp"), ["has no source 'pdp'", "'pdp-metrics'"]),
    ],
)
def test_config_errors_are_usage_errors(sync, google, sources, args, words):
    if sources is None:
        Path("sources.toml").unlink(missing_ok=True)
        code, output, _ = sync(None, *args)
    else:
        code, output, _ = sync(sources, *args)
    assert code == 2, output
    flat = " ".join(output.split())
    for word in words:
        assert word in flat, (word, output)
    assert google.requests == []


@pytest.mark.parametrize(
    "setup, words",
    [
        ("none", ["no Google service account", "CAMPAIGNS_GOOGLE_CREDENTIALS"]),
        ("missing", ["CAMPAIGNS_GOOGLE_CREDENTIALS names", "does not exist"]),
        ("not json", ["is not a JSON key file"]),
        ("user key", ["key of type 'authorized_user'"]),
        ("bad key", ["private key of the service account", "cannot be read"]),
        ("bad backoff", ["CAMPAIGNS_SYNC_BACKOFF must be a number of seconds"]),
    ],
)
def test_credential_errors_are_usage_errors(sync, google, monkeypatch, tmp_path, setup, words):
    key_file = tmp_path / "key.json"
    info = google.service_account()
    if setup == "none":
        monkeypatch.delenv("CAMPAIGNS_GOOGLE_CREDENTIALS")
    elif setup == "missing":
        monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(tmp_path / "nope.json"))
    elif setup == "not json":
        key_file.write_text(info["private_key"], encoding="utf-8")
        monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(key_file))
    elif setup == "user key":
        key_file.write_text(json.dumps({"type": "authorized_user", "refresh_token": "x"}))
        monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(key_file))
    elif setup == "bad key":
        info["private_key"] = info["private_key"][:200] + "garbage"
        key_file.write_text(json.dumps(info), encoding="utf-8")
        monkeypatch.setenv("CAMPAIGNS_GOOGLE_CREDENTIALS", str(key_file))
    elif setup == "bad backoff":
        monkeypatch.setenv("CAMPAIGNS_SYNC_BACKOFF", "soon")
    code, output, _ = sync(METRICS_SOURCE)
    assert code == 2, output
    flat = " ".join(output.split())
    for word in words:
        assert word in flat, (word, output)
    assert info["private_key"][40:100] not in output


def test_the_example_sources_file_is_valid_once_uncommented(tmp_path):
    root = Path(__file__).resolve().parents[1]
    lines = (root / "sources.example.toml").read_text(encoding="utf-8").splitlines()
    toml = [ln[2:] if re.match(r'# (\[|"|\w+ = )', ln) else ln for ln in lines]
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(toml) + "\n", encoding="utf-8")
    # The mapping it names sits at the same place relative to the file.
    shutil.copytree(root / "data" / "forms", tmp_path / "data" / "forms")
    sources = load_sources(path)
    assert [s.name for s in sources] == ["pdp-metrics", "pdp-spend", "pdp-feedback", "fx"]
    assert sources[2].mapping.questions["usefulness"] == ("Насколько полезным было мероприятие?",)
    assert sources[0].spreadsheet == "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEf"


def test_a_form_sheet_loads_through_its_mapping(sync, query, google, tmp_path):
    """A responses sheet with a reworded question, worded answers and contacts."""
    google.add(
        FEEDBACK_KEY,
        "Семинар (ответы)",
        {
            "Ответы на форму (1)": [
                [
                    "Отметка времени",
                    "Электронная почта",
                    "Оцените семинар",
                    "Полезно ли?",
                    "Оцените семинар в целом",
                ],
                ["21.11.2026 9:03:12", "a.s@mail.kz", "9", "Очень полезно", ""],
                ["22.11.2026 10:15:31", "b@mail.kz", "", "Скорее полезно", "6"],
            ]
        },
    )
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "seminar.toml").write_text(
        '[questions]\nrating = ["Оцените семинар в целом", "Оцените семинар"]\n'
        'usefulness = "Полезно ли"\n[scales]\nrating = 10\n[form]\nevent = "W1"\n',
        encoding="utf-8",
    )
    sources = f"""
[sources.seminar]
spreadsheet = "{FEEDBACK_KEY}"
campaign = "PDP-01"
mapping = "forms/seminar.toml"
"""
    code, output, parsed = sync(sources, "--json")
    assert code == 0, output
    assert by_name(parsed)["seminar"]["rows_loaded"] == 2
    assert query(
        "SELECT submitted_at, rating, rating_scale, usefulness, event_code FROM feedback "
        "ORDER BY submitted_at"
    ) == [
        (dt.datetime(2026, 11, 21, 9, 3, 12), 9, 10, 5, "W1"),
        (dt.datetime(2026, 11, 22, 10, 15, 31), 6, 10, 4, "W1"),
    ]
    assert query(
        "SELECT count(*) FROM core.feedback_response WHERE respondent_email IS NOT NULL"
    ) == [(0,)]
    # Unchanged sheet and mapping: nothing to do.
    code, _, parsed = sync(None, "--json")
    assert (code, by_name(parsed)["seminar"]["status"]) == (0, "unchanged")


def test_a_bad_mapping_is_a_config_error(sync, google, tmp_path):
    (tmp_path / "m.toml").write_text("[questions]\nratng = 'x'\n", encoding="utf-8")
    code, output, _ = sync(
        f'[sources.s]\nspreadsheet = "{KEY}"\ncampaign = "PDP-01"\nmapping = "m.toml"\n'
    )
    assert code == 2 and "ratng is not a field" in output
