"""Quantities that are not targets, found on real development pages (session 13): each test
reads the real page and fails on the code before the mend."""
from __future__ import annotations

from conftest import corpus_page

from analysis.evaluation.devtargets import page_targets
from analysis.extract.numbers import find_numbers


def _targets(folder: str, page_id: str, year_start: int):
    found = page_targets(page_id, corpus_page(folder, page_id), year_start)
    return found[found["kind"] == "target"]


def test_a_signature_date_above_a_place_name_is_no_quantity():
    """test11 z004: 天津市静海区人民政府 / 20211129 / 天津市静海区应急管理十四五规划 was read
    as 20,211,129 days (天 of 天津)."""
    assert not _targets("corpus_test11", "z004", 2021)["value"].isin([20211129.0]).any()
    assert [h.unit for h in find_numbers("共有3天津贴，提前5天预报")] == ["天"]
    assert find_numbers("印发日期 20211129") == []


def test_a_reported_loss_after_a_list_of_accident_counts_is_a_fact():
    """test3 r002: 十二五时期。全市共发生…682起,死亡540人,受伤282人。直接经济损失1091.09万元."""
    found = page_targets("r002", corpus_page("corpus_test3", "r002"), 2016)
    loss = found[found["value"] == 1091.09]
    assert len(loss) == 1 and loss["kind"].iloc[0] == "fact"


def test_a_loss_bound_is_still_a_target():
    found = page_targets("x", "到2025年，年均因灾直接经济损失控制在5000万元以内。", 2021)
    assert found["kind"].tolist() == ["target"]


def test_a_package_of_measures_carried_out_is_a_name():
    """test10 y016: 持续抓紧抓实安全生产十五条硬措施、八抓 20 项创新举措贯彻执行."""
    assert not _targets("corpus_test10", "y016", 2022)["value"].isin([20.0]).any()
    made = page_targets("x", "到2025年，出台20项创新举措。", 2021)
    assert made["kind"].tolist() == ["target"]
