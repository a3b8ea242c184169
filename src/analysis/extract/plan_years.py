"""The years a plan covers, read from its title or, without one, from its text.

:func:`plan_years` prefers a period the plan states (规划期为2023-2025年), then the title's
range (2021-2025年), five-year period (十四五, also written 第十四个五年) or year, and for a
page whose title is not shown the opening of a year's work plan (2022年全市…) or the latest
five-year period its text names (the next one when the text only reviews it). Written by hand:
these are conventions of Chinese plan titles that no library reads.
"""
from __future__ import annotations

import re

from analysis.clean.rules import ascii_digits
from analysis.extract.page_fields import CN_NUM, cn_int

FIVE_YEAR = {"十二五": (2011, 2015), "十三五": (2016, 2020), "十四五": (2021, 2025),
              "十五五": (2026, 2030)}


def plan_years(title: str, lines: list[str]) -> tuple[str, str]:
    """First and last year of the plan (``""`` when unknown)."""
    # A period the plan states (规划期为2023-2025年) is its own, whatever the title's 十四五 says.
    # Its own: 本(次)规划期限为…, or 规划期为… opening a sentence; not a cited plan's period
    # (《某省…规划》（规划期为2021-2025年）, 该规划期限为…).
    stated = re.search(r"(?:本次?规划(?:的)?|(?:^|(?<=[。\n]))\s*规划)(?:期|期限|时限|年限)\s*"
                       r"(?:为|是|[:：])?\s*((?:19|20)\d{2})\s*年?\s*(?:[-—–~～]+|至|到)\s*"
                       r"((?:19|20)\d{2})\s*年", "\n".join(lines[:60]))
    if stated:
        return stated.group(1), stated.group(2)
    if title:
        years = _years(title)
        return years if years[0] else _self_named_year(title, lines)
    return _body_years(lines)


def _self_named_year(title: str, lines: list[str]) -> tuple[str, str]:
    """The year of the document naming itself (…，制定《安全生产委员会2021年工作要点》) when the title
    shown has none: a name in 《》 that is the title with a year in it (a place before it
    allowed), never another year's document the text cites (根据《2021年全市安全生产工作要点》)."""
    own = re.sub(r"[^\u4e00-\u9fff]", "", title)
    for m in re.finditer(r"《([^《》\n]{0,30}?((?:19|20)\d{2})年度?[^《》\n]{0,20})》", "\n".join(lines[:12])):
        named = re.sub(r"[^\u4e00-\u9fff]", "", re.sub(r"(?:19|20)\d{2}年度?", "", m.group(1)))
        if len(own) >= 8 and named.endswith(own):
            return m.group(2), m.group(2)
    return "", ""


def _years(title: str) -> tuple[str, str]:
    text = re.sub(rf"[二{CN_NUM}]{{4}}(?=年)", lambda m: str(cn_int(m.group(0)) or m.group(0)),
                  ascii_digits(title))
    span = re.search(r"((?:19|20)\d{2})\s*年?\s*[-—–~至到]+\s*((?:19|20)\d{2})\s*年?", text)
    if span:
        return span.group(1), span.group(2)
    # 第十四个五年规划 is the long form of “十四五”规划.
    text = re.sub(r"第(十[一二三四五])个五年", lambda m: m.group(1) + "五", text)
    period = next((v for k, v in FIVE_YEAR.items() if k in text), None)
    if period:
        return str(period[0]), str(period[1])
    # A report on one year and the plan of the next (2024年工作总结及2025年工作计划): the plan's.
    ahead = re.search(r"总结\s*(?:和|及|暨|与|以及|、)\s*((?:19|20)\d{2})\s*年[^，。]{0,12}?"
                      r"(?:计划|打算|思路|要点|安排|部署|任务)", text)
    if ahead:
        return ahead.group(1), ahead.group(1)
    year = re.search(r"((?:19|20)\d{2})\s*年", text)
    return (year.group(1), year.group(1)) if year else ("", "")


def _body_years(lines: list[str]) -> tuple[str, str]:
    """Years of a page whose title is not shown: an opening 2022年全市…工作 or 2022年是…之年, else the latest
    five-year period named in the first lines."""
    body = "\n".join(lines[:40])
    # The year that opens the page's first sentence about the year's work: 2022年全市…,
    # X新区2022年应急管理工作总体要求是, 2022年应急管理工作的总体要求是.
    for line in lines[:3]:
        first = re.match(r"^.{0,12}?((?:19|20)\d{2})年(?:全|我|本|[^。，,]{0,12}?工作"
                         r"(?:的)?(?:总体要求|要点|思路|重点|安排|任务))", line) or re.match(
            # 2023年区安全生产委员会的主要任务是: the line opens with the year, and no earlier
            # document is cited (2018年机构改革的总体要求, 2020年…印发方案的总体要求)
            r"^\s*((?:19|20)\d{2})年(?![^。，,]{0,16}?(?:印发|部署|改革|方案))[^。，,]{0,16}?"
            r"的(?:总体要求|主要任务)", line)
        if first:
            return first.group(1), first.group(1)
    # The opener of a year's work plan: 2022年是党的二十大召开之年 / 2021年是“十四五”规划的开局之年.
    planned = any(re.search(r"本规划|规划期|规划基准", line) for line in lines[:12])
    for line in lines[:12]:
        opener = re.match(r"^\s*((?:19|20)\d{2})\s*年是[^。]{0,60}?(?:之年|关键一年|第[一二三四五]年)",
                          line)
        if opener and not planned:
            return opener.group(1), opener.group(1)
    named = [k for k in FIVE_YEAR if k in body]
    if not named:
        return "", ""
    latest = named[-1]
    # A five-year plan opens by reviewing the period before its own (“十三五”期间…取得…,
    # 2020年与2015年相比…下降): a page that names only the reviewed period is the next plan.
    # Only past-tense wording counts (取得了, two past years compared); 下降15% or 与2020年
    # 相比 are how targets are written too. A deadline inside the period (到2020年) means the
    # page plans that period.
    first, last = FIVE_YEAR[latest]
    review = re.search(rf"{latest}[”\"]?(?:期间|时期|以来)[^\n]{{0,300}}?"
                       r"(?:取得了|取得明显|取得显著|成效显著|主要成就|工作成效|主要成效|取得的成效|"
                       r"进步明显|显著提升|明显提升|显著增强|明显增强|"
                       r"(?:19|20)\d{2}年(?:底|末)?与(?:19|20)\d{2}年(?:底|末)?相比)", body)
    ahead = any(first <= int(y) <= last for y in re.findall(r"到((?:19|20)\d{2})年", body))
    keys = list(FIVE_YEAR)
    if review and not ahead and planned_five_year(body) and keys.index(latest) + 1 < len(keys):
        latest = keys[keys.index(latest) + 1]
    return str(FIVE_YEAR[latest][0]), str(FIVE_YEAR[latest][1])


def planned_five_year(body: str) -> bool:
    """Whether a page without a title reads as a five-year plan rather than a year's work
    points: no opening 2022年全市… or 2022年是…之年 was found (the caller's tests), and the
    page speaks of planning (规划, 到20XX年, 发展目标, 预期指标, chapters) rather than of this
    year's work."""
    return bool(re.search(r"规划|到20\d{2}年|发展目标|主要目标|预期指标|^第一章", body, re.M)) and \
        not re.search(r"今年|本年度", body)
