"""The partially pooled negative binomial on simulated panels with known truth, and on the
real regional rows (only what the data decide, no counts of the current file)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.accidents.hierarchical import (class_counts, exposures, fit_panel, place_key,
                                             predict_counts)


def _simulate(rng, n_places, years, mu, a, beta, t0):
    expo = rng.uniform(50, 500, n_places)
    lam = rng.gamma(a, mu / a, n_places)
    rows = []
    for i in range(n_places):
        for t in years:
            rows.append({"geo_zh": f"p{i:02d}", "year": t, "indicator": "deaths_total",
                         "value": float(rng.poisson(expo[i] * lam[i] * np.exp(beta * (t - t0))))})
    return pd.DataFrame(rows), {f"p{i:02d}": float(e) for i, e in enumerate(expo)}


@pytest.mark.parametrize("mu,a", [(0.2, 3.0), (0.004, 1.5)])
def test_predictive_intervals_and_p_zero_are_calibrated_on_simulated_panels(mu, a):
    """Hold out the last year of each place: the randomised PIT (Czado, Gneiting and Held
    2009; exact coverage for discrete predictive laws) falls in its central 80 % and 95 %
    ranges near nominally often, and the predicted P(count = 0) matches the frequency of
    zeros."""
    rng = np.random.default_rng(11)
    hits80, hits95, p0, zero = [], [], [], []
    for rep in range(25):
        panel, expo = _simulate(rng, 12, range(2015, 2020), mu, a, -0.05, 2018)
        train = panel[panel["year"] < 2019]
        fit = fit_panel(train, expo, t0=2018, beta_prior=-0.05)
        for geo, g in panel.groupby("geo_zh"):
            draws = predict_counts(fit, [2019], expo[geo], g[g["year"] < 2019][["year", "value"]],
                                   np.random.default_rng(rep), n_draws=1000)[:, 0]
            y = g.loc[g["year"] == 2019, "value"].iloc[0]
            below, upto = np.mean(draws < y), np.mean(draws <= y)
            u = below + rng.uniform() * (upto - below)
            hits80.append(0.1 <= u <= 0.9)
            hits95.append(0.025 <= u <= 0.975)
            p0.append(np.mean(draws == 0))
            zero.append(y == 0)
    assert np.mean(hits80) == pytest.approx(0.8, abs=0.05)
    assert np.mean(hits95) == pytest.approx(0.95, abs=0.03)
    assert np.mean(p0) == pytest.approx(np.mean(zero), abs=0.05)


def test_pooling_shrinks_a_place_with_little_data_towards_the_others():
    rng = np.random.default_rng(3)
    panel, expo = _simulate(rng, 10, range(2016, 2020), 0.2, 5.0, 0.0, 2019)
    fit = fit_panel(panel, expo, t0=2019)
    # a place seen once with an extreme count: its predicted mean lies between its own
    # rate and the pooled mean
    own = pd.DataFrame({"year": [2019], "value": [200.0]})
    draws = predict_counts(fit, [2020], 100.0, own, np.random.default_rng(0), 4000)[:, 0]
    assert 0.2 * 100 < draws.mean() < 200
    # a place with no data gets the across-place distribution: wider than a well-observed one
    lots = pd.DataFrame({"year": range(2000, 2020), "value": [20.0] * 20})
    new = predict_counts(fit, [2020], 100.0, None, np.random.default_rng(0), 4000)[:, 0]
    known = predict_counts(fit, [2020], 100.0, lots, np.random.default_rng(0), 4000)[:, 0]
    assert new.std() > known.std()
    assert fit_panel(panel[panel["geo_zh"] == "p00"], expo, t0=2019) is None


def test_real_rows_give_class_counts_and_exposures_keyed_like_the_plans():
    from analysis.accidents.loader import load_accident_stats
    from analysis.core.paths import raw_dir

    panel = load_accident_stats(raw_dir())
    counts = class_counts(panel)
    assert (counts["value"] >= 0).all()
    assert not counts["geo_zh"].str.contains(r"[(（]").any()
    expo = exposures(panel, 2022)
    assert all(v > 0 for v in expo.values())
    assert place_key("海门区(南通市)") == "海门区" and place_key("永嘉县（温州市）") == "永嘉县"
    # derived combined classes are sums of published parts of the same place and year
    derived = counts[counts["derived"]]
    for rec in derived.to_dict("records"):
        same = counts[(counts["geo_zh"] == rec["geo_zh"]) & (counts["year"] == rec["year"])
                      & ~counts["derived"]]
        assert rec["value"] <= same["value"].sum()


def test_which_targets_get_a_local_probability_is_decided_by_the_data(tmp_path):
    """Lishui has no counts or population in the real file: no probability. Rows added for it
    (as the larger file may bring) give it one, with no code change."""
    import csv
    import shutil

    from analysis.accidents.loader import RAW_COLUMNS, load_accident_stats
    from analysis.accidents.regional import regional_probabilities
    from analysis.accidents.targets import TargetRule
    from analysis.core.paths import raw_dir

    rule = TargetRule(target_id="t/lishui", source="corpus", doc_id="d", plan="", label="x",
                      geography_zh="丽水市", geography_en="Lishui City", admin_level="city",
                      indicator="deaths_total", comparator="decline_by",
                      required_change_pct=-20.0, baseline_rule="mean_prev_2",
                      base_years=(2019, 2020), target_year=2021, year_set=2021,
                      quote="死亡人数同比前两年平均数下降20%")
    major = TargetRule(target_id="t/major", source="corpus", doc_id="d", plan="", label="y",
                       geography_zh="丽水市", geography_en="Lishui City", admin_level="city",
                       indicator="major_accidents_total", comparator="no_major",
                       required_change_pct=float("nan"), baseline_rule="none", base_years=(),
                       target_year=2021, year_set=2021, quote="遏制重特大事故")
    rows, _, _ = regional_probabilities([rule, major], load_accident_stats(raw_dir()), seed=1)
    before = {r["target_id"]: r["status"] for r in rows}
    folder = tmp_path / "accident_stats"
    shutil.copytree(raw_dir() / "accident_stats", folder)
    for p in folder.iterdir():
        p.chmod(0o644)
    base = {"geo_level": "city", "geo_zh": "丽水市", "geo_en": "Lishui",
            "source_url": "https://example.org/x", "source_quote": "q", "note": ""}
    with open(folder / "regional_series.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(RAW_COLUMNS), lineterminator="\n")
        writer.writerow({**base, "year": "2019", "indicator": "deaths_total", "value": "60",
                         "unit": "人"})
        writer.writerow({**base, "year": "2020", "indicator": "deaths_total", "value": "50",
                         "unit": "人"})
        writer.writerow({**base, "year": "2020", "indicator": "population_10k", "value": "250",
                         "unit": "万人"})
    rows, fits, pmf = regional_probabilities([rule, major], load_accident_stats(folder), seed=1)
    after = {r["target_id"]: r for r in rows}
    assert before["t/lishui"] != "ok"
    assert after["t/lishui"]["status"] == "ok"
    assert 0 < after["t/lishui"]["probability"] < 1
    assert "2019: 60, 2020: 50" in after["t/lishui"]["note"]
    assert set(pmf["target_id"]) >= {"t/lishui"}
    if after["t/major"]["status"] == "ok":       # a population alone allows a small-area P(0)
        assert 0 < after["t/major"]["probability"] <= 1
