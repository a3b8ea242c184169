"""The evidence behind the topic-model choice as text, for notebook 03.

:func:`describe_frontier` re-applies the selection rule to the written
``topic_selection.csv`` and summarises the frontier, the stability measures and the
cross-validated coherence and likelihood in a few lines. Kept out of the modules whose code
the selection fingerprint hashes, so that editing the wording never forces a refit.
"""
from __future__ import annotations

import pandas as pd

from analysis.topics.selection import choose_model


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
        f"{pick['lopo_worst_plan']}); cross-fitted NPMI {pick['npmi_mean']:.3f} (SE "
        f"{pick['npmi_se']:.3f}), strictly held-out {pick['npmi_heldout']:.3f}")
    for kind in d["model"].unique():
        part = d[d["model"] == kind].sort_values("k")
        ok = part[part["reportable"].astype(bool)]
        lines.append(
            f"{kind.upper()}: reportable K = {', '.join(map(str, ok['k'])) or 'none'}; "
            f"semantic coherence {part['semantic_coherence'].max():.3f} (K={int(part.loc[part['semantic_coherence'].idxmax(), 'k'])}) "
            f"to {part['semantic_coherence'].min():.3f}; FREX exclusivity "
            f"{part['frex_exclusivity'].min():.3f} to {part['frex_exclusivity'].max():.3f}; "
            f"cross-fitted NPMI {part['npmi_mean'].min():.3f} to {part['npmi_mean'].max():.3f} "
            f"(pairs never together {part['share_pairs_never'].max():.0%} at most); strictly "
            f"held-out NPMI {part['npmi_heldout'].max():.3f} to {part['npmi_heldout'].min():.3f}"
            f" (pairs never together in the fold up to "
            f"{part['share_pairs_never_heldout'].max():.0%})")
        if part["heldout_ll_per_token"].notna().any():
            best = part.loc[part["heldout_ll_per_token"].idxmax()]
            lines.append(f"{kind.upper()}: held-out log-likelihood per token "
                         f"{part['heldout_ll_per_token'].min():.3f} to "
                         f"{part['heldout_ll_per_token'].max():.3f} (best at K={int(best['k'])},"
                         f" SE about {part['heldout_ll_se'].median():.3f})")
    if perturbation is not None and len(perturbation):
        mine = perturbation[(perturbation["model"] == choice.model)
                            & (perturbation["k"] == choice.k)]
        lines.append("chosen model, each perturbed fit: " + ", ".join(
            f"{r.perturbation} {r.similarity:.2f}" for r in mine.itertuples()))
    return "\n".join(lines)
