"""Read stage: the manifest of raw plans and the decoding of raw files.

``data/raw/manifest.csv`` lists every plan file with its metadata; checksums live in
``data/raw/SHA256SUMS`` only (:mod:`analysis.corpus.checksums`). Files are
decoded by :func:`decode_bytes`: a byte-order mark decides first (UTF-8, UTF-16), then strict
UTF-8, then detection among the Chinese legacy encodings (GB18030 as a superset of GBK, Big5)
with ``charset-normalizer``; the manifest's ``encoding`` column overrides detection.

Problems with single files (missing, unlisted, empty, binary, undecodable, duplicate, checksum
mismatch) are collected as :class:`InputProblem` records instead of stopping the build, so that
the rest of the corpus is still processed and a summary names every bad file.
"""
from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.corpus.checksums import FILENAME as CHECKSUMS, read_checksums, sha256_bytes
from analysis.corpus.manifest import (ADMIN_LEVELS, DOC_TYPES, MANIFEST_COLUMNS,  # noqa: F401
                                      load_manifest, read_manifest)

PLAN_SUFFIXES = (".txt",)


@dataclass(frozen=True)
class InputProblem:
    """A problem with one raw input; the build reports it and goes on."""

    file: str
    doc_id: str
    problem: str
    action: str

    def __str__(self) -> str:
        who = f"{self.doc_id} ({self.file})" if self.doc_id else self.file
        return f"{who}: {self.problem} -> {self.action}"


@dataclass(frozen=True)
class RawDocument:
    """One decoded raw plan."""

    doc_id: str
    path: Path
    text: str
    encoding: str
    encoding_source: str  # "bom", "utf-8", "detected", "manifest"
    n_bytes: int
    sha256: str


#: Decoded text whose non-space characters are less than this share CJK is not a plan (or was
#: decoded with the wrong encoding).
MIN_CJK_SHARE = 0.2
#: Default size limit of one plan file; override with ANALYSIS_MAX_PLAN_BYTES.
MAX_PLAN_BYTES = 50_000_000


def max_plan_bytes() -> int:
    """The size limit for one plan file (bytes), from ``ANALYSIS_MAX_PLAN_BYTES`` if set."""
    value = os.environ.get("ANALYSIS_MAX_PLAN_BYTES", "")
    return int(value) if value.isdigit() else MAX_PLAN_BYTES


def safe_location(raw_dir: Path, name: str) -> str:
    """Why ``name`` may not be read as a plan (empty string: it may).

    Plans are read only from inside ``raw_dir``: absolute paths, ``..`` segments and
    symbolic links that lead outside are refused.
    """
    if Path(name).is_absolute() or name.startswith(("/", "\\")):
        return f"absolute path {name!r} in the manifest"
    if ".." in Path(name).parts:
        return f"path {name!r} leads out of data/raw ('..')"
    root = Path(raw_dir).resolve()
    if not (Path(raw_dir) / name).resolve().is_relative_to(root):
        return f"{name!r} is a link that leads out of data/raw"
    return ""


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample and not (sample.startswith(codecs.BOM_UTF16_LE)
                                  or sample.startswith(codecs.BOM_UTF16_BE)):
        # NUL bytes without a UTF-16 BOM: could still be BOM-less UTF-16; test that first.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = sample[: len(sample) // 2 * 2].decode(enc)
            except UnicodeDecodeError:
                continue
            if sum(ch.isprintable() or ch in "\r\n\t" for ch in text) > 0.95 * len(text):
                return False
        return True
    control = sum(b < 32 and b not in (9, 10, 13) for b in sample)
    return control > 0.05 * max(len(sample), 1)


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) / len(text)


def decode_bytes(data: bytes, override: str = "") -> tuple[str, str, str]:
    """Decode raw bytes of a plan.

    Parameters
    ----------
    data : bytes
        File content.
    override : str
        Encoding named in the manifest (empty: detect).

    Returns
    -------
    text, encoding, source : str
        The decoded text (BOM removed, newlines normalised to ``\\n``), the encoding used and
        how it was chosen.

    Raises
    ------
    ValueError
        If the data are empty, binary, or cannot be decoded with any candidate encoding.
    """
    if not data.strip():
        raise ValueError("file is empty")
    if override:
        text, enc, source = data.decode(override), override, "manifest"
    elif data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        text, enc, source = data.decode("utf-32"), "utf-32", "bom"
    elif data.startswith(codecs.BOM_UTF8):
        text, enc, source = data[3:].decode("utf-8"), "utf-8-sig", "bom"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        text, enc, source = data.decode("utf-16"), "utf-16", "bom"
    else:
        if _looks_binary(data):
            raise ValueError("file looks binary (control bytes), not a text plan")
        try:
            text, enc, source = data.decode("utf-8"), "utf-8", "utf-8"
        except UnicodeDecodeError:
            text, enc, source = _detect_legacy(data)
    text = text.removeprefix("\ufeff")  # a BOM left by an override such as 'utf-8'
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, enc, source


