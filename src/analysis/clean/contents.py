"""Tables of contents in a page's text: which lines are entries of a contents list.

A plan's contents list is not plan text. It comes as 目录 (spaced out, or run into the line
before it: …规划目 录) with heading-like entries under it, as numbered headings ending in page
numbers without 目录, as an outline of headings near the top of the page that the document
repeats below, or flattened into one line of a document-sharing site's page
(…二〇二二年一月目 录前 言1一、…形势2(一)…). :func:`contents_lines` marks them for
:func:`analysis.clean.furniture.remove_furniture`, which removes and logs them (kind ``toc``).

Written by hand: no library knows the layout of Chinese plan documents.
"""
from __future__ import annotations

import re

from analysis.clean.shapes import ADDRESSEE, HEAD_CHARS, PREFACE, SENTENCE_MARK, TITLE_END
from analysis.clean.shapes import line_key as _key
from analysis.clean.shapes import lost_spaces

#: 目录, spaced out, or with the full-width space between its characters lost to '?' (目??录).
_TOC_HEAD = re.compile(r"^\s*(?:目[\s?？]*录|目\s*次|录)\s*$")
_TOC_TAIL = re.compile(r"目\s*录\s*$")
_TOC_INLINE = re.compile(r"^\s*目\s*录\s+(?=\S)")
_HEADING_ENTRY = re.compile(r"^[^。；;！!？?]{1,60}$")
#: Heading numbers: 第一章, 一、, （一）.
_NUMBERED = r"第[一二三四五六七八九十\d]+[章节部篇]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]"
_ENUMERATED = re.compile(rf"(?:{_NUMBERED}|\d{{1,2}}[.．])")
#: A contents entry: a numbered heading, then its page number after white space or a leader
#: run (一、现状与形势 7 / 第一章 总体要求……12). A number glued to the text or after a decimal
#: point (下降到0.02, 1.5) is plan text, never a page number.
_TOC_ENTRY = re.compile(rf"^\s*(?:{_NUMBERED}|附件\s*\d{{0,2}}\s*[:：]?)"
                        r"[^。；;！!？?]{0,39}[^\d.。；;！!？?\s]"
                        r"。?(?:\s+|\s*[.…·]{2,}\s*)(\d{1,3})\s*$")
#: An entry of a contents list run into a line, with its page number; the page numbers of such
#: a run rise (:func:`_page_numbers_rise`), and an entry holds no comma (a sentence does).
_CONTENTS_ITEM = (rf"(?:{_NUMBERED}|\d{{1,2}}[.．、](?!\d)|前\s*言|附\s*[则件录]|结\s*语)"
                  r"[^。；！？!?，,\d]{0,30}?[\s.…·]*-?\s*(\d{1,3})(?![\d.．%万亿年月日个处])\s*-?")
#: Led by 目录 (doubled by a PDF printed twice: 目目录录), or by the preface's entry itself
#: (前言1第一章现状与形势2…).
_INLINE_CONTENTS = re.compile(rf"(?:目{{1,2}}\s*[录錄]{{1,2}}\s*|(?=前\s*言\s*[.…·\s-]*\d))"
                              rf"(?:{_CONTENTS_ITEM}){{4,}}")
_PAGE_NUMBER = re.compile(r"(?:[\s.…·?？\-]*\d{1,3}(?:\s*-)?|[\s.…·?？]{2,})\s*$")


def _page_numbers_rise(run: str) -> bool:
    """Whether the page numbers of a contents run rise: at least three steps in four do not
    fall (a page's numbering may slip once, 指导思想.5 after 总体要求.-6-; a table of amounts,
    帐篷 200 / 折叠床 300 / 棉被 500 / 发电机 10, falls as often as it rises)."""
    pages = [int(m.group(1)) for m in re.finditer(_CONTENTS_ITEM, run)]
    steps = [a <= b for a, b in zip(pages, pages[1:])]
    return bool(steps) and sum(steps) >= 0.75 * len(steps)


