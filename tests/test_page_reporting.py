"""The Reporting page through AppTest on a real warehouse: the officers' grid of campaigns by
period (each cell the submission state and one sign per kind of file, worked out here from the
days the loads came), the steps an officer takes from the page (read back with
``etl.reporting``), the grantee's own rows, the comment of a return and the submission form,
and the page in Russian and Kazakh."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import METRICS_HEADER, open_page, write

from etl.accounts import User
from etl.load import load_file
from etl.reporting import DEFAULT_PATH, history, state, take_step
from etl.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("fresh_cache", "cycle_from_the_start")

ADR = User("grantee-ADR", "ADR", "grantee", organisation="ADR")  # runs PDP-01
OFFICER = User("olga", "Olga", "officer")
KINDS = ("metrics", "spend", "participants", "feedback")
SIGNS = {"received": "✓", "late": "!", "missing": "✗", "not_due": "·", "none": "–"}
SUBMISSIONS = {
    None: "⚪ not submitted",
    "submitted": "🟠 submitted",
    "returned": "🔴 returned",
    "approved": "🟢 approved",
    "reopened": "🟠 reopened",
}
STARTS = {"PDP-01": dt.date(2026, 3, 1), "FOE-02": dt.date(2026, 4, 1)}


@pytest.fixture
def cycle_from_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The programme's reporting file with the cycle running from each campaign's start (the
    shipped one starts it later), so that every period of the test programme is in it."""
    shipped = DEFAULT_PATH.read_text(encoding="utf-8")
    own = re.sub(r"(?m)^first_period\s*=.*$", "", shipped)
    assert own != shipped
    monkeypatch.setenv("CAMPAIGNS_REPORTING", str(write(tmp_path / "reporting.toml", own)))


def _load(wh: Warehouse, path: Path, campaign: str, received: str) -> int:
    result = load_file(wh, path, campaign=campaign)
    assert result.status == "loaded", result.errors
    with wh.writer() as con:  # the day the load came, as the load log keeps it
        con.execute(
            "UPDATE core.batch SET started_at = CAST(? AS TIMESTAMP), "
            "finished_at = CAST(? AS TIMESTAMP) WHERE batch_id = ?",
            [f"{received} 10:00:00", f"{received} 10:05:00", result.batch_id],
        )
    return result.batch_id


def _metrics(folder: Path, name: str, days: list[str]) -> Path:
    rows = [f"{d},instagram,,,{100 + i},,,,,,,," for i, d in enumerate(days)]
    return write(folder / name, METRICS_HEADER + "\n" + "\n".join(rows) + "\n")


# When each (campaign, period, kind) was first received.
RECEIVED = {
    ("PDP-01", "2026-03", "metrics"): dt.date(2026, 4, 10),  # due 15 April: on time
    ("PDP-01", "2026-04", "metrics"): dt.date(2026, 5, 20),  # due 15 May: late
    ("PDP-01", "2026-03", "spend"): dt.date(2026, 4, 16),  # a day late
    ("FOE-02", "2026-04", "metrics"): dt.date(2026, 5, 3),
    ("FOE-02", "2026-05", "metrics"): dt.date(2026, 5, 3),
}


@pytest.fixture
def cycle(programme: Warehouse, tmp_path: Path) -> dict[str, int]:
    """The programme with PDP-01's March metrics on time, its April metrics and March spend
    late, FOE-02's metrics of late April and early May in one load; the batch ids."""
    batches = {
        "pdp_march": _load(
            programme, _metrics(tmp_path, "m1.csv", ["2026-03-10"]), "PDP-01", "2026-04-10"
        ),
        "pdp_april": _load(
            programme, _metrics(tmp_path, "m2.csv", ["2026-04-05"]), "PDP-01", "2026-05-20"
        ),
        "pdp_spend": _load(
            programme,
            write(
                tmp_path / "s.csv",
                "date,budget_line,amount,currency,description,reference\n"
                "2026-03-20,1.1,1000,KZT,cost,R-1\n",
            ),
            "PDP-01",
            "2026-04-16",
        ),
        "foe": _load(
            programme,
            _metrics(tmp_path, "f.csv", ["2026-04-30", "2026-05-02"]),
            "FOE-02",
            "2026-05-03",
        ),
    }
    return batches


