"""Programme data in Russian and Kazakh: the set-up workbook's optional columns for campaign
names, thematic areas and indicators load into the warehouse, come back in the set-up export
and load again unchanged; pages in Russian or Kazakh show them, and the original where a
campaign has none. Expected texts are the ones written into the workbook or read with plain
SQL, never through the dashboard's code."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import PROGRAMME, downloads, open_page, open_tab, sql, write_programme

from dashboard.metrics import lookups
from etl.load import load_file
from etl.programme import export_setup, headers, sheet_names
from etl.warehouse import Warehouse

# Every letter of the Kazakh alphabet that Russian does not have: ә ғ қ ң ө ұ ү һ і.
PDP_KK = "Менің деректерім: әділ ғаламтор, қоғам, ең өзекті ұстаным, үнқатысу һәм ішкі тәртіп"
PDP_RU = "Мои данные — моё право"
AREA_KK = "дербес деректерді қорғау"
INDICATOR_KK = "Науқан материалдарының көрсетілімдері"
INDICATOR_RU = "Показы материалов кампании"


def translated_sheets() -> dict[str, list[list]]:
    """The test programme with translation columns: PDP-01 in Russian and Kazakh, FOE-02 in
    none (its pages show the original)."""
    sheets = copy.deepcopy(PROGRAMME)
    campaigns = sheets["campaigns"]
    campaigns[0] += ["name_ru", "name_kk", "thematic_area_kk"]
    for row in campaigns[1:]:
        row += [PDP_RU, PDP_KK, AREA_KK] if row[0] == "PDP-01" else ["", "", ""]
    targets = sheets["targets"]
    targets[0] += ["indicator_ru", "indicator_kk"]
    for row in targets[1:]:
        row += [INDICATOR_RU, INDICATOR_KK] if row[0] == "PDP-01" else ["", ""]
    return sheets


@pytest.fixture()
def translated(tmp_path: Path, warehouse: Warehouse, fresh_cache) -> Warehouse:
    result = load_file(warehouse, write_programme(tmp_path / "set-up.xlsx", translated_sheets()))
    assert result.status == "loaded", result.errors
    return warehouse


def core(wh: Warehouse, query: str) -> list[tuple]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def all_rows(wh: Warehouse) -> dict[str, list[tuple]]:
    return {
        t: core(wh, f"SELECT * FROM core.{t} ORDER BY ALL")
        for t in ("organisation", "campaign", "budget_line", "kpi_target", "channel")
    }


def test_translation_columns_load_into_the_warehouse(translated: Warehouse) -> None:
    rows = core(
        translated,
        "SELECT code, name_ru, name_kk, thematic_area_ru, thematic_area_kk FROM campaigns "
        "ORDER BY code",
    )
    assert rows == [("FOE-02", None, None, None, None), ("PDP-01", PDP_RU, PDP_KK, None, AREA_KK)]
    kpis = core(
        translated,
        "SELECT campaign_code, indicator_ru, indicator_kk FROM kpi_targets ORDER BY ALL",
    )
    assert kpis == [("FOE-02", None, None), ("PDP-01", INDICATOR_RU, INDICATOR_KK)]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_set_up_export_keeps_the_translations_and_loads_back_unchanged(
    tmp_path: Path, translated: Warehouse, lang: str
) -> None:
    path = tmp_path / f"set-up.{lang}.xlsx"
    export_setup(translated, path, lang)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet_names(lang)["campaigns"]]
    rows = list(ws.iter_rows(values_only=True))
    titles = headers("campaigns", lang)
    header = list(rows[0])
    # the columns are headed in the workbook's language, like every other column
    for field in ("name_ru", "name_kk", "thematic_area_ru", "thematic_area_kk"):
        assert titles[field] in header
    pdp = next(r for r in rows[1:] if r[0] == "PDP-01")
    assert pdp[header.index(titles["name_kk"])] == PDP_KK
    assert pdp[header.index(titles["name_ru"])] == PDP_RU
    assert pdp[header.index(titles["thematic_area_kk"])] == AREA_KK
    assert pdp[header.index(titles["thematic_area_ru"])] is None
    targets = list(wb[sheet_names(lang)["kpi_targets"]].iter_rows(values_only=True))
    kpi_titles = headers("kpi_targets", lang)
    pdp_kpi = next(r for r in targets[1:] if r[0] == "PDP-01")
    assert pdp_kpi[list(targets[0]).index(kpi_titles["indicator_kk"])] == INDICATOR_KK

    before = all_rows(translated)
    again = load_file(translated, path)
    assert again.status == "loaded", again.errors
    assert all_rows(translated) == before  # nothing written, nothing superseded


def test_an_edited_translation_restates_only_its_campaign(
    tmp_path: Path, translated: Warehouse
) -> None:
    path = tmp_path / "set-up.en.xlsx"
    export_setup(translated, path, "en")
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet_names("en")["campaigns"]]
    header = [c.value for c in ws[1]]
    column = header.index(headers("campaigns", "en")["name_ru"]) + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value == "FOE-02":
            ws.cell(row, column).value = "Говори свободно"
    buffer = io.BytesIO()
    wb.save(buffer)
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(buffer.getvalue())

    result = load_file(translated, edited)
    assert result.status == "loaded", result.errors
    current = core(
        translated,
        "SELECT code, name_ru, name_kk FROM core.campaign WHERE superseded_by IS NULL ORDER BY 1",
    )
    assert current == [("FOE-02", "Говори свободно", None), ("PDP-01", PDP_RU, PDP_KK)]
    superseded = core(
        translated, "SELECT code FROM core.campaign WHERE superseded_by IS NOT NULL ORDER BY 1"
    )
    assert superseded == [("FOE-02",)]


def test_look_ups_give_the_translation_else_the_original(translated: Warehouse) -> None:
    english = dict(core(translated, "SELECT code, name FROM campaigns"))
    assert lookups.campaign_names(translated, "kk") == {
        "FOE-02": english["FOE-02"],
        "PDP-01": PDP_KK,
    }
    assert lookups.campaign_names(translated, "ru")["PDP-01"] == PDP_RU
    assert lookups.campaign_names(translated, "en") == dict(sorted(english.items()))
    assert lookups.campaign_names(translated) == lookups.campaign_names(translated, "en")

    profile = lookups.campaign_profile(translated, "PDP-01", "kk")
    assert (profile["name"], profile["thematic_area"]) == (PDP_KK, AREA_KK)
    areas = dict(core(translated, "SELECT code, thematic_area FROM campaigns"))
    ru = lookups.campaign_profile(translated, "PDP-01", "ru")
    assert (ru["name"], ru["thematic_area"]) == (PDP_RU, areas["PDP-01"])  # no Russian area

    profiles = lookups.campaign_profiles(translated, lang="kk").set_index("code")
    assert profiles.loc["PDP-01", "thematic_area"] == AREA_KK
    assert profiles.loc["FOE-02", "name"] == english["FOE-02"]
    themes = lookups.filter_options(translated, "kk")["theme_names"]
    assert themes[areas["PDP-01"]] == AREA_KK
    assert themes[areas["FOE-02"]] == areas["FOE-02"]

    indicators = lookups.indicator_names(translated, "kk")
    assert indicators[("PDP-01", "OP1")] == INDICATOR_KK
    english_kpi = core(translated, "SELECT indicator FROM kpi_targets WHERE campaign_code='FOE-02'")
    assert indicators[("FOE-02", "OP1")] == english_kpi[0][0]


# --- pages ---------------------------------------------------------------------------------


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_campaign_page_in_kazakh_shows_the_set_up_translations(
    demo_warehouse: Warehouse, monkeypatch, fresh_cache
) -> None:
    code = "ATI-05"
    ((name_kk, area_kk, name),) = sql(
        demo_warehouse,
        "SELECT name_kk, thematic_area_kk, name FROM campaigns WHERE code = ?",
        [code],
    )
    kpis_kk = [
        f"{c} · {i}"
        for c, i in sql(
            demo_warehouse,
            "SELECT indicator_code, indicator_kk FROM kpi_targets WHERE campaign_code = ? "
            "ORDER BY indicator_code",
            [code],
        )
    ]
    at = open_page(monkeypatch, demo_warehouse, "campaign", campaign=code, lang="kk")
    text = _markdown(at)
    assert area_kk in text and "жүріп жатыр" in text  # the status "active" in Kazakh
    assert f"{code} · {name_kk}" in at.selectbox(key="campaign_pick").options
    open_tab(at, "kpis", lang="kk")
    kpi_table = next(d.value for d in at.dataframe if "indicator" in d.value.columns)
    assert sorted(kpi_table["indicator"]) == sorted(kpis_kk)

    # the same page in English shows the set-up's original texts
    at.selectbox(key="lang").set_value("en").run()
    assert not at.exception
    kpi_table = next(d.value for d in at.dataframe if "indicator" in d.value.columns)
    assert not any(i in kpis_kk for i in kpi_table["indicator"])
    assert name_kk not in _markdown(at) and area_kk not in _markdown(at)
    assert f"{code} · {name}" in at.selectbox(key="campaign_pick").options


def test_portfolio_in_russian_names_the_campaigns_in_russian(
    demo_warehouse: Warehouse, monkeypatch, fresh_cache
) -> None:
    names = dict(sql(demo_warehouse, "SELECT code, name_ru FROM campaigns"))
    at = open_page(monkeypatch, demo_warehouse, lang="ru")
    assert sorted(at.dataframe[0].value["name"]) == sorted(names.values())
    download = downloads(at, "portfolio_campaigns")
    assert dict(zip(download["campaign"], download["name"], strict=True)) == names
    # the sidebar's campaign filter offers them in Russian too
    campaigns = at.multiselect(key="filter_campaigns")
    assert set(campaigns.options) == {f"{code} · {name}" for code, name in names.items()}
    areas = {area for (area,) in sql(demo_warehouse, "SELECT thematic_area_ru FROM campaigns")}
    assert set(at.multiselect(key="filter_themes").options) == areas
