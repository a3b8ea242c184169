"""Extract stage: quantitative targets (and reported facts) of every plan.

Every number that quantifies something (a number with a unit: ``65%``, ``6.6万人``, ``两支``,
``150公里``) becomes a row of ``targets.csv`` with what it measures, its comparator, deadline and
baseline as written, and whether it is a commitment (``target``) or a report about the past
(``fact``). Accident targets (accident counts, deaths, deaths per 100 million yuan of GDP,
双下降, 遏制重特大事故) are also written in the normalised form of ``accident_targets.csv`` that
the feasibility stage reads (:mod:`analysis.accidents.feasibility`).

The rules are general and written by hand; every word list lives in data files so that it can
be read and extended without touching the code:

* ``data/target_units.csv``: units (longest match wins) and which units a Chinese numeral may
  carry;
* ``data/target_cues.csv``: comparator, deadline, baseline, past-tense and section cues, words
  that make a quoted phrase a name, and the accident vocabulary;
* ``data/target_glossary.csv``: Chinese terms → English, for ``indicator_en``.

What is *not* a quantity: years, months and days (dates), ordinals (第三), numbers inside
quotation marks or book titles (names such as “钢8条”, 《…66条措施》), document numbers
(〔2019〕207号), codes (1+X, 7×24) and Chinese numerals that label rather than count (十四五,
二十大, 三比三争, 两大品牌, 四项举措): a Chinese numeral counts only after a commitment verb,
a comparator or a frequency cue (组建两支, 每年至少一次). A rate may stand without a unit
only after a comparator that follows a word ending in 率 (万车死亡率控制在1.5以内).

Public functions: :func:`extract_targets` (``targets.csv``), :func:`accident_targets`
(``accident_targets.csv``), :func:`build` (the pipeline stage), :func:`targets_from_text` (one
text, for checks), :func:`find_numbers`, :func:`gloss`, :func:`accident_codes`,
:func:`own_pieces` and :func:`load_cues`. Precision and recall against the reading gold:
``tests/gold/TARGETS_EVAL.md``.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.core.io import read_csv
from analysis.core.paths import PACKAGE_DATA
from analysis.core.schema import Column, TableSchema, write_table
from analysis.structure.clauses import cn_to_int

COMPARATORS = (">=", "<=", "=", "decline_by", "increase_by")
KINDS = ("target", "fact")
ACCIDENT_COMPARATORS = ("decline_by", "below", "no_major")
ACCIDENT_INDICATORS = ("accidents_total", "deaths_total", "deaths_per_100m_gdp",
                       "major_accidents_total", "other")
BASELINE_RULES = ("previous_year", "mean_prev_2", "base_year", "none")
ADMIN_LEVELS = ("province", "city", "county")

_HARD = "，；。：！？,;:!?"
_SENTENCE_END = "。；！？;!?"
_CN_DIGITS = "零〇一二两三四五六七八九十百"
_ARABIC = r"\d+(?:\.\d+)?"
#: Maximum characters between a >=/<= cue and its number (至少组织1次), and for change cues.
_GAP_BOUND = 8
_GAP_CHANGE = 2
#: Characters of object text kept after a count unit.
_OBJECT_MAX = 30


# --------------------------------------------------------------------------------------------
# Cue files


def _read_commented_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV whose leading ``#`` lines are documentation."""
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("".join(lines))))


@dataclass(frozen=True)
class Unit:
    unit: str
    category: str
    unit_en: str
    chinese_ok: bool
    not_followed_by: re.Pattern | None


@dataclass(frozen=True)
class Cues:
    """All cue lists, compiled once."""

    units: dict[str, Unit]
    unit_regex: str
    cn_unit_regex: str
    comparator_pre: tuple[tuple[re.Pattern, str], ...]
    comparator_post: tuple[tuple[re.Pattern, str], ...]
    deadline: re.Pattern
    baseline: tuple[tuple[re.Pattern, str], ...]
    past_strong: re.Pattern
    past_weak: re.Pattern
    past_section: re.Pattern
    cn_verb: re.Pattern
    cn_frequency: re.Pattern
    lead_filler: re.Pattern
    tail_drop: re.Pattern
    condition_pre: re.Pattern
    name_suffix: re.Pattern
    accident_indicator: tuple[tuple[re.Pattern, str], ...]
    no_major_verb: str
    decline_verb: str
    major_class: str
    general_class: str
    double_decline: str
    glossary: tuple[tuple[str, str], ...]


