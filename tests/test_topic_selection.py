"""Topic selection: frontier measures on hand-checkable examples, reuse-grouped folds,
perturbation stability, and the planted-topic simulation on a small scale."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from analysis.topics.corpus import Corpus
from analysis.topics.diagnostics import (frex_exclusivity, npmi_coherence, npmi_from_incidence,
                                         perturbation_similarity, semantic_coherence,
                                         window_incidence, word_incidence)
from analysis.topics.selection import (cross_validation_folds, pareto_frontier,
                                       perturbation_rows, reuse_clusters)

# a in 3 documents, b in 2, c in 2, d in 1; a&b 2, a&c 1, b&c 1, b&d 0 (as in test_topics)
DOCS = [["a", "b"], ["a", "b", "c"], ["a"], ["c", "d"]]
VOCAB = ["a", "b", "c", "d"]


def _incidence(docs=DOCS):
    return window_incidence(docs, VOCAB)


def test_incidence_npmi_equals_the_set_based_npmi():
    top = np.array([[0, 1, 2], [1, 3, 0]])
    words = [[VOCAB[i] for i in row] for row in top]
    mean, never = npmi_from_incidence(top, _incidence())
    np.testing.assert_allclose(mean, npmi_coherence(words, DOCS))
    # topic 2: pairs b-d (never), b-a, d-a (never): two of three scored -1
    assert never.tolist() == pytest.approx([0.0, 2 / 3])
    # sliding windows give the same values as the set-based windows
    doc = [["a", "x", "b", "c", "a", "d"]]
    inc = window_incidence(doc, VOCAB, window=3)
    for top_ in (np.array([[0, 1]]), np.array([[0, 2, 3]])):
        words = [[VOCAB[i] for i in row] for row in top_]
        np.testing.assert_allclose(npmi_from_incidence(top_, inc)[0],
                                   npmi_coherence(words, doc, window=3))


def test_word_incidence_is_binary():
    counts = sparse.csr_matrix(np.array([[2, 0, 1], [0, 3, 0]]))
    assert word_incidence(counts).toarray().tolist() == [[1, 0, 1], [0, 1, 0]]


def test_semantic_coherence_hand_computed():
    # top words a, b, c in that order: pairs (b|a), (c|a), (c|b), D(l) of the higher-ranked
    # word: log((2+1)/3) + log((1+1)/3) + log((1+1)/2) = log(2/3), over 3 pairs
    value = semantic_coherence(np.array([[0, 1, 2]]), _incidence(), epsilon=1.0)
    assert value[0] == pytest.approx(np.log(2 / 3) / 3)
    # the order matters (the denominator is the higher-ranked word's count): c, b, a
    value = semantic_coherence(np.array([[2, 1, 0]]), _incidence(), epsilon=1.0)
    assert value[0] == pytest.approx((np.log(2 / 2) + np.log(2 / 2) + np.log(3 / 2)) / 3)
    # stm's smoothing: a pair never seen together scores log(0.01 / D)
    value = semantic_coherence(np.array([[1, 3]]), _incidence(), epsilon=0.01)
    assert value[0] == pytest.approx(np.log(0.01 / 2))


def test_frex_exclusivity_hand_computed():
    beta = np.array([[0.6, 0.3, 0.1],
                     [0.2, 0.2, 0.6]])
    # exclusivity: word 0 0.75/0.25, word 1 0.6/0.4, word 2 0.142857/0.857143
    # topic 0: freq ranks (3, 2, 1)/3, exclusivity ranks (3, 2, 1)/3;
    # top 2 words 0 and 1: FREX 1 and 2/3 -> mean 5/6
    # topic 1: freq ranks (1.5, 1.5, 3)/3, exclusivity ranks (1, 2, 3)/3;
    # top 2 words 2 then 0: FREX(2) = 1, FREX(0) = 1 / (0.7/(1/3) + 0.3/(1.5/3)) = 1/2.7
    value = frex_exclusivity(beta, n=2, weight=0.7)
    assert value[0] == pytest.approx((1 + 2 / 3) / 2)
    assert value[1] == pytest.approx((1 + 1 / 2.7) / 2)


def test_perturbation_similarity_matches_permuted_topics():
    reference = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    permuted = reference[[2, 0, 1]]
    half = np.array([[1.0, 1.0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    sims = perturbation_similarity(reference, [permuted, half])
    assert sims[0] == pytest.approx(1.0)
    assert sims[1] == pytest.approx((1 / np.sqrt(2) + 1 + 1) / 3)


def test_reuse_clusters_are_connected_components():
    shares = pd.DataFrame({"doc_a": ["b", "c", "a", "x"], "doc_b": ["a", "d", "e", "a"],
                           "share": [0.35, 0.12, 0.05, 0.9]})
    clusters = reuse_clusters(["e", "d", "c", "b", "a"], shares, min_share=0.1)
    # b-a and c-d are strong; a-e is weak; x is not a modelled plan
    assert clusters == {"a": "a", "b": "a", "c": "c", "d": "c", "e": "e"}
    assert reuse_clusters(["p", "q"]) == {"p": "p", "q": "q"}


def _corpus(plans: dict[str, int]) -> Corpus:
    doc_ids = [p for p, n in plans.items() for _ in range(n)]
    n = len(doc_ids)
    counts = sparse.csr_matrix(np.ones((n, 2), dtype=np.int64))
    return Corpus([f"{d}/{i}" for i, d in enumerate(doc_ids)], doc_ids, counts,
                  np.array(["u", "v"], dtype=object), [["u", "v"]] * n)


def test_grouped_folds_keep_clusters_together():
    corpus = _corpus({"a": 6, "b": 4, "c": 5, "d": 3, "e": 2})
    clusters = {"a": "a", "b": "a", "c": "c", "d": "d", "e": "e"}
    folds = cross_validation_folds(corpus, n_folds=4, clusters=clusters)
    docs = np.array(corpus.doc_ids)
    # four clusters, four folds: each cluster is one held-out fold
    assert [sorted(set(docs[test])) for _, test in folds] == [["a", "b"], ["c"], ["d"], ["e"]]
    for train, test in folds:
        assert not set(docs[train]) & set(docs[test])
    # more clusters than folds: every clause held out once, no cluster split
    clusters = {p: p for p in "abcde"}
    folds = cross_validation_folds(corpus, n_folds=2, clusters=clusters, repeat=1)
    held = np.concatenate([test for _, test in folds])
    assert sorted(held) == list(range(len(corpus)))
    for train, test in folds:
        assert not set(docs[train]) & set(docs[test])
    with pytest.raises(ValueError):
        cross_validation_folds(corpus, clusters={p: "one" for p in "abcde"})


def test_perturbation_rows():
    corpus = _corpus({"a": 10, "b": 5, "c": 1})
    rows = perturbation_rows(corpus, n_subsamples=2, fraction=0.8, max_leave_out=None)
    labels = [label for label, _ in rows]
    assert labels == ["subsample_0", "subsample_1", "without_a", "without_b", "without_c"]
    docs = np.array(corpus.doc_ids)
    for _, sub in rows[:2]:
        kept = pd.Series(docs[sub]).value_counts().to_dict()
        assert kept == {"a": 8, "b": 4, "c": 1}
        assert len(set(sub)) == len(sub)
    assert set(docs[rows[3][1]]) == {"a", "c"}
    # the same draws every time; at most max_leave_out plans left out
    again = perturbation_rows(corpus, n_subsamples=2, fraction=0.8, max_leave_out=2)
    np.testing.assert_array_equal(again[0][1], rows[0][1])
    assert len([1 for label, _ in again if label.startswith("without_")]) == 2


def test_pareto_frontier():
    table = pd.DataFrame({"semantic_coherence": [-1.0, -0.5, -0.5, -2.0],
                          "frex_exclusivity": [0.9, 0.8, 0.7, 0.95]})
    assert pareto_frontier(table).tolist() == [True, True, False, True]


def test_simulation_recovers_planted_topics_in_the_shared_layout():
    from analysis.topics.simulate import COLUMNS, K_TRUE, simulation_runs, summarise

    runs = simulation_runs(seed=3, replications_both={}, replications_nmf={5: 1, 50: 1})
    table = summarise(runs)
    assert list(table.columns) == COLUMNS
    assert set(table["quantity"]) == {"choice of K", "topic recovery"}
    assert sorted(table["n_plans"].unique()) == [5, 50]
    assert set(table["metric"]) >= {"share of runs choosing true K",
                                     "Monte Carlo SE of the share"}
    # at the true K the planted topics are found (cosine of matched topic-word vectors)
    true = table[(table["estimator"] == "NMF medoid at true K")
                 & (table["metric"] == "mean matched cosine")]
    assert true["value"].min() > 0.8
    # with 50 plans of clauses drawn from 5 topics the rule picks K = 5
    assert runs.loc[runs["n_plans"] == 50, "chosen_k_nmf"].iloc[0] == K_TRUE
    pd.testing.assert_frame_equal(
        summarise(simulation_runs(seed=3, replications_both={}, replications_nmf={5: 1})),
        table[table["n_plans"] == 5].reset_index(drop=True))


def test_the_simulations_cheaper_diagnostics_give_the_rules_choice():
    """rule_diagnostics skips the fits the rule never reads; on a small planted corpus its
    columns equal select_models' where computed, and the choice is the same."""
    from analysis.topics.selection import choose_model, select_models
    from analysis.topics.simulate import planted_topics, rule_diagnostics, simulated_corpus

    rng = np.random.default_rng(11)
    beta, vocab = planted_topics(rng, k=3, n_vocab=120)
    corpus, _ = simulated_corpus(5, beta, vocab, rng)
    options = dict(ks=(2, 3, 4), n_restarts=3, n_subsamples=1, max_leave_out=2)
    cheap = pd.concat([rule_diagnostics(corpus, kinds=(kind,), **options)
                       for kind in ("nmf", "lda")], ignore_index=True)
    full, _ = select_models(corpus, kinds=("nmf", "lda"), n_folds=2, n_repeats=1,
                            insample_window=False, **options)
    assert choose_model(cheap).k == choose_model(full).k
    assert choose_model(cheap).model == choose_model(full).model
    merged = cheap.merge(full, on=["model", "k"], suffixes=("", "_full"))
    for col in ("semantic_coherence", "frex_exclusivity", "stability_mean"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_full"], rtol=1e-9)
    done = merged["subsample_stability"].notna()
    assert done.any()
    np.testing.assert_allclose(merged.loc[done, "lopo_stability"],
                               merged.loc[done, "lopo_stability_full"], rtol=1e-9)
    # skipped only where restarts already fail the threshold
    assert (merged.loc[~done, "stability_mean"] < 0.8).all()


def _units(plans: dict[str, int]) -> pd.DataFrame:
    """Modelled units of synthetic plans: ``plans`` maps doc_id -> clauses; words are drawn
    from a small vocabulary so that every clause keeps enough vocabulary tokens."""
    rng = np.random.default_rng(3)
    words = [f"w{k}" for k in range(40)]
    rows = [{"doc_id": d, "clause_id": f"{d}/{n}", "status": "modelled",
             "tokens": " ".join(rng.choice(words, size=8))}
            for d, n_clauses in plans.items() for n in range(n_clauses)]
    return pd.DataFrame(rows)


def test_selection_sample_is_stable_when_plans_are_added():
    from analysis.topics.stage import _plan_hash, selection_sample

    plans = {f"plan-{k:03d}": 10 + k % 7 for k in range(60)}
    doc_ids = [d for d, n in plans.items() for _ in range(n)]
    assert selection_sample(doc_ids, max_clauses=10_000) == sorted(plans)  # under the cap
    sample = selection_sample(doc_ids, max_clauses=200)
    assert 2 <= len(sample) < len(plans)
    assert sum(plans[d] for d in sample) <= 200
    # The sample is the first plans in hash order, whatever the order of the input.
    by_hash = sorted(plans, key=_plan_hash)
    assert sample == sorted(by_hash[:len(sample)])
    assert selection_sample(doc_ids[::-1], max_clauses=200) == sample
    # A plan added after the cut-off in hash order leaves the sample as it is.
    cutoff = _plan_hash(by_hash[len(sample)])
    extra = next(f"new-{k}" for k in range(1000) if _plan_hash(f"new-{k}") > cutoff)
    assert selection_sample(doc_ids + [extra] * 12, max_clauses=200) == sample


def test_selection_corpus_has_its_own_vocabulary():
    from analysis.topics.corpus import prepare_corpus
    from analysis.topics.stage import selection_corpus

    units = _units({f"p{k}": 30 for k in range(10)})
    whole, prepared = prepare_corpus(units)
    same, text = selection_corpus(whole, prepared, max_clauses=1000)
    assert same is whole and text.startswith("all 10 plans")
    sample, text = selection_corpus(whole, prepared, max_clauses=100)
    assert set(sample.doc_ids) < set(whole.doc_ids) and len(sample) <= 100
    # A plan added outside the sample, with words that change the whole corpus's vocabulary
    # (and so which clauses are too short), leaves the sample as it is.
    from analysis.topics.stage import _plan_hash

    last = max(_plan_hash(d) for d in set(whole.doc_ids))
    name = next(f"zz-{k}" for k in range(1000) if _plan_hash(f"zz-{k}") > last)
    # 400 clauses of 36 of the 40 words push those words over MAX_DF in the grown corpus, so
    # most clauses of the sampled plans become too short there.
    extra = pd.DataFrame({"doc_id": name, "clause_id": [f"{name}/{n}" for n in range(400)],
                          "status": "modelled",
                          "tokens": " ".join(f"w{k}" for k in range(36))})
    grown, grown_units = prepare_corpus(pd.concat([units, extra], ignore_index=True))
    again, _ = selection_corpus(grown, grown_units, max_clauses=100)
    assert again.clause_ids == sample.clause_ids and list(again.vocab) == list(sample.vocab)
    assert text.startswith(f"{len(set(sample.doc_ids))} of 10 plans")
    # Built from the sample's units alone, exactly as prepare_corpus builds a corpus.
    alone, _ = prepare_corpus(units[units["doc_id"].isin(set(sample.doc_ids))])
    assert list(sample.vocab) == list(alone.vocab)
    assert (sample.counts != alone.counts).nnz == 0


def test_final_fit_is_the_same_in_parallel():
    from analysis.topics.final import fit_final
    from analysis.topics.stage import load_corpus

    corpus, _ = load_corpus()
    serial = fit_final(corpus, "nmf", 3, n_restarts=3, n_jobs=1)
    parallel = fit_final(corpus, "nmf", 3, n_restarts=3, n_jobs=2)
    assert np.array_equal(serial.theta, parallel.theta)
    assert np.array_equal(serial.model.topic_word, parallel.model.topic_word)
    assert [m.seed for m in serial.restarts] == [m.seed for m in parallel.restarts]
