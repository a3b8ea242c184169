"""Mends after the eighth held-out set (tests/corpus_test8, scored once at commit 0a083d5, then
used for development): each test reads the real page where the failure was found, and fails
on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.clean.changes import CleanContext
from analysis.extract import metadata
from analysis.extract.clause_reading import _read_view
from analysis.extract.page_fields import organs



def _clean(page_id: str) -> str:
    return clean_corpus_page("corpus_test8", page_id).text


def test_a_consultation_pages_head_goes_and_its_notice_stays():
    """w014: a breadcrumb led by 您的位置 with ' - ' between its parts, and the colon-less
    fields of a public-consultation page (征集单位 … 查阅次数 721)."""
    clean = _clean("w014")
    for furniture in ("您的位置", "首页", "征集单位", "开始时间", "查阅次数", "征集状态"):
        assert furniture not in clean, furniture
    assert "为认真贯彻落实县委、县政府关于十四五规划编制工作安排部署" in clean


def test_a_sites_date_banner_widgets_and_a_dashed_page_numbered_contents_go():
    """w016: 2019年12月3日星期二 above the page, 长者模式 / 简体 | 繁体 buttons, and contents
    entries that end with 。 before a '- 5 -' page number."""
    clean = _clean("w016")
    for furniture in ("星期二", "长者模式", "繁体", "- 5 -", "- 9 -"):
        assert furniture not in clean, furniture
    assert "经区人民政府同意，现将《天津市蓟州区应急管理十四五规划》印发给你们" in clean


def test_a_title_wrapped_over_two_lines_that_each_read_as_a_title():
    """w015: 天津市安全生产“十三五”规划 / 实施工作分工方案 under the notice that issues
    《天津市安全生产“十三五”规划实施工作分工方案》: the notice joins them."""
    text = corpus_page("corpus_test8", "w015")
    assert metadata.read_metadata(text)["title"] == "天津市安全生产“十三五”规划实施工作分工方案"
    # a heading followed by the plan's first heading is not joined
    lines = ["关于印发《某市安全生产规划》的通知", "各区：", "现印发给你们。", "某市安全生产规划",
             "第一章 总则"]
    assert metadata._continued(lines, (3, "某市安全生产规划"), ["某市安全生产规划"]) == \
        "某市安全生产规划"


def test_two_bodies_issuing_together_are_listed_apart():
    """w008: 湖南省发改委和湖南省民政厅关于印发…; 和 inside one body's name stays."""
    assert organs("湖南省发改委和湖南省民政厅") == "湖南省发改委、湖南省民政厅"
    assert organs("湖南省自然资源和规划厅") == "湖南省自然资源和规划厅"
    assert organs("江苏省住房和城乡建设厅与江苏省应急管理厅") == \
        "江苏省住房和城乡建设厅、江苏省应急管理厅"
    # review: 及 / 区县 (every county's bureau) and a body without a named place are not split
    assert organs("长沙市应急管理局及区县应急管理局") == "长沙市应急管理局及区县应急管理局"
    assert organs("长沙市应急管理局和区县应急管理局") == "长沙市应急管理局和区县应急管理局"
    assert organs("市委和区委办公室") == "市委和区委办公室"


def test_a_result_after_a_lost_sentence_break_is_a_fact():
    """w005: …创建了323家…达标企业 共完成1376家企业的分类分级工作: the first number's phrase
    ran on over the blank, so the second lost its own 共完成."""
    rows = _read_view("我区还创建了323家安全生产标准化达标企业 共完成1376家企业的分类分级工作，"
                      "其中三分之一的企业达到了优良等级。", "c", 2016, False, False)
    assert [(r.hit.value, r.kind) for r in rows] == [(323.0, "fact"), (1376.0, "fact")]
    rows = _read_view("新建应急避难场所10个 确保完成1376家企业的分类分级工作。", "c", 2021, False, False)
    assert [r.kind for r in rows][-1] == "target"
    # review: without a blank between the numbers the first one's past cue does not spread
    for sentence in ("已完成改造10家、2025年底前再完成20家。", "已建成避难场所10个、新建20个。"):
        rows = _read_view(sentence, "c", 2021, False, False)
        assert [r.kind for r in rows] == ["fact", "target"], sentence


def test_a_document_number_that_lost_every_bracket():
    """w006: 杨府202113 alone under the notice's title is 杨府〔2021〕13号; a bare year and
    number in a sentence is not a document number."""
    text = corpus_page("corpus_test8", "w006")
    assert metadata.read_metadata(text)["doc_number"] == "杨府〔2021〕13号"
    other = "关于印发某区应急管理规划的通知\n各街道：\n全区2021年13个街道完成演练。\n"
    assert metadata.read_metadata(other)["doc_number"] == ""


def test_a_long_field_value_the_document_repeats_goes_with_its_label():
    """w016: 名称 : on its own line, then the notice's title, which the document repeats
    below (wrapped over three lines, without quotes); and the 主题 field's category paths
    (应急管理\\应急工作；…). The document's own copy of the title stays."""
    clean = _clean("w016")
    assert "应急管理\\应急工作" not in clean
    assert "办公室关于印发天津市蓟州区应急管理“十四五”规划的通知" not in clean
    assert "天津市蓟州区人民政府办公室\n关于印发天津市蓟州区应急管理\n十四五规划的通知" in clean
    from analysis.clean.furniture import remove_furniture

    # a value that nothing below repeats stays (it may be the only copy)
    text = "名称：\n某县应急管理局关于印发2023年工作要点的通知\n各乡镇：\n现将要点印发给你们。\n"
    assert remove_furniture(text, CleanContext("t"))[0] == text.replace("名称：\n", "")
    # review: nor does one whose only repeat is itself furniture (a labelled 标题 field)
    title = "某县应急管理局关于印发2023年安全生产工作要点的通知"
    text = (f"名称：\n{title}\n发布机构：某县应急管理局\n标题：{title}\n各乡镇人民政府：\n"
            "现将要点印发给你们，请认真贯彻执行。\n")
    assert title in remove_furniture(text, CleanContext("t"))[0]


def test_head_only_shapes_stay_in_a_body_of_short_lines():
    """Review: a PDF page of short lines never shows a long sentence, so the body never
    'starts'; consultation labels, weekday dates and category paths are read in the page
    head only."""
    from analysis.clean.furniture import HEAD_CHARS, remove_furniture

    body = "为加强应急管理，\n提升防范能力，\n" * (HEAD_CHARS // 14 + 1)
    plan = ("结束时间为6月30日，各县区要按时上报\n"
            "2023年6月3日星期六\n"
            "应急管理\\应急工作；应急管理\\安全生产工作\n")
    text = body + plan
    assert remove_furniture(text, CleanContext("t"))[0] == text