def _alternation(patterns: list[str]) -> str:
    return "(?:" + "|".join(patterns) + ")"


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """Read and compile ``target_units.csv``, ``target_cues.csv`` and ``target_glossary.csv``."""
    unit_rows = _read_commented_csv(PACKAGE_DATA / "target_units.csv")
    units = {r["unit"]: Unit(r["unit"], r["category"], r["unit_en"], r["chinese_ok"] == "1",
                             re.compile(r["not_followed_by"]) if r["not_followed_by"] else None)
             for r in unit_rows}
    # Longest first so that 个百分点 beats 个 and 万人 beats 万 inside one alternation.
    by_length = sorted(units, key=lambda u: (-len(u), u))
    unit_regex = _alternation([re.escape(u) for u in by_length])
    cn_unit_regex = _alternation([re.escape(u) for u in by_length if units[u].chinese_ok])

    rows = _read_commented_csv(PACKAGE_DATA / "target_cues.csv")
    by_type: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_type.setdefault(r["cue_type"], []).append(r)

    def pairs(kind: str) -> tuple[tuple[re.Pattern, str], ...]:
        return tuple((re.compile(r["pattern"]), r["value"]) for r in by_type.get(kind, []))

    def joined(kind: str) -> str:
        return _alternation([r["pattern"] for r in by_type.get(kind, [])])

    glossary_rows = _read_commented_csv(PACKAGE_DATA / "target_glossary.csv")
    glossary = tuple(sorted(((r["zh"], r["en"]) for r in glossary_rows),
                            key=lambda p: (-len(p[0]), p[0])))
    return Cues(
        units=units, unit_regex=unit_regex, cn_unit_regex=cn_unit_regex,
        comparator_pre=pairs("comparator_pre"),
        comparator_post=tuple((re.compile("^\\s*" + p.pattern), v)
                              for p, v in pairs("comparator_post")),
        deadline=re.compile(joined("deadline")),
        baseline=pairs("baseline"),
        past_strong=re.compile(joined("past_strong")),
        past_weak=re.compile(joined("past_weak")),
        past_section=re.compile(joined("past_section")),
        cn_verb=re.compile(joined("cn_verb") + r"\s*$"),
        cn_frequency=re.compile(joined("cn_frequency")),
        lead_filler=re.compile("^(?:" + joined("lead_filler") + r"|\s)+"),
        tail_drop=re.compile(joined("tail_drop")),
        condition_pre=re.compile(joined("condition_pre")),
        # Used with Pattern.match(text, pos), which anchors at pos; no ^ (it would not match there).
        name_suffix=re.compile("[”’」』]?\\s*" + joined("name_suffix")),
        accident_indicator=pairs("accident_indicator"),
        no_major_verb=joined("accident_no_major_verb"),
        decline_verb=joined("accident_decline_verb"),
        major_class=joined("accident_major_class"),
        general_class=joined("accident_general_class"),
        double_decline=joined("accident_double_decline"),
        glossary=glossary,
    )


# --------------------------------------------------------------------------------------------
# Finding numbers


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
    chinese = re.compile(rf"(?<!第)([{_CN_DIGITS}]+)\s*(余|多)?\s*({cues.cn_unit_regex})")
    # Bare numbers in a list whose last member carries the unit: 0.55、1.43、2.2个百分点.
    listed = re.compile(rf"(?<![\d.０-９A-Za-z])({_ARABIC})(?=\s*、\s*\d)")
    return arabic, chinese, listed


def find_numbers(text: str) -> list[NumberHit]:
    """All numbers with a unit in ``text`` that can be quantities, in text order.

    Excluded: ordinals (第3), numbers in quotation marks, book titles and document-number
    brackets, codes (1+X, 7×24, ranges 5-10), and Chinese numerals that are not preceded by a
    commitment verb, comparator or frequency cue.

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
                or text[m.end(1):m.end(1) + 1] in "+×-－~"
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
    return hits


# --------------------------------------------------------------------------------------------
# Reading one clause


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


def _pre_cues(pre: str, number: str) -> list[tuple[int, int, str]]:
    """Comparator cues in ``pre`` close enough to the number that follows it: (start, end,
    comparator). ``number`` is appended while searching so that cues that look ahead (bare 达
    only before a number) can see it."""
    cues = load_cues()
    probe = pre + number
    found = []
    for pattern, value in cues.comparator_pre:
        for m in pattern.finditer(probe):
            if m.end() > len(pre):
                continue
            gap = re.sub(r"\s", "", pre[m.end():])
            limit = _GAP_CHANGE if value in ("decline_by", "increase_by") else _GAP_BOUND
            if len(gap) > limit or re.search(r"\d", gap):
                continue
            found.append((m.start(), m.end(), value))
    return found


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


_ITEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.．、]|（[一二三四五六七八九十\d]{1,3}）|"
                          r"[一二三四五六七八九十]{1,3}(?:是|、))")
_FYP_LABEL = re.compile(r"“?[一二三四五六七八九十]{1,3}五”?(?:期间|时期|以来)")
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


def _remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the given (possibly overlapping) spans (不低于 and 低于 both match)."""
    keep, pos = [], 0
    for a, b in sorted(spans):
        if a > pos:
            keep.append(text[pos:a])
        pos = max(pos, b)
    keep.append(text[pos:])
    return "".join(keep)


def _skip_heading(text: str, left: int, limit: int) -> int:
    """Move ``left`` past a clause number (（十八）, 1.) and past a heading line that ends
    without punctuation before the quantity's line."""
    m = _ITEM_NUMBER.match(text[left:limit])
    if m:
        left += m.end()
    newline = text.find("\n", left, limit)
    if newline >= 0:
        line = text[_last_boundary(text, left, "\n"):newline]
        if _ITEM_NUMBER.match(line) and not re.search(f"[{_HARD}]", line):
            left = newline + 1
    return left


def _is_condition(pre: str, post: str, hit: NumberHit) -> bool:
    """超过100米的露天矿山: a quantity that defines which things are meant, not a goal."""
    cues = load_cues()
    if not re.match(r"\s*的", post):
        return False
    found = _pre_cues(pre, hit.value_written)
    if not found:
        return False
    start, end, _ = max(found, key=lambda f: (f[1], f[1] - f[0]))
    return bool(cues.condition_pre.fullmatch(pre[start:end]))


def _strip_indicator(phrase: str, remove: list[str]) -> str:
    cues = load_cues()
    for piece in remove:
        if piece:
            phrase = phrase.replace(piece, "")
    phrase = re.sub(r"\s+|（）|\(\)", "", phrase)
    phrase = cues.lead_filler.sub("", phrase)
    phrase = re.sub(r"[、和及与的，,约近]+$", "", phrase)
    return phrase.strip("“”")


