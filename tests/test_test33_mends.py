"""Mends after the thirty-third held-out set (tests/corpus_test33, scored once at commit
763d211, then used for development): each test reads the real page where the failure was
found, and fails on the code before the mend."""
from __future__ import annotations

from conftest import clean_as_built, clean_corpus_page


def test_a_space_inside_book_title_marks_is_no_paragraph_break():
    """rg004: 根据《中共广东省委 广东省人民政府关于…》和《中共广东省委办公厅 广东省人民政府办公厅…》
    was split at the spaces between the joint issuers; the fragment 广东省人民政府关于…意见》和
    《中共广东省委办公厅 then read as a notice's title, and the page-head rule removed the
    hard-wrapped first line of the plan's opening sentence above it (15 characters lost)."""
    text = clean_corpus_page("corpus_test33", "rg004").text
    assert text.startswith("为深入贯彻落实习近平新时代中国\n特色社会主义思想")
    assert "《中共广东省委 广东省人民政府关于推进防灾减灾救灾体制机制改革的实施意见》" in text
    # a space between two complete book titles (none open) is judged as before: a break
    two = clean_as_built("为做好工作，根据有关要求制定本方案。\n学习《安全生产法》 《消防法》等法规。")
    assert "《安全生产法》\n《消防法》" in two.text


def test_an_unclosed_book_title_mark_does_not_hold_back_later_breaks():
    """Review: one 《 left open on a flattened line kept every later break up to the last 》."""
    text = clean_as_built("依据《安全生产法等法律法规。 一、总体要求 坚持人民至上。 二、工作目标 "
                          "全年培训1000人次。 三、保障措施 落实《消防法》规定。").text
    assert "\n一、总体要求\n坚持人民至上。\n二、工作目标" in text
