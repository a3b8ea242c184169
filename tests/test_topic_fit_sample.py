"""Topic models fitted on a sample of plans and projected on every clause (issue 11: adding
a plan outside the sample keeps the fits), on the seed corpus with a small sample size."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.io import read_csv
from analysis.topics import model as T
from analysis.topics.corpus import vectorise_on
from analysis.topics.stage import modelling_corpora, selection_sample

ROOT = Path(__file__).resolve().parents[1]
PROCESSED = ROOT / "data" / "processed"
#: Small enough that the seeds' five plans do not all fit.
CAP = 160


@pytest.fixture(scope="module")
def seed_inputs():
    from analysis.text import tokenise

    clauses = read_csv(PROCESSED / "clauses.csv")
    tokens = T.clause_tokens(clauses)
    units = T.modelling_units(clauses, tokens, tokenise.stopwords())
    return clauses, tokens, units


@pytest.fixture(scope="module")
def seeded_fit(seed_inputs):
    """The seeds above a small threshold: fitting sample, whole corpus, a short seeded fit on
    the sample, and each clause's fitted row (None outside the sample)."""
    from analysis.topics.seeded import fit_seeded, seed_words

    _, _, units = seed_inputs
    fit, corpus, _, _ = modelling_corpora(units, max_clauses=CAP)
    model = fit_seeded(fit.tokens, seed_words(fit.vocab), iterations=50)
    rows = {c: i for i, c in enumerate(fit.clause_ids)}
    return fit, corpus, model, [rows.get(c) for c in corpus.clause_ids]


def _order(units):
    """Plans in the order the sample takes them, and the sample under CAP."""
    candidates = units[units["status"].eq("modelled")]
    sample = selection_sample(candidates["doc_id"], CAP)
    return candidates, sample


def test_vectorise_on_counts_on_the_given_vocabulary():
    units = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "clause_id": ["1", "2", "3", "4"],
                          "tokens": ["x y z x", "y q", "z z y w", "x x x"],
                          "status": ["modelled", "modelled", "modelled", "heading_only"]})
    corpus, out = vectorise_on(units, np.array(["x", "y", "z"], dtype=object), min_tokens=3)
    # "q" and "w" are not in the vocabulary: clause 2 has one token left and is too short
    assert out["status"].tolist() == ["modelled", "too_short", "modelled", "heading_only"]
    assert out["n_tokens"].tolist() == [4, 1, 3, 0]
    assert corpus.clause_ids == ["1", "3"]
    assert corpus.counts.toarray().tolist() == [[2, 1, 1], [0, 1, 2]]
    assert corpus.tokens == [["x", "y", "z", "x"], ["z", "z", "y"]]


def test_small_corpora_are_fitted_whole(seed_inputs):
    _, _, units = seed_inputs
    fit, corpus, out, described = modelling_corpora(units, max_clauses=10**6)
    assert fit is corpus and described.startswith("all ")
    whole, whole_units = T.prepare_corpus(units)
    assert corpus.clause_ids == whole.clause_ids and list(corpus.vocab) == list(whole.vocab)
    assert (corpus.counts != whole.counts).nnz == 0
    pd.testing.assert_frame_equal(out, whole_units)


def test_large_corpora_are_fitted_on_whole_plans_in_hash_order(seed_inputs):
    _, _, units = seed_inputs
    candidates, sample = _order(units)
    assert 2 <= len(sample) < candidates["doc_id"].nunique()
    fit, corpus, out, described = modelling_corpora(units, max_clauses=CAP)
    assert set(fit.doc_ids) == set(sample)
    assert set(corpus.doc_ids) == set(candidates["doc_id"])
    assert list(fit.vocab) == list(corpus.vocab)
    # The sample's vocabulary is the sample's own (prepare_corpus on the sample alone).
    own, _ = T.prepare_corpus(candidates[candidates["doc_id"].isin(sample)])
    assert list(own.vocab) == list(fit.vocab)
    assert str(len(sample)) in described and "projected" in described
    assert set(out.loc[out["status"].eq("modelled"), "clause_id"]) == set(corpus.clause_ids)


