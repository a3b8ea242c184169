"""Settings and determinism helpers of the topic models.

Every number a reader may ask about (seed, grid of K, restarts, folds, thresholds, bootstrap
replicates, rounding), the model and K used by the build (:data:`CHOSEN_MODEL`,
:data:`CHOSEN_K`), the path of the reviewed labels, and the helpers that make fits
reproducible: :func:`derive_seed` (every seed derived from :data:`SEED`) and
:func:`single_threaded` (BLAS and OpenMP limited to one thread).
"""
from __future__ import annotations

import contextlib

import numpy as np

from analysis.core.paths import PACKAGE_DATA


# --------------------------------------------------------------------------------------------
# Settings (every number a reader may ask about lives here)
# --------------------------------------------------------------------------------------------

#: Root seed; every other seed is derived from it with :func:`derive_seed`.
SEED = 20231124
#: Model families compared.
MODEL_KINDS = ("nmf", "lda")
#: Above this many modelled clauses model selection compares NMF alone. The reason is cost,
#: not evidence: an LDA fit costs about 3.5 ms of CPU per clause and the selection fits each
#: family about 200 times, so LDA alone would take some 25 CPU minutes at 2,000 clauses (about
#: 100 plans) and hours at 20,000; at 500 simulated plans (about 10,000 clauses) one run of the
#: two-family rule did not finish in 25 CPU minutes. NMF is what the rule picked on the seed
#: plans and in every simulated two-family run at 5 and 50 plans.
LDA_MAX_CLAUSES = 2000


def model_kinds(n_clauses: int) -> tuple[str, ...]:
    """Families compared by model selection for a corpus of ``n_clauses`` modelled clauses:
    both up to :data:`LDA_MAX_CLAUSES`, NMF alone above it."""
    return MODEL_KINDS if n_clauses <= LDA_MAX_CLAUSES else ("nmf",)
#: Numbers of topics compared in model selection. From 2, the smallest K that divides anything,
#: so that a choice at the lower end means "no evidence for more", not "the grid stopped".
K_GRID = (2, 3, 4, 5, 6, 8, 10, 12)
#: Random restarts per (model, K) for stability (the issue asks for at least 10).
N_RESTARTS = 10
#: Folds of the cross-validation behind cross-fitted coherence and held-out likelihood. Folds
#: are grouped by reuse cluster (plans sharing text are held out together,
#: :func:`analysis.topics.selection.reuse_clusters`); with fewer clusters than this, each
#: cluster is one fold (leave-one-cluster-out).
N_FOLDS = 4
#: Two plans belong to one reuse cluster when either shares at least this much of its text
#: with the other (``share`` in ``reuse_shares.csv``). On the seed plans only Yichun and
#: Jiangxi do (about a third of each); every other pair shares under 2 %.
REUSE_CLUSTER_SHARE = 0.1
#: Perturbation stability: draws of a subsample of SUBSAMPLE_FRACTION of each plan's
#: clauses (Greene et al. 2014 use 80 % of documents), and leave-one-plan-out fits over at
#: most MAX_LEAVE_OUT plans (all of them when there are fewer; else a seeded draw).
N_SUBSAMPLES = 5
SUBSAMPLE_FRACTION = 0.8
MAX_LEAVE_OUT = 10
#: Semantic coherence (Mimno et al. 2011): smoothing count added to each pair's co-occurrence
#: count (Mimno et al. use 1; stm's semanticCoherence uses 0.01).
COHERENCE_EPSILON = 1.0
#: The same with stm's smoothing, written next to it as a sensitivity check of the choice.
COHERENCE_EPSILON_STM = 0.01
#: Weight of exclusivity in the FREX exclusivity of the frontier (stm's ``exclusivity``
#: default, frexw = 0.7; the FREX words of ``topics.csv`` keep :data:`FREX_WEIGHT`).
FREX_EXCLUSIVITY_WEIGHT = 0.7
#: Sliding window (tokens) of the in-sample NPMI shown next to the held-out one.
INSAMPLE_WINDOW = 10
#: Repeats of the K-fold split with different shuffles (averages out the luck of one split).
N_CV_REPEATS = 2
#: Minimal mean matched cosine similarity, between restarts and of perturbed fits with the
#: full-data model (subsamples, leave one plan out), for a (model, K) to be reportable.
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

#: The model and K used by the build. Chosen by :func:`choose_model` on the seed corpus; the
#: build writes the selection (``topic_selection.csv``, its ``chosen`` column), the notebook
#: reports whether the rule still picks this model, and a test fails when it does not.
#: (NMF K = 4 until 2026-11-29, when the grid started at 4 and held-out NPMI against one fold
#: decided; the frontier rule on the grid from 2 picks K = 10.)
CHOSEN_MODEL = "nmf"
CHOSEN_K = 10

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
