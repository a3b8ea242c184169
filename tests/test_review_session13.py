"""Counter-examples from a code review of this release's cleaning and extraction changes
(written by a reviewer who ran them against the code; each failed before its mend)."""
from __future__ import annotations

from analysis.clean.changes import CleanContext
from analysis.clean.rules import clean_text
from analysis.evaluation.devtargets import page_targets
from analysis.extract import metadata
from analysis.core import places
from analysis.extract.numbers import find_numbers


def _clean(text: str) -> str:
    return clean_text(text, CleanContext("x")).text


def test_a_contents_list_run_into_a_line_stops_at_its_last_page_number():
    text = ("陆良县应急管理局二〇二二年一月目 录前 言1一、发展现状2二、总体要求5三、主要任务8四、保障措施20"
            "前 言为全面贯彻落实党中央关于应急管理的决策部署，根据2021年国务院印发的《“十四五”国家应急体系"
            "规划》，制定本规划。")
    assert "为全面贯彻落实党中央关于应急管理的决策部署，根据2021年国务院印发的" in _clean(text)
    text = ("目 录一、发展现状1二、总体要求5三、主要任务8四、保障措施20一、发展现状“十三五”期间，"
            "全县累计投入资金3.2亿元，建成应急避难场所12处。")
    assert "全县累计投入资金3.2亿元" in _clean(text)


def test_a_list_of_amounts_after_mulu_is_no_contents_list():
    for text in ("附件：县级应急物资储备目录1.帐篷 200 2.折叠床 300 3.棉被 500 4.发电机 10 5.冲锋舟 6",
                 "建立健全应急物资储备目录一、生活类物资 帐篷200 二、救生类物资 救生衣300 三、照明类物资 "
                 "应急灯 150 四、动力类物资 发电机 12"):
        assert "帐篷" in _clean(text), text


def test_a_body_heading_with_a_full_stop_under_an_empty_mulu_stays():
    text = "目录\n一、发展基础\n（一）应急管理体制改革稳步推进。\n组建市应急管理局，整合有关部门的应急管理职责，理顺了体制。"
    assert "应急管理体制改革稳步推进" in _clean(text)


def test_a_label_ending_in_mulu_takes_no_lines_with_it():
    text = ("信息公开目录\n政策文件\n曲靖市“十四五”应急物资保障规划\n第一章 发展基础\n"
            "“十三五”期间，全市应急物资保障能力明显提升，储备体系不断完善。")
    cleaned = _clean(text)
    assert "曲靖市“十四五”应急物资保障规划" in cleaned and "第一章 发展基础" in cleaned


def test_a_notice_title_led_by_its_date_is_still_the_title():
    text = ("2022年12月30日 陆良县人民政府关于印发《陆良县综合防灾减灾规划（2021—2025年）》的通知\n"
            "各乡（镇）人民政府，县直各部门：\n现将该规划印发给你们，请认真贯彻执行。\n陆良县人民政府\n"
            "2022年12月30日")
    meta = metadata.read_metadata(text)
    assert meta["title"] == "陆良县综合防灾减灾规划（2021—2025年）"
    assert (meta["year_start"], meta["year_end"]) == ("2021", "2025")


def test_a_plan_drafted_in_an_earlier_period_is_not_the_title():
    text = ("为深入推进地质灾害防治工作，“十三五”期间，编制曲靖市地质灾害防治规划（2016—2020年），"
            "全市地质灾害防治取得明显成效。\n一、指导思想\n坚持人民至上、生命至上。")
    assert metadata.read_metadata(text)["title"] != "曲靖市地质灾害防治规划（2016—2020年）"


def test_a_cited_number_wrapped_to_a_new_line_is_not_the_document_s():
    text = ("根据《国务院关于印发“十四五”国家应急体系规划的通知》\n（国发〔2021〕36号）精神，结合我市实际，"
            "制定本规划。\n一、总体要求")
    assert metadata.read_metadata(text)["doc_number"] == ""


def test_a_title_naming_a_province_only_in_book_marks_does_not_outrank_the_publisher():
    text = ("发布机构：陆良县应急管理局\n标题：贯彻落实《云南省“十四五”应急管理体系规划》实施方案\n"
            "为贯彻落实《云南省“十四五”应急管理体系规划》，结合我县实际，制定本实施方案。")
    assert metadata.read_metadata(text)["jurisdiction_zh"] == "陆良县"


def test_measures_to_be_made_are_a_target():
    found = page_targets("x", "2023年，全市要制定10项具体措施落实到位。", 2023)
    assert found["kind"].tolist() == ["target"]


def test_days_before_water_are_days():
    assert [h.value_written for h in find_numbers(
        "到2025年，救灾物资储备满足受灾人员7天水、食品等基本生活需求。")] == ["7"]


def test_a_bracketed_parent_is_not_the_jurisdiction():
    text = "通州区（北京市）“十四五”应急管理规划"
    assert places.innermost(text, text).name == "通州区"
