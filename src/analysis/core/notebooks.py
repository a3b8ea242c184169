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
