"""Model-selection results written by the build, so that the notebook only reads them.

Four tables (:data:`RESULT_SCHEMAS`):

* ``topic_selection.csv`` (:func:`selection_table`): every diagnostic of
  :func:`~analysis.topics.selection.select_models` for every model family and K, the
  coherence × exclusivity frontier and the (model, K) that
  :func:`~analysis.topics.selection.choose_model` picks from them;
* ``topic_perturbation.csv``: every subsample and leave-one-plan-out fit behind the
  perturbation stability of that table (computed and cached with it);
* ``topic_restart_similarity.csv`` (:func:`restart_similarity_table`): agreement of every
  pair of restarts of the reported model;
* ``topic_alternatives.csv`` (:func:`alternatives_table`): the topics of coarser NMF models
  (:data:`ALTERNATIVE_KS`), for the reader who wants to see what merges when K shrinks.

Model selection fits 384 models on the seed corpus (2 families × 8 K × (4 cross-validation
fits + 10 restarts + 5 subsamples + 5 plans left out)); batch LDA in scikit-learn is most of
that time (about 0.8 s per fit on the seed corpus, one core; about 3 CPU minutes in all). Its result depends only on the modelled clauses, the settings, the code and
the library versions, so the build stores a fingerprint of exactly these with the table
(:func:`selection_fingerprint`) and recomputes only when the fingerprint differs from the one
of the table already in the output folder (:func:`cached_selection`). A rebuild from the same
inputs therefore gives the same bytes whether it refits or not; deleting
``topic_selection.csv`` forces a refit.
"""
from __future__ import annotations

import ast
import hashlib
import importlib
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.core.schema import Column, TableSchema
from analysis.topics import settings as S
from analysis.topics.corpus import Corpus
from analysis.topics.final import FinalModel, fit_final
from analysis.topics.selection import choose_model, pareto_frontier, reportable, select_models
from analysis.topics.settings import MODEL_KINDS, N_RESTARTS, model_kinds
from analysis.topics.tables import _round, topics_table

_SEL = "`analysis.topics.selection.select_models`"
_T = "`analysis.topics.results`"

#: Coarser NMF models whose topics the build writes next to the reported one (K = 4 was the
#: reported model before the grid started at 2).
ALTERNATIVE_KS = (4, 6)
#: Worker processes for model selection (results do not depend on it).
SELECTION_JOBS = 2
#: Modules whose code the selection result depends on (their syntax trees without docstrings
#: are hashed into the fingerprint, so editing a comment or docstring does not force a refit).
_SELECTION_MODULES = ("analysis.topics.corpus", "analysis.topics.models",
                      "analysis.topics.diagnostics", "analysis.topics.selection",
                      "analysis.topics.settings", "analysis.topics.tables",
                      "analysis.topics.results")

