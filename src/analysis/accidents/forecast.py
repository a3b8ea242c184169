"""Forecasting models for short annual accident series behind one interface,
:func:`forecast_series`: fit one model of :data:`MODELS` (random walk with drift, log-linear
trend, Poisson and negative-binomial GLMs, ETS, ARIMA and the grey model GM(1,1)) to years
and values, and return the point forecast and ``n_sims`` simulated future paths, from which
target probabilities are computed. :func:`model_applies` says which models a series admits,
and :func:`stream` derives a reproducible random stream from a key; the model descriptions
are in :mod:`analysis.accidents.models`.
"""
from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from analysis.accidents import models_extra
from analysis.accidents.indicators import COUNT_INDICATORS

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


def ols_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Least squares as ``statsmodels.OLS(y, x).fit()`` computes it: its default "pinv"
    method step for step, so the numbers are the same to the last bit (tested).

    Written out because the fit object costs about a millisecond to set up, and the
    back-test and the simulation study fit the log-linear trend tens of thousands of times.
    A rank-deficient design gives what statsmodels gives, without its warning.

    Parameters
    ----------
    x : numpy.ndarray
        Design matrix, shape ``(n, k)``.
    y : numpy.ndarray
        Response, shape ``(n,)``.

    Returns
    -------
    params : numpy.ndarray
        Coefficients (``res.params``).
    xtx_inv : numpy.ndarray
        ``(X'X)^-1`` from the pseudo-inverse (``res.normalized_cov_params``).
    df_resid : float
        ``n`` minus the rank of ``x``.
    scale : float
        Residual variance, ``SSR / df_resid`` (``res.scale``).
    """
    from statsmodels.tools.tools import pinv_extended

    pinv, singular_values = pinv_extended(x)
    xtx_inv = np.dot(pinv, np.transpose(pinv))
    rank = np.linalg.matrix_rank(np.diag(singular_values))
    params = np.dot(pinv, y)
    df = float(x.shape[0]) - rank
    resid = y - np.dot(x, params)
    return params, xtx_inv, df, np.dot(resid, resid) / df


def _loglinear(years, values, horizon, n_sims, rng):
    future = years[-1] + np.arange(1, horizon + 1)
    x, xf = _design(years, future)
    params, xtx_inv, df, scale = ols_fit(x, np.log(values))
    sigma2 = df * scale / rng.chisquare(df, size=n_sims)
    chol = np.linalg.cholesky(xtx_inv)
    beta = params[None, :] + np.sqrt(sigma2)[:, None] * (
        rng.standard_normal((n_sims, 2)) @ chol.T)
    logs = beta @ xf.T + np.sqrt(sigma2)[:, None] * rng.standard_normal((n_sims, horizon))
    point = np.exp(xf @ params)
    return point, np.exp(logs), (), {"slope": params[1], "sigma": np.sqrt(scale)}


def _glm_paths(res, xf, n_sims, rng, alpha=None, offset=0.0):
    beta = rng.multivariate_normal(res.params, res.cov_params(), size=n_sims,
                                   method="cholesky")
    mu = np.exp(np.clip(beta @ xf.T + offset, -50, 50))
    if alpha is None or alpha <= 0:
        return rng.poisson(mu).astype(float)
    # NB2 as a gamma-Poisson mixture: mean mu, variance mu + alpha mu^2.
    return rng.poisson(rng.gamma(1.0 / alpha, alpha * mu)).astype(float)


def _offsets(years, future, exposure):
    """Log exposure for the fitted years and the forecast years (None: no offset). Future
    exposure continues the log-linear trend of the exposure itself (population and GDP move
    smoothly, unlike accident counts)."""
    if exposure is None:
        return None, np.zeros(len(future))
    log_e = np.log(np.asarray(exposure, float))
    slope, icpt = np.polyfit(years - years.mean(), log_e, 1) if len(years) > 1 else (0.0,
                                                                                     log_e[0])
    return log_e, icpt + slope * (future - years.mean())


def _poisson(years, values, horizon, n_sims, rng, exposure=None):
    import statsmodels.api as sm

    future = years[-1] + np.arange(1, horizon + 1)
    x, xf = _design(years, future)
    off, off_f = _offsets(years, future, exposure)
    res = sm.GLM(np.round(values), x, family=sm.families.Poisson(), offset=off).fit()
    point = np.exp(xf @ res.params + off_f)
    return (point, _glm_paths(res, xf, n_sims, rng, offset=off_f), (),
            {"slope": res.params[1]})


def negbin_alpha(counts: np.ndarray, fitted_means: np.ndarray) -> float:
    """Moment estimate of the NB2 dispersion from a Poisson fit.

    The auxiliary regression of Cameron and Trivedi (1990), ``((y - mu)^2 - y) / mu = alpha *
    mu + error`` through the origin, gives ``alpha = sum((y - mu)^2 - y) / sum(mu^2)``; it is
    floored at a tiny positive value (equidispersion).
    """
    y, mu = np.asarray(counts, float), np.asarray(fitted_means, float)
    return float(max(np.sum((y - mu) ** 2 - y) / np.sum(mu ** 2), 1e-10))


def _negbin(years, values, horizon, n_sims, rng, exposure=None):
    import statsmodels.api as sm

    future = years[-1] + np.arange(1, horizon + 1)
    x, xf = _design(years, future)
    off, off_f = _offsets(years, future, exposure)
    y = np.round(values)
    pois = sm.GLM(y, x, family=sm.families.Poisson(), offset=off).fit()
    alpha = negbin_alpha(y, pois.fittedvalues)
    res = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha), offset=off).fit()
    point = np.exp(xf @ res.params + off_f)
    return (point, _glm_paths(res, xf, n_sims, rng, alpha=alpha, offset=off_f), (),
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
    ModelSpec("naive", "Naive random walk (log)", models_extra.naive, MIN_OBS, True, False),
    ModelSpec("ets_damped", "ETS(A,Ad,N) damped (log)", models_extra.ets_damped, ETS_MIN_OBS,
              True, False),
    ModelSpec("theta", "Theta method (log)", models_extra.theta, MIN_OBS, True, False),
    ModelSpec("local_level", "Local level ETS(A,N,N) (log)", models_extra.local_level,
              MIN_OBS, True, False),
)}

#: Models that assume a constant log-linear decline continues (the review's point): the
#: others (naive, damped trend, theta, local level) are the structurally different ones.
TREND_MODELS = ("rw_drift", "loglinear", "poisson", "negbin", "ets", "arima", "gm11")
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
                    n_sims: int = N_SIMS, rng: np.random.Generator | None = None,
                    exposure: Sequence[float] | None = None) -> ForecastResult:
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
    exposure : sequence of float, optional
        Exposure per fitted year (population, GDP) for the count GLMs (``poisson``,
        ``negbin``): it enters as an offset ``log(exposure)``, and its own log-linear trend
        supplies the forecast years. Other models ignore it.

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
        if exposure is not None and model in ("poisson", "negbin"):
            point, paths, flags, info = spec.fit(years, values, horizon, n_sims, rng,
                                                 exposure=exposure)
        else:
            point, paths, flags, info = spec.fit(years, values, horizon, n_sims, rng)
    # Caught warnings become flags (deduplicated, sorted) so notebook output stays stable.
    names = sorted({w.category.__name__ for w in caught} | set(flags))
    return ForecastResult(model, years[-1] + np.arange(1, horizon + 1), np.asarray(point, float),
                          np.asarray(paths, float), tuple(names), info)
