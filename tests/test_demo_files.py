"""The demo programme's files: deterministic, in our template formats, and internally consistent.

Expected values are computed here from the written files (csv, openpyxl), not from etl.demo.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from etl.demo import DATA_AS_OF, DemoFile, write_demo_files
from etl.demo.cycle import FIRST_PERIOD
from etl.kinds import AGE_GROUPS, PLATFORMS, header_words, template_header

SHEETS = ("organisations", "campaigns", "budget_lines", "kpi_targets", "channels")
CAMPAIGN_KINDS = ("metrics", "spend", "participants", "feedback")
COUNT_FIELDS = (
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "followers",
)
EU_CAP_EUR = 60_000


def _excel_ru(f: DemoFile) -> bool:
    """CEN-04's metrics and spend are saved by a Russian-locale Excel."""
    return f.campaign == "CEN-04" and f.kind in ("metrics", "spend")


def _read_csv(f: DemoFile) -> tuple[list[str], list[dict[str, str]]]:
    """Header as written, and rows keyed by the English template header (the field names)."""
    encoding, delimiter = ("cp1251", ";") if _excel_ru(f) else ("utf-8-sig", ",")
    with f.path.open(encoding=encoding, newline="") as fh:
        header, *rows = list(csv.reader(fh, delimiter=delimiter))
    keys = template_header(f.kind, "en")
    assert all(len(r) == len(header) for r in rows), f.path.name
    return header, [dict(zip(keys, r, strict=True)) for r in rows]


def _date(text: str) -> date:
    if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", text):
        return datetime.strptime(text, "%d.%m.%Y").date()
    return date.fromisoformat(text)


