"""Policy-domain and policy-instrument coding of clauses, agreement with hand coding, and the
clause bootstrap of shares that the simulation study keeps as a contrast.

Coding is by dictionary rules (``data/domain_rules.csv``), applied to a clause's content text
(:func:`analysis.text.tokenise.content_text`: without its number and the attribution parenthesis).
The rules file has one row per rule:

``scheme``
    ``domain`` (the 16 codes of ``data/policy_domains.csv``) or ``instrument`` (supply,
    environment, demand of ``data/policy_instruments.csv``; Rothwell and Zegveld 1985).
    ``phase`` and ``subtype`` rules (:mod:`analysis.text.phases`) have the same layout in
    ``data/instrument_phase_rules.csv``.
``code``
    The domain or instrument.
``kind``
    ``keyword``: ``pattern`` is a Python regular expression searched in the text; each match
    adds ``weight`` to the code's score, up to :data:`MAX_MATCHES` matches per rule (so one
    long list does not swamp the score). Negative weights are counter-evidence.
    ``threshold``: ``weight`` is the score at which the code is assigned.
    ``relative`` (``code`` ``*``): a code is kept only if its score is at least ``weight``
    times the clause's highest score in the scheme, so that a word in passing next to the
    clause's real subject does not count.
    ``background_section`` / ``background_clause`` (``scheme`` ``all``): a regular expression
    on the lead of a clause (its first 30 characters of content). A clause whose lead names a
    background section (发展基础, 工作成效, 面临形势 …), and every clause under it, gets no
    code; ``background_clause`` (指导思想, 基本原则) applies to the clause itself only. Such
    passages describe achievements, situations or guiding ideas rather than commit to action.
``note``
    What the rule captures and why; ``(v2: …)`` marks the revision made once after the
    hand-coded sample was seen (see the notebook).

Weights follow one convention: 2 for a term specific to the code (one mention assigns it at
the usual threshold of 2), 1 for an indicative term (two needed), 0.5 for generic wording.
A clause may receive several codes, or none.

Shares are weighted by text length: a clause of ``n`` characters coded to ``k`` domains gives
``n / k`` to each (``share``; clauses without a code go to ``uncoded``, so shares sum to 1),
and ``coverage`` is the share of a plan's text in clauses that touch a domain at all. The build
computes them with :func:`analysis.text.plan_shares.plan_shares` and writes them **without an
interval**: a plan's share is a measurement of its fully observed text, and a bootstrap of its
clauses has no estimand (issue 13). Their uncertainty lies in the coding (:func:`agreement`,
:mod:`analysis.text.misclassification`) and, for levels and provinces, in the plans as a sample
of plans (:mod:`analysis.text.plan_shares`).

:func:`bootstrap_shares` and :func:`group_differences` (clauses resampled within fixed plans)
are no longer used by the build; they are kept because the simulation study
(:mod:`analysis.evaluation.simulate_shares`) measures how badly that older method covers group
shares and differences, as the contrast to the plan-level intervals.
"""
from __future__ import annotations

import inspect
import re
import warnings
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.core.memo import by_text
from analysis.core.paths import PACKAGE_DATA
from analysis.text.tokenise import clause_own_text, content_text

RULES_PATH = PACKAGE_DATA / "domain_rules.csv"
#: Phase and instrument-subtype rules (:mod:`analysis.text.phases`), kept apart from the
#: domain and instrument rules so that those stay as they were scored.
PHASE_RULES_PATH = PACKAGE_DATA / "instrument_phase_rules.csv"
RULES_PATHS = {"phase": PHASE_RULES_PATH, "subtype": PHASE_RULES_PATH}
CODEBOOK_PATHS = {"domain": PACKAGE_DATA / "policy_domains.csv",
                  "instrument": PACKAGE_DATA / "policy_instruments.csv",
                  "phase": PACKAGE_DATA / "policy_phases.csv",
                  "subtype": PACKAGE_DATA / "policy_instrument_subtypes.csv"}
