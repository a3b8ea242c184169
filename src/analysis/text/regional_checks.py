"""Tables behind the checks and examples of the regional-priorities notebook.

Written by the regional stage (:func:`analysis.text.regional.build`) so that
``notebooks/02_regional_priorities.ipynb`` only reads them:

* ``text_composition.csv`` (:func:`analysis.text.regional.text_composition`): content text per
  plan and its share in background passages;
* ``coding_agreement.csv`` (:func:`agreement_table`): Cohen's kappa of the dictionary rules
  against the hand-coded sample in ``tests/gold/``, for the rules before the gold was seen
  and for the current rules, with bootstrap intervals;
* ``coding_split_half.csv`` (:func:`split_half_table`): the out-of-sample check of the one
  tuned parameter;
* ``reuse_examples.csv`` (:func:`reuse_examples_table`): aligned clause pairs of the two plans
  that share the most text, segment by segment; :func:`examples_from_table` turns them back
  into the frame that :func:`analysis.figures.regional.plot_aligned_examples` draws.

Without the gold files (an installed package without ``tests/``) the two coding tables are
written empty and the stage says so.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.core.paths import PACKAGE_DATA, repo_root
from analysis.core.schema import Column, TableSchema
from analysis.text import coding

#: Rules versions compared with the hand coding: name -> rules file (None: the current rules).
RULES_VERSIONS = {"v1_pregold": PACKAGE_DATA / "domain_rules_v1_pregold.csv", "v2": None}
#: Hand-coded sample and its coding.
GOLD_SAMPLE = "domain_sample.csv"
GOLD_CODING = "domain_coding.csv"
#: Aligned examples: how many clause pairs, and the shortest identical run marked as shared
#: (shorter than the 10 characters that count for the shares, so that small edits show).
N_EXAMPLES = 3
EXAMPLE_MIN_BLOCK = 10

_AGREE = "`analysis.text.coding.gold_agreement`"
_GOLD = "`tests/gold/domain_coding.csv` (hand coding of `tests/gold/domain_sample.csv`)"
_REGIONAL = "`analysis.text.regional`"

TEXT_COMPOSITION = TableSchema(
    name="text_composition",
    filename="text_composition.csv",
    description="Content text of each plan (clauses' own text without numbers, attribution "
                "parentheses and whitespace) and the share of it in background passages "
                "(achievements, situation, guiding thought), which get no policy code.",
    primary_key=("doc_id",),
    columns=(
        Column("doc_id", "str", "Plan.", source="`clauses.csv`"),
        Column("n_clauses", "int", "Clauses with content text.",
               source="`analysis.text.tokenise.prepared_clauses`"),
        Column("n_chars", "int", "Characters of content text.",
               source="`analysis.text.tokenise.prepared_clauses`"),
        Column("background_share", "float", "Share of `n_chars` in background clauses (0-1).",
               source="`analysis.text.coding.background_clauses`"),
    ),
)

CODING_AGREEMENT = TableSchema(
    name="coding_agreement",
    filename="coding_agreement.csv",
    description="Agreement of the dictionary coding with a hand-coded sample of clauses "
                "(coded by a colleague from the codebook definitions, independently of the "
                "rules): one row per rules version, scheme and code, plus two overall rows "
                "per version and scheme. Intervals: percentile bootstrap over the sampled "
                "clauses (2000 replicates, fixed seed). Version `v2` was revised once after "
                "the hand coding was seen, so its figures are partly in-sample; `v1_pregold` "
                "is out of sample.",
    primary_key=("rules_version", "scheme", "code"),
    columns=(
        Column("rules_version", "str", "`v1_pregold`: rules before the hand coding was seen "
               "(`src/analysis/data/domain_rules_v1_pregold.csv`); `v2`: current rules.",
               allowed=tuple(RULES_VERSIONS), source=_AGREE),
        Column("scheme", "str", "Coding scheme.", allowed=coding.SCHEMES, source=_AGREE),
        Column("code", "str", "Code, or `overall (pooled)` (every clause × code decision "
               "together) or `overall (mean of codes)`.", source=_AGREE),
        Column("n", "int", "Decisions compared (clauses; clauses × codes when pooled).",
               source=_AGREE),
        Column("gold_positive", "int", "Positives in the hand coding.", source=_GOLD),
        Column("rule_positive", "int", "Positives by the rules.", source=_AGREE),
        Column("both", "int", "Positives in both.", source=_AGREE),
        Column("precision", "float", "both / rule_positive (empty without rule positives).",
               nullable=True, source=_AGREE),
        Column("recall", "float", "both / gold_positive (empty without gold positives).",
               nullable=True, source=_AGREE),
        Column("kappa", "float", "Cohen's kappa (empty when chance agreement is 1).",
               nullable=True, source="`analysis.text.coding.cohen_kappa`"),
        Column("kappa_low", "float", "Lower end of the 95% bootstrap interval of `kappa`.",
               nullable=True, source=_AGREE),
        Column("kappa_high", "float", "Upper end of the 95% bootstrap interval of `kappa`.",
               nullable=True, source=_AGREE),
    ),
)

CODING_SPLIT_HALF = TableSchema(
    name="coding_split_half",
    filename="coding_split_half.csv",
    description="Out-of-sample check of the relative threshold, the one tuned parameter of "
                "the current rules: the hand-coded sample is split into odd and even rows; "
                "the threshold that maximises pooled kappa on one half is applied to the "
                "other half.",
    primary_key=("scheme", "tuned_on"),
    columns=(
        Column("scheme", "str", "Coding scheme.", allowed=coding.SCHEMES,
               source="`analysis.text.coding.split_half_check`"),
        Column("tuned_on", "str", "Half the threshold was chosen on.", allowed=("odd", "even"),
               source="`analysis.text.coding.split_half_check`"),
        Column("relative", "float", "Relative threshold chosen on that half.",
               source="`analysis.text.coding.split_half_check`"),
        Column("kappa_tuned_half", "float", "Pooled kappa on the half it was chosen on.",
               nullable=True, source="`analysis.text.coding.split_half_check`"),
        Column("kappa_other_half", "float", "Pooled kappa on the other half (not tuned on).",
               nullable=True, source="`analysis.text.coding.split_half_check`"),
        Column("kappa_other_half_without", "float", "Pooled kappa on the other half without "
               "the threshold (0).", nullable=True,
               source="`analysis.text.coding.split_half_check`"),
    ),
)

REUSE_EXAMPLES = TableSchema(
    name="reuse_examples",
    filename="reuse_examples.csv",
    description=f"The {N_EXAMPLES} clause pairs of the two plans that share the most text "
                "(the ordered pair with the largest `share` in `reuse_shares.csv`) with the "
                "highest overlap among clauses short enough to print, each from a different "
                "source clause, aligned character by character: one row per segment, "
                f"identical runs of at least {EXAMPLE_MIN_BLOCK} characters marked `same`.",
    primary_key=("example", "segment"),
    columns=(
        Column("doc_a", "str", "Plan whose text is found in `doc_b`.", source="`reuse.csv`"),
        Column("doc_b", "str", "The other plan.", source="`reuse.csv`"),
        Column("example", "int", "Example number (1 = highest overlap).",
               source="`analysis.text.regional.example_pairs`"),
        Column("clause_a", "str", "Clause of `doc_a`.", source="`reuse.csv`"),
        Column("clause_b", "str", "Clause of `doc_b`.", source="`reuse.csv`"),
        Column("overlap_share", "float", "Share of `clause_a` in identical runs found in "
               "`clause_b`.", source="`reuse.csv`"),
        Column("segment", "int", "Segment number within the example (0-based, text order).",
               source="`analysis.text.reuse.Alignment.segments`"),
        Column("kind", "str", "`same`: identical run; `changed`: text that differs.",
               allowed=("same", "changed"), source="`analysis.text.reuse.Alignment.segments`"),
        Column("text_a", "str", "Segment text in `clause_a` (content text without "
               "whitespace; empty for an insertion).", nullable=True, source=_REGIONAL),
        Column("text_b", "str", "Segment text in `clause_b` (empty for a deletion).",
               nullable=True, source=_REGIONAL),
    ),
)

SCHEMAS = [TEXT_COMPOSITION, CODING_AGREEMENT, CODING_SPLIT_HALF, REUSE_EXAMPLES]


def gold_dir() -> Path:
    """``tests/gold`` of the repository."""
    return repo_root() / "tests" / "gold"


def read_gold(folder: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The hand-coded sample and its coding, or None when the files are absent."""
    folder = Path(folder) if folder is not None else gold_dir()
    paths = folder / GOLD_SAMPLE, folder / GOLD_CODING
    if not all(p.exists() for p in paths):
        return None
    return tuple(pd.read_csv(p, keep_default_na=False) for p in paths)


