"""`campaigns load`, `list`, `batches` and `undo` on a real warehouse, asserting exact rows."""

from __future__ import annotations

from pathlib import Path

from conftest import METRICS_HEADER, core_counts, write


def metrics_file(tmp_path: Path, rows: list[str], name: str = "metrics.csv") -> Path:
    return write(tmp_path / name, METRICS_HEADER + "\n" + "\n".join(rows) + "\n")


ROWS = [
    "2026-03-02,instagram,,,1000,800,,50,5,3,2,10,1200",
    "2026-03-03,instagram,,,1500,900,,70,6,4,1,12,1230",
    "2026-03-02,telegram,,,,,2500,30,2,9,,,800",
    "2026-03-02,instagram,p1,https://instagram.com/p/p1,600,500,400,40,4,2,2,5,",
]


def test_load_reports_detected_kind_and_loads_every_figure(invoke, query, tmp_path):
    code, out, summary = invoke(
        "load", str(metrics_file(tmp_path, ROWS)), "--campaign", "PDP-01", "--json"
    )
    assert code == 0, out
    assert summary["status"] == "loaded"
    assert summary["kind"] == "metrics" and summary["kind_detected"] is True
    assert summary["platform"] == "instagram, telegram"
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (4, 4, 0)
    assert summary["errors"] == []
    batch = summary["batch_id"]
    assert query(
        "SELECT day, platform, impressions, reach_day, views, likes, followers "
        "FROM channel_daily ORDER BY day, platform"
    ) == [
        (__import__("datetime").date(2026, 3, 2), "instagram", 1000, 800, None, 50, 1200),
        (__import__("datetime").date(2026, 3, 2), "telegram", None, None, 2500, 30, 800),
        (__import__("datetime").date(2026, 3, 3), "instagram", 1500, 900, None, 70, 1230),
    ]
    assert query("SELECT post_id, impressions, reach_day FROM post_daily") == [("p1", 600, 500)]
    assert query("SELECT platform, post_id, url FROM content_items") == [
        ("instagram", "p1", "https://instagram.com/p/p1")
    ]
    # Every fact names the batch that wrote it and the row of the file it came from.
    assert query("SELECT DISTINCT batch_id FROM metric_observations") == [(batch,)]
    assert query("SELECT source_row FROM core.metric_observation ORDER BY source_row") == [
        (2,),
        (3,),
        (4,),
        (5,),
    ]


def test_human_output_names_detection_and_counts(invoke, tmp_path):
    code, out, _ = invoke("load", str(metrics_file(tmp_path, ROWS)), "-c", "PDP-01")
    assert code == 0
    assert "loaded 4 of 4 rows of metrics" in out
    assert "kind metrics (detected)" in out
    assert "encoding utf-8" in out and "delimiter comma" in out


def test_dry_run_reports_and_changes_nothing(invoke, query, tmp_path):
    before = core_counts(query)
    code, out, summary = invoke(
        "load", str(metrics_file(tmp_path, ROWS)), "-c", "PDP-01", "--dry-run", "--json"
    )
    assert code == 0, out
    assert summary["status"] == "dry_run" and summary["would_load"] is True
    assert summary["rows_read"] == 4 and summary["batch_id"] is None
    assert core_counts(query) == before


def test_dry_run_of_a_bad_file_exits_1_and_changes_nothing(invoke, query, tmp_path):
    before = core_counts(query)
    bad = metrics_file(tmp_path, ["2026-03-02,instagram,,,-5,,,,,,,,"])
    code, _, summary = invoke("load", str(bad), "-c", "PDP-01", "--dry-run", "--json")
    assert code == 1
    assert summary["would_load"] is False
    assert summary["errors"][0]["row"] == 2 and summary["errors"][0]["column"] == "impressions"
    assert core_counts(query) == before


