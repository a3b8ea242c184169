"""Structure stage: clean text → header metadata and the numbered clause tree.

One general parser for the numbering habits of Chinese plans, written by hand (no library
parses them): 一、/第一部分/第一章 (part) → （一） (section) → 1. / （1） (item) → 一是 / ①
(point). Levels come from the shape of the number, not from a particular document, except
that in a plan divided into chapters (第一章) the numbering under them moves one level down
(:func:`chaptered_levels`: 第一章 > 一、 > （一） > 1.). Where a
heading was lost (numbering restarts, or a part number is skipped) the parser inserts an
*inferred* node so that the children keep a sensible parent and ids stay unique; inferred
nodes are flagged and carry no text of their own.

Preambles and goal statements (untitled introduction, 总体要求, 总体思路, 工作目标, 主要目标 …)
get level ``preamble``, also when they carry a part or section number.

The parser is linear in the length of the document (a benchmark checks the growth): lines
of a clause are joined once at the end, look-ahead for later section markers uses marker
positions found once per document, nodes are placed in document order by one rebuild of the
list rather than by ``list.index``/``list.insert``, and duplicate ids are numbered with a
counter per id.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import pandas as pd

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
LEVELS = ("preamble", "part", "section", "item", "point")
DEPTH = {"part": 1, "section": 2, "item": 3, "point": 4}
GOAL_HEADINGS = re.compile(r"^(总体要求|总体思路|总体目标|工作目标|主要目标|发展目标|目标任务)")
_CN = "[一二三四五六七八九十百零〇两]+"

# (level, regex at the start of a line). The first group is the number as written.
MARKERS = [
    ("part", re.compile(rf"^(第{_CN}(?:部分|章|篇))[\s、：:]*")),
    ("part", re.compile(rf"^({_CN}、)")),
    ("section", re.compile(rf"^(（{_CN}）)")),
    ("section", re.compile(rf"^(第{_CN}节)[\s、：:]*")),
    ("item", re.compile(r"^(\d{1,2}[.．、](?!\d))")),
    ("item", re.compile(r"^(（\d{1,2}）)")),
    ("point", re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])")),
]
#: Kind of each marker of MARKERS, in the order a chaptered plan nests them: 第一章 > 第一节 >
#: 一、 > （一） > 1. / （1） > ①.
_KINDS = ("chapter", "cn", "paren_cn", "jie", "arabic", "paren_arabic", "circled")
_NESTING = ("chapter", "jie", "cn", "paren_cn", "arabic", "paren_arabic", "circled")
_CHAPTER_LINE = re.compile(rf"^\s*第{_CN}(?:部分|章|篇)", re.M)


def chaptered_levels(text: str) -> dict[str, str] | None:
    """Levels of the marker kinds in a plan divided into chapters (第一章 …), or None.

    Such a plan puts 一、 and （一） under its chapters, where a plan without chapters uses
    them as its top two levels; read by shape alone, 一、 would be a sibling of 第一章. Each
    kind the plan uses, in nesting order, takes the level below the previous kind's, or its
    own shape's level if that is deeper (第一部分 > （1） > ① keep part, item, point); the
    fourth level and deeper are all point."""
    # Chapters must be the plan's divisions: two or more, the first before any 一、 (a lone
    # 第一部分 of an attachment or a closing 第四章 附则 after 一、… leaves the shapes as they are).
    chapters = list(_CHAPTER_LINE.finditer(text))
    first_cn = re.search(rf"^\s*{_CN}、", text, re.M)
    if len(chapters) < 2 or (first_cn is not None and first_cn.start() < chapters[0].start()):
        return None
    used = set()
    for line in text.split("\n"):
        stripped = line.strip()
        for kind, (_, pattern) in zip(_KINDS, MARKERS):
            if pattern.match(stripped):
                used.add(kind)
                break
    shape = {kind: level for kind, (level, _) in zip(_KINDS, MARKERS)}
    names = ("part", "section", "item", "point")
    levels, depth = {}, 0
    for kind in (k for k in _NESTING if k in used):
        # Each kind nests below the one before it, and never above its own shape's level.
        depth = min(max(DEPTH[shape[kind]], depth + 1), 4)
        levels[kind] = names[depth - 1]
    return levels
# Unnumbered goal statements such as 总体思路：… at the start of a line.
GOAL_LABEL = re.compile(r"^(总体要求|总体思路|总体目标|工作目标|主要目标)[：:]")
# Inline numbering inside flattened paragraphs: a marker right after a sentence end.
INLINE_BREAK = re.compile(rf"(?<=[。；])(?=（{_CN}）|{_CN}、(?=[\u4e00-\u9fff“])|\d{{1,2}}[.．](?![\d]))")
# The look-behind starts a marker where a run of numerals starts: tried inside a long run,
# every start rescanned the run (quadratic; seconds on a line of 20,000 numerals).
POINT_MARKER = re.compile(rf"(?<![一二三四五六七八九十百零〇两])({_CN})是(?=[\u4e00-\u9fff“（])")
# Part and section markers at the start of a line, for looking ahead (see _SectionLookahead).
_PART_LINE = re.compile(rf"\n{_CN}、")
_SECTION_LINE = re.compile(rf"\n（{_CN}）")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
CIRCLED_MARKER = re.compile(f"([{CIRCLED}])")


def cn_to_int(text: str) -> int | None:
    """Chinese or Arabic numeral (一 … 九十九, 1 … 99, ① …) to int; None if not a number."""
    digits = re.sub(r"[^0-9一二三四五六七八九十百零〇两①-⑳]", "", text)
    if not digits:
        return None
    if digits[0] in CIRCLED:
        return CIRCLED.index(digits[0]) + 1
    if digits.isascii() and digits.isdigit():
        return int(digits)
    total, current = 0, 0
    for ch in digits:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            return None
    return total + current


@dataclass
class Clause:
    level: str
    number_written: str
    number: int | None
    text: str
    char_start: int
    char_end: int
    parent: "Clause | None" = None
    inferred: bool = False
    note: str = ""
    children: list["Clause"] = field(default_factory=list)
    id_part: str = ""


@dataclass(frozen=True)
class Header:
    """Metadata read from a document's header (empty strings where absent)."""

    title: str = ""
    issuer: str = ""
    issue_date: str = ""
    doc_number: str = ""
    body_start: int = 0


_DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_DOC_NUMBER_LINE = re.compile(r"^[\u4e00-\u9fff]{1,10}〔\d{4}〕\d+号$")
_TITLE_WORDS = re.compile(r"(要点|规划|计划|方案|意见|安排)$")


def parse_header(text: str) -> Header:
    """Find the transmittal notice, title, issuer, date and document number at the top.

    The body starts after the title line that follows a notice's signature and date, or
    after the date when no title line follows, or at the top when there is no notice.
    """
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    head = lines[:12]
    notice = next((i for i, l in enumerate(head) if "印发给你们" in l or "印发你们" in l), None)
    doc_number = next((l for l in head if _DOC_NUMBER_LINE.match(l)), "")
    if notice is None:
        title = lines[0] if lines and _TITLE_WORDS.search(lines[0]) and len(lines[0]) < 40 else ""
        return Header(title=title, doc_number=doc_number,
                      body_start=offsets[1] if title else 0)
    date_idx = next((i for i in range(notice + 1, min(notice + 5, len(lines)))
                     if _DATE_LINE.match(lines[i])), None)
    issuer, issue_date, body_line = "", "", notice + 1
    if date_idx is not None:
        issue_date = "{:04d}-{:02d}-{:02d}".format(*map(int, _DATE_LINE.match(lines[date_idx]).groups()))
        if date_idx - 1 > notice and len(lines[date_idx - 1]) <= 30:
            issuer = lines[date_idx - 1]
        body_line = date_idx + 1
    title = ""
    if body_line < len(lines) and _TITLE_WORDS.search(lines[body_line]) \
            and len(lines[body_line]) < 40 and "。" not in lines[body_line]:
        title = lines[body_line]
        body_line += 1
    if not title:
        quoted = re.search(r"《([^》]{4,40})》", " ".join(lines[:notice + 1]))
        title = quoted.group(1) if quoted else ""
    if not issuer:
        first = re.match(r"^(.{2,20}?)关于印发", lines[0])
        issuer = first.group(1) if first else ""
    return Header(title, issuer, issue_date, doc_number, offsets[min(body_line, len(lines))])


