"""The page head: what a web page puts above the document's own opening.

A plan page shows the site first (its name, menus, link lists, download and copyright blurbs,
labels of CMS fields, advertising) and the document after it. Whatever the site, the document
opens in one of a few ways: its title or the notice that issues it (关于印发…的通知, a plan
title ending in 规划 / 要点 / 方案 …), a red header (…文件), its document number
(…〔2021〕34号) or the addressees of a notice (各区人民政府，市政府各委、办、局：). So the
short lines above the first such opening are the site's, and go, however the site words them;
the pattern lists of :mod:`analysis.clean.furniture` need not know them.

The rule runs last, on one paragraph per line, and removes only what cannot be plan text:

* nothing, unless an opening is found in the first :data:`HEAD_CHARS` characters before any
  sentence of body text (a page that starts with its body has no head);
* never a sentence (a line over 20 characters with 。；！？), a numbered heading, 前言 / 目录 /
  附件, a document number, a name of an office (an issuer line above its title, or a signature),
  a date line or a parenthesised note: these stay even above the opening.

A table of contents that no 目录 line announces and no page number marks is head matter too:
an outline of eight or more short lines in a row, six of them numbered headings of at least two
levels (第一章 / （一）…, 一、 / （一）…), standing before the first sentence of the body (the
notice that issues the plan aside). The body of a plan never runs that many headings without
a sentence between them; a list of projects is numbered at one level.

Written by hand: no library knows the layout of Chinese government documents.
"""
from __future__ import annotations

import re

from analysis.clean.changes import Change, CleanContext, apply_changes
from analysis.core.places import find_places
# The head is looked for in furniture's page head (HEAD_CHARS), and the addressees are its.
from analysis.clean.shapes import ADDRESSEE, HEAD_CHARS
from analysis.clean.shapes import SENTENCE_MARK as _SENTENCE
from analysis.clean.shapes import TITLE_END as _TITLE_END
from analysis.clean.shapes import lost_spaces as _lost_spaces


#: Clause punctuation: a line of more than a few words with a comma or an enumeration mark
#: reads as prose (a responsibility tag, a list of units) and is left alone.
_CLAUSE = re.compile(r"[，,、]")
_NOTICE = re.compile(r"关于|印发|转发")
#: A document number, spaces allowed inside its digits (晋政办发〔 2 0 2 0〕4 5号).
_DOC_NUMBER = re.compile(r"^[（(]?\s*[\u4e00-\u9fff]{1,12}\s*[〔\[［﹝【(（]\s*(?:[\d\s]{4,8}|\s*[*＊×]\s*)"
                         r"[〕\]］﹞】)）]\s*[\d\s]+号?\s*[）)]?$")
#: What is left of a damaged document number (湘发改规划〔2016637).
_DOC_YEAR = re.compile(r"[〔\[［﹝]\s*\d{4}|\d{4}\s*[〕\]］﹞]")
_RED_HEADER = re.compile(r"^[\u4e00-\u9fff、\s]{4,40}文\s*件$")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十\d]+[章节部篇条]|[一二三四五六七八九十]+、|"
                      r"[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、](?!\d)|前\s*言|序\s*言|"
                      r"引\s*言|目\s*录|总\s*则|附\s*件)")
#: The name of an office: an issuer line above a title (杭州市应急管理局 / 关于印发…) or a
#: signature. A site's own name in this form (施甸县人民政府) is left in place: the rule
#: cannot tell it from the issuer.
_OFFICE = re.compile(r"(?:人民政府|政府|办公厅|办公室|委员会|安委会|减灾委|管理局|应急局|管委会|办事处|"
                     r"厅|局|委|办|中心|部|院|会|处|队|组|站|所)$")
#: A draft mark (征求意见稿, 送审稿) and the fields of an official document's header.
_DRAFT_OR_HEADER = re.compile(r"稿[)）]?$|^(?:签发人|公开方式|密级|紧急程度|主送|抄送)[:：]")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$|"
                        r"^[〇○零OＯ一二三四五六七八九十]{4}\s*年|^\d{4}\s*[.\-/]\s*\d{1,2}"
                        r"(?:\s*[.\-/]\s*\d{1,2})?$")
