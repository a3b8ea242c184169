"""Keyness checked by resampling: planted terms on synthetic corpora with known truth."""
import numpy as np
import pandas as pd
import pytest

from analysis.text import keyness
from analysis.text import keyness_resampling as kr

FILLER = [f"填充{chr(0x4e00 + k)}" for k in range(60)]


def _corpus(n_plans_per_group: int, clauses_per_plan: int, plant, seed: int = 1):
    """Clauses of filler words in groups A and B; ``plant(group, plan, clause)`` returns
    extra tokens for a clause. Returns tokens, units (group), plans."""
    rng = np.random.default_rng(seed)
    tokens, units, plans = [], [], []
    for group in ("A", "B"):
        for p in range(n_plans_per_group):
            for c in range(clauses_per_plan):
                words = list(rng.choice(FILLER, size=rng.integers(8, 16)))
                words += plant(group, p, c)
                tokens.append(" ".join(words))
                units.append(group)
                plans.append(f"{group}{p}")
    return pd.Series(tokens), np.array(units), np.array(plans)


def _check(tokens, units, plans, pairs, **kwargs):
    counts, terms = keyness.clause_counts(tokens)
    table = kr.resample_terms(counts, terms, units, plans, pd.DataFrame(pairs), **kwargs)
    return kr.adjust_and_flag(table, ["unit"]).set_index("term")


def test_spread_term_flagged_clustered_term_not():
    # Both planted terms occur 15 times in group A and never in B, so their token z-scores
    # are equal; one is spread over 15 clauses, the other sits in a single clause.
    def plant(group, plan, clause):
        extra = []
        if group == "A" and clause < 5:             # 3 plans × 5 clauses = 15 clauses
            extra.append("分散词")
        if group == "A" and plan == 0 and clause == 0:
            extra += ["集中词"] * 15
        return extra

    tokens, units, plans = _corpus(3, 20, plant)
    table = _check(tokens, units, plans, {"unit": ["A", "A"], "term": ["分散词", "集中词"]},
                   n_boot=499, n_perm=499)
    assert table.at["分散词", "clauses_unit"] == 15
    assert table.at["集中词", "clauses_unit"] == 1
    assert table.at["集中词", "top_clause_share"] == 1.0
    assert table.at["分散词", "flag"] == "across clauses"
    assert table.at["集中词", "flag"] == "few clauses"
    assert table.at["集中词", "p_clause"] > 0.05      # lands in A with about even odds
    assert table.at["集中词", "log_ratio_low"] <= 0   # dropped from about a third of replicates
    assert table.at["分散词", "log_ratio_low"] > 0
    # Three plans per group allow only C(6, 3) = 20 splits: no plan-level test.
    assert table["p_plan"].isna().all()


def test_plan_permutation_separates_one_plan_from_many():
    # With 12 plans per group the plan permutation runs. "每份词" is in every plan of A;
    # "一份词" in many clauses of one plan of A only: spread over clauses, not over plans.
    def plant(group, plan, clause):
        extra = []
        if group == "A" and clause < 3:
            extra.append("每份词")
        if group == "A" and plan == 0 and clause < 10:
            extra.append("一份词")
        return extra

    tokens, units, plans = _corpus(12, 12, plant, seed=2)
    table = _check(tokens, units, plans, {"unit": ["A", "A"], "term": ["每份词", "一份词"]},
                   n_boot=299, n_perm=299)
    assert table.at["每份词", "p_plan"] < 0.01
    assert table.at["一份词", "p_plan"] > 0.2          # only when plan A0 falls in A
    assert table.at["每份词", "flag"] == "across plans"
    assert table.at["一份词", "flag"] == "across clauses"


def test_log_ratio_is_zero_at_equal_rates_and_runs_are_deterministic():
    def plant(group, plan, clause):
        return ["均匀词"] if clause % 2 == 0 else []

    tokens, units, plans = _corpus(3, 10, plant, seed=3)
    counts, terms = keyness.clause_counts(tokens)
    pairs = pd.DataFrame({"unit": ["A", "B"], "term": ["均匀词", "均匀词"]})
    first = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=99, n_perm=99)
    again = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=99, n_perm=99)
    pd.testing.assert_frame_equal(first, again)
    # Same count in each group; rates differ only by the groups' token totals.
    a = units == "A"
    n_a, n_b = counts[a].sum(), counts[~a].sum()
    expected = np.log(15 / n_a + 0.1 * 30 / (n_a + n_b)) - np.log(15 / n_b + 0.1 * 30 / (n_a + n_b))
    assert first.at[0, "log_ratio"] == pytest.approx(expected)
    assert first.at[0, "log_ratio_low"] < 0 < first.at[0, "log_ratio_high"]
    assert first.at[0, "log_ratio"] == pytest.approx(-first.at[1, "log_ratio"])


