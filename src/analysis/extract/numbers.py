"""Numbers with a unit in a clause text: what counts as a quantity, and where its phrase lies.

:func:`find_numbers` finds every Arabic or Chinese number carrying a unit (``65%``, ``6.6万人``,
``两支``), bare list members that share the last member's unit (0.55、1.43、2.2个百分点) and
rates written without a unit after a comparator (万车死亡率控制在1.5以内), and leaves out what
is not a quantity: ordinals, numbers in quotation marks, book titles and document-number
brackets, codes such as 1+X or 7×24, ratios such as a map scale 1:1万, and Chinese numerals
that label rather than count. The module also holds the small text helpers that delimit a
number's phrase (segment and sentence boundaries) and :func:`_pre_cues`, the comparator cues
just before a number, which both the unit-less rate rule here and the comparator reading of
:mod:`analysis.extract.qualifiers` use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.extract.cues import load_cues
from analysis.structure.clauses import cn_to_int

_HARD = "，；。：！？,;:!?"
_SENTENCE_END = "。；！？;!?"
_CN_DIGITS = "零〇一二两三四五六七八九十百"
_ARABIC = r"\d+(?:\.\d+)?"
#: Maximum characters between a >=/<= cue and its number (至少组织1次), and for change cues.
_GAP_BOUND = 8
_GAP_CHANGE = 2


#: A date written without separators (20211129 under a signature): a date, never a quantity.
_COMPACT_DATE = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


#: The second term of a 1:N ratio (a map scale 1:1万 or 1∶50000, a norm 1：5): part of the
#: ratio, not a quantity of its own. A label's colon after a figure (目标1：95%, 2024：60%)
#: is no ratio: the first term must be a lone 1 not closing a label word.
_RATIO_BEFORE = re.compile(r"(?<!目标)(?<!指标)(?<!任务)(?<!阶段)(?<!附件)(?<!附表)(?<!步骤)(?<![第\d.])"
                           r"1\s*[:：∶]\s*$")

#: What follows the denominator of a rate (10万人口火灾死亡率, 10万人生产安全事故死亡率): the
#: 10万人 names the rate, it is no quantity.
_RATE_AFTER = re.compile(r"口?[^，,。；;、\d]{0,14}?率")


@dataclass(frozen=True)
class NumberHit:
    """A number with its unit, located in a clause text."""

    start: int          # first character of the number
    end: int            # end of the unit (exclusive)
    num_end: int        # end of the number as written (before 余/多 and the unit)
    value: float
    value_written: str
    unit: str
    more_than: bool     # 3000余人: "more than"
    chinese: bool


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside which numbers are names, not quantities: quotation marks (up to 40
    characters: “钢8条”, “5+7”), book titles 《…》 and document-number brackets 〔…〕."""
    spans = []
    for pattern in (r"“[^“”]{1,40}”", r"‘[^‘’]{1,40}’", r"《[^《》]*》", r"〔[^〔〕]*〕",
                    r"\[[^\[\]]*\]", r"「[^「」]{1,40}」"):
        spans.extend((m.start(), m.end()) for m in re.finditer(pattern, text))
    return sorted(spans)


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    # Spans are few per clause; a linear scan is cheaper than bisecting overlapping spans.
    return any(a <= pos < b for a, b in spans)


@lru_cache(maxsize=1)
def _number_regexes() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    cues = load_cues()
    arabic = re.compile(rf"(?<![\d.０-９A-Za-z])({_ARABIC})(?![\d.])\s*(余|多)?\s*({cues.unit_regex})")
    # A numeral starts where its run starts (not inside 第十一个, and not rescanning a
    # long run from every position inside it).
    chinese = re.compile(rf"(?<![第{_CN_DIGITS}])([{_CN_DIGITS}]+)\s*(余|多)?\s*"
                         rf"({cues.cn_unit_regex})")
    # Bare numbers in a list whose last member carries the unit: 0.55、1.43、2.2个百分点.
    listed = re.compile(rf"(?<![\d.０-９A-Za-z])({_ARABIC})(?=\s*、\s*\d)")
    return arabic, chinese, listed


