"""Odd text that scraped pages hold (base64 images, runs of white space, runs of numerals)
is cleaned, structured and read like any other text, and a plan that a rule would never
finish is stopped by a time budget, reported and left out while the rest is built.

The mended rules took minutes to hours on one such line (a regular expression that retried
every split of a long run from every position inside it). These tests run them on lines of
50,000 characters: they do not time anything, but a regression would turn them from a
fraction of a second into a hang that the suite cannot miss. Speed is measured in
``make bench`` (``pathological_lines``).
"""
from __future__ import annotations

import hashlib
import signal
import time

import pandas as pd

from analysis.clean.spam import _runs
from analysis.corpus.checksums import write_checksums
from analysis.pipeline import documents as per_document
from analysis.pipeline.build import build

from conftest import RAW
from test_bad_input import _two_plans

BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"


def _seed_text() -> str:
    return (RAW / "plans" / sorted(p.name for p in (RAW / "plans").glob("*.txt"))[3]
            ).read_text(encoding="utf-8")


def _warm_up():
    """Load the cleaning reference and the segmenter before a short budget applies (the first
    plan of a process pays for loading them)."""
    per_document.tokens_document(per_document.structure_document(
        "warm-up", per_document.clean_document("warm-up", _seed_text())["text"])["clauses"])


def test_a_base64_line_keeps_brands_around_it_found():
    """A run of Latin letters too long to be a brand is scanned past (it used to make the
    brand patterns retry every split of it); a brand beside it is still found, at the same
    place."""
    blob = (BASE64 * 600)[:50_000]
    line = "相关链接：365bet体育官网注册 " + blob + " 开元棋牌app下载，正文"
    spans = _runs(line)
    found = [line[a:b] for a, b in spans]
    assert any("365bet体育官网注册" in f for f in found)
    assert any("棋牌app下载" in f for f in found)
    assert not any(blob[:100] in f for f in found)  # the blob is no advertising run


def test_long_runs_go_through_every_per_document_stage():
    """White space, base64 and numerals in runs of 50,000 inside a real plan: every stage
    finishes, and the plan's own text is cleaned as it is without them."""
    text = _seed_text()
    middle = text.index("\n", len(text) // 2)
    plain = per_document.clean_document("plain", text)["text"]
    for run in (" " * 50_000, "\u3000" * 50_000, (BASE64 * 600)[:50_000], "一" * 50_000,
                "十一是" * 10_000):
        doc = text[:middle] + run + text[middle:]
        job = per_document.DocumentJob("odd", doc, 2023, tuple(per_document.STAGES))
        result = per_document.run_job(job)
        assert per_document.FAILED not in result, result.get(per_document.FAILED)
        clean = result["clean"]["text"]
        # What surrounds the run is cleaned as before (the run itself may be kept or not).
        assert clean.startswith(plain[:200]) and clean.rstrip().endswith(plain.rstrip()[-200:])


def test_a_plan_past_its_time_budget_is_stopped_and_the_timer_is_cleared(monkeypatch):
    def never_ends(doc_id, text):
        time.sleep(30)

    monkeypatch.setattr(per_document, "clean_document", never_ends)
    monkeypatch.setenv("ANALYSIS_DOCUMENT_BUDGET", "0.5")
    monkeypatch.setattr(per_document, "BUDGET_S_PER_M_CHARS", 0.0)
    before = signal.getsignal(signal.SIGALRM)
    result = per_document.run_job(per_document.DocumentJob("slow", "应急管理。", 2023,
                                                           ("clean", "structure")))
    assert "the clean stage failed (DocumentTimeout: gave up after 0.5 s" in result[per_document.FAILED]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_the_budget_grows_with_the_plan_and_can_be_turned_off(monkeypatch):
    monkeypatch.delenv("ANALYSIS_DOCUMENT_BUDGET", raising=False)
    assert per_document.time_budget(0) == per_document.BUDGET_S
    assert per_document.time_budget(20_000_000) == per_document.BUDGET_S + 20 * per_document.BUDGET_S_PER_M_CHARS
    monkeypatch.setenv("ANALYSIS_DOCUMENT_BUDGET", "0")
    assert per_document.time_budget(10**6) is None


def test_a_plan_past_its_budget_is_listed_and_the_rest_built(tmp_path, monkeypatch, capsys):
    raw, good = _two_plans(tmp_path)
    good.to_csv(raw / "manifest.csv", index=False)
    write_checksums(raw, {f: hashlib.sha256((RAW / f).read_bytes()).hexdigest()
                          for f in good["file"]})
    real = per_document.structure_document

    def hangs_on_haimen(doc_id, clean):
        if doc_id == "haimen-2023":
            time.sleep(60)
        return real(doc_id, clean)

    _warm_up()
    monkeypatch.setattr(per_document, "structure_document", hangs_on_haimen)
    monkeypatch.setenv("ANALYSIS_DOCUMENT_BUDGET", "4")
    monkeypatch.setattr(per_document, "BUDGET_S_PER_M_CHARS", 0.0)
    out = tmp_path / "processed"
    assert build(raw, out, progress=False, stages=(), jobs=1, cache=False) == 1
    problems = pd.read_csv(out / "input_problems.csv", keep_default_na=False)
    assert problems["doc_id"].tolist() == ["haimen-2023"]
    assert "structure stage failed (DocumentTimeout" in problems["problem"][0]
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert documents["doc_id"].tolist() == ["yichun-2023"]


def test_a_plan_whose_metadata_reading_hangs_is_listed_and_the_rest_built(tmp_path,
                                                                          monkeypatch):
    from analysis.pipeline import metadata as pipeline_metadata

    raw, good = _two_plans(tmp_path)
    good.to_csv(raw / "manifest.csv", index=False)
    write_checksums(raw, {f: hashlib.sha256((RAW / f).read_bytes()).hexdigest()
                          for f in good["file"]})
    real = pipeline_metadata.read_metadata
    haimen = (RAW / good.set_index("doc_id").loc["haimen-2023", "file"]).read_text(
        encoding="utf-8")

    def hangs_on_haimen(text):
        if text == haimen:
            time.sleep(60)
        return real(text)

    _warm_up()
    monkeypatch.setattr(pipeline_metadata, "read_metadata", hangs_on_haimen)
    monkeypatch.setenv("ANALYSIS_DOCUMENT_BUDGET", "3")
    monkeypatch.setattr(per_document, "BUDGET_S_PER_M_CHARS", 0.0)
    out = tmp_path / "processed"
    assert build(raw, out, progress=False, stages=(), jobs=1, cache=False) == 1
    problems = pd.read_csv(out / "input_problems.csv", keep_default_na=False)
    assert problems["doc_id"].tolist() == ["haimen-2023"]
    assert "reading its metadata failed (DocumentTimeout" in problems["problem"][0]
