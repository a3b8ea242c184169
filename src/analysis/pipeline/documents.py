"""The per-document work of the build: one plan's decoded text → its clean text, clause table,
targets and tokens, as pure functions of that text and the versioned resources.

Nothing here reads the corpus, the manifest (beyond the fields passed in) or the output
folder, so a plan's results do not depend on which other plans are built with it and can be
computed in any process or on any machine (:mod:`analysis.core.parallel`) and cached by
key (:mod:`analysis.pipeline.cache`). Each stage calls the stage package's own functions:
:func:`analysis.clean.rules.clean_text`, :func:`analysis.structure.clauses.clause_table`,
:func:`analysis.extract.extraction.extract_targets` and
:func:`analysis.text.tokenise.segment`. Targets and tokens read the clause table after a
CSV round trip (:func:`as_read_from_csv`), exactly as the corpus-level stages read
``clauses.csv``, so assembling per-document results gives the tables those stages write
(tested against them).

Imports of the stage packages sit inside the functions: the code version of a stage is the
closure of its own modules (:data:`STAGES`), and a module-level import here would tie every
stage to every other.
"""
from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Per-document stages in order, each with the entry modules whose import closure is its
#: code version. Later stages read the result of earlier ones.
STAGES: dict[str, tuple[str, ...]] = {
    "clean": ("analysis.clean.rules", "analysis.clean.reference"),
    "structure": ("analysis.structure.clauses",),
    "targets": ("analysis.extract.extraction", "analysis.pipeline.tables",
                "analysis.core.schema", "analysis.core.io"),
    "tokens": ("analysis.text.tokenise", "analysis.pipeline.tables", "analysis.core.schema",
               "analysis.core.io"),
}


@dataclass
class DocumentJob:
    """What one plan's per-document work needs; ``done`` holds stage results already cached,
    ``need`` the stages to compute (in :data:`STAGES` order)."""

    doc_id: str
    text: str
    year_start: int
    need: tuple[str, ...]
    done: dict = field(default_factory=dict)


def clean_document(doc_id: str, text: str) -> dict:
    """Clean one decoded plan with the shipped reference.

    Returns
    -------
    dict
        ``text`` (clean), ``log`` (rows of ``cleaning_log.csv``), ``spans`` (rows of
        ``garbled_spans.csv``) and ``fields`` (the document's columns that cleaning fills).
    """
    from analysis.clean.reference import shipped_reference
    from analysis.clean.rules import RULE_NAMES, CleanContext, clean_text, to_simplified

    # A fixed reference, never the corpus being cleaned: a plan's clean text depends only on
    # its own bytes and the versioned resources.
    model, repairer, _ = shipped_reference()
    ctx = CleanContext(doc_id, repairer=repairer, model=model)
    result = clean_text(text, ctx)
    counts = Counter(r[2] for r in result.log)
    fields = dict(n_chars_clean=len(result.text), script=ctx.script,
                  published_date=ctx.metadata.get("published_date", ""),
                  printed_date=ctx.metadata.get("printed_date", ""),
                  attachment_doc_number=ctx.metadata.get("attachment_doc_number", ""),
                  garbled_restored=sum(g.status == "restored" for g in ctx.garbled),
                  garbled_marked=sum(g.status == "marked" for g in ctx.garbled))
    for name in RULE_NAMES:
        fields[f"n_{name}"] = int(counts.get(name, 0))
    spans = [dict(doc_id=doc_id, start=g.start, end=g.end, observed=g.observed,
                  best_guess=g.best_guess, best_guess_simplified=to_simplified(g.best_guess),
                  status=g.status, posterior=round(g.posterior, 4), gain=round(g.margin, 2),
                  n_candidates=g.n_candidates) for g in ctx.garbled]
    return dict(text=result.text, log=list(result.log), spans=spans, fields=fields)


def structure_document(doc_id: str, clean: str) -> dict:
    """Clause table and header fields of one clean text."""
    from analysis.structure.clauses import clause_table

    table, header = clause_table(doc_id, clean)
    return dict(clauses=table, header={k: getattr(header, k) for k in
                                       ("title", "issuer", "issue_date", "doc_number")})


def as_read_from_csv(clauses: pd.DataFrame, **read_kwargs) -> pd.DataFrame:
    """The clause table as a later stage sees it: validated, written and read back as CSV
    with the project's writer and reader."""
    from analysis.core.io import read_csv
    from analysis.core.schema import validate
    from analysis.pipeline.tables import CLAUSES

    text = validate(clauses, CLAUSES).to_csv(index=False, lineterminator="\n",
                                              float_format="%.10g")
    return read_csv(io.StringIO(text), **read_kwargs)


def targets_document(doc_id: str, clauses: pd.DataFrame, year_start: int) -> pd.DataFrame:
    """Rows of ``targets.csv`` for one plan (as :func:`extract_targets` gives them)."""
    from analysis.extract.extraction import extract_targets

    read = as_read_from_csv(clauses, dtype={"number": str})
    return extract_targets(read, pd.DataFrame({"doc_id": [doc_id], "year_start": [year_start]}))


