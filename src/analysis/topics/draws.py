"""Draws of clause topic proportions and their length-weighted means per plan.

:func:`dirichlet_draws` draws each clause's proportions from a Dirichlet approximation of
their posterior, and :func:`plan_prevalence` averages clauses (or draws of them) within plans.
:class:`DirichletDraws` gives the plan-level draws of :func:`plan_prevalence` of
:func:`dirichlet_draws` (the very same numbers: numpy's generator fills the draws × clauses ×
topics array in order, so drawing a few draws at a time consumes the same stream) without
holding draws × clauses × topics in memory: 200 draws of 560,000 clauses and 10 topics would
be 9 GB, their plan means at 16,000 plans 0.26 GB. Plans are averaged through a sparse
plans × clauses matrix for the same reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import sparse

from analysis.topics.settings import derive_seed

#: Draws of clause proportions (D).
N_DRAWS = 200
#: Largest number of draw × clause × topic values held at once by :class:`DirichletDraws`.
CHUNK_VALUES = 4_000_000


def dirichlet_draws(concentration: np.ndarray, n_draws: int = N_DRAWS,
                    seed: int | None = None) -> np.ndarray:
    """Draws of each clause's topic proportions from ``Dirichlet(concentration)``.

    Parameters
    ----------
    concentration : numpy.ndarray
        Clause × topic Dirichlet parameters: LDA's variational ``gamma``, a Gibbs model's
        ``alpha + n_dk``, or for NMF ``n_tokens[:, None] * theta`` (see the module notes).
        Zeros are allowed (that topic is then always 0); a row of zeros gives equal shares.
    n_draws : int
    seed : int, optional

    Returns
    -------
    numpy.ndarray
        ``n_draws`` × clauses × topics, rows summing to 1.
    """
    rng = np.random.default_rng(derive_seed(31) if seed is None else seed)
    conc = np.asarray(concentration, dtype=float)
    # A Dirichlet draw as normalised Gamma variates, vectorised over clauses and draws.
    return _normalised(rng.standard_gamma(np.broadcast_to(conc, (n_draws, *conc.shape))))


def _normalised(g: np.ndarray) -> np.ndarray:
    total = g.sum(axis=2, keepdims=True)
    return np.where(total > 0, g / np.where(total > 0, total, 1.0), 1.0 / g.shape[2])


def _membership(doc_ids: Sequence[str], weights: Sequence[float]
                ) -> tuple[list[str], sparse.csr_matrix]:
    """Sorted plans and the plans × clauses matrix of each clause's share of its plan."""
    docs = np.asarray(doc_ids, dtype=object)
    w = np.asarray(weights, dtype=float)
    plans = sorted(set(docs))
    row = {p: i for i, p in enumerate(plans)}
    rows = np.fromiter((row[d] for d in docs), dtype=np.int64, count=len(docs))
    totals = np.bincount(rows, weights=w, minlength=len(plans))
    member = sparse.csr_matrix((w / totals[rows], (rows, np.arange(len(docs)))),
                               shape=(len(plans), len(docs)))
    return plans, member


def plan_prevalence(theta: np.ndarray, doc_ids: Sequence[str], weights: Sequence[float]
                    ) -> tuple[list[str], np.ndarray]:
    """Length-weighted mean proportions per plan.

    Parameters
    ----------
    theta : numpy.ndarray
        Clauses × topics, or draws × clauses × topics.
    doc_ids : sequence of str
        Plan of each clause.
    weights : sequence of float
        Weight of each clause (its characters).

    Returns
    -------
    list of str
        Plans, sorted.
    numpy.ndarray
        Plans × topics (or draws × plans × topics).
    """
    plans, member = _membership(doc_ids, weights)
    theta = np.asarray(theta, dtype=float)
    if theta.ndim == 2:
        return plans, np.asarray(member @ theta)
    return plans, np.stack([np.asarray(member @ draw) for draw in theta])


@dataclass(frozen=True)
class DirichletDraws:
    """The draws of :func:`dirichlet_draws`, for aggregation to plans in bounded memory.

    Attributes
    ----------
    concentration : numpy.ndarray
        Clause × topic Dirichlet parameters.
    n_draws : int
    seed : int, optional
        As :func:`dirichlet_draws`'s.
    """

    concentration: np.ndarray
    n_draws: int = N_DRAWS
    seed: int | None = None

    def plan_prevalence(self, doc_ids: Sequence[str], weights: Sequence[float]
                        ) -> tuple[list[str], np.ndarray]:
        """``plan_prevalence(dirichlet_draws(...), doc_ids, weights)``: plans and draws ×
        plans × topics, drawn :data:`CHUNK_VALUES` values at a time."""
        rng = np.random.default_rng(derive_seed(31) if self.seed is None else self.seed)
        conc = np.asarray(self.concentration, dtype=float)
        plans, member = _membership(doc_ids, weights)
        step = max(1, CHUNK_VALUES // max(1, conc.size))
        out = np.empty((self.n_draws, len(plans), conc.shape[1]))
        for start in range(0, self.n_draws, step):
            n = min(step, self.n_draws - start)
            chunk = _normalised(rng.standard_gamma(np.broadcast_to(conc, (n, *conc.shape))))
            for i, draw in enumerate(chunk):
                out[start + i] = member @ draw
        return plans, out
