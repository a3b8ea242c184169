"""Mends after the sixteenth and seventeenth held-out sets (tests/corpus_test16 and
tests/corpus_test17, scored once at commit 3934f6e, then used for development): each test
reads the real page where the failure was found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.extract import metadata


def test_a_field_label_ending_in_mulu_is_no_contents_list():
    """e008: the CMS label 公开目录 read as 目录 with the next lines its entries: two removals of
    one line (the cleaning stopped with "overlapping changes") and the addressees lost."""
    text = clean_corpus_page("corpus_test16", "e008").text
    assert "各乡（镇）人民政府，县直各有关部门：" in text
    assert "公开目录" not in text


def test_a_wrapped_cover_title_is_not_the_value_of_a_share_label():
    """e011: • 分享到 : / 重庆市城口县应急避难场所布局 / 专项规划(20252030年); the site's copy
    above goes, the cover's stays; 附件1：…25 closes the contents list."""
    text = clean_corpus_page("corpus_test16", "e011").text
    assert text.startswith("重庆市城口县应急避难场所布局\n专项规划")
    assert "附件1" not in text


def test_a_lone_heading_under_mulu_is_the_body_s_opening():
    """e006 (目 录 / 前 言 / 玉溪市地形地貌…) and f002 (目 录 / 龙潭区应急管理“十四五”发展规划 /
    the body): the page dropped the list; only 目录 goes."""
    e006 = clean_corpus_page("corpus_test16", "e006").text
    assert "\n前 言\n" in e006 and "目 录" not in e006
    assert "龙潭区应急管理“十四五”发展规划" in clean_corpus_page("corpus_test17", "f002").text


def test_a_slash_separated_path_from_the_home_page_is_a_breadcrumb():
    for folder, page in (("corpus_test16", "e004"), ("corpus_test17", "f005")):
        assert not clean_corpus_page(folder, page).text.startswith("首页"), page


def test_a_contents_list_run_into_a_line_goes_and_the_preface_stays():
    """c008 (…人民政府二二二年一月目 录前 言1一、…七、附 则21前 言为全面贯彻…) and f010
    (…-2-目录一、现状与形势.-3-(一)主要成效.-3-…)."""
    c008 = clean_corpus_page("corpus_test14", "c008").text
    assert "地质灾害防治现状及形势2" not in c008 and "为全面贯彻党的十九大" in c008
    assert "主要成效.-3-" not in clean_corpus_page("corpus_test17", "f010").text


def test_a_notice_title_wrapped_over_three_lines_names_its_issuer():
    """e006: 玉溪市人民政府办公室关于印发 / 玉溪市“十四五”综合防灾减灾救灾规划的 / 通知."""
    meta = metadata.read_metadata(corpus_page("corpus_test16", "e006"))
    assert meta["issuer"] == "玉溪市人民政府办公室"


def test_a_document_sharing_site_s_cover_chunk_names_title_and_signer():
    """c008 (1、阳高县地质灾害防治“十四五”规划阳高县人民政府二二二年一月目 录…) and f010
    (1、-1-和县“十四五”综合防灾减灾规划(2021-2025)和县减灾救灾委员会办公室2022 年 12 月…)."""
    c008 = metadata.read_metadata(corpus_page("corpus_test14", "c008"))
    assert (c008["title"], c008["issuer"]) == ("阳高县地质灾害防治“十四五”规划", "阳高县人民政府")
    f010 = metadata.read_metadata(corpus_page("corpus_test17", "f010"))
    assert (f010["title"], f010["issuer"]) == ("和县“十四五”综合防灾减灾规划(2021-2025)",
                                               "和县减灾救灾委员会办公室")
