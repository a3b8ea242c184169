"""Mends after the thirty-second held-out set (tests/corpus_test32, scored once at commit
2c49269, then used for development): each test reads the real page where the failure was
found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_as_built, clean_corpus_page, corpus_page

from analysis.evaluation.devtargets import page_targets
from analysis.extract import metadata


def test_a_space_inside_the_only_title_is_no_paragraph_break():
    """rf004: 溪湖区应急管理局2024年度安全生产 监督检查计划的请示, the page's only copy of its
    title, was split at the site's space and both halves went as page head: 23 characters
    of plan text lost."""
    text = clean_corpus_page("corpus_test32", "rf004").text
    assert text.startswith("溪湖区应急管理局2024年度安全生产 监督检查计划的请示\n")
    assert "行政执法信息公示平台" not in text
    meta = metadata.read_metadata(corpus_page("corpus_test32", "rf004"))
    assert meta["title"] == "溪湖区应急管理局2024年度安全生产监督检查计划的请示"
    assert (meta["issuer"], meta["year_start"]) == ("溪湖区应急管理局", "2024")
    # the document number under the title is the header's
    assert meta["doc_number"] == "溪应急发〔2024〕13号"


def test_a_space_after_a_field_label_or_between_two_titles_still_breaks():
    labelled = clean_as_built("信息名称  临沂市安全生产委员会2022年工作要点\n2022年的总体要求是：做好工作。")
    # the label stands on its own line (the page's field table), not glued to the title
    assert "临沂市安全生产委员会2022年工作要点\n" in labelled.text
    assert "信息名称 " not in labelled.text and "信息名称\u3000" not in labelled.text
    two = clean_as_built("关于印发某县安全生产工作要点的通知 某县安全生产工作要点\n各乡镇：现将要点印发给你们。")
    assert "通知\n某县" in two.text


def test_an_inspection_plans_staff_and_calendar_are_facts_and_its_allocations_targets():
    """rf004 and test29 qc002: annual inspection plans (the format of 安监总政法〔2017〕150号)
    count their staff and legal workdays (在编人员28人, 法定工作日=366-11-104=251天,
    总法定工作日=…=5522个工作日) before they allocate the workdays; the counts are facts,
    the allocations (监督检查工作日 414个) the plan's targets."""
    rf004 = page_targets("rf004", corpus_page("corpus_test32", "rf004"), 2024)
    facts = set(rf004.loc[rf004["kind"] == "fact", "value"])
    assert {28, 366, 11, 104, 251, 5522} <= facts
    assert not set(rf004.loc[rf004["kind"] == "target", "value"]) & {28, 366, 104, 251, 5522}
    qc002 = page_targets("qc002", corpus_page("corpus_test29", "qc002"), 2025)
    kinds = qc002.groupby("value")["kind"].agg(set)
    assert kinds[248] == {"fact"} and kinds[1984] == {"fact"}
    assert "target" in kinds[414] and "target" in kinds[1035]
    # ordinary goals that name staff or a year's total stay goals
    goals = page_targets("z", "二、主要任务\n新增执法人员20人，配备监管人员15名。"
                              "全年培训安全管理人员1000人次，共建成应急避难场所12个。", 2024)
    assert set(goals.loc[goals["kind"] == "target", "value"]) == {20, 15, 1000, 12}
