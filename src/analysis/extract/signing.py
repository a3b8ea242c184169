"""Who signed a plan and when, and the heading of a notice that is itself the plan.

:func:`signature` reads the issuer and date signed under a transmittal notice (also past an
attachment list), :func:`cover` the signers printed under a plan's title on a cover page,
and :func:`directive_notice` the title and issuer of a directive notice (…关于做好…的通知,
which issues no other document). :mod:`analysis.extract.metadata` decides between these and
the other sources. Written by hand, as the rest of the page readers (no library reads the
layout of Chinese government notices).
"""
from __future__ import annotations

import re

from analysis.extract.page_fields import (
    CMS_LABELS,
    DATE,
    DATE_AT_END,
    LABEL,
    damaged_date,
    organ_line,
    organs,
    parse_date,
    squeeze,
    title_key,
)

#: A line of the attachment list a notice may carry above its signature (附件：1. … / 2、…),
#: a short entry without a sentence end.
_ATTACHMENT_ENTRY = re.compile(r"^\s*(?:附件\s*[:：]?\s*(?:\d{1,2}\s*[、.．]\s*)?"
                               r"|\d{1,2}\s*[、.．]\s*)[^。]{2,60}$")


def signature(lines: list[str], notice: int | None) -> tuple[str, str, int]:
    """Issuer and date signed under a transmittal notice, and the index of the line after
    them (where the plan's own heading starts)."""
    if notice is None:
        return "", "", 0
    # A notice run into one line (flattened page): the first body and date after it that
    # stand after a sentence end, 。 安徽省安全生产委员会 2021年5月21日.
    tail = re.search(r"(?:印发给?你们|印发给各)[^。]*。(.{0,400})", lines[notice])
    if tail:
        m = re.search(rf"(?:^|[。\s])([^。，,；]{{0,40}}?)\s*({DATE.pattern})", tail.group(1))
        if m and (not m.group(1) or organs(m.group(1))):
            return organs(m.group(1)), parse_date(m.group(2)), notice + 1
    paragraphs, budget, j, attachments = 0, 6, notice, False
    while budget > 0 and j + 1 < len(lines):
        j += 1
        m = DATE_AT_END.match(lines[j])
        # An attachment list between the notice and its signature: one unbroken list that
        # starts with 附件 (numbered lines without it are the plan's own).
        attachments = not m and bool(_ATTACHMENT_ENTRY.match(lines[j])) and (
            attachments or lines[j].lstrip().startswith("附件"))
        if attachments:
            continue
        budget -= 1
        if not m:
            paragraphs += "。" in lines[j]
            if paragraphs > 2:
                break  # the plan's body, not the notice
            continue
        signers = [lines[k] for k in range(notice + 1, j) if organ_line(lines[k])]
        if m.group(1):
            signers.append(m.group(1))
        date = parse_date(m.group(2)) or damaged_date(m.group(2))
        end = j + 1
        while end < len(lines) and re.match(r"^[（(].{0,12}[)）]$", lines[end]):
            end += 1  # (此件公开发布)
        return organs("、".join(signers)), date, end
    # No date (lost or damaged): the body signing right under the notice.
    nxt = lines[notice + 1] if notice + 1 < len(lines) else ""
    return (organs(nxt) if organ_line(nxt) else ""), "", notice + 1


def cover(lines: list[str], heading: int, title: str) -> tuple[str, str]:
    """Issuer and date printed under the title of a cover page (no notice)."""
    signers, date = [], ""
    for j in range(heading + 1, min(heading + 6, len(lines))):
        line = lines[j]
        if LABEL.search(line) or re.fullmatch(r"[（(].{2,8}[)）]|.{1,8}[:：].{0,12}", line) \
                or title_key(title) in title_key(line):
            continue
        m = DATE_AT_END.match(line)
        if m and (not m.group(1) or organ_line(m.group(1))):
            if m.group(1):
                signers.append(m.group(1))
            date = parse_date(m.group(2)) or damaged_date(m.group(2))
            break
        if organ_line(line) and organs(line) == line:
            signers.append(line)
            continue
        break
    if not signers:
        return "", ""
    return organs("、".join(signers)), date