def agreement_table(sample: pd.DataFrame, gold: pd.DataFrame,
                    clauses: pd.DataFrame) -> pd.DataFrame:
    """``coding_agreement.csv``: :func:`analysis.text.coding.gold_agreement` for every
    version of :data:`RULES_VERSIONS`."""
    parts = []
    for version, rules_path in RULES_VERSIONS.items():
        result = coding.gold_agreement(sample, gold, clauses, rules_path=rules_path)
        for scheme, table in result.items():
            parts.append(table.assign(rules_version=version, scheme=scheme))
    return pd.concat(parts, ignore_index=True)[CODING_AGREEMENT.column_names]


def split_half_table(sample: pd.DataFrame, gold: pd.DataFrame,
                     clauses: pd.DataFrame) -> pd.DataFrame:
    """``coding_split_half.csv`` (:func:`analysis.text.coding.split_half_check`)."""
    return coding.split_half_check(sample, gold, clauses)[CODING_SPLIT_HALF.column_names]


def top_reuse_pair(reuse_shares: pd.DataFrame) -> tuple[str, str] | None:
    """The ordered plan pair (doc_a, doc_b) with the largest reuse share (ties: first in
    table order), or None without reuse."""
    if reuse_shares.empty or not (reuse_shares["share"] > 0).any():
        return None
    row = reuse_shares.loc[reuse_shares["share"].idxmax()]
    return str(row["doc_a"]), str(row["doc_b"])