#: The end of a site's name (酒业信息网, …研究院官网), never of a title's first line.
_SITE_NAME = re.compile(r"(?:网|官网|平台|首页|频道|栏目|专栏|文库)$")
#: What a site's line between a notice's title and its addressees carries: a label, a number,
#: an interface word.
_SITE_WORD = re.compile(r"[:：]|\d|下载|摘要|纠错|收藏|打印|分享|阅读|浏览|来源|编辑|属性|字体|次数|"
                        r"首页|链接|解读")
#: A note in brackets, a stray mark of damage allowed at either end (.(责任单位:…)); not a
#: site's brackets or arrows around it (【(点击数：128)】, (更多)>>).
_PARENTHESISED = re.compile(r"^[.?？·•*]{0,2}\s*[(（].*[)）]\s*[.?？·•*]{0,2}$")
#: The label of a plan's list of responsible units, wherever it stands in a line: a site
#: never words its own lines so.
_RESPONSIBILITY = re.compile(r"(?:责任|牵头|配合|主责|协办)(?:单位|科室|部门|处室)\s*[：:]")


def _is_notice_title(line: str) -> bool:
    return bool(_NOTICE.search(line) and not _SENTENCE.search(line) and len(line) <= 100)


def _is_announcement(line: str) -> bool:
    """The title of an announcement that opens a page (《…规划》征求意见的公告, …的公示)."""
    # …公告 alone ends a task too (…整改情况公示 in a table of tasks): a page's announcement
    # names what it announces (关于…, 《…》, 征求意见)
    return bool(re.search(r"(?:公告|公示)$", line) and re.search(r"关于|《|征求意见", line)
                and len(line) >= 8 and not _SENTENCE.search(line) and not _HEADING.match(line))


def _is_plan_title(line: str) -> bool:
    # a title in book-title marks, its period inside them (《…规划(2016-2020年)》)
    inner = re.sub(r"^《([^《》]+)》$", r"\1", line)
    return bool(_TITLE_END.search(inner) and len(line) >= 6 and not _SENTENCE.search(line)
                and not _HEADING.match(line))


def _key(line: str) -> str:
    """A title compared with its copies: Chinese characters and digits only, a leading label
    (发现文章标题：, 【现行有效】) dropped."""
    return re.sub(r"[^\u4e00-\u9fff\d]", "", _LABEL.sub("", line))


#: A site's label glued before the document's first line: 【现行有效】, 政策解读：.
_LABEL = re.compile(r"^\s*(?:【[^】\d]{1,8}】|[\u4e00-\u9fff]{0,4}(?:标题|解读)[:：](?=\S)|名称[:：](?=\S))")


def _body_sentence(line: str) -> bool:
    """A sentence of body text: longer than a heading, with a sentence mark."""
    return len(line) > 40 and bool(_SENTENCE.search(line))


def opening_line(lines: list[str]) -> int | None:
    """Index of the line where the document opens (see the module docstring), or ``None`` if
    the page has none in its head or its body begins first."""
    pos = 0
    for k, line in enumerate(lines):
        if pos > HEAD_CHARS:
            return None
        s = line.strip()
        if s:
            if _is_notice_title(s) or _is_plan_title(s) or _is_announcement(s):
                return k
            if _DOC_NUMBER.match(s) or ADDRESSEE.match(s) or _RED_HEADER.match(s):
                return k
            if _body_sentence(s):
                return None
        pos += len(line) + 1
    return None


def _head_window(lines: list[str], start: int) -> list[int]:
    """Non-empty lines after ``start`` up to the addressees or the first sentence of body
    text (inclusive), within the page head."""
    out, pos = [], sum(len(line) + 1 for line in lines[:start])
    for k in range(start + 1, len(lines)):
        pos += len(lines[k]) + 1
        s = lines[k].strip()
        if not s:
            continue
        out.append(k)
        if pos > 2 * HEAD_CHARS or ADDRESSEE.match(s) or _body_sentence(s):
            break
    return out


#: A date inside a line (武汉市人民政府办公厅 2021年12月20日) and document numbers written
#: without brackets (武政办2021年108号, 第1号).
_DATE_IN_LINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月|[〇○零OＯ一二三四五六七八九十]{4}\s*年")
_NUMBER_PLAIN = re.compile(r"\d{4}\s*年\s*第?\s*\d+\s*号|第\s*\d+\s*号")


