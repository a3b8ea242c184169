"""Forecasting models for short annual accident series, and their rolling-origin back-test.

Every model has one interface, :func:`forecast_series`: fit on years and values, return the
point forecast and ``n_sims`` simulated future paths for ``horizon`` years. Paths are what the
target probabilities are computed from, so each model's predictive distribution is explicit:

``rw_drift``
    Random walk with drift on log values, the naive benchmark. Posterior predictive under a
    flat prior (drift and variance uncertain), so the forecast of ``log y[T+h]`` is Student-t
    with ``n-2`` degrees of freedom (``n`` values, ``n-1`` differences).
``loglinear``
    Log-linear trend, OLS (statsmodels) with the same flat-prior posterior predictive
    (Student-t, ``n-2`` degrees of freedom). Accepts gaps.
``poisson``
    Poisson GLM with a linear trend in the log mean (statsmodels), counts only; coefficients
    drawn from their asymptotic normal, outcomes Poisson. Accepts gaps.
``negbin``
    Negative-binomial (NB2) GLM with trend, counts only; the dispersion ``alpha`` is estimated
    by the moment regression of Cameron and Trivedi (1990) rather than by maximum likelihood,
    which fails to converge on four or five points. Accepts gaps.
``ets``
    Exponential smoothing ETS(A,A,N) on log values (statsmodels ``ETSModel``), simulated with
    its own state-space errors (no parameter uncertainty).
``arima``
    ARIMA(1,1,0) with drift on log values (statsmodels), only where at least
    :data:`ARIMA_MIN_OBS` values are available; simulated likewise.
``gm11``
    The grey model GM(1,1) of the Chinese work-safety literature, written out in
    :func:`gm11_fit`, with a residual bootstrap (refit on resampled log residuals, plus a
    resampled residual on each forecast) because the model itself has no error term.

:func:`rolling_origin_forecasts` fits every model at every origin of every series segment that
is long enough, :func:`backtest_table` turns that into one row per forecast (actual, point,
80 % and 95 % limits, errors, CRPS), :func:`summarise_backtest` gives MAPE, MASE and coverage,
and :func:`model_weights` turns that record into ensemble weights.
"""
from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from analysis.accidents.data import COUNT_INDICATORS, series_segments, series_values
from analysis.core.schema import Column, TableSchema

#: Default number of simulated paths per fit.
N_SIMS = 2000
#: Base seed; each fit derives its own stream from it and a key naming series, model, origin.
SEED = 20160101
#: Fewest values any model is fitted to (GM(1,1) needs four).
MIN_OBS = 4
ETS_MIN_OBS = 5
ARIMA_MIN_OBS = 7
#: Quantile levels of the 80 % and 95 % central prediction intervals.
Q80 = (0.10, 0.90)
Q95 = (0.025, 0.975)


@dataclass
class ForecastResult:
    """Point forecast and simulated paths of one model fitted to one series.

    Attributes
    ----------
    model : str
        Model name (a key of :data:`MODELS`).
    years : numpy.ndarray
        Forecast years, ``last_year + 1 .. last_year + horizon``.
    point : numpy.ndarray
        The model's point forecast per year (median on the log models, mean on the GLMs,
        the deterministic path of GM(1,1)).
    paths : numpy.ndarray
        Simulated future values, shape ``(n_sims, horizon)``.
    flags : tuple of str
        Warnings caught while fitting (e.g. ``ConvergenceWarning``), so that they show in
        tables instead of in notebook output.
    info : dict
        Model-specific fitted quantities (GM(1,1): ``a``, ``b``, ``c_ratio``, ``p_small_error``,
        ``grade``, ``insample_mape``).
    """

    model: str
    years: np.ndarray
    point: np.ndarray
    paths: np.ndarray
    flags: tuple[str, ...] = ()
    info: dict = field(default_factory=dict)

    def quantiles(self, levels: Sequence[float]) -> np.ndarray:
        """Quantiles of the paths per year, shape ``(len(levels), horizon)``."""
        return np.quantile(self.paths, levels, axis=0)


@dataclass(frozen=True)
class ModelSpec:
    """A forecasting model and the series it applies to."""

    name: str
    label: str
    fit: Callable
    min_obs: int
    needs_contiguous: bool
    counts_only: bool


