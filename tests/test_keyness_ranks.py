"""The kept rows of distinctive_terms computed from each unit's non-zero counts
(:mod:`analysis.text.keyness_ranks`) equal those of the full per-unit ranking, on the seeds'
real counts and on random counts full of ties (equal totals, equal counts, units without a
token, a unit that is the whole corpus, terms named that the unit does not use or that do not
exist)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from analysis.text import keyness
from analysis.text.keyness import TermCounts, distinctive_terms
from analysis.text.keyness_ranks import Selection

from conftest import ROOT


def _same_as_full(counts: TermCounts, select: Selection, dense_too: bool = True,
                  **kwargs) -> pd.DataFrame:
    """The selected path's table, checked against the full ranking on the sparse counts and
    (``dense_too``) on the dense table."""
    with warnings.catch_warnings():
        # degenerate random corpora (a unit with every token of a term) give log(0) in both
        warnings.simplefilter("ignore", RuntimeWarning)
        got = distinctive_terms(counts, select=select, **kwargs)
        full = distinctive_terms(counts, keep=select.mask, **kwargs)
        dense = distinctive_terms(counts.to_frame(), keep=select.mask, **kwargs)
    pd.testing.assert_frame_equal(got, full, check_exact=True)
    if dense_too:
        pd.testing.assert_frame_equal(full, dense, check_exact=True)
    return got


def _random_counts(rng, units: int, terms: int, rate: float) -> TermCounts:
    values = rng.poisson(rate, size=(units, terms)) * (rng.random((units, terms)) < 0.3)
    names = [f"t{rng.integers(10 ** 6):06d}{k}" for k in range(terms)]
    return TermCounts(sparse.csr_matrix(values.astype(float)),
                      pd.Index([f"u{k}" for k in range(units)]), pd.Index(names))


@pytest.mark.parametrize("seed", range(12))
def test_random_counts_full_of_ties_give_the_full_rows(seed):
    rng = np.random.default_rng(seed)
    counts = _random_counts(rng, int(rng.integers(2, 15)), int(rng.integers(1, 120)),
                            float(rng.choice([0.3, 1.0, 4.0])))
    wanted = {u: set(rng.choice(counts.columns, size=min(6, len(counts.columns)),
                                replace=False)) | {"not a term"} for u in counts.index[::2]}
    for select in (Selection(top={"z": 5}), Selection(top={"z": 3, "chi2": 3, "g2": 3}),
                   Selection(terms=wanted), Selection(top={"g2": 500}, used_only=True),
                   Selection(terms=wanted, used_only=True),
                   Selection(top={"chi2": 7}, terms=wanted)):
        for min_count in (1, 3):
            _same_as_full(counts, select, min_count=min_count)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=6),
       st.integers(1, 8), st.sampled_from(["z", "chi2", "g2"]))
def test_any_small_table_gives_the_full_rows(rows, top, statistic):
    values = np.array(rows, dtype=float)
    counts = TermCounts(sparse.csr_matrix(values), pd.Index([f"u{k}" for k in range(len(rows))]),
                        pd.Index(["b", "a", "d", "c", "f", "e"]))
    _same_as_full(counts, Selection(top={statistic: top}))
    _same_as_full(counts, Selection(terms={"u0": {"a", "c"}}, used_only=True))


def test_the_seeds_counts_give_the_full_rows_for_every_use_in_the_build():
    """The selections the build makes (each unit's top terms, the terms of the other
    variant's top, place names used only, the near-top rows of the prior sensitivity), on the
    seeds' real clause counts by plan and by administrative level."""
    from analysis.text.regional import load_inputs

    _, documents, prepared = load_inputs(ROOT / "data" / "processed")
    tokens = keyness.tokenise_clauses(prepared)["tokens"]
    levels = prepared["doc_id"].map(documents.set_index("doc_id")["admin_level"])
    for units in (prepared["doc_id"], levels):
        counts = keyness.count_matrix(tokens, units, sparse=True)
        top = _same_as_full(counts, Selection(top={"z": keyness.TOP_N}))
        assert len(top) == keyness.TOP_N * counts.shape[0]
        wanted = {u: set(g["term"]) | {"应急管理"} for u, g in top.groupby("unit")}
        _same_as_full(counts, Selection(terms=wanted))
        _same_as_full(counts, Selection(terms=wanted, used_only=True))
        _same_as_full(counts, Selection(top={"z": 10, "chi2": 10, "g2": 10}))
        for scale in (0.01, 1.0):
            _same_as_full(counts, Selection(top={"z": 10}), prior_scale=scale)


def test_keep_and_select_together_are_refused():
    counts = _random_counts(np.random.default_rng(0), 3, 5, 1.0)
    with pytest.raises(ValueError, match="keep or select"):
        distinctive_terms(counts, keep=lambda unit, rows: rows["rank_z"] <= 1,
                          select=Selection(top={"z": 1}))


def test_the_rows_come_from_the_non_zero_counts_without_the_full_ranking():
    """On the seeds' counts no unit falls back to ranking the whole vocabulary (a fallback
    would give the same rows, so only this shows that the selected path is the one taken)."""
    from analysis.text.keyness_ranks import selected_rows
    from analysis.text.regional import load_inputs

    _, _, prepared = load_inputs(ROOT / "data" / "processed")
    counts = keyness.count_matrix(keyness.tokenise_clauses(prepared)["tokens"],
                                  prepared["doc_id"], sparse=True)
    total = np.asarray(counts.matrix.sum(axis=0), dtype=float).ravel()
    prior = keyness.PRIOR_SCALE * total.sum() * total / total.sum()

    def statistics(y_i, y_j, prior_w, n_i, n_j):
        delta, _, z = keyness._log_odds(y_i, y_j, prior_w, n_i, n_j, prior.sum())
        return (delta, z, *keyness._keyness(y_i, y_j, n_i, n_j))

    def never(k):
        raise AssertionError(f"unit {k} ranked against the whole vocabulary")

    rows = selected_rows(counts.matrix, np.asarray(counts.columns, dtype=object), total, prior,
                         counts.index, Selection(top={"z": 10, "chi2": 10, "g2": 10}),
                         statistics, never)
    assert len(rows["unit"]) == counts.shape[0]


def test_counts_stored_twice_unsorted_or_fractional_give_the_full_rows():
    """A (unit, term) stored twice is one count of their sum and unsorted indices are read as
    sorted; fractional counts (whose sums depend on their order) take the full path."""
    rng = np.random.default_rng(3)
    rows, cols = rng.integers(0, 4, 60), rng.integers(0, 9, 60)
    names = pd.Index(list("ihgfedcba"))
    for whole, values in ((True, np.ones(60)), (True, rng.integers(1, 4, 60).astype(float)),
                          (False, rng.random(60) * 3)):
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(4, 9))
        raw = sparse.csr_matrix((values, cols, np.r_[0, np.cumsum(np.bincount(rows, minlength=4))]),
                                shape=(4, 9))
        order = np.argsort(rows, kind="stable")
        raw = sparse.csr_matrix((values[order], cols[order], raw.indptr), shape=(4, 9))
        assert not raw.has_canonical_format
        summed = TermCounts(matrix, pd.Index([f"u{k}" for k in range(4)]), names)
        stored = TermCounts(raw, summed.index, names)
        for select in (Selection(top={"z": 3}), Selection(top={"chi2": 4, "g2": 2}),
                       Selection(terms={"u1": np.array(["a", "e"], dtype=object)})):
            # fractional sums differ in the last bit with their order, on any path (sparse
            # and dense full rankings too)
            expected = _same_as_full(summed, select, dense_too=whole)
            got = _same_as_full(stored, select, dense_too=whole)
            if whole:
                pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_nan_statistic_sends_the_unit_to_the_full_ranking():
    """``min_count=0`` keeps a term nobody uses: its prior is 0 and its log-odds NaN, which
    the full ranking puts last; the unit's rows then come from that ranking."""
    values = np.array([[2.0, 0.0, 1.0], [0.0, 0.0, 3.0], [1.0, 0.0, 1.0]])
    counts = TermCounts(sparse.csr_matrix(values), pd.Index(["u0", "u1", "u2"]),
                        pd.Index(["b", "never", "a"]))
    table = _same_as_full(counts, Selection(top={"z": 3}), min_count=0)
    assert table.loc[table["term"] == "never", "rank_z"].eq(3).all()
