"""Page furniture recognised by its structure, and tables of contents.

Web pages wrap a plan in furniture that no pattern list can enumerate: each CMS has its own
labels, bars and breadcrumbs. This module recognises furniture by shape, line by line, using
only the document's own text (a plan's clean text never depends on other plans):

* **field lines**: a line made of ``label: value`` (or ``[label] value``, or a pipe table) whose
  first label is a CMS field name (索引号, 发布机构, 成文日期, 主题分类 …, spaces inside labels
  allowed: 索 引 号); a label left without a value takes the short line after it as its value;
* **breadcrumbs**: a line led by a position label (您当前所在位置, 当前位置 …) or made of short
  segments joined by ``>``, ``»``, ``->``;
* **page chrome**: a line made only of interface words (无障碍, 关怀版, 打印, 关闭, 分享到,
  视力保护色, 扫一扫在手机打开当前页 …), and document-site page markers and blurbs
  (上传人, 第1页 / 共8页, 由会员分享，可在线阅读) and their slogans (稿子汇，范文学习文库);
* **news wrappers**: a news lead that announces the document (近日，…印发…，内容如下。), a
  source line in brackets, 原标题 / 编辑 / 相关新闻 lines;
* **site copies**: a heading line that the document repeats later (the page heading above the
  document's own title), or a line that a later paragraph begins with (a site summary); the
  later copy is kept, so no text is lost;
* **tables of contents**: 目录 (目 录, 目次) and the heading-like lines after it, up to the
  first line that is not a heading or that repeats the first entry (where the body begins); a
  table of contents flattened into one line is recognised by its run of numbered headings.

Only whole lines (or the furniture part of a line, never a sentence of plan text) are removed,
and every removal is a logged change named by its kind. Written by hand: no library
recognises Chinese government-site furniture.
"""
from __future__ import annotations

import re

from analysis.clean.changes import Change, CleanContext, apply_changes
from analysis.clean.contents import contents_lines
from analysis.clean.shapes import ADDRESSEE, HEAD_CHARS, PREFACE, SENTENCE_MARK, TITLE_END
from analysis.clean.shapes import line_key as _key

#: CMS field names (simplified: the rule runs after traditional → simplified conversion).
FIELD_LABELS = (
    "索引号", "发布机构", "发文机关", "发文单位", "发文日期", "成文日期", "发布日期", "发布时间",
    "生成日期", "生效日期", "实施日期", "失效日期", "废止日期", "更新时间", "时间", "日期",
    "主题分类", "体裁分类", "题裁分类", "组配分类", "服务对象", "信息分类", "公开目录", "分类",
    "类别", "主题词", "关键词", "关键字", "名称", "标题", "文号", "发文字号", "有效性", "时效性",
    "是否有效", "公文时效", "来源", "信息来源", "作者", "编辑", "责任编辑", "责任部门",
    "字号", "字体", "浏览次数", "访问量", "访问次数", "点击量", "点击数", "浏览量", "阅读次数",
    "分享到", "打印", "视力保护色", "关联稿件", "相关稿件", "保护视力色", "字体颜色", "颁发日期", "地区", "行业", "公开方式", "公开时限",
    "公开范围", "公开形式", "制发单位", "制发日期", "所属机构", "发布部门", "文种",
    "发布单位", "发布文号", "有效性状态", "效力状态", "时效状态", "发文机构", "联合发文单位",
    # an encyclopaedia mirror's infobox (基本介绍 / - 中文名：…); not 颁布时间 or 实施时间,
    # which a plan's own list of laws or stages uses
    "中文名", "外文名",
)
#: Labels of a page's reading widgets (share, print, font size, colours): their "values" are
#: buttons, so the line under one is never its value (巫山应急发〔2022〕1号 under 打印:).
WIDGET_LABELS = ("字号", "字体", "分享到", "分享", "打印", "视力保护色", "保护视力色", "字体颜色",
                 "关闭", "收藏")
