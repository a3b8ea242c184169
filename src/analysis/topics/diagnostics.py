"""Diagnostics of fitted topic models, each small enough to check by hand.

Top words, NPMI coherence with document or sliding-window co-occurrence
(:func:`npmi_pairs`, :func:`npmi_coherence`), exclusivity and FREX, Hungarian matching of
topics between fits (:func:`match_topics`), stability over restarts
(:func:`restart_stability`) and held-out likelihood by document completion
(:func:`heldout_loglik`); see ``tests/test_topics.py`` for the hand-computed examples.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.topics.models import TopicModel
from analysis.topics.settings import FREX_WEIGHT, TOP_N


def top_word_indices(topic_word: np.ndarray, n: int = TOP_N) -> np.ndarray:
    """Indices of the ``n`` largest entries of each row, largest first (ties: lower index)."""
    order = np.argsort(-np.asarray(topic_word), axis=1, kind="stable")
    return order[:, :n]


def cooccurrence_units(documents: Sequence[Sequence[str]],
                       window: int | None = None) -> list[frozenset]:
    """Sets of words that count as co-occurring.

    Parameters
    ----------
    documents : sequence of sequences of str
        Tokens of each reference document, in text order.
    window : int, optional
        None: each document is one unit (document co-occurrence). Otherwise Boolean sliding
        windows of ``window`` tokens moved one token at a time; a document shorter than the
        window is one unit.
    """
    units = []
    for doc in documents:
        doc = list(doc)
        if window is None or len(doc) <= window:
            units.append(frozenset(doc))
        else:
            units.extend(frozenset(doc[i:i + window]) for i in range(len(doc) - window + 1))
    return units


def npmi_pairs(topics: Sequence[Sequence[str]], documents: Sequence[Sequence[str]],
               window: int | None = None, units: Sequence[frozenset] | None = None
               ) -> pd.DataFrame:
    """Normalised pointwise mutual information of every pair of each topic's words.

    For words i, j with unit frequencies p(i), p(j) and joint frequency p(i, j) (shares of
    the co-occurrence units of :func:`cooccurrence_units` containing them),
    ``NPMI = log(p(i,j) / (p(i) p(j))) / -log p(i,j)``, in [-1, 1] (Bouma 2009).

    Parameters
    ----------
    topics : sequence of sequences of str
        Top words of each topic.
    documents : sequence of sequences of str
        Reference documents, ideally not used to fit the model (held-out coherence).
    window : int, optional
        Sliding-window size; None counts co-occurrence within whole documents.
    units : sequence of frozenset, optional
        ``cooccurrence_units(documents, window)`` computed once by the caller when many
        topic sets are scored against the same reference (``documents`` and ``window`` are
        then not used).

    Returns
    -------
    pandas.DataFrame
        ``topic`` (0-based), ``word_i, word_j, n_i, n_j, n_ij, n_units, npmi``; one row per
        pair in the order of the topic's words.

    Notes
    -----
    Conventions: a pair that never co-occurs scores -1 (the limit of NPMI as p(i,j) → 0);
    a pair that occurs in every unit scores 1; a pair with a word that never occurs in the
    reference is NaN (no evidence either way). No smoothing constant is added, so values do
    not depend on an epsilon. With a small reference many pairs never co-occur by chance;
    ``n_ij == 0`` rows show how much of a mean the -1 convention makes.
    """
    if units is None:
        units = cooccurrence_units(documents, window)
    n_units = len(units)
    words = sorted({w for topic in topics for w in topic})
    index = {w: i for i, w in enumerate(words)}
    rows, cols = [], []
    for u, unit in enumerate(units):
        for w in unit:
            if w in index:
                rows.append(u)
                cols.append(index[w])
    incidence = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                  shape=(n_units, len(words)))
    joint = (incidence.T @ incidence).toarray().astype(int)
    single = np.diag(joint).copy()
    out = []
    for t, topic in enumerate(topics):
        for a, b in itertools.combinations(list(topic), 2):
            i, j = index[a], index[b]
            n_ij = joint[i, j]
            if single[i] == 0 or single[j] == 0:
                value = np.nan
            elif n_ij == 0:
                value = -1.0
            elif n_ij == n_units:
                value = 1.0
            else:
                p_ij = n_ij / n_units
                pmi = np.log(p_ij / ((single[i] / n_units) * (single[j] / n_units)))
                value = pmi / -np.log(p_ij)
            out.append((t, a, b, int(single[i]), int(single[j]), int(n_ij), n_units, value))
    return pd.DataFrame(out, columns=["topic", "word_i", "word_j", "n_i", "n_j", "n_ij",
                                      "n_units", "npmi"])


def npmi_coherence(topics: Sequence[Sequence[str]], documents: Sequence[Sequence[str]],
                   window: int | None = None, units: Sequence[frozenset] | None = None
                   ) -> np.ndarray:
    """Coherence of each topic: the mean NPMI of its word pairs (:func:`npmi_pairs`).

    Returns
    -------
    numpy.ndarray
        One value per topic; NaN when no pair can be scored.
    """
    pairs = npmi_pairs(topics, documents, window, units)
    means = pairs.groupby("topic")["npmi"].mean() if len(pairs) else pd.Series(dtype=float)
    return means.reindex(range(len(topics))).to_numpy(dtype=float)


def word_exclusivity(topic_word: np.ndarray) -> np.ndarray:
    """Share of each word's probability, summed over topics, that belongs to each topic.

    ``excl[k, v] = beta[k, v] / sum_j beta[j, v]`` (stm's exclusivity; columns sum to 1).
    A word absent from every topic gets 1/K.
    """
    beta = np.asarray(topic_word, dtype=float)
    totals = beta.sum(axis=0, keepdims=True)
    return np.where(totals > 0, beta / np.where(totals > 0, totals, 1.0), 1.0 / beta.shape[0])


def exclusivity(topic_word: np.ndarray, n: int = TOP_N) -> np.ndarray:
    """Mean word exclusivity of each topic's ``n`` top words.

    1 means the top words have (almost) no probability under any other topic; 1/K means
    they are spread evenly over all topics.
    """
    excl = word_exclusivity(topic_word)
    top = top_word_indices(topic_word, n)
    return np.take_along_axis(excl, top, axis=1).mean(axis=1)


def frex(topic_word: np.ndarray, weight: float = FREX_WEIGHT) -> np.ndarray:
    """FREX score of every word in every topic (Bischof & Airoldi 2012; R stm's ``calcfrex``).

    Within each topic, words are ranked by frequency (``beta[k, v]``) and by exclusivity
    (:func:`word_exclusivity`); each rank is turned into its empirical CDF value (share of
    the vocabulary at or below the word, ties taking the highest rank), and FREX is their
    weighted harmonic mean ``1 / (weight / ECDF_excl + (1 - weight) / ECDF_freq)``.

    Returns
    -------
    numpy.ndarray
        K × V scores in (0, 1].
    """
    # Imported here, not at module level: readers of the written tables (the notebook) then
    # never load scipy.stats, which takes about a second.
    from scipy.stats import rankdata

    beta = np.asarray(topic_word, dtype=float)
    v = beta.shape[1]
    excl = word_exclusivity(beta)
    freq_ecdf = rankdata(beta, method="max", axis=1) / v
    excl_ecdf = rankdata(excl, method="max", axis=1) / v
    return 1.0 / (weight / excl_ecdf + (1.0 - weight) / freq_ecdf)


def frex_word_indices(topic_word: np.ndarray, n: int = TOP_N,
                      weight: float = FREX_WEIGHT) -> np.ndarray:
    """Indices of the ``n`` words with the highest FREX score per topic (ties: more frequent
    word first, then lower index)."""
    scores = frex(topic_word, weight)
    beta = np.asarray(topic_word, dtype=float)
    out = []
    for k in range(scores.shape[0]):
        out.append(np.lexsort((np.arange(scores.shape[1]), -beta[k], -scores[k]))[:n])
    return np.array(out)


def cosine_similarity_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    return (a / np.where(na > 0, na, 1.0)) @ (b / np.where(nb > 0, nb, 1.0)).T


def assign_max(similarity: np.ndarray) -> np.ndarray:
    """One-to-one assignment of rows to columns maximising total similarity (Hungarian
    algorithm, :func:`scipy.optimize.linear_sum_assignment`).

    Unlike greedy matching (best pair first), the assignment is optimal for the sum: with
    similarities ``[[0.9, 0.8], [0.8, 0.1]]`` greedy pairs 0-0 and 1-1 (total 1.0), the
    Hungarian algorithm 0-1 and 1-0 (total 1.6).

    Returns
    -------
    numpy.ndarray
        ``perm`` with row ``k`` assigned to column ``perm[k]`` (square input).
    """
    from scipy.optimize import linear_sum_assignment  # here: see frex

    rows, cols = linear_sum_assignment(np.asarray(similarity, dtype=float), maximize=True)
    perm = np.empty(len(rows), dtype=int)
    perm[rows] = cols
    return perm


def match_topics(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics of two fits one to one so that total cosine similarity is maximal.

    Parameters
    ----------
    a, b : numpy.ndarray
        K × V topic-word matrices of two fits with the same vocabulary.

    Returns
    -------
    numpy.ndarray
        ``perm`` with ``b[perm[k]]`` the partner of ``a[k]``.
    numpy.ndarray
        Cosine similarity of each matched pair (in the order of ``a``'s topics).
    """
    sim = cosine_similarity_matrix(a, b)
    perm = assign_max(sim)
    return perm, sim[np.arange(sim.shape[0]), perm]


def top_word_jaccard(a: Sequence[int] | Sequence[str], b: Sequence[int] | Sequence[str]) -> float:
    """Jaccard overlap of two top-word lists."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


@dataclass
class Stability:
    """Agreement among restarts of one model and K.

    Attributes
    ----------
    pair_similarity : numpy.ndarray
        R × R matrix: mean cosine similarity of Hungarian-matched topics of runs r and s
        (diagonal 1).
    pair_jaccard : numpy.ndarray
        R × R: mean top-word Jaccard overlap of the matched topics.
    mean, sd, minimum : float
        Over the R(R-1)/2 distinct pairs.
    medoid : int
        The run agreeing most with the others (ties: first), used as the reported model.
    topic_similarity : numpy.ndarray
        For each topic of the medoid run, its mean matched similarity across the other runs.
    topic_jaccard : numpy.ndarray
        The same with top-word Jaccard.
    """

    pair_similarity: np.ndarray
    pair_jaccard: np.ndarray
    mean: float
    sd: float
    minimum: float
    medoid: int
    topic_similarity: np.ndarray
    topic_jaccard: np.ndarray


def restart_stability(topic_words: Sequence[np.ndarray], n: int = TOP_N) -> Stability:
    """Stability of topics across restarts (Greene, O'Callaghan & Cunningham 2014, with cosine
    similarity of topic-word distributions as the agreement of two topics).

    Parameters
    ----------
    topic_words : sequence of numpy.ndarray
        K × V topic-word matrices of R ≥ 2 runs on the same data.
    n : int
        Top words for the Jaccard overlap reported alongside.
    """
    r = len(topic_words)
    if r < 2:
        raise ValueError("stability needs at least two runs")
    k = topic_words[0].shape[0]
    sim = np.eye(r)
    jac = np.eye(r)
    topic_sim = np.zeros((r, r, k))
    topic_jac = np.zeros((r, r, k))
    tops = [top_word_indices(t, n) for t in topic_words]
    for i, j in itertools.combinations(range(r), 2):
        perm, s = match_topics(topic_words[i], topic_words[j])
        jj = np.array([top_word_jaccard(tops[i][t], tops[j][perm[t]]) for t in range(k)])
        sim[i, j] = sim[j, i] = s.mean()
        jac[i, j] = jac[j, i] = jj.mean()
        topic_sim[i, j] = s
        topic_jac[i, j] = jj
        inv = np.argsort(perm)
        topic_sim[j, i] = s[inv]
        topic_jac[j, i] = jj[inv]
    upper = sim[np.triu_indices(r, 1)]
    agreement = (sim.sum(axis=1) - 1) / (r - 1)
    medoid = int(np.argmax(agreement))
    others = [s for s in range(r) if s != medoid]
    return Stability(sim, jac, float(upper.mean()), float(upper.std(ddof=1)) if len(upper) > 1
                     else 0.0, float(upper.min()), medoid,
                     topic_sim[medoid, others].mean(axis=0), topic_jac[medoid, others].mean(axis=0))


def split_for_completion(counts: sparse.spmatrix, seed: int
                         ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Split each row's tokens at random into an observed half and an evaluated half.

    Rows with fewer than two tokens go wholly to the observed part.
    """
    counts = sparse.csr_matrix(counts)
    rng = np.random.default_rng(seed)
    obs_rows, obs_cols, ev_rows, ev_cols = [], [], [], []
    for d in range(counts.shape[0]):
        start, end = counts.indptr[d], counts.indptr[d + 1]
        words = np.repeat(counts.indices[start:end], counts.data[start:end].astype(int))
        words = rng.permutation(np.sort(words))
        half = len(words) // 2 if len(words) >= 2 else len(words)
        obs_rows.extend([d] * half)
        obs_cols.extend(words[:half])
        ev_rows.extend([d] * (len(words) - half))
        ev_cols.extend(words[half:])
    shape = counts.shape
    obs = sparse.csr_matrix((np.ones(len(obs_rows)), (obs_rows, obs_cols)), shape=shape)
    ev = sparse.csr_matrix((np.ones(len(ev_rows)), (ev_rows, ev_cols)), shape=shape)
    obs.sum_duplicates()
    ev.sum_duplicates()
    return obs, ev


def heldout_loglik(model: TopicModel, counts: sparse.spmatrix, seed: int) -> tuple[float, int]:
    """Held-out log-likelihood by document completion (Wallach et al. 2009, sec. 5).

    Half of each held-out clause's tokens (at random) give its topic proportions theta; the
    other half is scored as ``sum log(theta · beta[:, w])``.

    Returns
    -------
    float
        Total log-likelihood of the evaluated tokens (natural log).
    int
        Number of evaluated tokens (divide for a per-token value; ``exp(-ll/n)`` is the
        document-completion perplexity).

    Notes
    -----
    Meaningful for LDA, whose topics are word distributions. For NMF the same number can be
    computed but is not a likelihood of any model that NMF fits.
    """
    observed, evaluated = split_for_completion(counts, seed)
    theta = model.doc_topic(observed)
    ev = evaluated.tocoo()
    prob = np.einsum("nk,kn->n", theta[ev.row], model.topic_word[:, ev.col])
    return float(np.sum(ev.data * np.log(prob))), int(ev.data.sum())


# --------------------------------------------------------------------------------------------
# Coherence and exclusivity for the frontier (stm's searchK), from a clause × word incidence
# --------------------------------------------------------------------------------------------


def word_incidence(counts: sparse.spmatrix) -> sparse.csr_matrix:
    """Clause × word 0/1 matrix: which vocabulary words each clause contains.

    The co-occurrence units of whole clauses (:func:`cooccurrence_units` with no window) as a
    sparse matrix, so that pair counts of many topic sets come from one sparse product.
    """
    inc = sparse.csr_matrix(counts, copy=True)
    inc.data = (inc.data > 0).astype(np.int64)
    inc.eliminate_zeros()
    return inc


def _pair_counts(top: np.ndarray, incidence: sparse.csr_matrix
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Unique top words, their unit counts and their joint counts in ``incidence``."""
    words, inverse = np.unique(np.asarray(top), return_inverse=True)
    sub = sparse.csc_matrix(incidence)[:, words]
    joint = (sub.T @ sub).toarray().astype(np.int64)
    return inverse.reshape(np.asarray(top).shape), np.diag(joint).copy(), joint, incidence.shape[0]


def npmi_from_incidence(top: np.ndarray, incidence: sparse.spmatrix
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Mean NPMI of each topic's top-word pairs with clause co-occurrence in ``incidence``.

    The same values and conventions as :func:`npmi_coherence` with whole clauses as units
    (a pair never seen together scores -1, a pair with a word absent from the reference is
    left out), computed from word indices and a sparse incidence matrix.

    Parameters
    ----------
    top : numpy.ndarray
        K × n word indices (:func:`top_word_indices`).
    incidence : scipy.sparse matrix
        Reference clauses × vocabulary, 0/1 (:func:`word_incidence`).

    Returns
    -------
    numpy.ndarray
        Mean NPMI per topic (NaN when no pair can be scored).
    numpy.ndarray
        Share of each topic's scored pairs that never co-occur (the pairs scored -1).
    """
    idx, single, joint, n_units = _pair_counts(top, incidence)
    k, n = idx.shape
    a, b = np.triu_indices(n, 1)
    i, j = idx[:, a], idx[:, b]
    n_i, n_j, n_ij = single[i], single[j], joint[i, j]
    scored = (n_i > 0) & (n_j > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_ij = n_ij / n_units
        value = np.log(p_ij / ((n_i / n_units) * (n_j / n_units))) / -np.log(p_ij)
    value = np.where(n_ij == 0, -1.0, np.where(n_ij == n_units, 1.0, value))
    value = np.where(scored, value, np.nan)
    with np.errstate(invalid="ignore"):
        counted = scored.sum(axis=1)
        mean = np.where(counted > 0, np.nansum(value, axis=1) / np.maximum(counted, 1), np.nan)
        never = np.where(counted > 0, ((n_ij == 0) & scored).sum(axis=1)
                         / np.maximum(counted, 1), np.nan)
    return mean, never


def semantic_coherence(top: np.ndarray, incidence: sparse.spmatrix, epsilon: float = 1.0
                       ) -> np.ndarray:
    """Semantic coherence of each topic (Mimno et al. 2011; stm's ``semanticCoherence``).

    For top words ``v_1 … v_n`` in order of weight, the mean over pairs ``l < m`` of
    ``log((D(v_m, v_l) + epsilon) / D(v_l))``, with ``D`` counts of reference clauses
    containing the word(s). Mimno et al. add 1; stm adds 0.01 and sums instead of averaging
    (its value is this one times ``n(n-1)/2``). The smoothing keeps a pair never seen
    together finite and scaled by how common the higher-ranked word is, instead of a fixed -1.

    Returns
    -------
    numpy.ndarray
        One value per topic (≤ log(1 + epsilon / D) ≈ 0; more negative is less coherent);
        NaN when a top word never occurs in the reference.
    """
    idx, single, joint, _ = _pair_counts(top, incidence)
    n = idx.shape[1]
    l_, m = np.triu_indices(n, 1)  # l_ < m: l_ is the higher-ranked word
    lower, upper = idx[:, l_], idx[:, m]
    d_l = single[lower].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.log((joint[upper, lower] + epsilon) / d_l)
    value = np.where(d_l > 0, value, np.nan)
    return value.mean(axis=1)


def frex_exclusivity(topic_word: np.ndarray, n: int = TOP_N, weight: float = 0.7) -> np.ndarray:
    """FREX exclusivity of each topic as in stm's ``exclusivity``: the mean FREX score of the
    ``n`` most probable words (stm sums; its value is this one times ``n``).

    Unlike :func:`frex`, ranks are averaged over ties (R's ``rank``) and stm's default weight
    0.7 on exclusivity is used. Because both parts are ranks within the topic (ECDF over the
    vocabulary), the value does not shrink mechanically as K grows, unlike the raw share of
    :func:`exclusivity`, whose floor is 1/K.
    """
    from scipy.stats import rankdata  # here: see frex

    beta = np.asarray(topic_word, dtype=float)
    v = beta.shape[1]
    excl = word_exclusivity(beta)
    freq_ecdf = rankdata(beta, method="average", axis=1) / v
    excl_ecdf = rankdata(excl, method="average", axis=1) / v
    scores = 1.0 / (weight / excl_ecdf + (1.0 - weight) / freq_ecdf)
    top = top_word_indices(beta, n)
    return np.take_along_axis(scores, top, axis=1).mean(axis=1)


def perturbation_similarity(reference: np.ndarray, fits: Sequence[np.ndarray]) -> np.ndarray:
    """Mean cosine similarity of Hungarian-matched topics of each fit with ``reference``.

    The agreement of models fitted on perturbed data (a subsample of clauses, all plans but
    one) with the model on all data (Greene, O'Callaghan & Cunningham 2014 use the same
    design with top-word rankings).
    """
    return np.array([match_topics(reference, f)[1].mean() for f in fits], dtype=float)


def window_incidence(documents: Sequence[Sequence[str]], vocab: Sequence[str],
                     window: int | None = None) -> sparse.csr_matrix:
    """The co-occurrence units of :func:`cooccurrence_units` as a units × vocabulary 0/1
    matrix (words outside ``vocab`` dropped), for :func:`npmi_from_incidence`.

    Built with one vectorised step per window offset instead of one Python set per window,
    so sliding-window coherence of many topic sets costs a sparse product each.
    """
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols, n_units = [], [], 0
    for doc in documents:
        ids = np.array([index[w] for w in doc if w in index], dtype=np.int64)
        # Windows slide over the document's tokens as given (cooccurrence_units' units).
        positions = np.array([i for i, w in enumerate(doc) if w in index], dtype=np.int64)
        length = len(doc)
        if window is None or length <= window:
            rows.append(np.full(len(ids), n_units))
            cols.append(ids)
            n_units += 1
            continue
        n_win = length - window + 1
        for offset in range(window):
            at = positions - offset  # window that holds this token at this offset
            keep = (at >= 0) & (at < n_win)
            rows.append(n_units + at[keep])
            cols.append(ids[keep])
        n_units += n_win
    rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    inc = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)),
                            shape=(n_units, len(vocab)))
    inc.data[:] = 1
    return inc
