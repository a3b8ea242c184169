"""Whole-plan similarity: TF-IDF cosine over words and character 2–4-grams (meant for tens of
plans, see :data:`SIMILARITY_MAX_PLANS`).

The cosine of two plans is a measurement of two observed texts, so it is given without an
interval: a jackknife or bootstrap over clauses (earlier versions had a jackknife) treats the
plans' clauses as a sample from something, but the plans are fully observed and no population
of clauses is the object of interest, so such an interval has no estimand (issue 13).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: document_similarity (a row for every pair of plans) is for corpora up to this many plans.
SIMILARITY_MAX_PLANS = 100


def _clause_matrices(prepared: pd.DataFrame, tokens: pd.Series):
    from sklearn.feature_extraction.text import CountVectorizer

    words = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False)
    chars = CountVectorizer(analyzer="char", ngram_range=(2, 4), lowercase=False)
    text = prepared["content"].str.replace(r"\s+", "", regex=True)
    return {"words": words.fit_transform(tokens.fillna("")),
            "char_2_4": chars.fit_transform(text)}


def _tfidf_cosine(doc_counts) -> np.ndarray:
    """Cosine similarity of the TF-IDF rows (smooth IDF, l2) of a plans × features count
    matrix."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.metrics.pairwise import cosine_similarity

    weights = TfidfTransformer(smooth_idf=True, norm="l2").fit_transform(doc_counts)
    return cosine_similarity(weights)


def document_similarity(prepared: pd.DataFrame, tokens: pd.Series) -> pd.DataFrame:
    """Pairwise TF-IDF cosine similarity of plans, over words and character 2–4-grams.

    A plan's features are the summed counts of its clauses; the IDF is fitted on the plans of
    the corpus (sklearn's ``TfidfTransformer``: smooth IDF, l2 rows), so a pair's cosine
    depends on the other plans too. No interval: see the module docstring.

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
        ``cosine``.

    Raises
    ------
    ValueError
        With more than :data:`SIMILARITY_MAX_PLANS` plans: the table has a row for every pair
        (plans² / 2 rows per representation); the reuse search is the part built for
        thousands of plans.
    """
    from scipy import sparse

    docs = sorted(prepared["doc_id"].unique())
    if len(docs) > SIMILARITY_MAX_PLANS:
        raise ValueError(f"document_similarity lists every pair of plans; {len(docs)} plans "
                         f"exceed {SIMILARITY_MAX_PLANS}. Use find_reuse for large corpora.")
    n = len(prepared)
    position = {d: k for k, d in enumerate(docs)}
    doc_index = prepared["doc_id"].map(position).to_numpy()
    member = sparse.csr_matrix((np.ones(n), (doc_index, np.arange(n))), shape=(len(docs), n))
    iu = np.triu_indices(len(docs), k=1)
    out = []
    for name, matrix in _clause_matrices(prepared, tokens).items():
        doc_counts = member @ sparse.csr_matrix(matrix, dtype=float)
        point = _tfidf_cosine(doc_counts)[iu]
        out.extend({"representation": name, "doc_a": docs[i], "doc_b": docs[j],
                    "cosine": point[k]} for k, (i, j) in enumerate(zip(*iu)))
    return pd.DataFrame(out, columns=["representation", "doc_a", "doc_b", "cosine"])