#: Labels that plans also use in their own text (属性 and 备注 of an indicator table): read as
#: field labels only in the bare-label field table of the page head, never in the body.
HEAD_ONLY_LABELS = ("专业属性", "属性", "备注", "信息名称", "存放位置", "公开日期",
                    "信息标题", "文件编号", "公开类型", "产生日期", "载体类型", "索取号")
#: Labels too common in plan text to make a field table on their own (名称 / 时间 under a
#: plan's own headings): a field table needs at least one other label.
GENERIC_LABELS = frozenset({"时间", "日期", "名称", "标题", "分类", "类别", "地区", "行业",
                            "来源", "作者", "属性", "备注", "专业属性"})
_LABEL = "|".join(sorted((r"\s*".join(map(re.escape, label)) for label in FIELD_LABELS),
                         key=len, reverse=True))
_BULLET = r"^\s*(?:[•·▪◆■□●○\-*|｜]|\d{1,2}[.、．](?!\d))?\s*"
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
_FIELD_START = re.compile(rf"{_BULLET}(?:(?:{_DATE})\s*)?(?:\[\s*(?:{_LABEL})\s*\]|(?:{_LABEL})"
                          rf"\s*[:：]|(?:{_LABEL})\s*[|｜])")
_HEAD_LABEL = "|".join(sorted((r"\s*".join(map(re.escape, label))
                              for label in FIELD_LABELS + HEAD_ONLY_LABELS), key=len, reverse=True))
_BARE_LABEL = re.compile(rf"^\s*(?:{_HEAD_LABEL})\s*$")
#: Lines that open plan text, never a field's value: an item or heading, or a bare number.
_NOT_A_VALUE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第.{1,3}[章节条]|"
                          r"\d+(?:\.\d+)+\s|\d{1,3}$)")
_LABEL_ONLY = re.compile(rf"{_BULLET}(?:\[\s*(?:{_LABEL})\s*\]|(?:{_LABEL})\s*[:：])\s*"
                         r"[\[【(（]?\s*[\]】)）]?\s*$")
_WIDGET_ONLY = re.compile(rf"{_BULLET}(?:{'|'.join(WIDGET_LABELS)})\s*[:：]?\s*$")
# A label in square brackets on its own line ([ 发字文号 ]): a field label of a bracketed table
# even when this module does not know the word, if the page head holds two known ones.
_BRACKET_LABEL = re.compile(r"^\s*\[\s*[\u4e00-\u9fff](?:\s*[\u4e00-\u9fff]){1,5}\s*\]\s*$")
_NUMERIC_DATE = r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
_DATE_LINE = re.compile(rf"{_BULLET}(?:{_NUMERIC_DATE}\s*(?:(?:{_LABEL})\s*[:：].*)?|"
                        rf"{_DATE}\s*(?:{_LABEL})\s*[:：].*)$")
#: A date or time fragment of a split page header (2023 / 05/04 / 10:01): a year, or digits
#: with a date or time separator. A bare count (15, 1200) is a table cell, never one.
_FRAGMENT = re.compile(r"^(?:(?:19|20)\d{2}|(?=[\d\s:/.\-]*[:/\-])[\d\s:/.\-]{2,20})$")
#: The addressees of a notice (各街道、区减灾救灾委员会成员单位 / 各县区人民政府：) open its
#: text; under a bare label such as 字体:【 they look like the label's value, and are not.
#: Fields written without colons (索引号 1153…  发布机构 施甸县人民政府), in the page head only.
#: A label without a value is not a field: 组配分类 or 分类 alone on a line may be text.
_SPACED_FIELD = re.compile(rf"^\s*(?:{_LABEL})\s+\S.*$")
#: Fields of a public-consultation page (意见征集: 征集单位 应急管理局 征集类型 …), read in the
#: page head only, where they stand without colons.
CONSULTATION_LABELS = ("征集单位", "征集类型", "征集状态", "征集主题", "征集时间", "开始时间",
                       "结束时间", "查阅次数", "反馈方式")
