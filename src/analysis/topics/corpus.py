"""The corpus of the topic models: which clauses are modelled, and their counts.

:func:`modelling_units` says which clauses are modelled and why the others are not (heading
only, too short), :func:`clause_tokens` tokenises clauses through the shared tokeniser,
:func:`prepare_corpus` builds the vocabulary and the clause × word counts (:func:`vectorise_on`
counts clauses on a vocabulary built elsewhere: a corpus folded into a model fitted on a
sample of its plans), and :class:`Corpus` holds them with the in-vocabulary tokens used for co-occurrence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.topics.settings import HEADING_MAX_CHARS, MAX_DF, MIN_CHARS, MIN_DF, MIN_TOKENS


class _Analyzer:
    """Split a space-joined token string, dropping stopwords and too-short tokens.

    A class rather than a lambda so that vectorisers can be pickled.
    """

    def __init__(self, stop: Iterable[str] = (), min_chars: int = MIN_CHARS):
        self.stop = frozenset(stop)
        self.min_chars = min_chars
        self._kept = _Decisions(self._keeps)

    def _keeps(self, token: str) -> bool:
        return bool(len(token) >= self.min_chars and token not in self.stop
                    and re.search(r"\w", token) and not token.isdigit())

    def __call__(self, text: str) -> list[str]:
        # Each distinct token is judged once: a corpus repeats a few tens of thousands of
        # words millions of times, and the regular expression per token was most of the cost.
        kept = self._kept
        return [t for t in str(text).split() if kept[t]]

    def __getstate__(self) -> dict:
        return {"stop": self.stop, "min_chars": self.min_chars}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["stop"], state["min_chars"])


class _Decisions(dict):
    """A dict that fills a missing key with ``judge(key)``."""

    def __init__(self, judge):
        super().__init__()
        self.judge = judge

    def __missing__(self, key):
        value = self[key] = self.judge(key)
        return value


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


def vectorise_on(units: pd.DataFrame, vocab: np.ndarray,
                 min_tokens: int = MIN_TOKENS) -> tuple[Corpus, pd.DataFrame]:
    """Count the modelled clauses on a fixed vocabulary (no vocabulary is built).

    Used when the model is fitted on a sample of plans (:func:`prepare_corpus` of the sample
    gives ``vocab``) and every clause is then projected on it: a clause with fewer than
    ``min_tokens`` tokens of ``vocab`` gets status ``too_short``, as in
    :func:`prepare_corpus`.

    Returns
    -------
    Corpus
        Counts of the clauses left with status ``modelled``, columns in ``vocab``'s order.
    pandas.DataFrame
        ``units`` with ``status`` updated and ``n_tokens`` added.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    units = units.copy()
    units["n_tokens"] = 0
    vocab = np.asarray(vocab, dtype=object)
    keep = units["status"].eq("modelled").to_numpy()
    vec = CountVectorizer(analyzer=str.split, vocabulary=list(vocab))
    counts = vec.transform(units.loc[keep, "tokens"].tolist()).tocsr().astype(np.int64)
    n = np.asarray(counts.sum(axis=1)).ravel()
    units.loc[keep, "n_tokens"] = n
    short = keep.copy()
    short[keep] = n < min_tokens
    units.loc[short, "status"] = "too_short"
    counts = counts[np.flatnonzero(n >= min_tokens)]
    in_vocab = set(vocab)
    kept = units[units["status"].eq("modelled")]
    tokens = [[t for t in s.split() if t in in_vocab] for s in kept["tokens"]]
    return Corpus(kept["clause_id"].tolist(), kept["doc_id"].tolist(), counts, vocab,
                  tokens), units