def test_flags_need_adjusted_values():
    table = pd.DataFrame({"unit": ["u"] * 3, "p_boot": [0.001, 0.001, 0.2],
                          "p_clause": [0.001, 0.3, 0.001], "p_plan": [np.nan] * 3})
    flagged = kr.adjust_and_flag(table, ["unit"])
    assert flagged["flag"].tolist() == ["across clauses", "few clauses", "few clauses"]
    assert flagged["q_plan"].isna().all()


def test_simulation_table_layout_and_clustered_nulls():
    from analysis.text.keyness_simulation import SIM_COLUMNS, simulation_table

    table = simulation_table(seed=1, sizes=((6, 30, 12),), n_rep=99)
    assert list(table.columns) == SIM_COLUMNS
    flags = table[table["quantity"] == "keyness"]
    assert flags["nominal"].isna().all() and flags["metric"].notna().all()
    rate = flags.set_index(["estimator", "metric"])["value"]
    clustered = "false flag rate (clustered null terms)"
    # Bursts of a term in a few clauses fool the token z, not the clause checks.
    assert rate[("token z > 1.96", clustered)] > 0.05
    assert rate[("clause resampling flag", clustered)] < rate[("token z > 1.96", clustered)]
    assert rate[("clause resampling flag", "power (true terms)")] > 0.5
    assert np.isnan(rate[("plan permutation flag", clustered)])      # 6 plans: not run
    # p_boot tests θ ≤ 0 for these plans; clustered nulls have θ < 0 (longer clauses in A).
    assert rate[("bootstrap p_boot < 0.05", clustered)] <= 0.1
    assert rate[("bootstrap p_boot < 0.05", "power (true terms)")] > 0.5
    # Coverage rows: both levels for each kind of term and for the kept terms.
    cover = table[table["nominal"].notna()]
    assert (cover["estimator"] == "clause bootstrap percentile").all()
    assert set(cover["nominal"]) == {0.8, 0.95} and len(cover) == 8
    assert cover["coverage"].between(0, 1).all() and (cover["coverage_mc_se"] > 0).all()
    by = cover.set_index(["quantity", "nominal"])["coverage"]
    for quantity in cover["quantity"].unique():
        assert by[(quantity, 0.95)] >= by[(quantity, 0.8)]
    # Terms spread over many clauses are covered near the nominal rate.
    assert by[("keyness log ratio, these plans (true terms)", 0.95)] > 0.8
    pd.testing.assert_frame_equal(table, simulation_table(seed=1, sizes=((6, 30, 12),),
                                                          n_rep=99))


def test_conditional_log_ratio_by_hand():
    from analysis.text.keyness_simulation import BACKGROUND_MEAN, conditional_log_ratio

    rates = np.array([[0.2, 0.0], [0.4, 0.1], [0.1, 0.3]])     # 3 plans × 2 terms
    in_unit = np.array([True, False, False])
    tokens = BACKGROUND_MEAN + rates.sum(axis=1)
    theta = conditional_log_ratio(rates, in_unit)
    for k in range(2):
        s = 0.1 * rates[:, k].sum() / tokens.sum()
        expected = (np.log(rates[0, k] / tokens[0] + s)
                    - np.log(rates[1:, k].sum() / tokens[1:].sum() + s))
        assert theta[k] == pytest.approx(expected)
    # Equal expected rates per token give 0.
    flat = np.full((4, 1), 0.3)
    assert conditional_log_ratio(flat, np.array([True, True, False, False]))[0] == \
        pytest.approx(0.0)


def test_interval_levels_share_the_bootstrap_replicates():
    """The simulation's 80% interval comes from a run without permutations: with the same
    seed its bootstrap replicates, hence its 95% interval, are those of the full run."""
    def plant(group, plan, clause):
        return ["词甲"] * (2 if group == "A" and clause % 3 == 0 else clause % 2)

    tokens, units, plans = _corpus(3, 12, plant, seed=4)
    counts, terms = keyness.clause_counts(tokens)
    pairs = pd.DataFrame({"unit": ["A"], "term": ["词甲"]})
    full = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=99, n_perm=99)
    boot_only = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=99, n_perm=0,
                                  plan_test=False)
    narrow = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=99, n_perm=0,
                               plan_test=False, level=0.8)
    cols = ["log_ratio", "log_ratio_low", "log_ratio_high", "p_boot"]
    pd.testing.assert_frame_equal(full[cols], boot_only[cols])
    assert full.at[0, "log_ratio_low"] < narrow.at[0, "log_ratio_low"] \
        <= narrow.at[0, "log_ratio_high"] < full.at[0, "log_ratio_high"]


