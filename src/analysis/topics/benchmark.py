"""The ``topic_fit`` benchmark (registered with :mod:`analysis.core.bench`).

:func:`synthetic_corpus` recombines halves of real clauses into a corpus of any size and
:func:`bench_topic_fit` times the fits of the chosen model on it; the registration happens
when this module is imported, which :mod:`analysis.topics.model` does.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from analysis.core import bench
from analysis.topics.models import fit_model
from analysis.topics.settings import (CHOSEN_K, CHOSEN_MODEL, MAX_DF, MIN_DF, MODEL_KINDS,
                                      N_RESTARTS, derive_seed)
from analysis.topics.stage import load_corpus


def synthetic_corpus(tokens: Sequence[Sequence[str]], n: int, seed: int | None = None
                     ) -> list[str]:
    """``n`` synthetic clauses, each the first half of one real clause joined to the second
    half of another (both drawn at random), so word co-occurrence stays realistic within each
    half while the corpus is ``n`` clauses long."""
    rng = np.random.default_rng(derive_seed(7) if seed is None else seed)
    a = rng.integers(0, len(tokens), size=n)
    b = rng.integers(0, len(tokens), size=n)
    out = []
    for i, j in zip(a, b):
        x, y = tokens[i], tokens[j]
        out.append(" ".join(list(x[:len(x) // 2]) + list(y[len(y) // 2:])))
    return out


@bench.register("topic_fit")
def bench_topic_fit(n_clauses: int = 20_000) -> dict:
    """Fit time of the chosen model on ``n_clauses`` synthetic clauses recombined from the
    seed clauses (:func:`synthetic_corpus`): one fit, the build's :data:`N_RESTARTS`
    restarts, and one fit of the other model family at the same K for comparison. All
    single-threaded with fixed seeds."""
    import time

    from sklearn.feature_extraction.text import CountVectorizer

    corpus, _ = load_corpus()
    texts = synthetic_corpus(corpus.tokens, n_clauses)
    start = time.perf_counter()
    counts = CountVectorizer(analyzer=str.split, min_df=MIN_DF,
                             max_df=MAX_DF).fit_transform(texts).tocsr()
    vectorise = time.perf_counter() - start
    start = time.perf_counter()
    model = fit_model(CHOSEN_MODEL, counts, CHOSEN_K, derive_seed(4, CHOSEN_K, 0))
    fit = time.perf_counter() - start
    start = time.perf_counter()
    model.doc_topic(counts)
    transform = time.perf_counter() - start
    start = time.perf_counter()
    for r in range(N_RESTARTS):
        fit_model(CHOSEN_MODEL, counts, CHOSEN_K, derive_seed(4, CHOSEN_K, r))
    restarts = time.perf_counter() - start
    other = next(k for k in MODEL_KINDS if k != CHOSEN_MODEL)
    start = time.perf_counter()
    other_model = fit_model(other, counts, CHOSEN_K, derive_seed(4, CHOSEN_K, 0))
    other_fit = time.perf_counter() - start
    return {"model": CHOSEN_MODEL, "k": CHOSEN_K, "n_clauses": n_clauses,
            "vocabulary": int(counts.shape[1]), "tokens": int(counts.sum()),
            "vectorise_s": round(vectorise, 2), "fit_s": round(fit, 2),
            "n_iter": model.n_iter, "transform_s": round(transform, 2),
            f"fit_{N_RESTARTS}_restarts_s": round(restarts, 2),
            "other_model": other, "other_model_fit_s": round(other_fit, 2),
            "other_model_n_iter": other_model.n_iter, "threads": 1}


@bench.register("topic_selection")
def bench_topic_selection(refit: bool = True, n_jobs: int = 1) -> dict:
    """What model selection costs the build on the seed corpus: the fingerprint and the
    look-up of a stored ``topic_selection.csv`` (every build), and, with ``refit``, the
    full selection over the K grid that runs when the fingerprint changed."""
    import tempfile
    import time
    from pathlib import Path

    from analysis.core.schema import write_table
    from analysis.topics.results import (TOPIC_PERTURBATION, TOPIC_SELECTION,
                                         cached_selection, selection_fingerprint,
                                         selection_table)

    corpus, _ = load_corpus()
    start = time.perf_counter()
    fingerprint = selection_fingerprint(corpus)
    fingerprint_s = time.perf_counter() - start
    out = {"n_clauses": len(corpus), "fingerprint_s": round(fingerprint_s, 3)}
    if refit:
        start = time.perf_counter()
        table, perturbed = selection_table(corpus, fingerprint, n_jobs=n_jobs)
        out.update(selection_s=round(time.perf_counter() - start, 1), n_jobs=n_jobs,
                   n_models=len(table))
        with tempfile.TemporaryDirectory() as folder:
            write_table(table, TOPIC_SELECTION, Path(folder))
            write_table(perturbed, TOPIC_PERTURBATION, Path(folder))
            start = time.perf_counter()
            assert cached_selection(Path(folder), fingerprint) is not None
            out["cached_lookup_s"] = round(time.perf_counter() - start, 3)
    return out
