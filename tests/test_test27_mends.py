"""Mends after the twenty-seventh and twenty-eighth held-out sets (tests/corpus_test27 and
tests/corpus_test28, scored once at commit 0f45634, then used for development): each test
reads the real page where the failure was found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.evaluation.devtargets import page_targets


def test_a_notices_number_under_the_print_button_is_no_field_value():
    """qb004: 分享: / 打印: / 字号: then 巫山应急发〔2022〕1号, the notice's own number: 打印 was
    read as a field label and the number as its value (6 characters of plan text lost)."""
    text = clean_corpus_page("corpus_test28", "qb004").text
    assert "巫山应急发〔2022〕1号\n巫山县应急管理局\n关于印发2022年度安全生产监督检查计划的通知" in text
    assert "打印" not in text and "分享" not in text


def test_a_bracketed_label_this_module_does_not_know_is_a_label_of_its_table():
    """qb004: [ 发字文号 ] (for 发文字号) among [ 主题分类 ], [ 发布机构 ] …: its value stayed
    at the top of the text."""
    text = clean_corpus_page("corpus_test28", "qb004").text
    assert text.count("巫山应急发〔2022〕1号") == 1
    assert "发字文号" not in text


def test_a_situation_assessment_for_the_plans_year_holds_facts():
    """qa009: 一、2025年地质灾害形势研判 in a 2025 plan: a heading naming the plan's year was
    read as a goals section, and the past year's events under it (共发生地质灾害535起 …) as
    targets."""
    found = page_targets("qa009", corpus_page("corpus_test27", "qa009"))
    assert not (found["kind"] == "target").any()


def test_counts_under_a_distribution_heading_are_facts():
    """qa004: 一、主要地质灾害隐患点分布 / 全市共有地质灾害隐患点380处 … 其中中型灾害隐患点7处 …
    按区域分: 舒城县100处 …: the counts after the first sentence were read as targets."""
    found = page_targets("qa004", corpus_page("corpus_test27", "qa004"))
    assert not (found["kind"] == "target").any()


def test_the_towns_a_jurisdiction_comprises_are_facts():
    """qa006: 规划范围为高邮市域范围，总面积1963平方公里。包括10个镇，1个乡 …."""
    found = page_targets("qa006", corpus_page("corpus_test27", "qa006"))
    assert not (found["kind"] == "target").any()
