"""Benchmarks behind ``make bench``; results go to ``bench/results.json``.

Each benchmark is a function returning a dict of measurements; :data:`BENCHMARKS` maps names
to them. Other modules register theirs with :func:`register`. Timings are wall-clock seconds on
the machine that ran them (recorded in the results with its CPU count), memory is peak RSS
of the whole process (``ru_maxrss``) after each benchmark, so it only grows across a run.
"""
from __future__ import annotations

import json
import os
import platform
import time
import resource
from pathlib import Path
from typing import Callable

BENCHMARKS: dict[str, Callable[[], dict]] = {}


def register(name: str):
    """Decorator registering a benchmark function under ``name``."""
    def wrap(func):
        BENCHMARKS[name] = func
        return func
    return wrap


def seed_texts() -> dict[str, str]:
    """Raw seed texts keyed by doc_id."""
    from .paths import raw_dir
    from .read import read_corpus

    _, docs, _ = read_corpus(raw_dir())
    return {d.doc_id: d.text for d in docs}


@register("cleaning_throughput")
def bench_cleaning(target_mb: float = 50.0) -> dict:
    """Cleaning throughput on the seeds repeated to ``target_mb`` MB (UTF-8), next to plain
    jieba segmentation of the same text."""
    import jieba

    from .clean import CleanContext, build_reference, clean_text, make_repairer

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


def _load_registered() -> None:
    """Import modules that register benchmarks of their own."""
    import importlib

    for name in ("analysis.tokenise", "analysis.reuse", "analysis.topics"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            pass


def run_benchmarks(out: str | Path, only: list[str] | None = None) -> int:
    """Run benchmarks (all, or those named) and merge their results into ``out`` (JSON)."""
    _load_registered()
    out = Path(out)
    results = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()}
    for name, func in BENCHMARKS.items():
        if only and name not in only:
            continue
        print(f"benchmark {name} ...", flush=True)
        start = time.perf_counter()
        measured = func()
        measured["wall_s_total"] = round(time.perf_counter() - start, 2)
        measured["process_peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        measured["run_on"] = time.strftime("%Y-%m-%d")
        results[name] = measured
        print(json.dumps(measured, ensure_ascii=False, indent=1))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                   encoding="utf-8")
    return 0
