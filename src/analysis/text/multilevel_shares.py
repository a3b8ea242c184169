"""Domain and instrument shares from a multilevel model with plans as the unit: plans nested in
provinces, a province random intercept (partial pooling) and the administrative level as a
fixed effect (issue 13, item 2).

**Model.** For each scheme and code (``uncoded`` included, as in ``domain_shares.csv``) one
linear mixed model of the plans' shares::

    y_i = beta[level_i] + b[province_i] + e_i,   b_p ~ N(0, tau^2),  e_i ~ N(0, sigma^2),

fitted by REML (cell-means coding: one ``beta`` per level). By default (:data:`LINK`
``identity``) ``y_i`` is the plan's share itself. Then ``beta[l]`` *is* the population-averaged
mean share of a plan of level ``l`` (the random effects have mean zero), so no
marginalisation is needed, and **zero shares** (a domain a plan never mentions; common for
mines or party building) are ordinary values, kept as they are. The alternative ``logit``
models ``y_i = logit((share_i n_i + 1/2) / (n_i + 1))`` with ``n_i`` the plan's policy clauses
(a Haldane-Anscombe correction: a zero share becomes "0 of ``n_i`` clauses", about logit(0.01),
not minus infinity) and maps back by smearing (Duan 1983): ``mu[l] = mean_j g_j(beta[l] + r_j)``
over the residuals, ``g_j`` the inverse logit followed by the inverse of plan ``j``'s
correction, clipped to [0, 1]; residuals are summarised by :data:`N_SMEAR` order statistics.
The simulation (:mod:`analysis.evaluation.simulate_pooling`; logistic-normal plans, Dirichlet-
multinomial clauses: neither scale is exact) chose the identity scale: the logit variant's
province intervals undercover by 2 to 11 points and its level shares cover 82% for 95% at 500
plans (smearing assumes a level shifts the whole logit distribution; the spike of zero shares
does not move). Its price: a small share's lower bound can fall below 0 and is clipped there.

**Fit.** The random-intercept REML likelihood is one-dimensional once ``sigma^2`` is profiled
out, and with one block per province ``H = I + r^2 Z Z'`` it is a few sums per value of ``r =
tau / sigma`` (:func:`reml_ratio_weights`), maximised on a grid refined by
:func:`scipy.optimize.minimize_scalar` (:func:`reml_fit`). statsmodels' MixedLM agrees where it
converges (tested), but failed to converge on about a third of the simulated codes and took
fifty times longer. Henderson's mixed-model equations then give the GLS ``beta``, the BLUPs
``b`` and their joint error covariance (:func:`_henderson`).

**Estimands** (all on the scale of :mod:`analysis.text.plan_shares`: a plan's length-weighted
share of its policy text, each plan counted once):

* *level share* ``mu[l]``: the mean share of a plan of level ``l``, over the population of
  provinces and of plans (marginal over ``b`` and ``e``: the same population-averaged quantity
  as the group means of ``group_shares.csv``);
* *level difference* ``mu[a] - mu[b]``;
* *province share* ``nu[p]``: the mean share of a plan of province ``p`` at the levels of the
  province's plans in the corpus (conditional on that province's effect ``b_p``). Its estimate
  uses the empirical-Bayes prediction (BLUP) of ``b_p``, which shrinks a province with few
  plans towards the levels' means (partial pooling); ``unpooled`` beside it is the plain mean
  of the province's plans' shares.

**Intervals.** Percentile intervals of :data:`N_DRAWS` draws of ``(beta, b)`` that carry the
uncertainty of the variance components (:func:`_draws`): ``r`` from its restricted likelihood
on a grid (flat prior), ``sigma^2`` from its scaled inverse chi-square given ``r``, then
``(beta, b)`` from the mixed-model equations' normal distribution. Plain EBLUP intervals
(variance components fixed) covered the province shares 89% for 95% at 10 provinces (30 runs);
the draws raised that to 93%.

**Residual variance** (:data:`RESIDUAL`). A share's spread grows with its mean, so a level
whose plans give a domain much more text (provincial plans' party building) spreads more, and
one common residual variance made that level's share cover 77% for 95% at 50 plans (121
simulated runs). A level of at least MIN_PLANS plans whose own residual variance
(:func:`analysis.text.multilevel_variance.level_variances`) exceeds the common one beyond
chance (one-sided F test at 5%) therefore gets its own in a second fit (rows scaled to unit
variance and refitted; the draws add that variance from its scaled inverse chi-square with the
level's degrees of freedom, :func:`analysis.text.multilevel_variance.level_draws`). Rows that
involve such a level (its share, its differences) come from the second fit; all other rows keep
the common fit, whose province variance the refit would understate, so no other interval
changes. A failed second fit leaves the common one, with a note. In the simulation no cell of
level shares or differences covers below 90% beyond Monte Carlo error at 50 or 500 plans; a
variance for every level (moderated or not) undercovered (92% for 95%), and province rows with
level variances covered 92% (50 plans) and 67% (500), so province rows keep the common fit. A
difference's verdict is ``differs`` where its 95% interval excludes 0. Pooling buys province
shares with intervals at any province size and 39-56% less mean squared error than the
provinces' own means; for level differences, with provinces spread evenly over levels, the
Welch intervals of ``plan_shares`` cover as well.

**What the model cannot identify.** With fewer than :data:`MIN_PROVINCES` provinces or fewer
than :data:`MIN_PLANS` plans the between-province variance is not estimable: every row is
descriptive (unpooled means, no interval, no verdict) and ``status`` says so; the five seed
plans (three provinces) are such a corpus. Level rows and differences involving a level of
fewer than :data:`MIN_PLANS` plans are described only, as in ``plan_shares``. A fit that fails
or warns (variance on the boundary, a singular matrix) is reported in ``fit_note`` and never
raised; a failed fit leaves its rows descriptive.

Written by hand: the closed-form restricted likelihood and the mixed-model equations (a few
lines of linear algebra each, checked against statsmodels), the continuity correction and the
smearing, the draws and the table layout.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from analysis.core.schema import Column, TableSchema
from analysis.text import coding
from analysis.text import multilevel_variance as mv
from analysis.text import plan_shares as ps

#: Fewest provinces (groups of the random intercept) for which ``tau^2`` is estimated and
#: intervals are given; below it the model is not identified in any useful sense.
MIN_PROVINCES = 5
#: Fewest plans in all, and in a level for its rows (:data:`analysis.text.plan_shares.MIN_PLANS`).
MIN_PLANS = ps.MIN_PLANS
LEVELS = (0.8, 0.95)
N_DRAWS = 1000
N_SMEAR = 48
#: Grid points of the variance ratio tau / sigma over which the draws integrate.
RATIO_GRID = 121
#: Scale of the model: ``identity`` (the shares; default, chosen by the simulation) or
#: ``logit`` (continuity-corrected logits, smeared back); see the module docstring.
LINK = "identity"
#: Residual variance: ``inflate`` (a level whose plans spread more than the common variance
#: gets its own, larger variance; default) or ``common``; see the module docstring.
RESIDUAL = "inflate"
UNKNOWN = "(unknown)"
ESTIMATED = "estimated"
NOT_IDENTIFIED = (f"described only (fewer than {MIN_PROVINCES} provinces or {MIN_PLANS} plans: "
                  "the model is not identified)")
SMALL_LEVEL = f"described only (a level has fewer than {MIN_PLANS} plans)"
FIT_FAILED = "described only (the fit failed; see fit_note)"
STATUSES = (ESTIMATED, NOT_IDENTIFIED, SMALL_LEVEL, FIT_FAILED)
DIFFERS, NOISE, NOT_TESTED = "differs", "within noise", "not tested"
VERDICTS = (DIFFERS, NOISE, NOT_TESTED)
QUANTITIES = ("level share", "level difference", "province share")


def corrected_logit(share: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Empirical logit of a share with ``n`` units: ``logit((share n + 1/2) / (n + 1))``."""
    p = (np.asarray(share, float) * n + 0.5) / (n + 1.0)
    return np.log(p / (1 - p))