def _run(clauses, tokens, cache, domains=None):
    return T.run(clauses, domains, kind="nmf", k=4, n_restarts=3, n_boot=50, tokens=tokens,
                 alternative_ks=(3,), fit_max_clauses=CAP, cache=cache)


def test_a_plan_added_outside_the_sample_reuses_the_fits(seed_inputs, tmp_path, monkeypatch):
    """The fits are kept in the cache and not recomputed when a plan outside the sample is
    added; the tables equal those of a run without the cache; the clauses of the plans
    present in both runs keep their proportions (a clause's projection depends on no other
    clause)."""
    from analysis.topics import extras, selection

    clauses, tokens, units = seed_inputs
    candidates, sample = _order(units)
    outside = sorted(set(candidates["doc_id"]) - set(sample))
    added = outside[-1]
    before = clauses[clauses["doc_id"].ne(added)]
    first = _run(before, tokens, tmp_path)
    assert first.final.n_fit == len(first.fit_corpus) < len(first.corpus)
    seeded_before = extras._seeded_model(first.corpus, first.fit_corpus,
                                         extras.seed_words(first.corpus.vocab), tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError("a fit ran although the sample is unchanged")

    with monkeypatch.context() as patch:
        patch.setattr(selection, "fit_model", refuse)
        patch.setattr(extras, "fit_seeded", refuse)
        second = _run(clauses, tokens, tmp_path)
        seeded_after = extras._seeded_model(second.corpus, second.fit_corpus,
                                            extras.seed_words(second.corpus.vocab), tmp_path)
    assert set(second.corpus.doc_ids) - set(first.corpus.doc_ids) == {added}
    # The sample's clauses keep their fitted state; the added plan's are inferred.
    fitted = extras._seeded_model(second.fit_corpus, second.fit_corpus,
                                  extras.seed_words(second.corpus.vocab), tmp_path)
    in_fit = {c: i for i, c in enumerate(second.fit_corpus.clause_ids)}
    rows = [(i, in_fit[c]) for i, c in enumerate(second.corpus.clause_ids) if c in in_fit]
    assert rows and len(rows) < len(second.corpus)
    np.testing.assert_array_equal(seeded_after.concentration[[i for i, _ in rows]],
                                  fitted.concentration[[j for _, j in rows]])
    fresh = _run(clauses, tokens, None)
    for name in ("units", "topics", "clause_topics", "alternatives", "restart_similarity"):
        pd.testing.assert_frame_equal(getattr(second, name), getattr(fresh, name))
    # Proportions of the clauses present both times, by clause (topics may be renumbered
    # by prevalence, so match them by their topic-word rows).
    common = [c for c in first.corpus.clause_ids if c in set(second.corpus.clause_ids)]
    rows_a = [first.corpus.clause_ids.index(c) for c in common]
    rows_b = [second.corpus.clause_ids.index(c) for c in common]
    perm = [int(np.argmax([np.allclose(a, b) for a in first.final.model.topic_word]))
            for b in second.final.model.topic_word]
    np.testing.assert_allclose(second.final.theta[rows_b], first.final.theta[rows_a][:, perm],
                               rtol=0, atol=1e-12)
    np.testing.assert_array_equal(seeded_after.concentration[rows_b],
                                  seeded_before.concentration[rows_a])


def test_projected_seeded_proportions_keep_fitted_rows_and_infer_the_rest(seeded_fit):
    from analysis.topics.seeded import project_seeded

    fit, corpus, model, fitted = seeded_fit
    projected = project_seeded(model, corpus.tokens, fitted)
    inside = [i for i, r in enumerate(fitted) if r is not None]
    outside = [i for i, r in enumerate(fitted) if r is None]
    assert inside and outside
    np.testing.assert_array_equal(projected.concentration[inside],
                                  model.concentration[[fitted[i] for i in inside]])
    np.testing.assert_allclose(projected.theta.sum(axis=1), 1.0)
    # An inferred clause's counts add up to its tokens (plus the prior), and inferring a
    # subset gives the same rows: no clause depends on another.
    alpha = model.concentration[0].sum() - len(fit.tokens[0])
    for i in outside[:20]:
        assert projected.concentration[i].sum() == pytest.approx(len(corpus.tokens[i]) + alpha)
    half = outside[::2]
    again = project_seeded(model, [corpus.tokens[i] for i in half], [None] * len(half))
    np.testing.assert_array_equal(again.concentration, projected.concentration[half])


def test_the_fit_cache_key_holds_the_settings(seed_inputs, tmp_path, monkeypatch):
    """Another number of restarts, K or family is another fit, never the cached one."""
    from analysis.topics import selection
    from analysis.topics.final import fit_final

    _, _, units = seed_inputs
    fit, corpus, _, _ = modelling_corpora(units, max_clauses=CAP)
    fit_final(fit, "nmf", 3, 2, project=corpus, cache=tmp_path)
    calls = []
    real = selection.fit_model

    def counted(*args, **kwargs):
        calls.append(args[:4:3])
        return real(*args, **kwargs)

    monkeypatch.setattr(selection, "fit_model", counted)
    again = fit_final(fit, "nmf", 3, 2, project=corpus, cache=tmp_path)
    assert calls == [] and again.n_fit == len(fit)
    for kind, k, n_restarts in (("nmf", 3, 3), ("nmf", 4, 2), ("lda", 3, 2)):
        calls.clear()
        fit_final(fit, kind, k, n_restarts, project=corpus, cache=tmp_path)
        assert len(calls) == n_restarts


def test_selection_builds_its_own_vocabulary_when_the_fit_is_a_sample(seed_inputs):
    """With the fitting sample smaller than the selection's, the selection corpus still gets
    the whole corpus's own vocabulary, not the fitting sample's."""
    from analysis.topics.stage import selection_corpus

    _, _, units = seed_inputs
    fit, corpus, out, _ = modelling_corpora(units, max_clauses=CAP)
    whole, _ = T.prepare_corpus(units)
    unit_tokens = out[["doc_id", "clause_id", "status", "tokens"]]
    chosen, described = selection_corpus(corpus, unit_tokens, whole=False)
    assert described.startswith("all ")
    assert list(chosen.vocab) == list(whole.vocab)
    assert chosen.clause_ids == whole.clause_ids


def test_inferred_plans_are_kept_and_equal_fresh_inference(seeded_fit, tmp_path, monkeypatch):
    from analysis.topics import extras
    from analysis.topics.seeded import project_seeded

    fit, corpus, model, fitted = seeded_fit
    fresh = project_seeded(model, corpus.tokens, fitted)
    folder = tmp_path / "infer"
    first = extras._project_by_plan(model, corpus, fitted, folder)
    np.testing.assert_array_equal(first.concentration, fresh.concentration)
    np.testing.assert_array_equal(first.theta, fresh.theta)
    # A second build infers nothing again ...
    inferred = []

    def counting(model_, tokens, fitted_rows, known=None):
        known = known or {}
        inferred.append(sum(1 for i, r in enumerate(fitted_rows) if r is None and i not in known))
        return project_seeded(model_, tokens, fitted_rows, known=known)

    monkeypatch.setattr(extras, "project_seeded", counting)
    again = extras._project_by_plan(model, corpus, fitted, folder)
    np.testing.assert_array_equal(again.concentration, fresh.concentration)
    assert inferred == [0]
    # ... and a changed plan is inferred again, alone.
    changed = corpus.subset(range(len(corpus)))
    last = max(i for i, r in enumerate(fitted) if r is None)
    changed.tokens[last] = changed.tokens[last][:-1]
    inferred.clear()
    redone = extras._project_by_plan(model, changed, fitted, folder)
    np.testing.assert_array_equal(redone.concentration,
                                  project_seeded(model, changed.tokens, fitted).concentration)
    plan = changed.doc_ids[last]
    assert inferred == [sum(1 for d, r in zip(changed.doc_ids, fitted)
                            if d == plan and r is None)]
