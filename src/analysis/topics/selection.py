"""Model selection: every diagnostic for every model family and K, and the rule that picks one.

:func:`select_models` runs the repeated, document-stratified K-fold cross-validation
(held-out NPMI and, for LDA, held-out likelihood) and the seeded restarts behind exclusivity
and stability, in one or several processes with identical results; :func:`fit_restarts`
refits the restarts of one (model, K); :func:`choose_model` applies the fixed rule and
returns a :class:`Choice` with its reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.topics.corpus import Corpus
from analysis.topics.diagnostics import (cooccurrence_units, exclusivity, heldout_loglik,
                                         npmi_coherence, npmi_pairs, restart_stability,
                                         top_word_indices)
from analysis.topics.models import TopicModel, fit_model
from analysis.topics.settings import (INSAMPLE_WINDOW, K_GRID, MIN_STABILITY, MODEL_KINDS,
                                      N_CV_REPEATS, N_FOLDS, N_RESTARTS, NMF_MAX_ITER, TOP_N,
                                      derive_seed)


def _words(model: TopicModel, vocab: np.ndarray, n: int = TOP_N) -> list[list[str]]:
    return [[str(vocab[i]) for i in row] for row in top_word_indices(model.topic_word, n)]


def _cv_task(kind: str, k: int, repeat: int, fold: int, counts: sparse.csr_matrix,
             vocab: np.ndarray, train: np.ndarray, test: np.ndarray,
             held_units: list[frozenset]) -> dict:
    model = fit_model(kind, counts[train], k, derive_seed(2, repeat, fold, k))
    pairs = npmi_pairs(_words(model, vocab), [], units=held_units)
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
            # Co-occurrence units of the held-out clauses, shared by every model and K.
            held = cooccurrence_units([corpus.tokens[i] for i in test], window)
            for kind in kinds:
                for k in ks:
                    tasks.append((_cv_task, kind, k, repeat, fold, corpus.counts, corpus.vocab,
                                  train, test, held))
    for kind in kinds:
        for k in ks:
            tasks.extend((_restart_task, kind, k, r, corpus.counts) for r in range(n_restarts))
    results = _run_tasks(tasks, n_jobs)
    cv = pd.DataFrame([r for r in results if isinstance(r, dict)])
    fits = [r for r in results if isinstance(r, TopicModel)]
    # The sliding windows over all clauses are the same for every restart: built once.
    windows = cooccurrence_units(corpus.tokens, INSAMPLE_WINDOW)
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
                                                  INSAMPLE_WINDOW, windows)) for m in runs]
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
