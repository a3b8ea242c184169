"""Coverage simulation for the multilevel model of :mod:`analysis.text.multilevel_shares`
(issue 13, item 2): level shares, level differences and partially pooled province shares.

**Generator.** The model of :mod:`analysis.evaluation.simulate_shares` (its
:class:`~analysis.evaluation.simulate_shares.Model`: seed-plan base shares, level effects,
logistic-normal plan effects, Dirichlet-multinomial clauses, clause lengths resampled from the
seed plans), with one change: the province effects are **redrawn in every replication** from
``N(0, PROVINCE_SD^2)`` per code, so the truth is a random-effects one and the frequentist
coverage of empirical-Bayes intervals is the right notion, and the number of provinces grows
with the corpus (:data:`PROVINCES`: 3 at 5 plans, as the seeds; 10 at 50 plans, a
multi-province sample; 31 at 500, every province-level division of mainland China). Plans are
assigned to provinces uniformly, so at 50 plans a province holds about five. A second design
confounds level and province (:data:`CONFOUNDED_MIX`: half the provinces write mostly
provincial-level plans), the case where ignoring provinces (Welch over plans) should fail and
the random intercept should not; it scores level shares and differences only.

**Truth.** Level share: the expected share of a plan of the level over both random effects
(``N_TRUTH`` joint draws of province and plan effects, fixed for the run). Province share: the
expected share of a plan of that province (its realised effect) at the levels of its plans in
the corpus, from ``N_TRUTH_PROVINCE`` plan-effect draws. Level difference: the difference of
level shares; city − county is exactly zero for every code (the generator gives them the same
effects), which gives the share of null differences called ``differs``.

**Scored.** Rows of ``status == estimated`` of :func:`~analysis.text.multilevel_shares.
multilevel_tables` (16 domains and ``uncoded``): bias, RMSE and 80%/95% coverage with Monte
Carlo standard errors (spread of per-run coverage over the cells scored). The province shares
are scored beside the unpooled province means (error of the same estimand; the RMSE ratio is
the gain of pooling) and the unpooled logit-t interval of
:func:`analysis.text.plan_shares.mean_interval` (provinces of two or more plans). At 5 plans
the model is not identified: the table reports the error of the descriptive values and the
share of rows given an interval (zero by design).

Written by hand: the bookkeeping; the generator is ``simulate_shares``' and every estimate is
the package's.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from analysis.core.paths import PACKAGE_DATA
from analysis.core.schema import SIMULATION_COLUMNS
from analysis.evaluation import simulate_shares as sim
from analysis.text import multilevel_shares as ml
from analysis.text import plan_shares as ps

N_PLANS = (5, 50, 500)
#: Provinces per corpus size (module docstring).
PROVINCES = {5: 3, 50: 10, 500: 31}
#: Runs per corpus size, chosen to keep the study under three minutes of CPU.
REPLICATIONS = {5: 50, 50: 150, 500: 60}
#: Runs of the logit-scale variant (contrast only).
LOGIT_REPLICATIONS = {50: 40, 500: 15}
#: Runs of the confounded design: half the provinces write mostly provincial-level plans
#: (level probabilities :data:`CONFOUNDED_MIX`), the other half mostly city and county plans.
CONFOUNDED_REPLICATIONS = {50: 60, 500: 20}
CONFOUNDED_MIX = ((0.6, 0.2, 0.2), (0.05, 0.475, 0.475))
CONFOUNDED = " (level mix confounded with province)"
N_DRAWS = 600
N_TRUTH = 40000
N_TRUTH_PROVINCE = 4000
COLUMNS = list(SIMULATION_COLUMNS)
POOLED = {"identity": "multilevel LMM on shares (province random intercept)",
          "logit": "multilevel LMM on corrected logits, smeared (province random intercept)"}
UNPOOLED = "unpooled province mean"
UNPOOLED_T = "unpooled province mean, logit t interval (2+ plans)"
WELCH = "plan_shares: Welch t over plans (provinces ignored)"
DESCRIBED = "descriptive only (model not identified)"


def stored_inputs() -> tuple[list[np.ndarray], np.ndarray]:
    """Clause lengths per seed plan and base shares from the versioned
    ``data/simulation_inputs.json`` (the material every issue-13 study uses)."""
    payload = json.loads((PACKAGE_DATA / "simulation_inputs.json").read_text(encoding="utf-8"))
    return ([np.asarray(plan, dtype=float) for plan in payload["lengths"]],
            np.asarray(payload["base_shares"], dtype=float))


def level_truth(model: sim.Model, rng: np.random.Generator) -> np.ndarray:
    """Levels × codes: expected share of a plan of the level over province and plan effects."""
    k = len(model.labels)
    effect = (rng.normal(0, sim.PROVINCE_SD, (N_TRUTH, k))
              + rng.normal(0, sim.SIGMA_PLAN, (N_TRUTH, k)))
    return np.array([sim._softmax(model.alpha + model.level_effect[l] + effect).mean(axis=0)
                     for l in range(len(sim.LEVELS))])


def province_truth(model: sim.Model, u: np.ndarray) -> np.ndarray:
    """Provinces × levels × codes: expected share given the province's realised effect."""
    return np.array([[sim._softmax(model.alpha + model.level_effect[l] + effect + u)
                      .mean(axis=0) for l in range(len(sim.LEVELS))]
                     for effect in model.province_effect])


