"""The synthetic corpus generator of the scale benchmarks: deterministic, prefix-stable,
damaged as asked, and readable by the build's reader."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.pipeline.synthetic_corpus import (DAMAGE_CLASSES, damage_rates, make_plan,
                                                synthetic_corpus)
from analysis.text.minhash import lsh_candidates, lsh_candidates_streamed, minhash_signatures


def test_corpus_is_deterministic_and_prefix_stable(tmp_path):
    a = synthetic_corpus(6, tmp_path / "a", seed=3)
    b = synthetic_corpus(4, tmp_path / "b", seed=3)
    c = synthetic_corpus(4, tmp_path / "c", seed=4)
    for i in range(4):
        name = f"plans/synthetic_{i:05d}.txt"
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert any((a / f"plans/synthetic_{i:05d}.txt").read_bytes()
               != (c / f"plans/synthetic_{i:05d}.txt").read_bytes() for i in range(4))
    manifest = pd.read_csv(a / "manifest.csv")
    assert list(manifest.columns) == ["doc_id", "file"] and len(manifest) == 6
    assert (a / "SHA256SUMS").read_text().count("synthetic_") == 6


def test_every_damage_class_is_injected_fresh():
    rates = {name: 1.0 for name in DAMAGE_CLASSES}
    plans = [make_plan(i, seed=0, rates=rates) for i in range(4)]
    for plan in plans:
        assert set(plan["damage"].split(";")) == set(DAMAGE_CLASSES)
        text = plan["text"]
        assert "(" in text and any("\u00e0" <= ch <= "\u01dc" for ch in text)  # pinyin glosses
        assert "目" in text and "索引號" in text  # toc and CMS fields (traditional script)
    assert all(p["gbk_spans"] >= 1 for p in plans)
    # Fresh spam brands: no two plans share their advertising line.
    first_lines = {p["text"].split("\n")[2] for p in plans}
    assert len(first_lines) == len(plans)
    clean = make_plan(0, seed=0, rates={name: 0.0 for name in DAMAGE_CLASSES})
    assert clean["damage"] == "" and "(" not in clean["text"].split("\n")[0]


def test_damage_rates_come_from_the_collected_pages():
    rates = damage_rates()
    assert set(rates) == set(DAMAGE_CLASSES)
    assert all(0 < r < 1 for r in rates.values())


def test_reader_takes_every_plan_and_finds_years(tmp_path):
    from analysis.corpus.read import read_corpus
    from analysis.pipeline.metadata import complete_manifest

    raw = synthetic_corpus(8, tmp_path / "raw", seed=1)
    manifest, docs, problems = read_corpus(raw)
    assert not problems and len(docs) == 8
    manifest, docs, problems, _ = complete_manifest(manifest, docs, problems)
    truth = pd.read_csv(raw / "synthetic_truth.csv")
    read = manifest.set_index("doc_id")["year_start"].astype(int)
    found = (read.reindex(truth["doc_id"]).to_numpy() == truth["year"].to_numpy()).mean()
    assert found >= 0.75


def test_streamed_lsh_equals_lsh():
    plans = [make_plan(i, seed=2) for i in range(6)]
    texts, group = [], []
    for g, plan in enumerate(plans):
        for line in plan["text"].split("\n"):
            if len(line) >= 12:
                texts.append(line)
                group.append(g)
    group = np.array(group)
    expected = lsh_candidates(minhash_signatures(texts), group)
    assert len(expected)
    streamed = lsh_candidates_streamed(texts, group, memory_mb=0.001, chunk_chars=3000)
    assert np.array_equal(expected, streamed)
