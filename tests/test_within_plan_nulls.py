"""Within-plan permutation nulls drawn a chunk at a time, the true positives counted for all
permutations of a chunk at once, and the token shares of each clause on its own."""
from __future__ import annotations

import pickle
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from analysis.core.grouping import (PERMUTATION_CHUNK, label_counts_by_set,
                                    permutations_within, rows_by_group)
from analysis.topics import composition as C
from analysis.topics import domains as D
from analysis.topics import seeded as S
from analysis.topics.corpus import _Analyzer


def _plans(n_clauses: int, n_plans: int, seed: int):
    rng = np.random.default_rng(seed)
    docs = np.array([f"p{int(i):02d}" for i in rng.integers(0, n_plans, n_clauses)], dtype=object)
    return docs, rows_by_group(docs)[1]


def test_each_permutation_shuffles_within_plans_and_the_chunks_add_up():
    docs, rows = _plans(90, 7, 0)
    labels = np.random.default_rng(1).integers(0, 5, len(docs))
    blocks = list(permutations_within(labels, rows, 2 * PERMUTATION_CHUNK + 7,
                                      np.random.default_rng(2)))
    assert [len(b) for b in blocks] == [PERMUTATION_CHUNK, PERMUTATION_CHUNK, 7]
    perms = np.vstack(blocks)
    for members in rows:
        # each plan keeps its labels, in another order
        assert (np.sort(perms[:, members], axis=1) == np.sort(labels[members])).all()
    assert (perms != labels).any(axis=1).mean() > 0.9
    # the same generator state gives the same draws; another gives others
    again = np.vstack(list(permutations_within(labels, rows, len(perms),
                                               np.random.default_rng(2))))
    np.testing.assert_array_equal(perms, again)
    other = np.vstack(list(permutations_within(labels, rows, len(perms),
                                               np.random.default_rng(3))))
    assert not np.array_equal(perms, other)
    # a row in no group, and a group of one, keep their labels
    lone = np.vstack(list(permutations_within(labels, [np.arange(1, 90)], 20,
                                              np.random.default_rng(0))))
    assert (lone[:, 0] == labels[0]).all()


def test_the_permutations_of_a_plan_are_equally_likely():
    labels = np.array([0, 1, 2, 7])
    perms = np.vstack(list(permutations_within(labels, [np.arange(3), np.array([3])], 6000,
                                               np.random.default_rng(5))))
    counts = Counter(map(tuple, perms[:, :3]))
    assert len(counts) == 6 and (perms[:, 3] == 7).all()
    expected = 6000 / 6
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 20.5          # chi-squared, 5 df: P(> 20.5) < 0.001


def test_label_counts_by_set_are_the_true_positives_of_every_relabelling():
    rng = np.random.default_rng(7)
    blocks = rng.integers(0, 6, (13, 40))
    member = rng.random((40, 4)) < 0.3
    member[:, 3] = False                          # an empty set
    got = label_counts_by_set(blocks, [np.flatnonzero(member[:, j]) for j in range(4)], 6)
    for p in range(len(blocks)):
        pred = blocks[p][:, None] == np.arange(6)[None, :]
        np.testing.assert_array_equal(got[p], member.T.astype(int) @ pred.astype(int))


def test_domain_recovery_chance_is_the_best_f1_of_each_permutation():
    docs, rows = _plans(300, 12, 11)
    rng = np.random.default_rng(12)
    theta = rng.dirichlet(np.full(5, 0.4), len(docs))
    ids = [f"c{i}" for i in range(len(docs))]
    domains = ["a", "b", "c"]
    coded = pd.DataFrame([(c, d) for c in ids for d in domains if rng.random() < 0.3],
                         columns=["clause_id", "domain"])
    table = D.domain_recovery(theta, ids, coded, domains=domains, n_perm=120, doc_ids=docs,
                              seed=4)
    # the same permutations, scored one by one with the unvectorised F1 table
    dominant = theta.argmax(axis=1)
    member = D._domain_indicator(ids, coded, domains)
    best = np.vstack([D._f1_table(perm, member, 5).max(axis=1)
                      for block in permutations_within(dominant, rows, 120,
                                                       np.random.default_rng(4))
                      for perm in block])
    np.testing.assert_allclose(table["f1_chance"], best.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["f1_chance_q95"], np.quantile(best, 0.95, axis=0),
                               rtol=0, atol=1e-12)


def test_rule_agreement_chance_is_the_mean_f1_of_each_permutation():
    docs, rows = _plans(200, 9, 21)
    rng = np.random.default_rng(22)
    names = ["natural_hazards", "party_building", "unseeded_1"]
    model = SimpleNamespace(topic_names=names, theta=rng.dirichlet(np.ones(3), len(docs)),
                            seeds={"natural_hazards": ["防汛"], "party_building": ["党建"]},
                            vocab=np.array(["防汛", "党建", "工作"]),
                            topic_word=np.full((3, 3), 1 / 3))
    ids = [f"c{i}" for i in range(len(docs))]
    coded = pd.DataFrame([(c, d) for c in ids for d in names[:2] if rng.random() < 0.4],
                         columns=["clause_id", "domain"])
    table = S.rule_agreement(model, ids, docs, np.ones(len(ids)), coded, n_perm=80, seed=3)
    top = model.theta.argmax(axis=1)
    is_coded = np.zeros((len(ids), 2), dtype=bool)
    for c, d in zip(coded["clause_id"], coded["domain"]):
        is_coded[ids.index(c), names.index(d)] = True
    per_domain, micro = [], []
    for block in permutations_within(top, rows, 80, np.random.default_rng(3)):
        for perm in block:
            pred = perm[:, None] == np.arange(2)[None, :]
            tp = (pred & is_coded).sum(axis=0)
            per_domain.append(2 * tp / (pred.sum(axis=0) + is_coded.sum(axis=0)))
            micro.append(S._micro_f1(pred, is_coded))
    got = table.set_index("domain")["f1_chance"]
    np.testing.assert_allclose(got[names[:2]], np.mean(per_domain, axis=0), rtol=0, atol=1e-12)
    assert got["all"] == pytest.approx(np.mean(micro), abs=1e-12)


