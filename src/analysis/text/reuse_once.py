"""Clause texts with reuse counted once: the variant of the distinctive-term counts in which
a passage a plan shares with its source is counted in the source only
(:mod:`analysis.text.keyness`, variant ``reuse counted once``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

ADMIN_RANK = {"province": 0, "city": 1, "county": 2}


def copy_direction(documents: pd.DataFrame, pairs=None) -> dict[tuple[str, str], str]:
    """For each ordered pair of plans, which one is taken to copy from the other.

    The plan of the lower administrative level copies; at the same level, the later issue
    date (then the later plan year, then the doc_id) copies. An assumption, not an
    observation: the text shows that passages are shared, not who wrote them first.

    Parameters
    ----------
    documents : pandas.DataFrame
        ``documents.csv``.
    pairs : iterable of (str, str), optional
        Ordered pairs to decide; default every ordered pair (for small corpora only).
    """
    docs = documents.set_index("doc_id")
    key = {d: (ADMIN_RANK.get(docs.at[d, "admin_level"], 3),
               str(docs.at[d, "issue_date"]) if isinstance(docs.at[d, "issue_date"], str)
               else f"{int(docs.at[d, 'year_start'])}-12-31", d) for d in docs.index}
    if pairs is None:  # every ordered pair: only for small corpora
        pairs = [(a, b) for a in docs.index for b in docs.index if a != b]
    return {(a, b): (a if key[a] > key[b] else b) for a, b in pairs}


def texts_with_reuse_once(prepared: pd.DataFrame, reuse: pd.DataFrame,
                          documents: pd.DataFrame, separator: str = "。") -> pd.Series:
    """Clause texts (whitespace removed) with passages shared with a source plan cut out of
    the copying plan (:func:`copy_direction`), so each passage counts once.

    Parameters
    ----------
    reuse : pandas.DataFrame
        :func:`analysis.text.reuse.find_reuse` output (with ``spans_a``).

    Returns
    -------
    pandas.Series
        Text per clause of ``prepared`` (same index); cut passages are replaced by
        ``separator`` so that words do not join across the cut.
    """
    texts = prepared["content"].str.replace(r"\s+", "", regex=True)
    if not len(reuse):
        return texts
    # Only the pairs that share text, so the cost follows reuse, not plans squared.
    copier = copy_direction(documents, set(zip(reuse["doc_a"], reuse["doc_b"])))
    cuts: dict[str, list[tuple[int, int]]] = {}
    for doc_a, doc_b, clause_a, spans in zip(reuse["doc_a"], reuse["doc_b"],
                                             reuse["clause_a"], reuse["spans_a"]):
        if copier.get((doc_a, doc_b)) == doc_a:
            cuts.setdefault(clause_a, []).extend(spans)
    out = []
    for clause_id, text in zip(prepared["clause_id"], texts):
        spans = cuts.get(clause_id)
        if not spans:
            out.append(text)
            continue
        mask = np.zeros(len(text), dtype=bool)
        for s, e in spans:
            mask[s:e] = True
        pieces, current = [], []
        for ch, cut in zip(text, mask):
            if cut:
                if current:
                    pieces.append("".join(current))
                    current = []
            else:
                current.append(ch)
        if current:
            pieces.append("".join(current))
        out.append(separator.join(pieces))
    return pd.Series(out, index=prepared.index, dtype="str")
