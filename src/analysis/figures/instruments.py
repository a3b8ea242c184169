"""Figure of policy instruments in two dimensions: instrument sub-type × phase of emergency
management (the table of :func:`analysis.text.phases.instrument_phase_table`)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.figures.style import apply_style
from analysis.text.coding import UNCODED, codebook

#: Label of the phase column of clauses without a phase (as in ``instrument_phase.csv``).
NO_PHASE = "no phase"


def _labels(scheme: str) -> dict[str, str]:
    book = codebook(scheme)
    return {c: f"{en} {zh}" for c, en, zh in zip(book["code"], book["name_en"],
                                                 book["name_zh"])}


def plot_instrument_phase(table: pd.DataFrame) -> plt.Figure:
    """Heatmap of the mean share of plan text per instrument sub-type × phase, rows grouped
    by instrument type, each cell with the range over plans.

    Parameters
    ----------
    table : pandas.DataFrame
        ``instrument_phase.csv`` (``instrument``, ``subtype``, ``phase``, ``share``,
        ``share_min``, ``share_max``, ``n_plans``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    apply_style()
    types = _labels("instrument")
    subtypes = codebook("subtype")
    rows = subtypes["code"].tolist() + [UNCODED]
    parents = subtypes["instrument"].tolist() + [UNCODED]
    phases = codebook("phase")["code"].tolist() + [NO_PHASE]
    cells = table.set_index(["subtype", "phase"])
    grid, low, high = (np.array([[cells.at[(s, p), column] * 100 for p in phases]
                                 for s in rows]) for column in ("share", "share_min", "share_max"))
    fig, ax = plt.subplots(figsize=(8.2, 0.36 * len(rows) + 1.8))
    image = ax.imshow(grid, cmap="Blues", aspect="auto", vmin=0,
                      vmax=max(2.0, float(np.nanmax(grid))))
    for i in range(len(rows)):
        for j in range(len(phases)):
            dark = grid[i, j] > 0.6 * image.get_clim()[1]
            ax.text(j, i, f"{grid[i, j]:.1f}\n[{low[i, j]:.1f}–{high[i, j]:.1f}]",
                    ha="center", va="center", fontsize=6, color="white" if dark else "black")
    sub_labels = _labels("subtype")
    sub_labels[UNCODED] = "No sub-type (uncoded)"
    ax.set_yticks(range(len(rows)), [sub_labels[s] for s in rows], fontsize=7)
    book = codebook("phase")
    phase_labels = {c: f"{c.capitalize()}\n{zh}" for c, zh in zip(book["code"], book["name_zh"])}
    phase_labels[NO_PHASE] = "No phase\n无阶段"
    ax.set_xticks(range(len(phases)), [phase_labels[p] for p in phases], fontsize=7)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    # Lines between instrument types, and the type named at the right of its block.
    for k in range(1, len(rows)):
        if parents[k] != parents[k - 1]:
            ax.axhline(k - 0.5, color="black", linewidth=0.8)
    for parent in dict.fromkeys(parents):
        block = [k for k, p in enumerate(parents) if p == parent]
        name = types.get(parent, "Uncoded")
        ax.text(len(phases) - 0.4, np.mean(block), name.replace(" instruments", ""),
                ha="left", va="center", fontsize=7, rotation=-90)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.08)
    bar.set_label("mean share of plan text (%)")
    n_plans = int(table["n_plans"].iloc[0]) if len(table) else 0
    ax.set_title(f"Instrument sub-type × phase: mean share of plan text over {n_plans} plans "
                 "(%), [smallest–largest plan]", fontsize=9, pad=36)
    fig.tight_layout()
    return fig
