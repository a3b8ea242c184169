"""Simulation with planted topics: does the topic selection find the true K and its topics?

Corpora of N = 5, 50 and 500 plans are drawn from known topics (:func:`simulated_corpus`):
``K_TRUE`` planted topic-word distributions over a synthetic vocabulary, a topic emphasis per
plan, and clauses whose words are drawn from a mixture of topics around their plan's emphasis.
Each corpus goes through the functions the build uses: :func:`~analysis.topics.corpus.prepare_corpus`
(vocabulary), :func:`~analysis.topics.selection.select_models` with folds grouped by plan
(:func:`~analysis.topics.selection.reuse_clusters` with no reuse), the rule
:func:`~analysis.topics.selection.choose_model`, and :func:`~analysis.topics.final.fit_final`
(the medoid restart) at the chosen and at the true K. Recovery is the cosine similarity of
each planted topic with its Hungarian-matched fitted topic (0 for a planted topic left
without a partner when the chosen K is smaller than the truth).

:func:`simulation_table` writes the shared layout of the issue-13 simulation harness. To keep
the whole study within three CPU minutes the selection runs NMF only (the family the build
reports; batch LDA costs 10-50 times more per fit), on the grid :data:`SIM_K_GRID`, with
fewer restarts, subsamples and plans left out than the build (:data:`SIM_OPTIONS`), and with
few replications at N = 500 (:data:`REPLICATIONS`). The synthetic design (sizes, priors) is
an assumption written here, not estimated from the plans.

It lives in :mod:`analysis.topics` rather than :mod:`analysis.evaluation` because the import
layers keep those two packages independent of each other.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analysis.core.schema import SIMULATION_COLUMNS
from analysis.topics.corpus import Corpus, prepare_corpus
from analysis.topics.diagnostics import cosine_similarity_matrix
from analysis.topics.final import fit_final
from analysis.topics.selection import choose_model, reuse_clusters, select_models

#: Planted topics and the grid of K searched (the true K in the middle of it).
K_TRUE = 5
SIM_K_GRID = (2, 3, 4, 5, 6, 7, 8)
#: Synthetic vocabulary size and the Dirichlet parameter of each planted topic's words
#: (0.1 over 500 words: about 50 words carry most of a topic's mass).
N_VOCAB = 500
TOPIC_WORD_PRIOR = 0.1
#: Plans' topic emphasis ~ Dirichlet(PLAN_PRIOR); a clause's mixture ~
#: Dirichlet(CLAUSE_CONCENTRATION * K * emphasis), mostly one or two topics per clause.
PLAN_PRIOR = 2.0
CLAUSE_CONCENTRATION = 0.5
#: Clauses per plan 1 + Poisson(19) and words per clause 1 + Poisson(24): the seed plans have
#: 30-80 modelled clauses of about 44 vocabulary words each; smaller here to fit the budget.
MEAN_CLAUSES = 20
MEAN_TOKENS = 25
#: Replications per number of plans.
REPLICATIONS = {5: 10, 50: 4, 500: 2}
#: A planted topic counts as recovered at this cosine similarity with its matched fitted topic.
RECOVERY_COSINE = 0.8
#: Selection settings of the simulation (the build's are larger; see the module docstring).
SIM_OPTIONS = dict(kinds=("nmf",), ks=SIM_K_GRID, n_restarts=3, n_folds=4, n_repeats=1,
                   n_subsamples=2, max_leave_out=2, insample_window=False)

#: Columns of the shared simulation layout (issue 13).
COLUMNS = list(SIMULATION_COLUMNS)


def planted_topics(rng: np.random.Generator, k: int = K_TRUE, n_vocab: int = N_VOCAB,
                   prior: float = TOPIC_WORD_PRIOR) -> tuple[np.ndarray, np.ndarray]:
    """``k`` topic-word distributions over a synthetic vocabulary ``w0000 …``.

    Returns
    -------
    numpy.ndarray
        k × n_vocab, rows sum to 1.
    numpy.ndarray
        The vocabulary (str).
    """
    beta = rng.dirichlet(np.full(n_vocab, prior), size=k)
    vocab = np.array([f"w{i:04d}" for i in range(n_vocab)], dtype=object)
    return beta, vocab


def simulated_corpus(n_plans: int, beta: np.ndarray, vocab: np.ndarray,
                     rng: np.random.Generator) -> tuple[Corpus, pd.DataFrame]:
    """Plans of clauses drawn from the planted topics, vectorised as the build does.

    Returns
    -------
    Corpus
        From :func:`~analysis.topics.corpus.prepare_corpus` (the build's vocabulary rules).
    pandas.DataFrame
        The units table (``clause_id, doc_id, tokens, status, n_tokens``).
    """
    k = beta.shape[0]
    rows = []
    for p in range(n_plans):
        emphasis = rng.dirichlet(np.full(k, PLAN_PRIOR))
        for c in range(1 + rng.poisson(MEAN_CLAUSES - 1)):
            theta = rng.dirichlet(CLAUSE_CONCENTRATION * k * emphasis)
            counts = rng.multinomial(1 + rng.poisson(MEAN_TOKENS - 1), theta @ beta)
            words = np.repeat(vocab, counts)
            rows.append(dict(clause_id=f"plan{p:03d}/{c + 1}", doc_id=f"plan{p:03d}",
                             tokens=" ".join(rng.permutation(words)), status="modelled"))
    return prepare_corpus(pd.DataFrame(rows))


def recovery(beta: np.ndarray, vocab: np.ndarray, corpus: Corpus,
             topic_word: np.ndarray) -> np.ndarray:
    """Cosine similarity of each planted topic with its Hungarian-matched fitted topic.

    Planted topics are restricted to the corpus vocabulary (words the build's vocabulary
    rules keep) before comparing; a planted topic without a partner (fewer fitted topics)
    scores 0.
    """
    from scipy.optimize import linear_sum_assignment

    position = {w: i for i, w in enumerate(vocab)}
    planted = beta[:, [position[w] for w in corpus.vocab]]
    sim = cosine_similarity_matrix(planted, topic_word)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    out = np.zeros(beta.shape[0])
    out[rows] = sim[rows, cols]
    return out


def one_run(n_plans: int, seed: int) -> dict:
    """One simulated corpus through selection, choice and the final fits."""
    rng = np.random.default_rng(seed)
    beta, vocab = planted_topics(rng)
    corpus, _ = simulated_corpus(n_plans, beta, vocab, rng)
    clusters = reuse_clusters(corpus.doc_ids)  # no reuse: every plan its own cluster
    diagnostics, _ = select_models(corpus, clusters=clusters, **SIM_OPTIONS)
    choice = choose_model(diagnostics)
    n_restarts = SIM_OPTIONS["n_restarts"]
    chosen = recovery(beta, vocab, corpus,
                      fit_final(corpus, "nmf", choice.k, n_restarts).model.topic_word)
    true = recovery(beta, vocab, corpus,
                    fit_final(corpus, "nmf", K_TRUE, n_restarts).model.topic_word)
    return dict(n_plans=n_plans, seed=seed, n_clauses=len(corpus), chosen_k=choice.k,
                boundary=choice.at_boundary, recovery_chosen=chosen, recovery_true=true)


def simulation_runs(seed: int = 0, replications: dict[int, int] | None = None) -> pd.DataFrame:
    """Every run of the study: one row per (N, replication), seeds derived from ``seed``."""
    replications = REPLICATIONS if replications is None else replications
    rows = []
    for n_plans, reps in replications.items():
        for r in range(reps):
            run_seed = int(np.random.SeedSequence([seed, n_plans, r]).generate_state(1)[0])
            start = time.process_time()
            row = one_run(n_plans, run_seed)
            row["cpu_s"] = time.process_time() - start
            rows.append(row)
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """The shared layout from :func:`simulation_runs` output."""
    out = []
    for n_plans, part in runs.groupby("n_plans", sort=True):
        reps = len(part)
        error = part["chosen_k"] - K_TRUE
        chosen_list = ", ".join(map(str, part["chosen_k"]))
        base = dict(n_plans=int(n_plans), replications=reps, nominal=np.nan, coverage=np.nan,
                    coverage_mc_se=np.nan)
        hit = float((error == 0).mean())
        out.append(dict(base, quantity="choice of K", estimator="choose_model (NMF)",
                        bias=float(error.mean()), rmse=float(np.sqrt((error ** 2).mean())),
                        metric="share of runs choosing true K", value=hit,
                        note=f"true K = {K_TRUE}, grid {SIM_K_GRID[0]}-{SIM_K_GRID[-1]}; "
                             f"chosen K by run: {chosen_list}; Monte Carlo SE of the share "
                             f"{np.sqrt(hit * (1 - hit) / reps):.2f}; mean "
                             f"{part['n_clauses'].mean():.0f} clauses"))
        for col, estimator in (("recovery_chosen", "NMF medoid at chosen K"),
                               ("recovery_true", "NMF medoid at true K")):
            sims = np.vstack(part[col].to_numpy())
            per_run = sims.mean(axis=1)
            out.append(dict(base, quantity="topic recovery", estimator=estimator,
                            bias=np.nan, rmse=np.nan, metric="mean matched cosine",
                            value=float(per_run.mean()),
                            note=f"per run {', '.join(f'{v:.2f}' for v in per_run)}"))
            out.append(dict(base, quantity="topic recovery", estimator=estimator,
                            bias=np.nan, rmse=np.nan,
                            metric=f"share of planted topics with cosine >= {RECOVERY_COSINE}",
                            value=float((sims >= RECOVERY_COSINE).mean()),
                            note="Hungarian matching of planted and fitted topic-word vectors "
                                 "(unmatched planted topics count as not recovered)"))
    return pd.DataFrame(out)[COLUMNS]


def simulation_table(seed: int = 0) -> pd.DataFrame:
    """Topic recovery and the choice of K at N = 5, 50 and 500 plans (shared layout).

    Deterministic for a given ``seed``; about two CPU minutes in all (most at N = 500).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`; per N one "choice of K" row (share of runs choosing the true K,
        bias and RMSE of the chosen K) and four "topic recovery" rows (mean matched cosine
        and share of planted topics recovered, at the chosen and at the true K).
    """
    table = summarise(simulation_runs(seed))
    for col in ("coverage", "coverage_mc_se", "bias", "rmse", "value"):
        table[col] = table[col].astype(float).round(6) + 0.0
    return table
