"""Fields of a plan page that carry metadata, read line by line: the page as the cleaning
rules leave it before debris is removed, labelled CMS fields (label：value, [label] value,
label | value |), dates in every written form, document numbers with their issuer prefix,
issuing bodies, and the 印发 footer.

Written by hand: no library reads Chinese government page furniture. Used by
:mod:`analysis.extract.metadata`, which decides between the sources.
"""
from __future__ import annotations

import re

from analysis.clean.rules import RULES, CleanContext, ascii_digits
from analysis.core import places

HEAD_LINES = 60
CJK = r"\u4e00-\u9fff"
CN_NUM = "〇零一二三四五六七八九十两○Ｏ0O"
DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_CN_DATE = re.compile(rf"([二{CN_NUM}]{{4}})年([{CN_NUM}]{{1,3}})月([{CN_NUM}]{{1,3}})日")
CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")
_DOC_NO = re.compile(rf"([{CJK}]{{1,12}})\s*([〔［\[（(【﹝{{])\s*((?:19|20)\d{{2}})\s*"
                     rf"([〕］\]）)】﹞}}])\s*第?\s*(\d{{1,4}})\s*号")
#: A header number whose closing bracket (and 号) was lost, alone on its line or followed by
#: the header's next field (安〔20231号  签发人:…).
DOC_NO_DAMAGED = re.compile(rf"^([{CJK}]{{1,12}})([〔［\[﹝])((?:19|20)\d{{2}})(\d{{1,4}})"
                            r"(?:号?$|号?\s+签发人)")
#: A document number alone on its line with every bracket lost (杨府202113 for 杨府〔2021〕13号):
#: an issuer's abbreviation ending as such prefixes do, a year, a serial number.
DOC_NO_BARE = re.compile(rf"^([{CJK}]{{1,10}}[发字函办府委])((?:19|20)\d{{2}})(\d{{1,4}})号?$")
ORGAN_END = ("人民政府", "政府", "办公厅", "办公室", "委员会", "管理局", "管理厅", "局", "厅",
              "委", "办", "指挥部", "中心", "领导小组")
_ORGAN = re.compile(rf"[{CJK}（）()、]{{2,60}}?(?:{'|'.join(ORGAN_END)})")
LEVEL_WORD = {"省": "province", "自治区": "province", "市": "city", "州": "city", "盟": "city",
               "县": "county", "区": "county", "旗": "county"}
CMS_LABELS = {
    # 中文名, 发布单位, 颁布时间: the infobox of an encyclopaedia mirror (基本介绍 - 中文名：…)
    "title": ("标题", "名称", "文件名称", "题名", "信息名称", "中文名"),
    "issuer": ("发文机关", "发布机构", "制发单位", "发文单位", "制发机关", "成文单位", "发布单位",
               "颁布单位"),
    "issue_date": ("成文日期", "制发日期", "签发日期", "印发日期", "发文日期", "发文时间", "颁布时间"),
    "doc_number": ("发文字号", "文号", "文件编号"),
}
#: Labels of other CMS fields: a value stops where one of them starts.
_OTHER_LABELS = ("索引号", "主题分类", "发布日期", "发布时间", "生成日期", "是否有效", "有效性",
                 "信息分类", "分类", "公开方式", "公开时限", "公开范围", "责任部门", "主题词",
                 "关键词", "公文时效", "实施日期", "失效日期", "公开目录", "浏览量", "访问量", "体裁分类",
                 "题裁分类", "类别", "时效性", "颁发日期", "地区", "行业", "存放位置",
                 "公开日期")


def _spaced(label: str) -> str:
    return r"[ \u3000\xa0]*".join(map(re.escape, label))


_ALL_LABELS = sorted({lab for labs in CMS_LABELS.values() for lab in labs} | set(_OTHER_LABELS),
                     key=len, reverse=True)
LABEL = re.compile(r"(?:^|(?<=[\s|•\[【:：\]】.、]))(" + "|".join(_spaced(l) for l in _ALL_LABELS)
                    + r")[ \u3000\xa0]*(?:[:：\]】|]|(?=[ \u3000\xa0]))")


def plain_text(text: str, ctx: CleanContext | None = None) -> str:
    """The text as the cleaning rules leave it before debris and punctuation are touched:
    markup, pinyin and invisible characters gone, simplified, spam words restored; labels,
    spaces, ASCII brackets and the 印发 footer kept (they carry metadata)."""
    ctx = ctx or CleanContext("metadata")
    for rule in RULES:
        if rule.name == "web_debris":
            break
        text, _ = rule.func(text, ctx)
    return text


def page_lines(text: str) -> list[str]:
    return [line.strip(" \t\u3000\xa0?？") for line in text.split("\n")
            if line.strip(" \t\u3000\xa0?？")]


