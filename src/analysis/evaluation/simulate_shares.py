"""Coverage simulation for domain shares and group differences (issue 13, item 1 for shares).

Corpora with a known truth are generated from a hierarchical model, coded, and passed through
the functions the build uses (:func:`analysis.text.plan_shares.plan_shares`,
:func:`~analysis.text.plan_shares.group_shares`,
:func:`~analysis.text.plan_shares.group_differences`) and, for contrast, the clause bootstrap
(:func:`analysis.text.coding.bootstrap_shares`, :func:`analysis.text.coding.group_differences`),
at 5, 50 and 500 plans. :func:`simulation_table` reports bias, RMSE and the coverage of 80% and
95% intervals with Monte-Carlo standard errors, in the layout shared by the issue-13 harness.

**Model.** Plan ``i`` has an administrative level (province, city, county with probabilities
0.2, 0.4, 0.4: a design choice so that every level appears at 50 plans, not the population's
proportions) and one of :data:`N_PROVINCES` provinces (uniform). Its expected shares over the
16 domains and ``uncoded`` are ``softmax(log base + level effect + province effect + u_i)``
with ``u_i ~ N(0, SIGMA_PLAN^2)`` per code: ``base`` are the mean shares of the five seed plans
(``domain_shares.csv``), the level effects are :data:`LEVEL_EFFECTS` (city and county are
equal, so every city − county difference is truly zero), the province effects are drawn once
from ``N(0, PROVINCE_SD^2)`` (seeded, then fixed: part of the truth). Clause codes are drawn
from ``Dirichlet(CONCENTRATION * shares)`` per plan (clauses of one plan cluster on some codes:
overdispersion), one code per clause; clause lengths resample the policy clauses of a randomly
chosen seed plan, so plan lengths vary as the seeds' do (38–76 clauses). The truth is the
expected share of a plan of the group, from 20,000 draws of ``u`` per level and province.

**Misclassification.** A further run codes each clause's true domain with known sensitivity
and specificity (:data:`TRUE_SENSITIVITY`, :data:`TRUE_SPECIFICITY`: the pooled figures of the
reliability study), estimates both from a validation sample of 150 simulated clauses, and
reports the bias of the uncorrected and the corrected coverage of all plans
(:func:`analysis.text.misclassification.correct_mean`), with the validation rates'
uncertainty from Beta draws (the build's choice) or from the bootstrap of the validation
clauses (which undercovers: a code whose few validation positives are all found gets
sensitivity 1 in every replicate).

Written by hand: the generator and the bookkeeping; every estimate is the package's.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.schema import SIMULATION_COLUMNS
from analysis.text import coding
from analysis.text import misclassification as mis
from analysis.text import plan_shares as ps

N_PLANS = (5, 50, 500)
#: Replications per corpus size for the plan-level estimator and for the clause bootstrap
#: (slower; fewer runs at 500 plans), chosen to keep the whole table under three minutes.
REPLICATIONS = {5: 300, 50: 400, 500: 100}
OLD_REPLICATIONS = {5: 150, 50: 60, 500: 20}
MIS_REPLICATIONS = {50: 150, 500: 40}
OLD_BOOT = 400
LEVELS = ("province", "city", "county")
LEVEL_PROBS = (0.2, 0.4, 0.4)
N_PROVINCES = 6
SIGMA_PLAN = 0.5
PROVINCE_SD = 0.3
CONCENTRATION = 40.0
#: Log-scale effects of the provincial level (city and county: none).
LEVEL_EFFECTS = {"party_building": 1.2, "responsibility": -0.4, "mines": -0.8,
                 "social_governance": -0.5}
#: Pooled recall and a specificity giving the pooled precision 0.56 of the rules on unseen
#: clauses (tests/gold/reliability/README.md).
TRUE_SENSITIVITY = 0.83
TRUE_SPECIFICITY = 0.96
N_VALIDATION = 150
N_TRUTH = 20000
#: Groups of MIN_PLANS to MIN_PLANS + THRESHOLD_BAND - 1 plans are scored apart: the smallest
#: groups given an interval.
THRESHOLD_BAND = 3
COLUMNS = list(SIMULATION_COLUMNS)
NEW = "plan-level (logit t / Welch t over plans)"
OLD = "clause bootstrap within fixed plans"


def seed_inputs(processed: Path | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """Clause lengths of each seed plan's policy clauses, and the seeds' mean shares.

    Returns
    -------
    lengths : list of numpy.ndarray
        Content characters of each policy clause, one array per seed plan.
    base : numpy.ndarray
        Mean share over the seed plans of each domain and ``uncoded`` (codebook order),
        floored at 0.003 so that every code has some text.
    """
    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir
    from analysis.text.tokenise import prepared_clauses

    folder = Path(processed) if processed else processed_dir()
    clauses = read_csv(folder / "clauses.csv")
    prepared = prepared_clauses(clauses)
    policy = prepared[(prepared["n_chars"] > 0)
                      & ~prepared["clause_id"].isin(coding.background_clauses(clauses))]
    lengths = [g["n_chars"].to_numpy(float) for _, g in policy.groupby("doc_id", sort=True)]
    shares = read_csv(folder / "domain_shares.csv")
    base = shares.groupby("code")["share"].mean().reindex(coding.codes("domain")
                                                          + [coding.UNCODED]).to_numpy()
    base = np.maximum(base, 0.003)
    return lengths, base / base.sum()


class Model:
    """The generating model and its truth (see the module docstring)."""

    def __init__(self, base: np.ndarray, seed: int = 0):
        labels = coding.codes("domain") + [coding.UNCODED]
        rng = np.random.default_rng([seed, 1])
        self.labels = labels
        self.alpha = np.log(base)
        self.level_effect = np.zeros((len(LEVELS), len(labels)))
        for code, effect in LEVEL_EFFECTS.items():
            self.level_effect[0, labels.index(code)] = effect
        self.province_effect = rng.normal(0, PROVINCE_SD, (N_PROVINCES, len(labels)))
        z = rng.normal(0, SIGMA_PLAN, (N_TRUTH, len(labels)))
        cell = np.array([[_softmax(self.alpha + self.level_effect[l] + self.province_effect[p]
                                   + z).mean(axis=0) for p in range(N_PROVINCES)]
                         for l in range(len(LEVELS))])
        level_mean = cell.mean(axis=1)
        self.truth = {level: level_mean[k, :-1] for k, level in enumerate(LEVELS)}
        self.truth[ps.ALL_PLANS] = (np.asarray(LEVEL_PROBS) @ level_mean)[:-1]
        # A province's plans take levels with LEVEL_PROBS: its mean plan share mixes them so.
        for p in range(N_PROVINCES):
            self.truth[f"province {p}"] = (np.asarray(LEVEL_PROBS) @ cell[:, p])[:-1]

    def corpus(self, rng: np.random.Generator, n_plans: int, lengths: list[np.ndarray],
               level_probs: np.ndarray | None = None) -> dict[str, object]:
        """One simulated corpus: documents, clause lengths, plan and true clause codes.

        ``level_probs`` (provinces × levels), if given, draws each plan's province first and
        its level from that province's row, so that level and province are confounded.
        """
        if level_probs is None:
            level = rng.choice(len(LEVELS), size=n_plans, p=LEVEL_PROBS)
            province = rng.integers(0, len(self.province_effect), n_plans)
        else:
            province = rng.integers(0, len(self.province_effect), n_plans)
            cumulative = np.cumsum(level_probs, axis=1)[province]
            level = (rng.random(n_plans)[:, None] > cumulative[:, :-1]).sum(axis=1)
        eta = (self.alpha + self.level_effect[level] + self.province_effect[province]
               + rng.normal(0, SIGMA_PLAN, (n_plans, len(self.labels))))
        phi = rng.gamma(CONCENTRATION * _softmax(eta))
        phi = np.maximum(phi, 1e-300)
        phi /= phi.sum(axis=1, keepdims=True)
        template = rng.integers(0, len(lengths), n_plans)
        sizes = np.array([len(lengths[t]) for t in template])
        plan = np.repeat(np.arange(n_plans), sizes)
        clause_length = np.concatenate([rng.choice(lengths[t], len(lengths[t]))
                                        for t in template])
        cumulative = np.cumsum(phi, axis=1)[plan]
        code = (rng.random(len(plan))[:, None] > cumulative[:, :-1]).sum(axis=1)
        doc_ids = np.array([f"p{i:03d}" for i in range(n_plans)])
        documents = pd.DataFrame({"doc_id": doc_ids,
                                  "admin_level": np.asarray(LEVELS)[level],
                                  "province_en": [f"province {p}" for p in province]})
        prepared = pd.DataFrame({"doc_id": doc_ids[plan],
                                 "clause_id": np.char.add(np.char.add(doc_ids[plan], "/"),
                                                          np.arange(len(plan)).astype(str)),
                                 "n_chars": clause_length})
        return {"documents": documents, "prepared": prepared, "code": code}


def _softmax(eta: np.ndarray) -> np.ndarray:
    e = np.exp(eta - eta.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _coded(prepared: pd.DataFrame, matrix: np.ndarray, labels: list[str]) -> pd.DataFrame:
    rows, cols = np.nonzero(matrix)
    return pd.DataFrame({"doc_id": prepared["doc_id"].to_numpy()[rows],
                         "clause_id": prepared["clause_id"].to_numpy()[rows],
                         "domain": np.asarray(labels)[cols]})


def _one_hot(code: np.ndarray, k: int) -> np.ndarray:
    matrix = np.zeros((len(code), k + 1), bool)
    matrix[np.arange(len(code)), code] = True
    return matrix[:, :k]


class _Tally:
    """Per-replication coverage, errors and extra metrics of one (quantity, estimator, N)."""

    def __init__(self):
        self.covered = {0.8: [], 0.95: []}
        self.errors: list[np.ndarray] = []
        self.extra: dict[str, list[float]] = {}
        self.cells: dict[str, list[int]] = {}       # cell → [runs covered at 95%, runs]
        self.threshold = [0, 0]     # groups just above MIN_PLANS: [covered at 95%, intervals]

    def add(self, estimate, truth, bounds: dict, tested: np.ndarray, keys=None, sizes=None):
        if not tested.any():
            return
        self.errors.append((estimate - truth)[tested])
        for level, (low, high) in bounds.items():
            inside = (low[tested] <= truth[tested]) & (truth[tested] <= high[tested])
            self.covered[level].append(inside.mean())
            if keys is not None and level == 0.95:
                for key, hit in zip(np.asarray(keys)[tested], inside):
                    cell = self.cells.setdefault(key, [0, 0])
                    cell[0] += int(hit)
                    cell[1] += 1
            if sizes is not None and level == 0.95:
                size = np.asarray(sizes)[tested]
                near = (size >= ps.MIN_PLANS) & (size < ps.MIN_PLANS + THRESHOLD_BAND)
                self.threshold[0] += int(inside[near].sum())
                self.threshold[1] += int(near.sum())

    def cells_short(self, nominal: float = 0.95, tolerance: float = 0.05, min_runs: int = 20,
                    alpha: float = 0.05) -> tuple[int, int]:
        """Cells (of ``min_runs`` runs or more) whose 95% coverage is below ``nominal -
        tolerance`` beyond Monte Carlo error: one-sided exact binomial tests against
        ``nominal - tolerance``, Holm-adjusted at ``alpha`` over the cells.

        The lowest cell of many is low by chance alone (with 60 cells of 60 runs each, the
        lowest of cells that all cover exactly 95% is about 0.88), so the count of cells that
        fall short beyond chance, not the minimum, says whether coverage holds per cell.

        Returns
        -------
        (short, scored) : tuple of int
        """
        from scipy.stats import binom

        tested = sorted((k, h, n) for k, (h, n) in self.cells.items() if n >= min_runs)
        if not tested:
            return 0, 0
        p = np.array([binom.cdf(h, n, nominal - tolerance) for _, h, n in tested])
        order = np.argsort(p, kind="stable")
        short = 0
        for rank, k in enumerate(order):            # Holm's step-down
            if p[k] > alpha / (len(p) - rank):
                break
            short += 1
        return short, len(tested)

    def worst_cell(self, min_runs: int = 20) -> tuple[str, float] | None:
        """The cell with the lowest 95% coverage among cells scored in ``min_runs`` runs."""
        rates = {k: h / n for k, (h, n) in self.cells.items() if n >= min_runs}
        if not rates:
            return None
        key = min(sorted(rates), key=rates.get)
        return key, rates[key]

    def cell_spread(self, nominal: float = 0.95, tolerance: float = 0.05, min_runs: int = 20,
                    alpha: float = 0.05) -> dict[str, float]:
        """How far the per-cell check can see, and the cells' spread as a whole.

        * the coverage a cell of the median number of runs must fall below to be flagged by
          :meth:`cells_short` (its power: with few runs per cell only large shortfalls show);
        * the 10th percentile of the cells' 95% coverage (the spread of cells, which the
          count of flagged cells hides when runs per cell are few).
        """
        from scipy.stats import binom

        cells = [(h, n) for h, n in self.cells.values() if n >= min_runs]
        if not cells:
            return {}
        hits, runs = np.array(cells, float).T
        median = int(np.median(runs))
        flagged = binom.cdf(np.arange(median + 1), median, nominal - tolerance) <= \
            alpha / len(cells)
        detectable = (np.nonzero(flagged)[0].max() + 1) / median if flagged.any() else 0.0
        return {f"coverage a cell of {median} runs must fall below to be flagged": detectable,
                "10th percentile of cell coverage": float(np.quantile(hits / runs, 0.1))}

    def rows(self, quantity: str, estimator: str, n_plans: int, reps: int, note: str):
        errors = np.concatenate(self.errors) if self.errors else np.array([np.nan])
        out = []
        if not self.covered:                    # an estimator scored for error only
            out.append({"quantity": quantity, "estimator": estimator, "n_plans": n_plans,
                        "replications": reps, "nominal": np.nan, "coverage": np.nan,
                        "coverage_mc_se": np.nan, "bias": float(np.mean(errors)),
                        "rmse": float(np.sqrt(np.mean(errors ** 2))), "metric": "",
                        "value": np.nan, "note": note})
        for level, values in self.covered.items():
            values = np.asarray(values)
            out.append({"quantity": quantity, "estimator": estimator, "n_plans": n_plans,
                        "replications": reps, "nominal": level,
                        "coverage": values.mean() if len(values) else np.nan,
                        "coverage_mc_se": values.std(ddof=1) / np.sqrt(len(values))
                        if len(values) > 1 else np.nan,
                        "bias": float(np.mean(errors)),
                        "rmse": float(np.sqrt(np.mean(errors ** 2))),
                        "metric": "", "value": np.nan, "note": note})
        extra = {metric: float(np.mean(values)) for metric, values in self.extra.items()}
        worst = self.worst_cell()
        if worst is not None:
            extra[f"lowest 95% coverage of one cell ({worst[0]}; cells of 20+ runs)"] = worst[1]
            short, scored = self.cells_short()
            extra[f"cells below 90% coverage beyond Monte Carlo error (of {scored} cells of "
                  "20+ runs; exact binomial, Holm 5%)"] = short
            extra.update(self.cell_spread())
        if self.threshold[1]:
            extra[f"95% coverage, groups of {ps.MIN_PLANS}–{ps.MIN_PLANS + THRESHOLD_BAND - 1} "
                  f"plans (threshold; {self.threshold[1]} intervals)"] = (
                self.threshold[0] / self.threshold[1])
        for metric, value in extra.items():
            out.append({"quantity": quantity, "estimator": estimator, "n_plans": n_plans,
                        "replications": reps, "nominal": np.nan, "coverage": np.nan,
                        "coverage_mc_se": np.nan, "bias": np.nan, "rmse": np.nan,
                        "metric": metric, "value": value, "note": note})
        return out


def _difference_keys(diff: pd.DataFrame) -> pd.Series:
    return diff["group_a"] + " − " + diff["group_b"] + ": " + diff["code"]


def _tested(n_a: np.ndarray, n_b: np.ndarray | None, n_plans: int) -> np.ndarray:
    # Below MIN_PLANS nothing is tested in the build; at 5 plans the intervals are scored
    # anyway where they exist (two plans or more) to show what testing would give.
    floor = ps.MIN_PLANS if n_plans > 5 else 2
    n = n_a if n_b is None else np.minimum(n_a, n_b)
    return n >= floor


def run_plan_level(model: Model, corpus: dict, tallies: dict, n_plans: int):
    """Plan-level estimator on one corpus: group shares and level differences."""
    k = len(model.labels) - 1
    coded = _coded(corpus["prepared"], _one_hot(corpus["code"], k), model.labels[:-1])
    table = ps.plan_shares(corpus["prepared"], coded, "domain")
    docs = corpus["documents"]
    shares = pd.concat([ps.group_shares(table, docs, by, min_plans=2)
                        for by in (None, "admin_level")], ignore_index=True)
    truth = np.concatenate([model.truth[g] for g in shares["group"].unique()])
    tested = _tested(shares["n_plans"].to_numpy(), None, n_plans)
    tallies["share"].add(shares["estimate"].to_numpy(), truth,
                         {lv: (shares[f"low_{round(lv * 100)}"].to_numpy(),
                               shares[f"high_{round(lv * 100)}"].to_numpy()) for lv in (0.8, 0.95)},
                         tested, keys=shares["group"] + ": " + shares["code"],
                         sizes=shares["n_plans"].to_numpy())
    if "province share" in tallies:
        _score_provinces(model, table, docs, tallies, n_plans)
    diff = ps.group_differences(table, docs, "admin_level", min_plans=2)
    if not len(diff):
        return
    truth = np.concatenate([model.truth[a] - model.truth[b] for a, b in
                            diff[["group_a", "group_b"]].drop_duplicates().to_numpy()])
    tested = _tested(diff["n_docs_a"].to_numpy(), diff["n_docs_b"].to_numpy(), n_plans)
    tallies["difference"].add(diff["difference"].to_numpy(), truth,
                              {0.8: (diff["ci80_low"].to_numpy(), diff["ci80_high"].to_numpy()),
                               0.95: (diff["ci_low"].to_numpy(), diff["ci_high"].to_numpy())},
                              tested, keys=_difference_keys(diff),
                              sizes=np.minimum(diff["n_docs_a"], diff["n_docs_b"]).to_numpy())
    null = tested & (truth == 0)
    if null.any():
        called = diff["verdict"].isin(["robust", "nominal only"]).to_numpy()[null]
        tallies["difference"].extra.setdefault(
            "share of null differences called robust or nominal only", []).append(called.mean())
    if tested.all():
        # The Bonferroni intervals behind "robust" are a family over codes and pairs: does
        # every one of them cover (the family-wise claim at ADJUSTED_LEVEL)?
        inside = ((diff["ci_low_adjusted"] <= truth) & (truth <= diff["ci_high_adjusted"]))
        tallies["difference"].extra.setdefault(
            f"family-wise coverage of the Bonferroni intervals (nominal "
            f"{ps.ADJUSTED_LEVEL:.0%}; runs with every level pair tested)", []).append(
            float(inside.all()))


def _score_provinces(model: Model, table: pd.DataFrame, docs: pd.DataFrame, tallies: dict,
                     n_plans: int):
    """Province shares and province differences of ``plan_shares`` (the build computes them
    as it does levels; scored apart so that the level figures stay comparable)."""
    shares = ps.group_shares(table, docs, "province_en", min_plans=2)
    truth = np.concatenate([model.truth[g] for g in shares["group"].unique()])
    tallies["province share"].add(
        shares["estimate"].to_numpy(), truth,
        {lv: (shares[f"low_{round(lv * 100)}"].to_numpy(),
              shares[f"high_{round(lv * 100)}"].to_numpy()) for lv in (0.8, 0.95)},
        _tested(shares["n_plans"].to_numpy(), None, n_plans),
        keys=shares["group"] + ": " + shares["code"], sizes=shares["n_plans"].to_numpy())
    diff = ps.group_differences(table, docs, "province_en", min_plans=2)
    if not len(diff):
        return
    truth = np.concatenate([model.truth[a] - model.truth[b] for a, b in
                            diff[["group_a", "group_b"]].drop_duplicates().to_numpy()])
    tallies["province difference"].add(
        diff["difference"].to_numpy(), truth,
        {0.8: (diff["ci80_low"].to_numpy(), diff["ci80_high"].to_numpy()),
         0.95: (diff["ci_low"].to_numpy(), diff["ci_high"].to_numpy())},
        _tested(diff["n_docs_a"].to_numpy(), diff["n_docs_b"].to_numpy(), n_plans),
        keys=_difference_keys(diff),
        sizes=np.minimum(diff["n_docs_a"], diff["n_docs_b"]).to_numpy())


def run_clause_bootstrap(model: Model, corpus: dict, tallies: dict, n_plans: int, seed: int):
    """The clause bootstrap on one corpus, for the same quantities."""
    k = len(model.labels) - 1
    prepared = corpus["prepared"]
    coded = _coded(prepared, _one_hot(corpus["code"], k), model.labels[:-1])
    boot = coding.bootstrap_shares(prepared, coded, "domain", n_boot=OLD_BOOT, seed=seed)
    docs = corpus["documents"]
    groups = {ps.ALL_PLANS: sorted(boot)}
    for level, part in docs.groupby("admin_level"):
        groups[level] = sorted(part["doc_id"])
    estimate, truth, n, bounds = [], [], [], {0.8: ([], []), 0.95: ([], [])}
    for group, members in groups.items():
        point = np.mean([boot[d]["share"][:k] for d in members], axis=0)
        reps = np.mean([boot[d]["share_reps"][:, :k] for d in members], axis=0)
        estimate.append(point)
        truth.append(model.truth[group])
        n.append(np.full(k, len(members)))
        for level, (low, high) in bounds.items():
            low.append(np.quantile(reps, (1 - level) / 2, axis=0))
            high.append(np.quantile(reps, (1 + level) / 2, axis=0))
    tallies["share"].add(np.concatenate(estimate), np.concatenate(truth),
                         {lv: (np.concatenate(lo), np.concatenate(hi))
                          for lv, (lo, hi) in bounds.items()},
                         _tested(np.concatenate(n), None, n_plans),
                         keys=[f"{g}: {c}" for g in groups for c in model.labels[:k]])
    diffs = {lv: coding.group_differences(boot, docs, "admin_level", level=lv)
             for lv in (0.8, 0.95)}
    diff = diffs[0.95]
    if not len(diff):
        return
    truth = np.concatenate([model.truth[a] - model.truth[b] for a, b in
                            diff[["group_a", "group_b"]].drop_duplicates().to_numpy()])
    tested = _tested(diff["n_docs_a"].to_numpy(), diff["n_docs_b"].to_numpy(), n_plans)
    tallies["difference"].add(diff["difference"].to_numpy(), truth,
                              {lv: (d["ci_low"].to_numpy(), d["ci_high"].to_numpy())
                               for lv, d in diffs.items()}, tested, keys=_difference_keys(diff))
    null = tested & (truth == 0)
    if null.any():
        called = diff["verdict"].isin(["robust", "nominal only"]).to_numpy()[null]
        tallies["difference"].extra.setdefault(
            "share of null differences called robust or nominal only", []).append(called.mean())


MIS_ESTIMATORS = {"Rogan-Gladen, validation rates by Beta draws": "beta_rates",
                  "Rogan-Gladen, validation clauses bootstrapped": "bootstrap_rates"}


def run_misclassified(model: Model, corpus: dict, tallies: dict, rng: np.random.Generator,
                      n_boot: int = 500):
    """Coverage of all plans under known misclassification: uncorrected and corrected with
    the validation rates' uncertainty by Beta draws or by the bootstrap."""
    k = len(model.labels) - 1
    true = _one_hot(corpus["code"], k)
    flip = rng.random(true.shape)
    observed = np.where(true, flip < TRUE_SENSITIVITY, flip > TRUE_SPECIFICITY)
    prepared = corpus["prepared"]
    table = ps.plan_shares(prepared, _coded(prepared, observed, model.labels[:-1]), "domain")
    values = ps.share_matrix(table, "coverage").to_numpy()
    pick = rng.choice(len(true), N_VALIDATION, replace=False)
    weights = prepared["n_chars"].to_numpy(float)[pick]
    sens, spec = mis.rates(true[pick], observed[pick], weights)
    truth = model.truth[ps.ALL_PLANS]
    seed = int(rng.integers(2 ** 31))
    for name, function in MIS_ESTIMATORS.items():
        reps = getattr(mis, function)(true[pick], observed[pick], weights, n_boot, seed)
        estimate, low, high = mis.correct_mean(values, sens, spec, *reps, 0.95, seed=seed)
        ok = ~np.isnan(estimate) & ~np.isnan(low)
        tallies[name].add(np.where(ok, estimate, 0), truth, {0.95: (low, high)}, ok,
                          keys=model.labels[:-1])
        tallies[name].extra.setdefault("share of domains with the correction undefined",
                                       []).append(1 - ok.mean())
    tallies["uncorrected"].add(values.mean(axis=0), truth, {}, np.ones(k, bool))