#: A notice that is itself the plan (长治市潞城区人民政府关于做好2022年安全生产工作的通知): a
#: body, 关于, the matter, 的通知, not issuing another document (印发/转发 notices are read
#: above).
_DIRECTIVE = re.compile(r"^(.{2,40}?)关于(?!印发|转发)([^，。《》:：]{4,50})的(通知|意见|决定)$")


#: A line that cites a document rather than heading one: a list number, a lead-in word.
_CITING = re.compile(r"^(?:[（(]\d{1,2}[)）]|\d{1,2}[.、．]|[一二三四五六七八九十]+、|根据|按照|依据|"
                     r"为贯彻|贯彻|落实|执行)")
#: A line that ends leading into a cited title (为贯彻落实 / 根据), or one that carries on
#: after it (精神，结合…).
_LEADS_IN = re.compile(r"(?:贯彻落实|贯彻|落实|根据|按照|依据|执行|为|和|及|、|，|,)$")
_RUNS_ON = re.compile(r"^(?:精神|要求|部署|等文件|规定|有关|，|,|、)")
#: A CMS title label glued to its value (标题长治市…): the labels of :data:`CMS_LABELS`.
_CMS_WORD = re.compile("^(?:" + "|".join(r"\s*".join(map(re.escape, label))
                                         for label in CMS_LABELS["title"] + ("主题",)) + ")")


def directive_notice(lines: list[str]) -> tuple[str, str]:
    """Title and issuer of a directive notice heading the page, on one line or wrapped
    over up to three (长治市应急管理局 / 关于做好2022年应急管理工作的 / 通 知); ("", "") if
    there is none."""
    head = [squeeze(line) for line in lines[:25]]
    # A heading stands in the page head, above the first sentence; a document named in the
    # text (a basis list, 为贯彻落实 / …的通知 / 精神，…) is cited, not the document.
    first_sentence = next((i for i, x in enumerate(head) if "。" in x), len(head))
    for n in (1, 2, 3):  # a whole line before a wrapped heading
        for i in range(min(len(head), first_sentence) - n + 1):
            if any(len(x) > 50 for x in head[i:i + n]) or _CITING.search(head[i]) \
                    or (i and _LEADS_IN.search(head[i - 1])) \
                    or (i + n < len(head) and _RUNS_ON.match(head[i + n])):
                continue
            joined = re.sub(r"\s+", "", "".join(head[i:i + n]))
            m = _DIRECTIVE.match(joined)
            if m and organ_line(m.group(1)) and not _CMS_WORD.match(m.group(1)):
                return joined, organs(m.group(1))
    return "", ""


#: The cover a document-sharing site prints as the first chunk of a plan (1、阳高县地质灾害防治
#: “十四五”规划阳高县人民政府二二二年一月目 录…, 1、-1-和县…规划(2021-2025)和县减灾救灾委员会
#: 办公室2022 年 12 月-2-目录…): title, signing body and month run together on one line.
_DOCSITE_COVER = re.compile(
    r"^1、\s*(?:-\s*1\s*-\s*)?(.{4,40}?(?:规划|方案|要点|计划)(?:[(（][^()（）]{4,14}[)）])?)"
    r"(.{2,24}?(?:人民政府|委员会办公室|委员会|办公室|管理局|办公厅|局))\s*"
    r"(?:[二〇○零一二三四五六七八九十]{3,4}|(?:19|20)\d{2})\s*年")


def docsite_cover(lines: list[str]) -> tuple[str, str]:
    """Title and signing body of a document-sharing site's cover chunk, when the page has
    one within its first lines (``("", "")`` otherwise)."""
    for line in lines[:15]:
        m = _DOCSITE_COVER.match(line.strip())
        if m and organ_line(m.group(2)):
            return m.group(1), organs(m.group(2))
    return "", ""

