"""Targets versus facts on real pages of the development corpus (gold by an independent
annotator, tests/corpus/gold/targets.csv). Dev pages only: the test split is scored once per
release, not in the suite."""
import pytest

from analysis.evaluation.devtargets import target_scores
from analysis.extract.extraction import targets_from_text


def test_numbers_under_a_background_heading_inside_a_clause_are_facts():
    # p044, flattened: the section headings stand on their own lines inside one clause.
    text = ("“十四五”时期(2021—2025年),是关键时期。\n第1章 应急管理现状\n1.1建设现状\n"
            "核定内设科室9个、下属事业单位5个、行政编制数18个。\n第2章 主要任务\n"
            "到2025年,建成应急救援队伍12支。")
    rows = targets_from_text(text, year_start=2021)
    kinds = dict(zip(rows["value"], rows["kind"]))
    assert kinds[9.0] == kinds[5.0] == kinds[18.0] == "fact"
    assert kinds[12.0] == "target"


def test_a_chapter_marker_alone_on_its_line_does_not_hide_the_chapter_name():
    text = "第一章\n发展基础与环境\n全省共完成江海堤建设653公里。"
    rows = targets_from_text(text, year_start=2016)
    assert rows["kind"].tolist() == ["fact"]


@pytest.fixture(scope="module")
def dev_scores():
    return target_scores("dev")


def test_dev_pages_targets_are_not_confused_with_facts(dev_scores):
    summary, detail = dev_scores
    row = summary.iloc[0]
    assert row["gold_targets"] >= 3 and row["gold_facts"] >= 30
    assert row["recall"] == 1.0
    assert row["facts_as_targets"] <= 2
    # every gold fact that is extracted at all is extracted as a fact
    found = detail[(detail["kind"] == "fact") & (detail["found_as"] != "")]
    assert (found["found_as"] == "fact").mean() >= 0.95


def test_seen_second_set_descriptions_are_not_targets():
    # tests/corpus_test2 (30 pages, seen by the developers since session 3): in-sample regression
    # guard for the situation frames (幅员面积, 总人口, 共有…其中) and the commitment frames.
    from analysis.core.paths import repo_root

    summary, _ = target_scores("test", repo_root() / "tests" / "corpus_test2")
    row = summary.iloc[0]
    assert row["facts_as_targets"] == 0
    assert row["precision"] >= 0.65 and row["recall"] >= 0.85