def _expected_cells(
    campaign: str, today: dt.date, submissions: dict[str, str] | None = None
) -> dict[str, str]:
    """Each monthly period of the campaign up to today, as its grid cell should read: a kind
    not received is missing once due, unless the period is submitted or approved without it
    (nothing to report)."""
    out = {}
    month = STARTS[campaign]
    while month <= today:
        key = f"{month:%Y-%m}"
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        due = last + dt.timedelta(days=15)
        signs = ""
        submitted = (submissions or {}).get(key)
        for kind in KINDS:
            came = RECEIVED.get((campaign, key, kind))
            if came is not None:
                signs += SIGNS["received" if came <= due else "late"]
            elif submitted in ("submitted", "approved"):
                signs += SIGNS["none"]
            else:
                signs += SIGNS["missing" if today > due else "not_due"]
        out[key] = f"{SUBMISSIONS[submitted]} {signs}"
        month = last + dt.timedelta(days=1)
    return out


def _frame(at, column: str):
    for element in at.dataframe:
        value = element.value
        frame = value.data if hasattr(value, "data") else value
        if column in frame.columns:
            return frame
    raise AssertionError(f"no table with a column {column!r}")


def _grid(at) -> dict[str, dict[str, str]]:
    frame = _frame(at, "organisation_name")
    periods = [c for c in frame.columns if re.fullmatch(r"\d{4}-\d{2}", c)]
    return {
        r["campaign"]: {p: r[p] for p in periods if isinstance(r[p], str)}
        for r in frame.to_dict("records")
    }


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


# --- the officers' grid -----------------------------------------------------------------------


def test_the_grid_shows_each_period_as_the_loads_and_steps_make_it(
    monkeypatch, programme: Warehouse, cycle
) -> None:
    take_step(programme, "submit", "PDP-01", "2026-03", ADR)
    take_step(programme, "submit", "PDP-01", "2026-04", ADR)
    take_step(programme, "return", "PDP-01", "2026-04", OFFICER, comment="Spend is missing")
    take_step(programme, "submit", "FOE-02", "2026-04", OFFICER)
    take_step(programme, "approve", "FOE-02", "2026-04", OFFICER)
    today = dt.date.today()

    at = open_page(monkeypatch, programme, "reporting")
    assert [t.value for t in at.title] == ["Reporting"]
    grid = _grid(at)
    assert grid == {
        "PDP-01": _expected_cells("PDP-01", today, {"2026-03": "submitted", "2026-04": "returned"}),
        "FOE-02": _expected_cells("FOE-02", today, {"2026-04": "approved"}),
    }
    # spot checks in the expectation's own words
    assert grid["PDP-01"]["2026-03"] == "🟠 submitted ✓!––"
    assert grid["PDP-01"]["2026-04"] == "🔴 returned !✗✗✗"
    frame = _frame(at, "organisation_name")
    assert list(frame.columns[:2]) == ["organisation_name", "campaign"]
    periods = list(frame.columns[2:])
    assert periods == sorted(periods, reverse=True)  # the latest period first
    assert list(frame["organisation_name"]) == ["Almaty Digital Rights", "Shymkent Media Club"]

    # filtering on one organisation keeps its campaigns only
    at.multiselect(key="reporting_orgs").set_value(["SMK"]).run()
    assert set(_grid(at)) == {"FOE-02"}


def test_the_detail_of_a_period_lists_its_loads_narrative_and_audit_trail(
    monkeypatch, programme: Warehouse, cycle
) -> None:
    narrative = {"achievements": "Три эфира", "success_story": "Bir oqıǵa"}
    take_step(programme, "submit", "PDP-01", "2026-03", ADR, narrative=narrative)
    at = open_page(monkeypatch, programme, "reporting", campaign="PDP-01")
    assert at.selectbox(key="reporting_campaign").value == "PDP-01"
    assert at.selectbox(key="reporting_period").value == "2026-03"  # the one waiting
    kinds = _frame(at, "loads")
    assert list(kinds["kind"]) == list(KINDS)
    assert list(kinds["state"]) == ["✓ received", "! late", "– nothing to report"] + [
        "– nothing to report"
    ]
    assert list(kinds["loads"]) == [f"#{cycle['pdp_march']}", f"#{cycle['pdp_spend']}", "", ""]
    assert list(kinds["due"]) == ["15 Apr 2026"] * 4
    assert list(kinds["received"]) == ["10 Apr 2026", "16 Apr 2026", "—", "—"]
    loads = _frame(at, "file")
    assert list(loads["batch_id"]) == [cycle["pdp_march"], cycle["pdp_spend"]]
    assert list(loads["file"]) == ["m1.csv", "s.csv"]
    assert list(loads["kind"]) == ["metrics", "spend"]
    assert list(loads["rows"]) == [1, 1]
    assert list(loads["open"]) == [f"loads?batch={b}" for b in loads["batch_id"]]
    texts = [t.value for t in at.text]
    assert "Три эфира" in texts and "Bir oqıǵa" in texts
    trail = _frame(at, "taken_at")
    assert list(zip(trail["username"], trail["role"], trail["action"], strict=True)) == [
        ("grantee-ADR", "grantee", "submitted")
    ]

    # The Loads page opens on the batch a link names.
    loads_page = open_page(monkeypatch, programme, "loads", batch=str(cycle["pdp_spend"]))
    assert loads_page.selectbox(key="loads_batch").value == cycle["pdp_spend"]


