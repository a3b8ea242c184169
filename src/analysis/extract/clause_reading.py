"""Reading one clause text into quantities: span, indicator, comparator, deadline and kind.

:func:`_read_clause` takes the numbers of a clause text
(:func:`analysis.extract.numbers.find_numbers`) and turns each into a row: the phrase holding it,
what it measures (the words before the number without cues, plus what is counted after a count
unit), its comparator, baseline and deadline (:mod:`analysis.extract.qualifiers`) and whether it
is a commitment (``target``) or a report about the past (``fact``). Quantities that only define
which things are meant (超过100米的露天矿山) are dropped, list members share the cue and
indicator of their neighbours, and 分别 lists and shared head nouns are resolved. Whole-corpus
assembly lives in :mod:`analysis.extract.extraction`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.extract.cues import load_cues
from analysis.extract.frames import (bound_after, commits, compares_past_periods,
                                     continues_facts, heading_state, reports_last_year,
                                     situated, unwrap)
from analysis.extract.numbers import (_HARD, _SENTENCE_END, NumberHit, _last_boundary,
                                      _next_boundary, _pre_cues, find_numbers)
from analysis.extract.qualifiers import (_baseline, _comparator, _deadline, _five_year_plan_end,
                                         _past_in_sentence)

#: Characters of object text kept after a count unit.
_OBJECT_MAX = 30

_ITEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.．、]|（[一二三四五六七八九十\d]{1,3}）|"
                          r"[一二三四五六七八九十]{1,3}(?:是|、))")
_FYP_LABEL = re.compile(r"“?[一二三四五六七八九十]{1,3}五”?(?:期间|时期|以来)")

#: Characters a number's sentence is read back at most (see :func:`_read_view`). Every
#: number re-reads this window with several cue patterns, so on a line of numbers without
#: sentence marks the targets stage costs about this many character scans per number
#: (targets stage on 25,000 counts in one line: 16 s at 1000, 9 s at 500). On the 498 real
#: pages of tests/corpus* and the five seeds (in-sample: the rules were written on them), the
#: sentence part before a number read for targets is 36 characters at the median, 191 at the
#: 99th percentile and 299 at most (1,135 numbers, 2026-12-01); 500 keeps a margin over that.
SENTENCE_WINDOW = 500


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


#: A time or a measure that, with what follows it in its segment, defines a period
#: (…连续大雨3天以上、过程降雨量大于100毫米的时段; 雨后48小时的时段); not a bound (12小时内).
_DEFINED_PERIOD = re.compile(r"(?![^\S\n]*(?:以?内|之内))[^，,；;。：:]{0,30}?的(?:时段|时候|时期|天气)")
_PERIOD_UNIT = re.compile(r"千米|公里|米|厘米|毫米|小时|分钟|秒|天|日")
#: Verbs that make a time a goal's (提前72小时, 缩短到…, 实现…).
_TIME_GOAL = re.compile(r"实现|达到|提前|缩短|完成|做到|保障|保证")


#: A casualty or loss, a bound on it, and the class of accident or hazard the bound grades
#: (死亡3人以上事故, 直接经济损失100万元以上火灾, 威胁100人以上500人以下中型隐患) name a class,
#: as 较大事故 does: a threshold, never a quantity of the plan. Only class modifiers may stand
#: between the bound and the class word (培训500人以上事故处置人员 or 帮扶1000户以上消除火灾隐患
#: are goals).
_CLASS_UNITS = r"(?:人|万元|亿元|户)"
_CLASS_UNIT = re.compile(_CLASS_UNITS)
_CASUALTY = r"(?:死亡|遇难|重伤|受伤|中毒|失踪|被困|威胁|危及|伤亡|经济损失)"
_BOUND = r"(?:及)?以[上下]"
#: The number's own casualty or loss right before it, or, for the upper end of a graded range
#: (威胁100人以上500人以下…), the range's opening bound.
_CASUALTY_BEFORE = re.compile(rf"{_CASUALTY}\s*(?:\d+(?:\.\d+)?\s*{_CLASS_UNITS}\s*{_BOUND}\s*)?$")
_CLASS_BOUND = re.compile(rf"\s*{_BOUND}\s*(?:[（(][^（）()]{{0,12}}[）)])?\s*"
                          rf"(?:\d+(?:\.\d+)?\s*{_CLASS_UNITS}\s*{_BOUND}\s*)?的?\s*"
                          r"(?:特别重大|重特大|特大型|大型|中型|小型|重大|较大|一般)?\s*"
                          r"(?:生产安全|安全生产|道路交通|责任|地质灾害|火灾)?\s*(?:事故|隐患|险情|火灾)")


def _is_condition(pre: str, post: str, hit: NumberHit, rest: str = "",
                  sentence_prefix: str = "") -> bool:
    """超过100米的露天矿山: a quantity that defines which things are meant, not a goal; so is a
    bound that grades a class of accidents or hazards (死亡3人以上事故); so is a
    time or measure in a segment (``rest``: the text after it up to the next comma) that
    defines a period with 的 (雨后48小时的时段), unless a cue of its own stands before it or
    its sentence commits (确保…, 力争…提前72小时的时段发布)."""
    cues = load_cues()
    if _CLASS_UNIT.fullmatch(hit.unit) and _CLASS_BOUND.match(rest) \
            and _CASUALTY_BEFORE.search(pre):
        return True  # 死亡1人以上（含1人）责任事故, 威胁100人以上500人以下中型隐患: a class
    attributive = bool(re.match(r"\s*的", post))
    period = bool(_PERIOD_UNIT.fullmatch(hit.unit) and _DEFINED_PERIOD.match(rest))
    if not (attributive or period):
        return False  # most numbers: the cues before them are not searched for this
    found = _pre_cues(pre, hit.value_written)
    cue = max(found, key=lambda f: (f[1], f[1] - f[0])) if found else None
    by_condition_cue = cue is not None and bool(cues.condition_pre.fullmatch(pre[cue[0]:cue[1]]))
    if by_condition_cue and attributive:
        return True
    return (period and (cue is None or by_condition_cue)
            and not cues.commit.search(sentence_prefix) and not _TIME_GOAL.search(sentence_prefix))


_PLACING = r"(?:地处|位于|坐落于|地跨)"
#: A sentence that opens by placing the jurisdiction (楚雄市地处滇中腹地, 全县位于…).
_DESCRIPTION_OPENING = re.compile(rf"\s*[^，,。；;]{{0,30}}?{_PLACING}")
#: The same with a jurisdiction as its subject (咸宁市位于…, 全县地处…), not a facility.
_PLACE_OPENING = re.compile(rf"\s*(?:[\u4e00-\u9fff]{{0,10}}(?:省|市|县|区|州|盟|旗|镇|乡)|全境|境内)"
                            rf"\s*{_PLACING}")
#: Verbs of making: a package of measures made (出台10项具体措施) is a goal, not a name.
_MAKING = re.compile(r"出台|制定|制订|建立|形成|研究|提出|建成")


def _before_space(text: str, end: int, n: int) -> str:
    """The ``n`` characters before ``end`` once the white space right before it is skipped:
    what a pattern ending in ``\\s*$`` sees of ``text[:end]``, without scanning all of it for
    every number (which made a line of many numbers quadratic)."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return text[max(0, end - n):end]


