"""Mends after the ninth held-out set (tests/corpus_test9, scored once at commit 083d3eb, then
used for development): each test reads the real page where the failure was found, and fails
on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.extract import metadata



def _page(page_id: str) -> str:
    return corpus_page("corpus_test9", page_id)


def _clean(page_id: str) -> str:
    return clean_corpus_page("corpus_test9", page_id).text


def test_a_sentence_broken_off_above_the_opening_is_not_page_head():
    """x011: a line-wrap space split 奋 / 斗目标之后，; the short line ending in a comma was
    taken for page-head matter and 4 characters of plan text were lost."""
    assert "斗目标之后" in _clean("x011")


def test_shaanxi_written_with_the_variant_character():
    """x007: 陜西 (U+965C) is not converted by OpenCC; title, issuer and places followed."""
    meta = metadata.read_metadata(_page("x007"))
    assert meta["title"] == "陕西省安全生产委员会2023年工作要点"
    assert meta["province_zh"] == "陕西省" and meta["issuer"] == "陕西省安全生产委员会"


def test_a_plan_period_with_a_tilde_on_the_line_under_the_title():
    """x014: 沧州市防震减灾“十三五”规划 / (2016~2020年)."""
    meta = metadata.read_metadata(_page("x014"))
    assert meta["title"] == "沧州市防震减灾“十三五”规划(2016~2020年)"
