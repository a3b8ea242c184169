"""Figures of the topic-model study (:mod:`analysis.topics.model`).

Each function takes documented DataFrames (output of :func:`analysis.topics.model.select_models` or
the tables written by :func:`analysis.topics.model.build`) and returns a matplotlib Figure; saving is
left to :func:`analysis.figures.style.save_figure`.
"""
from __future__ import annotations

import textwrap
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.figures.style import PALETTE, apply_style
from analysis.figures.topic_frontier import draw_folds
from analysis.figures.style import save_and_show  # noqa: F401  (used by notebook 03)

_MODEL_STYLE = {"nmf": dict(color=PALETTE[0], marker="o", label="NMF (TF-IDF)"),
                "lda": dict(color=PALETTE[1], marker="s", label="LDA (counts)")}
_GROUPING_TITLE = {"doc_id": "Plan", "admin_level": "Administrative level",
                   "province_en": "Province"}


def topic_names(topics: pd.DataFrame, n_words: int = 3) -> dict[int, str]:
    """``T<k> <label>`` per topic; unreviewed topics show their first top words instead."""
    names = {}
    for row in topics.itertuples():
        label = row.label_en if isinstance(row.label_en, str) and row.label_en else None
        if label is None:
            label = " ".join(str(row.top_words).split()[:n_words]) + " (unlabelled)"
        names[int(row.topic)] = f"T{int(row.topic)} {label}"
    return names


def plot_selection(diagnostics: pd.DataFrame, chosen: tuple[str, int] | None = None,
                   min_stability: float | None = None) -> plt.Figure:
    """Model-selection diagnostics against K, one panel per measure.

    Parameters
    ----------
    diagnostics : pandas.DataFrame
        First output of :func:`analysis.topics.model.select_models`.
    chosen : (str, int), optional
        Model and K to circle in every panel.
    min_stability : float, optional
        Stability threshold of the selection rule (dashed line).

    Notes
    -----
    No error bars. Cross-validated measures (coherence, LDA's likelihood) are drawn as their
    mean over folds (line) and each fold's value (small points, from the ``npmi_folds`` and
    ``heldout_ll_folds`` columns): four folds are described, not turned into an interval.
    Stability is the mean over pairs of restarts (line) with the lowest pair (small
    triangles, ``stability_min``).
    """
    apply_style()
    fig, axes = plt.subplots(2, 2, figsize=(8.6, 6.2), sharex=True)
    panels = [
        (axes[0, 0], "npmi_mean", "npmi_folds", "Cross-fitted coherence (NPMI)",
         "NPMI of top-10 word pairs\n(line: mean; points: each fold)"),
        (axes[0, 1], "stability_mean", "stability_min", "Stability over 10 restarts",
         "mean cosine similarity of\nHungarian-matched topics"),
        (axes[1, 0], "exclusivity", None, "Exclusivity of top words",
         "mean share of a top word's\nprobability in its topic"),
        (axes[1, 1], "heldout_ll_per_token", "heldout_ll_folds",
         "LDA held-out likelihood", "log-likelihood per token (line:\nmean; points: each fold)"),
    ]
    for ax, col, extra, title, ylabel in panels:
        for m, (kind, style) in enumerate(_MODEL_STYLE.items()):
            part = diagnostics[diagnostics["model"] == kind].sort_values("k")
            if part.empty or part[col].isna().all():
                continue
            ax.plot(part["k"], part[col], lw=1, ms=4, **style)
            if extra == "stability_min" and extra in part:
                ax.plot(part["k"], part[extra], "v", ms=3, color=style["color"], alpha=0.7,
                        label=f"{kind.upper()} lowest pair")
            elif extra and draw_folds(ax, part, extra, 0.12 * (m - 0.5), marker=".",
                                      color=style["color"]):
                ax.plot([], [], ".", color=style["color"], label=f"{kind.upper()} each fold")
            if chosen and chosen[0] == kind:
                hit = part[part["k"] == chosen[1]]
                ax.plot(hit["k"], hit[col], "o", ms=11, mfc="none", mec="black", mew=1.2,
                        label="chosen" if ax is axes[0, 0] else None)
        if col == "npmi_mean" and "npmi_insample_window" in diagnostics:
            for kind, style in _MODEL_STYLE.items():
                part = diagnostics[diagnostics["model"] == kind].sort_values("k")
                ax.plot(part["k"], part["npmi_insample_window"], ls=":", lw=1,
                        color=style["color"], label=f"{kind.upper()} in-sample, window 10")
            ax.axhline(0, color="grey", lw=0.6)
        if col == "stability_mean" and min_stability is not None:
            ax.axhline(min_stability, color="grey", ls="--", lw=0.8,
                       label=f"threshold {min_stability}")
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if col == "npmi_mean":
            _legend_below(ax, fontsize=6.5)
        else:
            ax.legend(frameon=False, fontsize=7,
                      loc="lower left" if col == "exclusivity" else "best")
    for ax in axes[1]:
        ax.set_xlabel("number of topics K")
        ax.set_xticks(sorted(diagnostics["k"].unique()))
    fig.tight_layout()
    return fig


