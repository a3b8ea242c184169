"""What is built, from which inputs, and what is stale (``analysis status``).

Every build ends by writing ``build_info.json`` into the output folder: the checksums of the
inputs it read (manifest, plans, accident statistics), of the package code and of its
resources, the stages it ran, and the checksum of every file it wrote. It holds no time
stamps, so two builds of the same inputs write the same bytes. :func:`status` compares that
record with the repository as it is now.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from analysis import __version__
from analysis.core.io import atomic_write_text
from analysis.core.paths import PACKAGE_DATA, PACKAGE_DIR
from analysis.core.paths import processed_dir as default_processed_dir
from analysis.core.paths import raw_dir as default_raw_dir
from analysis.corpus.checksums import read_checksums, sha256_file

BUILD_INFO = "build_info.json"


def _tree_digest(files: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_digest() -> str:
    """Checksum of the package's Python code (any change of code makes a build stale)."""
    return _tree_digest(list(PACKAGE_DIR.rglob("*.py")), PACKAGE_DIR)


def resources_digest() -> str:
    """Checksum of the package's versioned resources (lexicons, codebooks, patterns)."""
    return _tree_digest([p for p in PACKAGE_DATA.rglob("*") if p.is_file()], PACKAGE_DATA)


def input_digests(raw: Path) -> dict[str, str]:
    """Checksums of the inputs as they are on disk now: the manifest and every file listed
    in it or in ``SHA256SUMS`` (missing files are left out)."""
    from analysis.corpus.manifest import ManifestError, read_manifest

    names = set(read_checksums(raw))
    try:
        names |= set(read_manifest(raw)[0]["file"])
    except ManifestError:
        pass  # an unreadable manifest still counts: its own checksum is compared below
    names.add("manifest.csv")
    out = {}
    for name in sorted(names):
        path = raw / name
        if path.is_file() and path.resolve().is_relative_to(raw.resolve()):
            out[name] = sha256_file(path)
    return out


def output_names(out: Path) -> list[str]:
    """Every file a build wrote (tables, codebook, clean texts), relative and sorted."""
    files = [p for p in out.rglob("*") if p.is_file() and p.name != BUILD_INFO
             and not p.name.startswith(".")
             and ".cache" not in p.relative_to(out).parts and not p.name.endswith(".tmp")]
    return sorted(p.relative_to(out).as_posix() for p in files)


def output_digests(out: Path) -> dict[str, str]:
    """Checksums of every file a build wrote (:func:`output_names`)."""
    return {name: sha256_file(out / name) for name in output_names(out)}


#: Left by a failed build that removed the previous build's tables (see
#: :func:`analysis.pipeline.build.build`); removed by the next finished build.
FAILED_MARK = ".build_failed"


def write_build_info(raw: Path, out: Path, stages: list[str], exit_code: int,
                     stage_stamps: dict | None = None) -> Path:
    """Record what this build read and wrote (called last by the build); ``stage_stamps``
    are the fingerprints and files of the corpus-level stages
    (:class:`analysis.pipeline.stamps.StageStamps`)."""
    info = {
        "package_version": __version__,
        "code_sha256": code_digest(),
        "resources_sha256": resources_digest(),
        "stages": list(stages),
        "exit_code": exit_code,
        "inputs": input_digests(raw),
        "outputs": output_digests(out),
        "stage_stamps": stage_stamps or {},
    }
    path = out / BUILD_INFO
    atomic_write_text(path, json.dumps(info, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    (out / FAILED_MARK).unlink(missing_ok=True)
    return path


def previous_build_outputs(out: Path) -> list[str]:
    """Files the last finished build wrote (empty when there is no record)."""
    path = Path(out) / BUILD_INFO
    if not path.exists():
        return []
    try:
        return list(json.loads(path.read_text(encoding="utf-8"))["outputs"])
    except (ValueError, KeyError):
        return []


@dataclass
class Status:
    """The comparison of the last build with the repository now."""

    built: bool
    unfinished: bool = False
    n_plans: int = 0
    n_outputs: int = 0
    stale: list[str] = field(default_factory=list)
    outputs_changed: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return self.built and not self.stale and not self.outputs_changed

    def report(self) -> str:
        """Lines a person reads."""
        if self.unfinished:
            return ("the last build did not finish (interrupted or failed): the tables in the "
                    "output folder may come from two builds; run `make all`")
        if not self.built:
            return ("nothing built yet (no build_info.json in the output folder): run "
                    "`make all` or `python -m analysis build`")
        lines = [f"built: {self.n_plans} plan(s) -> {self.n_outputs} file(s) in the output folder"]
        if self.up_to_date:
            lines.append("up to date: inputs, code and resources are those of the last build")
        for reason in self.stale:
            lines.append(f"stale: {reason}")
        for name in self.outputs_changed:
            lines.append(f"changed since the build: {name}")
        if not self.up_to_date:
            lines.append("run `make all` to rebuild the tables and re-execute the notebooks")
        return "\n".join(lines)


def status(raw: Path | None = None, out: Path | None = None) -> Status:
    """Compare the record of the last build with the inputs, code and outputs now."""
    raw = Path(raw) if raw else default_raw_dir()
    out = Path(out) if out else default_processed_dir()
    path = out / BUILD_INFO
    if not path.exists():
        return Status(built=False, unfinished=(out / "documents.csv").exists()
                      or (out / FAILED_MARK).exists())
    info = json.loads(path.read_text(encoding="utf-8"))
    then, now = info["inputs"], input_digests(raw)
    plans = [n for n in then if n.startswith("plans/") and n.endswith(".txt")]
    result = Status(built=True, n_plans=len(plans), n_outputs=len(info["outputs"]))
    for name in sorted(set(now) - set(then)):
        result.stale.append(f"new input {name}")
    for name in sorted(set(then) - set(now)):
        result.stale.append(f"input {name} is gone")
    for name in sorted(set(then) & set(now)):
        if then[name] != now[name]:
            result.stale.append(f"input {name} changed")
    if info["code_sha256"] != code_digest():
        result.stale.append("package code changed since the build")
    if info["resources_sha256"] != resources_digest():
        result.stale.append("package resources (src/analysis/data) changed since the build")
    current = output_digests(out)
    for name, digest in sorted(info["outputs"].items()):
        if current.get(name) != digest:
            result.outputs_changed.append(name + ("" if name in current else " (missing)"))
    return result
