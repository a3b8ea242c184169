"""Simulation with known truth for the misclassification-corrected fractional shares
(issue 13, item 3; :mod:`analysis.text.share_correction`).

Corpora come from the generating model of :mod:`analysis.evaluation.simulate_shares`
(:class:`~analysis.evaluation.simulate_shares.Model`: plans nested in levels and provinces,
one true code per clause among the 16 domains and ``uncoded``). The rules are simulated as in
:func:`~analysis.evaluation.simulate_shares.run_misclassified`: each domain indicator of a
clause is kept with probability :data:`~analysis.evaluation.simulate_shares.TRUE_SENSITIVITY`
when true and switched on with probability ``1 -``
:data:`~analysis.evaluation.simulate_shares.TRUE_SPECIFICITY` when false (a known confusion
process; a clause may end up with several codes, sharing its length, or none). The observed
fractional shares of each plan are computed by the build's
:func:`analysis.text.plan_shares.plan_shares`. A validation sample of
:data:`~analysis.evaluation.simulate_shares.N_VALIDATION` clauses drawn from the corpus gives the
confusion matrix and its draws, and :func:`analysis.text.share_correction.correct_mean`
corrects the mean share of all plans and of each level (groups of
:data:`analysis.text.plan_shares.MIN_PLANS` plans or more), and the differences between levels
(one matrix draw for both levels, independent plan draws, as the build's
``share_corrected.csv`` does). The truth is the model's expected plan share of the group,
``uncoded`` included. Scored at 50 and 500 plans (at 5 plans the
build gives no interval); :func:`simulation_table` reports the bias and RMSE of the
uncorrected and the corrected shares (per cell, group × code, as the mean error over codes
is zero by construction: the ``bias`` column is left empty) and the 80% and 95% coverage of the corrected intervals,
with Monte-Carlo standard errors, in the layout shared by the issue-13 harness. Two
sensitivity designs (:data:`DESIGNS`) shrink the Dirichlet prior to 0.1 pseudo-clause per
column (at 50 plans) and enlarge the validation sample to 600 clauses (at 500 plans).

Written by hand: the bookkeeping; the generator, the misclassification process and the
scoring (``_Tally``) are those of :mod:`analysis.evaluation.simulate_shares`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import json
from pathlib import Path

from analysis.core.paths import PACKAGE_DATA
from analysis.evaluation import simulate_shares as sim
from analysis.text import coding
from analysis.text import plan_shares as ps
from analysis.text import share_correction as sc

N_PLANS = (50, 500)
#: Replications per corpus size, chosen to keep the table under 90 s of CPU.
REPLICATIONS = {50: 300, 500: 100}
N_DRAWS = 400
#: Runs a cell (group and code) needs for its bias to be summarised.
MIN_RUNS = 20
CORRECTED = "matrix method (NNLS on the simplex), Dirichlet + t percentile interval"
UNCORRECTED = "uncorrected mean of plan shares"
UNCORRECTED_DIFFERENCE = "uncorrected difference of mean plan shares"
#: Sensitivity designs: (estimator, prior pseudo-clauses on and off the diagonal, validation
#: clauses, runs by corpus size). The first is the build's; the second shrinks the prior of
#: the Dirichlet columns (to show the prior's weight), the third shows what a larger
#: validation sample buys.
DESIGNS = (
    (CORRECTED, (sc.PRIOR_DIAGONAL, sc.PRIOR_OFF), sim.N_VALIDATION, REPLICATIONS),
    (CORRECTED + "; prior 0.1 pseudo-clause per column", (0.05, 0.05), sim.N_VALIDATION,
     {50: 150}),
    (CORRECTED + "; 600 validation clauses", (sc.PRIOR_DIAGONAL, sc.PRIOR_OFF), 600,
     {500: 40}),
)
#: The measured design: the rules err as the build's confusion matrix says they do on the
#: reliability sample (each clause's code drawn from the matrix column of its true code), and
#: the matrix is re-estimated from as many validation clauses as the real sample has.
MEASURED = CORRECTED + "; errors from the measured matrix, 122 validation clauses"
MEASURED_REPLICATIONS = {50: 150, 500: 40}
MEASURED_VALIDATION = 122
MEASURED_MATRIX = PACKAGE_DATA / "measured_confusion.json"


def write_measured_matrix(path: Path = MEASURED_MATRIX, clauses: pd.DataFrame | None = None
                          ) -> Path:
    """Store the build's confusion matrix of the domain rules (from the reliability sample,
    :func:`analysis.text.misclassification.validation_matrices`) as a versioned resource, so
    that the simulation stage reads no plan and no gold file. Run once after the rules or the
    sample change."""
    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir
    from analysis.text.misclassification import validation_matrices

    if clauses is None:          # the built clauses: background is left out, as the build does
        clauses = read_csv(processed_dir() / "clauses.csv")
    validation = validation_matrices(clauses=clauses)
    matrix, n_eff = sc.confusion(validation["gold"], validation["predicted"],
                                 validation["weights"])
    payload = {"labels": coding.codes("domain") + [coding.UNCODED],
               "validation_clauses": int(len(validation["weights"])),
               "matrix": [[round(float(x), 10) for x in row] for row in matrix]}
    path.write_text(json.dumps(payload, indent=0) + "\n", encoding="utf-8")
    return path


def measured_matrix(path: Path = MEASURED_MATRIX) -> np.ndarray:
    """The stored confusion matrix (rules × gold, columns sum to 1), codebook order."""
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    if payload["labels"] != coding.codes("domain") + [coding.UNCODED]:
        raise ValueError(f"{path}: its codes are not the codebook's; rerun "
                         "write_measured_matrix()")
    return np.asarray(payload["matrix"], float)


def run_corrected(model: sim.Model, corpus: dict, tallies: dict, rng: np.random.Generator,
                  n_draws: int = N_DRAWS, n_validation: int = sim.N_VALIDATION,
                  prior: tuple[float, float] = (sc.PRIOR_DIAGONAL, sc.PRIOR_OFF),
                  errors: np.ndarray | None = None):
    """Uncorrected and corrected group shares of one corpus under known misclassification:
    per-code sensitivity and specificity, or, with ``errors`` (a confusion matrix, rules ×
    gold), each clause's code drawn from the column of its true code."""
    k = len(model.labels) - 1
    true = sim._one_hot(corpus["code"], k)
    if errors is None:
        flip = rng.random(true.shape)
        observed = np.where(true, flip < sim.TRUE_SENSITIVITY, flip > sim.TRUE_SPECIFICITY)
    else:
        cumulative = np.cumsum(errors[:, corpus["code"]].T, axis=1)
        drawn = (rng.random(len(cumulative))[:, None] > cumulative[:, :-1]).sum(axis=1)
        observed = sim._one_hot(drawn, k)
    prepared = corpus["prepared"]
    table = ps.plan_shares(prepared, sim._coded(prepared, observed, model.labels[:-1]),
                           "domain")
    wide = ps.share_matrix(table, "share", model.labels)
    pick = rng.choice(len(true), n_validation, replace=False)
    weights = prepared["n_chars"].to_numpy(float)[pick]
    matrix, n_eff = sc.confusion(true[pick], observed[pick], weights)
    seed = int(rng.integers(2 ** 31))
    draws = sc.confusion_draws(matrix, n_eff, n_draws, seed, prior)
    docs = corpus["documents"]
    groups = {ps.ALL_PLANS: sorted(wide.index)}
    groups.update({g: sorted(p["doc_id"]) for g, p in docs.groupby("admin_level")})
    corrected_levels = {}
    for number, (group, members) in enumerate(groups.items()):
        if len(members) < ps.MIN_PLANS:
            continue
        truth = np.append(model.truth[group], 1 - model.truth[group].sum())
        values = wide.loc[members].to_numpy()
        estimate, bounds, corrected = sc.correct_mean(values, matrix, draws, seed=seed + number,
                                                      return_draws=True)
        if group != ps.ALL_PLANS:
            corrected_levels[group] = (truth, values.mean(axis=0), estimate, corrected)
        keys = [f"{group}: {c}" for c in model.labels]
        everything = np.ones(len(truth), bool)
        tallies["corrected"].add(estimate, truth, bounds, everything, keys=keys)
        tallies["uncorrected"].add(values.mean(axis=0), truth, {}, everything)
        # The 17 shares sum to one, so the mean error over codes is zero by construction:
        # bias is scored per cell (group and code) and summarised by its absolute size.
        for name, value in (("corrected", estimate), ("uncorrected", values.mean(axis=0))):
            for key, error in zip(keys, value - truth):
                tallies[name].cell_errors.setdefault(key, []).append(error)
        tallies["corrected"].extra.setdefault(
            "mean 95% interval width", []).append(float(np.mean(bounds[0.95][1]
                                                                 - bounds[0.95][0])))
    # Level differences: one matrix draw for both levels, independent plan draws.
    for a, b in ps._pairs(sorted(corrected_levels), "admin_level"):
        (truth_a, raw_a, est_a, draws_a), (truth_b, raw_b, est_b, draws_b) = (
            corrected_levels[a], corrected_levels[b])
        truth = truth_a - truth_b
        keys = [f"{a} − {b}: {c}" for c in model.labels]
        everything = np.ones(len(truth), bool)
        tallies["difference"].add(est_a - est_b, truth, ps.percentile_bounds(draws_a - draws_b),
                                  everything, keys=keys)
        tallies["difference_uncorrected"].add(raw_a - raw_b, truth, {}, everything)