def _is_name(text: str, hit: NumberHit, sentence_prefix: str) -> bool:
    """A count that names something rather than sets a goal: the size of a package of measures
    the plan carries out (贯彻落实…15条硬措施, 省66条、市县99条细化措施) or a counted slogan
    (“3个确保”, 3个力争”，即…). Such numbers are neither targets nor facts."""
    cues = load_cues()
    # (即 stands in the last 21 characters of any match: checked first, as the search would
    # scan the whole sentence for every number)
    if "即" in sentence_prefix[-21:] \
            and re.search(r"[”\"]\s*[，,]?\s*即[^，。；;]{0,20}$", sentence_prefix):
        return True  # “11”，即…11个专项实施方案: the count spells out a quoted formula
    if re.match(r"\s*月\s*(?:左右)?\s*的?\s*时间", text[hit.end:hit.end + 8]) \
            and re.search(r"(?:(?<!使)用|利用|集中|花)$", _before_space(text, hit.start, 3)):
        return True  # 用3个月左右时间开展…: the campaign's schedule, not a goal
    after = text[hit.end:hit.end + 60]
    # (a quote may close the package's name right after its count: ″八抓20条″创新措施; not a
    # quoted norm, “…覆盖率达到100%”要求)
    quote = r"[”\"″〞]?" if _before_space(text, hit.end, 1) in ("条", "项", "个") else ""
    package = re.match(r"(?:\s*[、和及与]\s*[^\d，。；,;]{0,6}?\d+\s*[条项个])*\s*" + quote + r"\s*(?:"
                       + cues.named_set.pattern + ")", after)
    if package:
        # the verb of carrying out must govern the count: in its clause, with no verb of
        # making (出台, 制定) between them (到2022年底前，出台10项具体措施 is a goal)
        clause = re.split(r"[，,；;：:]", sentence_prefix)[-1]
        verbs = list(cues.implement.finditer(clause))
        deadline = re.search(r"到\s*20\d{2}|20\d{2}\s*年(?:底|前|内)", sentence_prefix)
        if verbs and not deadline and not _MAKING.search(clause[verbs[-1].end():]):
            return True
        # …20项创新举措贯彻执行: the verb of carrying out may follow the package in its clause,
        # unless a verb of making stands before it (要制定10项具体措施落实到位 is a goal)
        rest = re.split(r"[，,；;。：:]", after[package.end():])[0]
        if not deadline and cues.implement.match(rest.lstrip()) \
                and not _MAKING.search(clause) and "完成" not in clause:
            return True
    # a counted slogan in quotes: “3个确保”, 3个力争”，即…
    return bool(re.match(r"\s*个?\s*[“\"]?\s*(?:" + cues.formula_word.pattern
                         + r")[^\d，。；,;]{0,6}?[”\"]", after))


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


