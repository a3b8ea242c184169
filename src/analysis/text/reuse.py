"""Document similarity and passage-level text reuse between plans.

Similarity: TF-IDF cosine between whole plans, over words (:mod:`analysis.text.tokenise`) and over
character 2–4-grams, with jackknife intervals over clauses.

Reuse: which clauses of one plan repeat another plan's clauses, found in two steps so that
the work grows with the amount of reuse rather than with the square of the corpus:

1. *Candidates.* Each clause's content text is cut into overlapping windows of character
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
import time
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.bench import register

SEED = 20230330
NUM_PERM = 64
SHINGLE = 4
#: Window = ``WINDOW_BLOCKS`` blocks of ``BLOCK`` shingles; windows start every block.
BLOCK = 8
WINDOW_BLOCKS = 3
THRESHOLD = 0.5
MIN_BLOCK = 10
MIN_MATCHED = 20
#: Buckets larger than this link each member only to the bucket's first members, so that a
#: passage repeated in very many plans cannot make the candidate count quadratic.
MAX_BUCKET = 50
#: A clause pair becomes a candidate only when its windows collide at least this often
#: (summed over bands and window pairs). 2 would halve chance candidates but loses short
#: copied passages inside long clauses, so 1; chance candidates are dropped cheaply before
#: alignment instead (see :func:`find_reuse`).
MIN_HITS = 1
N_BOOT = 2000
LEVEL = 0.95


# --------------------------------------------------------------------------------------------
# Document similarity



#: Above this many plans, reuse_shares lists only pairs that share text.
ALL_PAIRS_MAX_PLANS = 50
#: document_similarity (pairwise with a jackknife) is for corpora up to this many plans.
SIMILARITY_MAX_PLANS = 100

def _clause_matrices(prepared: pd.DataFrame, tokens: pd.Series):
    from sklearn.feature_extraction.text import CountVectorizer

    words = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False)
    chars = CountVectorizer(analyzer="char", ngram_range=(2, 4), lowercase=False)
    text = prepared["content"].str.replace(r"\s+", "", regex=True)
    return {"words": words.fit_transform(tokens.fillna("")),
            "char_2_4": chars.fit_transform(text)}


def _tfidf_cosine(doc_counts) -> np.ndarray:
    """Cosine similarity of TF-IDF rows, as sklearn's TfidfTransformer (smooth IDF, l2) and
    cosine_similarity compute it, on a dense plans × features count array."""
    counts = np.asarray(doc_counts.toarray() if hasattr(doc_counts, "toarray") else doc_counts,
                        dtype=float)
    df = (counts > 0).sum(axis=0)
    idf = np.log((1 + len(counts)) / (1 + df)) + 1
    weights = counts * idf
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    unit = weights / np.where(norms > 0, norms, 1)
    return unit @ unit.T


def document_similarity(prepared: pd.DataFrame, tokens: pd.Series, level: float = LEVEL
                        ) -> pd.DataFrame:
    """Pairwise TF-IDF cosine similarity of plans, over words and character 2–4-grams.

    Intervals are jackknife intervals over clauses (each clause of the corpus left out once,
    IDF refitted; normal interval from the jackknife standard error). A bootstrap would be
    the obvious choice but is biased here: resampling with replacement counts some clauses
    two or three times, which makes every plan's profile noisier and pulls all similarities
    down, so that percentile intervals can miss the estimate altogether.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses with ``doc_id`` and ``content`` (:func:`analysis.text.tokenise.prepared_clauses`).
    tokens : pandas.Series
        Space-joined tokens of the same clauses, same order.

    Returns
    -------
    pandas.DataFrame
        ``representation``, ``doc_a``, ``doc_b`` (every unordered pair, ``doc_a < doc_b``),
        ``cosine``, ``ci_low``, ``ci_high``, ``se``.

    Notes
    -----
    Cost grows with clauses × plans², so this is meant for corpora of tens of plans; the
    reuse search below is the part built for thousands.
    """
    from scipy import sparse
    from scipy.stats import norm

    docs = sorted(prepared["doc_id"].unique())
    if len(docs) > SIMILARITY_MAX_PLANS:
        raise ValueError(f"document_similarity compares every pair of plans with a jackknife "
                         f"(cost clauses × plans²); {len(docs)} plans exceed "
                         f"{SIMILARITY_MAX_PLANS}. Use find_reuse for large corpora.")
    n = len(prepared)
    position = {d: k for k, d in enumerate(docs)}
    doc_index = prepared["doc_id"].map(position).to_numpy()
    member = sparse.csr_matrix((np.ones(n), (doc_index, np.arange(n))), shape=(len(docs), n))
    iu = np.triu_indices(len(docs), k=1)
    z = norm.ppf(0.5 + level / 2)
    out = []
    for name, matrix in _clause_matrices(prepared, tokens).items():
        matrix = sparse.csr_matrix(matrix, dtype=float)
        doc_counts = (member @ matrix).toarray()
        point = _tfidf_cosine(doc_counts)[iu]
        reps = np.empty((n, len(point)))
        for i in range(n):
            # Leave clause i out: subtract its counts from its plan, then restore them.
            row = slice(matrix.indptr[i], matrix.indptr[i + 1])
            columns, values = matrix.indices[row], matrix.data[row]
            doc_counts[doc_index[i], columns] -= values
            reps[i] = _tfidf_cosine(doc_counts)[iu]
            doc_counts[doc_index[i], columns] += values
        se = np.sqrt((n - 1) / n * ((reps - reps.mean(axis=0)) ** 2).sum(axis=0))
        for k, (i, j) in enumerate(zip(*iu)):
            out.append({"representation": name, "doc_a": docs[i], "doc_b": docs[j],
                        "cosine": point[k], "ci_low": point[k] - z * se[k],
                        "ci_high": point[k] + z * se[k], "se": se[k]})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# MinHash / LSH candidates


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer (datasketch's pre-mix of the ``affine32`` scheme)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(codes: np.ndarray, k: int = SHINGLE) -> np.ndarray:
    """32-bit polynomial hash of every run of ``k`` code points (``len - k + 1`` values)."""
    codes = codes.astype(np.uint32)
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    h = np.zeros(n, dtype=np.uint32)
    for j in range(k):
        h = h * np.uint32(1000003) + codes[j:j + n]
    return h


def permutations(num_perm: int = NUM_PERM, seed: int = 1) -> np.ndarray:
    """datasketch's permutation parameters (2 × num_perm, uint32) for ``seed``."""
    from datasketch import MinHash

    return np.asarray(MinHash(num_perm=num_perm, seed=seed).permutations, dtype=np.uint32)


