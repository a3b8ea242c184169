"""Partially pooled negative-binomial model of accident counts across places, for the
regional targets (small-area forecasts and P(target met), P(no major accident) = P(count = 0)).

Model, for one count indicator: place ``i`` in year ``t`` has
``y_it | lambda_i ~ Poisson(E_i lambda_i exp(beta (t - t0)))`` with ``E_i`` its population
(``population_10k``, from the nearest year published: population moves slowly) and
``lambda_i ~ Gamma(shape a, mean mu)`` across places, so each place's counts are negative
binomial and places borrow strength from each other in proportion to how little they have.
Places with counts but no published population inform only the common trend (their
likelihood is the multinomial of their counts given their total, free of ``E_i lambda_i``).
National figures are not places of this kind and never enter.

Estimation is empirical Bayes: ``(log mu, log a, beta)`` maximise the marginal (negative
multinomial) likelihood times weak priors, Jeffreys' ``mu^(-1/2)`` for the mean rate (finite
when all pooled counts are zero), ``log a ~ N(0, 1.5^2)`` (places differ by a factor of
about 20 at most) and ``beta ~ N(b_nat, 0.05^2)`` with ``b_nat`` the national log-linear trend of
the same indicator family over the years before the target was set (so a panel of one-year
snapshots still has a trend); the Laplace approximation (inverse Hessian at the mode,
statsmodels ``approx_hess3``) gives draws of the three parameters, each place's rate is drawn
from its conjugate gamma posterior given them, and counts from the Poisson. A place with no
counts of its own but a population gets the across-place gamma as its rate: a small-area
forecast. Within-place year-to-year noise beyond Poisson is not modelled.

Written by hand because the brief rules out MCMC samplers (PyMC, Stan) for build time, and
statsmodels has no random-effects negative binomial with offsets; the conjugate gamma-Poisson
structure makes the marginal likelihood closed-form, so a three-parameter optimisation and a
Laplace approximation suffice. ``tests/test_accident_hierarchical.py`` checks on simulated
panels with known truth that its predictive intervals cover near nominal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from analysis.accidents.indicators import SCOPE_BREAK_YEAR

#: Draws of parameters and counts per prediction.
N_DRAWS = 4000
PRIOR_LOG_A_SD = 1.5
PRIOR_BETA_SD = 0.05
#: Class counts keep their definition across the 2016 reform (an accident's class is fixed by
#: its deaths); totals do not, so they are pooled within one scope period only.
CLASS_CODES = ("accidents_major_larger", "accidents_major", "accidents_extraordinary",
               "accidents_major_and_extraordinary", "accidents_major_larger_and_above")


def place_key(geo_zh: str) -> str:
    """A place name without the parent in brackets (海门区(南通市) -> 海门区), so that the
    statistics and the plans name places alike."""
    return re.sub(r"[(（][^)）]*[)）]", "", str(geo_zh)).strip()


@dataclass
class PanelFit:
    """A fitted partially pooled model."""

    indicator: str
    t0: int
    theta: np.ndarray          # log mu, log a, beta at the mode
    cov: np.ndarray            # Laplace covariance
    units: pd.DataFrame        # geo_zh, exposure, S (total count), M (sum of exposure*trend)
    n_with_exposure: int
    n_trend_only: int

    @property
    def mu(self) -> float:
        return float(np.exp(self.theta[0]))

    @property
    def a(self) -> float:
        return float(np.exp(self.theta[1]))

    @property
    def beta(self) -> float:
        return float(self.theta[2])


def class_counts(panel: pd.DataFrame) -> pd.DataFrame:
    """Count rows of the panel outside national level, with combined classes derived where
    the parts are published for the same place and year (重特大 = 重大 + 特别重大; 较大以上 =
    较大 + 重特大), published combined figures taking precedence.

    Returns
    -------
    pandas.DataFrame
        Columns ``geo_zh``, ``geo_en``, ``geo_level``, ``year``, ``indicator``, ``value``,
        ``derived``.
    """
    rows = panel[(panel["geo_level"] != "national") & (panel["indicator_kind"] == "level_count")
                 & ~panel["is_partial_year"]]
    rows = rows[["geo_zh", "geo_en", "geo_level", "year", "indicator", "value"]].assign(
        derived=False)
    rows["geo_zh"] = rows["geo_zh"].map(place_key)
    wide = rows.pivot_table(index=["geo_zh", "geo_en", "geo_level", "year"], columns="indicator",
                            values="value", aggfunc="first")
    extra = []
    for combo, parts in (("accidents_major_and_extraordinary",
                          ("accidents_major", "accidents_extraordinary")),
                         ("accidents_major_larger_and_above",
                          ("accidents_major_larger", "accidents_major_and_extraordinary"))):
        if not set(parts) <= set(wide.columns):
            continue
        total = wide[list(parts)].sum(axis=1, min_count=len(parts))
        have = wide[combo] if combo in wide.columns else pd.Series(np.nan, index=wide.index)
        new = total[have.isna() & total.notna()]
        if combo not in wide.columns:
            wide[combo] = np.nan
        wide.loc[new.index, combo] = new
        for key, v in new.items():
            extra.append(dict(zip(["geo_zh", "geo_en", "geo_level", "year"], key),
                              indicator=combo, value=float(v), derived=True))
    out = pd.concat([rows, pd.DataFrame(extra, columns=rows.columns)], ignore_index=True)
    return out.sort_values(["indicator", "geo_zh", "year"], kind="mergesort").reset_index(
        drop=True)


def exposures(panel: pd.DataFrame, year: int) -> dict[str, float]:
    """Population (10,000 persons) per place from the published year nearest ``year``
    (ties: the earlier year)."""
    pop = panel[(panel["indicator"] == "population_10k") & (panel["value"] > 0)].assign(
        geo_zh=lambda d: d["geo_zh"].map(place_key))
    out = {}
    for geo, g in pop.groupby("geo_zh", sort=True):
        dist = (g["year"] - year).abs() * 2 + (g["year"] > year)
        out[geo] = float(g.loc[dist.idxmin(), "value"])
    return out


def _neg_log_post(theta, y_e, m_e, unit_e, n_units_e, y_t, logg_t, unit_t, beta_prior):
    log_mu, log_a, beta = theta
    a, mu = np.exp(log_a), np.exp(log_mu)
    ll = 0.0
    if n_units_e:
        m = m_e[:, 0] * np.exp(beta * m_e[:, 1])
        s = np.bincount(unit_e, y_e, n_units_e)
        big_m = np.bincount(unit_e, m, n_units_e)
        ll += np.sum(special.gammaln(a + s) - special.gammaln(a) + a * np.log(a / mu)
                     - (a + s) * np.log(a / mu + big_m))
        ll += np.sum(y_e * np.log(m))
    if len(y_t):
        n_t = unit_t.max() + 1
        eta = beta * logg_t
        # log of sum over a unit's years of exp(beta (t - t0)), stably
        top = np.zeros(n_t)
        np.maximum.at(top, unit_t, eta)
        lse = top + np.log(np.bincount(unit_t, np.exp(eta - top[unit_t]), n_t))
        ll += np.sum(y_t * (eta - lse[unit_t]))
    # Jeffreys prior for a Poisson mean, mu^(-1/2), is mu^(1/2) on log mu: it keeps the mode
    # finite when every pooled count is zero (no major accident anywhere).
    lp = (0.5 * log_mu - 0.5 * (log_a / PRIOR_LOG_A_SD) ** 2
          - 0.5 * ((beta - beta_prior) / PRIOR_BETA_SD) ** 2)
    return -(ll + lp)


def fit_panel(counts: pd.DataFrame, exposure: dict[str, float], t0: int,
              beta_prior: float = 0.0) -> PanelFit | None:
    """Fit the model to the count rows of one indicator (columns ``geo_zh``, ``year``,
    ``value``). Returns None if fewer than two places have both counts and a population."""
    from statsmodels.tools.numdiff import approx_hess3

    counts = counts.sort_values(["geo_zh", "year"], kind="mergesort")
    with_e = counts[counts["geo_zh"].isin(exposure)]
    trend = counts[~counts["geo_zh"].isin(exposure)]
    trend = trend[trend.groupby("geo_zh")["year"].transform("nunique") > 1]
    places_e = sorted(with_e["geo_zh"].unique())
    if len(places_e) < 2:
        return None
    unit_e = with_e["geo_zh"].map({g: i for i, g in enumerate(places_e)}).to_numpy()
    m_e = np.column_stack([with_e["geo_zh"].map(exposure).to_numpy(),
                           (with_e["year"] - t0).to_numpy(float)])
    places_t = sorted(trend["geo_zh"].unique())
    unit_t = trend["geo_zh"].map({g: i for i, g in enumerate(places_t)}).to_numpy(int)
    args = (with_e["value"].to_numpy(float), m_e, unit_e, len(places_e),
            trend["value"].to_numpy(float), (trend["year"] - t0).to_numpy(float), unit_t,
            beta_prior)
    start = np.array([np.log(max(with_e["value"].sum(), 0.5) / (m_e[:, 0].sum())), 0.0,
                      beta_prior])
    res = optimize.minimize(_neg_log_post, start, args=args, method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000})
    res = optimize.minimize(_neg_log_post, res.x, args=args, method="BFGS")
    hess = approx_hess3(res.x, _neg_log_post, args=args)
    # A flat or non-convex direction (e.g. a trend no place informs) must not break the
    # draws: the covariance is made positive semi-definite by clipping its eigenvalues.
    vals, vecs = np.linalg.eigh(np.linalg.pinv(0.5 * (hess + hess.T)))
    if not np.all(np.isfinite(vals)):
        vals, vecs = np.zeros(3), np.eye(3)
    cov = (vecs * np.clip(vals, 0.0, None)) @ vecs.T
    units = pd.DataFrame({"geo_zh": places_e, "exposure": [exposure[g] for g in places_e]})
    units["S"] = with_e.groupby("geo_zh")["value"].sum().reindex(places_e).to_numpy()
    units["M_years"] = [with_e.loc[with_e["geo_zh"] == g, "year"].tolist() for g in places_e]
    return PanelFit(str(counts["indicator"].iloc[0]) if len(counts) else "", t0, res.x, cov,
                    units, len(places_e), len(places_t))


def predict_counts(fit: PanelFit, years: list[int], exposure: float,
                   own: pd.DataFrame | None, rng: np.random.Generator,
                   n_draws: int = N_DRAWS) -> np.ndarray:
    """Draws of a place's counts in ``years`` (shape ``(n_draws, len(years))``).

    ``own`` holds the place's own count rows (``year``, ``value``) used for its posterior
    rate; None or empty gives the small-area forecast from the across-place distribution.
    The same rate draw serves every year, so the years are dependent as they should be.
    """
    theta = rng.multivariate_normal(fit.theta, fit.cov, size=n_draws, method="svd")
    mu, a, beta = np.exp(theta[:, 0]), np.exp(theta[:, 1]), theta[:, 2]
    shape, rate = a.copy(), a / mu
    if own is not None and len(own):
        t = own["year"].to_numpy(float) - fit.t0
        shape = shape + own["value"].sum()
        rate = rate + exposure * np.exp(beta[:, None] * t[None, :]).sum(axis=1)
    lam = rng.gamma(shape, 1.0 / rate)
    t_new = np.asarray(years, float) - fit.t0
    means = exposure * lam[:, None] * np.exp(beta[:, None] * t_new[None, :])
    return rng.poisson(means).astype(float)


def national_trend(panel: pd.DataFrame, indicator: str, before_year: int) -> float:
    """Log-linear slope of the national series that shares the indicator's family (class
    counts: the same class; totals: the same code within the scope period of
    ``before_year - 1``), from years before ``before_year``; 0 if fewer than three years."""
    nat = panel[(panel["geo_level"] == "national") & (panel["indicator"] == indicator)
                & (panel["year"] < before_year) & (panel["value"] > 0)]
    if indicator not in CLASS_CODES:
        scope_after = (before_year - 1) >= SCOPE_BREAK_YEAR
        nat = nat[(nat["year"] >= SCOPE_BREAK_YEAR) == scope_after]
    if len(nat) < 3:
        return 0.0
    return float(np.polyfit(nat["year"], np.log(nat["value"]), 1)[0])