TOPIC_SELECTION = TableSchema(
    name="topic_selection",
    filename="topic_selection.csv",
    description="Model selection for the topic model: one row per model family and number of "
                f"topics K ({', '.join(map(str, S.K_GRID))}). Cross-fitted and held-out values "
                f"come from {S.N_FOLDS}-fold cross-validation grouped by reuse cluster (plans "
                "sharing at least "
                f"{S.REUSE_CLUSTER_SHARE:.0%} of their text with each other are held out "
                "together; with fewer clusters than folds, one fold per cluster); coherence, "
                f"exclusivity and stability from {S.N_RESTARTS} seeded restarts on all "
                f"modelled clauses; perturbation stability from {S.N_SUBSAMPLES} subsamples of "
                f"{S.SUBSAMPLE_FRACTION:.0%} of each plan's clauses and from leaving each plan "
                "out. `chosen` marks the (model, K) picked by the fixed rule of "
                "`analysis.topics.selection.choose_model` applied to this table. Recomputed "
                "only when `fingerprint` changes (see `analysis.topics.results`).",
    primary_key=("model", "k"),
    columns=(
        Column("model", "str", "Model family.", allowed=MODEL_KINDS, source=_SEL),
        Column("k", "int", "Number of topics.", source=_SEL),
        Column("npmi_mean", "float", "Cross-fitted coherence: NPMI of the top-10 words of a "
               "model fitted on the training folds, with co-occurrence counted in all modelled "
               "clauses (the reference includes the training clauses, so it is not strictly "
               "held out); mean over folds and topics.", source=_SEL),
        Column("npmi_se", "float", "Standard error of `npmi_mean` (SD over the folds / "
               "sqrt(folds)).", source=_SEL),
        Column("share_pairs_never", "float", "Share of those top-word pairs that never "
               "co-occur in any modelled clause (scored -1).", source=_SEL),
        Column("npmi_heldout", "float", "Strictly held-out NPMI: the same top words with "
               "co-occurrence counted in the held-out fold only.", source=_SEL),
        Column("npmi_heldout_se", "float", "Standard error of `npmi_heldout`.", source=_SEL),
        Column("share_pairs_never_heldout", "float", "Share of top-word pairs never seen "
               "together in the held-out fold (scored -1).", source=_SEL),
        Column("npmi_insample_window", "float", f"In-sample NPMI with sliding windows of "
               f"{S.INSAMPLE_WINDOW} tokens over all modelled clauses, mean over restarts.",
               source=_SEL),
        Column("heldout_ll_per_token", "float", "LDA: held-out log-likelihood per token by "
               "document completion (empty for NMF).", nullable=True, source=_SEL),
        Column("heldout_ll_se", "float", "LDA: standard error of `heldout_ll_per_token`.",
               nullable=True, source=_SEL),
        Column("npmi_folds", "str", "`npmi_mean` of each cross-validation fold (the model "
               "fitted without that fold), space-separated in fold order (repeat by repeat "
               "when folds are repeated): the values `npmi_mean` and `npmi_se` sum up.",
               source=_SEL),
        Column("npmi_heldout_folds", "str", "`npmi_heldout` of each fold, likewise.",
               source=_SEL),
        Column("heldout_ll_folds", "str", "LDA: `heldout_ll_per_token` of each fold, likewise "
               "(empty for NMF).", nullable=True, source=_SEL),
        Column("exclusivity", "float", "Mean share of a top word's probability (summed over "
               "topics) in its own topic, over restarts and topics (1/K to 1).", source=_SEL),
        Column("frex_exclusivity", "float", "Frontier axis: FREX exclusivity as in stm's "
               f"`exclusivity` (weight {S.FREX_EXCLUSIVITY_WEIGHT}; mean over the top-10 words, "
               "i.e. stm's value / 10), mean over restarts and topics.",
               source="`analysis.topics.diagnostics.frex_exclusivity`"),
        Column("semantic_coherence", "float", "Frontier axis: semantic coherence (Mimno et al. "
               f"2011, smoothing {S.COHERENCE_EPSILON:g}) of the top-10 words in all modelled "
               "clauses, mean over word pairs (stm sums them), topics and restarts.",
               source="`analysis.topics.diagnostics.semantic_coherence`"),
        Column("semantic_coherence_stm", "float", "The same with stm's smoothing "
               f"{S.COHERENCE_EPSILON_STM:g} (a pair never seen together weighs about "
               "log(0.01 / D)): a sensitivity check, not used by the rule.",
               source="`analysis.topics.diagnostics.semantic_coherence`"),
        Column("stability_mean", "float", "Mean over pairs of restarts of the mean cosine "
               "similarity of Hungarian-matched topics.", source=_SEL),
        Column("stability_sd", "float", "SD of the pair similarities.", source=_SEL),
        Column("stability_min", "float", "Smallest pair similarity.", source=_SEL),
        Column("stability_jaccard", "float", "Mean top-word Jaccard overlap of matched topics "
               "over pairs of restarts.", source=_SEL),
        Column("subsample_stability", "float", "Mean over subsamples of the mean cosine "
               "similarity of a subsample fit's topics with the matched topics of the medoid "
               "restart.", source=_SEL),
        Column("subsample_stability_min", "float", "Smallest of those.", source=_SEL),
        Column("lopo_stability", "float", "The same for fits leaving one plan out, mean over "
               "the plans left out (empty with a single plan).", nullable=True, source=_SEL),
        Column("lopo_stability_min", "float", "Smallest of those.", nullable=True,
               source=_SEL),
        Column("lopo_worst_plan", "str", "The plan whose omission changes the topics most.",
               nullable=True, source=_SEL),
        Column("share_unconverged", "float", "NMF: share of fits stopped by the iteration "
               "limit (empty for LDA, which runs a fixed number of iterations).",
               nullable=True, source=_SEL),
        Column("n_folds", "int", "Cross-validation folds.", source=_SEL),
        Column("fold_grouping", "str", "`reuse_cluster` (folds grouped by reuse cluster) or "
               "`plan_stratified`.", allowed=("reuse_cluster", "plan_stratified"),
               source=_SEL),
        Column("reportable", "bool", f"Every stability measure (restarts, subsamples, plans "
               f"left out) is at least {S.MIN_STABILITY}.",
               source="`analysis.topics.selection.reportable`"),
        Column("on_frontier", "bool", "Reportable and not beaten on both semantic coherence "
               "and FREX exclusivity by another reportable (model, K).",
               source="`analysis.topics.selection.pareto_frontier`"),
        Column("chosen", "bool", "True for the (model, K) the selection rule picks.",
               source="`analysis.topics.selection.choose_model`"),
        Column("fingerprint", "str", "SHA-256 of the modelled clauses' counts, vocabulary and "
               "tokens, the reuse clusters, the settings, the selection code and the "
               "numpy/scipy/scikit-learn versions; the same in every row.", source=_T),
    ),
)