def _office(part: str) -> bool:
    """A name of an office: something named before the office word. A bare 办公室 or 办 is
    what a site's field value keeps once the advertising that stood for the place is gone
    (365体育投注办公室)."""
    m = _OFFICE.search(part)
    return bool(m) and m.start() > 0


def _may_be_plan_text(line: str) -> bool:
    parts = [p for p in re.split(r"[\s()（）]+", line) if p]
    if _DATE_IN_LINE.search(line) or _NUMBER_PLAIN.search(line) \
            or any(_office(p) for p in parts):
        return True
    # A line ending in a comma is a sentence broken off (…实现第一个百年奋 / 斗目标之后，): the
    # sentence goes on below it, and furniture never ends so. (A pop-up above the opening,
    # 恭喜您已获得周年庆活动优惠资格!, stays: the rule never takes a line with a sentence mark.)
    return bool(_SENTENCE.search(line) or (_CLAUSE.search(line) and len(line) > 12)
                or line.rstrip().endswith(("，", ","))
                or _HEADING.match(line) or _RED_HEADER.match(line) or _DRAFT_OR_HEADER.search(line)
                or _DOC_NUMBER.match(line) or _DOC_YEAR.search(line) or _office(line)
                or _DATE_LINE.match(line) or _PARENTHESISED.match(line)
                or _RESPONSIBILITY.search(line))


def _title_piece(lines: list[str], k: int) -> bool:
    """Whether ``lines[k]`` is the first part of a title wrapped over lines (鄂州市“十四五”应急
    管理体系 / 和能力建设规划): joined with the next line, it ends as a title does."""
    line = lines[k].strip()
    # a wrapped title's first line is its longer part: one character alone (办, left of a
    # field value 365体育投注办 once the advertising went) is not
    if _TITLE_END.search(line) or _is_notice_title(line) or len(line) > 40 or len(line) < 2 \
            or re.search(r"[A-Za-z]|[，,、：:|>]", line) or _SITE_NAME.search(line):
        return False  # a whole title, or not a part of one (a site's name, a label)
    nxt = next((lines[j].strip() for j in range(k + 1, min(k + 3, len(lines)))
                if lines[j].strip()), "")
    joined = line + nxt
    # a notice's title that opens with 关于 and ends as a title is whole: a site's line above it
    # (政府信息公开) is no part of it (an issuer above it, 宜春市森防指, stays a piece: kept)
    if nxt.startswith("关于") and _TITLE_END.search(nxt) and re.search(
            r"信息公开|网站|首页|栏目|专栏|频道|门户", line):
        return False
    return bool(nxt) and len(joined) <= 60 and not _SENTENCE.search(joined) and bool(
        _TITLE_END.search(joined))


#: A document-sharing site's file heading (…规划方案(2021-2025年)(21页).docx).
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|wps|pptx?|txt|xlsx?|ofd)\s*$", re.I)


def file_header(lines: list[str]) -> list[int]:
    """A document-sharing site's header: the page's first line a file name, and the short
    lines under it (下载文档, 编号：928826, 20页, 31.01KB) up to the first that may be plan text
    or is longer than a label."""
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is None or not _FILE_NAME.search(lines[first]):
        return []
    out = [first]
    for k in range(first + 1, len(lines)):
        s = lines[k].strip()
        if not s:
            continue
        if len(s) > 14 or _may_be_plan_text(s) or _CLAUSE.search(s) or _TITLE_END.search(s) \
                or _title_piece(lines, k):
            break
        out.append(k)
    return out


