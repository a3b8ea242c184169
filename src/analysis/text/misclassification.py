"""Correcting domain coverage for the rules' measured misclassification (issue 13).

The rules over-code and under-code. Per code, their sensitivity (share of text in clauses the
adjudicated gold codes ``d`` that the rules also code ``d``) and specificity (share of text in
clauses the gold does not code ``d`` that the rules leave uncoded for ``d``) are measured on
the reliability study's sample (``tests/gold/reliability``): 150 clauses of the **five seed
plans** that the rules were not written on, coded by two independent coders and adjudicated.
Both rates are weighted by the clauses' content characters, as the shares are, and measured on
policy clauses only (background clauses, which get no code, are left out as they are left
out of the shares), and on the clauses the shares count as units: a sampled section shown
with its inline points (three of the 150) is left out, since the shares code those points
apart.

The observed coverage ``p`` of a code (share of a plan's text in clauses touching it) is then
corrected by the Rogan–Gladen estimator (Rogan and Gladen 1978)
``pi = (p + Sp - 1) / (Se + Sp - 1)``, clipped to [0, 1]; it is undefined where
``Se + Sp <= 1`` or the gold has no positive for the code. The correction is linear in ``p``,
so the corrected mean of plans equals the mean of corrected plans. Its interval combines the
uncertainty of the group mean over plans (t distribution) with that of the validation sample:
each draw corrects a draw of the mean with one draw of ``Se`` and ``Sp``. The rates are drawn
from Jeffreys Beta posteriors on the validation's effective counts (:func:`beta_rates`, the
build's choice); :func:`bootstrap_rates` resamples the 150 clauses instead, and undercovers in
the simulation of :mod:`analysis.evaluation.simulate_shares` because a code whose few
validation positives are all found gets sensitivity 1 in every replicate.

**Limits.** The rates are measured on seed clauses only: they hold for plans like the five
seeds and are assumed, not shown, to transfer to other plans. They assume misclassification
does not depend on the plan (non-differential), and the correction applies to ``coverage``,
not to the fractional ``share``, whose 1/k allocation mixes codes. The adjudicated codes are
themselves the work of AI coders (see the study's README), so "true" means "as adjudicated".

Written by hand: the rates, the correction and the draws (a few lines each; no
maintained library implements Rogan–Gladen with a bootstrap of the validation sample).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.text import coding
from analysis.text.tokenise import content_text

SEED = 20261129
N_BOOT = 2000
LEVEL = 0.95
#: Characters by which a sampled text may exceed the clause's own content text (whitespace and
#: punctuation differences) before it counts as including its inline points.
OWN_TEXT_SLACK = 5


def rates(gold: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sensitivity and specificity of each column.

    Parameters
    ----------
    gold, predicted : numpy.ndarray
        Units × codes 0/1 matrices (true and rule codes).
    weights : numpy.ndarray, optional
        Weight of each unit (characters); equal weights by default.

    Returns
    -------
    sensitivity, specificity : numpy.ndarray
        One value per code; NaN where the gold has no positive (or no negative).
    """
    gold, predicted = np.asarray(gold, bool), np.asarray(predicted, bool)
    w = np.ones(len(gold)) if weights is None else np.asarray(weights, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sens = (w @ (gold & predicted)) / (w @ gold)
        spec = (w @ (~gold & ~predicted)) / (w @ ~gold)
    return sens, spec


def bootstrap_rates(gold: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None = None,
                    n_boot: int = N_BOOT, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Sensitivity and specificity over ``n_boot`` resamples of the validation units.

    Returns
    -------
    sensitivity, specificity : numpy.ndarray
        ``n_boot`` × codes.
    """
    gold, predicted = np.asarray(gold, bool), np.asarray(predicted, bool)
    w = np.ones(len(gold)) if weights is None else np.asarray(weights, float)
    counts = np.random.default_rng(seed).multinomial(
        len(gold), np.full(len(gold), 1 / len(gold)), size=n_boot).astype(float)
    cw = counts * w                                      # replicate weights, n_boot × units
    with np.errstate(invalid="ignore", divide="ignore"):
        sens = (cw @ (gold & predicted)) / (cw @ gold)
        spec = (cw @ (~gold & ~predicted)) / (cw @ ~gold)
    return sens, spec


def beta_rates(gold: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None = None,
               n_boot: int = N_BOOT, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Draws of sensitivity and specificity from Jeffreys Beta posteriors on effective counts.

    With characters as weights, a code's ``n`` positives count as Kish's effective sample size
    ``(sum w)^2 / sum w^2`` and the weighted rate as the share of successes. Unlike the
    bootstrap, a code with few validation positives, all found by the rules, still gets
    uncertainty about its sensitivity (the bootstrap then returns 1 in every replicate).

    Returns
    -------
    sensitivity, specificity : numpy.ndarray
        ``n_boot`` × codes.
    """
    gold, predicted = np.asarray(gold, bool), np.asarray(predicted, bool)
    w = np.ones(len(gold)) if weights is None else np.asarray(weights, float)
    rng = np.random.default_rng(seed)
    draws = []
    for condition, hit in ((gold, gold & predicted), (~gold, ~gold & ~predicted)):
        total, square = w @ condition, (w ** 2) @ condition
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = np.where(square > 0, total ** 2 / square, 0.0)
            rate = np.where(total > 0, (w @ hit) / total, 0.0)
        a, b = rate * n_eff + 0.5, (1 - rate) * n_eff + 0.5
        value = rng.beta(a, b, size=(n_boot, len(a)))
        draws.append(np.where(total > 0, value, np.nan))
    return draws[0], draws[1]


def rogan_gladen(observed, sensitivity, specificity):
    """Rogan–Gladen corrected prevalence, clipped to [0, 1]; NaN where ``Se + Sp <= 1``."""
    observed, se, sp = np.broadcast_arrays(*(np.asarray(x, float)
                                             for x in (observed, sensitivity, specificity)))
    denominator = se + sp - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(denominator > 0, (observed + sp - 1) / denominator, np.nan)
    return np.clip(value, 0, 1)


def correct_mean(values: np.ndarray, sensitivity: np.ndarray, specificity: np.ndarray,
                 sens_reps: np.ndarray, spec_reps: np.ndarray, level: float = LEVEL,
                 seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corrected group mean of coverage with an interval for plans and validation together.

    Parameters
    ----------
    values : numpy.ndarray
        Plans × codes observed coverage.
    sensitivity, specificity : numpy.ndarray
        Point rates per code (:func:`rates`).
    sens_reps, spec_reps : numpy.ndarray
        Draws of the rates (:func:`beta_rates` or :func:`bootstrap_rates`), one row per draw.

    Returns
    -------
    estimate, low, high : numpy.ndarray
        Per code; bounds NaN with fewer than two plans. Replicates in which the correction is
        undefined (``Se + Sp <= 1``) are dropped; a code with none left gets NaN bounds.
    """
    values = np.asarray(values, float)
    n = len(values)
    mean = values.mean(axis=0)
    estimate = rogan_gladen(mean, sensitivity, specificity)
    if n < 2:
        nan = np.full(values.shape[1], np.nan)
        return estimate, nan, nan
    se_mean = values.std(axis=0, ddof=1) / np.sqrt(n)
    t_draws = stats.t.rvs(n - 1, size=(len(sens_reps), 1),
                          random_state=np.random.default_rng(seed))
    draws = rogan_gladen(mean + t_draws * se_mean, sens_reps, spec_reps)
    tail = (1 - level) / 2
    with warnings.catch_warnings():                       # all-NaN codes
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanquantile(draws, tail, axis=0)
        high = np.nanquantile(draws, 1 - tail, axis=0)
    return estimate, low, high


def validation_matrices(folder: Path | None = None, clauses: pd.DataFrame | None = None,
                        scheme: str = "domain") -> dict[str, np.ndarray]:
    """Gold and rule codes of the reliability sample's policy clauses, and their lengths.

    Parameters
    ----------
    folder : Path, optional
        ``tests/gold/reliability`` by default (``sample.csv``, ``adjudicated.csv``).
    clauses : pandas.DataFrame, optional
        The clause table, to leave out background clauses as the shares do.

    Returns
    -------
    dict
        ``clause_id`` (array), ``gold`` and ``predicted`` (units × codes, bool), ``weights``
        (content characters without whitespace); clauses of no content are left out.
    """
    from analysis.core.paths import repo_root

    folder = Path(folder) if folder else repo_root() / "tests" / "gold" / "reliability"
    sample = pd.read_csv(folder / "sample.csv", dtype=str, keep_default_na=False)
    gold = pd.read_csv(folder / "adjudicated.csv", dtype=str, keep_default_na=False)
    merged = sample[["clause_id", "text"]].merge(gold, on="clause_id", validate="one_to_one")
    texts = merged["text"].map(content_text)
    weights = texts.str.replace(r"\s+", "", regex=True).str.len().to_numpy(float)
    keep = weights > 0
    if clauses is not None:
        from analysis.text.tokenise import prepared_clauses

        keep &= ~merged["clause_id"].isin(coding.background_clauses(clauses)).to_numpy()
        # A few sampled sections were shown with their inline points (一是 … 二是 …), which the
        # shares count as clauses of their own: such a unit is not one the corpus codes.
        own = merged["clause_id"].map(prepared_clauses(clauses).set_index("clause_id")["n_chars"])
        keep &= ~(weights > own.fillna(0).to_numpy() + OWN_TEXT_SLACK)
    merged, texts, weights = merged[keep], texts[keep], weights[keep]
    labels = coding.codes(scheme)
    column = "domains" if scheme == "domain" else "instruments"
    true_sets = coding.split_codes(merged[column])
    return {"clause_id": merged["clause_id"].to_numpy(),
            "gold": np.array([[c in s for c in labels] for s in true_sets], dtype=bool),
            "predicted": coding.code_texts(texts.tolist(), scheme).to_numpy(),
            "weights": weights}


def rates_table(matrices: dict[str, np.ndarray], scheme: str = "domain",
                n_boot: int = N_BOOT, seed: int = SEED, level: float = LEVEL) -> pd.DataFrame:
    """Per code: gold positives, length-weighted sensitivity and specificity with intervals
    from the draws the correction uses (:func:`beta_rates`)."""
    sens, spec = rates(matrices["gold"], matrices["predicted"], matrices["weights"])
    s_reps, p_reps = beta_rates(matrices["gold"], matrices["predicted"],
                                     matrices["weights"], n_boot, seed)
    tail = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bounds = {name: (np.nanquantile(r, tail, axis=0), np.nanquantile(r, 1 - tail, axis=0))
                  for name, r in (("sensitivity", s_reps), ("specificity", p_reps))}
    return pd.DataFrame({"scheme": scheme, "code": coding.codes(scheme),
                         "n_clauses": len(matrices["gold"]),
                         "gold_positive": matrices["gold"].sum(axis=0),
                         "sensitivity": sens, "sensitivity_low": bounds["sensitivity"][0],
                         "sensitivity_high": bounds["sensitivity"][1],
                         "specificity": spec, "specificity_low": bounds["specificity"][0],
                         "specificity_high": bounds["specificity"][1]})
