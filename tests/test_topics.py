"""Topic models: diagnostics on hand-checkable examples, reproducibility, labels, tables."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.topics import model as T
from analysis.core.schema import validate

ROOT = Path(__file__).resolve().parents[1]
PROCESSED = ROOT / "data" / "processed"


# ------------------------------------------------------------------------------------------
# NPMI
# ------------------------------------------------------------------------------------------

# Four documents: a in 3, b in 2, c in 2, d in 1; a&b in 2, a&c in 1, b&c in 1, b&d in 0.
DOCS = [["a", "b"], ["a", "b", "c"], ["a"], ["c", "d"]]


def test_npmi_pairs_match_hand_computation():
    pairs = T.npmi_pairs([["a", "b", "c"]], DOCS).set_index(["word_i", "word_j"])
    # NPMI(a,b) = log((2/4) / ((3/4)(2/4))) / -log(2/4) = log(4/3) / log 2
    assert pairs.loc[("a", "b"), "npmi"] == pytest.approx(np.log(4 / 3) / np.log(2))
    assert pairs.loc[("a", "b"), "npmi"] == pytest.approx(0.415037, abs=1e-6)
    # NPMI(a,c) = log((1/4) / ((3/4)(2/4))) / -log(1/4) = log(2/3) / log 4
    assert pairs.loc[("a", "c"), "npmi"] == pytest.approx(-0.292481, abs=1e-6)
    # b and c are independent here: p(b,c) = 1/4 = p(b) p(c)
    assert pairs.loc[("b", "c"), "npmi"] == pytest.approx(0.0, abs=1e-12)
    assert pairs.loc[("a", "b"), ["n_i", "n_j", "n_ij", "n_units"]].tolist() == [3, 2, 2, 4]


def test_npmi_coherence_is_mean_over_pairs_with_conventions():
    coherence = T.npmi_coherence([["a", "b", "c"], ["b", "d"], ["a", "zzz"], ["b", "d", "zzz"]],
                                 DOCS)
    assert coherence[0] == pytest.approx((0.415037 - 0.292481 + 0.0) / 3, abs=1e-6)
    assert coherence[1] == -1.0          # b and d never co-occur
    assert np.isnan(coherence[2])        # a word absent from the reference: no evidence
    assert coherence[3] == -1.0          # pairs with the absent word are left out


def test_npmi_sliding_windows():
    doc = [["a", "x", "b", "y"]]
    # window 2: {a,x} {x,b} {b,y}: a and b never share a window
    assert T.npmi_coherence([["a", "b"]], doc, window=2)[0] == -1.0
    # window 3: {a,x,b} {x,b,y}: p(a)=1/2, p(b)=1, p(a,b)=1/2 -> PMI 0
    assert T.npmi_coherence([["a", "b"]], doc, window=3)[0] == pytest.approx(0.0)
    units = T.cooccurrence_units(doc, window=3)
    assert units == [frozenset("axb"), frozenset("xby")]
    # a document shorter than the window is one unit
    assert T.cooccurrence_units([["a", "b"]], window=10) == [frozenset("ab")]


def test_npmi_pair_in_every_unit_scores_one():
    assert T.npmi_coherence([["a", "b"]], [["a", "b"], ["b", "a", "c"]])[0] == 1.0


# ------------------------------------------------------------------------------------------
# Exclusivity and FREX
# ------------------------------------------------------------------------------------------

BETA = np.array([[0.5, 0.3, 0.2],
                 [0.1, 0.1, 0.8]])


def test_word_exclusivity_and_topic_exclusivity():
    excl = T.word_exclusivity(BETA)
    np.testing.assert_allclose(excl, [[0.5 / 0.6, 0.75, 0.2], [0.1 / 0.6, 0.25, 0.8]])
    # top-2 words: topic 0 -> words 0, 1; topic 1 -> word 2, then the tie 0/1 goes to word 0
    np.testing.assert_allclose(T.exclusivity(BETA, n=2),
                               [(0.5 / 0.6 + 0.75) / 2, (0.8 + 0.1 / 0.6) / 2])


def test_frex_hand_computed():
    scores = T.frex(BETA, weight=0.5)
    # Topic 0: frequency and exclusivity ECDFs are both (1, 2/3, 1/3)
    np.testing.assert_allclose(scores[0], [1.0, 2 / 3, 1 / 3])
    # Topic 1: frequency ECDF (2/3, 2/3, 1) (tie takes the higher rank),
    # exclusivity ECDF (1/3, 2/3, 1); harmonic means 1/(1.5+0.75), 1/(0.75+0.75), 1
    np.testing.assert_allclose(scores[1], [1 / 2.25, 2 / 3, 1.0])
    # FREX breaks the frequency tie of words 0 and 1 in favour of the more exclusive word 1
    assert T.top_word_indices(BETA, 3)[1].tolist() == [2, 0, 1]
    assert T.frex_word_indices(BETA, 3)[1].tolist() == [2, 1, 0]


def test_frex_weight_one_is_exclusivity_rank():
    scores = T.frex(BETA, weight=1.0)
    np.testing.assert_allclose(scores[1], [1 / 3, 2 / 3, 1.0])


# ------------------------------------------------------------------------------------------
# Hungarian matching and stability
# ------------------------------------------------------------------------------------------


def test_assignment_is_optimal_not_greedy():
    sim = np.array([[0.9, 0.8], [0.8, 0.1]])
    assert T.assign_max(sim).tolist() == [1, 0]


def test_match_topics_recovers_permutation():
    a = np.array([[0.7, 0.2, 0.1, 0.0],
                  [0.0, 0.1, 0.2, 0.7],
                  [0.25, 0.25, 0.25, 0.25]])
    b = a[[2, 0, 1]]
    perm, sim = T.match_topics(a, b)
    assert perm.tolist() == [1, 2, 0]
    np.testing.assert_allclose(sim, 1.0)


def test_restart_stability_hand_example():
    a = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    b = a[[1, 0]]                              # the same topics in another order
    c = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])  # second topic differs: cosine 0.6
    stab = T.restart_stability([a, b, c], n=1)
    np.testing.assert_allclose(stab.pair_similarity,
                               [[1, 1, 0.8], [1, 1, 0.8], [0.8, 0.8, 1]])
    assert stab.mean == pytest.approx((1 + 0.8 + 0.8) / 3)
    assert stab.minimum == pytest.approx(0.8)
    assert stab.medoid == 0                    # a and b tie; the first wins
    # topic 0 of run a is matched perfectly in b and c; topic 1 perfectly in b, at 0.6 in c
    np.testing.assert_allclose(stab.topic_similarity, [1.0, 0.8])
    # top-1 words: topic 1 of c has top word 2, not 1
    np.testing.assert_allclose(stab.topic_jaccard, [1.0, 0.5])


# ------------------------------------------------------------------------------------------
# Held-out likelihood
# ------------------------------------------------------------------------------------------


class _OneTopic:
    """A stand-in model with one topic: theta is 1, so ll = sum log beta[w]."""

    k = 1
    topic_word = np.array([[0.5, 0.25, 0.25]])

    def doc_topic(self, counts):
        return np.ones((counts.shape[0], 1))


def test_document_completion_split_and_likelihood():
    from scipy import sparse

    counts = sparse.csr_matrix(np.array([[2, 1, 1], [0, 0, 1], [4, 0, 0]]))
    obs, ev = T.split_for_completion(counts, seed=1)
    np.testing.assert_array_equal((obs + ev).toarray(), counts.toarray())
    assert ev.sum(axis=1).ravel().tolist() == [[2, 0, 2]]   # half (rounded up) evaluated
    ll, n = T.heldout_loglik(_OneTopic(), counts, seed=1)
    ev = ev.toarray()
    assert n == 4
    assert ll == pytest.approx(float((ev * np.log([0.5, 0.25, 0.25])).sum()))


# ------------------------------------------------------------------------------------------
# Model choice
# ------------------------------------------------------------------------------------------


def test_choose_model_rule():
    from analysis.topics.selection import choose_model

    diag = pd.DataFrame({
        "model": ["nmf"] * 5 + ["lda"],
        "k": [2, 3, 4, 5, 6, 3],
        # coherence falls and exclusivity rises with K: a frontier with a knee at K=4
        "semantic_coherence": [-0.70, -0.75, -0.78, -0.95, -1.00, -0.60],
        "frex_exclusivity": [0.80, 0.86, 0.90, 0.91, 0.92, 0.95],
        "stability_mean": [0.99, 0.95, 0.93, 0.90, 0.90, 0.95],
        "subsample_stability": [0.98, 0.90, 0.90, 0.85, 0.85, 0.90],
        "lopo_stability": [0.97, 0.90, 0.88, 0.85, 0.85, 0.60],
    })
    choice = choose_model(diag, min_stability=0.8)
    # LDA would dominate everything but changes when a plan is left out: not reportable.
    # Scaled over the five NMF rows, K=4 has coherence (1 - 0.08/0.30) + exclusivity 10/12.
    assert (choice.model, choice.k, choice.at_boundary) == ("nmf", 4, "")
    assert "frontier: NMF K=2, NMF K=3, NMF K=4, NMF K=5, NMF K=6" in choice.reason
    # with only the coherent small models stable, the pick is at the lower end and says so
    low = diag.assign(lopo_stability=[0.97, 0.7, 0.7, 0.7, 0.7, 0.6])
    choice = choose_model(low, min_stability=0.8)
    assert (choice.k, choice.at_boundary) == (2, "lower")
    assert "smallest K tried" in choice.reason
    # a frontier that keeps improving ends at the upper end of the grid and says so
    up = diag.assign(semantic_coherence=[-0.9, -0.8, -0.7, -0.6, -0.5, -0.6])
    choice = choose_model(up, min_stability=0.8)
    assert (choice.k, choice.at_boundary) == (6, "upper")
    assert "extend the grid" in choice.reason
    # nothing stable: the most stable (by its least stability) is used, with a note
    none = diag.assign(lopo_stability=0.5)
    assert "no (model, K) reached" in choose_model(none, min_stability=0.8).reason


# ------------------------------------------------------------------------------------------
# Domains
# ------------------------------------------------------------------------------------------


def test_domain_crosstab_and_recovery():
    theta = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7]])
    ids = [f"c{i}" for i in range(6)]
    coded = pd.DataFrame({"clause_id": ["c0", "c1", "c2", "c3", "c5", "c5"],
                          "domain": ["A", "A", "A", "B", "B", "C"]})
    cross = T.domain_crosstab(theta, ids, coded, domains=["A", "B", "C", "D"])
    a1 = cross[(cross["domain"] == "A") & (cross["topic"] == 1)].iloc[0]
    assert a1["n_clauses"] == 3 and a1["share"] == pytest.approx((0.9 + 0.8 + 0.6) / 3)
    assert a1["lift"] == pytest.approx(a1["share"] / theta[:, 0].mean())
    assert a1["n_dominant"] == 3
    rec = T.domain_recovery(theta, ids, coded, domains=["A", "B", "C", "D"], n_perm=200,
                            seed=3).set_index("domain")
    # A: topic 1 dominates c0-c2 exactly -> F1 1
    assert rec.loc["A", "best_topic"] == 1 and rec.loc["A", "f1"] == pytest.approx(1.0)
    # B: topic 2 dominates c3, c4, c5; B = {c3, c5}: recall 1, precision 2/3, F1 0.8
    assert rec.loc["B", "best_topic"] == 2
    assert rec.loc["B", "precision"] == pytest.approx(2 / 3)
    assert rec.loc["B", "f1"] == pytest.approx(0.8)
    assert rec.loc["D", "n_clauses"] == 0 and rec.loc["D", "verdict"] == "too_few_clauses"
    assert (rec["verdict"] == "too_few_clauses").all()      # all below MIN_DOMAIN_CLAUSES


def test_domain_recovery_verdicts():
    # largest topic: clauses 0-4 topic 1, 5-9 topic 2, 10-19 topic 3
    dominant = np.array([0] * 5 + [1] * 5 + [2] * 10)
    theta = np.full((20, 3), 0.1)
    theta[np.arange(20), dominant] = 0.8
    ids = [f"c{i}" for i in range(20)]
    members = {"A": [0, 1, 2, 3, 4], "B": [0, 1, 2, 5, 6], "E": [10, 11, 12, 13, 0, 5, 6]}
    coded = pd.DataFrame([{"clause_id": f"c{i}", "domain": d}
                          for d, rows in members.items() for i in rows])
    rec = T.domain_recovery(theta, ids, coded, domains=["A", "B", "E"], n_perm=200,
                            seed=4).set_index("domain")
    # A is exactly topic 1
    assert rec.loc["A", "verdict"] == "recovered" and rec.loc["A", "f1"] == 1.0
    # B: topic 1 F1 = 2*3/(5+5) = 0.6 beats topic 2 (0.4), but topic 1 belongs to A
    assert rec.loc["B", "f1"] == pytest.approx(0.6) and rec.loc["B", "verdict"] == "merged"
    assert rec.loc["B", "topic_best_domain"] == "A"
    # E: topic 3 F1 = 2*4/(7+10) = 0.47, and E is topic 3's best domain
    assert rec.loc["E", "best_topic"] == 3 and rec.loc["E", "f1"] == pytest.approx(8 / 17)
    assert rec.loc["E", "verdict"] == "partly"
    # chance: the permuted best F1 is below a perfect match and its 95th percentile above
    # its mean; with plans as blocks a plan whose clauses all share one topic cannot move
    assert (rec["f1_chance"] < rec.loc["A", "f1"]).all()
    assert (rec["f1_chance_q95"] >= rec["f1_chance"] - 1e-12).all()
    blocked = T.domain_recovery(theta, ids, coded, domains=["A"], n_perm=50, seed=4,
                                doc_ids=[f"p{i}" for i in range(20)]).set_index("domain")
    assert blocked.loc["A", "f1_chance"] == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------
# Whole runs on a synthetic corpus: schemas and same-seed reproducibility
# ------------------------------------------------------------------------------------------

_VOCAB = {0: "防汛 台风 水库 山洪 预警 转移 雨情 堤防".split(),
          1: "危化品 企业 隐患 整治 检查 矿山 烟花 爆竹".split(),
          2: "党建 学习 思想 纪律 干部 作风 廉政 教育".split()}


def synthetic_inputs(n_per_doc: int = 24, seed: int = 0):
    """Clauses, documents and tokens of three plans, each clause mostly from one topic."""
    rng = np.random.default_rng(seed)
    docs = pd.DataFrame({"doc_id": ["p1", "p2", "p3"],
                         "admin_level": ["province", "city", "county"],
                         "province_en": ["Jiangxi", "Jiangxi", "Zhejiang"]})
    clause_rows, token_rows = [], []
    for d, doc_id in enumerate(docs["doc_id"]):
        for i in range(n_per_doc):
            topic = (i + d) % 3
            words = list(rng.choice(_VOCAB[topic], size=12)) + \
                list(rng.choice(_VOCAB[(topic + 1) % 3], size=2))
            text = "。".join(words) + "。"
            clause_rows.append(dict(doc_id=doc_id, clause_id=f"{doc_id}/{i + 1}", parent_id=None,
                                    level="part", number_written=None, number=None,
                                    heading=None, text=text, char_start=i * 100,
                                    char_end=i * 100 + len(text), inferred=False, note=None))
            token_rows.append(dict(doc_id=doc_id, clause_id=f"{doc_id}/{i + 1}",
                                   tokens=" ".join(words), planted=topic))
    return pd.DataFrame(clause_rows), docs, pd.DataFrame(token_rows)


@pytest.fixture(scope="module")
def synthetic_run():
    clauses, _, tokens = synthetic_inputs()
    # the planted flood topic (24 clauses) is coded natural_hazards; 6 of them also grassroots
    flood = tokens.loc[tokens["planted"] == 0, "clause_id"].tolist()
    domains = pd.DataFrame({"clause_id": flood + flood[::4],
                            "domain": ["natural_hazards"] * len(flood)
                            + ["grassroots"] * len(flood[::4])})
    return T.run(clauses, domains, kind="nmf", k=3, n_restarts=4, n_boot=200,
                 tokens=tokens)


def test_synthetic_run_recovers_planted_topics_and_tables_validate(synthetic_run):
    res = synthetic_run
    for table, schema in zip((res.units, res.topics, res.clause_topics, res.domains,
                              res.recovery), T.SCHEMAS):
        validate(table, schema)
    tops = [set(w.split()[:5]) for w in res.topics["top_words"]]
    for words in _VOCAB.values():
        assert any(len(t & set(words)) >= 4 for t in tops)
    sums = res.clause_topics.groupby("clause_id")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-5)
    assert (res.clause_topics.groupby("clause_id")["dominant"].sum() == 1).all()
    assert res.topics["stability"].min() > 0.95
    rec = res.recovery.set_index("domain")
    assert rec.loc["natural_hazards", "verdict"] == "recovered"
    assert rec.loc["natural_hazards", "f1"] == pytest.approx(1.0)
    assert rec.loc["grassroots", "recall"] == pytest.approx(1.0)
    # the flood topic holds all 6 grassroots clauses and 18 others: F1 = 2*6 / (24 + 6)
    assert rec.loc["grassroots", "f1"] == pytest.approx(0.4)
    # ... but that topic matches natural_hazards better: grassroots is merged into it
    assert rec.loc["grassroots", "verdict"] == "merged"
    assert rec.loc["grassroots", "topic_best_domain"] == "natural_hazards"
    assert rec.loc["mines", "verdict"] == "too_few_clauses"
    text = T.describe_recovery(res.recovery, res.domains)
    assert text.startswith("recovered (1): Natural hazards (n=24, T")
    assert "merged (1): Grassroots capacity (n=6" in text


@pytest.mark.parametrize("kind", ["nmf", "lda"])
def test_same_seed_gives_identical_tables(kind):
    clauses, _, tokens = synthetic_inputs(n_per_doc=12)
    runs = [T.run(clauses, None, kind=kind, k=3, n_restarts=3, n_boot=100, tokens=tokens)
            for _ in range(2)]
    for name in ("units", "topics", "clause_topics"):
        a, b = getattr(runs[0], name), getattr(runs[1], name)
        pd.testing.assert_frame_equal(a, b)
        assert a.to_csv(index=False) == b.to_csv(index=False)


_CHILD = """
import sys, json
sys.path.insert(0, {tests!r})
from test_topics import synthetic_inputs
from analysis.topics import model as T
clauses, _, tokens = synthetic_inputs(n_per_doc=12)
out = {{}}
for kind in ("nmf", "lda"):
    res = T.run(clauses, None, kind=kind, k=3, n_restarts=3, n_boot=100, tokens=tokens)
    out[kind] = [res.topics.to_csv(index=False), res.clause_topics.to_csv(index=False)]
