"""Agreement of the topics with the policy-domain coding of the regional stage.

:func:`policy_domains` reads the domain list, :func:`domain_crosstab` tabulates topics
against coded domains (share, lift, dominant clauses) and :func:`domain_recovery` says which
domains a topic recovers, which are merged into broader topics and which are missed, with the
F1 that chance would give (largest topics permuted among the clauses of each plan). The F1 is
an agreement between two codings of the same clauses, a description of these clauses, so it
gets a chance level and no sampling interval (no plan-level estimand stands behind a bootstrap
over clauses).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.grouping import label_counts_by_set, permutations_within, rows_by_group
from analysis.core.paths import PACKAGE_DATA
from analysis.topics.settings import (MIN_DOMAIN_CLAUSES, N_BOOT, PARTLY_F1, RECOVERED_F1,
                                      derive_seed)


@lru_cache(maxsize=1)
def policy_domains() -> pd.DataFrame:
    """The 16 policy domains of ``data/policy_domains.csv`` (code, English and Chinese name)."""
    return pd.read_csv(PACKAGE_DATA / "policy_domains.csv", dtype=str, keep_default_na=False)


def _domain_indicator(clause_ids: Sequence[str], clause_domains: pd.DataFrame,
                      domains: Sequence[str]) -> np.ndarray:
    """Clause × domain 0/1 matrix (a clause may carry several domains)."""
    pos = {c: i for i, c in enumerate(clause_ids)}
    dpos = {d: j for j, d in enumerate(domains)}
    ind = np.zeros((len(clause_ids), len(domains)), dtype=bool)
    for c, d in zip(clause_domains["clause_id"].astype(str), clause_domains["domain"].astype(str)):
        if c in pos and d in dpos:
            ind[pos[c], dpos[d]] = True
    return ind


def domain_crosstab(theta: np.ndarray, clause_ids: Sequence[str], clause_domains: pd.DataFrame,
                    domains: Sequence[str] | None = None) -> pd.DataFrame:
    """Topics against policy domains.

    Returns
    -------
    pandas.DataFrame
        One row per (domain, topic): ``n_clauses`` coded with the domain, ``topic_mass``
        (sum of the topic's proportions over those clauses), ``share`` (their mean
        proportion of the topic), ``lift`` (share divided by the topic's mean proportion over
        all modelled clauses; > 1 means the topic is over-represented in the domain) and
        ``n_dominant`` (clauses of the domain whose largest topic is this one).
    """
    domains = list(policy_domains()["domain"]) if domains is None else list(domains)
    ind = _domain_indicator(clause_ids, clause_domains, domains)
    overall = theta.mean(axis=0)
    dominant = theta.argmax(axis=1)
    out = []
    for j, d in enumerate(domains):
        rows = ind[:, j]
        n = int(rows.sum())
        for t in range(theta.shape[1]):
            mass = float(theta[rows, t].sum())
            share = mass / n if n else np.nan
            out.append(dict(domain=d, topic=t + 1, n_clauses=n, topic_mass=mass, share=share,
                            lift=share / overall[t] if n and overall[t] > 0 else np.nan,
                            n_dominant=int((dominant[rows] == t).sum())))
    return pd.DataFrame(out)


def _f1_table(dominant: np.ndarray, member: np.ndarray, k: int) -> np.ndarray:
    """Domains × topics F1 of 'largest topic is t' as a classifier of each domain."""
    pred = dominant[:, None] == np.arange(k)[None, :]                 # clauses × topics
    tp = member.T.astype(float) @ pred.astype(float)                  # domains × topics
    denominator = member.sum(axis=0)[:, None] + pred.sum(axis=0)[None, :]
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def domain_recovery(theta: np.ndarray, clause_ids: Sequence[str], clause_domains: pd.DataFrame,
                    domains: Sequence[str] | None = None, n_perm: int = N_BOOT,
                    doc_ids: Sequence[str] | None = None, seed: int | None = None
                    ) -> pd.DataFrame:
    """Which policy domains a topic recovers, which are merged into broader topics, and which
    the topics miss.

    Each topic t is read as a classifier of a domain: "the clause's largest topic is t". For
    each domain the topic with the best F1 is its topic (ties: lower topic); for each topic
    the domain with the best F1 among domains with at least :data:`MIN_DOMAIN_CLAUSES`
    clauses is its domain. Verdicts:

    * ``recovered``: domain and topic are each other's best match and F1 ≥
      :data:`RECOVERED_F1`;
    * ``partly``: each other's best match, F1 ≥ :data:`PARTLY_F1`;
    * ``merged``: F1 ≥ :data:`PARTLY_F1`, but the topic matches another domain better (the
      domain is part of a broader topic);
    * ``missed``: F1 < :data:`PARTLY_F1`;
    * ``too_few_clauses``: fewer than :data:`MIN_DOMAIN_CLAUSES` coded clauses.

    The chance level permutes the clauses' largest topics ``n_perm`` times among the clauses
    of each plan (``doc_ids``; all clauses when None), which keeps every plan's topic counts,
    and repeats the choice of the best topic in every permutation, so that it is what choosing
    the best of K topics gives by chance: ``f1_chance`` is the mean and ``f1_chance_q95`` the
    95th percentile of that best F1.

    Returns
    -------
    pandas.DataFrame
        ``domain, n_clauses, best_topic, recall, precision, f1, f1_chance, f1_chance_q95,
        topic_best_domain, verdict``.
    """
    domains = list(policy_domains()["domain"]) if domains is None else list(domains)
    ind = _domain_indicator(clause_ids, clause_domains, domains)
    dominant = theta.argmax(axis=1)
    k = theta.shape[1]
    n_d = ind.sum(axis=0)
    f1 = _f1_table(dominant, ind, k)
    best_topic = np.argmax(f1, axis=1)                    # first maximum: lower topic on ties
    eligible = n_d >= MIN_DOMAIN_CLAUSES
    topic_best = np.full(k, -1)
    if eligible.any():
        masked = np.where(eligible[:, None], f1, -1.0)
        topic_best = np.argmax(masked, axis=0)
    rng = np.random.default_rng(derive_seed(6) if seed is None else seed)
    blocks = ([np.arange(len(clause_ids))] if doc_ids is None
              else rows_by_group(np.asarray(doc_ids, dtype=object))[1])
    # Within-plan permutation keeps how many clauses each topic tops, so only the true
    # positives change: counted for a chunk of permutations at once.
    member_rows = [np.flatnonzero(ind[:, j]) for j in range(len(domains))]
    denominator = n_d[:, None] + np.bincount(dominant, minlength=k)[None, :]
    perm = np.empty((n_perm, len(domains)))
    done = 0
    for block in permutations_within(dominant, blocks, n_perm, rng):
        tp = label_counts_by_set(block, member_rows, k).astype(float)
        f1_block = np.divide(2 * tp, denominator, out=np.zeros_like(tp),
                             where=denominator > 0)
        perm[done:done + len(block)] = f1_block.max(axis=2)
        done += len(block)
    chance, q95 = perm.mean(axis=0), np.quantile(perm, 0.95, axis=0)
    out = []
    for j, d in enumerate(domains):
        t = int(best_topic[j])
        pred = dominant == t
        member = ind[:, j]
        tp = float(np.sum(pred & member))
        mutual = eligible[j] and topic_best[t] == j
        if n_d[j] < MIN_DOMAIN_CLAUSES:
            verdict = "too_few_clauses"
        elif f1[j, t] < PARTLY_F1:
            verdict = "missed"
        elif not mutual:
            verdict = "merged"
        else:
            verdict = "recovered" if f1[j, t] >= RECOVERED_F1 else "partly"
        empty = n_d[j] == 0
        out.append(dict(
            domain=d, n_clauses=int(n_d[j]), best_topic=np.nan if empty else t + 1,
            recall=np.nan if empty else tp / n_d[j],
            precision=np.nan if empty else (tp / pred.sum() if pred.sum() else 0.0),
            f1=np.nan if empty else f1[j, t],
            f1_chance=np.nan if empty else chance[j],
            f1_chance_q95=np.nan if empty else q95[j],
            topic_best_domain="" if empty or topic_best[t] < 0 else domains[topic_best[t]],
            verdict=verdict))
    return pd.DataFrame(out)