def head_removals(lines: list[str]) -> tuple[list[int], int | None, int]:
    """What the rule removes: whole lines, and the line whose leading site label goes.

    Returns
    -------
    tuple
        Indices of whole lines to remove; the index of the opening line (``None`` if the page
        has no head); the length of the site label that opens it (0 if none).
    """
    start = opening_line(lines)
    if start is None:
        return [], None, 0
    window = _head_window(lines, start)
    # A page heading above the notice that issues the document (云南省…规划 / 云南省人民政府
    # 办公厅关于印发…的通知): the notice opens the document.
    if not _is_notice_title(lines[start]):
        for k in window[:2]:
            s = lines[k].strip()
            if _is_notice_title(s) and _TITLE_END.search(s) and re.search(r"印发|转发", s) \
                    and not re.search(r"《[^》]*(?:印发|转发)", s):
                start, window = k, [j for j in window if j > k]
                break
    # Site copies of the title above the document's own: the last copy opens the document.
    # A copy is compared with its next line joined (a title wrapped over two lines), so that a
    # truncated copy is not taken for the document's own. A cover (送审稿, the office, a date)
    # between two copies makes both the document's.
    def wrap_of(k: int, after: list[int]) -> str:
        # a line that already ends as a title has no wrapped rest
        own = lines[k].strip()
        if _TITLE_END.search(own):
            return ""
        nxt = lines[after[0]].strip() if after else ""
        ok = nxt and len(nxt) <= 40 and not _SENTENCE.search(nxt) and not ADDRESSEE.match(nxt) \
            and not _may_be_plan_text(nxt)
        return nxt if ok else ""

    key = _key(lines[start]) + _key(wrap_of(start, window))
    opening_whole = bool(_TITLE_END.search(lines[start].strip() + wrap_of(start, window)))
    for n, k in enumerate(window):
        wrap = wrap_of(k, window[n + 1:])
        other = _key(lines[k]) + _key(wrap)
        whole = (lines[k].strip() + wrap)
        complete = bool(_TITLE_END.search(whole))
        between = [lines[j].strip() for j in range(start + 1, k) if lines[j].strip()]
        cover = any(_OFFICE.search(b) or _DATE_LINE.match(b) or _PARENTHESISED.match(b)
                    or _DOC_NUMBER.match(b) or ADDRESSEE.match(b) for b in between)
        # Equal copies stay: only a copy that the site decorated (…的通知-地方规范性文件) or cut
        # short is the site's.
        # A copy is a title, never a sentence that begins with the title's words
        # (《武乡县…规划》是…): found on the sealed test set, which lost that plan's title.
        title_shaped = not _SENTENCE.search(lines[k]) and len(lines[k].strip()) <= 100
        # a copy shorter than the opening must itself be a whole title (not cut short)
        if title_shaped and len(_key(lines[k])) >= 12 and len(key) >= 12 and not cover \
                and key != other and key != _key(lines[k]) \
                and ((key.startswith(other) and complete)
                     or (other.startswith(key) and (complete or not opening_whole))):
            # A longer copy opens the document when it is itself a whole title, or when the
            # opening was cut short; a whole title followed by a decorated copy (《…方案》政策
            # 解读, a link of the site: found on a sealed set, which lost the plan's title)
            # stays the opening.
            start, key = k, other
            opening_whole = complete
    removed = [k for k in range(start) if lines[k].strip()
               and not _may_be_plan_text(lines[k].strip()) and not _title_piece(lines, k)]
    # Between a notice's title and its addressees stand only the title's other lines, its
    # document number, dates, notes in brackets and offices; anything else is the site's
    # (阅读次数, 属性, 下载法规).
    window = [k for k in _head_window(lines, start)]
    if window and ADDRESSEE.match(lines[window[-1]].strip()) and _is_notice_title(lines[start]):
        for k in window[:-1]:
            s = lines[k].strip()
            squeezed = re.sub(r"[\s?？]", "", s)  # 通 ? 知: a title spaced out, a mark lost
            if squeezed and _SITE_WORD.search(s) and not (
                    _may_be_plan_text(s) or _is_notice_title(squeezed)
                    or _TITLE_END.search(squeezed) or s.startswith("各")
                    or _title_piece(lines, k)):
                removed.append(k)
    # The site's links to its readings of the document (《…方案》政策解读 / 图片解读) under
    # the title: the title's own words in 《》 with a link word, nothing else.
    for k in window:
        link = _TITLE_LINK.match(lines[k].strip())
        if link and _key(link.group(1)) == _key(lines[start]):
            removed.append(k)
    label = _LABEL.match(lines[start])
    return sorted(removed), start, label.end() if label else _place_tag(lines[start])


def _place_tag(line: str) -> int:
    """Length of a document database's region tag before a title ((衡水市)衡水市地震局关于印发…),
    0 if none: a place name alone in brackets, the title after it."""
    tag = re.match(r"^\s*[（(]([\u4e00-\u9fff]{2,12})[)）](?=\S)", line)
    if not tag:
        return 0
    named = find_places(tag.group(1))
    rest = line[tag.end():].strip()
    whole = len(named) == 1 and named[0].start == 0 and named[0].end == len(tag.group(1))
    return tag.end() if whole and (_is_notice_title(rest) or _is_plan_title(rest)) else 0


