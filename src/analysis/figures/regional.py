"""Figures of the regional-priorities analysis.

Every function takes the DataFrames written by :func:`analysis.text.regional.build` (or computed
by the library) and returns a matplotlib Figure; saving is left to
:func:`analysis.figures.style.save_figure`. Labels are English with the Chinese names a reader
needs to find a plan, domain or term in the sources. Every estimate that has an interval is
drawn with it. Measurements of the plans' own texts (domain and instrument shares, whole-plan
similarity, reuse shares) have none, nor do group differences that are not tested (groups of
fewer than :data:`analysis.text.plan_shares.MIN_PLANS` plans), and the figures say so.
"""
from __future__ import annotations

import itertools

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from analysis.figures.style import PALETTE, apply_style
from analysis.text.coding import UNCODED, codebook
from analysis.text.plan_shares import MIN_PLANS
from analysis.text.regional import document_labels

LEVEL_ORDER = {"province": 0, "city": 1, "county": 2}
#: Backgrounds marking text only in the first (copying) or only in the second plan.
ONLY_A = "#F6C89F"
ONLY_B = "#BFDCEF"


def plan_order(documents: pd.DataFrame) -> list[str]:
    """Plans ordered province → city → county, then by province and doc_id."""
    table = documents.assign(_level=documents["admin_level"].map(LEVEL_ORDER))
    return table.sort_values(["_level", "province_en", "doc_id"])["doc_id"].tolist()


def _plan_label(documents: pd.DataFrame, lines: int = 2) -> dict[str, str]:
    short = document_labels(documents, "short")
    rows = documents.set_index("doc_id")
    sep = "\n" if lines == 3 else " · "
    return {d: f"{short[d]}\n{rows.at[d, 'jurisdiction_zh']}{sep}{rows.at[d, 'admin_level']}"
            for d in rows.index}


def _code_labels(scheme: str) -> dict[str, str]:
    book = codebook(scheme)
    labels = {c: f"{en} {zh}" for c, en, zh in zip(book["code"], book["name_en"], book["name_zh"])}
    labels[UNCODED] = "No code (uncoded)"
    return labels


def plot_domain_heatmap(shares: pd.DataFrame, documents: pd.DataFrame, scheme: str = "domain",
                        value: str = "share", title: str | None = None) -> plt.Figure:
    """Heatmap of length-weighted shares, plans × codes: a measurement of each plan's text,
    drawn without an interval (its uncertainty is coding error, not sampling of clauses).

    Parameters
    ----------
    shares : pandas.DataFrame
        ``domain_shares`` or ``instrument_shares``.
    documents : pandas.DataFrame
        ``documents.csv``.
    scheme : str
        ``domain`` or ``instrument`` (the codebook whose codes form the rows).
    value : str
        ``share`` (fractional allocation, sums to 1 per plan) or ``coverage``.
    title : str, optional
        Title in place of the default (e.g. for shares corrected for misclassification,
        :func:`analysis.text.share_correction.plan_rows`).
    """
    apply_style()
    plans = plan_order(documents)
    codes = codebook(scheme)["code"].tolist() + ([UNCODED] if value == "share" else [])
    table = shares.set_index(["code", "doc_id"])
    grid = np.array([[table.at[(c, d), value] for d in plans] for c in codes])
    fig, ax = plt.subplots(figsize=(7.8, 0.34 * len(codes) + 1.6))
    image = ax.imshow(grid * 100, cmap="Blues", aspect="auto", vmin=0,
                      vmax=max(5, np.nanmax(grid) * 100))
    for i in range(len(codes)):
        for j in range(len(plans)):
            dark = grid[i, j] * 100 > 0.6 * image.get_clim()[1]
            ax.text(j, i, f"{grid[i, j] * 100:.1f}", ha="center", va="center", fontsize=7.5,
                    color="white" if dark else "black")
    labels = _plan_label(documents, lines=3)
    ax.set_xticks(range(len(plans)), [labels[d] for d in plans], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(codes)), [_code_labels(scheme)[c] for c in codes], fontsize=7.5)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    what = "share of policy text" if value == "share" else "text in clauses touching the code"
    bar.set_label(f"{what} (%)")
    ax.set_title(title or f"Policy {scheme}s by plan: {what} (%), a measurement of the text "
                 "(no interval)", fontsize=9, pad=44)
    fig.tight_layout()
    return fig


