"""``analysis add-plan FILE``: put one plan into ``data/raw/`` with one command.

The file is copied byte for byte into ``data/raw/plans/``, its checksum is computed once and
recorded in ``SHA256SUMS`` (the only place checksums live), and a manifest row is filled with
what the text itself says (title, issuer, issue date, document number, jurisdiction, level,
province, years, document type), read by the same cleaning and header parser the build uses.
Values given on the command line win over values read from the text. Nothing is written
unless every check passes; a duplicate file, name or doc_id is refused with a message.

The jurisdiction, level and years are read by simple rules on the title and issuer (documented
in :func:`guess_fields`); the gazetteer-based reading belongs to the metadata work.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analysis.clean.rules import CleanContext, clean_text
from analysis.core.io import atomic_write_bytes
from analysis.core.paths import raw_dir as default_raw_dir
from analysis.corpus.checksums import read_checksums, record_checksum, sha256_bytes
from analysis.corpus.manifest import (ADMIN_LEVELS, DOC_ID, DOC_TYPES, MANIFEST_COLUMNS,
                                      append_manifest_row, load_manifest)
from analysis.corpus.read import PLAN_SUFFIXES, decode_bytes
from analysis.structure.clauses import parse_header

#: Largest plan accepted (bytes): larger files are almost certainly not one plan.
MAX_BYTES = 50_000_000

_PLACE = re.compile(r"([\u4e00-\u9fff]{2,12}?(?:自治区|自治州|自治县|特别行政区|省|市|州|盟|县|区|旗))")
#: China's provincial-level units (a fixed list of 34 names, not a gazetteer).
PROVINCES = ("北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省",
             "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
             "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省",
             "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
             "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区")
_PROVINCE = re.compile("|".join(PROVINCES))
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
#: A place name has no date, function word or verb in it (2019年自治区 is not one).
_NAME = re.compile(r"[^年月日的和及与在对为等关于印发]+")
#: Words shaped like place names that name none ("the region", "urban district" …).
_GENERIC = {"自治区", "自治州", "自治县", "城市区", "市辖区", "各市县", "社区", "地区", "城区", "市区",
            "县区", "各区", "各县", "各市", "有关县", "有关市", "有关区"}
_FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}


class AddPlanError(ValueError):
    """A plan that cannot be added; the message says why and what to do."""


@dataclass
class AddedPlan:
    """What :func:`add_plan` wrote."""

    row: dict[str, str]
    path: Path
    sha256: str
    read_from_text: list[str]


def guess_fields(text: str) -> dict[str, str]:
    """Manifest fields read from a plan's own text (empty where the text is silent).

    Rules: title, issuer, issue date and document number come from the header parser of the
    build (:func:`analysis.structure.clauses.parse_header`) on the cleaned text; the
    jurisdiction is the first place name (ending in 省, 自治区, 市, 州, 县, 区, 旗 …) of the
    issuer, else of the title; the level follows from its suffix (省/自治区 and the four
    municipalities: province; 市/州/盟: city; 县/区/旗: county; a place name nested in a
    province name, e.g. 浙江省丽水市, keeps the innermost); the years come from "2023年" in the
    title or from 十四五-style plan periods; the document type is ``five_year_plan`` for a
    title with 规划 and a five-year period, else ``annual_work_plan``.
    """
    clean = clean_text(text, CleanContext("new-plan")).text
    header = parse_header(clean)
    fields = {"title_zh": header.title, "issuer_zh": header.issuer,
              "issue_date": header.issue_date, "doc_number": header.doc_number}
    title = header.title or next((line for line in clean.splitlines() if line.strip()), "")[:80]
    for source in (header.issuer, title):
        place = _innermost_place(source or "")
        if place:
            fields["jurisdiction_zh"] = place
            break
    place = fields.get("jurisdiction_zh", "")
    if place:
        if place.endswith(("省", "自治区")) or place in _MUNICIPALITIES:
            fields["admin_level"] = "province"
        elif place.endswith(("市", "州", "盟")):
            fields["admin_level"] = "city"
        else:
            fields["admin_level"] = "county"
    province = _PROVINCE.search(" ".join([header.issuer, title, clean[:400]]))
    if fields.get("admin_level") == "province":
        fields["province_zh"] = place
    elif province:
        fields["province_zh"] = province.group(0)
    period = next((span for key, span in _FIVE_YEAR.items() if key in title), None)
    years = re.search(r"(20\d{2})\s*[-—–至到]\s*(20\d{2})年", title)
    year = re.search(r"(20\d{2})年", title)
    if years:
        fields["year_start"], fields["year_end"] = years.group(1), years.group(2)
    elif period:
        fields["year_start"], fields["year_end"] = map(str, period)
    elif year:
        fields["year_start"] = fields["year_end"] = year.group(1)
    if "规划" in title and (period or years):
        fields["doc_type"] = "five_year_plan"
    elif title:
        fields["doc_type"] = "annual_work_plan"
    return {k: v for k, v in fields.items() if v}


def _innermost_place(text: str) -> str:
    """The last of the place names that open ``text`` one after another: 浙江省丽水市 →
    丽水市, 重庆市大足区人民政府 → 大足区; a province name is matched whole first."""
    place, pos = "", 0
    while pos < len(text):
        match = _PROVINCE.match(text, pos) or _PLACE.match(text, pos)
        if not match or match.group(0) in _GENERIC or not _NAME.fullmatch(match.group(0)):
            break
        place, pos = match.group(0), match.end()
    if not place:
        place = next((m.group(0) for m in _PLACE.finditer(text)
                      if m.group(0) not in _GENERIC and _NAME.fullmatch(m.group(0))), "")
    return place


def _default_doc_id(source: Path) -> str:
    stem = re.sub(r"[^a-z0-9._-]+", "-", source.stem.lower()).strip("-._")
    return stem if stem and DOC_ID.fullmatch(stem) else ""


def add_plan(source: str | Path, doc_id: str | None = None, raw: Path | None = None,
             given: dict[str, str] | None = None, name: str | None = None) -> AddedPlan:
    """Copy a plan into ``raw/plans/``, record its checksum and append its manifest row.

    Parameters
    ----------
    source : path
        The plan file (any encoding the reader detects).
    doc_id : str, optional
        Identifier (lower-case letters, digits, ``.``, ``_``, ``-``); default: from the file
        name.
    raw : Path, optional
        Raw-data folder (default ``data/raw``).
    given : dict, optional
        Manifest fields given by the user; they win over fields read from the text.
    name : str, optional
        File name inside ``plans/`` (default: the source's name).

    Raises
    ------
    AddPlanError
        If the file is missing, not a regular file, too large, undecodable, already in the
        corpus (same bytes, same name or same doc_id), or a required field (years, level,
        document type) can be neither read from the text nor was given.
    """
    raw = Path(raw) if raw else default_raw_dir()
    source = Path(source)
    given = {k: v for k, v in (given or {}).items() if v}
    if not source.is_file():
        raise AddPlanError(f"{source}: not a regular file; give the path of one plan text")
    size = source.stat().st_size
    if size > MAX_BYTES:
        raise AddPlanError(f"{source}: {size:,} bytes is larger than one plan "
                           f"({MAX_BYTES:,} allowed); split it or check the file")
    with open(source, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    name = name or source.name
    if Path(name).suffix not in PLAN_SUFFIXES or "/" in name or name.startswith("."):
        raise AddPlanError(f"{name}: plan files are named '<something>.txt'; pass --name")
    rel = f"plans/{name}"
    digest = sha256_bytes(data)
    recorded = read_checksums(raw)
    same = [f for f, d in recorded.items() if d == digest]
    if same:
        raise AddPlanError(f"{source}: the same bytes are already in the corpus as "
                           f"data/raw/{same[0]}; nothing added")
    if rel in recorded or (raw / rel).exists():
        raise AddPlanError(f"data/raw/{rel} already exists; pass --name to store this plan "
                           "under another file name")
    manifest = load_manifest(raw) if (raw / "manifest.csv").exists() else None
    doc_id = doc_id or given.pop("doc_id", "") or _default_doc_id(source)
    if not DOC_ID.fullmatch(doc_id or ""):
        raise AddPlanError(f"doc_id {doc_id!r} is not usable: pass --doc-id with lower-case "
                           "letters, digits, '.', '_' or '-' (e.g. wenzhou-2022)")
    if manifest is not None and doc_id in set(manifest["doc_id"]):
        raise AddPlanError(f"doc_id {doc_id!r} is already in data/raw/manifest.csv; choose "
                           "another with --doc-id")
    try:
        text, _, _ = decode_bytes(data, given.get("encoding", ""))
    except (ValueError, UnicodeDecodeError, LookupError) as err:
        raise AddPlanError(f"{source}: cannot be read ({err}); if the encoding is known, "
                           "pass --encoding") from err
    read = guess_fields(text)
    row = {col: "" for col in MANIFEST_COLUMNS}
    row.update(read)
    row.update(given)
    row.update(doc_id=doc_id, file=rel)
    from_text = sorted(k for k in read if k not in given)
    missing = [f for f, ok in (("year_start", row["year_start"].isdigit()),
                               ("year_end", row["year_end"].isdigit()),
                               ("admin_level", row["admin_level"] in ADMIN_LEVELS),
                               ("doc_type", row["doc_type"] in DOC_TYPES)) if not ok]
    if missing:
        flags = " ".join(f"--{m.replace('_', '-')} …" for m in missing)
        raise AddPlanError(f"{source}: the text does not say {', '.join(missing)}; "
                           f"give them: {flags}")
    row["provenance"] = (row["provenance"] + "; " if row["provenance"] else "") + (
        f"added by `analysis add-plan` on {date.today().isoformat()} from {source.name}; "
        f"read from the text: {', '.join(from_text) or 'nothing'}")
    target = raw / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, data)
    try:
        if sha256_bytes(target.read_bytes()) != digest:
            raise AddPlanError(f"copy of {source} to {target} is not byte-identical")
        record_checksum(raw, rel, digest)
        append_manifest_row(raw, row)
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return AddedPlan(row, target, digest, from_text)
