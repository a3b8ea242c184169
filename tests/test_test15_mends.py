"""Mends after the fifteenth held-out set (tests/corpus_test15, scored once at commit
f56c3ea, then used for development): each test reads the real page where the failure was
found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.extract import metadata


def _meta(page_id: str) -> dict:
    return metadata.read_metadata(corpus_page("corpus_test15", page_id))


def test_a_document_issued_in_an_earlier_year_is_not_the_title():
    """d004: the heading 甘孜藏族自治州防灾减灾“十三五”规划, not the 2011年州委、州政府印发
    《中共甘孜州委甘孜州人民政府关于加强防灾减灾工作的意见》 its review reports."""
    meta = _meta("d004")
    assert meta["title"] == "甘孜藏族自治州防灾减灾“十三五”规划"
    assert (meta["year_start"], meta["year_end"]) == ("2016", "2020")


def test_a_plan_body_that_reviews_the_previous_period_plans_the_next():
    """d001 ((一)“十二五”期间防灾减灾救灾工作成效) and d008 (第一章 …/ 第一节 “十二五”时期云南
    消防工作发展进步明显): plan bodies without a title."""
    for page in ("d001", "d008"):
        meta = _meta(page)
        assert (meta["year_start"], meta["year_end"]) == ("2016", "2020"), page


def test_contents_entries_with_a_full_stop_and_one_cut_by_the_excerpt():
    """d003: 目  錄 then entries, some ending in 。 ((五)推進防災減災救災工作,隨時應對突發自然
    災害。), the last a bare 四 where the excerpt ends."""
    text = clean_corpus_page("corpus_test15", "d003").text
    assert text.rstrip().endswith("梅州市应急管理“十四五”规划")
    assert "推进防灾减灾救灾工作" not in text