_CONSULTATION_FIELD = re.compile(r"^\s*(?:" + "|".join(CONSULTATION_LABELS) + r")\s*[:：]?\s*\S")
_CITATION = re.compile(r"^\s*【[^】\n]{2,10}】\s*[A-Za-z0-9.\-/]+\s*$")
_BULLET_VALUE = re.compile(r"^\s*[•·▪◆■●]\s*[^。；;，,！？]{0,30}$")

_POSITION = re.compile(r"^\s*(?:您?(?:当前|现在|所在)(?:所在)?的?位置(?:是)?|[你您]的位置|当前位置)"
                       r"\s*[:：]?")
_CRUMB_SEP = re.compile(r"\s*(?:->|>>>|>>|》》|＞＞|>|＞|»|›)\s*")
#: White space beyond 50 characters in a row: :func:`_is_crumb` keeps the first 50. Tried
#: from every position inside a long run, the separator pattern rescanned the rest of it
#: (minutes on a line holding 50,000 spaces); a part holding such a run is too long for a
#: breadcrumb either way, so the answer is the same.
_LONG_SPACE = re.compile(r"\s{51,}")
_CHROME_WORDS = re.compile(
    r"分享好友和朋友圈|分享给好友|扫描二维码|放大字体|缩小字体|我要纠错|推荐新闻|推荐阅读|热点新闻|"
    r"无障碍浏览|无障碍|打开适老化模式|适老化|关怀版|长辈版|注册|登录|扫一扫在手机打开当前页|"
    r"扫一扫|手机版|点击查看更多|查看更多|更多|返回顶部|返回首页|返回|下载|相关|举报|我要打印|"
    r"打印本页|打印|关闭窗口|关闭|收藏|分享到|分享|转第|保留字段信息|页面宽度\(px\)|"
    r"页面宽度范围为\d+至\d+|视力保护色|正文阅览|上一篇|下一篇|设为首页|加入收藏|网站地图|"
    r"联系我们|字体|字号|默认|朋友圈|微信|微博|纠错|长者模式|配色|辅助线|简体版|繁体版|智能问答|"
    r"支持IPv6|IPv6|QQ空间|qq|QQ|简体|繁体|繁|大|中|小|x|X|"
    r"[\[\]【】()（）:：|｜/\s]")
#: Interface words that plan text also uses (a status 正常 in a flattened table, 欢迎来到…！ in a
#: publicity item): furniture only in the page head.
_HEAD_CHROME_WORDS = re.compile(
    r"本站已启用无障碍浏览系统|欢迎点击访问|恢复默认|保护视力色|字体颜色|放大|缩小|正常|全文|"
    r"页面|重置|头条|空间|基本介绍|政策解读|图片解读|"
    r"欢迎来到[A-Za-z0-9\u4e00-\u9fff]{1,20}(?=[！!])|[，！!]")
#: A CMS topic field's value: category paths with backslashes (应急管理\应急工作；应急管理\安全生产工作),
#: which plan text never writes.
_CATEGORY_PATH = r"[\u4e00-\u9fff]{2,12}\\[\u4e00-\u9fff]{2,20}"
# A separator between paths is required, so a run of characters splits one way only.
_CATEGORY_PATHS = re.compile(rf"^\s*{_CATEGORY_PATH}(?:\s*[；;，,、]\s*{_CATEGORY_PATH})*\s*[；;，,、]?\s*$")
#: A site's line naming its own address and nothing but a date and a source beside it (中阳县政府
#: www.sxzhongyang.gov.cn 2022-01-10 08:45 来源：…; 网址:www.chinagdp.org 来源:…), in the page
#: head; a sentence citing an address (规划依据 www… 2021-12-01 发布的《…》) is plan text.
_SITE_LINE = re.compile(
    r"^\s*(?:[\u4e00-\u9fff]{1,12}\s+|网址\s*[:：]\s*)?(?:www\.|https?://)[A-Za-z0-9./-]+\s*"
    r"(?:(?:\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)\s*(?:来源\s*[:：][^《》。，]{0,40})?"
    r"|来源\s*[:：][^《》。，]{0,40})\s*$")