# --- the officer's steps ------------------------------------------------------------------------


def test_an_officer_returns_approves_and_reopens_from_the_page(
    monkeypatch, programme: Warehouse, cycle
) -> None:
    take_step(programme, "submit", "PDP-01", "2026-03", ADR)
    at = open_page(monkeypatch, programme, "reporting", campaign="PDP-01", lang="ru")
    assert at.selectbox(key="reporting_period").value == "2026-03"

    # Returning without a comment is refused, in the page's language; nothing changes.
    _button(at, "Вернуть грантополучателю").click().run()
    assert [e.value for e in at.error] == [
        "чтобы вернуть период, нужен комментарий для грантополучателя"
    ]
    assert state(programme, "PDP-01", "2026-03")["state"] == "submitted"

    at.text_area(key="reporting_return_comment").input("Добавьте расходы за март")
    _button(at, "Вернуть грантополучателю").click().run()
    now = state(programme, "PDP-01", "2026-03")
    assert (now["state"], now["comment"], now["changed_by"]) == (
        "returned",
        "Добавьте расходы за март",
        "officer",
    )
    assert any("PDP-01 2026-03 возвращён" in s.value.replace("\\", "") for s in at.success)
    assert _grid(at)["PDP-01"]["2026-03"].startswith("🔴 возвращён")

    take_step(programme, "submit", "PDP-01", "2026-03", ADR)
    at.run()
    _button(at, "Утвердить").click().run()
    now = state(programme, "PDP-01", "2026-03")
    assert (now["state"], now["approved_by"]) == ("approved", "officer")
    assert any("Утвердил(а) officer" in s.value.replace("\\", "") for s in at.success)

    _button(at, "Открыть заново").click().run()
    assert [e.value for e in at.error] == ["чтобы открыть период заново, нужна причина"]
    at.text_area(key="reporting_reopen_reason").input("Исправление расходов")
    _button(at, "Открыть заново").click().run()
    assert state(programme, "PDP-01", "2026-03")["state"] == "reopened"
    steps = [(h["action"], h["username"], h["role"]) for h in history(programme, "PDP-01")]
    assert steps == [
        ("submit", "grantee-ADR", "grantee"),
        ("return", "officer", "officer"),
        ("submit", "grantee-ADR", "grantee"),
        ("approve", "officer", "officer"),
        ("reopen", "officer", "officer"),
    ]


# --- the grantee --------------------------------------------------------------------------------


def test_a_grantee_sees_its_campaigns_the_comment_of_a_return_and_submits(
    monkeypatch, programme: Warehouse, cycle
) -> None:
    take_step(programme, "submit", "PDP-01", "2026-03", ADR)
    take_step(programme, "return", "PDP-01", "2026-03", OFFICER, comment="Participants missing")
    at = open_page(monkeypatch, programme, "reporting", user="grantee-ADR")
    assert set(_grid(at)) == {"PDP-01"}
    assert _grid(at)["PDP-01"] == _expected_cells(
        "PDP-01", dt.date.today(), {"2026-03": "returned"}
    )
    everything = "\n".join(
        str(e.value) for kind in ("markdown", "caption", "warning", "info", "text")
        for e in getattr(at, kind)
    ) + "\n".join(f.to_csv() for f in (
        (d.value.data if hasattr(d.value, "data") else d.value) for d in at.dataframe
    ))  # fmt: skip
    assert "FOE-02" not in everything and "Shymkent" not in everything
    assert any("Participants missing" in w.value.replace("\\", "") for w in at.warning)
    owes = _frame(at, "missing")
    march = owes[owes["period"] == "2026-03"].iloc[0]
    assert march["missing"] == "participants, feedback"
    assert march["late"] == "spend"
    assert not [b for b in at.button if b.label in ("Approve", "Reopen")]

    # The returned period waits for the grantee: it is the one picked, with its upload link.
    assert at.selectbox(key="reporting_period").value == "2026-03"
    links = [(p.proto.label, p.proto.page) for p in at.page_link]
    assert any(label == "Upload a file for PDP-01" for label, _ in links)
    at.text_area(key="reporting_achievements").input("Две встречи в Алматы")
    at.text_area(key="reporting_challenges").input("")
    at.text_area(key="reporting_success_story").input("Бір оқиға")
    next(b for b in at.button if b.label == "Submit the period again").click().run()
    assert not at.exception
    now = state(programme, "PDP-01", "2026-03")
    assert now["state"] == "submitted"
    assert json.loads(now["narrative"]) == {
        "achievements": "Две встречи в Алматы",
        "success_story": "Бір оқиға",
    }
    assert history(programme, "PDP-01", "2026-03")[-1]["username"] == "grantee-ADR"
    assert _grid(at)["PDP-01"]["2026-03"].startswith("🟠 submitted")


