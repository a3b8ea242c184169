"""``analysis add-plan FILE``: put one plan into ``data/raw/`` with one command.

The file is copied byte for byte into ``data/raw/plans/``, its checksum is computed once and
recorded in ``SHA256SUMS`` (the only place checksums live), and a manifest row is filled with
what the text itself says (title, issuer, issue date, document number, jurisdiction, level,
province, parent, years, document type), read by the same reader the build uses
(:func:`analysis.extract.metadata.read_metadata`, places from the gazetteer).
Values given on the command line win over values read from the text. Nothing is written
unless every check passes; a duplicate file, name or doc_id is refused with a message.
"""
from __future__ import annotations

import sys

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analysis.core.io import atomic_write_bytes
from analysis.core.paths import raw_dir as default_raw_dir
from analysis.corpus.checksums import read_checksums, record_checksum, sha256_bytes
from analysis.corpus.manifest import (ADMIN_LEVELS, DOC_ID, DOC_TYPES, MANIFEST_COLUMNS,
                                      append_manifest_row, read_manifest)
from analysis.corpus.read import PLAN_SUFFIXES, decode_bytes, max_plan_bytes
from analysis.extract.metadata import manifest_fields, read_metadata


class AddPlanError(ValueError):
    """A plan that cannot be added; the message says why and what to do."""


@dataclass
class AddedPlan:
    """What :func:`add_plan` wrote."""

    row: dict[str, str]
    path: Path
    sha256: str
    read_from_text: list[str]


def _default_doc_id(source: Path) -> str:
    stem = re.sub(r"[^a-z0-9._-]+", "-", source.stem.lower()).strip("-._")
    return stem if stem and DOC_ID.fullmatch(stem) else ""


def add_plan(source: str | Path, doc_id: str | None = None, raw: Path | None = None,
             given: dict[str, str] | None = None, name: str | None = None) -> AddedPlan:
    """Copy a plan into ``raw/plans/``, record its checksum and append its manifest row.

    Parameters
    ----------
    source : path
        The plan file (any encoding the reader detects).
    doc_id : str, optional
        Identifier (lower-case letters, digits, ``.``, ``_``, ``-``); default: from the file
        name.
    raw : Path, optional
        Raw-data folder (default ``data/raw``).
    given : dict, optional
        Manifest fields given by the user; they win over fields read from the text.
    name : str, optional
        File name inside ``plans/`` (default: the source's name).

    Raises
    ------
    AddPlanError
        If the file is missing, not a regular file, too large, undecodable, already in the
        corpus (same bytes, same name or same doc_id), or a required field (years, level,
        document type) can be neither read from the text nor was given.
    """
    raw = Path(raw) if raw else default_raw_dir()
    source = Path(source)
    given = {k: v for k, v in (given or {}).items() if v}
    if not source.is_file():
        raise AddPlanError(f"{source}: not a regular file; give the path of one plan text")
    limit = max_plan_bytes()  # the same limit the build applies
    size = source.stat().st_size
    if size > limit:
        raise AddPlanError(f"{source}: {size:,} bytes is larger than one plan "
                           f"({limit:,} allowed, ANALYSIS_MAX_PLAN_BYTES); split it or check "
                           "the file")
    with open(source, "rb") as handle:
        data = handle.read(limit + 1)
    name = name or source.name
    if Path(name).suffix not in PLAN_SUFFIXES or "/" in name or name.startswith("."):
        raise AddPlanError(f"{name}: plan files are named '<something>.txt'; pass --name")
    rel = f"plans/{name}"
    digest = sha256_bytes(data)
    recorded = read_checksums(raw)
    same = [f for f, d in recorded.items() if d == digest]
    if same:
        raise AddPlanError(f"{source}: the same bytes are already in the corpus as "
                           f"data/raw/{same[0]}; nothing added")
    if rel in recorded or (raw / rel).exists():
        raise AddPlanError(f"data/raw/{rel} already exists; pass --name to store this plan "
                           "under another file name")
    used_ids: set[str] = set()
    if (raw / "manifest.csv").exists():
        # Rows with problems still hold their doc_id: a new plan may not take it.
        manifest, bad_rows = read_manifest(raw)
        used_ids = set(manifest["doc_id"]) | {row["doc_id"] for _, row, _ in bad_rows}
    doc_id = doc_id or given.pop("doc_id", "") or _default_doc_id(source)
    if not DOC_ID.fullmatch(doc_id or ""):
        raise AddPlanError(f"doc_id {doc_id!r} is not usable: pass --doc-id with lower-case "
                           "letters, digits, '.', '_' or '-' (e.g. wenzhou-2022)")
    if doc_id in used_ids:
        raise AddPlanError(f"doc_id {doc_id!r} is already in data/raw/manifest.csv; choose "
                           "another with --doc-id")
    try:
        text, _, _ = decode_bytes(data, given.get("encoding", ""))
    except (ValueError, UnicodeDecodeError, LookupError) as err:
        raise AddPlanError(f"{source}: cannot be read ({err}); if the encoding is known, "
                           "pass --encoding") from err
    try:
        read = manifest_fields(read_metadata(text))
    except Exception:  # noqa: BLE001 - an odd page: the fields can still be given
        read = {}
        print(f"{source}: reading its metadata failed; the fields must be given "
              "(please report the page)", file=sys.stderr)
    row = {col: "" for col in MANIFEST_COLUMNS}
    row.update(read)
    row.update(given)
    row.update(doc_id=doc_id, file=rel)
    from_text = sorted(k for k in read if k not in given)
    missing = [f for f, ok in (("year_start", row["year_start"].isdigit()),
                               ("year_end", row["year_end"].isdigit()),
                               ("admin_level", row["admin_level"] in ADMIN_LEVELS),
                               ("doc_type", row["doc_type"] in DOC_TYPES)) if not ok]
    if missing:
        flags = " ".join(f"--{m.replace('_', '-')} …" for m in missing)
        raise AddPlanError(f"{source}: the text does not say {', '.join(missing)}; "
                           f"give them: {flags}")
    row["provenance"] = (row["provenance"] + "; " if row["provenance"] else "") + (
        f"added by `analysis add-plan` on {date.today().isoformat()} from {source.name}; "
        f"read from the text: {', '.join(from_text) or 'nothing'}")
    target = raw / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, data)
    try:
        if sha256_bytes(target.read_bytes()) != digest:
            raise AddPlanError(f"copy of {source} to {target} is not byte-identical")
        record_checksum(raw, rel, digest)
        append_manifest_row(raw, row)
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return AddedPlan(row, target, digest, from_text)
