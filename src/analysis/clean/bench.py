"""Cleaning benchmark (registered with :mod:`analysis.core.bench`; run by ``make bench``)."""
from __future__ import annotations

import time

from analysis.core.bench import register
from analysis.core.paths import cache_dir


def seed_texts() -> dict[str, str]:
    """Raw seed texts keyed by doc_id."""
    from analysis.core.paths import raw_dir
    from analysis.corpus.read import read_corpus

    _, docs, _ = read_corpus(raw_dir())
    return {d.doc_id: d.text for d in docs}


@register("cleaning_throughput")
def bench_cleaning(target_mb: float = 50.0) -> dict:
    """Cleaning throughput on the seeds repeated to ``target_mb`` MB (UTF-8), next to plain
    jieba segmentation of the same text."""
    import jieba

    from analysis.clean.rules import CleanContext, build_reference, clean_text, make_repairer

    texts = seed_texts()
    unit = list(texts.items())
    unit_bytes = sum(len(t.encode("utf-8")) for _, t in unit)
    copies = int(target_mb * 1e6 // unit_bytes) + 1
    corpus = [(f"{doc_id}#{k}", text) for k in range(copies) for doc_id, text in unit]
    total_bytes = unit_bytes * copies
    start = time.perf_counter()
    model = build_reference([t for _, t in corpus])
    repairer = make_repairer(model)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    n_changes = 0
    clean_total = 0
    for doc_id, text in corpus:
        result = clean_text(text, CleanContext(doc_id, repairer=repairer, model=model))
        n_changes += len(result.log)
        clean_total += len(result.text)
    cleaning = time.perf_counter() - start
    # jieba's cache in the project's cache folder, never the shared temporary folder.
    jieba.dt.tmp_dir = str(cache_dir() / "jieba")
    (cache_dir() / "jieba").mkdir(parents=True, exist_ok=True)
    jieba.initialize()
    start = time.perf_counter()
    n_tokens = 0
    for _, text in corpus:
        n_tokens += sum(1 for _ in jieba.cut(text))
    segmentation = time.perf_counter() - start
    mb = total_bytes / 1e6
    return {
        "input_mb": round(mb, 2), "documents": len(corpus),
        "reference_model_s": round(setup, 2),
        "cleaning_s": round(cleaning, 2), "cleaning_mb_per_s": round(mb / cleaning, 3),
        "jieba_s": round(segmentation, 2), "jieba_mb_per_s": round(mb / segmentation, 3),
        "cleaning_to_jieba_throughput_ratio": round((mb / cleaning) / (mb / segmentation), 3),
        "logged_changes": n_changes, "jieba_tokens": n_tokens,
    }