def test_same_bytes_twice_is_a_no_op_naming_the_earlier_batch(invoke, query, tmp_path):
    path = metrics_file(tmp_path, ROWS)
    _, _, first = invoke("load", str(path), "-c", "PDP-01", "--json")
    before = core_counts(query)
    code, out, again = invoke("load", str(path), "-c", "PDP-01", "--json")
    assert code == 0
    assert again["status"] == "already_loaded"
    assert again["previous_batch_id"] == first["batch_id"]
    assert f"batch {first['batch_id']}" in again["message"]
    assert core_counts(query) == before


def test_corrected_file_replaces_what_it_restates_and_never_double_counts(invoke, query, tmp_path):
    invoke("load", str(metrics_file(tmp_path, ROWS, "v1.csv")), "-c", "PDP-01", "--json")
    corrected = [
        "2026-03-02,instagram,,,1100,820,,55,5,3,2,10,1200",  # restated with new figures
        "2026-03-03,instagram,,,,,,,,,,,",  # nothing restated: kept as it was (blank figures)
    ]
    code, out, summary = invoke(
        "load", str(metrics_file(tmp_path, corrected[:1], "v2.csv")), "-c", "PDP-01", "--json"
    )
    assert code == 0, out
    assert summary["rows_replaced"] == 1
    expected_total = 1100 + 1500  # independently: corrected day + untouched day
    assert query("SELECT sum(impressions) FROM channel_daily WHERE platform = 'instagram'") == [
        (expected_total,)
    ]
    assert query("SELECT count(*) FROM channel_daily WHERE platform = 'instagram'") == [(2,)]


def test_empty_figures_in_a_correction_keep_the_earlier_values(invoke, query, tmp_path):
    invoke("load", str(metrics_file(tmp_path, ROWS, "v1.csv")), "-c", "PDP-01")
    only_likes = metrics_file(tmp_path, ["2026-03-02,instagram,,,,,,60,,,,,"], "v2.csv")
    code, out, _ = invoke("load", str(only_likes), "-c", "PDP-01")
    assert code == 0, out
    assert query(
        "SELECT impressions, likes FROM channel_daily WHERE platform = 'instagram' "
        "AND day = DATE '2026-03-02'"
    ) == [(1000, 60)]


def test_undo_restores_replaced_values_exactly(invoke, query, tmp_path):
    _, _, first = invoke(
        "load", str(metrics_file(tmp_path, ROWS, "v1.csv")), "-c", "PDP-01", "--json"
    )
    snapshot = query("SELECT * FROM channel_daily ORDER BY ALL")
    _, _, second = invoke(
        "load",
        str(metrics_file(tmp_path, ["2026-03-02,instagram,,,9999,900,,99,9,9,9,9,1300"], "v2.csv")),
        "-c",
        "PDP-01",
        "--json",
    )
    assert query(
        "SELECT impressions FROM channel_daily WHERE platform = 'instagram' AND "
        "day = DATE '2026-03-02'"
    ) == [(9999,)]
    code, out, undone = invoke("undo", str(second["batch_id"]), "--json")
    assert code == 0, out
    assert undone["rows_removed"] >= 1 and undone["rows_restored"] == 1
    assert query("SELECT * FROM channel_daily ORDER BY ALL") == snapshot
    assert query("SELECT status FROM loads WHERE batch_id = ?", [second["batch_id"]]) == [
        ("undone",)
    ]
    # Undoing the first batch too leaves no figures at all, and the same bytes load again.
    invoke("undo", str(first["batch_id"]))
    assert query("SELECT count(*) FROM metric_observations") == [(0,)]
    code, _, again = invoke("load", str(tmp_path / "v1.csv"), "-c", "PDP-01", "--json")
    assert again["status"] == "loaded"


