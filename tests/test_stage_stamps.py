"""Corpus-level stages are skipped when their inputs, code and libraries are those of the last
build (content fingerprints in build_info.json), and run again when anything they read changed
or their tables were altered."""
from __future__ import annotations

import pytest
from conftest import copy_seeds

from analysis.corpus.checksums import read_checksums, sha256_file, write_checksums
from analysis.corpus.manifest import load_manifest
from analysis.pipeline.build import build

DOCS = ["yichun-2023", "haimen-2023"]
STAGES = ("targets", "responsibilities")


@pytest.fixture()
def raw(tmp_path):
    return copy_seeds(tmp_path / "raw", DOCS)


def _build(raw, out, capsys):
    assert build(raw, out, progress=False, stages=STAGES, jobs=1, cache=False) == 0
    return capsys.readouterr().out


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".cache" not in p.relative_to(folder).parts
            and p.name != ".build.lock"}


def test_unchanged_inputs_skip_the_stage_and_keep_the_same_bytes(raw, tmp_path, capsys):
    out = tmp_path / "out"
    first = _build(raw, out, capsys)
    assert "stage extract.units ..." in first
    before = _files(out)
    second = _build(raw, out, capsys)
    assert "stage extract.units: up to date" in second
    assert _files(out) == before


def test_an_altered_table_or_a_changed_plan_runs_the_stage_again(raw, tmp_path, capsys):
    out = tmp_path / "out"
    _build(raw, out, capsys)
    table = out / "responsibilities.csv"
    original = table.read_bytes()
    table.write_bytes(original + b"tampered\n")
    rerun = _build(raw, out, capsys)
    assert "stage extract.units ..." in rerun
    assert table.read_bytes() == original
    # A changed plan changes clauses.csv, which the stage reads: it must run again.
    plan = raw / load_manifest(raw).iloc[0]["file"]
    plan.write_bytes(plan.read_bytes() + "\n十、加强应急值守，严格落实领导带班制度。\n".encode("utf-8"))
    sums = read_checksums(raw)
    sums[plan.relative_to(raw).as_posix()] = sha256_file(plan)
    write_checksums(raw, sums)
    changed = _build(raw, out, capsys)
    assert "stage extract.units ..." in changed
