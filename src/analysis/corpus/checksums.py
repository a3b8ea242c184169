"""``data/raw/SHA256SUMS``: the one record of every raw file's checksum.

Every file under ``data/raw/`` except the manifest and this file itself has one line in
``sha256sum`` format (``<64 hex digits>  <path relative to data/raw>``). The build verifies
plans against it; ``analysis add-plan`` appends to it. The manifest holds no checksums, so a
checksum is never typed twice.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from analysis.core.io import atomic_write_text

FILENAME = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def sha256_bytes(data: bytes) -> str:
    """SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksums(raw_dir: Path) -> dict[str, str]:
    """Recorded checksums: path relative to ``raw_dir`` → hex digest.

    A missing file gives an empty mapping (every plan is then reported as unrecorded).

    Raises
    ------
    ValueError
        If a line is not in ``sha256sum`` format; the message names the line.
    """
    path = Path(raw_dir) / FILENAME
    if not path.exists():
        return {}
    recorded: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(f"{path}: line {number} is not '<sha256>  <file>': {line[:80]!r}")
        recorded[match.group(2)] = match.group(1)
    return recorded


def write_checksums(raw_dir: Path, recorded: dict[str, str]) -> Path:
    """Write ``SHA256SUMS`` sorted by path (stable diffs), atomically."""
    path = Path(raw_dir) / FILENAME
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(recorded.items()))
    atomic_write_text(path, text)
    return path


def record_checksum(raw_dir: Path, name: str, digest: str) -> Path:
    """Add one file's checksum; refuses to overwrite a different recorded one."""
    recorded = read_checksums(raw_dir)
    if recorded.get(name, digest) != digest:
        raise ValueError(f"{name} already has a different checksum in {FILENAME}; raw files "
                         "never change: add the new version under a new name")
    recorded[name] = digest
    return write_checksums(raw_dir, recorded)