#: Schemes of the regional stage's shares (phases and subtypes: :mod:`analysis.text.phases`).
SCHEMES = ("domain", "instrument")
#: A rule counts at most this many matches in one clause.
MAX_MATCHES = 3
#: Label of the share of text in clauses without any code.
UNCODED = "uncoded"
SEED = 20230228
N_BOOT = 10000
LEVEL = 0.95
ADMIN_ORDER = ("province", "city", "county")


# --------------------------------------------------------------------------------------------
# Codebook and rules


@lru_cache(maxsize=None)
def codebook(scheme: str = "domain") -> pd.DataFrame:
    """The bilingual codebook of ``scheme``: code, name_en, name_zh, definition."""
    table = pd.read_csv(CODEBOOK_PATHS[scheme], encoding="utf-8", dtype=str,
                        keep_default_na=False)
    return table.rename(columns={scheme: "code"})


def codes(scheme: str = "domain") -> list[str]:
    """Codes of ``scheme`` in codebook order."""
    return codebook(scheme)["code"].tolist()


@dataclass(frozen=True)
class RuleSet:
    """Compiled rules of one scheme."""

    scheme: str
    codes: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    rule_codes: tuple[str, ...]
    weights: tuple[float, ...]
    thresholds: dict
    relative: float = 0.0


@lru_cache(maxsize=None)
def _rules_table(path: str) -> pd.DataFrame:
    table = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)
    expected = ["scheme", "code", "kind", "pattern", "weight", "note"]
    if list(table.columns) != expected:
        raise ValueError(f"{path}: columns must be {expected}, found {list(table.columns)}")
    table["weight"] = table["weight"].astype(float)
    return table


def load_rules(scheme: str = "domain", path: Path | None = None) -> RuleSet:
    """Read and check the rules of ``scheme``.

    Raises
    ------
    ValueError
        For a code outside the codebook, a code without keyword rules or threshold, an
        unknown ``kind`` or a pattern that does not compile.
    """
    table = _rules_table(str(path or RULES_PATHS.get(scheme, RULES_PATH)))
    bad_kind = sorted(set(table["kind"]) - {"keyword", "threshold", "relative",
                                            "background_section", "background_clause"})
    if bad_kind:
        raise ValueError(f"unknown rule kinds {bad_kind}")
    table = table[table["scheme"] == scheme]
    known = codes(scheme)
    unknown = sorted(set(table["code"]) - set(known) - {"*"})
    if unknown:
        raise ValueError(f"rules for unknown {scheme} codes {unknown}")
    keywords = table[table["kind"] == "keyword"]
    thresholds = table[table["kind"] == "threshold"].set_index("code")["weight"]
    missing = [c for c in known if c not in set(keywords["code"]) or c not in thresholds.index]
    if missing:
        raise ValueError(f"{scheme} codes without keyword rules or threshold: {missing}")
    relative = table.loc[table["kind"] == "relative", "weight"]
    return RuleSet(scheme, tuple(known), tuple(_compile(p) for p in keywords["pattern"]),
                   tuple(keywords["code"]), tuple(keywords["weight"]),
                   {c: float(thresholds[c]) for c in known},
                   float(relative.iloc[0]) if len(relative) else 0.0)


