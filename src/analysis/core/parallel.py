"""Run one function over many independent tasks: in this process, in a pool of local processes,
or on a Dask distributed cluster; results always come back in the order of the tasks.

The local default is :class:`multiprocessing.pool.Pool` (no cluster needed; its
``terminate`` ends the workers at once when the build is interrupted). ``scheduler`` names a
running Dask scheduler (``tcp://host:8786``); the cluster's workers must have this package
installed at the same version, since they import the task function. The progress bar
(tqdm, on standard error, only on a terminal unless forced) counts finished tasks in both
cases, in whatever order they finish; the results are placed by task index, never by
completion order.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from typing import Callable, Sequence


#: Environment variable through which the build passes its ``--jobs`` to the corpus-level
#: stages (their ``build(raw, processed)`` has no jobs argument). Unset, they run in one
#: process: tests, notebooks and simulations never start pools of their own.
STAGE_JOBS_ENV = "ANALYSIS_STAGE_JOBS"


def stage_jobs() -> int:
    """Worker processes a corpus-level stage may use: the build's ``--jobs`` (see
    :data:`STAGE_JOBS_ENV`), else 1."""
    try:
        return max(1, int(os.environ.get(STAGE_JOBS_ENV, "1")))
    except ValueError:
        return 1


def default_jobs() -> int:
    """Worker processes by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _worker_init() -> None:
    # Ctrl-C and SIGTERM are the parent's to handle (it terminates the pool); a worker that
    # inherited the build's SIGTERM handler would print a traceback instead of ending.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _indexed(args):
    func, index, task = args
    return index, func(task)


def _context():
    # fork starts workers with the modules already imported (seconds less per worker); it is
    # Linux's default and unavailable on Windows.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def run_tasks(func: Callable, tasks: Sequence, jobs: int | None = None,
              scheduler: str | None = None, progress: bool = False,
              desc: str = "documents", on_result: Callable | None = None) -> list:
    """``[func(t) for t in tasks]``, computed in parallel.

    Parameters
    ----------
    func : callable
        A module-level function (it is pickled by reference).
    tasks : sequence
        Picklable arguments, one per call.
    jobs : int, optional
        Local worker processes (default :func:`default_jobs`); 1 runs in this process.
    scheduler : str, optional
        Address of a Dask distributed scheduler; when given, ``jobs`` is ignored.
    progress : bool
        Show a progress bar on standard error.
    desc : str
        Label of the progress bar.
    on_result : callable, optional
        Called as ``on_result(index, result)`` in this process as each result arrives (the
        build stores it in the cache at once, so an interrupted build keeps finished work).

    Returns
    -------
    list
        Results in the order of ``tasks``.
    """
    # Plain tqdm on standard error, imported only here: tqdm.auto warns in a notebook kernel
    # without ipywidgets, and notebooks import stages that import this module.
    from tqdm import tqdm

    results: list = [None] * len(tasks)

    def take(index, result):
        results[index] = result
        if on_result is not None:
            on_result(index, result)
        bar.update()

    bar = tqdm(total=len(tasks), desc=desc, unit="doc", disable=not progress or len(tasks) < 2,
               file=sys.stderr)
    try:
        if scheduler:
            for index, result in _dask_results(func, tasks, scheduler):
                take(index, result)
            return results
        jobs = default_jobs() if jobs is None else max(1, int(jobs))
        if jobs == 1 or len(tasks) < 2:
            for index, task in enumerate(tasks):
                take(index, func(task))
            return results
        # Forked workers share the parent's memory until they write to it, and the garbage
        # collector writes to every object it traverses: a worker's first full collection
        # copied about half of the parent's heap (the build's whole state, at the corpus-level
        # stages), so two workers could triple the build's memory. Objects frozen before the
        # fork are never traversed in the workers (gc.freeze, as the gc module's
        # documentation advises for fork without exec); they are unfrozen afterwards.
        freeze = _context().get_start_method() == "fork"
        if freeze:
            gc.freeze()
        try:
            pool = _context().Pool(min(jobs, len(tasks)), initializer=_worker_init)
        finally:
            if freeze:
                gc.unfreeze()
        try:
            for index, result in pool.imap_unordered(
                    _indexed, [(func, i, t) for i, t in enumerate(tasks)], chunksize=1):
                take(index, result)
            pool.close()
        finally:
            pool.terminate()  # at once on an error or interruption; a no-op after close
            pool.join()
        return results
    finally:
        bar.close()


def run_tasks_by_size(func: Callable, tasks: Sequence, sizes: Sequence,
                      jobs: int | None = None, desc: str = "tasks") -> list:
    """``[func(t) for t in tasks]`` like :func:`run_tasks`, the tasks handed out largest
    ``sizes`` first (ties in task order), so that the workers finish together; results in
    the order of ``tasks``, whatever order they finish in. A size is anything that sorts:
    a number, or a tuple compared item by item."""
    # sorted is stable with reverse=True too: equal sizes keep the tasks' order
    order = sorted(range(len(tasks)), key=lambda i: sizes[i], reverse=True)
    done = run_tasks(func, [tasks[i] for i in order], jobs=jobs, desc=desc)
    results: list = [None] * len(tasks)
    for i, result in zip(order, done):
        results[i] = result
    return results


def _dask_results(func: Callable, tasks: Sequence, scheduler: str):
    """(index, result) pairs from a Dask cluster, as tasks finish."""
    try:
        from distributed import Client, as_completed
    except ImportError as err:  # pragma: no cover  (dask is a dependency; kept for clarity)
        raise RuntimeError("--scheduler needs dask and distributed: pip install "
                           "'analysis[cluster]'") from err
    with Client(scheduler) as client:
        futures = client.map(func, list(tasks), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index[future.key], future.result()
        finally:
            client.cancel(futures)