def _log_rw_drift(years, values, horizon, n_sims, rng):
    logs = np.log(values)
    diffs = np.diff(logs)
    n = len(diffs)
    drift, s2 = diffs.mean(), diffs.var(ddof=1)
    # Flat-prior posterior: sigma^2 ~ (n-1) s^2 / chi2_{n-1}, drift ~ N(mean, sigma^2 / n);
    # summing future increments then gives the Student-t predictive of the textbook formula.
    sigma2 = (n - 1) * s2 / rng.chisquare(n - 1, size=n_sims)
    mu = drift + np.sqrt(sigma2 / n) * rng.standard_normal(n_sims)
    steps = mu[:, None] + np.sqrt(sigma2)[:, None] * rng.standard_normal((n_sims, horizon))
    paths = np.exp(logs[-1] + np.cumsum(steps, axis=1))
    point = np.exp(logs[-1] + drift * np.arange(1, horizon + 1))
    return point, paths, (), {"drift": drift, "sigma": np.sqrt(s2)}


def _design(years, future):
    centre = years.mean()
    x = np.column_stack([np.ones(len(years)), years - centre])
    xf = np.column_stack([np.ones(len(future)), future - centre])
    return x, xf


def _loglinear(years, values, horizon, n_sims, rng):
    import statsmodels.api as sm

    future = years[-1] + np.arange(1, horizon + 1)
    x, xf = _design(years, future)
    res = sm.OLS(np.log(values), x).fit()
    df = res.df_resid
    xtx_inv = res.normalized_cov_params
    sigma2 = df * res.scale / rng.chisquare(df, size=n_sims)
    chol = np.linalg.cholesky(xtx_inv)
    beta = res.params[None, :] + np.sqrt(sigma2)[:, None] * (
        rng.standard_normal((n_sims, 2)) @ chol.T)
    logs = beta @ xf.T + np.sqrt(sigma2)[:, None] * rng.standard_normal((n_sims, horizon))
    point = np.exp(xf @ res.params)
    return point, np.exp(logs), (), {"slope": res.params[1], "sigma": np.sqrt(res.scale)}


def _glm_paths(res, xf, n_sims, rng, alpha=None):
    beta = rng.multivariate_normal(res.params, res.cov_params(), size=n_sims,
                                   method="cholesky")
    mu = np.exp(np.clip(beta @ xf.T, -50, 50))
    if alpha is None or alpha <= 0:
        return rng.poisson(mu).astype(float)
    # NB2 as a gamma-Poisson mixture: mean mu, variance mu + alpha mu^2.
    return rng.poisson(rng.gamma(1.0 / alpha, alpha * mu)).astype(float)


def _poisson(years, values, horizon, n_sims, rng):
    import statsmodels.api as sm

    future = years[-1] + np.arange(1, horizon + 1)
    x, xf = _design(years, future)
    res = sm.GLM(np.round(values), x, family=sm.families.Poisson()).fit()
    point = np.exp(xf @ res.params)
    return point, _glm_paths(res, xf, n_sims, rng), (), {"slope": res.params[1]}


def negbin_alpha(counts: np.ndarray, fitted_means: np.ndarray) -> float:
    """Moment estimate of the NB2 dispersion from a Poisson fit.

    The auxiliary regression of Cameron and Trivedi (1990), ``((y - mu)^2 - y) / mu = alpha *
    mu + error`` through the origin, gives ``alpha = sum((y - mu)^2 - y) / sum(mu^2)``; it is
    floored at a tiny positive value (equidispersion).
    """
    y, mu = np.asarray(counts, float), np.asarray(fitted_means, float)
    return float(max(np.sum((y - mu) ** 2 - y) / np.sum(mu ** 2), 1e-10))


def _negbin(years, values, horizon, n_sims, rng):
    import statsmodels.api as sm

    future = years[-1] + np.arange(1, horizon + 1)
    x, xf = _design(years, future)
    y = np.round(values)
    pois = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    alpha = negbin_alpha(y, pois.fittedvalues)
    res = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
    point = np.exp(xf @ res.params)
    return (point, _glm_paths(res, xf, n_sims, rng, alpha=alpha), (),
            {"slope": res.params[1], "alpha": alpha})


