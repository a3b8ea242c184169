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


def _load_registered() -> None:
    """Import modules that register benchmarks of their own."""
    import importlib

    for name in ("analysis.clean.bench", "analysis.text.tokenise", "analysis.text.reuse_bench",
                 "analysis.text.alignment_bench", "analysis.text.keyness_simulation",
                 "analysis.topics.model", "analysis.extract.metadata_bench",
                 "analysis.accidents.bench", "analysis.text.tokenise_bench",
                 "analysis.pipeline.bench", "analysis.text.keyness_bench"):
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
