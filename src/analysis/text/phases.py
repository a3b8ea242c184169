"""Policy instruments in two dimensions: instrument sub-type × phase of emergency management.

Two rule schemes of :mod:`analysis.text.coding`, in ``data/instrument_phase_rules.csv``:

``subtype``
    Fifteen sub-types of the three instrument types of Rothwell and Zegveld (1985), as
    listed in ``data/policy_instrument_subtypes.csv`` (each row names its parent type):
    supply (funding, talent and training, technology and information, facilities and
    supplies, rescue forces), environment (targets and planning, regulation and standards,
    enforcement and inspection, responsibility and assessment, organisation and
    coordination, publicity and guidance) and demand (purchase of services and third
    parties, insurance, pilots and demonstrations, social participation and rewards).
``phase``
    The four phases of ``data/policy_phases.csv`` (prevention, preparedness, response,
    recovery), defined as in the reliability study's codebook
    (``tests/gold/reliability/CODEBOOK.md``).

Both were written from the codebook's definitions and from the clauses of the five seed
plans outside the reliability sample, and committed before the adjudicated phases of that
sample were read; :func:`phase_agreement` scores them there, once, out of sample. The
sub-types have no hand coding: their rules are untested.

The two-dimensional table shares text as :func:`analysis.text.coding.bootstrap_shares`
does: a clause of ``n`` characters with ``k`` sub-types and ``m`` phases gives
``n / (k m)`` to each of its ``k × m`` cells; a clause without a sub-type goes to the row
``uncoded``, one without a phase to the column ``no phase``, so each plan's cells sum to 1.
Plans are the unit: each plan's shares first, then the mean over plans (each plan once),
with the smallest and largest plan beside it. With five plans that describes these plans;
it does not estimate a population.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.core.schema import Column, TableSchema
from analysis.text import coding
from analysis.text.coding import UNCODED

PHASES = ("prevention", "preparedness", "response", "recovery")
#: Column of the text of clauses without any phase.
NO_PHASE = "no phase"
_SOURCE = ("`src/analysis/data/instrument_phase_rules.csv` applied by "
           "`analysis.text.coding.code_texts` (schemes `subtype` and `phase`)")


def subtypes() -> pd.DataFrame:
    """The sub-type codebook: ``subtype``, ``instrument``, ``name_en``, ``name_zh``,
    ``definition``, in codebook order."""
    return coding.codebook("subtype").rename(columns={"code": "subtype"})


def clause_matrices(prepared: pd.DataFrame, background: set[str] | None = None,
                    cache: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Clauses × sub-types and clauses × phases 0/1 matrices (rows in ``prepared`` order).

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses with ``content`` (:func:`analysis.text.tokenise.prepared_clauses`).
    background : set of str, optional
        clause_ids that get no code (:func:`analysis.text.coding.background_clauses`).
    cache : Path, optional
        A build's cache folder: per-text rule scores kept between builds
        (:func:`analysis.text.coding.score_texts`).
    """
    flags = (prepared["clause_id"].isin(background).to_numpy() if background is not None
             else None)
    sub = coding.code_texts(prepared["content"], "subtype", background=flags,
                            cache=cache).to_numpy()
    phase = coding.code_texts(prepared["content"], "phase", background=flags,
                              cache=cache).to_numpy()
    return sub.astype(float), phase.astype(float)