def test_resampled_vocabulary_keeps_rows_and_sets_jurisdictions_apart():
    prepared = pd.DataFrame({
        "doc_id": ["a", "a", "a", "b", "b", "b"],
        "clause_id": ["a/1", "a/2", "a/3", "b/1", "b/2", "b/3"],
        "content": ["永嘉县全县开展森林防火检查。", "全县加强矿山安全监管。", "永嘉推进森林防火宣传。",
                    "海门区全区加强防汛抗旱工作。", "全区推进应急救援队伍建设。", "海门加强防汛演练。"]})
    documents = pd.DataFrame({"doc_id": ["a", "b"], "admin_level": ["county", "county"],
                              "jurisdiction_zh": ["永嘉县", "海门区"],
                              "issue_date": ["2021-03-02", "2023-02-28"],
                              "year_start": [2021, 2023]})
    reuse = pd.DataFrame(columns=["doc_a", "doc_b", "clause_a", "spans_a"])
    from analysis.text.keyness import vocabulary_tables

    base = vocabulary_tables(prepared, reuse, documents)
    table = kr.resampled_vocabulary(prepared, reuse, documents, n_boot=99, n_perm=99)
    pd.testing.assert_frame_equal(table[base.columns], base)
    # Exactly the documented columns: the bootstrap interval is not written.
    assert sorted(table.columns) == sorted(list(base.columns)
                                           + [c.name for c in kr.RESAMPLING_COLUMNS])
    assert "log_ratio_low" not in table and "log_ratio_high" not in table
    assert set(table["flag"]) <= set(kr.FLAGS)
    ranked = table[table["variant"] != "place names"]
    assert not ranked["term"].isin(["永嘉", "海门", "全县", "全区", "永嘉县"]).any()
    assert {"永嘉", "全县"} <= set(table.loc[table["variant"] == "place names", "term"])
    # Units are single plans (document) or one level holding both plans: no plan test.
    assert table["p_plan"].isna().all()


def test_a_level_holding_every_plan_is_not_compared_with_an_empty_rest():
    """A corpus of county plans only: the admin-level unit is the whole corpus, so there is
    no rest to compare it with. It used to give NaN log ratios that stopped the build at the
    schema check (found on a six-plan synthetic corpus)."""
    from analysis.text.keyness import count_matrix, distinctive_terms

    prepared = pd.DataFrame({
        "doc_id": ["a", "a", "b", "b"], "clause_id": ["a/1", "a/2", "b/1", "b/2"],
        "content": ["加强森林防火检查。", "加强矿山安全监管。", "推进防汛抗旱工作。", "推进救援队伍建设。"]})
    documents = pd.DataFrame({"doc_id": ["a", "b"], "admin_level": ["county", "county"],
                              "jurisdiction_zh": ["甲县", "乙县"],
                              "issue_date": ["2021-03-02", "2023-02-28"],
                              "year_start": [2021, 2023]})
    reuse = pd.DataFrame(columns=["doc_a", "doc_b", "clause_a", "spans_a"])
    table = kr.resampled_vocabulary(prepared, reuse, documents, n_boot=49, n_perm=49)
    assert set(table["unit_type"]) == {"document"}
    assert table["log_ratio"].notna().all()
    # numeric columns stay numeric (an untyped empty part made them object: unrounded floats)
    assert all(pd.api.types.is_numeric_dtype(table[c]) for c in ("z", "log_odds", "count_unit"))
    # one plan: nothing to compare, an empty table with every column, no crash
    one_plan = prepared[prepared["doc_id"] == "a"]
    empty = kr.resampled_vocabulary(one_plan, reuse, documents[documents["doc_id"] == "a"],
                                    n_boot=49, n_perm=49)
    assert empty.empty and {"log_ratio", "p_plan", "q_boot", "flag"} <= set(empty.columns)
    from analysis.text.keyness import prior_sensitivity
    assert list(prior_sensitivity(count_matrix(one_plan["content"], one_plan["doc_id"])).columns) \
        == ["unit", "comparison", "top_overlap"]
    one = count_matrix(pd.Series(["森林 防火", "矿山 森林"]), pd.Series(["x", "x"]))
    assert distinctive_terms(one).empty