def _split_inline(text: str, start: int) -> list[tuple[int, str]]:
    """Split a body into units at line breaks and at numbering that runs inline."""
    units = []
    pos = start
    for line in text[start:].split("\n"):
        cuts = [0] + [m.start() for m in INLINE_BREAK.finditer(line)] + [len(line)]
        for a, b in zip(cuts, cuts[1:]):
            if b > a:
                units.append((pos + a, line[a:b]))
        pos += len(line) + 1
    return units


def _match_marker(unit: str, levels: dict[str, str] | None = None) -> tuple[str, str] | None:
    for kind, (level, pattern) in zip(_KINDS, MARKERS):
        m = pattern.match(unit)
        if m:
            return (levels or {}).get(kind, level), m.group(1)
    return None


def heading_of(text: str, number_written: str) -> str:
    """The short lead phrase of a clause: text after the number up to the first 。 or ：
    (at most 30 characters), or the whole clause when it is a bare heading line."""
    body = text[len(number_written):] if text.startswith(number_written) else text
    body = body.lstrip("：: ")
    m = re.match(r"^([^。；：\n]{1,30})(?:[。；：]|$)", body)
    return m.group(1) if m else ""


def parse_clauses(text: str, body_start: int = 0) -> list[Clause]:
    """Parse the body of a clean document into clauses in document order (points included).

    Returns a flat list; parents are linked through :attr:`Clause.parent`.
    """
    root = Clause("root", "", None, "", 0, 0)
    clauses: list[Clause] = []
    current: Clause | None = None
    last_at: dict[str, Clause | None] = {"part": None, "section": None, "item": None}
    # Continuation lines per clause, joined once at the end (repeated += on an attribute
    # copies the whole text each time: quadratic in a long unnumbered passage).
    more_lines: dict[int, list[str]] = {}
    lookahead = _SectionLookahead(text)
    levels = chaptered_levels(text[body_start:])
    sections_seen = _SectionChildren()
    insert_before: dict[int, list[Clause]] = {}

    def open_node(level: str, written: str, number: int | None, pos: int, unit: str,
                  inferred: bool = False, note: str = "") -> Clause:
        parent = root
        for up in ("part", "section", "item"):
            if DEPTH[up] < DEPTH.get(level, 1) and last_at[up] is not None:
                parent = last_at[up]
        node = Clause(level, written, number, unit, pos, pos + len(unit), parent, inferred, note)
        parent.children.append(node)
        clauses.append(node)
        return node

    def reset_below(level: str) -> None:
        for lower in ("part", "section", "item"):
            if DEPTH[lower] > DEPTH[level]:
                last_at[lower] = None

    for pos, unit in _split_inline(text, body_start):
        stripped = unit.strip()
        if not stripped:
            continue
        marker = _match_marker(stripped, levels)
        goal = GOAL_LABEL.match(stripped)
        if marker is None and goal is None:
            if current is None:
                current = open_node("preamble", "", None, pos, unit)
            else:
                more_lines.setdefault(id(current), [current.text]).append(unit)
                current.char_end = pos + len(unit)
            continue
        if goal is not None and marker is None:
            current = open_node("preamble", goal.group(1) + "：", None, pos, unit)
            continue
        level, written = marker
        number = cn_to_int(written)
        # A number that does not continue its siblings means a lost heading above it.
        siblings_parent_level = {"section": "part", "item": "section", "part": None,
                                 "point": "item"}[level]
        prev_same = last_at.get(level)
        if level in ("section", "item") and prev_same is not None and number is not None \
                and prev_same.number is not None and number <= prev_same.number:
            up = siblings_parent_level
            container = last_at.get(up)
            cont_num = (container.number or 0) if container is not None else 0
            ghost_level = up if up in ("section", "part") else "part"
            ghost = open_node(ghost_level, "", cont_num + 1, pos, "", inferred=True,
                              note=f"heading lost: numbering of {level}s restarts at {written}")
            ghost.char_end = pos
            last_at[ghost_level] = ghost
            reset_below(ghost_level)
        elif levels is None and level == "item" and last_at["section"] is None \
                and last_at["part"] is not None \
                and not sections_seen.any(last_at["part"]) \
                and lookahead.section_before_next_part(pos):
            ghost = open_node("section", "", 1, pos, "", inferred=True,
                              note="heading lost: items before the first section of the part")
            ghost.char_end = pos
            last_at["section"] = ghost
        if level == "part" and last_at["part"] is not None and number is not None \
                and last_at["part"].number is not None and number > last_at["part"].number + 1:
            _insert_missing_parts(last_at["part"], number, root, clauses, insert_before)
            sections_seen.forget(last_at["part"])
        node = open_node(level, written, number, pos, unit)
        heading = heading_of(stripped, written)
        if GOAL_HEADINGS.match(heading) and level in ("part", "section"):
            node.note = f"goal statement numbered {written}"
        last_at[level] = node
        reset_below(level)
        current = node
    if insert_before:
        clauses = [g for c in clauses for g in (*insert_before.get(id(c), ()), c)]
    for clause in clauses:
        lines = more_lines.get(id(clause))
        if lines is not None:
            clause.text = "\n".join(lines)
    return _add_points(clauses)


