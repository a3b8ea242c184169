"""Execute notebooks in place, the way ``make all`` does, so stored outputs match what nbval
re-computes under ``make test``."""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run_notebook(path: str | Path, timeout: int = 1200) -> None:
    """Execute ``path`` with the ``python3`` kernel from its own folder and save it with
    outputs. Raises on the first failing cell, naming it."""
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    finally:
        if env_before is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_before
    # Stable metadata: no timings or kernel noise that would change the file between runs.
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def run_notebooks(paths, jobs: int | None = None, timeout: int = 1200) -> int:
    """Execute several notebooks in place, ``jobs`` at a time (default: one per core).

    Each notebook runs in its own ``python -m analysis run-notebook`` process with its own
    kernel, so the result is the same as running them one after another; on a machine with
    several cores ``make all`` takes about the time of the longest notebooks instead of their
    sum. Returns 0 if all ran, else 1 after naming each notebook that failed.
    """
    import subprocess
    import sys
    import time
    from concurrent.futures import ThreadPoolExecutor

    paths = [Path(p) for p in paths]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths) or 1))

    def run(path: Path) -> tuple[Path, int, str, float]:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "analysis", "run-notebook", str(path)],
                              capture_output=True, text=True, timeout=timeout)
        return path, done.returncode, done.stderr, time.perf_counter() - start

    failed = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for path, code, stderr, seconds in pool.map(run, paths):
            if code:
                failed.append(path)
                print(f"FAILED {path} (exit {code}):\n{stderr[-3000:]}", file=sys.stderr,
                      flush=True)
            else:
                print(f"executed {path} in {seconds:.0f} s", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: " + ", ".join(map(str, failed)) + "; the "
              "message above names the failing cell", file=sys.stderr)
        return 1
    return 0