TOPIC_PERTURBATION = TableSchema(
    name="topic_perturbation",
    filename="topic_perturbation.csv",
    description="Every perturbed fit of the model selection: for each model family and K, "
                "the agreement of a fit on a subsample of clauses or without one plan with "
                "the medoid of the restarts on all clauses (mean cosine similarity of "
                "Hungarian-matched topics). Recomputed with `topic_selection.csv`.",
    primary_key=("model", "k", "perturbation"),
    columns=(
        Column("model", "str", "Model family.", allowed=MODEL_KINDS, source=_SEL),
        Column("k", "int", "Number of topics.", source=_SEL),
        Column("perturbation", "str", "`subsample_<d>` (draw d of "
               f"{S.SUBSAMPLE_FRACTION:.0%} of each plan's clauses) or `without_<plan>`.",
               source="`analysis.topics.selection.perturbation_rows`"),
        Column("similarity", "float", "Mean cosine similarity of matched topics with the "
               "medoid restart.", source="`analysis.topics.diagnostics.perturbation_similarity`"),
        Column("fingerprint", "str", "As in `topic_selection.csv`.", source=_T),
    ),
)

TOPIC_RESTART_SIMILARITY = TableSchema(
    name="topic_restart_similarity",
    filename="topic_restart_similarity.csv",
    description="Agreement between every pair of random restarts of the reported topic model "
                "(the model and K of `topics.csv`): topics of two runs matched one to one by "
                "the Hungarian algorithm. One row per ordered pair, diagonal included "
                "(similarity 1).",
    primary_key=("run_a", "run_b"),
    columns=(
        Column("model", "str", "Model family.", allowed=MODEL_KINDS, source=_T),
        Column("k", "int", "Number of topics.", source=_T),
        Column("run_a", "int", "Restart (0-based; seeds from `derive_seed(4, k, run)`).",
               source=_T),
        Column("run_b", "int", "The other restart.", source=_T),
        Column("similarity", "float", "Mean cosine similarity of the matched topics.",
               source="`analysis.topics.diagnostics.restart_stability`"),
        Column("jaccard", "float", "Mean top-word Jaccard overlap of the matched topics.",
               source="`analysis.topics.diagnostics.restart_stability`"),
        Column("medoid", "bool", "True in the rows of the run reported in `topics.csv` (the "
               "one agreeing most with the others) as `run_a`.", source=_T),
    ),
)

