"""regional_series.csv: validation, lenient handling of bad rows, new indicator codes."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.accidents.indicators import INDICATORS
from analysis.accidents.loader import (ACCIDENT_PANEL, RAW_COLUMNS, AccidentDataError,
                                       read_accident_rows, resolve_sources)
from analysis.core.paths import raw_dir
from analysis.core.schema import validate

RAW = raw_dir() / "accident_stats"
SERIES = RAW / "regional_series.csv"


def _copy_raw(tmp_path: Path) -> Path:
    target = tmp_path / "accident_stats"
    shutil.copytree(RAW, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(RAW_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_every_row_of_the_real_file_is_valid_and_in_the_panel():
    rejected: list[dict] = []
    rows = read_accident_rows(raw_dir(), rejected)
    raw = _rows(SERIES)
    mine = rows[rows["source_file"] == "regional_series.csv"]
    # every row is read or rejected with its line and a reason the notes document
    assert len(mine) + len(rejected) == len(raw)
    for row in rejected:
        assert row["problem"].startswith(("empty source_url", "unit '")), row
    # every code of the file is a known indicator, with its one unit
    assert set(mine["indicator"]) <= set(INDICATORS)
    assert all(mine["unit"] == mine["indicator"].map(lambda c: INDICATORS[c].unit))
    panel, _ = resolve_sources(rows)
    validate(panel, ACCIDENT_PANEL)


def test_bad_rows_of_the_added_file_are_skipped_and_named(tmp_path, capsys):
    folder = _copy_raw(tmp_path)
    rows = _rows(folder / "regional_series.csv")
    already: list[dict] = []
    good = (read_accident_rows(folder, already)["source_file"] == "regional_series.csv").sum()
    first_new = len(rows) + 2
    rows.append({**rows[0], "indicator": "deaths_by_magic"})
    rows.append({**rows[0], "unit": "人/年", "indicator": "deaths_total"})
    rows.append({**rows[0], "source_url": "", "source_quote": "no link"})
    rows.append({**rows[0], "year": "20x1"})
    _write(folder / "regional_series.csv", rows)
    rejected: list[dict] = []
    read = read_accident_rows(folder, rejected)
    assert (read["source_file"] == "regional_series.csv").sum() == good
    lines = [r["source_line"] for r in rejected][len(already):]
    assert lines == [first_new, first_new + 1, first_new + 2, first_new + 3]
    problems = " | ".join(r["problem"] for r in rejected)
    for word in ("unknown indicator code 'deaths_by_magic'", "unit '人/年'", "empty source_url",
                 "four-digit year"):
        assert word in problems
    printed = capsys.readouterr().out
    # one summary line per file and read, naming the count and the reasons; each row with
    # its line is in the rejected list (written as accident_rejected_rows.csv by the build)
    summary = printed.strip().splitlines()[-1]
    assert summary.startswith(f"accident statistics: regional_series.csv: {len(rejected)} of "
                              f"{len(rows)} rows skipped")
    # rows failing the same check count together, their values left out; five reasons shown
    assert "(25 × empty source_url | 8 × unit … is not the unit of " in summary
    assert "| 1 × unknown indicator code … | 1 more reasons)" in summary
    assert "deaths_by_magic" not in summary and "人/年" not in summary
    assert "accident_rejected_rows.csv" in summary
    read_accident_rows(folder)  # without a list, every row is printed with file and line
    assert f"regional_series.csv line {first_new} skipped" in capsys.readouterr().out


def test_the_strict_files_still_stop_on_a_bad_row(tmp_path):
    folder = _copy_raw(tmp_path)
    rows = _rows(folder / "regional.csv")
    rows[0]["indicator"] = "deaths_by_magic"
    _write(folder / "regional.csv", rows)
    with pytest.raises(AccidentDataError, match="regional.csv line 2"):
        read_accident_rows(folder)


def test_unit_synonym_and_year_to_date_flag(tmp_path):
    folder = tmp_path / "accident_stats"
    shutil.copytree(RAW, folder)
    for p in folder.iterdir():
        p.chmod(0o644)
    base = {"geo_level": "province", "geo_zh": "测试省", "geo_en": "Testprov",
            "source_url": "https://example.org/a", "source_quote": "q", "note": ""}
    _write(folder / "regional_series.csv", [
        {**base, "year": "2010", "indicator": "deaths_per_100k_industrial_workers",
         "value": "2.1", "unit": "人/10万工矿商贸从业人员"},
        {**base, "year": "2018", "indicator": "deaths_total", "value": "900", "unit": "人",
         "note": "NEAR-FULL-YEAR to 2018-12-27"},
        {**base, "year": "2019", "indicator": "population_10k", "value": "4000", "unit": "万人"},
    ])
    rows = read_accident_rows(folder)
    mine = rows[rows["geo_en"] == "Testprov"].set_index("year")
    assert mine.loc[2010, "unit"] == "人/10万工矿商贸就业人员"
    assert bool(mine.loc[2018, "is_partial_year"])
    assert mine.loc[2019, "indicator_kind"] == "exposure"


def test_a_larger_file_with_new_places_is_read_without_code_changes(tmp_path):
    folder = _copy_raw(tmp_path)
    rows = _rows(folder / "regional_series.csv")
    extra = {"geo_level": "city", "geo_zh": "新市", "geo_en": "Newcity", "unit": "人",
             "indicator": "deaths_total", "source_url": "https://example.org/b",
             "source_quote": "死亡", "note": ""}
    rows += [{**extra, "year": str(y), "value": str(v)}
             for y, v in ((2016, 50), (2017, 45), (2018, 44), (2019, 40), (2020, 41))]
    _write(folder / "regional_series.csv", rows)
    panel, _ = resolve_sources(read_accident_rows(folder))
    new = panel[panel["geo_en"] == "Newcity"]
    assert new["year"].tolist() == [2016, 2017, 2018, 2019, 2020]
    assert isinstance(panel, pd.DataFrame)


def test_a_long_regional_series_with_zero_counts_does_not_break_the_back_test(tmp_path):
    from analysis.accidents.backtest import rolling_origin_forecasts

    folder = _copy_raw(tmp_path)
    rows = _rows(folder / "regional_series.csv")
    extra = {"geo_level": "province", "geo_zh": "测试省", "geo_en": "Testprov", "unit": "起",
             "indicator": "accidents_major", "source_url": "https://example.org/c",
             "source_quote": "重大", "note": ""}
    rows += [{**extra, "year": str(y), "value": str(v)}
             for y, v in zip(range(2016, 2023), (2, 0, 1, 3, 0, 1, 1))]
    rows += [{**extra, "indicator": "deaths_total", "unit": "人", "year": str(y),
              "value": str(v)} for y, v in zip(range(2016, 2023), (90, 80, 85, 70, 72, 60, 61))]
    _write(folder / "regional_series.csv", rows)
    panel, _ = resolve_sources(read_accident_rows(folder))
    fits = rolling_origin_forecasts(panel, models=("rw_drift",), n_sims=50)
    ids = {f.series_id for f in fits}
    assert "Testprov:deaths_total:2016-2022" in ids
    assert not any(i.startswith("Testprov:accidents_major") for i in ids)


def test_both_met_bounds_are_the_frechet_bounds():
    from analysis.accidents.regional import both_met_bounds

    b = both_met_bounds(0.6, 0.7)
    assert b["lower"] == pytest.approx(0.3) and b["upper"] == 0.6
    assert b["independent"] == pytest.approx(0.42)
    assert both_met_bounds(0.3, 0.4)["lower"] == 0.0


def test_both_met_bounds_need_both_probabilities():
    from analysis.accidents.regional import both_met_bounds

    assert all(np.isnan(v) for v in both_met_bounds(0.7, float("nan")).values())
    with pytest.raises(ValueError):
        both_met_bounds(0.7, 1.2)
