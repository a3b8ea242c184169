"""Commitment or situation: the grammatical frame a quantity stands in.

Plans mix goals with descriptions of the present (幅员面积6429平方公里, 全市共有企业8868家),
reports of events (共发生事故87起) and statistics cited as context (据统计). The past-tense cues
of :mod:`analysis.extract.qualifiers` catch reports about the past; this module reads the
frame of the sentence around a number that carries no past cue:

* a **commitment frame** makes it a goal: a modal or bound word before it in its sentence
  (确保, 力争, 要, 将, 不超过, 控制在, 低于, 每个), a bound after the unit (以内, 以上), a
  deadline that commits (到2025年, 6月底前, 年内, or a year after the plan's first), or a goals or
  tasks section (主要目标, 重点任务) around it;
* a change on the previous year (同比, 较上年) with no commitment frame and no period other
  than a past part of the year (上半年) is a year's result, a fact; so is a change measured
  from a base period that ended before the year preceding the plan (较“十二五”末 in a 十四五
  plan);
* a **situation frame** makes it a fact when no commitment frame holds: its segment describes
  the present or reports events (幅员, 总人口, 共有, 下辖, 发生, 造成, 年平均), its sentence
  opens as a description (地处, 位于, 据统计), or it continues a list of facts in the same
  sentence without an action verb of its own (…共有企业8868家，其中…企业578户，重点企业108户).

A number in neither frame keeps the reading it had (a target), so recall on plain commitments
(新建35个站, 覆盖率达到100%) does not depend on these lists. The words live in
``data/target_cues.csv`` (``commit``, ``situation``, ``target_section``, ``firm_deadline``).

:func:`unwrap` removes the line breaks of hard-wrapped text (PDF extractions, flattened pages)
inside a sentence, so that a cue or number split across a line (同比下\\n降3%) is read whole; it
returns the map back to the original offsets so that spans stay verbatim.

Written by hand: the frames are a reading of Chinese plan prose that no library offers (general
part-of-speech taggers such as jieba tag 率 and 期 as verbs, which breaks a noun/verb test).
"""
from __future__ import annotations

import re

from analysis.extract.cues import load_cues
from analysis.extract.qualifiers import _YEAR, _five_year_plan_end

#: A line that reads as a heading (short, no sentence punctuation): flattened pages keep a
#: section's heading (1.1建设现状, 一、“十二五”主要成就) inside the text of one clause.
HEADING_LINE = re.compile(r"^[^。；;，,：:！？!?]{2,30}$")
#: A five-year-plan label in a heading (“十三五”, 十三五时期).
#: A comparison with a base period: 较2015年, 比“十二五”期末, 与十二五末相比.
_BASE = re.compile(r"(?:较|比|与)\s*(?:((?:19|20)\d{2})\s*年|“?([一二三四五六七八九十]{1,3})五[”\"]?\s*"
                   r"(?:期末|末|时期|期间))")
_FYP_HEAD = re.compile(r"([一二三四五六七八九十]{1,3})五(?:[”\"]|\s*(?:期间|时期|以来|规划期))")

#: A wrapped line ends inside a sentence: on a Chinese character or a mid-sentence mark, not
#: on 。；： (the end of a sentence or label) nor on a figure (a table cell).
_WRAPPABLE_END = re.compile(r"[\u4e00-\u9fff、，,（(“]")
#: A line that opens an item or heading is never glued to the line before it.
_ITEM_START = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]|——|—|-|第[一二三四五"
                         r"六七八九十百\d]{1,3}[章节条部篇]|[●•■◆▲★·]|附件)")
#: Shortest line (characters, blanks stripped) that can be a wrapped line of running text; a
#: shorter line without final punctuation is a heading.
_WRAP_MIN = 16


def unwrap(text: str) -> tuple[str, list[int]]:
    """``text`` with line breaks inside sentences removed, and the offset map back.

    A line break is removed (with the blanks around it) when the line before it is at least
    ``_WRAP_MIN`` characters of running text ending on a Chinese character or a mid-sentence
    mark (not 。；：, not a figure, no table cells) and the next line does not open an item or
    heading (一、, （二）, 1., ——, 第三章); a line that
    opens an item and holds no comma or full stop is a heading and is kept.

    Returns
    -------
    view : str
        The unwrapped text.
    index : list of int
        ``index[i]`` is the offset in ``text`` of ``view[i]``; one extra entry maps
        ``len(view)`` to ``len(text)``.
    """
    if "\n" not in text:
        return text, list(range(len(text) + 1))
    drop = [False] * len(text)
    lines = text.split("\n")
    pos = 0
    logical = ""
    for k, line in enumerate(lines[:-1]):
        end = pos + len(line)
        logical = (logical + line.strip()) if logical else line.strip()
        following = lines[k + 1]
        heading = _ITEM_START.match(logical) and not re.search("[，,；;。]", logical)
        # A table row (cells apart by tabs or runs of blanks, or ending in a figure) is no
        # wrapped prose even when the next row follows without punctuation.
        table_row = (re.search(r"\t| {2,}|\u3000{2,}", line) or not logical
                     or not _WRAPPABLE_END.match(logical[-1]))
        glue = (len(logical) >= _WRAP_MIN and not heading and not table_row
                and following.strip() != "" and not _ITEM_START.match(following)
                and re.match(r"[\u4e00-\u9fff\d]", following.strip()) is not None)
        if glue:
            a = end
            while a > pos and text[a - 1] in " \t\u3000":
                a -= 1
            b = end + 1
            while b < len(text) and text[b] in " \t\u3000":
                b += 1
            for i in range(a, b):
                drop[i] = True
        else:
            logical = ""
        pos = end + 1
    index = [i for i in range(len(text)) if not drop[i]]
    view = "".join(text[i] for i in index)
    return view, index + [len(text)]


