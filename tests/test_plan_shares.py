"""Plan-level group shares and differences, the misclassification correction and the coverage
simulation (issue 13)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.core.io import read_csv
from analysis.core.schema import validate
from analysis.evaluation import simulate_shares as sim
from analysis.text import coding, misclassification as mis, plan_shares as ps
from analysis.text.regional import load_inputs

from conftest import ROOT

PROCESSED = ROOT / "data" / "processed"


def _toy():
    """Two plans: a has clauses of 10 (party_building), 30 (party_building and mines), 60
    (uncoded) characters; b has 50 (mines) and 50 (mines)."""
    prepared = pd.DataFrame({"doc_id": ["a", "a", "a", "b", "b"],
                             "clause_id": ["a/1", "a/2", "a/3", "b/1", "b/2"],
                             "n_chars": [10, 30, 60, 50, 50]})
    coded = pd.DataFrame({"doc_id": ["a", "a", "a", "b", "b"],
                          "clause_id": ["a/1", "a/2", "a/2", "b/1", "b/2"],
                          "domain": ["party_building", "party_building", "mines", "mines",
                                     "mines"]})
    return prepared, coded


def test_plan_shares_by_hand_and_equal_to_the_bootstrap_point_values():
    prepared, coded = _toy()
    table = ps.plan_shares(prepared, coded).set_index(["doc_id", "code"])
    # a: party_building 10 + 30/2 = 25 of 100; mines 15; uncoded 60; coverage of mines 30.
    assert table.at[("a", "party_building"), "share"] == pytest.approx(0.25)
    assert table.at[("a", "mines"), "share"] == pytest.approx(0.15)
    assert table.at[("a", coding.UNCODED), "share"] == pytest.approx(0.60)
    assert table.at[("a", "mines"), "coverage"] == pytest.approx(0.30)
    assert table.at[("b", "mines"), "share"] == pytest.approx(1.0)
    boot = coding.bootstrap_shares(prepared, coded, n_boot=5)
    for doc in ("a", "b"):
        assert table.loc[doc, "share"].to_numpy() == pytest.approx(boot[doc]["share"])
        assert table.loc[doc, "coverage"].to_numpy()[:-1] == pytest.approx(boot[doc]["coverage"])


def test_group_share_interval_is_the_fractional_logit_glm_with_small_sample_factor():
    y = np.array([0.05, 0.12, 0.02, 0.30, 0.08, 0.10])
    n = len(y)
    mean, low, high = ps.mean_interval(y[:, None], 0.95)
    glm = sm.GLM(y, np.ones((n, 1)), family=sm.families.Binomial()).fit(cov_type="HC0")
    assert 1 / (1 + np.exp(-glm.params[0])) == pytest.approx(mean[0])
    se = glm.bse[0] * np.sqrt(n / (n - 1))
    q = stats.t.ppf(0.975, n - 1)
    expected = 1 / (1 + np.exp(-(glm.params[0] + np.array([-q, q]) * se)))
    assert [low[0], high[0]] == pytest.approx(expected, rel=1e-6)
    assert low[0] < mean[0] < high[0] and low[0] > 0


def test_difference_interval_is_welch_by_hand():
    a, b = np.array([0.1, 0.2, 0.3, 0.25]), np.array([0.5, 0.6, 0.55])
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = stats.t.ppf(0.9, df) * np.sqrt(va + vb)
    diff, low, high = ps.difference_interval(a[:, None], b[:, None], 0.8)
    assert diff[0] == pytest.approx(a.mean() - b.mean())
    assert [low[0], high[0]] == pytest.approx([diff[0] - half, diff[0] + half])


def _corpus(n_per_group: int, gap: float, seed: int = 1):
    """Per-plan table of two levels whose mines share differs by ``gap``."""
    rng = np.random.default_rng(seed)
    labels = coding.codes("domain") + [coding.UNCODED]
    rows, docs = [], []
    for level, shift in (("city", gap), ("county", 0.0)):
        for i in range(n_per_group):
            # The other codes share 0.6 of the text alike in both levels; mines differs and
            # uncoded takes the rest, so only mines (and uncoded) truly differ.
            share = 0.6 * rng.dirichlet(np.full(len(labels), 20.0))
            share[labels.index("mines")] = 0.05 + shift + rng.normal(0, 0.01)
            share[-1] = 0
            share[-1] = 1 - share.sum()
            doc = f"{level}{i}"
            docs.append({"doc_id": doc, "admin_level": level, "province_en": "X"})
            rows += [{"doc_id": doc, "scheme": "domain", "code": c, "share": s,
                      "coverage": s} for c, s in zip(labels, share)]
    return pd.DataFrame(rows), pd.DataFrame(docs)


def test_small_groups_are_described_not_tested():
    table, docs = _corpus(3, 0.3)
    shares = ps.group_shares(table, docs, "admin_level")
    assert shares["status"].str.startswith("described only").all()
    assert shares[["low_95", "high_95", "low_80", "high_80"]].isna().all().all()
    diff = ps.group_differences(table, docs, "admin_level")
    assert (diff["verdict"] == ps.NOT_TESTED).all() and diff["ci_low"].isna().all()
    # Described all the same: the group means are there (county − city, lower level first).
    mines = table[table["code"] == "mines"].set_index("doc_id")["share"]
    expected = mines.filter(like="county").mean() - mines.filter(like="city").mean()
    assert diff.set_index("code").at["mines", "difference"] == pytest.approx(expected)
    assert expected < -0.15


def test_large_groups_find_a_real_difference_and_not_a_null_one():
    table, docs = _corpus(12, 0.1)
    diff = ps.group_differences(table, docs, "admin_level").set_index("code")
    assert diff.at["mines", "verdict"] == "robust"           # county − city = −0.1
    assert diff.at["mines", "ci_high"] < 0
    assert diff.at["mines", "ci80_low"] > diff.at["mines", "ci_low"]
    others = diff.drop(index="mines")
    assert (others["verdict"] != "robust").all()
    shares = ps.group_shares(table, docs, None)
    assert (shares["status"] == "estimated").all() and (shares["n_plans"] == 24).all()
    assert (shares["low_95"] <= shares["estimate"]).all()
    assert (shares["estimate"] <= shares["high_95"]).all()


def test_single_group_and_unknown_group():
    table, docs = _corpus(3, 0.0)
    docs["admin_level"] = "city"
    assert ps.group_differences(table, docs, "admin_level").empty
    docs.loc[0, "province_en"] = ""
    shares = ps.group_shares(table, docs, "province_en", min_plans=2)
    assert shares.groupby("group")["n_plans"].first().to_dict() == {"(unknown)": 1, "X": 5}
    assert shares.loc[shares["group"] == "(unknown)", "low_95"].isna().all()
    empty, _ = ps.shares_tables({"domain": table.iloc[:0]}, docs)
    assert empty.empty and list(empty.columns) == ps.GROUP_SHARES.column_names


def test_rogan_gladen_recovers_a_known_share():
    rng = np.random.default_rng(4)
    n, prevalence, se, sp = 200_000, 0.2, 0.8, 0.9
    truth = rng.random(n) < prevalence
    observed = np.where(truth, rng.random(n) < se, rng.random(n) > sp)
    naive = observed.mean()
    assert naive == pytest.approx(prevalence * se + (1 - prevalence) * (1 - sp), abs=0.005)
    sens, spec = mis.rates(truth[:, None], observed[:, None])
    assert sens[0] == pytest.approx(se, abs=0.01) and spec[0] == pytest.approx(sp, abs=0.01)
    corrected = mis.rogan_gladen(naive, sens, spec)
    assert corrected[0] == pytest.approx(prevalence, abs=0.01)
    assert abs(naive - prevalence) > 0.03                     # the correction matters
    assert np.isnan(mis.rogan_gladen(0.3, 0.5, 0.4))          # Se + Sp <= 1: undefined


def test_corrected_mean_interval_contains_truth_and_widens_with_validation_noise():
    rng = np.random.default_rng(5)
    values = np.clip(rng.normal(0.3, 0.05, (40, 1)), 0, 1)   # observed coverage of 40 plans
    sens, spec = np.array([0.8]), np.array([0.9])
    tight = (np.full((2000, 1), 0.8), np.full((2000, 1), 0.9))
    loose = (rng.beta(40, 10, (2000, 1)), rng.beta(90, 10, (2000, 1)))
    est, low, high = mis.correct_mean(values, sens, spec, *tight)
    _, low2, high2 = mis.correct_mean(values, sens, spec, *loose)
    assert est[0] == pytest.approx((values.mean() + 0.9 - 1) / 0.7)
    assert low[0] < est[0] < high[0]
    assert high2[0] - low2[0] > 1.5 * (high[0] - low[0])


def test_beta_rates_keep_uncertainty_where_the_bootstrap_has_none():
    gold = np.array([[True], [True], [False], [False], [False]] * 2)
    predicted = gold.copy()                                    # every positive found
    boot, _ = mis.bootstrap_rates(gold, predicted, n_boot=500)
    beta, _ = mis.beta_rates(gold, predicted, n_boot=500)
    assert np.nanstd(boot) == 0                                # sensitivity 1 in every replicate
    assert np.quantile(beta, 0.025) < 0.85


def test_validation_matrices_of_the_reliability_study():
    clauses = read_csv(PROCESSED / "clauses.csv")
    matrices = mis.validation_matrices(clauses=clauses)
    n = len(matrices["gold"])
    assert 100 <= n <= 150 and matrices["gold"].shape == (n, 16)
    assert (matrices["weights"] > 0).all()
    # a section shown with its seven inline points is not a unit the shares code
    assert "yichun-2023/2/5" not in set(matrices["clause_id"])
    assert "yichun-2023/2/5" in set(mis.validation_matrices()["clause_id"])
    table = mis.rates_table(matrices, n_boot=200)
    # The rules over-code: pooled over codes, more rule than gold positives.
    assert matrices["predicted"].sum() > matrices["gold"].sum()
    assert table["sensitivity"].between(0, 1).all()
    assert (table["specificity"] > 0.7).all()


def test_shares_tables_on_the_seeds_describe_and_test_nothing():
    _, documents, _ = load_inputs(PROCESSED)
    per_plan = {s: read_csv(PROCESSED / f"{s}_shares.csv") for s in coding.SCHEMES}
    clauses = read_csv(PROCESSED / "clauses.csv")
    shares, differences = ps.shares_tables(per_plan, documents,
                                           mis.validation_matrices(clauses=clauses))
    assert not shares["status"].eq("estimated").any()          # five plans: no interval
    assert (differences["verdict"] == ps.NOT_TESTED).all()
    overall = shares[(shares["comparison"] == ps.ALL_PLANS) & (shares["scheme"] == "domain")]
    mean = per_plan["domain"].groupby("code")["share"].mean()
    assert overall.set_index("code")["share"].to_dict() == pytest.approx(
        mean.drop(coding.UNCODED).to_dict())
    assert overall["coverage_corrected"].notna().sum() >= 12
    validate(shares, ps.GROUP_SHARES)
    validate(differences, ps.SHARE_DIFFERENCES)


def test_simulation_covers_at_50_plans_and_the_clause_bootstrap_does_not():
    lengths = [np.full(40, 80.0), np.linspace(20, 300, 60)]
    base = np.full(17, 1 / 17)
    table = sim.simulation_table(seed=3, inputs=(lengths, base), replications={50: 40},
                                 old_replications={50: 6}, mis_replications={50: 8})
    assert list(table.columns) == sim.COLUMNS
    cov = table[table["metric"] == ""].set_index(["quantity", "estimator", "nominal"])
    for quantity in ("domain share", "group difference"):
        new = cov.loc[(quantity, sim.NEW, 0.95), "coverage"]
        old = cov.loc[(quantity, sim.OLD, 0.95), "coverage"]
        assert 0.85 <= new <= 1.0, (quantity, new)
        assert old < new - 0.1, (quantity, old, new)
        assert cov.loc[(quantity, sim.NEW, 0.8), "coverage"] < new
    # Provinces are scored apart from levels, and the Bonferroni family is scored as a family.
    assert {"province share", "province difference"} <= set(table["quantity"])
    family = table[table["metric"].fillna("").str.startswith("family-wise coverage")]
    assert len(family) == 1 and family["value"].iloc[0] >= 0.8
    corrected = table[table["quantity"] == "coverage corrected for misclassification"]
    bias = corrected.groupby("estimator")["bias"].first().abs()
    assert bias["uncorrected"] > 2 * bias["Rogan-Gladen, validation rates by Beta draws"]
    again = sim.simulation_table(seed=3, inputs=(lengths, base), replications={50: 5},
                                 old_replications={}, mis_replications={})
    assert again.equals(sim.simulation_table(seed=3, inputs=(lengths, base),
                                             replications={50: 5}, old_replications={},
                                             mis_replications={}))


def test_cells_short_counts_only_shortfalls_beyond_monte_carlo_error():
    tally = sim._Tally()
    rng = np.random.default_rng(0)
    # 40 cells that truly cover 95% (their minimum is low by chance) and 2 that cover 75%.
    for run in range(150):
        hits = np.concatenate([rng.random(40) < 0.95, rng.random(2) < 0.75])
        keys = [f"cell {k:02d}" for k in range(42)]
        truth = np.zeros(42)
        low, high = np.where(hits, -1.0, 1.0), np.full(42, 2.0)
        tally.add(np.zeros(42), truth, {0.95: (low, high)}, np.ones(42, bool), keys=keys,
                  sizes=np.full(42, ps.MIN_PLANS))
    short, scored = tally.cells_short()
    assert scored == 42
    assert short == 2
    assert tally.worst_cell()[1] < 0.9
    assert tally.threshold[1] == 42 * 150
    rows = pd.DataFrame(tally.rows("domain share", "x", 50, 150, ""))
    metric = rows.set_index("metric")["value"]
    assert metric[[m for m in metric.index if m.startswith("cells below 90%")][0]] == 2
    band = [m for m in metric.index if m.startswith("95% coverage, groups of")]
    assert metric[band[0]] == pytest.approx(tally.threshold[0] / tally.threshold[1])
    # Groups above the band are not counted in it.
    tally.add(np.zeros(1), np.zeros(1), {0.95: (np.full(1, -1.0), np.ones(1))},
              np.ones(1, bool), sizes=np.array([ps.MIN_PLANS + sim.THRESHOLD_BAND]))
    assert tally.threshold[1] == 42 * 150
    tally.add(np.zeros(1), np.zeros(1), {0.95: (np.full(1, -1.0), np.ones(1))},
              np.ones(1, bool), sizes=np.array([ps.MIN_PLANS - 1]))
    assert tally.threshold[1] == 42 * 150


def test_cell_spread_sees_heterogeneous_cells_and_states_its_power():
    rng = np.random.default_rng(1)
    even, mixed = sim._Tally(), sim._Tally()
    for run in range(100):
        for tally, rates in ((even, np.full(30, 0.95)), (mixed, np.r_[np.full(20, 0.99),
                                                                       np.full(10, 0.87)])):
            hits = rng.random(30) < rates
            tally.add(np.zeros(30), np.zeros(30),
                      {0.95: (np.where(hits, -1.0, 1.0), np.full(30, 2.0))}, np.ones(30, bool),
                      keys=[f"c{k:02d}" for k in range(30)])
    calm, spread = even.cell_spread(), mixed.cell_spread()
    tenth = "10th percentile of cell coverage"
    assert calm[tenth] > 0.91 and spread[tenth] < 0.9
    power = [k for k in calm if k.startswith("coverage a cell of 100 runs")][0]
    assert 0.7 < calm[power] < 0.9          # with 100 runs only cells far below 90% are flagged
    assert mixed.cells_short()[0] == 0       # the shortfall of 0.87 is invisible cell by cell
