"""Provenance of results computed offline: which commit of the code produced them."""
from __future__ import annotations

import subprocess
from typing import Sequence

from analysis.core.paths import PACKAGE_DIR


def git_commit(exclude: Sequence[str] = ()) -> str:
    """HEAD of the repository the code runs from, with ``+dirty`` when the package source
    differs from it (the stored rows then come from uncommitted code), or ``unknown``.

    Parameters
    ----------
    exclude : sequence of str
        Paths (git pathspecs relative to the repository root, e.g.
        ``src/analysis/data/heavy_simulation.*``) whose changes do not count: the outputs of
        the run itself, so that a rerun before committing them is not called dirty.
    """
    # The checkout of the code that runs (not ANALYSIS_ROOT, which says where data live).
    root = PACKAGE_DIR.parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src",
                                *(f":!{p}" for p in exclude)], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")
