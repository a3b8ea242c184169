"""Topic prevalence of plans and of groups of plans by the method of composition.

The estimand is at the level of the plan. A plan's prevalence of topic k is the
length-weighted mean of its clauses' proportions, each clause weighted by its characters
(as the domain shares of :mod:`analysis.text.coding` weight clauses), and a group's
prevalence is the unweighted mean over its plans (each plan counts once, as in
:func:`analysis.text.coding.group_differences`). Plans, not clauses, are the sampled unit.

A clause's proportions are token shares: the share of its words each topic accounts for.
LDA's proportions are that already; an NMF's are not (they are shares of reconstructed TF-IDF
mass) and attenuated a simulated group difference by about 15 %, so the NMF's topics are kept
and each clause's token shares are re-fitted under them (:func:`token_shares`,
:func:`reported_proportions`). ``clause_topics.csv`` keeps the model's own proportions.

Uncertainty combines two sources, as stm's ``estimateEffect`` does (Roberts, Stewart and
Tingley 2019, J. Stat. Softw. 91(2), section 3.4 "method of composition"; Tanner 1996):

1. Topic proportions are not data but estimates. Each of ``D`` draws replaces every clause's
   proportions by a draw from an approximation of their posterior (:func:`dirichlet_draws`):
   for LDA the variational Dirichlet, for a Gibbs-sampled model (the seeded model of
   :mod:`analysis.topics.seeded`) ``Dirichlet(alpha + n_dk)`` of its final state, and for NMF,
   which has no posterior, a *token-count Dirichlet approximation* ``Dirichlet(n_i θ_i)``:
   the posterior of multinomial proportions under a vanishing prior as if the clause's
   ``n_i`` in-vocabulary tokens had been allocated to topics in the fitted proportions. It
   represents how few words a short clause's proportions rest on; it does not represent the
   NMF optimiser's own variability between restarts (``topic_restart_similarity.csv``).
2. For each draw, plan prevalences are regressed on group indicators with plans as units
   (one-way layout, closed form; pooled residual variance, ``n_plans - n_groups`` degrees of
   freedom), and ``R`` values of each contrast are drawn from its sampling distribution
   (Student t, as the variance is estimated). The pooled ``D × R`` values give the interval.

Groups with fewer than :data:`MIN_PLANS` plans are not tested: their contrasts are
descriptive, the interval carries source 1 only and the verdict is ``not tested (too few
plans)``. The threshold is notebook 02's (:data:`analysis.text.plan_shares.MIN_PLANS`, imported,
not copied), so that both notebooks test a group from the same number of plans. On the five seed
plans every comparison is of this kind: the notebooks describe plans, they do not test groups.

:func:`simulation_table` checks the intervals against a known truth twice:

* with the tokens' own topics as fitted proportions (no topic-model error; proportions from
  20 tokens per clause, 10 clauses per plan, between-plan sd 0.05): how the composition
  interval behaves when the proportions are right;
* end to end (:mod:`analysis.topics.simulate_prevalence`): planted topics, tokens, the
  package's NMF fit at the true K, topics matched to the truth, then this module. It also
  scores the ``proportion draws only`` interval of a single plan against that plan's realised
  prevalence.

The measured coverages are in ``simulation_study.csv`` (study ``topic prevalence``) and in
notebook 03, section 7; they are not repeated here, so that the text cannot disagree with the
table. In short: intervals from proportion draws alone cover neither a group difference nor a
plan's own prevalence anywhere near their nominal rate, which is why the build issues no plan
interval and tests no group of fewer than :data:`MIN_PLANS` plans.

The one-way regression and the draws are written here with NumPy because no maintained
Python library implements stm's method of composition for arbitrary proportion draws.
"""
from __future__ import annotations

import hashlib
from importlib.metadata import version
from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.schema import Column, TableSchema
from analysis.text.plan_shares import MIN_PLANS
from analysis.topics.draws import N_DRAWS, DirichletDraws, dirichlet_draws, plan_prevalence
from analysis.topics.settings import CI_LEVEL, derive_seed

#: Sampling draws per proportion draw (R); the proportion draws (D) are
#: :data:`analysis.topics.draws.N_DRAWS`.
N_SAMPLING = 20
#: Administrative levels from lower to higher: contrasts are lower minus higher.
ADMIN_ORDER = ("county", "city", "province")
#: Groupings of ``documents.csv`` compared (``plan`` rows: each plan on its own).
COVARIATES = ("admin_level", "province_en")

