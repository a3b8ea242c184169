"""Mends after the fourteenth held-out set (tests/corpus_test14, scored once at commit
9427741, then used for development): each test reads the real page where the failure was
found, and fails on the code before the mend."""
from __future__ import annotations

import pytest
from conftest import clean_corpus_page, corpus_page

from analysis.evaluation.devtargets import page_targets
from analysis.extract import metadata
from analysis.extract.cues import _read_commented_csv
from analysis.extract.numbers import find_numbers


def _meta(page_id: str) -> dict:
    return metadata.read_metadata(corpus_page("corpus_test14", page_id))


def test_a_numbered_gambling_brand_in_the_place_slot_goes_with_its_field_remnants():
    """c006: 365体育投注 stood for 呼伦贝尔市人民政府 in the CMS fields, the notice title and
    the addressees; once it went, the field values 办公室 and 办 were left above the notice."""
    text = clean_corpus_page("corpus_test14", "c006").text
    assert "体育投注" not in text
    assert text.startswith("关于印发《呼伦贝尔市“十四五”安全生产")


def test_a_date_in_the_notice_header_is_its_issue_date():
    """c006: 呼政发〔2023〕2号    2023年1月31日 above the addressees, no signature below."""
    assert _meta("c006")["issue_date"] == "2023-01-31"


def test_a_site_title_led_by_the_number_in_brackets_is_a_site_copy():
    """c012: (市应急发〔2021〕98号)西安市应急管理局 西安市发展和改革委员会关于印发〈…》的通知
    above the document's own heading; its number is the document's."""
    text = clean_corpus_page("corpus_test14", "c012").text
    assert not text.startswith("（市应急发")
    assert _meta("c012")["doc_number"] == "市应急发〔2021〕98号"


def test_a_converter_slip_in_the_place_name_and_a_range_with_years_marked():
    """c002: 甯夏回族自治区综合防灾减灾规划(2016年—2020年), posted by 西吉县民政局."""
    meta = _meta("c002")
    assert meta["title"] == "宁夏回族自治区综合防灾减灾规划(2016年—2020年)"
    assert (meta["jurisdiction_zh"], meta["admin_level"]) == ("宁夏回族自治区", "province")
    assert (meta["year_start"], meta["year_end"]) == ("2016", "2020")


def test_a_title_named_in_the_preamble():
    """c004: …结合《…纲要》,编制中卫市防震减灾“十三五”规划(2016—2020年)。 (no heading)."""
    assert _meta("c004")["title"] == "中卫市防震减灾“十三五”规划(2016—2020年)"


def test_a_district_glossed_in_brackets_is_the_jurisdiction():
    """c009: 北京城市副中心(通州区)“十四五”时期…规划."""
    meta = _meta("c009")
    assert (meta["jurisdiction_zh"], meta["admin_level"], meta["province_zh"]) == (
        "通州区", "county", "北京市")


def test_a_notice_issuing_a_set_of_plans_is_titled_by_the_plan_below_it():
    """c010: …关于印发河北区“十四五”相关专项规划的通知, issuing three plans; the page shows
    the first, written (2021—2025) in the notice and (2021—2025年) as its heading."""
    assert _meta("c010")["title"] == "河北区安全保障和应急管理体系建设“十四五”规划(2021—2025年)"


def test_a_rate_denominator_is_no_quantity():
    """c014: 年度10万人口火灾死亡率低于0.25, 工矿商贸就业人员10万人生产安全事故死亡率下降11.4%."""
    assert [h.value_written for h in find_numbers("年度10万人口火灾死亡率低于0.25")] == ["0.25"]
    assert [h.value_written for h in find_numbers("新增就业10万人")] == ["10万"]


def test_a_package_of_measures_with_two_modifiers_is_a_name():
    """c005: 落细落实安全生产十五条硬措施和本区61项具体落实举措."""
    found = page_targets("c005", corpus_page("corpus_test14", "c005"), 2023)
    assert not found["value"].isin([61.0]).any()


def test_a_cue_row_with_an_unquoted_comma_is_refused(tmp_path):
    """A pattern such as {0,2} written unquoted was cut at the comma without a word."""
    path = tmp_path / "cues.csv"
    path.write_text("# doc\ncue_type,pattern,value,note\nnamed_set,(?:a){0,2}b,,\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="more fields"):
        _read_commented_csv(path)


def test_a_spaced_two_character_heading_is_not_a_paragraph_break():
    """c008, a flattened page: …七、附 则21前 言为全面贯彻… was cut into 附 / 则21前 / 言为…."""
    text = clean_corpus_page("corpus_test14", "c008").text
    assert "附 则21前 言为全面贯彻" in text
