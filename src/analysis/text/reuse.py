"""Passage-level text reuse between plans (whole-plan similarity: :mod:`analysis.text.similarity`).

Reuse: which clauses of one plan repeat another plan's clauses, found in two steps so that
the work grows with the amount of reuse rather than with the square of the corpus:

1. *Candidates* (:mod:`analysis.text.minhash`). Each clause's content text is cut into overlapping windows of character
   4-shingles; each window gets a MinHash signature (the ``affine32`` scheme of datasketch,
   computed for all windows at once with numpy: :func:`minhash_signatures` is tested to equal
   ``datasketch.MinHash``); LSH banding with datasketch's optimal (bands, rows) for the
   threshold puts similar windows in the same bucket. Clauses of different plans that share a
   bucket are candidate pairs. Windows of about 27 characters (3 blocks of 8 shingles) catch
   copied passages of a sentence or more inside long clauses; on the seed corpus the LSH
   finds all the Yichun–Jiangxi reuse that aligning every clause pair finds (tested).
2. *Alignment.* Candidates that cannot share a ``min_block``-character run (checked with
   hash sets) are dropped; the rest are aligned with :class:`difflib.SequenceMatcher`, and
   only identical runs of at least ``min_block`` characters count as reused.

Benchmark ``reuse_scaling`` (``make bench``) runs the search on synthetic corpora of 1,000 and
4,000 plans and reports time and memory growth.

``overlap_share`` of a row of ``reuse.csv`` is the share of ``clause_a``'s characters that lie
in such runs shared with ``clause_b``. A plan's reuse share from another plan is the share of
its characters covered by any aligned run with any clause of that plan. The text alone does
not say who copied whom; issue dates and administrative levels do (Jiangxi's plan was issued
on 2023-02-28, Yichun's on 2023-03-30).
"""
from __future__ import annotations

import difflib
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.text.minhash import (BLOCK, MAX_BUCKET, MIN_HITS, NUM_PERM, SEED, SHINGLE,  # noqa: F401
                                   THRESHOLD, WINDOW_BLOCKS, Windows, lsh_candidates,
                                   minhash_signatures, shingle_hashes)

MIN_BLOCK = 10
MIN_MATCHED = 20
#: Above this many plans, reuse_shares lists only pairs that share text.
ALL_PAIRS_MAX_PLANS = 50
N_BOOT = 2000
LEVEL = 0.95




@dataclass(frozen=True)
class Alignment:
    """Identical runs shared by two texts (``blocks``: (start_a, start_b, size))."""

    a: str
    b: str
    blocks: tuple[tuple[int, int, int], ...]

    @property
    def matched(self) -> int:
        """Characters of ``a`` (equally of ``b``) in shared runs."""
        return sum(size for _, _, size in self.blocks)

    @property
    def share_a(self) -> float:
        """Share of ``a`` in shared runs."""
        return self.matched / len(self.a) if self.a else 0.0

    @property
    def share_b(self) -> float:
        """Share of ``b`` in shared runs."""
        return self.matched / len(self.b) if self.b else 0.0

    def marked(self) -> str:
        """``a`` with its differences from ``b`` marked, word-diff style.

        Shared runs are plain; ``{+…+}`` is text only in ``a``, ``[-…-]`` text only in
        ``b`` (at the place where ``a`` differs).
        """
        out, i, j = [], 0, 0
        for sa, sb, size in self.blocks + ((len(self.a), len(self.b), 0),):
            if sb > j:
                out.append(f"[-{self.b[j:sb]}-]")
            if sa > i:
                out.append(f"{{+{self.a[i:sa]}+}}")
            out.append(self.a[sa:sa + size])
            i, j = sa + size, sb + size
        return "".join(out)

    def segments(self) -> list[tuple[str, str, str]]:
        """(kind, text in a, text in b) in order; kind is ``same`` or ``changed``."""
        out, i, j = [], 0, 0
        for sa, sb, size in self.blocks + ((len(self.a), len(self.b), 0),):
            if sa > i or sb > j:
                out.append(("changed", self.a[i:sa], self.b[j:sb]))
            if size:
                out.append(("same", self.a[sa:sa + size], self.b[sb:sb + size]))
            i, j = sa + size, sb + size
        return out


def align(a: str, b: str, min_block: int = MIN_BLOCK) -> Alignment:
    """Align two texts: identical runs of at least ``min_block`` characters, in order.

    ``difflib.SequenceMatcher`` (without its "popular character" heuristic, which would
    discard common Chinese characters in long texts) finds the longest matching blocks
    recursively; shorter runs are treated as differences.
    """
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks = tuple((m.a, m.b, m.size) for m in matcher.get_matching_blocks()
                   if m.size >= min_block)
    return Alignment(a, b, blocks)


def _compact(text: str) -> str:
    return "".join(text.split())