def _first_outside_brackets(text: str, chars: str) -> int:
    """Index of the first character of ``chars`` not inside （…）, or -1 (县（市、区）)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in chars:
            return i
    return -1


def _object(text: str, hit: NumberHit, stop: int, next_in_segment: bool) -> tuple[str, int]:
    """Words after the unit that name what is counted, and where the quantity's phrase ends.

    The phrase runs to the next comma; when another quantity follows in the same segment
    (创建2个国家级和2个省级…, 覆盖率达65%、其他…) it ends at the conjunction before it.
    """
    cues = load_cues()
    post = text[hit.end:stop]
    skip = 0
    for pattern, _ in cues.comparator_post:
        m = pattern.match(post)
        if m:
            skip = m.end()
            break
    body = post[skip:]
    end = stop
    if next_in_segment:
        cut = _first_outside_brackets(body, "、和及与")
        if cut >= 0:
            body = body[:cut]
            end = hit.end + skip + cut
    while end > hit.end and text[end - 1] in "、和及与的 \n\t":
        end -= 1
    obj = re.sub(r"\s+", "", body)[:_OBJECT_MAX].lstrip("的")
    if cues.tail_drop.fullmatch(obj):
        return "", end
    return obj.rstrip("、和及与的"), end


@dataclass
class _Row:
    clause_id: str
    local_start: int
    local_end: int
    hit: NumberHit
    span: str
    indicator: str
    key: str
    verb: str
    comparator: str
    comparator_from_pre: bool
    deadline: str
    baseline: str
    kind: str


def _read_clause(text: str, clause_id: str, year_start: int, past_section: bool) -> list[_Row]:
    """Quantities of one clause text, with comparator, deadline, baseline, kind and indicator.

    Parameters
    ----------
    text : str
        Clause text.
    clause_id : str
        Its identifier (copied to the rows).
    year_start : int
        First year of the plan (years before it are the past).
    past_section : bool
        True when the clause lies in a background section (every number is a fact).

    Returns
    -------
    list of _Row
        In text order.
    """
    cues = load_cues()
    hits = find_numbers(text)
    rows: list[_Row] = []
    for i, hit in enumerate(hits):
        sentence_start = _last_boundary(text, hit.start, _SENTENCE_END)
        hard = _last_boundary(text, hit.start, _HARD)
        prev = rows[-1] if rows else None
        joined_to_prev = prev is not None and prev.local_end > hard
        left = prev.local_end if joined_to_prev else hard
        while left < hit.start and text[left] in "、和及与并 \n\t":
            left += 1
        left = _skip_heading(text, left, hit.start)
        nxt = hits[i + 1] if i + 1 < len(hits) else None
        boundary = _next_boundary(text, hit.end, _HARD)
        next_in_segment = nxt is not None and nxt.start < boundary
        stop = min(boundary, nxt.start) if next_in_segment else boundary
        pre = text[left:hit.start]
        post = text[hit.end:stop]
        sentence_prefix = text[sentence_start:hit.start]

        comparator, from_pre = _comparator(pre, post, hit)
        if _is_condition(pre, post, hit):
            continue
        if comparator == "=" and joined_to_prev and prev.comparator_from_pre \
                and (prev.comparator in (">=", "<=") or not pre.strip()):
            # 不少于30人、10人 / 下降10%和8%: the cue before the list covers every member.
            comparator, from_pre = prev.comparator, True
        baseline, _, baseline_spans = _baseline(
            pre, sentence_prefix, comparator in ("decline_by", "increase_by"))
        deadline = _deadline(sentence_prefix, year_start,
                             text[_last_boundary(text, hit.start, "。！？!?\n"):hit.start])
        obj, span_end = _object(text, hit, stop, next_in_segment)

        local_piece = pre + text[hit.start:span_end]
        past = (past_section or bool(cues.past_weak.search(local_piece))
                or _past_in_sentence(sentence_prefix, year_start, baseline_spans))
        kind = "fact" if past else "target"

        # Indicator: words before the number without cues, plus what is counted after it.
        lead = _remove_spans(pre, [(a, b) for a, b, _ in _pre_cues(pre, hit.value_written)])
        lead = _ITEM_NUMBER.sub("", lead)
        lead = cues.past_strong.sub("", _FYP_LABEL.sub("", lead))
        dead_pieces = [m.group(0) for m in cues.deadline.finditer(lead)]
        lead = _strip_indicator(lead, dead_pieces + ([baseline] if baseline else []))
        lead = re.sub(r"(?:同比|较)$", "", lead)
        percent = hit.unit == "" or cues.units[hit.unit].category == "percent"
        verb = lead if 0 < len(lead) <= 4 else ""
        if not lead and joined_to_prev and prev.verb:
            lead = verb = prev.verb
        indicator = re.sub(r"（）|\(\)", "", lead + obj)
        if not indicator and joined_to_prev:
            # 23支654人, 0.55、1.43个百分点: a bare list member measures what its neighbour does.
            indicator = prev.indicator
        key = _strip_indicator(indicator, []) if percent else (obj or lead)
        rows.append(_Row(clause_id, left, span_end, hit, text[left:span_end], indicator,
                         re.sub(r"^(?:新增|新建|新|再|累计|共|另)", "", key), verb, comparator,
                         from_pre, deadline, baseline, kind))
    _share_heads(rows)
    _respectively(rows)
    return rows


def _respectively(rows: list[_Row]) -> None:
    """事故起数和死亡人数分别下降10%和8%: the k-th indicator of a 分别 list goes to the k-th
    number of the list that follows."""
    i = 0
    while i < len(rows):
        lead = rows[i].indicator
        if "分别" not in lead:
            i += 1
            continue
        run = [rows[i]]
        while i + len(run) < len(rows) and rows[i + len(run)].local_start <= run[-1].local_end + 2 \
                and rows[i + len(run)].indicator == lead:
            run.append(rows[i + len(run)])
        items = [p for p in re.split(r"[、和及与]", lead.split("分别")[0]) if p]
        if len(items) == len(run) > 1:
            for row, item in zip(run, items):
                row.indicator = row.key = item
        i += len(run)


def _share_heads(rows: list[_Row]) -> None:
    """创建2个国家级和2个省级综合减灾示范社区: the first object (国家级) borrows the head noun
    of the next one (综合减灾示范社区)."""
    for a, b in zip(rows, rows[1:]):
        obj_a = a.indicator[len(a.verb):] if a.verb and a.indicator.startswith(a.verb) \
            else a.indicator
        if not obj_a or len(obj_a) > 4 or a.hit.unit != b.hit.unit or a.local_end > b.hit.start:
            continue
        if not a.span or b.local_start > a.local_end + 2:
            continue
        obj_b = b.indicator[len(b.verb):] if b.verb and b.indicator.startswith(b.verb) \
            else b.indicator
        marker = obj_a[-1]
        pos = obj_b.find(marker, 0, 5)
        if pos < 0:
            continue
        head = obj_b[pos + 1:]
        a.indicator = a.indicator + head
        a.key = a.key + head


# --------------------------------------------------------------------------------------------
# English gloss


def gloss(indicator: str, unit: str = "") -> str:
    """English gloss of a Chinese indicator from the glossary (longest terms first).

    Unknown stretches are dropped; if nothing is known, the unit's English name is used
    (``count of teams``, ``percent``).
    """
    cues = load_cues()
    words: list[str] = []
    i = 0
    text = re.sub(r"[“”\"‘’（）()、，,]", " ", indicator)
    while i < len(text):
        for zh, en in cues.glossary:
            if text.startswith(zh, i):
                if en and (not words or words[-1] != en):
                    words.append(en)
                i += len(zh)
                break
        else:
            i += 1
    unit_info = cues.units.get(unit)
    if not words:
        if unit_info is None:
            return ""
        if unit_info.category == "percent":
            return "share (percent)"
        return f"number of {unit_info.unit_en}"
    return " ".join(words)


# --------------------------------------------------------------------------------------------
# Whole corpus


def _clause_contexts(clauses: pd.DataFrame) -> dict[str, bool]:
    """clause_id → True when the clause or an ancestor is a background section."""
    cues = load_cues()
    by_id = clauses.set_index("clause_id")
    own: dict[str, bool] = {}
    for cid, heading, text in zip(clauses["clause_id"], clauses["heading"], clauses["text"]):
        lead = ""
        if isinstance(heading, str):
            lead += heading
        if isinstance(text, str):
            lead += " " + text.split("\n")[0][:40]
        own[cid] = bool(cues.past_section.search(lead)) if lead.strip() else False
    result: dict[str, bool] = {}
    for cid in clauses["clause_id"]:
        flag, cur, depth = False, cid, 0
        while isinstance(cur, str) and cur and depth < 10:
            flag = flag or own.get(cur, False)
            if cur in result:
                flag = flag or result[cur]
                break
            parent = by_id.at[cur, "parent_id"] if cur in by_id.index else None
            cur = parent if isinstance(parent, str) else None
            depth += 1
        result[cid] = flag
    return result


def own_pieces(clauses: pd.DataFrame) -> dict[str, list[tuple[int, int]]]:
    """Parts of each clause text not covered by its children, as offsets into the text.

    Inline points (一是 …) lie inside their item's text; reading only a clause's own parts
    keeps every quantity in exactly one row, attached to the deepest clause.
    """
    spans = {cid: (int(s), int(e)) for cid, s, e in
             zip(clauses["clause_id"], clauses["char_start"], clauses["char_end"])}
    children: dict[str, list[tuple[int, int]]] = {}
    for cid, parent in zip(clauses["clause_id"], clauses["parent_id"]):
        if isinstance(parent, str) and parent in spans:
            children.setdefault(parent, []).append(spans[cid])
    result = {}
    for cid, kids in children.items():
        start, end = spans[cid]
        pieces, pos = [], start
        for a, b in sorted(kids):
            a, b = max(a, start), min(b, end)
            if a > pos:
                pieces.append((pos - start, a - start))
            pos = max(pos, b)
        if pos < end:
            pieces.append((pos - start, end - start))
        result[cid] = pieces
    return result


def _flag_conflicts(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    """True for targets of one document that give different values for the same indicator
    (same key and unit) in different clauses, unless both carry different deadlines (a
    staged target: 到2022年80%, 到2025年100%)."""
    conflict = pd.Series(False, index=table.index)
    frame = table.assign(_key=keys)
    frame = frame[(frame["kind"] == "target") & (frame["_key"].str.len() >= 2)]
    for _, group in frame.groupby(["doc_id", "_key", "unit"], sort=True):
        if group["value"].nunique() < 2 or group["clause_id"].nunique() < 2:
            continue
        rows = list(group.itertuples())
        for a in rows:
            for b in rows:
                # Groups hold a handful of rows; the pairwise check is not corpus-wide.
                if a.Index >= b.Index or a.value == b.value or a.clause_id == b.clause_id:
                    continue
                if isinstance(a.deadline, str) and isinstance(b.deadline, str) \
                        and a.deadline != b.deadline:
                    continue
                conflict[a.Index] = conflict[b.Index] = True
    return conflict


def extract_targets(clauses: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Every quantity of every clause as a row of ``targets.csv``.

    Parameters
    ----------
    clauses : pandas.DataFrame
        ``clauses.csv`` (inferred nodes and empty texts are skipped).
    documents : pandas.DataFrame
        ``documents.csv`` (``doc_id``, ``year_start``).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TARGETS`, sorted by document and position; ``char_start`` and
        ``char_end`` are offsets of ``span`` in ``clean/<doc_id>.txt``.
    """
    year_by_doc = {d: int(y) for d, y in zip(documents["doc_id"], documents["year_start"])}
    past_sections = _clause_contexts(clauses)
    records, keys = [], []
    ordered = clauses.assign(_order=range(len(clauses))).sort_values(
        ["doc_id", "char_start", "_order"], kind="mergesort")
    pieces = own_pieces(clauses)
    for rec in ordered.itertuples():
        text = rec.text if isinstance(rec.text, str) else ""
        if not text or bool(rec.inferred) or rec.doc_id not in year_by_doc:
            continue
        for a, b in pieces.get(rec.clause_id, [(0, len(text))]):
            for row in _read_clause(text[a:b], rec.clause_id, year_by_doc[rec.doc_id],
                                   past_sections.get(rec.clause_id, False)):
                records.append({
                    "doc_id": rec.doc_id, "clause_id": rec.clause_id, "span": row.span,
                    "indicator": row.indicator or None,
                    "indicator_en": gloss(row.indicator, row.hit.unit) or None,
                    "value": row.hit.value, "value_written": row.hit.value_written,
                    "unit": row.hit.unit or None, "comparator": row.comparator,
                    "deadline": row.deadline or None, "baseline": row.baseline or None,
                    "kind": row.kind,
                    "char_start": int(rec.char_start) + a + row.local_start,
                    "char_end": int(rec.char_start) + a + row.local_end,
                })
                keys.append(row.key)
    table = pd.DataFrame(records, columns=[c for c in TARGETS.column_names
                                           if c not in ("target_no", "conflict")])
    if table.empty:
        return pd.DataFrame(columns=TARGETS.column_names)
    table["conflict"] = _flag_conflicts(table, keys)
    table = table.sort_values(["doc_id", "char_start", "char_end"], kind="mergesort")
    table["target_no"] = table.groupby("doc_id").cumcount() + 1
    return table[TARGETS.column_names].reset_index(drop=True)


