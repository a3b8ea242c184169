"""Benchmark ``reuse_scaling``: the reuse search on synthetic corpora of recombined real clauses."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analysis.core.bench import register
from analysis.text.minhash import SEED, lsh_candidates, minhash_signatures  # noqa: F401
from analysis.text.reuse import _compact, find_reuse




def synthetic_corpus(prepared: pd.DataFrame, n_plans: int, clauses_per_plan: int = 50,
                     copy_share: float = 0.3, seed: int = SEED) -> tuple[pd.DataFrame, set]:
    """A synthetic corpus of plans built by recombining the words of real clauses.

    Plans form a hierarchy: the first ``n_plans // 40`` plans are roots; every other plan has
    a parent among the earlier plans and copies about ``copy_share`` of its clauses from the
    parent, each copy lightly edited (one phrase replaced, dropped or added, as Yichun edits
    Jiangxi). Every other clause is new: words drawn from the real clauses in proportion to
    their frequency (jieba segmentation, punctuation removed), with a comma every 4–8 words,
    and as long as a real clause (length drawn from the real lengths). Unrelated plans thus
    share vocabulary and stock phrases but not passages, and the amount of true reuse grows
    linearly with the number of plans.

    Returns
    -------
    (pandas.DataFrame, set)
        Clauses (``doc_id``, ``clause_id``, ``content``) and the set of true copies as
        (copy clause_id, source clause_id).
    """
    import re

    from analysis.text.tokenise import tokenizer

    rng = np.random.default_rng(seed)
    real = [_compact(t) for t in prepared["content"] if isinstance(t, str) and len(t) >= 10]
    words = [w for text in real for w in tokenizer().lcut(text, HMM=False)
             if re.fullmatch(r"[\u4e00-\u9fff0-9A-Za-z]+", w)]
    vocabulary, counts = np.unique(np.array(words, dtype=object), return_counts=True)
    probabilities = counts / counts.sum()
    real_lengths = np.array([len(t) for t in real])
    n_roots = max(1, n_plans // 40)
    split = re.compile(r"[^，。；：、]+[，。；：、]?")

    # Words are drawn in large batches (one numpy call each) and consumed in order.
    stream = {"words": [], "pos": 0}

    def word_stream(k: int) -> list:
        if stream["pos"] + k > len(stream["words"]):
            stream["words"] = rng.choice(vocabulary, size=200_000, p=probabilities).tolist()
            stream["pos"] = 0
        taken = stream["words"][stream["pos"]:stream["pos"] + k]
        stream["pos"] += k
        return taken

    def fresh() -> str:
        target = int(rng.choice(real_lengths))
        pieces, size = [], 0
        while size < target:
            phrase = "".join(word_stream(int(rng.integers(4, 9)))) + "，"
            pieces.append(phrase)
            size += len(phrase)
        return "".join(pieces)[:-1] + "。"

    plan_clauses: list[list[str]] = []
    rows, truth = [], set()
    for p in range(n_plans):
        doc_id = f"syn{p:05d}"
        texts = []
        parent = int(rng.integers(0, p)) if p >= n_roots else None
        for c in range(clauses_per_plan):
            if parent is not None and rng.random() < copy_share:
                src = int(rng.integers(0, clauses_per_plan))
                pieces = split.findall(plan_clauses[parent][src])
                edit = rng.random()
                if len(pieces) > 2 and edit < 0.4:
                    pieces[int(rng.integers(0, len(pieces)))] = split.findall(fresh())[0]
                elif len(pieces) > 2 and edit < 0.7:
                    pieces.pop(int(rng.integers(0, len(pieces))))
                else:
                    pieces.insert(int(rng.integers(0, len(pieces) + 1)), split.findall(fresh())[0])
                text = "".join(pieces)
                truth.add((f"{doc_id}/{c}", f"syn{parent:05d}/{src}"))
            else:
                text = fresh()
            texts.append(text)
            rows.append((doc_id, f"{doc_id}/{c}", text))
        plan_clauses.append(texts)
    table = pd.DataFrame(rows, columns=["doc_id", "clause_id", "content"])
    return table, truth


def _measure_size(n_plans: int) -> dict:
    """One benchmark run in a fresh process: build a synthetic corpus of ``n_plans``, search
    it, and report stage timings, peak memory above the process's starting point, and recall
    of the known copies."""
    import resource

    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir
    from analysis.text.tokenise import prepared_clauses, tokenizer

    tokenizer()
    prepared = prepared_clauses(read_csv(processed_dir() / "clauses.csv"))
    prepared = prepared[prepared["n_chars"] >= 10]
    corpus, truth = synthetic_corpus(prepared, n_plans)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    texts = corpus["content"].tolist()
    group = pd.factorize(corpus["doc_id"])[0]
    windows = minhash_signatures(texts)
    t_sig = time.perf_counter() - start
    candidates = lsh_candidates(windows, group)
    t_lsh = time.perf_counter() - start - t_sig
    found = find_reuse(corpus, candidates=candidates)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pairs = set(zip(found["clause_a"], found["clause_b"]))
    unordered_found = {tuple(sorted(p)) for p in pairs}
    unordered_true = {tuple(sorted(p)) for p in truth}
    return {"plans": n_plans, "clauses": len(corpus),
            "characters_m": round(corpus["content"].str.len().sum() / 1e6, 2),
            "windows": int(len(windows.text)), "candidate_pairs": int(len(candidates)),
            "aligned_pairs_kept": int(len(found) // 2), "true_copies": len(truth),
            "recall_of_copies": round(len(truth & pairs) / max(len(truth), 1), 4),
            "kept_pairs_that_are_direct_copies": round(
                len(unordered_found & unordered_true) / max(len(unordered_found), 1), 4),
            "signatures_s": round(t_sig, 2), "lsh_s": round(t_lsh, 2),
            "alignment_s": round(total - t_sig - t_lsh, 2), "total_s": round(total, 2),
            "peak_rss_above_start_mb": round((peak - baseline) / 1024, 1)}


@register("reuse_scaling")
def bench_reuse(sizes: tuple[int, ...] = (1000, 4000)) -> dict:
    """Reuse search (signatures, LSH, alignment) on synthetic corpora of two sizes, each in a
    fresh process so that peak memory is its own: time, peak resident memory above the
    process's start, the growth exponents (log ratio of time or memory / log ratio of sizes;
    1 = linear, 2 = quadratic), and recall of the copies planted in the corpus."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    results: dict = {"sizes": list(sizes),
                     "corpus": "synthetic_corpus: words of the real clauses recombined; each "
                               "non-root plan copies ~30% of its clauses from a parent, edited"}
    for n in sizes:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            results[f"n{n}"] = pool.submit(_measure_size, n).result()
    small, large = (results[f"n{n}"] for n in (min(sizes), max(sizes)))
    ratio = np.log(max(sizes) / min(sizes))
    for key, label in (("total_s", "time"), ("peak_rss_above_start_mb", "memory")):
        results[f"{label}_growth_exponent"] = round(
            float(np.log(max(large[key], 1e-9) / max(small[key], 1e-9)) / ratio), 2)
    return results


