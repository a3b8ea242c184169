"""The simulation study's processes and worlds."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.accidents.loader import load_accident_stats
from analysis.accidents.panel import series_segments
from analysis.accidents.simulation import simulate_log_series, simulated_panel
from analysis.core.paths import raw_dir


def test_processes_have_their_defining_shape():
    rng = np.random.default_rng(0)
    damped = np.mean([np.diff(simulate_log_series("damped", 12, rng)) for _ in range(400)], 0)
    assert damped[0] < -0.08 and damped[-1] > -0.02          # the decline levels off
    rw = np.array([np.diff(simulate_log_series("random_walk", 12, rng)) for _ in range(400)])
    assert rw.mean() == pytest.approx(-0.05, abs=0.01)
    assert rw.std() == pytest.approx(0.06, abs=0.01)
    brk = np.array([np.diff(simulate_log_series("break", 12, rng)) for _ in range(400)])
    assert brk[:, 0].mean() == pytest.approx(-0.10, abs=0.01)
    assert brk[:, -1].mean() == pytest.approx(-0.02, abs=0.01)
    with pytest.raises(ValueError):
        simulate_log_series("nothing", 5, rng)


def test_worlds_keep_the_observed_segments_and_are_reproducible():
    panel = load_accident_stats(raw_dir())
    a = simulated_panel(panel, "damped", 0, seed=1)
    b = simulated_panel(panel, "damped", 0, seed=1)
    c = simulated_panel(panel, "damped", 1, seed=1)
    real = series_segments(panel)
    real = real[(real["n_years"] > 4) & (real["geo_level"] == "national")].set_index(
        "series_id")["n_years"]
    assert series_segments(a).set_index("series_id")["n_years"].to_dict() == real.to_dict()
    assert a["value"].tolist() == b["value"].tolist()
    assert a["value"].tolist() != c["value"].tolist()
    assert (a["value"] > 0).all()


def test_pseudo_targets_get_the_equal_weight_pool_of_ensemble_and_base_rate():
    """On one simulated world (real segment lengths and calendar), every pseudo-target with
    both an ensemble and a base-rate probability gets the pool, and only those."""
    from analysis.accidents.backtest import rolling_origin_forecasts
    from analysis.accidents.calibration import (base_rate_pool, calibration_table,
                                                pseudo_target_forms)
    from analysis.accidents.recalibration import forecast_errors
    from analysis.accidents.reference import change_observations
    from analysis.accidents.simulation import SIM_MODELS
    from analysis.accidents.targets import TargetRule

    panel = load_accident_stats(raw_dir())
    world = simulated_panel(panel, "random_walk", 0, seed=3)
    fits = rolling_origin_forecasts(world, SIM_MODELS, n_sims=200, seed=3)
    rule = TargetRule(target_id="t", source="national_plan", doc_id="", plan="", label="",
                      geography_zh="全国", geography_en="China", admin_level="national",
                      indicator="deaths_total", comparator="decline_by",
                      required_change_pct=-5.0, baseline_rule="previous_year",
                      base_years=(2020,), target_year=2021, year_set=2021)
    cal = calibration_table(fits, forecast_errors(fits, 200), change_observations(world),
                            pseudo_target_forms([rule]))
    wide = cal.pivot_table(index="pseudo_id", columns="method", values="probability",
                           aggfunc="first")
    both = wide[["model_ensemble", "reference_class"]].notna().all(axis=1)
    assert both.sum() > 5
    assert wide["ensemble_base_rate_pool"].notna().tolist() == both.tolist()
    expected = 0.5 * wide["model_ensemble"] + 0.5 * wide["reference_class"]
    assert np.allclose(wide.loc[both, "ensemble_base_rate_pool"], expected[both])
    assert np.isnan(base_rate_pool(0.7, None))
    assert base_rate_pool(0.2, 0.6, 0.25) == pytest.approx(0.5)


def test_pseudo_target_calibration_does_not_read_the_target_ids():
    """The feasibility stage keeps the simulation study between builds keyed on the target
    forms without their ids (analysis.core.memo): the calibration rows must not depend on
    them."""
    from analysis.accidents.backtest import rolling_origin_forecasts
    from analysis.accidents.calibration import calibration_table, pseudo_target_forms
    from analysis.accidents.recalibration import forecast_errors
    from analysis.accidents.reference import change_observations
    from analysis.accidents.simulation import SIM_MODELS
    from analysis.accidents.targets import TargetRule

    panel = load_accident_stats(raw_dir())
    world = simulated_panel(panel, "damped", 1, seed=5)
    fits = rolling_origin_forecasts(world, SIM_MODELS, n_sims=100, seed=5)
    rules = [TargetRule(target_id=f"t{i}", source="corpus", doc_id="", plan="", label="",
                        geography_zh="全国", geography_en="China", admin_level="national",
                        indicator="deaths_total", comparator="decline_by",
                        required_change_pct=pct, baseline_rule="previous_year",
                        base_years=(2020,), target_year=2021, year_set=2021)
             for i, pct in enumerate((-5.0, -5.0, -10.0))]
    forms = pseudo_target_forms(rules)
    assert sorted(forms["target_ids"]) == ["t0;t1", "t2"]
    errors, observations = forecast_errors(fits, 100), change_observations(world)
    with_ids = calibration_table(fits, errors, observations, forms)
    without = calibration_table(fits, errors, observations, forms.drop(columns="target_ids"))
    assert len(with_ids) > 10
    pd.testing.assert_frame_equal(with_ids, without)


def test_reference_class_reads_only_what_its_key_holds():
    """feasibility_table computes each reference_key once: rules of one key (different
    places and ids) get the same base rate, and a different requirement a different key."""
    from dataclasses import replace

    from analysis.accidents.reference import change_observations, reference_class, reference_key
    from analysis.accidents.targets import TargetRule

    observations = change_observations(load_accident_stats(raw_dir()))
    rule = TargetRule(target_id="a", source="corpus", doc_id="d1", plan="", label="",
                      geography_zh="丽水市", geography_en="Lishui", admin_level="city",
                      indicator="deaths_total", comparator="decline_by",
                      required_change_pct=-5.0, baseline_rule="previous_year",
                      base_years=(2020,), target_year=2021, year_set=2021)
    other = replace(rule, target_id="b", doc_id="d2", geography_zh="海门区", geography_en="Haimen",
                    admin_level="county", base_years=(2021,), target_year=2022, year_set=2021)
    assert reference_key(rule, 2020) == reference_key(other, 2020)
    assert reference_class(rule, observations, 2020) == reference_class(other, observations, 2020)
    assert reference_key(replace(rule, required_change_pct=-20.0), 2020) != reference_key(rule, 2020)


def test_score_tables_are_rounded_without_offline_rows(tmp_path, monkeypatch):
    """Without the stored 400-world rows (another corpus's targets) the Brier and coverage
    tables are still written with the writer's 10 significant digits: the empty offline
    tables must not turn their numeric columns into objects."""
    import shutil

    from analysis.accidents import heavy, stage
    from analysis.accidents.scores import BRIER, COVERAGE, RELIABILITY
    from analysis.core.paths import processed_dir

    empty = (pd.DataFrame(columns=COVERAGE.column_names), pd.DataFrame(columns=BRIER.column_names))
    monkeypatch.setattr(heavy, "stored_tables", lambda *a, **k: (*empty, "not stored"))
    monkeypatch.setattr(stage, "simulation_study", lambda *a, **k: (
        *empty, pd.DataFrame(columns=RELIABILITY.column_names)))
    for name in ("accident_targets.csv", "documents.csv"):
        shutil.copy(processed_dir() / name, tmp_path / name)
    stage.build(raw_dir(), tmp_path)
    for name in ("brier_scores.csv", "forecast_coverage.csv"):
        cells = (tmp_path / name).read_text(encoding="utf-8").replace("\n", ",").split(",")
        digits = [len(c.replace("-", "").replace(".", "").lstrip("0")) for c in cells
                  if c.replace("-", "").replace(".", "").isdigit() and "." in c]
        assert digits and max(digits) <= 10, name


def test_worlds_on_two_processes_give_the_one_process_tables(monkeypatch):
    """Blocks of worlds run on workers: same tables as in one process, world for world (one
    world a task, so that each process has several tasks and they finish out of order)."""
    from pathlib import Path

    from analysis.accidents import simulation
    from analysis.accidents.calibration import pseudo_target_forms
    from analysis.accidents.loader import stats_dir
    from analysis.accidents.targets import load_target_rules

    panel = load_accident_stats(raw_dir())
    fixture = Path(__file__).parent / "fixtures" / "accident_targets.csv"
    rules, _ = load_target_rules(stats_dir(raw_dir()), fixture)
    forms = pseudo_target_forms(rules).drop(columns="target_ids", errors="ignore")
    monkeypatch.setattr(simulation, "WORLDS_PER_TASK", 1)
    one = simulation.simulation_study(panel, forms, worlds=3, jobs=1)
    two = simulation.simulation_study(panel, forms, worlds=3, jobs=2)
    for a, b in zip(one, two):
        pd.testing.assert_frame_equal(a, b)
    coverage = one[0]
    assert set(coverage["source"]) == {f"sim:{p}" for p in simulation.PROCESSES}