def _ets(years, values, horizon, n_sims, rng):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    res = ETSModel(np.log(values), error="add", trend="add", damped_trend=False).fit(disp=False)
    sims = np.asarray(res.simulate(horizon, anchor="end", repetitions=n_sims, rng=rng))
    paths = np.exp(sims.reshape(horizon, n_sims).T)
    point = np.exp(np.asarray(res.forecast(horizon)))
    flags = ("smoothing_at_lower_bound",) if res.params[0] <= 1e-3 else ()
    return point, paths, flags, {"alpha": float(res.params[0])}


def _arima(years, values, horizon, n_sims, rng):
    from statsmodels.tsa.arima.model import ARIMA

    res = ARIMA(np.log(values), order=(1, 1, 0), trend="t").fit()
    sims = np.asarray(res.simulate(horizon, anchor="end", repetitions=n_sims, rng=rng))
    paths = np.exp(sims.reshape(horizon, n_sims).T)
    point = np.exp(np.asarray(res.forecast(horizon)))
    return point, paths, (), {"ar1": float(res.params[1])}


# --------------------------------------------------------------------------------------------
# GM(1,1)

#: Precision grades of the posterior-variance test as used throughout the Chinese
#: grey-forecasting literature: (grade, P greater than, C less than). The grade-I limits
#: (C < 0.35, P > 0.95) are verified in, e.g., 浙江林业科技 2002(1):38-40 ("C=0.0033<0.35 ...
#: P=1>0.95, 模型精度为Ⅰ级", http://218.28.6.71:81/Qikan/Article/Detail?id=6179955); the
#: limits of grades II and III are the commonly reproduced values and were not checked against
#: a primary source here.
GM11_GRADES = (("good", 0.95, 0.35), ("qualified", 0.80, 0.50),
               ("barely_qualified", 0.70, 0.65))


@dataclass(frozen=True)
class GM11Fit:
    """A fitted GM(1,1).

    Attributes
    ----------
    a, b : float
        Development coefficient and grey input of ``x0(k) + a z1(k) = b``.
    x0 : numpy.ndarray
        The original series.
    fitted : numpy.ndarray
        Restored fitted values ``x0_hat(k)``, k = 1..n (``fitted[0] == x0[0]``).
    c_ratio : float
        Posterior-variance ratio C = S2 / S1 (population standard deviations of the residuals
        for k = 2..n and of the series).
    p_small_error : float
        Small-error probability P = share of k = 2..n with ``|e(k) - mean(e)| < 0.6745 S1``.
    grade : str
        Grade of :data:`GM11_GRADES` (``unqualified`` if none applies).
    insample_mape : float
        Mean absolute percentage error of ``fitted`` over k = 2..n.
    """

    a: float
    b: float
    x0: np.ndarray
    fitted: np.ndarray
    c_ratio: float
    p_small_error: float
    grade: str
    insample_mape: float