def _measure_streamed(n_plans: int, align: bool) -> dict:
    """In a fresh process: the synthetic corpus of ``n_plans`` (as :func:`_measure_size`),
    candidates from :func:`lsh_candidates_streamed`, and optionally their alignment; time,
    peak resident memory of the process (absolute and above the corpus held in memory),
    and recall of the planted copies among the candidates."""
    import resource

    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir
    from analysis.text.minhash import lsh_candidates_streamed
    from analysis.text.tokenise import prepared_clauses, tokenizer

    tokenizer()
    prepared = prepared_clauses(read_csv(processed_dir() / "clauses.csv"))
    prepared = prepared[prepared["n_chars"] >= 10]
    start = time.perf_counter()
    corpus, truth = synthetic_corpus(prepared, n_plans)
    generate = time.perf_counter() - start
    texts = [_compact(t) for t in corpus["content"]]
    group = pd.factorize(corpus["doc_id"])[0]
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    candidates = lsh_candidates_streamed(texts, group)
    lsh = time.perf_counter() - start
    peak_lsh = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ids = corpus["clause_id"].to_numpy()
    found = {(ids[a], ids[b]) for a, b in candidates} | {(ids[b], ids[a]) for a, b in candidates}
    result = {"plans": n_plans, "clauses": len(corpus),
              "characters_m": round(sum(map(len, texts)) / 1e6, 2),
              "generate_s": round(generate, 1), "candidate_pairs": int(len(candidates)),
              "recall_of_copies_in_candidates": round(len(truth & found) / max(len(truth), 1), 4),
              "signatures_and_lsh_s": round(lsh, 1),
              "peak_rss_mb_after_lsh": round(peak_lsh / 1024, 1),
              "peak_rss_above_corpus_mb_after_lsh": round((peak_lsh - baseline) / 1024, 1)}
    if align:
        start = time.perf_counter()
        kept = find_reuse(corpus, candidates=candidates)
        result["alignment_s"] = round(time.perf_counter() - start, 1)
        result["aligned_pairs_kept"] = int(len(kept) // 2)
        result["peak_rss_mb_after_alignment"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["load_average"] = round(__import__("os").getloadavg()[0], 2)
    return result


@register("reuse_streamed")
def bench_reuse_streamed() -> dict:
    """Candidates of the reuse search in bounded memory (signatures per chunk, band keys per
    pass) at ``ANALYSIS_BENCH_REUSE_PLANS`` plans (default 4000; the issue's size is 30000),
    each in a fresh process; alignment too up to ``ANALYSIS_BENCH_REUSE_ALIGN_MAX`` plans
    (default 4000), since the alignment (:func:`find_reuse`) holds every candidate pair."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    sizes = [int(x) for x in os.environ.get("ANALYSIS_BENCH_REUSE_PLANS", "4000").split(",")]
    align_max = int(os.environ.get("ANALYSIS_BENCH_REUSE_ALIGN_MAX", "4000"))
    results: dict = {"sizes": sizes, "corpus": "synthetic_corpus of this module (50 clauses "
                     "per plan, ~30% copied from a parent plan)"}
    for n in sizes:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            results[f"n{n}"] = pool.submit(_measure_streamed, n, n <= align_max).result()
    if len(sizes) > 1:
        small, large = (results[f"n{n}"] for n in (min(sizes), max(sizes)))
        ratio = np.log(max(sizes) / min(sizes))
        for key in ("signatures_and_lsh_s", "peak_rss_above_corpus_mb_after_lsh"):
            results[f"{key}_growth_exponent"] = round(
                float(np.log(max(large[key], 1e-9) / max(small[key], 1e-9)) / ratio), 2)
    return results