def targets_from_text(text: str, year_start: int = 2024, doc_id: str = "doc",
                      past_section: bool = False) -> pd.DataFrame:
    """Targets of a single text treated as one clause (for quick checks and tests).

    Parameters
    ----------
    text : str
        Any plan text.
    year_start : int
        First plan year.
    doc_id : str
        Document id to write into the rows.
    past_section : bool
        Treat the text as a background section.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TARGETS` (offsets are within ``text``).
    """
    # A background heading (发展基础) is what makes a real clause a past section.
    clauses = pd.DataFrame([{"doc_id": doc_id, "clause_id": f"{doc_id}/p1", "parent_id": None,
                             "level": "preamble", "heading": "发展基础" if past_section else None,
                             "text": text, "char_start": 0, "char_end": len(text),
                             "inferred": False}])
    documents = pd.DataFrame([{"doc_id": doc_id, "year_start": year_start}])
    return extract_targets(clauses, documents)


# --------------------------------------------------------------------------------------------
# Normalised accident targets


def accident_codes(indicator: str) -> list[str]:
    """Accident indicator codes named in an indicator, in text order (masking: a character
    matched by a more specific pattern is not matched again)."""
    cues = load_cues()
    masked = indicator
    found: list[tuple[int, str]] = []
    for pattern, code in cues.accident_indicator:
        for m in pattern.finditer(masked):
            found.append((m.start(), code))
            masked = masked[:m.start()] + "\0" * (m.end() - m.start()) + masked[m.end():]
    return [code for _, code in sorted(found)]


