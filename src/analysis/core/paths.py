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


def cache_dir() -> Path:
    """Folder of derived caches (segmentation); safe to delete."""
    return processed_dir() / ".cache"
