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
    # a ratio is not a range nor a time of day that carries a unit of its own
    assert [h.value for h in find_numbers("按照1:1比例配备2名人员")] == [2]


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