_PAGE_NUMBER_LINE = re.compile(r"^\s*[-－—–]\s*\d{1,3}\s*[-－—–]\s*$")
#: A site's footer (often printed above the document by a scraper): sponsor and host, ICP
#: licence, site code, copyright, the secrecy warning, a browser hint. Read only in the page's
#: head or foot, and only as a block holding a licence or copyright mark (:data:`_FOOTER_MARK`;
#: an event plan may end with its 主办单位 and 承办单位).
_SITE_FOOTER = re.compile(
    r"^\s*(?:(?:主办|承办|协办|技术支持|网站维护)(?:单位)?\s*[:：].{0,60}|.{0,30}ICP备\s*\d+号.{0,40}"
    r"|.{0,20}网站标识码\s*[:：]?\s*\d+.{0,40}|.{0,40}版权所有.{0,40}|涉密文件严禁上网"
    r"|.{0,30}(?:分辨率|浏览器).{0,60}(?:浏览效果|最佳效果)[!！。]?)\s*$")
_FOOTER_MARK = re.compile(r"ICP备|网站标识码|版权所有|©")


#: A site's field line under its heading: 时间:2022-07-26 02:44:19, 发布日期：…, 来源：….
_FIELD_LINE = re.compile(r"^\s*(?:发布|更新|发表)?(?:时间|日期)\s*[:：]|^\s*(?:信息)?来源\s*[:：]")
#: The lines of a plan's cover under its title: the office that wrote it and the month.
_COVER_OFFICE = re.compile(r"^\s*[\u4e00-\u9fff]{2,30}(?:局|厅|委员会|人民政府|办公室|指挥部)\s*$")
_COVER_MONTH = re.compile(r"^\s*(?:\d{4}|[〇○零一二三四五六七八九十]{4})\s*年\s*[\d一二三四五六七八九十]{1,2}\s*月"
                          r"\s*$")


def _runs_of(indices: list[int], lines: list[str]) -> list[list[int]]:
    """``indices`` (increasing) grouped into runs of lines with only blank lines between."""
    runs: list[list[int]] = []
    for k in indices:
        if runs and all(not lines[j].strip() for j in range(runs[-1][-1] + 1, k)):
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


#: A site's date banner: a date with its weekday (2019年12月3日星期二), in the page head.
_WEEKDAY_DATE = re.compile(rf"^\s*(?:今天是\s*[:：]?\s*)?{_DATE}\s*(?:星期|周|礼拜)[一二三四五六日天]\s*$")
#: A line that is a numeric date and nothing else.
_BARE_DATE = re.compile(rf"^\s*{_NUMERIC_DATE}\s*$")
#: The words that make a date line furniture inside a plan's body.
_DATED_LABEL = re.compile(r"时间|日期|浏览|阅读|点击|来源|作者|分享|打印|发布")
#: What may stand beside a date on a page's date line: labels, a view counter, chrome words.
_DATED_CHROME = re.compile(r"(?:发布)?(?:时间|日期)|浏览(?:次数|量)?|阅读(?:次数|量)?|点击(?:数|量)?|"
                           r"次|人次|(?:来源|作者)[:：]?[^\s:：]{0,24}|\d+")
_DOC_SITE = re.compile(
    r"^\s*(?:(?=.*(?:范文|文档|稿|汇))[^，,。；\s]{2,8}[，,]\s*[^，,。；\s]{0,8}(?:文库|文档之家)|上传人[:：].*|.{1,80}_第\d+页|第\d+页\s*/\s*共\d+页|资源描述|点击查看更多>*|"
    r"《[^》\n]{1,80}》由会员分享[，,].{0,120}搜索。?|"
    # the same blurb cut short, or with a long list of the site's names before 上搜索
    r"《[^》\n]{1,80}》由会员分享[，,]\s*可在线阅读[，,]\s*更多相关.{0,400})\s*$")
