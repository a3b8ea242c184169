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
    # duty rules and tasks that name holidays, a year's days or a total of participants stay
    # goals; the status labels with a colon are facts too (review of this mend)
    for text in ("三、重点任务\n法定节假日期间每天安排2名干部带班值守。",
                 "三、重点任务\n双休日安排2名执法人员值班。",
                 "三、重点任务\n全年30天集中开展安全宣传进企业活动。",
                 "三、重点任务\n开展应急演练120场次，参演人员合计3000人次。"):
        duty = page_targets("d", text, 2024)
        assert (duty["kind"] == "target").all() and len(duty), text
    for text in ("三、工作措施\n在编人员：28人。", "三、工作措施\n执法人员数量：12人。"):
        assert list(page_targets("s", text, 2024)["kind"]) == ["fact"], text


def test_a_split_line_that_is_not_one_title_still_breaks():
    """Review of the title-space mend: run-together headings, items, task phrases, a
    breadcrumb and an issuer above its title are split as before."""
    for text, part in (("一、总体要求 二、工作计划\n全年培训1000人次。", "一、总体要求\n二、工作计划"),
                       ("1.健全制度 2.完善应急预案\n内容。", "1.健全制度\n2.完善应急预案"),
                       ("加强组织领导 修订完善应急预案\n内容。", "加强组织领导\n修订完善应急预案"),
                       ("某县应急管理局 某县2024年安全生产工作要点\n为做好工作，制定本要点。",
                        "某县应急管理局\n某县2024年安全生产工作要点")):
        assert part in clean_as_built(text).text, text
    crumb = clean_as_built("首页 政务公开 某县2024年安全生产工作方案\n为做好工作，制定本方案。").text
    assert "\n某县2024年安全生产工作方案" in crumb or crumb.startswith("某县2024年")


def test_a_citation_wrapped_under_the_heading_is_no_document_number():
    """Review: 皖安〔2024〕1号文件精神… opening a wrapped line of the first sentence is a
    citation, not the header's number."""
    text = ("某县2024年安全生产监督检查计划\n（2024年3月1日）\n为深入贯彻落实《安全生产法》和省安委会\n"
            "皖安〔2024〕1号文件精神和县委县政府部署要求\n结合我县实际，制定本计划。")
    assert metadata.read_metadata(text)["doc_number"] == ""
