"""Topic models of plan clauses: model selection, stability, labels, prevalence, domains.

The unit of analysis is the clause (``clauses.csv``: non-inferred clauses with text). Clauses
that are only a heading over their children (e.g. ``二、主要工作`` or
``（一）推进应急责任体系高效化建设``) are not modelled: their words restate the children that
follow, so modelling them would count the same content twice and add very short documents
that make co-occurrence statistics noisy. No clauses are merged.

Two model families are compared over a grid of K:

* NMF (scikit-learn, Frobenius loss, coordinate descent) on sublinear TF-IDF;
* LDA (scikit-learn, batch variational Bayes) on counts.

Evidence for choosing a model (:func:`select_models`):

* held-out topic coherence: NPMI of each topic's top words, with co-occurrence counted in
  clauses that the model did not see (repeated K-fold over clauses, stratified by plan). One
  implementation (:func:`npmi_pairs`) serves clause-level and sliding-window co-occurrence;
* held-out likelihood for LDA by document completion (:func:`heldout_loglik`): half of each
  held-out clause's tokens estimate its topic proportions, the other half is scored;
* exclusivity (:func:`exclusivity`): how much of each top word's probability mass belongs to
  its topic rather than to other topics;
* stability over random restarts (:func:`restart_stability`): topics of two runs are matched
  with the Hungarian algorithm (:func:`match_topics`), and the mean cosine similarity of the
  matched pairs is averaged over every pair of runs.

Per topic the build reports top words, FREX words (:func:`frex`, as in R's stm), the three
most representative clauses, a reviewed English label (``data/topic_labels.csv``) and its
stability; per clause its topic proportions. Prevalence by document, administrative level and
province comes with bootstrap intervals (:func:`bootstrap_prevalence`) and from OLS with
heteroskedasticity-robust errors (:func:`prevalence_regression`). The topics are compared with
the policy-domain coding of the regional stage (:func:`domain_crosstab`,
:func:`domain_recovery`).

Determinism: every random draw comes from :data:`SEED` through :func:`derive_seed`, model fits
run with BLAS/OpenMP limited to one thread (:func:`single_threaded`) whatever the environment
says, parallel model selection gives each fit its own seed (so results do not depend on the
number of workers), and written floats are rounded to :data:`DECIMALS` places. The same inputs
and the locked library versions therefore give byte-identical tables run to run and process to
process (tested); a different BLAS build could still change a last digit before rounding.
"""
from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

from analysis.core import bench
from analysis.core.paths import PACKAGE_DATA
from analysis.core.schema import Column, TableSchema, write_table

# --------------------------------------------------------------------------------------------
# Settings (every number a reader may ask about lives here)
# --------------------------------------------------------------------------------------------

#: Root seed; every other seed is derived from it with :func:`derive_seed`.
SEED = 20231124
#: Model families compared.
MODEL_KINDS = ("nmf", "lda")
#: Numbers of topics compared in model selection.
K_GRID = (4, 5, 6, 8, 10, 12, 16, 20)
#: Random restarts per (model, K) for stability (the issue asks for at least 10).
N_RESTARTS = 10
#: Folds of the clause-level cross-validation behind held-out coherence and likelihood.
#: Four rather than five: each held-out quarter (~68 clauses) is the reference corpus of
#: NPMI, and a bigger reference leaves fewer word pairs unobserved by chance.
N_FOLDS = 4
#: Sliding window (tokens) of the in-sample NPMI shown next to the held-out one.
INSAMPLE_WINDOW = 10
#: Repeats of the K-fold split with different shuffles (averages out the luck of one split).
N_CV_REPEATS = 2
#: Minimal mean matched cosine similarity between restarts for a (model, K) to be reportable.
MIN_STABILITY = 0.8
#: Top words per topic used by coherence, exclusivity and the tables.
TOP_N = 10
#: Weight of exclusivity in FREX (stm's ``labelTopics`` default).
FREX_WEIGHT = 0.5
#: Vocabulary: a word must occur in at least MIN_DF clauses and in at most MAX_DF of them.
MIN_DF = 2
MAX_DF = 0.5
#: Tokens shorter than this many characters are dropped (single Chinese characters left over
#: by segmentation are mostly function words and fragments of numbers).
MIN_CHARS = 2
#: A clause needs this many in-vocabulary tokens to be modelled.
MIN_TOKENS = 3
#: A clause with children and at most this many characters of own text (number and
#: attribution removed) is a heading only: the parser's headings are at most 30 characters.
HEADING_MAX_CHARS = 32
#: Iterations. LDA (batch) runs a fixed number: on the seed corpus 30 iterations give topics
#: within cosine 0.99 of a 300-iteration fit (checked by a test) at a tenth of the time, far
#: closer than two LDA restarts are to each other (about 0.6-0.8).
#: NMF stops at a tolerance; the limit is high enough that it is not reached (reported).
LDA_MAX_ITER = 30
NMF_MAX_ITER = 2000
NMF_TOL = 1e-5
#: Bootstrap replicates for prevalence intervals and domain recovery.
N_BOOT = 2000
#: Two-sided level of every interval.
CI_LEVEL = 0.95
#: Minimal Jaccard overlap of a fitted topic's top words with the words a label was given for.
LABEL_MIN_JACCARD = 0.5
#: Domain recovery: verdict thresholds on the best F1 of "dominant topic = k" for a domain.
RECOVERED_F1 = 0.5
PARTLY_F1 = 0.25
MIN_DOMAIN_CLAUSES = 5
#: Decimals of written weights and statistics (hides last-digit floating-point noise).
DECIMALS = 6

#: The model and K used by the build. Chosen in notebooks/03_topic_models.ipynb by
#: :func:`choose_model` on the seed corpus; the notebook re-runs the selection and reports
#: whether the rule still picks this model.
CHOSEN_MODEL = "nmf"
CHOSEN_K = 4

_LABELS_FILE = PACKAGE_DATA / "topic_labels.csv"

# --------------------------------------------------------------------------------------------
# Determinism helpers
# --------------------------------------------------------------------------------------------


def derive_seed(*keys: int) -> int:
    """A 31-bit seed derived from :data:`SEED` and integer keys.

    ``numpy.random.SeedSequence`` hashes the keys the same way on every platform, so seeds of
    different restarts, folds and K are unrelated streams yet reproducible everywhere.
    """
    return int(np.random.SeedSequence([SEED, *map(int, keys)]).generate_state(1)[0] >> 1)