def find_reuse(prepared: pd.DataFrame, min_block: int = MIN_BLOCK,
               min_matched: int = MIN_MATCHED, threshold: float = THRESHOLD,
               candidates: np.ndarray | None = None) -> pd.DataFrame:
    """Clause pairs of different plans that share text, aligned.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses with ``doc_id``, ``clause_id``, ``content``.
    min_block : int
        Shortest identical run that counts as reuse (characters).
    min_matched : int
        A pair is kept when its shared runs total at least this many characters.
    threshold : float
        LSH Jaccard threshold for windows.
    candidates : numpy.ndarray, optional
        Candidate pairs of row positions to align instead of the LSH candidates (tests use
        every pair to measure what LSH misses).

    Returns
    -------
    pandas.DataFrame
        Two rows per kept pair, one in each direction: ``doc_a``, ``clause_a``, ``doc_b``,
        ``clause_b``, ``overlap_share`` (share of clause_a's characters in shared runs),
        ``matched_chars``, ``n_chars_a``, ``aligned_text`` (clause_a marked against clause_b,
        see :meth:`Alignment.marked`) and, for :func:`reuse_shares`, ``spans_a`` (the covered
        character ranges of clause_a).
    """
    texts = [_compact(t) for t in prepared["content"]]
    docs = prepared["doc_id"].to_numpy()
    ids = prepared["clause_id"].to_numpy()
    if candidates is None:
        group = pd.factorize(docs)[0]
        windows = minhash_signatures(texts)
        candidates = lsh_candidates(windows, group, threshold)
    # A pair can only reach min_matched characters in runs of min_block if the two texts
    # share at least one (one run) or two (two runs) min_block-grams; checking that with
    # hash sets is far cheaper than aligning, and drops chance LSH candidates without loss.
    need = 1 if min_matched <= min_block else 2

    def grams_of(k: int) -> set:
        codes = np.frombuffer(texts[k].encode("utf-32-le"), dtype=np.uint32)
        return set(shingle_hashes(codes, min_block).tolist())

    rows = []
    current, current_grams = -1, set()
    for i, j in candidates:
        # Candidates are sorted by their first clause: keep only its gram set in memory.
        if i != current:
            current, current_grams = i, grams_of(i)
        if len(current_grams & grams_of(j)) < need:
            continue
        al = align(texts[i], texts[j], min_block)
        if al.matched < min_matched:
            continue
        back = Alignment(al.b, al.a, tuple((sb, sa, size) for sa, sb, size in al.blocks))
        for (x, y, al_xy) in ((i, j, al), (j, i, back)):
            rows.append({"doc_a": docs[x], "clause_a": ids[x], "doc_b": docs[y],
                         "clause_b": ids[y], "overlap_share": round(al_xy.share_a, 4),
                         "matched_chars": al_xy.matched, "n_chars_a": len(al_xy.a),
                         "aligned_text": al_xy.marked(),
                         "spans_a": tuple((s, s + n) for s, _, n in al_xy.blocks)})
    columns = ["doc_a", "clause_a", "doc_b", "clause_b", "overlap_share", "matched_chars",
               "n_chars_a", "aligned_text", "spans_a"]
    table = pd.DataFrame(rows, columns=columns)
    order = {c: k for k, c in enumerate(ids)}
    if len(table):
        table["_a"] = table["clause_a"].map(order)
        table["_b"] = table["clause_b"].map(order)
        table = table.sort_values(["_a", "_b"]).drop(columns=["_a", "_b"])
    return table.reset_index(drop=True)


def _covered(spans_list, length: int) -> int:
    mask = np.zeros(length, dtype=bool)
    for spans in spans_list:
        for s, e in spans:
            mask[s:e] = True
    return int(mask.sum())


def reuse_shares(prepared: pd.DataFrame, reuse: pd.DataFrame, n_boot: int = N_BOOT,
                 seed: int = SEED, level: float = LEVEL) -> pd.DataFrame:
    """Share of each plan's text found in each other plan, with bootstrap intervals.

    A character of plan A counts as reused from plan B when it lies in a shared run of a
    kept clause pair (A, B). The interval resamples A's clauses (the ratio of covered to
    all characters over the resampled clauses).

    Returns
    -------
    pandas.DataFrame
        ``doc_a``, ``doc_b`` (every ordered pair of plans), ``n_chars_a``, ``reused_chars``,
        ``share``, ``ci_low``, ``ci_high``, ``n_clauses_reused`` (clauses of A with any
        shared run with B).
    """
    texts = {c: _compact(t) for c, t in zip(prepared["clause_id"], prepared["content"])}
    docs = sorted(prepared["doc_id"].unique())
    rows_of = {d: part.tolist() for d, part in prepared.groupby("doc_id")["clause_id"]}
    covered: dict[tuple[str, str], dict[str, int]] = {}
    if len(reuse):
        for (doc_a, doc_b, clause_a), part in reuse.groupby(["doc_a", "doc_b", "clause_a"],
                                                            sort=True):
            covered.setdefault((doc_a, doc_b), {})[clause_a] = _covered(
                part["spans_a"], len(texts[clause_a]))
    out = []
    alpha = 1 - level
    for doc_a in docs:
        clauses = rows_of[doc_a]
        lengths = np.array([len(texts[c]) for c in clauses], dtype=float)
        rng = np.random.default_rng([seed, zlib.crc32(doc_a.encode("utf-8"))])
        counts = rng.multinomial(len(clauses), np.full(len(clauses), 1 / len(clauses)),
                                 size=n_boot)
        # Every ordered pair for a small corpus (zeros are informative in a matrix of tens of
        # plans); beyond that only pairs that share text, so the table grows with reuse,
        # not with plans squared.
        partners = (docs if len(docs) <= ALL_PAIRS_MAX_PLANS
                    else sorted(b for (a, b) in covered if a == doc_a))
        for doc_b in partners:
            if doc_b == doc_a:
                continue
            hit = covered.get((doc_a, doc_b), {})
            reused = np.array([hit.get(c, 0) for c in clauses], dtype=float)
            reps = (counts @ reused) / np.maximum(counts @ lengths, 1)
            out.append({"doc_a": doc_a, "doc_b": doc_b, "n_chars_a": int(lengths.sum()),
                        "reused_chars": int(reused.sum()),
                        "share": reused.sum() / lengths.sum() if lengths.sum() else 0.0,
                        "ci_low": float(np.quantile(reps, alpha / 2)),
                        "ci_high": float(np.quantile(reps, 1 - alpha / 2)),
                        "n_clauses_reused": int((reused > 0).sum())})
    return pd.DataFrame(out)


