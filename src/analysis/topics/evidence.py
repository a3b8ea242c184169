"""The evidence behind the topic-model choice as text, for notebook 03.

:func:`describe_frontier` re-applies the selection rule to the written
``topic_selection.csv`` and summarises the frontier, the stability measures and the
cross-validated coherence and likelihood in a few lines. Kept out of the modules whose code
the selection fingerprint hashes, so that editing the wording never forces a refit.

The ranges of the frontier's axes are given first over the **reportable** models (those
the frontier is drawn among) and then, labelled ``whole grid``, over every K. Cross-validated
measures are summed up by their mean and the range of the folds (four with grouped folds),
not by a standard error: the folds are described, not turned into an interval.
"""
from __future__ import annotations

import pandas as pd

from analysis.topics.selection import choose_model


def _spread(row: pd.Series, folds: str, se: str) -> str:
    """``folds a to b`` from a ``…_folds`` cell (the lowest and highest fold), or the
    standard error of tables written before the folds were kept."""
    text = row.get(folds)
    if isinstance(text, str) and text.strip():
        values = [float(v) for v in text.split()]
        return f"{len(values)} folds {min(values):.3f} to {max(values):.3f}"
    return f"SE {row[se]:.3f}"


def describe_frontier(selection: pd.DataFrame, perturbation: pd.DataFrame | None = None) -> str:
    """The evidence behind the choice in ``topic_selection.csv`` in a few lines (notebook).

    The rule is re-applied to the written table (:func:`choose_model`), so the text says what
    the rule picks from the numbers shown, whatever the build reported.
    """
    d = selection
    choice = choose_model(d)
    pick = d[(d["model"] == choice.model) & (d["k"] == choice.k)].iloc[0]
    lines = [f"rule: {choice.reason}"]
    if "semantic_coherence_stm" in d:
        alt = choose_model(d.assign(semantic_coherence=d["semantic_coherence_stm"]))
        lines.append(f"with stm's smoothing of semantic coherence (0.01) the rule picks "
                     f"{alt.model.upper()} K={alt.k}")
    if choice.at_boundary:
        lines.append(f"the pick is at the {choice.at_boundary} end of the grid")
    lines.append(
        f"chosen {choice.model.upper()} K={choice.k}: stability over restarts "
        f"{pick['stability_mean']:.3f} (min {pick['stability_min']:.3f}), subsamples "
        f"{pick['subsample_stability']:.3f} (min {pick['subsample_stability_min']:.3f}), plans "
        f"left out {pick['lopo_stability']:.3f} (min {pick['lopo_stability_min']:.3f}, without "
        f"{pick['lopo_worst_plan']}); cross-fitted NPMI {pick['npmi_mean']:.3f} "
        f"({_spread(pick, 'npmi_folds', 'npmi_se')}), strictly held-out "
        f"{pick['npmi_heldout']:.3f} ({_spread(pick, 'npmi_heldout_folds', 'npmi_heldout_se')})")
    for kind in d["model"].unique():
        part = d[d["model"] == kind].sort_values("k")
        ok = part[part["reportable"].astype(bool)]
        # The frontier is drawn among the reportable models, so their ranges come first; the
        # whole grid's follow, labelled as such.
        lines.append(f"{kind.upper()}: reportable K = {', '.join(map(str, ok['k'])) or 'none'}"
                     + (f"; among them {_frontier_ranges(ok)}" if len(ok) else ""))
        lines.append(
            f"{kind.upper()}, whole grid K = {_grid(part)}: {_frontier_ranges(part)}; "
            f"cross-fitted NPMI {part['npmi_mean'].min():.3f} to {part['npmi_mean'].max():.3f} "
            f"(pairs never together {part['share_pairs_never'].max():.0%} at most); strictly "
            f"held-out NPMI {part['npmi_heldout'].max():.3f} to {part['npmi_heldout'].min():.3f}"
            f" (pairs never together in the fold up to "
            f"{part['share_pairs_never_heldout'].max():.0%})")
        if part["heldout_ll_per_token"].notna().any():
            best = part.loc[part["heldout_ll_per_token"].idxmax()]
            lines.append(f"{kind.upper()}, whole grid: held-out log-likelihood per token "
                         f"{part['heldout_ll_per_token'].min():.3f} to "
                         f"{part['heldout_ll_per_token'].max():.3f} (best at K={int(best['k'])}"
                         f", {_spread(best, 'heldout_ll_folds', 'heldout_ll_se')} there)")
    if perturbation is not None and len(perturbation):
        mine = perturbation[(perturbation["model"] == choice.model)
                            & (perturbation["k"] == choice.k)]
        lines.append("chosen model, each perturbed fit: " + ", ".join(
            f"{r.perturbation} {r.similarity:.2f}" for r in mine.itertuples()))
    return "\n".join(lines)


def _grid(part: pd.DataFrame) -> str:
    """The K of ``part`` as ``2–12`` when they are a run of the grid, else listed."""
    ks = sorted(int(k) for k in part["k"])
    return f"{ks[0]}–{ks[-1]}" if len(ks) > 2 else ", ".join(map(str, ks))


def _frontier_ranges(part: pd.DataFrame) -> str:
    """Semantic coherence (best first) and FREX exclusivity ranges of ``part``, with the K
    at each end."""
    def k_at(column: str, how: str) -> int:
        return int(part.loc[getattr(part[column], how)(), "k"])

    coherence, frex = part["semantic_coherence"], part["frex_exclusivity"]
    return (f"semantic coherence {coherence.max():.3f} (K={k_at('semantic_coherence', 'idxmax')})"
            f" to {coherence.min():.3f} (K={k_at('semantic_coherence', 'idxmin')}); FREX "
            f"exclusivity {frex.min():.3f} (K={k_at('frex_exclusivity', 'idxmin')}) to "
            f"{frex.max():.3f} (K={k_at('frex_exclusivity', 'idxmax')})")