def plot_share_differences(differences: pd.DataFrame, scheme: str = "domain") -> plt.Figure:
    """Forest plot of share differences between levels and between provinces, with plans as
    the unit (``share_differences.csv``, :func:`analysis.text.plan_shares.group_differences`).

    Thick lines are Welch t intervals over plans (95%), thin lines the Bonferroni-adjusted
    ones; filled markers are ``robust``, half-filled ``nominal only``, open ``within noise``.
    A difference involving a group of fewer than
    :data:`analysis.text.plan_shares.MIN_PLANS` plans is not tested: it has no interval and
    is drawn as a grey cross at the difference of the group means, which describes those plans.
    """
    apply_style()
    codes = codebook(scheme)["code"].tolist()
    labels = _code_labels(scheme)
    comparisons = [c for c in ("admin_level", "province_en")
                   if (differences["comparison"] == c).any()]
    if not comparisons:  # one plan, or all plans of one level and province: nothing to draw
        fig, ax = plt.subplots(figsize=(7.2, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No group differences: the corpus has one level and one province",
                ha="center", va="center")
        return fig
    fig, axes = plt.subplots(1, len(comparisons), figsize=(7.2, 0.36 * len(codes) + 1.9),
                             sharey=True)
    axes = np.atleast_1d(axes)
    y = np.arange(len(codes))[::-1]
    untested = differences["verdict"].astype(str).str.startswith("not tested") \
        & (differences["scheme"] == scheme)
    for ax, comparison in zip(axes, comparisons):
        part = differences[(differences["comparison"] == comparison)
                           & (differences["scheme"] == scheme)]
        pairs = part[["group_a", "group_b"]].drop_duplicates().to_numpy().tolist()
        offsets = np.linspace(-0.25, 0.25, len(pairs)) if len(pairs) > 1 else [0.0]
        # Colours repeat beyond the palette rather than dropping pairs (many provinces).
        for (a, b), offset, colour in zip(pairs, offsets, itertools.cycle(PALETTE)):
            rows = part[(part["group_a"] == a) & (part["group_b"] == b)].set_index("code")
            rows = rows.reindex(codes)
            ypos = y + offset
            # Only tested rows have bounds; untested ones are drawn as points alone.
            bounded = rows["ci_low"].notna().to_numpy()
            ax.hlines(ypos[bounded], rows["ci_low_adjusted"].to_numpy()[bounded] * 100,
                      rows["ci_high_adjusted"].to_numpy()[bounded] * 100, color=colour, lw=0.7)
            ax.hlines(ypos[bounded], rows["ci_low"].to_numpy()[bounded] * 100,
                      rows["ci_high"].to_numpy()[bounded] * 100, color=colour, lw=2.2)
            for verdict, fill in (("robust", "full"), ("nominal only", "left"),
                                  ("within noise", "none")):
                sel = (rows["verdict"] == verdict).to_numpy()
                ax.plot(rows["difference"].to_numpy()[sel] * 100, ypos[sel], "o", ms=4.5,
                        color=colour, fillstyle=fill, markerfacecoloralt="white",
                        mec=colour, mew=1, zorder=3)
            sel = rows["verdict"].astype(str).str.startswith("not tested").to_numpy()
            ax.plot(rows["difference"].to_numpy()[sel] * 100, ypos[sel], "x", ms=4.5,
                    color=colour, mew=1.2, zorder=3)
            ax.plot([], [], "s", color=colour, label=f"{a} − {b}")
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel("difference of means (percentage points)", fontsize=8)
        title = {"admin_level": "By administrative level", "province_en": "By province"}
        ax.set_title(title[comparison], fontsize=9)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), fontsize=7, frameon=False,
                  ncol=1)
    axes[0].set_yticks(y, [labels[c] for c in codes], fontsize=7.5)
    axes[0].set_ylim(-0.7, len(codes) - 0.3)
    keys = [Line2D([], [], color="grey", lw=2.2, label="95% Welch interval over plans"),
            Line2D([], [], color="grey", lw=0.7, label="Bonferroni-adjusted"),
            Line2D([], [], marker="o", color="grey", ls="", label="robust"),
            Line2D([], [], marker="o", color="grey", ls="", fillstyle="left",
                   markerfacecoloralt="white", label="nominal only"),
            Line2D([], [], marker="o", color="grey", ls="", fillstyle="none",
                   label="within noise"),
            Line2D([], [], marker="x", color="grey", ls="", mew=1.2,
                   label="not tested (no interval)")]
    fig.legend(handles=keys, loc="lower center", ncol=3, fontsize=7, frameon=False,
               bbox_to_anchor=(0.55, 0.0))
    title = f"Differences in {scheme} shares between groups (plans as the unit; Welch t over plans)"
    if untested.any():
        title += (f"\nA group with fewer than {MIN_PLANS} plans: nothing is tested; "
                  "points describe these plans")
    fig.suptitle(title, fontsize=9.5)
    fig.tight_layout(rect=(0, 0.075, 1, 1))
    return fig