def _read_clause(text: str, clause_id: str, year_start: int, past_section: bool,
                 target_section: bool = False) -> list[_Row]:
    """Quantities of one clause text, with comparator, deadline, baseline, kind and indicator.

    The text is read with the line breaks of hard-wrapped lines removed
    (:func:`analysis.extract.frames.unwrap`); offsets and spans refer to ``text`` itself.

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
    target_section : bool
        True when the clause lies in a goals section (a commitment frame).

    Returns
    -------
    list of _Row
        In text order.
    """
    view, index = unwrap(text)
    rows = _read_view(view, clause_id, year_start, past_section, target_section)
    for row in rows:
        start = row.local_start
        row.local_start = index[start]
        row.local_end = index[row.local_end - 1] + 1 if row.local_end > start \
            else row.local_start
        row.span = text[row.local_start:row.local_end]
    return rows


#: The sentence's opening frame reports a result: two past years compared (2020年与2015年相比)
#: or a past period's span (“十三五”期间 / 十三五以来).
_RESULT_OPENING = re.compile(r"^\s*(?:((?:19|20)\d{2})年(?:底|末)?(?:与|同|比|较)((?:19|20)\d{2})年"
                             r"(?:底|末)?相比|[“\"]?(十[一二三四五])五[”\"]?(?:期间|时期|以来))")
#: A sentence part with a frame of its own (a year or period, 将, 今后, 力争, 确保, 要, 未来,
#: 下一步, 再下降 …; and any cue of commitment, :func:`_opens_in_past`).
_OWN_FRAME = re.compile(r"(?:19|20)\d{2}年|十[一二三四五]五|将|今后|力争|确保|要|规划期|未来|下一?步|"
                        r"再[\u4e00-\u9fff]{0,2}?(?:下降|减少|降低|压减|提高|提升|增加|增长)")


#: Units of a measure that can qualify an indicator (距地1千米, 1小时救援圈); counts (个, 家,
#: 座) name deliverables of their own (建设10个乡镇应急站覆盖率达到100%).
_MEASURE_UNIT = re.compile(r"千米|公里|米|厘米|毫米|小时|分钟|秒|级")


def _measure_in_indicator(between: str, nxt: NumberHit) -> bool:
    """Whether a number without a cue of its own is part of the next number's indicator: the
    words after it run, without a pause, into a cue right before the next number (天气雷达距地
    1千米观测覆盖范围提升至33.8%: 1千米 says which coverage is measured)."""
    between = between.rstrip()
    if len(between) > 24 or re.search(r"[，,；;、。：:和及与]", between):
        return False
    return any(end == len(between) for _, end, _ in _pre_cues(between, nxt.value_written))


def _opens_in_past(paragraph_prefix: str, sentence_prefix: str, year_start: int) -> bool:
    """Whether the whole sentence (up to 。) opens with a result frame that covers a later part
    without a frame of its own (2020年与2015年相比，…减少到15起；死亡人数由44人减少到8人), as an
    opening deadline does (:func:`~analysis.extract.qualifiers._deadline`). A base year alone
    (与2020年相比, 以2020年为基数) is how targets are written, and is not such a frame."""
    m = _RESULT_OPENING.match(paragraph_prefix)  # anchored: the cheap test first
    if not m or sentence_prefix == paragraph_prefix or _OWN_FRAME.search(sentence_prefix) \
            or load_cues().commit.search(sentence_prefix):
        return False
    if m.group(3):
        end = _five_year_plan_end(m.group(3))
        return end is not None and end < year_start
    return int(m.group(1)) < year_start and int(m.group(2)) < int(m.group(1))