#: EM settings of :func:`token_shares`.
TOKEN_SHARE_MAX_ITER = 200
TOKEN_SHARE_TOL = 1e-6
#: Share of the iterating block that must still be iterating; below it the block is rebuilt.
REBUILD_SHARE = 2 / 3

NOT_TESTED = "not tested (too few plans)"
VERDICTS = ("interval excludes 0", "interval includes 0", NOT_TESTED, "descriptive")
INTERVALS = ("composition", "proportion draws only", "none")


def token_shares(counts, topic_word: np.ndarray, max_iter: int = TOKEN_SHARE_MAX_ITER,
                 tol: float = TOKEN_SHARE_TOL) -> np.ndarray:
    """Each clause's topic proportions in tokens, the topics held fixed.

    NMF's own proportions are shares of a clause's reconstructed TF-IDF mass (sublinear term
    frequencies, rare words up-weighted), not of its tokens, and the end-to-end simulation
    (:mod:`analysis.topics.simulate_prevalence`) measured what that does to prevalence: a
    group difference in token shares of 0.073 came out about 0.01 smaller, half an interval's
    half-width at 500 plans. Here each clause's tokens are instead explained as a multinomial
    mixture of the fitted topic-word distributions, and the mixture weights are fitted by
    maximum likelihood (EM, the "fold-in" step of PLSA; Hofmann 1999): the share of the
    clause's tokens that each topic accounts for. With the topics fixed the log-likelihood is
    concave in the weights, so its maximum is unique; the weights that reach it are unique
    when the clause's words identify the topics, and the fixed start (equal shares) makes the
    result deterministic either way.

    Parameters
    ----------
    counts : scipy.sparse matrix
        Clause × word counts (the corpus's ``counts``).
    topic_word : numpy.ndarray
        K × V topic-word distributions (``TopicModel.topic_word``; rows sum to 1).
    max_iter, tol : int, float
        EM stops for each clause after ``max_iter`` iterations or when none of its
        proportions moves by more than ``tol`` (a step-size rule, not a certificate of
        convergence), so a clause's shares do not depend on the other clauses (until
        2026-12-01 all clauses stopped together, when the slowest had; on 1,006 synthetic
        plans the shares then moved by at most 7e-5, the mean shares by 4e-6, and the EM took
        half the time). EM creeps towards
        proportions on the boundary (a topic absent from a clause), so clauses hit the cap
        (18% of the clauses of those plans):
        a clause's value after 200 iterations can differ from the converged one by a few
        thousandths, while mean shares over clauses move by about 1e-5 (measured on the seed
        corpus), and on the simulated corpora the plans' prevalences moved by less than
        1e-4 after 100 iterations.

    Returns
    -------
    numpy.ndarray
        Clauses × topics, rows summing to 1; a clause without in-vocabulary tokens gets equal
        proportions (over the live topics: a dead topic, a uniform row, always gets 0).

    Notes
    -----
    Written with NumPy/SciPy because scikit-learn's NMF and LDA offer no fit of mixture
    weights under fixed multinomial components (LDA's ``transform`` adds its Dirichlet prior
    and needs its own variational parameters).
    """
    from scipy import sparse

    x = sparse.csr_matrix(counts, dtype=float, copy=True)
    x.sum_duplicates()
    x.data[x.data < 0] = 0.0
    x.eliminate_zeros()
    beta = np.asarray(topic_word, dtype=float)
    # A dead topic (an NMF component that is all zeros, given a uniform row by
    # ``TopicModel``) explains no word better than any other: it gets no share. EM keeps a
    # weight that starts at 0 at 0.
    live = np.ptp(beta, axis=1) > 0
    if not live.any():
        live[:] = True
    # A word no topic gives any mass would make a clause's likelihood zero whatever the
    # weights; a floor far below any fitted probability keeps it from dividing by zero.
    beta = np.maximum(beta, 1e-12)
    beta = beta / beta.sum(axis=1, keepdims=True)
    beta_t = np.ascontiguousarray(beta.T)                         # V × K
    fallback = live / live.sum()
    theta = np.tile(fallback, (x.shape[0], 1))
    # Each clause stops when its own proportions move by less than ``tol``, so a clause's
    # shares depend on its counts and the topics only, not on which other clauses (plans)
    # are in the corpus, and a clause that has converged costs nothing more. The clauses
    # still iterating are gathered into a block, which is rebuilt when a third of it has
    # stopped; a stopped clause in the block is computed but no longer updated. Row by row
    # the arithmetic is the same whatever the block holds (a test checks this).
    active = np.arange(x.shape[0])
    block = None
    for _ in range(max_iter):
        if not len(active):
            break
        if block is None or len(active) < REBUILD_SHARE * len(block):
            block = active
            ratio = x[block]
            values = ratio.data.copy()
            nz_rows = np.repeat(np.arange(len(block)), np.diff(ratio.indptr))
            beta_at = beta_t[ratio.indices]                       # nonzeros × K
            running = np.ones(len(block), dtype=bool)
        current = theta[block]
        expected = np.einsum("ik,ik->i", current[nz_rows], beta_at)
        ratio.data = values / expected
        new = current * (ratio @ beta_t)
        total = new.sum(axis=1, keepdims=True)
        new = np.where(total > 0, new / np.where(total > 0, total, 1.0), fallback)
        moved = np.abs(new - current).max(axis=1) if new.shape[1] else np.zeros(len(new))
        theta[block[running]] = new[running]
        running &= ~(moved < tol)
        active = block[running]
    return theta


