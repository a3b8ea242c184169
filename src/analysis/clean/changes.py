"""The change log of the cleaning stage: what a rule returns, how changes are applied, and how
a rule that needs several passes still logs one replayable step.

Every rule of :mod:`analysis.clean.rules` takes the text as left by the previous rule and returns
the new text plus a list of :class:`Change` records positioned in *its own input*;
``cleaning_log.csv`` is made of them, and replaying it reproduces the clean text (tested).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from analysis.clean.charmodel import CharBigramModel
from analysis.clean.gbk_repair import ShiftRepairer, SpanRepair


@dataclass(frozen=True)
class Change:
    """One change made by a rule, positioned in that rule's input text."""

    position: int
    before: str
    after: str
    note: str = ""


@dataclass
class CleanContext:
    """What rules may consult or report besides the text."""

    doc_id: str
    repairer: ShiftRepairer | None = None
    model: CharBigramModel | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    garbled: list[SpanRepair] = field(default_factory=list)
    script: str = "simplified"


RuleFunc = Callable[[str, CleanContext], tuple[str, list[Change]]]


@dataclass(frozen=True)
class Rule:
    """A named cleaning rule."""

    name: str
    description: str
    func: RuleFunc


def apply_changes(text: str, changes: list[Change]) -> str:
    """Apply non-overlapping changes (positions in ``text``) and return the new text."""
    out, last = [], 0
    for ch in sorted(changes, key=lambda c: c.position):
        if ch.position < last:
            raise ValueError(f"overlapping changes at {ch.position}")
        if text[ch.position:ch.position + len(ch.before)] != ch.before:
            raise ValueError(f"change at {ch.position} does not match the text")
        out.append(text[last:ch.position])
        out.append(ch.after)
        last = ch.position + len(ch.before)
    out.append(text[last:])
    return "".join(out)


def sub(pattern: re.Pattern, text: str, repl: Callable[[re.Match], str], note: str = ""
         ) -> tuple[str, list[Change]]:
    changes = []
    for m in pattern.finditer(text):
        after = repl(m)
        if after != m.group(0):
            changes.append(Change(m.start(), m.group(0), after, note))
    return apply_changes(text, changes), changes


def until_stable(text: str, one_pass: Callable[[str], tuple[str, list[Change]]]
                  ) -> tuple[str, list[Change]]:
    """Repeat ``one_pass`` until it changes nothing; changes are positioned in ``text``.

    A rule whose own output can hold new work for it (a decoded ``&amp;lt;`` is ``&lt;``; a
    removed breadcrumb makes the next line the first) is run to its fixed point, which makes it
    idempotent. The log keeps one change per edited stretch of the input, so replaying it is
    still a single step: later passes are folded into the edited regions of the first, each
    ``[start, end]`` in the input and ``[start, end]`` in the current text (outside them the
    current text is the input, shifted).
    """
    out, changes = one_pass(text)
    if not changes:
        return text, []
    nxt, more = one_pass(out)
    if not more:
        return out, changes
    regions: list[list] = []  # [in_start, in_end, cur_start, cur_end, notes]
    shift = 0
    for ch in sorted(changes, key=lambda c: c.position):
        start = ch.position + shift
        regions.append([ch.position, ch.position + len(ch.before), start,
                        start + len(ch.after), [ch.note]])
        shift += len(ch.after) - len(ch.before)
    while more:
        regions = _fold(regions, sorted(more, key=lambda c: c.position))
        out = nxt
        nxt, more = one_pass(out)
    composed = [Change(r[0], text[r[0]:r[1]], out[r[2]:r[3]], "; ".join(dict.fromkeys(r[4])))
                for r in regions]
    return out, [c for c in composed if c.before != c.after]


def _fold(regions: list[list], changes: list[Change]) -> list[list]:
    """Fold one pass of ``changes`` (sorted, positioned in the current text) into the edited
    ``regions`` (sorted by position in the current text), in one sweep.

    Regions and changes that overlap or touch become one region; a point of the current text
    outside every region maps to the input through the last region before it.
    """
    items = sorted([(r[2], r[3], 0, r) for r in regions]
                   + [(c.position, c.position + len(c.before), 1, c) for c in changes],
                   key=lambda item: (item[0], item[1], item[2]))
    out: list[list] = []
    last: list | None = None  # last region passed, for mapping points to the input
    shift = 0                 # length change of the current text so far

    def to_input(x: int) -> int:
        return last[1] + x - last[3] if last is not None else x

    k = 0
    while k < len(items):
        start, _, is_change, first = items[k]
        in_start = to_input(start) if is_change else first[0]
        cur_end, in_end, delta, notes = start, None, 0, []
        while k < len(items) and items[k][0] <= cur_end:  # overlapping or touching
            _, e_k, c_k, it = items[k]
            if c_k:
                delta += len(it.after) - len(it.before)
                notes.append(it.note)
                if e_k >= cur_end:
                    cur_end, in_end = e_k, None
            else:
                last = it
                notes.extend(it[4])
                if e_k >= cur_end:
                    cur_end, in_end = e_k, it[1]
            k += 1
        if in_end is None:
            in_end = to_input(cur_end)
        out.append([in_start, in_end, start + shift, cur_end + shift + delta, notes])
        shift += delta
    return out