def _read_view(text: str, clause_id: str, year_start: int, past_section: bool,
               target_section: bool) -> list[_Row]:
    """:func:`_read_clause` on the unwrapped text."""
    cues = load_cues()
    hits = find_numbers(text)
    rows: list[_Row] = []
    for i, hit in enumerate(hits):
        # A sentence is read at most SENTENCE_WINDOW characters back: no real sentence part is
        # that long, and on a flattened page without sentence marks reading back to the start
        # for every number was quadratic (7.5 s for a 32,000-character clause).
        sentence_start = max(_last_boundary(text, hit.start, _SENTENCE_END),
                             hit.start - SENTENCE_WINDOW)
        # The number's own segment (since the last comma) is read back no further than its
        # sentence: an unpunctuated run made each number rescan everything before it.
        hard = max(_last_boundary(text, hit.start, _HARD), sentence_start)
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
        if _is_condition(pre, post, hit, text[hit.end:boundary], sentence_prefix) \
                or _is_name(text, hit, sentence_prefix):
            continue
        if comparator == "=" and not from_pre and next_in_segment \
                and _MEASURE_UNIT.fullmatch(hit.unit) \
                and _measure_in_indicator(text[hit.end:nxt.start], nxt):
            continue
        if comparator == "=" and joined_to_prev and prev.comparator_from_pre \
                and (prev.comparator in (">=", "<=") or not pre.strip()):
            # 不少于30人、10人 / 下降10%和8%: the cue before the list covers every member.
            comparator, from_pre = prev.comparator, True
        elif comparator == ">=" and not from_pre and joined_to_prev and not pre.strip() \
                and prev.comparator in ("decline_by", "increase_by"):
            # 下降10%、8%以上: still a change, by at least 8% (as 下降8%以上 would read).
            comparator, from_pre = prev.comparator, True
        baseline, baseline_hint, baseline_spans = _baseline(
            pre, sentence_prefix, comparator in ("decline_by", "increase_by"))
        paragraph_prefix = text[_last_boundary(text, hit.start, "。！？!?\n"):hit.start]
        deadline = _deadline(sentence_prefix, year_start, paragraph_prefix)
        obj, span_end = _object(text, hit, stop, next_in_segment)

        local_piece = pre + text[hit.start:span_end]
        if joined_to_prev:
            # The number before ran on over a lost sentence break (…达标企业 共完成1376家…,
            # the break gone when lines are joined): a past cue right before this number is
            # its own. One further back stays the earlier number's (已完成改造10家、再完成20家:
            # 20 stays a goal).
            between = text[prev.hit.end:hit.start]
            if any(m.end() == len(between) for m in cues.past_weak.finditer(between)):
                local_piece = between + local_piece
        heading = heading_state(text, hit.start, year_start)
        past = (past_section or bool(cues.past_weak.search(local_piece)) or heading == "past"
                or _past_in_sentence(sentence_prefix, year_start, baseline_spans)
                or (not deadline and _opens_in_past(paragraph_prefix, sentence_prefix, year_start)))
        # In a sentence that places the jurisdiction a bound is a description's (咸宁市位于…，
        # 损失占…的85%以上): only a deadline, a cue of commitment or a goals section makes a goal
        # of it (not a facility the plan builds: …储备库位于高新区，…满足5万人以上).
        bound = bound_after(post) and not _PLACE_OPENING.match(paragraph_prefix)
        if not past and not commits(sentence_prefix, text[hit.start:span_end], bound, deadline,
                                    year_start, target_section or heading == "target"):
            # No commitment frame: a description, an event report, the next item of a list of
            # facts in the same sentence, or a change on last year without a period, is a fact.
            segment = text[hard:hit.start]
            # a description that opens its sentence (楚雄市地处滇中腹地，…其中，山区有8个乡镇…；
            # 坝区有7个乡镇) runs on over semicolons; a task after a ； does not (…现有…；推动30家)
            described = bool(_DESCRIPTION_OPENING.match(paragraph_prefix))
            since = hit.start - len(paragraph_prefix) if described else sentence_start
            past = situated(sentence_prefix, segment, text[hit.start:span_end]) or (
                prev is not None and prev.kind == "fact" and prev.local_end > since
                and continues_facts(segment)) or reports_last_year(baseline_hint, deadline) \
                or compares_past_periods(sentence_prefix, year_start)
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
