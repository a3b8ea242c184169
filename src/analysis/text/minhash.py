"""Candidate clause pairs for reuse: MinHash signatures of character-shingle windows and LSH
banding (the ``affine32`` scheme of datasketch, vectorised with numpy; tested equal to
``datasketch.MinHash``). Written by hand only for the vectorisation: datasketch hashes one set
at a time, which is too slow for millions of windows."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 20230330
NUM_PERM = 64
SHINGLE = 4
#: Window = ``WINDOW_BLOCKS`` blocks of ``BLOCK`` shingles; windows start every block.
BLOCK = 8
WINDOW_BLOCKS = 3
THRESHOLD = 0.5
#: Buckets larger than this link each member only to the bucket's first members, so that a
#: passage repeated in very many plans cannot make the candidate count quadratic.
MAX_BUCKET = 50
#: A clause pair becomes a candidate only when its windows collide at least this often
#: (summed over bands and window pairs). 2 would halve chance candidates but loses short
#: copied passages inside long clauses, so 1; chance candidates are dropped cheaply before
#: alignment instead (see :func:`find_reuse`).
MIN_HITS = 1



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
    total = len(windows.text)
    if total >= 1 << INDEX_BITS:
        raise ValueError(f"{total} windows exceed the {INDEX_BITS}-bit window index")
    n_texts = int(windows.text.max()) + 1 if total else 1
    index = np.arange(total, dtype=np.uint64)
    keys, hits = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    for b in range(bands):
        part = windows.signature[:, b * rows:(b + 1) * rows].astype(np.uint64)
        key = (part * multipliers).sum(axis=1) + np.uint64(b)
        packed = (key << np.uint64(INDEX_BITS)) | index
        keys, hits = _merge_pairs(keys, hits, _band_pairs(packed, windows.text,
                                                          np.asarray(group), n_texts,
                                                          max_bucket))
    keys = keys[hits >= min_hits]
    return np.column_stack([keys // n_texts, keys % n_texts]).astype(np.int64)


#: Bits of a window's index packed under its band key in :func:`lsh_candidates_streamed`
#: (2**27 = 134 million windows, about 140,000 plans); the key keeps the other 37 bits.
INDEX_BITS = 27


def _window_counts(lengths: np.ndarray, k: int, block: int, window_blocks: int) -> np.ndarray:
    """Windows of each text, as :func:`_signature_chunk` makes them."""
    n_shingles = np.maximum(lengths - k + 1, 0)
    n_blocks = -(-n_shingles // block)
    return np.where(n_shingles > 0, np.maximum(n_blocks - window_blocks + 1, 1), 0)


def _merge_pairs(keys: np.ndarray, hits: np.ndarray, new: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Unique pair keys with their hit counts, after adding the keys ``new``."""
    new_keys, new_hits = np.unique(new, return_counts=True)
    if not len(keys):
        return new_keys, new_hits
    merged, inverse = np.unique(np.concatenate([keys, new_keys]), return_inverse=True)
    return merged, np.bincount(inverse, weights=np.concatenate([hits, new_hits]),
                               minlength=len(merged)).astype(np.int64)