def simulation_table(seed: int = 0, inputs: tuple[list[np.ndarray], np.ndarray] | None = None,
                     replications: dict | None = None, old_replications: dict | None = None,
                     mis_replications: dict | None = None) -> pd.DataFrame:
    """Bias, RMSE and interval coverage of domain shares and level differences by corpus size.

    Parameters
    ----------
    seed : int
        Seed of the whole run (deterministic).
    inputs : tuple, optional
        :func:`seed_inputs` (clause lengths per seed plan, base shares); read from the built
        tables by default.
    replications, old_replications, mis_replications : dict, optional
        Corpus size → runs, for the plan-level estimator, the clause bootstrap and the
        misclassification run (defaults :data:`REPLICATIONS` etc.).

    Returns
    -------
    pandas.DataFrame
        The shared layout (:data:`COLUMNS`): coverage rows per quantity, estimator, corpus
        size and nominal level (``coverage_mc_se`` from the spread of per-run coverage over
        the cells scored), and ``metric``/``value`` rows.
    """
    lengths, base = inputs if inputs is not None else seed_inputs()
    model = Model(base, seed)
    replications = replications or REPLICATIONS
    old_replications = old_replications if old_replications is not None else OLD_REPLICATIONS
    mis_replications = mis_replications if mis_replications is not None else MIS_REPLICATIONS
    rows = []
    for n_plans in N_PLANS:
        note = ("groups of 2+ plans scored, though the build tests none below "
                f"{ps.MIN_PLANS}" if n_plans == 5 else f"groups of {ps.MIN_PLANS}+ plans scored")
        for estimator, reps in ((NEW, replications.get(n_plans, 0)),
                                (OLD, old_replications.get(n_plans, 0))):
            if not reps:
                continue
            tallies = {"share": _Tally(), "difference": _Tally()}
            if estimator == NEW:
                tallies.update({"province share": _Tally(), "province difference": _Tally()})
            rng = np.random.default_rng([seed, n_plans])       # same corpora for both
            for r in range(reps):
                corpus = model.corpus(rng, n_plans, lengths)
                if estimator == NEW:
                    run_plan_level(model, corpus, tallies, n_plans)
                else:
                    run_clause_bootstrap(model, corpus, tallies, n_plans, seed + r)
            rows += tallies["share"].rows("domain share", estimator, n_plans, reps,
                                          "group means (all plans, each level) × 16 domains; "
                                          + note)
            rows += tallies["difference"].rows("group difference", estimator, n_plans, reps,
                                               "level pairs × 16 domains; " + note)
            if estimator == NEW:
                where = f"{N_PROVINCES} provinces with fixed effects; "
                rows += tallies["province share"].rows(
                    "province share", estimator, n_plans, reps,
                    where + "province means × 16 domains; " + note)
                rows += tallies["province difference"].rows(
                    "province difference", estimator, n_plans, reps,
                    where + "province pairs × 16 domains; " + note)
        reps = mis_replications.get(n_plans, 0)
        if reps:
            tallies = {name: _Tally() for name in MIS_ESTIMATORS}
            for tally in tallies.values():
                tally.covered.pop(0.8)
            tallies["uncorrected"] = _Tally()
            tallies["uncorrected"].covered = {}
            rng = np.random.default_rng([seed, n_plans, 7])
            for _ in range(reps):
                run_misclassified(model, model.corpus(rng, n_plans, lengths), tallies, rng)
            text = (f"all plans, 16 domains; rules with sensitivity {TRUE_SENSITIVITY} and "
                    f"specificity {TRUE_SPECIFICITY}, estimated from {N_VALIDATION} clauses; "
                    "domains where the correction is undefined not scored")
            for name, tally in tallies.items():
                rows += tally.rows("coverage corrected for misclassification", name, n_plans,
                                   reps, text)
    return pd.DataFrame(rows, columns=COLUMNS)