def plan_cell_shares(prepared: pd.DataFrame, background: set[str] | None = None,
                     cache: Path | None = None) -> pd.DataFrame:
    """Each plan's share of clause characters in every sub-type × phase cell.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses with ``doc_id``, ``clause_id``, ``content`` and ``n_chars``.
    background : set of str, optional
        clause_ids left out of the plan's text altogether (background passages are not
        policy; the domain shares leave them out too).
    cache : Path, optional
        As in :func:`clause_matrices`.

    Returns
    -------
    pandas.DataFrame
        ``doc_id``, ``instrument``, ``subtype``, ``phase``, ``share``, ``n_chars`` (the
        plan's policy characters): every cell of every plan, zeros included, in codebook
        order; ``share`` sums to 1 per plan.
    """
    if background:
        prepared = prepared[~prepared["clause_id"].isin(background)]
    prepared = prepared[prepared["n_chars"] > 0].reset_index(drop=True)
    sub, phase = clause_matrices(prepared, cache=cache)
    # Clauses without a code go to the extra row / column, so each clause's weights sum to 1.
    sub = np.column_stack([sub, sub.sum(axis=1) == 0])
    phase = np.column_stack([phase, phase.sum(axis=1) == 0])
    sub /= sub.sum(axis=1, keepdims=True)
    phase /= phase.sum(axis=1, keepdims=True)
    lengths = prepared["n_chars"].to_numpy(dtype=float)
    docs, doc_codes = np.unique(prepared["doc_id"].to_numpy(), return_inverse=True)
    # Characters per plan and cell: sum over the plan's clauses of n · sub ⊗ phase. Each
    # clause's cells are summed into its plan by a sparse product (a plans × clauses dense
    # matrix took 1.4 GB and 24 s at 2,000 synthetic plans, and grows with their square).
    weights = ((lengths[:, None] * sub)[:, :, None] * phase[:, None, :]).reshape(
        len(prepared), sub.shape[1] * phase.shape[1])
    member = sparse.csr_matrix((np.ones(len(prepared)), (doc_codes, np.arange(len(prepared)))),
                               shape=(len(docs), len(prepared)))
    cells = (member @ weights).reshape(len(docs), sub.shape[1], phase.shape[1])
    totals = np.bincount(doc_codes, weights=lengths, minlength=len(docs))
    shares = cells / totals[:, None, None]
    book = subtypes()
    rows_sub = book["subtype"].tolist() + [UNCODED]
    rows_type = book["instrument"].tolist() + [UNCODED]
    columns = list(PHASES) + [NO_PHASE]
    d, s, p = np.meshgrid(np.arange(len(docs)), np.arange(len(rows_sub)),
                          np.arange(len(columns)), indexing="ij")
    return pd.DataFrame({"doc_id": docs[d.ravel()],
                         "instrument": np.asarray(rows_type)[s.ravel()],
                         "subtype": np.asarray(rows_sub)[s.ravel()],
                         "phase": np.asarray(columns)[p.ravel()],
                         "share": shares.ravel(),
                         "n_chars": totals[d.ravel()].astype(int)})


def instrument_phase_table(plan_shares: pd.DataFrame) -> pd.DataFrame:
    """Mean over plans of each sub-type × phase cell, with the range over plans.

    Parameters
    ----------
    plan_shares : pandas.DataFrame
        :func:`plan_cell_shares`.

    Returns
    -------
    pandas.DataFrame
        :data:`INSTRUMENT_PHASE` columns, one row per cell in codebook order; ``share``
        sums to 1 over the cells.
    """
    keys = ["instrument", "subtype", "phase"]
    order = plan_shares[keys].drop_duplicates().reset_index(drop=True)
    grouped = plan_shares.groupby(keys, sort=False)["share"]
    table = order.merge(grouped.agg(share="mean", share_min="min", share_max="max",
                                    plans_with="size").reset_index(), on=keys)
    present = plan_shares[plan_shares["share"] > 0].groupby(keys, sort=False).size()
    table["plans_with"] = (table.set_index(keys).index.map(present).fillna(0)
                           .astype(int).to_numpy())
    table["n_plans"] = plan_shares["doc_id"].nunique()
    return table[INSTRUMENT_PHASE.column_names]


def phase_agreement(sample: pd.DataFrame, gold: pd.DataFrame,
                    clauses: pd.DataFrame | None = None, n_boot: int = 2000
                    ) -> pd.DataFrame:
    """Cohen's kappa of the phase rules against hand-coded phases, per phase and pooled,
    with intervals from a bootstrap over clauses (:func:`analysis.text.coding.agreement`).

    Parameters
    ----------
    sample : pandas.DataFrame
        The clauses as the coders read them (``clause_id``, ``text``).
    gold : pandas.DataFrame
        The hand coding (``clause_id``, ``phases`` as ``a;b``).
    clauses : pandas.DataFrame, optional
        The clause table, to leave background clauses uncoded as the build does.
    """
    from analysis.text.tokenise import content_text

    merged = sample.merge(gold[["clause_id", "phases"]], on="clause_id", how="inner",
                          validate="one_to_one")
    background = (merged["clause_id"].isin(coding.background_clauses(clauses)).to_numpy()
                  if clauses is not None else None)
    coded = coding.code_texts(merged["text"].map(content_text), "phase",
                              background=background)
    predicted = [set(coded.columns[row]) for row in coded.to_numpy()]
    return coding.agreement(coding.split_codes(merged["phases"]), predicted, list(PHASES),
                            n_boot=n_boot)