@contextlib.contextmanager
def single_threaded():
    """Limit BLAS and OpenMP to one thread inside the block.

    Multithreaded BLAS sums in an order that depends on the thread count, so the last digits
    of a fit, and through the optimiser's path sometimes more, would depend on the machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------


class _Analyzer:
    """Split a space-joined token string, dropping stopwords and too-short tokens.

    A class rather than a lambda so that vectorisers can be pickled.
    """

    def __init__(self, stop: Iterable[str] = (), min_chars: int = MIN_CHARS):
        self.stop = frozenset(stop)
        self.min_chars = min_chars

    def __call__(self, text: str) -> list[str]:
        return [t for t in str(text).split() if len(t) >= self.min_chars and t not in self.stop
                and re.search(r"\w", t) and not t.isdigit()]


@dataclass
class Corpus:
    """Document-term counts of the modelled clauses.

    Attributes
    ----------
    clause_ids, doc_ids : list of str
        Row labels of ``counts`` (clauses in table order).
    counts : scipy.sparse.csr_matrix
        Clause × word counts (int64).
    vocab : numpy.ndarray of str
        Column labels (sorted, as scikit-learn's CountVectorizer orders them).
    tokens : list of list of str
        In-vocabulary tokens of each clause in text order (used for co-occurrence).
    """

    clause_ids: list[str]
    doc_ids: list[str]
    counts: sparse.csr_matrix
    vocab: np.ndarray
    tokens: list[list[str]]

    def subset(self, rows: Sequence[int]) -> "Corpus":
        """The same vocabulary restricted to some clauses."""
        rows = list(rows)
        return Corpus([self.clause_ids[i] for i in rows], [self.doc_ids[i] for i in rows],
                      self.counts[rows], self.vocab, [self.tokens[i] for i in rows])

    def __len__(self) -> int:
        return len(self.clause_ids)


def modelling_units(clauses: pd.DataFrame, tokens: pd.DataFrame,
                    stop: Iterable[str] = ()) -> pd.DataFrame:
    """Which clauses are modelled, and why the others are not.

    A clause's text is its own text without its children's, without its number and without
    the attribution parenthesis （责任单位：…） (:func:`analysis.text.tokenise.prepared_clauses`):
    inline points 一是 … 二是 … are their own clauses and also stay in their parent's text,
    so the parent would otherwise count them twice; attribution lists name offices, not policy.

    Parameters
    ----------
    clauses : pandas.DataFrame
        ``clauses.csv``.
    tokens : pandas.DataFrame
        :func:`analysis.text.tokenise.tokenise_clauses` of those texts (``clause_id, tokens``;
        see :func:`clause_tokens`).
    stop : iterable of str
        Stopwords removed before counting (in addition to any removed by the tokeniser).

    Returns
    -------
    pandas.DataFrame
        One row per non-inferred clause: ``doc_id, clause_id, level, n_chars`` (characters
        of the prepared text), ``tokens`` (filtered, space-joined) and ``status``:
        ``heading_only`` for a clause with children whose own text is at most
        :data:`HEADING_MAX_CHARS` characters (a heading restating what its children say),
        else ``modelled``; :func:`prepare_corpus` turns clauses with too few vocabulary
        words into ``too_short``.
    """
    from analysis.text.tokenise import prepared_clauses

    units = prepared_clauses(clauses)[["doc_id", "clause_id", "level", "n_chars"]].copy()
    parents = set(clauses["parent_id"].dropna().astype(str))
    heading_only = units["clause_id"].isin(parents) & (units["n_chars"] <= HEADING_MAX_CHARS)
    analyzer = _Analyzer(stop)
    tok = tokens.set_index("clause_id")["tokens"].reindex(units["clause_id"]).fillna("")
    units["tokens"] = [" ".join(analyzer(t)) for t in tok.to_numpy()]
    units["status"] = np.where(heading_only, "heading_only", "modelled")
    return units.reset_index(drop=True)


def clause_tokens(clauses: pd.DataFrame) -> pd.DataFrame:
    """Tokens of each clause's prepared text (own text, no number, no attribution), through
    the shared tokeniser (:func:`analysis.text.tokenise.tokenise_clauses`, cached)."""
    from analysis.text.tokenise import prepared_clauses, tokenise_clauses

    return tokenise_clauses(prepared_clauses(clauses), text_column="content")


def prepare_corpus(units: pd.DataFrame, min_df: int = MIN_DF, max_df: float = MAX_DF,
                   min_tokens: int = MIN_TOKENS) -> tuple[Corpus, pd.DataFrame]:
    """Vectorise the modelled clauses.

    The vocabulary is built once from all modelled clauses and shared by the cross-validation
    folds. It uses document frequencies only, never co-occurrence, so held-out coherence
    stays honest, and one vocabulary keeps held-out likelihoods of different folds and K
    comparable. Clauses left with fewer than ``min_tokens`` vocabulary tokens get status
    ``too_short``; the vocabulary is then rebuilt without them.

    Returns
    -------
    Corpus
        Counts of the clauses with status ``modelled``.
    pandas.DataFrame
        ``units`` with ``status`` updated and ``n_tokens`` (vocabulary tokens) added.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    units = units.copy()
    units["n_tokens"] = 0
    for _ in range(5):  # dropping clauses can shrink the vocabulary; repeat until stable
        keep = units["status"].eq("modelled").to_numpy()
        vec = CountVectorizer(analyzer=str.split, min_df=min_df, max_df=max_df)
        counts = vec.fit_transform(units.loc[keep, "tokens"].tolist()).tocsr().astype(np.int64)
        n = np.asarray(counts.sum(axis=1)).ravel()
        units.loc[keep, "n_tokens"] = n
        short = keep.copy()
        short[keep] = n < min_tokens
        if not short.any():
            break
        units.loc[short, "status"] = "too_short"
    vocab = np.asarray(vec.get_feature_names_out(), dtype=object)
    in_vocab = set(vocab)
    kept = units[units["status"].eq("modelled")]
    tokens = [[t for t in s.split() if t in in_vocab] for s in kept["tokens"]]
    corpus = Corpus(kept["clause_id"].tolist(), kept["doc_id"].tolist(), counts, vocab, tokens)
    return corpus, units


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Diagnostics (each small enough to check by hand; see tests/test_topics.py)
# --------------------------------------------------------------------------------------------


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
               window: int | None = None) -> pd.DataFrame:
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
                   window: int | None = None) -> np.ndarray:
    """Coherence of each topic: the mean NPMI of its word pairs (:func:`npmi_pairs`).

    Returns
    -------
    numpy.ndarray
        One value per topic; NaN when no pair can be scored.
    """
    pairs = npmi_pairs(topics, documents, window)
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
# Model selection
# --------------------------------------------------------------------------------------------


def _words(model: TopicModel, vocab: np.ndarray, n: int = TOP_N) -> list[list[str]]:
    return [[str(vocab[i]) for i in row] for row in top_word_indices(model.topic_word, n)]


def _cv_task(kind: str, k: int, repeat: int, fold: int, counts: sparse.csr_matrix,
             vocab: np.ndarray, train: np.ndarray, test: np.ndarray,
             held_tokens: list[list[str]], window: int | None) -> dict:
    model = fit_model(kind, counts[train], k, derive_seed(2, repeat, fold, k))
    pairs = npmi_pairs(_words(model, vocab), held_tokens, window)
    scored = pairs["npmi"].notna()
    npmi = pairs[scored].groupby("topic")["npmi"].mean()
    ll, n_tok = (heldout_loglik(model, counts[test], derive_seed(3, repeat, fold))
                 if kind == "lda" else (np.nan, 0))
    return dict(model=kind, k=k, repeat=repeat, fold=fold, npmi=float(npmi.mean()),
                share_pairs_never=float((pairs.loc[scored, "n_ij"] == 0).mean()),
                heldout_ll=ll, heldout_tokens=n_tok, n_iter=model.n_iter)


def _restart_task(kind: str, k: int, r: int, counts: sparse.csr_matrix) -> TopicModel:
    model = fit_model(kind, counts, k, derive_seed(4, k, r))
    model.estimator = None  # keep results small when they come back from a worker
    model.tfidf = None
    return model


def _run_tasks(tasks: list[tuple], n_jobs: int) -> list:
    """Run ``(function, *args)`` tasks in order, in ``n_jobs`` processes.

    Every fit is single-threaded and seeded by its own task, so results do not depend on the
    number of processes or on which process ran which task.
    """
    if n_jobs == 1:
        return [func(*args) for func, *args in tasks]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, backend="loky")(delayed(func)(*args)
                                                   for func, *args in tasks)