def _detect_legacy(data: bytes) -> tuple[str, str, str]:
    """Choose among BOM-less UTF-16, GB18030 and Big5 for bytes that are not UTF-8."""
    from charset_normalizer import from_bytes

    candidates: list[tuple[float, str, str]] = []
    for enc in ("utf-16-le", "utf-16-be", "gb18030", "big5"):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        candidates.append((_cjk_share(text), enc, text))
    if not candidates:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            where = f"first invalid UTF-8 byte at offset {err.start}; "
        raise ValueError(f"bytes are neither UTF-8, UTF-16, GB18030 nor Big5 ({where}a damaged "
                         "UTF-8 file needs repair); otherwise name the encoding in the "
                         "manifest's 'encoding' column")
    if len(candidates) > 1:
        # GB18030 decodes almost any byte string; let charset-normalizer's coherence
        # measure break ties between the Chinese encodings that decode cleanly.
        best = from_bytes(data, cp_isolation=[c[1] for c in candidates]).best()
        if best is not None:
            enc = best.encoding.replace("_", "-")
            for share, name, text in candidates:
                if codecs.lookup(name).name == codecs.lookup(enc).name and share > MIN_CJK_SHARE:
                    return text, name, "detected"
    share, enc, text = max(candidates, key=lambda c: c[0])
    if share < MIN_CJK_SHARE:
        raise ValueError(f"decoded text has little Chinese ({share:.0%} CJK with {enc}); "
                         "name the encoding in the manifest's 'encoding' column")
    return text, enc, "detected"


def read_corpus(raw_dir: Path) -> tuple[pd.DataFrame, list[RawDocument], list[InputProblem]]:
    """Read every plan listed in the manifest.

    Returns
    -------
    manifest : DataFrame
        The manifest (all rows, including those whose file had a problem).
    documents : list of RawDocument
        Documents that were read, in manifest order.
    problems : list of InputProblem
        One record per bad input; those documents are skipped.
    """
    raw_dir = Path(raw_dir)
    manifest, bad_rows = read_manifest(raw_dir)
    recorded = read_checksums(raw_dir)
    documents: list[RawDocument] = []
    problems: list[InputProblem] = [
        InputProblem(row["file"], row["doc_id"], f"manifest line {line}: {message}",
                     "skipped; correct the row in data/raw/manifest.csv")
        for line, row, message in bad_rows]
    seen_hashes: dict[str, str] = {}
    limit = max_plan_bytes()
    for row in manifest.itertuples(index=False):
        path = raw_dir / row.file
        where = safe_location(raw_dir, row.file)
        if where:
            problems.append(InputProblem(row.file, row.doc_id, where,
                                         "skipped; plans are read only from data/raw/plans/"))
            continue
        if not path.exists():
            problems.append(InputProblem(row.file, row.doc_id, "file listed in manifest is missing",
                                         "skipped; restore the file or remove its manifest row"))
            continue
        if not path.is_file():
            problems.append(InputProblem(row.file, row.doc_id,
                                         "not a regular file (a folder, device or pipe)",
                                         "skipped; the manifest must name a plan's text file"))
            continue
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            problems.append(InputProblem(row.file, row.doc_id,
                                         f"larger than {limit:,} bytes (ANALYSIS_MAX_PLAN_BYTES)",
                                         "skipped; split the file, or raise the limit if it "
                                         "really is one plan"))
            continue
        digest = sha256_bytes(data)
        expected = recorded.get(row.file, "")
        if not expected:
            problems.append(InputProblem(row.file, row.doc_id,
                                         f"no checksum recorded in data/raw/{CHECKSUMS}",
                                         "skipped; add plans with `python -m analysis add-plan "
                                         "FILE`, which records it"))
            continue
        if digest != expected:
            problems.append(InputProblem(row.file, row.doc_id,
                                         f"sha256 differs from the one recorded in {CHECKSUMS} "
                                         "(raw files must never change)",
                                         "skipped; restore the original file"))
            continue
        if digest in seen_hashes:
            problems.append(InputProblem(row.file, row.doc_id,
                                         f"duplicate of {seen_hashes[digest]} (same bytes)",
                                         "skipped; remove one of the two rows"))
            continue
        try:
            text, enc, source = decode_bytes(data, row.encoding)
        except (ValueError, UnicodeDecodeError, LookupError) as err:
            problems.append(InputProblem(row.file, row.doc_id, f"cannot be read: {err}",
                                         "skipped; fix the file or its manifest 'encoding'"))
            continue
        share = _cjk_share("".join(text.split()))
        if share < MIN_CJK_SHARE:
            problems.append(InputProblem(
                row.file, row.doc_id,
                f"decoded with {enc} ({source}) it is {share:.0%} Chinese: not a Chinese plan, "
                "or the wrong encoding", "skipped; check the file or its manifest 'encoding'"))
            continue
        seen_hashes[digest] = row.doc_id
        documents.append(RawDocument(row.doc_id, path, text, enc, source, len(data), digest))
    listed = {str((raw_dir / f).resolve()) for f in manifest["file"]}
    listed |= {str((raw_dir / row["file"]).resolve()) for _, row, _ in bad_rows if row["file"]}
    plans_dir = raw_dir / "plans"
    if plans_dir.exists():
        for path in sorted(plans_dir.iterdir()):
            if path.suffix in PLAN_SUFFIXES and str(path.resolve()) not in listed:
                problems.append(InputProblem(str(path.relative_to(raw_dir)), "",
                                             "file has no manifest row",
                                             "skipped; add a row to data/raw/manifest.csv"))
    return manifest, documents, problems
