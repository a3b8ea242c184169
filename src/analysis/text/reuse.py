"""Passage-level text reuse between plans (whole-plan similarity: :mod:`analysis.text.similarity`).

Reuse: which passages of one plan repeat another plan's text, found in two steps so that the
work grows with the amount of reuse rather than with the square of the corpus:

1. *Candidates* (:mod:`analysis.text.minhash`). Each clause's content text is cut into
   overlapping windows of character 4-shingles; each window gets a MinHash signature (the
   ``affine32`` scheme of datasketch, vectorised; tested equal to ``datasketch.MinHash``);
   LSH banding puts similar windows in the same bucket. Clauses of different plans that share
   a bucket are candidate pairs; no other pair is ever aligned.
2. *Local alignment* (:mod:`analysis.text.alignment`). Each candidate pair is aligned with
   repeated Smith–Waterman–Gotoh local alignment (Biopython): every passage of the first
   clause that aligns to the second with a score of at least ``min_block`` (match +1,
   mismatch −2, gap −3/−1: about ``min_block`` identical characters net of edits) is found,
   in whatever order the passages stand, and substitutions or insertions inside a passage do
   not break it. Reordering across clauses is found because each clause pair is aligned on
   its own and a clause's covered characters are pooled over all the other plan's clauses.

The measured quantity (estimand). For an ordered pair of plans (A, B), ``share`` of
:func:`reuse_shares` is the share of A's content characters (whitespace removed) that are
aligned to an *identical* character of B inside a local alignment of score >= ``min_block``,
in a clause pair whose aligned identical characters total >= ``min_matched``. Substituted or
inserted characters are not counted. It is a measurement of the two texts as observed, not an
estimate of a population quantity, so it carries no sampling interval (the earlier clause
bootstrap had no clear estimand and was removed). Its error against the characters truly
copied is measured by simulation (:mod:`analysis.evaluation.simulate_reuse`).

Direction and common sources (:func:`reuse_attribution`). The text does not say who copied
whom. The later plan is the one with the later issue date (``documents.csv``); equal or
missing dates are reported as such, not guessed. Two plans may also both copy a higher text
(the State Council Work Safety Committee's fifteen measures, a provincial plan): a passage of
the later plan aligned to the earlier plan that also aligns to a *common-source candidate* in
the corpus (a national plan, or a plan of a jurisdiction above both) is attributed to that
source, and the share is given both ways (direct and via a common source).

Benchmarks ``reuse_scaling`` and ``alignment_throughput`` (``make bench``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.schema import Column, TableSchema
from analysis.text.alignment import Alignment, local_align  # noqa: F401  (Alignment re-exported)
from analysis.text.minhash import (BLOCK, MAX_BUCKET, MIN_HITS, NUM_PERM, SEED, SHINGLE,  # noqa: F401
                                   THRESHOLD, WINDOW_BLOCKS, Windows, lsh_candidates,
                                   lsh_candidates_streamed, minhash_signatures, shingle_hashes)

#: Lowest local-alignment score that counts (about this many identical characters net of edits).
MIN_BLOCK = 10
#: A clause pair is kept when its aligned identical characters total at least this many.
MIN_MATCHED = 20
#: Above this many plans, reuse_shares lists only pairs that share text.
ALL_PAIRS_MAX_PLANS = 50
#: Order of administrative levels, highest first (``national`` is not yet allowed by the
#: manifest, but a national text is what the common-source check most needs).
LEVEL_RANK = {"national": 0, "province": 1, "city": 2, "county": 3}


def align(a: str, b: str, min_block: int = MIN_BLOCK) -> Alignment:
    """Align two texts: every passage of ``a`` aligning locally to ``b`` with a score of at
    least ``min_block`` (:func:`analysis.text.alignment.local_align`; with the module's scores
    a score of 10 is about ten identical characters net of edits)."""
    return local_align(a, b, min_score=min_block)


def _compact(text: str) -> str:
    return "".join(text.split())


def candidate_pairs(prepared: pd.DataFrame, threshold: float = THRESHOLD) -> np.ndarray:
    """Clause pairs of different plans whose MinHash/LSH signatures collide: the candidates
    :func:`find_reuse` aligns (they do not depend on its block size, so callers that align at
    several sizes search once).

    Searched in bounded memory (:func:`analysis.text.minhash.lsh_candidates_streamed`): the
    whole signature matrix grows with the corpus (on the 1,000-plan synthetic corpus of the
    scale benchmark, 12 M characters, the search peaked 784 MB above its start holding it,
    348 MB streamed, with the same 83,823 candidate pairs; it would be some 12 GB at 16,000
    plans)."""
    texts = [_compact(t) for t in prepared["content"]]
    group = pd.factorize(prepared["doc_id"].to_numpy())[0]
    return lsh_candidates_streamed(texts, group, threshold)


def find_reuse(prepared: pd.DataFrame, min_block: int = MIN_BLOCK,
               min_matched: int = MIN_MATCHED, threshold: float = THRESHOLD,
               candidates: np.ndarray | None = None) -> pd.DataFrame:
    """Clause pairs of different plans that share text, aligned.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses with ``doc_id``, ``clause_id``, ``content``.
    min_block : int
        Lowest score of a local alignment that counts (about this many identical characters
        net of edits; see :mod:`analysis.text.alignment`).
    min_matched : int
        A pair is kept when its aligned identical characters total at least this many.
    threshold : float
        LSH Jaccard threshold for windows.
    candidates : numpy.ndarray, optional
        Candidate pairs of row positions to align instead of the LSH candidates (tests use
        every pair to measure what LSH misses).

    Returns
    -------
    pandas.DataFrame
        Two rows per kept pair, one in each direction: ``doc_a``, ``clause_a``, ``doc_b``,
        ``clause_b``, ``overlap_share`` (share of clause_a's characters aligned to identical
        characters of clause_b), ``matched_chars``, ``n_chars_a``, ``n_passages`` (local
        alignments), ``aligned_text`` (clause_a marked against clause_b, see
        :meth:`Alignment.marked`) and, for :func:`reuse_shares`, ``spans_a`` (the covered
        character ranges of clause_a). Both directions come from the same local alignments
        (clause_a is the earlier row of ``prepared``; the other direction is
        :meth:`Alignment.swapped`).
    """
    return find_reuse_levels(prepared, ((min_block, min_matched),), threshold,
                             candidates)[0]


def find_reuse_levels(prepared: pd.DataFrame, levels: tuple[tuple[int, int], ...],
                      threshold: float = THRESHOLD, candidates: np.ndarray | None = None,
                      marked: tuple[bool, ...] | None = None, jobs: int | None = 1,
                      cache_dir=None, progress: bool = False) -> list[pd.DataFrame]:
    """:func:`find_reuse` at several ``(min_block, min_matched)`` from one alignment of each
    candidate pair (:func:`analysis.text.alignment.local_align_levels`): the tables are
    those of separate calls, at the cost of the lowest ``min_block``.

    ``marked`` (one flag per level, default all True): False leaves ``aligned_text`` empty
    at that level, for callers that need only the spans (the marking is a third of the
    time of a table). ``jobs``, ``cache_dir`` and ``progress`` are passed to
    :func:`analysis.text.pair_alignment.align_pairs` (parallel and cached alignment; the
    tables do not depend on them).
    """
    from analysis.text.pair_alignment import align_pairs

    texts = [_compact(t) for t in prepared["content"]]
    docs = prepared["doc_id"].to_numpy()
    ids = prepared["clause_id"].to_numpy()
    if candidates is None:
        candidates = candidate_pairs(prepared, threshold)
    marked = marked if marked is not None else (True,) * len(levels)
    scores = tuple(block for block, _ in levels)
    # No pre-filter beyond the LSH: a light edit every few characters leaves no long
    # identical run to test for, and the aligner's score pass (C code, no traceback) is
    # itself the cheap test that drops chance candidates.
    rows: list[list[dict]] = [[] for _ in levels]
    aligned = align_pairs(texts, candidates, scores, jobs=jobs, cache_dir=cache_dir,
                          progress=progress)
    for (i, j), found in zip(candidates, aligned):
        for k, (al, (_, min_matched)) in enumerate(zip(found, levels)):
            if al.matched < min_matched:
                continue
            for (x, y, al_xy) in ((i, j, al), (j, i, al.swapped())):
                rows[k].append({"doc_a": docs[x], "clause_a": ids[x], "doc_b": docs[y],
                                "clause_b": ids[y], "overlap_share": round(al_xy.share_a, 4),
                                "matched_chars": al_xy.matched, "n_chars_a": len(al_xy.a),
                                "n_passages": len(al_xy.regions),
                                "aligned_text": al_xy.marked() if marked[k] else "",
                                "spans_a": al_xy.spans_a()})
    columns = ["doc_a", "clause_a", "doc_b", "clause_b", "overlap_share", "matched_chars",
               "n_chars_a", "n_passages", "aligned_text", "spans_a"]
    order = {c: k for k, c in enumerate(ids)}
    tables = []
    for level_rows in rows:
        table = pd.DataFrame(level_rows, columns=columns)
        if len(table):
            table["_a"] = table["clause_a"].map(order)
            table["_b"] = table["clause_b"].map(order)
            table = table.sort_values(["_a", "_b"]).drop(columns=["_a", "_b"])
        tables.append(table.reset_index(drop=True))
    return tables


def _covered_masks(prepared: pd.DataFrame, reuse: pd.DataFrame
                   ) -> tuple[dict[str, int], dict[tuple[str, str], dict[str, np.ndarray]]]:
    """Length of every clause, and for each (plan, other plan) the mask of each clause's
    characters aligned to the other plan (only clauses with any)."""
    lengths = {c: len(_compact(t)) for c, t in zip(prepared["clause_id"], prepared["content"])}
    masks: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for doc_a, doc_b, clause_a, spans in zip(reuse["doc_a"], reuse["doc_b"],
                                             reuse["clause_a"], reuse["spans_a"]):
        mask = masks.setdefault((doc_a, doc_b), {}).setdefault(
            clause_a, np.zeros(lengths[clause_a], dtype=bool))
        for s, e in spans:
            mask[s:e] = True
    return lengths, masks


def reuse_shares(prepared: pd.DataFrame, reuse: pd.DataFrame) -> pd.DataFrame:
    """Share of each plan's text aligned to each other plan (the module's estimand): a
    measurement of two observed texts, so no interval is computed.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses (``doc_id``, ``clause_id``, ``content``).
    reuse : pandas.DataFrame
        :func:`find_reuse` output (with ``spans_a``).

    Returns
    -------
    pandas.DataFrame
        ``doc_a``, ``doc_b`` (every ordered pair of plans up to
        :data:`ALL_PAIRS_MAX_PLANS` plans, beyond that only pairs that share text),
        ``n_chars_a``, ``reused_chars`` (characters of doc_a aligned to identical characters
        of doc_b, each counted once however many clauses of doc_b it aligns to), ``share``
        (reused_chars / n_chars_a), ``n_clauses_reused`` (clauses of doc_a with any).
    """
    lengths, masks = _covered_masks(prepared, reuse)
    docs = sorted(prepared["doc_id"].unique())
    clauses_of = {d: part.tolist() for d, part in prepared.groupby("doc_id")["clause_id"]}
    size = {d: sum(lengths[c] for c in clauses_of[d]) for d in docs}
    out = []
    # The partners of each plan, grouped once (a scan of every pair for every plan was
    # quadratic: 15 s at a thousand plans).
    sharing: dict[str, list[str]] = {}
    for a, b in masks:
        sharing.setdefault(a, []).append(b)
    for doc_a in docs:
        # Every ordered pair for a small corpus (zeros are informative in a matrix of tens of
        # plans); beyond that only pairs that share text, so the table grows with reuse,
        # not with plans squared.
        partners = (docs if len(docs) <= ALL_PAIRS_MAX_PLANS
                    else sorted(sharing.get(doc_a, ())))
        for doc_b in partners:
            if doc_b == doc_a:
                continue
            hit = masks.get((doc_a, doc_b), {})
            reused = sum(int(m.sum()) for m in hit.values())
            out.append({"doc_a": doc_a, "doc_b": doc_b, "n_chars_a": size[doc_a],
                        "reused_chars": reused,
                        "share": reused / size[doc_a] if size[doc_a] else 0.0,
                        "n_clauses_reused": sum(1 for m in hit.values() if m.any())})
    return pd.DataFrame(out, columns=["doc_a", "doc_b", "n_chars_a", "reused_chars", "share",
                                      "n_clauses_reused"])


class PlanIndex:
    """What the direction and common-source rules need of ``documents.csv``, looked up in
    constant time per plan (the rules run once per pair of plans that share text, so a scan
    of all plans per pair would make them quadratic)."""

    def __init__(self, documents: pd.DataFrame):
        get = documents.get
        n = len(documents)
        empty = pd.Series([None] * n, index=documents.index)
        self.level = dict(zip(documents["doc_id"], documents["admin_level"]))
        self.date = {d: v if isinstance(v, str) and v else None
                     for d, v in zip(documents["doc_id"], get("issue_date", empty))}
        self.province = dict(zip(documents["doc_id"], get("province_zh", empty)))
        self.parent = dict(zip(documents["doc_id"], get("parent_zh", empty)))
        self.rank = {d: LEVEL_RANK.get(v, 9) for d, v in self.level.items()}
        self.national: list[str] = []
        self.by_province: dict[str, list[str]] = {}
        self.by_jurisdiction: dict[tuple[str, str], list[str]] = {}
        for d, level, place, province in zip(documents["doc_id"], documents["admin_level"],
                                             get("jurisdiction_zh", empty),
                                             get("province_zh", empty)):
            if level == "national":
                self.national.append(d)
            elif level == "province":
                self.by_province.setdefault(province, []).append(d)
            elif level == "city":
                self.by_jurisdiction.setdefault((province, place), []).append(d)


def order_pair(plans: PlanIndex | pd.DataFrame, doc_x: str, doc_y: str) -> tuple[str, str, str]:
    """(later, earlier, basis) for two plans.

    ``basis`` is ``issue_date`` when both issue dates are known and differ, ``same_date``
    when they are equal and ``date_missing`` when either is missing. Without a date order the
    pair is oriented with the lower administrative level as "later", then by ``doc_id``;
    that orientation is a convention for the table, not a finding.
    """
    plans = plans if isinstance(plans, PlanIndex) else PlanIndex(plans)
    dx, dy = plans.date[doc_x], plans.date[doc_y]
    if dx and dy and dx != dy:
        return (doc_x, doc_y, "issue_date") if dx > dy else (doc_y, doc_x, "issue_date")
    later, earlier = sorted((doc_x, doc_y), key=lambda d: (-plans.rank[d], d))
    return later, earlier, "same_date" if dx and dy else "date_missing"


def common_source_candidates(plans: PlanIndex | pd.DataFrame, later: str,
                             earlier: str) -> list[str]:
    """Plans of the corpus that both plans of the pair may have copied from.

    A plan H (neither of the two) qualifies when it is a national text, or when it is of a
    strictly higher administrative level than both and its jurisdiction contains both: a
    province-level H of the province of both, or a city-level H that is the parent of both
    (same province, H's ``jurisdiction_zh`` equal to both plans' ``parent_zh``). H must not
    be issued after the later plan when both dates are known.
    """
    plans = plans if isinstance(plans, PlanIndex) else PlanIndex(plans)
    pair = (later, earlier)
    found = list(plans.national)
    province = plans.province[later]
    if province == plans.province[earlier]:
        if all(plans.rank[d] > LEVEL_RANK["province"] for d in pair):
            found += plans.by_province.get(province, [])
        parent = plans.parent[later]
        if parent == plans.parent[earlier] and all(plans.rank[d] > LEVEL_RANK["city"]
                                                   for d in pair):
            found += plans.by_jurisdiction.get((province, parent), [])
    last = plans.date[later]
    return sorted(h for h in set(found) if h not in pair
                  and not (last and plans.date[h] and plans.date[h] > last))


def reuse_attribution(prepared: pd.DataFrame, reuse: pd.DataFrame,
                      documents: pd.DataFrame) -> pd.DataFrame:
    """For each pair of plans that share text: the later plan's share aligned to the earlier,
    split into text that also aligns to a common source in the corpus and text that does not.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses (``doc_id``, ``clause_id``, ``content``).
    reuse : pandas.DataFrame
        :func:`find_reuse` output (with ``spans_a``), searched over the whole corpus so that
        the alignments to the common-source candidates are in it.
    documents : pandas.DataFrame
        ``documents.csv`` (``doc_id``, ``admin_level``, ``province_zh``, ``parent_zh``,
        ``jurisdiction_zh``, ``issue_date``).

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair with aligned text (:data:`REUSE_ATTRIBUTION`), sorted by
        ``doc_later``, ``doc_earlier``.
    """
    lengths, masks = _covered_masks(prepared, reuse)
    clauses_of = {d: part.tolist() for d, part in prepared.groupby("doc_id")["clause_id"]}
    plans = PlanIndex(documents)
    rows = []
    for x, y in sorted({tuple(sorted(k)) for k in masks}):
        later, earlier, basis = order_pair(plans, x, y)
        sources = common_source_candidates(plans, later, earlier)
        aligned = common = 0
        used = set()
        for clause, mask in masks.get((later, earlier), {}).items():
            aligned += int(mask.sum())
            also = np.zeros_like(mask)
            for h in sources:
                hit = masks.get((later, h), {}).get(clause)
                if hit is not None and (hit & mask).any():
                    also |= hit
                    used.add(h)
            common += int((mask & also).sum())
        n = sum(lengths[c] for c in clauses_of[later])
        rows.append({"doc_later": later, "doc_earlier": earlier, "order_basis": basis,
                     "level_later": plans.level[later], "level_earlier": plans.level[earlier],
                     "n_chars_later": n, "aligned_chars": aligned,
                     "share": aligned / n if n else 0.0, "common_chars": common,
                     "share_via_common_source": common / n if n else 0.0,
                     "share_direct": (aligned - common) / n if n else 0.0,
                     "n_common_source_candidates": len(sources),
                     "common_sources": ";".join(sorted(used))})
    columns = [c.name for c in REUSE_ATTRIBUTION.columns]
    return pd.DataFrame(rows, columns=columns).sort_values(
        ["doc_later", "doc_earlier"]).reset_index(drop=True)


_SRC = "`analysis.text.reuse.reuse_attribution`"
REUSE_ATTRIBUTION = TableSchema(
    name="reuse_attribution",
    filename="reuse_attribution.csv",
    description="For each pair of plans that share aligned text: the later plan's share "
                "aligned to the earlier one (local alignment, as in `reuse.csv`), and how much "
                "of that text also aligns to a common-source candidate in the corpus (a "
                "national text, or a plan of a jurisdiction above both), which is then "
                "attributed to that source rather than to direct copying. Which plan is later "
                "comes from issue dates; equal or missing dates are flagged in order_basis.",
    primary_key=("doc_later", "doc_earlier"),
    columns=(
        Column("doc_later", "str", "Plan taken as the later one (its characters are counted).",
               source=_SRC),
        Column("doc_earlier", "str", "Plan taken as the earlier one.", source=_SRC),
        Column("order_basis", "str", "How the order was set: `issue_date` (both known and "
               "different); `same_date` (equal) or `date_missing` (either missing), where the "
               "lower administrative level is put as later, then the doc_id: a convention, "
               "not a finding.", allowed=("issue_date", "same_date", "date_missing"),
               source="`analysis.text.reuse.order_pair`"),
        Column("level_later", "str", "admin_level of doc_later.", source="`documents.csv`"),
        Column("level_earlier", "str", "admin_level of doc_earlier.", source="`documents.csv`"),
        Column("n_chars_later", "int", "Content characters of doc_later (whitespace removed).",
               source=_SRC),
        Column("aligned_chars", "int", "Characters of doc_later aligned to identical "
               "characters of doc_earlier in local alignments of score >= 10 within clause "
               "pairs with >= 20 such characters.", source=_SRC),
        Column("share", "float", "aligned_chars / n_chars_later (the estimand; equals "
               "`share` of `reuse_shares.csv` with doc_a = doc_later).", source=_SRC),
        Column("common_chars", "int", "Of aligned_chars, those that also align to a "
               "common-source candidate (in the same clause of doc_later).", source=_SRC),
        Column("share_via_common_source", "float", "common_chars / n_chars_later.",
               source=_SRC),
        Column("share_direct", "float", "(aligned_chars - common_chars) / n_chars_later: "
               "text found in doc_earlier and in no common-source candidate.", source=_SRC),
        Column("n_common_source_candidates", "int", "Plans in the corpus that qualify as a "
               "common source for this pair (0: the check could not attribute anything).",
               source="`analysis.text.reuse.common_source_candidates`"),
        Column("common_sources", "str", "`;`-separated doc_ids of the candidates that the "
               "attributed text aligns to (empty when none).", nullable=True, source=_SRC),
    ),
)