def _design_rows(model: sim.Model, lengths: list[np.ndarray], seed: int, n_plans: int,
                 reps: int, n_draws: int, estimator: str, prior: tuple[float, float],
                 n_validation: int, with_uncorrected: bool,
                 errors: np.ndarray | None = None) -> list[dict]:
    tallies = {name: sim._Tally() for name in ("corrected", "uncorrected", "difference",
                                               "difference_uncorrected")}
    tallies["uncorrected"].covered = {}
    tallies["difference_uncorrected"].covered = {}
    for tally in tallies.values():
        tally.cell_errors = {}
    rng = np.random.default_rng([seed, n_plans, 13, n_validation])
    for _ in range(reps):
        run_corrected(model, model.corpus(rng, n_plans, lengths), tallies, rng, n_draws,
                      n_validation, prior, errors)
    process = (f"rules with sensitivity {sim.TRUE_SENSITIVITY} and specificity "
               f"{sim.TRUE_SPECIFICITY} per domain" if errors is None else
               "each clause's code drawn from the measured confusion matrix "
               "(data/measured_confusion.json)")
    note = (f"groups of {ps.MIN_PLANS}+ plans (all plans, each level) × 16 domains and "
            f"uncoded; fractional shares; {process}; confusion matrix from "
            f"{n_validation} validation clauses; bias column empty (zero over codes by "
            "construction), see the per-cell metrics")
    rows = []
    names = (("uncorrected", UNCORRECTED),) if with_uncorrected else ()
    for name, label in names + (("corrected", estimator),):
        tally = tallies[name]
        floor = min(MIN_RUNS, reps)
        bias = np.array([np.mean(e) for _, e in sorted(tally.cell_errors.items())
                         if len(e) >= floor])
        tally.extra[f"mean absolute bias over cells (cells of {floor}+ runs)"] = [
            float(np.mean(np.abs(bias)))]
        tally.extra["largest absolute bias of one cell"] = [float(np.max(np.abs(bias)))]
        rows += tally.rows("domain share corrected for misclassification", label, n_plans,
                           reps, note)
    # Differences: the mean error over codes is zero here too, so RMSE carries the error.
    names = ((("difference_uncorrected", UNCORRECTED_DIFFERENCE),) if with_uncorrected
             else ()) + (("difference", estimator),)
    for name, label in names:
        if tallies[name].errors:
            rows += tallies[name].rows("level difference corrected for misclassification",
                                       label, n_plans, reps, note.replace(
                                           "(all plans, each level)", "(pairs of levels)"))
    return rows


