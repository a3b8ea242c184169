"""``data/raw/manifest.csv``: one row per plan (doc_id, file and what the text may not say).

Only ``doc_id`` and ``file`` are required (columns and values): every other field is read
from the plan's text by the build (:mod:`analysis.pipeline.metadata`), and a value given here
is the fallback where the text is silent. A value given must be well formed.

The manifest holds no checksums (they live in ``SHA256SUMS``). It is read and checked by
:func:`load_manifest` and appended to by :func:`append_manifest_row` (``analysis add-plan``).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import pandas as pd

from analysis.core.io import atomic_write_text

MANIFEST_COLUMNS = [
    "doc_id", "file", "encoding", "jurisdiction_zh", "jurisdiction_en",
    "admin_level", "province_zh", "province_en", "parent_zh", "parent_en", "year_start",
    "year_end", "doc_type", "title_zh", "issuer_zh", "issue_date", "doc_number", "provenance",
]
#: Columns a manifest must have; the others may be left out (read as empty).
REQUIRED_COLUMNS = ["doc_id", "file"]
ADMIN_LEVELS = ("province", "city", "county")
DOC_TYPES = ("annual_work_plan", "five_year_plan")
DOC_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
YEAR = re.compile(r"(19|20)[0-9]{2}")


class ManifestError(ValueError):
    """The manifest as a whole cannot be read (the build stops; the message says why)."""


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and records of the manifest, each with the line it starts on.

    Raises
    ------
    ManifestError
        If the file is not UTF-8, or a record has more or fewer fields than the header (an
        unclosed quote swallows the following lines into one field: reported at the line
        where the bad record starts).
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ManifestError(f"{path}: not UTF-8 (first bad byte at offset {err.start}, line "
                            f"{line}); save the manifest as UTF-8") from None
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as err:
        raise ManifestError(f"{path}: line {start}: not valid CSV ({err})") from None
    if not records:
        raise ManifestError(f"{path}: empty; the first line must name the columns "
                            f"({', '.join(MANIFEST_COLUMNS)})")
    header = records[0][1]
    body = [(line, rec) for line, rec in records[1:] if any(v.strip() for v in rec)]
    for line, rec in body:
        if len(rec) != len(header):
            hint = (" (an unclosed quote joins the lines after it)"
                    if any("\n" in v for v in rec) else " (a stray or missing comma?)")
            raise ManifestError(f"{path}: line {line}: {len(rec)} fields where the header has "
                                f"{len(header)}{hint}")
    return header, body


def row_problems(row: dict[str, str]) -> list[str]:
    """What is wrong with one manifest row (empty list: nothing)."""
    problems = []
    if not row["file"].strip():
        problems.append("no file named")
    if not DOC_ID.fullmatch(row["doc_id"]):
        problems.append("doc_id must be lower-case letters, digits, '.', '_' or '-' (it names "
                        "files and clause ids)")
    years = (row["year_start"], row["year_end"])
    if any(years) and not (YEAR.fullmatch(years[0]) and YEAR.fullmatch(years[1])
                           and int(years[0]) <= int(years[1])):
        problems.append(f"year_start/year_end ({years[0]!r}, {years[1]!r}) must be four-digit "
                        "years with start <= end (or both empty: read from the text)")
    for col, allowed in (("admin_level", ADMIN_LEVELS), ("doc_type", DOC_TYPES)):
        if row[col] and row[col] not in allowed:
            problems.append(f"{col} {row[col]!r} not one of {list(allowed)} (or empty: read "
                            "from the text)")
    return problems


def read_manifest(raw_dir: Path) -> tuple[pd.DataFrame, list[tuple[int, dict, str]]]:
    """Read the manifest once, keeping the good rows and naming the bad ones.

    Returns
    -------
    manifest : DataFrame
        Rows without problems (columns :data:`MANIFEST_COLUMNS`, all text), in file order.
    bad_rows : list of (line, row, message)
        Rows that were left out, with the line they start on and what is wrong.

    Raises
    ------
    ManifestError
        If the manifest is missing, not UTF-8, not valid CSV, or lacks columns.
    """
    path = Path(raw_dir) / "manifest.csv"
    if not path.is_file():
        raise ManifestError(f"{path}: manifest missing. Create it with columns "
                            f"{', '.join(MANIFEST_COLUMNS)}, or add plans with "
                            "`python -m analysis add-plan FILE`")
    header, body = _read_rows(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ManifestError(f"{path}: missing columns {missing}")
    good, bad, seen = [], [], {"doc_id": {}, "file": {}}
    for line, rec in body:
        row = {col: value.strip() for col, value in zip(header, rec)}
        for col in ("year_start", "year_end", "issue_date"):
            # Full-width digits (２０２１) are what a Chinese keyboard often types: read as digits.
            row[col] = unicodedata.normalize("NFKC", row.get(col, ""))
        row = {col: row.get(col, "") for col in MANIFEST_COLUMNS}
        problems = row_problems(row)
        for col in ("doc_id", "file"):
            if row[col] and row[col] in seen[col]:
                problems.append(f"{col} {row[col]!r} already used on line {seen[col][row[col]]}")
        if problems:
            bad.append((line, row, "; ".join(problems)))
            continue
        for col in ("doc_id", "file"):
            seen[col][row[col]] = line
        good.append(row)
    return pd.DataFrame(good, columns=MANIFEST_COLUMNS, dtype=str), bad


def load_manifest(raw_dir: Path) -> pd.DataFrame:
    """Read and check ``manifest.csv`` strictly (for tools that change it, e.g. add-plan).

    Raises
    ------
    ValueError
        If the manifest cannot be read, or any row has a problem; the message names the
        line and says how to fix it. The build uses :func:`read_manifest` instead, which
        reports bad rows and goes on.
    """
    manifest, bad = read_manifest(raw_dir)
    if bad:
        line, row, message = bad[0]
        raise ValueError(f"{Path(raw_dir) / 'manifest.csv'}: line {line} "
                         f"({row['doc_id'] or 'no doc_id'}): {message}")
    return manifest


def append_manifest_row(raw_dir: Path, row: dict[str, str]) -> Path:
    """Append one row to ``manifest.csv`` (created with its header if absent), atomically.

    Values are written as given; columns not in ``row`` are left empty.
    """
    path = Path(raw_dir) / "manifest.csv"
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not existing:
        writer.writerow(MANIFEST_COLUMNS)
        header = MANIFEST_COLUMNS
    else:
        header = next(csv.reader(io.StringIO(existing)))
    writer.writerow([row.get(col, "") for col in header])
    atomic_write_text(path, existing + out.getvalue())
    return path
