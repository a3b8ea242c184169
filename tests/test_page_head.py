"""The page head (issue 10): the site's lines above the document's opening go, and nothing
that can be plan text goes with them. Inputs are shaped like the real pages of tests/corpus*."""
import re

from hypothesis import given, settings, strategies as st

from analysis.clean.changes import CleanContext
from analysis.clean.page_head import head_removals, opening_line, outline_lines, remove_page_head

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
    # the title opens the document and stays (今天是 may stay too: a short line that makes a
    # title with the next one is kept as a wrapped title's first part)
    assert start == 1 and 1 not in removed


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


OUTLINE = ["第一章", "现状与形势", "（一）“十三五”安全生产工作成效", "（二）面临的挑战", "（三）发展的机遇",
           "第二章", "指导思想、基本原则和主要目标", "（一）指导思想", "（二）基本原则", "（三）主要目标"]


def test_a_contents_list_without_its_label_or_page_numbers_goes():
    # corpus_test4 s028: a cover, then the outline, then the body, which repeats its headings.
    cover = ["镇宁自治县“十四五”应急体系建设规划", "2021年11月"]
    body = ["第一章 现状与形势", "（一）“十三五”安全生产工作成效", BODY, "（二）面临的挑战", BODY,
            "（三）发展的机遇", BODY]
    text = "\n".join(cover + OUTLINE + body)
    out, changes = _clean(text)
    assert {c.note for c in changes} == {"toc"} and len(changes) == len(OUTLINE)
    assert out == "\n".join(cover + body)
    # without the body that repeats it (a page cut inside its contents) the outline stays:
    # it could be the plan's own list of tasks
    cut = "\n".join(cover + OUTLINE)
    assert _clean(cut) == (cut, [])


def test_an_outline_after_the_body_begins_or_of_one_level_stays():
    # inside the body, headings are separated by sentences; a list of projects has one level
    body_first = "\n".join([BODY] + OUTLINE)
    assert _clean(body_first) == (body_first, [])
    projects = "\n".join(["（一）应急指挥中心建设工程", "（二）物资储备库建设工程", "（三）救援基地建设工程",
                          "（四）监测预警工程", "（五）科普基地工程", "（六）信息化工程", "（七）航空救援工程",
                          "（八）基层能力工程", BODY])
    assert _clean(projects) == (projects, [])


def test_a_notice_before_the_outline_does_not_count_as_body():
    notice = ["各镇人民政府，各街道办事处：",
              "《重庆市荣昌区应急管理“十四五”规划》已经区政府常务会议审议通过，现印发给你们，请认真组织实施。"]
    entries = ["一、应急管理工作现状与面临的形势", "7", "（一）进展与成效。", "7", "（二）面临的挑战。", "11",
               "（三）发展的机遇。", "14", "二、指导思想、基本原则和主要目标", "15", "（一）指导思想。", "16"]
    out, changes = _clean("\n".join(notice + entries + [BODY]))
    assert out == "\n".join(notice + [BODY]) and {c.note for c in changes} == {"toc"}


def test_a_document_sharing_site_header_goes():
    lines = ["宁阳县“十四五”防灾减灾规划方案（2021-2025年）（21页）.docx", "下载文档", "编号：928826",
             "20页", "31.01KB", "宁阳县“十四五”防灾减灾规划（2021-2025年）", BODY]
    out, changes = _clean("\n".join(lines))
    assert out == "\n".join(lines[5:])
    assert {c.note for c in changes} == {"doc_site"}



# -- found by a reviewer who read the rule: plan text that must stay ----------------------------
def test_a_title_wrapped_over_lines_stays():
    for lines in (["鄂州市“十四五”应急管理体系", "和能力建设规划", "（征求意见稿）", BODY],
                  ["宜昌市2022年度", "防灾减灾救灾工作要点", BODY],
                  ["宜昌市人民政府办公室关于印发", "宜昌市“十四五”应急体系建设", "规划的通知",
                   "宜府办发〔2021〕12号", "各县市区人民政府，市政府各部门：", BODY]):
        text = "\n".join(lines)
        assert _clean(text) == (text, []), lines


