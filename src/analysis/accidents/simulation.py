"""Simulation study: the back-test, recalibration and probability scoring replayed on series
with known generating processes, at the lengths and calendar of the observed segments.

Each simulated *world* replaces the values of every national series segment that the
back-test uses (same geography, indicator, years, so the same origins, horizons and
pseudo-targets) by
a simulated log series from one of three processes, then runs the very functions the build
runs on the real data (:func:`~analysis.accidents.backtest.rolling_origin_forecasts`,
:func:`~analysis.accidents.recalibration.forecast_errors`,
:func:`~analysis.accidents.recalibration.recalibrated_backtest`,
:func:`~analysis.accidents.calibration.calibration_table`). Processes, on logs, with parameters
of the size seen in the national series (yearly declines of 5-10 %, noise of 3-6 %):

``damped``
    Damped trend: ``d_t = 0.8 d_{t-1}`` from ``d_0 = -0.12``, noise sd 0.04: a decline that
    levels off (the review's point about the 12th plan).
``break``
    Broken trend: -10 % a year, then -2 % a year from a year drawn in the middle of the
    segment, noise sd 0.03 (the post-2010 slowdown).
``random_walk``
    Random walk with drift -5 % and step sd 0.06.

The models are the fast ones (random walk with drift, log-linear trend, naive, theta, GM(1,1)),
with ``SIM_N_SIMS`` paths per fit, so that the study fits in the build's time budget; the
outcome-years of different worlds are independent, so bootstrap clusters are (world, year).
``SIM_WORLDS`` worlds per process (40, about 30 s on one core, 16 s on two) give 640 one-year-ahead cases
and 80 five-year-ahead ones per process; the cases of one world's series move together, so a
coverage figure carries a sampling error of several points at five years ahead (the bootstrap
interval in ``forecast_coverage.csv`` shows it); :mod:`analysis.accidents.heavy` runs the same
study with 400 worlds offline. Three worlds, the earlier setting, gave 6 five-year-ahead cases
per process.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.accidents.backtest import MIN_OBS, backtest_table, rolling_origin_forecasts
from analysis.accidents.calibration import calibration_table
from analysis.accidents.forecast import stream
from analysis.accidents.panel import series_segments
from analysis.accidents.recalibration import forecast_errors, recalibrated_backtest
from analysis.accidents.reference import change_observations
from analysis.accidents.scores import (RELIABILITY_METHODS, brier_table, corp_reliability,
                                       coverage_table)
from analysis.core.parallel import run_tasks, stage_jobs

PROCESSES = ("damped", "break", "random_walk")
SIM_MODELS = ("rw_drift", "loglinear", "naive", "theta", "gm11")
SIM_WORLDS = 40
SIM_N_SIMS = 400
SIM_SEED = 20250114


def simulate_log_series(process: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """One simulated log series of length ``n`` (starting at 0)."""
    if process == "damped":
        d = -0.12 * 0.8 ** np.arange(n)
        steps = d + rng.normal(0, 0.04, n)
    elif process == "break":
        k = int(rng.integers(max(2, n // 3), max(3, n - 2)))
        steps = np.where(np.arange(n) < k, -0.10, -0.02) + rng.normal(0, 0.03, n)
    elif process == "random_walk":
        steps = -0.05 + rng.normal(0, 0.06, n)
    else:
        raise ValueError(f"unknown process {process!r}")
    return np.concatenate([[0.0], np.cumsum(steps[1:])])


def simulated_panel(panel: pd.DataFrame, process: str, world: int, seed: int = SIM_SEED,
                    segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of every back-tested segment with simulated values (level kept at the first
    observed value, so rates stay rates and counts stay large counts). ``segments``: the
    panel's :func:`~analysis.accidents.panel.series_segments`, if the caller has them (the
    study asks for the same panel's segments in every world)."""
    segs = series_segments(panel) if segments is None else segments
    segs = segs[segs["n_years"] > MIN_OBS]
    # National segments only: they carry the back-test today, and a longer regional file
    # must not multiply the cost of the study inside the build.
    if (segs["geo_level"] == "national").any():
        segs = segs[segs["geo_level"] == "national"]
    parts = []
    for seg in segs.to_dict("records"):
        sel = ((panel["geo_zh"] == seg["geo_zh"]) & (panel["indicator"] == seg["indicator"])
               & panel["year"].between(seg["start_year"], seg["end_year"]))
        rows = panel[sel].sort_values("year").copy()
        rng = stream("simulation", process, world, seg["series_id"], seed=seed)
        logs = simulate_log_series(process, len(rows), rng)
        rows["value"] = rows["value"].iloc[0] * np.exp(logs)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


