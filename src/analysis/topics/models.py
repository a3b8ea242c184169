"""The topic models themselves: NMF on TF-IDF and LDA on counts.

:func:`fit_model` fits one model with a given seed, single-threaded, and returns a
:class:`TopicModel` holding the topic-word distributions, the scikit-learn estimator and the
methods that give each clause its topic proportions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.topics.settings import (LDA_MAX_ITER, MODEL_KINDS, NMF_MAX_ITER, NMF_TOL,
                                      single_threaded)


@dataclass
class TopicModel:
    """A fitted NMF or LDA with the pieces needed downstream.

    Attributes
    ----------
    kind : str
        ``nmf`` or ``lda``.
    k, seed : int
        Number of topics and the random state of the fit.
    topic_word : numpy.ndarray
        K × V, each row a distribution over the vocabulary (NMF: rows of H rescaled).
    estimator : object
        The scikit-learn estimator.
    tfidf : object or None
        The TF-IDF transformer fitted with an NMF (None for LDA).
    n_iter : int
        Iterations the optimiser ran (NMF: ``NMF_MAX_ITER`` would mean it did not converge;
        LDA always runs ``LDA_MAX_ITER``).
    """

    kind: str
    k: int
    seed: int
    topic_word: np.ndarray
    estimator: object
    tfidf: object = None
    n_iter: int = 0

    def doc_topic_loading(self, counts: sparse.spmatrix) -> np.ndarray:
        """Unnormalised topic loadings of each row: for LDA the variational Dirichlet
        parameters (about the number of the clause's tokens from each topic, plus the prior),
        for NMF W rescaled by the row sums of H (TF-IDF mass from each topic)."""
        with single_threaded():
            if self.kind == "lda":
                return self.estimator.transform(counts, normalize=False)
            w = self.estimator.transform(self.tfidf.transform(counts))
        return w * self.estimator.components_.sum(axis=1)[None, :]

    def doc_topic(self, counts: sparse.spmatrix) -> np.ndarray:
        """Topic proportions of each row (rows sum to 1): :meth:`doc_topic_loading` normalised.

        For NMF a proportion is thus the share of the clause's reconstructed TF-IDF mass
        that the topic carries. A clause that NMF reconstructs as all zeros gets equal
        proportions.
        """
        loading = self.doc_topic_loading(counts)
        totals = loading.sum(axis=1, keepdims=True)
        uniform = np.full_like(loading, 1.0 / self.k)
        return np.where(totals > 0, loading / np.where(totals > 0, totals, 1.0), uniform)

    def dirichlet_parameters(self, counts: sparse.spmatrix) -> np.ndarray:
        """LDA only: variational Dirichlet parameters (gamma) of each row's proportions."""
        if self.kind != "lda":
            raise ValueError("Dirichlet parameters exist for LDA only")
        return self.doc_topic_loading(counts)


def fit_model(kind: str, counts: sparse.spmatrix, k: int, seed: int) -> TopicModel:
    """Fit one NMF (on TF-IDF) or LDA (on counts).

    Parameters
    ----------
    kind : {"nmf", "lda"}
    counts : scipy.sparse matrix
        Clause × word counts.
    k : int
        Number of topics.
    seed : int
        Random state (NMF: random initialisation; LDA: initial topic-word parameters).

    Returns
    -------
    TopicModel

    Notes
    -----
    NMF starts from a random initialisation rather than NNDSVD: NNDSVD is deterministic, so
    restarts would all agree and the stability diagnostic would be void. LDA uses scikit-
    learn's default priors (1/K for both) and batch updates; online updates would make the
    result depend on the order of mini-batches.
    """
    import warnings

    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfTransformer

    with single_threaded(), warnings.catch_warnings():
        # Non-convergence is recorded in n_iter and checked by tests, not printed into
        # notebooks (where a warning text would make stored outputs differ by machine).
        warnings.simplefilter("ignore", ConvergenceWarning)
        if kind == "lda":
            est = LatentDirichletAllocation(n_components=k, learning_method="batch",
                                            max_iter=LDA_MAX_ITER, evaluate_every=-1,
                                            random_state=seed, n_jobs=None)
            est.fit(counts)
            beta = est.components_ / est.components_.sum(axis=1, keepdims=True)
            return TopicModel(kind, k, seed, beta, est, None, int(est.n_iter_))
        if kind == "nmf":
            tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
            est = NMF(n_components=k, init="random", solver="cd", beta_loss="frobenius",
                      max_iter=NMF_MAX_ITER, tol=NMF_TOL, random_state=seed)
            est.fit(tfidf.transform(counts))
            h = est.components_
            totals = h.sum(axis=1, keepdims=True)
            beta = np.where(totals > 0, h / np.where(totals > 0, totals, 1.0),
                            1.0 / h.shape[1])
            return TopicModel(kind, k, seed, beta, est, tfidf, int(est.n_iter_))
    raise ValueError(f"unknown model kind {kind!r}; expected one of {MODEL_KINDS}")