def remembered_token_shares(counts, topic_word: np.ndarray, folder=None) -> np.ndarray:
    """:func:`token_shares`, each clause's row taken from a per-clause memo where it is
    there (:func:`analysis.core.memo.by_text`, kind ``tokenshares``).

    A clause's shares depend only on its counts and the topics, so when a plan is added and
    the topics stay (a plan outside the fitting sample), only the new plan's clauses are
    computed; identical clauses are computed once. ``folder`` None computes every distinct
    clause and keeps nothing. The result is the same array as :func:`token_shares` (tested).
    """
    from scipy import sparse

    from analysis.core.codeversion import source_digest
    from analysis.core.memo import by_text

    x = sparse.csr_matrix(counts, dtype=float, copy=True)
    x.sum_duplicates()
    beta = np.ascontiguousarray(topic_word, dtype=float)
    if not x.shape[0]:
        return token_shares(x, beta)
    # A clause's key is its counts row, exactly (columns and values as bytes).
    keys = [(x.indices[a:b].astype("<i8").tobytes() + b"|"
             + x.data[a:b].astype("<f8").tobytes()).decode("latin-1")
            for a, b in zip(x.indptr[:-1], x.indptr[1:])]
    first_row: dict[str, int] = {}
    for row, key in enumerate(keys):
        first_row.setdefault(key, row)
    settings = "\x00".join((
        "tokenshares-1", str(beta.shape), hashlib.sha256(beta.tobytes()).hexdigest(),
        str(TOKEN_SHARE_MAX_ITER), repr(TOKEN_SHARE_TOL), repr(REBUILD_SHARE),
        np.__version__, version("scipy"),
        source_digest(("analysis.topics.composition",))))
    rows = by_text(folder, "tokenshares", settings, keys,
                   lambda new: list(token_shares(x[[first_row[k] for k in new]], beta)))
    return np.vstack(rows)


def reported_proportions(theta: np.ndarray, counts, topic_word: np.ndarray | None,
                         gamma: np.ndarray | None = None, cache=None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """The proportions and Dirichlet parameters prevalence is computed from.

    LDA's proportions are already token shares (its variational ``gamma`` counts tokens per
    topic), so they are kept; an NMF's are replaced by :func:`token_shares` of its topics,
    with the token-count Dirichlet approximation (:func:`nmf_concentration`) around them.

    Parameters
    ----------
    theta : numpy.ndarray
        Clause × topic proportions of the fitted model.
    counts : scipy.sparse matrix
        Clause × word counts.
    topic_word : numpy.ndarray or None
        The model's topic-word distributions (needed for NMF).
    gamma : numpy.ndarray, optional
        LDA's variational parameters; given, ``theta`` and ``gamma`` are returned unchanged.
    cache : Path, optional
        The build's cache folder, for the per-clause memo of the token shares
        (:func:`remembered_token_shares`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Proportions and Dirichlet parameters, clauses × topics.
    """
    if gamma is not None:
        return theta, gamma
    if topic_word is None:
        raise ValueError("an NMF's prevalence needs its topic-word distributions")
    shares = remembered_token_shares(counts, topic_word, cache)
    n_tokens = np.asarray(counts.sum(axis=1)).ravel()
    return shares, nmf_concentration(shares, n_tokens)


def nmf_concentration(theta: np.ndarray, n_tokens: Sequence[float]) -> np.ndarray:
    """The token-count Dirichlet approximation for NMF: ``n_i θ_i`` per clause."""
    return np.asarray(n_tokens, dtype=float)[:, None] * np.asarray(theta, dtype=float)


def _pairs(names: list[str], covariate: str) -> list[tuple[str, str]]:
    if covariate == "admin_level":
        rank = {g: i for i, g in enumerate(ADMIN_ORDER)}
        names = sorted(names, key=lambda g: (rank.get(g, len(rank)), g))
    return list(combinations(names, 2))


def _quantiles(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1 - level) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha], axis=0)
    return lo, hi


