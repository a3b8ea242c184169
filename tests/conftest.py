"""Shared fixtures: the real seed corpus, cleaned once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GOLD = ROOT / "tests" / "gold"

os.environ.setdefault("MPLBACKEND", "Agg")
# Test builds of other corpora (temporary copies, synthetic plans) skip the topic-model
# selection over the K grid (about 90 s each); the repository's own build, run by `make`
# outside pytest, computes it, and its tests check the stored selection is current.
os.environ.setdefault("ANALYSIS_SKIP_TOPIC_SELECTION", "1")
os.environ.setdefault("ANALYSIS_SKIP_SIMULATION", "1")


@pytest.fixture(scope="session")
def cleaned():
    """The seed corpus through the cleaning stage (in memory, nothing written)."""
    from analysis.pipeline.build import clean_corpus

    return clean_corpus(RAW, progress=False)


@pytest.fixture(scope="session")
def raw_documents():
    from analysis.corpus.read import read_corpus

    _, docs, problems = read_corpus(RAW)
    assert not problems, problems
    return {d.doc_id: d for d in docs}


def copy_seeds(folder: Path, doc_ids) -> Path:
    """A raw folder holding only the seeds ``doc_ids``: their plans, checksums and manifest
    rows, as a user's corpus would have them."""
    import shutil

    from analysis.corpus.checksums import read_checksums, write_checksums
    from analysis.corpus.manifest import load_manifest

    (folder / "plans").mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(RAW)
    keep = manifest[manifest["doc_id"].isin(list(doc_ids))]
    recorded = read_checksums(RAW)
    for f in keep["file"]:
        shutil.copy(RAW / f, folder / f)
    write_checksums(folder, {f: recorded[f] for f in keep["file"]})
    keep.to_csv(folder / "manifest.csv", index=False)
    return folder


def read_gold(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLD / name, encoding="utf-8", keep_default_na=False)


def corpus_page(folder: str, page_id: str) -> str:
    """Raw text of a page of a development corpus (``tests/<folder>/pages/<page_id>.txt``)."""
    return (ROOT / "tests" / folder / "pages" / f"{page_id}.txt").read_text(encoding="utf-8")


def clean_as_built(text: str, doc_id: str = "t"):
    """:func:`analysis.clean.rules.clean_text` of ``text`` as the build runs it (the shipped
    character model and GBK repairer); the ``CleanResult``."""
    from analysis.clean.changes import CleanContext
    from analysis.clean.reference import shipped_reference
    from analysis.clean.rules import clean_text

    model, repairer, _ = shipped_reference()
    return clean_text(text, CleanContext(doc_id, repairer=repairer, model=model))


def clean_corpus_page(folder: str, page_id: str):
    """:func:`clean_as_built` of a page of a development corpus."""
    return clean_as_built(corpus_page(folder, page_id), page_id)


#: Test files (and notebooks) that take the longest, with their seconds in a run of
#: 2026-12-01 (pytest --durations, two workers, bytecode compiled). `make test` hands whole
#: files to the two workers (--dist loadfile, so that a notebook's cells stay in order on one
#: worker); started last, one of these kept a worker busy while the other idled. They go
#: first, longest first (the longest-processing-time rule), and the other files keep their
#: order. The order changes when a test runs, never what it checks.
SLOW_FILES = {
    "tests/test_hostile_input.py": 48, "tests/test_pathological_text.py": 40,
    "tests/test_topics.py": 33, "tests/test_odd_documents.py": 31,
    "tests/test_properties.py": 30, "tests/test_incremental.py": 28,
    "tests/test_feasibility.py": 27, "tests/test_parallel.py": 25,
    "tests/test_topic_selection.py": 22, "notebooks/02_regional_priorities.ipynb": 19,
    "notebooks/04_target_feasibility.ipynb": 16, "tests/test_accident_simulation.py": 16,
    "tests/test_layout.py": 13, "tests/test_tokenise.py": 12,
    "tests/test_heavy_simulation.py": 10, "tests/test_plan_shares.py": 9,
}


def pytest_collection_modifyitems(config, items):
    def seconds(item):
        return SLOW_FILES.get(item.nodeid.split("::")[0], 0)

    items.sort(key=lambda item: -seconds(item))  # stable: order within a file is kept