#: A site's link to a reading of the document: 《title》政策解读, 《title》图解, 《title》全文下载.
_TITLE_LINK = re.compile(r"^《([^》]{6,100})》\s*(?:政策|图片|图文|文字|视频|动漫|专家|新闻|全文)?"
                         r"(?:解读|图解|问答|下载)$")


#: Heading numbers by level: a contents list uses at least two of them.
_LEVELS = (("chapter", re.compile(r"^第[一二三四五六七八九十\d]+[章篇部]")),
           ("section", re.compile(r"^第[一二三四五六七八九十\d]+节")),
           ("item", re.compile(r"^[一二三四五六七八九十]+、")),
           ("subitem", re.compile(r"^[(（][一二三四五六七八九十\d]+[)）]")),
           ("point", re.compile(r"^\d{1,2}[.．、](?!\d)")))
#: The sentence of a notice that issues the plan (it stands before the plan's contents).
_NOTICE_SENTENCE = re.compile(r"印发给你们|印发给各|现予印发|现印发")
#: A page number on its own line under a contents entry.
_PAGE_NO = re.compile(r"^\d{1,3}$")
#: Fewest lines and numbered headings of a contents list without 目录 or page numbers.
OUTLINE_LINES, OUTLINE_HEADINGS = 8, 6


def _level(line: str) -> str:
    return next((name for name, pattern in _LEVELS if pattern.match(line.strip())), "")


def _outline_line(line: str) -> bool:
    """A line a contents list is made of: a numbered heading (its last character may be 。,
    it may hold a comma), a wrapped part of one or a masked fragment (no comma: a sentence of
    the body has one), a bare page number."""
    if _level(line):
        body = line.rstrip("。")
        return len(body) <= 40 and not _SENTENCE.search(body)
    return len(line) <= 40 and not _SENTENCE.search(line) and not re.search(r"[，,]", line)


_ORDINALS = {c: k for k, c in enumerate("一二三四五六七八九十", start=1)}


def _ordinal(line: str) -> int | None:
    """The number of a 第X章 / X、 heading (一 … 十九, or digits)."""
    m = re.match(r"^(?:第)?([一二三四五六七八九十\d]+)(?:[章篇部]|、)", line.strip())
    if not m:
        return None
    token = m.group(1)
    if token.isdigit():
        return int(token)
    if token.startswith("十"):
        return 10 + _ORDINALS.get(token[1:], 0) if len(token) > 1 else 10
    if len(token) == 2 and token[1] == "十":
        return 10 * _ORDINALS.get(token[0], 0)
    if len(token) == 3 and token[1] == "十":
        return 10 * _ORDINALS.get(token[0], 0) + _ORDINALS.get(token[2], 0)
    return _ORDINALS.get(token)


def _contents_part(lines: list[str], run: list[int]) -> list[int]:
    """The run up to its last numbered entry or page number, cut where the top level starts
    again (一、 after 三、: the body or an annex begins), without lines that may be plan text
    other than entries (前言, a period in brackets, an office, a date)."""
    top = next((_level(lines[j]) for j in run if _level(lines[j]) in ("chapter", "item")), "")
    cut, last = len(run), -1
    for n, j in enumerate(run):
        if top and _level(lines[j]) == top:
            number = _ordinal(lines[j])
            if number is not None and number <= last:
                cut = n
                break
            last = number if number is not None else last
    run = run[:cut]
    ends = [n for n, j in enumerate(run)
            if _level(lines[j]) or _PAGE_NO.match(lines[j].strip())]
    run = run[:ends[-1] + 1] if ends else []
    return [j for j in run if _level(lines[j]) or _PAGE_NO.match(lines[j].strip())
            or not _cover_or_preface(_lost_spaces(lines[j]))]


def _cover_or_preface(line: str) -> bool:
    """A line of a cover or a preface that may stand among contents lines: 前言 and other
    unnumbered headings, a period or note in brackets, an office, a date, a document number,
    a red header, a draft mark."""
    return bool(_HEADING.match(line) or _PARENTHESISED.match(line) or _OFFICE.search(line)
                or _DATE_LINE.match(line) or _DATE_IN_LINE.search(line) or _RED_HEADER.match(line)
                or _DRAFT_OR_HEADER.search(line) or _DOC_NUMBER.match(line))