def plot_instrument_shares(shares: pd.DataFrame, documents: pd.DataFrame) -> plt.Figure:
    """Supply / environment / demand shares (and uncoded text) per plan, as a heatmap without
    intervals (:func:`plot_domain_heatmap` of the instrument scheme)."""
    return plot_domain_heatmap(shares, documents, scheme="instrument")


def plot_distinctive_terms(terms: pd.DataFrame, documents: pd.DataFrame, n: int = 10
                           ) -> plt.Figure:
    """Most distinctive terms of each plan (z of the weighted log-odds, all text), with the
    z of the same term when passages shared with a source plan are counted once."""
    apply_style()
    plans = plan_order(documents)
    labels = _plan_label(documents)
    docs = terms[terms["unit_type"] == "document"]
    ncols = 2
    nrows = int(np.ceil((len(plans) + 1) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.4, 2.2 * nrows), layout="constrained")
    axes = axes.ravel()
    for ax, plan in zip(axes, plans):
        rows = docs[(docs["unit"] == plan) & (docs["variant"] == "all text")].nsmallest(n, "rank_z")
        once = docs[(docs["unit"] == plan) & (docs["variant"] == "reuse counted once")] \
            .set_index("term")["z"]
        y = np.arange(len(rows))[::-1]
        ax.barh(y, rows["z"], color=PALETTE[0], height=0.65)
        ax.plot(rows["term"].map(once), y, "D", ms=3.5, mfc="white", mec=PALETTE[1], mew=1.1)
        ax.set_yticks(y, [f"{t} {e}" if e else t for t, e in zip(rows["term"],
                                                                  rows["english"].fillna(""))],
                      fontsize=6.3)
        ax.set_title(labels[plan].replace("\n", " · "), fontsize=7.5)
        ax.tick_params(axis="x", labelsize=6.5)
        ax.set_xlim(0, max(4.8, float(rows["z"].max()) * 1.1))
    for ax in axes[len(plans):]:
        ax.axis("off")
    handles = [Patch(color=PALETTE[0], label="z, all text"),
               Line2D([], [], marker="D", ls="", mfc="white", mec=PALETTE[1],
                      label="z, shared passages\ncounted once (in the source)")]
    axes[len(plans)].legend(handles=handles, loc="center", fontsize=7, frameon=False)
    fig.supxlabel("z-score of the weighted log-odds ratio (plan vs the other four; "
                  "informative Dirichlet prior)", fontsize=7.5)
    return fig