def per_plan_table(corpus: dict, labels: list[str]) -> pd.DataFrame:
    """The build's per-plan layout (``domain_shares.csv``) for a simulated corpus."""
    k = len(labels) - 1
    prepared = corpus["prepared"]
    coded = sim._coded(prepared, sim._one_hot(corpus["code"], k), labels[:-1])
    table = ps.plan_shares(prepared, coded, "domain")
    counts = prepared.groupby("doc_id").size()
    return table.assign(n_clauses=counts.reindex(table["doc_id"]).to_numpy())


def _tallies() -> dict:
    tallies = {name: sim._Tally() for name in ("share", "difference", "province",
                                               "unpooled", "unpooled_t", "described",
                                               "welch")}
    tallies["unpooled"].covered = {}
    tallies["described"].covered = {}
    return tallies


def score(result: pd.DataFrame, corpus: dict, truth_levels: np.ndarray,
          truth_provinces: np.ndarray, table: pd.DataFrame, tallies: dict, labels: list[str]):
    """Score one corpus's table against the truth (updates ``tallies``)."""
    level_index = {level: k for k, level in enumerate(sim.LEVELS)}
    code_index = {code: k for k, code in enumerate(labels)}
    docs = corpus["documents"]
    mix = (docs.groupby(["province_en", "admin_level"]).size().unstack(fill_value=0)
           .reindex(columns=list(sim.LEVELS), fill_value=0))
    mix = mix.div(mix.sum(axis=1), axis=0)
    codes = result["code"].map(code_index).to_numpy()
    truth = np.full(len(result), np.nan)
    for quantity in ml.QUANTITIES:
        rows = (result["quantity"] == quantity).to_numpy()
        groups = result.loc[rows, "group"].to_numpy()
        if quantity == "level share":
            truth[rows] = truth_levels[[level_index[g] for g in groups], codes[rows]]
        elif quantity == "level difference":
            a = [level_index[g.split(" − ")[0]] for g in groups]
            b = [level_index[g.split(" − ")[1]] for g in groups]
            truth[rows] = truth_levels[a, codes[rows]] - truth_levels[b, codes[rows]]
        else:
            p = [int(g.split()[-1]) for g in groups]
            weights = mix.loc[groups].to_numpy()
            truth[rows] = np.einsum("rl,rl->r", truth_provinces[p, :, codes[rows]], weights)
    keys = (result["group"] + ": " + result["code"]).to_numpy()
    estimated = (result["status"] == ml.ESTIMATED).to_numpy()
    bounds = {lv: (result[f"low_{round(lv * 100)}"].to_numpy(),
                   result[f"high_{round(lv * 100)}"].to_numpy()) for lv in ml.LEVELS}
    estimate = result["estimate"].to_numpy()
    sizes = result["n_plans"].to_numpy()
    for quantity, name in zip(ml.QUANTITIES, ("share", "difference", "province")):
        rows = (result["quantity"] == quantity).to_numpy()
        # n_plans of a difference counts both levels: the threshold band is for level shares.
        tallies[name].add(estimate, truth, bounds, rows & estimated, keys=keys,
                          sizes=sizes if quantity == "level share" else None)
    tallies["described"].add(result["unpooled"].to_numpy(), truth, {}, ~estimated)
    tallies["described"].extra.setdefault("share of rows given an interval", []).append(
        float(estimated.mean()))
    province = (result["quantity"] == "province share").to_numpy()
    tallies["unpooled"].add(result["unpooled"].to_numpy(), truth, {}, province & estimated)
    if (province & estimated).any():
        fits = result[province & estimated].drop_duplicates("code")
        tallies["province"].extra.setdefault("share of fits with province variance at 0",
                                             []).append(float((fits["province_sd"] == 0).mean()))
        tallies["province"].extra.setdefault("share of fits with a note (warning)", []).append(
            float((fits["fit_note"].fillna("") != "").mean()))
        pooled_se = (estimate - truth)[province & estimated] ** 2
        unpooled_se = (result["unpooled"].to_numpy() - truth)[province & estimated] ** 2
        tallies["province"].extra.setdefault("MSE ratio pooled / unpooled (mean over runs)",
                                             []).append(float(pooled_se.mean()
                                                              / unpooled_se.mean()))
    _score_unpooled_t(result, truth, table, docs, tallies, province & estimated)
    _score_welch(table, docs, truth_levels, tallies["welch"], labels)
    null = (result["quantity"] == "level difference").to_numpy() & estimated & (truth == 0)
    if null.any():
        called = (result["verdict"] == ml.DIFFERS).to_numpy()[null]
        tallies["difference"].extra.setdefault("share of null differences called differs",
                                               []).append(float(called.mean()))
    real = (result["quantity"] == "level difference").to_numpy() & estimated & (truth != 0)
    if real.any():
        called = (result["verdict"] == ml.DIFFERS).to_numpy()[real]
        tallies["difference"].extra.setdefault("share of non-null differences called differs",
                                               []).append(float(called.mean()))