class _SectionLookahead:
    """Whether a section marker (line starting （一）) follows a position before the next part
    marker (line starting 一、): marker positions are found once, each question is a binary
    search (slicing the rest of the text per question made the parser quadratic)."""

    def __init__(self, text: str):
        self.parts = [m.start() for m in _PART_LINE.finditer(text)]
        self.sections = [m.start() for m in _SECTION_LINE.finditer(text)]

    def section_before_next_part(self, pos: int) -> bool:
        # Both markers begin with a line break and contain no other, so matches never
        # overlap and a section marker found before the next part marker ends before it.
        k = bisect.bisect_left(self.parts, pos)
        end = self.parts[k] if k < len(self.parts) else float("inf")
        j = bisect.bisect_left(self.sections, pos)
        return j < len(self.sections) and self.sections[j] < end


class _SectionChildren:
    """Whether a node has a section among its children, scanning each child once (children
    are only appended, except when _insert_missing_parts moves some: then :meth:`forget`)."""

    def __init__(self):
        self.state: dict[int, tuple[int, bool]] = {}

    def any(self, node: Clause) -> bool:
        checked, found = self.state.get(id(node), (0, False))
        if not found:
            found = any(c.level == "section" for c in node.children[checked:])
        self.state[id(node)] = (len(node.children), found)
        return found

    def forget(self, node: Clause) -> None:
        self.state.pop(id(node), None)


def _insert_missing_parts(prev_part: Clause, number: int, root: Clause,
                          clauses: list[Clause], insert_before: dict[int, list[Clause]]) -> None:
    """A part number was skipped: create the missing part(s) and move to them the inferred
    sections that followed the last section written under the previous part.

    A part placed before an existing node is recorded in ``insert_before`` (the caller puts
    it there in one pass at the end); one placed at the end is appended."""
    explicit = [c for c in prev_part.children if c.level == "section" and not c.inferred]
    last_explicit = explicit[-1] if explicit else None
    movable = [c for c in prev_part.children if c.level == "section" and c.inferred
               and (last_explicit is None or c.char_start > last_explicit.char_start)]
    for missing in range(prev_part.number + 1, number):
        start = movable[0].char_start if movable else prev_part.char_end
        ghost = Clause("part", "", missing, "", start, start, root, True,
                       f"heading lost: part numbering jumps from {prev_part.number} to {number}")
        root.children.append(ghost)
        if movable:
            insert_before.setdefault(id(movable[0]), []).append(ghost)
            moved = {id(sec) for sec in movable}
            prev_part.children = [c for c in prev_part.children if id(c) not in moved]
        else:
            clauses.append(ghost)
        for k, sec in enumerate(movable, start=1):
            sec.parent = ghost
            sec.number = k
            ghost.children.append(sec)
        movable = []


