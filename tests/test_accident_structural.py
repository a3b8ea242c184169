"""Scope-break intervention and change-point test on series with known breaks."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.accidents.structural import changepoints, scope_break_effect


def _panel(years, values):
    return pd.DataFrame({"geo_level": "national", "geo_en": "China", "indicator": "deaths_total",
                         "indicator_kind": "level_count", "year": years, "value": values})


def test_step_at_the_reform_is_recovered():
    years = np.arange(2005, 2026)
    rng = np.random.default_rng(0)
    logs = 11 - 0.07 * (years - 2005) + np.log(0.6) * (years >= 2016) + rng.normal(0, .01, 21)
    row = scope_break_effect(_panel(years, np.exp(logs))).iloc[0]
    assert row["estimate_pct"] == pytest.approx(-40, abs=3)
    assert row["lower95_pct"] < -40 < row["upper95_pct"]


def test_slowdown_is_found_and_a_steady_decline_has_none():
    years = np.arange(2005, 2016)
    rates = np.where(years <= 2010, -0.10, -0.02)
    rng = np.random.default_rng(1)
    logs = 11 + np.cumsum(rates + rng.normal(0, 0.005, len(years)))
    table = changepoints(_panel(years, np.exp(logs)))
    pre = table[table["test"] == "pelt_pre2016"].iloc[0]
    assert pre["breakpoints"] == "2011"
    assert pre["rate_before_pct"] < -8 and pre["rate_after_pct"] > -4
    steady = 11 - 0.05 * np.arange(len(years)) + rng.normal(0, 0.01, len(years))
    table = changepoints(_panel(years, np.exp(steady)))
    assert table[table["test"] == "pelt_pre2016"].iloc[0]["breakpoints"] == "none"
