"""Benchmark of incremental builds: the time to add one plan to a built corpus of N plans,
next to the full build of those N plans.

The corpus is synthetic (:mod:`analysis.pipeline.synthetic_corpus`): real paragraphs of the
seed plans and the collected pages recombined under headers of their own, with the web's
damage injected fresh at the rates of the collected pages. It lives in a temporary repository
(``ANALYSIS_ROOT``), never in ``data/``. The whole build at corpus scale (sizes, memory of
the process tree, growth exponents) is :mod:`analysis.pipeline.scale_bench`, registered here.
"""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager, redirect_stdout
from io import StringIO
from pathlib import Path

import pandas as pd

from analysis.core.bench import register
from analysis.core.paths import PACKAGE_DIR

REPO = PACKAGE_DIR.parents[1]


def make_corpus(root: Path, n_plans: int, seed: int = 0) -> Path:
    """A raw folder of ``n_plans`` synthetic plans under ``root/data/raw``
    (:func:`analysis.pipeline.synthetic_corpus.synthetic_corpus`); returns it."""
    from analysis.pipeline.synthetic_corpus import synthetic_corpus

    return synthetic_corpus(n_plans, root / "data" / "raw", seed)


def add_plan_to_corpus(raw: Path, i: int, seed: int = 0) -> None:
    """Add synthetic plan ``i`` to the raw folder: its file, manifest row and checksum."""
    from analysis.corpus.checksums import read_checksums, write_checksums
    from analysis.pipeline.synthetic_corpus import make_plan, write_plan

    sums = read_checksums(raw)
    row = write_plan(raw, make_plan(i, seed), sums)
    manifest = pd.read_csv(raw / "manifest.csv", dtype=str, keep_default_na=False)
    pd.concat([manifest, pd.DataFrame([row])]).to_csv(raw / "manifest.csv", index=False)
    write_checksums(raw, sums)


@contextmanager
def _repository(root: Path):
    before = os.environ.get("ANALYSIS_ROOT")
    os.environ["ANALYSIS_ROOT"] = str(root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("ANALYSIS_ROOT", None)
        else:
            os.environ["ANALYSIS_ROOT"] = before


def _timed_build(raw: Path, out: Path, **kwargs) -> tuple[float, str]:
    from analysis.pipeline.build import build

    log = StringIO()
    start = time.perf_counter()
    with redirect_stdout(log):
        code = build(raw, out, progress=False, **kwargs)
    if code not in (0, 1):
        raise RuntimeError(f"benchmark build failed ({code}): {log.getvalue()[-2000:]}")
    return time.perf_counter() - start, log.getvalue()


def _stage_line(log: str) -> str:
    lines = [line for line in log.splitlines() if line.startswith(("per-document work",
                                                                   "seconds:"))]
    return " | ".join(lines)


#: Later stages the benchmark runs (every stage: the regional stage's failures at 200 plans,
#: reuse shares of two block sizes listing different pairs and 0/0 keyness of a unit without
#: tokens, are fixed).
BENCH_STAGES = ("targets", "responsibilities", "feasibility", "regional", "topics")


@register("incremental_build")
def bench_incremental(n_plans: int | None = None, jobs: int | None = None,
                      stages: tuple[str, ...] = BENCH_STAGES) -> dict:
    """Full build of N plans, then the rebuild after adding one plan (N from
    ``ANALYSIS_BENCH_PLANS``, default 200)."""
    n_plans = n_plans or int(os.environ.get("ANALYSIS_BENCH_PLANS", "200"))
    with tempfile.TemporaryDirectory(prefix="analysis-bench-") as tmp:
        root = Path(tmp)
        raw = make_corpus(root, n_plans)
        out = root / "data" / "processed"
        with _repository(root):
            full_s, full_log = _timed_build(raw, out, jobs=jobs, stages=stages)
            rebuild_s, rebuild_log = _timed_build(raw, out, jobs=jobs, stages=stages)
            add_plan_to_corpus(raw, n_plans)
            add_s, add_log = _timed_build(raw, out, jobs=jobs, stages=stages)
    return {"n_plans": n_plans, "jobs": jobs or "all cores", "stages": list(stages),
            "full_build_s": round(full_s, 1), "full_build": _stage_line(full_log),
            "unchanged_rebuild_s": round(rebuild_s, 1),
            "unchanged_rebuild": _stage_line(rebuild_log),
            "add_one_plan_s": round(add_s, 1), "add_one_plan": _stage_line(add_log)}


from analysis.pipeline import scale_bench  # noqa: E402,F401  (registers its benchmarks)
