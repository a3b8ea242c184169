"""Local alignment of many candidate clause pairs: in parallel, and cached between builds.

The reuse search (:func:`analysis.text.reuse.find_reuse_levels`) aligns every candidate pair
that the MinHash/LSH step proposes. That is the stage's main cost (about 28 ms a pair on
clauses of a few hundred characters; 12,000 pairs at 320 synthetic plans), and it is the
same work on every rebuild: adding one plan changes only the pairs that involve its clauses.
:func:`align_pairs` therefore

* looks each pair up in a cache keyed by the two texts, the alignment scores asked for and
  the code version of :mod:`analysis.text.alignment` (its source, Biopython's, parasail's
  and numpy's versions), so a cached result is the result a fresh alignment would give;
* aligns the pairs not found in batches across worker processes
  (:func:`analysis.core.parallel.run_tasks`); each pair's result does not depend on the
  batch or the worker, so the output is the same for any number of workers (tested);
* keeps in the cache only the pairs of this run (the file does not grow with every edit).

The cache is one pickle per scores and code version under ``<cache>/alignments/``, written
atomically; a file that cannot be read is a cache miss. Deleting it only costs time.
Written by hand: joblib.Memory would hash each call's arguments into a file per pair
(hundreds of thousands of files at a thousand plans).
"""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Sequence

import numpy as np

from analysis.text.alignment import Alignment, local_align_levels

#: Candidate pairs per parallel task (large enough that pickling is a small part of a task).
BATCH = 200
#: Sub-folder of the cache folder.
FOLDER = "alignments"

Stored = tuple[tuple, tuple]  # (blocks, regions) of one Alignment


def _align_batch(task: tuple[list[tuple[str, str]], tuple[float, ...]]) -> list[list[Stored]]:
    pairs, scores = task
    return [[(al.blocks, al.regions) for al in local_align_levels(a, b, scores)]
            for a, b in pairs]


def _pair_key(a: str, b: str) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(a.encode("utf-8"))
    digest.update(b"\0")
    digest.update(b.encode("utf-8"))
    return digest.digest()


def _cache_file(cache_dir: Path, scores: tuple[float, ...]) -> Path:
    from importlib.metadata import PackageNotFoundError, version

    import Bio

    import analysis.text.alignment as alignment

    try:
        parasail = version("parasail")
    except PackageNotFoundError:  # pragma: no cover  (Biopython gates instead)
        parasail = "absent"
    # The alignment's whole code is its module (Biopython, parasail's gate and numpy do the
    # rest).
    digest = hashlib.sha256(Path(alignment.__file__).read_bytes())
    for part in (f"biopython {Bio.__version__}", f"numpy {np.__version__}",
                 f"parasail {parasail}", repr(scores)):
        digest.update(b"\0" + part.encode("utf-8"))
    return Path(cache_dir) / FOLDER / f"{digest.hexdigest()[:32]}.pkl"


def _load(path: Path) -> dict[bytes, list[Stored]]:
    try:
        return pickle.loads(path.read_bytes()) if path.is_file() else {}
    except Exception:  # noqa: BLE001  (a damaged cache file is only a miss)
        return {}


def align_pairs(texts: Sequence[str], candidates: np.ndarray, scores: tuple[float, ...],
                jobs: int | None = 1, cache_dir: Path | None = None,
                progress: bool = False) -> list[list[Alignment]]:
    """``local_align_levels(texts[i], texts[j], scores)`` for every candidate pair ``(i, j)``.

    Parameters
    ----------
    texts : sequence of str
        Clause texts (whitespace removed).
    candidates : numpy.ndarray
        (n, 2) row positions into ``texts``.
    scores : tuple of float
        The ``min_scores`` of :func:`analysis.text.alignment.local_align_levels`.
    jobs : int, optional
        Worker processes (None: all cores; 1: this process).
    cache_dir : Path, optional
        The build's cache folder; None aligns every pair and stores nothing.
    progress : bool
        Show a progress bar (batches of :data:`BATCH` pairs).

    Returns
    -------
    list
        Per candidate pair, in the order given, one :class:`Alignment` per score.
    """
    from analysis.core.io import atomic_write_bytes
    from analysis.core.parallel import run_tasks

    scores = tuple(float(s) for s in scores)
    pairs = [(texts[int(i)], texts[int(j)]) for i, j in candidates]
    keys = [_pair_key(a, b) for a, b in pairs]
    from analysis.core.memo import caching_disabled

    use_cache = cache_dir is not None and not caching_disabled()
    path = _cache_file(cache_dir, scores) if use_cache else None
    stored = _load(path) if path is not None else {}
    missing = sorted({k: n for n, k in enumerate(keys) if k not in stored}.values())
    batches = [missing[s:s + BATCH] for s in range(0, len(missing), BATCH)]
    found = run_tasks(_align_batch, [([pairs[n] for n in batch], scores) for batch in batches],
                      jobs=jobs, progress=progress, desc="aligning candidate pairs")
    for batch, results in zip(batches, found):
        for n, result in zip(batch, results):
            stored[keys[n]] = result
    if path is not None:
        used = {k: stored[k] for k in keys}
        atomic_write_bytes(path, pickle.dumps(used, protocol=pickle.HIGHEST_PROTOCOL))
        for other in path.parent.glob("*.pkl"):  # files of other scores or code versions
            if other != path:
                other.unlink(missing_ok=True)
    return [[Alignment(a, b, blocks, regions) for blocks, regions in stored[key]]
            for (a, b), key in zip(pairs, keys)]