TOPIC_ALTERNATIVES = TableSchema(
    name="topic_alternatives",
    filename="topic_alternatives.csv",
    description="Topics of coarser NMF models (K = "
                f"{', '.join(map(str, ALTERNATIVE_KS))}), each the medoid of "
                f"{N_RESTARTS} restarts like the reported model, to show which topics merge "
                "as K shrinks. Topics numbered by prevalence within each K.",
    primary_key=("model", "k", "topic"),
    columns=(
        Column("model", "str", "Model family.", allowed=MODEL_KINDS, source=_T),
        Column("k", "int", "Number of topics.", source=_T),
        Column("topic", "int", "Topic number within this K (1 = most prevalent).", source=_T),
        Column("top_words", "str", "Top words by topic-word weight, space-separated.",
               source=_T),
        Column("prevalence", "float", "Mean proportion of the topic over modelled clauses.",
               source=_T),
        Column("stability", "float", "Mean cosine similarity of this topic with its matched "
               "partner in each other restart.",
               source="`analysis.topics.diagnostics.restart_stability`"),
    ),
)

RESULT_SCHEMAS = [TOPIC_SELECTION, TOPIC_RESTART_SIMILARITY, TOPIC_ALTERNATIVES,
                  TOPIC_PERTURBATION]


def selection_fingerprint(corpus: Corpus, clusters: Mapping[str, str] | None = None) -> str:
    """SHA-256 of everything :func:`selection_table` depends on.

    The modelled clauses (ids, plans, counts, vocabulary, tokens), the reuse clusters that
    group the folds (``clusters``, plan -> cluster; None: folds stratified by plan), every setting of
    :mod:`analysis.topics.settings`, the source of the modules that fit and score the models
    and the versions of numpy, scipy and scikit-learn.
    """
    import scipy
    import sklearn

    h = hashlib.sha256()

    def add(text: str) -> None:
        h.update(text.encode("utf-8"))
        h.update(b"\0")

    counts = corpus.counts.tocsr()
    for array in (counts.indptr, counts.indices, counts.data):
        h.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    add(repr(counts.shape))
    add("\n".join(map(str, corpus.vocab)))
    add("\n".join(map(str, corpus.clause_ids)))
    add("\n".join(map(str, corpus.doc_ids)))
    add("\n".join(" ".join(t) for t in corpus.tokens))
    add("none" if clusters is None else repr(sorted(clusters.items())))
    # Settings are numbers, strings and tuples of them (paths would tie the fingerprint to
    # the folder of the checkout).
    # The reported model and K are read off the selection, not inputs to it.
    add(repr(sorted((k, repr(v)) for k, v in vars(S).items()
                    if k.isupper() and isinstance(v, (int, float, str, tuple))
                    and k not in ("CHOSEN_MODEL", "CHOSEN_K"))))
    for name in _SELECTION_MODULES:
        add(_code_without_docstrings(Path(importlib.import_module(name).__file__)))
    add(f"numpy {np.__version__} scipy {scipy.__version__} sklearn {sklearn.__version__}")
    return h.hexdigest()


