"""Scores of every set of real pages (analysis.evaluation.realpages)."""
from __future__ import annotations

import shutil

from conftest import ROOT

from analysis.evaluation.realpages import real_page_scores, real_page_sets


def test_sets_are_listed_in_number_order_after_the_dev_split(tmp_path):
    for name in ("corpus", "corpus_test2", "corpus_test10"):
        shutil.copytree(ROOT / "tests" / name, tmp_path / name)
    assert [(n, s) for n, s, _ in real_page_sets(tmp_path)] == [
        ("corpus", "dev"), ("corpus_test2", "test"), ("corpus_test10", "test")]


def test_the_pooled_row_sums_the_sets_and_rates_come_from_the_sums(tmp_path):
    for name in ("corpus", "corpus_test12", "corpus_test19"):
        shutil.copytree(ROOT / "tests" / name, tmp_path / name)
    table = real_page_scores(tmp_path).set_index("set")
    sets, pooled = table.drop(index="all"), table.loc["all"]
    assert pooled["pages"] == sets["pages"].sum() == 45 + 14 + 12
    assert pooled["true_targets"] == sets["true_targets"].sum()
    assert pooled["target_precision"] == pooled["true_targets"] / pooled["extracted_targets"]
    assert pooled["title_rate"] == sets["title_exact"].sum() / sets["title_shown"].sum()
    # test19 (h011) has four gold targets, all read as targets since its mends
    assert table.loc["corpus_test19", "recalled_targets"] == 4
