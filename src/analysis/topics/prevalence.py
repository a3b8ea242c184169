"""Topic prevalence by document, administrative level and province, with uncertainty.

:func:`clause_covariates` attaches the grouping variables (:data:`GROUPINGS`) to the
modelled clauses; :func:`bootstrap_prevalence` gives group means with percentile bootstrap
intervals (with Dirichlet draws for LDA) and :func:`prevalence_regression` the same means by
OLS with heteroskedasticity-robust errors and a Wald test of equal means.

Both treat clauses as the unit and the fitted proportions as data. The plan-level estimand
(a plan's character-weighted prevalence, a group's mean over its plans) with uncertainty by
the method of composition is in :mod:`analysis.topics.composition`; the Wald test here is
withheld (``p_equal`` empty) when a group has fewer than
:data:`analysis.text.plan_shares.MIN_PLANS` plans (notebook 02's threshold, used by
:mod:`analysis.topics.composition` too), since clauses of a few plans say nothing about a level
or province. Its clause-bootstrap intervals treat clauses, not plans, as the sampled unit and
have no plan-level estimand; they are kept for comparison only.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.topics.composition import MIN_PLANS
from analysis.topics.settings import CI_LEVEL, N_BOOT, derive_seed, single_threaded

GROUPINGS = ("doc_id", "admin_level", "province_en")


def clause_covariates(clause_ids: Sequence[str], doc_ids: Sequence[str],
                      documents: pd.DataFrame) -> pd.DataFrame:
    """``clause_id, doc_id, admin_level, province_en`` of the modelled clauses."""
    meta = documents.set_index("doc_id")[["admin_level", "province_en"]].fillna("(unknown)")
    frame = pd.DataFrame({"clause_id": list(clause_ids), "doc_id": list(doc_ids)})
    return frame.join(meta, on="doc_id")


def bootstrap_prevalence(theta: np.ndarray, covariates: pd.DataFrame,
                         groupings: Sequence[str] = GROUPINGS, n_boot: int = N_BOOT,
                         gamma: np.ndarray | None = None, level: float = CI_LEVEL,
                         seed: int | None = None) -> pd.DataFrame:
    """Mean topic proportion per group with percentile bootstrap intervals.

    Clauses are resampled with replacement within each document (so every replicate keeps
    each plan's number of clauses), and a group's mean is over its clauses. With ``gamma``
    (LDA), each replicate also draws each resampled clause's proportions from its
    variational Dirichlet posterior, so the interval includes uncertainty about the
    proportions themselves (the idea of stm's method of composition).

    Parameters
    ----------
    theta : numpy.ndarray
        Clause × topic proportions.
    covariates : pandas.DataFrame
        Row-aligned with ``theta``; must hold ``doc_id`` and the grouping columns.
    groupings : sequence of str
        Columns to group by.

    Returns
    -------
    pandas.DataFrame
        ``grouping, group, topic, estimate, ci_low, ci_high, n_clauses, n_documents, method``.

    Notes
    -----
    Only variation among clauses of the plans at hand is represented. When a group holds one
    or two plans (all groups of the seed corpus), differences between groups are
    differences between those plans, not between administrative levels or provinces.
    """
    rng = np.random.default_rng(derive_seed(5) if seed is None else seed)
    n, k = theta.shape
    docs = covariates["doc_id"].to_numpy()
    # One set of resampled clause indices shared by every grouping, so that the intervals of
    # a document and of the level it belongs to come from the same replicates.
    draws = np.empty((n_boot, n), dtype=int)
    for d in sorted(set(docs)):
        rows = np.flatnonzero(docs == d)
        draws[:, rows] = rows[rng.integers(0, len(rows), size=(n_boot, len(rows)))]
    groups = []
    for grouping in groupings:
        labels = covariates[grouping].astype(str).to_numpy()
        groups.extend((grouping, g, np.flatnonzero(labels == g)) for g in sorted(set(labels)))
    boot = np.empty((len(groups), n_boot, k))
    for b in range(n_boot):
        if gamma is None:
            rep = theta[draws[b]]
        else:
            # A Dirichlet draw as normalised Gamma variates (vectorised over clauses).
            g = rng.gamma(gamma[draws[b]])
            rep = g / g.sum(axis=1, keepdims=True)
        for i, (_, _, rows) in enumerate(groups):
            boot[i, b] = rep[rows].mean(axis=0)
    alpha = (1 - level) / 2
    method = "bootstrap" if gamma is None else "bootstrap_dirichlet"
    out = []
    for i, (grouping, group, rows) in enumerate(groups):
        point = theta[rows].mean(axis=0)
        lo, hi = np.quantile(boot[i], [alpha, 1 - alpha], axis=0)
        for t in range(k):
            out.append(dict(grouping=grouping, group=group, topic=t + 1, estimate=point[t],
                            ci_low=lo[t], ci_high=hi[t], n_clauses=len(rows),
                            n_documents=len(set(docs[rows])), method=method))
    return pd.DataFrame(out)


def prevalence_regression(theta: np.ndarray, covariates: pd.DataFrame, covariate: str,
                          cov_type: str = "HC3", level: float = CI_LEVEL,
                          min_plans: int = MIN_PLANS) -> pd.DataFrame:
    """Group means of each topic's proportion by OLS with robust standard errors.

    For each topic, ``theta_k ~ 0 + C(covariate)`` (one indicator per group, no intercept, so
    coefficients are group means) is fitted with statsmodels; standard errors are
    heteroskedasticity-robust (``HC3`` by default). A Wald test of equal means across groups
    is reported per topic, unless a group has fewer than ``min_plans`` plans (then
    ``p_equal`` is empty). This is the linear model of stm's ``estimateEffect`` without the
    method of composition (see :func:`analysis.topics.composition.prevalence_by_composition`).

    Returns
    -------
    pandas.DataFrame
        ``grouping, group, topic, estimate, se, ci_low, ci_high, p_equal, n_clauses,
        n_documents, method``.

    Notes
    -----
    Clauses of one plan are not independent. A cluster-robust error by plan would be the
    natural choice, but is unreliable with five clusters, so HC3 is used and intervals are
    too narrow to the extent that clauses of a plan resemble each other.
    """
    import statsmodels.api as sm
    from scipy import stats

    labels = covariates[covariate].astype(str).to_numpy()
    groups = sorted(set(labels))
    design = np.column_stack([(labels == g).astype(float) for g in groups])
    docs = covariates["doc_id"].to_numpy()
    n_plans = {g: len(set(docs[labels == g])) for g in groups}
    z = stats.norm.ppf(0.5 + level / 2)
    out = []
    for t in range(theta.shape[1]):
        with single_threaded():
            res = sm.OLS(theta[:, t], design).fit(cov_type=cov_type)
        if len(groups) > 1 and min(n_plans.values()) >= min_plans:
            restriction = np.zeros((len(groups) - 1, len(groups)))
            restriction[:, 0] = 1
            restriction[np.arange(len(groups) - 1), np.arange(1, len(groups))] = -1
            try:
                p_equal = float(res.wald_test(restriction, scalar=True, use_f=False).pvalue)
            except ValueError:
                # A group of one clause has leverage 1: HC3 is undefined and so is the test.
                p_equal = np.nan
        else:
            p_equal = np.nan
        for g, name in enumerate(groups):
            est, se = float(res.params[g]), float(res.bse[g])
            rows = labels == name
            out.append(dict(grouping=covariate, group=name, topic=t + 1, estimate=est, se=se,
                            ci_low=est - z * se, ci_high=est + z * se, p_equal=p_equal,
                            n_clauses=int(rows.sum()), n_documents=len(set(docs[rows])),
                            method=f"ols_{cov_type.lower()}"))
    return pd.DataFrame(out)