def simulation_table(seed: int = 0, inputs: tuple[list[np.ndarray], np.ndarray] | None = None,
                     replications: dict | None = None, n_draws: int = N_DRAWS
                     ) -> pd.DataFrame:
    """Bias, RMSE and interval coverage of the corrected fractional shares by corpus size.

    Parameters
    ----------
    seed : int
        Seed of the whole run (deterministic).
    inputs : tuple, optional
        Clause lengths per seed plan and base shares; the versioned
        ``simulation_inputs.json`` by default
        (:func:`analysis.evaluation.simulate_pooling.stored_inputs`).
    replications : dict, optional
        Corpus size → runs (default :data:`REPLICATIONS`).

    Returns
    -------
    pandas.DataFrame
        The shared layout (:data:`analysis.core.schema.SIMULATION_COLUMNS`).
    """
    if inputs is None:
        from analysis.evaluation.simulate_pooling import stored_inputs

        inputs = stored_inputs()
    lengths, base = inputs
    model = sim.Model(base, seed)
    rows = []
    for number, (estimator, prior, n_validation, runs) in enumerate(DESIGNS):
        for n_plans in N_PLANS:
            reps = runs.get(n_plans, 0)
            if replications is not None:      # the build's design as given, the others capped
                reps = (replications.get(n_plans, 0) if number == 0
                        else min(reps, replications.get(n_plans, 0)))
            if not reps:
                continue
            rows += _design_rows(model, lengths, seed, n_plans, reps, n_draws, estimator,
                                 prior, n_validation, with_uncorrected=number == 0)
    try:
        errors = measured_matrix()
    except (OSError, ValueError, KeyError) as err:     # a missing or stale resource
        print(f"simulation: measured-matrix design skipped ({err})", flush=True)
        errors = None
    for n_plans in N_PLANS:
        reps = MEASURED_REPLICATIONS.get(n_plans, 0)
        if replications is not None:
            reps = min(reps, replications.get(n_plans, 0))
        if reps and errors is not None:
            rows += _design_rows(model, lengths, seed, n_plans, reps, n_draws, MEASURED,
                                 (sc.PRIOR_DIAGONAL, sc.PRIOR_OFF), MEASURED_VALIDATION,
                                 with_uncorrected=False, errors=errors)
    table = pd.DataFrame(rows, columns=sim.COLUMNS)
    # The mean error over the 17 codes of a group is zero by construction (both sides sum to
    # one): left empty, the bias is in the per-cell metric rows.
    table["bias"] = np.nan
    return table
