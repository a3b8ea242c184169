"""Loader of the accident statistics: validation, source resolution, segments, coverage."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.accidents import data as accidents
from analysis.accidents.data import AccidentDataError
from analysis.core.paths import raw_dir
from analysis.core.schema import validate

RAW = raw_dir() / "accident_stats"


@pytest.fixture(scope="module")
def resolved():
    return accidents.resolve_sources(accidents.read_accident_rows(raw_dir(), REJECTED))


#: Rows of the raw files that the loader rejected (filled by the ``resolved`` fixture).
REJECTED: list[dict] = []


def _copy_raw(tmp_path: Path) -> Path:
    target = tmp_path / "accident_stats"
    shutil.copytree(RAW, target)
    for path in target.iterdir():
        path.chmod(0o644)  # the raw copies are read-only; the test edits its own copy
    return target


def _edit_rows(path: Path, match, edit) -> int:
    """Edit the first row for which ``match(row)`` is true; return its line number."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    for i, row in enumerate(rows):
        if match(row):
            edit(row)
            line = i + 2
            break
    else:
        raise AssertionError("no row matched")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return line


def test_real_raw_files_load_into_a_valid_panel(resolved):
    panel, alternatives = resolved
    validate(panel, accidents.ACCIDENT_PANEL)
    validate(alternatives, accidents.ACCIDENT_ALTERNATIVES)
    files = [p for p in RAW.glob("*.csv") if p.name != "national_targets.csv"]
    raw_rows = sum(len(pd.read_csv(p)) for p in files)
    # Nothing is lost: every raw row is kept, listed as an alternative, or listed as rejected
    # with its line and the reason (only the gathered regional series may have such rows).
    assert len(panel) + len(alternatives) + len(REJECTED) == raw_rows
    assert {r["source_file"] for r in REJECTED} <= {"regional_series.csv"}
    assert all(r["problem"] for r in REJECTED)
    deaths = panel[(panel["geo_en"] == "China") & (panel["indicator"] == "deaths_total")]
    assert deaths.set_index("year").loc[2015, "value"] == 66182
    assert deaths.set_index("year").loc[2016, "scope_period"] == "from2016"
    assert deaths.set_index("year").loc[2015, "scope_period"] == "pre2016"


def test_disagreeing_sources_resolved_by_the_documented_rule(resolved):
    panel, alternatives = resolved
    key = ["geo_en", "year", "indicator"]
    gdp = panel.set_index(key).loc[("China", 2006, "deaths_per_100m_gdp")]
    # national.csv: 0.56 (360docs) and 0.558 (文汇报); more significant digits win.
    assert gdp["value"] == pytest.approx(0.558)
    assert gdp["resolved_by"] == "significant_digits"
    lost = alternatives.set_index(key).loc[[("China", 2006, "deaths_per_100m_gdp")]]
    assert ((lost["value"].round(3) == 0.56) & (lost["lost_on"] == "significant_digits")).any()
    # Nantong 2024: the partial-year press figure (-9.3) loses to the full-year summary (-9.2).
    nantong = panel.set_index(key).loc[("Nantong", 2024, "accidents_yoy_pct")]
    assert nantong["value"] == pytest.approx(-9.2)
    lost = alternatives.set_index(key).loc[[("Nantong", 2024, "accidents_yoy_pct")]]
    partial = lost[lost["value"].round(1) == -9.3]
    assert len(partial) and set(partial["lost_on"]) <= {"not_partial_year"}


def test_quality_flags_follow_the_notes(resolved):
    panel, _ = resolved
    rows = panel[(panel["geo_en"] == "China") & (panel["indicator"] == "deaths_total")]
    flags = rows.set_index("year")
    assert flags.loc[2019, "is_derived"]                      # "DERIVED, not read directly"
    assert flags.loc[2005, "is_rounded"]                      # 12.7万
    assert flags.loc[2017, "is_rounded"]                      # 3.8万, also in the English copy
    assert not flags.loc[2014, "is_rounded"]                  # 68,061 is exact
    assert flags.loc[2016, "is_preliminary"]
    assert flags.loc[2024, "is_preliminary"]                  # NOTES_national.md caveat 3
    assert not flags.loc[2015, "is_preliminary"]


def test_missing_source_url_is_an_error_naming_file_and_line(tmp_path):
    folder = _copy_raw(tmp_path)
    line = _edit_rows(folder / "national.csv",
                      lambda r: r["year"] == "2015" and r["indicator"] == "deaths_total",
                      lambda r: r.update(source_url=""))
    with pytest.raises(AccidentDataError, match=rf"national\.csv line {line}: empty source_url"):
        accidents.read_accident_rows(folder)