class WorldBlock(NamedTuple):
    """One task of :func:`simulation_study`: consecutive worlds of one process."""

    panel: pd.DataFrame
    segments: pd.DataFrame
    forms: pd.DataFrame
    process: str
    worlds: range
    n_sims: int
    seed: int


def _world_block(task: WorldBlock) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Interval hits and calibration rows of each world of a block (module level, so that a
    worker process can run it)."""
    out = []
    for world in task.worlds:
        sim = simulated_panel(task.panel, task.process, world, task.seed, task.segments)
        fits = rolling_origin_forecasts(sim, SIM_MODELS, n_sims=task.n_sims,
                                        seed=task.seed + world)
        errors = forecast_errors(fits, task.n_sims)
        hits = recalibrated_backtest(errors, backtest_table(fits))
        cal = calibration_table(fits, errors, change_observations(sim), task.forms)
        # outcome-years of different worlds are independent clusters
        hits["target_year"] = world * 10000 + hits["target_year"]
        cal["target_year"] = world * 10000 + cal["target_year"]
        cal["pseudo_id"] = f"w{world}|" + cal["pseudo_id"]
        out.append((hits, cal))
    return out


#: Worlds per task on several processes: 12 tasks for the build's 40 worlds of three
#: processes (even enough for two or four workers), 120 for the offline 400, each a few
#: seconds, so that sending the panel with every task (0.2 MB) costs nothing.
WORLDS_PER_TASK = 10


def simulation_study(panel: pd.DataFrame, forms: pd.DataFrame, worlds: int = SIM_WORLDS,
                     n_sims: int = SIM_N_SIMS, seed: int = SIM_SEED, jobs: int | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Coverage, Brier and reliability tables of the simulation study, ``source`` =
    ``sim:<process>``.

    Each world draws from its own seeded streams, so the worlds run in blocks of
    :data:`WORLDS_PER_TASK` on ``jobs`` processes (default: the build's
    :func:`~analysis.core.parallel.stage_jobs`, one process outside a build) and give the
    same tables as in one process (tested).

    Returns
    -------
    coverage, brier, reliability : pandas.DataFrame
        Schemas :data:`~analysis.accidents.scores.COVERAGE`,
        :data:`~analysis.accidents.scores.BRIER`, :data:`~analysis.accidents.scores.RELIABILITY`.
    """
    segments = series_segments(panel)
    tasks = [WorldBlock(panel, segments, forms, process,
                        range(start, min(start + WORLDS_PER_TASK, worlds)), n_sims, seed)
             for process in PROCESSES for start in range(0, worlds, WORLDS_PER_TASK)]
    blocks = run_tasks(_world_block, tasks, jobs=stage_jobs() if jobs is None else jobs,
                       desc="accident simulation")
    cov, brier, rel = [], [], []
    for process in PROCESSES:
        done = [pair for task, block in zip(tasks, blocks) if task.process == process
                for pair in block]
        source = f"sim:{process}"
        cal = pd.concat([c for _, c in done], ignore_index=True)
        cov.append(coverage_table(pd.concat([h for h, _ in done], ignore_index=True), source))
        brier.append(brier_table(cal, source))
        rel.append(corp_reliability(cal, RELIABILITY_METHODS, source))
    return (pd.concat(cov, ignore_index=True), pd.concat(brier, ignore_index=True),
            pd.concat(rel, ignore_index=True))
