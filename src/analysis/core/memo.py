"""Results of costly steps inside a corpus-level stage, kept between builds.

A corpus-level stage runs again whenever any plan changes, but some of its steps do not read
the plans at all (the feasibility stage's simulation study of forecast calibration reads only
the accident statistics and the *forms* of the targets, which a new plan rarely changes).
:func:`cached_step` stores such a step's result under a key made of

* the step's name and the source of the modules it runs, with the package data files they
  name (:func:`analysis.core.codeversion.source_digest`), so an edit to any of them
  recomputes it;
* the versions of the libraries the caller names (numerical results depend on them);
* the step's inputs, as the caller lists them (tables are keyed by their CSV text).

A result found under its key is the result the step would compute, so a build with the cache
writes the same bytes as one without. One entry is kept per step name (the last one used), so
the folder does not grow with every edit. An entry that cannot be read is a miss. The build's
``--no-cache`` sets :data:`NO_CACHE_ENV`, and every step then computes.

:func:`by_text` keeps per-text results instead (the tokens or rule scores of one clause
text), so that a step over every clause of a changed corpus computes only the texts it has not
seen.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import unicodedata
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Sequence, TypeVar

import pandas as pd

from analysis.core.codeversion import source_digest
from analysis.core.io import atomic_write_bytes

T = TypeVar("T")
#: Sub-folder of the output's ``.cache``.
FOLDER = "steps"
#: Set to ``1`` by ``analysis build --no-cache``: cached steps (and aligned pairs) compute.
NO_CACHE_ENV = "ANALYSIS_NO_CACHE"


def caching_disabled() -> bool:
    """Whether the build asked for no cache (:data:`NO_CACHE_ENV`)."""
    return os.environ.get(NO_CACHE_ENV) == "1"


def _key_bytes(part: object) -> bytes:
    if isinstance(part, pd.DataFrame):
        # Index and dtypes too: two frames that print alike must not share a key.
        return (b"frame\0" + repr(part.dtypes.to_dict()).encode("utf-8") + b"\0"
                + part.to_csv(index=True, lineterminator="\n").encode("utf-8"))
    if isinstance(part, (str, bytes, int, float, bool, type(None))) or (
            isinstance(part, tuple) and all(isinstance(x, (str, int, float, bool, type(None)))
                                            for x in part)):
        return b"value\0" + repr(part).encode("utf-8")
    raise TypeError(f"cached_step inputs are DataFrames, numbers, strings or flat tuples, not "
                    f"{type(part).__name__} (its repr may be truncated)")


def step_key(name: str, roots: tuple[str, ...], libraries: Iterable[str],
             inputs: Iterable[object]) -> str:
    """SHA-256 that names one result of a step (see the module docstring)."""
    digest = hashlib.sha256(f"{name}\0{source_digest(tuple(roots))}\0".encode())
    for library in sorted(libraries):
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library}=={version}\0".encode())
    for part in inputs:
        digest.update(_key_bytes(part) + b"\0")
    return digest.hexdigest()


def cached_step(cache_dir: Path | None, name: str, roots: tuple[str, ...],
                inputs: Iterable[object], compute: Callable[[], T],
                libraries: Iterable[str] = ("numpy", "pandas", "scipy", "statsmodels",
                                            "scikit-learn"),
                read_also: Iterable[Path] = ()) -> T:
    """``compute()``, or its stored result when the key matches.

    Parameters
    ----------
    cache_dir : Path or None
        The build's cache folder (``<out>/.cache``); None, or :data:`NO_CACHE_ENV` set,
        computes without storing.
    name : str
        The step (a folder name).
    roots : tuple of str
        Modules whose source (with every ``analysis`` module they import) the result depends
        on.
    inputs : iterable
        Everything else the result depends on: DataFrames, numbers, strings, tuples.
    compute : callable
        Computes the result; it must be picklable.
    libraries : iterable of str
        Distributions whose versions enter the key.
    read_also : iterable of Path
        Further cache folders looked in (never written) when ``cache_dir`` has no result:
        for a step that depends on no corpus, a build with its own output folder can read
        the result that the repository's build stored.
    """
    if cache_dir is None or caching_disabled():
        return compute()
    key = step_key(name, roots, libraries, inputs)
    folder = Path(cache_dir) / FOLDER / name
    path = folder / f"{key[:32]}.pkl"
    for candidate in [path, *(Path(f) / FOLDER / name / path.name for f in read_also)]:
        if candidate.is_file():
            try:
                stored_key, value = pickle.loads(candidate.read_bytes())
            except Exception:  # noqa: BLE001  (a damaged entry is only a miss)
                stored_key = None
            if stored_key == key:
                return value
    value = compute()
    try:
        atomic_write_bytes(path, pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
        for other in folder.glob("*.pkl"):
            if other != path:
                other.unlink(missing_ok=True)
    except OSError as err:  # a cache that cannot be written costs time, never the build
        print(f"{name}: result not cached ({err}); the next build computes it again",
              file=sys.stderr, flush=True)
    return value


#: Format of :func:`by_text`'s files; part of their settings.
MEMO_FORMAT = "1"


def by_text(folder: Path | None, kind: str, settings: str, texts: Sequence,
            compute: Callable[[list[str]], list], keep_updates: int = 16,
            max_files: int = 2) -> list:
    """``compute`` of each text, from a memo of earlier results where it has them.

    Parameters
    ----------
    folder : Path or None
        Cache folder; None (or :data:`NO_CACHE_ENV` set) computes every text and stores
        nothing.
    kind : str
        What is kept (the file name's start, e.g. ``segments``).
    settings : str
        Everything a text's result depends on besides the text (versions, rule files, the
        source of the function). The memo adds its format, the Python version and the
        Unicode database version (regular-expression classes follow it). The file name holds
        a hash of the whole, and the file the whole string, so results under other settings
        are never read.
    texts : sequence
        The texts; anything that is not a string counts as "".
    compute : callable
        Results of a list of distinct texts, in their order (picklable values).
    keep_updates : int
        A text not asked for in this many updates of the memo is dropped, so that the memo
        stays the size of the texts in use as a corpus changes. A call that finds every text
        neither writes the file nor counts as an update.
    max_files : int
        Memo files of this kind (other settings) kept; older ones are removed.

    Returns
    -------
    list
        One result per text, in order.

    Notes
    -----
    A damaged or unreadable memo is only a miss, and a memo that cannot be written or pruned
    only costs time. Two processes sharing a folder may each write it; the later write wins,
    and the other's new texts are computed again later. Each call that computes something
    reads and rewrites the whole file (0.6 s for 180,000 texts). Written by hand: the
    stdlib's shelve and dbm would do the look-up but not the pruning.
    """
    texts = [t if isinstance(t, str) else "" for t in texts]
    if folder is None or caching_disabled():
        distinct = list(dict.fromkeys(texts))
        found = dict(zip(distinct, compute(distinct)))
        return [found[t] for t in texts]
    folder = Path(folder)
    settings = "\0".join((MEMO_FORMAT, sys.version, unicodedata.unidata_version, settings))
    name = hashlib.sha256(settings.encode("utf-8")).hexdigest()[:20]
    path = folder / f"{kind}_{name}.pkl"
    update, entries = 0, {}
    if path.exists():
        try:
            stored = pickle.loads(path.read_bytes())
            if stored.get("settings") == settings:
                update, entries = int(stored["update"]), dict(stored["entries"])
        except Exception:  # noqa: BLE001  (a damaged memo is only a miss)
            update, entries = 0, {}
    # surrogatepass: a text with a lone surrogate has a result too (compute decides it)
    digests = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
               for t in texts]
    missing = {}
    for digest, text in zip(digests, texts):
        if digest not in entries and digest not in missing:
            missing[digest] = text
    if not missing:
        return [entries[digest][0] for digest in digests]
    update += 1
    for digest, value in zip(missing, compute(list(missing.values()))):
        entries[digest] = (value, update)
    results = []
    for digest in digests:
        value = entries[digest][0]
        entries[digest] = (value, update)
        results.append(value)
    oldest = update - keep_updates
    kept = {k: v for k, v in entries.items() if v[1] > oldest}
    try:
        atomic_write_bytes(path, pickle.dumps({"settings": settings, "update": update,
                                               "entries": kept},
                                              protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as error:
        print(f"note: {kind} memo not written ({path}): {error}", file=sys.stderr)
    prune_files(folder, f"{kind}_*.pkl", max_files)
    return results


def prune_files(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently modified files of ``folder`` matching
    ``pattern``; a file that is gone or cannot be removed is left to the next prune."""
    stamped = []
    for path in Path(folder).glob(pattern):
        try:  # another process may remove a file between the listing and the stat
            stamped.append((path.stat().st_mtime, path))
        except OSError:
            continue
    for _, old in sorted(stamped, key=lambda item: (-item[0], item[1].name))[keep:]:
        try:
            old.unlink()
        except OSError:
            pass