def gm11_parameters(x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares ``a`` and ``b`` of GM(1,1) for one or many series.

    Parameters
    ----------
    x0 : numpy.ndarray
        Shape ``(n,)`` or ``(m, n)`` (``m`` series of length ``n``), positive values.

    Returns
    -------
    a, b : numpy.ndarray
        Shape ``()`` or ``(m,)``. ``x1`` is the cumulative sum, ``z1(k)`` the mean of
        ``x1(k-1)`` and ``x1(k)``, and ``x0(k) = -a z1(k) + b`` for k = 2..n is solved by
        least squares (closed form, so that thousands of bootstrap refits cost one array
        operation).
    """
    x0 = np.asarray(x0, float)
    x1 = np.cumsum(x0, axis=-1)
    z1 = 0.5 * (x1[..., 1:] + x1[..., :-1])
    y = x0[..., 1:]
    zc = z1 - z1.mean(axis=-1, keepdims=True)
    slope = (zc * (y - y.mean(axis=-1, keepdims=True))).sum(axis=-1) / (zc ** 2).sum(axis=-1)
    b = y.mean(axis=-1) - slope * z1.mean(axis=-1)
    return -slope, b


def gm11_restore(first: np.ndarray, a: np.ndarray, b: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Restored values ``x0_hat(k+1)`` for k >= 1 from the time-response function.

    ``x1_hat(k+1) = (x0(1) - b/a) exp(-a k) + b/a``, so ``x0_hat(k+1) = x1_hat(k+1) -
    x1_hat(k) = (x0(1) (1 - e^a) + b (e^a - 1) / a) exp(-a k)``; written with ``expm1`` so that
    ``a`` near zero does not divide by zero.
    """
    a = np.asarray(a, float)[..., None]
    b = np.asarray(b, float)[..., None]
    first = np.asarray(first, float)[..., None]
    em1 = np.expm1(a)
    ratio = np.where(np.abs(a) > 1e-12, em1 / np.where(a == 0, 1, a), 1.0)
    return (-first * em1 + b * ratio) * np.exp(-a * np.asarray(k, float))


def gm11_grade(c_ratio: float, p_small_error: float) -> str:
    """Precision grade of :data:`GM11_GRADES` for a posterior-variance ratio and P."""
    for name, p_min, c_max in GM11_GRADES:
        if p_small_error > p_min and c_ratio < c_max:
            return name
    return "unqualified"


def gm11_fit(values: Sequence[float]) -> GM11Fit:
    """Fit GM(1,1) to a positive series and grade it the way the literature does.

    Parameters
    ----------
    values : sequence of float
        At least four positive, equally spaced values.

    Returns
    -------
    GM11Fit
    """
    x0 = np.asarray(values, float)
    if x0.ndim != 1 or len(x0) < 4 or np.any(x0 <= 0):
        raise ValueError("GM(1,1) needs at least four positive values")
    a, b = gm11_parameters(x0)
    k = np.arange(1, len(x0))
    fitted = np.concatenate([[x0[0]], gm11_restore(x0[0], a, b, k)])
    resid = x0[1:] - fitted[1:]
    s1 = x0.std()
    c_ratio = float(resid.std() / s1)
    p_small = float(np.mean(np.abs(resid - resid.mean()) < 0.6745 * s1))
    mape = float(np.mean(np.abs(resid) / x0[1:]) * 100)
    return GM11Fit(float(a), float(b), x0, fitted, c_ratio, p_small,
                   gm11_grade(c_ratio, p_small), mape)


def gm11_forecast(fit: GM11Fit, horizon: int) -> np.ndarray:
    """Point forecasts ``x0_hat(n+1) .. x0_hat(n+horizon)`` of a fitted GM(1,1)."""
    n = len(fit.x0)
    return gm11_restore(fit.x0[0], fit.a, fit.b, np.arange(n, n + horizon))


def _gm11(years, values, horizon, n_sims, rng):
    fit = gm11_fit(values)
    n = len(values)
    log_resid = np.log(fit.x0[1:] / fit.fitted[1:])
    # Residual bootstrap: rebuild the series from the fitted path and resampled log residuals,
    # refit, and add a resampled residual to each forecast, so the spread carries both
    # parameter and observation noise.
    draws = rng.choice(log_resid, size=(n_sims, n - 1), replace=True)
    pseudo = np.concatenate([np.full((n_sims, 1), fit.x0[0]),
                             fit.fitted[None, 1:] * np.exp(draws)], axis=1)
    a, b = gm11_parameters(pseudo)
    ahead = gm11_restore(pseudo[:, 0], a, b, np.arange(n, n + horizon))
    noise = rng.choice(log_resid, size=(n_sims, horizon), replace=True)
    # A bootstrap refit can turn the restored path negative; clip to keep paths positive.
    paths = np.maximum(ahead * np.exp(noise), 1e-9)
    info = {"a": fit.a, "b": fit.b, "c_ratio": fit.c_ratio, "p_small_error": fit.p_small_error,
            "grade": fit.grade, "insample_mape": fit.insample_mape}
    return gm11_forecast(fit, horizon), paths, (), info


#: The models, in the order tables list them.
MODELS: dict[str, ModelSpec] = {m.name: m for m in (
    ModelSpec("rw_drift", "Random walk + drift (log)", _log_rw_drift, MIN_OBS, True, False),
    ModelSpec("loglinear", "Log-linear trend", _loglinear, MIN_OBS, False, False),
    ModelSpec("poisson", "Poisson GLM + trend", _poisson, MIN_OBS, False, True),
    ModelSpec("negbin", "Negative binomial GLM + trend", _negbin, MIN_OBS, False, True),
    ModelSpec("ets", "ETS(A,A,N) (log)", _ets, ETS_MIN_OBS, True, False),
    ModelSpec("arima", "ARIMA(1,1,0) + drift (log)", _arima, ARIMA_MIN_OBS, True, False),
    ModelSpec("gm11", "Grey model GM(1,1)", _gm11, MIN_OBS, True, False),
)}
MODEL_NAMES = tuple(MODELS)


def model_applies(model: str, years: Sequence[int], indicator: str) -> bool:
    """Whether ``model`` may be fitted to a series with these years of this indicator."""
    spec = MODELS[model]
    years = np.asarray(years)
    if len(years) < spec.min_obs:
        return False
    if spec.counts_only and indicator not in COUNT_INDICATORS:
        return False
    if spec.needs_contiguous and np.any(np.diff(years) != 1):
        return False
    return True


def stream(*key: object, seed: int = SEED) -> np.random.Generator:
    """A random generator determined by ``seed`` and a key (stable across runs and machines)."""
    text = "|".join(str(k) for k in key)
    return np.random.default_rng([seed, zlib.crc32(text.encode("utf-8"))])


def forecast_series(model: str, years: Sequence[int], values: Sequence[float], horizon: int,
                    n_sims: int = N_SIMS, rng: np.random.Generator | None = None
                    ) -> ForecastResult:
    """Fit one model to one annual series and simulate ``horizon`` years ahead.

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    years, values : sequence
        The series (sorted years; positive values). Models that need contiguous years
        (``needs_contiguous``) reject gaps.
    horizon : int
        Number of years after the last year to forecast.
    n_sims : int
        Number of simulated paths.
    rng : numpy.random.Generator, optional
        Random stream; defaults to :func:`stream` keyed by model and data.

    Returns
    -------
    ForecastResult

    Raises
    ------
    ValueError
        If the series is too short or gapped for the model.
    """
    spec = MODELS[model]
    years = np.asarray(years, int)
    values = np.asarray(values, float)
    if len(years) < spec.min_obs:
        raise ValueError(f"{model} needs at least {spec.min_obs} values, got {len(years)}")
    if spec.needs_contiguous and np.any(np.diff(years) != 1):
        raise ValueError(f"{model} needs consecutive years, got {years.tolist()}")
    if np.any(values <= 0):
        raise ValueError(f"{model}: values must be positive")
    if rng is None:
        rng = stream(model, years.tolist(), values.tolist())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        point, paths, flags, info = spec.fit(years, values, horizon, n_sims, rng)
    # Caught warnings become flags (deduplicated, sorted) so notebook output stays stable.
    names = sorted({w.category.__name__ for w in caught} | set(flags))
    return ForecastResult(model, years[-1] + np.arange(1, horizon + 1), np.asarray(point, float),
                          np.asarray(paths, float), tuple(names), info)


# --------------------------------------------------------------------------------------------
# Rolling-origin back-test


@dataclass
class OriginForecast:
    """One model fitted at one origin of one series segment, with what happened next."""

    series_id: str
    geo_zh: str
    geo_en: str
    indicator: str
    scope_period: str
    origin: int
    train_years: np.ndarray
    train_values: np.ndarray
    actual_years: np.ndarray
    actual_values: np.ndarray
    result: ForecastResult


def rolling_origin_forecasts(panel: pd.DataFrame, models: Sequence[str] = MODEL_NAMES,
                             min_train: int = MIN_OBS, max_horizon: int = 5,
                             n_sims: int = N_SIMS, seed: int = SEED) -> list[OriginForecast]:
    """Fit every applicable model at every origin of every long-enough series segment.

    Parameters
    ----------
    panel : pandas.DataFrame
        Accident panel (schema ``accident_panel``).
    models : sequence of str
        Model names.
    min_train : int
        Fewest training values; origins run from the ``min_train``-th year of a segment to its
        second-last year, so each origin has at least one actual value to compare.
    max_horizon : int
        Longest horizon evaluated.
    n_sims : int
        Paths per fit.
    seed : int
        Base seed.

    Returns
    -------
    list of OriginForecast
        In the order segment, origin, model. Training data never extend past the origin, and
        segments never cross the 2016 scope break, so no forecast uses later or
        incomparable data. Cost is one fit per (segment, origin, model): linear in the number
        of origins.
    """
    out = []
    segments = series_segments(panel)
    for seg in segments[segments["n_years"] > min_train].to_dict("records"):
        data = series_values(panel, seg["geo_zh"], seg["indicator"], seg["scope_period"])
        data = data[(data["year"] >= seg["start_year"]) & (data["year"] <= seg["end_year"])]
        years, values = data["year"].to_numpy(), data["value"].to_numpy()
        for cut in range(min_train, len(years)):
            h = min(max_horizon, len(years) - cut)
            for model in models:
                if not model_applies(model, years[:cut], seg["indicator"]):
                    continue
                rng = stream(seg["series_id"], model, int(years[cut - 1]), seed=seed)
                res = forecast_series(model, years[:cut], values[:cut], h, n_sims, rng)
                out.append(OriginForecast(
                    seg["series_id"], seg["geo_zh"], seg["geo_en"], seg["indicator"],
                    seg["scope_period"], int(years[cut - 1]), years[:cut], values[:cut],
                    years[cut:cut + h], values[cut:cut + h], res))
    return out


def crps_sample(samples: np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of an empirical predictive sample.

    ``CRPS = E|X - y| - E|X - X'| / 2`` (Gneiting and Raftery 2007, eq. 20), with the second
    term computed exactly from the sorted sample in O(n log n).
    """
    x = np.sort(np.asarray(samples, float))
    n = len(x)
    term1 = np.mean(np.abs(x - observed))
    weights = 2 * np.arange(1, n + 1) - n - 1
    term2 = 2 * np.sum(weights * x) / n ** 2
    return float(term1 - 0.5 * term2)


def backtest_table(origin_forecasts: Sequence[OriginForecast]) -> pd.DataFrame:
    """One row per (series, model, origin, horizon) with actual, forecast and errors.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`BACKTEST`. The MASE scale is the in-sample mean absolute one-step
        naive error of that origin's training data (Hyndman and Koehler 2006).
    """
    rows = []
    for of in origin_forecasts:
        res = of.result
        q = res.quantiles([0.5, Q80[0], Q80[1], Q95[0], Q95[1]])
        scale = float(np.mean(np.abs(np.diff(of.train_values))))
        for j, (year, actual) in enumerate(zip(of.actual_years, of.actual_values)):
            err = res.point[j] - actual
            # CRPS on the log scale: the log-t predictive of the flat-prior models has no
            # mean on the original scale, so CRPS there would be infinite; on logs it is a
            # finite, scale-free score of relative error.
            crps = crps_sample(np.log(np.maximum(res.paths[:, j], 1e-12)), np.log(actual))
            rows.append({
                "series_id": of.series_id, "geo_en": of.geo_en, "indicator": of.indicator,
                "scope_period": of.scope_period, "model": res.model, "origin": of.origin,
                "n_train": len(of.train_years), "horizon": j + 1, "target_year": int(year),
                "actual": float(actual), "forecast": float(res.point[j]),
                "median": q[0, j], "lower80": q[1, j], "upper80": q[2, j],
                "lower95": q[3, j], "upper95": q[4, j],
                "ape": abs(err) / actual * 100, "mase_scale": scale,
                "scaled_error": abs(err) / scale if scale > 0 else np.nan,
                "crps_log": crps,
                "in80": bool(q[1, j] <= actual <= q[2, j]),
                "in95": bool(q[3, j] <= actual <= q[4, j]),
                "fit_warnings": ";".join(res.flags) or None,
            })
    return pd.DataFrame(rows, columns=BACKTEST.column_names)


def summarise_backtest(backtest: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """MAPE, MASE, interval coverage and mean log-scale CRPS per group.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Schema :data:`BACKTEST`.
    by : sequence of str
        Grouping columns (``("model",)`` or ``("model", "horizon")``).

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` + ``n_forecasts``, ``n_series``, ``n_origins``, ``mape``, ``mase``,
        ``coverage80``, ``coverage95``, ``mean_crps_log``; models in :data:`MODELS` order.
    """
    by = list(by)
    grouped = backtest.groupby(by, sort=True)
    out = grouped.agg(
        n_forecasts=("ape", "size"), n_series=("series_id", "nunique"),
        n_origins=("origin", "size"), mape=("ape", "mean"), mase=("scaled_error", "mean"),
        coverage80=("in80", "mean"), coverage95=("in95", "mean"),
        mean_crps_log=("crps_log", "mean")).reset_index()
    out["n_origins"] = grouped.apply(
        lambda g: g[["series_id", "origin"]].drop_duplicates().shape[0],
        include_groups=False).to_numpy()
    if "model" in by:
        out["_order"] = out["model"].map({m: i for i, m in enumerate(MODEL_NAMES)})
        out = out.sort_values(["_order"] + [c for c in by if c != "model"],
                              kind="mergesort").drop(columns="_order")
    return out.reset_index(drop=True)


def model_weights(backtest: pd.DataFrame, models: Sequence[str], before_year: int | None = None,
                  min_forecasts: int = 8) -> pd.DataFrame:
    """Ensemble weights from the back-test record, inversely proportional to mean log CRPS.

    Only forecasts of years before ``before_year`` count (a target set in year Y may only use
    the record available then), and only forecast cases that every model in ``models`` made,
    so the models are compared on the same cases. With fewer than ``min_forecasts`` such cases
    the weights are equal.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Schema :data:`BACKTEST`.
    models : sequence of str
        Candidate models.
    before_year : int, optional
        Use only forecasts whose ``target_year`` is earlier.
    min_forecasts : int
        Fewest common cases needed for record-based weights.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``weight``, ``n_cases``, ``mean_crps_log``, ``basis``.
    """
    models = [m for m in MODEL_NAMES if m in set(models)]
    rows = backtest[backtest["model"].isin(models)]
    if before_year is not None:
        rows = rows[rows["target_year"] < before_year]
    key = ["series_id", "origin", "horizon"]
    counts = rows.groupby(key)["model"].nunique()
    common = counts[counts == len(models)].index
    rows = rows.set_index(key).loc[lambda d: d.index.isin(common)].reset_index()
    n_cases = len(common)
    score = rows.groupby("model")["crps_log"].mean().reindex(models)
    if n_cases >= min_forecasts and len(models) > 0 and np.all(score > 0):
        weight = (1 / score) / (1 / score).sum()
        basis = f"inverse mean log CRPS over {n_cases} common back-test forecasts"
    else:
        weight = pd.Series(1.0 / max(len(models), 1), index=models)
        basis = (f"equal (only {n_cases} common back-test forecasts"
                 + (f" before {before_year}" if before_year is not None else "") + ")")
    return pd.DataFrame({"model": models, "weight": weight.to_numpy(),
                         "n_cases": n_cases, "mean_crps_log": score.to_numpy(),
                         "basis": basis})


def gm11_grade_table(origin_forecasts: Sequence[OriginForecast]) -> pd.DataFrame:
    """In-sample GM(1,1) grades beside the out-of-sample accuracy of the same fits.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`GM11_GRADE_TABLE`: one row per GM(1,1) back-test fit with C, P, grade,
        in-sample MAPE, and the out-of-sample absolute percentage error at horizon 1 and on
        average over all evaluated horizons.
    """
    rows = []
    for of in origin_forecasts:
        res = of.result
        if res.model != "gm11":
            continue
        ape = np.abs(res.point[: len(of.actual_values)] - of.actual_values) / of.actual_values
        rows.append({
            "series_id": of.series_id, "indicator": of.indicator, "origin": of.origin,
            "n_train": len(of.train_years), "a": res.info["a"],
            "c_ratio": res.info["c_ratio"], "p_small_error": res.info["p_small_error"],
            "grade": res.info["grade"], "insample_mape": res.info["insample_mape"],
            "outsample_ape_h1": ape[0] * 100, "outsample_mape": ape.mean() * 100,
            "n_horizons": len(ape),
        })
    return pd.DataFrame(rows, columns=GM11_GRADE_TABLE.column_names)


_FC = "analysis.accidents.models"

BACKTEST = TableSchema(
    name="backtest",
    filename="backtest.csv",
    description=("Rolling-origin back-test of every forecasting model on every accident series "
                 "segment long enough for it: one row per series, model, origin and horizon "
                 "(analysis.accidents.models.backtest_table). Segments never cross the 2016 scope "
                 "break or a missing year."),
    columns=(
        Column("series_id", "str", "Series segment geo_en:indicator:first-last", source=_FC),
        Column("geo_en", "str", "Geography", source="accident panel"),
        Column("indicator", "str", "Indicator code", source="accident panel"),
        Column("scope_period", "str", "Scope period", ("pre2016", "from2016"),
               source="accident panel"),
        Column("model", "str", "Model", MODEL_NAMES, source=_FC),
        Column("origin", "int", "Last year of the training data", source=_FC),
        Column("n_train", "int", "Training values", source=_FC),
        Column("horizon", "int", "Years ahead", source=_FC),
        Column("target_year", "int", "Year forecast", source=_FC),
        Column("actual", "float", "Observed value", source="accident panel"),
        Column("forecast", "float", "Model point forecast", source=_FC),
        Column("median", "float", "Median of simulated paths", source=_FC),
        Column("lower80", "float", "10 % quantile", source=_FC),
        Column("upper80", "float", "90 % quantile", source=_FC),
        Column("lower95", "float", "2.5 % quantile", source=_FC),
        Column("upper95", "float", "97.5 % quantile", source=_FC),
        Column("ape", "float", "Absolute percentage error of the point forecast", source=_FC),
        Column("mase_scale", "float", "In-sample mean absolute one-step naive error",
               source=_FC),
        Column("scaled_error", "float", "|error| / mase_scale", nullable=True, source=_FC),
        Column("crps_log", "float", "CRPS of the simulated predictive distribution of the log "
               "value against the log actual (scale-free; finite for the log-t predictives)",
               source=_FC),
        Column("in80", "bool", "Actual inside the 80 % interval", source=_FC),
        Column("in95", "bool", "Actual inside the 95 % interval", source=_FC),
        Column("fit_warnings", "str", "Warnings caught while fitting, and boundary estimates",
               nullable=True, source=_FC),
    ),
    primary_key=("series_id", "model", "origin", "horizon"),
)

BACKTEST_SUMMARY = TableSchema(
    name="backtest_summary",
    filename="backtest_summary.csv",
    description=("Back-test accuracy per model (all horizons pooled): MAPE, MASE, empirical "
                 "coverage of the 80 % and 95 % intervals, mean log-scale CRPS "
                 "(analysis.accidents.models.summarise_backtest)."),
    columns=(
        Column("model", "str", "Model", MODEL_NAMES, source=_FC),
        Column("n_forecasts", "int", "Forecasts evaluated", source=_FC),
        Column("n_series", "int", "Series segments", source=_FC),
        Column("n_origins", "int", "Distinct (segment, origin) fits", source=_FC),
        Column("mape", "float", "Mean absolute percentage error", source=_FC),
        Column("mase", "float", "Mean absolute scaled error", source=_FC),
        Column("coverage80", "float", "Share of actuals inside the 80 % interval", source=_FC),
        Column("coverage95", "float", "Share of actuals inside the 95 % interval", source=_FC),
        Column("mean_crps_log", "float", "Mean log-scale CRPS (lower is better)", source=_FC),
    ),
    primary_key=("model",),
)

GM11_GRADE_TABLE = TableSchema(
    name="gm11_grades",
    filename="gm11_grades.csv",
    description=("GM(1,1) back-test fits: the literature's in-sample grades (posterior-variance "
                 "ratio C, small-error probability P) beside out-of-sample errors of the same "
                 "fits (analysis.accidents.models.gm11_grade_table)."),
    columns=(
        Column("series_id", "str", "Series segment", source=_FC),
        Column("indicator", "str", "Indicator code", source="accident panel"),
        Column("origin", "int", "Last training year", source=_FC),
        Column("n_train", "int", "Training values", source=_FC),
        Column("a", "float", "Development coefficient", source=_FC),
        Column("c_ratio", "float", "Posterior-variance ratio C (in-sample)", source=_FC),
        Column("p_small_error", "float", "Small-error probability P (in-sample)", source=_FC),
        Column("grade", "str", "Literature grade from C and P",
               tuple(g for g, _, _ in GM11_GRADES) + ("unqualified",), source=_FC),
        Column("insample_mape", "float", "In-sample MAPE, %", source=_FC),
        Column("outsample_ape_h1", "float", "Out-of-sample APE one year ahead, %", source=_FC),
        Column("outsample_mape", "float", "Out-of-sample MAPE over evaluated horizons, %",
               source=_FC),
        Column("n_horizons", "int", "Horizons evaluated", source=_FC),
    ),
    primary_key=("series_id", "origin"),
)

SCHEMAS = (BACKTEST, BACKTEST_SUMMARY, GM11_GRADE_TABLE)