def _rule_from_baseline(baseline: str, hint: str, target_year: int) -> tuple[str, str]:
    """(baseline_rule, base_years) from the baseline as written."""
    if hint == "prev_n_mean" or re.search(r"前[一二两三四五]年平均", baseline or ""):
        n = cn_to_int(re.search(r"前([一二两三四五])年", baseline).group(1))
        years = list(range(target_year - n, target_year))
        if n == 2:
            return "mean_prev_2", ";".join(map(str, years))
        if n == 1:
            return "previous_year", str(target_year - 1)
        return "base_year", ";".join(map(str, years))
    given = re.findall(r"(?:19|20)\d{2}", baseline or "")
    if given:
        return "base_year", ";".join(sorted(set(given)))
    if baseline:
        return "previous_year", str(target_year - 1)
    return "none", ""


def _baseline_hint(baseline: str) -> str:
    cues = load_cues()
    for pattern, hint in cues.baseline:
        if baseline and pattern.fullmatch(baseline):
            return hint
    return ""


def _target_year(deadline: str | None, doc: dict) -> int:
    year = re.search(r"(?:19|20)\d{2}", deadline or "")
    return int(year.group(0)) if year else int(doc["year_end"])


def _goal_phrases(text: str) -> list[tuple[int, int, str, list[str]]]:
    """Non-numeric accident goals in a clause text: (start, end, comparator, codes).

    ``no_major``: 遏制重特大事故, 杜绝较大以上事故, 防较大、遏重大; ``below``: 双下降, 事故起数、
    死亡人数持续下降 (no number), and 减少一般事故 (code ``other``). Names are skipped: phrases
    inside book titles, or followed by 工作机制/攻坚行动/… (“遏重大”工作机制).
    """
    cues = load_cues()
    books = [(m.start(), m.end()) for m in re.finditer(r"《[^《》]*》", text)]
    found: list[tuple[int, int, str, list[str]]] = []

    def is_name(end: int) -> bool:
        return bool(cues.name_suffix.match(text, end))

    delim = "、，。；”“：,;"
    class_goal = re.compile(
        rf"({cues.no_major_verb})([^{delim}《》]{{0,4}}?)({cues.major_class})"
        rf"((?:[^{delim}《》]{{0,14}}?事故)?)")
    for m in class_goal.finditer(text):
        if _inside(m.start(), books):
            continue
        tail, gap = m.group(4), m.group(2)
        nxt = text[m.end():m.end() + 1]
        if not tail and (gap or (nxt and nxt not in delim)):
            continue  # 防范化解重大安全风险: no accident named
        if is_name(m.end()):
            continue
        found.append((m.start(), m.end(), "no_major", ["major_accidents_total"]))
    # 重特大生产安全事故得到有效遏制: class first, verb after.
    passive = re.compile(rf"({cues.major_class})[^{delim}《》]{{0,12}}?事故[^{delim}]{{0,6}}?"
                         rf"(?:遏制|杜绝)")
    for m in passive.finditer(text):
        if not _inside(m.start(), books) and not any(a <= m.start() < b for a, b, _, _ in found):
            found.append((m.start(), m.end(), "no_major", ["major_accidents_total"]))
    general = re.compile(
        rf"({cues.decline_verb})([^{delim}《》]{{0,4}}?)({cues.general_class})"
        rf"((?:[^{delim}《》]{{0,12}}?事故)?)")
    for m in general.finditer(text):
        nxt = text[m.end():m.end() + 1]
        if _inside(m.start(), books) or (not m.group(4) and nxt and nxt not in delim):
            continue
        if is_name(m.end()):
            continue
        found.append((m.start(), m.end(), "below_other", ["other"]))
    # 双下降 and "起数、死亡人数…下降" with no number: below the previous year.
    for seg in re.finditer(rf"[^，。；：]+", text):
        piece = seg.group(0)
        codes = accident_codes(piece)
        double = re.search(cues.double_decline, piece)
        drop = re.search(rf"(?:{cues.decline_verb})(?!\s*[\d一二两三四五六七八九十])", piece)
        if double:
            start = _first_indicator_start(piece)
            codes = [c for c in codes if c in ("accidents_total", "deaths_total")] \
                or ["accidents_total", "deaths_total"]
            found.append((seg.start() + start, seg.start() + double.end() + (
                1 if piece[double.end():double.end() + 1] == "”" else 0), "below", codes))
        elif codes and drop and not re.search(r"\d", piece[drop.end():]) \
                and drop.start() > _first_indicator_start(piece) \
                and not re.search(r"\d\s*%", piece):
            start = _first_indicator_start(piece)
            codes = [c for c in codes if c in ("accidents_total", "deaths_total",
                                               "deaths_per_100m_gdp")]
            if codes:
                found.append((seg.start() + start, seg.start() + drop.end(), "below", codes))
    found.sort(key=lambda f: (f[0], f[1]))
    return found