_NEWS = re.compile(
    r"^\s*(?:近日[，,].{0,200}(?:内容如下|全文如下|通知如下)[。：:]?|"
    r"(?!.*(?:现就|现将|现对|特此|特通知|经研究|同意)).{0,200}通知如下[：:]|.{0,200}全文如下[：:]|"
    r"[(（]来源[:：][^)）\n]{1,40}[)）]|"
    r"原标题[:：].*|(?:责任)?编辑[:：].{0,20}|相关新闻.{0,20}|相关阅读.{0,20}|相关链接.{0,20}|"
    r"核心提示[:：].{0,300}|政策解读[:：]?)"
    r"\s*$")
#: A page heading led by the document number and wrapped in 《》 (津政办发〔2021〕34号《…》).
_DOC_PREFIX = re.compile(r"^[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号《(.+)》$")
#: …or with the number in brackets before it ((市应急发〔2021〕98号)西安市应急管理局…的通知).
_PAREN_NUMBER = re.compile(r"^[(（][\u4e00-\u9fff]{1,12}〔\d{4}〕\d{1,4}号[)）]")
_TITLE_NOTE = re.compile(r"[(（][^)）]{1,24}[)）]$")
#: A browser page title: the document's title, then the site's name after a dash or bar
#: (.临沂市安全生产委员会2022年工作要点-临沂市应急管理局).
_SITE_SUFFIX = re.compile(r"^[.·。]?(.+?)\s*[-_|｜—]\s*[\u4e00-\u9fff]{2,20}"
                          r"(?:局|厅|委员会|政府|网|门户网站|办公室)$")


#: A site's watermark: a short brand with its domain (公文汇 www.gongwenhui.com) on a line of
#: its own.
_WATERMARK = re.compile(r"^\s*[\u4e00-\u9fff]{0,8}[\s,，|]*(?:https?://)?(?:www\.)?[a-z0-9-]{2,30}"
                        r"\.(?:com|cn|net|org|cc|top|vip)(?:\.cn)?/?\s*$", re.I)


def _wrapped_title(value: str, lines: list[str], j: int) -> bool:
    """Whether line ``j`` is a title's first line (…应急避难场所布局 / 专项规划(…)), no value."""
    nxt = lines[j + 1].strip() if j + 1 < len(lines) else ""
    return bool(nxt) and not TITLE_END.search(value) and len(value + nxt) <= 60 \
        and bool(TITLE_END.search(value + nxt))


def _loose(text: str) -> str:
    """Text compared across line wraps: no white space, quotes or book-title marks."""
    return re.sub(r"[\s“”\"'‘’《》「」]", "", text)


def _repeated_below(line: str, below: str) -> bool:
    """Whether the document below repeats ``line`` (at least 8 characters of it), wrapped or
    quoted differently."""
    key = _loose(line)
    return len(key) >= 8 and key in _loose(below)


def _is_crumb(line: str) -> bool:
    if _POSITION.match(line):
        return True
    if re.match(r"^\s*(?:网站)?首\s*页\s*[/／]", line):
        # 首页 / 政府信息公开 / … / 正文: a path from the home page, separated by slashes
        return all(len(p.strip()) <= 16 and not SENTENCE_MARK.search(p)
                   for p in re.split(r"[/／]", line))
    line = _LONG_SPACE.sub(lambda m: m.group(0)[:50], line)
    parts = [p for p in _CRUMB_SEP.split(line.strip()) if p]
    seps = len(_CRUMB_SEP.findall(line.strip()))
    short = all(len(p) <= 16 and not SENTENCE_MARK.search(p) for p in parts)
    return seps >= 2 and short or (seps >= 1 and bool(re.match(r"^\s*(?:»|›|>>|->)", line))
                                   and short)