def test_undo_of_an_earlier_batch_keeps_the_later_correction(invoke, query, tmp_path):
    _, _, first = invoke(
        "load", str(metrics_file(tmp_path, ROWS, "v1.csv")), "-c", "PDP-01", "--json"
    )
    invoke(
        "load",
        str(metrics_file(tmp_path, ["2026-03-02,instagram,,,9999,900,,99,9,9,9,9,1"], "v2.csv")),
        "-c",
        "PDP-01",
    )
    invoke("undo", str(first["batch_id"]))
    # The correction stays; the rows only the first batch had are gone.
    assert query("SELECT day, platform, impressions FROM channel_daily") == [
        (__import__("datetime").date(2026, 3, 2), "instagram", 9999)
    ]


def test_undo_refusals(invoke, tmp_path):
    code, out, _ = invoke("undo", "999")
    assert code == 1 and "no batch 999" in out
    _, _, first = invoke("load", str(metrics_file(tmp_path, ROWS)), "-c", "PDP-01", "--json")
    invoke("undo", str(first["batch_id"]))
    code, out, _ = invoke("undo", str(first["batch_id"]))
    assert code == 1 and "undone" in out
    # The programme batch created the campaigns the metrics belong to.
    invoke("load", str(metrics_file(tmp_path, ROWS[:1], "again.csv")), "-c", "PDP-01")
    code, out, _ = invoke("undo", "1")
    assert code == 1 and "PDP-01" in out and "undo those batches first" in out
    assert "Traceback" not in out


def test_rejected_file_is_recorded_with_its_errors_and_kept(invoke, query, programme, tmp_path):
    bad = metrics_file(
        tmp_path, ["2026-03-02,instagram,,,1000,800,,50,,,,,", "2026-03-03,instagarm,,,1,2k,,,,,,,"]
    )
    before = core_counts(query)
    code, out, summary = invoke("load", str(bad), "-c", "PDP-01", "--json")
    assert code == 1
    assert summary["status"] == "rejected" and summary["rows_loaded"] == 0
    errors = {(e["row"], e["column"]): e for e in summary["errors"]}
    assert "did you mean 'instagram'" in errors[(3, "platform")]["message"]
    assert errors[(3, "platform")]["value"] == "instagarm"
    assert "write 2000" in errors[(3, "reach")]["message"]
    after = core_counts(query)
    assert after["metric_observation"] == before["metric_observation"]
    assert after["batch"] == before["batch"] + 1
    batch = summary["batch_id"]
    assert query(
        "SELECT status, rows_read, rows_rejected FROM loads WHERE batch_id = ?", [batch]
    ) == [("rejected", 2, 1)]
    assert query(
        "SELECT row_number, column_name FROM load_issues WHERE batch_id = ? ORDER BY ALL", [batch]
    ) == [(3, "platform"), (3, "reach")]
    stored = query("SELECT stored_file FROM core.batch WHERE batch_id = ?", [batch])[0][0]
    assert (programme.files_dir / stored).read_bytes() == bad.read_bytes()


def test_skip_invalid_loads_valid_rows_and_keeps_the_rest(invoke, query, tmp_path):
    rows = [ROWS[0], "2026-03-03,instagram,,,100,200,,,,,,,", ROWS[2]]
    code, out, summary = invoke(
        "load", str(metrics_file(tmp_path, rows)), "-c", "PDP-01", "--skip-invalid", "--json"
    )
    assert code == 0, out
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (3, 2, 1)
    assert query("SELECT count(*) FROM channel_daily") == [(2,)]
    kept = query(
        "SELECT row_number, cells FROM core.rejected_row WHERE batch_id = ?", [summary["batch_id"]]
    )
    assert len(kept) == 1 and kept[0][0] == 3
    assert '"reach":"200"' in kept[0][1] and '"impressions":"100"' in kept[0][1]
    assert query(
        "SELECT message FROM load_issues WHERE batch_id = ? AND row_number = 3",
        [summary["batch_id"]],
    )[0][0].startswith("reach 200 is above impressions 100")


