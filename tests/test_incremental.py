"""Incremental builds: per-document results are reused by key; a changed plan, a changed stage
code or resource recomputes exactly what depends on it, and the output is the same bytes as a
build without cache."""
from __future__ import annotations

import shutil

import pytest
from conftest import RAW, copy_seeds

from analysis.corpus.checksums import read_checksums, sha256_bytes, write_checksums
from analysis.corpus.manifest import load_manifest
from analysis.pipeline.cache import DocumentCache

DOCS = ["yichun-2023", "haimen-2023", "lishui-2021"]
STAGES = ("targets",)


@pytest.fixture()
def raw(tmp_path):
    """Three seeds in a raw folder of their own."""
    return copy_seeds(tmp_path / "raw", DOCS)


def _build(raw, out, cache=True):
    from analysis.pipeline.build import build

    counted = DocumentCache(out / ".cache", enabled=cache)
    assert build(raw, out, progress=False, stages=STAGES, jobs=1, cache=counted) == 0
    return counted


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".cache" not in p.relative_to(folder).parts
            and p.name != ".build.lock"}


def test_second_build_reuses_every_document_and_writes_the_same_bytes(raw, tmp_path):
    out = tmp_path / "out"
    first = _build(raw, out)
    assert sum(first.hits.values()) == 0
    assert first.misses == {"metadata": 3, "clean": 3, "structure": 3, "targets": 3}
    before = _files(out)
    second = _build(raw, out)
    assert second.hits == {"metadata": 3, "clean": 3, "structure": 3, "targets": 3}
    assert sum(second.misses.values()) == 0
    assert _files(out) == before
    uncached = tmp_path / "uncached"
    _build(raw, uncached, cache=False)
    assert _files(uncached) == before
    assert not (uncached / ".cache" / "documents").exists()


def test_changing_one_plan_recomputes_only_that_plan(raw, tmp_path):
    out = tmp_path / "out"
    _build(raw, out)
    manifest = load_manifest(raw).set_index("doc_id")
    name = manifest.at["haimen-2023", "file"]
    data = (raw / name).read_bytes() + "\n二、附则\n（一）本要点自印发之日起施行。\n".encode("utf-8")
    (raw / name).write_bytes(data)
    write_checksums(raw, dict(read_checksums(raw), **{name: sha256_bytes(data)}))
    again = _build(raw, out)
    assert again.misses == {"metadata": 1, "clean": 1, "structure": 1, "targets": 1}
    assert again.hits == {"metadata": 2, "clean": 2, "structure": 2, "targets": 2}
    # The old entries of the changed plan are pruned: one entry per plan and stage remains.
    for stage in ("metadata", "clean", "structure", "targets"):
        assert len(list((out / ".cache" / "documents" / stage).glob("*.pkl"))) == 3
    uncached = tmp_path / "uncached"
    _build(raw, uncached, cache=False)
    assert _files(uncached) == _files(out)
    assert "本要点自印发之日起施行" in (out / "clean" / "haimen-2023.txt").read_text(
        encoding="utf-8")


def test_a_changed_stage_code_recomputes_that_stage_only(raw, tmp_path, monkeypatch):
    """Editing the targets' code (in a copy of the package) changes the targets' version
    only: the metadata reading, clean and structure stay cached, targets are recomputed."""
    from analysis.pipeline import cache

    out = tmp_path / "out"
    _build(raw, out)
    copy = tmp_path / "analysis"
    shutil.copytree(cache.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "extract" / "extraction.py", "a", encoding="utf-8") as handle:
        handle.write("\n# an edit\n")
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    monkeypatch.setattr(cache, "PACKAGE_DATA", copy / "data")
    cache.stage_version.cache_clear()
    try:
        again = _build(raw, out)
    finally:
        cache.stage_version.cache_clear()
    assert again.hits == {"metadata": 3, "clean": 3, "structure": 3}
    assert again.misses == {"targets": 3}


