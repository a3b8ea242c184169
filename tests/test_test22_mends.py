"""Mends after the twenty-second and twenty-third held-out sets (tests/corpus_test22 and
tests/corpus_test23, scored once at commit b51f18e, then used for development): each test
reads the real page where the failure was found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.evaluation.devtargets import page_targets


def test_a_masked_number_and_a_split_addressee_line_keep_their_text():
    """l001: 黔府办函〔 * 〕12号 / 各市…人民政府, (略) 门、各直属机构: (a site's masks): the
    spaces around (略) were read as paragraph breaks and the head rule took 11 characters of
    the notice (the document number, 门、各直属机构); the pop-up above them stays (the rule
    never takes a line with a sentence mark)."""
    text = clean_corpus_page("corpus_test23", "l001").text
    assert "\n黔府办函〔 * 〕12号\n" in text
    assert "门、各直属机构：" in text


def test_a_red_header_flattened_on_one_line_keeps_its_last_word():
    """l012: 新疆维吾尔自治区人民政府办公厅 文件 新政办发〔2020〕51号 …: 文件 went alone."""
    text = clean_corpus_page("corpus_test23", "l012").text
    assert text.startswith("新疆维吾尔自治区人民政府办公厅 文件\n")


def test_lessons_drawn_from_past_accidents_are_no_target():
    """l009: 深刻吸取…和我省近3年來3起危險化學品較大事故教訓."""
    found = page_targets("l009", corpus_page("corpus_test23", "l009"))
    assert not (found["kind"] == "target").any()


def test_a_package_of_measures_named_in_primes_is_no_target():
    """k011: 贯彻落实省委、省政府安全生产″八抓20条″创新措施."""
    found = page_targets("k011", corpus_page("corpus_test22", "k011"))
    assert not (found["kind"] == "target").any()


def test_a_brand_glued_before_the_place_and_a_region_tag_go():
    """k001: 米乐m6即墨区人民政府办公室关于印发…; k007: (衡水市)衡 水 市 地 震 局 关于印发…."""
    assert clean_corpus_page("corpus_test22", "k001").text.startswith("即墨区人民政府办公室关于印发")
    assert clean_corpus_page("corpus_test22", "k007").text.startswith("衡 水 市 地 震 局 关于印发")


def test_a_cms_table_and_the_site_line_above_a_notice_go():
    """l011: 政府信息公开 / 信息标题 … 文件编号 … / 公开类型 … 产生日期 … / 发布机构 … 载体类型 …
    / 关键字 索取号 above 关于印发和硕县…的通知 (政府信息公开 was taken for a wrapped title's
    first part)."""
    text = clean_corpus_page("corpus_test23", "l011").text
    assert text.startswith("关于印发和硕县第一次全国自然灾害综合风险普查工作方案的通知\n")