def test_dates_outside_the_campaign_are_a_warning(invoke, query, tmp_path):
    code, _, summary = invoke(
        "load",
        str(metrics_file(tmp_path, ["2026-02-27,instagram,,,10,5,,,,,,,"])),
        "-c",
        "PDP-01",
        "--json",
    )
    assert code == 0 and summary["status"] == "loaded"
    assert (
        "outside the campaign period 2026-03-01 to 2026-12-31"
        in (summary["warnings"][0]["message"])
    )


def test_duplicates_inside_the_file_name_the_first_row(invoke, tmp_path):
    code, _, summary = invoke(
        "load", str(metrics_file(tmp_path, [ROWS[0], ROWS[0]])), "-c", "PDP-01", "--json"
    )
    assert code == 1
    assert summary["errors"][0]["row"] == 3
    assert "same date, platform and post as row 2" in summary["errors"][0]["message"]


def test_list_and_batches(invoke, tmp_path):
    code, _, campaigns = invoke("list", "--json")
    assert code == 0
    assert [c["code"] for c in campaigns] == ["FOE-02", "PDP-01"]
    assert campaigns[1]["organisation"] == "Almaty Digital Rights"
    invoke("load", str(metrics_file(tmp_path, ROWS)), "-c", "PDP-01")
    code, _, batches = invoke("batches", "--json")
    newest = batches[0]
    assert newest["kind"] == "metrics" and newest["source_name"] == "metrics.csv"
    assert (newest["rows_read"], newest["rows_loaded"], newest["rows_rejected"]) == (4, 4, 0)
    assert len(newest["checksum"]) == 64 and newest["loaded_by"]
    assert [b["kind"] for b in batches[1:]] == ["fx", "programme"]
    code, out, _ = invoke("batches")
    assert code == 0 and "metrics.csv" in out


def test_spend_is_converted_at_the_month_rate(invoke, query, tmp_path):
    spend = write(
        tmp_path / "spend.csv",
        "date,budget_line,amount,currency,description,reference\n"
        '2026-03-15,5.1,"1,206,000.00",KZT,Video,INV-1\n'
        "2026-04-02,1.1,500000,KZT,Salary,INV-2\n",
    )
    code, out, summary = invoke("load", str(spend), "-c", "PDP-01", "--json")
    assert code == 0, out
    # conftest rates: month m -> 600 + m + 0.5 KZT per EUR.
    assert query(
        "SELECT reference, amount, amount_eur, rate_units_per_eur FROM spend ORDER BY reference"
    ) == [
        ("INV-1", 1206000, round(1206000 / 603.5, 2), 603.5),
        ("INV-2", 500000, round(500000 / 604.5, 2), 604.5),
    ]


def test_spend_against_an_unknown_budget_line_lists_the_lines(invoke, tmp_path):
    spend = write(
        tmp_path / "spend.csv",
        "date,budget_line,amount,currency,description,reference\n"
        "2026-03-15,7.7,100,KZT,Video,INV-1\n",
    )
    code, _, summary = invoke("load", str(spend), "-c", "PDP-01", "--json")
    assert code == 1
    assert "use one of: 1.1, 5.1, 5.2" in summary["errors"][0]["message"]


def test_feedback_personal_data_is_masked_before_it_is_stored(invoke, query, tmp_path):
    feedback = write(
        tmp_path / "feedback.csv",
        "submitted_at,event_code,rating,usefulness,would_recommend,comment,sex,age_group,"
        "region,language\n"
        '2026-04-02 10:00:00,E1,5,4,да,"Пишите: aigerim.n@mail.kz, +7 701 123 45 67, ИИН '
        '900101300123",Ж,18–24,Almaty,ru\n',
    )
    code, out, _ = invoke("load", str(feedback), "-c", "PDP-01")
    assert code == 0, out
    assert query("SELECT comment, would_recommend, sex, age_group FROM feedback") == [
        ("Пишите: [email], [phone], ИИН [IIN]", True, "female", "18-24")
    ]
    assert query("SELECT count(*) FROM core.feedback_response WHERE comment LIKE '%mail.kz%'") == [
        (0,)
    ]