def _compile(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as err:
        raise ValueError(f"rule pattern {pattern!r} does not compile: {err}") from err


def background_clauses(clauses: pd.DataFrame, path: Path | None = None) -> set[str]:
    """Clauses that describe background rather than policy (see the module docstring).

    Parameters
    ----------
    clauses : pandas.DataFrame
        The clause table (``clause_id``, ``parent_id``, ``text``, offsets, ``inferred``), in
        document order, so that parents come before their children.

    Returns
    -------
    set of str
        clause_ids that get no code.
    """
    table = _rules_table(str(path or RULES_PATH))
    section = [_compile(p) for p in table.loc[table["kind"] == "background_section", "pattern"]]
    single = [_compile(p) for p in table.loc[table["kind"] == "background_clause", "pattern"]]
    own = clause_own_text(clauses)
    in_section: set[str] = set()
    flagged: set[str] = set()
    for clause_id, parent, text in zip(clauses["clause_id"], clauses["parent_id"], own):
        lead = content_text(text)[:30]
        if (isinstance(parent, str) and parent in in_section) or any(p.search(lead)
                                                                      for p in section):
            in_section.add(clause_id)
            flagged.add(clause_id)
        elif any(p.search(lead) for p in single):
            flagged.add(clause_id)
    return flagged


def _scores(texts: list[str], rules: RuleSet) -> np.ndarray:
    """Texts × codes rule scores (the work of :func:`score_texts`)."""
    scores = np.zeros((len(texts), len(rules.codes)))
    for pattern, code, weight in zip(rules.patterns, rules.rule_codes, rules.weights):
        hits = np.fromiter((min(len(pattern.findall(t)), MAX_MATCHES) for t in texts),
                           dtype=float, count=len(texts))
        scores[:, rules.codes.index(code)] += weight * hits
    return scores


def _rules_settings(rules: RuleSet, code: str = inspect.getsource(_scores)) -> str:
    """What a text's scores depend on: the rules and the scoring code (read at import)."""
    return repr((rules.scheme, rules.codes, [(p.pattern, p.flags) for p in rules.patterns],
                 rules.rule_codes, rules.weights, MAX_MATCHES, code))


def score_texts(texts: Iterable[str], scheme: str = "domain",
                rules: RuleSet | None = None, cache: Path | None = None) -> pd.DataFrame:
    """Rule scores of each text (rows) for each code (columns).

    Texts are used as given; pass :func:`analysis.text.tokenise.content_text` of a clause to
    leave out its number and attribution parenthesis. With ``cache`` (a build's cache folder)
    texts scored before under the same rules and code come from a per-text memo
    (:func:`analysis.core.memo.by_text`): same scores, only new texts scored.
    """
    rules = rules or load_rules(scheme)
    texts = ["" if not isinstance(t, str) else t for t in texts]
    scores = _scores(texts, rules) if cache is None else np.vstack(
        by_text(cache, f"rulescores_{rules.scheme}", _rules_settings(rules), texts,
                lambda new: list(_scores(new, rules))) or [np.zeros((0, len(rules.codes)))])
    return pd.DataFrame(scores, columns=list(rules.codes))


def code_texts(texts: Iterable[str], scheme: str = "domain", rules: RuleSet | None = None,
               background: Sequence[bool] | None = None,
               cache: Path | None = None) -> pd.DataFrame:
    """Boolean code assignment for each text.

    A code is assigned when its score reaches the code's threshold and, if the scheme has a
    ``relative`` rule, that share of the text's highest score. Texts flagged in
    ``background`` get no code. ``cache``: as in :func:`score_texts`.
    """
    rules = rules or load_rules(scheme)
    scores = score_texts(texts, scheme, rules, cache=cache).to_numpy()
    thresholds = np.array([rules.thresholds[c] for c in rules.codes])
    assigned = scores >= thresholds
    if rules.relative > 0:
        top = scores.max(axis=1, keepdims=True)
        assigned &= scores >= rules.relative * top
    if background is not None:
        assigned &= ~np.asarray(background, dtype=bool)[:, None]
    return pd.DataFrame(assigned, columns=list(rules.codes))


def code_clauses(prepared: pd.DataFrame, scheme: str = "domain",
                 background: set[str] | None = None, cache: Path | None = None) -> pd.DataFrame:
    """Long table of code assignments: one row per clause and assigned code.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses with ``doc_id``, ``clause_id`` and ``content``
        (:func:`analysis.text.tokenise.prepared_clauses`).
    scheme : str
        ``domain`` or ``instrument``.
    background : set of str, optional
        clause_ids to leave uncoded (:func:`background_clauses`).
    cache : Path, optional
        A build's cache folder: per-text scores kept between builds (:func:`score_texts`).

    Returns
    -------
    pandas.DataFrame
        ``doc_id``, ``clause_id``, ``<scheme>``, in clause order and then codebook order.
    """
    flags = (prepared["clause_id"].isin(background).to_numpy() if background is not None
             else None)
    coded = code_texts(prepared["content"], scheme, background=flags, cache=cache)
    rows, cols = np.nonzero(coded.to_numpy())
    return pd.DataFrame({
        "doc_id": prepared["doc_id"].to_numpy()[rows],
        "clause_id": prepared["clause_id"].to_numpy()[rows],
        scheme: np.asarray(coded.columns)[cols],
    }).astype("str")


def indicator_matrix(prepared: pd.DataFrame, coded: pd.DataFrame, scheme: str) -> np.ndarray:
    """Clauses × codes 0/1 matrix of a long code table, rows in ``prepared`` order."""
    position = pd.Series(np.arange(len(prepared)), index=prepared["clause_id"].to_numpy())
    column = {c: i for i, c in enumerate(codes(scheme))}
    matrix = np.zeros((len(prepared), len(column)))
    if len(coded):
        matrix[position.loc[coded["clause_id"]].to_numpy(),
               coded[scheme].map(column).to_numpy()] = 1.0
    return matrix


# --------------------------------------------------------------------------------------------
# Clause bootstrap of shares (the simulation study's contrast; not used by the build)


def _doc_seed(doc_id: str, seed: int) -> np.random.Generator:
    # Seeded per document so that adding a plan leaves every other plan's intervals unchanged.
    return np.random.default_rng([seed, zlib.crc32(doc_id.encode("utf-8"))])


def _share_arrays(lengths: np.ndarray, indicator: np.ndarray, weights: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Share and coverage for bootstrap weights (replicates × clauses)."""
    n_codes = indicator.sum(axis=1)
    allocation = np.where(n_codes[:, None] > 0, indicator / np.maximum(n_codes, 1)[:, None], 0)
    allocation = np.column_stack([allocation, (n_codes == 0).astype(float)])
    total = weights @ lengths
    total = np.where(total > 0, total, np.nan)
    share = (weights @ (lengths[:, None] * allocation)) / total[:, None]
    coverage = (weights @ (lengths[:, None] * indicator)) / total[:, None]
    return share, coverage


def bootstrap_shares(prepared: pd.DataFrame, coded: pd.DataFrame, scheme: str = "domain",
                     n_boot: int = N_BOOT, seed: int = SEED
                     ) -> dict[str, dict[str, np.ndarray]]:
    """Point estimates and bootstrap replicates of length-weighted shares per document.

    Clauses are resampled with replacement within each document (``n_boot`` times, seeded
    per document). Clauses of zero length (numbers only) carry no weight.

    Returns
    -------
    dict
        ``doc_id`` → {``share``: (K+1,), ``coverage``: (K,), ``share_reps``:
        (n_boot, K+1), ``coverage_reps``: (n_boot, K), ``n_clauses``, ``n_chars``}; the last
        share column is :data:`UNCODED`.
    """
    indicator = indicator_matrix(prepared, coded, scheme)
    lengths = prepared["n_chars"].to_numpy(dtype=float)
    result = {}
    for doc_id, rows in prepared.groupby("doc_id", sort=True).indices.items():
        rows = rows[lengths[rows] > 0]
        ind, length = indicator[rows], lengths[rows]
        share, coverage = _share_arrays(length, ind, np.ones((1, len(rows))))
        counts = _doc_seed(doc_id, seed).multinomial(
            len(rows), np.full(len(rows), 1 / len(rows)), size=n_boot).astype(float)
        share_reps, coverage_reps = _share_arrays(length, ind, counts)
        result[doc_id] = {"share": share[0], "coverage": coverage[0],
                          "share_reps": share_reps, "coverage_reps": coverage_reps,
                          "n_clauses": len(rows), "n_chars": int(length.sum())}
    return result


def _interval(reps: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - level
    return (np.quantile(reps, alpha / 2, axis=0, method="linear"),
            np.quantile(reps, 1 - alpha / 2, axis=0, method="linear"))


_DIFFERENCE_COLUMNS = ["comparison", "group_a", "group_b", "n_docs_a", "n_docs_b", "scheme",
                       "code", "share_a", "share_b", "difference", "ci_low", "ci_high",
                       "ci_low_adjusted", "ci_high_adjusted", "loo_sign_stable", "verdict"]


def group_differences(boot: dict, documents: pd.DataFrame, by: str = "admin_level",
                      scheme: str = "domain", level: float = LEVEL,
                      pairs: Sequence[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Differences in domain shares between groups of plans, with three checks.

    A group's share is the mean of its plans' shares (each plan counts once, whatever its
    length). For each pair of groups and each code the table gives the difference, its
    bootstrap interval at ``level``, a Bonferroni-adjusted interval over all codes and pairs
    of this comparison, and whether its sign survives leaving out any one plan.

    Parameters
    ----------
    boot : dict
        Output of :func:`bootstrap_shares`.
    documents : pandas.DataFrame
        ``doc_id`` and the grouping column ``by`` (``admin_level`` or ``province_en``).
    by : str
        Grouping column.
    pairs : sequence of (str, str), optional
        Pairs (a, b) to compare as a − b; default every pair, lower administrative level
        first for ``admin_level``, alphabetical otherwise.

    Returns
    -------
    pandas.DataFrame
        One row per pair and code: ``verdict`` is ``robust`` (adjusted interval excludes 0
        and no single plan flips the sign), ``nominal only`` (only the unadjusted interval
        excludes 0, or one plan flips the sign) or ``within noise``.
    """
    labels = codes(scheme)
    # A plan whose group is not known (empty in the manifest) forms its own "(unknown)" group.
    groups = documents.set_index("doc_id")[by].fillna("").astype(str).replace("", "(unknown)")
    groups = groups[groups.index.isin(list(boot))]
    members = {g: sorted(groups.index[groups == g]) for g in sorted(set(groups))}
    if pairs is None:
        names = list(members)
        if by == "admin_level":
            rank = {level_: i for i, level_ in enumerate(ADMIN_ORDER)}
            names = sorted(names, key=lambda g: -rank.get(g, -1))
        pairs = list(combinations(names, 2))
    if not pairs:  # one group only (every plan of one level or province): nothing to compare
        return pd.DataFrame(columns=_DIFFERENCE_COLUMNS)
    n_tests = len(pairs) * len(labels)
    adjusted = 1 - (1 - level) / n_tests
    rows = []
    for a, b in pairs:
        def mean_of(docs, key):
            return np.mean([boot[d][key][..., :len(labels)] for d in docs], axis=0)
        point = mean_of(members[a], "share") - mean_of(members[b], "share")
        reps = mean_of(members[a], "share_reps") - mean_of(members[b], "share_reps")
        low, high = _interval(reps, level)
        adj_low, adj_high = _interval(reps, adjusted)
        loo = []
        for side, docs in ((a, members[a]), (b, members[b])):
            if len(docs) < 2:
                continue
            for drop in docs:
                kept_a = [d for d in members[a] if d != drop] if side == a else members[a]
                kept_b = [d for d in members[b] if d != drop] if side == b else members[b]
                loo.append(mean_of(kept_a, "share") - mean_of(kept_b, "share"))
        for k, code in enumerate(labels):
            if loo:
                stable = all(np.sign(x[k]) == np.sign(point[k]) for x in loo)
                loo_text = "yes" if stable else "no"
            else:
                stable, loo_text = True, "not testable"
            excludes = low[k] > 0 or high[k] < 0
            adj_excludes = adj_low[k] > 0 or adj_high[k] < 0
            verdict = ("robust" if adj_excludes and stable
                       else "nominal only" if excludes else "within noise")
            rows.append({"comparison": by, "group_a": a, "group_b": b,
                         "n_docs_a": len(members[a]), "n_docs_b": len(members[b]),
                         "scheme": scheme, "code": code,
                         "share_a": mean_of(members[a], "share")[k],
                         "share_b": mean_of(members[b], "share")[k],
                         "difference": point[k], "ci_low": low[k], "ci_high": high[k],
                         "ci_low_adjusted": adj_low[k], "ci_high_adjusted": adj_high[k],
                         "loo_sign_stable": loo_text, "verdict": verdict})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Agreement with hand coding


def split_codes(values: Iterable[str]) -> list[set[str]]:
    """``'a;b'`` cells → sets of codes (empty cell → empty set)."""
    return [set(c.strip() for c in v.split(";") if c.strip()) if isinstance(v, str) else set()
            for v in values]


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two binary codings (NaN when chance agreement is 1)."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    observed = np.mean(a == b)
    pa, pb = a.mean(), b.mean()
    chance = pa * pb + (1 - pa) * (1 - pb)
    return float((observed - chance) / (1 - chance)) if chance < 1 else float("nan")


def agreement(gold: Sequence[set], predicted: Sequence[set], labels: Sequence[str],
              n_boot: int = 2000, seed: int = SEED, level: float = LEVEL) -> pd.DataFrame:
    """Agreement of rule coding with hand coding: Cohen's kappa per code and overall.

    Parameters
    ----------
    gold, predicted : sequence of set of str
        Codes of each clause, hand and rules, in the same clause order.
    labels : sequence of str
        The codes.
    n_boot : int
        Bootstrap replicates (resampling clauses) for kappa intervals.

    Returns
    -------
    pandas.DataFrame
        One row per code plus ``overall (pooled)`` (every clause × code decision together)
        and ``overall (mean of codes)``: ``n``, ``gold_positive``, ``rule_positive``,
        ``both``, ``precision``, ``recall``, ``kappa``, ``kappa_low``, ``kappa_high``.
    """
    gold_m = np.array([[c in g for c in labels] for g in gold], dtype=bool)
    pred_m = np.array([[c in p for c in labels] for p in predicted], dtype=bool)
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, len(gold_m), size=(n_boot, len(gold_m)))
    # Every replicate at once (n_boot × clauses × codes); kappa from integer counts, so the
    # values are those of cohen_kappa on each replicate, to the bit.
    gold_s, pred_s = gold_m[samples], pred_m[samples]
    per_code = _kappas(gold_s, pred_s, axis=1)                      # n_boot × codes
    pooled = _kappas(gold_s.reshape(n_boot, -1), pred_s.reshape(n_boot, -1), axis=1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)             # all-NaN replicates
        mean_codes = np.nanmean(per_code, axis=1) if per_code.size else np.full(n_boot, np.nan)

    def row(name, g, p, point, reps):
        reps = reps[~np.isnan(reps)]
        low, high = _interval(reps, level) if len(reps) else (np.nan, np.nan)
        both = int((g & p).sum())
        return {"code": name, "n": int(g.shape[0]), "gold_positive": int(g.sum()),
                "rule_positive": int(p.sum()), "both": both,
                "precision": both / p.sum() if p.sum() else np.nan,
                "recall": both / g.sum() if g.sum() else np.nan,
                "kappa": point, "kappa_low": float(low), "kappa_high": float(high)}

    rows = [row(c, gold_m[:, k], pred_m[:, k], cohen_kappa(gold_m[:, k], pred_m[:, k]),
                per_code[:, k]) for k, c in enumerate(labels)]
    rows.append(row("overall (pooled)", gold_m.ravel(), pred_m.ravel(),
                    cohen_kappa(gold_m.ravel(), pred_m.ravel()), pooled))
    values = [cohen_kappa(gold_m[:, k], pred_m[:, k]) for k in range(len(labels))]
    point = float(np.nanmean(values)) if not np.all(np.isnan(values)) else np.nan
    rows.append(row("overall (mean of codes)", gold_m.ravel(), pred_m.ravel(), point,
                    mean_codes))
    return pd.DataFrame(rows)


def _kappas(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
    """:func:`cohen_kappa` of many binary codings along ``axis`` (NaN where chance is 1)."""
    observed = np.mean(a == b, axis=axis)
    pa, pb = a.mean(axis=axis), b.mean(axis=axis)
    chance = pa * pb + (1 - pa) * (1 - pb)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(chance < 1, (observed - chance) / (1 - chance), np.nan)


def gold_agreement(sample: pd.DataFrame, coding: pd.DataFrame,
                   clauses: pd.DataFrame | None = None, n_boot: int = 2000,
                   rules_path: Path | None = None) -> dict[str, pd.DataFrame]:
    """Kappa of the rules against a hand-coded sample, for domains and for instruments.

    Parameters
    ----------
    sample : pandas.DataFrame
        The sampled clauses (``clause_id``, ``text``) as the coder read them.
    coding : pandas.DataFrame
        The hand coding (``clause_id``, ``domains`` and ``instruments`` as ``a;b``).
    clauses : pandas.DataFrame, optional
        The clause table, to find background clauses (:func:`background_clauses`); without
        it no clause is treated as background.
    rules_path : Path, optional
        Another rules file (e.g. the version before the gold was seen).

    Returns
    -------
    dict
        ``domain`` and ``instrument`` → :func:`agreement` tables.
    """
    merged = sample.merge(coding, on="clause_id", how="inner", validate="one_to_one")
    texts = merged["text"].map(content_text)
    background = None
    if clauses is not None:
        table = _rules_table(str(rules_path or RULES_PATH))
        if table["kind"].str.startswith("background").any():
            background = merged["clause_id"].isin(background_clauses(clauses, rules_path))
    out = {}
    for scheme, column in (("domain", "domains"), ("instrument", "instruments")):
        coded = code_texts(texts, scheme, load_rules(scheme, rules_path), background)
        predicted = [set(coded.columns[row]) for row in coded.to_numpy()]
        out[scheme] = agreement(split_codes(merged[column]), predicted, codes(scheme),
                                n_boot=n_boot)
    return out


def split_half_check(sample: pd.DataFrame, coding: pd.DataFrame, clauses: pd.DataFrame,
                     grid: Sequence[float] = (0.0, 0.2, 0.25, 0.3, 0.4, 0.5)) -> pd.DataFrame:
    """Out-of-sample check of the one tuned parameter, the relative threshold.

    The sample is split into odd and even rows. For each half, the relative threshold that
    maximises pooled kappa on that half is chosen from ``grid`` and applied to the other half,
    whose kappa is then a fair (not tuned-on) estimate. The other rules are as in the rules
    file (their revision also saw the whole sample, so even these figures flatter them a
    little).

    Returns
    -------
    pandas.DataFrame
        ``scheme``, ``tuned_on`` (``odd`` or ``even`` rows), ``relative`` chosen,
        ``kappa_tuned_half``, ``kappa_other_half``, ``kappa_other_half_without``
        (relative threshold 0).
    """
    merged = sample.merge(coding, on="clause_id", how="inner", validate="one_to_one")
    texts = merged["text"].map(content_text).tolist()
    background = merged["clause_id"].isin(background_clauses(clauses)).to_numpy()
    halves = {"odd": np.arange(len(merged)) % 2 == 0, "even": np.arange(len(merged)) % 2 == 1}
    rows = []
    for scheme, column in (("domain", "domains"), ("instrument", "instruments")):
        gold = split_codes(merged[column])
        labels = codes(scheme)
        gold_m = np.array([[c in g for c in labels] for g in gold])
        base = load_rules(scheme)
        pooled = {}
        for rho in grid:
            coded = code_texts(texts, scheme, replace(base, relative=rho), background)
            predicted = coded.to_numpy()
            pooled[rho] = {h: cohen_kappa(gold_m[m].ravel(), predicted[m].ravel())
                           for h, m in halves.items()}
        for tuned, other in (("odd", "even"), ("even", "odd")):
            best = max(grid, key=lambda r: (pooled[r][tuned], -r))
            rows.append({"scheme": scheme, "tuned_on": tuned, "relative": best,
                         "kappa_tuned_half": pooled[best][tuned],
                         "kappa_other_half": pooled[best][other],
                         "kappa_other_half_without": pooled[0.0][other]})
    return pd.DataFrame(rows)
