"""Table schemas: checked whenever a table is written, and the source of the codebook.

A small hand-written validator rather than a framework: each processed table is described once
here (column, type, meaning, allowed values, nullability, source), :func:`validate` raises
:class:`SchemaError` on any violation, and :func:`codebook_markdown` renders the same
definitions into ``data/processed/README.md``. One definition therefore serves as check and
documentation, and they cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from analysis.core.io import write_csv


class SchemaError(ValueError):
    """A table does not match its schema. Raised, never warned."""


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        Column name.
    dtype : str
        One of ``str``, ``int``, ``float``, ``bool``, ``date`` (ISO ``YYYY-MM-DD`` string).
    description : str
        Meaning, in English.
    allowed : sequence of str, optional
        Closed set of allowed values (checked).
    nullable : bool
        Whether empty values are allowed.
    source : str
        Where the values come from (raw file, manifest, computed by which function).
    """

    name: str
    dtype: str
    description: str
    allowed: Sequence[str] | None = None
    nullable: bool = False
    source: str = ""


@dataclass(frozen=True)
class TableSchema:
    """A processed table: its file name, columns, primary key and description."""

    name: str
    filename: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _check_dtype(series: pd.Series, col: Column, table: str) -> None:
    values = series.dropna()
    if values.empty:
        return
    bad = None
    if col.dtype == "int":
        numeric = pd.to_numeric(values, errors="coerce")
        bad = values[numeric.isna() | (numeric != numeric.round())]
    elif col.dtype == "float":
        bad = values[pd.to_numeric(values, errors="coerce").isna()]
    elif col.dtype == "bool":
        bad = values[~values.isin([True, False])]
    elif col.dtype == "date":
        text = values.astype(str)
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = values[~text.str.fullmatch(r"\d{4}-\d{2}-\d{2}") | parsed.isna().to_numpy()]
    elif col.dtype == "str":
        # infer_dtype scans in C; the per-value check runs only to name an offending value.
        if pd.api.types.infer_dtype(values, skipna=False) != "string":
            bad = values[~values.map(lambda v: isinstance(v, str))]
    else:
        raise SchemaError(f"{table}.{col.name}: unknown dtype {col.dtype!r} in schema")
    if bad is not None and len(bad):
        raise SchemaError(
            f"{table}.{col.name}: {len(bad)} value(s) are not of type {col.dtype}, "
            f"e.g. {bad.iloc[0]!r}")


def validate(table: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Check ``table`` against ``schema`` and return it with columns in schema order.

    Raises
    ------
    SchemaError
        On missing or extra columns, wrong types, nulls where none are allowed, values outside
        the allowed set, or a duplicated primary key.
    """
    missing = [c for c in schema.column_names if c not in table.columns]
    extra = [c for c in table.columns if c not in schema.column_names]
    if missing or extra:
        raise SchemaError(f"{schema.name}: missing columns {missing}, unexpected columns {extra}")
    for col in schema.columns:
        series = table[col.name]
        nulls = series.isna()
        if series.dtype.kind not in "biufcmM":  # only text can be the empty string
            nulls |= series.astype(object) == ""
        if not col.nullable and nulls.any():
            raise SchemaError(
                f"{schema.name}.{col.name}: {int(nulls.sum())} empty value(s) in a column that "
                f"must be filled (first at row {int(nulls.to_numpy().argmax())})")
        _check_dtype(series[~nulls], col, schema.name)
        if col.allowed is not None:
            outside = series[~nulls & ~series.isin(list(col.allowed))]
            if len(outside):
                raise SchemaError(
                    f"{schema.name}.{col.name}: value {outside.iloc[0]!r} not in allowed set "
                    f"{list(col.allowed)}")
    if schema.primary_key:
        dup = table.duplicated(list(schema.primary_key), keep=False)
        if dup.any():
            first = table.loc[dup, list(schema.primary_key)].iloc[0].tolist()
            raise SchemaError(f"{schema.name}: duplicated primary key {first}")
    return table[schema.column_names]


def write_table(table: pd.DataFrame, schema: TableSchema, folder: Path) -> Path:
    """Validate ``table`` and write it atomically to ``folder / schema.filename``."""
    checked = validate(table, schema)
    path = Path(folder) / schema.filename
    write_csv(checked, path)
    return path


def codebook_markdown(schemas: Sequence[TableSchema], preamble: str = "") -> str:
    """Render the codebook (``data/processed/README.md``) from table schemas."""
    lines = [preamble.rstrip(), ""] if preamble else []
    for schema in schemas:
        lines.append(f"## `{schema.filename}`")
        lines.append("")
        lines.append(schema.description)
        lines.append("")
        if schema.primary_key:
            lines.append("Primary key: " + ", ".join(f"`{k}`" for k in schema.primary_key))
            lines.append("")
        lines.append("| column | type | empty allowed | meaning | allowed values | source |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for c in schema.columns:
            allowed = ", ".join(f"`{a}`" for a in c.allowed) if c.allowed else ""
            lines.append(f"| `{c.name}` | {c.dtype} | {'yes' if c.nullable else 'no'} | "
                         f"{c.description} | {allowed} | {c.source} |")
        for note in schema.notes:
            lines.append("")
            lines.append(note)
        lines.append("")
    return "\n".join(lines)


#: Column layout shared by every simulation study of issue 13 (one table per estimator family,
#: stacked by :mod:`analysis.pipeline.simulation_study` into ``simulation_study.csv``).
SIMULATION_COLUMNS = ("quantity", "estimator", "n_plans", "replications", "nominal", "coverage",
                      "coverage_mc_se", "bias", "rmse", "metric", "value", "note")