def tokens_document(clauses: pd.DataFrame) -> dict:
    """Segmented clause texts of one plan, for the two token tables the corpus stages ask
    :func:`analysis.text.tokenise.tokenise_clauses` for.

    Returns
    -------
    dict
        ``compact`` (regional analysis: prepared clauses with characters, whitespace
        removed) and ``content`` (topics: every prepared clause's content), each a triple
        of lists (clause ids, texts, space-joined tokens).
    """
    from analysis.text.tokenise import prepared_clauses, segment

    prepared = prepared_clauses(as_read_from_csv(clauses))
    ids = prepared["clause_id"].astype(str).tolist()
    content = prepared["content"].tolist()
    compact_rows = prepared[prepared["n_chars"] > 0]
    compact = compact_rows["content"].str.replace(r"\s+", "", regex=True).tolist()
    return dict(
        compact=(compact_rows["clause_id"].astype(str).tolist(), compact,
                 [" ".join(segment(t)) for t in compact]),
        content=(ids, content, [" ".join(segment(t)) for t in content]))


#: Processor time a plan's per-document stages may take, in seconds: a fixed part and a part per
#: million characters of its text (``ANALYSIS_DOCUMENT_BUDGET`` sets the fixed part, ``0``
#: turns the budget off). A plan takes well under a second per million characters on a laptop;
#: the budget stops an input that some rule would never finish with (a line of 50,000 spaces
#: or of base64 took minutes to hours before the rules were mended) and reports it as an input
#: problem, so the rest of the corpus is built. Processor time, not wall time, so that a busy
#: or paused machine does not change which plans are built; a plan's tables never depend on
#: the budget (it is built in full or left out).
BUDGET_S = 120.0
BUDGET_S_PER_M_CHARS = 60.0


class DocumentTimeout(BaseException):
    """A plan's per-document stages ran past their time budget. A BaseException, so that the
    ``except Exception`` of the code it interrupts (jieba's cache handling has two) cannot
    swallow it."""


def time_budget(n_chars: int) -> float | None:
    """Processor seconds allowed for the per-document stages of a plan of ``n_chars``
    characters (None: no budget).

    Raises
    ------
    ValueError
        If ``ANALYSIS_DOCUMENT_BUDGET`` is not a number (the build checks it before it
        starts).
    """
    setting = os.environ.get("ANALYSIS_DOCUMENT_BUDGET", "")
    try:
        fixed = float(setting) if setting.strip() else BUDGET_S
    except ValueError:
        raise ValueError(f"ANALYSIS_DOCUMENT_BUDGET must be a number of seconds (0: no "
                         f"budget), not {setting!r}") from None
    return None if fixed <= 0 else fixed + BUDGET_S_PER_M_CHARS * n_chars / 1e6


@contextmanager
def within_budget(seconds: float | None):
    """Raise :class:`DocumentTimeout` in the enclosed code once it has used ``seconds`` of
    processor time, and again every second after that until the block is left.

    A profiling-timer signal (``ITIMER_PROF``): it interrupts Python code and the
    regular-expression engine alike (code in C or Rust is stopped when it returns to Python).
    It is set only in a process's main thread (the serial build and its worker processes);
    tasks run in the threads of a Dask worker, and systems without ``setitimer`` (Windows),
    go without a budget. An enclosing timer is restored, less the time used here.
    """
    if (seconds is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def expire(signum, frame):
        shown = f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"
        raise DocumentTimeout(f"gave up after {shown} s of processor time (the time budget "
                              "of a plan of this length); some line of it makes a rule work "
                              "far too long")

    previous = signal.signal(signal.SIGPROF, expire)
    started = time.process_time()
    outer, outer_interval = signal.setitimer(signal.ITIMER_PROF, seconds, 1.0)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_PROF, 0)
        except DocumentTimeout:
            # The budget ran out as the block ended, and the handler ran here: disarm now
            # (the next expiry is a second away), or the repeating timer would go on raising
            # in whatever code runs next, outside any handler.
            signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if outer > 0:
            left = outer - (time.process_time() - started)
            signal.setitimer(signal.ITIMER_PROF, max(left, 1e-6), outer_interval)


def run_job(job: DocumentJob) -> dict:
    """Compute the stages ``job.need`` of one plan; return them keyed by stage name.

    Stages not needed but read by a needed one come from ``job.done`` (cached), else are
    computed too (and returned, so the caller can store them).
    """
    results = dict(job.done)
    needed = set(job.need)

    def get(stage):
        if stage not in results:
            needed.add(stage)
            results[stage] = compute(stage)
        return results[stage]

    def compute(stage):
        if stage == "clean":
            return clean_document(job.doc_id, job.text)
        if stage == "structure":
            return structure_document(job.doc_id, get("clean")["text"])
        if stage == "targets":
            return targets_document(job.doc_id, get("structure")["clauses"], job.year_start)
        if stage == "tokens":
            return tokens_document(get("structure")["clauses"])
        raise ValueError(f"unknown per-document stage {stage!r}")

    stage = None
    try:
        with within_budget(time_budget(len(job.text))):
            for stage in STAGES:
                if stage in job.need:
                    get(stage)
    except (Exception, DocumentTimeout) as err:  # noqa: BLE001 - reported; the rest go on
        # The stages that did succeed are returned (and cached); the build leaves the plan
        # out of every table, so that the tables describe one set of plans.
        return {**{s: results[s] for s in STAGES if s in needed and s in results},
                FAILED: f"the {stage} stage failed ({failure(err)})"}
    return {stage: results[stage] for stage in STAGES if stage in needed}


#: Key of a per-document result that holds the failure instead of the stages.
FAILED = "failed"


def failure(err: BaseException) -> str:
    """A one-line description of an exception, with where it was raised."""
    import traceback

    where = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return f"{type(err).__name__}: {err}{at}"
