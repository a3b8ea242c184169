"""Metadata of notices, from residual errors on the development pages (tests/corpus_test6 and
corpus_test7, used for development since they were scored): each test reads the real page
and fails on the code before the mend."""
from __future__ import annotations

from conftest import corpus_page

from analysis.extract import metadata


def _page(folder: str, page_id: str) -> str:
    return corpus_page(folder, page_id)


def test_an_attachment_list_between_the_notice_and_its_signature():
    """v003: five attachment entries (附件：1、… 2、…) stand between 印发给你们 and the
    signature 如东县应急管理局 / 2022年1月5日, which was out of reach."""
    meta = metadata.read_metadata(_page("corpus_test7", "v003"))
    assert meta["issuer"] == "如东县应急管理局" and meta["issuer_source"] == "text"
    assert meta["issue_date"] == "2022-01-05"


def test_a_directive_notice_is_its_own_title_and_names_its_issuer():
    """v009: 长治市潞城区人民政府关于做好2022年安全生产工作的通知 is the document (no plan
    is issued); the CMS row 标题长治市… above it is not the title."""
    meta = metadata.read_metadata(_page("corpus_test7", "v009"))
    assert meta["title"] == "长治市潞城区人民政府关于做好2022年安全生产工作的通知"
    assert meta["issuer"] == "长治市潞城区人民政府"
    assert (meta["year_start"], meta["year_end"]) == ("2022", "2022")


def test_a_directive_notice_repeated_above_its_document_number():
    """u009: the page title repeats the notice above 中政发〔20221 and the wrapped heading;
    the number below the repeated title is still the document's."""
    meta = metadata.read_metadata(_page("corpus_test6", "u009"))
    assert meta["title"] == "中阳县人民政府关于做好2022年安全生产工作的通知"
    assert meta["issuer"] == "中阳县人民政府"
    assert meta["doc_number"] == "中政发〔2022〕1号"


def test_a_notice_issuing_a_plan_is_not_read_as_a_directive():
    """A 关于印发…的通知 keeps the issued plan as the title."""
    text = ("某某网 首页\n\n应急管理局关于印发《2023年应急管理工作要点》的通知\n\n各科室：\n\n"
            "现将《2023年应急管理工作要点》印发给你们，请认真贯彻落实。\n\n"
            "2023年2月1日\n\n2023年应急管理工作要点\n\n一、总体要求\n")
    assert metadata.read_metadata(text)["title"] == "2023年应急管理工作要点"


def test_a_notice_issuing_two_quoted_plans_is_titled_by_the_heading_shown():
    """r019: 关于印发《…安全生产“十四五”规划(2021-2025年)》和《…综合防灾减灾救灾…》的通知
    was read as one title running over 》和《."""
    meta = metadata.read_metadata(_page("corpus_test3", "r019"))
    assert meta["title"] == "吴忠市安全生产“十四五”规划"


def test_a_heading_that_lost_its_first_line_keeps_the_period_under_it():
    """q029: 托克逊县应急体系、安全生产、综合 / 防灾减灾“十四五”规划 / (2021-2025年)."""
    meta = metadata.read_metadata(_page("corpus_test2", "q029"))
    assert meta["title"] == "托克逊县应急体系、安全生产、综合防灾减灾“十四五”规划(2021-2025年)"


def test_the_long_form_of_a_five_year_period_and_a_stated_period():
    """q005: 广州市应急管理第十四个五年规划 is 2021-2025; r003: the title says 第十四个五年
    but the plan states 规划期为2023-2025年."""
    q005 = metadata.read_metadata(_page("corpus_test2", "q005"))
    assert (q005["year_start"], q005["year_end"]) == ("2021", "2025")
    r003 = metadata.read_metadata(_page("corpus_test3", "r003"))
    assert (r003["year_start"], r003["year_end"]) == ("2023", "2025")


def test_a_news_headline_announcing_the_plan_gives_its_title():
    """u011: 四川省 “十四五”应急体系规划发布 (the page's headline; the plan is named without 发布)."""
    assert metadata.read_metadata(_page("corpus_test6", "u011"))["title"] == "四川省“十四五”应急体系规划"
