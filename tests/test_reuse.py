"""Text reuse: alignment on real clause pairs, MinHash equal to datasketch, LSH recall,
sub-quadratic candidate growth, and the reuse table's contract."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from datasketch import MinHash

from analysis.core.io import read_csv
from analysis.text.regional import load_inputs
from analysis.text.minhash import (BLOCK, WINDOW_BLOCKS, lsh_candidates, minhash_signatures,
                                   shingle_hashes)
from analysis.text.reuse import align, find_reuse, reuse_shares
from analysis.text.reuse_bench import synthetic_corpus

from conftest import ROOT

PROCESSED = ROOT / "data" / "processed"


@pytest.fixture(scope="module")
def prepared():
    return load_inputs(PROCESSED)[2]


def _text(prepared, clause_id):
    row = prepared.set_index("clause_id").loc[clause_id]
    return "".join(row["content"].split())


def _unmark(marked: str) -> tuple[str, str]:
    """Rebuild both texts from the word-diff markup."""
    a = re.sub(r"\[-.*?-\]", "", marked)
    a = re.sub(r"\{\+(.*?)\+\}", r"\1", a)
    b = re.sub(r"\{\+.*?\+\}", "", marked)
    b = re.sub(r"\[-(.*?)-\]", r"\1", b)
    return a, b


def _unmark_local(marked: str) -> tuple[str, str]:
    """Rebuild ``a`` and the aligned text of ``b`` from the local-alignment markup."""
    a = re.sub(r"\[-.*?-\]", "", marked)
    a = re.sub(r"\{\+(.*?)\+\}", r"\1", a)
    b = re.sub(r"\{\+.*?\+\}", "", marked)
    b = re.sub(r"\[-(.*?)-\]", r"\1", b)
    return a, b


def test_yichun_clause_is_contained_in_its_jiangxi_source(prepared):
    yichun = _text(prepared, "yichun-2023/2/6/3")
    jiangxi = _text(prepared, "jiangxi-2023/2/29")
    alignment = align(yichun, jiangxi)
    assert alignment.share_a == 1.0  # every character of the Yichun point is Jiangxi's
    assert 0.4 < alignment.share_b < 0.6
    a, b = _unmark_local(alignment.marked())
    assert a == yichun and b in jiangxi  # local: only the aligned passage of Jiangxi shows


def test_edited_copy_marks_the_edits(prepared):
    yichun = _text(prepared, "yichun-2023/2/5/1")
    jiangxi = _text(prepared, "jiangxi-2023/2/26")
    alignment = align(yichun, jiangxi)
    marked = alignment.marked()
    # Yichun cites the State Council's fifteen measures where Jiangxi cites its own fifty:
    # one aligned passage across the edit, not two runs.
    assert "{+国务院安委会+}" in marked and "[-五十-]" in marked and "{+十五+}" in marked
    assert len(alignment.regions) == 1
    assert "防范较大以上事故攻坚行动" in re.findall(r"\{\+(.*?)\+\}", marked)[-1]
    assert 0.7 < alignment.share_a < 0.8
    a, b = _unmark_local(marked)
    assert a == yichun and b in jiangxi


def test_minhash_equals_datasketch():
    texts = ["安全生产专项整治三年行动", "深化安全风险分级管控和隐患排查治理双重预防体系建设，持续推进五个一活动、"
             "十个一次工作、一报告双签字制度等，督促企业压实主体责任，深入排查固有风险和动态风险。"]
    windows = minhash_signatures(texts)
    for t, text in enumerate(texts):
        hashes = shingle_hashes(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
        rows = np.flatnonzero(windows.text == t)
        for k, row in enumerate(rows):
            lo = k * BLOCK
            hi = len(hashes) if len(rows) == 1 else min(lo + WINDOW_BLOCKS * BLOCK, len(hashes))
            reference = MinHash(num_perm=windows.signature.shape[1], hashfunc=lambda x: x)
            reference.update_batch([int(h) for h in hashes[lo:hi]])
            assert np.array_equal(reference.hashvalues, windows.signature[row])


def test_lsh_finds_what_exhaustive_alignment_finds(prepared):
    pair = prepared[prepared["doc_id"].isin(["yichun-2023", "jiangxi-2023"])].reset_index(drop=True)
    docs = pair["doc_id"].to_numpy()
    every = np.array([(i, j) for i in range(len(pair)) for j in range(i + 1, len(pair))
                      if docs[i] != docs[j]])
    exhaustive = reuse_shares(pair, find_reuse(pair, candidates=every))
    with_lsh = reuse_shares(pair, find_reuse(pair))
    recall = with_lsh["reused_chars"].sum() / exhaustive["reused_chars"].sum()
    assert recall >= 0.97, recall
    share = with_lsh.set_index(["doc_a", "doc_b"]).at[("yichun-2023", "jiangxi-2023"), "share"]
    assert 0.30 < share < 0.40


def test_candidate_search_grows_subquadratically(prepared):
    counts = {}
    for n in (100, 300):
        corpus, truth = synthetic_corpus(prepared, n, clauses_per_plan=30)
        windows = minhash_signatures(corpus["content"].tolist())
        group = pd.factorize(corpus["doc_id"])[0]
        counts[n] = len(lsh_candidates(windows, group))
        assert counts[n] >= 0.8 * len(truth)  # the copies are among the candidates
    # Linear growth gives a ratio near 3, quadratic near 9.
    assert counts[300] / counts[100] < 4.5, counts


def test_reuse_table_contract():
    table = read_csv(PROCESSED / "reuse.csv")
    assert list(table.columns) == ["doc_a", "clause_a", "doc_b", "clause_b", "overlap_share",
                                   "aligned_text"]
    assert (table["doc_a"] != table["doc_b"]).all()
    assert table["overlap_share"].between(0, 1).all()
    pairs = set(zip(table["clause_a"], table["clause_b"]))
    assert all((b, a) in pairs for a, b in pairs)  # both directions present
