"""Per-document work run in parallel (local processes, a Dask cluster) writes the same bytes as
the serial build, and the pieces put together from per-document results are the tables the
corpus-level stages would write themselves."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest
from conftest import RAW, copy_seeds

#: Later stages run in these tests: the targets put together per document, and the regional
#: stage that reads the per-document tokens.
STAGES = ("targets", "regional")


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".cache" not in p.relative_to(folder).parts
            and p.name != ".build.lock"}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The five seeds built serially without cache."""
    from analysis.pipeline.build import build

    out = tmp_path_factory.mktemp("serial")
    assert build(RAW, out, progress=False, stages=STAGES, jobs=1, cache=False) == 0
    return out


def test_two_processes_give_the_serial_bytes(serial, tmp_path):
    from analysis.pipeline.build import build

    out = tmp_path / "jobs2"
    assert build(RAW, out, progress=False, stages=STAGES, jobs=2, cache=False) == 0
    assert _files(out) == _files(serial)


def test_a_dask_cluster_gives_the_serial_bytes(serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    from analysis.pipeline.build import build

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        assert build(RAW, out, progress=False, stages=STAGES,
                     scheduler=cluster.scheduler_address, cache=False) == 0
    assert _files(out) == _files(serial)


def test_results_come_back_in_task_order_whatever_finishes_first():
    from analysis.core.parallel import run_tasks

    # The first task is the slowest, so it finishes last in a pool of two.
    delays = [0.6, 0.0, 0.1, 0.0, 0.2]
    assert run_tasks(_sleep_then_return, delays, jobs=2) == delays


def _sleep_then_return(delay):
    import time

    time.sleep(delay)
    return delay


def test_assembled_targets_are_what_the_targets_stage_writes(serial, tmp_path):
    """targets.csv and accident_targets.csv from per-document rows equal the stage's own."""
    from analysis.extract import targets

    copy = tmp_path / "stage"
    shutil.copytree(serial, copy, ignore=shutil.ignore_patterns(".cache", ".build.lock"))
    for name in ("targets.csv", "accident_targets.csv"):
        (copy / name).unlink()
    targets.build(RAW, copy)
    for name in ("targets.csv", "accident_targets.csv"):
        assert (copy / name).read_bytes() == (serial / name).read_bytes(), name


def test_regional_stage_reads_the_per_document_tokens(serial, monkeypatch):
    """The corpus token table the regional stage asks for is found, not segmented again."""
    from analysis.text import regional, tokenise

    clauses, documents, prepared = regional.load_inputs(serial)
    compact = prepared.assign(text=prepared["content"].str.replace(r"\s+", "", regex=True))

    def refuse(text):
        raise AssertionError("segmented again: the seeded token table was not found")

    monkeypatch.setattr(tokenise, "segment", refuse)
    tokens = tokenise.tokenise_clauses(compact, folder=serial / ".cache")
    assert len(tokens) == len(compact) and tokens["tokens"].str.len().sum() > 0


def test_clean_text_of_a_plan_does_not_depend_on_its_companions(tmp_path):
    """Haimen cleaned alone in a worker equals Haimen cleaned beside the other seeds."""
    from analysis.pipeline.build import clean_corpus

    raw = copy_seeds(tmp_path / "raw", ["haimen-2023"])
    alone = clean_corpus(raw, progress=False, jobs=2)
    together = clean_corpus(RAW, progress=False, jobs=2)
    assert alone.texts["haimen-2023"] == together.texts["haimen-2023"]
    assert alone.per_doc["haimen-2023"]["structure"]["clauses"].equals(
        together.per_doc["haimen-2023"]["structure"]["clauses"])


def _fail_on_three(value):
    if value == 3:
        import time

        time.sleep(0.5)  # the others finish first, in any pool
        raise ValueError("three")
    return value


@pytest.mark.parametrize("jobs", [1, 2])
def test_finished_results_are_handed_over_before_a_failure(jobs):
    """Each result reaches the caller (the build stores it in the cache) as it arrives, so a
    failed or interrupted build keeps the documents already done."""
    from analysis.core.parallel import run_tasks

    seen = []
    with pytest.raises(ValueError, match="three"):
        run_tasks(_fail_on_three, [1, 2, 0.0, 3], jobs=jobs,
                  on_result=lambda index, result: seen.append(index))
    assert {0, 1} <= set(seen) and 3 not in seen


def test_tree_memory_counts_shared_pages_once():
    """The scale benchmark's memory is the processes' proportional set sizes: a forked child
    that shares its parent's pages adds only what it owns, not its whole resident size.
    (Compared as increments: a test worker may already have children of its own, such as a
    reused process pool.)"""
    import multiprocessing
    import time

    import psutil

    from analysis.pipeline.scale_bench import _tree_rss

    def tree_rss_sum(proc):
        total = 0
        for member in [proc] + proc.children(recursive=True):
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
        return total

    me = psutil.Process()
    ballast = bytearray(200 * 2**20)  # 200 MB resident in the parent, shared after a fork
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    before, rss_before = _tree_rss(me), tree_rss_sum(me)
    assert 0 < before <= rss_before * 1.01
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=time.sleep, args=(3,))
    child.start()
    try:
        time.sleep(0.5)
        added, rss_added = _tree_rss(me) - before, tree_rss_sum(me) - rss_before
        assert rss_added > 150 * 2**20  # the child's resident size holds the shared ballast
        assert added < rss_added - 100 * 2**20  # its proportional share does not
    finally:
        child.terminate()
        child.join()
    del ballast


