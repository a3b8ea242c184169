"""Model-selection results written by the build, so that the notebook only reads them.

Three tables (:data:`RESULT_SCHEMAS`):

* ``topic_selection.csv`` (:func:`selection_table`): every diagnostic of
  :func:`~analysis.topics.selection.select_models` for every model family and K, and the
  (model, K) that :func:`~analysis.topics.selection.choose_model` picks from them;
* ``topic_restart_similarity.csv`` (:func:`restart_similarity_table`): agreement of every
  pair of restarts of the reported model;
* ``topic_alternatives.csv`` (:func:`alternatives_table`): the topics of finer NMF models
  (:data:`ALTERNATIVE_KS`), for the reader who wants to see what splits when K grows.

Model selection fits 288 models (2 families × 8 K × (8 cross-validation fits + 10
restarts)); batch LDA in scikit-learn is most of that time (about 0.8 s per fit on the seed
corpus, one core). Its result depends only on the modelled clauses, the settings, the code and
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
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.schema import Column, TableSchema
from analysis.topics import settings as S
from analysis.topics.corpus import Corpus
from analysis.topics.final import FinalModel, fit_final
from analysis.topics.selection import choose_model, select_models
from analysis.topics.settings import MODEL_KINDS, N_RESTARTS
from analysis.topics.tables import _round, topics_table

_SEL = "`analysis.topics.selection.select_models`"
_T = "`analysis.topics.results`"

#: Finer NMF models whose topics the build writes next to the reported one.
ALTERNATIVE_KS = (6, 8)
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
                f"topics K ({', '.join(map(str, S.K_GRID))}). Held-out values come from "
                f"{S.N_CV_REPEATS} repeats of {S.N_FOLDS}-fold cross-validation over modelled "
                "clauses stratified by plan; exclusivity and stability from "
                f"{S.N_RESTARTS} seeded restarts on all modelled clauses. `chosen` marks the "
                "(model, K) picked by the fixed rule of "
                "`analysis.topics.selection.choose_model` applied to this table. Recomputed "
                "only when `fingerprint` changes (see `analysis.topics.results`).",
    primary_key=("model", "k"),
    columns=(
        Column("model", "str", "Model family.", allowed=MODEL_KINDS, source=_SEL),
        Column("k", "int", "Number of topics.", source=_SEL),
        Column("npmi_mean", "float", "Held-out NPMI of the top words (co-occurrence counted "
               "in the held-out clauses), mean over all folds and topics.", source=_SEL),
        Column("npmi_se", "float", "Standard error of `npmi_mean` (SD over the folds of one "
               "K-fold run / sqrt(folds), averaged over repeats).", source=_SEL),
        Column("share_pairs_never", "float", "Share of held-out top-word pairs that never "
               "co-occur (scored -1).", source=_SEL),
        Column("npmi_insample_window", "float", f"In-sample NPMI with sliding windows of "
               f"{S.INSAMPLE_WINDOW} tokens over all modelled clauses, mean over restarts.",
               source=_SEL),
        Column("heldout_ll_per_token", "float", "LDA: held-out log-likelihood per token by "
               "document completion (empty for NMF).", nullable=True, source=_SEL),
        Column("heldout_ll_se", "float", "LDA: standard error of `heldout_ll_per_token`.",
               nullable=True, source=_SEL),
        Column("exclusivity", "float", "Mean exclusivity of the top words over restarts and "
               "topics (1/K to 1).", source=_SEL),
        Column("stability_mean", "float", "Mean over pairs of restarts of the mean cosine "
               "similarity of Hungarian-matched topics.", source=_SEL),
        Column("stability_sd", "float", "SD of the pair similarities.", source=_SEL),
        Column("stability_min", "float", "Smallest pair similarity.", source=_SEL),
        Column("stability_jaccard", "float", "Mean top-word Jaccard overlap of matched topics "
               "over pairs of restarts.", source=_SEL),
        Column("share_unconverged", "float", "NMF: share of fits stopped by the iteration "
               "limit (empty for LDA, which runs a fixed number of iterations).",
               nullable=True, source=_SEL),
        Column("chosen", "bool", "True for the (model, K) the selection rule picks.",
               source="`analysis.topics.selection.choose_model`"),
        Column("fingerprint", "str", "SHA-256 of the modelled clauses' counts, vocabulary and "
               "tokens, the settings, the selection code and the numpy/scipy/scikit-learn "
               "versions; the same in every row.", source=_T),
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
    description="Topics of finer NMF models (K = "
                f"{', '.join(map(str, ALTERNATIVE_KS))}), each the medoid of "
                f"{N_RESTARTS} restarts like the reported model, to show which topics split "
                "as K grows. Topics numbered by prevalence within each K.",
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

RESULT_SCHEMAS = [TOPIC_SELECTION, TOPIC_RESTART_SIMILARITY, TOPIC_ALTERNATIVES]


def selection_fingerprint(corpus: Corpus) -> str:
    """SHA-256 of everything :func:`selection_table` depends on.

    The modelled clauses (ids, plans, counts, vocabulary, tokens), every setting of
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
    # Settings are numbers, strings and tuples of them (paths would tie the fingerprint to
    # the folder of the checkout).
    add(repr(sorted((k, repr(v)) for k, v in vars(S).items()
                    if k.isupper() and isinstance(v, (int, float, str, tuple)))))
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
                    n_jobs: int = SELECTION_JOBS, **options) -> pd.DataFrame:
    """``topic_selection.csv``: :func:`select_models` diagnostics, rounded, with the rule's
    choice and the fingerprint.

    Parameters
    ----------
    corpus : Corpus
    fingerprint : str, optional
        :func:`selection_fingerprint` of ``corpus`` (computed when not given).
    n_jobs : int
        Worker processes (results are identical for any value).
    **options
        Passed to :func:`select_models` (tests use a small grid).
    """
    diagnostics, _ = select_models(corpus, n_jobs=n_jobs, **options)
    table = _round(diagnostics)
    choice = choose_model(table)
    table["chosen"] = (table["model"] == choice.model) & (table["k"] == choice.k)
    table["fingerprint"] = fingerprint or selection_fingerprint(corpus)
    return table[TOPIC_SELECTION.column_names]


def cached_selection(processed_dir: Path, fingerprint: str) -> pd.DataFrame | None:
    """The ``topic_selection.csv`` already in ``processed_dir`` if it was computed from the
    same inputs (same ``fingerprint`` and columns), else None."""
    from analysis.core.io import read_csv

    path = Path(processed_dir) / TOPIC_SELECTION.filename
    if not path.exists():
        return None
    try:
        table = read_csv(path)
    except (ValueError, OSError):
        return None
    if list(table.columns) != TOPIC_SELECTION.column_names or table.empty:
        return None
    if not table["fingerprint"].astype(str).eq(fingerprint).all():
        return None
    return table


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
                       n_restarts: int = N_RESTARTS) -> pd.DataFrame:
    """``topic_alternatives.csv``: the medoid topics of ``kind`` for every K in ``ks``."""
    parts = []
    for k in ks:
        table = topics_table(fit_final(corpus, kind, k, n_restarts), corpus, {},
                             labels=pd.DataFrame(columns=["model", "k", "topic", "label_en",
                                                          "top_words", "reading"]))
        parts.append(table[TOPIC_ALTERNATIVES.column_names])
    if not parts:
        return pd.DataFrame(columns=TOPIC_ALTERNATIVES.column_names)
    return pd.concat(parts, ignore_index=True)
