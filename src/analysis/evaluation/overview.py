"""Summaries of the corpus for the overview notebook (documents, cleaning, clauses, units)."""
from __future__ import annotations

import pandas as pd

from analysis.clean.rules import RULE_NAMES

LEVEL_ORDER = ["preamble", "part", "section", "item", "point"]


def corpus_summary(documents: pd.DataFrame) -> pd.DataFrame:
    """One line per document: who issued it, level, period, type and size."""
    out = documents.assign(
        period=[f"{a}" if a == b else f"{a}–{b}" for a, b in
                zip(documents["year_start"], documents["year_end"])],
        jurisdiction=documents["jurisdiction_en"] + " " + documents["jurisdiction_zh"],
    )
    return out[["doc_id", "jurisdiction", "admin_level", "province_en", "period", "doc_type",
                "script", "n_chars_raw", "n_chars_clean"]].set_index("doc_id")


def cleaning_report(documents: pd.DataFrame) -> pd.DataFrame:
    """Changes per cleaning rule (columns, in pipeline order) and document (rows)."""
    cols = [f"n_{name}" for name in RULE_NAMES]
    report = documents.set_index("doc_id")[cols]
    report.columns = RULE_NAMES
    return report


def clause_counts(clauses: pd.DataFrame) -> pd.DataFrame:
    """Clauses per document (rows) and level (columns); inferred nodes counted apart."""
    written = clauses[~clauses["inferred"].astype(bool)]
    table = (written.groupby(["doc_id", "level"]).size().unstack(fill_value=0)
             .reindex(columns=LEVEL_ORDER, fill_value=0))
    inferred = clauses[clauses["inferred"].astype(bool)].groupby("doc_id").size()
    table["inferred (lost headings)"] = inferred.reindex(table.index).fillna(0).astype(int)
    return table


def unit_categories_by_document(responsibilities: pd.DataFrame) -> pd.DataFrame:
    """Clause–unit assignments per functional category (rows) and document (columns)."""
    return (responsibilities.groupby(["category_en", "doc_id"]).size().unstack(fill_value=0)
            .sort_values(by=list(responsibilities["doc_id"].unique()), ascending=False))


def domain_names() -> dict[str, str]:
    """Policy-domain code → English name (``data/policy_domains.csv``)."""
    from analysis.core.paths import PACKAGE_DATA

    table = pd.read_csv(PACKAGE_DATA / "policy_domains.csv")
    return dict(zip(table["domain"], table["name_en"]))


def targets_by_document_and_domain(targets: pd.DataFrame, clause_domains: pd.DataFrame
                                   ) -> pd.DataFrame:
    """Targets and facts per policy domain of their clause (rows) and document (columns).

    A target in a clause coded with several domains counts once in each; targets in clauses
    without a domain count under "(no domain)". Cells read ``targets/facts``.
    """
    names = domain_names()
    joined = targets[["doc_id", "clause_id", "kind"]].merge(
        clause_domains[["clause_id", "domain"]], on="clause_id", how="left")
    joined["domain"] = joined["domain"].map(names).fillna("(no domain)")
    table = (joined.groupby(["domain", "doc_id", "kind"]).size().unstack("kind", fill_value=0)
             .reindex(columns=["target", "fact"], fill_value=0))
    order = list(names.values()) + ["(no domain)"]
    table = table.reset_index()
    table["domain"] = pd.Categorical(table["domain"], categories=order, ordered=True)
    return (table.sort_values(["domain", "doc_id"]).set_index(["domain", "doc_id"]))
