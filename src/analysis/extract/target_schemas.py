"""Schemas of the tables written by the targets stage: ``targets.csv`` and ``accident_targets.csv``.

The column definitions (types, allowed values, sources) of :data:`TARGETS` and
:data:`ACCIDENT_TARGETS`, with the vocabularies they allow (comparators, kinds, accident
indicators, baseline rules, administrative levels). They live apart from the stage entry
:mod:`analysis.extract.targets` so that the modules producing the tables can use the column
order without importing the stage; ``targets`` re-exports them and lists them in ``SCHEMAS``.
The ``source`` strings keep naming the functions by their public path in
``analysis.extract.targets``, where they are re-exported.
"""
from __future__ import annotations

from analysis.core.schema import Column, TableSchema

COMPARATORS = (">=", "<=", "=", "decline_by", "increase_by")
KINDS = ("target", "fact")
ACCIDENT_COMPARATORS = ("decline_by", "below", "no_major")
ACCIDENT_INDICATORS = ("accidents_total", "deaths_total", "deaths_per_100m_gdp",
                       "major_accidents_total", "other")
BASELINE_RULES = ("previous_year", "mean_prev_2", "base_year", "none")
ADMIN_LEVELS = ("province", "city", "county")

_SRC = "`analysis.extract.targets.extract_targets`"
_SRC_ACC = "`analysis.extract.targets.accident_targets`"

TARGETS = TableSchema(
    name="targets",
    filename="targets.csv",
    description="Every quantity written in a plan (a number with a unit), as a commitment "
                "(`target`) or a report about the past or present (`fact`), with what it "
                "measures and "
                "its comparator, deadline and baseline as written. Cue lists: "
                "`src/analysis/data/target_units.csv`, `target_cues.csv`, "
                "`target_glossary.csv`. Precision and recall against the reading gold: "
                "`tests/gold/TARGETS_EVAL.md`.",
    primary_key=("doc_id", "target_no"),
    columns=(
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("clause_id", "str", "Clause holding the quantity (`clauses.csv`).",
               source="`analysis.structure.clauses`"),
        Column("target_no", "int", "Order of the quantity within the document (1 = first).",
               source=_SRC),
        Column("span", "str", "The phrase holding the number, verbatim from the clause text "
               "(from the previous comma or list member to the next comma).", source=_SRC),
        Column("indicator", "str", "What is measured, in Chinese: the words before the "
               "number without comparator, deadline and baseline cues, plus what is counted "
               "after a count unit (e.g. 新增规范化避灾安置场所).", nullable=True, source=_SRC),
        Column("indicator_en", "str", "English gloss of `indicator`, assembled from "
               "`target_glossary.csv` (unknown words dropped; the unit's name if nothing is "
               "known).", nullable=True, source="`analysis.extract.targets.gloss`"),
        Column("value", "float", "The number as a number (6.6 for 6.6万人; the magnitude "
               "stays in `unit`).", source=_SRC),
        Column("value_written", "str", "The number as written, with 万/亿 when the unit "
               "carries it (6.6万, 两, 35).", source="clean text"),
        Column("unit", "str", "Unit as written (%, 个, 支, 名, 人, 万人, 次, 公里, 小时, 座, "
               "家 …); empty for a rate written without one (万车死亡率控制在1.5以内).",
               nullable=True, source="`data/target_units.csv`"),
        Column("comparator", "str", "`>=` (达/至少/不少于/以上), `<=` (以内/控制在/不超过), "
               "`=` (bare number), `decline_by` (下降 X), `increase_by` (提高 X).",
               allowed=COMPARATORS, source="`data/target_cues.csv`"),
        Column("deadline", "str", "Time limit as written before the number in its sentence "
               "(到2025年, 6月底前, 2021年底前, 全年); empty when none is written.",
               nullable=True, source="`data/target_cues.csv`"),
        Column("baseline", "str", "What a change is measured against, as written (同比, "
               "同比前两年平均数, 较2016年相比).", nullable=True,
               source="`data/target_cues.csv`"),
        Column("kind", "str", "`target`: a commitment; `fact`: a report about the past or a "
               "description of the present: a background section (发展基础, 工作成效, a heading "
               "naming only past periods such as 2023年工作情况), past cues (累计, 已, 截至, "
               "perfective 了, a year before the plan, a past five-year-plan period), or, when "
               "no commitment frame holds (确保/力争/要/控制在/不超过, a bound after the unit, a "
               "deadline with 到/前/内, a goals section such as 主要目标), a situation frame "
               "(幅员面积, 总人口, 共有, 下辖, 发生, 造成, 地处, 据统计; the next items of such a "
               "list of facts) or a change on the previous year (同比) without a period. Cues: "
               "`data/target_cues.csv`; module `analysis.extract.frames`.", allowed=KINDS,
               source=_SRC),
        Column("conflict", "bool", "True when the same document gives a different value for "
               "the same indicator (same counted object or rate phrase, same unit) in another "
               "clause, and the two do not carry different deadlines.", source=_SRC),
        Column("char_start", "int", "Start of `span` in `clean/<doc_id>.txt` (offset in the "
               "clean text, not the clause).", source=_SRC),
        Column("char_end", "int", "End of `span` (exclusive) in the clean text.", source=_SRC),
    ),
    notes=("Not quantities: years, months and days; ordinals (第三); numbers in quotation "
           "marks, book titles and document-number brackets (“钢8条”, 〔2019〕207号); codes "
           "(1+X, 7×24); Chinese numerals that label rather than count (十四五, 二十大, "
           "三比三争, 两大品牌). A Chinese numeral counts only after a commitment verb, a "
           "comparator or a frequency cue (组建两支, 每年至少一次).",),
)

