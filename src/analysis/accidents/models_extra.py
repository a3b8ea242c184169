"""Forecasting models that do not extrapolate a constant decline, added beside those of
:mod:`analysis.accidents.forecast` for structural diversity (issue 14). All work on log values
and return ``(point, paths, flags, info)`` like the models there:

``naive``
    Random walk without drift on logs: next year like this year. Flat-prior posterior
    predictive (the step variance is uncertain: ``sigma^2 ~ n s0^2 / chi2_n`` with ``s0^2`` the
    mean squared log difference), so the forecast is Student-t with ``n`` degrees of freedom.
``ets_damped``
    ETS(A,Ad,N) on logs (statsmodels ``ETSModel`` with ``damped_trend=True``): the trend decays
    by the damping factor phi each year instead of continuing for ever.
``theta``
    The theta method (Assimakopoulos and Nikolopoulos 2000; Hyndman and Billah 2003: simple
    exponential smoothing with half the linear-trend slope as drift), written out with the
    forecast and interval formulas of statsmodels ``ThetaModel`` because that class takes
    about 0.3 s per fit, too slow for a back-test inside the build. Paths are Gaussian with
    the SES forecast standard deviations ``sigma sqrt(1 + (h-1) alpha^2)`` and independent
    increments.
``local_level``
    Local level, ETS(A,N,N) on logs: no trend at all, the level adapts to the latest values.

Poisson and negative-binomial GLMs with an exposure offset are in
:mod:`analysis.accidents.forecast` (``exposure`` argument of :func:`forecast_series`).
"""
from __future__ import annotations

import numpy as np


def naive(years, values, horizon, n_sims, rng):
    """Random walk without drift on log values, flat-prior posterior predictive."""
    logs = np.log(values)
    diffs = np.diff(logs)
    n = len(diffs)
    s0 = float(np.sqrt(np.mean(diffs ** 2)))
    sigma2 = n * s0 ** 2 / rng.chisquare(n, size=n_sims)
    steps = np.sqrt(sigma2)[:, None] * rng.standard_normal((n_sims, horizon))
    paths = np.exp(logs[-1] + np.cumsum(steps, axis=1))
    point = np.full(horizon, np.exp(logs[-1]))
    return point, paths, (), {"sigma": s0}


def _ets_paths(res, horizon, n_sims, rng):
    sims = np.asarray(res.simulate(horizon, anchor="end", repetitions=n_sims, rng=rng))
    return np.exp(sims.reshape(horizon, n_sims).T)


def ets_damped(years, values, horizon, n_sims, rng):
    """ETS(A,Ad,N) on log values, simulated with its own state-space errors."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    res = ETSModel(np.log(values), error="add", trend="add",
                   damped_trend=True).fit(disp=False)
    params = dict(zip(res.param_names, np.asarray(res.params)))
    paths = _ets_paths(res, horizon, n_sims, rng)
    point = np.exp(np.asarray(res.forecast(horizon)))
    flags = ("smoothing_at_lower_bound",) if params["smoothing_level"] <= 1e-3 else ()
    return point, paths, flags, {"phi": float(params["damping_trend"]),
                                 "alpha": float(params["smoothing_level"])}


def local_level(years, values, horizon, n_sims, rng):
    """Local level ETS(A,N,N) on log values."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    res = ETSModel(np.log(values), error="add", trend=None).fit(disp=False)
    params = dict(zip(res.param_names, np.asarray(res.params)))
    paths = _ets_paths(res, horizon, n_sims, rng)
    point = np.exp(np.asarray(res.forecast(horizon)))
    return point, paths, (), {"alpha": float(params["smoothing_level"])}


def _ses(y, alpha):
    """Simple exponential smoothing from ``level = y[0]``: one-step errors and final level."""
    level, errs = y[0], np.empty(len(y) - 1)
    for t in range(1, len(y)):
        errs[t - 1] = y[t] - level
        level = level + alpha * errs[t - 1]
    return errs, level


def theta(years, values, horizon, n_sims, rng):
    """Theta method on log values; Gaussian paths matching its prediction intervals."""
    y = np.log(values)
    n = len(y)
    # alpha minimises the one-step squared error over a fixed grid (deterministic, and as
    # good as a numerical optimiser at the precision a 4-20 point series allows).
    grid = np.linspace(0.01, 0.99, 99)
    sse = [np.sum(_ses(y, a)[0] ** 2) for a in grid]
    alpha = float(grid[int(np.argmin(sse))])
    errs, level = _ses(y, alpha)
    b0 = float(np.polyfit(np.arange(n), y, 1)[0])
    h = np.arange(1, horizon + 1)
    # Hyndman and Billah (2003), theta = 2: SES forecast plus half the trend slope, with the
    # start-up correction; statsmodels ThetaModel uses the same expression.
    centre = level + 0.5 * b0 * (h - 1 + 1 / alpha - (1 - alpha) ** n / alpha)
    sigma2 = float(np.mean(errs ** 2))
    sd = np.sqrt(sigma2 * (1 + alpha ** 2 * (h - 1)))
    inc = np.sqrt(np.maximum(np.diff(np.concatenate([[0.0], sd ** 2])), 0.0))
    noise = np.cumsum(inc[None, :] * rng.standard_normal((n_sims, horizon)), axis=1)
    return np.exp(centre), np.exp(centre[None, :] + noise), (), {"b0": b0, "alpha": alpha}
