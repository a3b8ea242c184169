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

This module re-exports every name it has always had; the models live in
:mod:`analysis.accidents.forecast` and the back-test in :mod:`analysis.accidents.backtest`.
"""
from analysis.accidents.indicators import COUNT_INDICATORS  # noqa: F401
from analysis.accidents.panel import series_segments, series_values  # noqa: F401
from analysis.accidents.forecast import (  # noqa: F401
    ARIMA_MIN_OBS, ETS_MIN_OBS, GM11_GRADES, MIN_OBS, MODELS, MODEL_NAMES, N_SIMS, Q80, Q95,
    SEED, ForecastResult, GM11Fit, ModelSpec, _arima, _design, _ets, forecast_series,
    _glm_paths, _gm11, gm11_fit, gm11_forecast, gm11_grade, gm11_parameters, gm11_restore,
    _log_rw_drift, _loglinear, model_applies, _negbin, negbin_alpha, _poisson, stream)
from analysis.accidents.backtest import (  # noqa: F401
    BACKTEST, BACKTEST_SUMMARY, _FC, GM11_GRADE_TABLE, SCHEMAS, OriginForecast, backtest_table,
    crps_sample, gm11_grade_table, model_weights, rolling_origin_forecasts, summarise_backtest)
from analysis.core.schema import Column, TableSchema  # noqa: F401
