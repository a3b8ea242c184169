"""Benchmark ``distinctive_terms_scaling``: the distinctive-term tables at corpus scale.

:func:`analysis.text.keyness.distinctive_terms` compares every unit (plan) with the rest over
the whole vocabulary, and the vocabulary grows with the corpus. Read from a dense units ×
terms table its memory grows as plans × vocabulary; read from :class:`~analysis.text.keyness.
TermCounts` one unit at a time, as the build does since 2026-11-30, it grows with the non-zero
counts. This benchmark measures both on synthetic counts whose vocabulary grows as real text
does: each plan is 5,000 tokens drawn from a Zipf law (exponent 1.6 over an unbounded
vocabulary, so the number of distinct terms grows about as the corpus to the power 0.6, as in
Heaps' law; measured 0.61–0.63). The dense path is run only where its table fits comfortably.
Each size runs in a fresh process.
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
    """Plans × terms counts of synthetic plans.

    Parameters
    ----------
    n_plans : int
        Number of plans, each :data:`TOKENS_PER_PLAN` tokens.
    seed : int
        Seed of the Zipf draws (the same seed gives the same counts).

    Returns
    -------
    analysis.text.keyness.TermCounts
        Terms are numbered strings in code-point order, as the build's are.
    """
    import pandas as pd
    from scipy import sparse

    from analysis.text.keyness import TermCounts

    rng = np.random.default_rng(seed)
    # Block by block, each block's draws reduced to (plan, term, count) at once, so that
    # making the counts does not need plans x tokens numbers.
    parts = []
    for first in range(0, n_plans, 500):
        block = min(500, n_plans - first)
        # draws beyond ten million (about 230 of the five million tokens at 1,000 plans)
        # are one term, so that term codes fit in 24 bits
        draws = np.minimum(rng.zipf(ZIPF_EXPONENT, size=(block, TOKENS_PER_PLAN)),
                           10_000_000)
        keys, counts = np.unique((np.arange(first, first + block)[:, None].astype(np.int64)
                                  << 24) | draws, return_counts=True)
        parts.append((keys >> 24, keys & ((1 << 24) - 1), counts))
    plans, words, values = (np.concatenate(x) for x in zip(*parts))
    used, codes = np.unique(words, return_inverse=True)
    matrix = sparse.csr_matrix((values.astype(float), (plans, codes)),
                               shape=(n_plans, len(used)))
    # zero-padded so that code-point order is numeric order
    terms = pd.Index([f"w{int(v):08d}" for v in used])
    units = pd.Index([f"plan{p:05d}" for p in range(n_plans)], name="unit")
    return TermCounts(matrix, units, terms)


def _measure(n_plans: int, kind: str) -> dict:
    """Time and peak memory of the two-pass use :func:`~analysis.text.keyness.
    vocabulary_tables` makes of ``distinctive_terms`` (each unit's top terms by z), including
    the dense table where the old path made one. Memory is the peak of the allocations
    ``tracemalloc`` traces during the call (numpy's included), in a second run: resident
    sizes at this scale are allocator noise (freed memory is reused)."""
    import tracemalloc

    from analysis.text.keyness import distinctive_terms
    from analysis.text.keyness_ranks import Selection

    counts = synthetic_counts(n_plans)

    def call():
        if kind == "selected":  # the build's path: only the kept rows are computed
            return distinctive_terms(counts, select=Selection(top={"z": TOP_N}))
        table = counts.to_frame() if kind == "dense" else counts
        return distinctive_terms(table, keep=lambda unit, rows: rows["rank_z"] <= TOP_N)

    start = time.perf_counter()
    kept = call()
    seconds = time.perf_counter() - start
    del kept
    tracemalloc.start()
    kept = call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"plans": n_plans, "terms": int(counts.shape[1]),
            "nonzero_counts": int(counts.matrix.nnz), "rows_kept": int(len(kept)),
            "seconds": round(seconds, 2), "peak_traced_mb": round(peak / 2 ** 20, 1)}


def _exponent(small: dict, large: dict, key: str) -> float:
    ratio = np.log(large["plans"] / small["plans"])
    return round(float(np.log(max(large[key], 1e-9) / max(small[key], 1e-9)) / ratio), 2)


@register("distinctive_terms_scaling")
def bench_distinctive_terms(sizes: tuple[int, ...] = (1000, 2000, 4000)) -> dict:
    """``distinctive_terms`` on synthetic counts of several corpus sizes: only the kept rows
    computed from each unit's non-zero counts (``selected``, the build's path since
    2026-12-01, :mod:`analysis.text.keyness_ranks`), every term ranked per unit from sparse
    counts (``sparse``, the path before) and, where the table fits, from the dense table
    (``dense``): seconds, peak traced memory, and growth exponents of each path between the
    smallest and the largest size it ran at (the dense path stops earlier)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    results: dict = {"sizes": list(sizes),
                     "counts": f"{TOKENS_PER_PLAN} Zipf({ZIPF_EXPONENT}) tokens per plan, "
                               f"seed {SEED}; each unit's top {TOP_N} terms by z kept"}
    for n in sizes:
        for kind in ("selected", "sparse", "dense"):
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                if kind == "dense":
                    terms = pool.submit(_terms, n).result()
                    if n * terms > DENSE_MAX_CELLS:
                        results[f"n{n}_dense"] = {"plans": n, "terms": terms,
                                                  "skipped": "dense table too large"}
                        continue
                results[f"n{n}_{kind}"] = pool.submit(_measure, n, kind).result()
            print(f"  {n} plans, {kind}: {results[f'n{n}_{kind}']}", flush=True)
    for kind in ("selected", "sparse", "dense"):
        measured = [results[f"n{n}_{kind}"] for n in sizes
                    if "seconds" in results.get(f"n{n}_{kind}", {})]
        if len(measured) >= 2:
            for key, label in (("seconds", "time"), ("peak_traced_mb", "memory")):
                results[f"{kind}_{label}_growth_exponent"] = _exponent(measured[0],
                                                                      measured[-1], key)
    return results


def _terms(n_plans: int) -> int:
    return int(synthetic_counts(n_plans).shape[1])
