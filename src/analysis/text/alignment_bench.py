"""Benchmark ``alignment_throughput``: local alignment (:mod:`analysis.text.alignment`) against
the previous difflib alignment on the seed corpus's LSH candidate pairs."""
from __future__ import annotations

import difflib
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd

from analysis.core.bench import register
from analysis.text.alignment import local_align
from analysis.text.reuse import _compact
from analysis.text.minhash import lsh_candidates, minhash_signatures


@contextmanager
def biopython_gate_only():
    """Align as on a machine without parasail (rounds gated by Biopython's score, whole
    texts traced back): the reference the parasail path is compared with."""
    import analysis.text.alignment as alignment

    fast = alignment._parasail
    alignment._parasail = lambda: None
    try:
        yield
    finally:
        alignment._parasail = fast


@register("alignment_throughput")
def bench_alignment(repeats: int = 3) -> dict:
    """Clause pairs aligned per second and dynamic-programming cells per second (product of
    the two lengths) for local alignment, for local alignment with its rounds gated by
    Biopython's score instead of parasail's (``local_biopython_gate``: the same alignments,
    tested) and for difflib, on the LSH candidate pairs of the built seed corpus
    (``data/processed/clauses.csv``), best of ``repeats`` runs."""
    from analysis.core.paths import processed_dir
    from analysis.text.regional import load_inputs

    prepared = load_inputs(processed_dir())[2]
    texts = ["".join(t.split()) for t in prepared["content"]]
    group = pd.factorize(prepared["doc_id"])[0]
    pairs = lsh_candidates(minhash_signatures(texts), group)
    cells = float(sum(len(texts[i]) * len(texts[j]) for i, j in pairs))
    results: dict = {"pairs": int(len(pairs)), "cells_m": round(cells / 1e6, 2)}

    def biopython_gate(a, b):
        with biopython_gate_only():
            return local_align(a, b)

    runners = {"local": lambda a, b: local_align(a, b), "local_biopython_gate": biopython_gate,
               "difflib": lambda a, b: difflib.SequenceMatcher(
                   None, a, b, autojunk=False).get_matching_blocks()}
    for name, run in runners.items():
        run(texts[pairs[0][0]], texts[pairs[0][1]])  # imports and set-up outside the timing
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for i, j in pairs:
                run(texts[i], texts[j])
            times.append(time.perf_counter() - start)
        best = max(min(times), 1e-9)
        results[f"{name}_s"] = round(best, 3)
        results[f"{name}_pairs_per_s"] = round(len(pairs) / best, 1)
        results[f"{name}_mcells_per_s"] = round(cells / best / 1e6, 2)
    results["local_over_difflib_time"] = round(results["local_s"] / max(results["difflib_s"],
                                                                          1e-9), 2)
    results["parasail_gate_speedup"] = round(results["local_biopython_gate_s"]
                                             / max(results["local_s"], 1e-9), 2)
    results["median_clause_chars"] = float(np.median([len(t) for t in texts]))
    return results


@register("alignment_gate")
def bench_alignment_gate(n_plans: int = 400, n_pairs: int = 3000, seed: int = 0) -> dict:
    """The build's alignment of candidate pairs (three scores, as the regional stage asks)
    with parasail (score gate and best prefixes) and with Biopython alone, on LSH candidate
    pairs of a synthetic corpus (:func:`analysis.text.reuse_bench.synthetic_corpus`,
    recombined words of the seeds' clauses: most candidates are chance pairs, as at corpus
    scale), as clauses and as paragraphs of five consecutive clauses of a plan (the length
    of the synthetic build corpus's paragraphs); one process, processor time of one run
    each, and whether the alignments are identical."""
    from analysis.core.paths import processed_dir
    from analysis.text.regional import load_inputs
    from analysis.text.reuse_bench import synthetic_corpus

    corpus, _ = synthetic_corpus(load_inputs(processed_dir())[2], n_plans, seed=seed)
    texts = [_compact(t) for t in corpus["content"]]
    plans = corpus["doc_id"].to_numpy()
    results: dict = {"plans": n_plans}
    paragraphs, paragraph_plans = [], []
    for plan, rows in corpus.groupby("doc_id", sort=False).indices.items():
        for k in range(0, len(rows), 5):
            paragraphs.append("".join(texts[r] for r in rows[k:k + 5]))
            paragraph_plans.append(plan)
    for name, units, groups in (("clauses", texts, plans),
                                ("paragraphs", paragraphs, np.array(paragraph_plans))):
        results[name] = _gate_on_and_off(units, groups, n_pairs, seed)
    return results


def _gate_on_and_off(texts: list[str], plans: np.ndarray, n_pairs: int, seed: int) -> dict:
    from analysis.text.alignment import local_align_levels

    group = pd.factorize(plans)[0]
    pairs = np.asarray(lsh_candidates(minhash_signatures(texts), group))
    rng = np.random.default_rng(seed)
    pairs = pairs[np.sort(rng.choice(len(pairs), min(n_pairs, len(pairs)), replace=False))]
    scores = (10, 8, 20)

    def run():
        start = time.process_time()
        found = [local_align_levels(texts[i], texts[j], scores) for i, j in pairs]
        return found, time.process_time() - start

    with_parasail, fast_s = run()
    with biopython_gate_only():
        biopython, plain_s = run()
    return {"pairs": int(len(pairs)),
            "median_chars": float(np.median([len(texts[i]) for i in pairs.ravel()])),
            "pairs_with_no_passage": sum(not found[1].regions for found in with_parasail),
            "parasail_ms_per_pair": round(1000 * fast_s / len(pairs), 3),
            "biopython_ms_per_pair": round(1000 * plain_s / len(pairs), 3),
            "speedup": round(plain_s / max(fast_s, 1e-9), 2),
            "identical_alignments": with_parasail == biopython}
