"""Web and publication debris that has a known shape: breadcrumbs, publication lines,
counters, attachment names, table borders and the 抄送 footer (``data/debris_patterns.csv``),
with the metadata they carry (publication date, an attachment's document number).

A removal never takes plan text with it: a line-scope pattern that runs from furniture into a
flattened paragraph removes the furniture only (:func:`_furniture_end`).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.clean.changes import Change, CleanContext, apply_changes
from analysis.clean.changes import until_stable as _until_stable
from analysis.core.paths import PACKAGE_DATA


@dataclass(frozen=True)
class DebrisPattern:
    name: str
    scope: str  # line / first_line / inline / tail
    regex: re.Pattern
    metadata_field: str


@lru_cache(maxsize=1)
def debris_patterns() -> list[DebrisPattern]:
    """Debris patterns (``data/debris_patterns.csv``)."""
    with open(PACKAGE_DATA / "debris_patterns.csv", encoding="utf-8") as handle:
        return [DebrisPattern(r["name"], r["scope"], re.compile(r["pattern"], re.M),
                              r["metadata_field"]) for r in csv.DictReader(handle)]


#: A footer (抄送 … 印发) must start within this many characters of the end of the text.
TAIL_CHARS = 400
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")
_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
# Dates as web pages write them: 2021-03-03, 2021/3/3, 2021.03.03, 2021年3月3日. ``\d`` also
# matches full-width digits (２０２１), which int() reads, so the text keeps them as written
# while the metadata gets ISO dates in ASCII digits.
_ANY_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def _iso(match: re.Match) -> str:
    """ISO date (ASCII digits) from a match of year, month and day, or "" if it is no date."""
    y, m, d = (int(g) for g in match.groups()[:3])
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return ""
    return f"{y:04d}-{m:02d}-{d:02d}"


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit (full-width ２, Arabic-Indic …) written in ASCII."""
    return "".join(str(int(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def _debris_metadata(field_name: str, removed: str, match: re.Match) -> str:
    if field_name == "published_date":
        found = _ANY_DATE.search(match.group(1))
        return _iso(found) if found else ""
    if field_name == "attachment_doc_number":
        found = _DOC_NUMBER.search(removed)
        return ascii_digits(found.group(0)) if found else ""
    if field_name == "printed_date":
        found = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*印发", removed)
        return _iso(found) if found else ""
    return ""


def remove_debris(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Remove navigation and publication debris; keep what it carries as metadata.

    Runs until nothing is left to remove: a removed breadcrumb makes the next line the first
    line, a removed counter brings a footer within reach of the end, and a pipe run split into
    lines can leave a line of debris; a second cleaning must not find them.
    """
    return _until_stable(text, lambda t: _debris_pass(t, ctx))


#: Plan text inside a removal: a run of at least 10 Chinese characters (quotes, book-title
#: marks and enumeration commas allowed) that a sentence mark continues. Page furniture is made
#: of short labels and values (发布时间：…  浏览次数：…次), so such a run is the plan's own text
#: that a flattened page ran into the furniture line.
_SENTENCE_LIKE = re.compile(r"[\u3400-\u9fff“”‘’《》〈〉、\"]{10,}[，,；;。：:！!？?（(]")


def _furniture_end(removed: str) -> int:
    """Length of ``removed`` that is furniture: up to the first sentence-like run of plan
    text (a counter's empty value, 浏览次数：次, stays with the counter)."""
    # a source's value glued to the next label (信息来源: 芜湖市应急管理局阅读次数:) is no run
    found = next((m for m in _SENTENCE_LIKE.finditer(removed)
                  if not _LABEL_BEFORE_COLON.search(m.group(0))), None)
    if not found:
        return len(removed)
    end = found.start()
    if _COUNTER_BEFORE.search(removed[:end]) and removed.startswith(("次", "人次"), end):
        end += 2 if removed.startswith("人次", end) else 1
    return end


#: (the value before the label is a body's name: 经费来源：, 预警信息的主要来源： are plan text)
_LABEL_BEFORE_COLON = re.compile(r"(?:局|厅|委|办|政府|中心|网|站|部|院|室|社|台)"
                                 r"(?:浏览次数|访问量|访问次数|阅读次数|点击数|点击量|浏览量|信息来源|"
                                 r"来源|作者|字体|字号|责任编辑|编辑)[:：]$")
_COUNTER_BEFORE = re.compile(r"(?:浏览次数|访问量|访问次数|阅读次数|点击数|点击量|浏览量)"
                             r"\s*[:：]\s*\d*\s*$")


def _debris_pass(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    changes: list[Change] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    first_line = re.match(r"\s*([^\n]*)", text)
    for pat in debris_patterns():
        for m in pat.regex.finditer(text):
            a, b = m.start(), m.end()
            if pat.scope == "first_line" and not (first_line and a == first_line.start(1)):
                continue
            if pat.scope == "tail" and (len(text) - a > TAIL_CHARS
                                        or (a and not text[a - 1].isspace())):
                continue  # a footer starts a line (or a flattened paragraph) near the end
            if pat.scope in ("line", "first_line"):
                # A removal never takes plan text with it: a flattened line that runs from
                # furniture into a paragraph loses the furniture only.
                cut = a + _furniture_end(text[a:b])
                if cut < b:
                    b = cut
                elif b < len(text) and text[b] == "\n":
                    b += 1  # drop the whole line, newline included
            if a == b or not free(a, b):
                continue
            removed = text[a:b]
            if pat.metadata_field:
                value = _debris_metadata(pat.metadata_field, removed, m)
                if value and pat.metadata_field not in ctx.metadata:
                    ctx.metadata[pat.metadata_field] = value
            taken.append((a, b))
            # Table borders inside a line separated cells: keep the cells apart.
            changes.append(Change(a, removed, "\n" if pat.name == "pipe_run_inline" else "",
                                  pat.name))
    return apply_changes(text, changes), changes