def _add_points(clauses: list[Clause]) -> list[Clause]:
    """Split 一是…二是… enumerations inside a clause into point clauses; returns the clauses
    with each clause's points right after it (a new list, built in one pass)."""
    ordered: list[Clause] = []
    for clause in clauses:
        ordered.append(clause)
        if clause.level not in ("section", "item", "preamble", "part") or clause.inferred:
            continue
        seq: list[re.Match] = []
        for marker in (POINT_MARKER, CIRCLED_MARKER):
            found, expected = [], 1
            for m in marker.finditer(clause.text):
                if cn_to_int(m.group(1)) == expected:
                    found.append(m)
                    expected += 1
            if len(found) >= 2:
                seq = found
                break
        if not seq:
            continue
        for k, m in enumerate(seq):
            end = seq[k + 1].start() if k + 1 < len(seq) else len(clause.text)
            body = clause.text[m.start():end].rstrip()
            point = Clause("point", m.group(0), k + 1, body, clause.char_start + m.start(),
                           clause.char_start + m.start() + len(body), clause)
            clause.children.append(point)
            ordered.append(point)
    return ordered


def _id_component(c: Clause) -> str:
    if c.number is None:
        return "x"
    return str(c.number)


#: Columns of :func:`clause_table` (those of ``clauses.csv``).
CLAUSE_COLUMNS = ["doc_id", "clause_id", "parent_id", "level", "number_written", "number",
                  "heading", "text", "char_start", "char_end", "inferred", "note"]


def clause_table(doc_id: str, text: str) -> tuple[pd.DataFrame, Header]:
    """The clauses of one clean document as rows of ``clauses.csv`` (see the codebook)."""
    header = parse_header(text)
    clauses = parse_clauses(text, header.body_start)
    rows, ids = [], {}
    uses: dict[str, int] = {}
    pre_count = 0
    for c in clauses:
        is_goal = c.level in ("part", "section") and c.note.startswith("goal statement")
        level = "preamble" if is_goal else c.level
        if c.level == "preamble":
            pre_count += 1
            cid = f"{doc_id}/p{pre_count}"
        else:
            chain, node = [], c
            while node is not None and node.level != "root":
                chain.append(_id_component(node))
                node = node.parent
            cid = doc_id + "/" + "/".join(reversed(chain))
        # The n-th clause with the same path gets "-n" (n >= 2). Only this base can make these
        # names (path components are numbers, x or pN), so a counter per base gives the ids
        # a search for the first free suffix gave, without the search (quadratic on a
        # document that repeats its numbering many times).
        uses[cid] = uses.get(cid, 0) + 1
        if uses[cid] > 1:
            cid = f"{cid}-{uses[cid]}"
        ids[id(c)] = cid
        parent_id = ids.get(id(c.parent), "") if c.parent is not None else ""
        rows.append(dict(
            doc_id=doc_id, clause_id=cid, parent_id=parent_id, level=level,
            number_written=c.number_written, number=c.number,
            heading="" if c.level == "preamble" and not c.number_written
            else heading_of(c.text.strip(), c.number_written),
            text=c.text.strip(), char_start=c.char_start, char_end=c.char_end,
            inferred=c.inferred, note=c.note))
    # A text with no clause (everything was furniture) still gives a table with the columns,
    # so that later steps read it like any other.
    table = pd.DataFrame(rows, columns=CLAUSE_COLUMNS)
    table["number"] = table["number"].astype("Int64")
    return table, header