def cross_validation_folds(corpus: Corpus, n_folds: int = N_FOLDS, repeat: int = 0
                           ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test row indices of a K-fold split stratified by document (seeded per repeat)."""
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=derive_seed(1, repeat))
    return list(folds.split(np.zeros(len(corpus)), corpus.doc_ids))


def select_models(corpus: Corpus, kinds: Sequence[str] = MODEL_KINDS,
                  ks: Sequence[int] = K_GRID, n_restarts: int = N_RESTARTS,
                  n_folds: int = N_FOLDS, n_repeats: int = N_CV_REPEATS,
                  window: int | None = None, n_jobs: int = 1
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every diagnostic for every model family and K.

    Held-out measures come from ``n_repeats`` K-fold splits over clauses, stratified by
    document so that each held-out set has clauses of every plan: for each fold, model and K,
    a fit on the other folds, the NPMI of its top words counted in the held-out clauses and
    (LDA) the document-completion log-likelihood of the held-out clauses. Means are over all
    folds of all repeats; standard errors are those of a single K-fold run (the standard
    deviation over its folds over the square root of their number, averaged over repeats),
    which is conservative: repeating reduces the noise of the split but repeated folds are
    not independent, so no honest smaller SE exists (Bengio & Grandvalet 2004). Exclusivity and stability
    come from ``n_restarts`` fits on all modelled clauses that differ only in their seed.

    Parameters
    ----------
    corpus : Corpus
    kinds, ks : sequences
        Model families and numbers of topics.
    n_restarts, n_folds, n_repeats : int
    window : int, optional
        Sliding window for NPMI (None: co-occurrence within held-out clauses).
    n_jobs : int
        Worker processes (results are identical for any value).

    Returns
    -------
    pandas.DataFrame
        One row per (model, K): ``npmi_mean``, ``npmi_se`` (held-out, over folds),
        ``share_pairs_never`` (held-out top-word pairs that never co-occur, scored -1),
        ``npmi_insample_window`` (NPMI with sliding windows of :data:`INSAMPLE_WINDOW` tokens
        over all modelled clauses, mean over restarts: in-sample, shown for comparison);
        ``heldout_ll_per_token``, ``heldout_ll_se`` (LDA); ``exclusivity`` (mean over
        restarts and topics); ``stability_mean``, ``stability_sd``, ``stability_min`` (over
        pairs of restarts), ``stability_jaccard``; ``share_unconverged`` (NMF fits that hit
        the iteration limit; LDA runs a fixed number of iterations).
    pandas.DataFrame
        One row per (model, K, repeat, fold): the per-fold values.
    """
    tasks = []
    for repeat in range(n_repeats):
        for fold, (train, test) in enumerate(cross_validation_folds(corpus, n_folds, repeat)):
            held = [corpus.tokens[i] for i in test]
            for kind in kinds:
                for k in ks:
                    tasks.append((_cv_task, kind, k, repeat, fold, corpus.counts, corpus.vocab,
                                  train, test, held, window))
    for kind in kinds:
        for k in ks:
            tasks.extend((_restart_task, kind, k, r, corpus.counts) for r in range(n_restarts))
    results = _run_tasks(tasks, n_jobs)
    cv = pd.DataFrame([r for r in results if isinstance(r, dict)])
    fits = [r for r in results if isinstance(r, TopicModel)]
    rows = []
    for kind in kinds:
        for k in ks:
            runs = [m for m in fits if m.kind == kind and m.k == k]
            stab = restart_stability([m.topic_word for m in runs])
            part = cv[(cv["model"] == kind) & (cv["k"] == k)].copy()
            part["ll"] = part["heldout_ll"] / part["heldout_tokens"].replace(0, np.nan)
            by_repeat = part.groupby("repeat")
            n_f = by_repeat.size().iloc[0]
            iters = list(part["n_iter"]) + [m.n_iter for m in runs]
            insample = [np.nanmean(npmi_coherence(_words(m, corpus.vocab), corpus.tokens,
                                                  INSAMPLE_WINDOW)) for m in runs]
            rows.append(dict(
                model=kind, k=k,
                npmi_mean=part["npmi"].mean(),
                npmi_se=float((by_repeat["npmi"].std(ddof=1) / np.sqrt(n_f)).mean()),
                share_pairs_never=part["share_pairs_never"].mean(),
                npmi_insample_window=float(np.mean(insample)),
                heldout_ll_per_token=part["ll"].mean(),
                heldout_ll_se=float((by_repeat["ll"].std(ddof=1) / np.sqrt(n_f)).mean()),
                exclusivity=float(np.mean([exclusivity(m.topic_word).mean() for m in runs])),
                stability_mean=stab.mean, stability_sd=stab.sd, stability_min=stab.minimum,
                stability_jaccard=float(
                    stab.pair_jaccard[np.triu_indices(len(runs), 1)].mean()),
                share_unconverged=(float(np.mean([i >= NMF_MAX_ITER for i in iters]))
                                   if kind == "nmf" else np.nan)))
    cv["heldout_ll_per_token"] = cv["heldout_ll"] / cv["heldout_tokens"].replace(0, np.nan)
    return pd.DataFrame(rows), cv


def fit_restarts(corpus: Corpus, kind: str, k: int, n_restarts: int = N_RESTARTS
                 ) -> list[TopicModel]:
    """``n_restarts`` fits on all modelled clauses that differ only in their random seed
    (the same seeds as the restarts of :func:`select_models`)."""
    return [fit_model(kind, corpus.counts, k, derive_seed(4, k, r)) for r in range(n_restarts)]


@dataclass(frozen=True)
class Choice:
    """The model chosen by :func:`choose_model`, and why."""

    model: str
    k: int
    reason: str


def choose_model(diagnostics: pd.DataFrame, min_stability: float = MIN_STABILITY) -> Choice:
    """Pick a model family and K from :func:`select_models` output by a fixed rule.

    1. Keep (model, K) whose restarts agree: mean matched cosine similarity of topics
       ≥ ``min_stability``. Topics that change from seed to seed cannot be reported.
    2. Find the highest held-out NPMI among them; every candidate within one standard error
       of it (the best one's SE over folds) is indistinguishable on held-out coherence.
    3. Among those, take the most stable (ties at three decimals: the smaller K, then NMF
       before LDA as the cheaper model).

    Step 3 prefers stability to parsimony: among models the held-out data cannot tell apart,
    the one a re-run reproduces is the one a reader can check. Likelihood is not used to
    choose between families (NMF has none) and is shown as a check for LDA: held-out
    likelihood usually keeps rising with K after topics stop being interpretable (Chang et
    al. 2009).
    """
    d = diagnostics.copy()
    stable = d[d["stability_mean"] >= min_stability]
    if stable.empty:
        stable = d.nlargest(1, "stability_mean")
        note = f"no (model, K) reached stability {min_stability}; the most stable is used"
    else:
        note = f"{len(stable)} of {len(d)} (model, K) reach stability >= {min_stability}"
    best = stable.loc[stable["npmi_mean"].idxmax()]
    threshold = best["npmi_mean"] - best["npmi_se"]
    near = stable[stable["npmi_mean"] >= threshold].assign(
        _stab=lambda x: x["stability_mean"].round(3),
        _kind=lambda x: x["model"].map({"nmf": 0, "lda": 1}))
    pick = near.sort_values(["_stab", "k", "_kind"], ascending=[False, True, True]).iloc[0]
    listed = ", ".join(f"{r.model.upper()} K={int(r.k)}" for r in near.itertuples())
    reason = (f"{note}; best held-out NPMI {best['npmi_mean']:.3f} (SE {best['npmi_se']:.3f}) "
              f"for {best['model'].upper()} K={int(best['k'])}; within one SE: {listed}; "
              f"most stable of these: {pick['model'].upper()} K={int(pick['k'])} "
              f"(NPMI {pick['npmi_mean']:.3f}, stability {pick['stability_mean']:.3f})")
    return Choice(str(pick["model"]), int(pick["k"]), reason)


# --------------------------------------------------------------------------------------------
# The reported model
# --------------------------------------------------------------------------------------------


@dataclass
class FinalModel:
    """The reported model: the medoid of the restarts, topics numbered by prevalence.

    Attributes
    ----------
    model : TopicModel
        The medoid restart, with ``topic_word`` reordered.
    order : numpy.ndarray
        ``order[t]`` is the original index of reported topic ``t + 1``.
    theta : numpy.ndarray
        Clause × topic proportions of the modelled clauses (reordered).
    gamma : numpy.ndarray or None
        LDA variational Dirichlet parameters (reordered); None for NMF.
    loading : numpy.ndarray
        Unnormalised loadings (:meth:`TopicModel.doc_topic_loading`, reordered).
    stability : Stability
        Over all restarts; ``topic_similarity``/``topic_jaccard`` reordered.
    restarts : list of TopicModel
    """

    model: TopicModel
    order: np.ndarray
    theta: np.ndarray
    gamma: np.ndarray | None
    loading: np.ndarray
    stability: Stability
    restarts: list = field(repr=False, default_factory=list)

    @property
    def k(self) -> int:
        return self.model.k


def fit_final(corpus: Corpus, kind: str = CHOSEN_MODEL, k: int = CHOSEN_K,
              n_restarts: int = N_RESTARTS) -> FinalModel:
    """Fit ``n_restarts`` restarts, keep the medoid and number its topics by prevalence.

    Reporting the run that agrees most with the others (rather than, say, the one with the
    best objective) gives the topics that a reader re-running with another seed is most
    likely to see. Topics are numbered 1..K by mean proportion over clauses, largest first,
    so numbering does not depend on the optimiser's arbitrary order.
    """
    fits = fit_restarts(corpus, kind, k, n_restarts)
    stab = restart_stability([m.topic_word for m in fits])
    medoid = fits[stab.medoid]
    loading = medoid.doc_topic_loading(corpus.counts)
    theta = medoid.doc_topic(corpus.counts)
    gamma = loading if kind == "lda" else None
    # Sort by prevalence; ties (practically impossible) by original index.
    order = np.lexsort((np.arange(k), -np.round(theta.mean(axis=0), 12)))
    reordered = TopicModel(medoid.kind, k, medoid.seed, medoid.topic_word[order],
                           medoid.estimator, medoid.tfidf, medoid.n_iter)
    stab.topic_similarity = stab.topic_similarity[order]
    stab.topic_jaccard = stab.topic_jaccard[order]
    return FinalModel(reordered, order, theta[:, order],
                      None if gamma is None else gamma[:, order], loading[:, order], stab, fits)


def representative_clauses(theta: np.ndarray, clause_ids: Sequence[str], n: int = 3,
                           loading: np.ndarray | None = None) -> list[list[str]]:
    """The ``n`` clauses with the highest proportion of each topic.

    Ties in the proportion (NMF often gives several clauses a proportion of exactly 1) are
    broken by the unnormalised ``loading`` (the clause expressing the topic most strongly),
    then by clause order.
    """
    loading = np.zeros_like(theta) if loading is None else loading
    out = []
    for k in range(theta.shape[1]):
        order = np.lexsort((np.arange(theta.shape[0]), -np.round(loading[:, k], 9),
                            -np.round(theta[:, k], 9)))[:n]
        out.append([clause_ids[i] for i in order])
    return out


# --------------------------------------------------------------------------------------------
# Labels (reviewed data with the words they were given for)
# --------------------------------------------------------------------------------------------


def read_labels(path: Path | None = None) -> pd.DataFrame:
    """Reviewed English topic labels: ``model, k, topic, label_en, top_words, reading``.

    ``top_words`` are the words the label was given for (space-separated); a label applies
    to a fitted topic only while the fitted top words still overlap them
    (:func:`attach_labels`).
    """
    path = Path(path) if path is not None else _LABELS_FILE
    if not path.exists():
        return pd.DataFrame(columns=["model", "k", "topic", "label_en", "top_words", "reading"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def attach_labels(fitted_top_words: Sequence[Sequence[str]], labels: pd.DataFrame,
                  model: str, k: int, min_jaccard: float = LABEL_MIN_JACCARD) -> pd.DataFrame:
    """Match reviewed labels to fitted topics by their top words.

    Recorded and fitted topics are matched one to one (Hungarian algorithm on the Jaccard
    overlap of top words); a match counts when the overlap is at least ``min_jaccard``.

    Returns
    -------
    pandas.DataFrame
        One row per fitted topic (1..K): ``topic, label_en, label_status`` (``reviewed`` or
        ``unreviewed``), ``label_jaccard`` (overlap with the words the label was given for;
        NaN without a candidate).
    """
    rows = labels[(labels["model"] == model) & (labels["k"].astype(int) == int(k))]
    recorded = [r.split() for r in rows["top_words"]]
    out = pd.DataFrame({"topic": np.arange(1, len(fitted_top_words) + 1), "label_en": "",
                        "label_status": "unreviewed", "label_jaccard": np.nan})
    if recorded:
        jac = np.array([[top_word_jaccard(f, r) for r in recorded] for f in fitted_top_words])
        ri, ci = linear_sum_assignment(jac, maximize=True)
        for t, c in zip(ri, ci):
            out.loc[t, "label_jaccard"] = jac[t, c]
            if jac[t, c] >= min_jaccard:
                out.loc[t, "label_en"] = rows["label_en"].iloc[c]
                out.loc[t, "label_status"] = "reviewed"
    return out


# --------------------------------------------------------------------------------------------
# Prevalence with uncertainty
# --------------------------------------------------------------------------------------------

GROUPINGS = ("doc_id", "admin_level", "province_en")


def clause_covariates(clause_ids: Sequence[str], doc_ids: Sequence[str],
                      documents: pd.DataFrame) -> pd.DataFrame:
    """``clause_id, doc_id, admin_level, province_en`` of the modelled clauses."""
    meta = documents.set_index("doc_id")[["admin_level", "province_en"]].fillna("(unknown)")
    frame = pd.DataFrame({"clause_id": list(clause_ids), "doc_id": list(doc_ids)})
    return frame.join(meta, on="doc_id")


def bootstrap_prevalence(theta: np.ndarray, covariates: pd.DataFrame,
                         groupings: Sequence[str] = GROUPINGS, n_boot: int = N_BOOT,
                         gamma: np.ndarray | None = None, level: float = CI_LEVEL,
                         seed: int | None = None) -> pd.DataFrame:
    """Mean topic proportion per group with percentile bootstrap intervals.

    Clauses are resampled with replacement within each document (so every replicate keeps
    each plan's number of clauses), and a group's mean is over its clauses. With ``gamma``
    (LDA), each replicate also draws each resampled clause's proportions from its
    variational Dirichlet posterior, so the interval includes uncertainty about the
    proportions themselves (the idea of stm's method of composition).

    Parameters
    ----------
    theta : numpy.ndarray
        Clause × topic proportions.
    covariates : pandas.DataFrame
        Row-aligned with ``theta``; must hold ``doc_id`` and the grouping columns.
    groupings : sequence of str
        Columns to group by.

    Returns
    -------
    pandas.DataFrame
        ``grouping, group, topic, estimate, ci_low, ci_high, n_clauses, n_documents, method``.

    Notes
    -----
    Only variation among clauses of the plans at hand is represented. When a group holds one
    or two plans (all groups of the seed corpus), differences between groups are
    differences between those plans, not between administrative levels or provinces.
    """
    rng = np.random.default_rng(derive_seed(5) if seed is None else seed)
    n, k = theta.shape
    docs = covariates["doc_id"].to_numpy()
    # One set of resampled clause indices shared by every grouping, so that the intervals of
    # a document and of the level it belongs to come from the same replicates.
    draws = np.empty((n_boot, n), dtype=int)
    for d in sorted(set(docs)):
        rows = np.flatnonzero(docs == d)
        draws[:, rows] = rows[rng.integers(0, len(rows), size=(n_boot, len(rows)))]
    groups = []
    for grouping in groupings:
        labels = covariates[grouping].astype(str).to_numpy()
        groups.extend((grouping, g, np.flatnonzero(labels == g)) for g in sorted(set(labels)))
    boot = np.empty((len(groups), n_boot, k))
    for b in range(n_boot):
        if gamma is None:
            rep = theta[draws[b]]
        else:
            # A Dirichlet draw as normalised Gamma variates (vectorised over clauses).
            g = rng.gamma(gamma[draws[b]])
            rep = g / g.sum(axis=1, keepdims=True)
        for i, (_, _, rows) in enumerate(groups):
            boot[i, b] = rep[rows].mean(axis=0)
    alpha = (1 - level) / 2
    method = "bootstrap" if gamma is None else "bootstrap_dirichlet"
    out = []
    for i, (grouping, group, rows) in enumerate(groups):
        point = theta[rows].mean(axis=0)
        lo, hi = np.quantile(boot[i], [alpha, 1 - alpha], axis=0)
        for t in range(k):
            out.append(dict(grouping=grouping, group=group, topic=t + 1, estimate=point[t],
                            ci_low=lo[t], ci_high=hi[t], n_clauses=len(rows),
                            n_documents=len(set(docs[rows])), method=method))
    return pd.DataFrame(out)


def prevalence_regression(theta: np.ndarray, covariates: pd.DataFrame, covariate: str,
                          cov_type: str = "HC3", level: float = CI_LEVEL) -> pd.DataFrame:
    """Group means of each topic's proportion by OLS with robust standard errors.

    For each topic, ``theta_k ~ 0 + C(covariate)`` (one indicator per group, no intercept, so
    coefficients are group means) is fitted with statsmodels; standard errors are
    heteroskedasticity-robust (``HC3`` by default). A Wald test of equal means across groups
    is reported per topic. This is the linear model of stm's ``estimateEffect`` without the
    method of composition.

    Returns
    -------
    pandas.DataFrame
        ``grouping, group, topic, estimate, se, ci_low, ci_high, p_equal, n_clauses,
        n_documents, method``.

    Notes
    -----
    Clauses of one plan are not independent. A cluster-robust error by plan would be the
    natural choice, but is unreliable with five clusters, so HC3 is used and intervals are
    too narrow to the extent that clauses of a plan resemble each other.
    """
    import statsmodels.api as sm
    from scipy import stats

    labels = covariates[covariate].astype(str).to_numpy()
    groups = sorted(set(labels))
    design = np.column_stack([(labels == g).astype(float) for g in groups])
    docs = covariates["doc_id"].to_numpy()
    z = stats.norm.ppf(0.5 + level / 2)
    out = []
    for t in range(theta.shape[1]):
        with single_threaded():
            res = sm.OLS(theta[:, t], design).fit(cov_type=cov_type)
        if len(groups) > 1:
            restriction = np.zeros((len(groups) - 1, len(groups)))
            restriction[:, 0] = 1
            restriction[np.arange(len(groups) - 1), np.arange(1, len(groups))] = -1
            try:
                p_equal = float(res.wald_test(restriction, scalar=True, use_f=False).pvalue)
            except ValueError:
                # A group of one clause has leverage 1: HC3 is undefined and so is the test.
                p_equal = np.nan
        else:
            p_equal = np.nan
        for g, name in enumerate(groups):
            est, se = float(res.params[g]), float(res.bse[g])
            rows = labels == name
            out.append(dict(grouping=covariate, group=name, topic=t + 1, estimate=est, se=se,
                            ci_low=est - z * se, ci_high=est + z * se, p_equal=p_equal,
                            n_clauses=int(rows.sum()), n_documents=len(set(docs[rows])),
                            method=f"ols_{cov_type.lower()}"))
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# Agreement with the policy-domain coding
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def policy_domains() -> pd.DataFrame:
    """The 16 policy domains of ``data/policy_domains.csv`` (code, English and Chinese name)."""
    return pd.read_csv(PACKAGE_DATA / "policy_domains.csv", dtype=str, keep_default_na=False)


def _domain_indicator(clause_ids: Sequence[str], clause_domains: pd.DataFrame,
                      domains: Sequence[str]) -> np.ndarray:
    """Clause × domain 0/1 matrix (a clause may carry several domains)."""
    pos = {c: i for i, c in enumerate(clause_ids)}
    dpos = {d: j for j, d in enumerate(domains)}
    ind = np.zeros((len(clause_ids), len(domains)), dtype=bool)
    for c, d in zip(clause_domains["clause_id"].astype(str), clause_domains["domain"].astype(str)):
        if c in pos and d in dpos:
            ind[pos[c], dpos[d]] = True
    return ind


def domain_crosstab(theta: np.ndarray, clause_ids: Sequence[str], clause_domains: pd.DataFrame,
                    domains: Sequence[str] | None = None) -> pd.DataFrame:
    """Topics against policy domains.

    Returns
    -------
    pandas.DataFrame
        One row per (domain, topic): ``n_clauses`` coded with the domain, ``topic_mass``
        (sum of the topic's proportions over those clauses), ``share`` (their mean
        proportion of the topic), ``lift`` (share divided by the topic's mean proportion over
        all modelled clauses; > 1 means the topic is over-represented in the domain) and
        ``n_dominant`` (clauses of the domain whose largest topic is this one).
    """
    domains = list(policy_domains()["domain"]) if domains is None else list(domains)
    ind = _domain_indicator(clause_ids, clause_domains, domains)
    overall = theta.mean(axis=0)
    dominant = theta.argmax(axis=1)
    out = []
    for j, d in enumerate(domains):
        rows = ind[:, j]
        n = int(rows.sum())
        for t in range(theta.shape[1]):
            mass = float(theta[rows, t].sum())
            share = mass / n if n else np.nan
            out.append(dict(domain=d, topic=t + 1, n_clauses=n, topic_mass=mass, share=share,
                            lift=share / overall[t] if n and overall[t] > 0 else np.nan,
                            n_dominant=int((dominant[rows] == t).sum())))
    return pd.DataFrame(out)


def _f1_table(dominant: np.ndarray, member: np.ndarray, k: int) -> np.ndarray:
    """Domains × topics F1 of 'largest topic is t' as a classifier of each domain."""
    pred = dominant[:, None] == np.arange(k)[None, :]                 # clauses × topics
    tp = member.T.astype(float) @ pred.astype(float)                  # domains × topics
    denominator = member.sum(axis=0)[:, None] + pred.sum(axis=0)[None, :]
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def domain_recovery(theta: np.ndarray, clause_ids: Sequence[str], clause_domains: pd.DataFrame,
                    domains: Sequence[str] | None = None, n_boot: int = N_BOOT,
                    level: float = CI_LEVEL, seed: int | None = None) -> pd.DataFrame:
    """Which policy domains a topic recovers, which are merged into broader topics, and which
    the topics miss.

    Each topic t is read as a classifier of a domain: "the clause's largest topic is t". For
    each domain the topic with the best F1 is its topic (ties: lower topic); for each topic
    the domain with the best F1 among domains with at least :data:`MIN_DOMAIN_CLAUSES`
    clauses is its domain. Verdicts:

    * ``recovered``: domain and topic are each other's best match and F1 ≥
      :data:`RECOVERED_F1`;
    * ``partly``: each other's best match, F1 ≥ :data:`PARTLY_F1`;
    * ``merged``: F1 ≥ :data:`PARTLY_F1`, but the topic matches another domain better (the
      domain is part of a broader topic);
    * ``missed``: F1 < :data:`PARTLY_F1`;
    * ``too_few_clauses``: fewer than :data:`MIN_DOMAIN_CLAUSES` coded clauses.

    The F1 interval comes from a bootstrap over clauses that repeats the choice of the best
    topic in every replicate, so it is not flattered by choosing on the same clauses.

    Returns
    -------
    pandas.DataFrame
        ``domain, n_clauses, best_topic, recall, precision, f1, f1_ci_low, f1_ci_high,
        topic_best_domain, verdict``.
    """
    domains = list(policy_domains()["domain"]) if domains is None else list(domains)
    ind = _domain_indicator(clause_ids, clause_domains, domains)
    dominant = theta.argmax(axis=1)
    k = theta.shape[1]
    n_d = ind.sum(axis=0)
    f1 = _f1_table(dominant, ind, k)
    best_topic = np.argmax(f1, axis=1)                    # first maximum: lower topic on ties
    eligible = n_d >= MIN_DOMAIN_CLAUSES
    topic_best = np.full(k, -1)
    if eligible.any():
        masked = np.where(eligible[:, None], f1, -1.0)
        topic_best = np.argmax(masked, axis=0)
    rng = np.random.default_rng(derive_seed(6) if seed is None else seed)
    n = len(clause_ids)
    boot = np.empty((n_boot, len(domains)))
    for b in range(n_boot):
        idx = rng.integers(0, n, size=n)
        boot[b] = _f1_table(dominant[idx], ind[idx], k).max(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boot, [alpha, 1 - alpha], axis=0)
    out = []
    for j, d in enumerate(domains):
        t = int(best_topic[j])
        pred = dominant == t
        member = ind[:, j]
        tp = float(np.sum(pred & member))
        mutual = eligible[j] and topic_best[t] == j
        if n_d[j] < MIN_DOMAIN_CLAUSES:
            verdict = "too_few_clauses"
        elif f1[j, t] < PARTLY_F1:
            verdict = "missed"
        elif not mutual:
            verdict = "merged"
        else:
            verdict = "recovered" if f1[j, t] >= RECOVERED_F1 else "partly"
        empty = n_d[j] == 0
        out.append(dict(
            domain=d, n_clauses=int(n_d[j]), best_topic=np.nan if empty else t + 1,
            recall=np.nan if empty else tp / n_d[j],
            precision=np.nan if empty else (tp / pred.sum() if pred.sum() else 0.0),
            f1=np.nan if empty else f1[j, t],
            f1_ci_low=np.nan if empty else lo[j], f1_ci_high=np.nan if empty else hi[j],
            topic_best_domain="" if empty or topic_best[t] < 0 else domains[topic_best[t]],
            verdict=verdict))
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

_T = "`analysis.topics.model`"

TOPICS = TableSchema(
    name="topics",
    filename="topics.csv",
    description="One row per topic of the reported topic model of clauses (model and K chosen "
                "in `notebooks/03_topic_models.ipynb`; the medoid of the random restarts). "
                "Topics are numbered by prevalence, largest first.",
    primary_key=("topic",),
    columns=(
        Column("topic", "int", "Topic number (1 = most prevalent).", source=_T),
        Column("label_en", "str", "Reviewed English label; empty when the fitted topic no "
               "longer matches the words the label was given for.", nullable=True,
               source="`src/analysis/data/topic_labels.csv` via `attach_labels`"),
        Column("label_status", "str", "`reviewed`: label matched by top words; `unreviewed`: "
               "needs a reader.", allowed=("reviewed", "unreviewed"), source=_T),
        Column("label_jaccard", "float", "Jaccard overlap of the fitted top words with the "
               "words the label was given for.", nullable=True, source=_T),
        Column("top_words", "str", "Top words by topic-word weight, space-separated.",
               source=_T),
        Column("top_words_en", "str", "English glosses of the top words (`?` where the "
               "glossary has none), `; `-separated.", source="`analysis.text.tokenise.glossary`"),
        Column("frex_words", "str", "Top words by FREX (frequent and exclusive, weight 0.5).",
               source="`analysis.topics.model.frex`"),
        Column("frex_words_en", "str", "English glosses of the FREX words.",
               source="`analysis.text.tokenise.glossary`"),
        Column("representative_clauses", "str", "The three clauses with the highest "
               "proportion of the topic, `;`-separated clause_ids.", source=_T),
        Column("prevalence", "float", "Mean proportion of the topic over modelled clauses.",
               source=_T),
        Column("n_dominant", "int", "Modelled clauses whose largest topic this is.", source=_T),
        Column("exclusivity", "float", "Mean exclusivity of the top words (1/K to 1).",
               source="`analysis.topics.model.exclusivity`"),
        Column("npmi_in_sample", "float", "NPMI coherence of the top words counted in all "
               "modelled clauses (in-sample; held-out values are in the notebook).",
               nullable=True, source="`analysis.topics.model.npmi_coherence`"),
        Column("stability", "float", "Mean cosine similarity of this topic with its "
               "Hungarian-matched partner in each other restart.",
               source="`analysis.topics.model.restart_stability`"),
        Column("stability_jaccard", "float", "Mean top-word Jaccard overlap with the matched "
               "partners.", source="`analysis.topics.model.restart_stability`"),
        Column("model", "str", "Model family.", allowed=MODEL_KINDS, source=_T),
        Column("k", "int", "Number of topics.", source=_T),
        Column("seed", "int", "Random state of the reported restart.", source=_T),
        Column("n_restarts", "int", "Restarts the reported one was chosen from.", source=_T),
        Column("n_clauses", "int", "Modelled clauses.", source=_T),
        Column("vocabulary_size", "int", "Words in the vocabulary.", source=_T),
    ),
)

CLAUSE_TOPICS = TableSchema(
    name="clause_topics",
    filename="clause_topics.csv",
    description="Topic proportions of every modelled clause (one row per clause and topic; "
                "weights of a clause sum to 1). Heading-only clauses and clauses with fewer "
                f"than {MIN_TOKENS} vocabulary words are not modelled and have no rows.",
    primary_key=("clause_id", "topic"),
    columns=(
        Column("clause_id", "str", "Clause (see `clauses.csv`).", source="`clauses.csv`"),
        Column("doc_id", "str", "Document.", source="`clauses.csv`"),
        Column("topic", "int", "Topic (see `topics.csv`).", source=_T),
        Column("weight", "float", "Proportion of the clause assigned to the topic.",
               source="`TopicModel.doc_topic`"),
        Column("dominant", "bool", "True for the clause's largest topic.", source=_T),
    ),
)

TOPIC_UNITS = TableSchema(
    name="topic_units",
    filename="topic_units.csv",
    description="Every non-inferred clause with text and whether the topic model uses it.",
    primary_key=("clause_id",),
    columns=(
        Column("doc_id", "str", "Document.", source="`clauses.csv`"),
        Column("clause_id", "str", "Clause.", source="`clauses.csv`"),
        Column("level", "str", "Clause level.", source="`clauses.csv`"),
        Column("n_chars", "int", "Characters of the clause's own text.", source="`clauses.csv`"),
        Column("n_tokens", "int", "Vocabulary tokens (0 for headings).", source=_T),
        Column("status", "str", "`modelled`; `heading_only`: a heading over child clauses "
               f"(at most {HEADING_MAX_CHARS} characters), which restates them; `too_short`: "
               f"fewer than {MIN_TOKENS} vocabulary tokens.",
               allowed=("modelled", "heading_only", "too_short"), source=_T),
    ),
)

_GROUPINGS_ALLOWED = GROUPINGS
TOPIC_PREVALENCE = TableSchema(
    name="topic_prevalence",
    filename="topic_prevalence.csv",
    description="Mean topic proportion by document, administrative level and province, with "
                f"{int(CI_LEVEL * 100)} % intervals from two methods: a bootstrap over clauses "
                "within documents (`bootstrap`, with Dirichlet draws of each clause's "
                "proportions for LDA: `bootstrap_dirichlet`) and OLS group means with HC3 "
                "robust standard errors (`ols_hc3`).",
    primary_key=("method", "grouping", "group", "topic"),
    notes=("With one or two plans per administrative level or province, differences between "
           "groups are differences between those plans; the intervals cover variation among "
           "their clauses only, not among plans of the same level or province.",),
    columns=(
        Column("method", "str", "Interval method.",
               allowed=("bootstrap", "bootstrap_dirichlet", "ols_hc3"), source=_T),
        Column("grouping", "str", "Grouping variable.", allowed=_GROUPINGS_ALLOWED, source=_T),
        Column("group", "str", "Group value.", source="`documents.csv`"),
        Column("topic", "int", "Topic.", source=_T),
        Column("estimate", "float", "Mean proportion of the topic over the group's clauses.",
               source=_T),
        Column("se", "float", "Robust standard error (OLS only).", nullable=True, source=_T),
        Column("ci_low", "float", "Lower interval bound (empty where undefined: a group of one clause).",
               nullable=True, source=_T),
        Column("ci_high", "float", "Upper interval bound (empty where undefined: a group of one clause).",
               nullable=True, source=_T),
        Column("p_equal", "float", "Wald test p-value of equal means across the grouping's "
               "groups (OLS only).", nullable=True, source=_T),
        Column("n_clauses", "int", "Modelled clauses in the group.", source=_T),
        Column("n_documents", "int", "Documents in the group.", source=_T),
    ),
)

TOPIC_DOMAINS = TableSchema(
    name="topic_domains",
    filename="topic_domains.csv",
    description="Topics against the policy-domain coding of clauses (`clause_domains.csv`); "
                "empty when that table is missing.",
    primary_key=("domain", "topic"),
    columns=(
        Column("domain", "str", "Policy domain code.", source="`data/policy_domains.csv`"),
        Column("topic", "int", "Topic.", source=_T),
        Column("n_clauses", "int", "Modelled clauses coded with the domain.",
               source="`clause_domains.csv`"),
        Column("topic_mass", "float", "Sum of the topic's proportions over those clauses.",
               source=_T),
        Column("share", "float", "Mean proportion of the topic in those clauses.",
               nullable=True, source=_T),
        Column("lift", "float", "`share` over the topic's mean proportion in all modelled "
               "clauses.", nullable=True, source=_T),
        Column("n_dominant", "int", "Clauses of the domain whose largest topic this is.",
               source=_T),
    ),
)

TOPIC_DOMAIN_RECOVERY = TableSchema(
    name="topic_domain_recovery",
    filename="topic_domain_recovery.csv",
    description="For each policy domain, the topic that best reproduces its coding (as 'the "
                "clause's largest topic is this one') and how well; empty when "
                "`clause_domains.csv` is missing.",
    primary_key=("domain",),
    columns=(
        Column("domain", "str", "Policy domain code.", source="`data/policy_domains.csv`"),
        Column("n_clauses", "int", "Modelled clauses coded with the domain.",
               source="`clause_domains.csv`"),
        Column("best_topic", "int", "Topic with the best F1.", nullable=True, source=_T),
        Column("recall", "float", "Share of the domain's clauses whose largest topic is "
               "`best_topic`.", nullable=True, source=_T),
        Column("precision", "float", "Share of clauses with largest topic `best_topic` that "
               "are coded with the domain.", nullable=True, source=_T),
        Column("f1", "float", "Harmonic mean of recall and precision.", nullable=True,
               source=_T),
        Column("f1_ci_low", "float", "Bootstrap interval of the best F1 (the best topic "
               "re-chosen in every replicate).", nullable=True, source=_T),
        Column("f1_ci_high", "float", "Upper bound.", nullable=True, source=_T),
        Column("topic_best_domain", "str", "The domain that `best_topic` matches best (among "
               f"domains with at least {MIN_DOMAIN_CLAUSES} clauses).", nullable=True,
               source=_T),
        Column("verdict", "str", f"`recovered`: domain and topic are each other's best match "
               f"and F1 ≥ {RECOVERED_F1}; `partly`: each other's best match, F1 ≥ "
               f"{PARTLY_F1}; `merged`: F1 ≥ {PARTLY_F1} but the topic matches another "
               f"domain better; `missed`: F1 < {PARTLY_F1}; `too_few_clauses`: fewer than "
               f"{MIN_DOMAIN_CLAUSES} coded clauses.",
               allowed=("recovered", "partly", "merged", "missed", "too_few_clauses"),
               source=_T),
    ),
)

SCHEMAS = [TOPIC_UNITS, TOPICS, CLAUSE_TOPICS, TOPIC_PREVALENCE, TOPIC_DOMAINS,
           TOPIC_DOMAIN_RECOVERY]


def _gloss(words: Sequence[str], glossary: Mapping[str, str]) -> str:
    return "; ".join(glossary.get(w, "?") for w in words)


def topics_table(final: FinalModel, corpus: Corpus, glossary: Mapping[str, str],
                 labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``topics.csv`` table of a fitted model (see :data:`TOPICS`)."""
    beta = final.model.topic_word
    vocab = corpus.vocab
    top = [[str(vocab[i]) for i in row] for row in top_word_indices(beta)]
    frx = [[str(vocab[i]) for i in row] for row in frex_word_indices(beta)]
    labels = read_labels() if labels is None else labels
    lab = attach_labels(top, labels, final.model.kind, final.k)
    reps = representative_clauses(final.theta, corpus.clause_ids, 3, final.loading)
    dominant = final.theta.argmax(axis=1)
    table = pd.DataFrame({
        "topic": np.arange(1, final.k + 1),
        "label_en": lab["label_en"], "label_status": lab["label_status"],
        "label_jaccard": lab["label_jaccard"],
        "top_words": [" ".join(w) for w in top],
        "top_words_en": [_gloss(w, glossary) for w in top],
        "frex_words": [" ".join(w) for w in frx],
        "frex_words_en": [_gloss(w, glossary) for w in frx],
        "representative_clauses": [";".join(r) for r in reps],
        "prevalence": final.theta.mean(axis=0),
        "n_dominant": np.bincount(dominant, minlength=final.k),
        "exclusivity": exclusivity(beta),
        "npmi_in_sample": npmi_coherence(top, corpus.tokens),
        "stability": final.stability.topic_similarity,
        "stability_jaccard": final.stability.topic_jaccard,
        "model": final.model.kind, "k": final.k, "seed": final.model.seed,
        "n_restarts": len(final.restarts), "n_clauses": len(corpus),
        "vocabulary_size": len(vocab),
    })
    return _round(table)


def clause_topics_table(final: FinalModel, corpus: Corpus) -> pd.DataFrame:
    """The ``clause_topics.csv`` table (long: one row per clause and topic)."""
    n, k = final.theta.shape
    dominant = final.theta.argmax(axis=1)
    return _round(pd.DataFrame({
        "clause_id": np.repeat(corpus.clause_ids, k),
        "doc_id": np.repeat(corpus.doc_ids, k),
        "topic": np.tile(np.arange(1, k + 1), n),
        "weight": final.theta.ravel(),
        "dominant": (np.tile(np.arange(k), n) == np.repeat(dominant, k)),
    }))


def prevalence_table(final: FinalModel, corpus: Corpus, documents: pd.DataFrame,
                     n_boot: int = N_BOOT) -> pd.DataFrame:
    """``topic_prevalence.csv``: bootstrap and OLS-HC3 intervals for every grouping."""
    cov = clause_covariates(corpus.clause_ids, corpus.doc_ids, documents)
    boot = bootstrap_prevalence(final.theta, cov, n_boot=n_boot, gamma=final.gamma)
    ols = pd.concat([prevalence_regression(final.theta, cov, g) for g in GROUPINGS],
                    ignore_index=True)
    table = pd.concat([boot, ols], ignore_index=True)
    return _round(table[TOPIC_PREVALENCE.column_names])


def _round(table: pd.DataFrame) -> pd.DataFrame:
    """Round float columns to :data:`DECIMALS` (and turn -0.0 into 0.0)."""
    table = table.copy()
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col]):
            table[col] = table[col].round(DECIMALS) + 0.0
    return table


@dataclass
class TopicResults:
    """Everything :func:`run` computes for the build and the notebook."""

    units: pd.DataFrame
    corpus: Corpus
    final: FinalModel
    topics: pd.DataFrame
    clause_topics: pd.DataFrame
    prevalence: pd.DataFrame
    domains: pd.DataFrame
    recovery: pd.DataFrame
    clause_domains_found: bool


def load_inputs(processed_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """``clauses.csv``, ``documents.csv`` and, if present, ``clause_domains.csv``."""
    from analysis.core.io import read_csv

    processed_dir = Path(processed_dir)
    clauses = read_csv(processed_dir / "clauses.csv")
    documents = read_csv(processed_dir / "documents.csv")
    path = processed_dir / "clause_domains.csv"
    domains = read_csv(path) if path.exists() else None
    return clauses, documents, domains


def load_corpus(processed_dir: Path | None = None) -> tuple[Corpus, pd.DataFrame]:
    """The modelled clauses of ``processed_dir`` (default ``data/processed``) as a
    :class:`Corpus`, with the units table saying which clauses are modelled and why not."""
    from analysis.core import paths
    from analysis.text import tokenise

    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    clauses, _, _ = load_inputs(processed_dir)
    units = modelling_units(clauses, clause_tokens(clauses), tokenise.stopwords())
    return prepare_corpus(units)


def representative_texts(topics: pd.DataFrame, clauses: pd.DataFrame, n_chars: int = 80
                         ) -> pd.DataFrame:
    """The representative clauses of ``topics.csv`` with the start of their text.

    Returns
    -------
    pandas.DataFrame
        ``topic, label_en, rank, clause_id, text`` (first ``n_chars`` characters of the
        prepared text: own text without number and attribution).
    """
    from analysis.text.tokenise import prepared_clauses

    content = prepared_clauses(clauses).set_index("clause_id")["content"]
    rows = []
    for row in topics.itertuples():
        for rank, clause_id in enumerate(str(row.representative_clauses).split(";"), 1):
            text = str(content.get(clause_id, ""))
            rows.append(dict(topic=int(row.topic), label_en=row.label_en, rank=rank,
                             clause_id=clause_id,
                             text=text[:n_chars] + ("…" if len(text) > n_chars else "")))
    return pd.DataFrame(rows)


def describe_selection(diagnostics: pd.DataFrame, choice: Choice) -> str:
    """The evidence behind a model choice in a few lines of text (for the notebook).

    Parameters
    ----------
    diagnostics : pandas.DataFrame
        First output of :func:`select_models`.
    choice : Choice
        Output of :func:`choose_model`.
    """
    d = diagnostics
    lines = []
    pick = d[(d["model"] == choice.model) & (d["k"] == choice.k)].iloc[0]
    lines.append(f"chosen: {choice.model.upper()} K={choice.k}: held-out NPMI "
                 f"{pick['npmi_mean']:.3f} (SE {pick['npmi_se']:.3f}), stability "
                 f"{pick['stability_mean']:.3f} (min over pairs {pick['stability_min']:.3f}), "
                 f"exclusivity {pick['exclusivity']:.2f}")
    for kind in d["model"].unique():
        part = d[d["model"] == kind]
        best = part.loc[part["npmi_mean"].idxmax()]
        lines.append(
            f"{kind.upper()}: best held-out NPMI {best['npmi_mean']:.3f} (SE "
            f"{best['npmi_se']:.3f}) at K={int(best['k'])}, stability there "
            f"{best['stability_mean']:.3f}; stability over the grid "
            f"{part['stability_mean'].min():.3f} to {part['stability_mean'].max():.3f}; "
            f"exclusivity {part['exclusivity'].min():.2f} to {part['exclusivity'].max():.2f}; "
            f"held-out pairs never seen together {part['share_pairs_never'].min():.0%} to "
            f"{part['share_pairs_never'].max():.0%}; in-sample window NPMI "
            f"{part['npmi_insample_window'].min():.3f} to "
            f"{part['npmi_insample_window'].max():.3f}")
        if part["heldout_ll_per_token"].notna().any():
            lines.append(f"{kind.upper()}: held-out log-likelihood per token "
                         f"{part['heldout_ll_per_token'].min():.3f} to "
                         f"{part['heldout_ll_per_token'].max():.3f} over the grid (SE about "
                         f"{part['heldout_ll_se'].median():.3f})")
    return "\n".join(lines)


def describe_prevalence(prevalence: pd.DataFrame, topics: pd.DataFrame) -> str:
    """Per topic: the plans with the highest and lowest mean proportion, and the Wald p-values
    of equal means across plans, levels and provinces (OLS, robust errors)."""
    ols = prevalence[prevalence["method"].str.startswith("ols")]
    lines = []
    for row in topics.itertuples():
        part = ols[(ols["topic"] == row.topic)]
        plans = part[part["grouping"] == "doc_id"].sort_values("estimate")
        p = part.drop_duplicates("grouping").set_index("grouping")["p_equal"]
        lines.append(
            f"T{row.topic} {row.label_en or row.top_words}: highest in {plans['group'].iloc[-1]} "
            f"({plans['estimate'].iloc[-1]:.2f}), lowest in {plans['group'].iloc[0]} "
            f"({plans['estimate'].iloc[0]:.2f}); p(equal) plans {p.get('doc_id', np.nan):.4f}, "
            f"levels {p.get('admin_level', np.nan):.4f}, provinces "
            f"{p.get('province_en', np.nan):.4f}")
    return "\n".join(lines)


def describe_recovery(recovery: pd.DataFrame, crosstab: pd.DataFrame) -> str:
    """Which domains each verdict covers, with topic, F1 and (for missed domains) the topic
    holding most of their clauses."""
    names = dict(zip(policy_domains()["domain"], policy_domains()["name_en"]))
    lines = []
    for verdict in ("recovered", "partly", "merged", "missed", "too_few_clauses"):
        part = recovery[recovery["verdict"] == verdict]
        if part.empty:
            continue
        items = []
        for r in part.itertuples():
            if verdict == "too_few_clauses":
                items.append(f"{names.get(r.domain, r.domain)} (n={r.n_clauses})")
                continue
            text = f"{names.get(r.domain, r.domain)} (n={r.n_clauses}, T{int(r.best_topic)}, " \
                   f"F1 {r.f1:.2f} [{r.f1_ci_low:.2f}, {r.f1_ci_high:.2f}]"
            if verdict == "merged":
                text += f", T{int(r.best_topic)} matches {names.get(r.topic_best_domain)} better"
            if verdict == "missed":
                share = crosstab[(crosstab["domain"] == r.domain)].sort_values("share").iloc[-1]
                text += f"; mean proportion {share['share']:.2f} in T{int(share['topic'])}"
            items.append(text + ")")
        lines.append(f"{verdict} ({len(part)}): " + "; ".join(items))
    return "\n".join(lines)


def run(clauses: pd.DataFrame, documents: pd.DataFrame, clause_domains: pd.DataFrame | None,
        kind: str = CHOSEN_MODEL, k: int = CHOSEN_K, n_restarts: int = N_RESTARTS,
        n_boot: int = N_BOOT, tokens: pd.DataFrame | None = None,
        labels: pd.DataFrame | None = None) -> TopicResults:
    """Tokenise, fit the reported model and compute every table.

    Parameters
    ----------
    clauses, documents : pandas.DataFrame
        ``clauses.csv`` and ``documents.csv``.
    clause_domains : pandas.DataFrame or None
        ``clause_domains.csv``; None leaves the domain tables empty.
    tokens : pandas.DataFrame, optional
        Pre-computed :func:`analysis.text.tokenise.tokenise_clauses` output (tests pass synthetic
        tokens here).
    """
    from analysis.text import tokenise

    if tokens is None:
        tokens = clause_tokens(clauses)
    units = modelling_units(clauses, tokens, tokenise.stopwords())
    corpus, units = prepare_corpus(units)
    final = fit_final(corpus, kind, k, n_restarts)
    topics = topics_table(final, corpus, tokenise.glossary(), labels)
    clause_topics = clause_topics_table(final, corpus)
    prevalence = prevalence_table(final, corpus, documents, n_boot)
    if clause_domains is not None:
        domains = _round(domain_crosstab(final.theta, corpus.clause_ids, clause_domains))
        recovery = _round(domain_recovery(final.theta, corpus.clause_ids, clause_domains,
                                          n_boot=n_boot))
        recovery["best_topic"] = recovery["best_topic"].astype("Int64")
    else:
        domains = pd.DataFrame(columns=TOPIC_DOMAINS.column_names)
        recovery = pd.DataFrame(columns=TOPIC_DOMAIN_RECOVERY.column_names)
    return TopicResults(units[TOPIC_UNITS.column_names], corpus, final, topics, clause_topics,
                        prevalence, domains, recovery, clause_domains is not None)


def build(raw_dir: Path | None = None, processed_dir: Path | None = None) -> list[Path]:
    """Write the topic tables (:data:`SCHEMAS`) into ``processed_dir``.

    Reads ``clauses.csv``, ``documents.csv`` and ``clause_domains.csv`` (written by the
    regional stage, which runs before this one); without the latter the two domain tables
    are written empty and a note is printed.
    """
    from analysis.core import paths

    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    clauses, documents, clause_domains = load_inputs(processed_dir)
    if clause_domains is None:
        print("topics: clause_domains.csv not found; topic_domains.csv and "
              "topic_domain_recovery.csv are written empty", flush=True)
    res = run(clauses, documents, clause_domains)
    tables = (res.units, res.topics, res.clause_topics, res.prevalence, res.domains,
              res.recovery)
    return [write_table(t, s, processed_dir) for t, s in zip(tables, SCHEMAS)]


def load_tables(processed_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """The written topic tables by schema name (raises if the build has not run)."""
    from analysis.core import paths
    from analysis.core.io import read_csv

    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    missing = [s.filename for s in SCHEMAS if not (processed_dir / s.filename).exists()]
    if missing:
        raise FileNotFoundError(f"missing in {processed_dir}: {', '.join(missing)}. Run "
                                "`python -m analysis build` first.")
    return {s.name: read_csv(processed_dir / s.filename) for s in SCHEMAS}


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


def synthetic_corpus(tokens: Sequence[Sequence[str]], n: int, seed: int | None = None
                     ) -> list[str]:
    """``n`` synthetic clauses, each the first half of one real clause joined to the second
    half of another (both drawn at random), so word co-occurrence stays realistic within each
    half while the corpus is ``n`` clauses long."""
    rng = np.random.default_rng(derive_seed(7) if seed is None else seed)
    a = rng.integers(0, len(tokens), size=n)
    b = rng.integers(0, len(tokens), size=n)
    out = []
    for i, j in zip(a, b):
        x, y = tokens[i], tokens[j]
        out.append(" ".join(list(x[:len(x) // 2]) + list(y[len(y) // 2:])))
    return out


@bench.register("topic_fit")
def bench_topic_fit(n_clauses: int = 20_000) -> dict:
    """Fit time of the chosen model on ``n_clauses`` synthetic clauses recombined from the
    seed clauses (:func:`synthetic_corpus`): one fit, the build's :data:`N_RESTARTS`
    restarts, and one fit of the other model family at the same K for comparison. All
    single-threaded with fixed seeds."""
    import time

    from sklearn.feature_extraction.text import CountVectorizer

    corpus, _ = load_corpus()
    texts = synthetic_corpus(corpus.tokens, n_clauses)
    start = time.perf_counter()
    counts = CountVectorizer(analyzer=str.split, min_df=MIN_DF,
                             max_df=MAX_DF).fit_transform(texts).tocsr()
    vectorise = time.perf_counter() - start
    start = time.perf_counter()
    model = fit_model(CHOSEN_MODEL, counts, CHOSEN_K, derive_seed(4, CHOSEN_K, 0))
    fit = time.perf_counter() - start
    start = time.perf_counter()
    model.doc_topic(counts)
    transform = time.perf_counter() - start
    start = time.perf_counter()
    for r in range(N_RESTARTS):
        fit_model(CHOSEN_MODEL, counts, CHOSEN_K, derive_seed(4, CHOSEN_K, r))
    restarts = time.perf_counter() - start
    other = next(k for k in MODEL_KINDS if k != CHOSEN_MODEL)
    start = time.perf_counter()
    other_model = fit_model(other, counts, CHOSEN_K, derive_seed(4, CHOSEN_K, 0))
    other_fit = time.perf_counter() - start
    return {"model": CHOSEN_MODEL, "k": CHOSEN_K, "n_clauses": n_clauses,
            "vocabulary": int(counts.shape[1]), "tokens": int(counts.sum()),
            "vectorise_s": round(vectorise, 2), "fit_s": round(fit, 2),
            "n_iter": model.n_iter, "transform_s": round(transform, 2),
            f"fit_{N_RESTARTS}_restarts_s": round(restarts, 2),
            "other_model": other, "other_model_fit_s": round(other_fit, 2),
            "other_model_n_iter": other_model.n_iter, "threads": 1}