def test_the_parts_of_an_official_document_stay_above_its_opening():
    lines = ["签发人：王某", "公开方式：主动公开", "征求意见稿", "二O二一年十二月", "2021.12",
             "XX高新区管委会", "XX街道办事处", "XX县消防救援大队", "XX县安全生产领导小组",
             "宜昌市人民政府文件", "宜昌市人民政府关于印发宜昌市“十四五”应急体系规划的通知",
             "宜府发〔2021〕3号", "各县市区人民政府：", BODY]
    text = "\n".join(lines)
    assert _clean(text) == (text, [])


def test_a_list_of_the_plan_s_own_tasks_is_not_a_contents_list():
    tasks = ["XX县“十四五”应急体系建设规划", "一、规划依据", "（一）法律法规", "1.《中华人民共和国突发事件应对法》",
             "2.《中华人民共和国安全生产法》", "（二）政策文件", "1.《“十四五”国家应急体系规划》",
             "2.《省“十四五”应急体系规划》", "（三）技术标准", "二、现状与形势", BODY]
    assert outline_lines(tasks) == []
    assert _clean("\n".join(tasks))[1] == []
    closing = ["一、组织领导", "（一）加强领导", "（二）压实责任", "（三）强化督导", "二、保障措施",
               "（一）资金保障", "（二）人才保障", "（三）科技保障",
               "本规划由县应急管理局负责组织实施，各乡镇、各部门要按照职责分工，抓好规划任务落实。", BODY]
    assert outline_lines(closing) == []


# -- found by a second reviewer ------------------------------------------------------------------
def test_a_title_wrapped_at_any_point_stays():
    for lines in (["贵州省应急管理", "“十四五”规划", BODY],
                  ["城关镇", "2022年安全生产工作要点", BODY],
                  ["河南省综合防灾减灾", "规划（2016—2020年）", BODY],
                  ["徐闻县安全生产专项", "整治三年行动实施计划", BODY]):
        text = "\n".join(lines)
        assert _clean(text) == (text, []), lines


def test_a_contents_list_ends_at_its_last_entry():
    # 前言, the title again with its period, a cover: after the contents, never part of it
    contents = ["一、发展基础", "（一）主要成效", "（二）面临形势", "二、总体要求", "（一）指导思想",
                "（二）基本原则", "三、主要任务", "（一）风险防控", "（二）应急救援"]
    tail = ["前言", "XX县“十四五”应急体系规划", "（2021—2025年）", "XX县应急管理局", "2021年12月"]
    body = ["一、发展基础", "（一）主要成效", BODY, "（二）面临形势", BODY, "二、总体要求", BODY]
    lines = contents + tail + body
    removed = outline_lines(lines)
    assert all(lines[k] not in tail for k in removed)
    # the plan's own list, then an annex table that repeats its items: the top level starts
    # again at the annex, and its items are not the plan's contents
    points = ["一、压实责任", "1.压实党委领导责任", "2.压实政府监管责任", "二、防范风险", "1.排查隐患",
              "2.整治隐患", "三、应急准备", "1.完善预案", "2.加强演练", "附件", "任务分工表",
              "一、压实责任", "二、防范风险", "三、应急准备", BODY]
    assert outline_lines(points) == []


def test_a_signature_and_plain_numbers_stay_between_a_notice_and_its_addressees():
    for middle in ("武汉市人民政府办公厅 2021年12月20日", "武汉市应急管理局（2022年1月5日）",
                   "市应急局 市发改委 市财政局 2022年1月", "武政办2021年108号", "第1号"):
        lines = ["武汉市人民政府办公厅关于印发武汉市应急管理“十四五”规划的通知", middle,
                 "各区人民政府，市人民政府各部门：", BODY]
        assert head_removals(lines)[0] == [], middle


def test_a_wrapped_full_title_wins_over_a_truncated_copy():
    lines = ["南宁市兴宁区人民政府办公室关于印发", "南宁市兴宁区应急管理“十四五”规划的通知",
             "南宁市兴宁区人民政府办公室关于印发南宁市兴宁区应急管理“十", "南兴府办〔2023〕5号",
             "各镇人民政府，各街道办事处：", BODY]
    removed, start, _ = head_removals(lines)
    assert start == 0 and removed == []


def test_a_heading_with_a_colon_keeps_its_words():
    text = "主要目标：实施安全生产提升计划\n" + BODY
    assert _clean(text) == (text, [])
