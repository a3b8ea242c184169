"""Injected spam recognised by its shape, with the displaced word restored.

Mirror and hijacked sites inject gambling, lottery and pornography advertising into plan pages:
as keyword lists on lines of their own, glued to the page title, or in place of a word inside a
sentence (关于, 我县, 首页). The brands change from site to site, so a lexicon
(``data/spam_lexicon.csv``, handled by :func:`analysis.clean.rules.restore_spam`) catches only
those already seen. This module recognises the shapes that the advertising shares:

* **brand runs**: a Latin-letter brand fused with advertising words (365bet官网, PG电子游戏,
  bet_356 下载), repeated with separators;
* **advertising compounds**: a Chinese brand followed by a gambling compound (…体育注册,
  …娱乐官网, …彩票平台), or a hyphenated slogan at the end of a title line (-凯发优惠);
* **slogan tails and joined runs**: a hyphenated tail at the end of a title line, or segments
  joined by underscores, with several marks of advertising (stems, 游戏, 网站, 365bet);
* **a brand in the place slot**: a gambling brand opening a line where the issuing place stood
  (欧宝体育办公厅关于印发);
* **keyword lists**: a line of four or more short items separated by commas or spaces, at
  least two of them built on advertising stems (电子游戏, 官网, 试玩, 在线观看, 一区 …).

A run found inside a sentence is replaced by the word it most probably displaced, chosen by the
shipped character model from a short list of candidates (nothing, 关于, 我县 …); a run at a line
end or on its own line is removed. Every change is logged (rule ``spam_shape``). Written by
hand: no library recognises Chinese advertising injections.
"""
from __future__ import annotations

import math
import re

from analysis.clean.changes import Change, CleanContext, apply_changes
from analysis.core.places import find_places, innermost

#: Words that advertising is built on; an item needs one of them to count as advertising.
_STEMS = ("电子游戏|电子平台|电子|官网|官方网站|官方网址|全站|试玩|外挂|接口|模拟器|平台|注册|下载|登录|入口|"
          "体育|娱乐|彩票|彩|棋牌|捕鱼|百家乐|龙虎|老虎机|麻将胡了|真人|博彩|投注|优惠|"
          "视频|免费|在线观看|字幕|精品|一区|二区|三区|欧美|亚洲|日韩|国产|无码|app|APP")
_LATIN_BRAND = re.compile(
    rf"(?:[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*\s*(?:{_STEMS})+|(?:{_STEMS})[A-Za-z0-9_]*"
    rf"[A-Za-z][A-Za-z0-9_]*)")
#: A lower-case brand with two advertising stems glued on (bwin登录注册); plan text writes its
#: acronyms in capitals (GIS平台, APP下载).
_FUSED_BRAND = re.compile(rf"[a-z][a-z0-9]{{2,}}(?:{_STEMS}){{2,}}")
_BRAND_RUN = re.compile(
    rf"(?:{_LATIN_BRAND.pattern})(?:\s*[-,，_|/]?\s*(?:{_LATIN_BRAND.pattern}|(?:{_STEMS})+))*")
_COMPOUND = re.compile(
    r"[\u4e00-\u9fff]{1,3}(?:体育|娱乐|彩票|棋牌|博彩)(?:注册|官网|平台|登录|入口|下载|app|APP)"
    # a brand with its domain number (金博宝188app): at most three characters, so that a
    # word before it (总书记金博宝188app) keeps its last character
    r"|[\u4e00-\u9fff]{2,3}\d{2,5}(?:app|APP|官网|体育|娱乐|登录|下载)"
    # a brand's site with its domain number after it (金沙澳门官网85850)
    # (never a body's own site: 应急管理局官网2021年度…, 市政府官方网站12345热线, 举报网址12350.gov.cn)
    r"|(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,4}(?<![局部府厅委站院台办心会])(?:官网|官方网站|网址)"
    r"\d{3,6}(?![\d年.])"
    # a domain number with a gambling compound (365体育投注 standing for 呼伦贝尔市人民政府)
    r"|(?<![\d.])\d{2,5}(?:体育|娱乐|彩票|棋牌|博彩)(?:投注|注册|官网|平台|登录|入口|下载|app|APP)"
    r"|(?<=[\u4e00-\u9fff》”])\s*[-－—]\s*[\u4e00-\u9fff]{1,4}(?:优惠|官网|注册|娱乐|体育|彩票)"
    r"(?=\s*$)", re.M)
#: A brand standing where the issuing place stood, at the start of a line or of a cited title
#: (欧宝体育办公厅关于印发, 《中国竞彩网关于实施…》).
_PLACE_SLOT = re.compile(r"(?:^|(?<=《))(?!体育|学校|竞技|群众|全民|[\u4e00-\u9fff]{0,2}(?:文化|教育|卫生|广电|旅游|"
                         r"市|县|区|省))"
                         r"[\u4e00-\u9fff]{2,3}(?:体育|娱乐|彩票|竞彩|棋牌|博彩)网?"
                         r"(?=办公厅|人民政府|政府|关于)", re.M)
