"""Benchmarks at corpus scale: the whole build of synthetic corpora of growing size, and the
throughput of the per-document stages next to plain jieba.

``corpus_scale_build`` generates corpora of several sizes
(:func:`analysis.pipeline.synthetic_corpus.synthetic_corpus`) and, for each, runs
``python -m analysis build --jobs J`` three times in a child process: the full build, the
unchanged rebuild (every per-document result cached) and the rebuild after adding one plan.
While a build runs, the resident memory of its whole process tree (the build and its worker
processes, summed) is sampled with psutil every 0.2 s and assigned to the stage that the
build last announced on its standard output; stage times are the build's own ``seconds:``
line. Growth exponents are least-squares slopes of log time (or log peak memory) on log plans:
1 is linear, 2 quadratic. The machine's load average is recorded with each build, since the
machine may be shared. Sizes: ``ANALYSIS_BENCH_SIZES`` (comma-separated; default 10,40 so
that ``make bench`` stays short; the issue's sizes are 1000,4000,16000), workers
``ANALYSIS_BENCH_JOBS`` (default 2).

``document_throughput`` times the per-document stages (clean, structure, extract targets) on
the raw text of synthetic plans in this process, next to plain jieba segmentation (default
dictionary, HMM on) of the same raw text, in CPU seconds (``time.process_time``), so that a
busy machine moves both alike.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from analysis.core.bench import register

#: Seconds between memory samples of a build. Reading a process's proportional set size walks
#: its page tables (about 12 ms per GB mapped on this machine): at 0.2 s the sampler of a
#: build with three 3 GB processes took about a third of one of the two cores from the build
#: it measured.
SAMPLE_S = 1.0


def _tree_rss(proc) -> int:
    """Memory of a process and all its descendants: the sum of their proportional set sizes
    (PSS: each page shared by n processes counts 1/n in each), where the system reports it.

    The sum of resident sizes counts every page a forked worker shares with the build (the
    loaded models, the corpus read before the fork) once per process: on the 2,000-plan
    build it read 7.3 GB while PSS, and ``free``, said 2.8 GB. Figures before 2026-11-30 in
    ``bench/results.json`` are such sums, so they overstate the memory used.
    """
    import psutil

    total = 0
    try:
        members = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for member in members:
        try:
            info = member.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except psutil.AccessDenied:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                continue
        except psutil.Error:
            continue
    return total


def run_build(raw: Path, out: Path, jobs: int = 2, stages: tuple[str, ...] | None = None
              ) -> dict:
    """Run ``python -m analysis build`` on ``raw`` into ``out`` in a child process (with
    ``stages``, the later stages named only, through :func:`analysis.pipeline.build.build`).

    Returns
    -------
    dict
        ``exit``, ``wall_s``, ``seconds`` (the build's own stage times), ``peak_rss_mb``
        (whole process tree) and ``peak_rss_mb_by_stage``, ``load_before`` and
        ``load_after`` (1-minute load averages), and the last output lines.
    """
    import psutil

    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "analysis", "build", "--raw", str(raw), "--out", str(out),
           "--jobs", str(jobs)]
    if stages is not None:
        cmd = [sys.executable, "-c", "import sys; from analysis.pipeline.build import build; "
               f"sys.exit(build({str(raw)!r}, {str(out)!r}, jobs={jobs}, "
               f"stages={tuple(stages)!r}))"]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env)
    proc = psutil.Process(child.pid)
    state = {"stage": "read, clean, structure", "lines": []}
    peaks: dict[str, int] = {}

    def reader():
        for line in child.stdout:
            state["lines"].append(line.rstrip("\n"))
            if line.startswith("stage "):
                state["stage"] = line.split()[1]
            elif line.startswith("built "):
                state["stage"] = "finish"

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    while child.poll() is None:
        rss = _tree_rss(proc)
        stage = state["stage"]
        peaks[stage] = max(peaks.get(stage, 0), rss)
        time.sleep(SAMPLE_S)
    thread.join()
    wall = time.perf_counter() - start
    seconds = {}
    for line in state["lines"]:
        if line.startswith("seconds: "):
            # Stage names may hold commas ("structure, write 1.2"): split at the numbers.
            for name, value in re.findall(r"\s*([^\d][^,]*?(?:, [^\d,][^,]*?)*) (\d+\.\d+)",
                                          line.removeprefix("seconds: ")):
                seconds[name.strip(", ")] = float(value)
    mb = {k: round(v / 2**20, 1) for k, v in peaks.items()}
    return {"exit": child.returncode, "wall_s": round(wall, 1), "seconds": seconds,
            "peak_rss_mb": max(mb.values(), default=0.0), "peak_rss_mb_by_stage": mb,
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
            "tail": state["lines"][-4:]}


def growth_exponent(sizes, values) -> float | None:
    """Least-squares slope of log ``values`` on log ``sizes`` (None with fewer than two)."""
    pairs = [(s, v) for s, v in zip(sizes, values) if v and v > 0]
    if len(pairs) < 2:
        return None
    x, y = np.log([p[0] for p in pairs]), np.log([p[1] for p in pairs])
    return round(float(np.polyfit(x, y, 1)[0]), 2)


def measure_size(n_plans: int, root: Path, jobs: int = 2, seed: int = 0,
                 add_one: bool = True) -> dict:
    """Generate a corpus of ``n_plans`` under ``root``; full build, unchanged rebuild and
    the rebuild after adding one plan (see the module docstring)."""
    from analysis.pipeline.bench import add_plan_to_corpus
    from analysis.pipeline.synthetic_corpus import synthetic_corpus

    clock = time.perf_counter()
    raw = synthetic_corpus(n_plans, root / "raw", seed)
    generate = time.perf_counter() - clock
    size = sum(p.stat().st_size for p in (raw / "plans").iterdir())
    result = {"plans": n_plans, "raw_mb": round(size / 1e6, 2),
              "generate_s": round(generate, 1)}
    out = root / "out"
    result["full"] = run_build(raw, out, jobs)
    result["unchanged"] = run_build(raw, out, jobs)
    if add_one:
        add_plan_to_corpus(raw, n_plans, seed)
        result["add_one"] = run_build(raw, out, jobs)
    return result


def corpus_scale(sizes: tuple[int, ...], jobs: int = 2, seed: int = 0,
                 workdir: Path | None = None) -> dict:
    """:func:`measure_size` for each size, with growth exponents of time and memory."""
    results: dict = {"sizes": list(sizes), "jobs": jobs, "seed": seed,
                     "corpus": "analysis.pipeline.synthetic_corpus (recombined real "
                               "paragraphs, damage injected at the rates of tests/corpus)"}
    with tempfile.TemporaryDirectory(prefix="analysis-scale-", dir=workdir) as tmp:
        for n in sizes:
            root = Path(tmp) / f"n{n}"
            results[f"n{n}"] = measure_size(n, root, jobs, seed)
    done = [n for n in sizes if f"n{n}" in results]
    for key in ("full", "unchanged", "add_one"):
        results[f"{key}_time_exponent"] = growth_exponent(
            done, [results[f"n{n}"][key]["wall_s"] for n in done])
        results[f"{key}_memory_exponent"] = growth_exponent(
            done, [results[f"n{n}"][key]["peak_rss_mb"] for n in done])
    stages = sorted({s for n in done for s in results[f"n{n}"]["full"]["seconds"]})
    results["full_stage_time_exponents"] = {
        s: growth_exponent(done, [results[f"n{n}"]["full"]["seconds"].get(s) for n in done])
        for s in stages}
    return results


@register("corpus_scale_build")
def bench_corpus_scale() -> dict:
    """Whole build of synthetic corpora (sizes from ``ANALYSIS_BENCH_SIZES``)."""
    sizes = tuple(int(x) for x in os.environ.get("ANALYSIS_BENCH_SIZES", "10,40").split(","))
    return corpus_scale(sizes, int(os.environ.get("ANALYSIS_BENCH_JOBS", "2")))


def document_throughput(n_plans: int = 100, seed: int = 0) -> dict:
    """CPU seconds of clean, structure and target extraction on ``n_plans`` synthetic plans,
    next to plain jieba on the same raw text; the ratio is jieba's time over the stages'
    time (above 1: the stages are faster than segmenting the text once)."""
    import jieba

    from analysis.core.paths import cache_dir
    from analysis.pipeline.documents import (clean_document, structure_document,
                                             targets_document)
    from analysis.pipeline.synthetic_corpus import make_plan

    plans = [make_plan(i, seed) for i in range(n_plans)]
    clean_document("warm-up", plans[0]["text"])  # the shipped reference loads once
    cpu = {"clean": 0.0, "structure": 0.0, "extract": 0.0}
    for plan in plans:
        t0 = time.process_time()
        cleaned = clean_document(plan["doc_id"], plan["text"])
        t1 = time.process_time()
        parsed = structure_document(plan["doc_id"], cleaned["text"])
        t2 = time.process_time()
        targets_document(plan["doc_id"], parsed["clauses"], plan["year"])
        t3 = time.process_time()
        cpu["clean"] += t1 - t0
        cpu["structure"] += t2 - t1
        cpu["extract"] += t3 - t2
    jieba.dt.tmp_dir = str(cache_dir() / "jieba")
    (cache_dir() / "jieba").mkdir(parents=True, exist_ok=True)
    jieba.setLogLevel(60)
    jieba.initialize()
    t0 = time.process_time()
    tokens = sum(len(jieba.lcut(plan["text"])) for plan in plans)
    jieba_s = time.process_time() - t0
    mb = sum(len(p["text"].encode("utf-8")) for p in plans) / 1e6
    stages = sum(cpu.values())
    return {"plans": n_plans, "input_mb": round(mb, 2), "jieba_tokens": tokens,
            **{f"{k}_cpu_s": round(v, 2) for k, v in cpu.items()},
            "stages_cpu_s": round(stages, 2), "jieba_cpu_s": round(jieba_s, 2),
            "stages_mb_per_cpu_s": round(mb / stages, 3),
            "jieba_mb_per_cpu_s": round(mb / jieba_s, 3),
            "stages_to_jieba_throughput_ratio": round(jieba_s / stages, 3),
            "load_average": round(os.getloadavg()[0], 2)}


@register("document_throughput")
def bench_document_throughput() -> dict:
    """Clean + structure + extract against plain jieba (``ANALYSIS_BENCH_THROUGHPUT_PLANS``
    plans, default 100)."""
    return document_throughput(int(os.environ.get("ANALYSIS_BENCH_THROUGHPUT_PLANS", "100")))


def synthetic_lines(target_mb: float, seed: int = 0) -> list[str]:
    """Non-empty lines of synthetic plans 0, 1, ... (:func:`make_plan`) until they hold
    ``target_mb`` MB: recombined real text, about 40 KB a plan, with the lines copied from
    model plans recurring as they do in real corpora."""
    from analysis.pipeline.synthetic_corpus import make_plan

    lines: list[str] = []
    size, i = 0, 0
    while size < target_mb * 1e6:
        for line in make_plan(i, seed)["text"].split("\n"):
            if line.strip():
                lines.append(line)
                size += len(line.encode("utf-8"))
        i += 1
    return lines


def segmentation_at_scale(target_mb: float = 8.0, seed: int = 0) -> dict:
    """Whole-process segmentation of fresh synthetic plan text (``target_mb`` MB, a corpus of a
    few hundred plans) by each engine, as :func:`analysis.text.tokenise_bench.compare_engines`
    measures it (keys ``synthetic_<engine>_<figure>``).

    The seeds' distinct text of ``segmentation_throughput`` is a quarter of a megabyte, where
    start-up is most of a run; this is the size at which a build segments.
    """
    from analysis.text.tokenise_bench import compare_engines

    lines = synthetic_lines(target_mb, seed)
    return {"mb": round(sum(len(t.encode("utf-8")) for t in lines) / 1e6, 2),
            "lines": len(lines), "seed": seed, "cpus": os.cpu_count(),
            "load_average": round(os.getloadavg()[0], 2),
            **compare_engines({"synthetic": lines})}


@register("segmentation_at_scale")
def bench_segmentation_at_scale() -> dict:
    """Segmentation engines on ``ANALYSIS_BENCH_SEGMENT_MB`` MB (default 8) of synthetic plans."""
    return segmentation_at_scale(float(os.environ.get("ANALYSIS_BENCH_SEGMENT_MB", "8")))


@register("segmentation_at_corpus_scale")
def bench_segmentation_at_corpus_scale() -> dict:
    """The same on 32 MB (about 800 plans): where start-up, paid once per process, weighs as
    little as it does for a corpus of thousands of plans."""
    return segmentation_at_scale(32.0)


#: Runs that scraped pages hold inside a line (white space of layout, base64 images and
#: scripts, numerals, Latin letters), for :func:`pathological_lines`.
PATHOLOGICAL_RUNS = {"spaces": " ", "ideographic_spaces": "\u3000", "tabs": "\t",
                     "nbsp": "\xa0", "latin": "a", "base64": "iVBORw0KGgoAAAANSUhEUg+/",
                     "numerals": "一", "point_markers": "十一是", "spaced_digits": " 1",
                     "digits_and_commas": "12，", "counts": "1个", "percentages": "12% ",
                     "flattened_table": "死亡人数 15 人 下降 12.5% 较大事故 2 起 ",
                     # Chinese words apart by spaces: each space is weighed as a lost paragraph
                     # break or a title's own space (once quadratic in the line's length)
                     "spaced_words": "帐篷 顶 民政局 "}


def run_of(unit: str, n: int) -> str:
    """``unit`` repeated to exactly ``n`` characters."""
    return (unit * (n // len(unit) + 1))[:n]


def with_run_mid_line(text: str, run: str) -> str:
    """``text`` with ``run`` inserted in the middle of the line that ends after its middle (a
    run at a line's end is stripped before most rules see it)."""
    end = text.index("\n", len(text) // 2)
    start = text.rindex("\n", 0, end) + 1
    middle = start + (end - start) // 2
    return text[:middle] + run + text[middle:]


def pathological_lines(lengths: tuple[int, ...] = (5_000, 50_000)) -> dict:
    """CPU seconds of the per-document stages (:func:`analysis.pipeline.documents.run_job`,
    no time budget) on a seed plan with one run of each kind of :data:`PATHOLOGICAL_RUNS`
    inserted in the middle of a line, at each length, next to the plan without it; and each kind's growth
    exponent in the run's length (1: linear). The plan alone is measured first, after the
    reference and segmenter are loaded."""
    from analysis.core.paths import raw_dir
    from analysis.pipeline import documents as per_document

    path = sorted((raw_dir() / "plans").glob("*.txt"))[3]
    text = path.read_text(encoding="utf-8")
    previous = os.environ.get("ANALYSIS_DOCUMENT_BUDGET")
    os.environ["ANALYSIS_DOCUMENT_BUDGET"] = "0"
    try:
        def cpu(doc: str) -> float:
            t0 = time.process_time()
            result = per_document.run_job(per_document.DocumentJob(
                "bench", doc, 2023, tuple(per_document.STAGES)))
            if per_document.FAILED in result:
                raise RuntimeError(result[per_document.FAILED])
            return time.process_time() - t0

        cpu(text)  # loads the reference and the segmenter
        out: dict = {"plan": path.name, "plan_chars": len(text),
                     "plan_alone_cpu_s": round(cpu(text), 3), "lengths": list(lengths)}
        for name, unit in PATHOLOGICAL_RUNS.items():
            times = []
            for n in lengths:
                times.append(cpu(with_run_mid_line(text, run_of(unit, n))))
                out[f"{name}_{n}_cpu_s"] = round(times[-1], 3)
            extra = [max(t - out["plan_alone_cpu_s"], 1e-3) for t in times]
            out[f"{name}_growth_exponent"] = round(float(growth_exponent(lengths, extra)), 2)
    finally:
        if previous is None:
            os.environ.pop("ANALYSIS_DOCUMENT_BUDGET", None)
        else:
            os.environ["ANALYSIS_DOCUMENT_BUDGET"] = previous
    out["load_average"] = round(os.getloadavg()[0], 2)
    return out


@register("pathological_lines")
def bench_pathological_lines() -> dict:
    """Per-document stages on a seed plan holding one long run (white space, base64,
    numerals …) of 5,000 and 50,000 characters: CPU seconds and growth exponents."""
    return pathological_lines()


#: Strings a mutation inserts: marks, numbering, cues, field labels, spam, entities, odd code
#: points.
_JUNK = ("\x00", "\ufeff", "\u200b", "\u3000", "\r", "\r\n", "\t", "\x0c", "\u2028", "?", "□",
         "\ufffd", "（", "）", "《", "》", "〔", "〕", "：", "。", "\n\n\n", "一、", "（一）", "1.",
         "第一章", "附件", "目  录", "到2025年", "下降10%", "同比", "控制在", "以内", "％", "%",
         "万元", "亿元", "人", "起", "发布时间：", "索引号：", "[成文日期]", "浏览次数：",
         "原标题：", "编辑：", "betway必威", "abc123", " ", "\xa0", "〇", "—", "～", "()",
         "(fā)", "發", "㈠", "①", "⑴", "Ⅳ", "\\", '"', "<br>", "&nbsp;", "&amp;", "\x1b[0m")


def mutate_page(text: str, pages: list[str], rng) -> str:
    """One to eight random edits of a page: junk inserted, a stretch cut or repeated, line
    breaks removed or doubled, a stretch decoded one GBK byte out of step, a piece of another
    page pasted in, the page cut short, random code points, or an odd prefix."""
    t = text
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        i = rng.randint(0, len(t)) if t else 0
        if op < 0.25:
            t = t[:i] + rng.choice(_JUNK) * rng.randint(1, 3) + t[i:]
        elif op < 0.4 and t:
            t = t[:i] + t[min(len(t), i + rng.randint(1, 200)):]
        elif op < 0.5 and t:
            j = min(len(t), i + rng.randint(1, 400))
            t = t[:i] + t[i:j] * rng.randint(2, 5) + t[j:]
        elif op < 0.6:
            t = t.replace("\n", rng.choice(["", " ", "\r\n", "\n\n"]), rng.randint(1, 50))
        elif op < 0.7 and t:
            j = min(len(t), i + rng.randint(1, 300))
            shifted = t[i:j].encode("gbk", errors="replace")[1:]
            t = t[:i] + shifted.decode("gbk", errors="replace") + t[j:]
        elif op < 0.8:
            other = rng.choice(pages)
            k = rng.randint(0, len(other))
            t = t[:i] + other[k:k + rng.randint(1, 500)] + t[i:]
        elif op < 0.85:
            t = t[:i]
        elif op < 0.9:
            t = "".join(chr(rng.randint(0x20, 0x2FFFF)) if rng.random() < 0.01 else c
                        for c in t)
        else:
            t = rng.choice(["", " ", "\n", "一", "。", "1", "a" * 5000, "应急" * 3000]) + t
    return t


def mutated_pages(n: int = 400, seed: int = 0, budget_s: float = 20.0) -> dict:
    """The per-document stages and metadata reading on ``n`` mutated real pages
    (:func:`mutate_page` of the pages under ``tests/corpus*/pages``), each under a budget of
    ``budget_s`` processor seconds: how many raised an exception or ran out of time, by
    where."""
    import random
    from collections import Counter

    from analysis.core.paths import repo_root
    from analysis.extract.metadata import read_metadata
    from analysis.pipeline import documents as per_document

    files = sorted(repo_root().glob("tests/corpus*/pages/*.txt"))
    pages = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    rng = random.Random(seed)
    failures: Counter = Counter()
    slowest = 0.0
    for _ in range(n):
        text = mutate_page(rng.choice(pages), pages, rng)
        t0 = time.process_time()
        try:
            with per_document.within_budget(budget_s):
                read_metadata(text)
        except (Exception, per_document.DocumentTimeout) as err:  # noqa: BLE001 - counted
            failures[f"metadata: {per_document.failure(err)}"] += 1
        result = per_document.run_job(per_document.DocumentJob(
            "fuzz", text, rng.choice([2016, 2021, 2025]), tuple(per_document.STAGES)))
        if per_document.FAILED in result:
            failures[result[per_document.FAILED]] += 1
        slowest = max(slowest, time.process_time() - t0)
    return {"pages": n, "seed": seed, "source_pages": len(pages), "budget_s": budget_s,
            "failed": sum(failures.values()), "failures": dict(failures.most_common(20)),
            "slowest_page_cpu_s": round(slowest, 2)}


@register("mutated_pages")
def bench_mutated_pages() -> dict:
    """Mutated real pages through every per-document stage: failures and hangs
    (``ANALYSIS_BENCH_FUZZ_PAGES`` pages, default 400)."""
    return mutated_pages(int(os.environ.get("ANALYSIS_BENCH_FUZZ_PAGES", "400")))
