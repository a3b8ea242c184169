"""Whole-plan similarity: TF-IDF cosine over words and character 2–4-grams, with jackknife
intervals over clauses (meant for tens of plans, see :data:`SIMILARITY_MAX_PLANS`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

LEVEL = 0.95
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


def _jackknife_cosines(doc_counts: np.ndarray, matrix, doc_index: np.ndarray, iu) -> np.ndarray:
    """Leave-one-clause-out cosines (rows: clauses; columns: the pairs ``iu``), equal to
    :func:`_tfidf_cosine` of the counts without each clause in turn.

    Leaving a clause out changes the counts of its own plan and the IDF only in the columns
    the clause uses, so the Gram matrix of the TF-IDF rows is updated by those columns alone
    (old columns out, new ones in): the cost per clause is plans² × the clause's distinct
    features, not plans² × every feature of the corpus (the recomputation took most of the
    build's time at 20 plans, and grows with clauses × plans × features).
    """
    n_docs = len(doc_counts)
    df = (doc_counts > 0).sum(axis=0)
    idf = np.log((1 + n_docs) / (1 + df)) + 1
    weights = doc_counts * idf
    gram = weights @ weights.T
    reps = np.empty((matrix.shape[0], len(iu[0])))
    for i in range(matrix.shape[0]):
        row = slice(matrix.indptr[i], matrix.indptr[i + 1])
        columns, values = matrix.indices[row], matrix.data[row]
        old = weights[:, columns]
        counts = doc_counts[:, columns].copy()
        counts[doc_index[i]] -= values
        new_idf = np.log((1 + n_docs) / (1 + (counts > 0).sum(axis=0))) + 1
        new = counts * new_idf
        changed = gram - old @ old.T + new @ new.T
        norms = np.sqrt(np.clip(np.diag(changed), 0, None))
        norms = np.where(norms > 0, norms, 1)
        reps[i] = (changed / np.outer(norms, norms))[iu]
    return reps


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
        reps = _jackknife_cosines(doc_counts, matrix, doc_index, iu)
        se = np.sqrt((n - 1) / n * ((reps - reps.mean(axis=0)) ** 2).sum(axis=0))
        for k, (i, j) in enumerate(zip(*iu)):
            out.append({"representation": name, "doc_a": docs[i], "doc_b": docs[j],
                        "cosine": point[k], "ci_low": point[k] - z * se[k],
                        "ci_high": point[k] + z * se[k], "se": se[k]})
    return pd.DataFrame(out)


