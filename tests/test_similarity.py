"""Whole-plan TF-IDF similarity: values checked by hand on small texts; no interval columns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.text.similarity import SIMILARITY_MAX_PLANS, document_similarity


def _plans():
    clauses = pd.DataFrame({
        "doc_id": ["a", "a", "b", "c"],
        "content": ["加强 应急 管理", "完善 预案", "加强 应急 管理 完善 预案", "推进 森林 防火"],
    })
    return clauses, clauses["content"]


def test_cosine_by_hand_and_no_interval():
    clauses, tokens = _plans()
    table = document_similarity(clauses, tokens)
    assert list(table.columns) == ["representation", "doc_a", "doc_b", "cosine"]
    words = table[table["representation"] == "words"].set_index(["doc_a", "doc_b"])["cosine"]
    # a and b hold the same five words once each: identical TF-IDF rows whatever the IDF.
    assert words[("a", "b")] == pytest.approx(1.0)
    # c shares no word with a or b.
    assert words[("a", "c")] == pytest.approx(0.0) and words[("b", "c")] == pytest.approx(0.0)
    chars = table[table["representation"] == "char_2_4"].set_index(["doc_a", "doc_b"])["cosine"]
    # Character n-grams are counted within each clause: "理完" spans two of a's clauses but
    # is one n-gram of b's single clause, so a and b are alike but not identical.
    assert 0.5 < chars[("a", "b")] < 1.0 - 1e-6
    assert chars[("a", "c")] == pytest.approx(0.0)


def test_idf_weights_shared_words_down():
    # Word counts: a = {x: 2, y: 1}, b = {x: 1, z: 1}, c = {z: 3, w: 1}; document frequencies
    # x 2, y 1, z 2, w 1; smooth IDF idf = ln((1 + 3) / (1 + df)) + 1.
    clauses = pd.DataFrame({"doc_id": ["a", "b", "c"], "content": ["x x y", "x z", "z z z w"]})
    table = document_similarity(clauses, clauses["content"])
    words = table[table["representation"] == "words"].set_index(["doc_a", "doc_b"])["cosine"]
    counts = np.array([[2, 1, 0, 0], [1, 0, 1, 0], [0, 0, 3, 1]], dtype=float)   # x y z w
    idf = np.log(4 / (1 + np.array([2, 1, 2, 1]))) + 1
    weighted = counts * idf
    unit = weighted / np.linalg.norm(weighted, axis=1, keepdims=True)
    expected = unit @ unit.T
    raw = counts / np.linalg.norm(counts, axis=1, keepdims=True)
    assert words[("a", "b")] == pytest.approx(expected[0, 1])
    assert words[("a", "c")] == pytest.approx(expected[0, 2])
    assert words[("b", "c")] == pytest.approx(expected[1, 2])
    # Without IDF the a-b cosine would be visibly different: the test can tell.
    assert abs((raw @ raw.T)[0, 1] - expected[0, 1]) > 0.02


def test_too_many_plans_refused():
    n = SIMILARITY_MAX_PLANS + 1
    clauses = pd.DataFrame({"doc_id": [f"p{i:03d}" for i in range(n)], "content": ["应急"] * n})
    with pytest.raises(ValueError, match="every pair"):
        document_similarity(clauses, clauses["content"])
