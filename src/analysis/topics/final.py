"""The reported model and its labels.

:func:`fit_final` keeps the medoid of the restarts and numbers its topics by prevalence
(:class:`FinalModel`); :func:`representative_clauses` finds the clauses that express each
topic most; :func:`read_labels` and :func:`attach_labels` attach the reviewed English labels
while the fitted top words still match the words they were given for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.topics.corpus import Corpus
from analysis.topics.diagnostics import Stability, restart_stability, top_word_jaccard
from analysis.topics.models import TopicModel
from analysis.topics.selection import fit_restarts
from analysis.topics.settings import (_LABELS_FILE, CHOSEN_K, CHOSEN_MODEL, LABEL_MIN_JACCARD,
                                      N_RESTARTS)


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
    n_fit : int
        Clauses the restarts were fitted on.
    """

    model: TopicModel
    order: np.ndarray
    theta: np.ndarray
    gamma: np.ndarray | None
    loading: np.ndarray
    stability: Stability
    restarts: list = field(repr=False, default_factory=list)
    #: Clauses the restarts were fitted on (``theta`` may cover more: ``fit_final(project=)``).
    n_fit: int = 0

    @property
    def k(self) -> int:
        return self.model.k


#: Above this many modelled clauses the restarts of :func:`fit_final` run in parallel (below
#: it, starting worker processes costs more than the fits).
PARALLEL_MIN_CLAUSES = 5_000


def fit_final(corpus: Corpus, kind: str = CHOSEN_MODEL, k: int = CHOSEN_K,
              n_restarts: int = N_RESTARTS, n_jobs: int | None = None,
              project: Corpus | None = None, cache: Path | None = None) -> FinalModel:
    """Fit ``n_restarts`` restarts, keep the medoid and number its topics by prevalence.

    Reporting the run that agrees most with the others (rather than, say, the one with the
    best objective) gives the topics that a reader re-running with another seed is most
    likely to see. Topics are numbered 1..K by mean proportion over clauses, largest first,
    so numbering does not depend on the optimiser's arbitrary order.

    The restarts are those of :func:`analysis.topics.selection.fit_restarts` (same seeds, each
    fit single-threaded), run in ``n_jobs`` processes (None: every core when the corpus has
    more than :data:`PARALLEL_MIN_CLAUSES` clauses, else one); the result does not depend
    on the number of processes (tested). "Every core" is the build's ``--jobs``
    (:func:`analysis.core.parallel.stage_jobs`; one process outside a build).

    Parameters
    ----------
    project : Corpus, optional
        Clauses to give proportions (``theta``, ``loading``, ``gamma``) and to number the
        topics by, counted on ``corpus``'s vocabulary (:func:`~analysis.topics.corpus.
        vectorise_on`): the whole corpus when ``corpus`` is the sample of plans the model is
        fitted on. Default: ``corpus`` itself. Proportions are the fitted model's
        ``transform`` either way, so a clause's proportions do not depend on whether its
        plan was in the sample.
    cache : Path, optional
        The build's cache folder: the restarts are kept there under a key made of the
        counts, the vocabulary, the settings and the code (:func:`analysis.core.memo.
        cached_step`), so a later build whose fitting sample is unchanged (a plan added
        outside it) reuses them. None fits every time.
    """
    from analysis.core.parallel import stage_jobs
    from analysis.topics.models import fit_model
    from analysis.topics.selection import _run_tasks
    from analysis.topics.settings import derive_seed

    from analysis.core.memo import cached_step

    if n_jobs is None:
        n_jobs = stage_jobs() if len(corpus) > PARALLEL_MIN_CLAUSES else 1

    def restarts() -> list:
        if n_jobs == 1:
            return fit_restarts(corpus, kind, k, n_restarts)
        return _run_tasks([(fit_model, kind, corpus.counts, k, derive_seed(4, k, r))
                           for r in range(n_restarts)], min(n_jobs, n_restarts))

    # The number of processes is not in the key: the fits do not depend on it (tested).
    fits = cached_step(cache, f"topic-restarts-{kind}-{k}", ("analysis.topics.final",),
                       (counts_digest(corpus), kind, k, n_restarts), restarts,
                       libraries=("numpy", "scipy", "scikit-learn", "threadpoolctl"))
    stab = restart_stability([m.topic_word for m in fits])
    medoid = fits[stab.medoid]
    rows = corpus if project is None else project
    if list(rows.vocab) != list(corpus.vocab):
        raise ValueError("the projected corpus must be counted on the fitted vocabulary")
    loading = medoid.doc_topic_loading(rows.counts)
    theta = medoid.doc_topic(rows.counts)
    gamma = loading if kind == "lda" else None
    # Sort by prevalence; ties (practically impossible) by original index.
    order = np.lexsort((np.arange(k), -np.round(theta.mean(axis=0), 12)))
    reordered = TopicModel(medoid.kind, k, medoid.seed, medoid.topic_word[order],
                           medoid.estimator, medoid.tfidf, medoid.n_iter)
    stab.topic_similarity = stab.topic_similarity[order]
    stab.topic_jaccard = stab.topic_jaccard[order]
    return FinalModel(reordered, order, theta[:, order],
                      None if gamma is None else gamma[:, order], loading[:, order], stab, fits,
                      len(corpus))


def counts_digest(corpus: Corpus) -> str:
    """SHA-256 of a corpus's counts and vocabulary: what a fit on it depends on."""
    import hashlib

    counts = corpus.counts.tocsr()
    digest = hashlib.sha256(f"{counts.shape}".encode())
    for part in (counts.indptr, counts.indices, counts.data):
        digest.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
    digest.update("\0".join(map(str, corpus.vocab)).encode("utf-8"))
    return digest.hexdigest()


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
    # scipy.optimize imported here so that reading the tables does not load it.
    from scipy.optimize import linear_sum_assignment

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