def _toc_end(lines: list[str], start: int) -> int:
    """Index after the last table-of-contents line that starts at ``lines[start]`` (目录)."""
    first_entry, end, seen, numbered_seen = None, start + 1, 0, 0
    for k in range(start + 1, len(lines)):
        # A '?' in a contents list is a lost full-width space (前? 言, 第一章? ? 现状与形势);
        # one ending a heading after a character is a question mark and stays.
        line = lost_spaces(lines[k])
        if not line:
            continue
        entry = _PAGE_NUMBER.sub("", line)
        if entry != line:
            # An entry with its page number may end as its heading does (1.组建应急管理机构。- 5 -).
            entry = entry.rstrip().removesuffix("。")
        if re.fullmatch(r"\d{1,3}", line) and seen:
            end = k + 1  # a page number that a restored break put on its own line
            continue
        if seen >= 3 and _ENUMERATED.match(entry):
            # a numbered entry copied with its heading's full stop ((五)推进防灾减灾救灾工作，
            # 随时应对突发自然灾害。): still one short line of the list
            entry = entry.rstrip().removesuffix("。")
        if not _HEADING_ENTRY.match(entry) or len(entry) > 40 or ADDRESSEE.match(entry):
            break
        if first_entry is not None and _key(entry) == first_entry and seen >= 2:
            break  # the body begins by repeating the first heading
        # a heading number alone on the page's last line: an entry cut off by the excerpt's end
        cut = k == len(lines) - 1 and bool(re.fullmatch(r"[一二三四五六七八九十]{1,3}、?", entry))
        numbered = bool(_ENUMERATED.match(entry)) or entry != line or cut
        if not numbered and seen >= 2 and numbered_seen >= 2:
            break  # a plain line after numbered entries: the document's title or body
        numbered_seen += numbered
        if first_entry is None:
            first_entry = _key(entry)
        seen += 1
        end = k + 1
    return end


def _contents_run(lines: list[str], run: list[int]) -> bool:
    """Whether numbered lines ending in numbers are a table of contents, not a list of
    targets (（一）较大事故控制在 3): entries with leader runs, or headings the document
    repeats below them, as a contents list does."""
    if sum(bool(re.search(r"[.…·]{2,}\s*\d{1,3}\s*$", lines[j])) for j in run) >= 2:
        return True
    body = "\n".join(_key(line) for line in lines[run[-1] + 1:])
    heads = [_key(_PAGE_NUMBER.sub("", lines[j])) for j in run]
    return sum(len(h) >= 4 and h in body for h in heads) >= 2


#: Chapter and section headings of a contents list that lost its 目录 line and its page
#: numbers (一、现状与形势 / （一）“十三五”期间进展与成效 / …).
_CHAPTER = re.compile(r"^(?:第[一二三四五六七八九十]+[章部篇]|[一二三四五六七八九十]+、)")
_SECTION = re.compile(r"^[(（][一二三四五六七八九十\d]+[)）]")
#: A bare contents list: at least this many headings in a row, at least three of them
#: chapters, with no paragraph between them (a plan's body puts text under its headings), and
#: the document after it (:func:`_bare_contents`).
BARE_CONTENTS_MIN = 8


def _bare_contents(lines: list[str], kinds: list[str], starts: list[int]) -> list[int]:
    """Lines of contents lists without 目录 and page numbers near the top of the page: runs
    of headings (short, no sentence mark; one or two short unnumbered lines allowed between
    numbered ones, as when a heading lost its number) with :data:`BARE_CONTENTS_MIN`
    headings and three chapters, followed by two of their headings again or by the title
    that stands above them."""
    out: list[int] = []
    run: list[int] = []
    loose = 0

    def close() -> None:
        while run and not (_CHAPTER.match(lines[run[-1]].strip())
                           or _SECTION.match(lines[run[-1]].strip())):
            run.pop()  # the title or text that follows the list is not part of it
        numbered = [j for j in run if _CHAPTER.match(lines[j].strip())
                    or _SECTION.match(lines[j].strip())]
        chapters = {lines[j].strip()[:2] for j in numbered if _CHAPTER.match(lines[j].strip())}
        if len(numbered) < BARE_CONTENTS_MIN or len(chapters) < 3:
            return
        # A page that is only an outline (work points without text under them) has the same
        # shape; a contents list is followed by the document it lists: its headings again, or
        # the title from above the list (the plan's cover, then its text).
        rest = [_key(line) for line in lines[run[-1] + 1:] if line.strip()]
        body = "\n".join(rest)
        again = sum(len(_key(lines[j])) >= 4 and _key(lines[j]) in body for j in numbered)
        above = [_key(line) for line in lines[:run[0]] if line.strip()]
        retitled = bool(rest) and len(rest[0]) >= 8 and any(a.startswith(rest[0]) for a in above)
        if again >= 2 or retitled:
            out.extend(run)

    for k, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        short = not kinds[k] and len(text) <= 40 and not SENTENCE_MARK.search(text) \
            and starts[k] <= 4 * HEAD_CHARS
        if short and (_CHAPTER.match(text) or _SECTION.match(text)):
            run.append(k)
            loose = 0
            continue
        if short and run and len(text) <= 12 and loose < 2:
            run.append(k)
            loose += 1
            continue
        close()
        run, loose = [], 0
    close()
    return out


