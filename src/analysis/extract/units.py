"""Extract stage: responsible units of each clause and their functional categories.

Clauses of provincial and city work plans often end with a list such as
（责任单位：办公室、人事处等按职责分工牵头落实；市、县〈区〉应急管理局落实〈下同〉）. This module
splits such lists into one row per unit with its role, normalises the unit name and maps it
to a functional category with ``data/unit_categories.csv`` (ordered regex rules, first match
wins; documented there with the reading of each abbreviation).
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.core.paths import PACKAGE_DATA
from analysis.core.schema import Column, TableSchema, write_table

ROLES = ("lead", "per_duties", "support", "implement", "listed")
LIST_PATTERN = re.compile(r"（\s*责任(单位|科室|部门|处室)\s*[：:]((?:[^（）]|（[^（）]*）)*)）")
_ROLE_SUFFIX = re.compile(r"(等)?(按职责分工牵头落实|按职责分工落实|按职责分工负责|牵头落实|牵头负责|"
                          r"牵头|配合落实|配合|负责落实|落实)?(〈下同〉|（下同）)?$")


@lru_cache(maxsize=1)
def unit_categories() -> list[tuple[re.Pattern, str, str, str]]:
    """Ordered (pattern, category, English name, Chinese name) rules."""
    with open(PACKAGE_DATA / "unit_categories.csv", encoding="utf-8") as handle:
        return [(re.compile(r["pattern"]), r["category"], r["category_en"], r["category_zh"])
                for r in csv.DictReader(handle)]


def categorise_unit(unit: str) -> tuple[str, str]:
    """Functional category code and English name of a normalised unit ('other' if none)."""
    for pattern, code, name_en, _ in unit_categories():
        if pattern.search(unit):
            return code, name_en
    return "other", "Other"


def _role(suffix_match: re.Match) -> str:
    phrase = suffix_match.group(2) or ""
    if "按职责分工" in phrase:
        return "per_duties"
    if "牵头" in phrase:
        return "lead"
    if "配合" in phrase:
        return "support"
    if "落实" in phrase or "负责" in phrase:
        return "implement"
    return "listed"


def normalise_unit(unit: str) -> str:
    """Canonical form: brackets unified to （）, spaces and a trailing 等 removed."""
    unit = unit.replace("〈", "（").replace("〉", "）").replace("<", "（").replace(">", "）")
    return re.sub(r"\s+", "", unit).removesuffix("等")


def split_units(segment: str) -> list[str]:
    """Split a list on 、 while keeping names such as 市、县（区）应急管理局 whole: a fragment
    that is only an administrative level (市, 县, 区 …) belongs to the next one."""
    parts = [p for p in re.split(r"[、，,]", segment) if p.strip()]
    units, carry = [], ""
    for part in parts:
        if re.fullmatch(r"[省市县区乡镇（）〈〉]{1,4}", part.strip()):
            carry += part + "、"
            continue
        units.append(carry + part)
        carry = ""
    if carry:
        units.append(carry.rstrip("、"))
    return units


def extract_responsibilities(clauses: pd.DataFrame) -> pd.DataFrame:
    """One row per responsible unit named in a clause's responsibility list.

    Parameters
    ----------
    clauses : DataFrame
        ``clauses.csv``.

    Returns
    -------
    DataFrame
        Columns of :data:`RESPONSIBILITIES`.
    """
    rows = []
    for clause in clauses.itertuples(index=False):
        # Points split out of running text stay inside their parent's text, and a list at
        # the end of the last point covers the whole parent: read lists from the parent only.
        if clause.level == "point":
            continue
        text = clause.text if isinstance(clause.text, str) else ""
        order = 0  # numbered per clause, across all of its lists
        for m in LIST_PATTERN.finditer(text):
            for segment in m.group(2).split("；"):
                segment = segment.strip()
                if not segment:
                    continue
                suffix = _ROLE_SUFFIX.search(segment)
                role = _role(suffix)
                names = segment[: suffix.start()] if suffix.group(0) else segment
                for unit in split_units(names):
                    order += 1
                    norm = normalise_unit(unit)
                    code, name_en = categorise_unit(norm)
                    rows.append(dict(doc_id=clause.doc_id, clause_id=clause.clause_id,
                                     list_label=f"责任{m.group(1)}", unit_order=order,
                                     unit_as_written=unit.strip(), unit=norm, role=role,
                                     category=code, category_en=name_en))
    return pd.DataFrame(rows, columns=RESPONSIBILITIES.column_names)


RESPONSIBILITIES = TableSchema(
    name="responsibilities",
    filename="responsibilities.csv",
    description="Responsible units named in clauses' （责任单位：…） / （责任科室：…） lists, one "
                "row per unit and clause, in the order listed.",
    primary_key=("clause_id", "unit_order"),
    columns=(
        Column("doc_id", "str", "Document.", source="manifest"),
        Column("clause_id", "str", "Clause whose text carries the list.", source="clauses.csv"),
        Column("list_label", "str", "Label of the list as written (责任单位, 责任科室 …).",
               source="clean text"),
        Column("unit_order", "int", "Position of the unit in the clause's list (1 = first).",
               source="`analysis.extract.units`"),
        Column("unit_as_written", "str", "Unit name as written in the clean text.",
               source="clean text"),
        Column("unit", "str", "Normalised unit name (brackets unified, trailing 等 removed).",
               source="`analysis.extract.units.normalise_unit`"),
        Column("role", "str", "Role: `lead` 牵头; `per_duties` 按职责分工牵头落实 (each leads "
               "its own part); `support` 配合; `implement` 落实 (lower-level bureaus); "
               "`listed` no role stated.", allowed=ROLES, source="suffix of the list segment"),
        Column("category", "str", "Functional category code.",
               source="`data/unit_categories.csv` (first matching rule)"),
        Column("category_en", "str", "Functional category in English.",
               source="`data/unit_categories.csv`"),
    ),
)
SCHEMAS = [RESPONSIBILITIES]


def build(raw_dir: Path, processed_dir: Path) -> list[Path]:
    """Write ``responsibilities.csv`` from ``clauses.csv``."""
    from analysis.core.io import read_csv

    clauses = read_csv(Path(processed_dir) / "clauses.csv", dtype={"text": str})
    return [write_table(extract_responsibilities(clauses), RESPONSIBILITIES, processed_dir)]