def squeeze(text: str) -> str:
    """Spaces between Chinese characters, quotes and brackets dropped (line wraps in titles)."""
    return re.sub(rf"(?<=[{CJK}“”\"《》（）()、])[ \u3000\xa0]+|[ \u3000\xa0]+(?=[{CJK}“”\"《》（）()、])",
                  "", text).strip()


# -- CMS fields -------------------------------------------------------------------------------
def cms_fields(lines: list[str]) -> dict[str, list[str]]:
    """Values of labelled CMS fields in the first lines (label：value, [label] value,
    label | value |, label value), by field, in page order."""
    found: dict[str, list[str]] = {}
    label_of = {lab: f for f, labs in CMS_LABELS.items() for lab in labs}
    for i, line in enumerate(lines[:HEAD_LINES]):
        matches = list(LABEL.finditer(line))
        for k, m in enumerate(matches):
            label = re.sub(r"\s", "", m.group(1))
            if label not in label_of:
                continue
            end = matches[k + 1].start() if k + 1 < len(matches) else len(line)
            value = line[m.end():end].strip(" |｜\u3000\xa0•")
            if not value and i + 1 < len(lines) and not LABEL.search(lines[i + 1]):
                value = lines[i + 1].strip(" |｜")
            value = re.split(r"\s*[|｜]\s*|\s{2,}", value)[0] if value else ""
            if value:
                found.setdefault(label_of[label], []).append(value)
    return found


# -- dates and document numbers ---------------------------------------------------------------
def _valid(y: int, m: int, d: int) -> str:
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return ""


def cn_int(text: str) -> int | None:
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0,
                                                                   "O": 0, "0": 0, "两": 2}
    if len(text) >= 4:  # a year, written digit by digit
        vals = [digits.get(c) for c in text]
        return None if None in vals else int("".join(map(str, vals)))
    if "十" in text:
        tens, _, units = text.partition("十")
        t = digits.get(tens, 1) if tens else 1
        u = digits.get(units, 0) if units else 0
        return None if t is None or u is None else t * 10 + u
    return digits.get(text) if len(text) == 1 else None


def parse_date(text: str) -> str:
    """ISO date of the first full date in ``text`` (2021年8月9日, 2021-08-09, 二〇二一年八月九日),
    or ""."""
    text = ascii_digits(text)
    m = DATE.search(text) or _ISO_DATE.search(text)
    if m:
        return _valid(*map(int, m.groups()))
    m = _CN_DATE.search(text)
    if m:
        parts = [cn_int(g) for g in m.groups()]
        return "" if None in parts else _valid(*parts)
    return ""


def damaged_date(line: str) -> str:
    """A signature date whose separators were lost (201683): its only valid reading."""
    m = re.fullmatch(r"((?:19|20)\d{2})(\d{2,4})", ascii_digits(line))
    if not m:
        return ""
    year, rest = int(m.group(1)), m.group(2)
    readings = {_valid(year, int(rest[:k]), int(rest[k:])) for k in (1, 2) if k < len(rest)
              and rest[k] != "0" and rest[0] != "0"}
    readings.discard("")
    return readings.pop() if len(readings) == 1 else ""


def doc_number(text: str) -> str:
    m = _DOC_NO.search(ascii_digits(text))
    if not m:
        return ""
    prefix = re.sub(r"^.*?(?:发文字号|文号|的通知|号)", "", m.group(1)) or m.group(1)
    return f"{prefix}{m.group(2)}{m.group(3)}{m.group(4)}{m.group(5)}号"


def header_number(line: str) -> str:
    """The document number of a red header's line (溪应急发〔2024〕13号  签发人：孔照阳): the
    number alone, at most its signer after it; "" for a line that goes on (a citation,
    皖安〔2024〕1号文件精神…)."""
    text = ascii_digits(line.strip())
    m = _DOC_NO.match(text)
    if not m or not re.fullmatch(r"\s*(?:签发人\s*[:：]\s*\S{2,4})?\s*", text[m.end():]):
        return ""
    return doc_number(text)


# -- issuers ----------------------------------------------------------------------------------
#: 和 / 与 / 及 right after the end of an office's name: two bodies issuing together
#: (湖南省发改委和湖南省民政厅), when a body's name follows (:func:`_opens_organ`).
_JOINED_ORGANS = re.compile(rf"({'|'.join(sorted(ORGAN_END, key=len, reverse=True))})[和与]"
                            r"(?=[\u4e00-\u9fff])")


def _opens_organ(text: str) -> bool:
    """Whether ``text`` starts with the name of one body of a named jurisdiction (a place,
    then an office's name); 区县 / 市县 (every county's bureau) are not one body."""
    head = text[:40]
    if re.match(r"[省市县区州][省市县区州]", head):
        return False
    mentions = places.find_places(head[:12])
    if not (mentions and mentions[0].start == 0):
        return False
    return bool(_ORGAN.match(re.split(r"[、\s，,；;。]", head)[0]))