def _first_indicator_start(piece: str) -> int:
    """Start of the accident phrase in a segment (生产安全事故起数… rather than the verb)."""
    cues = load_cues()
    starts = [m.start() for p, _ in cues.accident_indicator for m in p.finditer(piece)]
    if not starts:
        return 0
    first = min(starts)
    lead = re.search(r"(?:生产安全|安全生产)?(?:事故)?$", piece[:first])
    return lead.start() if lead else first


def accident_targets(targets: pd.DataFrame, clauses: pd.DataFrame,
                     documents: pd.DataFrame) -> pd.DataFrame:
    """Accident targets in the normalised form read by :mod:`analysis.accidents.feasibility`.

    Numeric targets (``kind == 'target'``, comparator ``decline_by``, unit %) whose indicator
    names accident counts, deaths or deaths per 100 million yuan of GDP give ``decline_by``
    rows (one per indicator named); 双下降 gives ``below`` rows against the previous year;
    遏制重特大事故 / 杜绝较大以上事故 / 防较大 give ``no_major`` rows. Background sections
    (facts about the past) are skipped.

    Parameters
    ----------
    targets : pandas.DataFrame
        Output of :func:`extract_targets`.
    clauses, documents : pandas.DataFrame
        ``clauses.csv`` and ``documents.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`ACCIDENT_TARGETS`, ordered by document and position.
    """
    docs = {r["doc_id"]: r for r in documents.to_dict("records")}
    rows = []

    def base(doc: dict, clause_id: str) -> dict:
        return {"doc_id": doc["doc_id"], "clause_id": clause_id,
                "geography_zh": doc["jurisdiction_zh"], "geography_en": doc["jurisdiction_en"],
                "admin_level": doc["admin_level"], "year_set": int(doc["year_start"])}

    numeric_spans: dict[str, list[tuple[int, int]]] = {}
    for rec in targets.itertuples():
        if rec.kind != "target" or rec.doc_id not in docs:
            continue
        codes = accident_codes(rec.indicator if isinstance(rec.indicator, str) else "")
        if not codes or rec.comparator != "decline_by" or rec.unit != "%":
            continue
        doc = docs[rec.doc_id]
        deadline = rec.deadline if isinstance(rec.deadline, str) else ""
        baseline = rec.baseline if isinstance(rec.baseline, str) else ""
        year = _target_year(deadline, doc)
        rule, years = _rule_from_baseline(baseline, _baseline_hint(baseline), year)
        numeric_spans.setdefault(rec.clause_id, []).append((rec.char_start, rec.char_end))
        for k, code in enumerate(codes):
            rows.append({**base(doc, rec.clause_id), "_pos": int(rec.char_start), "_k": k,
                         "indicator_code": code, "comparator": "decline_by",
                         "required_change_pct": -float(rec.value), "baseline_rule": rule,
                         "base_years": years, "target_year": year, "span": rec.span})

    past_sections = _clause_contexts(clauses)
    pieces = own_pieces(clauses)
    goals = []
    for rec in clauses.itertuples():
        full = rec.text if isinstance(rec.text, str) else ""
        if not full or bool(rec.inferred) or rec.doc_id not in docs \
                or past_sections.get(rec.clause_id, False):
            continue
        for a, b in pieces.get(rec.clause_id, [(0, len(full))]):
            goals.extend((rec, full[a:b], int(rec.char_start) + a, g)
                         for g in _goal_phrases(full[a:b]))
    for rec, text, offset, (start, end, comparator, codes) in goals:
        doc = docs[rec.doc_id]
        year_start = int(doc["year_start"])
        sentence_start = _last_boundary(text, start, _SENTENCE_END)
        if _past_in_sentence(text[sentence_start:start], year_start, []) \
                or "了" in text[start:end + 2]:
            continue  # 杜绝了较大事故: a report, not a goal
        abs_start = offset + start
        if any(a <= abs_start < b for a, b in numeric_spans.get(rec.clause_id, [])):
            continue
        year = _target_year(_deadline(text[sentence_start:start], year_start,
                                      text[_last_boundary(text, start, "。！？!?\n"):start]),
                            doc)
        for k, code in enumerate(codes):
            row = {**base(doc, rec.clause_id), "_pos": abs_start, "_k": k,
                   "indicator_code": code, "span": text[start:end], "target_year": year,
                   "required_change_pct": None}
            if comparator == "no_major":
                row.update(comparator="no_major", baseline_rule="none", base_years="")
            elif comparator == "below_other":
                row.update(comparator="below", baseline_rule="none", base_years="")
            else:
                row.update(comparator="below", baseline_rule="previous_year",
                           base_years=str(year - 1))
            rows.append(row)
    table = pd.DataFrame(rows, columns=ACCIDENT_TARGETS.column_names + ["_pos", "_k"])
    if table.empty:
        return pd.DataFrame(columns=ACCIDENT_TARGETS.column_names)
    table = table.sort_values(["doc_id", "_pos", "_k"], kind="mergesort").reset_index(drop=True)
    table["target_id"] = [f"{d}/T{n:02d}" for d, n in
                          zip(table["doc_id"], table.groupby("doc_id").cumcount() + 1)]
    table["base_years"] = table["base_years"].where(table["base_years"] != "", None)
    return table[ACCIDENT_TARGETS.column_names]