#: A brand token (米乐m6, 开云k8) opening a line, glued to the text after it.
#: Lower-case letters only: road and team codes are capitals (国道G104南京至…, K9北京搜救队).
_BRAND_BEFORE_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,3}[a-z]{1,4}\d{1,4}(?=[\u4e00-\u9fff])")
#: A slogan tail after a hyphen at the end of a title line (…的通知-九游会官网真人游戏第一品牌),
#: and a run of segments joined by underscores (365bet手机在线_365bet假网站_正规365彩票平台app下载).
_TAIL = re.compile(r"(?:(?<=通知|规划|要点|方案|意见)|(?<=[》”]))\s*(?<![—－-])[-－](?![—－-])\s*"
                   r"[^\s，。；、,;]{2,40}$", re.M)
_UNDERSCORED = re.compile(r"(?:[^\s_，。；、,;]{2,20}_)+[^\s_，。；、,;]{2,40}")
#: Words of advertising that plan text does not use in a title's tail or a joined run.
_AD_WORDS = re.compile(r"游戏|第一品牌|手机在线|假网站|网站|开户|网址|线路|正规|信誉|平台|下载|app|APP")
_BRAND_TOKEN = re.compile(r"[A-Za-z]+\d+|\d+[A-Za-z]+")
_ITEM_SPLIT = re.compile(r"[,，、;；|\s]+")
#: Stems that plan text does not use (平台, 注册, 视频, 下载 … it does).
_STRONG = re.compile(r"电子游戏|电子平台|官网|官方网站|官方网址|试玩|外挂|模拟器|体育|娱乐|彩票|棋牌|捕鱼|"
                     r"百家乐|龙虎|老虎机|麻将胡了|真人|博彩|投注|在线观看|字幕|一区|二区|三区|"
                     r"欧美|日韩|无码|精品|免费看|免费观看|视频app")
_ITEM_STEM = re.compile(_STEMS)
#: Words a sentence-internal injection displaced on the pages seen (关于 most often; 我县 and
#: the like where a place stood); the empty string means nothing was displaced.
CANDIDATES = ("", "关于", "有关", "我县", "我市", "我省", "我区", "全县", "全市", "首页")
#: Log-probability gain (natural log) that a candidate must show over plain removal.
MIN_GAIN = 2.0


