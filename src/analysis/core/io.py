"""Deterministic, atomic writing of tables and texts.

Every file in ``data/processed`` is written to a temporary file in the same folder and then
renamed, so an interrupted build never leaves a half-written table behind. CSVs are written
with a fixed float format and ``\\n`` line endings so that two builds are byte-identical.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary readable files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (no BOM, ``\\n`` newlines kept as given)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV, atomically and byte-reproducibly.

    Floats are written with up to 10 significant digits (``%.10g``) so that platform-specific
    last-digit noise does not change the file.
    """
    text = table.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    atomic_write_text(path, text)


def read_csv(path: Path, **kwargs) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv` (all text columns as strings, no NA guessing
    for empty strings in text columns)."""
    return pd.read_csv(path, encoding="utf-8", keep_default_na=False, na_values=[""], **kwargs)
