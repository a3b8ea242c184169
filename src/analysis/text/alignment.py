"""Local alignment of two texts for passage reuse: repeated Smith–Waterman–Gotoh alignment.

Why local alignment. A plan that reuses another rarely copies it whole and in order: it takes
passages, reorders them, swaps a phrase (宜春 for 江西, 十五条 for 五十条) and adds its own
sentences. :class:`difflib.SequenceMatcher` keeps only identical blocks in one common order,
so a reordered passage is lost and a passage with an edit every few characters falls apart
into runs too short to count. A local alignment scores a stretch of the two texts with
rewards for identical characters and penalties for substitutions and gaps, so a lightly
edited passage stays one aligned passage; repeating it on what is left of the first text finds
reordered passages one after another.

Library. The dynamic programming is :class:`Bio.Align.PairwiseAligner` (Biopython) in
``local`` mode, C code that compares Unicode characters directly (no alphabet needed for
Chinese). Written here by hand is only the repetition (in the spirit of Waterman and Eggert
1987): take the best local alignment, mask the part of the first text it covers, align again,
and stop when the best remaining score is below ``min_score``. Biopython returns one best
alignment per call, not a series of non-overlapping ones.

Speed. Each round is gated by the best local score alone, and most candidate pairs fail the
first gate (no passage reaches ``min_score``). The gate is computed by parasail's striped
SIMD Smith–Waterman (Daily 2016), about six times Biopython's score pass on clauses of some
700 characters; it is the same integer recurrence, so the score, and thus every decision, is
Biopython's (tested on random texts over small alphabets, where ties and adjacent gaps are
common). parasail compares bytes, so the two texts are recoded for each pair: each character
they share gets its own code, and the characters of only one text get one code per text,
which never meets its like in the other. A pair sharing more than :data:`GATE_SYMBOLS`
distinct characters (long pieces) gets an upper bound instead (:func:`_gate_codes`), and
Biopython scores it where the bound passes; a machine without parasail is gated by
Biopython. The alignment itself (the traceback) stays Biopython's, so which of several
equally good alignments is taken does not change; but Biopython aligns only the rectangle
of the two texts that holds every best alignment (:func:`_best_window`, from parasail's
tables of scores of the texts and of their reversed prefixes, bounded by the best score),
which gives the same alignment. Pairs under :data:`GATE_CELLS` cells are left to Biopython
alone. Benchmark ``alignment_gate``; on 2,000 candidate pairs of the 1,000-plan synthetic
build corpus the rounds took 1.66 ms a pair instead of 3.01 ms with the prefixes alone
(2026-11-30). The rectangle (2026-12-01) matters most for long clauses that share more
characters than the gate has codes, which Biopython had aligned whole: on 12,000 candidate
pairs of the 1,000-plan corpus (one run each, processor time) 35.7 s → 20.3 s, with
identical alignments.

Scores. Match +1, mismatch −2, gap opening −3 (the first gapped position), gap extension −1
(:data:`MATCH`, :data:`MISMATCH`, :data:`OPEN_GAP`, :data:`EXTEND_GAP`). The score of an
alignment is thus the number of identical characters less the edit penalties; a local
alignment counts when its score is at least ``min_score`` (default :data:`MIN_SCORE` = 10,
about ten identical characters net of edits, the length the difflib version required of an
identical run). Only *identical* aligned characters are counted as shared; substituted and
inserted characters are marked as changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MATCH = 1.0
MISMATCH = -2.0
OPEN_GAP = -3.0
EXTEND_GAP = -1.0
MIN_SCORE = 10
#: At most this many local alignments per text pair (each covers >= min_score characters,
#: so this only bounds pathological inputs).
MAX_ROUNDS = 64
#: Character written over aligned parts of the first text so that they cannot align again
#: (a private-use code point, absent from cleaned plan text).
MASK = "\ue000"
#: Texts longer than this are aligned piece by piece (see :func:`local_align`): the traceback
#: needs a cell per pair of characters, so two unstructured 20,000-character "clauses" would
#: need hundreds of megabytes and tens of seconds per round.
CHUNK = 2000
#: Overlap of consecutive pieces of the second text, so that a passage of up to this many
#: characters lies wholly inside one piece.
CHUNK_OVERLAP = 500
#: Most distinct shared characters a pair may have for the parasail gate (byte codes 3-255;
#: 1 and 2 stand for the characters of only one text).
GATE_SYMBOLS = 253
#: Smallest pair (product of the lengths) gated by parasail (see :func:`_rounds`).
GATE_CELLS = 40_000


@lru_cache(maxsize=1)
def aligner():
    """The shared :class:`Bio.Align.PairwiseAligner` (local mode, the module's scores)."""
    from Bio.Align import PairwiseAligner

    return PairwiseAligner(mode="local", match_score=MATCH, mismatch_score=MISMATCH,
                           open_gap_score=OPEN_GAP, extend_gap_score=EXTEND_GAP)


@lru_cache(maxsize=1)
def _parasail():
    """parasail's striped 16-bit local score function and a match/mismatch matrix over byte
    codes 1-255, or None where parasail cannot be imported."""
    try:
        import parasail
    except ImportError:  # pragma: no cover  (a dependency; Biopython gates instead)
        return None
    matrix = parasail.matrix_create(bytes(range(1, 256)), int(MATCH), int(MISMATCH),
                                    case_sensitive=True)
    return parasail.sw_striped_16, matrix, parasail.sw_table_diag_16


def _gate_codes(a: str, b: str) -> tuple[bytes, bytes, bool] | None:
    """``a`` and ``b`` recoded for the parasail gate (see the module docstring), and whether
    the recoding is exact; None when ``b`` holds :data:`MASK`.

    A pair sharing more than :data:`GATE_SYMBOLS` characters cannot give each its own code;
    they then share codes in turn, so that some different characters count as identical.
    That can only raise the best score, never lower it: a score below ``min_score`` is still
    a sure no, and a higher one is checked by Biopython.
    """
    if MASK in b:
        return None
    shared = set(a).intersection(b)
    code = {ord(c): 3 + k % GATE_SYMBOLS for k, c in enumerate(sorted(shared))}
    only_a = dict.fromkeys(map(ord, set(a).difference(shared)), 1)
    only_b = dict.fromkeys(map(ord, set(b).difference(shared)), 2)
    return (a.translate({**only_a, **code}).encode("latin-1"),
            b.translate({**only_b, **code}).encode("latin-1"), len(shared) <= GATE_SYMBOLS)


def _gate_score(codes_a: bytes, codes_b: bytes) -> int:
    """Best local score of two recoded texts (:func:`_gate_codes`), by parasail, with the
    module's scores."""
    fast, matrix, _ = _parasail()
    return fast(codes_a, codes_b, -int(OPEN_GAP), -int(EXTEND_GAP), matrix).score


def _last_reaching(codes_a: bytes, codes_b: bytes, best: float) -> tuple[int, int] | None:
    """Lengths of the shortest prefixes of the two recoded texts that hold every cell whose
    local score (parasail's table) reaches ``best``; None if the 16-bit scores saturated or
    no cell reaches ``best`` (neither can happen with pieces of :data:`CHUNK` characters and
    a true best score; the caller then aligns the whole texts)."""
    _, matrix, table = _parasail()
    result = table(codes_a, codes_b, -int(OPEN_GAP), -int(EXTEND_GAP), matrix)
    if result.saturated:
        return None
    scores = result.score_table  # a view into result's memory: result must outlive it
    rows = np.flatnonzero(scores.max(axis=1) >= best)
    cols = np.flatnonzero(scores.max(axis=0) >= best)
    if not len(rows) or not len(cols):
        return None
    return int(rows[-1]) + 1, int(cols[-1]) + 1


def _best_window(codes_a: bytes, codes_b: bytes, best: float
                 ) -> tuple[int, int, int, int] | None:
    """``(start_a, end_a, start_b, end_b)``: a rectangle of the two texts that holds every
    best local alignment, whose best score is ``best`` (Biopython's score of the texts).

    Ends: a best alignment ends at a cell whose score is ``best`` in the exact recoding, and
    at least ``best`` where characters share codes (:func:`_gate_codes`: shared codes only
    raise scores), so the last rows and columns reaching ``best`` bound every best end.
    Starts: the same on the reversed prefixes, since a best alignment read backwards is a
    best alignment of the reversed texts.

    Biopython's alignment of the rectangle, shifted, is its alignment of the whole texts.
    The scores of a prefix's cells do not depend on what follows it. Cells before the starts
    lie on no best alignment; dropping them changes no score on one, nor which neighbours
    reach it (a higher or equal score arriving from before the start would make a better
    alignment, or an equally good one that starts earlier). In detail, for Gotoh's three
    matrices: the rectangle holds every alignment that scores ``best``, those with a prefix
    or suffix that nets 0 included, so every cell on such an alignment keeps its score in
    each matrix and its tie flags; Biopython (1.8x, ``_pairwisealigner.c``) takes the first
    best end in row-major order, prefers a match, then a gap in one text, then in the other,
    when tracing back, and never extends past a best end, so its first alignment is the
    same. At the rectangle's last row and column no gap state can lead back to a cell
    inside it. Tested on random texts over small alphabets, where best alignments tie, on
    pieces sharing more characters than the codes, and by a review on about 120,000 random
    and targeted pairs (zero-net prefixes, tied best ends, masked text, 2,000-character
    pieces). Only the rectangle is computed with a traceback: on long clauses a small part
    of the pair. None where :func:`_last_reaching` gives none (the whole texts are then
    aligned).
    """
    ends = _last_reaching(codes_a, codes_b, best)
    if ends is None:
        return None
    end_a, end_b = ends
    backs = _last_reaching(codes_a[:end_a][::-1], codes_b[:end_b][::-1], best)
    if backs is None:
        return None
    return end_a - backs[0], end_a, end_b - backs[1], end_b


@dataclass(frozen=True)
class Alignment:
    """Passages of ``a`` aligned to ``b``.

    ``blocks`` are the identical runs ``(start_a, start_b, size)`` inside the local
    alignments, sorted by ``start_a``. As found by :func:`local_align` they never overlap in
    ``a``; in ``b`` they may be out of order, and a passage of ``b`` may be aligned to two
    places of ``a`` (so after :meth:`swapped` they may overlap in ``a``). ``regions`` are
    the local alignments ``(start_a, end_a, start_b, end_b, score)``, sorted by ``start_a``.
    """

    a: str
    b: str
    blocks: tuple[tuple[int, int, int], ...]
    regions: tuple[tuple[int, int, int, int, float], ...] = ()

    @property
    def matched(self) -> int:
        """Characters of ``a`` aligned to identical characters of ``b`` (each counted once)."""
        mask = np.zeros(len(self.a), dtype=bool)
        for sa, _, size in self.blocks:
            mask[sa:sa + size] = True
        return int(mask.sum())

    @property
    def share_a(self) -> float:
        """Share of ``a`` aligned to identical characters of ``b``."""
        return self.matched / len(self.a) if self.a else 0.0

    @property
    def share_b(self) -> float:
        """Share of ``b`` aligned to identical characters of ``a`` (each counted once)."""
        return self.swapped().share_a

    def spans_a(self) -> tuple[tuple[int, int], ...]:
        """Character ranges of ``a`` in identical aligned runs."""
        return tuple((s, s + n) for s, _, n in self.blocks)

    def swapped(self) -> "Alignment":
        """The same alignments seen from ``b`` (what of ``b`` is aligned to ``a``)."""
        blocks = tuple(sorted((sb, sa, n) for sa, sb, n in self.blocks))
        regions = tuple(sorted((sb, eb, sa, ea, s) for sa, ea, sb, eb, s in self.regions))
        return Alignment(self.b, self.a, blocks, regions)

    def segments(self) -> list[tuple[str, str, str]]:
        """(kind, text in a, text in b) in the order of ``a``; kind is ``same`` or ``changed``.

        Inside one local alignment the text of ``b`` between two identical runs is given
        with the change; text of ``b`` outside the aligned passages is not shown, so ``a``
        is rebuilt exactly from the segments and ``b`` only passage by passage.
        """
        region_of = [next((k for k, r in enumerate(self.regions)
                           if r[0] <= sa < r[1] and r[2] <= sb < r[3]), -1)
                     for sa, sb, _ in self.blocks]
        out, i, j, last = [], 0, 0, -1
        for (sa, sb, size), region in zip(self.blocks, region_of):
            if sa < i:  # overlaps the previous run (only after swapped()): shown once
                sa, sb, size = i, sb + (i - sa), size - (i - sa)
                if size <= 0:
                    continue
            in_b = self.b[j:sb] if region == last and region >= 0 and sb >= j else ""
            if sa > i or in_b:
                out.append(("changed", self.a[i:sa], in_b))
            out.append(("same", self.a[sa:sa + size], self.b[sb:sb + size]))
            i, j, last = sa + size, sb + size, region
        if i < len(self.a):
            out.append(("changed", self.a[i:], ""))
        return out

    def marked(self) -> str:
        """``a`` with its differences from ``b`` marked, word-diff style.

        Shared text is plain; ``{+…+}`` is text only in ``a``; ``[-…-]`` is text of ``b``
        replaced or left out at that place inside an aligned passage.
        """
        out = []
        for kind, text_a, text_b in self.segments():
            if kind == "same":
                out.append(text_a)
                continue
            if text_b:
                out.append(f"[-{text_b}-]")
            if text_a:
                out.append(f"{{+{text_a}+}}")
        return "".join(out)


def _identical_runs(a: np.ndarray, b: np.ndarray, coords: np.ndarray) -> list[tuple[int, int, int]]:
    """Identical runs inside the ungapped blocks of one alignment (``coords`` from
    ``Alignment.aligned``: target blocks, query blocks)."""
    runs = []
    for (ta0, ta1), (qb0, _) in zip(coords[0], coords[1]):
        same = a[ta0:ta1] == b[qb0:qb0 + (ta1 - ta0)]
        if not same.any():
            continue
        # Starts and ends of runs of True.
        edges = np.diff(np.concatenate(([0], same.astype(np.int8), [0])))
        for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            runs.append((int(ta0 + s), int(qb0 + s), int(e - s)))
    return runs


def local_align(a: str, b: str, min_score: float = MIN_SCORE,
                max_rounds: int = MAX_ROUNDS) -> Alignment:
    """Every passage of ``a`` that aligns locally to ``b`` with a score of at least ``min_score``.

    Parameters
    ----------
    a, b : str
        Texts (whitespace already removed). ``a`` is the text whose characters are counted.
    min_score : float
        Lowest score of a local alignment that counts (see the module docstring).
    max_rounds : int
        Most local alignments sought.

    Returns
    -------
    Alignment
        Identical runs and local alignments, ``a`` against ``b``. Texts longer than
        :data:`CHUNK` characters are aligned in pieces (memory and time stay bounded per
        piece pair; a passage cut by a piece boundary may fall below ``min_score``).
    """
    return local_align_levels(a, b, (min_score,), max_rounds)[0]


def local_align_levels(a: str, b: str, min_scores: tuple[float, ...],
                       max_rounds: int = MAX_ROUNDS) -> list[Alignment]:
    """:func:`local_align` at several ``min_scores`` from one series of alignments.

    The rounds are run once, down to the lowest score. The best score can only fall from one
    round to the next (masking part of ``a`` never raises any alignment's score), and each
    round's alignment does not depend on ``min_score``, so the rounds of a higher
    ``min_score`` are exactly the leading rounds that reach it: the result for each score is
    the one :func:`local_align` gives at that score alone (a test checks this), at the cost
    of the lowest.

    Returns
    -------
    list of Alignment
        One per entry of ``min_scores``, in their order.
    """
    if not a or not b:
        return [Alignment(a, b, ()) for _ in min_scores]
    if len(a) > CHUNK or len(b) > CHUNK:
        return _chunked(a, b, min_scores, max_rounds)
    lowest = min(min_scores)
    rounds = _rounds(a, b, lowest, max_rounds)
    out = []
    for level in min_scores:
        # Every round reaches the lowest score; a single score (local_align) never filters.
        kept = rounds if level == lowest else [r for r in rounds if r[0][4] >= level]
        out.append(Alignment(a, b, tuple(sorted(x for _, runs in kept for x in runs)),
                             tuple(sorted(region for region, _ in kept))))
    return out


def _rounds(a: str, b: str, min_score: float, max_rounds: int
            ) -> list[tuple[tuple[int, int, int, int, float], list[tuple[int, int, int]]]]:
    """The repeated local alignments of ``a`` to ``b``, in the order found: ``(region,
    identical runs)`` per round, while the best remaining score reaches ``min_score``."""
    engine = aligner()
    codes_b = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    # On short pairs recoding costs more than Biopython's score pass saves.
    gate = (_gate_codes(a, b) if _parasail() is not None and len(a) * len(b) >= GATE_CELLS
            else None)
    work = a
    rounds = []
    for _ in range(max_rounds):
        # The score alone is cheap; the traceback is computed only when it passes.
        if gate is not None:
            score = _gate_score(gate[0], gate[1])
            if score >= min_score and not gate[2]:  # an upper bound only: Biopython decides
                score = engine.score(work, b)
        else:
            score = engine.score(work, b)
        if score < min_score:
            break
        window = _best_window(gate[0], gate[1], score) if gate is not None else None
        if window is not None:
            start_a, end_a, start_b, end_b = window
            best = engine.align(work[start_a:end_a], b[start_b:end_b])[0]
            coords = np.array(best.aligned)  # a copy: shifted in place
            coords[0] += start_a
            coords[1] += start_b
        else:
            best = engine.align(work, b)[0]
            coords = np.asarray(best.aligned)
        codes_a = np.frombuffer(work.encode("utf-32-le"), dtype=np.uint32)
        runs = _identical_runs(codes_a, codes_b, coords)
        start, end = int(coords[0][0][0]), int(coords[0][-1][1])
        rounds.append(((start, end, int(coords[1][0][0]), int(coords[1][-1][1]),
                        float(best.score)), runs))
        work = work[:start] + MASK * (end - start) + work[end:]
        if gate is not None:  # the mask is a character of a alone: code 1
            gate = (gate[0][:start] + b"\x01" * (end - start) + gate[0][end:], *gate[1:])
    return rounds


def _chunked(a: str, b: str, min_scores: tuple[float, ...], max_rounds: int
             ) -> list[Alignment]:
    """:func:`local_align_levels` piece by piece for long texts: ``a`` in consecutive pieces
    of :data:`CHUNK` characters, ``b`` in pieces overlapping by :data:`CHUNK_OVERLAP`. A
    passage cut by a boundary of ``a`` is found as two passages (each counted if it reaches
    ``min_score``); the pieces of ``b`` overlap so that a passage found twice is counted once
    (characters of ``a`` are counted through a mask)."""
    step = CHUNK - CHUNK_OVERLAP
    b_starts = range(0, max(len(b) - CHUNK_OVERLAP, 1), step)
    blocks = [set() for _ in min_scores]
    regions = [set() for _ in min_scores]
    for sa0 in range(0, len(a), CHUNK):
        piece_a = a[sa0:sa0 + CHUNK]
        for sb0 in b_starts:
            parts = local_align_levels(piece_a, b[sb0:sb0 + CHUNK], min_scores, max_rounds)
            for k, part in enumerate(parts):
                blocks[k].update((sa + sa0, sb + sb0, n) for sa, sb, n in part.blocks)
                regions[k].update((r[0] + sa0, r[1] + sa0, r[2] + sb0, r[3] + sb0, r[4])
                                  for r in part.regions)
    return [Alignment(a, b, tuple(sorted(bl)), tuple(sorted(rg)))
            for bl, rg in zip(blocks, regions)]
