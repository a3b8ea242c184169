"""Spaces that stand inside a title, which the paragraph-break rule keeps.

Web pages flatten paragraphs, and :mod:`analysis.clean.rules` turns a space between two
Chinese characters into the line break it once was. A space inside a title is not one: a site
sets a title in two spans (溪湖区应急管理局2024年度安全生产 监督检查计划的请示), and a cited
document names its joint issuers with a space (《中共广东省委 广东省人民政府关于…》).
:class:`TitleSpaces` decides, per space, which it is.

Written by hand: no library knows the layout of Chinese government titles.
"""
from __future__ import annotations

import re
from bisect import bisect_left

from analysis.clean.furniture import _BARE_LABEL
from analysis.clean.shapes import TITLE_END

#: White space that a title line may carry (溪湖区应急管理局2024年度安全生产 监督检查计划的请示).
_LINE_SPACE = re.compile(r"[ \t\u3000\xa0]+")
#: What opens a new line after a space: another title, a year, a note, an item's number.
_NEW_PART = re.compile(r"关于|《|\d{4}\s*年|[（(]|[一二三四五六七八九十]+、|\d{1,2}[.．、]|"
                       r"第[一二三四五六七八九十百\d]+[章节条部篇]")
#: What a document's title names: a year, a notice, a cited title, a place or an office.
_TITLE_LOOK = re.compile(r"\d{4}\s*年|关于|《|[省市县区州盟旗局委厅]|政府|办公室")
#: Farthest a cited title's marks may stand from a space inside them (characters).
_MARKS_REACH = 80


class TitleSpaces:
    """``repl`` of the paragraph-break rule: a space between Chinese characters becomes a line
    break unless it stands inside a title, where it is the site's or the document's.

    * Inside book-title marks: the nearest 《 before the space is still open and a 》 closes it
      after the space, both within :data:`_MARKS_REACH` characters and with no sentence mark
      or other 《 between (《中共广东省委 广东省人民政府关于…》: splitting there made a fragment
      with 关于 read as a notice's title, and the page-head rule took the sentence's first
      line above it).
    * In a line that is a title: one run of spaces; the line without it is short, has no
      sentence, clause or field mark, ends as a title does and names a year, a notice, a place
      or an office; the part before the space is no title and no field label (信息名称), and
      the part after it neither opens a new part (an item's number, 关于, a year) nor is a
      title by itself (an issuer above its title: 某县应急管理局 某县2024年…要点). Splitting
      溪湖区应急管理局2024年度安全生产 监督检查计划的请示 cut the page's only title in two, and
      the page-head rule took both halves as a site's lines.

    Line facts are computed once per line, and the marks are looked for within a bounded
    reach, so a long flattened line costs linear time, not a scan of the line per space.
    """

    def __init__(self, text: str):
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[int, bool] = {}

    def __call__(self, m: re.Match) -> str:
        return m.group(0) if self._inside_marks(m) or self._inside_title_line(m) else "\n"

    def _bounds(self, pos: int) -> tuple[int, int]:
        k = bisect_left(self.newlines, pos)
        start = self.newlines[k - 1] + 1 if k else 0
        end = self.newlines[k] if k < len(self.newlines) else len(self.text)
        return start, end

    def _inside_marks(self, m: re.Match) -> bool:
        text, pos = self.text, m.start()
        if pos == 0 or text[pos - 1] in "。；！？":
            return False
        before = text[max(0, pos - _MARKS_REACH):pos]
        opened = before.rfind("《")
        if opened < 0 or re.search(r"[》。；！？\n]", before[opened + 1:]):
            return False
        after = text[m.end():m.end() + _MARKS_REACH]
        closed = after.find("》")
        return closed >= 0 and not re.search(r"[《。；！？\n]", after[:closed])

    def _title_line(self, start: int, end: int) -> bool:
        if start not in self.lines:
            line = self.text[start:end].strip()
            squeezed = _LINE_SPACE.sub("", line)
            self.lines[start] = (
                len(line) <= 120 and len(_LINE_SPACE.findall(line)) == 1 and len(squeezed) <= 60
                and not re.search(r"[。；！？，,：:、]", squeezed)
                and bool(TITLE_END.search(squeezed)) and bool(_TITLE_LOOK.search(squeezed)))
        return self.lines[start]

    def _inside_title_line(self, m: re.Match) -> bool:
        start, end = self._bounds(m.start())
        if not self._title_line(start, end):
            return False
        before = self.text[start:m.start()].strip()
        after = self.text[m.end():end].strip()
        return not (TITLE_END.search(before) or _BARE_LABEL.match(before)
                    or _NEW_PART.match(after)
                    or (TITLE_END.search(after) and _TITLE_LOOK.search(after)
                        and len(after) >= 8))
