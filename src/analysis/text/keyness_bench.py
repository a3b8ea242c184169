"""Benchmark ``distinctive_terms_scaling``: the distinctive-term tables at corpus scale.

:func:`analysis.text.keyness.distinctive_terms` compares every unit (plan) with the rest over
the whole vocabulary, and the vocabulary grows with the corpus. Read from a dense units ×
terms table its memory grows as plans × vocabulary; read from :class:`~analysis.text.keyness.
TermCounts` one unit at a time, as the build does since 2026-11-30, it grows with the non-zero
counts. This benchmark measures both on synthetic counts whose vocabulary grows as real text
does: each plan is 5,000 tokens drawn from a Zipf law (exponent 1.6 over an unbounded
vocabulary, so the number of distinct terms grows about as the corpus to the power 0.6, as in
Heaps' law). The dense path is run only where its table fits comfortably. Each size runs in
a fresh process, so that peak memory is its own.
"""
from __future__ import annotations

import time

import numpy as np

from analysis.core.bench import register

TOKENS_PER_PLAN = 5_000
ZIPF_EXPONENT = 1.6
SEED = 20261130
TOP_N = 40
#: Largest dense table (units × terms numbers) the benchmark builds.
DENSE_MAX_CELLS = 150_000_000


def synthetic_counts(n_plans: int, seed: int = SEED):
    """Plans × terms counts (:class:`~analysis.text.keyness.TermCounts`) of ``n_plans``
    synthetic plans; terms are numbered strings in code-point order."""
    import pandas as pd
    from scipy import sparse

    from analysis.text.keyness import TermCounts

    rng = np.random.default_rng(seed)
    draws = rng.zipf(ZIPF_EXPONENT, size=(n_plans, TOKENS_PER_PLAN))
    draws[draws > 10_000_000] = 10_000_000  # a few astronomically rare draws: one term
    used, codes = np.unique(draws, return_inverse=True)
    rows = np.repeat(np.arange(n_plans), TOKENS_PER_PLAN)
    matrix = sparse.csr_matrix((np.ones(rows.size), (rows, codes.ravel())),
                               shape=(n_plans, len(used)))
    matrix.sum_duplicates()
    # zero-padded so that code-point order is numeric order
    terms = pd.Index([f"w{int(v):08d}" for v in used])
    units = pd.Index([f"plan{p:05d}" for p in range(n_plans)], name="unit")
    return TermCounts(matrix, units, terms)


def _measure(n_plans: int, dense: bool) -> dict:
    """Time and peak memory (above the process's state before the call) of the two-pass use
    :func:`~analysis.text.keyness.vocabulary_tables` makes of ``distinctive_terms``: each
    unit's top terms by z."""
    import resource

    from analysis.text.keyness import distinctive_terms

    counts = synthetic_counts(n_plans)
    table = counts.to_frame() if dense else counts
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    kept = distinctive_terms(table, keep=lambda unit, rows: rows["rank_z"] <= TOP_N)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"plans": n_plans, "terms": int(counts.shape[1]),
            "nonzero_counts": int(counts.matrix.nnz), "rows_kept": int(len(kept)),
            "seconds": round(seconds, 2),
            "peak_rss_above_start_mb": round((peak - baseline) / 1024, 1)}


def _exponent(small: dict, large: dict, key: str) -> float:
    ratio = np.log(large["plans"] / small["plans"])
    return round(float(np.log(max(large[key], 1e-9) / max(small[key], 1e-9)) / ratio), 2)


@register("distinctive_terms_scaling")
def bench_distinctive_terms(sizes: tuple[int, ...] = (1000, 2000, 4000)) -> dict:
    """``distinctive_terms`` on synthetic counts of several corpus sizes, read sparse (the
    build's path) and, where the table fits, dense (the path before): seconds, peak memory
    above the process's start, and growth exponents between the smallest and largest size."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    results: dict = {"sizes": list(sizes),
                     "counts": f"{TOKENS_PER_PLAN} Zipf({ZIPF_EXPONENT}) tokens per plan, "
                               f"seed {SEED}; each unit's top {TOP_N} terms by z kept"}
    for n in sizes:
        for dense in (False, True):
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                if dense:
                    terms = pool.submit(_terms, n).result()
                    if n * terms > DENSE_MAX_CELLS:
                        results[f"n{n}_dense"] = {"plans": n, "terms": terms,
                                                  "skipped": "dense table too large"}
                        continue
                results[f"n{n}_{'dense' if dense else 'sparse'}"] = pool.submit(
                    _measure, n, dense).result()
            print(f"  {n} plans, {'dense' if dense else 'sparse'}: "
                  f"{results[f'n{n}_' + ('dense' if dense else 'sparse')]}", flush=True)
    for kind in ("sparse", "dense"):
        measured = [results[f"n{n}_{kind}"] for n in sizes
                    if "seconds" in results.get(f"n{n}_{kind}", {})]
        if len(measured) >= 2:
            for key, label in (("seconds", "time"), ("peak_rss_above_start_mb", "memory")):
                results[f"{kind}_{label}_growth_exponent"] = _exponent(measured[0],
                                                                      measured[-1], key)
    return results


def _terms(n_plans: int) -> int:
    return int(synthetic_counts(n_plans).shape[1])
