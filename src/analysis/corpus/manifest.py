"""``data/raw/manifest.csv``: one row per plan (doc_id, file and what the text may not say).

The manifest holds no checksums (they live in ``SHA256SUMS``). It is read and checked by
:func:`load_manifest` and appended to by :func:`append_manifest_row` (``analysis add-plan``).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from analysis.core.io import atomic_write_text, read_csv

MANIFEST_COLUMNS = [
    "doc_id", "file", "encoding", "jurisdiction_zh", "jurisdiction_en",
    "admin_level", "province_zh", "province_en", "parent_zh", "parent_en", "year_start",
    "year_end", "doc_type", "title_zh", "issuer_zh", "issue_date", "doc_number", "provenance",
]
ADMIN_LEVELS = ("province", "city", "county")
DOC_TYPES = ("annual_work_plan", "five_year_plan")
DOC_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")


def load_manifest(raw_dir: Path) -> pd.DataFrame:
    """Read and check ``manifest.csv``.

    Raises
    ------
    ValueError
        If the manifest lacks columns, repeats a ``doc_id`` or a file, or uses a value outside
        the allowed sets; the message names the row and says how to fix it.
    """
    path = Path(raw_dir) / "manifest.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path}: manifest missing. Create it with columns "
                                f"{', '.join(MANIFEST_COLUMNS)} (see README.md, 'Adding a plan').")
    manifest = read_csv(path, dtype=str).fillna("")
    missing = [c for c in MANIFEST_COLUMNS if c not in manifest.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    for col in ("doc_id", "file"):
        dup = manifest[col][manifest[col].duplicated()]
        if len(dup):
            raise ValueError(f"{path}: {col} {dup.iloc[0]!r} appears twice; each plan needs one row")
    for i, row in manifest.iterrows():
        where = f"{path}: row {i + 2} ({row['doc_id'] or 'no doc_id'})"
        if not DOC_ID.fullmatch(row["doc_id"]):
            raise ValueError(f"{where}: doc_id must be lower-case letters, digits, '.', '_' "
                             "or '-' (it names files and clause ids)")
        if not (row["year_start"].isdigit() and row["year_end"].isdigit()
                and int(row["year_start"]) <= int(row["year_end"])):
            raise ValueError(f"{where}: year_start/year_end must be years with start <= end")
    for col, allowed in (("admin_level", ADMIN_LEVELS), ("doc_type", DOC_TYPES)):
        bad = manifest[~manifest[col].isin(allowed)]
        if len(bad):
            raise ValueError(f"{path}: row {bad.index[0] + 2} ({bad['doc_id'].iloc[0]}): {col} "
                             f"{bad[col].iloc[0]!r} not one of {list(allowed)}")
    return manifest[MANIFEST_COLUMNS]


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
