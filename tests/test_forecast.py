"""Forecast models on small series with known answers, and the back-test machinery."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.accidents import models as F


# --- GM(1,1) -------------------------------------------------------------------------------

def test_gm11_reproduces_a_published_work_safety_example():
    """Worked exercise 1 of 《安全学原理复习》 (review sheet for the course 安全学原理,
    https://m.wenku365.com/p-56049641.html; the same text at
    https://haowendang.cn/c9x5uy83oq157eja0pqkz5136q5t3m0006r9_1.html): casualties of an
    enterprise 2000-2008 were 61, 77, 73, 47, 46, 59, 50, 31, 33. The sheet reports
    a = 0.12 and u = 86.62 (a rounded to two decimals), the time response
    x1(k) = 721.83 - 660.83 e^{-0.12 (k-1)}, and fitted values x1(2) = 135.7, x0(2) = 74.7,
    x1(3) = 202.0, x0(3) = 66.3 with residual 6.7 for 2002."""
    x0 = [61, 77, 73, 47, 46, 59, 50, 31, 33]
    fit = F.gm11_fit(x0)
    assert round(fit.a, 2) == 0.12
    assert round(fit.b, 2) == 86.62
    # The sheet continues with the rounded a = 0.12; our time-response function with its
    # published parameters must give its published numbers.
    a, b = 0.12, 86.62
    assert round(b / a, 2) == 721.83 and round(x0[0] - b / a, 2) == -660.83
    restored = F.gm11_restore(x0[0], a, b, np.array([1, 2]))
    assert restored.round(1).tolist() == [74.7, 66.3]
    assert round(x0[0] + restored[0], 1) == 135.7
    assert round(x0[0] + restored.sum(), 1) == 202.0
    assert round(73 - restored[1], 1) == 6.7


def test_gm11_least_squares_matches_hand_normal_equations():
    """The 5-value series used as the standard textbook example in many GM(1,1) codes
    (2.874, 3.278, 3.337, 3.390, 3.679); the expected a and b are computed here by hand from
    the 2x2 normal equations, not taken from a publication."""
    x0 = np.array([2.874, 3.278, 3.337, 3.390, 3.679])
    x1 = np.cumsum(x0)
    z = 0.5 * (x1[1:] + x1[:-1])
    y = x0[1:]
    n = len(z)
    # x0(k) = -a z(k) + b: slope = (n Σzy - Σz Σy) / (n Σz² - (Σz)²)
    slope = (n * (z * y).sum() - z.sum() * y.sum()) / (n * (z ** 2).sum() - z.sum() ** 2)
    intercept = (y.sum() - slope * z.sum()) / n
    fit = F.gm11_fit(x0)
    assert fit.a == pytest.approx(-slope, rel=1e-12)
    assert fit.b == pytest.approx(intercept, rel=1e-12)
    resid = x0[1:] - fit.fitted[1:]
    assert fit.c_ratio == pytest.approx(resid.std() / x0.std())
    assert fit.p_small_error == pytest.approx(
        np.mean(np.abs(resid - resid.mean()) < 0.6745 * x0.std()))


@pytest.mark.parametrize("q", [0.85, 0.9, 1.1])
def test_gm11_on_a_noiseless_geometric_series(q):
    """For x0(k) = c q^k the grey equation holds exactly with a = -2 (q - 1) / (q + 1), so
    least squares returns that a; GM(1,1) then grows by exp(-a) per step, which is close to
    but not exactly q (the known bias of the classic model)."""
    x0 = 1000 * q ** np.arange(6)
    fit = F.gm11_fit(x0)
    assert fit.a == pytest.approx(-2 * (q - 1) / (q + 1), rel=1e-9)
    ahead = F.gm11_forecast(fit, 3)
    assert ahead[1:] / ahead[:-1] == pytest.approx(np.exp(-fit.a) * np.ones(2), rel=1e-12)
    assert np.exp(-fit.a) == pytest.approx(q, rel=2e-3)
    assert ahead == pytest.approx(1000 * q ** np.arange(6, 9), rel=1e-2)
    assert fit.grade == "good"


@pytest.mark.parametrize("c, p, grade", [
    (0.30, 0.96, "good"), (0.30, 0.90, "qualified"), (0.45, 0.85, "qualified"),
    (0.60, 0.75, "barely_qualified"), (0.70, 0.99, "unqualified"), (0.10, 0.60, "unqualified")])
def test_gm11_grade_table(c, p, grade):
    assert F.gm11_grade(c, p) == grade


def test_gm11_rejects_short_or_nonpositive_series():
    with pytest.raises(ValueError):
        F.gm11_fit([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        F.gm11_fit([1.0, 2.0, 0.0, 3.0])


# --- statistical models: predictive distributions with analytic answers --------------------

SERIES = np.array([120.0, 111.0, 104.0, 99.0, 90.0, 86.0])
YEARS = np.arange(2010, 2016)


def test_rw_drift_simulation_matches_its_student_t_predictive():
    """Flat-prior random walk with drift on logs: log y[T+1] - log y[T] is Student-t with
    n_d - 1 degrees of freedom, centre the mean difference, scale s sqrt(1 + 1/n_d)."""
    res = F.forecast_series("rw_drift", YEARS, SERIES, 2, n_sims=200_000,
                            rng=np.random.default_rng(1))
    d = np.diff(np.log(SERIES))
    nd = len(d)
    scale = d.std(ddof=1) * np.sqrt(1 + 1 / nd)
    p_exact = stats.t.sf(-d.mean() / scale, df=nd - 1)    # P(y[T+1] > y[T])
    p_sim = np.mean(res.paths[:, 0] > SERIES[-1])
    assert p_sim == pytest.approx(p_exact, abs=4 * np.sqrt(p_exact * (1 - p_exact) / 200_000))
    # Two steps ahead: variance s^2 (h + h^2 / n_d).
    scale2 = d.std(ddof=1) * np.sqrt(2 + 4 / nd)
    q90 = np.log(SERIES[-1]) + 2 * d.mean() + stats.t.ppf(0.9, nd - 1) * scale2
    assert np.quantile(np.log(res.paths[:, 1]), 0.9) == pytest.approx(q90, abs=0.004)


def test_loglinear_simulation_matches_its_student_t_predictive():
    res = F.forecast_series("loglinear", YEARS, SERIES, 2, n_sims=200_000,
                            rng=np.random.default_rng(2))
    x = np.column_stack([np.ones(6), YEARS - YEARS.mean()])
    y = np.log(SERIES)
    beta, rss = np.linalg.lstsq(x, y, rcond=None)[:2]
    s2 = rss[0] / 4
    xf = np.array([1.0, 2017 - YEARS.mean()])
    scale = np.sqrt(s2 * (1 + xf @ np.linalg.inv(x.T @ x) @ xf))
    for level in (0.1, 0.5, 0.9):
        exact = xf @ beta + stats.t.ppf(level, 4) * scale
        assert np.quantile(np.log(res.paths[:, 1]), level) == pytest.approx(exact, abs=0.003)
    assert res.point[1] == pytest.approx(np.exp(xf @ beta))


def test_poisson_recovers_an_exponential_trend_and_negbin_alpha_by_moments():
    counts = np.round(5000 * 0.9 ** np.arange(8))
    res = F.forecast_series("poisson", np.arange(2000, 2008), counts, 1, n_sims=1000,
                            rng=np.random.default_rng(3))
    assert res.info["slope"] == pytest.approx(np.log(0.9), abs=1e-3)
    # alpha = Σ((y - mu)^2 - y) / Σ mu^2, by hand: y = (12, 8), mu = (10, 10)
    # -> ((4 - 12) + (4 - 8)) / 200 = -0.06, floored at equidispersion.
    assert F.negbin_alpha([12, 8], [10, 10]) == pytest.approx(1e-10)
    # y = (20, 2), mu = (10, 10) -> ((100 - 20) + (64 - 2)) / 200 = 0.71
    assert F.negbin_alpha([20, 2], [10, 10]) == pytest.approx(0.71)


@pytest.mark.parametrize("model", ["ets", "arima", "negbin"])
def test_models_continue_a_smooth_decline(model):
    years = np.arange(2000, 2010)
    values = np.round(1000 * np.exp(-0.1 * np.arange(10)) * (1 + 0.01 * (-1) ** np.arange(10)))
    res = F.forecast_series(model, years, values, 3, n_sims=4000,
                            rng=np.random.default_rng(4))
    expected = 1000 * np.exp(-0.1 * np.arange(10, 13))
    assert res.point == pytest.approx(expected, rel=0.05)
    q = res.quantiles([0.025, 0.5, 0.975])
    assert np.all(q[0] <= q[1]) and np.all(q[1] <= q[2])
    assert res.paths.shape == (4000, 3)


def test_models_check_their_inputs():
    with pytest.raises(ValueError, match="consecutive"):
        F.forecast_series("ets", [2000, 2001, 2003, 2004, 2005], [5, 4, 3, 2, 1], 1)
    with pytest.raises(ValueError, match="at least 7"):
        F.forecast_series("arima", np.arange(2000, 2005), [5, 4, 3, 2, 1], 1)
    assert not F.model_applies("poisson", np.arange(2000, 2006), "deaths_per_100m_gdp")
    assert F.model_applies("loglinear", [2000, 2001, 2003, 2004], "deaths_per_100m_gdp")


def test_same_stream_gives_identical_paths():
    a = F.forecast_series("gm11", YEARS, SERIES, 3, n_sims=500, rng=F.stream("x", 1))
    b = F.forecast_series("gm11", YEARS, SERIES, 3, n_sims=500, rng=F.stream("x", 1))
    assert np.array_equal(a.paths, b.paths)


# --- scores and back-test --------------------------------------------------------------------

def test_crps_sample_matches_the_normal_closed_form():
    """CRPS(N(0,1), y=0) = 2 phi(0) - 1/sqrt(pi) (Gneiting and Raftery 2007)."""
    sample = np.random.default_rng(5).standard_normal(100_000)
    exact = 2 * stats.norm.pdf(0) - 1 / np.sqrt(np.pi)
    assert F.crps_sample(sample, 0.0) == pytest.approx(exact, abs=0.004)
    assert F.crps_sample(np.full(10, 3.0), 1.0) == pytest.approx(2.0)


def _panel(values: dict[int, float], indicator: str = "deaths_total") -> pd.DataFrame:
    return pd.DataFrame({
        "geo_level": "national", "geo_zh": "全国", "geo_en": "China", "year": list(values),
        "indicator": indicator, "value": list(values.values()), "unit": "人",
        "indicator_kind": "level_count", "scope_period": ["pre2016" if y < 2016 else "from2016"
                                                          for y in values],
        "is_rounded": False, "is_context_only": False})


def test_backtest_origins_horizons_and_errors_on_a_known_series():
    values = {y: 1000 * 0.9 ** (y - 2010) for y in range(2010, 2016)}
    fits = F.rolling_origin_forecasts(_panel(values), models=["rw_drift", "gm11"], min_train=4,
                                      max_horizon=5, n_sims=400)
    table = F.backtest_table(fits)
    # Six years, four to train: origins 2013 (horizons 1-2) and 2014 (horizon 1), two models.
    assert sorted(set(zip(table["origin"], table["horizon"]))) == [(2013, 1), (2013, 2),
                                                                  (2014, 1)]
    assert len(table) == 6
    rw = table[table["model"] == "rw_drift"]
    # A noiseless geometric series: the drift is exact and the point forecast error is zero.
    assert rw["ape"].max() == pytest.approx(0, abs=1e-9)
    first = rw[(rw["origin"] == 2013) & (rw["horizon"] == 1)].iloc[0]
    assert first["mase_scale"] == pytest.approx(np.mean([100, 90, 81]))
    summary = F.summarise_backtest(table)
    assert summary["model"].tolist() == ["rw_drift", "gm11"]
    assert summary["n_forecasts"].tolist() == [3, 3]


def test_backtest_never_crosses_the_scope_break():
    values = {y: 100.0 - y % 7 for y in range(2009, 2022)}
    fits = F.rolling_origin_forecasts(_panel(values), models=["loglinear"], min_train=4,
                                      n_sims=50)
    for of in fits:
        years = np.concatenate([of.train_years, of.actual_years])
        assert len({y >= 2016 for y in years}) == 1


def test_model_weights_equal_when_record_is_short_else_inverse_crps():
    rows = []
    for origin in range(2000, 2010):
        for model, crps in (("rw_drift", 0.1), ("gm11", 0.3)):
            rows.append({"series_id": "s", "origin": origin, "horizon": 1, "model": model,
                         "target_year": origin + 1, "crps_log": crps})
    table = pd.DataFrame(rows)
    w = F.model_weights(table, ["gm11", "rw_drift"])
    assert w.set_index("model")["weight"].to_dict() == pytest.approx(
        {"rw_drift": 0.75, "gm11": 0.25})
    early = F.model_weights(table, ["gm11", "rw_drift"], before_year=2005)
    assert early["weight"].tolist() == [0.5, 0.5]
    assert "equal" in early["basis"].iloc[0]


def test_naive_matches_its_student_t_predictive():
    """Random walk without drift on logs, flat prior on the step variance: log y[T+h] -
    log y[T] is Student-t with n_d degrees of freedom and scale s0 sqrt(h), s0^2 the mean
    squared difference."""
    res = F.forecast_series("naive", YEARS, SERIES, 2, n_sims=200_000,
                            rng=np.random.default_rng(5))
    d = np.diff(np.log(SERIES))
    s0 = np.sqrt(np.mean(d ** 2))
    for level in (0.1, 0.9):
        exact = np.log(SERIES[-1]) + stats.t.ppf(level, len(d)) * s0 * np.sqrt(2)
        assert np.quantile(np.log(res.paths[:, 1]), level) == pytest.approx(exact, abs=0.004)
    assert res.point == pytest.approx([SERIES[-1]] * 2)


def test_damped_trend_and_local_level_do_not_extrapolate_a_constant_decline():
    """On a decline that stops, the damped trend and the local level forecast less further
    decline than the log-linear trend does."""
    years = np.arange(2000, 2012)
    values = np.concatenate([1000 * 0.85 ** np.arange(7), 1000 * 0.85 ** 6 * 0.99 **
                             np.arange(1, 6)]) * (1 + 0.005 * (-1) ** np.arange(12))
    lin = F.forecast_series("loglinear", years, values, 5, n_sims=500,
                            rng=np.random.default_rng(6))
    for model in ("ets_damped", "local_level", "theta", "naive"):
        res = F.forecast_series(model, years, values, 5, n_sims=500,
                                rng=np.random.default_rng(6))
        assert res.paths.shape == (500, 5)
        assert res.point[-1] > lin.point[-1], model
        assert res.point[-1] > 0.7 * values[-1], model


def test_glm_exposure_offset_scales_the_forecast():
    """A constant rate per unit of exposure: doubling future exposure doubles the forecast."""
    years = np.arange(2010, 2018)
    exposure = 100 * 1.1 ** np.arange(8)
    counts = np.round(0.5 * exposure)
    for model in ("poisson", "negbin"):
        res = F.forecast_series(model, years, counts, 2, n_sims=2000,
                                rng=np.random.default_rng(7), exposure=exposure)
        expected = 0.5 * 100 * 1.1 ** np.arange(8, 10)
        assert res.point == pytest.approx(expected, rel=0.03)
        assert res.info["slope"] == pytest.approx(0.0, abs=0.01)
