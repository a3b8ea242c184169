"""Schemas of every table in ``data/processed`` (checked on write, rendered as the codebook)."""
from __future__ import annotations

from .clean import RULE_NAMES
from .read import ADMIN_LEVELS, DOC_TYPES
from .schema import Column, TableSchema

MANIFEST = "data/raw/manifest.csv"

_MANIFEST_COLUMNS = (
    Column("doc_id", "str", "Stable readable document identifier, e.g. `jiangxi-2023`.",
           source=MANIFEST),
    Column("file", "str", "Raw file path relative to `data/raw/`.", source=MANIFEST),
    Column("sha256", "str", "SHA-256 of the raw file (verified on every build).", source=MANIFEST),
    Column("encoding", "str", "Encoding used to decode the raw file.",
           source="detected by `analysis.read.decode_bytes`, or the manifest override"),
    Column("encoding_source", "str", "How the encoding was chosen.",
           allowed=("bom", "utf-8", "detected", "manifest"), source="`analysis.read`"),
    Column("jurisdiction_zh", "str", "Issuing jurisdiction in Chinese, e.g. 丽水市.", source=MANIFEST),
    Column("jurisdiction_en", "str", "Issuing jurisdiction in English.", source=MANIFEST),
    Column("admin_level", "str", "Administrative level (county includes districts 区).",
           allowed=ADMIN_LEVELS, source=MANIFEST),
    Column("province_zh", "str", "Province in Chinese.", source=MANIFEST),
    Column("province_en", "str", "Province in English.", source=MANIFEST),
    Column("parent_zh", "str", "Next-higher jurisdiction in Chinese.", source=MANIFEST),
    Column("parent_en", "str", "Next-higher jurisdiction in English.", source=MANIFEST),
    Column("year_start", "int", "First plan year.", source=MANIFEST),
    Column("year_end", "int", "Last plan year (= year_start for annual plans).", source=MANIFEST),
    Column("doc_type", "str", "Document type.", allowed=DOC_TYPES, source=MANIFEST),
    Column("provenance", "str", "Where the raw text came from and its known defects.",
           source=MANIFEST),
)

DOCUMENTS = TableSchema(
    name="documents",
    filename="documents.csv",
    description="One row per document that was read: manifest fields, sizes before and after "
                "cleaning, counts of changes per cleaning rule, metadata found in removed "
                "debris, and header metadata with the source of each field.",
    primary_key=("doc_id",),
    columns=_MANIFEST_COLUMNS + (
        Column("n_bytes_raw", "int", "Size of the raw file in bytes.", source="raw file"),
        Column("n_chars_raw", "int", "Characters of the decoded raw text.", source="raw file"),
        Column("n_chars_clean", "int", "Characters of the clean text.",
               source="`data/processed/clean/<doc_id>.txt`"),
        Column("script", "str", "Script of the raw text (traditional texts are converted).",
               allowed=("traditional", "simplified"), source="`analysis.clean.traditional_share`"),
        Column("published_date", "date", "Web publication date found in removed debris "
               "(发布时间).", nullable=True, source="`web_debris` rule"),
        Column("printed_date", "date", "Printing date found in a removed 印发 footer.",
               nullable=True, source="`web_debris` rule"),
        Column("attachment_doc_number", "str", "Document number in a removed attachment file "
               "name.", nullable=True, source="`web_debris` rule"),
        Column("garbled_restored", "int", "Garbled GBK spans restored.",
               source="`gbk_shift_repair` rule"),
        Column("garbled_marked", "int", "Garbled spans left marked with □.",
               source="`gbk_shift_repair` rule"),
    ) + tuple(Column(f"n_{name}", "int", f"Changes made by the `{name}` cleaning rule.",
                     source="`data/processed/cleaning_log.csv`") for name in RULE_NAMES),
)

CLEANING_LOG = TableSchema(
    name="cleaning_log",
    filename="cleaning_log.csv",
    description="Every change made by every cleaning rule. `position` is a character offset "
                "into the text as that rule received it (the output of the previous rule); "
                "applying the rows of one document in `step` order to its raw text reproduces "
                "the clean text exactly (tested).",
    primary_key=("doc_id", "step", "position"),
    columns=(
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("step", "int", "Order of the rule in the pipeline (1 = first).",
               source="`analysis.clean.RULES`"),
        Column("rule", "str", "Rule name.", allowed=tuple(RULE_NAMES),
               source="`analysis.clean.RULES`"),
        Column("position", "int", "Character offset in the rule's input text.", source="rule"),
        Column("before", "str", "Text before the change (empty for an insertion).",
               nullable=True, source="rule"),
        Column("after", "str", "Text after the change (empty for a deletion).", nullable=True,
               source="rule"),
        Column("note", "str", "What the rule did, with its evidence where it weighed options.",
               nullable=True, source="rule"),
    ),
)

GARBLED_SPANS = TableSchema(
    name="garbled_spans",
    filename="garbled_spans.csv",
    description="Every garbled (byte-shifted GBK) span detected, with its repair or mark. "
                "Positions are offsets in the decoded raw text.",
    primary_key=("doc_id", "start"),
    columns=(
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("start", "int", "Start offset in the raw text.", source="`analysis.mojibake`"),
        Column("end", "int", "End offset (exclusive).", source="`analysis.mojibake`"),
        Column("observed", "str", "The garbled characters as found.", source="raw file"),
        Column("best_guess", "str", "Most probable original (document's own script).",
               nullable=True, source="`analysis.mojibake.ShiftRepairer`"),
        Column("best_guess_simplified", "str", "Most probable original in simplified form.",
               nullable=True, source="OpenCC t2s of `best_guess`"),
        Column("status", "str", "`restored`: replaced by `best_guess`; `marked`: replaced "
               "by □ per character.", allowed=("restored", "marked"),
               source="`analysis.mojibake`"),
        Column("posterior", "float", "Share of the best candidate among all candidates that "
               "reproduce the span, under the corpus character model.",
               source="`analysis.mojibake`"),
        Column("gain", "float", "Log-likelihood gain of the repair over the unrepaired text.",
               source="`analysis.mojibake`"),
        Column("n_candidates", "int", "Distinct candidate readings that reproduce the span.",
               source="`analysis.mojibake`"),
    ),
)

INPUT_PROBLEMS = TableSchema(
    name="input_problems",
    filename="input_problems.csv",
    description="Raw inputs that could not be processed in the last build (empty when all "
                "inputs were fine).",
    columns=(
        Column("file", "str", "Raw file (relative to `data/raw/`).", source="`analysis.read`"),
        Column("doc_id", "str", "Document, if the file has a manifest row.", nullable=True,
               source="manifest"),
        Column("problem", "str", "What is wrong.", source="`analysis.read`"),
        Column("action", "str", "What the build did and what to do about it.",
               source="`analysis.read`"),
    ),
)

CLEANING_TABLES = (DOCUMENTS, CLEANING_LOG, GARBLED_SPANS, INPUT_PROBLEMS)
