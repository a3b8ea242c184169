"""Inter-coder reliability of the hand coding, and the rules scored against it.

Two or more coders code the same clauses independently (``tests/gold/reliability/``): policy
domains, instruments and phases, each multi-label. This module measures how far they agree,
with Krippendorff's alpha

* per code, as a binary nominal variable (``krippendorff`` package), and
* over the whole label set of each scheme with the MASI distance for sets (Passonneau 2006),
  through ``nltk.metrics.agreement.AnnotationTask``, which implements alpha with any distance.

Intervals come from a bootstrap over clauses (the unit the coders saw), seeded, so that the
tables are reproducible. Nothing here is written by hand that the two libraries do; only the
resampling loop and the table layout are.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance

SEED = 20261129
LEVEL = 0.95
SCHEMES = {"domain": "domains", "instrument": "instruments", "phase": "phases"}
PHASES = ("prevention", "preparedness", "response", "recovery")


def split_cell(value) -> frozenset[str]:
    """``'a;b'`` → ``frozenset({'a', 'b'})``; an empty or missing cell → empty set."""
    if not isinstance(value, str):
        return frozenset()
    return frozenset(v.strip() for v in value.split(";") if v.strip())


def coder_sets(codings: Mapping[str, pd.DataFrame], column: str) -> tuple[list[str], list[list]]:
    """Align the coders' label sets on the clauses all of them coded.

    Parameters
    ----------
    codings : mapping
        Coder name → table with ``clause_id`` and the multi-label ``column``.
    column : str
        ``domains``, ``instruments`` or ``phases``.

    Returns
    -------
    clause_ids : list of str
        The clauses every coder coded, in the first coder's order.
    sets : list of list of frozenset
        One list per coder (in mapping order), aligned with ``clause_ids``.
    """
    names = list(codings)
    common = set.intersection(*(set(codings[n]["clause_id"]) for n in names))
    clause_ids = [c for c in codings[names[0]]["clause_id"] if c in common]
    sets = []
    for name in names:
        table = codings[name].drop_duplicates("clause_id").set_index("clause_id")[column]
        sets.append([split_cell(table[c]) for c in clause_ids])
    return clause_ids, sets


def binary_alpha(matrix: np.ndarray) -> float:
    """Krippendorff's alpha of a coders × units 0/1 matrix (nominal); NaN when undefined."""
    if matrix.size == 0 or np.unique(matrix).size < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=matrix.astype(float),
                                    level_of_measurement="nominal"))


def set_distance(a: frozenset, b: frozenset) -> float:
    """MASI distance, with two empty sets at distance 0 (nltk divides by zero there)."""
    if not a and not b:
        return 0.0
    return float(masi_distance(a, b))


def masi_alpha(sets: Sequence[Sequence[frozenset]]) -> float:
    """Krippendorff's alpha over label sets with the MASI distance (NaN when undefined)."""
    triples = [(str(k), str(i), labels) for k, coder in enumerate(sets)
               for i, labels in enumerate(coder)]
    distinct = {labels for _, _, labels in triples}
    if len(distinct) < 2:
        return float("nan")
    return float(AnnotationTask(data=triples, distance=set_distance).alpha())


def _interval(values: np.ndarray, level: float) -> tuple[float, float]:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    return float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))