def contents_lines(lines: list[str], kinds: list[str], starts: list[int]
                   ) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """Mark contents lines: ``kinds[k] = "toc"`` for whole lines (lines already marked as
    other furniture are left as they are).

    Returns
    -------
    cut : dict
        Line → position from which the rest of the line is a contents list (…规划目 录).
    inline : dict
        Line → (start, end) of a contents list run into the middle of a line.
    """
    cut: dict[int, int] = {}
    k = 0
    while k < len(lines):
        # a field label ending in 目录 (公开目录) is no contents list
        tail = None if _TOC_HEAD.match(lines[k]) or kinds[k] else _TOC_TAIL.search(lines[k])
        before = lines[k][:tail.start()].rstrip() if tail else ""
        if tail and not (TITLE_END.search(before) or before.endswith("月")):
            tail = None  # 信息公开目录, 物资储备目录: a label or a list's name, not a cover
        if (_TOC_HEAD.match(lines[k]) and not kinds[k]) or tail:
            end = _toc_end(lines, k)
            if tail and end - k >= 4:
                # 目录 run into the line before it (…规划目 录): the tail goes with the entries.
                cut[k] = tail.start()
                for j in range(k + 1, end):
                    kinds[j] = "toc"
                k = end
                continue
            if end - k >= 2:
                # one "entry" alone, a preface heading or a title, is the heading the body
                # opens with (目 录 / 前 言 / 玉溪市地形地貌…): the page dropped the list, and
                # only 目录 goes
                lone = end - k == 2 and bool(PREFACE.match(lines[k + 1].strip())
                                             or TITLE_END.search(lines[k + 1].strip()))
                for j in range(k, k + 1 if lone else end):
                    kinds[j] = "toc"
                k = end
                continue
        elif _TOC_INLINE.match(lines[k]) and not SENTENCE_MARK.search(lines[k]) \
                and len(_ENUMERATED.findall(lines[k])) >= 3:
            kinds[k] = "toc"
        k += 1
    # A contents list run into a line (…二〇二二年一月目 录前 言1一、…形势2(一)…七、附 则21前 言为
    # 全面贯彻…): 目录 through the last of 4+ entries ending in a page number; the rest stays.
    inline = {k: m.span() for k, line in enumerate(lines) if not kinds[k] and k not in cut
              for m in [_INLINE_CONTENTS.search(line)] if m and _page_numbers_rise(m.group(0))}
    # Tables of contents without a 目录 line: three or more numbered headings in a row, each
    # ending in a page number that never decreases (一、现状与形势 7 / （一）进展与成效。 7).
    run, last = [], -1
    for k, line in enumerate(lines + ["x"]):
        m = _TOC_ENTRY.match(line) if k < len(lines) else None
        if m and int(m.group(1)) >= last:
            run.append(k)
            last = int(m.group(1))
            continue
        if k < len(lines) and not line.strip():
            continue
        if len(run) >= 3 and _contents_run(lines, run):
            for j in run:
                kinds[j] = kinds[j] or "toc"
        run, last = ([k], int(m.group(1))) if m else ([], -1)
    for j in _bare_contents(lines, kinds, starts):
        kinds[j] = "toc"
    for k, line in enumerate(lines):
        if starts[k] <= HEAD_CHARS and not kinds[k] and k not in cut and k not in inline \
                and _comma_outline(line):
            kinds[k] = "toc"
    return cut, inline


def _comma_outline(line: str) -> bool:
    """A contents list flattened into one line by an encyclopaedia mirror (一、现状与形势,工作
    成效,面临挑战,发展机遇,二、总体要求,指导思想,…): eight or more short items separated by
    commas, no sentence mark, and top-level numbers 一、二、三、 rising among them. Prose lists
    of measures never restart their numbering inside one comma list."""
    if SENTENCE_MARK.search(line) or re.search(r"[:：]", line):
        return False
    items = [i.strip() for i in re.split(r"[,，]", line.strip().rstrip(",，")) if i.strip()]
    if len(items) < 8 or any(len(i) > 20 for i in items):
        return False
    if any(re.search(r"(?:办|局|政府|委|厅|部门|单位|公司)$", i) for i in items):
        return False  # a table of tasks and their units flattened into a line
    numbers = [_CHINESE_ORDINAL.index(m.group(1)) for i in items
               for m in [re.match(r"^([一二三四五六七八九十])、", i)] if m]
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


_CHINESE_ORDINAL = "〇一二三四五六七八九十"
