"""The page head (issue 10): the site's lines above the document's opening go, and nothing
that can be plan text goes with them. Inputs are shaped like the real pages of tests/corpus*."""
import re

from hypothesis import given, settings, strategies as st

from analysis.clean.changes import CleanContext
from analysis.clean.page_head import head_removals, opening_line, remove_page_head

NOTICE = "湖南省人民政府办公厅关于印发《湖南省“十四五”应急体系建设规划》的通知"
BODY = ("为加快推进应急管理体系和能力现代化，有效防范化解重大安全风险，根据有关法律法规，"
        "结合我省实际，制定本规划。")


def _clean(text):
    return remove_page_head(text, CleanContext("t"))


def test_site_lines_above_a_notice_go_and_the_notice_stays():
    text = "\n".join(["欢迎来到EHS平台", "法规首页", "行业动态", "欢迎来到EHS平台！", NOTICE,
                      "湘政办发〔2021〕69号", "各市州、县市区人民政府，省政府各厅委、各直属机构：", BODY])
    out, changes = _clean(text)
    # a line with a sentence mark is never the rule's, even a site's greeting
    assert out.startswith("欢迎来到EHS平台！\n" + NOTICE)
    assert [c.before.strip() for c in changes] == ["欢迎来到EHS平台", "法规首页", "行业动态"]
    assert all(c.note == "page_head" for c in changes)


def test_a_page_that_opens_with_its_body_has_no_head():
    text = "\n".join(["第一章", "发展基础与环境", BODY, "云南省“十四五”安全生产规划"])
    assert opening_line(text.split("\n")) is None
    assert _clean(text) == (text, [])


def test_what_may_be_plan_text_stays_above_the_opening():
    kept = ["（送审稿）", "定南县应急管理局", "2021年12月", "前 言", "一、现状与形势",
            "湘发改规划〔2016637", "鼓励其他行业投保。", "（责任单位：办公室、人事处按职责分工落实）",
            "A（责任单位：办公室、人事处、宣教处按职责分工落实）"]
    text = "\n".join(kept + ["定南县“十四五”应急体系规划", BODY])
    assert _clean(text) == (text, [])


def test_a_cover_between_two_copies_keeps_both():
    lines = ["定南县“十四五”应急体系规划", "（送审稿）", "定南县应急管理局",
             "定南县“十四五”应急体系规划", BODY]
    assert head_removals(lines)[0] == []


def test_equal_copies_stay_and_a_decorated_copy_goes():
    title = "西安市人民政府办公厅关于印发西安市安全生产“十三五”规划（2016—2020年）的通知"
    assert head_removals([title, title, BODY])[0] == []
    lines = ["发现文章标题：" + title + "-地方规范性文件", "立即了解",
             "西安市人民政府办公厅关于印发西安市安全生产“十三五”规划(2016", "—2020年）的通知",
             "各区、县人民政府，市人民政府各工作部门：", BODY]
    removed, start, _ = head_removals(lines)
    assert (removed, start) == ([0, 1], 2)


def test_a_sentence_that_begins_with_the_title_is_not_a_copy():
    title = "武乡县“十四五”应急管理体系和本质安全能力建设规划"
    lines = ["今天是", title, "前 言", "《" + title + "》是应急管理部门组建后的第一个五年规划，"
             "面临着边改革、边应急、边完善、边发展的现实局面。"]
    removed, start, _ = head_removals(lines)
    assert (removed, start) == ([0], 1)


def test_a_truncated_later_copy_is_not_the_document():
    lines = ["南宁市兴宁区人民政府办公室关于印发南宁市兴宁区应急管理“十四五”规划的通知",
             "南宁市兴宁区人民政府办公室关于印发南宁市兴宁区应急管理“十", "南兴府办〔2023〕5号",
             "各镇人民政府，各街道办事处：", BODY]
    assert head_removals(lines)[0] == []


def test_between_a_notice_and_its_addressees_only_the_sites_lines_go():
    lines = ["长治市应急管理局", "关于做好2022年应急管理工作的", "通 ? 知", "下载法规",
             "镜湖区应急管理局阅读次数：编辑：季梦吟", "（皖安〔2024〕1号）",
             "各县、区应急管理局，市局机关各科室：", BODY]
    removed, start, _ = head_removals(lines)
    assert start == 1 and removed == [3, 4]


def test_a_page_heading_above_the_issuing_notice_goes():
    lines = ["云南省“十四五”综合防灾减灾救灾规划",
             "云南省人民政府办公厅关于印发云南省“十四五”综合防灾减灾救灾规划的通知",
             "各州、市人民政府，省直各委、办、厅、局：", BODY]
    assert head_removals(lines)[:2] == ([0], 1)


def test_a_site_label_glued_to_the_opening_goes():
    text = "【现行有效】北京市密云区人民政府关于印发《密云区应急管理事业发展规划》的通知\n" + BODY
    out, changes = _clean(text)
    assert out.startswith("北京市密云区人民政府关于印发")
    assert [c.note for c in changes] == ["page_head label"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(head=st.lists(st.sampled_from(["网站支持 IPv6", "EHS中国", "前 言", "（此件公开发布）",
                                      "鼓励其他行业投保。", "2022年3月6日", "施甸县人民政府",
                                      "稿子汇，范文学习文库", "第一章", "附件"]), max_size=6),
       opening=st.sampled_from([NOTICE, "各区人民政府，市政府各委、办、局：", "晋政办发〔 2 0 2 0〕4 5号",
                                BODY]))
def test_only_short_lines_that_cannot_be_plan_text_are_removed(head, opening):
    text = "\n".join(head + [opening, BODY])
    out, changes = _clean(text)
    for change in changes:
        removed = change.before.strip()
        assert not re.search(r"[。；！？]", removed)
        assert removed not in ("前 言", "（此件公开发布）", "2022年3月6日", "施甸县人民政府",
                               "第一章", "附件")
    # the opening and everything after it are untouched
    assert out.endswith(opening + "\n" + BODY)