def test_within_strata_order_is_lexsort():
    from analysis.text.keyness_resampling import _strata, _strata_members, _within_strata_order

    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 500):
        lengths = rng.integers(1, 30, size=n)
        stratum = _strata(lengths)
        grouped = np.argsort(stratum, kind="stable")
        members = _strata_members(stratum, grouped)
        # Each stratum's rows, in row order, stratum by stratum.
        expected = [np.flatnonzero(stratum == s) for s in np.unique(stratum)]
        assert len(members) == len(expected)
        for got, want in zip(members, expected):
            np.testing.assert_array_equal(got, want)
        keys = rng.random(n)
        keys[: n // 3] = 0.5  # ties are broken by row, as lexsort breaks them
        np.testing.assert_array_equal(_within_strata_order(keys, members),
                                      np.lexsort((keys, stratum)))


def test_dense_and_sorted_key_lookups_agree(monkeypatch):
    from scipy import sparse

    from analysis.text import keyness_resampling as kr

    rng = np.random.default_rng(5)
    counts = sparse.csr_matrix(rng.poisson(0.4, size=(120, 30)).astype(float))
    terms = np.array([f"t{i:02d}" for i in range(30)])
    plans = np.repeat([f"p{i}" for i in range(12)], 10)
    units = plans.copy()
    pairs = pd.DataFrame({"unit": ["p0", "p3", "p3", "p7", "p11"],
                          "term": ["t01", "t05", "t29", "t00", "t17"]})
    dense = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=50, n_perm=50)
    monkeypatch.setattr(kr, "DENSE_KEYS", 0)
    searched = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=50, n_perm=50)
    pd.testing.assert_frame_equal(dense, searched)
    assert dense["p_clause"].notna().all()
    # A membership filter of one slot per pair lets most other entries through (and maps
    # pairs onto each other's slots): the exact look-up after it must still reject them.
    monkeypatch.setattr(kr, "FILTER_SLOTS", 1)
    monkeypatch.setattr(kr, "FILTER_MIN_BITS", 0)
    crowded = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=50, n_perm=50)
    pd.testing.assert_frame_equal(dense, crowded)


def test_the_membership_filter_spreads_keys_laid_out_as_unit_times_terms_plus_term():
    """Pair keys are unit × n_terms + term: runs of neighbouring numbers, where a poor hash
    (a plain modulus of a multiple of n_terms, say) would put many on one slot. The share
    of other keys let through must stay near the share of slots taken."""
    from analysis.text.keyness_resampling import _key_hash

    rng = np.random.default_rng(3)
    n_units, n_terms, per_unit = 2_000, 40_000, 40
    units = np.repeat(np.arange(n_units), per_unit)
    keys = np.unique(units * n_terms + rng.integers(0, 400, size=units.size) * 7)
    others = np.setdiff1d(np.arange(0, n_units * n_terms, 97), keys)
    bits = int(np.ceil(np.log2(16 * len(keys))))
    maybe = np.zeros(1 << bits, dtype=bool)
    maybe[_key_hash(keys, np.uint64(64 - bits))] = True
    taken = maybe.mean()
    assert taken > 0.03                         # the keys did not collapse onto few slots
    assert maybe[_key_hash(others, np.uint64(64 - bits))].mean() < 1.5 * taken


def test_bootstrap_p_values_count_replicates_at_or_below_zero_with_or_without_intervals():
    """Three terms whose bootstrap sign is known: one used only in the unit (every replicate
    above 0), one only in the rest (every replicate below 0), and one used once in every
    clause of equal-length clauses (every replicate exactly 0, which counts as "at or
    below")."""
    from scipy import sparse

    n_boot = 49
    plans = np.repeat([f"p{i}" for i in range(6)], 4)
    units = plans.copy()
    counts = np.zeros((24, 4))
    counts[:, 3] = 5                        # filler: every clause 6 tokens long
    counts[plans == "p0", 0] = 1            # only in the unit: every clause of p0
    counts[plans == "p0", 3] -= 1
    counts[plans != "p0", 1] = 1            # only in the rest
    counts[plans != "p0", 3] -= 1
    counts[:, 2] = 1                        # everywhere, equally
    counts[:, 3] -= 1
    terms = np.array(["only_unit", "only_rest", "even", "filler"])
    pairs = pd.DataFrame({"unit": ["p0", "p0", "p0"], "term": ["only_unit", "only_rest", "even"]})
    for intervals in (True, False):
        table = kr.resample_terms(sparse.csr_matrix(counts), terms, units, plans, pairs,
                                  n_boot=n_boot, n_perm=19, intervals=intervals)
        np.testing.assert_allclose(table["p_boot"], [1 / (1 + n_boot), 1.0, 1.0])
        assert table["log_ratio"].iloc[2] == 0.0
        assert table[["log_ratio_low", "log_ratio_high"]].notna().all().all() == intervals