def _frozen_objects(_):
    import gc

    return gc.get_freeze_count()


def test_forked_workers_never_traverse_the_parents_objects():
    """The parent's objects are frozen in the workers (a worker's garbage collection would
    otherwise write to, and so copy, every page of the parent's heap), and thawed again in
    the parent."""
    import gc
    import multiprocessing

    from analysis.core.parallel import run_tasks

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("workers are not forked on this platform")
    held = [{"n": [k]} for k in range(50_000)]  # a heap of containers, as a build holds
    counts = run_tasks(_frozen_objects, [0, 1], jobs=2)
    assert min(counts) >= len(held)
    assert gc.get_freeze_count() == 0


def test_per_document_results_are_let_go_before_the_corpus_level_stages(monkeypatch, tmp_path):
    """The corpus-level stages read the written tables; the cleaned corpus (texts,
    per-document results, cleaning log) is released before the first of them runs, its
    tokens handed to the token caches first."""
    from analysis.pipeline import build as build_module
    from analysis.text import regional

    seen = {}
    release = build_module._release_documents

    def spy(corpus, order, out, remaining):
        release(corpus, order, out, remaining)
        seen.update(per_doc=len(corpus.per_doc), texts=len(corpus.texts),
                    log=len(corpus.cleaning_log), order=len(order),
                    caches=sorted(p.name for p in (out / ".cache").glob("tokens_*.json")))

    def regional_stage(raw, out):
        seen["released_before_regional"] = "per_doc" in seen
        return []

    monkeypatch.setattr(build_module, "_release_documents", spy)
    monkeypatch.setattr(regional, "build", regional_stage)
    out = tmp_path / "out"
    assert build_module.build(RAW, out, progress=False, stages=STAGES, jobs=1,
                              cache=False) == 0
    assert seen["per_doc"] == seen["texts"] == seen["log"] == 0 and seen["order"] == 5
    assert len(seen["caches"]) == 2  # the two token variants, for regional and topics
    assert seen["released_before_regional"]


def test_a_build_keeps_its_caches_in_its_own_output(monkeypatch, tmp_path):
    """Caches written without a folder (the segmentation of the distinctive-term variants and
    of the topic model) go to the running build's ``<out>/.cache``, not to the repository's
    ``data/processed/.cache``, and the setting is gone after the build."""
    from analysis.core.paths import CACHE_DIR_ENV, cache_dir
    from analysis.pipeline import build as build_module
    from analysis.text import regional
    from analysis.text.tokenise import tokenise_clauses

    monkeypatch.setenv("ANALYSIS_ROOT", str(tmp_path / "repository"))
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    seen = {}

    def regional_stage(raw, out):
        seen["cache"] = cache_dir()
        tokenise_clauses(pd.DataFrame({"doc_id": ["d"], "clause_id": ["d/1"],
                                       "text": ["加强应急管理。"]}))
        return []

    monkeypatch.setattr(regional, "build", regional_stage)
    out = tmp_path / "out"
    assert build_module.build(RAW, out, progress=False, stages=STAGES, jobs=1) == 0
    assert seen["cache"] == (out / ".cache").resolve()
    # the two token variants handed over by the build, and the stage's own table
    assert len(list((out / ".cache").glob("tokens_*.json"))) == 3
    assert not (tmp_path / "repository").exists()
    assert CACHE_DIR_ENV not in os.environ


def test_tasks_by_size_go_out_largest_first_and_come_back_in_task_order():
    from analysis.core.parallel import run_tasks_by_size

    calls = []

    def record(task):
        calls.append(task)
        return task * 10

    tasks, sizes = [1, 2, 3, 4], [5.0, 9.0, 5.0, 0.0]
    assert run_tasks_by_size(record, tasks, sizes, jobs=1) == [10, 20, 30, 40]
    assert calls == [2, 1, 3, 4]           # largest first, ties in task order
    assert run_tasks_by_size(abs, [-3, 4, -5], [1, 3, 2], jobs=2) == [3, 4, 5]
    calls.clear()  # tuples: the first item decides, then the second; ties in task order
    run_tasks_by_size(record, tasks, [(False, 9), (True, 1), (True, 1), (False, 10)], jobs=1)
    assert calls == [2, 3, 4, 1]
