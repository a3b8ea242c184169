"""Figure of the topic-model selection frontier (notebook 03), drawn from ``topic_selection.csv``.

:func:`plot_frontier` shows, in the manner of R stm's ``searchK`` plots, semantic coherence
against FREX exclusivity for every model family and K, the frontier of the reportable models
and the chosen one, next to the three stability measures and the two coherence measures of
the cross-validation against K. Cross-validated measures are drawn as their mean over folds
(line) and every fold's value (points): with four folds, the folds themselves describe the
spread better than a standard error, which would suggest an interval for an estimand that
no simulation has checked (issue 13).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

import numpy as np

from analysis.figures.style import PALETTE, apply_style

_STYLE = {"nmf": dict(color=PALETTE[0], marker="o", label="NMF (TF-IDF)"),
          "lda": dict(color=PALETTE[1], marker="s", label="LDA (counts)")}
_STABILITY = (("stability_mean", "-", "restarts"), ("subsample_stability", "--", "80% subsamples"),
              ("lopo_stability", ":", "plan left out"))


def fold_values(text) -> np.ndarray:
    """The fold values of a ``…_folds`` cell of ``topic_selection.csv`` (space-separated;
    empty or missing: none)."""
    if not isinstance(text, str) or not text.strip():
        return np.array([])
    return np.array([float(v) for v in text.split()])


def draw_folds(ax, part: pd.DataFrame, column: str, offset: float = 0.0, **style) -> bool:
    """Every fold's value of ``column`` (a ``…_folds`` column) at its K, shifted by
    ``offset`` so that two families do not hide each other; False when there is none."""
    if column not in part:
        return False
    ks, values = [], []
    for k, text in zip(part["k"], part[column]):
        v = fold_values(text)
        ks.extend([k + offset] * len(v))
        values.extend(v)
    if not values:
        return False
    ax.plot(ks, values, ls="none", ms=3, alpha=0.6, **style)
    return True


def plot_frontier(selection: pd.DataFrame, min_stability: float | None = None) -> plt.Figure:
    """Coherence × exclusivity frontier, stability and cross-validated coherence against K.

    Parameters
    ----------
    selection : pandas.DataFrame
        ``topic_selection.csv`` (columns ``semantic_coherence``, ``frex_exclusivity``,
        ``reportable``, ``on_frontier``, ``chosen``, the stability and NPMI columns).
    min_stability : float, optional
        Stability threshold of the rule (dashed line in the middle panel).

    Notes
    -----
    Left: filled markers are reportable (every stability measure at the threshold), hollow
    ones are not; the grey line joins the frontier; the black ring marks the chosen model;
    each point is labelled with its K. Right: the mean over the cross-validation folds
    (line) and each fold's value (small points; filled: reference all clauses, hollow:
    reference the held-out fold), from the ``npmi_folds`` and ``npmi_heldout_folds``
    columns. No error bars: four folds are described, not turned into an interval.
    """
    apply_style()
    fig, axes = plt.subplots(1, 3, figsize=(12.6, 4.2))
    ax = axes[0]
    for kind, style in _STYLE.items():
        part = selection[selection["model"] == kind].sort_values("k")
        if part.empty:
            continue
        ax.plot(part["frex_exclusivity"], part["semantic_coherence"], "-", lw=0.6,
                color=style["color"], alpha=0.5)
        for row in part.itertuples():
            ax.plot(row.frex_exclusivity, row.semantic_coherence, style["marker"], ms=6,
                    color=style["color"], mfc=style["color"] if row.reportable else "white")
            ax.annotate(str(int(row.k)), (row.frex_exclusivity, row.semantic_coherence),
                        xytext=(4, 3), textcoords="offset points", fontsize=7,
                        color=style["color"])
        ax.plot([], [], style["marker"], color=style["color"], label=style["label"])
    front = selection[selection["on_frontier"]].sort_values("frex_exclusivity")
    ax.plot(front["frex_exclusivity"], front["semantic_coherence"], "-", color="grey", lw=2,
            alpha=0.4, label="frontier (reportable)")
    pick = selection[selection["chosen"]]
    ax.plot(pick["frex_exclusivity"], pick["semantic_coherence"], "o", ms=13, mfc="none",
            mec="black", mew=1.2, label="chosen")
    ax.set_xlabel("FREX exclusivity (mean over top-10 words)")
    ax.set_ylabel("semantic coherence (mean over pairs)")
    ax.set_title("Coherence × exclusivity (hollow: not stable)")
    ax.legend(frameon=False, fontsize=7, loc="lower left")

    ax = axes[1]
    for kind, style in _STYLE.items():
        part = selection[selection["model"] == kind].sort_values("k")
        for col, ls, name in _STABILITY:
            if col in part and part[col].notna().any():
                ax.plot(part["k"], part[col], ls=ls, marker=style["marker"], ms=3, lw=1,
                        color=style["color"], label=f"{kind.upper()} {name}")
    if min_stability is not None:
        ax.axhline(min_stability, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("number of topics K")
    ax.set_ylabel("mean cosine similarity of matched topics")
    ax.set_title("Stability")
    ax.legend(frameon=False, fontsize=6.5, ncol=2, loc="lower left")

    ax = axes[2]
    for m, (kind, style) in enumerate(_STYLE.items()):
        part = selection[selection["model"] == kind].sort_values("k")
        offset = 0.12 * (m - 0.5)
        ax.plot(part["k"], part["npmi_mean"], lw=1, ms=4, color=style["color"],
                marker=style["marker"], label=f"{kind.upper()} ref. all clauses")
        ax.plot(part["k"], part["npmi_heldout"], lw=1, ms=4, ls=":", color=style["color"],
                marker=style["marker"], mfc="white",
                label=f"{kind.upper()} ref. held-out fold")
        if draw_folds(ax, part, "npmi_folds", offset, marker=".", color=style["color"]):
            ax.plot([], [], ".", color=style["color"], label=f"{kind.upper()} each fold")
        draw_folds(ax, part, "npmi_heldout_folds", offset, marker="o", mfc="none", mew=0.6,
                   color=style["color"])
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xlabel("number of topics K")
    ax.set_ylabel("NPMI of top-10 words, model fitted on the other\n"
                  "folds (line: mean; points: each fold)")
    ax.set_title("Cross-validated coherence")
    low, high = ax.get_ylim()
    ax.set_ylim(low - 0.4 * (high - low), high)         # room for the legend under the data
    ax.legend(frameon=False, fontsize=6.5, loc="lower center", ncol=2)
    for a in axes[1:]:
        a.set_xticks(sorted(selection["k"].unique()))
    fig.tight_layout()
    return fig
