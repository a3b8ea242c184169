"""Per-document results for a whole corpus, and their use by the corpus-level stages.

:func:`document_results` looks every plan's per-document stages up in the cache
(:mod:`analysis.pipeline.cache`), computes only what is missing, in parallel
(:mod:`analysis.core.parallel`, :func:`analysis.pipeline.documents.run_job`), and stores
what it computed. Adding or changing one plan therefore recomputes that plan's per-document
work; the corpus-level stages (targets' accident reading, accident statistics, regional
comparison, topics) still run over the whole corpus, but read the per-document parts:

* :func:`write_targets` writes ``targets.csv`` from the per-document target rows (and
  ``accident_targets.csv`` from them, as :mod:`analysis.extract.targets` does);
* :func:`seed_token_caches` puts the per-document tokens where
  :func:`analysis.text.tokenise.tokenise_clauses` looks for the corpus's token table, so the
  regional and topic stages do not segment the corpus again.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.core.io import atomic_write_text
from analysis.pipeline.cache import DocumentCache, make_key, stage_version, text_digest
from analysis.pipeline.documents import FAILED, STAGES, DocumentJob, run_job
from analysis.core.parallel import run_tasks

#: The stage each per-document stage reads from.
UPSTREAM = {"clean": None, "structure": "clean", "targets": "structure", "tokens": "structure"}


def stage_keys(doc, year_start: int, stages: tuple[str, ...]) -> dict[str, str]:
    """Cache key of each per-document stage of one plan (see :mod:`analysis.pipeline.cache`)."""
    keys = {"clean": make_key("clean", stage_version(STAGES["clean"]), doc.doc_id, doc.sha256,
                              doc.encoding, text_digest(doc.text))}
    keys["structure"] = make_key("structure", stage_version(STAGES["structure"]), keys["clean"])
    keys["targets"] = make_key("targets", stage_version(STAGES["targets"]), keys["structure"],
                               int(year_start))
    keys["tokens"] = make_key("tokens", stage_version(STAGES["tokens"]), keys["structure"])
    return {s: keys[s] for s in STAGES if s in stages}


def document_results(documents, manifest: pd.DataFrame, stages: tuple[str, ...],
                     cache: DocumentCache, jobs: int | None = None,
                     scheduler: str | None = None, progress: bool = False) -> dict[str, dict]:
    """Per-document results of ``stages`` for every read plan, from the cache or computed.

    Parameters
    ----------
    documents : list of RawDocument
        The plans read (:func:`analysis.corpus.read.read_corpus`).
    manifest : pandas.DataFrame
        The manifest (``year_start`` of each plan).
    stages : tuple of str
        Stages of :data:`analysis.pipeline.documents.STAGES` wanted.
    cache : DocumentCache
        Where results are looked up and stored.
    jobs, scheduler, progress
        As in :func:`analysis.core.parallel.run_tasks`.

    Returns
    -------
    dict
        doc_id → stage → result.
    """
    years = dict(zip(manifest["doc_id"], manifest["year_start"]))
    results: dict[str, dict] = {}
    keys: dict[str, dict[str, str]] = {}
    work: list[DocumentJob] = []
    for doc in documents:
        keys[doc.doc_id] = stage_keys(doc, int(years[doc.doc_id]), stages)
        found = {}
        for stage, key in keys[doc.doc_id].items():
            value = cache.get(stage, key)
            if value is not None:
                found[stage] = value
        results[doc.doc_id] = found
        need = tuple(s for s in stages if s not in found)
        if need:
            # Send a worker only the cached results its stages read.
            done = {UPSTREAM[s]: found[UPSTREAM[s]] for s in need
                    if UPSTREAM[s] in found and UPSTREAM[s] not in need}
            work.append(DocumentJob(doc.doc_id, doc.text, int(years[doc.doc_id]), need, done))
    def store(index: int, result: dict) -> None:
        job = work[index]
        for stage, value in result.items():
            if stage in keys[job.doc_id]:
                cache.put(stage, keys[job.doc_id][stage], value)
            results[job.doc_id][stage] = value
        if FAILED in result:
            # The stages that succeeded stay cached; the failed one is tried again next build,
            # and the build leaves the plan out.
            results[job.doc_id] = {FAILED: result[FAILED]}

    run_tasks(run_job, work, jobs=jobs, scheduler=scheduler, progress=progress,
              desc="cleaning", on_result=store)
    return results


def write_targets(per_doc: dict[str, dict], out: Path) -> list[Path]:
    """Write ``targets.csv`` and ``accident_targets.csv`` from per-document target rows.

    The rows are put together in doc_id order, the order :func:`extract_targets` sorts them
    in; accident targets are then read from them over the corpus, exactly as
    :func:`analysis.extract.targets.build` does (a test compares the two).
    """
    from analysis.core.io import read_csv
    from analysis.core.schema import write_table
    from analysis.extract.accident_targets import accident_targets
    from analysis.extract.target_schemas import ACCIDENT_TARGETS, TARGETS

    parts = [per_doc[d]["targets"] for d in sorted(per_doc) if len(per_doc[d]["targets"])]
    targets = (pd.concat(parts, ignore_index=True) if parts
               else pd.DataFrame(columns=TARGETS.column_names))
    clauses = read_csv(Path(out) / "clauses.csv", dtype={"number": str})
    documents = read_csv(Path(out) / "documents.csv")
    accidents = accident_targets(targets, clauses, documents)
    return [write_table(targets, TARGETS, out), write_table(accidents, ACCIDENT_TARGETS, out)]


def seed_token_caches(per_doc: dict[str, dict], order: list[str], folder: Path) -> list[Path]:
    """Write the corpus's token tables, put together from per-document tokens, where
    :func:`analysis.text.tokenise.tokenise_clauses` finds them (``folder``).

    The file name and key are the tokeniser's own (:func:`cache_key` of every clause id and
    text); if they ever differ from what a stage asks for, that stage simply segments the
    corpus itself (slower, same result). A test checks that the regional stage finds them.
    """
    from analysis.core.memo import caching_disabled
    from analysis.text.tokenise import cache_key, hand_over

    written = []
    for variant in ("compact", "content"):
        ids, texts, tokens = [], [], []
        for doc_id in order:
            a, b, c = per_doc[doc_id]["tokens"][variant]
            ids += a
            texts += b
            tokens += c
        key = cache_key(ids, texts)
        path = Path(folder) / f"tokens_{key[:20]}.json"
        # under --no-cache a file left by an earlier build is replaced, not trusted, and
        # the one written now is marked as this build's
        if caching_disabled() or not path.exists():
            atomic_write_text(path, json.dumps({"key": key, "tokens": tokens},
                                               ensure_ascii=False))
        if caching_disabled():
            hand_over(path)
        written.append(path)
    return written