def prevalence_by_composition(theta_draws: np.ndarray, theta: np.ndarray,
                              clause_doc_ids: Sequence[str], weights: Sequence[float],
                              documents: pd.DataFrame, covariates: Sequence[str] = COVARIATES,
                              min_plans: int = MIN_PLANS, n_sampling: int = N_SAMPLING,
                              level: float = CI_LEVEL, seed: int | None = None,
                              model: str = "reported", draws_only_intervals: bool = False
                              ) -> pd.DataFrame:
    """Plan prevalence, group means and group differences with composition intervals.

    A plan's prevalence, and the mean and differences of groups smaller than ``min_plans``,
    get no interval (``interval`` = ``none``): the only interval they could have, from the
    proportion draws alone, covers neither a plan's realised prevalence nor a group
    difference near its nominal rate in the end-to-end simulation
    (:mod:`analysis.topics.simulate_prevalence`). They are measurements of the plans' text by
    the fitted model, as notebook 02 describes groups of fewer than
    :data:`analysis.text.plan_shares.MIN_PLANS` plans without an interval.

    Parameters
    ----------
    theta_draws : numpy.ndarray or DirichletDraws
        Draws × clauses × topics (:func:`dirichlet_draws`), or the distribution to draw them
        from, aggregated to plans a few draws at a time (the same values in bounded memory).
    theta : numpy.ndarray
        Clauses × topics: the point estimates (give the ``estimate`` column).
    clause_doc_ids, weights : sequence
        Plan and weight (characters) of each clause, aligned with ``theta``.
    documents : pandas.DataFrame
        ``doc_id`` and the ``covariates`` columns; empty values form a ``(unknown)`` group.
    covariates : sequence of str
    min_plans : int
        Smallest group size for a tested contrast.
    n_sampling : int
        Sampling draws per proportion draw (R).
    model : str
        Label of the model in the ``model`` column.
    draws_only_intervals : bool
        Simulation only: give those rows the ``proportion draws only`` interval instead of
        none, so that its coverage can be scored.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TOPIC_PREVALENCE_COMPOSITION`: one ``plan_share`` row per plan and
        topic, one ``group_mean`` row per group and topic, one ``group_difference`` row per
        pair of groups and topic.
    """
    rng = np.random.default_rng(derive_seed(32) if seed is None else seed)
    plans, point = plan_prevalence(theta, clause_doc_ids, weights)
    if isinstance(theta_draws, DirichletDraws):
        _, draws = theta_draws.plan_prevalence(clause_doc_ids, weights)      # D × P × K
    else:
        _, draws = plan_prevalence(theta_draws, clause_doc_ids, weights)
    n_draws = int(draws.shape[0])
    n_clauses = pd.Series(list(clause_doc_ids)).value_counts()
    k = point.shape[1]
    rows = []

    def add(grouping, group, reference, estimand, n_a, n_b, n_cl, est, lo, hi, interval,
            verdict):
        for t in range(k):
            rows.append(dict(model=model, grouping=grouping, group=group, reference=reference,
                             topic=t + 1, estimand=estimand, n_plans=n_a, n_plans_reference=n_b,
                             n_clauses=n_cl, estimate=est[t], ci_low=lo[t], ci_high=hi[t],
                             interval=interval,
                             verdict=verdict if isinstance(verdict, str) else verdict[t],
                             n_draws=n_draws))

    def draws_only(values):
        if draws_only_intervals:
            return (*_quantiles(values, level), "proportion draws only")
        return np.full(k, np.nan), np.full(k, np.nan), "none"

    for i, p in enumerate(plans):
        lo, hi, interval = draws_only(draws[:, i, :])
        add("plan", p, "", "plan_share", 1, 0, int(n_clauses[p]), point[i], lo, hi,
            interval, "descriptive")
    meta = documents.set_index("doc_id").reindex(plans)
    for cov in covariates:
        labels = meta[cov].fillna("").astype(str).replace("", "(unknown)").to_numpy()
        names = sorted(set(labels))
        idx = {g: np.flatnonzero(labels == g) for g in names}
        size = {g: len(idx[g]) for g in names}
        ncl = {g: int(sum(n_clauses[plans[j]] for j in idx[g])) for g in names}
        mean_pt = {g: point[idx[g]].mean(axis=0) for g in names}
        mean_dr = {g: draws[:, idx[g], :].mean(axis=1) for g in names}      # D × K
        # Pooled residual variance of the one-way layout, per draw and topic.
        resid = sum(((draws[:, idx[g], :] - mean_dr[g][:, None, :]) ** 2).sum(axis=1)
                    for g in names)
        df = len(plans) - len(names)
        s2 = resid / df if df > 0 else np.full_like(resid, np.nan)
        t_draws = rng.standard_t(df, size=(n_sampling, *s2.shape)) if df > 0 else None

        def composed(center, scale2, t_draws=t_draws):
            # D proportion draws × R sampling draws, pooled.
            return (center[None] + np.sqrt(scale2)[None] * t_draws).reshape(-1, k)

        for g in names:
            if size[g] >= min_plans and df > 0:
                lo, hi = _quantiles(composed(mean_dr[g], s2 / size[g]), level)
                interval, verdict = "composition", "descriptive"
            else:
                lo, hi, interval = draws_only(mean_dr[g])
                verdict = "descriptive"
            add(cov, g, "", "group_mean", size[g], 0, ncl[g], mean_pt[g], lo, hi, interval,
                verdict)
        for a, b in _pairs(names, cov):
            est = mean_pt[a] - mean_pt[b]
            diff = mean_dr[a] - mean_dr[b]
            if min(size[a], size[b]) >= min_plans and df > 0:
                lo, hi = _quantiles(composed(diff, s2 * (1 / size[a] + 1 / size[b])), level)
                interval = "composition"
                verdict = ["interval excludes 0" if lo[t] > 0 or hi[t] < 0
                           else "interval includes 0" for t in range(k)]
            else:
                lo, hi, interval = draws_only(diff)
                verdict = [NOT_TESTED] * k
            add(cov, a, b, "group_difference", size[a], size[b], ncl[a] + ncl[b], est, lo, hi,
                interval, verdict)
    return pd.DataFrame(rows)


