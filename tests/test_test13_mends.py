"""Mends after the thirteenth held-out set (tests/corpus_test13, scored once at commit
6661dac, then used for development): each test reads the real page where the failure was
found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_corpus_page, corpus_page

from analysis.clean.changes import CleanContext
from analysis.clean.rules import clean_text
from analysis.evaluation.devcleaning import surviving
from analysis.extract import metadata



def _page(page_id: str) -> str:
    return corpus_page("corpus_test13", page_id)


def _clean(page_id: str):
    return clean_corpus_page("corpus_test13", page_id)


def test_a_title_wrapped_after_its_place_name():
    """b002: 获嘉县安全生产治本攻坚 / 三年行动实施方案(2024—2026年); the line below reads as
    a title on its own but names no place."""
    meta = metadata.read_metadata(_page("b002"))
    assert meta["title"] == "获嘉县安全生产治本攻坚三年行动实施方案(2024—2026年)"
    assert meta["jurisdiction_zh"] == "获嘉县"


def test_the_notice_title_writes_the_signing_body_in_full():
    """b006: signed 省政府办公厅 under 广东省人民政府办公厅关于印发…的通知."""
    assert metadata.read_metadata(_page("b006"))["issuer"] == "广东省人民政府办公厅"


def test_a_signature_date_with_a_disclosure_note_and_the_documents_own_number():
    """b016: 湖南省安全生产委员会 2020 年5 月18 日 (信息公开形式:依申请公开); the header's
    湘安﹝2020﹞4 号 alone on its line, not the site title's 湘安【2022 】4号."""
    meta = metadata.read_metadata(_page("b016"))
    assert meta["issue_date"] == "2020-05-18" and meta["doc_number"] == "湘安﹝2020﹞4号"


def test_a_site_footer_above_the_document_and_a_printed_page_number_go():
    """b004: 主办… © 版权所有 2018 / 承办… / 晋ICP备… / 网站标识码… / 涉密文件严禁上网 /
    a browser hint; b016: - 2 - between the notice and the plan."""
    text = _clean("b004").text
    assert text.startswith("汾西县人民政府\n关于做好2024年全县安全生产工作的通知")
    assert "- 2 -" not in _clean("b016").text


def test_a_chinese_brand_with_its_number_is_spam_and_the_displaced_word_returns():
    """b001: 总书记金博宝188app安全生产 → 总书记关于安全生产 (the 记 before the brand stays)."""
    result = _clean("b001")
    assert "总书记关于安全生产系列重要指示精神" in result.text
    raw = _page("b001")
    start = raw.index("金博宝188app")
    alive = surviving(raw, result.log)
    # the scorer counts the spam as removed and the word before it as kept
    assert not alive[start:start + 3].any() and alive[start - 1]


def test_an_event_plans_organiser_in_the_body_stays():
    body = ("某县安全生产月活动方案\n" + "为深入贯彻落实党中央、国务院关于安全生产工作的决策部署，"
            "切实增强全民安全意识，结合本县实际，制定本方案。\n" + "一、活动安排\n主办单位：县安委会办公室\n"
            "承办单位：县应急管理局\n二、活动内容\n" + "开展安全宣传咨询日活动，组织应急演练。\n" * 30)
    text = clean_text(body, CleanContext("event")).text
    assert "主办单位：县安委会办公室" in text


def test_an_event_plan_ending_with_its_organisers_keeps_them():
    """A site footer goes only as a block with a licence or copyright mark: an event plan whose
    last lines name its organisers, after its last sentence, keeps them."""
    body = ("某县安全生产月活动方案\n为深入贯彻落实党中央、国务院关于安全生产工作的决策部署，"
            "切实增强全民安全意识，结合本县实际，制定本方案。\n一、活动内容\n开展安全宣传咨询日活动。\n"
            "主办单位：县安委会办公室\n承办单位：县应急管理局\n")
    text = clean_text(body, CleanContext("organisers")).text
    assert "主办单位：县安委会办公室" in text and "承办单位：县应急管理局" in text
