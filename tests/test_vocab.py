"""Weighted log-odds with an informative Dirichlet prior, keyness, and reuse counted once."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis.text.keyness import (copy_direction, distinctive_terms, keyness, log_odds_dirichlet,
                            texts_with_reuse_once)


def test_log_odds_against_a_hand_computed_example():
    """Two groups, three words; the prior adds each word's corpus count (a0 = N = 8).

    ====  ===  ===  ==========
    word  y_i  y_j  a_w (prior)
    ====  ===  ===  ==========
    a     3    1    4
    b     1    1    2
    c     0    2    2
    ====  ===  ===  ==========

    n_i = n_j = 4, a0 = 8. Monroe et al. (2008), eqs. 16 and 22:

    word a: delta = log((3+4)/(4+8-3-4)) - log((1+4)/(4+8-1-4)) = log(7/5) - log(5/7)
            = 2 log 1.4 = 0.6729445;  var = 1/7 + 1/5 = 12/35 = 0.3428571;
            z = 0.6729445 / 0.5855400 = 1.1492715
    word b: delta = log(3/9) - log(3/9) = 0;  var = 1/3 + 1/3;  z = 0
    word c: delta = log((0+2)/(4+8-0-2)) - log((2+2)/(4+8-2-2)) = log(0.2) - log(0.5)
            = -0.9162907;  var = 1/2 + 1/4 = 0.75;  z = -0.9162907 / 0.8660254 = -1.0580414
    """
    delta, variance, z = log_odds_dirichlet([3, 1, 0], [1, 1, 2], [4, 2, 2])
    np.testing.assert_allclose(delta, [0.6729445, 0.0, -0.9162907], atol=1e-7)
    np.testing.assert_allclose(variance, [12 / 35, 2 / 3, 0.75], atol=1e-12)
    np.testing.assert_allclose(z, [1.1492715, 0.0, -1.0580414], atol=1e-7)
    assert math.isclose(delta[0], 2 * math.log(1.4))


def test_distinctive_terms_uses_the_corpus_as_prior():
    counts = pd.DataFrame([[3, 1, 0], [1, 1, 2]], index=["i", "j"], columns=["a", "b", "c"])
    table = distinctive_terms(counts, prior_scale=1.0).set_index(["unit", "term"])
    np.testing.assert_allclose(table.loc["i", "z"].to_numpy(), [1.1492715, 0.0, -1.0580414],
                               atol=1e-7)
    # With two units, j's statistics are i's with the sign flipped.
    np.testing.assert_allclose(table.loc["j", "z"].to_numpy(), -table.loc["i", "z"].to_numpy())
    assert table.loc[("i", "a"), "rank_z"] == 1 and table.loc[("i", "c"), "rank_z"] == 3


def test_keyness_matches_scipy():
    y_i = np.array([30, 5, 0, 12])
    y_j = np.array([10, 25, 8, 40])
    chi2, g2 = keyness(y_i, y_j)
    for k in range(len(y_i)):
        table = [[y_i[k], y_j[k]], [y_i.sum() - y_i[k], y_j.sum() - y_j[k]]]
        expected_chi2 = chi2_contingency(table, correction=True)[0]
        expected_g2 = chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
        assert abs(chi2[k]) == pytest.approx(expected_chi2, rel=1e-10)
        assert abs(g2[k]) == pytest.approx(expected_g2, rel=1e-10)
    assert chi2[0] > 0 and chi2[1] < 0  # signed: over- and under-use by the unit


def test_reused_passages_are_cut_from_the_copying_plan_only():
    documents = pd.DataFrame({
        "doc_id": ["prov", "city"], "admin_level": ["province", "city"],
        "issue_date": ["2023-02-28", "2023-03-30"], "year_start": [2023, 2023]})
    assert copy_direction(documents)[("city", "prov")] == "city"
    prepared = pd.DataFrame({"doc_id": ["prov", "city"], "clause_id": ["prov/1", "city/1"],
                             "content": ["加强尾矿库安全隐患整治。", "市里加强尾矿库安全隐患整治。"]})
    shared = "加强尾矿库安全隐患整治。"
    reuse = pd.DataFrame({
        "doc_a": ["city", "prov"], "clause_a": ["city/1", "prov/1"],
        "doc_b": ["prov", "city"], "clause_b": ["prov/1", "city/1"],
        "spans_a": [((2, 2 + len(shared)),), ((0, len(shared)),)]})
    texts = texts_with_reuse_once(prepared, reuse, documents)
    assert texts.tolist() == ["加强尾矿库安全隐患整治。", "市里"]


def test_a_unit_without_tokens_has_zero_keyness_not_missing_values():
    # found building 200 recombined plans: a unit whose text yields no token made 0/0 cells
    counts = pd.DataFrame([[3, 1, 0], [0, 0, 0], [1, 4, 2]], index=["a", "empty", "c"],
                          columns=["安全", "应急", "救援"])
    table = distinctive_terms(counts)
    assert table[["chi2", "g2", "z"]].notna().all().all()
    assert (table.loc[table["unit"] == "empty", "chi2"] == 0).all()


def test_place_names_are_ranked_apart_from_the_vocabulary():
    from analysis.text.keyness import place_terms, vocabulary_tables

    assert "丽水市" in place_terms() and "江西省" in place_terms()
    assert "矿区" not in place_terms()  # a district name that is an ordinary word
    prepared = pd.DataFrame({
        "doc_id": ["a", "a", "b", "b"], "clause_id": ["a/1", "a/2", "b/1", "b/2"],
        "content": ["丽水市加强矿区安全生产监管。", "丽水市开展森林防火检查。",
                    "江西省加强防汛抗旱工作。", "江西省推进应急救援队伍建设。"]})
    documents = pd.DataFrame({"doc_id": ["a", "b"], "admin_level": ["city", "province"],
                              "issue_date": ["2021-03-02", "2023-02-28"],
                              "year_start": [2021, 2023]})
    reuse = pd.DataFrame(columns=["doc_a", "doc_b", "clause_a", "spans_a"])
    table = vocabulary_tables(prepared, reuse, documents, top_n=40)
    ranked = table[table["variant"] != "place names"]
    places = table[table["variant"] == "place names"]
    assert not ranked["term"].isin(["丽水市", "江西省"]).any()
    assert set(places["term"]) >= {"丽水市", "江西省"} and (places["count_unit"] > 0).all()


def test_sparse_counts_give_the_dense_table_and_term_order_does_not_matter():
    """The build reads units x terms counts sparse (:class:`TermCounts`): it must give exactly
    the dense table, ties and all, and the ranks must not depend on the columns' order."""
    from analysis.text.keyness import count_matrix

    rng = np.random.default_rng(3)
    words = ["安全", "应急", "救援", "森林", "防火", "矿山", "监管", "演练", "预案", "隐患"]
    tokens = pd.Series([" ".join(rng.choice(words, size=rng.integers(0, 6)))
                        for _ in range(60)])
    units = pd.Series(rng.choice(["a", "b", "c", "d"], size=60))
    dense = count_matrix(tokens, units)
    sparse = count_matrix(tokens, units, sparse=True)
    assert list(sparse.columns) == list(dense.columns) == sorted(dense.columns)
    pd.testing.assert_frame_equal(sparse.to_frame(), dense)
    totals = dense.sum(axis=0)
    assert (totals < 20).any() and (totals >= 20).any()     # min_count 20 drops some terms
    for min_count in (1, 20):
        expected = distinctive_terms(dense, min_count=min_count)
        assert set(expected["term"]) == set(totals.index[totals >= min_count])
        pd.testing.assert_frame_equal(distinctive_terms(sparse, min_count=min_count), expected)
        # the same counts with the terms shuffled take the lexsort path: same ranks
        shuffled = dense[list(rng.permutation(dense.columns))]
        got = distinctive_terms(shuffled, min_count=min_count)
        key = ["unit", "term"]
        pd.testing.assert_frame_equal(
            got.sort_values(key).reset_index(drop=True),
            expected.sort_values(key).reset_index(drop=True))
        if min_count == 1:   # ties exist, so the tie-break by term is exercised
            assert expected.duplicated(["unit", "z"]).any()
    # column selection and dropping keep counts and terms together
    picked = sparse[["森林", "安全"]]
    assert list(picked.columns) == ["森林", "安全"]
    np.testing.assert_array_equal(picked.matrix.toarray(), dense[["森林", "安全"]].to_numpy())
    assert "森林" not in sparse.drop(columns=["森林"]).columns
    assert "森林" not in sparse.drop(columns="森林").columns        # a label, as DataFrame.drop
    with pytest.raises(KeyError):
        sparse[["森林", "不存在"]]                                  # unknown: an error, not -1
    with pytest.raises(KeyError):
        sparse.drop(columns=["不存在"])


