"""Model selection: every diagnostic for every model family and K, and the rule that picks one.

:func:`select_models` runs, for every (model, K):

* cross-validation with folds grouped by reuse cluster (:func:`reuse_clusters`,
  :func:`cross_validation_folds`): plans that share much text are held out together, so a
  near-copy of a held-out clause is never in the training folds. A model fitted on the other
  folds is scored by the NPMI of its top words against *all* modelled clauses (cross-fitted
  coherence; the strictly held-out NPMI of the test fold is kept for comparison) and, for LDA,
  by the document-completion likelihood of the held-out clauses;
* seeded restarts on all clauses: restart stability, and the two axes of the frontier in the
  manner of R stm's ``searchK``: semantic coherence (Mimno et al. 2011) and FREX exclusivity;
* perturbed fits: subsamples of each plan's clauses and leave-one-plan-out, each compared
  with the medoid of the restarts (perturbation stability).

:func:`choose_model` applies a fixed rule (stable models; their coherence × exclusivity
frontier; the frontier point nearest the ideal corner) and returns a :class:`Choice`.
Tasks run in one or several processes with identical results (every fit has its own seed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.core.grouping import rows_by_group
from analysis.topics.corpus import Corpus
from analysis.topics.diagnostics import (exclusivity, frex_exclusivity, heldout_loglik,
                                         npmi_from_incidence, perturbation_similarity,
                                         restart_stability, semantic_coherence,
                                         top_word_indices, window_incidence, word_incidence)
from analysis.topics.models import TopicModel, fit_model
from analysis.topics.settings import (COHERENCE_EPSILON, COHERENCE_EPSILON_STM,
                                      FREX_EXCLUSIVITY_WEIGHT,
                                      INSAMPLE_WINDOW, K_GRID, MAX_LEAVE_OUT, MIN_STABILITY,
                                      MODEL_KINDS, N_CV_REPEATS, N_FOLDS, N_RESTARTS,
                                      N_SUBSAMPLES, NMF_MAX_ITER, REUSE_CLUSTER_SHARE,
                                      SUBSAMPLE_FRACTION, TOP_N, derive_seed)


def _words(model: TopicModel, vocab: np.ndarray, n: int = TOP_N) -> list[list[str]]:
    return [[str(vocab[i]) for i in row] for row in top_word_indices(model.topic_word, n)]


# --------------------------------------------------------------------------------------------
# Reuse clusters and folds
# --------------------------------------------------------------------------------------------


def reuse_clusters(doc_ids: Sequence[str], reuse_shares: pd.DataFrame | None = None,
                   min_share: float = REUSE_CLUSTER_SHARE) -> dict[str, str]:
    """Group plans that share text: connected components of "either plan shares at least
    ``min_share`` of its text with the other" (``reuse_shares.csv``).

    Parameters
    ----------
    doc_ids : sequence of str
        The plans to group (others in ``reuse_shares`` are ignored).
    reuse_shares : pandas.DataFrame, optional
        ``doc_a, doc_b, share``; None or empty puts every plan in its own cluster.

    Returns
    -------
    dict
        Plan -> cluster label (the alphabetically first plan of the cluster).
    """
    from scipy.sparse.csgraph import connected_components

    docs = sorted(set(doc_ids))
    index = {d: i for i, d in enumerate(docs)}
    rows, cols = [], []
    if reuse_shares is not None and len(reuse_shares):
        strong = reuse_shares[reuse_shares["share"].astype(float) >= min_share]
        for a, b in zip(strong["doc_a"], strong["doc_b"]):
            if a in index and b in index:
                rows.append(index[a])
                cols.append(index[b])
    graph = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(docs),) * 2)
    _, labels = connected_components(graph, directed=False)
    first = {}
    for d in docs:  # sorted, so the first plan seen of each component names it
        first.setdefault(labels[index[d]], d)
    return {d: first[labels[index[d]]] for d in docs}


def cross_validation_folds(corpus: Corpus, n_folds: int = N_FOLDS, repeat: int = 0,
                           clusters: Mapping[str, str] | None = None
                           ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test row indices of a K-fold split (seeded per repeat).

    With ``clusters`` (plan -> reuse cluster, :func:`reuse_clusters`) the folds are grouped:
    every clause of a cluster's plans is in the same fold, so no held-out clause has a copy in
    the training folds; with fewer clusters than ``n_folds`` each cluster is a fold. Without
    ``clusters``, clauses are split stratified by plan (every plan in every fold).
    """
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    x = np.zeros(len(corpus))
    if clusters is None:
        folds = StratifiedKFold(n_splits=n_folds, shuffle=True,
                                random_state=derive_seed(1, repeat))
        return list(folds.split(x, corpus.doc_ids))
    groups = np.array([clusters[d] for d in corpus.doc_ids])
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ValueError("grouped folds need at least two reuse clusters")
    if n_groups <= n_folds:
        # One fold per cluster, in the order of the cluster labels (no randomness to repeat).
        return [(np.flatnonzero(groups != g), np.flatnonzero(groups == g))
                for g in sorted(np.unique(groups))]
    folds = GroupKFold(n_splits=n_folds, shuffle=True, random_state=derive_seed(1, repeat))
    return list(folds.split(x, groups=groups))


