"""The offline accident simulation: the same study with more worlds, stored and read back."""
from __future__ import annotations

import pandas as pd

from analysis.accidents import heavy
from analysis.accidents.scores import BRIER, COVERAGE


def test_offline_rows_are_the_study_marked_and_read_back(tmp_path, monkeypatch):
    coverage, brier, cpu = heavy.run(worlds=1)
    assert cpu > 0
    assert list(coverage.columns) == COVERAGE.column_names
    assert set(coverage["source"]) == {f"sim:{p}, 1 worlds (offline)"
                                       for p in ("damped", "break", "random_walk")}
    # one world: as many one-year-ahead cases per model as the build's study has per world
    ens = coverage[(coverage["model"] == "ensemble") & (coverage["horizon"] == 1)
                   & (coverage["intervals"] == "raw_all")]
    assert (ens["n"] > 5).all()
    monkeypatch.setattr(heavy, "STORED_COVERAGE", tmp_path / "c.csv")
    monkeypatch.setattr(heavy, "STORED_BRIER", tmp_path / "b.csv")
    assert heavy.stored_tables()[2].startswith("no offline")
    coverage.to_csv(tmp_path / "c.csv", index=False)
    brier.to_csv(tmp_path / "b.csv", index=False)
    back_cov, back_brier, message = heavy.stored_tables()
    assert message == "" and len(back_cov) == len(coverage) and len(back_brier) == len(brier)
    brier.assign(source="sim:damped").to_csv(tmp_path / "b.csv", index=False)
    assert "not marked offline" in heavy.stored_tables()[2]
    pd.DataFrame({"x": [1]}).to_csv(tmp_path / "b.csv", index=False)
    empty_cov, empty_brier, message = heavy.stored_tables()
    assert "columns differ" in message and empty_cov.empty
    assert list(empty_brier.columns) == BRIER.column_names


def test_figures_show_the_offline_run_in_place_of_the_builds_worlds():
    from analysis.figures.feasibility import headline_sources

    sources = ["backtest", "sim:damped", "sim:break", "sim:damped, 400 worlds (offline)"]
    assert headline_sources(sources) == ["backtest", "sim:break",
                                         "sim:damped, 400 worlds (offline)"]
    assert headline_sources(sources[:3]) == sources[:3]