def inverse_corrected(eta: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Share whose :func:`corrected_logit` with ``n`` units is ``eta``, clipped to [0, 1]."""
    return np.clip((expit(eta) * (n + 1.0) - 0.5) / n, 0.0, 1.0)


@dataclass
class Fit:
    """A fitted model of one code: estimates, joint covariance and residuals."""

    levels: list            # level names, the columns of beta
    provinces: list         # province names, the columns of b
    beta: np.ndarray
    b: np.ndarray
    cov: np.ndarray         # joint covariance of (beta, b) errors (Henderson)
    tau2: float
    sigma2: float
    marginal: tuple         # (residuals, n) summarised for smearing
    conditional: tuple
    note: str
    design: tuple = ()      # (X, Z, y) for the interval draws, rows scaled by 1 / level sd
    level_df: np.ndarray | None = None   # degrees of freedom of each level's variance factor
    row_level: np.ndarray | None = None  # level index of each row
    unit: float = np.nan                 # residual variance of the rows of ``design``
    own: np.ndarray | None = None        # levels given their own (larger) residual variance


def plan_frame(table: pd.DataFrame, documents: pd.DataFrame, code: str) -> pd.DataFrame:
    """One code's plans: ``doc_id``, ``level``, ``province``, ``share``, ``n`` (clauses)."""
    part = table[table["code"] == code]
    docs = documents.set_index("doc_id")
    out = pd.DataFrame({"doc_id": part["doc_id"].to_numpy(),
                        "share": part["share"].to_numpy(float),
                        "n": part["n_clauses"].to_numpy(float)})
    for name, column in (("level", "admin_level"), ("province", "province_en")):
        values = docs[column].reindex(out["doc_id"]) if column in docs else None
        values = (pd.Series(values).fillna("").astype(str).replace("", UNKNOWN).to_numpy()
                  if values is not None else np.full(len(out), UNKNOWN))
        out[name] = values
    out = out[np.isfinite(out["share"]) & (out["n"] > 0)]
    return out.sort_values("doc_id").reset_index(drop=True)


def _ordered_levels(names) -> list:
    rank = {level: i for i, level in enumerate(coding.ADMIN_ORDER)}
    return sorted(set(names), key=lambda g: (rank.get(g, len(rank)), g))


def _summary(residuals: np.ndarray, n: np.ndarray, size: int = N_SMEAR) -> tuple:
    order = np.argsort(residuals, kind="stable")
    pick = order[np.unique(np.linspace(0, len(order) - 1, min(size, len(order))).round()
                           .astype(int))]
    return residuals[pick], n[pick]


def fit_code(frame: pd.DataFrame, link: str = LINK, residual: str = RESIDUAL) -> Fit:
    """Fit the model of the module docstring to one code's plans (:func:`plan_frame`).

    Never raises: a fit that fails returns a :class:`Fit` with ``beta`` None and the error in
    ``note``; warnings (variance on the boundary, numerical trouble) are noted there too.
    """
    levels = _ordered_levels(frame["level"])
    provinces = sorted(set(frame["province"]))
    y = (corrected_logit(frame["share"].to_numpy(), frame["n"].to_numpy()) if link == "logit"
         else frame["share"].to_numpy(float))
    X = (frame["level"].to_numpy()[:, None] == np.asarray(levels)[None, :]).astype(float)
    Z = (frame["province"].to_numpy()[:, None] == np.asarray(provinces)[None, :]).astype(float)
    notes = []
    try:
        if np.ptp(y) == 0:
            raise ValueError("every plan has the same share: no variance to model")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ratio, sigma2 = reml_fit(X, Z, y)
        notes += sorted({str(w.message).split("\n")[0][:120] for w in caught})
        tau2 = ratio * sigma2
        if not (np.isfinite(tau2) and np.isfinite(sigma2) and sigma2 > 0):
            raise ValueError(f"variance components not finite (tau2={tau2}, sigma2={sigma2})")
    except Exception as err:  # noqa: BLE001 - any failure of the fit is reported, not raised
        return Fit(levels, provinces, None, None, None, np.nan, np.nan, (), (),
                   "; ".join(notes + [f"{type(err).__name__}: {err}"[:200]]))
    level_df = row_level = own = None
    unit = sigma2
    if residual == "inflate" and link == "identity" and X.shape[1] > 1:
        try:
            variance, df, inflated = mv.level_variances(X, Z, y, ratio, sigma2)
            if inflated.any():
                scale = 1 / np.sqrt(variance[X.argmax(axis=1)])   # scaled rows: variance 1
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    ratio_s, unit_s = reml_fit(X * scale[:, None], Z * scale[:, None],
                                               y * scale)
                if not (np.isfinite(ratio_s) and np.isfinite(unit_s) and unit_s > 0):
                    raise ValueError("the weighted fit is not finite")
                notes += sorted({str(w.message).split("\n")[0][:120] for w in caught})
                notes.append("own residual variance for "
                             + ", ".join(lv for lv, o in zip(levels, inflated) if o))
                own, level_df, row_level = inflated, df, X.argmax(axis=1)
                X, Z, y = X * scale[:, None], Z * scale[:, None], y * scale
                ratio, unit = ratio_s, unit_s
                tau2 = ratio * unit
                sigma2 = float(variance[row_level].mean())
        except Exception as err:  # noqa: BLE001 - the common fit stands; say why
            notes.append(f"level variances not used ({type(err).__name__}: {err})"[:200])
    p = X.shape[1]
    if ratio <= 1e-8:              # boundary: full pooling, b = 0 exactly
        notes.append("province variance estimated at 0 (full pooling)")
    theta, cov = _henderson(X, Z, y, ratio)
    beta, b = theta[:p], theta[p:]
    n = frame["n"].to_numpy(float)
    if link == "logit":            # never rescaled (see above)
        fitted = X @ beta
        smear = (_summary(y - fitted, n), _summary(y - fitted - Z @ b, n))
    else:
        smear = ((), ())
    return Fit(levels, provinces, beta, b, cov * unit, tau2, sigma2, *smear, "; ".join(notes),
               (X, Z, y), level_df, row_level, unit, own)


def _henderson(X: np.ndarray, Z: np.ndarray, y: np.ndarray, ratio: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Henderson's mixed-model equations for variance ratio ``tau^2 / sigma^2``: the GLS beta
    and the BLUPs b, and the inverse of the equations (joint error covariance of (beta, b) in
    units of ``sigma^2``). A ratio of 0 gives b = 0 exactly (full pooling)."""
    p, q = X.shape[1], Z.shape[1]
    if ratio <= 1e-8:
        lhs = X.T @ X
        cov = np.zeros((p + q, p + q))
        cov[:p, :p] = np.linalg.inv(lhs)
        return np.concatenate([cov[:p, :p] @ (X.T @ y), np.zeros(q)]), cov
    W = np.hstack([X, Z])
    lhs = W.T @ W
    lhs[p:, p:] += np.eye(q) / ratio
    cov = np.linalg.inv(lhs)
    return cov @ (W.T @ y), cov


def reml_ratio_weights(X: np.ndarray, Z: np.ndarray, y: np.ndarray, grid: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Restricted likelihood of the random-intercept model on a grid of ``r = tau / sigma``
    (``sigma^2`` profiled out), normalised to weights (a flat prior on ``r``), and the
    profiled ``sigma^2`` at each grid point.

    Uses the block structure ``H = I + r^2 Z Z'`` (one block per province), so every grid
    point costs a few sums.
    """
    lam = grid ** 2
    n_p = (Z ** 2).sum(axis=0)          # plans per province; rows scaled: sum of squares
    c = lam[:, None] / (1 + lam[:, None] * n_p[None, :])          # grid × provinces
    zx, zy = Z.T @ X, Z.T @ y
    A = X.T @ X - np.einsum("gq,qi,qj->gij", c, zx, zx)
    bvec = X.T @ y - np.einsum("gq,qi,q->gi", c, zx, zy)
    yhy = y @ y - c @ (zy ** 2)
    beta = np.linalg.solve(A, bvec[..., None])[..., 0]
    rss = np.maximum(yhy - np.einsum("gi,gi->g", bvec, beta), 1e-300)
    dof = len(y) - X.shape[1]
    loglik = -0.5 * (dof * np.log(rss) + np.log1p(lam[:, None] * n_p[None, :]).sum(axis=1)
                     + np.linalg.slogdet(A)[1])
    weights = np.exp(loglik - loglik.max())
    return weights / weights.sum(), rss / dof


def reml_fit(X: np.ndarray, Z: np.ndarray, y: np.ndarray, top: float = 10.0
             ) -> tuple[float, float]:
    """REML estimates of the variance ratio ``tau^2 / sigma^2`` and of ``sigma^2``: the
    restricted likelihood of :func:`reml_ratio_weights` on a grid of ``r = tau / sigma`` in
    [0, ``top``], refined by :func:`scipy.optimize.minimize_scalar` around the best point."""
    from scipy.optimize import minimize_scalar

    grid = np.linspace(0, top, 201)
    weights, _ = reml_ratio_weights(X, Z, y, grid)
    k = int(np.argmax(weights))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]

    def negative(r):
        w, _ = reml_ratio_weights(X, Z, y, np.array([grid[k], r]))
        return -np.log(w[1] / w[0])

    best = minimize_scalar(negative, bounds=(lo, hi), method="bounded",
                           options={"xatol": 1e-6}).x if hi > lo else grid[k]
    if negative(best) > negative(grid[k]):
        best = grid[k]
    _, sigma2 = reml_ratio_weights(X, Z, y, np.array([best]))
    return float(best ** 2), float(sigma2[0])


def _smeared(eta: np.ndarray, residuals: tuple) -> np.ndarray:
    if not len(residuals):       # identity link: the mean is the linear predictor
        return np.asarray(eta, float)
    r, n = residuals
    return inverse_corrected(eta[..., None] + r, n).mean(axis=-1)


def _draws(fit: Fit, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """(beta, b) draws that carry the uncertainty of the variance components: the ratio
    ``tau / sigma`` from its restricted likelihood on a grid (flat prior), ``sigma^2`` from its
    scaled inverse chi-square given the ratio, then (beta, b) from the mixed-model equations'
    normal distribution given both (module docstring)."""
    X, Z, y = fit.design
    unit = fit.unit if np.isfinite(fit.unit) else fit.sigma2
    top = max(4.0, 3 * np.sqrt(fit.tau2 / unit))
    grid = np.linspace(0, top, RATIO_GRID)
    weights, sigma2 = reml_ratio_weights(X, Z, y, grid)
    pick = rng.choice(len(grid), n_draws, p=weights)
    if fit.level_df is not None:
        return mv.level_draws(fit, grid[pick], sigma2[pick], rng)
    dof = len(y) - X.shape[1]
    scale = np.sqrt(sigma2[pick] * dof / rng.chisquare(dof, n_draws))
    z = rng.standard_normal((n_draws, X.shape[1] + Z.shape[1]))
    out = np.empty_like(z)
    for k in np.unique(pick):
        rows = pick == k
        theta, cov = _henderson(X, Z, y, grid[k] ** 2)
        values, vectors = np.linalg.eigh((cov + cov.T) / 2)
        root = vectors * np.sqrt(np.clip(values, 0, None))
        out[rows] = theta + (z[rows] @ root.T) * scale[rows, None]
    return out


def _bounds(draws, levels=LEVELS) -> dict:
    """``low_80``, ``high_80``, … of :func:`analysis.text.plan_shares.percentile_bounds`."""
    out = {}
    for level, (low, high) in ps.percentile_bounds(draws, levels).items():
        out[f"low_{round(level * 100)}"], out[f"high_{round(level * 100)}"] = low, high
    return out


def code_rows(frame: pd.DataFrame, scheme: str, code: str, seed: int = 0,
              n_draws: int = N_DRAWS, link: str = LINK, residual: str = RESIDUAL
              ) -> pd.DataFrame:
    """Level shares, level differences and province shares of one code (table layout of
    :data:`MULTILEVEL_SHARES`), from :func:`plan_frame`."""
    levels = _ordered_levels(frame["level"])
    provinces = sorted(set(frame["province"]))
    level_n = frame.groupby("level").size().reindex(levels).to_numpy()
    province_n = frame.groupby("province").size().reindex(provinces).to_numpy()
    unpooled_level = frame.groupby("level")["share"].mean().reindex(levels).to_numpy()
    unpooled_province = frame.groupby("province")["share"].mean().reindex(provinces).to_numpy()
    pairs = ps._pairs(levels, "admin_level")
    index = {level: k for k, level in enumerate(levels)}
    base = {"scheme": scheme, "code": code, "n_provinces": len(provinces)}
    rows = ([dict(base, quantity="level share", group=level, n_plans=int(level_n[k]),
                  unpooled=unpooled_level[k]) for k, level in enumerate(levels)]
            + [dict(base, quantity="level difference", group=f"{a} − {b}",
                    n_plans=int(level_n[index[a]] + level_n[index[b]]),
                    unpooled=unpooled_level[index[a]] - unpooled_level[index[b]])
               for a, b in pairs]
            + [dict(base, quantity="province share", group=province, n_plans=int(province_n[k]),
                    unpooled=unpooled_province[k]) for k, province in enumerate(provinces)])
    out = pd.DataFrame(rows)
    for column in ("estimate", "low_80", "high_80", "low_95", "high_95", "province_sd",
                   "plan_sd"):
        out[column] = np.nan
    out["estimate"] = out["unpooled"]
    out["verdict"] = np.where(out["quantity"] == "level difference", NOT_TESTED, "")
    out["status"], out["fit_note"] = NOT_IDENTIFIED, ""
    if len(provinces) < MIN_PROVINCES or len(frame) < MIN_PLANS:
        return out[MULTILEVEL_SHARES.column_names]
    # Level rows from the fit with inflated level variances where a level spreads more;
    # province rows from the common-variance fit (module docstring).
    level_fit = fit_code(frame, link, residual)
    fit = (level_fit if level_fit.beta is None or level_fit.level_df is None
           else fit_code(frame, link, "common"))
    out["fit_note"] = fit.note
    if fit.beta is None:
        out["status"] = FIT_FAILED
        return out[MULTILEVEL_SHARES.column_names]
    out["province_sd"], out["plan_sd"] = np.sqrt(fit.tau2), np.sqrt(fit.sigma2)
    p = len(levels)
    rng = np.random.default_rng([seed, n_draws])
    theta = _draws(fit, n_draws, rng)
    level_draws = _smeared(theta[:, :p], fit.marginal)
    level_hat = _smeared(fit.beta, fit.marginal)
    inflated = np.zeros(p, bool)
    if level_fit is not fit and level_fit.beta is not None:
        # Rows that involve a level with its own variance come from that fit; the other
        # levels keep the common fit, whose province variance the refit would understate.
        inflated = level_fit.own
        own_theta = _draws(level_fit, n_draws, np.random.default_rng([seed, n_draws, 1]))
        own_draws = _smeared(own_theta[:, :p], level_fit.marginal)
        own_hat = _smeared(level_fit.beta, level_fit.marginal)
        out.loc[(out["quantity"] != "province share").to_numpy(), "fit_note"] = level_fit.note
    # Province shares at the province's own mix of levels (module docstring).
    mix = (frame.groupby(["province", "level"]).size().unstack(fill_value=0)
           .reindex(index=provinces, columns=levels, fill_value=0).to_numpy(float).copy())
    mix /= mix.sum(axis=1, keepdims=True)
    cell_draws = _smeared(theta[:, None, :p] + theta[:, p:, None], fit.conditional)
    cell_hat = _smeared(fit.beta[None, :] + fit.b[:, None], fit.conditional)
    province_draws = (cell_draws * mix).sum(axis=-1)
    province_hat = (cell_hat * mix).sum(axis=-1)
    a_idx = np.array([index[a] for a, _ in pairs], int)
    b_idx = np.array([index[b] for _, b in pairs], int)
    diff_hat = level_hat[a_idx] - level_hat[b_idx]
    diff_draws = level_draws[:, a_idx] - level_draws[:, b_idx]
    if inflated.any():
        level_hat = np.where(inflated, own_hat, level_hat)
        level_draws = np.where(inflated, own_draws, level_draws)
        pair = inflated[a_idx] | inflated[b_idx]
        diff_hat = np.where(pair, own_hat[a_idx] - own_hat[b_idx], diff_hat)
        diff_draws = np.where(pair, own_draws[:, a_idx] - own_draws[:, b_idx], diff_draws)
    parts = [(level_hat, level_draws, level_n >= MIN_PLANS),
             (diff_hat, diff_draws,
              (level_n[a_idx] >= MIN_PLANS) & (level_n[b_idx] >= MIN_PLANS)),
             (province_hat, province_draws, np.ones(len(provinces), bool))]
    estimate = np.concatenate([part[0] for part in parts])
    tested = np.concatenate([part[2] for part in parts])
    per_part = [_bounds(draws) for _, draws, _ in parts]       # quantiles once per part
    bounds = {k: np.concatenate([b[k] for b in per_part])
              for k in ("low_80", "high_80", "low_95", "high_95")}
    # Shares (not differences) stay in [0, 1]: on the identity scale a small share's BLUP or
    # lower bound can fall below 0.
    is_share = (out["quantity"] != "level difference").to_numpy()
    estimate = np.where(is_share, np.clip(estimate, 0, 1), estimate)
    out["estimate"] = np.where(tested, estimate, out["unpooled"])
    for key, values in bounds.items():
        values = np.where(is_share, np.clip(values, 0, 1), values)
        out[key] = np.where(tested, values, np.nan)
    out["status"] = np.where(tested, ESTIMATED, SMALL_LEVEL)
    is_diff = (out["quantity"] == "level difference").to_numpy()
    excludes = (out["low_95"] > 0) | (out["high_95"] < 0)
    out["verdict"] = np.where(is_diff, np.where(~tested, NOT_TESTED,
                                                np.where(excludes, DIFFERS, NOISE)), "")
    return out[MULTILEVEL_SHARES.column_names]


def multilevel_tables(per_plan: dict[str, pd.DataFrame], documents: pd.DataFrame,
                      seed: int = 0, n_draws: int = N_DRAWS, link: str = LINK,
                      residual: str = RESIDUAL) -> pd.DataFrame:
    """``multilevel_shares`` of the build (:data:`MULTILEVEL_SHARES`).

    Parameters
    ----------
    per_plan : dict
        Scheme → per-plan shares (``domain_shares`` / ``instrument_shares`` layout: ``doc_id``,
        ``scheme``, ``code``, ``share``, ``n_clauses``), the same dict
        :func:`analysis.text.plan_shares.shares_tables` takes.
    documents : pandas.DataFrame
        ``documents.csv`` (``doc_id``, ``admin_level``, ``province_en``).
    seed : int
        Seed of the interval draws (each code its own stream: deterministic).
    n_draws : int
        Draws of the fixed and random effects per code.
    link : str
        ``identity`` or ``logit`` (:data:`LINK`, module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per scheme, code, quantity and group; never raises on a fit that fails.
    """
    parts = []
    for s, (scheme, table) in enumerate(sorted(per_plan.items())):
        if table is None or table.empty:
            continue
        present = set(table["code"])
        labels = [c for c in coding.codes(scheme) + [coding.UNCODED] if c in present]
        for c, code in enumerate(labels):
            frame = plan_frame(table, documents, code)
            if frame.empty:
                continue
            parts.append(code_rows(frame, scheme, code, seed=seed * 1000 + s * 100 + c,
                                   n_draws=n_draws, link=link, residual=residual))
    if not parts:
        return pd.DataFrame(columns=MULTILEVEL_SHARES.column_names)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Schema

_EST = "`analysis.text.multilevel_shares`"
_RULES = "`src/analysis/data/domain_rules.csv` applied by `analysis.text.coding.code_clauses`"
_CODES = tuple(coding.codes("domain")) + tuple(coding.codes("instrument")) + (coding.UNCODED,)

MULTILEVEL_SHARES = TableSchema(
    name="multilevel_shares",
    filename="multilevel_shares.csv",
    description="Domain and instrument shares from a multilevel model with plans as the unit "
                "(`analysis.text.multilevel_shares`): per code, a linear mixed model (REML) of "
                "the plans' shares with the administrative level as fixed effect and a province "
                "random intercept. Level shares and differences are population-averaged (the "
                "mean share of a plan of the level over provinces and plans), the estimand of "
                "`group_shares.csv`; province shares are partially pooled (empirical Bayes, "
                "BLUP) beside the unpooled province means. Intervals are percentile intervals "
                "of draws of the fixed effects and BLUPs that carry the uncertainty of the "
                "variance components; their coverage is measured by "
                "`analysis.evaluation.simulate_pooling`. With fewer than "
                f"{MIN_PROVINCES} provinces or {MIN_PLANS} plans nothing is modelled: the rows "
                "describe the plans (unpooled means, no interval, no verdict); the five seed "
                "plans are such a corpus.",
    primary_key=("scheme", "code", "quantity", "group"),
    columns=(
        Column("scheme", "str", "Coding scheme.", allowed=("domain", "instrument"),
               source=_RULES),
        Column("code", "str", "Domain, instrument or `uncoded` (each modelled apart, so the "
               "estimates need not sum to 1).", allowed=_CODES, source=_RULES),
        Column("quantity", "str", "`level share`: mean share of a plan of the level "
               "(population of provinces and plans); `level difference`: group a − group b of "
               "those; `province share`: mean share of a plan of the province at its plans' "
               "levels, partially pooled.", allowed=QUANTITIES, source=_EST),
        Column("group", "str", "Level, `level a − level b` (pairs as in "
               "`share_differences.csv`), or province; "
               "`(unknown)` for plans without one.", source="`documents.csv`"),
        Column("n_plans", "int", "Plans in the group (both levels for a difference).",
               source="`documents.csv`"),
        Column("n_provinces", "int", "Provinces in the model of this code.",
               source="`documents.csv`"),
        Column("estimate", "float", "Model estimate where `status` is `estimated`; otherwise "
               "the unpooled value.", source=_EST),
        Column("low_80", "float", "Lower end of the 80% interval (empty unless estimated).",
               nullable=True, source=_EST),
        Column("high_80", "float", "Upper end of the 80% interval.", nullable=True, source=_EST),
        Column("low_95", "float", "Lower end of the 95% interval.", nullable=True, source=_EST),
        Column("high_95", "float", "Upper end of the 95% interval.", nullable=True, source=_EST),
        Column("unpooled", "float", "The plain mean of the group's plans' shares (for a "
               "difference, the difference of the two levels' means), as in `group_shares.csv`.",
               source=_EST),
        Column("province_sd", "float", "REML standard deviation of the province effects (on "
               "the share scale); 0 means full pooling.", nullable=True, source=_EST),
        Column("plan_sd", "float", "REML standard deviation of plans within a province.",
               nullable=True, source=_EST),
        Column("verdict", "str", "Level differences only: `differs` (the 95% interval excludes "
               "0), `within noise`, or `not tested` (see `status`).", allowed=VERDICTS,
               nullable=True, source=_EST),
        Column("status", "str", "`estimated`, or why the row only describes the plans.",
               allowed=STATUSES, source=_EST),
        Column("fit_note", "str", "Warnings or the error of the fit (convergence, boundary "
               "variance), empty if none.", nullable=True, source=_EST),
    ),
)
SCHEMAS = [MULTILEVEL_SHARES]