def test_a_changed_resource_recomputes_the_stages_that_read_it(tmp_path, monkeypatch):
    """The repair reference is a resource of cleaning, not of targets; the target cues are a
    resource of targets, not of cleaning."""
    from analysis.pipeline import cache
    from analysis.pipeline.documents import STAGES as DOC_STAGES

    original = cache.PACKAGE_DATA
    copy = tmp_path / "analysis"
    shutil.copytree(cache.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    versions = {s: cache.stage_version(DOC_STAGES[s]) for s in ("clean", "targets")}
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    monkeypatch.setattr(cache, "PACKAGE_DATA", copy / "data")
    try:
        for name, changed in (("reference_texts.json", "clean"), ("target_cues.csv", "targets")):
            with open(copy / "data" / name, "a", encoding="utf-8") as handle:
                handle.write("\n")
            cache.stage_version.cache_clear()
            now = {s: cache.stage_version(DOC_STAGES[s]) for s in versions}
            assert now[changed] != versions[changed], name
            unchanged = next(s for s in versions if s != changed)
            assert now[unchanged] == versions[unchanged], name
            shutil.copy(original / name, copy / "data" / name)
    finally:
        cache.stage_version.cache_clear()


def test_a_damaged_cache_entry_is_only_a_miss(raw, tmp_path):
    out = tmp_path / "out"
    _build(raw, out)
    for path in (out / ".cache" / "documents" / "clean").glob("*.pkl"):
        path.write_bytes(b"not a pickle")
    again = _build(raw, out)
    assert again.misses["clean"] == 3 and again.hits["structure"] == 3


_UPSTREAM = r'''
import pickle, sys
from analysis.corpus.read import read_corpus
from analysis.pipeline.documents import DocumentJob, STAGES, run_job
_, docs, _ = read_corpus(sys.argv[1])
doc = next(d for d in docs if d.doc_id == "haimen-2023")
results = run_job(DocumentJob(doc.doc_id, doc.text, 2023, tuple(STAGES)))
with open(sys.argv[2], "wb") as handle:
    pickle.dump((doc.doc_id, doc.text, results), handle)
'''

# One stage in a fresh process, given its upstream results: which data files does it open?
_AUDIT = r'''
import json, pickle, sys
from analysis.core.paths import PACKAGE_DATA
from analysis.pipeline.documents import DocumentJob, run_job
from analysis.pipeline.incremental import UPSTREAM
doc_id, text, results = pickle.load(open(sys.argv[1], "rb"))
stage = sys.argv[2]
done = {UPSTREAM[stage]: results[UPSTREAM[stage]]} if UPSTREAM[stage] else {}
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(str(PACKAGE_DATA)):
        opened.add(args[0].rsplit("/", 1)[-1])
sys.addaudithook(hook)
run_job(DocumentJob(doc_id, text, 2023, (stage,), done))
print(json.dumps(sorted(opened)))
'''


def test_every_data_file_a_stage_opens_is_part_of_its_version(tmp_path):
    """Run each per-document stage in a fresh process and record the files of
    src/analysis/data it opens: each must be among the resources hashed into its version."""
    import json
    import os
    import subprocess
    import sys

    from conftest import ROOT

    from analysis.pipeline.cache import _resources, module_closure
    from analysis.pipeline.documents import STAGES as DOC_STAGES

    env = dict(os.environ, PYTHONHASHSEED="0", ANALYSIS_ROOT=str(tmp_path))
    upstream = tmp_path / "upstream.pkl"
    made = subprocess.run([sys.executable, "-c", _UPSTREAM, str(RAW), str(upstream)],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    for stage in DOC_STAGES:
        done = subprocess.run([sys.executable, "-c", _AUDIT, str(upstream), stage],
                              capture_output=True, text=True, cwd=ROOT, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        names = set(json.loads(done.stdout.strip().splitlines()[-1]))
        if stage in ("clean", "targets", "tokens"):
            assert names, f"the audit saw no resource opened by {stage}"
        declared = {p.name for p in _resources(module_closure(DOC_STAGES[stage]))}
        assert names <= declared, (stage, names - declared)


# The metadata reading in a fresh process: which data files does it open?
_AUDIT_METADATA = r'''
import json, pickle, sys
from analysis.core.paths import PACKAGE_DATA
from analysis.pipeline.metadata import read_one
doc_id, text, _ = pickle.load(open(sys.argv[1], "rb"))
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(str(PACKAGE_DATA)):
        opened.add(args[0].rsplit("/", 1)[-1])
sys.addaudithook(hook)
status, _ = read_one(text)
assert status == "ok"
print(json.dumps(sorted(opened)))
'''


def test_every_data_file_the_metadata_reading_opens_is_part_of_its_key(tmp_path):
    """The same audit for the cached metadata reading (:func:`analysis.pipeline.metadata.read_all`):
    every file of src/analysis/data it opens is among the resources hashed into its key."""
    import json
    import os
    import subprocess
    import sys

    from conftest import ROOT

    from analysis.pipeline.cache import _resources, module_closure
    from analysis.pipeline.metadata import METADATA_ROOTS

    env = dict(os.environ, PYTHONHASHSEED="0", ANALYSIS_ROOT=str(tmp_path))
    upstream = tmp_path / "upstream.pkl"
    made = subprocess.run([sys.executable, "-c", _UPSTREAM, str(RAW), str(upstream)],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    done = subprocess.run([sys.executable, "-c", _AUDIT_METADATA, str(upstream)],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    names = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert names, "the audit saw no resource opened by the metadata reading"
    declared = {p.name for p in _resources(module_closure(METADATA_ROOTS))}
    assert names <= declared, names - declared


def test_metadata_read_on_workers_and_from_the_cache_equals_the_serial_reading(raw, tmp_path,
                                                                             monkeypatch):
    """The build reads each plan's metadata across workers and keeps it in the per-document
    cache: the readings equal those read one plan after another in this process, and a
    second pass reads nothing."""
    from analysis.corpus.read import read_corpus
    from analysis.pipeline import metadata

    _, documents, _ = read_corpus(raw)
    serial = {doc.doc_id: metadata.read_one(doc.text) for doc in documents}
    monkeypatch.setattr(metadata, "MIN_PARALLEL", 0)
    cache = DocumentCache(tmp_path / ".cache")
    assert metadata.read_all(documents, cache, jobs=2) == serial
    assert cache.misses == {"metadata": 3}
    assert metadata.read_all(documents, cache, jobs=2) == serial
    assert cache.hits == {"metadata": 3} and cache.misses == {"metadata": 3}
    assert all(status == "ok" for status, _ in serial.values())