TOPIC_PREVALENCE_COMPOSITION = TableSchema(
    name="topic_prevalence_composition",
    filename="topic_prevalence_composition.csv",
    description="Topic prevalence of plans, of groups of plans and differences between groups, "
                "by the method of composition (`analysis.topics.composition`). A plan's "
                "prevalence is the character-weighted mean of its modelled clauses' topic "
                "token shares (LDA and the seeded model: their own proportions; NMF: each "
                "clause's tokens re-fitted as a mixture of the NMF's topics, "
                "`composition.token_shares`, so not the proportions of `clause_topics.csv`); "
                "a group's is the mean over its plans. Plans are the unit.",
    primary_key=("model", "grouping", "group", "reference", "topic", "estimand"),
    notes=(f"Intervals ({int(CI_LEVEL * 100)} %): `composition` varies each clause's topic "
           "token shares over draws from their approximate posterior (NMF: "
           "Dirichlet(n_tokens × token shares); seeded model: Dirichlet(alpha + topic counts) "
           "of the final Gibbs state) and draws each group mean or contrast from its sampling "
           "distribution with plans as units (one-way regression, pooled variance, Student "
           f"t), pooling {N_DRAWS} × {N_SAMPLING} draws. Plans, and groups with fewer than "
           f"{MIN_PLANS} plans (the threshold of notebook 02, "
           "`analysis.text.plan_shares.MIN_PLANS`), get no interval (`none`): the proportion "
           "draws alone cover neither a plan's realised prevalence nor a group difference near "
           "the nominal rate in the end-to-end simulation (`simulation_study.csv`, study "
           "`topic prevalence`), so their values are measurements of the plans' text by the "
           "fitted model. On the five seed plans no row has an interval and no contrast is "
           "tested.",),
    columns=(
        Column("model", "str", "`reported`: the unsupervised model of `topics.csv`; "
               "`seeded`: the seeded model of `seeded_topics.csv`.",
               allowed=("reported", "seeded"), source="`analysis.topics.composition`"),
        Column("grouping", "str", "`plan` (each plan on its own) or a column of "
               "`documents.csv`.", allowed=("plan",) + COVARIATES,
               source="`analysis.topics.composition`"),
        Column("group", "str", "Plan (`doc_id`) or group value; for a difference the first "
               "group (lower administrative level first, else alphabetical).",
               source="`documents.csv`"),
        Column("reference", "str", "Second group of a difference (estimate = group − "
               "reference); empty otherwise.", nullable=True, source="`documents.csv`"),
        Column("topic", "int", "Topic number of the model.",
               source="`topics.csv` / `seeded_topics.csv`"),
        Column("estimand", "str", "`plan_share`: the plan's prevalence; `group_mean`: mean "
               "prevalence over the group's plans; `group_difference`: group mean minus "
               "reference mean.", allowed=("plan_share", "group_mean", "group_difference"),
               source="`analysis.topics.composition`"),
        Column("n_plans", "int", "Plans in the group (1 for a plan).",
               source="`analysis.topics.composition`"),
        Column("n_plans_reference", "int", "Plans in the reference group (0 if none).",
               source="`analysis.topics.composition`"),
        Column("n_clauses", "int", "Modelled clauses of the plans involved.",
               source="`analysis.topics.composition`"),
        Column("estimate", "float", "Point estimate from the clauses' token shares (see "
               "the description).",
               source="`analysis.topics.composition`"),
        Column("ci_low", "float", "Lower interval bound (empty when `interval` is `none`).",
               nullable=True, source="`analysis.topics.composition`"),
        Column("ci_high", "float", "Upper interval bound (empty when `interval` is `none`).",
               nullable=True, source="`analysis.topics.composition`"),
        Column("interval", "str", "What the interval includes (see note); `none`: no "
               "interval. `proportion draws only` is produced by the simulation only.",
               allowed=INTERVALS,
               source="`analysis.topics.composition`"),
        Column("verdict", "str", "For a tested difference whether its interval excludes 0; "
               "`not tested (too few plans)` when a group has fewer than "
               f"{MIN_PLANS} plans; `descriptive` for plan shares and group means.",
               allowed=VERDICTS, source="`analysis.topics.composition`"),
        Column("n_draws", "int", "Draws of clause proportions (D).",
               source="`analysis.topics.composition`"),
    ),
)


