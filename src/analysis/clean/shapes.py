"""Shapes of page lines that several cleaning rules share: a notice's addressees, how a
title ends, a sentence mark, the page head's extent, and two ways of comparing lines.
Written by hand, as the rules that use them."""
from __future__ import annotations

import re

#: The addressees of a notice (各区人民政府，市政府各委、办、局：), in furniture and page head alike.
ADDRESSEE = re.compile(r"^\s*各[^。；;]{1,60}?(?:单位|部门|机关|机构|委员会|人民政府|政府|街道|"
                       r"乡镇|局|厅|委|办|处|室|企业|公司)\s*[:：]?\s*$|"
                       r"^\s*各[^。；;]{1,150}(?:[:：]|单位|部门|机构)\s*$")
SENTENCE_MARK = re.compile(r"[。；;！!？?]")
#: A plan's opening headings, spaced out or not (前 言, 目录, 总则): never a field's value.
PREFACE = re.compile(r"^(?:[前序引]\s*言|目\s*录|总\s*则)$")
#: Site copies are looked for in the page head only: a page heading or summary stands above the
#: document, and its later copy follows within a few paragraphs.
HEAD_CHARS = 1500
#: How a document's title ends (…的通知, …规划(2021-2025年), …规划》): shared with
#: :mod:`analysis.clean.page_head`.
TITLE_END = re.compile(r"(?:通知|规划|要点|方案|意见|办法|决定|计划|报告|请示|纲要|细则|规定|预案|函|批复|"
                       r"工作总结|工作安排)"
                       r"[”\"》]?(?:[(（][^)）]{1,24}[)）])?$")


def lost_spaces(line: str) -> str:
    """A line with the '?' that stand for lost full-width spaces removed (前? 言, 第一章? ?
    现状, 目??录; a line of '?' alone becomes empty); a question mark ending a heading after a
    character stays."""
    if re.fullmatch(r"[\s?？]*", line):
        return ""
    return re.sub(r"[?？](?=[\s?？])|(?<=[\s?？])[?？]|^[?？]+", "", line).strip()


def line_key(line: str) -> str:
    """A line compared with its later copies: no spaces, no quotes (pages drop them: 南京市
    十四五… under 南京市“十四五”…), no 【…】 label."""
    line = re.sub(r"^\s*【[^】]{1,6}】", "", line)
    return re.sub(r"[\s“”\"‘’]+", "", line).replace("〈", "《").replace("〉", "》")
