"""Stacking, recalibration and the scores, on inputs with known answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.accidents.recalibration import (CalibrationSet, conformal_quantiles,
                                              recalibrate_paths, recalibrated_backtest,
                                              recalibrated_z, stacking_weights)
from analysis.accidents.scores import (brier_table, corp_decomposition, corp_reliability,
                                       coverage_table)


def _errors(n_cases, dens_a, dens_b, start=2000):
    rows = []
    for i in range(n_cases):
        for model, d in (("a", dens_a), ("b", dens_b)):
            rows.append({"series_id": "s", "model": model, "origin": start + i, "horizon": 1,
                         "target_year": start + i + 1, "log_density": np.log(d[i]),
                         "z": 0.0})
    return pd.DataFrame(rows)


def test_stacking_prefers_the_model_that_predicts_better_and_is_equal_when_short():
    rng = np.random.default_rng(0)
    good = rng.uniform(0.5, 1.0, 30)
    bad = good / 20
    w = stacking_weights(_errors(30, good, bad), ["a", "b"], before_year=None)
    assert w.set_index("model")["weight"]["a"] > 0.95
    assert "stacking on log score over 30" in w["basis"].iloc[0]
    short = stacking_weights(_errors(30, good, bad), ["a", "b"], before_year=2005)
    assert list(short["weight"]) == [0.5, 0.5] and short["basis"].iloc[0].startswith("equal")
    # complementary models: each better on half the cases -> both get weight
    mixed = stacking_weights(_errors(30, np.r_[good[:15], bad[15:]], np.r_[bad[:15], good[15:]]),
                             ["a", "b"], before_year=None)
    assert mixed["weight"].min() > 0.3


def test_recalibrated_intervals_cover_near_nominal_for_gaussian_errors():
    """The Student-t prediction interval of the next standardised error from n = 10 past
    errors covers at its nominal level, even when the raw model is biased and too narrow."""
    rng = np.random.default_rng(1)
    hits = {0.8: [], 0.95: []}
    for _ in range(3000):
        z = 0.7 + 2.5 * rng.standard_normal(11)  # biased and over-confident model
        for level in hits:
            lo, hi = conformal_quantiles(z[:10], level)
            hits[level].append(lo <= z[10] <= hi)
    assert np.mean(hits[0.8]) == pytest.approx(0.8, abs=0.025)
    assert np.mean(hits[0.95]) == pytest.approx(0.95, abs=0.015)


def test_recalibration_uses_only_errors_known_before_the_year_and_widens_paths():
    e = pd.DataFrame({"model": "m", "target_year": np.arange(2000, 2012),
                      "origin": np.arange(1999, 2011), "z": np.linspace(-3, 3, 12)})
    assert recalibrated_z(e, "m", 2007) is None            # 7 known (2000-2006), min 8
    z = recalibrated_z(e, "m", 2009)
    assert len(z) == 9 and z.z.max() < e["z"].iloc[9]      # 2009 onwards not yet known
    paths = np.exp(np.random.default_rng(2).normal(0, 0.1, 4000))
    wide = recalibrate_paths(paths, np.linspace(-3, 3, 12))
    assert np.std(np.log(wide)) > 2 * np.std(np.log(paths))


def test_recalibration_counts_origins_not_cases():
    """Errors of one origin at several horizons are one forecast's errors: ten errors from
    two origins cannot be recalibrated, and ten from four origins give a wider interval than
    ten independent ones."""
    z = np.linspace(-1.5, 1.5, 10)
    two = pd.DataFrame({"model": "m", "origin": np.repeat([2000, 2001], 5),
                        "target_year": np.r_[2001:2006, 2002:2007], "z": z})
    assert recalibrated_z(two, "m", 2010) is None
    four = two.assign(origin=np.repeat([1998, 1999, 2000, 2001], [3, 3, 2, 2]))
    cal = recalibrated_z(four, "m", 2010)
    assert (len(cal), cal.n_origins) == (10, 4)
    lo4, hi4 = conformal_quantiles(cal, 0.8)
    lo10, hi10 = conformal_quantiles(z, 0.8)          # a bare array: 10 origins
    assert hi4 - lo4 > 1.1 * (hi10 - lo10)
    assert conformal_quantiles(CalibrationSet(np.sort(z), 10), 0.8) == (lo10, hi10)


def test_recalibrated_backtest_reports_the_origins_behind_each_interval():
    rows = [{"series_id": "s", "model": "m", "origin": o, "horizon": h, "target_year": o + h,
             "z": 0.1 * ((o * 7 + h * 3) % 11 - 5), "pit": 0.5}
            for o in range(2000, 2012) for h in (1, 2)]
    errors = pd.DataFrame(rows)
    backtest = errors[["series_id", "model", "origin", "horizon"]].assign(in80=True, in95=True)
    hits = recalibrated_backtest(errors, backtest)
    done = hits[hits["recalibrated"]]
    assert len(done) and (done["n_cal_origins"] <= done["n_cal"]).all()
    first = done.sort_values("origin").iloc[0]
    # at origin t the errors known are those with target year <= t, from origins <= t - 1
    known = errors[errors["target_year"] <= first["origin"]]
    assert first["n_cal"] == len(known) and first["n_cal_origins"] == known["origin"].nunique()
    # counting origins only widens the interval: whatever the old (iid) one covers, it covers
    for level in ("80", "95"):
        old, new = done[f"in{level}_recal_iid"].astype(bool), done[f"in{level}_recal"].astype(bool)
        assert not (old & ~new).any()


def test_corp_decomposition_identity_and_calibrated_forecasts():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 5000)
    o = rng.uniform(0, 1, 5000) < p
    d = corp_decomposition(p, o)
    assert d["brier"] == pytest.approx(d["mcb"] - d["dsc"] + d["unc"])
    assert d["mcb"] < 0.003 and d["dsc"] == pytest.approx(0.25 - 1 / 6, abs=0.01)
    over = corp_decomposition(np.clip(1.6 * (p - 0.5) + 0.5, 0, 1), o)
    assert over["mcb"] > 5 * d["mcb"]


def test_brier_table_bootstrap_and_coverage_table():
    rng = np.random.default_rng(4)
    rows = []
    for i in range(60):
        year = 2000 + i % 12
        truth = rng.uniform()
        out = bool(rng.uniform() < truth)
        for method, p in (("model_ensemble", truth), ("reference_class", 0.5)):
            rows.append({"pseudo_id": f"p{i}", "method": method, "probability": p,
                         "outcome": out, "lead": 1 + i % 2, "target_year": year})
    cal = pd.DataFrame(rows)
    b = brier_table(cal, "test", reference="model_ensemble").set_index(["lead_group", "method"])
    # by default every method is compared with the pool (absent here: no differences)
    assert brier_table(cal, "test")["diff_vs_reference"].isna().all()
    row = b.loc[("all", "reference_class")]
    assert row["n"] == 60 and row["n_years"] == 12
    assert row["brier_lower"] <= row["brier"] <= row["brier_upper"]
    assert row["diff_vs_reference"] > 0          # the informed forecast beats 0.5
    assert set(b.index.get_level_values(0)) == {"all", "lead 1", "lead 2-5"}
    rel = corp_reliability(cal, ["model_ensemble"], "test")
    assert (np.diff(rel["calibrated"]) >= -1e-12).all()
    hits = pd.DataFrame({"model": "m", "horizon": 1, "target_year": np.repeat(np.arange(10), 3),
                         "recalibrated": True, "in80_raw": np.arange(30) % 2 == 0,
                         "in95_raw": True, "in80_recal": True, "in95_recal": True})
    cov = coverage_table(hits, "test").set_index(["intervals", "level"])
    assert cov.loc[("raw_all", 80), "coverage"] == 0.5
    assert cov.loc[("raw_all", 80), "lower"] < 0.5 < cov.loc[("raw_all", 80), "upper"]
    assert cov.loc[("recalibrated", 95), "coverage"] == 1.0


def test_pool_row_pools_the_ensemble_and_the_base_rate_and_their_range():
    from analysis.accidents.probabilities import _pool_row

    ensemble = {"probability": 0.9, "probability_lower": 0.6, "probability_upper": 1.0}
    ref = {"probability": 0.5, "probability_lower": 0.3, "probability_upper": 0.7,
           "k_met": 5, "n_used": 10, "data_used": "x"}
    row = _pool_row(ensemble, ref)
    assert row["probability"] == pytest.approx(0.7)
    assert (row["probability_lower"], row["probability_upper"]) == pytest.approx((0.55, 0.75))
    assert row["interval_kind"] == "range_of_models" and row["n_used"] == 10
    assert "5 of 10" in row["note"]


def test_brier_differences_are_taken_against_the_pool_by_default():
    rows = []
    for i in range(24):
        out = i % 3 == 0
        for method, p in (("model_ensemble", 0.9 if out else 0.2), ("reference_class", 0.4),
                          ("ensemble_base_rate_pool", 0.65 if out else 0.3)):
            rows.append({"pseudo_id": f"p{i}", "method": method, "probability": p,
                         "outcome": out, "lead": 1, "target_year": 2000 + i % 8})
    b = brier_table(pd.DataFrame(rows), "test").set_index(["lead_group", "method"])
    assert np.isnan(b.loc[("all", "ensemble_base_rate_pool"), "diff_vs_reference"])
    ens = b.loc[("all", "model_ensemble")]
    pool = b.loc[("all", "ensemble_base_rate_pool")]
    assert ens["diff_vs_reference"] == pytest.approx(ens["brier"] - pool["brier"])


def test_cells_within_counts_horizon_level_cells_near_nominal():
    from analysis.accidents.scores import cells_within

    cov = pd.DataFrame({"source": "s", "model": "ensemble", "intervals": "recalibrated",
                        "horizon": [1, 2, 1, 2], "level": [80, 80, 95, 95],
                        "coverage": [0.75, 0.74, 0.95, 0.89]})
    row = cells_within(cov).iloc[0]
    assert (row["cells"], row["within"]) == (4, 2)          # 0.75 is within, 0.74 and 0.89 not
    assert row["worst"] == pytest.approx(0.06)
    assert cells_within(cov, model="other").empty



def test_stacking_is_never_served_another_tables_arrays(monkeypatch):
    """Tables with equal z, origins and years but other densities, when a freed table's id is
    reused by the next one (forced here: every table gets the same id, as CPython may give a
    new object the address of a freed one), each get their own weights."""
    from analysis.accidents import recalibration
    monkeypatch.setattr(recalibration, "id", lambda obj: 1, raising=False)
    rng = np.random.default_rng(3)
    good = rng.uniform(0.5, 1.0, 30)
    for a_better in (True, False, True):
        dens_a, dens_b = (good, good / 20) if a_better else (good / 20, good)
        w = stacking_weights(_errors(30, dens_a, dens_b), ["a", "b"], before_year=None)
        assert (w.set_index("model")["weight"]["a"] > 0.95) == a_better


def test_the_horizon_exponent_recovers_a_known_growth_and_is_zero_without_spread():
    """Errors whose spread grows as h ** 0.5 (a random walk's) give beta near 0.5; errors
    of one horizon, or of equal spread, give 0; a shrinking spread is clipped to 0."""
    from analysis.accidents.recalibration import BETA_BOUNDS, horizon_exponent

    rng = np.random.default_rng(3)
    h = np.tile(np.arange(1, 6), 4000)
    assert horizon_exponent(rng.standard_normal(len(h)) * h ** 0.5, h) == pytest.approx(
        0.5, abs=0.06)
    assert horizon_exponent(rng.standard_normal(len(h)), h) < 0.06
    assert horizon_exponent(rng.standard_normal(50), np.ones(50)) == 0.0
    assert horizon_exponent(rng.standard_normal(len(h)) * h ** -0.8, h) == BETA_BOUNDS[0]
    assert horizon_exponent(rng.standard_normal(len(h)) * h ** 3.0, h) == BETA_BOUNDS[1]


def test_recalibrated_intervals_widen_with_the_horizon_as_the_past_errors_did():
    """Past errors that spread as h ** 0.5: the five-year interval is about sqrt(5) times the
    one-year interval, and each covers its own horizon's next error at the nominal level
    (a simulation with known truth, 2,000 draws); pooled over horizons as one law, the
    five-year interval under-covers."""
    rng = np.random.default_rng(4)
    hits = {1: [], 5: []}
    pooled5 = []
    for _ in range(2000):
        origins = np.repeat(np.arange(2000, 2012), 5)
        h = np.tile(np.arange(1, 6), 12)
        z = rng.standard_normal(len(h)) * h ** 0.5
        e = pd.DataFrame({"model": "m", "origin": origins, "horizon": h,
                          "target_year": origins + h, "z": z})
        cal = recalibrated_z(e, "m", 2100)
        for horizon in hits:
            lo, hi = conformal_quantiles(cal, 0.8, horizon)
            hits[horizon].append(lo <= rng.standard_normal() * horizon ** 0.5 <= hi)
        lo, hi = conformal_quantiles(CalibrationSet(cal.z, cal.n_origins), 0.8, 5)
        pooled5.append(lo <= rng.standard_normal() * 5 ** 0.5 <= hi)
    assert np.mean(hits[1]) == pytest.approx(0.8, abs=0.04)
    assert np.mean(hits[5]) == pytest.approx(0.8, abs=0.04)
    assert np.mean(pooled5) < 0.76
    lo1, hi1 = conformal_quantiles(cal, 0.8, 1)
    lo5, hi5 = conformal_quantiles(cal, 0.8, 5)
    assert (hi5 - lo5) / (hi1 - lo1) == pytest.approx(5 ** cal.beta)