def _is_keyword_list(line: str) -> bool:
    items = [i for i in _ITEM_SPLIT.split(line.strip()) if i]
    if len(items) < 4 or any(len(i) > 14 for i in items):
        return False
    return (sum(bool(_ITEM_STEM.search(i)) for i in items) >= max(2, len(items) // 2)
            and sum(bool(_STRONG.search(i)) for i in items) >= 2)


#: A run of Latin letters, digits and underscores this long is no brand (base64 images,
#: minified scripts, hashes in scraped pages); :func:`_runs` scans past its middle.
_OPAQUE = re.compile(r"[A-Za-z0-9_]{65,}")
#: Characters kept at each end of an opaque run, so that a brand glued to it is still found.
_OPAQUE_EDGE = 20


def _scannable(line: str) -> str:
    """``line`` with the middle of every :data:`_OPAQUE` run blanked to NUL characters (same
    length, so positions hold; :data:`_OPAQUE_EDGE` characters kept at each end). The brand
    patterns backtrack over every split of a Latin run, which on a 5,000-character run of a
    base64 image took minutes for one line."""
    if len(line) < 65 or not _OPAQUE.search(line):
        return line
    edge = _OPAQUE_EDGE
    return _OPAQUE.sub(lambda m: m.group(0)[:edge] + "\0" * (len(m.group(0)) - 2 * edge)
                       + m.group(0)[-edge:], line)


def _runs(line: str) -> list[tuple[int, int]]:
    """Spans of advertising runs inside one line."""
    spans = []
    original, line = line, _scannable(line)
    for pattern in (_BRAND_RUN, _COMPOUND):
        for m in pattern.finditer(line):
            text = original[m.start():m.end()]
            # A run must carry a Latin brand or a gambling compound, not a plain plan word
            # (电子政务平台, 视频监控 have no Latin letters and no gambling compound).
            if pattern is _BRAND_RUN and not re.search(r"[A-Za-z]", text):
                continue
            if pattern is _BRAND_RUN and not (_STRONG.search(text)
                                              or len(_LATIN_BRAND.findall(text)) >= 2
                                              or _FUSED_BRAND.fullmatch(text)):
                continue  # an acronym in plan text (GIS平台, APP下载, 平台_APP下载)
            spans.append((m.start(), m.end()))
    for m in _TAIL.finditer(line):
        text = original[m.start():m.end()]
        # a gambling stem and a mark that plan text does not put in a title (游戏, 365bet)
        if _signals(text) >= 2 and _STRONG.search(text) \
                and (_BRAND_TOKEN.search(text)
                     or re.search(r"官网|开户|网址|第一品牌|真人", text)):
            spans.append((m.start(), m.end()))
    for m in _UNDERSCORED.finditer(line):
        text = original[m.start():m.end()]
        if _signals(text) >= 3 and _BRAND_TOKEN.search(text):
            # The run ends with the last advertising word of its last segment; what follows
            # it there is the line's own text (…app下载减灾委员会2021年工作要点).
            tail_at = text.rfind("_") + 1
            ends = [x.end() for x in _ad_marks(text[tail_at:])]
            if ends:
                spans.append((m.start(), m.start() + tail_at + max(ends)))
    spans += [(m.start(), m.end()) for m in _PLACE_SLOT.finditer(line)]
    # a brand of characters, letters and digits glued before the place that opens a title
    # (米乐m6即墨区人民政府办公室关于印发…)
    glued = _BRAND_BEFORE_PLACE.match(line)
    if glued and re.search(r"关于|印发|通知|规划|方案|要点", line) \
            and any(m.start == 0 for m in find_places(line[glued.end():glued.end() + 12])):
        spans.append((0, glued.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


_AD_MARK = re.compile(f"{_STRONG.pattern}|{_AD_WORDS.pattern}|{_BRAND_TOKEN.pattern}")


def _ad_marks(text: str) -> list[re.Match]:
    """Marks of advertising, each counted once (电子平台 is one mark, not 电子平台 and 平台)."""
    return list(_AD_MARK.finditer(text))


def _signals(text: str) -> int:
    """Marks of advertising in a piece of a line: gambling stems, advertising words, and
    brand tokens of letters and digits (365bet, js4399)."""
    return len(_ad_marks(text))


def _brand_start(line: str, a: int, b: int, ctx: CleanContext) -> int:
    """Where a Chinese brand before a gambling compound begins: of the one to three characters
    the pattern allows (府杏彩体育注册), keep those the model reads as the sentence's own."""
    head = re.match(r"[\u4e00-\u9fff]{1,3}(?=体育|娱乐|彩票|棋牌|博彩)", line[a:b])
    if not head:
        return a
    if ctx.model is None:
        return a + max(0, len(head.group(0)) - 2)  # most brands have two characters
    right = line[b:b + 4]
    best = max(range(len(head.group(0))),
               key=lambda k: (ctx.model.score(right, prev=line[max(0, a - 4):a + k]), -k))
    return a + best


def _replacement(line: str, a: int, b: int, ctx: CleanContext, usage: dict[str, int]) -> str:
    """The displaced word for ``line[a:b]``, or ``''`` at a line edge or without a model.

    Each candidate is scored by the character model in its context, plus the log of how often
    the document itself uses it (a county plan says 我县, not 我市)."""
    left, right = line[max(0, a - 4):a], line[b:b + 4]
    inside = left[-1:] and right[:1] and re.match(r"[\u4e00-\u9fff]", left[-1]) \
        and re.match(r"[\u4e00-\u9fff]", right[0])
    if not inside or ctx.model is None:
        return ""
    scores = [ctx.model.score(word + right, prev=left) + (math.log1p(usage[word]) if word else 0)
              for word in CANDIDATES]
    best = max(range(len(CANDIDATES)), key=lambda k: (scores[k], -k))
    return CANDIDATES[best] if scores[best] - scores[0] >= MIN_GAIN else ""


#: What follows the place that opens an issuer, a title or a plan's name (运城市人民政府办公室,
#: 运城市贯彻落实…, 运城市“十四五”…): a run standing before it stood for a place.
_PLACE_FOLLOWS = re.compile(r"(?:人民政府|政府|应急管理局|应急局|安委会|安全生产委员会|减灾委|"
                            r"[“\"]?十[三四五]五[”\"]?|贯彻)")
#: A provincial government's general office: the run stood for the province and its government
#: (欧宝体育办公厅 for 吉林省人民政府办公厅). Before 办公室 (安委会办公室? 县政府办公室?) or 关于
#: (市政府? 应急管理局?) the office is unknown, so such a run is only removed.
_OFFICE_FOLLOWS = re.compile(r"办公厅")
#: Addressees of a notice, by the level of the body that writes to them (乡镇 and 县直 from a
#: county, 各县（市、区） and 市直 from a city, 各市（州） and 省直 from a province).
_ADDRESSED_BY = (("county", re.compile(r"乡镇|乡（镇）|乡\(镇\)|街道|县直|区直|旗直")),
                 ("city", re.compile(r"各县|各区|各旗|市直|县（市、区）|县\(市、区\)")),
                 ("province", re.compile(r"各市|各州|各地级|省直|省政府各|自治区各|区直属")))
#: A lower-case Latin word that plans use before 平台, 注册, 下载 … (not a brand).
_TECH_WORDS = frozenset({"app", "api", "web", "wap", "gis", "gps", "wifi", "sdk", "pc", "h5",
                         "iot", "ai", "vr", "ar", "ios", "android", "www", "http", "https", "html",
                         "email", "mail", "qq", "wechat", "weixin"})
#: Characters at the head of a document searched for its place (the addressees, the issuer and
#: the title; deeper down a plan names other places: 东城区管委会 in a responsibility tag).
PLACE_HEAD = 300


def _weak_brand(run: str) -> bool:
    """A run that is advertising only by :data:`_FUSED_BRAND` (no gambling word, one brand)."""
    return bool(_FUSED_BRAND.fullmatch(run) and not _STRONG.search(run)
                and len(_LATIN_BRAND.findall(run)) < 2)


def _place_slot(line: str, a: int, b: int) -> str:
    """'' unless the run opens a line or a title (《…) before an office or a plan's name; then
    what the place is followed by in the restoration ('' or 人民政府)."""
    before = line[:a].rstrip()
    if before and not before.endswith("《"):
        return ""
    if _PLACE_FOLLOWS.match(line, b):
        return "place"
    return "place+government" if _OFFICE_FOLLOWS.match(line, b) else ""


def _addressed_level(head: str) -> str:
    """The level of the body that writes to the addressees in ``head`` ('' if none)."""
    for line in head.split("\n"):
        line = line.strip()
        if line.endswith(("：", ":")) and len(line) <= 120:
            return next((level for level, words in _ADDRESSED_BY if words.search(line)), "")
    return ""


def _document_place(text: str, runs: list[str]) -> tuple[str, str]:
    """The full name and level of the place the document's head names first, with the
    advertising and cited titles (《…》) taken out, if the addressees say the document is
    of that level; ('', '') otherwise. A site that puts its advertising where the place's name
    stood replaces one form of the name (运城市) and leaves others (运城开发区 in the
    addressees), so the place is read from those; a province in a site banner or a cited
    law above a county's notice is not the document's."""
    for run in sorted(set(runs), key=len, reverse=True):
        text = text.replace(run, "")
    head = re.sub(r"《[^《》\n]*》", "", text[:PLACE_HEAD])
    head = "\n".join(ln for ln in head.split("\n") if not re.search(r"网站|网$|门户", ln))
    place = innermost(head)
    if place is None or not place.code or _addressed_level(head) != place.level:
        return "", ""
    return place.name, place.level


def remove_spam_shapes(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Remove advertising recognised by its shape; restore the word a run displaced.

    A run in a place slot (:func:`_place_slot`: 《bwin登录注册贯彻落实…, bwin登录注册人民政府办公室)
    is replaced by the document's own place (:func:`_document_place`), as issue 10 asks.
    """
    changes: list[Change] = []
    usage = {word: text.count(word) for word in CANDIDATES if word}
    found: list[tuple[int, str, int, int]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip() and _is_keyword_list(line):
            changes.append(Change(pos, line, "", "spam keyword list"))
        else:
            for a, b in _runs(line):
                found.append((pos, line, _brand_start(line, a, b, ctx), b))
        pos += len(line) + 1
    # A brand that only its two stems make advertising (bwin登录注册) counts where the site
    # repeats it, and never when it is a word plans use (app下载注册, web平台注册登录).
    found = [(pos, line, a, b) for pos, line, a, b in found
             if not _weak_brand(line[a:b]) or (text.count(line[a:b]) >= 2 and re.match(
                 r"[a-z0-9]+", line[a:b]).group(0) not in _TECH_WORDS)]
    place = None
    for pos, line, a, b in found:
        slot = _place_slot(line, a, b)
        if slot:
            if place is None:
                place = _document_place(text, [ln[x:y] for _, ln, x, y in found])
            if place[0] and (slot == "place" or place[1] == "province"):
                word = place[0] + ("人民政府" if slot == "place+government" else "")
                changes.append(Change(pos + a, line[a:b], word,
                                      f"spam run restored as {word} (the document's place)"))
                continue
        word = _replacement(line, a, b, ctx, usage)
        changes.append(Change(pos + a, line[a:b], word,
                              f"spam run restored as {word}" if word else "spam run"))
    changes.sort(key=lambda c: c.position)
    return apply_changes(text, changes), changes
