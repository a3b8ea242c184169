"""Residual variances by administrative level for :mod:`analysis.text.multilevel_shares`:
which levels spread more than the common variance, and the interval draws of a fit that gives
them their own variances (see that module's docstring, "Residual variance").

Written by hand: a few lines of linear algebra around the mixed-model equations of
:mod:`analysis.text.multilevel_shares`; no library fits a random-intercept model with one
residual variance per level fast enough for the coverage simulation.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import f as f_dist

from analysis.text.plan_shares import MIN_PLANS

#: Level of the one-sided F test that a level spreads more than the common variance.
SPREAD_TEST = 0.05


def level_variances(X: np.ndarray, Z: np.ndarray, y: np.ndarray, ratio: float, sigma2: float,
                    min_plans: int = MIN_PLANS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each level's residual variance (column of the cell-means ``X``), never below the
    common ``sigma2``, with its degrees of freedom, from a fit with one common variance.

    A level's own variance is its rows' squared conditional residuals over their residual
    degrees of freedom (rows minus the trace of the mixed-model hat matrix on those rows); it
    is used where it exceeds ``sigma2`` beyond chance (one-sided F test at
    :data:`SPREAD_TEST`) and the level has at least ``min_plans`` plans (a level too small to
    be reported must not change the others).

    Returns
    -------
    variance, df, own : numpy.ndarray
        The variance used, its degrees of freedom (the level's own where it is used, else
        those of the common variance) and whether the level's own variance is used.
    """
    from analysis.text.multilevel_shares import _henderson

    theta, cov = _henderson(X, Z, y, ratio)
    W = np.hstack([X, Z])
    resid = y - W @ theta
    hat = np.einsum("ij,jk,ik->i", W, cov, W)
    df = np.maximum(X.sum(axis=0) - X.T @ hat, 1.0)
    raw = (X.T @ resid ** 2) / df
    common_df = max(len(y) - X.shape[1], 1)
    # Only a spread larger than chance allows (one-sided F test at SPREAD_TEST): the largest
    # of three level variances always exceeds their mean, and giving it its own variance
    # without cause widens the intervals of homogeneous levels.
    # Levels too small to be reported (fewer than MIN_PLANS plans) never trigger it.
    own = (raw / sigma2 > f_dist.ppf(1 - SPREAD_TEST, df, common_df)) & \
        (X.sum(axis=0) >= min_plans)
    return np.where(own, raw, sigma2), np.where(own, df, common_df), own


def variance_factors(level_df: np.ndarray, own: np.ndarray | None, n_draws: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Draws × levels factors ``df / chi2(df)`` of the residual variances: one independent
    draw per level with its own variance, and one draw shared by the levels that keep the
    common variance (independent draws would let their variances differ by chance alone)."""
    level_df = np.asarray(level_df, dtype=float)
    levels = len(level_df)
    chi2 = rng.chisquare(level_df, (n_draws, levels))
    common = ~np.asarray(own, dtype=bool) if own is not None else np.zeros(levels, bool)
    if common.any():
        chi2[:, common] = rng.chisquare(level_df[common][0], n_draws)[:, None]
    return level_df[None, :] / chi2


def level_draws(fit, ratio: np.ndarray, unit: np.ndarray, rng: np.random.Generator
                 ) -> np.ndarray:
    """(beta, b) draws when levels have their own residual variances: besides the ratio, each
    inflated level's variance is drawn from its scaled inverse chi-square with its own degrees
    of freedom, and the other levels share one draw of the common variance (common degrees of
    freedom), so a level of few, widely spread plans gets the heavier tails of a t
    distribution; the mixed-model equations are solved once per draw (batched)."""
    X, Z, y = fit.design
    W = np.hstack([X, Z])
    p, m = X.shape[1], W.shape[1]
    n_draws, levels = len(ratio), len(fit.level_df)
    gram = np.stack([W[fit.row_level == k].T @ W[fit.row_level == k] for k in range(levels)])
    cross = np.stack([W[fit.row_level == k].T @ y[fit.row_level == k] for k in range(levels)])
    factor = variance_factors(fit.level_df, fit.own, n_draws, rng)
    lhs = np.einsum("dl,lij->dij", 1 / factor, gram)
    # Scaled rows have variance 1 (times the level's factor); the province variance is the
    # ratio times the restricted-likelihood scale at that ratio.
    tau2 = ratio ** 2 * unit
    penalty = np.where(tau2 > 1e-12, 1 / np.maximum(tau2, 1e-12), 1e12)
    lhs[:, np.arange(p, m), np.arange(p, m)] += penalty[:, None]
    cov = np.linalg.inv(lhs)
    mean = np.einsum("dij,dj->di", cov, np.einsum("dl,lj->dj", 1 / factor, cross))
    root = np.linalg.cholesky((cov + np.swapaxes(cov, 1, 2)) / 2)
    z = rng.standard_normal((n_draws, m))
    return mean + np.einsum("dij,dj->di", root, z)
