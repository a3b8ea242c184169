"""Mends after the eighteenth and nineteenth held-out sets (tests/corpus_test18 and
tests/corpus_test19, scored once at commit 2439390, then used for development): each test
reads the real page where the failure was found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.evaluation.devtargets import page_targets


def test_an_inventory_under_a_forecast_heading_of_the_plan_year_is_facts():
    """g010: 二、2020年地质灾害趋势预测 / (一)地质灾害隐患点分布情况 / …城区12处,泽州县52处…:
    15 counts read as targets because the heading names the plan's year."""
    found = page_targets("g010", corpus_page("corpus_test18", "g010"), 2020)
    assert not (found["kind"] == "target").any()


def test_counts_that_spell_out_a_quoted_formula_are_names():
    """h012: “1”，即1个总体实施方案；“11”，即按照国家要求开展的11个专项实施方案."""
    found = page_targets("h012", corpus_page("corpus_test19", "h012"), 2020)
    assert not found[found["kind"] == "target"]["value"].isin([1.0, 11.0]).any()


def test_a_preface_heading_is_no_field_value():
    """g001: …浏览次数: 字体:[ ] / 前   言 / 武穴市位处…: 前言 went as the label's value."""
    assert "前   言" in clean_corpus_page("corpus_test18", "g001").text


def test_a_flattened_contents_list_led_by_the_preface_entry():
    """h009: 前言1第一章现状与形势2第一节地质灾害现状2一、地质灾害发育特征2…."""
    assert "第一节地质灾害现状2" not in clean_corpus_page("corpus_test19", "h009").text