def alpha_table(codings: Mapping[str, pd.DataFrame], labels: Mapping[str, Sequence[str]],
                n_boot: int = 500, seed: int = SEED, level: float = LEVEL) -> pd.DataFrame:
    """Krippendorff's alpha per code and per scheme, with bootstrap intervals over clauses.

    Parameters
    ----------
    codings : mapping
        Coder name → coding table (``clause_id``, ``domains``, ``instruments``, ``phases``).
    labels : mapping
        Scheme (``domain``, ``instrument``, ``phase``) → its codes, in codebook order.
    n_boot : int
        Bootstrap replicates (clauses resampled with replacement).

    Returns
    -------
    pandas.DataFrame
        ``scheme``, ``code`` (a code, or ``all (MASI)`` for the set-valued alpha), ``n_units``,
        ``n_coders``, ``positives`` (codes given, summed over coders), ``observed_agreement``
        (share of clauses on which all coders agree), ``alpha``, ``alpha_low``,
        ``alpha_high``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for scheme, column in SCHEMES.items():
        if scheme not in labels or any(column not in c for c in codings.values()):
            continue
        clause_ids, sets = coder_sets(codings, column)
        n = len(clause_ids)
        draws = rng.integers(0, n, size=(n_boot, n)) if n else np.empty((0, 0), int)
        for code in labels[scheme]:
            matrix = np.array([[code in s for s in coder] for coder in sets], dtype=int)
            reps = np.array([binary_alpha(matrix[:, d]) for d in draws])
            low, high = _interval(reps, level)
            rows.append({"scheme": scheme, "code": code, "n_units": n,
                         "n_coders": len(sets), "positives": int(matrix.sum()),
                         "observed_agreement": float(np.mean(np.all(matrix == matrix[0], 0)))
                         if n else float("nan"),
                         "alpha": binary_alpha(matrix), "alpha_low": low, "alpha_high": high})
        reps = np.array([masi_alpha([[coder[i] for i in d] for coder in sets]) for d in draws])
        low, high = _interval(reps, level)
        same = [all(coder[i] == sets[0][i] for coder in sets) for i in range(n)]
        rows.append({"scheme": scheme, "code": "all (MASI)", "n_units": n,
                     "n_coders": len(sets), "positives": int(sum(len(s) for c in sets for s in c)),
                     "observed_agreement": float(np.mean(same)) if n else float("nan"),
                     "alpha": masi_alpha(sets), "alpha_low": low, "alpha_high": high})
    return pd.DataFrame(rows)


def disagreements(codings: Mapping[str, pd.DataFrame], sample: pd.DataFrame) -> pd.DataFrame:
    """Clauses on which the coders differ, with each coder's codes, for adjudication.

    Returns
    -------
    pandas.DataFrame
        ``item``, ``clause_id``, ``scheme``, one column per coder (codes as ``a;b``) and
        ``text``; one row per clause and scheme with any disagreement.
    """
    rows = []
    text = sample.set_index("clause_id")
    for scheme, column in SCHEMES.items():
        if any(column not in c for c in codings.values()):
            continue
        clause_ids, sets = coder_sets(codings, column)
        for i, clause_id in enumerate(clause_ids):
            if len({coder[i] for coder in sets}) > 1:
                row = {"item": int(text.at[clause_id, "item"]) if "item" in text else i + 1,
                       "clause_id": clause_id, "scheme": scheme}
                row.update({name: ";".join(sorted(coder[i]))
                            for name, coder in zip(codings, sets)})
                row["text"] = text.at[clause_id, "text"]
                rows.append(row)
    return pd.DataFrame(rows)


def reliability_study(folder: Path | None = None, clauses: pd.DataFrame | None = None,
                      n_boot: int = 500) -> dict[str, pd.DataFrame]:
    """The reliability study of ``tests/gold/reliability``: coders' alpha, and the rules
    scored against the adjudicated codes on clauses they were not written on.

    Parameters
    ----------
    folder : Path, optional
        The study's folder (default: ``tests/gold/reliability`` of the repository).
    clauses : pandas.DataFrame, optional
        ``clauses.csv``, for the rules' background clauses (default: the built table).
    n_boot : int
        Bootstrap replicates for every interval.

    Returns
    -------
    dict
        ``alpha``: :func:`alpha_table` of the two coders; ``rules``: the pooled rows of
        :func:`analysis.text.coding.gold_agreement` for domains and instruments (column
        ``scheme`` added); ``rules_by_code``: its rows per code (kappa with its interval,
        precision and recall of each code on the unseen clauses).
    """
    from analysis.core.paths import processed_dir, repo_root
    from analysis.text.coding import codes, gold_agreement

    folder = Path(folder) if folder else repo_root() / "tests" / "gold" / "reliability"
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / name, dtype=str, keep_default_na=False)

    sample = read("sample.csv")
    coders = {"coder_b": read("coder_b.csv"), "coder_c": read("coder_c.csv")}
    labels = {"domain": codes("domain"), "instrument": codes("instrument"),
              "phase": list(PHASES)}
    if clauses is None:
        clauses = pd.read_csv(processed_dir() / "clauses.csv")
    agreement = gold_agreement(sample[["clause_id", "text"]],
                               read("adjudicated.csv")[["clause_id", "domains", "instruments"]],
                               clauses=clauses, n_boot=n_boot)
    rules = pd.concat([table[table["code"] == "overall (pooled)"].assign(scheme=scheme)
                       for scheme, table in agreement.items()], ignore_index=True)
    by_code = pd.concat([table[~table["code"].str.startswith("overall")].assign(scheme=scheme)
                         for scheme, table in agreement.items()], ignore_index=True)
    return {"alpha": alpha_table(coders, labels, n_boot=n_boot), "rules": rules,
            "rules_by_code": by_code}