def subtype_rollup_agreement(sample: pd.DataFrame, gold: pd.DataFrame,
                             clauses: pd.DataFrame | None = None, n_boot: int = 2000
                             ) -> pd.DataFrame:
    """The sub-type rules rolled up to their instrument types (a clause gets a type when
    any of its sub-types belongs to it), scored like :func:`phase_agreement` against the
    hand-coded ``instruments``. The sub-types themselves have no hand coding; this checks
    them at the level that has one."""
    from analysis.text.tokenise import content_text

    merged = sample.merge(gold[["clause_id", "instruments"]], on="clause_id", how="inner",
                          validate="one_to_one")
    background = (merged["clause_id"].isin(coding.background_clauses(clauses)).to_numpy()
                  if clauses is not None else None)
    coded = coding.code_texts(merged["text"].map(content_text), "subtype",
                              background=background)
    parent = subtypes().set_index("subtype")["instrument"]
    predicted = [set(parent[coded.columns[row]]) for row in coded.to_numpy()]
    return coding.agreement(coding.split_codes(merged["instruments"]), predicted,
                            coding.codes("instrument"), n_boot=n_boot)


def read_phase_gold(folder: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reliability sample (``clause_id``, ``text``) and its adjudicated codes
    (``clause_id``, ``phases``, ``instruments``) from ``tests/gold/reliability`` (or
    ``folder``), for :func:`phase_agreement` and :func:`subtype_rollup_agreement`."""
    from analysis.core.paths import repo_root

    folder = Path(folder) if folder else repo_root() / "tests" / "gold" / "reliability"
    read = {"keep_default_na": False, "dtype": str, "encoding": "utf-8"}
    sample = pd.read_csv(folder / "sample.csv", **read)[["clause_id", "text"]]
    gold = pd.read_csv(folder / "adjudicated.csv", **read)[["clause_id", "phases",
                                                           "instruments"]]
    return sample, gold


INSTRUMENT_PHASE = TableSchema(
    name="instrument_phase",
    filename="instrument_phase.csv",
    description="Policy instruments in two dimensions: the share of plan text in each "
                "instrument sub-type × phase of emergency management, by dictionary rules. "
                "A clause of n characters with k sub-types and m phases gives n/(km) to each "
                "cell; clauses without a sub-type form the row `uncoded`, clauses without a "
                "phase the column `no phase`. Each plan's shares (of its policy text: "
                "background passages left out) sum to 1; `share` is their mean over plans, "
                "each plan counted once.",
    primary_key=("subtype", "phase"),
    columns=(
        Column("instrument", "str", "Instrument type (`src/analysis/data/"
               "policy_instruments.csv`), or `uncoded`.",
               allowed=tuple(coding.codes("instrument")) + (UNCODED,), source=_SOURCE),
        Column("subtype", "str", "Instrument sub-type (`src/analysis/data/"
               "policy_instrument_subtypes.csv`), or `uncoded`.",
               allowed=tuple(coding.codes("subtype")) + (UNCODED,), source=_SOURCE),
        Column("phase", "str", "Phase of emergency management (`src/analysis/data/"
               "policy_phases.csv`), or `no phase`.", allowed=PHASES + (NO_PHASE,),
               source=_SOURCE),
        Column("share", "float", "Mean over plans of the plan's share of text in the cell "
               "(0–1; sums to 1 over cells).",
               source="`analysis.text.phases.instrument_phase_table`"),
        Column("share_min", "float", "Smallest plan's share.",
               source="`analysis.text.phases.instrument_phase_table`"),
        Column("share_max", "float", "Largest plan's share.",
               source="`analysis.text.phases.instrument_phase_table`"),
        Column("plans_with", "int", "Plans with any text in the cell.",
               source="`analysis.text.phases.plan_cell_shares`"),
        Column("n_plans", "int", "Plans averaged.", source="`clauses.csv`"),
    ),
    notes=("The phase rules' agreement with the adjudicated phases of the reliability "
           "sample (150 clauses they were not written on) is in "
           "`notebooks/02_regional_priorities.ipynb`; the sub-type rules have no hand "
           "coding.",),
)

INSTRUMENT_PHASE_PLANS = TableSchema(
    name="instrument_phase_plans",
    filename="instrument_phase_plans.csv",
    description="Each plan's share of its policy text in each instrument sub-type × phase "
                "cell (the plan-level table that `instrument_phase.csv` averages); every "
                "cell of every plan, zeros included. Same coding and allocation as "
                "`instrument_phase.csv`; `share` sums to 1 per plan.",
    primary_key=("doc_id", "subtype", "phase"),
    columns=(
        Column("doc_id", "str", "Plan.", source="`clauses.csv`"),
        INSTRUMENT_PHASE.columns[0], INSTRUMENT_PHASE.columns[1], INSTRUMENT_PHASE.columns[2],
        Column("share", "float", "Share of the plan's policy text in the cell (0–1).",
               source="`analysis.text.phases.plan_cell_shares`"),
        Column("n_chars", "int", "The plan's policy characters (content text without "
               "background passages).", source="`analysis.text.phases.plan_cell_shares`"),
    ),
)