def find_numbers(text: str) -> list[NumberHit]:
    """All numbers with a unit in ``text`` that can be quantities, in text order.

    Excluded: ordinals (第3), numbers in quotation marks, book titles and document-number
    brackets, codes (1+X, 7×24, ranges 5-10), the second term of a ratio (the 1万 of a map
    scale 1:1万), and Chinese numerals that are not preceded by a commitment verb, comparator
    or frequency cue.

    Parameters
    ----------
    text : str
        A clause text.

    Returns
    -------
    list of NumberHit
    """
    cues = load_cues()
    arabic, chinese, listed = _number_regexes()
    protected = _protected_spans(text)
    hits: list[NumberHit] = []
    taken: set[int] = set()

    def unit_ok(unit: str, after: int) -> bool:
        guard = cues.units[unit].not_followed_by
        return guard is None or not guard.match(text, after)

    for m in arabic.finditer(text):
        start, unit = m.start(1), m.group(3)
        before = text[max(0, start - 2):start].rstrip()
        if (_inside(start, protected) or before.endswith(("第", "+", "×", "*", "-", "－", "~"))
                or text[m.end(1):m.end(1) + 1] in "+×-－~" or _COMPACT_DATE.fullmatch(m.group(1))
                or _RATIO_BEFORE.search(text, max(0, start - 6), start)
                or (unit == "万人" and m.group(1) in ("1", "10", "100")
                    and _RATE_AFTER.match(text, m.end(3)))
                or not unit_ok(unit, m.end(3))):
            continue
        hits.append(NumberHit(start, m.end(3), m.end(1), float(m.group(1)),
                              m.group(1) + (unit[0] if unit[0] in "万亿" and len(unit) > 1 else ""),
                              unit.replace("％", "%"), bool(m.group(2)), False))
        taken.add(start)
    # Unit shared by a list: give each bare member the unit of the list's last member.
    for m in listed.finditer(text):
        start = m.start(1)
        if start in taken or _inside(start, protected) or text[max(0, start - 1):start] == "第":
            continue
        nxt = next((h for h in hits if h.start > start and h.start - start <= 24), None)
        chain = text[m.end(1):nxt.start] if nxt else ""
        if nxt and re.fullmatch(rf"(?:\s*、\s*{_ARABIC})*\s*、\s*", chain) \
                and not nxt.chinese:
            hits.append(NumberHit(start, m.end(1), m.end(1), float(m.group(1)), m.group(1),
                                  nxt.unit, False, False))
            taken.add(start)
    # A rate without a unit (万车死亡率控制在1.5以内): accepted only after a comparator cue that
    # follows a word ending in 率.
    for m in re.finditer(rf"(?<![\d.０-９A-Za-z])({_ARABIC})(?![\d.%％])", text):
        start = m.start(1)
        if start in taken or _inside(start, protected) or text[max(0, start - 1):start] in "第+×-":
            continue
        if re.match(r"\s*(?:年|月|日|号|时|[A-Za-z]|、\s*\d)", text[m.end(1):]):
            continue
        pre = text[_last_boundary(text, start, _HARD):start]
        cue = max(_pre_cues(pre, m.group(1)), key=lambda f: (f[1], f[1] - f[0]), default=None)
        if cue is None or not re.search(r"率\s*$", pre[:cue[0]]) \
                or cue[2] in ("decline_by", "increase_by"):
            continue
        hits.append(NumberHit(start, m.end(1), m.end(1), float(m.group(1)), m.group(1), "",
                              False, False))
        taken.add(start)
    for m in chinese.finditer(text):
        start, unit = m.start(1), m.group(3)
        value = cn_to_int(m.group(1))
        if value is None or _inside(start, protected) or not unit_ok(unit, m.end(3)):
            continue
        # Only the current segment counts: a cue before a comma does not license the numeral.
        prefix = text[max(0, start - 12):start]
        segment = re.split(f"[{_HARD}]", prefix)[-1]
        verb = cues.cn_verb.search(segment)
        if value == 1:
            # 一 is mostly an article (一个预案, 一张图); it counts only with 至少/每年 etc.
            ok = bool(cues.cn_frequency.search(segment))
        else:
            ok = bool(verb) or bool(cues.cn_frequency.search(segment[-4:]))
        if not ok:
            continue
        hits.append(NumberHit(start, m.end(3), m.end(1), float(value), m.group(1), unit,
                              bool(m.group(2)), True))
    hits.sort(key=lambda h: (h.start, h.end))
    return _merge_ranges(text, hits)