def _mixtures(n: int, seed: int):
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.full(50, 0.2), size=4)
    truth = rng.dirichlet(np.full(4, 0.5), size=n)
    counts = np.array([rng.multinomial(rng.integers(0, 40), row @ beta) for row in truth])
    return sparse.csr_matrix(counts), beta


def test_a_clauses_token_shares_do_not_depend_on_the_other_clauses():
    counts, beta = _mixtures(300, 31)
    shares = C.token_shares(counts, beta)
    rows = np.random.default_rng(1).choice(300, 60, replace=False)
    np.testing.assert_array_equal(C.token_shares(counts[rows], beta), shares[rows])
    alone = np.vstack([C.token_shares(counts[[r]], beta) for r in rows[:15]])
    np.testing.assert_array_equal(alone, shares[rows[:15]])


def test_remembered_token_shares_are_the_computed_ones(tmp_path):
    counts, beta = _mixtures(120, 32)
    counts = sparse.vstack([counts, counts[:10]]).tocsr()     # repeated clauses
    shares = C.token_shares(counts, beta)
    cold = C.remembered_token_shares(counts, beta, tmp_path)
    np.testing.assert_array_equal(cold, shares)
    # a corpus with clauses left out and new ones added: the stored rows and the new ones
    more, _ = _mixtures(20, 33)
    grown = sparse.vstack([counts[30:], more]).tocsr()
    np.testing.assert_array_equal(C.remembered_token_shares(grown, beta, tmp_path),
                                  C.token_shares(grown, beta))
    # other topics are another memo, never the stored rows
    other = np.roll(beta, 1, axis=0)
    np.testing.assert_array_equal(C.remembered_token_shares(counts, other, tmp_path),
                                  C.token_shares(counts, other))
    np.testing.assert_array_equal(C.remembered_token_shares(counts, beta, None), shares)
    assert C.remembered_token_shares(counts[:0], beta, tmp_path).shape == (0, 4)


def test_the_token_filter_judges_each_token_once_and_keeps_its_rule():
    stop = {"的", "工作"}
    analyzer = _Analyzer(stop)
    text = "安全 的 2023 工作 a ， 应急管理 安全 x1 ３ 应急"
    plain = [t for t in text.split() if len(t) >= analyzer.min_chars and t not in stop
             and any(ch.isalnum() or ch == "_" for ch in t) and not t.isdigit()]
    assert analyzer(text) == plain
    assert analyzer(text) == plain                 # from the remembered decisions
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy(text) == plain and copy.stop == analyzer.stop


def test_heading_agreement_baseline_scores_every_permutation_of_the_stream():
    """The pooled baseline is the mean and 95th percentile over all n_perm permutations the
    generator gives, chunk after chunk (not the first chunk repeated or cut short)."""
    from analysis.topics import headings as H

    docs, rows = _plans(240, 8, 41)
    rng = np.random.default_rng(42)
    topics = rng.integers(0, 4, len(docs))
    heads = np.array([f"h{int(i)}" for i in rng.integers(0, 3, len(docs))], dtype=object)
    table = H.heading_agreement(topics, heads, docs, n_perm=130, seed=9)
    codes = H._codes(topics)
    divisions = H._codes(np.asarray([f"{d}|{h}" for d, h in zip(docs, heads)], dtype=object))
    perms = np.vstack(list(permutations_within(codes, rows, 130, np.random.default_rng(9))))
    null = H.permuted_scores(perms, divisions)
    pooled = table[table["scope"] == "pooled"].set_index("metric")
    for j, metric in enumerate(("ari", "nmi")):
        assert pooled.loc[metric, "baseline_mean"] == pytest.approx(null[:, j].mean(), abs=1e-9)
        assert pooled.loc[metric, "baseline_q95"] == pytest.approx(
            np.quantile(null[:, j], 0.95), abs=1e-9)


def test_the_token_share_memo_tells_counts_apart(tmp_path):
    """Clauses with the same words in other counts are other clauses of the memo."""
    beta = np.random.default_rng(5).dirichlet(np.full(6, 0.3), size=3)
    counts = sparse.csr_matrix(np.array([[5, 1, 0, 0, 0, 0], [1, 5, 0, 0, 0, 0],
                                         [5, 1, 0, 0, 0, 0], [0, 0, 2, 2, 0, 0]]))
    first = C.remembered_token_shares(counts, beta, tmp_path)
    np.testing.assert_array_equal(first, C.token_shares(counts, beta))
    assert not np.array_equal(first[0], first[1])
    swapped = sparse.csr_matrix(counts.toarray()[[1, 0, 3, 2]])
    np.testing.assert_array_equal(C.remembered_token_shares(swapped, beta, tmp_path),
                                  C.token_shares(swapped, beta))