def _band_pairs(packed: np.ndarray, text: np.ndarray, group: np.ndarray, n_texts: int,
                max_bucket: int) -> np.ndarray:
    """Pair keys (``a * n_texts + b``, a < b) of one band from its packed window keys (band
    key in the high bits, window index in the low :data:`INDEX_BITS`), as
    :func:`lsh_candidates` pairs the windows of one band."""
    packed.sort()
    key = packed >> np.uint64(INDEX_BITS)
    same = key[1:] == key[:-1]
    del key
    shared = np.zeros(len(packed), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    del same
    sel = packed[shared]
    del shared
    if not len(sel):
        return np.zeros(0, dtype=np.int64)
    sel_key = sel >> np.uint64(INDEX_BITS)
    window = (sel & np.uint64((1 << INDEX_BITS) - 1)).astype(np.int64)
    first = np.concatenate([[True], sel_key[1:] != sel_key[:-1]])
    bucket = np.cumsum(first) - 1
    size = np.bincount(bucket)
    start_of = np.flatnonzero(first)
    rank = np.arange(len(sel)) - start_of[bucket]
    member_size = size[bucket]
    of_text = text[window]
    found = []
    for offset in range(1, min(int(member_size.max()), max_bucket)):
        left = np.flatnonzero(rank + offset < np.minimum(member_size, max_bucket))
        if not len(left):
            break
        found.append(_pairs(of_text[left], of_text[left + offset], group))
    deep = np.flatnonzero(rank >= max_bucket)
    for h in range(max_bucket if len(deep) else 0):
        heads = start_of[bucket[deep]] + h
        found.append(_pairs(of_text[heads], of_text[deep], group))
    if not found:
        return np.zeros(0, dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    return pairs[:, 0] * n_texts + pairs[:, 1]


def lsh_candidates_streamed(texts: list[str], group: np.ndarray, threshold: float = THRESHOLD,
                            max_bucket: int = MAX_BUCKET, min_hits: int = MIN_HITS,
                            k: int = SHINGLE, block: int = BLOCK,
                            window_blocks: int = WINDOW_BLOCKS, num_perm: int = NUM_PERM,
                            seed: int = 1, chunk_chars: int = 2_000_000,
                            memory_mb: float = 1024.0) -> np.ndarray:
    """:func:`lsh_candidates` of :func:`minhash_signatures` of ``texts``, in bounded memory.

    The full signature matrix (``num_perm`` 4-byte values per window, 7 GB for 30,000 plans)
    is never held: signatures are computed per chunk of about ``chunk_chars`` characters and
    reduced at once to the band keys of the bands of the current pass (8 bytes per window and
    band); as many bands go into one pass as ``memory_mb`` allows, and the texts are read
    again for the next bands (the permutations of a pass are the only ones computed, so the
    total hashing work is that of one pass plus the per-chunk shingling of each pass).
    Each band's keys carry the window index in their low :data:`INDEX_BITS` bits, so one
    in-place sort buckets them; the band key keeps 37 bits, so windows of different buckets
    share one by chance with probability 2**-37 per pair (a few spurious candidates at
    millions of windows, which the alignment drops). Otherwise the candidates are those of
    :func:`lsh_candidates` (tested).

    Parameters
    ----------
    texts : list of str
        The texts.
    group : numpy.ndarray
        Group (plan) of each text; pairs within a group are dropped.
    threshold, max_bucket, min_hits
        As in :func:`lsh_candidates`.
    k, block, window_blocks, num_perm, seed, chunk_chars
        As in :func:`minhash_signatures`.
    memory_mb : float
        Budget for the band keys held at once (a pass holds at least one band).

    Returns
    -------
    numpy.ndarray
        (n_pairs, 2) text indices, first < second, sorted and unique.
    """
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    multipliers = (np.random.default_rng(7).integers(1, 2**63, size=rows, dtype=np.int64)
                   .astype(np.uint64) | np.uint64(1))
    perms = permutations(num_perm, seed)
    group = np.asarray(group)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    n_windows = _window_counts(lengths, k, block, window_blocks)
    total = int(n_windows.sum())
    if total >= 1 << INDEX_BITS:
        raise ValueError(f"{total} windows exceed the {INDEX_BITS}-bit window index")
    text = np.repeat(np.arange(len(texts), dtype=np.int32), n_windows)
    per_pass = max(1, min(bands, int(memory_mb * 2**20 // max(8 * total, 1))))
    # Chunk boundaries by characters, as in minhash_signatures.
    bounds, size, start = [], 0, 0
    for end, length in enumerate(lengths, start=1):
        size += int(length)
        if size >= chunk_chars or end == len(texts):
            bounds.append((start, end))
            start, size = end, 0
    low = np.uint64((1 << INDEX_BITS) - 1)
    keys, hits = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_texts = max(len(texts), 1)
    for first_band in range(0, bands, per_pass):
        these = range(first_band, min(bands, first_band + per_pass))
        cols = np.arange(these[0] * rows, (these[-1] + 1) * rows)
        packed = np.empty((len(these), total), dtype=np.uint64)
        at = 0
        for a, b in bounds:
            part = _signature_chunk(texts[a:b], perms[:, cols], k, block, window_blocks)
            n = len(part.text)
            index = np.arange(at, at + n, dtype=np.uint64)
            for j, band in enumerate(these):
                sig = part.signature[:, j * rows:(j + 1) * rows].astype(np.uint64)
                key = (sig * multipliers).sum(axis=1) + np.uint64(band)
                packed[j, at:at + n] = (key << np.uint64(INDEX_BITS)) | index
            at += n
        for j in range(len(these)):
            new = _band_pairs(packed[j], text, group, n_texts, max_bucket)
            keys, hits = _merge_pairs(keys, hits, new)
        del packed
    keys = keys[hits >= min_hits]
    return np.column_stack([keys // n_texts, keys % n_texts]).astype(np.int64)
