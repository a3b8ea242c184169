"""jieba's HMM step for unknown words (``jieba.finalseg.cut`` without forced splits), written
out for :class:`analysis.text.segmenter.FastSegmenter`: the same floating-point additions in the
same order and the same tie-breaking as jieba's own Viterbi decoding, so the same tokens, about
four times faster. jieba-rs's HMM is not used because its constants differ from jieba's in the
last digits, which flips near ties (see :mod:`analysis.text.tokenise`).
"""
from __future__ import annotations

import re
from functools import lru_cache

#: jieba.finalseg's patterns (tested equal to jieba's).
JIEBA_HMM_HAN = re.compile("([\u4E00-\u9FD5]+)")
JIEBA_HMM_SKIP = re.compile("([a-zA-Z0-9]+(?:\\.\\d+)?%?)")


def _jieba_hmm(buf: str) -> tuple[str, ...]:
    """``jieba.finalseg.cut(buf)`` as a tuple (shared by a memo, never modified), without
    forced splits: runs of Chinese characters by :func:`_viterbi_words`, the rest split by
    jieba's pattern."""
    out: list[str] = []
    for piece in JIEBA_HMM_HAN.split(buf):
        if not piece:
            continue
        if not JIEBA_HMM_HAN.match(piece):
            out.extend(x for x in JIEBA_HMM_SKIP.split(piece) if x)
        else:
            out.extend(_viterbi_words(piece))
    return tuple(out)


@lru_cache(maxsize=1)
def _hmm_tables():
    from jieba.finalseg import MIN_FLOAT, emit_P, start_P, trans_P

    return MIN_FLOAT, start_P, trans_P, emit_P


def _viterbi_words(run: str) -> list[str]:
    """jieba.finalseg's Viterbi decoding of a run of Chinese characters, and its words.

    The same additions in the same order as ``jieba.finalseg.viterbi`` (so the same floats)
    and its tie-breaking (``max`` over ``(probability, state)``: on a tie the later letter of
    BEMS wins), with back-pointers instead of path lists; written out for four states because
    the HMM step is most of :class:`FastSegmenter`'s time on text with unknown words."""
    low, start, trans, emit = _hmm_tables()
    eb, em, ee, es = (emit[y].get for y in "BMES")
    tb, tm, te, ts = trans["B"], trans["M"], trans["E"], trans["S"]
    bb, be_, mm, me = tb.get("M", low), tb.get("E", low), tm.get("M", low), tm.get("E", low)
    eb_, es_, sb, ss = te.get("B", low), te.get("S", low), ts.get("B", low), ts.get("S", low)
    ch = run[0]
    vb, vm = start["B"] + eb(ch, low), start["M"] + em(ch, low)
    ve, vs = start["E"] + ee(ch, low), start["S"] + es(ch, low)
    back: list[tuple[str, str, str, str]] = []
    for ch in run[1:]:
        # B from E or S; M from M or B; E from B or M; S from S or E (jieba's PrevStatus).
        x, y = ve + eb_ + eb(ch, low), vs + sb + eb(ch, low)
        nb, pb = (y, "S") if y >= x else (x, "E")
        x, y = vm + mm + em(ch, low), vb + bb + em(ch, low)
        nm, pm = (x, "M") if x >= y else (y, "B")
        x, y = vb + be_ + ee(ch, low), vm + me + ee(ch, low)
        ne, pe = (y, "M") if y >= x else (x, "B")
        x, y = vs + ss + es(ch, low), ve + es_ + es(ch, low)
        ns, ps = (x, "S") if x >= y else (y, "E")
        back.append((pb, pm, pe, ps))
        vb, vm, ve, vs = nb, nm, ne, ns
    state = "S" if vs >= ve else "E"
    states = [state]
    for step in reversed(back):
        state = step["BMES".index(state)]
        states.append(state)
    states.reverse()
    words: list[str] = []
    begin = nexti = 0
    for i, pos in enumerate(states):
        if pos == "B":
            begin = i
        elif pos == "E":
            words.append(run[begin:i + 1])
            nexti = i + 1
        elif pos == "S":
            words.append(run[i])
            nexti = i + 1
    if nexti < len(run):
        words.append(run[nexti:])
    return words