def test_the_benchmark_counts_are_plans_of_fixed_length_and_reproducible():
    from analysis.text.keyness_bench import TOKENS_PER_PLAN, synthetic_counts

    first, again = synthetic_counts(30), synthetic_counts(30)
    np.testing.assert_array_equal(first.matrix.toarray(), again.matrix.toarray())
    assert (np.asarray(first.matrix.sum(axis=1)).ravel() == TOKENS_PER_PLAN).all()
    assert list(first.columns) == sorted(first.columns)       # the build's term order


def test_prior_sensitivity_compares_with_each_scale_s_own_table():
    from analysis.text.keyness import count_matrix, prior_sensitivity

    # Common words shared by all, and a few rare words of each unit's own: the prior's
    # strength decides between them.
    rng = np.random.default_rng(4)
    common = [f"常{k:02d}" for k in range(30)]
    weights = 1 / np.arange(1, 31)
    rows, units = [], []
    for u in range(8):
        own = [f"专{u}{k}" for k in range(6)]
        for _ in range(25):
            words = list(rng.choice(common, size=10, p=weights / weights.sum()))
            rows.append(" ".join(words + list(rng.choice(own, size=rng.integers(0, 3)))))
            units.append(f"u{u}")
    counts = count_matrix(pd.Series(rows), pd.Series(units), sparse=True)
    table = prior_sensitivity(counts, top=5).set_index(["unit", "comparison"])["top_overlap"]

    def tops(scale):
        ranked = distinctive_terms(counts, scale)
        best = ranked[ranked["rank_z"] <= 5]
        return {u: set(g) for u, g in best.groupby("unit")["term"]}

    reference = tops(0.1)
    for scale in (0.01, 0.1, 1.0):
        other = tops(scale)
        for unit in reference:
            assert table[(unit, f"z, prior scale {scale:g}")] == \
                len(reference[unit] & other[unit]) / 5
    # the prior matters here, so a table reused for every scale would show
    assert (table.xs("z, prior scale 1", level="comparison") < 1).any()