def n_distinct_splits(corpus: Corpus, n_folds: int, n_repeats: int,
                      clusters: Mapping[str, str] | None) -> int:
    """Repeats that give different splits: one when each cluster is its own fold."""
    if clusters is not None and len(set(clusters[d] for d in corpus.doc_ids)) <= n_folds:
        return 1
    return n_repeats


def perturbation_rows(corpus: Corpus, n_subsamples: int = N_SUBSAMPLES,
                      fraction: float = SUBSAMPLE_FRACTION,
                      max_leave_out: int | None = MAX_LEAVE_OUT) -> list[tuple[str, np.ndarray]]:
    """Row sets of the perturbed fits: ``(label, rows)``.

    ``subsample_d``: ``fraction`` of each plan's clauses (rounded, at least one), drawn with
    seed ``derive_seed(5, d)``, the same rows for every model and K. ``without_<plan>``: all
    plans but one, for every plan (at most ``max_leave_out``, drawn with ``derive_seed(7)``;
    None: all; none when there is a single plan).
    """
    docs = np.asarray(corpus.doc_ids)
    plans = sorted(set(corpus.doc_ids))
    out = []
    rows_of = rows_by_group(docs)[1]  # plans in sorted order
    for d in range(n_subsamples):
        rng = np.random.default_rng(derive_seed(5, d))
        rows = []
        for own in rows_of:
            size = max(1, int(round(fraction * len(own))))
            rows.append(np.sort(rng.choice(own, size=size, replace=False)))
        out.append((f"subsample_{d}", np.sort(np.concatenate(rows))))
    if len(plans) > 1:
        left = plans
        if max_leave_out is not None and len(plans) > max_leave_out:
            rng = np.random.default_rng(derive_seed(7))
            left = sorted(rng.choice(plans, size=max_leave_out, replace=False).tolist())
        out.extend((f"without_{p}", np.flatnonzero(docs != p)) for p in left)
    return out


# --------------------------------------------------------------------------------------------
# Tasks (each one fit with its own seed, so the worker count does not matter)
# --------------------------------------------------------------------------------------------


def _cv_task(kind: str, k: int, repeat: int, fold: int, counts: sparse.csr_matrix,
             train: np.ndarray, test: np.ndarray, incidence: sparse.csr_matrix) -> dict:
    model = fit_model(kind, counts[train], k, derive_seed(2, repeat, fold, k))
    top = top_word_indices(model.topic_word)
    npmi_all, never_all = npmi_from_incidence(top, incidence)
    npmi_held, never_held = npmi_from_incidence(top, incidence[test])
    ll, n_tok = (heldout_loglik(model, counts[test], derive_seed(3, repeat, fold))
                 if kind == "lda" else (np.nan, 0))
    return dict(model=kind, k=k, repeat=repeat, fold=fold, n_test=len(test),
                npmi=float(np.nanmean(npmi_all)), share_pairs_never=float(np.nanmean(never_all)),
                npmi_heldout=float(np.nanmean(npmi_held)),
                share_pairs_never_heldout=float(np.nanmean(never_held)),
                heldout_ll=ll, heldout_tokens=n_tok, n_iter=model.n_iter)