# --------------------------------------------------------------------------------------------
# Simulation with known truth (issue 13 harness layout)
# --------------------------------------------------------------------------------------------

#: Simulated truth: topic 1's expected plan prevalence is 0.30 in group b and 0.30 + 0.05 in
#: group a; plans vary around it with sd 0.05; clauses scatter around their plan.
SIM_DIFFERENCE = 0.05
SIM_PLAN_SD = 0.05


def _simulated_corpus(rng: np.random.Generator, n_plans: int, k: int = 3,
                      n_clauses: int = 10, n_tokens: int = 20):
    n_a = (n_plans + 1) // 2
    groups = np.array(["a"] * n_a + ["b"] * (n_plans - n_a))
    p1 = np.clip(0.30 + SIM_DIFFERENCE * (groups == "a") + rng.normal(0, SIM_PLAN_SD, n_plans),
                 0.02, 0.9)
    means = np.column_stack([p1] + [(1 - p1) / (k - 1)] * (k - 1))
    # Clause proportions: Dirichlet around the plan's prevalence (concentration 30).
    theta = rng.standard_gamma(np.repeat(means * 30, n_clauses, axis=0))
    theta /= theta.sum(axis=1, keepdims=True)
    # What a model sees: the topics of the clause's n tokens, i.e. proportions estimated
    # from n tokens (the noise the token-count Dirichlet approximation stands for).
    theta = np.array([rng.multinomial(n_tokens, row) for row in theta]) / n_tokens
    docs = np.repeat([f"p{i}" for i in range(n_plans)], n_clauses)
    documents = pd.DataFrame({"doc_id": [f"p{i}" for i in range(n_plans)], "group": groups})
    return theta, docs, documents, np.full(len(theta), n_tokens)


