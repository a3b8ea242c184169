"""Figures of the corpus overview (cleaning, clause structure, responsible units, targets)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.figures.style import PALETTE, apply_style


def fig_cleaning_changes(report: pd.DataFrame) -> plt.Figure:
    """Horizontal bars: logged changes per cleaning rule, one panel per document."""
    apply_style()
    rules = [r for r in report.columns if report[r].sum() > 0]
    fig, axes = plt.subplots(1, len(report), figsize=(2.0 * len(report) + 1, 3.2), sharey=True)
    for ax, (doc_id, row) in zip(np.atleast_1d(axes), report[rules].iterrows()):
        ax.barh(range(len(rules)), row.to_numpy() + 0.0, color=PALETTE[0])
        ax.set_xscale("symlog", linthresh=1)
        ax.set_title(doc_id, fontsize=8)
        ax.set_yticks(range(len(rules)), rules)
        ax.invert_yaxis()
        ax.set_xlabel("changes (log)")
    fig.suptitle("Cleaning changes logged per rule and document")
    fig.tight_layout()
    return fig


def fig_clause_levels(counts: pd.DataFrame) -> plt.Figure:
    """Stacked bars of clauses per level for each document."""
    apply_style()
    levels = [c for c in ["preamble", "part", "section", "item", "point"] if c in counts]
    fig, ax = plt.subplots(figsize=(6, 3))
    bottom = np.zeros(len(counts))
    for k, level in enumerate(levels):
        ax.bar(counts.index, counts[level], bottom=bottom, label=level, color=PALETTE[k])
        bottom += counts[level].to_numpy()
    ax.set_ylabel("clauses")
    ax.set_title("Clauses per level of the numbering hierarchy")
    ax.legend(frameon=False, ncols=len(levels), fontsize=7, loc="upper left")
    ax.tick_params(axis="x", labelrotation=20)
    fig.tight_layout()
    return fig


def fig_unit_categories(table: pd.DataFrame) -> plt.Figure:
    """Heatmap: responsible-unit assignments per functional category and document."""
    import seaborn as sns

    apply_style()
    fig, ax = plt.subplots(figsize=(4.5, 0.28 * len(table) + 1.2))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax, linewidths=0.5)
    ax.set_xlabel("")
    ax.set_ylabel("functional category of responsible unit")
    ax.set_title("Who is responsible: unit assignments per clause")
    fig.tight_layout()
    return fig


def fig_targets_by_domain(table: pd.DataFrame) -> plt.Figure:
    """Dot matrix: number of targets per policy domain (rows) and document (columns); filled
    dots for targets, open rings for reported facts. A target whose clause is coded to several
    domains counts once in each, so a column's dots add up to more than its targets (the
    title says so)."""
    apply_style()
    counts = table.reset_index()
    domains = [d for d in counts["domain"].cat.categories if d in set(counts["domain"])]
    docs = sorted(counts["doc_id"].unique())
    fig, ax = plt.subplots(figsize=(1.1 * len(docs) + 2.8, 0.32 * len(domains) + 1.3))
    for row in counts.itertuples(index=False):
        x, y = docs.index(row.doc_id), domains.index(row.domain)
        if row.target:
            ax.scatter(x - 0.12, y, s=25 * row.target, color=PALETTE[0], zorder=3)
            ax.annotate(str(row.target), (x - 0.12, y), xytext=(6, -3), textcoords="offset points",
                        fontsize=6)
        if row.fact:
            ax.scatter(x + 0.18, y, s=25 * row.fact, facecolors="none", edgecolors=PALETTE[3],
                       zorder=3)
    ax.set_xticks(range(len(docs)), docs, rotation=20)
    ax.set_yticks(range(len(domains)), domains)
    ax.invert_yaxis()
    ax.set_xlim(-0.6, len(docs) - 0.4)
    ax.grid(True, color="0.9", zorder=0)
    ax.set_title("Quantitative targets (filled) and reported facts (open) by policy domain\n"
                 "(a target counts once in each domain of its clause)", fontsize=9)
    fig.tight_layout()
    return fig
