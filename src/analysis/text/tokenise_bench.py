"""Benchmarks of word segmentation: :class:`analysis.text.segmenter.FastSegmenter` against jieba.

The benchmark text is made of distinct real clauses: the own text (without children) of every
clause of the seed plans and of the development pages (``tests/corpus/pages``, cleaned and
parsed as the build does), each distinct text once. Repeating the seeds instead would let the
block memo answer almost everything from memory and flatter it, so the results say which
figures come from distinct text, which from repeated text, and which from the segmenter with
its memo off.

Each engine runs in a fresh Python process (``python -m analysis.text.tokenise_bench``), so
its wall time includes the interpreter, the imports and loading its dictionary, as a build
pays them once; jieba's prefix-dictionary cache is warmed first, as after any earlier build.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.core.bench import register

#: Engines one subprocess can run (see :func:`_run_engine`).
ENGINES = ("plain_jieba", "jieba_lexicon", "fast_lexicon", "fast_lexicon_no_memo",
           "jieba_lexicon_filtered", "fast_lexicon_filtered", "fast_lexicon_jobs2",
           "plain_jieba_jobs2")
#: Chunks of texts per worker of the ``fast_lexicon_jobs2`` engine (contiguous, in order).
CHUNKS_PER_WORKER = 8


def _cut_chunk(task: tuple[str, list[str]]) -> tuple[int, list[str]]:
    """Token count and space-joined tokens of each text (the form of the build's token
    tables, cheaper to send back than lists), by the segmenter ``task[0]`` names (``fast``:
    :func:`analysis.text.tokenise.fast_segmenter`, ``plain``: jieba without the lexicon),
    loaded before the workers were forked."""
    from analysis.text.tokenise import fast_segmenter, plain_tokenizer

    engine, texts = task
    if engine == "fast":
        cut = fast_segmenter().cut
    else:
        tk = plain_tokenizer()
        cut = lambda t: tk.lcut(t, HMM=True)  # noqa: E731
    tokens = [cut(t) for t in texts]
    return sum(map(len, tokens)), [" ".join(t) for t in tokens]


def cut_in_parallel(texts: list[str], jobs: int, engine: str = "fast"
                    ) -> tuple[int, list[str]]:
    """Every text segmented across ``jobs`` worker processes
    (:func:`analysis.core.parallel.run_tasks`, forked after the segmenter is loaded here, as
    the build's per-document workers are): the number of tokens and each text's tokens
    space-joined, in the order of ``texts``.

    Parameters
    ----------
    texts : list of str
        Texts to segment.
    jobs : int
        Worker processes.
    engine : str
        ``fast`` (:class:`~analysis.text.segmenter.FastSegmenter` with the lexicon) or
        ``plain`` (jieba's own tokenizer, its dictionary only: the baseline).

    Raises
    ------
    RuntimeError
        When ``engine`` is ``fast`` and ``rjieba`` is not installed.
    """
    from analysis.core.parallel import run_tasks
    from analysis.text.tokenise import fast_segmenter, plain_tokenizer

    if engine == "fast":
        if fast_segmenter() is None:
            raise RuntimeError("the fast segmenter needs rjieba: pip install rjieba")
    else:
        plain_tokenizer()
    n = max(1, min(len(texts), jobs * CHUNKS_PER_WORKER))
    bounds = [len(texts) * k // n for k in range(n + 1)]
    chunks = [(engine, texts[a:b]) for a, b in zip(bounds, bounds[1:])]
    parts = run_tasks(_cut_chunk, chunks, jobs=jobs)
    return sum(n for n, _ in parts), [joined for _, part in parts for joined in part]


def benchmark_texts() -> list[str]:
    """Distinct clause own texts of the seeds and of the development pages, in a fixed order.

    Returns
    -------
    list of str
        Non-empty texts, each once, seeds first (clause order), then pages (page order).
    """
    from analysis.clean.reference import shipped_reference
    from analysis.clean.rules import CleanContext, clean_text
    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir, repo_root
    from analysis.structure.clauses import clause_table
    from analysis.text.tokenise import clause_own_text

    texts = list(clause_own_text(read_csv(processed_dir() / "clauses.csv")))
    model, repairer, _ = shipped_reference()
    for page in sorted((repo_root() / "tests" / "corpus" / "pages").glob("p*.txt")):
        ctx = CleanContext(page.stem, repairer=repairer, model=model)
        table, _ = clause_table(page.stem, clean_text(page.read_text(encoding="utf-8"), ctx).text)
        if not table.empty:
            texts.extend(clause_own_text(table))
    seen: set[str] = set()
    distinct = []
    for text in texts:
        if isinstance(text, str) and text and text not in seen:
            seen.add(text)
            distinct.append(text)
    return distinct


def _cpu() -> float:
    """Processor seconds of this process and of its finished worker processes."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def _run_engine(engine: str, corpus: Path) -> dict:
    """Load ``engine`` and segment every text of ``corpus`` (a JSON list); wall and CPU
    seconds (worker processes included) of importing the package, loading the dictionary and
    segmenting."""
    clock = [(time.perf_counter(), _cpu())]
    from analysis.text import tokenise

    texts = json.loads(Path(corpus).read_text(encoding="utf-8"))
    clock.append((time.perf_counter(), _cpu()))
    if engine == "plain_jieba":
        tk = tokenise._new_tokenizer(user_dictionary=False)
        cut = lambda t: tk.lcut(t, HMM=True)  # noqa: E731
    elif engine == "jieba_lexicon":
        tk = tokenise._new_tokenizer(user_dictionary=True)
        cut = lambda t: tk.lcut(t, HMM=True)  # noqa: E731
    elif engine == "jieba_lexicon_filtered":  # segment() before FastSegmenter
        tk = tokenise._new_tokenizer(user_dictionary=True)
        cut = lambda t: [w for w in tk.cut(t, HMM=True) if tokenise.is_content_token(w)]  # noqa: E731
    elif engine == "fast_lexicon_jobs2":  # the segmenter loaded once, then two workers
        fast = tokenise.fast_segmenter()
        cut = fast.cut
    elif engine == "plain_jieba_jobs2":  # jieba loaded once, then two workers
        tk = tokenise.plain_tokenizer()
        cut = lambda t: tk.lcut(t, HMM=True)  # noqa: E731
    elif engine.startswith("fast_lexicon"):
        fast = tokenise.FastSegmenter(
            lexicon=True, memo_size=0 if engine.endswith("no_memo") else tokenise.BLOCK_MEMO_SIZE)
        cut = fast.content if engine.endswith("filtered") else fast.cut
    else:
        raise ValueError(f"unknown engine {engine!r}")
    cut("预热")
    clock.append((time.perf_counter(), _cpu()))
    if engine.endswith("_jobs2"):
        n_tokens, joined = cut_in_parallel(texts, 2, "fast" if engine.startswith("fast")
                                           else "plain")
    else:
        tokens = [cut(t) for t in texts]
    clock.append((time.perf_counter(), _cpu()))
    if not engine.endswith("_jobs2"):
        n_tokens, joined = sum(len(t) for t in tokens), [" ".join(t) for t in tokens]
    digest = hashlib.sha256("\n".join(joined).encode("utf-8")).hexdigest()
    out = {"tokens": n_tokens, "sha256": digest[:16]}
    for k, step in enumerate(("import", "load", "cut")):
        out[f"{step}_s"] = clock[k + 1][0] - clock[k][0]
        out[f"{step}_cpu_s"] = clock[k + 1][1] - clock[k][1]
    return out


def _whole_process(engine: str, corpus: Path) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "analysis.text.tokenise_bench", engine,
                           str(corpus)], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    measured["process_s"] = time.perf_counter() - start
    return measured


def compare_engines(corpora: dict[str, list[str]]) -> dict:
    """Every engine of :data:`ENGINES` on every named corpus (a list of texts), each run in a
    fresh process (:func:`_whole_process`): times, MB/s, token counts, token identity with
    jieba and speed-ups over plain jieba, keyed ``<corpus>_<engine>_<figure>``."""
    from analysis.text.tokenise import plain_tokenizer, tokenizer

    tokenizer(), plain_tokenizer()  # warm jieba's prefix-dictionary cache, as a build would
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, texts in corpora.items():
            paths[name] = Path(tmp) / f"{name}.json"
            paths[name].write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        runs = {(name, engine): _whole_process(engine, path)
                for name, path in paths.items() for engine in ENGINES}
    for (name, engine), m in runs.items():
        mb = sum(len(t.encode("utf-8")) for t in corpora[name]) / 1e6
        # Segmentation's own cost in a build: loading the dictionary plus segmenting (the
        # package import is paid by every stage, whatever the segmenter).
        m["segmentation_s"] = m["load_s"] + m["cut_s"]
        m["segmentation_cpu_s"] = m["load_cpu_s"] + m["cut_cpu_s"]
        for key in ("process_s", "import_s", "load_s", "load_cpu_s", "cut_s", "cut_cpu_s",
                    "segmentation_s", "segmentation_cpu_s"):
            results[f"{name}_{engine}_{key}"] = round(m[key], 3)
        results[f"{name}_{engine}_cut_mb_per_s"] = round(mb / m["cut_s"], 3)
        results[f"{name}_{engine}_tokens"] = m["tokens"]
    for name in corpora:
        r = {e: runs[(name, e)] for e in ENGINES}
        results[f"{name}_tokens_identical_to_jieba_lexicon"] = (
            r["fast_lexicon"]["sha256"] == r["jieba_lexicon"]["sha256"]
            == r["fast_lexicon_no_memo"]["sha256"] == r["fast_lexicon_jobs2"]["sha256"])
        results[f"{name}_plain_jieba_jobs2_tokens_identical"] = (
            r["plain_jieba_jobs2"]["sha256"] == r["plain_jieba"]["sha256"])
        results[f"{name}_filtered_tokens_identical"] = (
            r["fast_lexicon_filtered"]["sha256"] == r["jieba_lexicon_filtered"]["sha256"])
        plain = r["plain_jieba"]
        for engine in ENGINES[1:]:
            for key in ("process_s", "segmentation_s", "segmentation_cpu_s", "cut_s",
                        "cut_cpu_s"):
                results[f"{name}_{engine}_speedup_vs_plain_{key[:-2]}"] = round(
                    plain[key] / r[engine][key], 2)
    return results


@register("segmentation_throughput")
def bench_segmentation(target_mb: float = 4.0) -> dict:
    """Segmentation speed: FastSegmenter next to plain jieba and jieba with the lexicon.

    On the distinct benchmark text (:func:`benchmark_texts`) and on that text repeated to
    ``target_mb`` MB; whole-process wall time (start-up and dictionary loading included) and
    segmentation time alone, one run of each engine on the same machine. Token identity is
    checked through a digest of all tokens. Also how often lexicon terms come out whole.
    """
    from analysis.text.tokenise import lexicon_entries, plain_tokenizer, tokenizer

    texts = benchmark_texts()
    unit_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    copies = max(1, int(round(target_mb / unit_mb)))
    results: dict = {"distinct_texts": len(texts), "distinct_mb": round(unit_mb, 3),
                     "repeated_copies": copies, "repeated_mb": round(unit_mb * copies, 2),
                     "cpus": os.cpu_count()}
    results.update(compare_engines({"distinct": texts, "repeated": texts * copies}))
    # Lexicon terms (3+ characters) occurring in the text that come out as one token.
    ours, plain = tokenizer(), plain_tokenizer()
    found = {"user_dict": set(), "plain_jieba": set()}
    for text in texts:
        found["user_dict"].update(ours.lcut(text, HMM=True))
        found["plain_jieba"].update(plain.lcut(text, HMM=True))
    terms = [w for w, _, _ in lexicon_entries() if len(w) >= 3]
    occurring = [w for w in terms if any(w in t for t in texts)]
    results["lexicon_terms_occurring"] = len(occurring)
    for name, words in found.items():
        results[f"lexicon_terms_whole_{name}"] = sum(1 for w in occurring if w in words)
    return results


if __name__ == "__main__":
    print(json.dumps(_run_engine(sys.argv[1], Path(sys.argv[2]))))


def _growth_exponent(sizes: list[float], seconds: list[float]) -> float:
    """Least-squares slope of log(time) on log(size): 1 is linear, 2 quadratic."""
    import numpy as np

    return float(np.polyfit(np.log(sizes), np.log(np.maximum(seconds, 1e-6)), 1)[0])


def _lishui_repeated(mb: float) -> str:
    from analysis.core.paths import processed_dir

    base = (processed_dir() / "clean" / "lishui-2021.txt").read_text(encoding="utf-8")
    return "\n".join([base] * max(1, round(mb * 1e6 / len(base.encode("utf-8")))))


@register("structure_scaling")
def bench_structure_scaling(sizes_mb: tuple[float, ...] = (2, 4, 8, 16)) -> dict:
    """Structure stage (:func:`analysis.structure.clauses.clause_table`) on one document made
    of the clean Lishui seed repeated to each size: wall and CPU seconds, and the growth
    exponent of CPU time with size (1 = linear)."""
    from analysis.structure.clauses import clause_table

    results: dict = {}
    sizes, cpu = [], []
    for mb in sizes_mb:
        text = _lishui_repeated(mb)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        table, _ = clause_table("lishui-2021", text)
        wall, used = time.perf_counter() - wall0, time.process_time() - cpu0
        size = len(text.encode("utf-8")) / 1e6
        sizes.append(size)
        cpu.append(used)
        results[f"mb_{mb:g}_wall_s"] = round(wall, 3)
        results[f"mb_{mb:g}_cpu_s"] = round(used, 3)
        results[f"mb_{mb:g}_clauses"] = len(table)
    results["growth_exponent_cpu"] = round(_growth_exponent(sizes, cpu), 2)
    return results


@register("document_path_scaling")
def bench_document_path(sizes_mb: tuple[float, ...] = (1, 2, 4)) -> dict:
    """Each step of one document's path (decode, every cleaning rule, structure, responsible
    units, targets) on the raw Lishui seed repeated to each size: CPU seconds per step and
    each step's growth exponent (above ~1.3 suggests a superlinear step)."""
    from analysis.clean.reference import shipped_reference
    from analysis.clean.rules import RULES, CleanContext
    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir, raw_dir
    from analysis.corpus.read import decode_bytes
    from analysis.extract.extraction import extract_targets
    from analysis.extract.units import extract_responsibilities
    from analysis.structure.clauses import clause_table

    manifest = read_csv(raw_dir() / "manifest.csv")
    raw = (raw_dir() / manifest.set_index("doc_id").at["lishui-2021", "file"]).read_bytes()
    documents = read_csv(processed_dir() / "documents.csv")
    document = documents[documents["doc_id"] == "lishui-2021"]
    model, repairer, _ = shipped_reference()
    steps: dict[str, list[float]] = {}
    sizes = []
    for mb in sizes_mb:
        data = b"\n".join([raw] * max(1, round(mb * 1e6 / len(raw))))
        sizes.append(len(data) / 1e6)

        def timed(name, func, *args):
            start = time.process_time()
            value = func(*args)
            steps.setdefault(name, []).append(time.process_time() - start)
            return value

        text = timed("decode", decode_bytes, data)[0]
        ctx = CleanContext("lishui-2021", repairer=repairer, model=model)
        for rule in RULES:
            text = timed(f"clean_{rule.name}", rule.func, text, ctx)[0]
        table, _ = timed("structure", clause_table, "lishui-2021", text)
        table["number"] = table["number"].astype(str)
        timed("extract_units", extract_responsibilities, table)
        timed("extract_targets", extract_targets, table, document)
    results: dict = {"sizes_mb": [round(s, 2) for s in sizes]}
    for name, seconds in steps.items():
        results[f"{name}_cpu_s"] = [round(s, 3) for s in seconds]
        if max(seconds) >= 0.05:  # exponents of steps that take no time are noise
            results[f"{name}_growth_exponent"] = round(_growth_exponent(sizes, seconds), 2)
    return results


@register("flattened_clause_reading")
def bench_flattened_clause(sizes: tuple[int, ...] = (8000, 32000, 128000)) -> dict:
    """Target reading of one clause without sentence marks (a flattened page: numbers
    separated by commas only) at each length in characters: CPU seconds and the growth
    exponent (reading a sentence back to its start for every number made this quadratic)."""
    from analysis.extract.clause_reading import _read_clause

    unit = "到2025年底，全县新建应急避难场所3个，培训应急救援队员120人次，事故起数下降10%，"
    results: dict = {}
    lengths, cpu = [], []
    for n in sizes:
        text = (unit * (n // len(unit) + 1))[:n]
        start = time.process_time()
        rows = _read_clause(text, "flattened", 2024, False)
        used = time.process_time() - start
        lengths.append(n)
        cpu.append(used)
        results[f"chars_{n}_cpu_s"] = round(used, 3)
        results[f"chars_{n}_rows"] = len(rows)
    results["growth_exponent_cpu"] = round(_growth_exponent(lengths, cpu), 2)
    return results