def bound_after(post: str) -> bool:
    """Whether a bound follows the unit (以内, 以下, 以上, 2小时内): goals are bounds, while
    reports give the figure itself (下降5%以上 against 下降29.5%). A bound that qualifies a
    noun (70%以上的城市) describes, it does not commit."""
    for pattern, value in load_cues().comparator_post:
        m = pattern.match(post)
        if m and value in (">=", "<="):
            return not post[m.end():].lstrip().startswith("的")
    return False


def firm(deadline: str, year_start: int) -> bool:
    """Whether a deadline as written commits (到2025年, 6月底前, 年内, a year after the plan's
    first) rather than only dates a report (全年, 上半年, the plan's own first year)."""
    if not deadline:
        return False
    if load_cues().firm_deadline.search(deadline):
        return True
    year = re.search(r"(?:19|20)\d{2}", deadline)
    return bool(year) and int(year.group(0)) > year_start


def commits(sentence_prefix: str, own: str, post_bound: bool, deadline: str,
            year_start: int, target_context: bool) -> bool:
    """Whether a quantity stands in a commitment frame.

    Parameters
    ----------
    sentence_prefix : str
        Its sentence up to the number.
    own : str
        The number, its unit and what it counts.
    post_bound : bool
        A bound follows the unit (:func:`bound_after`).
    deadline : str
        The deadline read for it (:func:`analysis.extract.qualifiers._deadline`).
    year_start : int
        First year of the plan.
    target_context : bool
        It lies in a goals or tasks section.
    """
    return (target_context or post_bound or firm(deadline, year_start)
            or bool(load_cues().commit.search(sentence_prefix + own)))


def situated(sentence_prefix: str, segment: str, own: str) -> bool:
    """Whether a quantity stands in a situation frame: its own segment (``segment``, since the
    last comma, and ``own``, the number with what it counts) describes the present or reports
    events (总人口, 共有, 共发生), or its sentence opens as a description (地处, 据统计)."""
    cues = load_cues()
    return bool(cues.situation.search(segment + own)
                or cues.situation_sentence.search(sentence_prefix))


def continues_facts(segment: str) -> bool:
    """Whether a quantity after a fact of the same sentence continues its list of facts: no
    action verb introduces it (重点企业108户, 森林覆盖率达68%, 其中…; not 新建155个)."""
    return not load_cues().action_verb.search(segment)


def _period_ends(line: str) -> list[int]:
    """Last years of the periods a heading names (2023年, 2021-2025年, “十三五”)."""
    ends = [int(m.group(2) or m.group(1)) for m in _YEAR.finditer(line)]
    return ends + [e for e in (_five_year_plan_end(m.group(1)) for m in _FYP_HEAD.finditer(line))
                   if e is not None]


def dates_the_past(line: str, year_start: int) -> bool:
    """Whether a heading names periods and all of them lie before the plan (2023年工作情况 in
    a 2024 plan, “十三五”安全生产 in a 十四五 plan)."""
    ends = _period_ends(line)
    return bool(ends) and max(ends) < year_start


def dates_the_plan(line: str, year_start: int) -> bool:
    """Whether a heading names periods and none lies before the plan (2024年工作安排 in a 2024
    plan, “十四五”时期主要任务 in a 2021 plan): a section of the plan's own work."""
    ends = _period_ends(line)
    return bool(ends) and min(ends) >= year_start


def reports_last_year(baseline_hint: str, deadline: str) -> bool:
    """Whether a change on the previous year (同比, 较上年) without a commitment frame reads as
    a year's result: no period is set for it, or only a past part of the year (上半年). A
    goal on last year names its year (全年…同比下降3%) or stands in a goals frame."""
    if baseline_hint != "previous_year":
        return False
    return not deadline or bool(load_cues().report_period.fullmatch(deadline))


def compares_past_periods(sentence_prefix: str, year_start: int) -> bool:
    """Whether the change is measured from a base period that ended before the year preceding
    the plan (较2015年 or 比“十二五”末 in a 2021 plan): a goal is measured from the plan's own
    base year, so this is a retrospective comparison, as in a 十三五 review."""
    for m in _BASE.finditer(sentence_prefix):
        end = int(m.group(1)) if m.group(1) else _five_year_plan_end(m.group(2))
        if end is not None and end < year_start - 1:
            return True
    return False


def heading_state(text: str, pos: int, year_start: int) -> str:
    """``"past"``, ``"target"`` or ``""``: what the last heading-like line before ``pos``
    names (a background section such as 发展现状 or a past period such as 2023年工作, or a
    goals section such as 主要目标 or the plan's own period such as 2024年工作安排).

    Flattened pages keep a section's heading inside the text of one clause.
    """
    cues = load_cues()
    state = ""
    for line in text[:pos].split("\n")[:-1]:
        line = line.strip()
        if HEADING_LINE.match(line):
            past = cues.past_section.search(line) or dates_the_past(line, year_start)
            goal = cues.target_section.search(line) or dates_the_plan(line, year_start)
            state = "past" if past else "target" if goal else ""
    return state
