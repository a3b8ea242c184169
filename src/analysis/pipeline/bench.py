"""Benchmark of incremental builds: the time to add one plan to a built corpus of N plans,
next to the full build of those N plans.

The corpus is made from real text: the seed plans of ``data/raw`` and the collected web pages
of ``tests/corpus/pages`` (with their furniture, flattened paragraphs and damage), recombined
so that every plan is distinct: plan *i* is the first half of the paragraphs of one source
followed by the second half of another, under a title line of its own. Each plan gets the
manifest row of a seed, in turn (with its own doc_id, title and year), so every stage runs. The corpus
lives in a temporary repository (``ANALYSIS_ROOT``), never in ``data/``.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager, redirect_stdout
from io import StringIO
from pathlib import Path

import pandas as pd

from analysis.core.bench import register
from analysis.core.paths import PACKAGE_DIR

REPO = PACKAGE_DIR.parents[1]


def _sources() -> list[list[str]]:
    """Paragraph lists of the real texts (seeds first, then the collected pages)."""
    from analysis.corpus.read import read_corpus, decode_bytes

    _, docs, _ = read_corpus(REPO / "data" / "raw")
    texts = [d.text for d in docs]
    for path in sorted((REPO / "tests" / "corpus" / "pages").glob("*.txt")):
        texts.append(decode_bytes(path.read_bytes())[0])
    return [[p for p in t.split("\n") if p.strip()] for t in texts]


def _plan(sources: list[list[str]], i: int) -> str:
    a = sources[i % len(sources)]
    b = sources[(i * 7 + 3) % len(sources)]
    year = 2018 + i % 8
    title = f"第{i}号示范县{year}年应急管理工作要点"
    return "\n".join([title] + a[: len(a) // 2] + b[len(b) // 2:]) + "\n"


def make_corpus(root: Path, n_plans: int) -> Path:
    """A raw folder of ``n_plans`` recombined plans under ``root/data/raw``; returns it."""
    from analysis.corpus.checksums import write_checksums
    from analysis.corpus.manifest import load_manifest

    raw = root / "data" / "raw"
    (raw / "plans").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "raw" / "accident_stats", raw / "accident_stats")
    # Seed rows in turn, so that levels and provinces vary as the regional stage needs.
    templates = load_manifest(REPO / "data" / "raw").to_dict("records")
    sources = _sources()
    rows, sums = [], {}
    for i in range(n_plans):
        rows.append(add_synthetic_plan(raw, sources, i, templates[i % len(templates)], sums))
    pd.DataFrame(rows).to_csv(raw / "manifest.csv", index=False)
    write_checksums(raw, sums)
    return raw


def add_synthetic_plan(raw: Path, sources, i: int, template: dict, sums: dict) -> dict:
    """Write plan ``i``; return its manifest row and record its checksum in ``sums``."""
    from analysis.corpus.checksums import sha256_bytes

    data = _plan(sources, i).encode("utf-8")
    name = f"plans/synthetic_{i:05d}.txt"
    (raw / name).write_bytes(data)
    sums[name] = sha256_bytes(data)
    year = 2018 + i % 8
    return dict(template, doc_id=f"synthetic-{i:05d}", file=name, year_start=str(year),
                year_end=str(year), title_zh=f"第{i}号示范县{year}年应急管理工作要点",
                doc_number="", provenance="benchmark: recombined seeds and collected pages")


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
    from analysis.corpus.checksums import read_checksums, write_checksums

    n_plans = n_plans or int(os.environ.get("ANALYSIS_BENCH_PLANS", "200"))
    with tempfile.TemporaryDirectory(prefix="analysis-bench-") as tmp:
        root = Path(tmp)
        raw = make_corpus(root, n_plans)
        out = root / "data" / "processed"
        with _repository(root):
            full_s, full_log = _timed_build(raw, out, jobs=jobs, stages=stages)
            rebuild_s, rebuild_log = _timed_build(raw, out, jobs=jobs, stages=stages)
            manifest = pd.read_csv(raw / "manifest.csv", dtype=str, keep_default_na=False)
            sums = read_checksums(raw)
            row = add_synthetic_plan(raw, _sources(), n_plans, manifest.iloc[0].to_dict(), sums)
            pd.concat([manifest, pd.DataFrame([row])]).to_csv(raw / "manifest.csv", index=False)
            write_checksums(raw, sums)
            add_s, add_log = _timed_build(raw, out, jobs=jobs, stages=stages)
    return {"n_plans": n_plans, "jobs": jobs or "all cores", "stages": list(stages),
            "full_build_s": round(full_s, 1), "full_build": _stage_line(full_log),
            "unchanged_rebuild_s": round(rebuild_s, 1),
            "unchanged_rebuild": _stage_line(rebuild_log),
            "add_one_plan_s": round(add_s, 1), "add_one_plan": _stage_line(add_log)}