# --------------------------------------------------------------------------------------------
# Schemas and build

_SRC = "`analysis.extract.targets.extract_targets`"
_SRC_ACC = "`analysis.extract.targets.accident_targets`"

TARGETS = TableSchema(
    name="targets",
    filename="targets.csv",
    description="Every quantity written in a plan (a number with a unit), as a commitment "
                "(`target`) or a report about the past (`fact`), with what it measures and "
                "its comparator, deadline and baseline as written. Cue lists: "
                "`src/analysis/data/target_units.csv`, `target_cues.csv`, "
                "`target_glossary.csv`. Precision and recall against the reading gold: "
                "`tests/gold/TARGETS_EVAL.md`.",
    primary_key=("doc_id", "target_no"),
    columns=(
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("clause_id", "str", "Clause holding the quantity (`clauses.csv`).",
               source="`analysis.structure.clauses`"),
        Column("target_no", "int", "Order of the quantity within the document (1 = first).",
               source=_SRC),
        Column("span", "str", "The phrase holding the number, verbatim from the clause text "
               "(from the previous comma or list member to the next comma).", source=_SRC),
        Column("indicator", "str", "What is measured, in Chinese: the words before the "
               "number without comparator, deadline and baseline cues, plus what is counted "
               "after a count unit (e.g. 新增规范化避灾安置场所).", nullable=True, source=_SRC),
        Column("indicator_en", "str", "English gloss of `indicator`, assembled from "
               "`target_glossary.csv` (unknown words dropped; the unit's name if nothing is "
               "known).", nullable=True, source="`analysis.extract.targets.gloss`"),
        Column("value", "float", "The number as a number (6.6 for 6.6万人; the magnitude "
               "stays in `unit`).", source=_SRC),
        Column("value_written", "str", "The number as written, with 万/亿 when the unit "
               "carries it (6.6万, 两, 35).", source="clean text"),
        Column("unit", "str", "Unit as written (%, 个, 支, 名, 人, 万人, 次, 公里, 小时, 座, "
               "家 …); empty for a rate written without one (万车死亡率控制在1.5以内).",
               nullable=True, source="`data/target_units.csv`"),
        Column("comparator", "str", "`>=` (达/至少/不少于/以上), `<=` (以内/控制在/不超过), "
               "`=` (bare number), `decline_by` (下降 X), `increase_by` (提高 X).",
               allowed=COMPARATORS, source="`data/target_cues.csv`"),
        Column("deadline", "str", "Time limit as written before the number in its sentence "
               "(到2025年, 6月底前, 2021年底前, 全年); empty when none is written.",
               nullable=True, source="`data/target_cues.csv`"),
        Column("baseline", "str", "What a change is measured against, as written (同比, "
               "同比前两年平均数, 较2016年相比).", nullable=True,
               source="`data/target_cues.csv`"),
        Column("kind", "str", "`target`: a commitment; `fact`: a report about the past "
               "(background section such as 发展基础/工作成效, or past cues: 累计, 已, 截至, a "
               "year before the plan, a past five-year-plan period).", allowed=KINDS,
               source=_SRC),
        Column("conflict", "bool", "True when the same document gives a different value for "
               "the same indicator (same counted object or rate phrase, same unit) in another "
               "clause, and the two do not carry different deadlines.", source=_SRC),
        Column("char_start", "int", "Start of `span` in `clean/<doc_id>.txt` (offset in the "
               "clean text, not the clause).", source=_SRC),
        Column("char_end", "int", "End of `span` (exclusive) in the clean text.", source=_SRC),
    ),
    notes=("Not quantities: years, months and days; ordinals (第三); numbers in quotation "
           "marks, book titles and document-number brackets (“钢8条”, 〔2019〕207号); codes "
           "(1+X, 7×24); Chinese numerals that label rather than count (十四五, 二十大, "
           "三比三争, 两大品牌). A Chinese numeral counts only after a commitment verb, a "
           "comparator or a frequency cue (组建两支, 每年至少一次).",),
)

