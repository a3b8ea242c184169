"""Accuracy against hand-made gold files in ``tests/gold`` (precision, recall, exact matches).

Used by the tests and by the corpus-overview notebook, so the figures quoted in both come from
one implementation.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Score:
    """Precision/recall of a set of predictions against gold items."""

    n_gold: int
    n_predicted: int
    n_matched: int

    @property
    def precision(self) -> float:
        return self.n_matched / self.n_predicted if self.n_predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.n_matched / self.n_gold if self.n_gold else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_garbled(spans: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Compare detected garbled spans with the gold list.

    Parameters
    ----------
    spans : DataFrame
        ``garbled_spans.csv`` rows (doc_id, start, end, status, best_guess_simplified, ...).
    gold : DataFrame
        ``tests/gold/garbled_spans.csv`` (doc_id, raw_start, raw_end, original_simplified, ...).

    Returns
    -------
    DataFrame
        One row per gold span: whether it was detected (overlapping span), detected with exact
        boundaries, restored exactly (status restored and text equal), or marked.
    """
    rows = []
    for g in gold.itertuples(index=False):
        cand = spans[(spans["doc_id"] == g.doc_id) & (spans["start"] < g.raw_end)
                     & (spans["end"] > g.raw_start)]
        hit = cand.iloc[0] if len(cand) else None
        rows.append(dict(
            doc_id=g.doc_id, raw_start=g.raw_start, raw_span=g.raw_span,
            gold=g.original_simplified,
            predicted="" if hit is None else str(hit["best_guess_simplified"]),
            detected=hit is not None,
            exact_bounds=hit is not None and hit["start"] == g.raw_start and hit["end"] == g.raw_end,
            restored_exactly=hit is not None and hit["status"] == "restored"
            and hit["best_guess_simplified"] == g.original_simplified,
            marked=hit is not None and hit["status"] == "marked",
        ))
    return pd.DataFrame(rows)


def path_to_clause_id(doc_id: str, path: str) -> str:
    """Gold-file clause path (``二/(十七)/3``, brackets marking inferred numbers) to the
    clause_id scheme of ``clauses.csv`` (``doc/2/17/3``)."""
    from analysis.structure.clauses import cn_to_int

    if path.startswith("preamble"):
        return ""
    numbers = []
    for part in path.split("/"):
        value = cn_to_int(part.strip("[]()（）"))
        numbers.append("x" if value is None else str(value))
    return doc_id + "/" + "/".join(numbers)


def _unit_key(unit: str) -> str:
    """The pipeline's normalisation, plus the ASCII and ‹› brackets of hand-typed gold."""
    from analysis.extract.units import normalise_unit

    for a, b in (("‹", "（"), ("›", "）"), ("(", "（"), (")", "）")):
        unit = unit.replace(a, b)
    return normalise_unit(unit.strip())


def evaluate_responsibilities(extracted: pd.DataFrame, gold: pd.DataFrame) -> dict[str, Score]:
    """Precision and recall of responsible units on the gold clauses.

    A unit counts as found when clause, normalised name and role all agree ("unit+role"), or
    clause and name agree ("unit").
    """
    gold = gold.assign(clause_id=[path_to_clause_id(d, p) for d, p in
                                  zip(gold["doc_id"], gold["clause_path"])])
    clauses = set(gold["clause_id"])
    pred = extracted[extracted["clause_id"].isin(clauses)]
    out = {}
    for name, cols in (("unit", ["clause_id", "key"]), ("unit+role", ["clause_id", "key", "role"])):
        g = gold.assign(key=gold["unit_as_written"].map(_unit_key))[cols]
        p = pred.assign(key=pred["unit"].map(_unit_key))[cols]
        g_set = set(map(tuple, g.to_numpy().tolist()))
        p_set = set(map(tuple, p.to_numpy().tolist()))
        out[name] = Score(len(g_set), len(p_set), len(g_set & p_set))
    return out


def evaluate_clause_counts(clauses: pd.DataFrame, gold_counts: pd.DataFrame) -> pd.DataFrame:
    """Clause counts per document and level (inferred nodes excluded) beside the gold."""
    counts = (clauses[~clauses["inferred"].astype(bool)].groupby(["doc_id", "level"]).size()
              .rename("extracted").reset_index())
    merged = gold_counts.rename(columns={"count": "gold"}).merge(
        counts, on=["doc_id", "level"], how="outer").fillna(0)
    merged[["gold", "extracted"]] = merged[["gold", "extracted"]].astype(int)
    return merged


def int_to_cn(value: int) -> str:
    """1..99 as Chinese numerals (一 … 九十九)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(value, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def clause_paths(clauses: pd.DataFrame) -> pd.DataFrame:
    """Written-number path of every non-inferred numbered clause, in the gold files' form
    (``一/(一)/1``; inferred ancestors in brackets with their inferred number)."""
    by_id = clauses.set_index("clause_id")
    rows = []
    for c in clauses.itertuples(index=False):
        written_self = c.number_written if isinstance(c.number_written, str) else ""
        if c.inferred or (c.level == "preamble" and not written_self):
            continue
        chain, node = [], c.clause_id
        while node:
            row = by_id.loc[node]
            written = str(row["number_written"]) if isinstance(row["number_written"], str) else ""
            if written:
                token = written.rstrip("、.．").replace(":", "：")
            else:  # inferred ancestor: its number in the style of its level
                cn = int_to_cn(int(row["number"]))
                token = f"[{cn}]" if row["level"] == "part" else f"[（{cn}）]"
            chain.append(token)
            node = row["parent_id"] if isinstance(row["parent_id"], str) else ""
        rows.append(dict(doc_id=c.doc_id, clause_id=c.clause_id, level=c.level,
                         path="/".join(reversed(chain))))
    return pd.DataFrame(rows)


def evaluate_clause_paths(clauses: pd.DataFrame, gold_headings: pd.DataFrame) -> Score:
    """Precision and recall of numbered clauses, matched by document, level and the path of
    written numbers (``tests/gold/clause_headings.csv``; unnumbered preambles excluded)."""
    def norm(path: str) -> str:
        return path.replace("(", "（").replace(")", "）").replace(":", "：")

    gold = gold_headings[gold_headings["number_written"] != ""]
    gold_keys = {(d, lvl, norm((p + "/" if p else "") + n.rstrip("、.．")))
                 for d, lvl, p, n in zip(gold["doc_id"], gold["level"], gold["parent_path"],
                                         gold["number_written"])}
    ours = clause_paths(clauses)
    our_keys = {(d, lvl, norm(p)) for d, lvl, p in zip(ours["doc_id"], ours["level"],
                                                       ours["path"])}
    return Score(len(gold_keys), len(our_keys), len(gold_keys & our_keys))
