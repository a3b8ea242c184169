"""The offline accident simulation: the same study with more worlds, stored and read back."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.accidents import heavy
from analysis.accidents.forecast import SEED
from analysis.accidents.loader import load_accident_stats
from analysis.accidents.calibration import pseudo_target_forms
from analysis.accidents.scores import BRIER, BRIER_REFERENCE, COVERAGE
from analysis.accidents.simulation import simulation_study
from analysis.accidents.targets import rules_from_national_targets
from analysis.core.io import read_csv
from analysis.core.paths import raw_dir


@pytest.fixture()
def national_only(tmp_path):
    """A corpus-targets path that does not exist: the national plans' forms only."""
    return tmp_path / "processed" / "accident_targets.csv"


def test_offline_rows_are_the_builds_study_with_more_worlds(national_only):
    coverage, brier, cpu = heavy.run(worlds=1, targets_path=national_only)
    assert cpu > 0
    assert list(coverage.columns) == COVERAGE.column_names
    assert set(coverage["source"]) == {f"sim:{p}, 1 worlds (offline)"
                                       for p in ("damped", "break", "random_walk")}
    # the same function, seed and worlds as the build: world 0 offline is the build's world 0
    panel = load_accident_stats(raw_dir())
    forms = pseudo_target_forms(rules_from_national_targets(
        read_csv(raw_dir() / "accident_stats" / "national_targets.csv", dtype=str)))
    build_cov, build_brier, _ = simulation_study(panel, forms, worlds=1, seed=SEED)
    strip = coverage.assign(source=coverage["source"].str.replace(", 1 worlds (offline)", ""))
    pd.testing.assert_frame_equal(strip.reset_index(drop=True), build_cov.reset_index(drop=True))
    assert len(brier) == len(build_brier)


def test_stored_rows_are_used_only_for_the_inputs_and_reference_they_were_made_with(
        tmp_path, monkeypatch, national_only):
    coverage, brier, _ = heavy.run(worlds=1, targets_path=national_only)
    for name in ("STORED_COVERAGE", "STORED_BRIER", "PROVENANCE"):
        monkeypatch.setattr(heavy, name, tmp_path / name)
    assert heavy.stored_tables()[2].startswith("no offline")
    coverage.to_csv(tmp_path / "STORED_COVERAGE", index=False)
    brier.to_csv(tmp_path / "STORED_BRIER", index=False)
    provenance = {"brier_reference": BRIER_REFERENCE,
                  "inputs_sha256": heavy.input_fingerprint(raw_dir(), national_only)}
    (tmp_path / "PROVENANCE").write_text(json.dumps(provenance))
    back_cov, back_brier, message = heavy.stored_tables(raw_dir(), national_only)
    assert message == "" and len(back_cov) == len(coverage) and len(back_brier) == len(brier)
    # the pool is the reference: its own difference is empty, every other method's is not
    pool = back_brier["method"] == BRIER_REFERENCE
    assert back_brier.loc[pool, "diff_vs_reference"].isna().all()
    assert back_brier.loc[~pool, "diff_vs_reference"].notna().any()
    # other corpus targets (another build's) or other code -> not used
    other = tmp_path / "accident_targets.csv"
    other.write_text("doc_id\n")
    assert "processed/accident_targets.csv" in heavy.stored_tables(raw_dir(), other)[2]
    changed = {**provenance["inputs_sha256"], "code:analysis/accidents/*.py": "0" * 64}
    (tmp_path / "PROVENANCE").write_text(json.dumps({**provenance, "inputs_sha256": changed}))
    assert "code:analysis" in heavy.stored_tables(raw_dir(), national_only)[2]
    (tmp_path / "PROVENANCE").write_text(json.dumps({**provenance,
                                                     "brier_reference": "model_ensemble"}))
    assert "Brier differences taken against" in heavy.stored_tables(raw_dir(), national_only)[2]
    (tmp_path / "PROVENANCE").write_text(json.dumps({"brier_reference": BRIER_REFERENCE}))
    assert "no input checksums" in heavy.stored_tables(raw_dir(), national_only)[2]
    for not_an_object in ("[]", "null", "3"):
        (tmp_path / "PROVENANCE").write_text(not_an_object)
        assert "not a JSON object" in heavy.stored_tables(raw_dir(), national_only)[2]
    (tmp_path / "PROVENANCE").write_text(json.dumps(provenance))
    brier.assign(source=brier["source"].str.replace(", 1 worlds (offline)", "")).to_csv(
        tmp_path / "STORED_BRIER", index=False)
    assert "not marked offline" in heavy.stored_tables(raw_dir(), national_only)[2]
    brier.to_csv(tmp_path / "STORED_BRIER", index=False)
    coverage.assign(intervals="recal").to_csv(tmp_path / "STORED_COVERAGE", index=False)
    empty_cov, empty_brier, message = heavy.stored_tables(raw_dir(), national_only)
    assert "skipped" in message and "recal" in message and empty_cov.empty
    assert list(empty_brier.columns) == BRIER.column_names


def test_figures_show_the_offline_run_in_place_of_the_builds_worlds():
    from analysis.figures.feasibility import headline_sources

    sources = ["backtest", "sim:damped", "sim:break", "sim:damped, 400 worlds (offline)"]
    assert headline_sources(sources) == ["backtest", "sim:break",
                                         "sim:damped, 400 worlds (offline)"]
    assert headline_sources(sources[:3]) == sources[:3]