def _amount(text: str) -> float:
    if "," in text:  # 1 250 000,00
        return float(text.replace(" ", "").replace(",", "."))
    return float(text)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[DemoFile]:
    return write_demo_files(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def tables(demo: list[DemoFile]) -> dict[tuple[str, str | None], list[dict[str, str]]]:
    """Each kind's rows per campaign, its files' rows one after the other."""
    out: dict[tuple[str, str | None], list[dict[str, str]]] = {}
    for f in demo:
        if f.kind != "programme":
            out.setdefault((f.kind, f.campaign), []).extend(_read_csv(f)[1])
    return out


@pytest.fixture(scope="module")
def programme(demo: list[DemoFile]) -> dict[str, list[dict[str, object]]]:
    wb = openpyxl.load_workbook(demo[0].path)
    out = {}
    for kind in SHEETS:
        ws = wb[header_words()["sheets"][kind]["en"][0]]
        header, *rows = list(ws.iter_rows(values_only=True))
        out[kind] = [dict(zip(header, r, strict=True)) for r in rows]
    return out


@pytest.fixture(scope="module")
def campaigns(programme: dict) -> dict[str, dict[str, object]]:
    return {str(c["code"]): c for c in programme["campaigns"]}


def _period(c: dict[str, object]) -> tuple[date, date]:
    return c["start_date"].date(), c["end_date"].date()  # type: ignore[union-attr]


def _elapsed(c: dict[str, object]) -> float:
    start, end = _period(c)
    return ((DATA_AS_OF - start).days + 1) / ((end - start).days + 1)


def _budget(programme: dict) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for b in programme["budget_lines"]:
        assert b["currency"] == "KZT"
        out[str(b["campaign"])][str(b["line"])] = float(b["amount"])
    return out


def _spent(tables: dict, code: str) -> dict[str, float]:
    out: dict[str, float] = Counter()
    for r in tables[("spend", code)]:
        out[r["budget_line"]] += _amount(r["amount"])
    return out


# --------------------------------------------------------------------------------------------


def test_files_come_in_load_order(demo: list[DemoFile], campaigns: dict) -> None:
    assert [(f.kind, f.campaign) for f in demo[:2]] == [("programme", None), ("fx", None)]
    assert demo[0].path.suffix == ".xlsx"
    rest = demo[2:]
    assert len(campaigns) == 5
    # In the order the files came, each campaign's months in order, a month's kinds in the
    # template order (participants before the feedback on their events).
    assert [f.sent for f in demo] == sorted(f.sent for f in demo)
    for code in campaigns:
        mine = [f for f in rest if f.campaign == code]
        names = [f.path.name for f in mine]
        # The months before the reporting cycle in one file per kind, then one per month.
        assert names[:4] == [f"{k}_{code}.csv" for k in CAMPAIGN_KINDS]
        months = [re.fullmatch(rf"[a-z]+_{code}_(\d{{4}}-\d{{2}})\.csv", n) for n in names[4:]]
        assert all(months), names
        keys = [m.group(1) for m in months]
        assert keys == sorted(keys) and keys[0] == FIRST_PERIOD
        for key in dict.fromkeys(keys):
            kinds = [f.kind for f in mine[4:] if f.path.name.endswith(f"_{key}.csv")]
            assert kinds == [k for k in CAMPAIGN_KINDS if k in kinds], (code, key)
    assert all(f.path.is_file() for f in demo)


def test_each_file_holds_its_months(demo: list[DemoFile]) -> None:
    first = date.fromisoformat(FIRST_PERIOD + "-01")
    date_field = {"metrics": "date", "spend": "date", "participants": "event_date"}
    for f in demo[2:]:
        _, rows = _read_csv(f)
        assert rows, f.path.name
        field = date_field.get(f.kind, "submitted_at")
        days = {_date(r[field][:10]) for r in rows}
        month = re.search(r"_(\d{4}-\d{2})\.csv$", f.path.name)
        if month is None:
            assert max(days) < first, f.path.name
        else:
            assert {f"{d:%Y-%m}" for d in days} == {month.group(1)}, f.path.name


def test_same_seed_gives_identical_bytes(demo: list[DemoFile], tmp_path: Path) -> None:
    again = write_demo_files(tmp_path / "again")
    assert [f.path.name for f in again] == [f.path.name for f in demo]
    for a, b in zip(demo, again, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name
    other = write_demo_files(tmp_path / "other", seed=7)
    assert other[2].path.read_bytes() != demo[2].path.read_bytes()


def test_headers_are_the_template_headers(demo: list[DemoFile]) -> None:
    for f in demo[1:]:
        header, _ = _read_csv(f)
        lang = "ru" if _excel_ru(f) else "en"
        assert header == template_header(f.kind, lang), f.path.name


def test_programme_sheets_and_headers(demo: list[DemoFile]) -> None:
    wb = openpyxl.load_workbook(demo[0].path)
    names = [header_words()["sheets"][k]["en"][0] for k in SHEETS]
    assert wb.sheetnames == names == ["organisations", "campaigns", "budget", "targets", "channels"]
    for kind, name in zip(SHEETS, names, strict=True):
        first = [c.value for c in next(wb[name].iter_rows(min_row=1, max_row=1))]
        assert first == template_header(kind, "en")
    ws = wb["campaigns"]
    assert ws.cell(2, 7).is_date and ws.cell(2, 8).is_date


def test_programme_content(programme: dict, campaigns: dict) -> None:
    orgs = {o["code"] for o in programme["organisations"]}
    assert {o["city"] for o in programme["organisations"]} == {
        "Almaty",
        "Astana",
        "Shymkent",
        "Ust-Kamenogorsk",
        "Pavlodar",
    }
    assert set(campaigns) == {"PDP-01", "FOE-02", "DSEC-03", "CEN-04", "ATI-05"}
    assert len({c["organisation"] for c in campaigns.values()}) == 5
    for code, c in campaigns.items():
        start, end = _period(c)
        assert date(2026, 2, 1) <= start <= date(2026, 5, 1), code
        assert date(2026, 12, 31) <= end <= date(2027, 3, 31), code
        assert c["organisation"] in orgs and c["status"] == "active"
        assert set(str(c["languages"]).split(", ")) <= {"ru", "kk", "en"}
    targets = Counter(t["campaign"] for t in programme["kpi_targets"])
    assert set(targets) == set(campaigns) and all(3 <= n <= 5 for n in targets.values())
    channels = Counter(ch["campaign"] for ch in programme["channels"])
    assert all(2 <= channels[code] <= 4 for code in campaigns)
    assert {ch["platform"] for ch in programme["channels"]} <= set(PLATFORMS)


def test_excel_ru_files_use_russian_formats(demo: list[DemoFile], tables: dict) -> None:
    for f in demo:
        if _excel_ru(f):
            raw = f.path.read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert raw.decode("cp1251").splitlines()[0].count(";") >= 5
    assert all(
        re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", r["date"]) for r in tables[("metrics", "CEN-04")]
    )
    amounts = [r["amount"] for r in tables[("spend", "CEN-04")]]
    assert all(re.fullmatch(r"\d{1,3}( \d{3})*,\d{2}", a) for a in amounts)
    assert any(" " in a for a in amounts)
    assert all(re.fullmatch(r"\d+\.\d{2}", r["amount"]) for r in tables[("spend", "PDP-01")])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"]) for r in tables[("spend", "PDP-01")])


def test_fx_rates(tables: dict) -> None:
    rows = tables[("fx", None)]
    months = [f"2026-{m:02d}" for m in range(1, 12)]
    assert sorted((r["month"], r["currency"]) for r in rows) == sorted(
        (m, cur) for m in months for cur in ("KZT", "USD")
    )
    for r in rows:
        low, high = (590, 620) if r["currency"] == "KZT" else (1.08, 1.17)
        assert low <= float(r["units_per_eur"]) <= high


def test_reach_never_above_impressions(tables: dict, campaigns: dict) -> None:
    checked = 0
    for code in campaigns:
        for r in tables[("metrics", code)]:
            if r["reach"] and r["impressions"]:
                assert int(r["reach"]) <= int(r["impressions"]), r
                checked += 1
    assert checked > 10_000


def test_channel_impressions_cover_their_posts(tables: dict, campaigns: dict) -> None:
    for code in campaigns:
        channel: dict[tuple[str, str], int] = {}
        posts: dict[tuple[str, str], int] = Counter()
        for r in tables[("metrics", code)]:
            key = (r["date"], r["platform"])
            if not r["post_id"]:
                assert key not in channel, f"two channel rows for {key}"
                channel[key] = int(r["impressions"] or 0)
            elif r["impressions"]:
                posts[key] += int(r["impressions"])
        assert posts
        for key, total in posts.items():
            assert channel[key] >= total, (code, key)


def test_metrics_cover_every_day_for_6_to_9_months(
    tables: dict, campaigns: dict, programme: dict
) -> None:
    for code, c in campaigns.items():
        rows = tables[("metrics", code)]
        start, _ = _period(c)
        platforms = {ch["platform"] for ch in programme["channels"] if ch["campaign"] == code}
        days = {p: set() for p in platforms}
        for r in rows:
            if not r["post_id"]:
                days[r["platform"]].add(_date(r["date"]))
        expected = {start + timedelta(days=i) for i in range((DATA_AS_OF - start).days + 1)}
        for p in platforms:
            assert days[p] == expected, (code, p)
        months = ((DATA_AS_OF - start).days + 1) / 30.44
        assert 6 <= months <= 9, (code, months)


def test_metric_counts_are_non_negative_integers(tables: dict, campaigns: dict) -> None:
    for code in campaigns:
        post_days: Counter[str] = Counter()
        for r in tables[("metrics", code)]:
            for name in COUNT_FIELDS:
                assert r[name] == "" or re.fullmatch(r"\d+", r[name]), (code, name, r[name])
            if r["post_id"]:
                assert r["followers"] == "" and r["post_url"].startswith("https://")
                post_days[r["post_id"]] += 1
            else:
                assert r["followers"] and r["impressions"] + r["views"]
            if r["platform"] in ("telegram", "vk", "x"):
                assert r["saves"] == ""
            if r["platform"] == "x":
                assert r["views"] == "" and r["reach"] == ""
        assert max(post_days.values()) == 21
        assert all(
            re.fullmatch(r"[a-z]{1,2}_" + code.replace("-", "") + r"_\d{4}", p) for p in post_days
        )


def test_posts_per_week(tables: dict, campaigns: dict) -> None:
    for code, c in campaigns.items():
        first_day: dict[tuple[str, str], date] = {}
        for r in tables[("metrics", code)]:
            if r["post_id"]:
                key = (r["platform"], r["post_id"])
                first_day[key] = min(first_day.get(key, date.max), _date(r["date"]))
        weeks = ((DATA_AS_OF - _period(c)[0]).days + 1) / 7
        for platform in {p for p, _ in first_day}:
            n = sum(1 for p, _ in first_day if p == platform)
            assert 2 <= n / weeks <= 5.2, (code, platform, n / weeks)


def test_spend_references_unique_and_lines_in_budget(
    tables: dict, campaigns: dict, programme: dict
) -> None:
    budget = _budget(programme)
    seen: set[str] = set()
    for code, c in campaigns.items():
        start, _ = _period(c)
        rows = tables[("spend", code)]
        refs = [r["reference"] for r in rows]
        assert len(refs) == len(set(refs)), code
        assert not seen & set(refs)
        seen |= set(refs)
        assert all(re.fullmatch(re.escape(code) + r"/2026/\d{4}", ref) for ref in refs)
        for r in rows:
            assert r["budget_line"] in budget[code] and r["currency"] == "KZT"
            assert _amount(r["amount"]) > 0
            assert start <= _date(r["date"]) <= DATA_AS_OF
        for line, spent in _spent(tables, code).items():
            assert spent <= 1.4 * budget[code][line], (code, line)


def test_dsec_overspends_and_others_track_time(
    tables: dict, campaigns: dict, programme: dict
) -> None:
    budget = _budget(programme)
    share = {
        code: sum(_spent(tables, code).values()) / sum(budget[code].values()) for code in campaigns
    }
    elapsed = {code: _elapsed(c) for code, c in campaigns.items()}
    assert 0.8 <= share["DSEC-03"] <= 0.97
    assert 0.55 <= elapsed["DSEC-03"] <= 0.75
    assert share["DSEC-03"] > elapsed["DSEC-03"] + 0.15
    assert all(share["DSEC-03"] > s for code, s in share.items() if code != "DSEC-03")
    for code in ("PDP-01", "FOE-02", "CEN-04"):
        assert 0.8 <= share[code] / elapsed[code] <= 1.1, (code, share[code], elapsed[code])


def test_budgets_under_eu_cap(tables: dict, programme: dict) -> None:
    lowest_rate = min(
        float(r["units_per_eur"]) for r in tables[("fx", None)] if r["currency"] == "KZT"
    )
    for code, lines in _budget(programme).items():
        total = sum(lines.values())
        assert 15_000_000 <= total <= 30_000_000, code
        assert total / lowest_rate < EU_CAP_EUR, code
        direct = sum(v for k, v in lines.items() if not k.startswith("8."))
        assert lines["8.1"] == pytest.approx(0.07 * direct, abs=1)
        headings = {int(k.split(".")[0]) for k in lines}
        assert headings == {1, 2, 3, 5, 8}
    for b in programme["budget_lines"]:
        assert str(b["line"]).startswith(f"{b['heading']}.")


def test_participants_are_positive_integers(tables: dict, campaigns: dict) -> None:
    for code, c in campaigns.items():
        start, end = _period(c)
        rows = tables[("participants", code)]
        events = {r["event_code"] for r in rows}
        assert 3 <= len(events) <= 8
        assert all(re.fullmatch(re.escape(code) + r"-E\d{2}", e) for e in events)
        keys = set()
        for r in rows:
            assert re.fullmatch(r"[1-9]\d*", r["participants"]), r
            assert r["sex"] in ("female", "male", "other") and r["age_group"] in AGE_GROUPS
            assert start <= _date(r["event_date"]) <= min(end, DATA_AS_OF)
            key = (r["event_code"], r["region"], r["sex"], r["age_group"])
            assert key not in keys
            keys.add(key)


def test_feedback_links_to_events(tables: dict, campaigns: dict) -> None:
    comments = []
    for code, c in campaigns.items():
        event_day = {
            r["event_code"]: _date(r["event_date"]) for r in tables[("participants", code)]
        }
        rows = tables[("feedback", code)]
        assert 40 <= len(rows) <= 150, code
        languages = set(str(c["languages"]).split(", "))
        for r in rows:
            at = datetime.strptime(r["submitted_at"], "%Y-%m-%d %H:%M:%S")
            assert 0 <= (at.date() - event_day[r["event_code"]]).days <= 3
            assert at.date() <= DATA_AS_OF
            assert r["rating"] in "12345" and r["usefulness"] in "12345"
            assert r["would_recommend"] in ("yes", "no") and r["language"] in languages
            comments.append(r["comment"])
        with_comment = sum(1 for r in rows if r["comment"]) / len(rows)
        assert 0.2 <= with_comment <= 0.6, code
    text = "\n".join(comments)
    assert "aigerim.n@mail.kz" in text or "900101300123" in text or "+7 701" in text


def test_one_campaign_behind_pace_and_one_rated_lower(
    tables: dict, campaigns: dict, programme: dict
) -> None:
    pace = {}
    for t in programme["kpi_targets"]:
        if t["indicator_code"] != "OP1":
            continue
        code = str(t["campaign"])
        actual = sum(
            int(r["impressions"] or 0) for r in tables[("metrics", code)] if not r["post_id"]
        )
        pace[code] = actual / float(t["target"]) / _elapsed(campaigns[code])
    assert set(pace) == set(campaigns)
    assert pace["ATI-05"] < 0.6
    assert all(0.85 <= p <= 1.2 for code, p in pace.items() if code != "ATI-05"), pace

    positive = {
        code: sum(r["rating"] in "45" for r in tables[("feedback", code)])
        / len(tables[("feedback", code)])
        for code in campaigns
    }
    assert min(positive, key=positive.get) == "FOE-02"
