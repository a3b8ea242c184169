"""Plan metadata read from the text itself: title, issuer, issue date, document number (from
the build's header parser), jurisdiction, administrative level, province, years and document
type (simple rules on the title and issuer).

The rules for places are a stopgap, written by hand: a maintained gazetteer of China's
administrative divisions should replace them (county-level cities come out as ``city``).
"""
from __future__ import annotations

import re

from analysis.clean.rules import CleanContext, clean_text
from analysis.structure.clauses import parse_header

_PLACE = re.compile(r"([\u4e00-\u9fff]{2,12}?(?:自治区|自治州|自治县|特别行政区|省|市|州|盟|县|区|旗))")
#: China's provincial-level units (a fixed list of 34 names, not a gazetteer).
PROVINCES = ("北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省",
             "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
             "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省",
             "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
             "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区")
_PROVINCE = re.compile("|".join(PROVINCES))
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
#: A place name has no date, function word or verb in it (2019年自治区 is not one).
_NAME = re.compile(r"[^年月日的和及与在对为等关于印发]+")
#: Words shaped like place names that name none ("the region", "urban district" …).
_GENERIC = {"自治区", "自治州", "自治县", "城市区", "市辖区", "各市县", "社区", "地区", "城区", "市区",
            "县区", "各区", "各县", "各市", "有关县", "有关市", "有关区"}
_FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}



def guess_fields(text: str) -> dict[str, str]:
    """Manifest fields read from a plan's own text (empty where the text is silent).

    Rules: title, issuer, issue date and document number come from the header parser of the
    build (:func:`analysis.structure.clauses.parse_header`) on the cleaned text; the
    jurisdiction is the first place name (ending in 省, 自治区, 市, 州, 县, 区, 旗 …) of the
    issuer, else of the title; the level follows from its suffix (省/自治区 and the four
    municipalities: province; 市/州/盟: city; 县/区/旗: county; a place name nested in a
    province name, e.g. 浙江省丽水市, keeps the innermost); the years come from "2023年" in the
    title or from 十四五-style plan periods; the document type is ``five_year_plan`` for a
    title with 规划 and a five-year period, else ``annual_work_plan``.
    """
    clean = clean_text(text, CleanContext("new-plan")).text
    header = parse_header(clean)
    fields = {"title_zh": header.title, "issuer_zh": header.issuer,
              "issue_date": header.issue_date, "doc_number": header.doc_number}
    title = header.title or next((line for line in clean.splitlines() if line.strip()), "")[:80]
    for source in (header.issuer, title):
        place = _innermost_place(source or "")
        if place:
            fields["jurisdiction_zh"] = place
            break
    place = fields.get("jurisdiction_zh", "")
    if place:
        if place.endswith(("省", "自治区")) or place in _MUNICIPALITIES:
            fields["admin_level"] = "province"
        elif place.endswith(("市", "州", "盟")):
            fields["admin_level"] = "city"
        else:
            fields["admin_level"] = "county"
    province = _PROVINCE.search(" ".join([header.issuer, title, clean[:400]]))
    if fields.get("admin_level") == "province":
        fields["province_zh"] = place
    elif province:
        fields["province_zh"] = province.group(0)
    period = next((span for key, span in _FIVE_YEAR.items() if key in title), None)
    years = re.search(r"(20\d{2})\s*[-—–至到]\s*(20\d{2})年", title)
    year = re.search(r"(20\d{2})年", title)
    if years:
        fields["year_start"], fields["year_end"] = years.group(1), years.group(2)
    elif period:
        fields["year_start"], fields["year_end"] = map(str, period)
    elif year:
        fields["year_start"] = fields["year_end"] = year.group(1)
    if "规划" in title and (period or years):
        fields["doc_type"] = "five_year_plan"
    elif title:
        fields["doc_type"] = "annual_work_plan"
    return {k: v for k, v in fields.items() if v}


def _innermost_place(text: str) -> str:
    """The last of the place names that open ``text`` one after another: 浙江省丽水市 →
    丽水市, 重庆市大足区人民政府 → 大足区; a province name is matched whole first."""
    place, pos = "", 0
    while pos < len(text):
        match = _PROVINCE.match(text, pos) or _PLACE.match(text, pos)
        if not match or match.group(0) in _GENERIC or not _NAME.fullmatch(match.group(0)):
            break
        place, pos = match.group(0), match.end()
    if not place:
        place = next((m.group(0) for m in _PLACE.finditer(text)
                      if m.group(0) not in _GENERIC and _NAME.fullmatch(m.group(0))), "")
    return place