@dataclass
class Windows:
    """Overlapping windows of shingles over many texts (all arrays have one row per window)."""

    text: np.ndarray        # index of the text each window belongs to
    signature: np.ndarray   # (n_windows, num_perm) uint32 MinHash values


def minhash_signatures(texts: list[str], k: int = SHINGLE, block: int = BLOCK,
                       window_blocks: int = WINDOW_BLOCKS, num_perm: int = NUM_PERM,
                       seed: int = 1, chunk_chars: int = 2_000_000) -> Windows:
    """MinHash signatures of overlapping shingle windows of every text, vectorised.

    Shingles of each text are grouped into blocks of ``block`` consecutive shingles; a
    window is ``window_blocks`` consecutive blocks, and windows start at every block, so any
    passage of about ``(window_blocks + 1) * block`` characters contains a whole window.
    A text shorter than one window is a single window. Block minima come from one
    ``numpy.minimum.reduceat`` per permutation; window minima from the block minima.
    Signatures equal those of ``datasketch.MinHash(num_perm, seed)`` updated with the
    window's shingle hashes (``hashfunc`` the identity).

    Texts are processed in chunks of about ``chunk_chars`` characters so that the
    temporary arrays stay small; the result does not depend on the chunking.

    Returns
    -------
    Windows
    """
    perms = permutations(num_perm, seed)
    parts, start = [], 0
    size = 0
    for end, text in enumerate(texts, start=1):
        size += len(text)
        if size >= chunk_chars or end == len(texts):
            part = _signature_chunk(texts[start:end], perms, k, block, window_blocks)
            parts.append(Windows(text=part.text + start, signature=part.signature))
            start, size = end, 0
    if not parts:
        return Windows(text=np.zeros(0, dtype=np.int64),
                       signature=np.zeros((0, num_perm), dtype=np.uint32))
    return Windows(text=np.concatenate([p.text for p in parts]),
                   signature=np.concatenate([p.signature for p in parts]))