def _code_without_docstrings(path: Path) -> str:
    """``ast.dump`` of a module with its docstrings removed (comments are not in the tree)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def selection_table(corpus: Corpus, fingerprint: str | None = None,
                    n_jobs: int = SELECTION_JOBS, clusters: Mapping[str, str] | None = None,
                    **options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``topic_selection.csv`` and ``topic_perturbation.csv``: :func:`select_models`
    diagnostics, rounded, with the rule's choice, the frontier and the fingerprint.

    Parameters
    ----------
    corpus : Corpus
    fingerprint : str, optional
        :func:`selection_fingerprint` of ``corpus`` and ``clusters`` (computed when not given).
    n_jobs : int
        Worker processes (results are identical for any value).
    clusters : mapping, optional
        Plan -> reuse cluster (:func:`~analysis.topics.selection.reuse_clusters`): folds
        grouped by cluster; None: folds stratified by plan.
    **options
        Passed to :func:`select_models` (tests use a small grid); ``kinds`` defaults to
        :func:`~analysis.topics.settings.model_kinds` of the corpus (NMF alone above
        :data:`~analysis.topics.settings.LDA_MAX_CLAUSES` modelled clauses).
    """
    options.setdefault("kinds", model_kinds(len(corpus.clause_ids)))
    diagnostics, per_fit = select_models(corpus, n_jobs=n_jobs, clusters=clusters, **options)
    table = _round(diagnostics)
    table["reportable"] = reportable(table)
    table["on_frontier"] = False
    stable = table[table["reportable"]]
    if len(stable):
        table.loc[stable.index, "on_frontier"] = pareto_frontier(stable)
    choice = choose_model(table)
    table["chosen"] = (table["model"] == choice.model) & (table["k"] == choice.k)
    table["fingerprint"] = fingerprint or selection_fingerprint(corpus, clusters)
    perturbed = per_fit[per_fit["fold"] == -1][["model", "k", "perturbation", "similarity"]]
    perturbed = _round(perturbed.reset_index(drop=True))
    perturbed["fingerprint"] = table["fingerprint"].iloc[0]
    return (table[TOPIC_SELECTION.column_names],
            perturbed[TOPIC_PERTURBATION.column_names])


def cached_selection(processed_dir: Path, fingerprint: str) -> pd.DataFrame | None:
    """The ``topic_selection.csv`` already in ``processed_dir`` if it was computed from the
    same inputs (same ``fingerprint`` and columns) and ``topic_perturbation.csv`` next to it
    was too, else None."""
    from analysis.core.io import read_csv

    tables = []
    for schema in (TOPIC_SELECTION, TOPIC_PERTURBATION):
        path = Path(processed_dir) / schema.filename
        if not path.exists():
            return None
        try:
            table = read_csv(path)
        except (ValueError, OSError):
            return None
        if list(table.columns) != schema.column_names or table.empty:
            return None
        if not table["fingerprint"].astype(str).eq(fingerprint).all():
            return None
        tables.append(table)
    return tables[0]


def restart_similarity_table(final: FinalModel) -> pd.DataFrame:
    """``topic_restart_similarity.csv`` of a fitted :class:`FinalModel`."""
    stab = final.stability
    r = stab.pair_similarity.shape[0]
    a, b = np.divmod(np.arange(r * r), r)
    return _round(pd.DataFrame({
        "model": final.model.kind, "k": final.k, "run_a": a, "run_b": b,
        "similarity": stab.pair_similarity.ravel(), "jaccard": stab.pair_jaccard.ravel(),
        "medoid": a == stab.medoid}))


def alternatives_table(corpus: Corpus, ks: Sequence[int] = ALTERNATIVE_KS, kind: str = "nmf",
                       n_restarts: int = N_RESTARTS, project: Corpus | None = None,
                       cache=None) -> pd.DataFrame:
    """``topic_alternatives.csv``: the medoid topics of ``kind`` for every K in ``ks``,
    fitted on ``corpus`` and described on ``project`` (default ``corpus``; see
    :func:`~analysis.topics.final.fit_final` for both and for ``cache``)."""
    parts = []
    rows = corpus if project is None else project
    for k in ks:
        final = fit_final(corpus, kind, k, n_restarts, project=project, cache=cache)
        table = topics_table(final, rows, {},
                             labels=pd.DataFrame(columns=["model", "k", "topic", "label_en",
                                                          "top_words", "reading"]))
        parts.append(table[TOPIC_ALTERNATIVES.column_names])
    if not parts:
        return pd.DataFrame(columns=TOPIC_ALTERNATIVES.column_names)
    return pd.concat(parts, ignore_index=True)
