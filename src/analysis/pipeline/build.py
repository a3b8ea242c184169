"""The build behind ``python -m analysis build``: raw plans → clean texts and tables.

Stages run in data-flow order (read → clean → structure → extract → accident statistics). Each
table is validated against its schema and written atomically, so an interrupted or failed
build never leaves a half-written table. Bad inputs are reported, skipped, and listed in
``input_problems.csv``; the rest of the corpus is still processed.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.pipeline import tables
from analysis.pipeline.cache import DocumentCache
from analysis.pipeline.documents import FAILED, time_budget
from analysis.pipeline.incremental import document_results, seed_token_caches, write_targets
from analysis.pipeline.metadata import complete_manifest, read_all
from analysis.pipeline.stamps import StageStamps
from analysis.pipeline.status import (BUILD_INFO, FAILED_MARK, previous_build_outputs,
                                      write_build_info)
from analysis.core.io import atomic_write_text
from analysis.core.memo import NO_CACHE_ENV
from analysis.core.parallel import STAGE_JOBS_ENV, default_jobs
from analysis.core.paths import CACHE_DIR_ENV, processed_dir, raw_dir
from analysis.corpus.read import InputProblem, read_corpus
from analysis.core.schema import codebook_markdown, write_table


@dataclass
class CleanedCorpus:
    """Output of the cleaning stage."""

    documents: pd.DataFrame
    cleaning_log: pd.DataFrame
    garbled_spans: pd.DataFrame
    texts: dict[str, str]
    problems: list[InputProblem] = field(default_factory=list)
    #: The manifest's good rows as read once at the start of the build.
    manifest: pd.DataFrame | None = None
    #: Per-document stage results: doc_id -> stage -> result.
    per_doc: dict = field(default_factory=dict)
    #: Wall-clock seconds of reading and of the per-document work.
    seconds: dict = field(default_factory=dict)
    #: What each plan's text says of itself (:func:`analysis.pipeline.metadata.complete_manifest`).
    metadata: dict = field(default_factory=dict)


def clean_corpus(raw: Path, progress: bool | None = None, jobs: int | None = 1,
                 scheduler: str | None = None, cache: DocumentCache | None = None,
                 later: tuple[str, ...] = ()) -> CleanedCorpus:
    """Read and clean every plan listed in ``raw/manifest.csv``.

    Parameters
    ----------
    raw : Path
        The raw-data folder.
    progress : bool, optional
        Show a progress bar on standard error (default: only when it is a terminal).
    jobs : int, optional
        Worker processes for the per-document work (1: this process; None: all cores).
    scheduler : str, optional
        Dask scheduler address; the per-document work then runs on that cluster.
    cache : DocumentCache, optional
        Per-document results to reuse and fill (default: none).
    later : tuple of str
        Later stages that will run; their per-document parts (targets, tokens) are computed
        with the cleaning.

    Returns
    -------
    CleanedCorpus
    """
    clock = time.perf_counter()
    manifest, documents, problems = read_corpus(raw)
    show = sys.stderr.isatty() if progress is None else progress
    cache = cache or DocumentCache(raw, False)
    # The manifest needs only doc_id and file: place, level, years and type come from the
    # text (else the manifest), before the per-document work that needs the plan year.
    manifest, documents, problems, readings = complete_manifest(
        manifest, documents, problems,
        read_all(documents, cache, jobs=jobs, progress=show))
    seconds = {"read": time.perf_counter() - clock}
    wanted = ("clean", "structure") + (("targets",) if "targets" in later else ()) + (
        ("tokens",) if {"regional", "topics"} & set(later) else ())
    per_doc = document_results(documents, manifest, wanted, cache,
                               jobs=jobs, scheduler=scheduler, progress=show)
    seconds["per-document work"] = time.perf_counter() - clock - seconds["read"]
    # A plan whose per-document work failed is listed and left out; the rest goes on.
    failed = {d: r[FAILED] for d, r in per_doc.items() if FAILED in r}
    if failed:
        files = dict(zip(manifest["doc_id"], manifest["file"]))
        problems = problems + [InputProblem(files.get(d, ""), d, failed[d],
                                            "skipped; please report the page (a rule of the "
                                            "pipeline cannot handle it)") for d in sorted(failed)]
        documents = [doc for doc in documents if doc.doc_id not in failed]
        manifest = manifest[~manifest["doc_id"].isin(failed)].reset_index(drop=True)
        readings = {d: r for d, r in readings.items() if d not in failed}
        per_doc = {d: r for d, r in per_doc.items() if d not in failed}
    rows, log_rows, span_rows, texts = [], [], [], {}
    meta_by_id = manifest.set_index("doc_id")
    for doc in documents:
        cleaned = per_doc[doc.doc_id]["clean"]
        texts[doc.doc_id] = cleaned["text"]
        log_rows.extend(cleaned["log"])
        span_rows.extend(cleaned["spans"])
        row = meta_by_id.loc[doc.doc_id].to_dict()
        row.update(doc_id=doc.doc_id, sha256=doc.sha256, encoding=doc.encoding,
                   encoding_source=doc.encoding_source, n_bytes_raw=doc.n_bytes,
                   n_chars_raw=len(doc.text))
        row.update(cleaned["fields"])
        rows.append(row)
    documents_table = pd.DataFrame(rows)
    log = pd.DataFrame(log_rows, columns=tables.CLEANING_LOG.column_names)
    spans = pd.DataFrame(span_rows, columns=tables.GARBLED_SPANS.column_names)
    return CleanedCorpus(documents_table, log, spans, texts, problems, manifest, per_doc,
                         seconds, readings)


def write_clean(corpus: CleanedCorpus, out: Path, previous_outputs: frozenset[str] = frozenset()
                ) -> list[Path]:
    """Write clean texts and the cleaning tables; remove clean texts of dropped documents."""
    clean_dir = out / "clean"
    clean_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc_id, text in corpus.texts.items():
        path = clean_dir / f"{doc_id}.txt"
        atomic_write_text(path, text)
        written.append(path)
    # Remove clean texts of plans dropped since the last build, and only those: a file the
    # build did not write (no record in the last build_info.json) is never deleted.
    for name in sorted(previous_outputs):
        path = out / name
        if name.startswith("clean/") and path.stem not in corpus.texts and path.is_file():
            path.unlink()
    problems = pd.DataFrame([vars(p) for p in corpus.problems],
                            columns=tables.INPUT_PROBLEMS.column_names)
    written.append(write_table(corpus.documents, tables.DOCUMENTS, out))
    written.append(write_table(corpus.cleaning_log, tables.CLEANING_LOG, out))
    written.append(write_table(corpus.garbled_spans, tables.GARBLED_SPANS, out))
    written.append(write_table(problems, tables.INPUT_PROBLEMS, out))
    return written


CODEBOOK_PREAMBLE = """# Codebook of `data/processed/`