def test_without_intervals_the_checks_are_the_same():
    from scipy import sparse

    rng = np.random.default_rng(11)
    counts = sparse.csr_matrix(rng.poisson(0.5, size=(150, 25)).astype(float))
    terms = np.array([f"t{i:02d}" for i in range(25)])
    plans = np.repeat([f"p{i:02d}" for i in range(15)], 10)
    units = np.where(np.isin(plans, ["p00", "p01", "p02", "p03", "p04"]), "g1", "g2")
    pairs = pd.DataFrame({"unit": ["g1", "g1", "g2", "g2"],
                          "term": ["t00", "t07", "t03", "t24"]})
    full = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=99, n_perm=99)
    lean = kr.resample_terms(counts, terms, units, plans, pairs, n_boot=99, n_perm=99,
                             intervals=False)
    assert lean[["log_ratio_low", "log_ratio_high"]].isna().all().all()
    pd.testing.assert_frame_equal(lean.drop(columns=["log_ratio_low", "log_ratio_high"]),
                                  full.drop(columns=["log_ratio_low", "log_ratio_high"]))


def test_the_fast_argsort_is_the_stable_one():
    from analysis.text.keyness_resampling import _stable_argsort

    rng = np.random.default_rng(8)
    for n in (0, 1, 2, 50, 5000):
        keys = rng.random(n)
        np.testing.assert_array_equal(_stable_argsort(keys), np.argsort(keys, kind="stable"))
        tied = np.round(keys, 1)  # many ties: the stable order by position must hold
        np.testing.assert_array_equal(_stable_argsort(tied), np.argsort(tied, kind="stable"))
        if n > 1:
            keys[:: 3] = np.nan   # NaN never equals NaN, yet must keep its stable order
            np.testing.assert_array_equal(_stable_argsort(keys),
                                          np.argsort(keys, kind="stable"))


def test_parts_on_two_workers_give_the_one_process_table(monkeypatch, tmp_path):
    """The (variant, unit type) parts of the checks, of the vocabulary tables and the prior
    scales run on the stage's workers: the tables are those of one process."""
    from analysis.core.parallel import STAGE_JOBS_ENV
    from analysis.text import keyness

    from conftest import ROOT

    from analysis.text import reuse
    from analysis.text.regional import load_inputs

    _, documents, prepared = load_inputs(ROOT / "data" / "processed")
    found = reuse.find_reuse(prepared)
    serial = kr.resampled_vocabulary(prepared, found, documents, n_boot=30, n_perm=30)
    counts = keyness.count_matrix(keyness.tokenise_clauses(prepared)["tokens"],
                                  prepared["doc_id"], sparse=True)
    sensitivity = keyness.prior_sensitivity(counts)
    monkeypatch.setenv(STAGE_JOBS_ENV, "2")
    parallel = kr.resampled_vocabulary(prepared, found, documents, n_boot=30, n_perm=30)
    pd.testing.assert_frame_equal(serial, parallel)
    pd.testing.assert_frame_equal(sensitivity, keyness.prior_sensitivity(counts))


def test_q_values_of_all_groups_at_once_are_scipys_group_by_group():
    """``adjust_and_flag`` adjusts every (variant, unit type, unit) family in one pass: the
    q-values equal scipy's ``false_discovery_control`` run on each family's non-missing
    p-values, bit for bit, with ties, NaN, p = 1 and families of one."""
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(0, 50))
        pool = [0.001, 0.01, 0.5, 1.0, float(rng.random()), np.nan]
        p = (rng.choice(pool, size=n) if trial % 2 else np.round(rng.random(n), 2)).astype(float)
        family = rng.integers(0, int(rng.integers(1, 6)), n)
        expected = np.full(n, np.nan)
        for f in np.unique(family):
            rows = np.flatnonzero((family == f) & ~np.isnan(p))
            if len(rows):
                expected[rows] = false_discovery_control(p[rows])
        table = pd.DataFrame({"unit": family.astype(str), "p_boot": p, "p_clause": p,
                              "p_plan": np.full(n, np.nan)})
        got = kr.adjust_and_flag(table, ["unit"])
        np.testing.assert_array_equal(got["q_boot"].to_numpy(), expected)
        np.testing.assert_array_equal(got["q_clause"].to_numpy(), expected)
        assert got["q_plan"].isna().all()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        kr.adjust_and_flag(pd.DataFrame({"unit": ["a"], "p_boot": [1.5], "p_clause": [0.5],
                                         "p_plan": [np.nan]}), ["unit"])
