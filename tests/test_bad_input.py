"""Bad inputs are reported by name, skipped, and never stop the rest of the corpus."""
from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

from analysis.core.io import write_csv
from analysis.corpus.checksums import write_checksums
from analysis.pipeline.build import build
from analysis.core.schema import Column, SchemaError, TableSchema, write_table

from conftest import RAW


def _two_plans(tmp_path):
    """A raw folder holding two seed plans (files only); their manifest rows."""
    raw = tmp_path / "raw"
    (raw / "plans").mkdir(parents=True)
    manifest = pd.read_csv(RAW / "manifest.csv", dtype=str, keep_default_na=False)
    good = manifest[manifest["doc_id"].isin(["yichun-2023", "haimen-2023"])]
    for f in good["file"]:
        shutil.copy(RAW / f, raw / f)
    return raw, good


@pytest.fixture()
def broken_raw(tmp_path):
    """A raw folder with two good plans and one of each kind of bad input."""
    raw, good = _two_plans(tmp_path)
    template = good.iloc[0].to_dict()
    rows = good.to_dict("records")

    sums = {f: hashlib.sha256((RAW / f).read_bytes()).hexdigest() for f in good["file"]}

    def add(doc_id, name, data, sha=True):
        path = raw / "plans" / name
        if data is not None:
            path.write_bytes(data)
            if sha:
                sums[f"plans/{name}"] = hashlib.sha256(data).hexdigest()
        rows.append(dict(template, doc_id=doc_id, file=f"plans/{name}"))

    add("empty-doc", "empty.txt", b"")
    add("binary-doc", "binary.txt", bytes(range(256)) * 50)
    add("missing-doc", "missing.txt", None)
    add("duplicate-doc", "dup.txt", (RAW / good.iloc[0]["file"]).read_bytes())
    add("tampered-doc", "tampered.txt", "应急管理工作要点".encode("utf-8"))
    sums["plans/tampered.txt"] = "0" * 64
    add("undecodable-doc", "latin.txt", "Ünïcödé façade ".encode("latin-1") * 40, sha=False)
    add("undecodable2-doc", "latin2.txt", "Ünïcödé façade ".encode("latin-1") * 41)
    (raw / "plans" / "unlisted.txt").write_text("应急管理", encoding="utf-8")
    pd.DataFrame(rows).to_csv(raw / "manifest.csv", index=False)
    write_checksums(raw, sums)
    return raw


def test_bad_inputs_reported_and_rest_processed(broken_raw, tmp_path, capsys):
    out = tmp_path / "processed"
    code = build(broken_raw, out, progress=False, stages=())
    assert code == 1
    printed = capsys.readouterr().out
    problems = pd.read_csv(out / "input_problems.csv", keep_default_na=False)
    by_file = dict(zip(problems["file"], problems["problem"]))
    assert "empty" in by_file["plans/empty.txt"]
    assert "binary" in by_file["plans/binary.txt"]
    assert "missing" in by_file["plans/missing.txt"]
    assert "duplicate of yichun-2023" in by_file["plans/dup.txt"]
    assert "sha256" in by_file["plans/tampered.txt"]
    assert "no checksum recorded" in by_file["plans/latin.txt"]
    assert "no manifest row" in by_file["plans/unlisted.txt"]
    assert "cannot be read" in by_file["plans/latin2.txt"]
    for name in by_file:
        assert name in printed  # the summary names every bad file
    docs = pd.read_csv(out / "documents.csv")
    assert sorted(docs["doc_id"]) == ["haimen-2023", "yichun-2023"]
    assert sorted(p.name for p in (out / "clean").iterdir()) == ["haimen-2023.txt",
                                                                 "yichun-2023.txt"]
    assert not list(out.rglob("*.tmp"))