print(json.dumps(out))
"""


def test_same_tables_in_fresh_processes_with_other_thread_settings():
    """A stand-in for another machine: separate interpreters with different hash seeds and
    thread counts must write the same tables."""
    outputs = []
    for threads, hashseed in (("1", "0"), ("2", "12345")):
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads, PYTHONHASHSEED=hashseed)
        done = subprocess.run([sys.executable, "-c", _CHILD.format(tests=str(ROOT / "tests"))],
                              capture_output=True, text=True, env=env, check=True)
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]


def test_select_models_is_independent_of_worker_count():
    clauses, docs, tokens = synthetic_inputs(n_per_doc=12)
    units = T.modelling_units(clauses, tokens)
    corpus, _ = T.prepare_corpus(units)
    serial = T.select_models(corpus, ks=(2, 3), n_restarts=3, n_folds=3, n_repeats=1)
    parallel = T.select_models(corpus, ks=(2, 3), n_restarts=3, n_folds=3, n_repeats=1,
                               n_jobs=2)
    pd.testing.assert_frame_equal(serial[0], parallel[0])
    assert serial[0]["stability_mean"].notna().all()
    assert serial[0].loc[serial[0]["model"] == "lda", "heldout_ll_per_token"].lt(0).all()


def test_heading_only_clauses_are_not_modelled():
    clauses, docs, tokens = synthetic_inputs(n_per_doc=6)
    head = dict(clauses.iloc[0])
    head.update(clause_id="p1/9", text="一、主要工作", char_start=5000, char_end=5006)
    clauses = pd.concat([clauses, pd.DataFrame([head])], ignore_index=True)
    clauses.loc[clauses["clause_id"] == "p1/1", "parent_id"] = "p1/9"
    tokens = pd.concat([tokens, pd.DataFrame([{"doc_id": "p1", "clause_id": "p1/9",
                                               "tokens": "主要 工作"}])])
    units = T.modelling_units(clauses, tokens)
    status = units.set_index("clause_id")["status"]
    assert status["p1/9"] == "heading_only" and status["p1/1"] == "modelled"


def test_synthetic_corpus_recombines_halves():
    tokens = [["a1", "a2", "a3", "a4"], ["b1", "b2"]]
    out = T.synthetic_corpus(tokens, 50, seed=1)
    assert len(out) == 50
    allowed = {"a1 a2 a3 a4", "a1 a2 b2", "b1 a3 a4", "b1 b2"}
    assert set(out) <= allowed and len(set(out)) > 1


# ------------------------------------------------------------------------------------------
# The seed corpus: convergence and reviewed labels
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_corpus():
    from analysis.text import tokenise
    from analysis.core.io import read_csv

    clauses = read_csv(PROCESSED / "clauses.csv")
    units = T.modelling_units(clauses, T.clause_tokens(clauses), tokenise.stopwords())
    return T.prepare_corpus(units)[0]


def test_lda_iterations_are_enough(seed_corpus):
    """LDA runs LDA_MAX_ITER batch iterations; topics must be close to a much longer fit,
    far closer than LDA restarts are to each other."""
    from sklearn.decomposition import LatentDirichletAllocation

    k = 6
    short = T.fit_model("lda", seed_corpus.counts, k, 11)
    with T.single_threaded():
        long = LatentDirichletAllocation(n_components=k, learning_method="batch", max_iter=300,
                                         random_state=11).fit(seed_corpus.counts)
    beta = long.components_ / long.components_.sum(axis=1, keepdims=True)
    _, sim = T.match_topics(short.topic_word, beta)
    assert sim.mean() > 0.99 and sim.min() > 0.97


def test_nmf_fits_converge(seed_corpus):
    for k in (4, 8):
        assert T.fit_model("nmf", seed_corpus.counts, k, 5).n_iter < T.NMF_MAX_ITER


def test_reviewed_labels_still_fit_the_reported_topics(seed_corpus):
    """Labels in data/topic_labels.csv were given for particular top words; if the fitted
    topics change (new plans, tokeniser, settings), this fails until a reader relabels."""
    labels = T.read_labels()
    rows = labels[(labels["model"] == T.CHOSEN_MODEL) & (labels["k"].astype(int) == T.CHOSEN_K)]
    assert len(rows) == T.CHOSEN_K, "every reported topic needs a reviewed label"
    assert rows["label_en"].str.len().gt(0).all() and rows["reading"].str.len().gt(0).all()
    final = T.fit_final(seed_corpus, T.CHOSEN_MODEL, T.CHOSEN_K)
    top = [[str(seed_corpus.vocab[i]) for i in row]
           for row in T.top_word_indices(final.model.topic_word)]
    attached = T.attach_labels(top, labels, T.CHOSEN_MODEL, T.CHOSEN_K)
    assert (attached["label_status"] == "reviewed").all(), attached
    assert attached["label_en"].is_unique


def test_attach_labels_rejects_changed_topics():
    labels = pd.DataFrame({"model": ["nmf", "nmf"], "k": ["2", "2"], "topic": ["1", "2"],
                           "label_en": ["Floods", "Chemicals"],
                           "top_words": ["防汛 台风 水库 山洪", "危化品 企业 隐患 整治"],
                           "reading": ["", ""]})
    fitted = [["危化品", "企业", "隐患", "矿山"], ["党建", "学习", "思想", "纪律"]]
    out = T.attach_labels(fitted, labels, "nmf", 2)
    assert out["label_en"].tolist() == ["Chemicals", ""]
    assert out["label_status"].tolist() == ["reviewed", "unreviewed"]
    assert out["label_jaccard"].iloc[0] == pytest.approx(3 / 5)


# ------------------------------------------------------------------------------------------
# Built tables (skipped until the build has run)
# ------------------------------------------------------------------------------------------


def test_written_tables_are_consistent():
    if not (PROCESSED / "topics.csv").exists():
        pytest.skip("build has not run")
    tables = T.load_tables(PROCESSED)
    topics, clause_topics = tables["topics"], tables["clause_topics"]
    assert topics["model"].eq(T.CHOSEN_MODEL).all() and topics["k"].eq(T.CHOSEN_K).all()
    units = tables["topic_units"]
    modelled = set(units.loc[units["status"] == "modelled", "clause_id"])
    assert set(clause_topics["clause_id"]) == modelled
    np.testing.assert_allclose(clause_topics.groupby("clause_id")["weight"].sum(), 1.0,
                               atol=1e-5)
    for reps in topics["representative_clauses"]:
        assert set(reps.split(";")) <= modelled


# ------------------------------------------------------------------------------------------
# Tables behind the notebook: model selection, restart agreement, finer models
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_selection(tmp_path_factory):
    clauses, docs, tokens = synthetic_inputs(n_per_doc=12)
    corpus, _ = T.prepare_corpus(T.modelling_units(clauses, tokens))
    options = dict(kinds=("nmf", "lda"), ks=(2, 3), n_restarts=3, n_folds=3, n_repeats=1)
    table, perturbed = T.selection_table(corpus, n_jobs=1, **options)
    return corpus, table, options, perturbed


def test_large_corpora_select_among_nmf_models_only(small_selection, monkeypatch):
    from analysis.topics import results, settings

    corpus = small_selection[0]
    n = len(corpus.clause_ids)
    assert settings.model_kinds(n) == ("nmf", "lda")
    monkeypatch.setattr(settings, "LDA_MAX_CLAUSES", n - 1)
    assert settings.model_kinds(n) == ("nmf",)
    seen = {}

    def record(corpus, **options):      # stop before fitting: only the families matter here
        seen.update(options)
        raise RuntimeError("stop")

    monkeypatch.setattr(results, "select_models", record)
    with pytest.raises(RuntimeError, match="stop"):
        T.selection_table(corpus, n_jobs=1, ks=(2,))
    assert seen["kinds"] == ("nmf",)


def test_selection_table_schema_and_choice(small_selection):
    from analysis.topics.results import TOPIC_PERTURBATION

    corpus, table, _, perturbed = small_selection
    validate(table, T.TOPIC_SELECTION)
    validate(perturbed, TOPIC_PERTURBATION)
    # 5 subsamples and 3 plans left out for each of the 4 (model, K)
    assert len(perturbed) == 4 * (5 + 3)
    assert table["on_frontier"].le(table["reportable"]).all()
    assert len(table) == 4 and table["chosen"].sum() == 1
    choice = T.choose_model(table)
    pick = table[table["chosen"]].iloc[0]
    assert (pick["model"], pick["k"]) == (choice.model, choice.k)
    # three planted topics: NMF with K=3 finds them again on every restart
    nmf3 = table[(table["model"] == "nmf") & (table["k"] == 3)].iloc[0]
    assert nmf3["stability_mean"] > 0.95
    assert table.loc[table["model"] == "nmf", "heldout_ll_per_token"].isna().all()
    assert table["fingerprint"].nunique() == 1


def test_selection_cache_is_keyed_by_the_inputs(small_selection, tmp_path):
    from analysis.core.schema import write_table

    from analysis.topics.results import TOPIC_PERTURBATION

    corpus, table, _, perturbed = small_selection
    fingerprint = table["fingerprint"].iloc[0]
    assert fingerprint == T.selection_fingerprint(corpus)
    assert T.cached_selection(tmp_path, fingerprint) is None
    write_table(table, T.TOPIC_SELECTION, tmp_path)
    # the selection without its perturbation table is incomplete
    assert T.cached_selection(tmp_path, fingerprint) is None
    write_table(perturbed, TOPIC_PERTURBATION, tmp_path)
    cached = T.cached_selection(tmp_path, fingerprint)
    assert cached is not None and len(cached) == len(table)
    # one clause fewer is another corpus: the stored selection must not be reused
    fewer = corpus.subset(range(1, len(corpus)))
    assert T.selection_fingerprint(fewer) != fingerprint
    assert T.cached_selection(tmp_path, T.selection_fingerprint(fewer)) is None
    # other reuse clusters group the folds differently: another fingerprint
    clusters = {"p1": "p1", "p2": "p1", "p3": "p3"}
    assert T.selection_fingerprint(corpus, clusters) != fingerprint


def test_restart_similarity_table(synthetic_run):
    res = synthetic_run
    table = validate(res.restart_similarity, T.TOPIC_RESTART_SIMILARITY)
    wide = table.pivot(index="run_a", columns="run_b", values="similarity").to_numpy()
    np.testing.assert_allclose(wide, wide.T)
    np.testing.assert_allclose(np.diag(wide), 1.0)
    medoid = int(table.loc[table["medoid"], "run_a"].unique()[0])
    # the medoid agrees most with the others (ties within rounding allowed)
    assert wide[medoid].sum() >= wide.sum(axis=1).max() - 1e-5
    # the medoid is the run reported in topics.csv
    assert T.derive_seed(4, res.topics["k"].iloc[0], medoid) == res.topics["seed"].iloc[0]


def test_alternatives_table(synthetic_run):
    table = validate(synthetic_run.alternatives, T.TOPIC_ALTERNATIVES)
    assert sorted(table["k"].unique()) == list(T.ALTERNATIVE_KS)
    for k, part in table.groupby("k"):
        assert part["topic"].tolist() == list(range(1, k + 1))
        assert part["prevalence"].sum() == pytest.approx(1.0, abs=1e-5)
        assert part["prevalence"].is_monotonic_decreasing


def test_built_selection_is_current():
    """The selection table in data/processed was computed from the clauses modelled now and
    picks the model the build reports."""
    if not (PROCESSED / "topic_selection.csv").exists():
        pytest.skip("build has not run")
    tables = T.load_tables(PROCESSED)
    selection = validate(tables["topic_selection"], T.TOPIC_SELECTION)
    from analysis.topics.stage import load_clusters

    corpus, _ = T.load_corpus(PROCESSED)
    clusters = load_clusters(PROCESSED, corpus.doc_ids)
    assert selection["fingerprint"].eq(T.selection_fingerprint(corpus, clusters)).all()
    pick = selection[selection["chosen"]]
    assert len(pick) == 1
    assert (pick["model"].iloc[0], pick["k"].iloc[0]) == (T.CHOSEN_MODEL, T.CHOSEN_K)
    assert len(selection) == len(T.MODEL_KINDS) * len(T.K_GRID)
    restarts = tables["topic_restart_similarity"]
    assert restarts["model"].eq(T.CHOSEN_MODEL).all() and restarts["k"].eq(T.CHOSEN_K).all()
    # the mean over distinct pairs is the stability the selection table reports
    off = restarts[restarts["run_a"] < restarts["run_b"]]["similarity"].mean()
    row = selection[(selection["model"] == T.CHOSEN_MODEL) & (selection["k"] == T.CHOSEN_K)]
    assert off == pytest.approx(row["stability_mean"].iloc[0], abs=1e-5)


def test_build_of_another_corpus_can_skip_the_selection(tmp_path, monkeypatch):
    """With the switch set, a build of a corpus without a stored selection writes the
    selection table empty (tests of other stages need no evidence) and every other table."""
    from analysis.core.io import read_csv

    if not (PROCESSED / "clause_domains.csv").exists():
        pytest.skip("build has not run")
    keep = ["yichun-2023", "haimen-2023"]
    for name in ("clauses.csv", "documents.csv", "clause_domains.csv"):
        table = read_csv(PROCESSED / name)
        table[table["doc_id"].isin(keep)].to_csv(tmp_path / name, index=False)
    monkeypatch.setenv(T.SKIP_SELECTION_ENV, "1")
    written = T.build(None, tmp_path)
    assert [p.name for p in written] == [s.filename for s in T.SCHEMAS]
    tables = T.load_tables(tmp_path)
    assert tables["topic_selection"].empty
    n_modelled = tables["clause_topics"]["clause_id"].nunique()
    assert set(tables["topics"]["n_clauses"]) == {n_modelled}
    assert set(tables["clause_topics"]["doc_id"]) == set(keep)


def test_describe_frontier_restates_the_rule(small_selection):
    from analysis.topics.evidence import describe_frontier

    _, table, _, perturbed = small_selection
    text = describe_frontier(table, perturbed).splitlines()
    choice = T.choose_model(table)
    assert text[0] == f"rule: {choice.reason}"
    assert any(line.startswith("with stm's smoothing") for line in text)
    # every perturbed fit of the chosen model is listed
    assert text[-1].count("subsample_") == 5 and text[-1].count("without_") == 3
    # The ranges after "reportable K = …" are those of the reportable models; the whole
    # grid's come on a line of their own, labelled.
    for kind in table["model"].unique():
        part = table[table["model"] == kind]
        ok = part[part["reportable"].astype(bool)]
        line = next(x for x in text if x.startswith(f"{kind.upper()}: reportable K = "))
        grid = next(x for x in text if x.startswith(f"{kind.upper()}, whole grid K = "))
        assert "cross-fitted NPMI" in grid and "cross-fitted NPMI" not in line
        if len(ok):
            assert f"FREX exclusivity {ok['frex_exclusivity'].min():.3f}" in line
            assert f"semantic coherence {ok['semantic_coherence'].max():.3f}" in line
        else:
            assert line.endswith("reportable K = none")
        assert f"FREX exclusivity {part['frex_exclusivity'].min():.3f}" in grid
        assert f"to {part['frex_exclusivity'].max():.3f}" in grid
    # Cross-validated values are given with their folds, not a standard error.
    chosen = next(x for x in text if x.startswith("chosen "))
    assert "cross-fitted NPMI" in chosen and "3 folds" in chosen and "SE" not in chosen
    # A reportable subset with a narrower range than the grid is told apart.
    narrow = table.assign(reportable=(table["model"] == "nmf") & (table["k"] == 2))
    lines = describe_frontier(narrow).splitlines()
    nmf2 = narrow[(narrow["model"] == "nmf") & (narrow["k"] == 2)].iloc[0]
    line = next(x for x in lines if x.startswith("NMF: reportable K = 2;"))
    assert (f"FREX exclusivity {nmf2['frex_exclusivity']:.3f} (K=2) to "
            f"{nmf2['frex_exclusivity']:.3f} (K=2)") in line


def test_selection_keeps_every_fold(small_selection):
    """The fold columns hold the values that the mean and standard error sum up."""
    _, table, options, _ = small_selection
    for row in table.itertuples():
        folds = np.array([float(v) for v in row.npmi_folds.split()])
        assert len(folds) == options["n_folds"] == row.n_folds
        assert folds.mean() == pytest.approx(row.npmi_mean, abs=1e-5)
        assert folds.std(ddof=1) / np.sqrt(len(folds)) == pytest.approx(row.npmi_se, abs=1e-5)
        assert len(row.npmi_heldout_folds.split()) == len(folds)
        if row.model == "lda":
            ll = np.array([float(v) for v in row.heldout_ll_folds.split()])
            assert ll.mean() == pytest.approx(row.heldout_ll_per_token, abs=1e-5)
        else:
            assert not isinstance(row.heldout_ll_folds, str) or not row.heldout_ll_folds


def test_selection_figures_draw_each_fold_not_error_bars(small_selection):
    import matplotlib.pyplot as plt

    from analysis.figures import topic_frontier, topics as figures

    _, table, options, _ = small_selection
    n_points = len(table) * options["n_folds"]            # every (model, K) and fold
    fig = topic_frontier.plot_frontier(table, 0.8)
    right = fig.axes[2]
    assert not right.containers                          # no error bars
    drawn = [line for line in right.get_lines() if line.get_linestyle() == "None"]
    assert sum(len(line.get_xdata()) for line in drawn) == 2 * n_points   # two references
    assert "each fold" in right.get_ylabel()
    assert any("each fold" in t.get_text() for t in right.get_legend().get_texts())
    plt.close(fig)

    fig = figures.plot_selection(table, ("nmf", 2), 0.8)
    coherence, likelihood = fig.axes[0], fig.axes[3]
    assert not any(ax.containers for ax in fig.axes)
    points = [line for line in coherence.get_lines()
              if line.get_linestyle() == "None" and line.get_marker() == "."]
    assert sum(len(line.get_xdata()) for line in points) == n_points
    lda = (table["model"] == "lda").sum() * options["n_folds"]
    points = [line for line in likelihood.get_lines()
              if line.get_linestyle() == "None" and line.get_marker() == "."]
    assert sum(len(line.get_xdata()) for line in points) == lda
    assert "each fold" in coherence.get_ylabel() and "each fold" in likelihood.get_ylabel()
    plt.close(fig)
