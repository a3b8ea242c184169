"""The accident stage's fast paths give what the slow paths they replace give, to the bit:
base rates from arrays grouped once (:class:`ReferenceRates`) against
:func:`reference_class`, and least squares written out (:func:`ols_fit`) against
statsmodels' OLS."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.accidents.forecast import ols_fit
from analysis.accidents.indicators import INDICATORS
from analysis.accidents.loader import load_accident_stats
from analysis.accidents.recalibration import _em_weights
from analysis.accidents.reference import ReferenceRates, change_observations, reference_class
from analysis.accidents.targets import TargetRule
from analysis.core.paths import raw_dir


def _rule(indicator, comparator, baseline_rule, base_years, target_year, change):
    return TargetRule(
        target_id="t", source="pseudo", doc_id="", plan="", label="", geography_zh="全国",
        geography_en="China", admin_level="national", indicator=indicator,
        comparator=comparator, required_change_pct=change, baseline_rule=baseline_rule,
        base_years=base_years, target_year=target_year, year_set=target_year - 1)


def test_reference_rates_are_the_reference_class_on_the_real_observations():
    observations = change_observations(load_accident_stats(raw_dir()))
    assert len(observations) > 100 and observations["is_context_only"].any()
    rates = ReferenceRates(observations)
    forms = [("previous_year", (2019,)), ("mean_prev_2", (2018, 2019)),
             ("base_year", (2015,)), ("base_year", (2019,)), ("base_year", (2010, 2015)),
             ("none", ())]
    checked = ok = 0
    for indicator, comparator, (rule_name, bases), change, as_of in itertools.product(
            sorted(INDICATORS), ("decline_by", "below", "no_major"), forms,
            (-20.0, -4.5, 0.0), (None, 2008, 2016, 2024)):
        rule = _rule(indicator, comparator, rule_name, bases, 2020, change)
        slow = reference_class(rule, observations, as_of=as_of)
        fast = rates.rate(rule, as_of=as_of)
        assert fast["status"] == slow["status"], (rule, as_of)
        assert (fast["n_used"], fast["k_met"]) == (slow["n_used"], slow["k_met"]), (rule, as_of)
        assert fast["probability"] == slow["probability"] or (
            np.isnan(fast["probability"]) and np.isnan(slow["probability"]))
        checked += 1
        ok += slow["status"] == "ok"
    # the comparison is not vacuous: many rules have a base rate, many do not
    assert ok > 200 and checked - ok > 200


@pytest.mark.parametrize("n", [3, 4, 7, 12, 21])
def test_ols_fit_is_statsmodels_ols_to_the_bit(n):
    rng = np.random.default_rng(n)
    years = np.sort(rng.choice(np.arange(1990, 2030), n, replace=False)).astype(float)
    x = np.column_stack([np.ones(n), years - years.mean()])
    y = np.log(rng.uniform(100, 90000, n))
    res = sm.OLS(y, x).fit()
    params, xtx_inv, df, scale = ols_fit(x, y)
    assert np.array_equal(params, res.params)
    assert np.array_equal(xtx_inv, res.normalized_cov_params)
    assert df == res.df_resid and scale == res.scale


def _em_reference(logd: np.ndarray) -> np.ndarray:
    """The EM loop as stacking_weights wrote it before the ufuncs were called directly."""
    dens = np.exp(logd - logd.max(axis=1, keepdims=True))
    w = np.full(logd.shape[1], 1.0 / logd.shape[1])
    for _ in range(1000):
        resp = dens * w
        resp /= resp.sum(axis=1, keepdims=True)
        new = resp.mean(axis=0)
        if np.max(np.abs(new - w)) < 1e-9:
            return new
        w = new
    return w


def test_em_weights_are_the_plain_loop_to_the_bit():
    rng = np.random.default_rng(11)
    for trial in range(60):
        n, k = int(rng.integers(3, 60)), int(rng.integers(2, 7))
        logd = rng.normal(0, 2, (n, k)) + rng.normal(0, 3, k)  # some columns much better
        if trial % 5 == 0:
            logd[:, 0] = -np.inf if trial % 10 == 0 else logd[:, 0] - 40
        assert np.array_equal(_em_weights(logd), _em_reference(logd)), trial


def test_em_weights_favour_the_better_column_and_are_kept_by_value():
    rng = np.random.default_rng(5)
    good = np.log(rng.uniform(0.5, 1.0, 40))
    logd = np.column_stack([good, good - np.log(20)])
    w = _em_weights(logd)
    assert w[0] > 0.95 and abs(w.sum() - 1) < 1e-12
    w[0] = -1.0  # a caller altering its copy does not alter the kept weights
    again = _em_weights(logd.copy())
    assert again[0] > 0.95
    assert np.array_equal(_em_weights(logd[:, ::-1].copy()), again[::-1])


def test_reference_rates_refuse_context_flags_stored_as_text():
    observations = change_observations(load_accident_stats(raw_dir()))
    with pytest.raises(TypeError, match="boolean is_context_only"):
        ReferenceRates(observations.astype({"is_context_only": str}))


def test_reference_rates_of_a_panel_without_level_series_are_the_reference_class():
    """A panel of one year gives no change: change_observations' table is empty, with an
    untyped is_context_only column. Both readings give "no reference observations" (the
    pandas filter of reference_observations raised KeyError on it before 2026-12-01)."""
    panel = load_accident_stats(raw_dir())
    one_year = panel[(panel["year"] == 2015) & (panel["indicator_kind"] != "change_pct")]
    empty = change_observations(one_year)
    assert empty.empty and not pd.api.types.is_bool_dtype(empty["is_context_only"])
    rule = _rule("deaths_total", "decline_by", "previous_year", (2019,), 2020, -5.0)
    assert ReferenceRates(empty).rate(rule, 2019)["status"] == reference_class(
        rule, empty, as_of=2019)["status"] == "no_reference_observations"
