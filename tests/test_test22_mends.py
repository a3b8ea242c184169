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


# -- test24 and test25 (scored once at 501b623) ------------------------------------------------

def test_a_plans_cover_title_is_no_site_copy():
    """m005: 芜湖“十四五”综合防灾减灾规划 / 芜湖市应急管理局 / 2021年12月 / 目录 … and the title
    again over the body: the cover's title went as a copy of the page heading (13 characters
    of plan text lost); and 信息来源: 芜湖市应急管理局阅读次数: stayed as plan text."""
    text = clean_corpus_page("corpus_test24", "m005").text
    assert "芜湖“十四五”综合防灾减灾规划\n芜湖市应急管理局\n2021年12月" in text
    assert "阅读次数" not in text


def test_an_encyclopaedia_outline_on_one_line_is_a_contents_list():
    """m004: 一、現狀與形勢,工作成效,面臨挑戰,發展機遇,二、總體要求,…."""
    text = clean_corpus_page("corpus_test24", "m004").text
    assert "面临挑战，发展机遇" not in text and "面临挑战,发展机遇" not in text


def test_a_numbered_cms_list_and_a_brand_with_its_domain_number_go():
    """m008: 6. [发文机构] 区政府办 / 7. [联合发文单位]; n009: 金沙澳门官网85850关于印发…."""
    assert "发文机构" not in clean_corpus_page("corpus_test24", "m008").text
    assert "金沙澳门" not in clean_corpus_page("corpus_test25", "n009").text


def test_facts_listed_over_semicolons_and_a_campaigns_schedule_are_no_targets():
    """n009: 楚雄市地处滇中腹地,…其中,山区有8个乡镇,…;坝区有7个乡镇,…; n005: 用3个月左右时间
    开展…. (n009's …造成…;因灾死亡…;饮水困难人口11.12万人 is still read as a target: a
    description's frame runs on over semicolons only when its sentence opens by placing the
    place, 地处/位于; a review found that any fact before a ； turned the tasks after it into
    facts.)"""
    found = page_targets("n009", corpus_page("corpus_test25", "n009"))
    assert "坝区有7个乡镇" not in set(found.loc[found["kind"] == "target", "span"])
    assert not (page_targets("n005", corpus_page("corpus_test25", "n005"))["kind"]
                == "target").any()


def test_a_comma_list_of_measures_is_no_outline():
    from analysis.clean.contents import _comma_outline

    assert not _comma_outline("加强组织领导,强化责任落实,完善工作机制,加大资金投入,强化督导检查,"
                              "严格考核问责,加强宣传教育,营造良好氛围,推动工作落实")
    # numbers that do not rise are items of a list quoted in prose, not an outline
    assert not _comma_outline("一、加强领导,二、压实责任,一、完善机制,加大投入,强化督导,严格考核,"
                              "加强宣传,营造氛围")
    assert _comma_outline("一、现状与形势,工作成效,面临挑战,发展机遇,二、总体要求,指导思想,基本原则,"
                          "发展目标,三、主要任务")


# -- test26 (scored once at 10cf23a) ---------------------------------------------------------

def test_a_short_site_heading_over_a_time_field_goes_and_the_year_comes_from_the_self_naming():
    """o001: 安全生产委员会工作要点 / 时间:2022-07-26 02:44:19 / 安全生产委员会工作要点 / 根据…，
    制定《安全生产委员会2021年工作要点》。: an 11-character heading was too short to be taken
    for the site's copy, and the title gave no year."""
    text = clean_corpus_page("corpus_test26", "o001").text
    assert text.count("安全生产委员会工作要点\n") == 1
    from analysis.evaluation.devcorpus import read_metadata

    meta = read_metadata("o001", corpus_page("corpus_test26", "o001"))
    assert (meta["year_start"], meta["year_end"]) == ("2021", "2021")