def _legend_below(ax, fontsize: float) -> None:
    """Legend in two columns under the data, the y axis extended to make room for it."""
    low, high = ax.get_ylim()
    ax.set_ylim(low - 0.45 * (high - low), high)
    ax.legend(frameon=False, fontsize=fontsize, loc="lower center", ncol=2)


_MARKERS = ("s", "^", "D", "v", "P", "X")


def _composition_rows(prevalence: pd.DataFrame, model: str) -> pd.DataFrame:
    """Plan shares and group means of ``topic_prevalence_composition.csv``, with ``grouping``
    ``doc_id`` for plans and ``n_documents`` (the number of plans) for the legend."""
    part = prevalence[(prevalence["model"] == model)
                      & prevalence["estimand"].isin(["plan_share", "group_mean"])]
    return part.assign(grouping=part["grouping"].replace({"plan": "doc_id"}),
                       n_documents=part["n_plans"])


def plot_prevalence(prevalence: pd.DataFrame, topics: pd.DataFrame,
                    groupings: Sequence[str] = ("doc_id", "admin_level", "province_en"),
                    model: str = "reported") -> plt.Figure:
    """Topic prevalence per plan and group, one panel per grouping; intervals where the
    table has them (rows whose ``interval`` is ``none`` are drawn as points).

    Parameters
    ----------
    prevalence : pandas.DataFrame
        ``topic_prevalence_composition.csv`` (plans' character-weighted prevalence; groups
        as means over their plans).
    topics : pandas.DataFrame
        ``topics.csv`` (for labels).
    model : str
        ``reported`` or ``seeded``.
    """
    apply_style()
    data = _composition_rows(prevalence, model)
    xlabel = "prevalence (groups: mean over plans)"
    with_interval = data["ci_low"].notna()
    title = ("Topic prevalence of plans (character-weighted) and of groups (mean over "
             "plans), as measured by the fitted model"
             + ("; 95 % composition intervals where drawn" if with_interval.any()
                else "; no interval (see the notebook)"))
    names = topic_names(topics)
    k = len(names)
    fig, axes = plt.subplots(1, len(groupings), figsize=(3.2 * len(groupings) + 1.6,
                                                         0.6 * k + 2.6), sharey=True)
    axes = np.atleast_1d(axes)
    for panel, (ax, grouping) in enumerate(zip(axes, groupings)):
        part = data[data["grouping"] == grouping]
        groups = sorted(part["group"].unique())
        offsets = np.linspace(-0.3, 0.3, len(groups)) if len(groups) > 1 else [0.0]
        for g, (group, offset) in enumerate(zip(groups, offsets)):
            rows = part[part["group"] == group].sort_values("topic")
            y = rows["topic"].to_numpy() + offset
            # Colour means a plan in the first panel only; the other panels' groups are told
            # apart by marker and grey shade, so that no colour means two things.
            if panel == 0:
                colour, marker = PALETTE[g % len(PALETTE)], "o"
            else:
                colour = str(round(0.15 + 0.45 * g / max(len(groups) - 1, 1), 2))
                marker = _MARKERS[g % len(_MARKERS)]
            lower = (rows["estimate"] - rows["ci_low"]).fillna(0).to_numpy()
            upper = (rows["ci_high"] - rows["estimate"]).fillna(0).to_numpy()
            ax.errorbar(rows["estimate"], y,
                        xerr=[lower, upper] if (lower + upper).any() else None,
                        fmt=marker, ms=3.5, lw=1, capsize=1.5, color=colour,
                        label=f"{group} ({int(rows['n_documents'].iloc[0])} plan"
                              f"{'s' if int(rows['n_documents'].iloc[0]) > 1 else ''}, "
                              f"{int(rows['n_clauses'].iloc[0])} clauses)")
        ax.set_title(_GROUPING_TITLE.get(grouping, grouping))
        ax.set_xlabel(xlabel)
        ax.set_xlim(left=0)
        ax.legend(frameon=False, fontsize=6.5, loc="upper left", bbox_to_anchor=(0, -0.16))
        for t in range(1, k):
            ax.axhline(t + 0.5, color="grey", lw=0.3)
    axes[0].set_yticks(range(1, k + 1))
    axes[0].set_yticklabels([textwrap.fill(names[t], 30) for t in range(1, k + 1)])
    axes[0].set_ylim(k + 0.6, 0.4)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_domain_crosstab(crosstab: pd.DataFrame, recovery: pd.DataFrame, topics: pd.DataFrame,
                         domain_names: pd.DataFrame | None = None) -> plt.Figure:
    """Heatmap of policy domains against topics: mean topic proportion of the domain's
    clauses, with the recovery verdict of each domain.

    Parameters
    ----------
    crosstab, recovery, topics : pandas.DataFrame
        ``topic_domains.csv``, ``topic_domain_recovery.csv`` and ``topics.csv``.
    domain_names : pandas.DataFrame, optional
        ``domain, name_en`` (``data/policy_domains.csv``) for row labels.
    """
    apply_style()
    names = topic_names(topics)
    share = crosstab.pivot(index="domain", columns="topic", values="share")
    counts = crosstab.drop_duplicates("domain").set_index("domain")["n_clauses"]
    order = [d for d in recovery["domain"] if d in share.index]
    share = share.loc[order]
    verdict = recovery.set_index("domain")["verdict"]
    f1 = recovery.set_index("domain")["f1"]
    label_of = (dict(zip(domain_names["domain"], domain_names["name_en"]))
                if domain_names is not None else {})
    fig, ax = plt.subplots(figsize=(1.2 * share.shape[1] + 4.6, 0.32 * len(order) + 2.2))
    image = ax.imshow(share.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(share.shape[0]):
        for j in range(share.shape[1]):
            value = share.iloc[i, j]
            if np.isfinite(value):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6.5,
                        color="white" if value > 0.6 else "black")
    ax.set_xticks(range(share.shape[1]))
    ax.set_xticklabels([textwrap.fill(names[t], 18) for t in share.columns], fontsize=7.5)
    rows = []
    for d in order:
        f1_text = f", F1 {f1[d]:.2f}" if np.isfinite(f1.get(d, np.nan)) else ""
        rows.append(f"{label_of.get(d, d)} (n={int(counts.get(d, 0))}; {verdict[d]}{f1_text})")
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(rows)
    ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02,
                 label="mean topic proportion of the domain's clauses")
    ax.set_title("Topics against the dictionary coding of policy domains\n(verdict: does a "
                 "topic reproduce the domain as 'largest topic of the clause'?)", fontsize=9)
    fig.tight_layout()
    return fig