def plot_similarity(similarity: pd.DataFrame, documents: pd.DataFrame) -> plt.Figure:
    """TF-IDF cosine similarity between plans (words; character 2–4-grams): a measurement of
    two observed texts, drawn without an interval."""
    apply_style()
    plans = plan_order(documents)
    short = document_labels(documents, "short")
    names = {"words": "Words (jieba tokens)", "char_2_4": "Character 2–4-grams"}
    reps = [r for r in ("words", "char_2_4") if (similarity["representation"] == r).any()]
    fig, axes = plt.subplots(1, len(reps), figsize=(7.2, 3.4))
    axes = np.atleast_1d(axes)
    for ax, rep in zip(axes, reps):
        part = similarity[similarity["representation"] == rep]
        value = {}
        for row in part.itertuples():
            value[(row.doc_a, row.doc_b)] = value[(row.doc_b, row.doc_a)] = row
        grid = np.full((len(plans), len(plans)), np.nan)
        for i, a in enumerate(plans):
            for j, b in enumerate(plans):
                if i > j:
                    grid[i, j] = value[(a, b)].cosine
        # The diagonal and upper triangle are empty: show rows 2..n and columns 1..n-1.
        image = ax.imshow(grid[1:, :-1], cmap="Blues", vmin=0, vmax=1)
        for i, a in enumerate(plans):
            for j, b in enumerate(plans):
                if i > j:
                    row = value[(a, b)]
                    ax.text(j, i - 1, f"{row.cosine:.2f}", ha="center", va="center",
                            fontsize=7.5,
                            color="white" if row.cosine > 0.6 else "black")
        ax.set_xticks(range(len(plans) - 1), [short[d] for d in plans[:-1]], rotation=35,
                      ha="right", fontsize=7)
        ax.set_yticks(range(len(plans) - 1), [short[d] for d in plans[1:]], fontsize=7)
        if ax is not axes[0]:
            # Same rows as the first panel: their labels would run into its last column.
            ax.tick_params(labelleft=False)
        ax.set_title(names[rep], fontsize=9)
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.colorbar(image, ax=axes, fraction=0.025, pad=0.02, label="TF-IDF cosine")
    fig.suptitle("Similarity of whole plans: a measurement of the texts (no interval)",
                 fontsize=9)
    return fig


def plot_reuse_matrix(shares: pd.DataFrame, documents: pd.DataFrame) -> plt.Figure:
    """Share of each plan's text (rows) aligned to each other plan (columns): a measurement,
    shown without interval."""
    apply_style()
    plans = plan_order(documents)
    short = document_labels(documents, "short")
    table = shares.set_index(["doc_a", "doc_b"])
    grid = np.full((len(plans), len(plans)), np.nan)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    for i, a in enumerate(plans):
        for j, b in enumerate(plans):
            if a != b:
                grid[i, j] = table.at[(a, b), "share"] * 100
    image = ax.imshow(grid, cmap="Oranges", vmin=0, vmax=max(10, np.nanmax(grid)))
    for i, a in enumerate(plans):
        for j, b in enumerate(plans):
            if a == b:
                ax.text(j, i, "—", ha="center", va="center", color="grey")
                continue
            row = table.loc[(a, b)]
            ax.text(j, i, f"{row['share'] * 100:.1f}%", ha="center", va="center", fontsize=7,
                    color="white" if grid[i, j] > 0.6 * image.get_clim()[1] else "black")
    ax.set_xticks(range(len(plans)), [short[d] for d in plans], rotation=35, ha="right",
                  fontsize=7.5)
    ax.set_yticks(range(len(plans)), [short[d] for d in plans], fontsize=7.5)
    ax.set_xlabel("…aligned to this plan (local alignment, score ≥ 10)")
    ax.set_ylabel("Share of this plan's text…")
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="% of the row plan's text")
    ax.set_title("Passage-level text reuse between plans", fontsize=9)
    fig.tight_layout()
    return fig


def _draw_text(ax, segments: Sequence[tuple[str, str]], x0: float, y0: float, width: int,
               cell: float, line: float) -> float:
    """Draw (text, background) segments char by char on a grid; return the last y used."""
    col, y = 0, y0
    for text, background in segments:
        for ch in text:
            if col == width:
                col, y = 0, y - line
            x = x0 + col * cell
            if background:
                ax.add_patch(Rectangle((x - 0.02 * cell, y - 0.3 * line), cell * 1.04,
                                       line * 0.92, color=background, lw=0, zorder=1))
            ax.text(x + cell / 2, y, ch, ha="center", va="center", fontsize=7.4, zorder=2)
            col += 1
    return y


