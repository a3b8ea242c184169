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


def test_a_sealed_set_not_yet_scored_is_left_out_until_its_one_scoring(tmp_path):
    # An annotator may be building a set while the tests or the score table run: a set
    # numbered after the last one scored without a record needs its SCORED_ONCE.md.
    from analysis.evaluation.realpages import SCORED_RECORD, unscored_sets

    for name in ("corpus", "corpus_test12", "corpus_test19"):
        shutil.copytree(ROOT / "tests" / name, tmp_path / name)
    shutil.copytree(ROOT / "tests" / "corpus_test19", tmp_path / "corpus_test99")
    (tmp_path / "corpus_test99" / SCORED_RECORD).unlink()
    listed = [n for n, _, _ in real_page_sets(tmp_path)]
    assert listed == ["corpus", "corpus_test12", "corpus_test19"]
    assert unscored_sets(tmp_path) == ["corpus_test99"]
    assert [n for n, _, _ in real_page_sets(tmp_path, sealed=True)][-1] == "corpus_test99"
    assert "corpus_test99" not in set(real_page_scores(tmp_path)["set"])


def test_the_once_report_scores_every_field_and_lists_each_failure():
    from analysis.evaluation.realpages import once_report

    report = once_report(ROOT / "tests" / "corpus_test19")
    assert "exact_rate" in report and "pages cleaned 12 of 12" in report
    # every gold target of the set is listed with how it was read
    assert report.count(" target ") >= 4


def test_once_scored_counts_are_read_back_and_pooled():
    # the pooled figures of README's session-14 rows come from this, not from hand sums
    from analysis.evaluation.realpages import once_scored_counts, pooled_once

    counts = once_scored_counts(ROOT / "tests" / "corpus_test20")
    assert (counts["title_exact"], counts["title_shown"], counts["leftover"]) == (6, 10, 9)
    pooled = pooled_once([ROOT / "tests" / f"corpus_test{n}" for n in (20, 26)])
    assert pooled["pages"] == 22 and pooled["title_shown"] == 20
    assert pooled["title_rate"] == (6 + 8) / 20
    import pytest

    with pytest.raises(ValueError, match="no once_report output"):
        once_scored_counts(ROOT / "tests" / "corpus_test14")  # the scratch script's layout


def test_pooling_a_set_without_its_record_names_the_set(capsys):
    """A set scored before its one scoring was kept (corpus_test10) is refused with a message
    naming it, by the function and by the command, not with a traceback."""
    import pytest

    from analysis.cli import main
    from analysis.evaluation.realpages import once_scored_counts

    with pytest.raises(ValueError, match="corpus_test10: no SCORED_ONCE.md"):
        once_scored_counts(ROOT / "tests" / "corpus_test10")
    assert main(["score-pages", "--pool-once", "corpus_test20,corpus_test10"]) == 2
    assert "corpus_test10: no SCORED_ONCE.md" in capsys.readouterr().out
