"""Synthetic byte-shift damage with known truth, for evaluating the GBK repair out of sample.

The seeds hold only twelve real damaged spans, all in one plan, and the repair was written on
them. This module makes more damage the way it happens on the web, in texts other than the
seeds (the real plan pages of ``tests/corpus``), so that restoration, detection and speed can be
measured where the truth is known:

1. a line of a page is encoded in GBK (GB18030, its superset, as browsers decode it);
2. the bytes are decoded in separate chunks, and one chunk boundary falls *inside* a character,
   after its lead byte: the lone lead byte decodes to a replacement mark and the next chunk
   starts one byte late, so each decoded character straddles the trail byte of one original
   character and the lead byte of the next (the '?;帯' of 危化處 in the seeds);
3. decoding gets back in step either by itself (``mode="natural"``: a trail byte or a character
   that is ASCII) or at the next chunk boundary (``mode="chunk"``: the last trail byte is left
   alone and decodes to a replacement mark, the final '?' of ``?;帯⒒ū?``);
4. as on the damaged pages, replacement marks appear as '?', private-use characters (the
   user-defined byte pairs) vanish, and full-width ASCII forms are folded to ASCII.

Every span of ``tests/gold/garbled_spans.csv`` is reproduced by steps 1-4 (tested), so the
mechanism is the real one; the code is independent of
:func:`analysis.clean.gbk_repair.simulate_shift_damage`, which the repair uses to verify its
candidates. Spans vary in length, position in the line (start, middle, end) and neighbours
(Chinese, ASCII letters, digits, punctuation); sampling is stratified and seeded.

Written by hand: no library makes this kind of damage.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from analysis.core.paths import repo_root

#: Longest damaged run (in characters of the damaged text) kept for ``mode="natural"``;
#: natural resynchronisation can take a whole clause in text without ASCII.
MAX_NATURAL_SPAN = 16
POSITIONS = ("line_start", "mid_line", "line_end")
NEIGHBOURS = ("cjk", "ascii", "digit", "punct")
MODES = ("chunk", "natural")


def corpus_dir() -> Path:
    """The development corpus of real plan pages (``tests/corpus``)."""
    return repo_root() / "tests" / "corpus"


def fold(ch: str) -> str:
    """Full-width ASCII forms folded to ASCII (as on the damaged pages)."""
    code = ord(ch)
    return chr(code - 0xFEE0) if 0xFF01 <= code <= 0xFF5E else ch


def decode_chunk(data: bytes) -> str:
    """Decode one chunk as the damaged pages were decoded: GB18030 with replacement marks,
    shown as '?'; private-use characters dropped; full-width ASCII folded."""
    out = []
    for ch in data.decode("gb18030", errors="replace"):
        if ch == "\ufffd":
            out.append("?")
        elif not 0xE000 <= ord(ch) <= 0xF8FF:
            out.append(fold(ch))
    return "".join(out)


def damage_line(line: str, start: int, stop: int | None) -> str:
    """Decode ``line`` with its GBK bytes split into chunks so that decoding goes one byte out
    of step at character ``start`` (a double-byte character).

    ``stop`` is the character index at which a chunk boundary puts decoding back in step
    (``mode="chunk"``), or None to let it resynchronise by itself (``mode="natural"``).
    """
    offsets = [0]
    for ch in line:
        offsets.append(offsets[-1] + len(ch.encode("gb18030")))
    data = line.encode("gb18030")
    cut = offsets[start] + 1  # after the lead byte of line[start]
    bounds = [0, cut] + ([offsets[stop]] if stop is not None else []) + [len(data)]
    return "".join(decode_chunk(data[a:b]) for a, b in zip(bounds, bounds[1:]))


def _double_byte(ch: str) -> bool:
    """A character GBK writes in two bytes (Chinese, full-width and Chinese punctuation)."""
    try:
        data = ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return len(data) == 2 and not 0xE000 <= ord(ch) <= 0xF8FF


def _usable(line: str) -> bool:
    """A line that can take synthetic damage: GBK-encodable and free of anything that looks
    like damage already ('?', U+FFFD, private-use characters)."""
    if "?" in line or "\ufffd" in line or any(0xE000 <= ord(c) <= 0xF8FF for c in line):
        return False
    try:
        line.encode("gbk")
    except UnicodeEncodeError:
        return False
    return sum(_double_byte(c) for c in line) >= 4


def neighbour_class(ch: str) -> str:
    """Class of a character next to a span: cjk / ascii (letter) / digit / punct / edge."""
    if not ch:
        return "edge"
    if ch.isascii() and ch.isalpha():
        return "ascii"
    if ch.isdigit():
        return "digit"
    if "\u3400" <= ch <= "\u9fff":
        return "cjk"
    return "punct"


@dataclass(frozen=True)
class SyntheticSpan:
    """One damaged span with its truth.

    ``start``/``end`` delimit the damaged characters in ``damaged_page``; ``original`` is what
    they stand for (``original_page[start:start + len(original)]``).
    """

    span_id: str
    page_id: str
    split: str
    mode: str
    position: str
    neighbours: str
    original_page: str
    damaged_page: str
    start: int
    end: int
    original: str

    @property
    def observed(self) -> str:
        """The damaged characters."""
        return self.damaged_page[self.start:self.end]


def read_pages(corpus: Path | None = None) -> list[tuple[str, str, str]]:
    """(page_id, split, text) of every page of the development corpus, in page order."""
    corpus = corpus or corpus_dir()
    with open(corpus / "split.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [(r["page_id"], r["split"],
             (corpus / "pages" / f"{r['page_id']}.txt").read_text(encoding="utf-8"))
            for r in sorted(rows, key=lambda r: r["page_id"])]


def pages_with_gbk_damage(corpus: Path | None = None) -> set[str]:
    """Pages whose collector saw GBK mojibake in them (``damage_seen`` of ``sources.csv``):
    changes there may be true repairs, not false positives."""
    corpus = corpus or corpus_dir()
    with open(corpus / "sources.csv", encoding="utf-8") as handle:
        return {r["page_id"] for r in csv.DictReader(handle) if "gbk" in r["damage_seen"]}


def _make(page_id: str, split: str, text: str, line_no: int, start: int, length: int | None,
          span_id: str) -> SyntheticSpan | None:
    """Damage ``length`` characters (None: until decoding resynchronises) of one line."""
    lines = text.split("\n")
    line = lines[line_no]
    stop = None if length is None else start + length
    damaged = damage_line(line, start, stop)
    if damaged == line:
        return None
    # The damaged run: from the lost lead byte up to the common suffix.
    suffix = 0
    while (suffix < len(line) - start and suffix < len(damaged) - start
           and line[-1 - suffix] == damaged[-1 - suffix]):
        suffix += 1
    end, orig_end = len(damaged) - suffix, len(line) - suffix
    if length is None and end - start > MAX_NATURAL_SPAN:
        return None
    offset = sum(len(x) + 1 for x in lines[:line_no])
    damaged_page = "\n".join(lines[:line_no] + [damaged] + lines[line_no + 1:])
    orig_stop = orig_end if length is None else stop
    position = ("line_start" if start == 0 else
                "line_end" if orig_stop >= len(line) else "mid_line")
    sides = {neighbour_class(line[start - 1] if start else ""),
             neighbour_class(line[orig_stop] if orig_stop < len(line) else "")}
    neighbours = next((k for k in ("digit", "ascii", "punct") if k in sides), "cjk")
    return SyntheticSpan(span_id, page_id, split, "natural" if length is None else "chunk",
                         position, neighbours, text, damaged_page, offset + start,
                         offset + end, line[start:orig_end])


def synthetic_spans(n: int, split: str, seed: int = 0, corpus: Path | None = None,
                    min_length: int = 2, max_length: int = 8) -> list[SyntheticSpan]:
    """``n`` damaged spans from the pages of one split, stratified by mode, position in the
    line and neighbours (each stratum in turn, a random candidate within it).

    Parameters
    ----------
    n : int
        Number of spans.
    split : str
        ``dev`` or ``test`` (``tests/corpus/split.csv``).
    seed : int
        Seed of the sampling.
    corpus : Path, optional
        Corpus folder (default ``tests/corpus``).
    min_length, max_length : int
        Range of damaged original characters for ``mode="chunk"``.
    """
    rng = random.Random(f"{split}:{seed}")
    pages = [(pid, s, "".join(fold(c) for c in text))
             for pid, s, text in read_pages(corpus) if s == split]
    # Candidate starts by stratum: (mode, position, neighbours) -> [(page, line, start, length)]
    strata: dict[tuple[str, str, str], list[tuple[int, int, int, int | None]]] = {}
    for p, (_, _, text) in enumerate(pages):
        for line_no, line in enumerate(text.split("\n")):
            if not _usable(line):
                continue
            for start in range(len(line)):
                run = 0
                while start + run < len(line) and _double_byte(line[start + run]):
                    run += 1
                if run < min_length:
                    continue
                left = neighbour_class(line[start - 1] if start else "")
                for length in range(min_length, min(run, max_length) + 1):
                    stop = start + length
                    right = neighbour_class(line[stop] if stop < len(line) else "")
                    position = ("line_start" if start == 0 else
                                "line_end" if stop == len(line) else "mid_line")
                    kind = next((k for k in ("digit", "ascii", "punct") if k in (left, right)),
                                "cjk")
                    strata.setdefault(("chunk", position, kind), []).append(
                        (p, line_no, start, length))
                strata.setdefault(("natural", "any", left if left != "edge" else "cjk"),
                                  []).append((p, line_no, start, None))
    keys = sorted(strata)
    spans: list[SyntheticSpan] = []
    used: set[tuple[int, int, int]] = set()
    attempts = 0
    while len(spans) < n and attempts < 50 * n:
        key = keys[attempts % len(keys)]
        attempts += 1
        p, line_no, start, length = rng.choice(strata[key])
        if (p, line_no, start) in used:
            continue
        pid, s, text = pages[p]
        span = _make(pid, s, text, line_no, start, length, f"{split}-{len(spans):04d}")
        if span is None:
            continue
        used.add((p, line_no, start))
        spans.append(span)
    return spans
