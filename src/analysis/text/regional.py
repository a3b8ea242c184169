"""Regional priorities stage: policy domains and instruments, distinctive vocabulary,
similarity and text reuse between plans.

:func:`build` reads ``clauses.csv`` and ``documents.csv`` from the processed folder and writes
the tables of :data:`SCHEMAS`; the pipeline calls it after the clause stage. All randomness
(bootstraps) has fixed seeds, and floats are rounded to six decimals so that a rebuild writes
identical files.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.text import coding as domains, keyness as vocab, regional_checks as checks, reuse
from analysis.text import keyness_resampling as kr, misclassification, phases
from analysis.text import multilevel_shares as multilevel, plan_shares as plan_level, similarity
from analysis.text import share_correction
from analysis.core.io import read_csv
from analysis.core.parallel import stage_jobs
from analysis.core.paths import processed_dir as default_processed_dir
from analysis.core.schema import Column, TableSchema, write_table
from analysis.text.tokenise import prepared_clauses, tokenise_clauses

ROUND = 6
_RULES = "`src/analysis/data/domain_rules.csv` applied by `analysis.text.coding.code_clauses`"
_DOMAINS = tuple(domains.codes("domain"))
_INSTRUMENTS = tuple(domains.codes("instrument"))
_MEASURE = "`analysis.text.plan_shares.plan_shares`"


def _shares_schema(scheme: str, codes: tuple[str, ...]) -> TableSchema:
    word = "domain" if scheme == "domain" else "policy instrument"
    return TableSchema(
        name=f"{scheme}_shares",
        filename=f"{scheme}_shares.csv",
        description=f"Share of each plan's policy text given to each {word}, weighted by text "
                    "length: a measurement of the plan's own text, fully observed up to coding "
                    "error, so it carries no interval (a bootstrap over the plan's clauses "
                    "would have no estimand). Its uncertainty lies in the coding (agreement "
                    "with hand coding: `coding_agreement.csv` and the reliability study; "
                    "correction for misclassification: `analysis.text.misclassification`) and, "
                    "for statements about plans of a level or province, in the plan as a draw "
                    "from a population of plans (`group_shares.csv`, `share_differences.csv`). "
                    "Policy text excludes background passages (achievements, situation, guiding "
                    "thought; `analysis.text.coding.background_clauses`). A clause "
                    f"coded to k {word}s gives 1/k of its length to each; `uncoded` is the "
                    "share of text in clauses without any code, so `share` sums to 1 per plan. "
                    f"`coverage` is the share of text in clauses that touch the {word} at all.",
        primary_key=("doc_id", "code"),
        columns=(
            Column("doc_id", "str", "Plan.", source="`clauses.csv`"),
            Column("scheme", "str", "Coding scheme.", allowed=(scheme,), source=_RULES),
            Column("code", "str", f"The {word} (codebook code) or `uncoded`.",
                   allowed=codes + (domains.UNCODED,), source=_RULES),
            Column("share", "float", "Length-weighted share (0–1).", source=_MEASURE),
            Column("coverage", "float", "Share of text in clauses coded to the code (empty "
                   "for `uncoded`).", nullable=True, source=_MEASURE),
            Column("n_clauses", "int", "Policy clauses with content in the plan.",
                   source="`analysis.text.tokenise.prepared_clauses`"),
            Column("n_chars", "int", "Characters of content text (without numbers, attribution "
                   "parentheses and whitespace; inline points counted once).",
                   source="`analysis.text.tokenise.prepared_clauses`"),
        ),
    )


CLAUSE_DOMAINS = TableSchema(
    name="clause_domains",
    filename="clause_domains.csv",
    description="Policy domains of each clause by the dictionary rules: one row per clause and "
                "assigned domain (a clause may have several, or none). Coded on the clause's "
                "own content text: without the text of its inline points (coded separately), "
                "its number and its attribution parenthesis (责任单位：…). Background passages "
                "(achievements, situation, guiding thought) get no domain.",
    primary_key=("clause_id", "domain"),
    columns=(
        Column("doc_id", "str", "Plan.", source="`clauses.csv`"),
        Column("clause_id", "str", "Clause (see `clauses.csv`).", source="`clauses.csv`"),
        Column("domain", "str", "Policy domain (`src/analysis/data/policy_domains.csv`).",
               allowed=_DOMAINS, source=_RULES),
    ),
    notes=("Agreement with a hand-coded sample of 130 clauses (Cohen's kappa per domain) is "
           "reported in `notebooks/02_regional_priorities.ipynb`.",),
)

CLAUSE_INSTRUMENTS = TableSchema(
    name="clause_instruments",
    filename="clause_instruments.csv",
    description="Policy instruments of each clause in the supply / environment / demand scheme "
                "(Rothwell and Zegveld 1985), by dictionary rules; one row per clause and "
                "assigned instrument (several or none).",
    primary_key=("clause_id", "instrument"),
    columns=(
        Column("doc_id", "str", "Plan.", source="`clauses.csv`"),
        Column("clause_id", "str", "Clause.", source="`clauses.csv`"),
        Column("instrument", "str", "Instrument type "
               "(`src/analysis/data/policy_instruments.csv`).", allowed=_INSTRUMENTS,
               source=_RULES),
    ),
)

DOMAIN_SHARES = _shares_schema("domain", _DOMAINS)
INSTRUMENT_SHARES = _shares_schema("instrument", _INSTRUMENTS)

SHARE_DIFFERENCES = plan_level.SHARE_DIFFERENCES
GROUP_SHARES = plan_level.GROUP_SHARES

DISTINCTIVE_TERMS = TableSchema(
    name="distinctive_terms",
    filename="distinctive_terms.csv",
    description="Distinctive vocabulary of each plan and each administrative level against "
                "the rest of the corpus: weighted log-odds with an informative Dirichlet prior "
                "(Monroe, Colaresi and Quinn 2008; prior mass a tenth of the corpus) and its "
                "z-score (the main ranking), with signed chi-squared (Yates) and G² keyness "
                "beside it. Two variants: all text, and with passages a plan shares with its "
                "presumed source removed from the copying plan. Kept: the top 40 terms by z of "
                "each unit and variant (and their rows in the other variant).",
    primary_key=("variant", "unit_type", "unit", "term"),
    columns=(
        Column("variant", "str", "Text counted (`place names`: the gazetteer's names, left "
               "out of the other two and ranked apart).",
               allowed=("all text", "reuse counted once", "place names"),
               source="`analysis.text.keyness.vocabulary_tables`"),
        Column("unit_type", "str", "Unit compared with the rest.",
               allowed=("document", "admin_level"), source="`documents.csv`"),
        Column("unit", "str", "doc_id or administrative level.", source="`documents.csv`"),
        Column("term", "str", "Word (jieba with the domain lexicon; stopwords and "
               "one-character words removed).", source="`analysis.text.tokenise.segment`"),
        Column("english", "str", "English gloss (empty where the glossary has none).",
               nullable=True, source="`src/analysis/data/glossary.csv`"),
        Column("count_unit", "int", "Occurrences in the unit.", source="tokens"),
        Column("count_rest", "int", "Occurrences in the rest of the corpus.", source="tokens"),
        Column("per_10k_unit", "float", "Occurrences per 10,000 words of the unit.",
               source="tokens"),
        Column("per_10k_rest", "float", "Occurrences per 10,000 words of the rest.",
               source="tokens"),
        Column("log_odds", "float", "Weighted log-odds ratio, unit vs rest.",
               source="`analysis.text.keyness.log_odds_dirichlet`"),
        Column("z", "float", "log_odds divided by its standard error.",
               source="`analysis.text.keyness.log_odds_dirichlet`"),
        Column("chi2", "float", "Signed chi-squared with Yates' correction.",
               source="`analysis.text.keyness.keyness`"),
        Column("g2", "float", "Signed likelihood-ratio G².", source="`analysis.text.keyness.keyness`"),
        Column("rank_z", "int", "Rank by z among all terms of the unit (1 = most distinctive).",
               source="`analysis.text.keyness.distinctive_terms`"),
        Column("rank_chi2", "int", "Rank by signed chi-squared.",
               source="`analysis.text.keyness.distinctive_terms`"),
        Column("rank_g2", "int", "Rank by signed G².", source="`analysis.text.keyness.distinctive_terms`"),
    ),
)
DISTINCTIVE_TERMS = kr.with_resampling(DISTINCTIVE_TERMS)

TERM_SENSITIVITY = TableSchema(
    name="distinctive_terms_sensitivity",
    filename="distinctive_terms_sensitivity.csv",
    description="How far each plan's top-10 distinctive terms (z, prior mass a tenth of the "
                "corpus, all text) change with the prior's strength and with the statistic.",
    primary_key=("unit", "comparison"),
    columns=(
        Column("unit", "str", "Plan.", source="`documents.csv`"),
        Column("comparison", "str", "Alternative ranking.", source="`analysis.text.keyness.prior_sensitivity`"),
        Column("top_overlap", "float", "Share of the top-10 terms that the alternative's "
               "top 10 also contains.", source="`analysis.text.keyness.prior_sensitivity`"),
    ),
)

DOC_SIMILARITY = TableSchema(
    name="doc_similarity",
    filename="doc_similarity.csv",
    description="Pairwise TF-IDF cosine similarity of plans over words and over character "
                "2–4-grams (IDF fitted on the corpus's plans). A measurement of the two texts "
                "as they are, so no interval (a jackknife over clauses would have no "
                "estimand); it depends on the other plans of the corpus through the IDF.",
    primary_key=("representation", "doc_a", "doc_b"),
    columns=(
        Column("representation", "str", "Features.", allowed=("words", "char_2_4"),
               source="`analysis.text.similarity.document_similarity`"),
        Column("doc_a", "str", "First plan (alphabetical).", source="`clauses.csv`"),
        Column("doc_b", "str", "Second plan.", source="`clauses.csv`"),
        Column("cosine", "float", "Cosine similarity.", source="`analysis.text.similarity.document_similarity`"),
    ),
)

REUSE = TableSchema(
    name="reuse",
    filename="reuse.csv",
    description="Clause pairs of different plans that share passages, aligned. Candidates "
                "come from MinHash/LSH over windows of character shingles; each candidate "
                "pair is aligned by repeated local (Smith–Waterman–Gotoh) alignment, which "
                "finds passages in any order and keeps lightly edited passages whole (match "
                "+1, mismatch −2, gap −3 then −1). A local alignment counts when its score is "
                f"at least {reuse.MIN_BLOCK}; a pair is kept when the identical characters in "
                f"its alignments total at least {reuse.MIN_MATCHED}. Each pair appears twice, "
                "once from each side (the same alignments).",
    primary_key=("clause_a", "clause_b"),
    columns=(
        Column("doc_a", "str", "Plan of clause_a.", source="`clauses.csv`"),
        Column("clause_a", "str", "Clause whose text is measured.", source="`clauses.csv`"),
        Column("doc_b", "str", "Plan of clause_b.", source="`clauses.csv`"),
        Column("clause_b", "str", "Clause it shares text with.", source="`clauses.csv`"),
        Column("overlap_share", "float", "Share of clause_a's content characters aligned to "
               "identical characters of clause_b.", source="`analysis.text.reuse.find_reuse`"),
        Column("aligned_text", "str", "clause_a's content text with its differences from "
               "clause_b marked: `{+…+}` only in clause_a, `[-…-]` text of clause_b replaced "
               "or left out at that place inside an aligned passage (clause_b's text outside "
               "the aligned passages is not shown); unmarked text is shared.",
               source="`analysis.text.alignment.Alignment.marked`"),
    ),
)

REUSE_SHARES = TableSchema(
    name="reuse_shares",
    filename="reuse_shares.csv",
    description="Share of each plan's text aligned to each other plan: characters of doc_a "
                "aligned to identical characters of doc_b in the local alignments of "
                "`reuse.csv`, each counted once. A measurement of the two texts, so no "
                "interval; its error against truly copied text is measured by simulation "
                "(`analysis.evaluation.simulate_reuse`). Also the same share when the "
                "lowest alignment score that counts is 6 or 20. Who copied whom, and text "
                "also found in a common source: `reuse_attribution.csv`.",
    primary_key=("doc_a", "doc_b"),
    columns=(
        Column("doc_a", "str", "Plan whose text is measured.", source="`clauses.csv`"),
        Column("doc_b", "str", "Other plan.", source="`clauses.csv`"),
        Column("n_chars_a", "int", "Content characters of doc_a.", source="`analysis.text.reuse`"),
        Column("reused_chars", "int", "Characters of doc_a aligned to identical characters "
               "of doc_b.",
               source="`analysis.text.reuse.reuse_shares`"),
        Column("share", "float", "reused_chars / n_chars_a.", source="`analysis.text.reuse.reuse_shares`"),
        Column("n_clauses_reused", "int", "Clauses of doc_a sharing text with doc_b.",
               source="`analysis.text.reuse.reuse_shares`"),
        Column("share_min_block_8", "float", "share when local alignments of score >= 8 "
               "count.",
               source="`analysis.text.reuse.reuse_shares`"),
        Column("share_min_block_20", "float", "share when only local alignments of score "
               ">= 20 count.",
               source="`analysis.text.reuse.reuse_shares`"),
    ),
)

SCHEMAS = [CLAUSE_DOMAINS, CLAUSE_INSTRUMENTS, DOMAIN_SHARES, INSTRUMENT_SHARES,
           GROUP_SHARES, SHARE_DIFFERENCES, DISTINCTIVE_TERMS, TERM_SENSITIVITY,
           DOC_SIMILARITY, REUSE, REUSE_SHARES, reuse.REUSE_ATTRIBUTION,
           multilevel.MULTILEVEL_SHARES, share_correction.SHARE_CORRECTED,
           phases.INSTRUMENT_PHASE, phases.INSTRUMENT_PHASE_PLANS] + checks.SCHEMAS


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in table.columns:
        if pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].round(ROUND)
    return table


def load_inputs(processed: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Clause table, document table and the prepared clauses (content, length) they give."""
    clauses = read_csv(Path(processed) / "clauses.csv")
    documents = read_csv(Path(processed) / "documents.csv")
    prepared = prepared_clauses(clauses)
    prepared = prepared[prepared["n_chars"] > 0].reset_index(drop=True)
    return clauses, documents, prepared


