"""What a clause says around a number: comparator, baseline, deadline and past tense.

Given the text before and after a quantity found by :mod:`analysis.extract.numbers`, these
helpers read its comparator (``>=``, ``<=``, ``=``, ``decline_by``, ``increase_by``), the baseline
a change is measured against (同比, 较2016年), the deadline written earlier in its sentence
(到2025年, 6月底前) and whether the sentence refers to the past (a year before the plan, a past
five-year-plan period, 截至/以来). Both the targets table (:mod:`analysis.extract.clause_reading`)
and the normalised accident targets (:mod:`analysis.extract.accident_targets`) rely on them.
"""
from __future__ import annotations

import re

from analysis.extract.cues import load_cues
from analysis.extract.numbers import NumberHit, _pre_cues
from analysis.structure.clauses import cn_to_int


def _comparator(pre: str, post: str, hit: NumberHit) -> tuple[str, bool]:
    """(comparator, whether it came from a cue before the number)."""
    cues = load_cues()
    found = _pre_cues(pre, hit.value_written)
    change = [f for f in found if f[2] in ("decline_by", "increase_by")]
    if change and re.match(r"\s*(?:及?以上|左右)", post):
        # 下降10%以上: still a decline, by at least 10% (decline_by means "at least").
        return max(change, key=lambda f: (f[1], f[1] - f[0]))[2], True
    for pattern, value in cues.comparator_post:
        if pattern.match(post):
            return value, False
    if found:
        # The cue nearest the number wins; at equal ends the longer one (下降到 over 下降).
        return max(found, key=lambda f: (f[1], f[1] - f[0]))[2], True
    if hit.more_than:
        return ">=", False
    return "=", False


def _baseline(pre: str, sentence_prefix: str,
              change: bool = True) -> tuple[str, str, list[tuple[int, int]]]:
    """(baseline as written, rule hint, spans of baseline matches in ``sentence_prefix``).

    The baseline is looked for in the quantity's own phrase, and for a change (下降/提高) also
    earlier in its sentence (同比，事故起数下降…)."""
    cues = load_cues()

    def matches(text: str) -> list[tuple[int, int, str, str]]:
        found = []
        for pattern, hint in cues.baseline:
            for m in pattern.finditer(text):
                found.append((m.start(), m.end(), m.group(0), hint))
        # Longest match at each place wins (同比前两年平均数 over 同比).
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        kept, last_end = [], -1
        for f in found:
            if f[0] >= last_end:
                kept.append(f)
                last_end = f[1]
        return kept

    spans = [(a, b) for a, b, _, _ in matches(sentence_prefix)]
    local = matches(pre)
    chosen = local[-1] if local else (matches(sentence_prefix)[-1] if spans and change
                                      else None)
    if chosen is None:
        return "", "", spans
    return chosen[2], chosen[3], spans


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:[-—－~至]\s*((?:19|20)\d{2})\s*)?年")
_FYP = re.compile(r"([一二三四五六七八九十]{1,3})五(?:”|\")?\s*(?:期间|时期|以来|规划期)")


def _five_year_plan_end(numeral: str) -> int | None:
    """Last year of the n-th five-year plan (十三五 → 2020); None if not such a label."""
    n = cn_to_int(numeral)
    if n is None or n < 3:
        return None
    return 1966 + 5 * (n - 3) + 4


def _past_in_sentence(prefix: str, year_start: int, skip: list[tuple[int, int]]) -> bool:
    """Whether the sentence before the number refers to the past (a year before the plan, a
    past five-year plan period, or a strong cue such as 截至/以来)."""
    cues = load_cues()
    if cues.past_strong.search(prefix):
        return True
    for m in _YEAR.finditer(prefix):
        if any(a <= m.start() < b for a, b in skip):
            continue
        last = int(m.group(2) or m.group(1))
        if last < year_start:
            return True
    for m in _FYP.finditer(prefix):
        end = _five_year_plan_end(m.group(1))
        if end is not None and end < year_start:
            return True
    return False


def _deadline(sentence_prefix: str, year_start: int, paragraph_prefix: str = "") -> str:
    """Nearest deadline written before the number in its sentence (not a past year).

    When the sentence (up to ；) has none, a deadline that opens the whole 。-sentence
    (到2035年，…；…；…) applies to every part of it.
    """
    cues = load_cues()
    found = ""
    for m in cues.deadline.finditer(sentence_prefix):
        year = re.search(r"(?:19|20)\d{2}", m.group(0))
        if year and int(year.group(0)) < year_start:
            continue
        found = m.group(0).strip()
    if not found and paragraph_prefix:
        m = cues.deadline.match(paragraph_prefix.lstrip())
        if m and paragraph_prefix.lstrip()[m.end():m.end() + 1] in "，,":
            year = re.search(r"(?:19|20)\d{2}", m.group(0))
            if not (year and int(year.group(0)) < year_start):
                found = m.group(0).strip()
    return found
