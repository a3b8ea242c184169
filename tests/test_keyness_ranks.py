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


def _same_as_full(counts: TermCounts, select: Selection, **kwargs) -> pd.DataFrame:
    """The selected path's table, checked against the full ranking on the sparse counts and
    on the dense table."""
    with warnings.catch_warnings():
        # degenerate random corpora (a unit with every token of a term) give log(0) in both
        warnings.simplefilter("ignore", RuntimeWarning)
        got = distinctive_terms(counts, select=select, **kwargs)
        full = distinctive_terms(counts, keep=select.mask, **kwargs)
        dense = distinctive_terms(counts.to_frame(), keep=select.mask, **kwargs)
    pd.testing.assert_frame_equal(got, full, check_exact=True)
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
