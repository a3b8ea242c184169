"""The feasibility stage as a whole: :func:`build` reads the raw accident statistics, the
national plan targets and the corpus targets, runs the back-test, the recalibration, the
regional partially pooled model, the feasibility, the calibration and the simulation study,
and writes every table with :func:`analysis.core.schema.write_table`;
:func:`load_outputs` reads them back for the notebook, and :data:`SCHEMAS` lists them for the
codebook. The pipeline reaches both through :mod:`analysis.accidents.feasibility`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from analysis.accidents.backtest import (BACKTEST, BACKTEST_SUMMARY, GM11_GRADE_TABLE,
                                         backtest_table, gm11_grade_table,
                                         rolling_origin_forecasts, summarise_backtest)
from analysis.accidents.calibration import calibration_table, pseudo_target_forms
from analysis.accidents.forecast import N_SIMS, SEED
from analysis.accidents.loader import (ACCIDENT_ALTERNATIVES, ACCIDENT_PANEL, ACCIDENT_REJECTED,
                                       read_accident_rows, resolve_sources)
from analysis.accidents.loader import stats_dir as accident_stats_dir
from analysis.accidents.panel import (ACCIDENT_COVERAGE, SERIES_SEGMENTS, corpus_places,
                                      coverage_report, series_segments)
from analysis.accidents.probabilities import feasibility_table
from analysis.accidents.recalibration import forecast_errors, recalibrated_backtest
from analysis.accidents.reference import change_observations
from analysis.accidents.regional import (HIERARCHICAL_FITS, REGIONAL_PREDICTIVE,
                                         regional_probabilities)
from analysis.accidents import heavy
from analysis.accidents.simulation import SIM_WORLDS, simulation_study
from analysis.accidents.scores import (BRIER, COVERAGE, RELIABILITY, RELIABILITY_METHODS,
                                       brier_table, corp_reliability, coverage_table)
from analysis.accidents.structural import STRUCTURAL_BREAKS, structural_breaks
from analysis.accidents.tables import (CALIBRATION, CHANGE_OBSERVATIONS, FEASIBILITY, FORECASTS,
                                       TARGET_RULES)
from analysis.accidents.targets import load_target_rules, rules_table
from analysis.core import paths
from analysis.core.io import read_csv
from analysis.core.memo import cached_step
from analysis.core.schema import write_table


def build(raw_dir: Path | None = None, processed_dir: Path | None = None,
          accident_targets_path: Path | None = None, n_sims: int = N_SIMS,
          seed: int = SEED, sim_worlds: int | None = None) -> list[Path]:
    """Write the accident panel, back-test, forecasts, feasibility and calibration tables.

    Parameters
    ----------
    raw_dir : Path, optional
        ``data/raw`` (default :func:`analysis.core.paths.raw_dir`).
    processed_dir : Path, optional
        ``data/processed`` (default :func:`analysis.core.paths.processed_dir`).
    accident_targets_path : Path, optional
        The corpus targets table; default ``processed_dir / "accident_targets.csv"``, written
        by the target extraction, which must therefore run first. If it does not exist, the
        tables are built for the national plan targets only and a message says so (the
        notebook then stops with instructions).
    n_sims : int
        Simulated paths per model fit.
    seed : int
        Base seed.
    sim_worlds : int, optional
        Simulated worlds (series histories) for each data-generating process of the
        simulation study. Default :data:`~analysis.accidents.simulation.SIM_WORLDS`, or 0
        when ``ANALYSIS_SKIP_SIMULATION=1`` (test builds of other corpora skip the
        simulation studies, which read no plan, as they skip the text one; the
        repository's own build never does). 0 writes the tables without simulation rows.
        Tests of the stage's plumbing pass a few; the study itself is tested in
        ``tests/test_accident_simulation.py``.

    Returns
    -------
    list of Path
        The files written, in :data:`SCHEMAS` order; empty if the raw folder holds no
        accident statistics (e.g. a test corpus of plans only).
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    targets_path = (Path(accident_targets_path) if accident_targets_path is not None
                    else processed_dir / "accident_targets.csv")
    stats_dir = accident_stats_dir(raw_dir)
    if not (stats_dir / "national.csv").exists():
        print(f"feasibility: no accident statistics in {raw_dir}; stage skipped", flush=True)
        return []
    rejected_rows: list[dict] = []
    panel, alternatives = resolve_sources(read_accident_rows(raw_dir, rejected_rows))
    rejected = pd.DataFrame(rejected_rows, columns=ACCIDENT_REJECTED.column_names)
    rules, message = load_target_rules(stats_dir, targets_path)
    if message:
        print(f"feasibility: {message}", flush=True)
    places = rules_table(rules)[["geography_zh", "geography_en", "admin_level"]].rename(
        columns={"geography_zh": "geo_zh", "geography_en": "geo_en", "admin_level": "geo_level"})
    # The plans the build actually read (documents.csv), not every manifest row: a row
    # skipped as an input problem must not put its place into the coverage table.
    documents_path = processed_dir / "documents.csv"
    if documents_path.exists():
        documents = read_csv(documents_path, dtype=str).fillna("")
        from_manifest = corpus_places(documents)
        places = pd.concat([from_manifest[["geo_zh", "geo_en", "geo_level"]],
                            places[~places["geo_zh"].isin(from_manifest["geo_zh"])]])
    places = places[places["geo_zh"].fillna("") != ""].drop_duplicates("geo_zh")
    coverage = coverage_report(panel, places)
    # The back-test reads the accident statistics only: kept between builds, so adding plans
    # does not refit it.
    fits = cached_step(processed_dir / ".cache", "feasibility_backtest",
                       ("analysis.accidents.backtest",), (panel, n_sims, seed),
                       lambda: rolling_origin_forecasts(panel, n_sims=n_sims, seed=seed))
    backtest = backtest_table(fits)
    observations = change_observations(panel)
    errors = forecast_errors(fits, n_sims)
    coverage_scores = coverage_table(recalibrated_backtest(errors, backtest), "backtest")
    regional_rows, hier_fits, regional_pmf = regional_probabilities(rules, panel, seed)
    feasibility, forecasts = feasibility_table(rules, panel, errors, observations,
                                               n_sims=n_sims, seed=seed,
                                               regional_rows=regional_rows)
    forms = pseudo_target_forms(rules)
    calibration = calibration_table(fits, errors, observations, forms)
    brier = brier_table(calibration, "backtest")
    reliability = corp_reliability(calibration, RELIABILITY_METHODS, "backtest")
    # The simulation study reads no plan, only the forms of the targets (without their ids):
    # kept between builds, so adding a plan whose targets have known forms skips it.
    sim_forms = forms.drop(columns="target_ids", errors="ignore")
    if sim_worlds is None:
        sim_worlds = 0 if os.environ.get("ANALYSIS_SKIP_SIMULATION") == "1" else SIM_WORLDS
    if sim_worlds < 0:
        raise ValueError(f"sim_worlds must be 0 (no simulation study) or more, not {sim_worlds}")
    if sim_worlds > 0:
        sim_coverage, sim_brier, sim_reliability = cached_step(
            processed_dir / ".cache", "feasibility_simulation",
            ("analysis.accidents.simulation",), (panel, sim_forms, seed, sim_worlds),
            lambda: simulation_study(panel, sim_forms, worlds=sim_worlds, seed=seed))
    else:
        print("feasibility: simulation study skipped (ANALYSIS_SKIP_SIMULATION=1 or "
              "sim_worlds=0): the coverage, Brier and reliability tables hold no simulation "
              "rows (back-test rows, and stored offline rows where they match the inputs)",
              flush=True)
        sim_coverage, sim_brier, sim_reliability = (
            pd.DataFrame(columns=schema.column_names) for schema in (COVERAGE, BRIER,
                                                                     RELIABILITY))
    offline_coverage, offline_brier, message = heavy.stored_tables(raw_dir, targets_path)
    if message:
        print(f"feasibility: {message}", flush=True)
    # infer_objects: without stored offline rows the empty (object-typed) tables would make
    # every numeric column object, which the CSV writer does not round (%.10g), so the
    # files' bytes would depend on whether the offline rows exist.
    coverage_scores = pd.concat([coverage_scores, sim_coverage, offline_coverage],
                                ignore_index=True).infer_objects()
    brier = pd.concat([brier, sim_brier, offline_brier], ignore_index=True).infer_objects()
    reliability = pd.concat([reliability, sim_reliability], ignore_index=True).infer_objects()
    tables = [
        (panel, ACCIDENT_PANEL), (alternatives, ACCIDENT_ALTERNATIVES),
        (rejected, ACCIDENT_REJECTED),
        (coverage, ACCIDENT_COVERAGE), (series_segments(panel), SERIES_SEGMENTS),
        (rules_table(rules), TARGET_RULES), (backtest, BACKTEST),
        (summarise_backtest(backtest), BACKTEST_SUMMARY),
        (gm11_grade_table(fits), GM11_GRADE_TABLE),
        (observations, CHANGE_OBSERVATIONS), (forecasts, FORECASTS),
        (feasibility, FEASIBILITY), (calibration, CALIBRATION),
        (structural_breaks(panel), STRUCTURAL_BREAKS),
        (coverage_scores, COVERAGE), (brier, BRIER), (reliability, RELIABILITY),
        (hier_fits, HIERARCHICAL_FITS), (regional_pmf, REGIONAL_PREDICTIVE),
    ]
    return [write_table(table, schema, processed_dir) for table, schema in tables]


def load_outputs(processed_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Read the tables written by :func:`build`, keyed by schema name.

    Raises
    ------
    FileNotFoundError
        Listing the missing files and how to create them.
    """
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    missing = [s.filename for s in SCHEMAS if not (processed_dir / s.filename).exists()]
    if missing:
        raise FileNotFoundError(
            f"missing in {processed_dir}: {', '.join(missing)}. Run the build (`python -m "
            "analysis build`, which calls analysis.accidents.feasibility.build after the target "
            "extraction) first.")
    return {s.name: read_csv(processed_dir / s.filename) for s in SCHEMAS}


#: Every table :func:`build` writes, for the codebook.
SCHEMAS = (ACCIDENT_PANEL, ACCIDENT_ALTERNATIVES, ACCIDENT_REJECTED, ACCIDENT_COVERAGE, SERIES_SEGMENTS,
           TARGET_RULES, BACKTEST, BACKTEST_SUMMARY, GM11_GRADE_TABLE, CHANGE_OBSERVATIONS,
           FORECASTS, FEASIBILITY, CALIBRATION, STRUCTURAL_BREAKS, COVERAGE, BRIER,
           RELIABILITY, HIERARCHICAL_FITS, REGIONAL_PREDICTIVE)