def _repeated_below(lines: list[str], run: list[int]) -> bool:
    """Whether the body after a run repeats three or more of its headings as numbered
    headings over text (as the body of a plan repeats its contents; an annex table that lists
    the same items, or a bare table cell, does not)."""
    rest = lines[run[-1] + 1:]

    def heads_text(n: int) -> bool:  # a sentence of body text within two lines under it
        return any(len(x.strip()) > 20 and _SENTENCE.search(x) for x in rest[n + 1:n + 3])

    below = {re.sub(r"[^\u4e00-\u9fff]", "", line) for n, line in enumerate(rest)
             if _level(line) and heads_text(n)}
    below.discard("")
    keys = [re.sub(r"[^\u4e00-\u9fff]", "", lines[j]) for j in run if _level(lines[j].strip())]
    # 第一章 现状与形势 in the body repeats the entry 第一章 / 现状与形势 of two lines
    pairs = [re.sub(r"[^\u4e00-\u9fff]", "", lines[a] + lines[b]) for a, b in zip(run, run[1:])]
    return sum(len(k) >= 3 and k in below for k in keys + pairs) >= 3


def _before_repeat(lines: list[str], run: list[int]) -> list[int]:
    """The part of a run before the body begins: the body repeats an entry of the contents
    (前 言 after 前？言; 第一章 现状与形势 after 第一章 / 现状与形势), so the run stops at the
    first line that repeats one, alone or joined with the line after it."""
    keys = [re.sub(r"[^\u4e00-\u9fff]", "", lines[j]) for j in run]
    seen: set[str] = set()
    for n, key in enumerate(keys):
        joined = key + (keys[n + 1] if n + 1 < len(keys) else "")
        if len(key) >= 2 and (key in seen or joined in seen):  # not 略 of （略） or 一 of （一）
            return run[:n]
        seen.add(key)
        if n and keys[n - 1]:
            seen.add(keys[n - 1] + key)
    return run


def outline_lines(lines: list[str]) -> list[int]:
    """Indices of the lines of a contents list without 目录 or page numbers (see the module
    docstring), or an empty list."""
    stop = len(lines)
    for k, line in enumerate(lines):
        s = line.strip()
        if _body_sentence(s) and not _NOTICE_SENTENCE.search(s):
            stop = k
            break
    found: list[int] = []
    run: list[int] = []
    for k in range(stop + 1):
        s = _lost_spaces(lines[k]) if k < stop else ""
        if k < stop and (not s or _outline_line(s)):
            if s:
                run.append(k)
            continue
        run = _before_repeat(lines, run)
        levels = [_level(_lost_spaces(lines[j])) for j in run]
        first = next((n for n, lvl in enumerate(levels) if lvl), None)
        if first is not None:
            body = run[first:]
            numbered = [lvl for lvl in levels[first:] if lvl]
            # Evidence that it is contents, not the plan's own list: the body repeats its
            # headings, or page numbers stand under them.
            numbers = sum(bool(_PAGE_NO.match(lines[j].strip())) for j in body)
            body = _contents_part(lines, body)
            if len(body) >= OUTLINE_LINES and len(numbered) >= OUTLINE_HEADINGS \
                    and len(set(numbered)) >= 2 and (numbers >= 3 or _repeated_below(lines, body)):
                found += body
        run = []
    return found


def remove_page_head(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Remove the site's lines above and around the document's opening (logged as
    ``page_head``).

    Parameters
    ----------
    text : str
        Text with one paragraph per line (after the blank-line rule).
    ctx : CleanContext
        Unused; the rule reads only the document's own text.

    Returns
    -------
    tuple
        The text and the logged changes, one per removed line or label.
    """
    lines = text.split("\n")
    removed, start, label = head_removals(lines)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    notes = {k: "doc_site" for k in file_header(lines)}
    for k in removed:
        notes.setdefault(k, "page_head")
    for k in outline_lines(lines):
        if k != start:
            notes.setdefault(k, "toc")
    last = len(lines) - 1
    changes = [Change(starts[k], lines[k] + ("\n" if k < last else ""), "", note)
               for k, note in notes.items()]
    if label and start not in notes:
        changes.append(Change(starts[start], lines[start][:label], "", "page_head label"))
    changes.sort(key=lambda c: c.position)
    return apply_changes(text, changes), changes