def test_wrong_unit_and_unknown_indicator_are_errors(tmp_path):
    folder = _copy_raw(tmp_path)
    line = _edit_rows(folder / "regional.csv", lambda r: r["indicator"] == "deaths_total",
                      lambda r: r.update(unit="起"))
    with pytest.raises(AccidentDataError, match=rf"regional\.csv line {line}: unit '起'"):
        accidents.read_accident_rows(folder)
    folder = _copy_raw(tmp_path / "second")
    line = _edit_rows(folder / "national.csv", lambda r: True,
                      lambda r: r.update(indicator="deaths_everything"))
    with pytest.raises(AccidentDataError, match=rf"national\.csv line {line}: unknown indicator"):
        accidents.read_accident_rows(folder)


def _write(path: Path, rows: list[dict]) -> None:
    pd.DataFrame(rows, columns=list(accidents.RAW_COLUMNS)).to_csv(path, index=False)


def _row(year, value, note="", url="https://example.org/x", quote="q", indicator="deaths_total"):
    return {"geo_level": "city", "geo_zh": "测试市", "geo_en": "Testcity", "year": year,
            "indicator": indicator, "value": value, "unit": accidents.INDICATORS[indicator].unit,
            "source_url": url, "source_quote": quote, "note": note}


def test_resolution_rule_order_on_a_small_file(tmp_path):
    folder = tmp_path / "accident_stats"
    folder.mkdir()
    _write(folder / "national.csv", [
        _row(2020, 100, note="DERIVED from two figures"), _row(2020, 101),         # derived loses
        _row(2021, 90, note="preliminary"), _row(2021, 91, note="Rounded (9万)"),  # final wins
        _row(2022, 80, note="Rounded (8万)"), _row(2022, 81),                      # exact wins
        _row(2023, 70), _row(2023, 70),                                             # identical
    ])
    panel, alternatives = accidents.resolve_sources(accidents.read_accident_rows(folder))
    got = panel.set_index("year")[["value", "resolved_by"]]
    assert got.loc[2020].tolist() == [101, "not_derived"]
    assert got.loc[2021].tolist() == [91, "not_preliminary"]
    assert got.loc[2022].tolist() == [81, "not_rounded"]
    assert got.loc[2023].tolist() == [70, "identical_values"]
    assert sorted(alternatives["value"].tolist()) == [70, 80, 90, 100]


def test_a_users_own_series_is_read_and_reported(tmp_path):
    folder = _copy_raw(tmp_path)
    _write(folder / "lishui_yearbook.csv", [
        {**_row(y, v), "geo_zh": "丽水市", "geo_en": "Lishui", "geo_level": "city"}
        for y, v in ((2017, 120), (2018, 110), (2019, 100), (2020, 95))])
    panel = accidents.load_accident_stats(folder)
    lishui = panel[(panel["geo_zh"] == "丽水市") & (panel["source_file"] == "lishui_yearbook.csv")]
    assert lishui["year"].tolist() == [2017, 2018, 2019, 2020]
    assert set(lishui["source_file"]) == {"lishui_yearbook.csv"}
    places = pd.DataFrame({"geo_zh": ["丽水市"], "geo_en": ["Lishui City"], "geo_level": ["city"]})
    report = accidents.coverage_report(panel, places)
    row = report[(report["geo_zh"] == "丽水市") & (report["indicator"] == "deaths_total")].iloc[0]
    assert row["n_years_observed"] == 4 and row["longest_run"] == 4
    assert row["own_series_modelable"]


def test_segments_break_at_the_2016_reform_and_at_gaps(resolved):
    panel, _ = resolved
    seg = accidents.series_segments(panel)
    validate(seg, accidents.SERIES_SEGMENTS)
    deaths = seg[(seg["geo_en"] == "China") & (seg["indicator"] == "deaths_total")]
    # 2012 is missing, and 2015 | 2016 is the scope break.
    spans = list(zip(deaths["start_year"], deaths["end_year"]))
    assert (2013, 2015) in spans and spans[-1][0] == 2016
    assert any(end == 2011 for _, end in spans)


def test_coverage_report_states_what_is_missing(resolved):
    panel, _ = resolved
    manifest = pd.read_csv(raw_dir() / "manifest.csv", dtype=str)
    report = accidents.coverage_report(panel, accidents.corpus_places(manifest))
    validate(report, accidents.ACCIDENT_COVERAGE)
    by = report.set_index(["geo_zh", "indicator"])
    for place in ("丽水市", "海门区"):
        assert by.loc[(place, "deaths_total"), "n_years_observed"] == 0
        assert not by.loc[(place, "deaths_total"), "own_series_modelable"]
    assert by.loc[("全国", "deaths_total"), "own_series_modelable"]
    assert by.loc[("全国", "deaths_total"), "years_missing_in_window"] == "2012"