def _signature_chunk(texts: list[str], perms: np.ndarray, k: int, block: int,
                     window_blocks: int) -> Windows:
    """Signatures of one chunk of texts (see :func:`minhash_signatures`)."""
    num_perm = perms.shape[1]
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    hashes = shingle_hashes(codes, k) if len(codes) >= k else np.zeros(0, np.uint32)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    n_shingles = np.maximum(lengths - k + 1, 0)
    has = n_shingles > 0
    n_blocks = np.where(has, -(-n_shingles // block), 0)
    first_block = np.concatenate([[0], np.cumsum(n_blocks)[:-1]])
    block_rank = np.arange(n_blocks.sum()) - np.repeat(first_block, n_blocks)
    block_start = np.repeat(starts, n_blocks) + block_rank * block
    # Windows: start at every block j with j + window_blocks <= n_blocks, or one window for
    # a text with fewer blocks than a window.
    n_windows = np.where(has, np.maximum(n_blocks - window_blocks + 1, 1), 0)
    text_of_window = np.repeat(np.arange(len(texts)), n_windows)
    window_rank = np.arange(n_windows.sum()) - np.repeat(
        np.concatenate([[0], np.cumsum(n_windows)[:-1]]), n_windows)
    w_first = np.repeat(first_block, n_windows) + window_rank
    w_last = np.minimum(w_first + window_blocks - 1,
                        np.repeat(first_block + n_blocks - 1, n_windows))
    # Shingles that cross into the next text must not count: keep the positions that start
    # inside their own text and end inside it.
    valid = np.zeros(len(hashes), dtype=bool)
    pos_rank = np.arange(n_shingles.sum()) - np.repeat(
        np.concatenate([[0], np.cumsum(n_shingles)[:-1]]), n_shingles)
    positions = np.repeat(starts, n_shingles) + pos_rank
    valid[positions] = True
    del positions, pos_rank
    mixed = _fmix32(hashes)
    max_hash = np.uint32(0xFFFFFFFF)
    signature = np.empty((len(text_of_window), num_perm), dtype=np.uint32)
    if len(block_start):
        for p in range(num_perm):
            permuted = perms[0, p] * mixed + perms[1, p]
            permuted[~valid] = max_hash
            block_min = np.minimum.reduceat(permuted, block_start)
            window_min = block_min[w_first]
            for t in range(1, window_blocks):
                window_min = np.minimum(window_min, block_min[np.minimum(w_first + t, w_last)])
            signature[:, p] = window_min
    return Windows(text=text_of_window, signature=signature)


def _pairs(a: np.ndarray, c: np.ndarray, group: np.ndarray) -> np.ndarray:
    keep = group[a] != group[c]
    return np.column_stack([np.minimum(a, c), np.maximum(a, c)])[keep]


def lsh_candidates(windows: Windows, group: np.ndarray, threshold: float = THRESHOLD,
                   max_bucket: int = MAX_BUCKET, min_hits: int = MIN_HITS) -> np.ndarray:
    """Pairs of texts in different groups whose windows share an LSH bucket.

    Parameters
    ----------
    windows : Windows
        From :func:`minhash_signatures`.
    group : numpy.ndarray
        Group (plan) of each text; pairs within a group are dropped.
    threshold : float
        Jaccard threshold; bands and rows are datasketch's optimum for it.
    max_bucket : int
        Cap on pairs per bucket (see :data:`MAX_BUCKET`).
    min_hits : int
        Collisions a pair needs (see :data:`MIN_HITS`).

    Returns
    -------
    numpy.ndarray
        (n_pairs, 2) text indices, first < second, sorted and unique.
    """
    from datasketch.lsh import _optimal_param

    num_perm = windows.signature.shape[1]
    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    multipliers = (np.random.default_rng(7).integers(1, 2**63, size=rows, dtype=np.int64)
                   .astype(np.uint64) | np.uint64(1))
    found = []
    for b in range(bands):
        part = windows.signature[:, b * rows:(b + 1) * rows].astype(np.uint64)
        key = (part * multipliers).sum(axis=1) + np.uint64(b)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        boundary = np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]])
        bucket = np.cumsum(boundary) - 1
        size = np.bincount(bucket)
        # Only windows in shared buckets matter; dropping the rest keeps the loops below on
        # the (small) colliding subset.
        shared = size[bucket] >= 2
        if not shared.any():
            continue
        order, bucket = order[shared], bucket[shared]
        start_of = np.full(len(size), -1)
        first = np.concatenate([[True], bucket[1:] != bucket[:-1]])
        start_of[bucket[first]] = np.flatnonzero(first)
        rank = np.arange(len(order)) - start_of[bucket]
        member_size = size[bucket]
        text = windows.text[order]
        for offset in range(1, min(int(member_size.max()), max_bucket)):
            # Pairs among a bucket's first max_bucket members: rank r with rank r + offset.
            left = np.flatnonzero((rank + offset < np.minimum(member_size, max_bucket)))
            if not len(left):
                break
            found.append(_pairs(text[left], text[left + offset], group))
        # Members ranked beyond max_bucket link to each of the first max_bucket members only.
        deep = np.flatnonzero(rank >= max_bucket)
        for h in range(max_bucket if len(deep) else 0):
            heads = start_of[bucket[deep]] + h
            found.append(_pairs(text[heads], text[deep], group))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    if not len(pairs):
        return pairs.reshape(0, 2)
    # One int64 key per pair makes counting a single sort.
    n = int(pairs.max()) + 1
    keys, hits = np.unique(pairs[:, 0] * n + pairs[:, 1], return_counts=True)
    keys = keys[hits >= min_hits]
    return np.column_stack([keys // n, keys % n])


# --------------------------------------------------------------------------------------------
# Alignment


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


# --------------------------------------------------------------------------------------------
# Benchmark: synthetic corpus by recombining real clauses


def synthetic_corpus(prepared: pd.DataFrame, n_plans: int, clauses_per_plan: int = 50,
                     copy_share: float = 0.3, seed: int = SEED) -> tuple[pd.DataFrame, set]:
    """A synthetic corpus of plans built by recombining the words of real clauses.

    Plans form a hierarchy: the first ``n_plans // 40`` plans are roots; every other plan has
    a parent among the earlier plans and copies about ``copy_share`` of its clauses from the
    parent, each copy lightly edited (one phrase replaced, dropped or added, as Yichun edits
    Jiangxi). Every other clause is new: words drawn from the real clauses in proportion to
    their frequency (jieba segmentation, punctuation removed), with a comma every 4–8 words,
    and as long as a real clause (length drawn from the real lengths). Unrelated plans thus
    share vocabulary and stock phrases but not passages, and the amount of true reuse grows
    linearly with the number of plans.

    Returns
    -------
    (pandas.DataFrame, set)
        Clauses (``doc_id``, ``clause_id``, ``content``) and the set of true copies as
        (copy clause_id, source clause_id).
    """
    import re

    from analysis.text.tokenise import tokenizer

    rng = np.random.default_rng(seed)
    real = [_compact(t) for t in prepared["content"] if isinstance(t, str) and len(t) >= 10]
    words = [w for text in real for w in tokenizer().lcut(text, HMM=False)
             if re.fullmatch(r"[\u4e00-\u9fff0-9A-Za-z]+", w)]
    vocabulary, counts = np.unique(np.array(words, dtype=object), return_counts=True)
    probabilities = counts / counts.sum()
    real_lengths = np.array([len(t) for t in real])
    n_roots = max(1, n_plans // 40)
    split = re.compile(r"[^，。；：、]+[，。；：、]?")

    # Words are drawn in large batches (one numpy call each) and consumed in order.
    stream = {"words": [], "pos": 0}

    def word_stream(k: int) -> list:
        if stream["pos"] + k > len(stream["words"]):
            stream["words"] = rng.choice(vocabulary, size=200_000, p=probabilities).tolist()
            stream["pos"] = 0
        taken = stream["words"][stream["pos"]:stream["pos"] + k]
        stream["pos"] += k
        return taken

    def fresh() -> str:
        target = int(rng.choice(real_lengths))
        pieces, size = [], 0
        while size < target:
            phrase = "".join(word_stream(int(rng.integers(4, 9)))) + "，"
            pieces.append(phrase)
            size += len(phrase)
        return "".join(pieces)[:-1] + "。"

    plan_clauses: list[list[str]] = []
    rows, truth = [], set()
    for p in range(n_plans):
        doc_id = f"syn{p:05d}"
        texts = []
        parent = int(rng.integers(0, p)) if p >= n_roots else None
        for c in range(clauses_per_plan):
            if parent is not None and rng.random() < copy_share:
                src = int(rng.integers(0, clauses_per_plan))
                pieces = split.findall(plan_clauses[parent][src])
                edit = rng.random()
                if len(pieces) > 2 and edit < 0.4:
                    pieces[int(rng.integers(0, len(pieces)))] = split.findall(fresh())[0]
                elif len(pieces) > 2 and edit < 0.7:
                    pieces.pop(int(rng.integers(0, len(pieces))))
                else:
                    pieces.insert(int(rng.integers(0, len(pieces) + 1)), split.findall(fresh())[0])
                text = "".join(pieces)
                truth.add((f"{doc_id}/{c}", f"syn{parent:05d}/{src}"))
            else:
                text = fresh()
            texts.append(text)
            rows.append((doc_id, f"{doc_id}/{c}", text))
        plan_clauses.append(texts)
    table = pd.DataFrame(rows, columns=["doc_id", "clause_id", "content"])
    return table, truth


def _measure_size(n_plans: int) -> dict:
    """One benchmark run in a fresh process: build a synthetic corpus of ``n_plans``, search
    it, and report stage timings, peak memory above the process's starting point, and recall
    of the known copies."""
    import resource

    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir
    from analysis.text.tokenise import prepared_clauses, tokenizer

    tokenizer()
    prepared = prepared_clauses(read_csv(processed_dir() / "clauses.csv"))
    prepared = prepared[prepared["n_chars"] >= 10]
    corpus, truth = synthetic_corpus(prepared, n_plans)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    texts = corpus["content"].tolist()
    group = pd.factorize(corpus["doc_id"])[0]
    windows = minhash_signatures(texts)
    t_sig = time.perf_counter() - start
    candidates = lsh_candidates(windows, group)
    t_lsh = time.perf_counter() - start - t_sig
    found = find_reuse(corpus, candidates=candidates)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pairs = set(zip(found["clause_a"], found["clause_b"]))
    unordered_found = {tuple(sorted(p)) for p in pairs}
    unordered_true = {tuple(sorted(p)) for p in truth}
    return {"plans": n_plans, "clauses": len(corpus),
            "characters_m": round(corpus["content"].str.len().sum() / 1e6, 2),
            "windows": int(len(windows.text)), "candidate_pairs": int(len(candidates)),
            "aligned_pairs_kept": int(len(found) // 2), "true_copies": len(truth),
            "recall_of_copies": round(len(truth & pairs) / max(len(truth), 1), 4),
            "kept_pairs_that_are_direct_copies": round(
                len(unordered_found & unordered_true) / max(len(unordered_found), 1), 4),
            "signatures_s": round(t_sig, 2), "lsh_s": round(t_lsh, 2),
            "alignment_s": round(total - t_sig - t_lsh, 2), "total_s": round(total, 2),
            "peak_rss_above_start_mb": round((peak - baseline) / 1024, 1)}


@register("reuse_scaling")
def bench_reuse(sizes: tuple[int, ...] = (1000, 4000)) -> dict:
    """Reuse search (signatures, LSH, alignment) on synthetic corpora of two sizes, each in a
    fresh process so that peak memory is its own: time, peak resident memory above the
    process's start, the growth exponents (log ratio of time or memory / log ratio of sizes;
    1 = linear, 2 = quadratic), and recall of the copies planted in the corpus."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    results: dict = {"sizes": list(sizes),
                     "corpus": "synthetic_corpus: words of the real clauses recombined; each "
                               "non-root plan copies ~30% of its clauses from a parent, edited"}
    for n in sizes:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            results[f"n{n}"] = pool.submit(_measure_size, n).result()
    small, large = (results[f"n{n}"] for n in (min(sizes), max(sizes)))
    ratio = np.log(max(sizes) / min(sizes))
    for key, label in (("total_s", "time"), ("peak_rss_above_start_mb", "memory")):
        results[f"{label}_growth_exponent"] = round(
            float(np.log(max(large[key], 1e-9) / max(small[key], 1e-9)) / ratio), 2)
    return results