def _score_welch(table, docs, truth_levels, tally, labels):
    """The build's level differences of :mod:`analysis.text.plan_shares` (Welch t over plans,
    plans of one province taken as independent) on the same corpus, for contrast."""
    diff = ps.group_differences(table, docs, "admin_level")
    if not len(diff):
        return
    level_index = {level: k for k, level in enumerate(sim.LEVELS)}
    code = diff["code"].map({c: k for k, c in enumerate(labels)}).to_numpy()
    truth = (truth_levels[diff["group_a"].map(level_index).to_numpy(), code]
             - truth_levels[diff["group_b"].map(level_index).to_numpy(), code])
    tested = (diff["verdict"] != ps.NOT_TESTED).to_numpy()
    tally.add(diff["difference"].to_numpy(), truth,
              {0.8: (diff["ci80_low"].to_numpy(), diff["ci80_high"].to_numpy()),
               0.95: (diff["ci_low"].to_numpy(), diff["ci_high"].to_numpy())}, tested,
              keys=(diff["group_a"] + " − " + diff["group_b"] + ": " + diff["code"]).to_numpy(),
              sizes=np.minimum(diff["n_docs_a"], diff["n_docs_b"]).to_numpy())
    null = tested & (truth == 0)
    if null.any():
        called = diff["verdict"].isin(["robust", "nominal only"]).to_numpy()[null]
        tally.extra.setdefault("share of null differences called robust or nominal only",
                               []).append(float(called.mean()))


def _score_unpooled_t(result, truth, table, docs, tallies, rows):
    """The unpooled logit-t interval of plan_shares for provinces of two or more plans."""
    sub = result[rows]
    codes = list(dict.fromkeys(sub["code"]))
    wide = ps.share_matrix(table, "share", codes)
    groups = docs.set_index("doc_id")["province_en"].reindex(wide.index)
    found = {}
    for group, members in wide.groupby(groups.to_numpy(), sort=True):
        found[group] = {lv: ps.mean_interval(members.to_numpy(), lv) for lv in ml.LEVELS}
    column = {code: k for k, code in enumerate(codes)}
    pick = [(found[g], column[c]) for g, c in zip(sub["group"], sub["code"])]
    estimate = np.array([f[0.8][0][k] for f, k in pick])
    bounds = {lv: (np.array([f[lv][1][k] for f, k in pick]),
                   np.array([f[lv][2][k] for f, k in pick])) for lv in ml.LEVELS}
    if len(sub):
        tallies["unpooled_t"].add(estimate, truth[rows], bounds, sub["n_plans"].to_numpy() >= 2)


