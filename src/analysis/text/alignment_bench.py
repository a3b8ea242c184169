"""Benchmark ``alignment_throughput``: local alignment (:mod:`analysis.text.alignment`) against
the previous difflib alignment on the seed corpus's LSH candidate pairs."""
from __future__ import annotations

import difflib
import time

import numpy as np
import pandas as pd

from analysis.core.bench import register
from analysis.text.alignment import local_align
from analysis.text.minhash import lsh_candidates, minhash_signatures


@register("alignment_throughput")
def bench_alignment(repeats: int = 3) -> dict:
    """Clause pairs aligned per second and dynamic-programming cells per second (product of
    the two lengths) for local alignment and for difflib, on the LSH candidate pairs of the
    built seed corpus (``data/processed/clauses.csv``), best of ``repeats`` runs."""
    from analysis.core.paths import processed_dir
    from analysis.text.regional import load_inputs

    prepared = load_inputs(processed_dir())[2]
    texts = ["".join(t.split()) for t in prepared["content"]]
    group = pd.factorize(prepared["doc_id"])[0]
    pairs = lsh_candidates(minhash_signatures(texts), group)
    cells = float(sum(len(texts[i]) * len(texts[j]) for i, j in pairs))
    results: dict = {"pairs": int(len(pairs)), "cells_m": round(cells / 1e6, 2)}
    runners = {"local": lambda a, b: local_align(a, b),
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
    results["median_clause_chars"] = float(np.median([len(t) for t in texts]))
    return results
