"""The fast leave-one-clause-out update of document similarity equals recomputing it."""
from __future__ import annotations

import numpy as np
from scipy import sparse

from analysis.text.similarity import _jackknife_cosines, _tfidf_cosine


def test_jackknife_update_equals_recomputation():
    rng = np.random.default_rng(0)
    n_clauses, n_docs, n_features = 40, 5, 30
    dense = rng.poisson(0.3, size=(n_clauses, n_features)).astype(float)
    dense[0] = 0  # a clause without features
    dense[1, :] = 0
    dense[1, 3] = 2  # the only clause using feature 3: leaving it out changes the IDF
    dense[:, 3] = 0
    dense[1, 3] = 2
    matrix = sparse.csr_matrix(dense)
    doc_index = np.arange(n_clauses) % n_docs
    member = sparse.csr_matrix((np.ones(n_clauses), (doc_index, np.arange(n_clauses))),
                               shape=(n_docs, n_clauses))
    doc_counts = (member @ matrix).toarray()
    iu = np.triu_indices(n_docs, k=1)
    expected = np.empty((n_clauses, len(iu[0])))
    for i in range(n_clauses):
        counts = doc_counts.copy()
        counts[doc_index[i]] -= dense[i]
        expected[i] = _tfidf_cosine(counts)[iu]
    np.testing.assert_allclose(_jackknife_cosines(doc_counts, matrix, doc_index, iu), expected,
                               rtol=1e-9, atol=1e-12)