def simulation_table(seed: int = 0, inputs: tuple[list[np.ndarray], np.ndarray] | None = None,
                     replications: dict | None = None, logit_replications: dict | None = None,
                     n_draws: int = N_DRAWS, confounded_replications: dict | None = None
                     ) -> pd.DataFrame:
    """Bias, RMSE and coverage of the multilevel model's estimates by corpus size.

    Parameters
    ----------
    seed : int
        Seed of the whole run (deterministic).
    inputs : tuple, optional
        (clause lengths per seed plan, base shares), as
        :func:`analysis.evaluation.simulate_shares.seed_inputs` returns them; read from the
        versioned ``simulation_inputs.json`` by default (:func:`stored_inputs`).
    replications, logit_replications : dict, optional
        Corpus size → runs of the default (identity) model and of the logit-scale variant
        (defaults :data:`REPLICATIONS`, :data:`LOGIT_REPLICATIONS`; ``{}`` for none).
    confounded_replications : dict, optional
        Corpus size → runs of the design in which level and province are confounded
        (:data:`CONFOUNDED_REPLICATIONS`; ``{}`` for none).
    n_draws : int
        Interval draws per code and corpus.

    Returns
    -------
    pandas.DataFrame
        The shared layout (:data:`COLUMNS`).
    """
    if inputs is None:
        inputs = stored_inputs()
    lengths, base = inputs
    replications = replications or REPLICATIONS
    model = sim.Model(base, seed)
    labels = model.labels
    truth_rng = np.random.default_rng([seed, 11])
    truth_levels = level_truth(model, truth_rng)
    u = truth_rng.normal(0, sim.SIGMA_PLAN, (N_TRUTH_PROVINCE, len(labels)))
    rows = []
    runs = [(n, "identity", replications.get(n, 0), "") for n in N_PLANS]
    runs += [(n, "logit", reps, "") for n, reps in (logit_replications if logit_replications
                                                     is not None else LOGIT_REPLICATIONS).items()]
    runs += [(n, "identity", reps, CONFOUNDED) for n, reps in (
        confounded_replications if confounded_replications is not None
        else CONFOUNDED_REPLICATIONS).items()]
    for n_plans, link, reps, design_name in runs:
        if not reps:
            continue
        q = PROVINCES[n_plans]
        tallies = _tallies()
        mix = (np.array([CONFOUNDED_MIX[p % 2] for p in range(q)]) if design_name else None)
        # Same corpora for both links; the confounded design has its own stream.
        rng = np.random.default_rng([seed, n_plans, 13] + ([1] if design_name else []))
        for r in range(reps):
            model.province_effect = rng.normal(0, sim.PROVINCE_SD, (q, len(labels)))
            corpus = model.corpus(rng, n_plans, lengths, level_probs=mix)
            table = per_plan_table(corpus, labels)
            result = ml.multilevel_tables({"domain": table}, corpus["documents"], seed=r,
                                          n_draws=n_draws, link=link)
            score(result, corpus, truth_levels, province_truth(model, u), table, tallies,
                  labels)
        levels = ("half the provinces 0.6/0.2/0.2, half 0.05/0.475/0.475" if design_name
                  else "0.2/0.4/0.4")
        design = (f"{q} provinces (effects redrawn each run), levels {levels}; 16 domains "
                  "and uncoded")
        named = (("share", "domain share", POOLED[link], "level shares; "),
                 ("difference", "group difference", POOLED[link], "level pairs; "),
                 ("province", "province share", POOLED[link], "pooled (BLUP) province shares; "))
        if design_name:
            named = named[:2] + (("welch", "group difference", WELCH,
                                  f"level pairs × 16 domains, groups of {ps.MIN_PLANS}+ plans; "),)
        elif link == "identity":
            named += (("unpooled", "province share", UNPOOLED, "same provinces, error only; "),
                      ("unpooled_t", "province share", UNPOOLED_T, "provinces of 2+ plans; "),
                      ("welch", "group difference", WELCH,
                       f"level pairs × 16 domains, groups of {ps.MIN_PLANS}+ plans; "),
                      ("described", "domain share", DESCRIBED, "rows without an interval; "))
        for name, quantity, estimator, text in named:
            tally = tallies[name]
            if not tally.errors and not tally.extra:
                continue
            rows += tally.rows(quantity, estimator + design_name, n_plans, reps, text + design)
    table = pd.DataFrame(rows, columns=COLUMNS)
    empty = table[["coverage", "bias", "rmse", "value"]].isna().all(axis=1)
    return table[~empty].reset_index(drop=True)