def difference_row(estimator: str, intervals: np.ndarray, truth: float, n_plans: int,
                   reps: int, level: float, note: str) -> dict:
    """One row of the simulation layout for a group difference: ``intervals`` holds the runs'
    (estimate, low, high); coverage with its binomial Monte Carlo SE, bias, RMSE and the
    mean interval width."""
    est, lo, hi = intervals
    cov = float(((lo <= truth) & (truth <= hi)).mean())
    return dict(quantity="group difference", estimator=estimator, n_plans=n_plans,
                replications=reps, nominal=level, coverage=cov,
                coverage_mc_se=float(np.sqrt(cov * (1 - cov) / reps)),
                bias=float(np.mean(est - truth)),
                rmse=float(np.sqrt(np.mean((est - truth) ** 2))),
                metric="mean interval width", value=float(np.mean(hi - lo)), note=note)


def simulation_table(seed: int = 0, sizes: Sequence[int] = (5, 50, 500),
                     replications: Sequence[int] = (100, 100, 20), n_draws: int = 40,
                     n_sampling: int = 10, level: float = CI_LEVEL,
                     end_to_end: bool = True) -> pd.DataFrame:
    """Coverage of the group difference by composition and by proportion draws only, with
    the tokens' topics known and (``end_to_end``) with the topic model fitted.

    Each replication draws plans in two groups (half each) from the truth of
    :data:`SIM_DIFFERENCE` and :data:`SIM_PLAN_SD`, clause proportions around each plan's
    prevalence, and the token-count Dirichlet draws of :func:`dirichlet_draws`; the target
    is the expected difference in plan prevalence of topic 1 between the groups (the
    estimand of :func:`prevalence_by_composition`). Topic-model fitting error is not
    simulated: the fitted proportions are the true clause proportions. At 5 plans (3 and 2)
    the composition interval is computed although the build would not test it (group
    smaller than :data:`MIN_PLANS`), to show why.

    With ``end_to_end`` the rows of
    :func:`analysis.topics.simulate_prevalence.simulation_table` (same ``seed``) follow: the
    same estimators when an NMF fitted to simulated tokens supplies the proportions, and the
    plans' own intervals.

    Returns
    -------
    pandas.DataFrame
        The shared simulation layout (``quantity, estimator, n_plans, replications, nominal,
        coverage, coverage_mc_se, bias, rmse, metric, value, note``); ``metric`` is the mean
        interval width.
    """
    out = []
    for n_plans, reps in zip(sizes, replications):
        rng = np.random.default_rng([seed, n_plans])
        found = {"composition": [], "plans as units, no draws": [],
                 "proportion draws only": []}
        for _ in range(reps):
            theta, docs, documents, n_tok = _simulated_corpus(rng, n_plans)
            draws = dirichlet_draws(nmf_concentration(theta, n_tok), n_draws,
                                    seed=int(rng.integers(2**31)))
            # "no draws": the fitted proportions as data, plans as units (the same total
            # number of sampling draws, so that its quantiles are as precise).
            for name, d, min_plans, r in (
                    ("composition", draws, 2, n_sampling),
                    ("plans as units, no draws", theta[None], 2, n_sampling * n_draws),
                    ("proportion draws only", draws, n_plans + 1, n_sampling)):
                table = prevalence_by_composition(
                    d, theta, docs, np.ones(len(docs)), documents, covariates=("group",),
                    min_plans=min_plans, n_sampling=r, level=level,
                    seed=int(rng.integers(2**31)), draws_only_intervals=True)
                row = table[(table["estimand"] == "group_difference")
                            & (table["topic"] == 1)].iloc[0]
                found[name].append((row["estimate"], row["ci_low"], row["ci_high"]))
        for name, values in found.items():
            out.append(difference_row(
                f"topic prevalence, token topics known: {name}", np.array(values).T,
                SIM_DIFFERENCE, n_plans, reps, level,
                note=f"difference {SIM_DIFFERENCE} in topic 1's plan prevalence, "
                     f"plan sd {SIM_PLAN_SD}, 10 clauses of 20 tokens per plan; "
                     "proportions estimated from the tokens' topics; topic-model "
                     "fitting error not simulated"))
    table = pd.DataFrame(out)
    if end_to_end:
        # Imported here: simulate_prevalence imports this module.
        from analysis.topics import simulate_prevalence

        table = pd.concat([table, simulate_prevalence.simulation_table(seed=seed, level=level)],
                          ignore_index=True)
    return table