Every table here is rebuilt from `data/raw/` by `python -m analysis build` (run by `make all`).
Do not edit these files by hand. This codebook is generated from the schemas in
`src/analysis/tables.py` (and the modules named there), which are also checked whenever a table
is written: a table that does not match its schema stops the build.

CSV conventions: UTF-8, comma-separated, header row, `\\n` line ends; empty cell = missing;
booleans `True`/`False`; dates ISO `YYYY-MM-DD`.

Clean texts: `clean/<doc_id>.txt`, one paragraph per line, simplified Chinese, full-width
punctuation; □ marks a character that could not be restored (see `garbled_spans.csv`).
"""


def all_schemas():
    """Every table schema of the build, in data-flow order."""
    return list(tables.CLEANING_TABLES) + [tables.CLAUSES] + _stage_schemas()


def _stage_modules(names) -> list[tuple[str, object]]:
    """(name, module) of the later stages that exist; a stage whose own module is absent is
    skipped, but a missing dependency of a stage is an error, never a silent skip."""
    modules = []
    for name in names:
        module_name = LATER_STAGES.get(name, name)
        try:
            modules.append((name, importlib.import_module(module_name)))
        except ModuleNotFoundError as err:
            if err.name != module_name:
                raise
    return modules


def _stage_schemas() -> list:
    """Schemas that later stages declare in their own modules (``SCHEMAS`` lists)."""
    return [schema for _, module in _stage_modules(LATER_STAGES)
            for schema in getattr(module, "SCHEMAS", [])]


#: Stages run after cleaning and structuring, in order: stage name -> module. Each module has
#: ``build(raw_dir, processed_dir)`` returning the paths it wrote, and a ``SCHEMAS`` list for
#: the codebook.
LATER_STAGES = {
    "targets": "analysis.extract.targets",
    "responsibilities": "analysis.extract.units",
    "feasibility": "analysis.accidents.feasibility",
    "regional": "analysis.text.regional",
    "topics": "analysis.topics.model",
    "simulation": "analysis.pipeline.simulation_study",
}


def structure_corpus(corpus: CleanedCorpus, manifest_meta: pd.DataFrame) -> pd.DataFrame:
    """Parse every clean text into clauses and fill header metadata into ``documents``.

    Header fields come from the text where found, else from the removed debris (document
    number of an attachment), else from the manifest; ``*_source`` columns say which.
    Clause tables parsed per document (``corpus.per_doc``) are used where present.
    """
    from analysis.pipeline.documents import structure_document

    tables_, docs = [], corpus.documents.copy()
    for col in ("title", "issuer", "issue_date", "doc_number"):
        docs[col] = ""
        docs[f"{col}_source"] = "none"
    meta = manifest_meta.set_index("doc_id")
    for i, row in docs.iterrows():
        doc_id = row["doc_id"]
        parsed = corpus.per_doc.get(doc_id, {}).get("structure") or structure_document(
            doc_id, corpus.texts[doc_id])
        tables_.append(parsed["clauses"])
        header = parsed["header"]
        manifest_values = {"title": meta.at[doc_id, "title_zh"], "issuer": meta.at[doc_id, "issuer_zh"],
                           "issue_date": meta.at[doc_id, "issue_date"],
                           "doc_number": meta.at[doc_id, "doc_number"]}
        read = corpus.metadata.get(doc_id, {})
        for col in ("title", "issuer", "issue_date", "doc_number"):
            # The text's own fields first (CMS field, header, footer), then the header parse,
            # the removed attachment name, and the manifest.
            value, source = read.get(col, ""), read.get(f"{col}_source", "none")
            if not value:
                value, source = header[col], "text"
            if not value and col == "doc_number" and row.get("attachment_doc_number"):
                value, source = row["attachment_doc_number"], "debris"
            if not value and manifest_values[col]:
                value, source = manifest_values[col], "manifest"
            docs.at[i, col] = value
            docs.at[i, f"{col}_source"] = source if value else "none"
    corpus.documents = docs[tables.DOCUMENTS.column_names]
    clauses = pd.concat(tables_, ignore_index=True) if tables_ else pd.DataFrame(
        columns=tables.CLAUSES.column_names)
    return clauses


def build(raw: Path | None = None, out: Path | None = None, progress: bool | None = None,
          stages: tuple[str, ...] | None = None, jobs: int | None = None,
          scheduler: str | None = None, cache: bool | DocumentCache = True) -> int:
    """Rebuild ``data/processed`` from ``data/raw``; return a process exit code.

    Parameters
    ----------
    raw, out : Path, optional
        Raw and processed folders (default: the repository's).
    progress : bool, optional
        Progress bar on standard error (default: only on a terminal).
    stages : tuple of str, optional
        Later stages to run after cleaning and structuring (default: all of
        :data:`LATER_STAGES`).
    jobs : int, optional
        Worker processes for the per-document work (default: all cores; 1: no workers).
    scheduler : str, optional
        Address of a Dask distributed scheduler to run the per-document work on instead.
    cache : bool or DocumentCache
        Reuse and store per-document results in ``out/.cache/documents`` (False: compute
        all); a :class:`DocumentCache` given is used as is (tests count its hits).

    Exit code 0: everything built; 1: built, but some inputs had problems (listed).
    """
    time_budget(0)  # a bad ANALYSIS_DOCUMENT_BUDGET stops the build before anything is written
    raw = Path(raw) if raw else raw_dir()
    out = Path(out) if out else processed_dir()
    out.mkdir(parents=True, exist_ok=True)
    with build_lock(out):
        if not isinstance(cache, DocumentCache):
            cache = DocumentCache(out / ".cache", enabled=bool(cache))
        previous = previous_build_outputs(out)
        started = time.time()
        # Corpus-level stages use as many local processes as the per-document work (the
        # variable is restored afterwards, so a build run inside tests leaks nothing).
        # --no-cache reaches the corpus-level stages' cached steps and aligned pairs too.
        settings = {STAGE_JOBS_ENV: str(default_jobs() if jobs is None else max(1, int(jobs))),
                    NO_CACHE_ENV: "0" if cache.enabled else "1",
                    CACHE_DIR_ENV: str((out / ".cache").resolve())}
        before = {name: os.environ.get(name) for name in settings}
        os.environ.update(settings)
        from analysis.text.tokenise import forget_handed_over
        forget_handed_over()
        try:
            return _build(raw, out, progress, stages, jobs=jobs, scheduler=scheduler,
                          cache=cache)
        except BaseException:
            _drop_stale_outputs(out, previous, started)
            raise
        finally:
            forget_handed_over()
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _drop_stale_outputs(out: Path, previous: list[str], started: float) -> None:
    """After a failed build, remove what the last finished build wrote and this one did not
    rewrite, so that tables of two builds never stand side by side (the build_info mark is
    gone too, and ``analysis status`` reports the build as unfinished)."""
    removed = []
    for name in previous:
        path = out / name
        try:
            if path.is_file() and path.stat().st_mtime < started:
                path.unlink()
                removed.append(name)
        except OSError:
            continue
    (out / FAILED_MARK).write_text("the last build failed or was interrupted\n",
                                   encoding="utf-8")
    if removed:
        print(f"build failed: {len(removed)} table(s) of the previous build removed so that no "
              "table is older than the others; run the build again after fixing the error",
              file=sys.stderr)


def _release_documents(corpus: CleanedCorpus, order: list[str], out: Path,
                       remaining: list[str]) -> None:
    """Hand the per-document tokens to the corpus-level stages that read them (their token
    caches), then let go of the per-document results, texts and cleaning log: they are
    written, and the corpus-level stages read the tables. Held through those stages, they
    added their size (a third of the build's memory at 1,000 plans) to every stage's peak."""
    if {"regional", "topics"} & set(remaining) and all(
            "tokens" in corpus.per_doc.get(doc_id, {}) for doc_id in order):
        (out / ".cache").mkdir(parents=True, exist_ok=True)
        seed_token_caches(corpus.per_doc, order, out / ".cache")
    corpus.per_doc = {}
    corpus.texts = {}
    corpus.cleaning_log = corpus.cleaning_log.iloc[0:0].copy()
    corpus.garbled_spans = corpus.garbled_spans.iloc[0:0].copy()


class BuildLocked(RuntimeError):
    """Another build is writing the same output folder."""


@contextmanager
def build_lock(out: Path):
    """Hold an exclusive lock on ``out/.build.lock`` for the whole build, so that two builds
    never write the same tables at once (the lock is released when the process ends, even
    if it is killed)."""
    import fcntl

    handle = open(out / ".build.lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another build is writing {out}; wait for it to finish") from None
        yield
    finally:
        handle.close()


def _build(raw: Path, out: Path, progress: bool | None, stages, jobs: int | None = None,
           scheduler: str | None = None, cache: DocumentCache | None = None) -> int:
    # build_info.json is the mark of a finished build: removed first, written last, so an
    # interrupted or failed build leaves no mark and `analysis status` says so.
    previous_outputs = frozenset(previous_build_outputs(out))
    stamps = StageStamps(raw, out)  # reads the last build's record before it is removed
    (out / BUILD_INFO).unlink(missing_ok=True)
    cache = cache or DocumentCache(out / ".cache", enabled=False)
    clock = time.perf_counter()
    later = _stage_modules(tuple(LATER_STAGES) if stages is None else stages)
    timings = {"imports": time.perf_counter() - clock}
    clock = time.perf_counter()
    corpus = clean_corpus(raw, progress=progress, jobs=jobs, scheduler=scheduler, cache=cache,
                          later=tuple(name for name, _ in later))
    if not corpus.texts:
        problems = pd.DataFrame([vars(p) for p in corpus.problems],
                                columns=tables.INPUT_PROBLEMS.column_names)
        write_table(problems, tables.INPUT_PROBLEMS, out)
        print(f"no document could be read; {len(corpus.problems)} input problem(s) "
              f"(see {out / 'input_problems.csv'}):")
        for problem in corpus.problems:
            print(f"  - {problem}")
        return 1
    clauses = structure_corpus(corpus, corpus.manifest)
    write_clean(corpus, out, previous_outputs)
    write_table(clauses, tables.CLAUSES, out)
    timings.update(corpus.seconds)
    timings["structure, write"] = time.perf_counter() - clock - sum(corpus.seconds.values())
    if cache.enabled:
        print(f"per-document work: {cache.summary()}", flush=True)
    ran = ["clean", "structure"]
    order = list(corpus.texts)
    names = [name for name, _ in later]
    n_logged = len(corpus.cleaning_log)
    del clauses  # written; the later stages read the tables
    for i, (name, module) in enumerate(later):
        clock = time.perf_counter()
        if name != "targets" and corpus.per_doc:
            _release_documents(corpus, order, out, names[i:])
        if name == "targets":
            print(f"stage {module.__name__.removeprefix('analysis.')} ...", flush=True)
            write_targets(corpus.per_doc, out)
        else:
            # What this stage and the later ones write is not an input of this stage.
            own = frozenset(schema.filename for _, later_module in later[i:]
                            for schema in getattr(later_module, "SCHEMAS", []))
            fingerprint = stamps.fingerprint(name, own | stamps.later_outputs(names[i:]),
                                             corpus_free=getattr(module, "CODE_ROOTS", None))
            if stamps.up_to_date(name, fingerprint):
                print(f"stage {module.__name__.removeprefix('analysis.')}: up to date (same "
                      "inputs, code and libraries as the last build; its tables kept)",
                      flush=True)
                stamps.keep(name)
            else:
                print(f"stage {module.__name__.removeprefix('analysis.')} ...", flush=True)
                stamps.record(name, fingerprint, module.build(raw, out))
        ran.append(name)
        timings[name] = time.perf_counter() - clock
    atomic_write_text(out / "README.md", codebook_markdown(all_schemas(), CODEBOOK_PREAMBLE))
    cache.prune()
    write_build_info(raw, out, ran, 1 if corpus.problems else 0, stamps.current)
    docs = corpus.documents
    print(f"built {len(docs)} document(s): {int(docs['n_chars_raw'].sum())} raw -> "
          f"{int(docs['n_chars_clean'].sum())} clean characters; "
          f"{n_logged} logged changes; garbled spans "
          f"{int(docs['garbled_restored'].sum())} restored, {int(docs['garbled_marked'].sum())} "
          f"marked")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    if corpus.problems:
        print(f"{len(corpus.problems)} input problem(s) (see {out / 'input_problems.csv'}):")
        for problem in corpus.problems:
            print(f"  - {problem}")
        return 1
    return 0