def _restart_task(kind: str, k: int, r: int, counts: sparse.csr_matrix) -> TopicModel:
    model = fit_model(kind, counts, k, derive_seed(4, k, r))
    model.estimator = None  # keep results small when they come back from a worker
    model.tfidf = None
    return model


def _perturbed_task(kind: str, k: int, p: int, label: str, counts: sparse.csr_matrix,
                    rows: np.ndarray) -> tuple[str, int, str, np.ndarray, int]:
    model = fit_model(kind, counts[rows], k, derive_seed(6, k, p))
    return kind, k, label, model.topic_word, model.n_iter


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


# --------------------------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------------------------


def select_models(corpus: Corpus, kinds: Sequence[str] = MODEL_KINDS,
                  ks: Sequence[int] = K_GRID, n_restarts: int = N_RESTARTS,
                  n_folds: int = N_FOLDS, n_repeats: int = N_CV_REPEATS,
                  clusters: Mapping[str, str] | None = None,
                  n_subsamples: int = N_SUBSAMPLES, max_leave_out: int | None = MAX_LEAVE_OUT,
                  insample_window: bool = True, n_jobs: int = 1
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every diagnostic for every model family and K.

    Cross-validation (``n_folds`` folds, grouped by ``clusters`` when given): for each fold,
    model and K, a fit on the other folds. Its top words are scored by NPMI against the
    clause co-occurrences of **all** modelled clauses (cross-fitted coherence: the reference
    is the whole corpus, four times a fold, so a pair is scored -1 only when it never occurs
    together anywhere, not because one fold is small; the training clauses are part of the
    reference, so the value is not strictly held out) and against the held-out fold alone
    (strictly held out, kept for comparison with ``share_pairs_never_heldout``); for LDA, the
    document-completion log-likelihood of the held-out clauses. Standard errors are those of
    one K-fold run (SD over folds / sqrt(folds), averaged over repeats; repeats that would give
    the same split are not run), conservative for the reasons of Bengio & Grandvalet (2004).

    Restarts: ``n_restarts`` fits on all clauses that differ only in their seed give restart
    stability and, averaged over restarts and topics, the frontier's axes: semantic coherence
    against all modelled clauses (:func:`semantic_coherence`) and FREX exclusivity
    (:func:`frex_exclusivity`), as stm's ``searchK`` reports them for the full-data model.

    Perturbations (:func:`perturbation_rows`): fits on ``n_subsamples`` subsamples and with
    each plan left out, compared with the medoid restart (:func:`perturbation_similarity`).

    Returns
    -------
    pandas.DataFrame
        One row per (model, K): ``npmi_mean``, ``npmi_se``, ``share_pairs_never``
        (cross-fitted); ``npmi_heldout``, ``npmi_heldout_se``, ``share_pairs_never_heldout``;
        ``npmi_insample_window`` (sliding windows of :data:`INSAMPLE_WINDOW` tokens, mean over
        restarts; NaN when ``insample_window`` is False); ``heldout_ll_per_token``,
        ``heldout_ll_se`` (LDA); ``npmi_folds``, ``npmi_heldout_folds``,
        ``heldout_ll_folds`` (each fold's value, space-separated, repeat by repeat;
        empty for NMF's likelihood); ``exclusivity`` (mean share), ``frex_exclusivity``,
        ``semantic_coherence``, ``semantic_coherence_stm`` (stm's smoothing);
        ``stability_mean``, ``stability_sd``, ``stability_min``,
        ``stability_jaccard`` (restarts); ``subsample_stability``,
        ``subsample_stability_min``, ``lopo_stability``, ``lopo_stability_min``,
        ``lopo_worst_plan`` (perturbations); ``share_unconverged`` (NMF); ``n_folds``,
        ``fold_grouping``.
    pandas.DataFrame
        One row per cross-validation fit (model, K, repeat, fold) and per perturbed fit
        (``fold`` -1, ``perturbation`` its label, ``similarity`` with the medoid).
    """
    tasks = []
    incidence = word_incidence(corpus.counts)
    repeats = n_distinct_splits(corpus, n_folds, n_repeats, clusters)
    for repeat in range(repeats):
        for fold, (train, test) in enumerate(cross_validation_folds(corpus, n_folds, repeat,
                                                                    clusters)):
            for kind in kinds:
                for k in ks:
                    tasks.append((_cv_task, kind, k, repeat, fold, corpus.counts, train, test,
                                  incidence))
    perturbed = perturbation_rows(corpus, n_subsamples, max_leave_out=max_leave_out)
    for kind in kinds:
        for k in ks:
            tasks.extend((_restart_task, kind, k, r, corpus.counts) for r in range(n_restarts))
            tasks.extend((_perturbed_task, kind, k, p, label, corpus.counts, rows)
                         for p, (label, rows) in enumerate(perturbed))
    results = _run_tasks(tasks, n_jobs)
    cv = pd.DataFrame([r for r in results if isinstance(r, dict)])
    fits = [r for r in results if isinstance(r, TopicModel)]
    perturbed_fits = [r for r in results if isinstance(r, tuple)]
    windows = (window_incidence(corpus.tokens, list(corpus.vocab), INSAMPLE_WINDOW)
               if insample_window else None)
    rows, perturbation_rows_out = [], []
    for kind in kinds:
        for k in ks:
            runs = [m for m in fits if m.kind == kind and m.k == k]
            stab = restart_stability([m.topic_word for m in runs])
            reference = runs[stab.medoid].topic_word
            mine = [p for p in perturbed_fits if p[0] == kind and p[1] == k]
            sims = perturbation_similarity(reference, [p[3] for p in mine])
            labels = [p[2] for p in mine]
            sub = np.array([s for s, lab in zip(sims, labels) if lab.startswith("subsample_")])
            lopo = [(s, lab) for s, lab in zip(sims, labels) if lab.startswith("without_")]
            perturbation_rows_out.extend(
                dict(model=kind, k=k, repeat=-1, fold=-1, perturbation=lab, similarity=s)
                for s, lab in zip(sims, labels))
            part = cv[(cv["model"] == kind) & (cv["k"] == k)].copy()
            part["ll"] = part["heldout_ll"] / part["heldout_tokens"].replace(0, np.nan)
            by_repeat = part.groupby("repeat")
            n_f = by_repeat.size().iloc[0]
            iters = list(part["n_iter"]) + [m.n_iter for m in runs] + [p[4] for p in mine]
            tops = [top_word_indices(m.topic_word) for m in runs]
            insample = ([np.nanmean(npmi_from_incidence(t, windows)[0]) for t in tops]
                        if insample_window else [np.nan])

            rows.append(dict(
                model=kind, k=k,
                npmi_mean=part["npmi"].mean(), npmi_se=_fold_se(by_repeat, "npmi", n_f),
                share_pairs_never=part["share_pairs_never"].mean(),
                npmi_heldout=part["npmi_heldout"].mean(),
                npmi_heldout_se=_fold_se(by_repeat, "npmi_heldout", n_f),
                share_pairs_never_heldout=part["share_pairs_never_heldout"].mean(),
                npmi_insample_window=float(np.mean(insample)),
                heldout_ll_per_token=part["ll"].mean(),
                heldout_ll_se=_fold_se(by_repeat, "ll", n_f),
                npmi_folds=_fold_values(part, "npmi"),
                npmi_heldout_folds=_fold_values(part, "npmi_heldout"),
                heldout_ll_folds=_fold_values(part, "ll"),
                exclusivity=float(np.mean([exclusivity(m.topic_word).mean() for m in runs])),
                frex_exclusivity=float(np.mean([
                    frex_exclusivity(m.topic_word, weight=FREX_EXCLUSIVITY_WEIGHT).mean()
                    for m in runs])),
                semantic_coherence=float(np.mean([
                    np.nanmean(semantic_coherence(t, incidence, COHERENCE_EPSILON))
                    for t in tops])),
                semantic_coherence_stm=float(np.mean([
                    np.nanmean(semantic_coherence(t, incidence, COHERENCE_EPSILON_STM))
                    for t in tops])),
                stability_mean=stab.mean, stability_sd=stab.sd, stability_min=stab.minimum,
                stability_jaccard=float(
                    stab.pair_jaccard[np.triu_indices(len(runs), 1)].mean()),
                subsample_stability=float(sub.mean()) if len(sub) else np.nan,
                subsample_stability_min=float(sub.min()) if len(sub) else np.nan,
                lopo_stability=float(np.mean([s for s, _ in lopo])) if lopo else np.nan,
                lopo_stability_min=float(min(s for s, _ in lopo)) if lopo else np.nan,
                lopo_worst_plan=(min(lopo)[1].removeprefix("without_") if lopo else ""),
                share_unconverged=(float(np.mean([i >= NMF_MAX_ITER for i in iters]))
                                   if kind == "nmf" else np.nan),
                n_folds=int(n_f),
                fold_grouping="reuse_cluster" if clusters is not None else "plan_stratified"))
    cv["heldout_ll_per_token"] = cv["heldout_ll"] / cv["heldout_tokens"].replace(0, np.nan)
    per_fit = pd.concat([cv, pd.DataFrame(perturbation_rows_out)], ignore_index=True)
    return pd.DataFrame(rows), per_fit


def _fold_values(part: pd.DataFrame, column: str) -> str:
    """Every fold's value of ``column``, space-separated in (repeat, fold) order, so that
    figures can show the folds themselves (empty when the measure is not defined)."""
    values = part.sort_values(["repeat", "fold"])[column].to_numpy(dtype=float)
    if np.isnan(values).all():
        return ""
    return " ".join(f"{v:.6f}" for v in values)


def _fold_se(by_repeat, column: str, n_folds: int) -> float:
    """SD over the folds of one K-fold run / sqrt(folds), averaged over repeats."""
    return float((by_repeat[column].std(ddof=1) / np.sqrt(n_folds)).mean())


def fit_restarts(corpus: Corpus, kind: str, k: int, n_restarts: int = N_RESTARTS
                 ) -> list[TopicModel]:
    """``n_restarts`` fits on all modelled clauses that differ only in their random seed
    (the same seeds as the restarts of :func:`select_models`)."""
    return [fit_model(kind, corpus.counts, k, derive_seed(4, k, r)) for r in range(n_restarts)]


# --------------------------------------------------------------------------------------------
# The rule
# --------------------------------------------------------------------------------------------

#: The two axes of the frontier (both: larger is better).
FRONTIER_AXES = ("semantic_coherence", "frex_exclusivity")
#: Stability columns that must all reach the threshold (those present and not all empty).
STABILITY_COLUMNS = ("stability_mean", "subsample_stability", "lopo_stability")


@dataclass(frozen=True)
class Choice:
    """The model chosen by :func:`choose_model`, and why.

    ``at_boundary`` is ``"lower"`` or ``"upper"`` when the chosen K is the smallest or the
    largest K tried for that model family, else ``""``.
    """

    model: str
    k: int
    reason: str
    at_boundary: str = ""


def pareto_frontier(table: pd.DataFrame, axes: Sequence[str] = FRONTIER_AXES) -> pd.Series:
    """True for rows that no other row beats on every axis (≥ on all, > on one)."""
    values = table[list(axes)].to_numpy(dtype=float)
    out = []
    for v in values:
        dominated = np.any(np.all(values >= v, axis=1) & np.any(values > v, axis=1))
        out.append(not dominated)
    return pd.Series(out, index=table.index)


def reportable(diagnostics: pd.DataFrame, min_stability: float = MIN_STABILITY) -> pd.Series:
    """The least of the stability measures present (restarts, subsamples, plans left out)."""
    cols = [c for c in STABILITY_COLUMNS
            if c in diagnostics and diagnostics[c].notna().any()]
    return diagnostics[cols].min(axis=1) >= min_stability


def choose_model(diagnostics: pd.DataFrame, min_stability: float = MIN_STABILITY) -> Choice:
    """Pick a model family and K from :func:`select_models` output by a fixed rule.

    1. **Stable**: keep (model, K) whose every stability measure present (restarts,
       subsamples, plans left out; :data:`STABILITY_COLUMNS`) is ≥ ``min_stability``: topics
       that change with the seed, or when a fifth of the clauses or one plan is dropped,
       cannot be reported. If none is, the one with the largest least stability is used.
    2. **Frontier**: among those, the (model, K) that no other beats on both semantic
       coherence and FREX exclusivity (:func:`pareto_frontier`), as read off stm's
       ``searchK`` plots.
    3. **Knee**: on the frontier, the point with the largest sum of the two axes, each scaled
       to [0, 1] over the stable candidates (the point nearest the ideal corner in L1).
       Ties: smaller K, then NMF (the cheaper model).

    Neither axis is built to favour an end of the grid (coherence against the whole corpus,
    not one fold; exclusivity as ranks, whose floor does not move with K), so the pick falls
    at an end only when the data put it there. When it does, ``Choice.at_boundary`` says so
    and the reason states what it means: at the lower end (K = 2 is the smallest K that
    divides anything) the evidence supports no finer division; at the upper end larger K
    were not tried and the grid should be extended.
    """
    d = diagnostics.reset_index(drop=True).copy()
    ok = reportable(d, min_stability)
    cols = [c for c in STABILITY_COLUMNS if c in d and d[c].notna().any()]
    least = d[cols].min(axis=1)
    if ok.any():
        stable = d[ok]
        note = f"{int(ok.sum())} of {len(d)} (model, K) reach stability >= {min_stability}"
    else:
        stable = d.loc[[least.idxmax()]]
        note = f"no (model, K) reached stability {min_stability}; the most stable is used"
    front = stable[pareto_frontier(stable)]
    scaled = pd.DataFrame(index=stable.index)
    for axis in FRONTIER_AXES:
        lo, hi = stable[axis].min(), stable[axis].max()
        scaled[axis] = (stable[axis] - lo) / (hi - lo) if hi > lo else 1.0
    front = front.assign(_score=scaled.loc[front.index].sum(axis=1).round(9),
                         _kind=front["model"].map({"nmf": 0, "lda": 1}))
    pick = front.sort_values(["_score", "k", "_kind"], ascending=[False, True, True]).iloc[0]
    grid = d.loc[d["model"] == pick["model"], "k"]
    boundary = ("lower" if pick["k"] == grid.min() else "upper" if pick["k"] == grid.max()
                else "")
    listed = ", ".join(f"{r.model.upper()} K={int(r.k)}" for r in front.itertuples())
    name = f"{pick['model'].upper()} K={int(pick['k'])}"
    reason = (f"{note}; on their coherence x exclusivity frontier: {listed}; nearest the "
              f"ideal corner: {name} (semantic coherence {pick['semantic_coherence']:.3f}, "
              f"FREX exclusivity {pick['frex_exclusivity']:.3f}, least stability "
              f"{least[pick.name]:.3f})")
    if boundary == "lower":
        reason += (f"; K={int(pick['k'])} is the smallest K tried: the evidence supports no "
                   "finer division")
    elif boundary == "upper":
        reason += (f"; K={int(pick['k'])} is the largest K tried: larger K may be better, "
                   "extend the grid")
    return Choice(str(pick["model"]), int(pick["k"]), reason, boundary)
