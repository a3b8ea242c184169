"""Text summaries of the topic results for the notebook.

:func:`representative_texts` shows the start of each topic's representative clauses, and
:func:`describe_selection` and :func:`describe_recovery` put the evidence behind the model
choice and the agreement with the domain coding into a few lines of text (plan-level
prevalence is described by :func:`analysis.topics.extras.describe_extras`).
"""
from __future__ import annotations

import pandas as pd

from analysis.topics.domains import policy_domains
from analysis.topics.selection import Choice


def representative_texts(topics: pd.DataFrame, clauses: pd.DataFrame, n_chars: int = 80
                         ) -> pd.DataFrame:
    """The representative clauses of ``topics.csv`` with the start of their text.

    Returns
    -------
    pandas.DataFrame
        ``topic, label_en, rank, clause_id, text`` (first ``n_chars`` characters of the
        prepared text: own text without number and attribution).
    """
    from analysis.text.tokenise import prepared_clauses

    content = prepared_clauses(clauses).set_index("clause_id")["content"]
    rows = []
    for row in topics.itertuples():
        for rank, clause_id in enumerate(str(row.representative_clauses).split(";"), 1):
            text = str(content.get(clause_id, ""))
            rows.append(dict(topic=int(row.topic), label_en=row.label_en, rank=rank,
                             clause_id=clause_id,
                             text=text[:n_chars] + ("…" if len(text) > n_chars else "")))
    return pd.DataFrame(rows)


def describe_selection(diagnostics: pd.DataFrame, choice: Choice) -> str:
    """The evidence behind a model choice in a few lines of text (for the notebook).

    Parameters
    ----------
    diagnostics : pandas.DataFrame
        First output of :func:`select_models`.
    choice : Choice
        Output of :func:`choose_model`.
    """
    d = diagnostics
    lines = []
    pick = d[(d["model"] == choice.model) & (d["k"] == choice.k)].iloc[0]
    lines.append(f"chosen: {choice.model.upper()} K={choice.k}: held-out NPMI "
                 f"{pick['npmi_mean']:.3f} (SE {pick['npmi_se']:.3f}), stability "
                 f"{pick['stability_mean']:.3f} (min over pairs {pick['stability_min']:.3f}), "
                 f"exclusivity {pick['exclusivity']:.2f}")
    for kind in d["model"].unique():
        part = d[d["model"] == kind]
        best = part.loc[part["npmi_mean"].idxmax()]
        lines.append(
            f"{kind.upper()}: best held-out NPMI {best['npmi_mean']:.3f} (SE "
            f"{best['npmi_se']:.3f}) at K={int(best['k'])}, stability there "
            f"{best['stability_mean']:.3f}; stability over the grid "
            f"{part['stability_mean'].min():.3f} to {part['stability_mean'].max():.3f}; "
            f"exclusivity {part['exclusivity'].min():.2f} to {part['exclusivity'].max():.2f}; "
            f"held-out pairs never seen together {part['share_pairs_never'].min():.0%} to "
            f"{part['share_pairs_never'].max():.0%}; in-sample window NPMI "
            f"{part['npmi_insample_window'].min():.3f} to "
            f"{part['npmi_insample_window'].max():.3f}")
        if part["heldout_ll_per_token"].notna().any():
            lines.append(f"{kind.upper()}: held-out log-likelihood per token "
                         f"{part['heldout_ll_per_token'].min():.3f} to "
                         f"{part['heldout_ll_per_token'].max():.3f} over the grid (SE about "
                         f"{part['heldout_ll_se'].median():.3f})")
    return "\n".join(lines)


def describe_recovery(recovery: pd.DataFrame, crosstab: pd.DataFrame) -> str:
    """Which domains each verdict covers, with topic, F1 and (for missed domains) the topic
    holding most of their clauses."""
    names = dict(zip(policy_domains()["domain"], policy_domains()["name_en"]))
    lines = []
    for verdict in ("recovered", "partly", "merged", "missed", "too_few_clauses"):
        part = recovery[recovery["verdict"] == verdict]
        if part.empty:
            continue
        items = []
        for r in part.itertuples():
            if verdict == "too_few_clauses":
                items.append(f"{names.get(r.domain, r.domain)} (n={r.n_clauses})")
                continue
            text = f"{names.get(r.domain, r.domain)} (n={r.n_clauses}, T{int(r.best_topic)}, " \
                   f"F1 {r.f1:.2f}, chance {r.f1_chance:.2f} (95th pct {r.f1_chance_q95:.2f})"
            if verdict == "merged":
                text += f", T{int(r.best_topic)} matches {names.get(r.topic_best_domain)} better"
            if verdict == "missed":
                share = crosstab[(crosstab["domain"] == r.domain)].sort_values("share").iloc[-1]
                text += f"; mean proportion {share['share']:.2f} in T{int(share['topic'])}"
            items.append(text + ")")
        lines.append(f"{verdict} ({len(part)}): " + "; ".join(items))
    return "\n".join(lines)
