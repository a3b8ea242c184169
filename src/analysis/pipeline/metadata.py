"""Where a plan is from and when, read from its own text before the per-document work.

The manifest needs only ``doc_id`` and ``file``. For every plan the build reads jurisdiction,
its gazetteer code, administrative level, province, parent, plan years and document type from
the text (:func:`analysis.extract.metadata.read_metadata`: CMS fields, header, 印发 footer,
titles, the gazetteer of :mod:`analysis.core.places`). An empty manifest cell takes the
text's value; a value the researcher wrote in the manifest is kept (``analysis add-plan``
writes the text's reading there for checking, so a correction is made in the manifest). Each
field's ``*_source`` column says where the value is confirmed: the text's source (``text``,
``cms_field``, ``footer``) when the text gives the same value, ``manifest`` when only the
manifest gives it or the text says otherwise, ``none`` when neither does. English names come
from the manifest and are dropped when the Chinese name was filled from the text.

A plan whose years, level or document type are found neither in the text nor in the manifest
cannot be analysed; it becomes an input problem that names the manifest fields to fill, and
the rest of the corpus is built.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from analysis.core.parallel import run_tasks
from analysis.corpus.read import InputProblem, RawDocument
from analysis.extract.metadata import read_metadata
from analysis.pipeline.cache import DocumentCache, make_key, stage_version, text_digest
from analysis.pipeline.documents import (DocumentTimeout, failure, time_budget,
                                         within_budget)

#: Entry module of the reading, whose import closure (and the data files it names) is the
#: code version in its cache key (:func:`analysis.pipeline.cache.stage_version`); this
#: module's own source, which decides how the reader is called, is in the key too (its
#: closure would tie the key to every per-document stage).
METADATA_ROOTS = ("analysis.extract.metadata",)
#: Name of the reading's entries in the per-document cache.
METADATA_STAGE = "metadata"
#: Fewer plans to read than this are read in this process: starting workers costs more.
MIN_PARALLEL = 20

#: Documents-table field → (metadata field, manifest column, English manifest column).
PLACE_FIELDS = {"jurisdiction": ("jurisdiction_zh", "jurisdiction_en"),
                "province": ("province_zh", "province_en"),
                "parent": ("parent_zh", "parent_en")}
#: Fields without which no stage can place a plan; a plan lacking one is skipped.
NEEDED = ("year_start", "year_end", "admin_level", "doc_type")
SOURCE_COLUMNS = ("jurisdiction_source", "admin_level_source", "province_source",
                  "parent_source", "years_source", "doc_type_source")


def _pick(read: dict, field: str, manifest_value: str) -> tuple[str, str]:
    """A manifest value is the researcher's word and wins; the source says whether the text
    agrees (its own source) or not (``manifest``). An empty manifest cell takes the text."""
    value = str(read.get(field, "") or "")
    source = read.get(f"{field}_source", "text") or "text"
    if manifest_value:
        return manifest_value, source if value == manifest_value else "manifest"
    return (value, source) if value else ("", "none")


def read_one(text: str) -> tuple[str, object]:
    """:func:`~analysis.extract.metadata.read_metadata` of one plan within the per-document
    time budget: ``("ok", reading)`` or ``("failed", what went wrong)``."""
    try:
        with within_budget(time_budget(len(text))):
            return "ok", read_metadata(text)
    except (Exception, DocumentTimeout) as err:  # noqa: BLE001 - one odd page must not
        # stop the corpus
        return "failed", failure(err)


def read_all(documents: list[RawDocument], cache: DocumentCache | None = None,
             jobs: int | None = 1, progress: bool = False) -> dict[str, tuple[str, object]]:
    """:func:`read_one` of every plan: from the per-document cache where the plan's text and
    the reading's code are unchanged, the rest across ``jobs`` local workers.

    The reading is a pure function of the text and the versioned code and data, so it is
    cached like the per-document stages (key: the reading's code version and the text's
    SHA-256); adding one plan to a built corpus reads one plan. A failure is not stored:
    the time budget depends on the machine. The reading runs on this machine even when the
    build sends its per-document work to a Dask cluster: Dask runs tasks in threads, where
    the time budget cannot stop a page that makes a rule hang, and reading is cheap.

    Returns
    -------
    dict
        ``doc_id`` → :func:`read_one` result, in the documents' order.
    """
    from analysis.core.places import places

    # Loaded here, before any worker is forked: the reading's workers and the cleaning's
    # (whose rules name places too) inherit it instead of each loading it (about 0.6 s).
    places()
    cache = cache if cache is not None else DocumentCache(".", enabled=False)
    version = stage_version(METADATA_ROOTS) + hashlib.sha256(
        Path(__file__).read_bytes()).hexdigest()
    keys = [make_key(METADATA_STAGE, version, text_digest(doc.text)) for doc in documents]
    found = [cache.get(METADATA_STAGE, key) for key in keys]
    todo = [i for i, reading in enumerate(found) if reading is None]

    def store(index: int, result: tuple[str, object]) -> None:
        if result[0] == "ok":
            cache.put(METADATA_STAGE, keys[todo[index]], result[1])

    computed = run_tasks(read_one, [documents[i].text for i in todo],
                         jobs=1 if len(todo) < MIN_PARALLEL else jobs,
                         progress=progress, desc="metadata", on_result=store)
    results = {doc.doc_id: ("ok", reading) for doc, reading in zip(documents, found)
               if reading is not None}
    results.update((documents[i].doc_id, result) for i, result in zip(todo, computed))
    return {doc.doc_id: results[doc.doc_id] for doc in documents}


def complete_manifest(manifest: pd.DataFrame, documents: list[RawDocument],
                      problems: list[InputProblem],
                      readings: dict[str, tuple[str, object]] | None = None
                      ) -> tuple[pd.DataFrame, list[RawDocument], list[InputProblem],
                                 dict[str, dict]]:
    """Fill every plan's place, level, years and type from its text, else its manifest row.

    Parameters
    ----------
    manifest : pandas.DataFrame
        The manifest as read (all text; empty cells allowed except ``doc_id`` and ``file``).
    documents : list of RawDocument
        The decoded plans.
    problems : list of InputProblem
        Input problems so far; plans that cannot be placed are added.
    readings : dict, optional
        Each plan's :func:`read_one` result (:func:`read_all`, which the build calls with its
        cache and workers); when not given, :func:`read_all` without cache, in this process.

    Returns
    -------
    manifest, documents, problems, read
        The manifest with the fields filled plus :data:`SOURCE_COLUMNS` and
        ``jurisdiction_code``; the documents that can be analysed; all problems; and each
        kept plan's reading (``doc_id`` → :func:`read_metadata` result), which the build also
        uses for title, issuer, issue date and document number (read once per plan).
    """
    rows = manifest.set_index("doc_id", drop=False)
    if readings is None:
        readings = read_all(documents)
    completed, kept, kept_readings = [], [], {}
    for doc in documents:
        row = rows.loc[doc.doc_id].to_dict()
        status, read = readings[doc.doc_id]
        if status != "ok":
            problems.append(InputProblem(
                row["file"], doc.doc_id, f"reading its metadata failed ({read})",
                "skipped; please report the page (a rule of the pipeline cannot handle it)"))
            continue
        out = dict(row)
        for name, (zh, en) in PLACE_FIELDS.items():
            value, source = _pick(read, zh, row.get(zh, ""))
            if source != "manifest" and value != row.get(zh, ""):
                out[en] = ""  # the manifest's English name translates another place
            out[zh], out[f"{name}_source"] = value, source
        out["jurisdiction_code"] = str(read.get("jurisdiction_code", "") or "")
        out["admin_level"], out["admin_level_source"] = _pick(read, "admin_level",
                                                              row.get("admin_level", ""))
        out["doc_type"], out["doc_type_source"] = _pick(read, "doc_type", row.get("doc_type", ""))
        start, start_source = _pick(read, "year_start", row.get("year_start", ""))
        end, end_source = _pick(read, "year_end", row.get("year_end", ""))
        if row.get("year_start", ""):  # both years come from one place
            end = row.get("year_end", "") or start
        out["year_start"], out["year_end"] = start, end or start
        out["years_source"] = start_source if start_source == end_source else "manifest"
        missing = [f for f in NEEDED if not out[f]]
        if missing:
            problems.append(InputProblem(
                row["file"], doc.doc_id,
                f"{', '.join(missing)} found neither in the text nor in the manifest",
                f"skipped; fill {', '.join(missing)} in its row of data/raw/manifest.csv"))
            continue
        completed.append(out)
        kept.append(doc)
        kept_readings[doc.doc_id] = read
    columns = list(manifest.columns) + ["jurisdiction_code", *SOURCE_COLUMNS]
    return pd.DataFrame(completed, columns=columns, dtype=str), kept, problems, kept_readings