def _is_field_line(line: str) -> bool:
    if not _FIELD_START.match(line):
        return False
    return len(line) <= 200 and "。" not in line and "；" not in line


def _is_chrome(line: str, in_body: bool = False) -> bool:
    rest = _CHROME_WORDS.sub("", line)
    if not rest.strip() and bool(re.search(r"[\u4e00-\u9fff]", line)):
        return True
    # A date line of the page (2020-12-30 906; 时间:2025-07-26 16:37:39 分享): a numeric date
    # with nothing beside it but labels, a counter and chrome words. Inside the plan's body a
    # date with a number (2025.6.30 10000人次, a schedule row) is plan text: there the line
    # must also carry a label or a counter's name.
    date = re.search(_NUMERIC_DATE, line)
    if not date or len(line) > 60:
        return False
    rest = line[:date.start()] + " " + line[date.end():]
    if in_body and not _DATED_LABEL.search(rest):
        return False
    return not _CHROME_WORDS.sub("", _DATED_CHROME.sub("", rest)).strip()


def _classify(line: str, in_body: bool = False) -> str:
    """Kind of furniture a whole line is, or ``''``; ``in_body``: the line stands between the
    page head and its foot, where a bare date or a date with a number is plan text (a
    deadline cell of a flattened table), not a page's date line."""
    if not line.strip():
        return ""
    if _is_crumb(line):
        return "breadcrumb"
    if _is_field_line(line) or _LABEL_ONLY.match(line) or (
            _DATE_LINE.match(line) and not (in_body and _BARE_DATE.match(line))):
        return "cms_field"
    if _DOC_SITE.match(line) or _WATERMARK.match(line):
        return "doc_site"
    if _CITATION.match(line):
        return "cms_field"
    if _NEWS.match(line):
        return "news_wrapper"
    if _is_chrome(line, in_body):
        return "page_chrome"
    return ""