def test_invalid_table_is_an_error_and_leaves_old_file(tmp_path):
    schema = TableSchema("t", "t.csv", "test", (Column("a", "int", "a number"),))
    write_table(pd.DataFrame({"a": [1, 2]}), schema, tmp_path)
    before = (tmp_path / "t.csv").read_bytes()
    with pytest.raises(SchemaError, match="not of type int"):
        write_table(pd.DataFrame({"a": ["x"]}), schema, tmp_path)
    assert (tmp_path / "t.csv").read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_interrupted_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import analysis.core.io as io

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    table = pd.DataFrame({"a": range(10)})
    write_csv(table, tmp_path / "x.csv")
    monkeypatch.setattr(io.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_csv(table.head(3), tmp_path / "x.csv")
    assert len(pd.read_csv(tmp_path / "x.csv")) == 10
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_manifest_errors_name_the_row(tmp_path):
    from analysis.corpus.read import load_manifest

    manifest = pd.read_csv(RAW / "manifest.csv", dtype=str, keep_default_na=False)
    manifest.loc[1, "admin_level"] = "village"
    manifest.to_csv(tmp_path / "manifest.csv", index=False)
    with pytest.raises(ValueError, match="lishui-2021.*admin_level"):
        load_manifest(tmp_path)


def test_a_plan_that_breaks_a_rule_is_listed_and_the_rest_built(tmp_path, monkeypatch, capsys):
    """A rule that raises on one odd page (as one did on a real page, test16 e008) skips that
    plan with a problem naming it; the other plans are built and the exit code is 1."""
    from analysis.pipeline import documents as per_document

    raw, good = _two_plans(tmp_path)
    good.to_csv(raw / "manifest.csv", index=False)
    write_checksums(raw, {f: hashlib.sha256((RAW / f).read_bytes()).hexdigest()
                          for f in good["file"]})
    real = per_document.clean_document

    def breaks_on_haimen(doc_id, text):
        if doc_id == "haimen-2023":
            raise ValueError("overlapping changes at 90")
        return real(doc_id, text)

    monkeypatch.setattr(per_document, "clean_document", breaks_on_haimen)
    out = tmp_path / "processed"
    code = build(raw, out, progress=False, stages=(), jobs=1, cache=False)
    assert code == 1
    problems = pd.read_csv(out / "input_problems.csv", keep_default_na=False)
    assert problems["doc_id"].tolist() == ["haimen-2023"]
    assert "clean stage failed (ValueError: overlapping changes at 90" in problems["problem"][0]
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert documents["doc_id"].tolist() == ["yichun-2023"]
    assert "haimen-2023" in capsys.readouterr().out


def test_a_plan_failing_a_later_stage_keeps_its_cached_earlier_stages(tmp_path, monkeypatch):
    """A reviewer's case: the targets stage raising for one plan left that plan out (as
    documented) and threw away its clean and structure results too; they are now cached."""
    from analysis.pipeline import documents as per_document
    from analysis.pipeline.cache import DocumentCache
    from analysis.pipeline.incremental import document_results
    from analysis.corpus.read import read_corpus

    manifest, docs, _ = read_corpus(RAW)
    docs = [d for d in docs if d.doc_id in ("yichun-2023", "haimen-2023")]
    manifest = manifest[manifest["doc_id"].isin([d.doc_id for d in docs])].assign(
        year_start="2023")

    def breaks(doc_id, clauses, year_start):
        raise ValueError("odd target")

    monkeypatch.setattr(per_document, "targets_document", breaks)
    cache = DocumentCache(tmp_path / "cache")
    results = document_results(docs, manifest, ("clean", "structure", "targets"), cache, jobs=1)
    assert all(per_document.FAILED in r for r in results.values())
    assert len(list(cache.root.glob("clean/*.pkl"))) == 2  # kept although targets failed
    assert not any(cache.root.glob("targets/*.pkl"))
    again = document_results(docs, manifest, ("clean", "structure"), cache, jobs=1)
    assert all(set(r) == {"clean", "structure"} for r in again.values())