def plot_aligned_examples(pairs: pd.DataFrame, label_a: str, label_b: str,
                          width: int = 24) -> plt.Figure:
    """Aligned clause pairs side by side, differences marked.

    Parameters
    ----------
    pairs : pandas.DataFrame
        ``clause_a``, ``clause_b``, ``overlap_share``, ``text_a``, ``text_b`` and the
        alignment ``segments`` (:func:`analysis.text.regional.example_pairs`).
    label_a, label_b : str
        Column headings, e.g. "Yichun 2023 宜春市" and "Jiangxi 2023 江西省".
    width : int
        Characters per line.
    """
    apply_style()
    laid_out = []
    for row in pairs.itertuples():
        left, right = [], []
        for kind, a, b in row.segments:
            left.append((a, None if kind == "same" else ONLY_A))
            right.append((b, None if kind == "same" else ONLY_B))
        lines = max(int(np.ceil(sum(len(t) for t, _ in side) / width)) for side in (left, right))
        laid_out.append((row, left, right, lines))
    line, cell, gap = 0.165, 0.125, 0.32
    column_width = width * cell
    height = sum(l for *_, l in laid_out) * line + len(laid_out) * (gap + line) + 0.75
    fig = plt.figure(figsize=(2 * column_width + 0.9, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 2 * column_width + 0.9)
    ax.set_ylim(0, height)
    ax.axis("off")
    y = height - 0.25
    ax.text(0.3, y, label_a, fontsize=8.5, va="center")
    ax.text(0.6 + column_width, y, label_b, fontsize=8.5, va="center")
    y -= 0.3
    for row, left, right, lines in laid_out:
        ax.text(0.3, y, f"{row.clause_a}  ({row.overlap_share:.0%} of it shared)", fontsize=6.5,
                color="dimgrey", va="center")
        ax.text(0.6 + column_width, y, row.clause_b, fontsize=6.5, color="dimgrey", va="center")
        y -= line
        end_left = _draw_text(ax, left, 0.3, y, width, cell, line)
        end_right = _draw_text(ax, right, 0.6 + column_width, y, width, cell, line)
        y = min(end_left, end_right) - gap
    ax.legend(handles=[Patch(color=ONLY_A, label=f"only in {label_a.split()[0]}"),
                       Patch(color=ONLY_B, label=f"only in {label_b.split()[0]}")],
              loc="lower center", ncol=2, fontsize=7, frameon=False,
              bbox_to_anchor=(0.5, 0.0))
    return fig


def plot_kappa(agreements: dict[str, pd.DataFrame], labels: dict[str, str] | None = None
               ) -> plt.Figure:
    """Cohen's kappa of rule coding against hand coding, per code and overall, with 95%
    bootstrap intervals; reference lines at 0.4 and 0.6 (moderate, substantial)."""
    apply_style()
    panels = list(agreements)
    heights = [len(agreements[p]) for p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(6.4, 0.22 * sum(heights) + 1.4),
                             gridspec_kw={"height_ratios": heights}, sharex=True)
    axes = np.atleast_1d(axes)
    for ax, scheme in zip(axes, panels):
        table = agreements[scheme]
        names = _code_labels(scheme) if scheme in ("domain", "instrument") else {}
        names.update(labels or {})
        y = np.arange(len(table))[::-1]
        overall = table["code"].str.startswith("overall").to_numpy()
        colour = np.where(overall, PALETTE[3], PALETTE[0])
        ax.hlines(y, table["kappa_low"], table["kappa_high"], color=colour, lw=1.4)
        ax.scatter(table["kappa"], y, c=colour, s=18, zorder=3)
        for yy, row in zip(y, table.itertuples()):
            ax.text(1.02, yy, f"{row.kappa:.2f}  (n+ {row.gold_positive}/{row.rule_positive})"
                    if row.kappa == row.kappa else f"n/a  (n+ {row.gold_positive}/{row.rule_positive})",
                    fontsize=6.3, va="center", transform=ax.get_yaxis_transform())
        ax.set_yticks(y, [names.get(c, c) for c in table["code"]], fontsize=7)
        for ref in (0.4, 0.6):
            ax.axvline(ref, color="grey", ls=":", lw=0.8)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(f"{scheme.capitalize()}s", fontsize=9, loc="left")
    axes[-1].set_xlabel("Cohen's kappa, rules vs hand coding (95% bootstrap interval; "
                        "n+ = hand / rule positives)")
    axes[-1].set_xlim(-0.2, 1.0)
    fig.tight_layout()
    return fig
