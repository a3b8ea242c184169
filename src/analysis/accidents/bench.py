"""Benchmark ``accidents_stage``: wall and CPU time of the whole accident stage (back-test,
recalibration, regional model, simulation study) on the real raw data, written to a
temporary folder. Registered with :func:`analysis.core.bench.register`; the registry imports
this module from ``analysis.core.bench._load_registered``.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from analysis.core import paths
from analysis.core.bench import register


@register("accidents_stage")
def bench_accidents_stage() -> dict:
    """Time :func:`analysis.accidents.stage.build` twice (the first run pays the imports)."""
    from analysis.accidents import stage

    tmp = Path(tempfile.mkdtemp(prefix="accidents_bench_"))
    try:
        targets = paths.processed_dir() / "accident_targets.csv"
        if targets.exists():
            shutil.copy(targets, tmp / "accident_targets.csv")
        runs = []
        for _ in range(2):
            wall, cpu = time.perf_counter(), time.process_time()
            stage.build(processed_dir=tmp)
            runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"first_wall_s": runs[0][0], "first_cpu_s": runs[0][1],
            "second_wall_s": runs[1][0], "second_cpu_s": runs[1][1]}
