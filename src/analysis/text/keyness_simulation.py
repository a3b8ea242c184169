"""Simulation with known truth for the keyness checks (issue 13 harness), and their scaling
benchmark.

Synthetic corpora: plans of clauses, half the plans (rounded down) in group A, the rest in
B. Every clause holds background words drawn from a Zipf-like vocabulary, plus planted
terms of three kinds, ten of each per corpus:

``clustered null``
    No group difference: a few clauses anywhere (1 in 100) carry a burst of the term
    (1 + Poisson(6) copies). Token counts look lopsided by chance.
``plan-varying null``
    No group difference in the population: each plan has its own rate (log-normal, s.d. 1)
    spread over its clauses. The plans at hand differ; the groups do not.
``true``
    Three times the rate in group A, plus plan variation (log-normal, s.d. 0.5).

Each estimator flags terms of group A: the token z of the log-odds (> 1.96, as top lists
are read; and after Benjamini–Hochberg over the 30 planted terms), the clause checks of
:mod:`analysis.text.keyness_resampling` (flag ``across clauses`` or ``across plans``) and
the plan check alone (flag ``across plans``; it runs from 50 plans up). ``value`` is the
share of planted terms of one kind that are flagged: for the nulls a false-flag rate, for
the true terms the power.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import false_discovery_control, norm

from analysis.core.bench import register
from analysis.core.schema import SIMULATION_COLUMNS
from analysis.text import keyness
from analysis.text import keyness_resampling as kr

KINDS = ("clustered null", "plan-varying null", "true")
N_TERMS = 10
BACKGROUND = 300
SIM_COLUMNS = list(SIMULATION_COLUMNS)


def synthetic_corpus(n_plans: int, clauses_per_plan: int, rng: np.random.Generator
                     ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Clause × term counts with planted terms (see the module docstring).

    Returns
    -------
    counts, terms, groups, plans
        Sparse counts (background terms, then the planted terms in :data:`KINDS` order,
        :data:`N_TERMS` each), term names, group (``A``/``B``) and plan of each clause.
    """
    n_rows = n_plans * clauses_per_plan
    plan = np.repeat(np.arange(n_plans), clauses_per_plan)
    group = np.where(plan < n_plans // 2, "A", "B")
    probs = 1 / (np.arange(BACKGROUND) + 5)
    lengths = 10 + rng.poisson(20, size=n_rows)
    background = rng.multinomial(lengths, probs / probs.sum())
    burst = (rng.random((n_rows, N_TERMS)) < 0.01) * (1 + rng.poisson(6, (n_rows, N_TERMS)))
    varying = rng.lognormal(0, 1, (n_plans, N_TERMS)) * 0.3 / np.exp(0.5)
    plan_noise = rng.lognormal(0, 0.5, (n_plans, N_TERMS)) / np.exp(0.125)
    true_rate = 0.3 * plan_noise * np.where(np.arange(n_plans) < n_plans // 2, 3.0, 1.0)[:, None]
    planted = np.hstack([burst, rng.poisson(varying[plan]), rng.poisson(true_rate[plan])])
    counts = sparse.csr_matrix(np.hstack([background, planted]).astype(float))
    terms = np.array([f"bg{k}" for k in range(BACKGROUND)]
                     + [f"{kind}|{k}" for kind in KINDS for k in range(N_TERMS)])
    return counts, terms, group, np.array([f"p{k}" for k in plan])


def _flags(n_plans: int, clauses_per_plan: int, rng: np.random.Generator, n_rep: int
           ) -> dict[str, np.ndarray]:
    """Flags of every estimator for the planted terms of one synthetic corpus."""
    counts, terms, group, plans = synthetic_corpus(n_plans, clauses_per_plan, rng)
    planted = terms[BACKGROUND:]
    pairs = pd.DataFrame({"unit": "A", "term": planted})
    a = group == "A"
    y_i = np.asarray(counts[a].sum(axis=0)).ravel()
    y_j = np.asarray(counts[~a].sum(axis=0)).ravel()
    total = y_i + y_j
    with np.errstate(all="ignore"):
        z = keyness.log_odds_dirichlet(y_i, y_j, keyness.PRIOR_SCALE * total)[2][BACKGROUND:]
    z = np.nan_to_num(z, nan=0.0)        # a planted term that never occurred: no flag
    checked = kr.adjust_and_flag(
        kr.resample_terms(counts, terms, group, plans, pairs, n_boot=n_rep, n_perm=n_rep,
                          seed=int(rng.integers(2**31))), ["unit"])
    return {"token z > 1.96": z > 1.96,
            "token z, BH q < 0.05": false_discovery_control(norm.sf(z)) < kr.ALPHA,
            "clause resampling flag": checked["flag"].isin(kr.FLAGS[:2]).to_numpy(),
            "plan permutation flag": (checked["flag"] == kr.FLAGS[0]).to_numpy()
            if checked["p_plan"].notna().any() else np.full(len(planted), np.nan)}


def simulation_table(seed: int = 0, sizes=((5, 40, 100), (50, 20, 40), (500, 10, 10)),
                     n_rep: int = 199) -> pd.DataFrame:
    """False-flag rates and power of the keyness estimators on synthetic corpora.

    Parameters
    ----------
    seed : int
        Seed of the whole simulation.
    sizes : sequence of (n_plans, clauses_per_plan, replications)
    n_rep : int
        Bootstrap replicates and permutations per corpus.

    Returns
    -------
    pandas.DataFrame
        The harness layout (:data:`SIM_COLUMNS`): quantity ``keyness``, one row per size,
        estimator and kind of planted term; ``metric`` names the rate, ``value`` is it,
        ``note`` its Monte Carlo standard error.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for n_plans, per_plan, replications in sizes:
        runs = [_flags(n_plans, per_plan, rng, n_rep) for _ in range(replications)]
        for estimator in runs[0]:
            flags = np.stack([r[estimator] for r in runs])          # replications × terms
            for k, kind in enumerate(KINDS):
                part = flags[:, k * N_TERMS:(k + 1) * N_TERMS].astype(float)
                metric = "power" if kind == "true" else "false flag rate"
                if np.isnan(part).all():
                    value, note = np.nan, "not run: too few plans to permute"
                else:
                    # Terms of one corpus share its plans: the s.e. is over corpora.
                    per_run = part.mean(axis=1)
                    value = float(per_run.mean())
                    se = float(per_run.std(ddof=1) / np.sqrt(len(per_run)))
                    note = f"MC s.e. {se:.3f} over corpora; {per_plan} clauses per plan"
                rows.append({"quantity": "keyness", "estimator": estimator,
                             "n_plans": n_plans, "replications": replications,
                             "nominal": np.nan, "coverage": np.nan,
                             "coverage_mc_se": np.nan, "bias": np.nan, "rmse": np.nan,
                             "metric": f"{metric} ({kind} terms)", "value": value,
                             "note": note})
    return pd.DataFrame(rows, columns=SIM_COLUMNS)


@register("keyness_resampling_scaling")
def bench_scaling(sizes=(50, 500, 2000), clauses_per_plan: int = 60) -> dict:
    """Wall time of :func:`analysis.text.keyness_resampling.resample_terms` for one group
    comparison (30 planted terms) and for every plan against the rest (40 terms per plan),
    199 replicates each, on synthetic corpora."""
    rng = np.random.default_rng(0)
    out = {}
    for n_plans in sizes:
        counts, terms, group, plans = synthetic_corpus(n_plans, clauses_per_plan, rng)
        start = time.perf_counter()
        kr.resample_terms(counts, terms, group, plans,
                          pd.DataFrame({"unit": "A", "term": terms[BACKGROUND:]}),
                          n_boot=199, n_perm=199)
        out[f"group_{n_plans}_plans_s"] = round(time.perf_counter() - start, 2)
        pick = rng.integers(0, len(terms), size=(n_plans, 40))
        pairs = pd.DataFrame({"unit": np.repeat(np.unique(plans), 40),
                              "term": terms[pick.ravel()]}).drop_duplicates()
        start = time.perf_counter()
        kr.resample_terms(counts, terms, plans, plans, pairs, n_boot=199, n_perm=199,
                          plan_test=False)
        out[f"documents_{n_plans}_plans_s"] = round(time.perf_counter() - start, 2)
        out[f"clauses_{n_plans}_plans"] = int(counts.shape[0])
    return out
