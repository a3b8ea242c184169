"""Multilevel (partially pooled) shares and their coverage simulation (issue 13, item 2)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from analysis.core.io import read_csv
from analysis.core.schema import SIMULATION_COLUMNS, validate
from analysis.evaluation import simulate_pooling as sp
from analysis.text import multilevel_shares as ml
from analysis.text import plan_shares as ps

PROCESSED = ROOT / "data" / "processed"


def _synthetic(n_plans=600, n_provinces=60, tau=0.03, sigma=0.05, seed=3):
    """Shares from the model itself: level means 0.20 / 0.12 / 0.10, province sd ``tau``,
    plan sd ``sigma``; returns the per-plan table, documents and the province effects."""
    rng = np.random.default_rng(seed)
    means = {"province": 0.20, "city": 0.12, "county": 0.10}
    level = rng.choice(list(means), n_plans, p=[0.2, 0.4, 0.4])
    province = rng.integers(0, n_provinces, n_plans)
    effect = rng.normal(0, tau, n_provinces)
    share = (np.array([means[x] for x in level]) + effect[province]
             + rng.normal(0, sigma, n_plans))
    docs = pd.DataFrame({"doc_id": [f"d{i:04d}" for i in range(n_plans)], "admin_level": level,
                         "province_en": [f"P{p:02d}" for p in province]})
    table = pd.DataFrame({"doc_id": docs["doc_id"], "scheme": "domain", "code": "mines",
                          "share": share, "n_clauses": 50})
    return table, docs, means, effect


def test_seed_corpus_is_described_only_and_matches_the_group_means():
    per_plan = {"domain": read_csv(PROCESSED / "domain_shares.csv"),
                "instrument": read_csv(PROCESSED / "instrument_shares.csv")}
    documents = read_csv(PROCESSED / "documents.csv")
    table = ml.multilevel_tables(per_plan, documents)
    validate(table, ml.MULTILEVEL_SHARES)
    assert len(table) and (table["status"] == ml.NOT_IDENTIFIED).all()
    assert table[["low_80", "high_80", "low_95", "high_95"]].isna().all().all()
    diffs = table[table["quantity"] == "level difference"]
    assert len(diffs) and (diffs["verdict"] == ml.NOT_TESTED).all()
    assert (table["estimate"] == table["unpooled"]).all()
    # The descriptive level rows are the group means of plan_shares (same estimand).
    groups = ps.group_shares(per_plan["domain"], documents, "admin_level", min_plans=1)
    mine = table[(table["scheme"] == "domain") & (table["quantity"] == "level share")]
    merged = mine.merge(groups, on=["group", "code"])
    assert len(merged) == len(groups)
    assert merged["estimate_x"].to_numpy() == pytest.approx(merged["estimate_y"].to_numpy())


def test_reml_agrees_with_statsmodels_mixedlm():
    from statsmodels.regression.mixed_linear_model import MixedLM

    table, docs, _, _ = _synthetic(n_plans=300, n_provinces=15, tau=0.04)
    frame = ml.plan_frame(table, docs, "mines")
    fit = ml.fit_code(frame, residual="common")
    X, Z, y = fit.design
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = MixedLM(y / y.std(), X, groups=Z.argmax(axis=1)).fit(reml=True)
    assert result.converged
    unit = y.std() ** 2
    assert fit.tau2 == pytest.approx(float(np.asarray(result.cov_re).ravel()[0]) * unit, rel=1e-3)
    assert fit.sigma2 == pytest.approx(result.scale * unit, rel=1e-4)
    assert fit.beta == pytest.approx(np.asarray(result.fe_params) * y.std(), abs=1e-6)
    blups = np.array([result.random_effects[k].iloc[0] for k in range(Z.shape[1])]) * y.std()
    assert fit.b == pytest.approx(blups, abs=1e-5)


def test_model_recovers_known_parameters_and_pooling_helps():
    table, docs, means, effect = _synthetic(n_plans=600, n_provinces=60)   # ten plans each
    rows = ml.multilevel_tables({"domain": table}, docs, n_draws=400)
    assert (rows["status"] == ml.ESTIMATED).all()
    levels = rows[rows["quantity"] == "level share"].set_index("group")
    for level, mean in means.items():
        assert levels.at[level, "estimate"] == pytest.approx(mean, abs=0.012)
        assert levels.at[level, "low_95"] < levels.at[level, "estimate"] < levels.at[level,
                                                                                      "high_95"]
    assert levels["province_sd"].iloc[0] == pytest.approx(0.03, rel=0.35)
    assert levels["plan_sd"].iloc[0] == pytest.approx(0.05, rel=0.1)
    diff = rows[(rows["quantity"] == "level difference")].set_index("group")
    assert diff.at["county − city", "estimate"] == pytest.approx(-0.02, abs=0.012)
    assert diff.at["county − city", "low_95"] <= -0.02 <= diff.at["county − city", "high_95"]
    assert diff.at["county − province", "verdict"] == ml.DIFFERS
    # Province truth at each province's own mix of levels.
    provinces = rows[rows["quantity"] == "province share"].set_index("group")
    mix = docs.assign(mean=docs["admin_level"].map(means)).groupby("province_en")["mean"].mean()
    truth = mix + pd.Series(effect, index=[f"P{p:02d}" for p in range(len(effect))])
    truth = truth.reindex(provinces.index)
    pooled = np.sqrt(((provinces["estimate"] - truth) ** 2).mean())
    unpooled = np.sqrt(((provinces["unpooled"] - truth) ** 2).mean())
    assert pooled < 0.95 * unpooled
    inside = (provinces["low_95"] <= truth) & (truth <= provinces["high_95"])
    assert inside.mean() >= 0.8


def test_small_corpus_rules():
    table, docs, _, _ = _synthetic(n_plans=40, n_provinces=4)
    rows = ml.multilevel_tables({"domain": table}, docs)
    assert (rows["status"] == ml.NOT_IDENTIFIED).all()
    # Enough provinces, but one level with too few plans: its rows are described only.
    table, docs, _, _ = _synthetic(n_plans=60, n_provinces=8)
    docs.loc[docs["admin_level"] == "province", "admin_level"] = "city"
    docs.loc[docs.index[:3], "admin_level"] = "province"
    rows = ml.multilevel_tables({"domain": table}, docs)
    small = rows[rows["group"].str.contains("province") & (rows["quantity"] != "province share")]
    assert len(small) and (small["status"] == ml.SMALL_LEVEL).all()
    assert small["low_95"].isna().all()
    assert (rows.loc[rows["quantity"] == "province share", "status"] == ml.ESTIMATED).all()


def test_failing_fits_are_reported_not_raised(monkeypatch):
    table, docs, _, _ = _synthetic(n_plans=60, n_provinces=8)
    flat = table.assign(share=0.0)                     # no variation at all: sigma^2 = 0
    rows = ml.multilevel_tables({"domain": flat}, docs)
    assert (rows["status"] == ml.FIT_FAILED).all()
    assert rows["fit_note"].str.len().gt(0).all()
    validate(rows, ml.MULTILEVEL_SHARES)

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(ml, "reml_fit", broken)
    rows = ml.multilevel_tables({"domain": table}, docs)
    assert (rows["status"] == ml.FIT_FAILED).all()
    assert rows["fit_note"].str.contains("Singular matrix").all()
    # Plans without level or province, an empty scheme: still no exception.
    odd = docs.assign(admin_level="", province_en=None)
    assert (ml.multilevel_tables({"domain": table, "instrument": table.iloc[:0]}, odd)["status"]
            == ml.NOT_IDENTIFIED).all()


def test_simulation_table_layout_and_determinism():
    options = dict(seed=1, replications={5: 2, 50: 2}, logit_replications={}, n_draws=100,
                   confounded_replications={50: 2})
    first = sp.simulation_table(**options)
    second = sp.simulation_table(**options)
    assert list(first.columns) == list(SIMULATION_COLUMNS)
    pd.testing.assert_frame_equal(first, second)
    at5 = first[first["n_plans"] == 5]
    assert at5["coverage"].isna().all()
    assert at5.loc[at5["metric"] == "share of rows given an interval", "value"].eq(0).all()
    at50 = first[(first["n_plans"] == 50) & first["nominal"].notna()]
    assert set(at50["quantity"]) >= {"domain share", "group difference", "province share"}
    confounded = at50[at50["estimator"].str.endswith(sp.CONFOUNDED)]
    assert set(confounded["estimator"]) == {sp.POOLED["identity"] + sp.CONFOUNDED,
                                            sp.WELCH + sp.CONFOUNDED}
    assert "province share" not in set(confounded["quantity"])


def _spread(n_plans=50, sds=(0.15, 0.05, 0.05), seed=0):
    """One corpus whose provincial plans spread three times as much as the others."""
    rng = np.random.default_rng(seed)
    levels = np.array(["province", "city", "county"])
    level = rng.choice(3, n_plans, p=[0.2, 0.4, 0.4])
    province = rng.integers(0, 10, n_plans)
    effect = rng.normal(0, 0.05, 10)
    share = np.array([0.3, 0.2, 0.2])[level] + effect[province] + rng.normal(0, 1, n_plans) * \
        np.asarray(sds)[level]
    return pd.DataFrame({"doc_id": [f"d{i:03d}" for i in range(n_plans)], "share": share,
                         "n": 40.0, "level": levels[level],
                         "province": [f"P{p}" for p in province]}), effect


def test_a_level_that_spreads_more_gets_its_own_variance_and_province_rows_do_not_change():
    frame, _ = _spread()
    fit = ml.fit_code(frame, residual="inflate")
    assert list(fit.levels) == ["province", "city", "county"]
    assert fit.own.tolist() == [True, False, False]
    inflated = ml.code_rows(frame, "domain", "mines", seed=1, residual="inflate")
    common = ml.code_rows(frame, "domain", "mines", seed=1, residual="common")
    width = {name: (t["high_95"] - t["low_95"]).to_numpy()
             for name, t in (("inflate", inflated), ("common", common))}
    level_rows = (inflated["quantity"] == "level share").to_numpy()
    province_row = level_rows & (inflated["group"] == "province").to_numpy()
    assert width["inflate"][province_row][0] > 1.3 * width["common"][province_row][0]
    provinces = (inflated["quantity"] == "province share").to_numpy()
    pd.testing.assert_frame_equal(inflated[provinces], common[provinces])
    # Rows of the levels that keep the common variance are the common fit's, note aside.
    others = ((inflated["group"].isin(["city", "county", "county − city"]))).to_numpy()
    pd.testing.assert_frame_equal(inflated[others].drop(columns="fit_note"),
                                  common[others].drop(columns="fit_note"))
    assert inflated.loc[province_row, "fit_note"].iloc[0].endswith(
        "own residual variance for province")
    # Equal spreads: the F test inflates a level only as often as its 5% level allows
    # (three levels, so about one corpus in seven), not whenever one level's variance happens
    # to exceed the mean of the three.
    inflated = [ml.fit_code(_spread(sds=(0.05, 0.05, 0.05), seed=k)[0],
                            residual="inflate").own is not None for k in range(60)]
    assert np.mean(inflated) <= 0.25


def test_a_level_too_small_to_report_never_gets_its_own_variance():
    frame, _ = _spread(n_plans=50, sds=(0.3, 0.02, 0.02), seed=0)
    small = frame[frame["level"] != "province"].copy()
    small = pd.concat([small, frame[frame["level"] == "province"].head(2)], ignore_index=True)
    fit = ml.fit_code(small, residual="inflate")
    assert fit.own is None
    pd.testing.assert_frame_equal(ml.code_rows(small, "domain", "mines", residual="inflate"),
                                  ml.code_rows(small, "domain", "mines", residual="common"))


def test_inflated_level_intervals_cover_under_the_model():
    # Known truth, heteroscedastic levels: the provincial level's 95% interval covers near
    # nominal with its own variance and well below it with the common one.
    hits = {"inflate": [], "common": []}
    for r in range(60):
        frame, _ = _spread(n_plans=80, seed=100 + r)
        for mode, found in hits.items():
            rows = ml.code_rows(frame, "domain", "mines", seed=r, n_draws=400, residual=mode)
            row = rows[(rows["quantity"] == "level share") & (rows["group"] == "province")
                       & (rows["status"] == ml.ESTIMATED)]
            if len(row):
                found.append(bool(row["low_95"].iloc[0] <= 0.3 <= row["high_95"].iloc[0]))
    assert len(hits["inflate"]) >= 50
    assert np.mean(hits["inflate"]) >= 0.88
    assert np.mean(hits["common"]) < np.mean(hits["inflate"]) - 0.05


def test_levels_keeping_the_common_variance_share_one_draw_of_it():
    from analysis.text.multilevel_variance import variance_factors

    rng = np.random.default_rng(0)
    factors = variance_factors(np.array([7.0, 40.0, 40.0]), np.array([True, False, False]),
                               4000, rng)
    assert factors.shape == (4000, 3)
    np.testing.assert_array_equal(factors[:, 1], factors[:, 2])      # one common draw
    assert not np.allclose(factors[:, 0], factors[:, 1])
    # df / chi2(df) has mean df / (df - 2): heavier for the level with few degrees of freedom
    assert factors[:, 0].mean() == pytest.approx(7 / 5, rel=0.1)
    assert factors[:, 1].mean() == pytest.approx(40 / 38, rel=0.03)
    # with no own variances every level shares the draw
    shared = variance_factors(np.array([40.0, 40.0]), np.array([False, False]), 10, rng)
    np.testing.assert_array_equal(shared[:, 0], shared[:, 1])


def test_level_draws_use_the_shared_variance_factors(monkeypatch):
    """The interval draws of an inflated fit take their variance factors from
    ``variance_factors`` (so the levels keeping the common variance share one draw)."""
    from analysis.text import multilevel_variance as mv

    frame, _ = _spread()
    fit = ml.fit_code(frame, residual="inflate")
    assert fit.own.tolist() == [True, False, False]
    calls = []
    real = mv.variance_factors

    def spy(level_df, own, n_draws, rng):
        factors = real(level_df, own, n_draws, rng)
        calls.append((np.asarray(own).tolist(), factors))
        return factors

    monkeypatch.setattr(mv, "variance_factors", spy)
    grid = np.full(50, 0.5)
    draws = mv.level_draws(fit, grid, np.ones(50), np.random.default_rng(0))
    assert draws.shape == (50, len(fit.levels) + len(fit.provinces))
    assert calls and calls[0][0] == [True, False, False]
    np.testing.assert_array_equal(calls[0][1][:, 1], calls[0][1][:, 2])
