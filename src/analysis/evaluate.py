"""Accuracy against hand-made gold files in ``tests/gold`` (precision, recall, exact matches).

Used by the tests and by the corpus-overview notebook, so the figures quoted in both come from
one implementation.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Score:
    """Precision/recall of a set of predictions against gold items."""

    n_gold: int
    n_predicted: int
    n_matched: int

    @property
    def precision(self) -> float:
        return self.n_matched / self.n_predicted if self.n_predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.n_matched / self.n_gold if self.n_gold else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_garbled(spans: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Compare detected garbled spans with the gold list.

    Parameters
    ----------
    spans : DataFrame
        ``garbled_spans.csv`` rows (doc_id, start, end, status, best_guess_simplified, ...).
    gold : DataFrame
        ``tests/gold/garbled_spans.csv`` (doc_id, raw_start, raw_end, original_simplified, ...).

    Returns
    -------
    DataFrame
        One row per gold span: whether it was detected (overlapping span), detected with exact
        boundaries, restored exactly (status restored and text equal), or marked.
    """
    rows = []
    for g in gold.itertuples(index=False):
        cand = spans[(spans["doc_id"] == g.doc_id) & (spans["start"] < g.raw_end)
                     & (spans["end"] > g.raw_start)]
        hit = cand.iloc[0] if len(cand) else None
        rows.append(dict(
            doc_id=g.doc_id, raw_start=g.raw_start, raw_span=g.raw_span,
            gold=g.original_simplified,
            predicted="" if hit is None else str(hit["best_guess_simplified"]),
            detected=hit is not None,
            exact_bounds=hit is not None and hit["start"] == g.raw_start and hit["end"] == g.raw_end,
            restored_exactly=hit is not None and hit["status"] == "restored"
            and hit["best_guess_simplified"] == g.original_simplified,
            marked=hit is not None and hit["status"] == "marked",
        ))
    return pd.DataFrame(rows)