#: What joins the two ends of a range written with its unit on both (提升1%—2%, 3天至5天),
#: unspaced (60% — 65% with spaces is two cells of a flattened table).
_RANGE_JOIN = re.compile(r"(?:[-－—–~～]{1,2}|至|到)")


def _merge_ranges(text: str, hits: list[NumberHit]) -> list[NumberHit]:
    """A range with its unit written on both ends (准确率提升1%—2%) is one quantity, its lower
    end (as 1-2% is, whose upper end is never a hit); its span covers both ends."""
    out: list[NumberHit] = []
    for hit in hits:
        prev = out[-1] if out else None
        # 从60%到65% / 由2人增至5人 is a change from a baseline, not a range.
        if prev is not None and prev.unit == hit.unit and not prev.chinese and not hit.chinese \
                and _RANGE_JOIN.fullmatch(text, prev.end, hit.start) and hit.value > prev.value \
                and not re.search(r"[从由]", text[max(0, prev.start - 12):prev.start]):
            out[-1] = NumberHit(prev.start, hit.end, prev.num_end, prev.value,
                                prev.value_written, prev.unit, prev.more_than, False)
            continue
        out.append(hit)
    return out


# --------------------------------------------------------------------------------------------
# Phrase boundaries and comparator cues before a number


def _last_boundary(text: str, pos: int, chars: str) -> int:
    """Index just after the last character of ``chars`` before ``pos`` (0 if none)."""
    best = 0
    for ch in chars:
        i = text.rfind(ch, 0, pos)
        if i + 1 > best:
            best = i + 1
    return best


def _next_boundary(text: str, pos: int, chars: str) -> int:
    best = len(text)
    for ch in chars:
        i = text.find(ch, pos)
        if 0 <= i < best:
            best = i
    return best


@lru_cache(maxsize=8)
def _widest_cue(patterns: tuple) -> int | None:
    """Most characters a comparator cue can match (None: unbounded)."""
    from re import _parser

    widest = 0
    for pattern, _ in patterns:
        high = _parser.parse(pattern.pattern, pattern.flags).getwidth()[1]
        if high >= _parser.MAXREPEAT:
            return None
        widest = max(widest, high)
    return widest


def _cue_window(pre: str, patterns: tuple) -> int:
    """Where in ``pre`` the search for cues may start without losing one that
    :func:`_pre_cues` keeps: a kept cue ends where at most :data:`_GAP_BOUND` non-space
    characters follow it, so it starts at most its width before that (a cue list with an
    unbounded pattern is searched from 0, as before). A search from 0 made
    a segment without punctuation quadratic (every number rescanned all the text before it:
    17 s for 25,000 numbers)."""
    widest = _widest_cue(patterns)
    if widest is None:
        return 0
    seen, k = 0, len(pre)
    while k > 0:
        if not pre[k - 1].isspace():
            if seen == _GAP_BOUND:
                break
            seen += 1
        k -= 1
    # A kept cue starts at or after k - widest. A search from 0 finds it too, unless a match
    # that overlaps it came first: no shipped cue can overlap a match of itself (tested), so
    # the searches agree from the window on (the margin only adds slack).
    return max(0, k - 2 * widest - 2)


def _pre_cues(pre: str, number: str) -> list[tuple[int, int, str]]:
    """Comparator cues in ``pre`` close enough to the number that follows it: (start, end,
    comparator). ``number`` is appended while searching so that cues that look ahead (bare 达
    only before a number) can see it."""
    cues = load_cues()
    probe = pre + number
    found = []
    start = _cue_window(pre, cues.comparator_pre)
    for pattern, value in cues.comparator_pre:
        for m in pattern.finditer(probe, start):
            if m.end() > len(pre):
                continue
            gap = re.sub(r"\s", "", pre[m.end():])
            limit = _GAP_CHANGE if value in ("decline_by", "increase_by") else _GAP_BOUND
            if len(gap) > limit or re.search(r"\d", gap):
                continue
            found.append((m.start(), m.end(), value))
    return found