# --- languages ----------------------------------------------------------------------------------

# Text of the data, not of the page: codes, usernames, organisation names; and the table
# columns holding such text (names, files, who loaded, links).
DATA_WORDS = {"PDP", "FOE", "ADR", "SMK", "officer", "grantee", "Almaty", "Digital", "Rights",
              "Shymkent", "Media", "Club"}  # fmt: skip
DATA_COLUMNS = {"organisation_name", "campaign", "file", "loaded_by", "username", "comment", "open"}


def _page_words(at) -> list[str]:
    """Every Latin word the page itself shows (titles, texts, messages, labels of widgets and
    of table columns, the tables' text cells), other than the data's own."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "text", "info", "warning",
                 "error", "success"):  # fmt: skip
        parts += [str(e.value) for e in getattr(at, kind)]
    widgets = (*at.selectbox, *at.multiselect, *at.text_area, *at.button)
    parts += [w.label for w in widgets if w.key != "lang"]  # the picker names every language
    parts += [w.label for w in at.get("select_slider")] if at.get("select_slider") else []
    parts += [e.proto.label for e in at.get("expander")]
    for element in at.dataframe:
        columns = json.loads(element.proto.columns or "{}")
        parts += [c.get("label", "") for c in columns.values()]
        value = element.value
        frame = value.data if hasattr(value, "data") else value
        for column in frame.columns:
            if column not in DATA_COLUMNS:
                parts += [v for v in frame[column] if isinstance(v, str)]
    text = "\n".join(parts)
    text = re.sub(r":material/[a-z_]+:", " ", text)
    words = re.findall(r"[A-Za-z]{3,}", text)
    return sorted({w for w in words if w not in DATA_WORDS})


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_page_has_no_english_left_in_russian_and_kazakh(
    monkeypatch, programme: Warehouse, cycle, lang: str
) -> None:
    take_step(programme, "submit", "PDP-01", "2026-03", ADR, narrative={"challenges": "Жара"})
    take_step(programme, "submit", "PDP-01", "2026-04", ADR)
    take_step(programme, "return", "PDP-01", "2026-04", OFFICER, comment="Қайта жіберіңіз")
    officer = open_page(monkeypatch, programme, "reporting", campaign="PDP-01", lang=lang)
    assert _page_words(officer) == []
    grantee = open_page(monkeypatch, programme, "reporting", user="grantee-ADR", lang=lang)
    assert _page_words(grantee) == []
    english = _page_words(open_page(monkeypatch, programme, "reporting", campaign="PDP-01"))
    assert {"Reporting", "Approve", "Return"} <= set(english)  # the check does find English


def test_viewers_do_not_get_the_page(monkeypatch, programme: Warehouse) -> None:
    at = open_page(monkeypatch, programme, "reporting", user="viewer")
    assert "Reporting" not in [t.value for t in at.title]
    assert not [b for b in at.button if b.label == "Approve"]


def test_a_periods_reads_stay_within_the_readers_scope(programme: Warehouse, cycle) -> None:
    """The period reads of ``dashboard.metrics.reporting`` go through the scoped reader: a
    grantee of another organisation reads nothing of PDP-01's period."""
    from dashboard import reader
    from dashboard.metrics import reporting

    take_step(programme, "submit", "PDP-01", "2026-03", ADR, narrative={"challenges": "Heat"})
    batches = [cycle["pdp_march"], cycle["pdp_spend"]]
    assert reporting.submission(programme, "PDP-01", "2026-03")["narrative"] == {
        "challenges": "Heat"
    }
    assert list(reporting.period_loads(programme, batches)["batch_id"]) == batches
    assert list(reporting.period_history(programme, "PDP-01", "2026-03")["action"]) == ["submit"]
    with reader.scoped(reader.Scope(organisation="SMK")):
        assert reporting.submission(programme, "PDP-01", "2026-03") is None
        assert reporting.period_loads(programme, batches).empty
        assert reporting.period_history(programme, "PDP-01", "2026-03").empty
        assert set(reporting.owed(programme, dt.date.today())["campaign"]) == {"FOE-02"}