def test_participants_file_restates_each_event_whole(invoke, query, tmp_path):
    head = "event_code,event_name,event_date,event_type,region,sex,age_group,participants\n"
    v1 = write(
        tmp_path / "p1.csv",
        head + "E1,Training,2026-04-10,training,Almaty,female,"
        "18-24,12\nE1,Training,2026-04-10,training,Almaty,male,18-24,7\n",
    )
    v2 = write(
        tmp_path / "p2.csv", head + "E1,Training,2026-04-10,training,Almaty,female,18-24,13\n"
    )
    invoke("load", str(v1), "-c", "PDP-01")
    invoke("load", str(v2), "-c", "PDP-01")
    assert query("SELECT sex, participants FROM participants") == [("female", 13)]


def test_programme_reload_restates_each_campaign(programme, query, tmp_path):
    from conftest import PROGRAMME, write_programme

    from etl.load import load_file

    sheets = {k: [list(r) for r in v] for k, v in PROGRAMME.items()}
    sheets["budget"] = [r for r in sheets["budget"] if r[2] != "5.2"]
    r = load_file(programme, write_programme(tmp_path / "p2.xlsx", sheets))
    assert r.status == "loaded", r.errors
    assert query(
        "SELECT line_code FROM budget_lines WHERE campaign_code = 'PDP-01' ORDER BY 1"
    ) == [("1.1",), ("5.1",)]


def test_programme_errors_name_sheet_row_and_column(programme, tmp_path):
    from conftest import PROGRAMME, write_programme

    from etl.load import load_file

    sheets = {k: [list(r) for r in v] for k, v in PROGRAMME.items()}
    sheets["campaigns"][2][2] = "NOPE"
    sheets["budget"][1][1] = "9"
    r = load_file(programme, write_programme(tmp_path / "p2.xlsx", sheets))
    assert r.status == "rejected"
    found = {(e.row, e.column) for e in r.errors}
    assert (3, "campaigns: organisation") in found
    assert (2, "budget: heading") in found


def test_unknown_campaign_suggests_the_closest(invoke, tmp_path):
    code, out, summary = invoke("load", str(metrics_file(tmp_path, ROWS)), "-c", "PDP01", "--json")
    assert code == 1
    assert "did you mean 'PDP-01'" in summary["errors"][0]["message"]


def test_usage_errors_exit_2(invoke, tmp_path):
    code, out, _ = invoke("load", str(tmp_path / "missing.csv"), "-c", "PDP-01")
    assert code == 2 and "no such file" in out
    code, out, _ = invoke("load", str(metrics_file(tmp_path, ROWS)), "--kind", "posts")
    assert code == 2
    assert "Traceback" not in out


def test_templates_command_writes_every_template(invoke, tmp_path):
    code, out, _ = invoke("templates", "--out", str(tmp_path / "t"))
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert "metrics.en.csv" in names and "programme.kk.xlsx" in names
    assert len(names) == 33


def test_filled_xlsx_templates_load_in_every_language(programme, query, tmp_path):
    import shutil

    import openpyxl

    from etl.load import load_file

    root = Path(__file__).resolve().parents[1] / "data" / "templates"
    for day, lang in enumerate(("en", "ru", "kk"), start=2):
        path = tmp_path / f"metrics.{lang}.xlsx"
        shutil.copy(root / path.name, path)
        wb = openpyxl.load_workbook(path)
        wb.worksheets[0].append(
            [f"0{day}.03.2026", "Instagram", "", "", "1 200", 900, "", 40, 3, 2, 1, 5, 1500]
        )
        wb.save(path)
        r = load_file(programme, path, campaign="PDP-01")
        assert r.status == "loaded", r.errors
        assert r.detected["format"] == "xlsx" and r.kind == "metrics" and r.kind_detected
    assert query("SELECT day.day, impressions, reach_day FROM channel_daily AS day ORDER BY 1") == [
        (__import__("datetime").date(2026, 3, d), 1200, 900) for d in (2, 3, 4)
    ]
