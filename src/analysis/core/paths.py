"""Where things live in the repository.

All paths derive from the repository root so that the package works from a notebook in
``notebooks/``, from the command line and from tests alike. ``ANALYSIS_ROOT`` overrides the
root (tests use it to build a corpus in a temporary folder).
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PACKAGE_DATA = PACKAGE_DIR / "data"


def repo_root() -> Path:
    """Return the repository root (the folder holding ``data/`` and ``notebooks/``)."""
    env = os.environ.get("ANALYSIS_ROOT")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parents[1]


def raw_dir() -> Path:
    """Folder of immutable raw inputs (``data/raw``)."""
    return repo_root() / "data" / "raw"


def processed_dir() -> Path:
    """Folder of rebuilt tables (``data/processed``)."""
    return repo_root() / "data" / "processed"


def figures_dir() -> Path:
    """Folder of figures written by :func:`analysis.figures.style.save_figure`."""
    return repo_root() / "figures"


#: Set by a build to its output's cache folder (``<out>/.cache``) while it runs, so that the
#: caches the corpus-level stages write without being told where (segmentation) go with that
#: build's tables; without it a build into another folder wrote them into the repository's
#: ``data/processed/.cache``, where they evicted the seeds' own.
CACHE_DIR_ENV = "ANALYSIS_CACHE_DIR"


def cache_dir() -> Path:
    """Folder of derived caches (segmentation); safe to delete: the running build's
    (:data:`CACHE_DIR_ENV`), else ``data/processed/.cache``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    return processed_dir() / ".cache"