def remove_furniture(text: str, ctx: CleanContext, site_copies: bool = True
                     ) -> tuple[str, list[Change]]:
    """Remove page furniture and tables of contents recognised by their structure.

    Every removed line is a logged change whose note names its kind (``breadcrumb``,
    ``cms_field``, ``page_chrome``, ``doc_site``, ``news_wrapper``, ``site_copy``, ``toc``).
    """
    lines = text.split("\n")
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    kinds = [""] * len(lines)
    long_values: list[int] = []
    body_started = False
    foot = len(text) - HEAD_CHARS
    # Where the document's last paragraph begins: a site's footer stands after it.
    last_sentence = max((starts[k] for k, line in enumerate(lines)
                         if len(line.strip()) >= 10 and "。" in line), default=-1)
    footer_lines: list[int] = []
    bracket_table = sum(1 for k, line in enumerate(lines) if starts[k] <= HEAD_CHARS
                        and "[" in line and _LABEL_ONLY.match(line)) >= 2

    def label_only(line: str) -> bool:
        return bool(_LABEL_ONLY.match(line) or bracket_table and _BRACKET_LABEL.match(line))

    prev = ""  # the last non-empty line before this one
    for k, line in enumerate(lines):
        kind = _classify(line, in_body=body_started and starts[k] < foot)
        if kind == "news_wrapper" and ADDRESSEE.match(prev):
            kind = ""  # the notice's own opening, right after its addressees
        if not kind and not body_started and _FRAGMENT.match(line.strip() or "x"):
            kind = "cms_field"  # date and time fragments of a split header (2023 / 05/04)
        if not kind and prev and not body_started and len(line.strip()) <= 20 \
                and not SENTENCE_MARK.search(line) and label_only(prev) \
                and not _WIDGET_ONLY.match(prev) \
                and not ADDRESSEE.match(line) and not PREFACE.match(line.strip()) \
                and not _wrapped_title(line.strip(), [x for x in lines[k:k + 6] if x.strip()], 0):
            kind = "cms_field"  # the value of a label left alone on its line
        elif not kind and prev and not body_started and starts[k] <= HEAD_CHARS \
                and len(line.strip()) <= 100 and not SENTENCE_MARK.search(line) \
                and label_only(prev) and not _WIDGET_ONLY.match(prev) \
                and not ADDRESSEE.match(line):
            long_values.append(k)  # decided below, once the other furniture is known
        # Head only: a page whose body never shows a long sentence (short PDF lines) never
        # sets body_started, and these words and shapes also occur in plan text.
        in_head = not body_started and starts[k] <= HEAD_CHARS
        if not kind and in_head and bracket_table and _BRACKET_LABEL.match(line):
            kind = "cms_field"
        if not kind and (not body_started and _SPACED_FIELD.match(line)
                         or in_head and _CONSULTATION_FIELD.match(line)) \
                and len(line) <= 120 and not SENTENCE_MARK.search(line):
            kind = "cms_field"
        if not kind and in_head and _WEEKDAY_DATE.match(line):
            kind = "page_chrome"
        if not kind and in_head and re.search(r"[\u4e00-\u9fff]", line) \
                and not _CHROME_WORDS.sub("", _HEAD_CHROME_WORDS.sub("", line)).strip():
            kind = "page_chrome"
        if not kind and (in_head or starts[k] > last_sentence) and len(line) <= 120 \
                and _SITE_FOOTER.match(line):
            footer_lines.append(k)  # decided below, with the lines around it
        if not kind and _PAGE_NUMBER_LINE.match(line):
            kind = "page_chrome"  # a printed page's number (- 2 -, —3—) on its own line
        if not kind and in_head and _SITE_LINE.match(line) and len(line) <= 120 \
                and not SENTENCE_MARK.search(line):
            kind = "cms_field"
        if not kind and in_head and len(line) <= 200 and _CATEGORY_PATHS.match(line):
            kind = "cms_field"
        kinds[k] = kind
        if not kind and len(line.strip()) > 40 and SENTENCE_MARK.search(line):
            body_started = True
        if line.strip():
            prev = line
    for block in _runs_of(footer_lines, lines):
        # A site's footer carries its licence or copyright; lines like 主办单位：… alone are
        # an event plan's own text.
        if any(_FOOTER_MARK.search(lines[j]) for j in block):
            for j in block:
                kinds[j] = kinds[j] or "page_chrome"
    # A field table laid out one cell per line (发布单位 / 安徽省安全生产委员会 / 发布文号 /
    # 皖安〔2024〕1号): two or more bare labels in the page head; each takes the short lines
    # under it up to the next label.
    bare = [k for k, line in enumerate(lines) if starts[k] <= HEAD_CHARS and _BARE_LABEL.match(line)]
    distinctive = [k for k in bare if re.sub(r"\s", "", lines[k]) not in GENERIC_LABELS]
    if len(bare) >= 2 and distinctive:
        for k in bare:
            kinds[k] = kinds[k] or "cms_field"
            for j in range(k + 1, min(k + 3, len(lines))):
                value = lines[j].strip()
                if (j in bare or not value or len(value) > 30 or SENTENCE_MARK.search(value)
                        or _NOT_A_VALUE.match(value) or PREFACE.match(value)
                        or _wrapped_title(value, lines, j)):
                    break
                kinds[j] = kinds[j] or "cms_field"
    # Runs of three or more bullets with short values in the page head: unlabelled CMS fields.
    run: list[int] = []
    for k, line in enumerate(lines + [""]):
        if k < len(lines) and starts[k] <= HEAD_CHARS and _BULLET_VALUE.match(line):
            run.append(k)
            continue
        if line.strip() or k == len(lines):
            if len(run) >= 3:
                for j in run:
                    kinds[j] = kinds[j] or "cms_field"
            run = []
    # Tables of contents (:mod:`analysis.clean.contents`).
    cut, inline = contents_lines(lines, kinds, starts)
    # Site copies: a page heading repeated by the document (possibly split over lines), or a
    # site summary that a later paragraph begins with; only the first copy goes.
    keys = [_key(line) for line in lines]
    done: set[str] = set()
    for k in range(len(lines) if site_copies else 0):
        if starts[k] > HEAD_CHARS:
            break
        if k and not kinds[k - 1] and ADDRESSEE.match(lines[k - 1]):
            # After the document's addressees the page head is over: a title there is the
            # plan's own cover (a notice, then the plan it issues, whose body repeats the
            # title; corpus_test7 v016).
            break
        # a site's article title may lead with the document number in brackets
        key = _PAREN_NUMBER.sub("", keys[k])
        if kinds[k] or len(key) < 10 or key[0] in "（(":
            continue  # (责任单位：…) tags repeat by design
        if len(key) < 12:
            # a short heading is the site's only over the site's own field line (时间:…);
            # otherwise it is the plan's own title, a section name or a contents entry
            nxt = next((i for i in range(k + 1, len(lines)) if lines[i].strip()), None)
            if nxt is None or not (kinds[nxt] or _FIELD_LINE.match(lines[nxt])):
                continue
        stem = _TITLE_NOTE.sub("", _DOC_PREFIX.sub(r"\1", _SITE_SUFFIX.sub(r"\1", key)))
        title = bool(TITLE_END.search(stem) or stem.endswith(("公告", "通告")))
        summary = len(key) >= 20 and key[-1] in "。…"
        if not (title or summary) or stem in done:
            continue
        later = [j for j in range(k + 1, len(lines))
                 if not kinds[j] and keys[j] and starts[j] <= 2 * HEAD_CHARS + len(lines[k])]
        for n, j in enumerate(later):
            joined = "".join(keys[i] for i in later[n:n + 3])
            if title and joined.startswith(stem) and "title" not in done:
                # a cover between the two (the office and the date under the first: 芜湖市
                # 应急管理局 / 2021年12月 / 目录 …) makes both the document's own
                # (right under it, and a contents list before the body: a notice's signature
                # has addressees and sentences above it, a site's info bar no contents)
                between = [lines[i] for i in range(k + 1, j) if not kinds[i] and lines[i].strip()]
                cover = len(between) >= 2 and bool(_COVER_OFFICE.match(between[0])
                                                   and _COVER_MONTH.match(between[1])) \
                    and any(kinds[i] == "toc" for i in range(k + 1, j))
                if not cover:
                    kinds[k] = "site_copy"
                break
            if summary and keys[j].startswith(key.rstrip("。…")) and len(keys[j]) > len(key) \
                    and "summary" not in done:
                kinds[k] = "site_copy"
                break
        if kinds[k]:
            # A page has one heading and one summary: later duplicates are the document's
            # own cover, header and title.
            done.update({stem, "title" if title else "summary"})
    # A longer value under a bare label (名称 : / the notice's title) goes when the document
    # repeats it below in lines no rule removes, however it wraps or quotes it: the site's
    # copy goes, the document's stays.
    for k in long_values:
        # Looked for where the document's own title stands, as site copies are (below), so a
        # huge page costs no more than a small one.
        below = "\n".join(lines[j] for j in range(k + 1, len(lines))
                          if not kinds[j] and starts[j] <= 2 * HEAD_CHARS + len(lines[k]))
        if not kinds[k] and _repeated_below(lines[k], below):
            kinds[k] = "cms_field"
    changes = [Change(starts[k], lines[k] + ("\n" if k < len(lines) - 1 else ""), "", kind)
               for k, kind in enumerate(kinds) if kind and lines[k]]
    changes += [Change(starts[k] + at, lines[k][at:], "", "toc") for k, at in cut.items()]
    changes += [Change(starts[k] + a, lines[k][a:b], "", "toc") for k, (a, b) in inline.items()
                if not kinds[k]]
    return apply_changes(text, changes), changes