def compute(clauses: pd.DataFrame, documents: pd.DataFrame, prepared: pd.DataFrame,
            cache: Path | None = None, gold: tuple[pd.DataFrame, pd.DataFrame] | None = None,
            validation: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every table of this stage, keyed by schema name (in memory, nothing written).

    Also returns ``reuse_pairs`` (the reuse table with the covered spans) and ``background``
    (clause_ids left uncoded as background), which are not written. ``gold`` is the
    hand-coded sample and its coding (:func:`analysis.text.regional_checks.read_gold`);
    without it the two coding-agreement tables are empty. ``validation`` is the reliability
    study's sample (:func:`analysis.text.misclassification.validation_matrices`) for the
    misclassification-corrected coverage of ``group_shares``; without it that is empty.
    """
    out: dict[str, pd.DataFrame] = {}
    shares = {}
    background = domains.background_clauses(clauses)
    out["background"] = pd.DataFrame({"clause_id": sorted(background)})
    # Shares are of policy text: background passages (a third of Yongjia's five-year plan)
    # would otherwise lower every share of the plans that have them.
    policy = prepared[~prepared["clause_id"].isin(background)].reset_index(drop=True)
    for scheme in domains.SCHEMES:
        coded = domains.code_clauses(prepared, scheme, background, cache=cache)
        out["clause_domains" if scheme == "domain" else "clause_instruments"] = coded
        # A measurement of each plan's text, without an interval: the plan is fully observed,
        # and a bootstrap of its clauses would have no estimand (issue 13).
        table = plan_level.plan_shares(policy, coded, scheme)
        table["n_clauses"] = table["doc_id"].map(policy.groupby("doc_id").size())
        shares[scheme] = table
    out["domain_shares"] = shares["domain"]
    out["instrument_shares"] = shares["instrument"]
    # Groups are compared with plans as the unit: the plans' shares say nothing by themselves
    # about their level or province.
    out["group_shares"], out["share_differences"] = plan_level.shares_tables(
        shares, documents, validation)
    # Partial pooling across provinces: plans of one province are not independent draws.
    out["multilevel_shares"] = multilevel.multilevel_tables(shares, documents)
    # The fractional shares under the adjudicated coding (matrix method), where a validation
    # sample is at hand.
    out["share_corrected"] = (
        share_correction.corrected_shares(shares["domain"], documents, validation)
        if validation is not None
        else pd.DataFrame(columns=share_correction.SHARE_CORRECTED.column_names))

    compact = prepared.assign(text=prepared["content"].str.replace(r"\s+", "", regex=True))
    tokens = tokenise_clauses(compact, folder=cache)["tokens"]
    if prepared["doc_id"].nunique() <= similarity.SIMILARITY_MAX_PLANS:
        out["doc_similarity"] = similarity.document_similarity(prepared, tokens)
    else:  # whole-plan similarity is a table of every pair of plans: skipped, said so
        print(f"doc_similarity skipped: more than {similarity.SIMILARITY_MAX_PLANS} plans")
        out["doc_similarity"] = pd.DataFrame(columns=DOC_SIMILARITY.column_names)

    # The MinHash/LSH candidates do not depend on the block size: searched once for all three.
    candidates = reuse.candidate_pairs(prepared)
    # One alignment of each candidate pair serves the three block sizes (the main one and
    # the two of the sensitivity columns); the alternatives need only their spans. The lower
    # one is 8, not 6: the rounds of local alignment go on down to the lowest score, and on the
    # candidate pairs of 250 synthetic plans going down to 6 took 5.0 times the alignment time
    # of stopping at 10, going down to 8 1.6 times (a sample of 1,500 pairs, one run each).
    sizes = (8, 20)
    found, *alternatives = reuse.find_reuse_levels(
        prepared, ((reuse.MIN_BLOCK, reuse.MIN_MATCHED),
                   *((block, max(block, reuse.MIN_MATCHED)) for block in sizes)),
        candidates=candidates, marked=(True, False, False), jobs=stage_jobs(), cache_dir=cache)
    out["reuse_pairs"] = found
    out["reuse"] = found[REUSE.column_names]
    reuse_shares = reuse.reuse_shares(prepared, found)
    for block, alternative in zip(sizes, alternatives):
        # Merged on the pair: beyond a few plans only pairs that share text are listed, and
        # the pairs differ between block sizes (a pair missing at this size shares nothing).
        shares = reuse.reuse_shares(prepared, alternative).set_index(
            ["doc_a", "doc_b"])["share"]
        pairs = pd.MultiIndex.from_frame(reuse_shares[["doc_a", "doc_b"]])
        reuse_shares[f"share_min_block_{block}"] = shares.reindex(pairs).fillna(0.0).to_numpy()
    out["reuse_shares"] = reuse_shares
    out["reuse_attribution"] = reuse.reuse_attribution(prepared, found, documents)

    out["distinctive_terms"] = kr.resampled_vocabulary(prepared, found, documents)
    doc_counts = vocab.count_matrix(tokens, prepared["doc_id"], sparse=True)
    places = vocab.jurisdiction_terms(documents)
    doc_counts = doc_counts.drop(columns=[t for t in doc_counts.columns if t in places])
    # Instruments in two dimensions: sub-type x phase of emergency management, per plan.
    out["instrument_phase_plans"] = phases.plan_cell_shares(prepared, background,
                                                            cache=cache)
    out["instrument_phase"] = phases.instrument_phase_table(out["instrument_phase_plans"])
    out["distinctive_terms_sensitivity"] = vocab.prior_sensitivity(doc_counts)

    # What the notebook shows besides these: composition, agreement with the hand coding and
    # aligned examples of the pair of plans that share the most text.
    out["text_composition"] = text_composition(clauses, prepared)
    if gold is not None:
        out["coding_agreement"] = checks.agreement_table(*gold, clauses)
        out["coding_split_half"] = checks.split_half_table(*gold, clauses)
    else:
        out["coding_agreement"] = pd.DataFrame(columns=checks.CODING_AGREEMENT.column_names)
        out["coding_split_half"] = pd.DataFrame(columns=checks.CODING_SPLIT_HALF.column_names)
    pair = checks.top_reuse_pair(_rounded(reuse_shares))
    if pair is None:
        out["reuse_examples"] = pd.DataFrame(columns=checks.REUSE_EXAMPLES.column_names)
    else:
        examples = example_pairs(prepared, _rounded(out["reuse"]), *pair, n=checks.N_EXAMPLES,
                                 min_block=checks.EXAMPLE_MIN_BLOCK)
        out["reuse_examples"] = checks.reuse_examples_table(examples, *pair)
    return out


def build(raw_dir: Path | None = None, processed_dir: Path | None = None) -> list[Path]:
    """Write this stage's tables (:data:`SCHEMAS`) into ``processed_dir``.

    Parameters
    ----------
    raw_dir : Path, optional
        Unused (the stage reads only processed tables); accepted for the pipeline's
        uniform call.
    processed_dir : Path, optional
        ``data/processed`` by default; must hold ``clauses.csv`` and ``documents.csv``.

    Returns
    -------
    list of Path
        Files written, in :data:`SCHEMAS` order.
    """
    processed = Path(processed_dir) if processed_dir is not None else default_processed_dir()
    clauses, documents, prepared = load_inputs(processed)
    gold = checks.read_gold()
    if gold is None:
        print(f"regional: no hand coding in {checks.gold_dir()}; coding_agreement.csv and "
              "coding_split_half.csv are written empty", flush=True)
    folder = checks.gold_dir() / "reliability"
    validation = (misclassification.validation_matrices(folder, clauses)
                  if (folder / "adjudicated.csv").exists() else None)
    tables = compute(clauses, documents, prepared, cache=processed / ".cache", gold=gold,
                     validation=validation)
    return [write_table(_rounded(tables[schema.name]), schema, processed) for schema in SCHEMAS]


def load_outputs(processed_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Read the tables written by :func:`build`, keyed by schema name.

    Raises
    ------
    FileNotFoundError
        Naming the missing files and the command that makes them.
    """
    processed = Path(processed_dir) if processed_dir is not None else default_processed_dir()
    missing = [s.filename for s in SCHEMAS if not (processed / s.filename).exists()]
    if missing:
        raise FileNotFoundError(f"missing in {processed}: {', '.join(missing)}; run "
                                "`python -m analysis build` first")
    return {s.name: read_csv(processed / s.filename) for s in SCHEMAS}


def document_labels(documents: pd.DataFrame, style: str = "long") -> dict[str, str]:
    """Readable plan labels: ``long`` "Yichun 宜春市 (city, 2023)", ``short`` "Yichun 2023"."""
    labels = {}
    for row in documents.itertuples():
        english = row.jurisdiction_en if isinstance(row.jurisdiction_en, str) else ""
        name = (english or row.doc_id).replace(" City", "").replace(" County", "") \
            .replace(" District", "").replace(" Province", "")
        years = (f"{row.year_start}" if row.year_start == row.year_end
                 else f"{row.year_start}–{str(row.year_end)[-2:]}")
        labels[row.doc_id] = (f"{name} {row.jurisdiction_zh} ({row.admin_level}, {years})"
                              if style == "long" else f"{name} {years}")
    return labels


def example_pairs(prepared: pd.DataFrame, reuse_table: pd.DataFrame, doc_a: str, doc_b: str,
                  n: int = 3, min_chars: int = 40, max_chars: int = 140,
                  min_block: int | None = None) -> pd.DataFrame:
    """The ``n`` clause pairs (doc_a, doc_b) with the highest overlap share among clauses of
    ``min_chars``–``max_chars`` characters (short enough to print), each from a different
    source clause; ties by clause order, each with its character alignment.

    Parameters
    ----------
    min_block : int, optional
        Shortest identical run counted as shared in the alignment (default
        :data:`analysis.text.reuse.MIN_BLOCK`).

    Returns
    -------
    pandas.DataFrame
        ``clause_a``, ``clause_b``, ``overlap_share``, ``text_a``, ``text_b`` (content
        text without whitespace) and ``segments`` (list of ``(kind, text_a, text_b)`` from
        :meth:`analysis.text.reuse.Alignment.segments`).
    """
    text = dict(zip(prepared["clause_id"], prepared["content"].str.replace(r"\s+", "",
                                                                          regex=True)))
    pairs = reuse_table[(reuse_table["doc_a"] == doc_a) & (reuse_table["doc_b"] == doc_b)].copy()
    pairs["text_a"] = pairs["clause_a"].map(text)
    pairs["text_b"] = pairs["clause_b"].map(text)
    size = pairs["text_a"].str.len()
    pairs = pairs[(size >= min_chars) & (size <= max_chars)
                  & (pairs["text_b"].str.len() <= max_chars * 1.5)]
    order = {c: k for k, c in enumerate(prepared["clause_id"])}
    pairs["_order"] = pairs["clause_a"].map(order)
    pairs = pairs.sort_values(["overlap_share", "_order"], ascending=[False, True])
    pairs = pairs.drop_duplicates("clause_b").head(n)
    pairs = pairs[["clause_a", "clause_b", "overlap_share", "text_a", "text_b"]] \
        .reset_index(drop=True)
    block = min_block or reuse.MIN_BLOCK
    pairs["segments"] = [list(reuse.align(a, b, block).segments())
                         for a, b in zip(pairs["text_a"], pairs["text_b"])]
    return pairs


def text_composition(clauses: pd.DataFrame, prepared: pd.DataFrame) -> pd.DataFrame:
    """Per plan: content characters, and the share of them in background passages."""
    background = domains.background_clauses(clauses)
    table = prepared.assign(background=prepared["clause_id"].isin(background))
    rows = []
    for doc_id, part in table.groupby("doc_id"):
        total = part["n_chars"].sum()
        rows.append({"doc_id": doc_id, "n_clauses": len(part), "n_chars": int(total),
                     "background_share": part.loc[part["background"], "n_chars"].sum() / total})
    return pd.DataFrame(rows)


def kappa_summary(agreement: pd.DataFrame, low: float = 0.4) -> dict[str, list[str]]:
    """Codes the rules code badly (kappa below ``low``, or no hand-coded positives)."""
    rows = agreement[~agreement["code"].str.startswith("overall")]
    bad = rows[(rows["kappa"] < low) | rows["kappa"].isna()]
    return {"below": sorted(bad["code"]),
            "no_gold_positives": sorted(rows.loc[rows["gold_positive"] == 0, "code"])}