def reuse_examples_table(examples: pd.DataFrame, doc_a: str, doc_b: str) -> pd.DataFrame:
    """Long form of :func:`analysis.text.regional.example_pairs` output: one row per
    alignment segment."""
    rows = []
    for number, ex in enumerate(examples.itertuples(), start=1):
        for segment, (kind, text_a, text_b) in enumerate(ex.segments):
            rows.append({"doc_a": doc_a, "doc_b": doc_b, "example": number,
                         "clause_a": ex.clause_a, "clause_b": ex.clause_b,
                         "overlap_share": ex.overlap_share, "segment": segment, "kind": kind,
                         "text_a": text_a, "text_b": text_b})
    return pd.DataFrame(rows, columns=REUSE_EXAMPLES.column_names)


def examples_from_table(table: pd.DataFrame) -> pd.DataFrame:
    """The frame :func:`analysis.figures.regional.plot_aligned_examples` draws, from
    ``reuse_examples.csv``: one row per example with ``text_a``, ``text_b`` and the
    ``segments`` list."""
    table = table.sort_values(["example", "segment"])
    rows = []
    for _, part in table.groupby("example", sort=True):
        a = part["text_a"].fillna("").astype(str).tolist()
        b = part["text_b"].fillna("").astype(str).tolist()
        first = part.iloc[0]
        rows.append({"clause_a": first["clause_a"], "clause_b": first["clause_b"],
                     "overlap_share": first["overlap_share"], "text_a": "".join(a),
                     "text_b": "".join(b),
                     "segments": list(zip(part["kind"].tolist(), a, b))})
    return pd.DataFrame(rows, columns=["clause_a", "clause_b", "overlap_share", "text_a",
                                       "text_b", "segments"])


#: How the notebook names the rules versions.
VERSION_LABELS = {"v1_pregold": "v1 (before the gold was seen)", "v2": "v2 (revised once)"}


def agreement_by_version(table: pd.DataFrame) -> dict[str, dict[str, pd.DataFrame]]:
    """``coding_agreement.csv`` as :func:`analysis.text.coding.gold_agreement` returns it, for
    each version: {version label: {scheme: agreement table}}, in table order."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for version, part in table.groupby("rules_version", sort=False):
        out[VERSION_LABELS.get(version, version)] = {
            scheme: rows.drop(columns=["rules_version", "scheme"]).reset_index(drop=True)
            for scheme, rows in part.groupby("scheme", sort=False)}
    return out
