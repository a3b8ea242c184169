"""Mends after the thirty-first held-out set (tests/corpus_test31, scored once at commit
6abe28f, then used for development): each test reads the real page where the failure was
found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import corpus_page

from analysis.evaluation.devtargets import page_targets
from analysis.extract.numbers import find_numbers


def _targets(page_id: str, year: int):
    return page_targets(page_id, corpus_page("corpus_test31", page_id), year)


def test_the_second_term_of_a_map_scale_is_no_quantity():
    """re009: 完成10個鎮(街)的1:1萬地質災害精細化調查 gave a target of 1 万; re008 1:10000."""
    targets = _targets("re009", 2023)
    assert not ((targets["unit"] == "万") & (targets["value"] == 1)).any()
    assert 10 in set(targets.loc[targets["kind"] == "target", "value"])
    assert [h.value for h in find_numbers("开展1:5万地质灾害调查，完成3个乡镇")] == [3]
    assert [h.value for h in find_numbers("1∶1万调查覆盖8个镇")] == [8]
    # a label's colon after a figure is no ratio (目标1：95%, 2024：60%)
    assert [h.value for h in find_numbers("目标1：95%以上企业达标")] == [95]
    assert [h.value for h in find_numbers("2024：60%；2025：80%")] == [60, 80]


def test_a_bound_that_grades_accidents_or_hazards_names_a_class():
    """re003: 发生死亡1人以上(含1人)责任事故的企事业单位 (a condition of the veto list) gave
    a target of at least 1 person."""
    targets = _targets("re003", 2017)
    graded = targets[targets["span"].str.contains("1人以上（含1人）", regex=False)]
    assert graded.empty or (graded["kind"] == "fact").all()
    # a goal bounded on people with no class after it stays a goal
    kept = page_targets("x", "二、主要目标\n全年培训安全管理人员500人以上，新建救援站3个。", 2024)
    assert set(kept.loc[kept["kind"] == "target", "value"]) == {500, 3}
    # thresholds of a hazard class (威胁100人以上500人以下中型隐患) are not quantities either
    hazard = page_targets("y", "其中威胁100人以上500人以下中型隐患1处。", 2023)
    assert set(hazard["value"]) == {1}
    # a bound on people, households or money before a hazard word, with no casualty or loss
    # before the number, is a goal (review of this mend)
    for text, value in (("二、主要目标\n全年组织2000人以上参与隐患排查治理。", 2000),
                        ("二、主要目标\n帮扶1000户以上消除火灾隐患。", 1000),
                        ("二、主要目标\n投入资金500万元以上整治重大隐患。", 500),
                        ("二、主要目标\n年内完成搬迁避让300户以上地质灾害隐患点群众。", 300),
                        ("培训500人以上安全生产事故处置人员。", 500)):
        goals = page_targets("g", text, 2024)
        assert list(goals.loc[goals["kind"] == "target", "value"]) == [value], text
    assert page_targets("d", "杜绝一次死亡3人以上事故。", 2024).empty
