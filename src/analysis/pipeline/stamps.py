"""Skip a corpus-level stage whose inputs are those of the last build (make's rule, by
content rather than by time).

A stage's *fingerprint* is the SHA-256 of everything its output can depend on: the package
code and resources, the installed library versions, the ``ANALYSIS_*`` settings in the
environment, the raw inputs, and the bytes of every table the build has written before the
stage runs (clean texts, clauses, the earlier stages' tables). ``build_info.json`` keeps, per
stage, that fingerprint and the files the stage wrote. When a later build reaches the stage
with the same fingerprint, and every one of those files is still on disk with the checksum
the last build recorded, the stage is not run again: its tables are the ones it would write.
Any change to a plan, to the code or to an earlier table runs the stage again.

This is the same rule as DVC's stage lock (``dvc.lock``); it is written here because the
pipeline's stages are Python functions, not commands, and the checksums are already kept in
``build_info.json``.
"""
from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from analysis.corpus.checksums import sha256_file
from analysis.pipeline.status import (BUILD_INFO, code_digest, input_digests, output_names,
                                      resources_digest)

#: Environment variables that change what a stage computes (paths such as ANALYSIS_ROOT do
#: not: they say where, not what; nor do the number of processes, ANALYSIS_STAGE_JOBS,
#: and --no-cache, ANALYSIS_NO_CACHE: a cached result is the result the stage would compute;
#: nor the cache folder, ANALYSIS_CACHE_DIR).
_IGNORED_SETTINGS = frozenset({"ANALYSIS_ROOT", "ANALYSIS_STAGE_JOBS", "ANALYSIS_NO_CACHE",
                               "ANALYSIS_CACHE_DIR"})
#: Packages pinned in the lock that only run or check the tests: the build never imports them,
#: so adding or upgrading one (pytest-xdist was added on 2026-11-29) must not rerun every
#: stage, the simulation study's ten minutes included.
TEST_TOOLS = frozenset({"pytest", "pluggy", "iniconfig", "nbval", "pytest-xdist", "execnet",
                        "hypothesis", "import-linter", "grimp"})


def _pinned_names() -> set[str] | None:
    """Names of the packages pinned in the repository's ``requirements.lock`` (None without
    a lock): tools a developer installed beside them (ruff, a profiler) change no table, so
    they must not make a fresh clone's build rerun every stage."""
    import re

    from analysis.core.paths import repo_root

    lock = repo_root() / "requirements.lock"
    if not lock.exists():
        return None
    return {re.sub(r"[-_.]+", "-", m.group(1).lower())
            for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)==", lock.read_text(), re.M)}


def _library_versions() -> str:
    import re

    pinned = _pinned_names()
    names = set()
    for dist in metadata.distributions():
        name = re.sub(r"[-_.]+", "-", (dist.metadata["Name"] or "").lower())
        if name and (pinned is None or name in pinned) and name not in TEST_TOOLS:
            names.add(f"{name}=={dist.version}")
    return "\n".join(sorted(names))


def _settings() -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                     if k.startswith("ANALYSIS_") and k not in _IGNORED_SETTINGS)


class StageStamps:
    """Fingerprints of the stages of one build, and the record of the last build.

    Parameters
    ----------
    raw, out : Path
        The build's raw and output folders.
    """

    def __init__(self, raw: Path, out: Path):
        self.out = Path(out)
        code = hashlib.sha256()
        for part in (code_digest(), resources_digest(), _library_versions(), _settings()):
            code.update(part.encode("utf-8") + b"\0")
        self._code = code.hexdigest()
        self._base = hashlib.sha256((self._code + json.dumps(
            input_digests(Path(raw)), sort_keys=True)).encode("utf-8")).hexdigest()
        self.previous = _previous_record(self.out)
        self.current: dict[str, dict] = {}
        # Checksums by (path, size, mtime): every stage's fingerprint reads the same tables,
        # and an unchanged file is hashed once per build, not once per stage.
        self._checksums: dict[tuple, str] = {}

    def _sha(self, path: Path) -> str:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._checksums:
            self._checksums[key] = sha256_file(path)
        return self._checksums[key]

    def fingerprint(self, stage: str, exclude: frozenset[str] = frozenset(),
                    corpus_free: tuple[str, ...] | None = None) -> str:
        """Fingerprint of ``stage`` given the tables now in the output folder, leaving out
        ``exclude`` (the files that this stage or a later one wrote last time).

        A stage that reads no plan (the simulation study) gives ``corpus_free``: the modules
        it runs. Its fingerprint is then the source of those modules and of every package
        module they import, the resources they name, the library versions and the settings
        (:func:`analysis.pipeline.cache.stage_version`), so that neither a new plan nor a
        change elsewhere in the code reruns it."""
        if corpus_free:
            from analysis.pipeline.cache import stage_version

            parts = (stage_version(tuple(corpus_free)), _library_versions(), _settings(), stage)
            return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
        digest = hashlib.sha256((self._base + "\0" + stage).encode("utf-8"))
        for name in output_names(self.out):
            if name not in exclude and name != "README.md":
                digest.update(f"{name}\0{self._sha(self.out / name)}\0".encode("utf-8"))
        return digest.hexdigest()

    def later_outputs(self, stages: list[str]) -> frozenset[str]:
        """Files that the last build recorded for any of ``stages``."""
        return frozenset(name for stage in stages
                         for name in self.previous.get(stage, {}).get("outputs", {}))

    def up_to_date(self, stage: str, fingerprint: str) -> bool:
        """True if the last build ran ``stage`` with this fingerprint and its files are on
        disk unchanged."""
        record = self.previous.get(stage)
        if not record or record.get("fingerprint") != fingerprint:
            return False
        for name, sha in record.get("outputs", {}).items():
            path = self.out / name
            if not path.is_file() or self._sha(path) != sha:
                return False
        return True

    def record(self, stage: str, fingerprint: str, written: list[Path] | None) -> None:
        """Remember what ``stage`` wrote in this build (for the next one)."""
        outputs = {}
        for path in written or []:
            path = Path(path)
            if path.is_file():
                outputs[path.resolve().relative_to(self.out.resolve()).as_posix()] = \
                    self._sha(path)
        self.current[stage] = {"fingerprint": fingerprint, "outputs": dict(sorted(outputs.items()))}

    def keep(self, stage: str) -> None:
        """Carry the last build's record of a stage that was up to date."""
        self.current[stage] = self.previous[stage]


def _previous_record(out: Path) -> dict[str, dict]:
    path = out / BUILD_INFO
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("stage_stamps", {}))
    except (ValueError, AttributeError):
        return {}