ACCIDENT_TARGETS = TableSchema(
    name="accident_targets",
    filename="accident_targets.csv",
    description="Accident targets in the normalised form read by the feasibility stage "
                "(`analysis.accidents.feasibility.CORPUS_TARGET_COLUMNS`): numeric declines of accident "
                "counts, deaths and deaths per 100 million yuan of GDP from `targets.csv`, "
                "and the non-numeric goals 双下降 (`below` the previous year) and "
                "遏制重特大/杜绝较大以上/防较大 (`no_major`). Background sections are skipped.",
    primary_key=("target_id",),
    columns=(
        Column("target_id", "str", "`<doc_id>/T<nn>`, numbered in text order within the "
               "document.", source=_SRC_ACC),
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("clause_id", "str", "Clause holding the goal.", source="`analysis.structure.clauses`"),
        Column("geography_zh", "str", "Jurisdiction the goal applies to (the issuer's).",
               source="`documents.jurisdiction_zh`"),
        Column("geography_en", "str", "Jurisdiction in English.",
               source="`documents.jurisdiction_en`"),
        Column("admin_level", "str", "Administrative level.", allowed=ADMIN_LEVELS,
               source="`documents.admin_level`"),
        Column("indicator_code", "str", "`accidents_total` (事故起数), `deaths_total` "
               "(死亡人数), `deaths_per_100m_gdp` (亿元GDP死亡率), `major_accidents_total` "
               "(accidents of class 较大 and above: 较大/重大/特别重大), `other` (other rates, "
               "and 一般 accidents in 减少一般事故).", allowed=ACCIDENT_INDICATORS,
               source="`data/target_cues.csv` (accident_indicator)"),
        Column("comparator", "str", "`decline_by`: fall by at least `-required_change_pct` "
               "percent; `below`: strictly lower than the baseline; `no_major`: no accident "
               "of the class.", allowed=ACCIDENT_COMPARATORS, source=_SRC_ACC),
        Column("required_change_pct", "float", "Required change in percent (-20.0 for 下降"
               "20%); empty for `below` and `no_major`.", nullable=True, source="`targets.value`"),
        Column("baseline_rule", "str", "`previous_year` (同比, 双下降), `mean_prev_2` "
               "(同比前两年平均数), `base_year` (较2016年; 前三年平均 lists the years), `none`.",
               allowed=BASELINE_RULES, source="`targets.baseline`"),
        Column("base_years", "str", "Base years, `;`-separated (2019;2020); empty for "
               "`none`.", nullable=True, source=_SRC_ACC),
        Column("target_year", "int", "Year the goal applies to: the deadline's year, else "
               "the plan's last year.", source="`targets.deadline`, `documents.year_end`"),
        Column("year_set", "int", "Year the goal was set (the plan's first year).",
               source="`documents.year_start`"),
        Column("span", "str", "Exact text of the goal.", source="clean text"),
    ),
    notes=("Not represented (no comparator fits): 有效控制较大事故 (`control`) and goals "
           "without an accident class such as 防范遏制“小火亡人”事故. A `below` row of code "
           "`other` with `baseline_rule` `none` is a 减少一般事故 goal: the text names no "
           "baseline and none is inferred.",),
)

#: Tables written by this stage (collected into the codebook by the pipeline).
SCHEMAS = [TARGETS, ACCIDENT_TARGETS]


def build(raw_dir: Path, processed_dir: Path) -> list[Path]:
    """Read ``clauses.csv`` and ``documents.csv`` and write ``targets.csv`` and
    ``accident_targets.csv``.

    Parameters
    ----------
    raw_dir : Path
        Raw-data folder (unused: this stage reads processed tables only).
    processed_dir : Path
        Folder of the processed tables.

    Returns
    -------
    list of Path
        The two files written.
    """
    processed_dir = Path(processed_dir)
    clauses = read_csv(processed_dir / "clauses.csv", dtype={"number": str})
    documents = read_csv(processed_dir / "documents.csv")
    targets = extract_targets(clauses, documents)
    accidents = accident_targets(targets, clauses, documents)
    return [write_table(targets, TARGETS, processed_dir),
            write_table(accidents, ACCIDENT_TARGETS, processed_dir)]