ACCIDENT_TARGETS = TableSchema(
    name="accident_targets",
    filename="accident_targets.csv",
    description="Accident targets in the normalised form read by the feasibility stage "
                "(`analysis.accidents.feasibility.CORPUS_TARGET_COLUMNS`): numeric declines of accident "
                "counts, deaths and deaths per 100 million yuan of GDP from `targets.csv`, "
                "and the non-numeric goals 双下降 (`below` the previous year) and "
                "遏制重特大/杜绝较大以上/防较大 (`no_major`). Background sections are skipped.",
    primary_key=("target_id",),
    columns=(
        Column("target_id", "str", "`<doc_id>/T<nn>`, numbered in text order within the "
               "document.", source=_SRC_ACC),
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("clause_id", "str", "Clause holding the goal.", source="`analysis.structure.clauses`"),
        Column("geography_zh", "str", "Jurisdiction the goal applies to (the issuer's); empty "
               "where the plan's place is not known.", nullable=True,
               source="`documents.jurisdiction_zh`"),
        Column("geography_en", "str", "Jurisdiction in English (empty where the manifest "
               "gives none).", nullable=True, source="`documents.jurisdiction_en`"),
        Column("admin_level", "str", "Administrative level.", allowed=ADMIN_LEVELS,
               source="`documents.admin_level`"),
        Column("indicator_code", "str", "`accidents_total` (事故起数), `deaths_total` "
               "(死亡人数), `deaths_per_100m_gdp` (亿元GDP死亡率), `major_accidents_total` "
               "(accidents of class 较大 and above: 较大/重大/特别重大), `other` (other rates, "
               "and 一般 accidents in 减少一般事故).", allowed=ACCIDENT_INDICATORS,
               source="`data/target_cues.csv` (accident_indicator)"),
        Column("comparator", "str", "`decline_by`: fall by at least `-required_change_pct` "
               "percent; `below`: strictly lower than the baseline; `no_major`: no accident "
               "of the class.", allowed=ACCIDENT_COMPARATORS, source=_SRC_ACC),
        Column("required_change_pct", "float", "Required change in percent (-20.0 for 下降"
               "20%); empty for `below` and `no_major`.", nullable=True, source="`targets.value`"),
        Column("baseline_rule", "str", "`previous_year` (同比, 双下降), `mean_prev_2` "
               "(同比前两年平均数), `base_year` (较2016年; 前三年平均 lists the years), `none`.",
               allowed=BASELINE_RULES, source="`targets.baseline`"),
        Column("base_years", "str", "Base years, `;`-separated (2019;2020); empty for "
               "`none`.", nullable=True, source=_SRC_ACC),
        Column("target_year", "int", "Year the goal applies to: the deadline's year, else "
               "the plan's last year.", source="`targets.deadline`, `documents.year_end`"),
        Column("year_set", "int", "Year the goal was set (the plan's first year).",
               source="`documents.year_start`"),
        Column("span", "str", "Exact text of the goal.", source="clean text"),
    ),
    notes=("Not represented (no comparator fits): 有效控制较大事故 (`control`) and goals "
           "without an accident class such as 防范遏制“小火亡人”事故. A `below` row of code "
           "`other` with `baseline_rule` `none` is a 减少一般事故 goal: the text names no "
           "baseline and none is inferred.",),
)