def _split_joined(match: re.Match) -> str:
    """、 for 和 / 与 between two bodies of named jurisdictions (湖南省发改委和湖南省民政厅),
    else the text as it was (市委和市政府, 住房和城乡建设厅)."""
    text = match.string
    left = re.split(r"[、\s，,；;。]", text[:match.end(1)])[-1]
    if _opens_organ(left) and _opens_organ(text[match.end():]):
        return match.group(1) + "、"
    return match.group(0)


def organs(text: str) -> str:
    """Issuing bodies in ``text`` (spam or prose around them dropped), joined with 、."""
    parts = []
    text = _DOC_NO.sub(" ", text)
    text = _JOINED_ORGANS.sub(_split_joined, text)
    for chunk in re.split(r"[、\s]+|[，,；;]", text):
        if not chunk:
            continue
        mentions = places.find_places(chunk)
        start = mentions[0].start if mentions else 0
        bare = re.search(r"(?:^|(?<=[^\u4e00-\u9fff]))(自治区|省|市|县|区)(?=政府|人民政府|委|应急|安|发改|办|"
                         r"减灾|防|地震|政府)", chunk)
        if not mentions and bare:
            start = bare.start(1)
        elif not mentions:
            m = re.search(r"(自治区|省|市|县|区)(?=人民政府|政府|委|应急|安委|发改|减灾)", chunk)
            if not m:
                continue  # no place and no level: not an issuing body of a jurisdiction
            start = m.start()
        if chunk[max(0, start - 2):start] == "中共":
            start -= 2
        m = _ORGAN.match(chunk, start)
        if not m:
            continue
        organ = chunk[start:]
        ends = [organ.rfind(e) + len(e) for e in ORGAN_END if organ.rfind(e) >= 0]
        organ = organ[:max(ends)] if ends else ""
        if len(organ) >= 3 and organ not in parts:  # a body named twice signs once
            parts.append(organ)
    return "、".join(parts)


def expand_issuer(issuer: str, place: places.Place | None) -> str:
    """省…/市…/县… issuers with the name of the jurisdiction at that level."""
    if not issuer or place is None:
        return issuer
    names = {"province": place.province}
    if place.level == "city" or (place.level == "province" and place.name.endswith("市")):
        names["city"] = place.name
    elif place.level == "county":
        names["county"] = place.name
        names["city"] = place.parent if place.parent.endswith("市") else ""
    out = []
    for part in issuer.split("、"):
        m = re.match(r"(自治区|省|市|县|区)(?=[\u4e00-\u9fff])", part)
        if m and not places.find_places(part[:6]):
            name = names.get(LEVEL_WORD[m.group(1)], "")
            if name and name.endswith(m.group(1)):
                part = name + part[len(m.group(1)):]
        out.append(part)
    return "、".join(out)


DATE_AT_END = re.compile(rf"^(.*?)\s*((?:19|20)\d{{2}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|"
                          rf"(?:19|20)\d{{2}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|"
                          rf"[二{CN_NUM}]{{4}}年[{CN_NUM}]{{1,3}}月(?:[{CN_NUM}]{{1,3}}日)?|"
                          rf"(?:19|20)\d{{4,6}}|[{CN_NUM}]{{2,4}}年[{CN_NUM}]{{1,2}}月?)"
                          # the document's disclosure note after the date: （此件公开发布）
                          r"(?:\s*[（(][^（()）]{2,20}[)）])?$")


def organ_line(line: str) -> bool:
    return len(line) <= 40 and not re.search(r"[。，,：:；;《]", line) and bool(organs(line))


def footer(text: str) -> tuple[str, str]:
    """Printing office and printing date of a 印发 footer in the last lines."""
    m = None
    for m in re.finditer(r"([^\n。]{2,40}?)\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
                         r"\s*印发", text[-800:]):
        pass
    if not m:
        return "", ""
    return organs(m.group(1).split("。")[-1]), parse_date(m.group(2))


def title_key(title: str) -> str:
    """A title without quotes, brackets and spaces, dashes written one way, to compare
    copies of it."""
    return re.sub(r"[-—–~～]+", "-", re.sub(r"[“”\"‘’'《》\s（）()]", "", title))


def balance_quotes(title: str) -> str:
    """Curly quotes restored where the page mixed them (“十四五" → “十四五”, "十四五" →
    “十四五”)."""
    out, open_ = [], False
    for ch in title:
        if ch in "“”\"":
            ch = "”" if open_ else "“"
            open_ = not open_
        out.append(ch)
    return "".join(out)


def quote_periods(title: str) -> str:
    """A five-year period named bare in a title written as titles write it: 洪江十四五应急体系
    建设规划 → 洪江“十四五”应急体系建设规划 (pages drop the quotes; the documents keep them)."""
    return re.sub(r"(?<![“\"‘'「〝《『])(十[一二三四五]五)(?![”\"’'」〞》』])", r"“\1”", title)
