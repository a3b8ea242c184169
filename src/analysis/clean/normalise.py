"""Normalisation rules that run first: invisible characters, HTML markup, indents.

Web copies carry HTML, invisible characters and indents that every later rule would have to
step around (a breadcrumb indented with U+3000 escapes the line-anchored debris patterns, a
U+200B hides a clause number from the structure parser). They are normalised before any other
rule of :data:`analysis.clean.rules.RULES`, each change logged like any other.
"""
from __future__ import annotations

import re
from functools import lru_cache

from analysis.clean.changes import Change, CleanContext, sub, until_stable


#: Characters that ``str.splitlines`` treats as line boundaries besides "\n": they become
#: "\n", so that every later rule and every reader of the clean text sees the same lines.
LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@lru_cache(maxsize=1)
def _invisible_class() -> str:
    """A regex character class of the invisible characters: controls (Cc) other than "\\n" and
    "\\t", format characters (Cf: zero-width spaces and joiners, U+2060, U+FEFF, bidi marks,
    soft hyphen …) and lone surrogates (Cs, which cannot even be written as UTF-8)."""
    import itertools
    import unicodedata

    ranges: list[list[int]] = []
    # Controls, format characters and surrogates live in planes 0, 1 and 14 only (planes 2-3
    # hold ideographs, 15-16 private use): scanning those is exact and takes a tenth the time.
    for code in itertools.chain(range(0x20000), range(0xE0000, 0xE1000)):
        ch = chr(code)
        if ch in "\n\t" or ch in LINE_BREAKS:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "[" + "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}"
                         for a, b in ranges) + "]"


@lru_cache(maxsize=1)
def _invisible_pattern() -> re.Pattern:
    return re.compile(r"\r\n|[" + LINE_BREAKS + "]|" + _invisible_class() + "+")


def is_invisible(ch: str) -> bool:
    """Whether ``ch`` is an invisible character that :func:`remove_invisible` deletes."""
    return bool(re.fullmatch(_invisible_class(), ch))


def remove_invisible(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Delete invisible characters; turn every other line separator into "\\n".

    Zero-width spaces and joiners (U+200B–U+200D), U+2060, U+FEFF anywhere in the text, the
    other format characters, NUL and the other control characters except "\\n" and "\\t" are
    deleted: they carry no text, yet would split words, hide clause numbers at line starts and
    reach the clean text. "\\r\\n", "\\r", U+2028, U+2029 and the other separators of
    ``str.splitlines`` become "\\n".
    """
    def repl(m: re.Match) -> str:
        return "\n" if m.group(0)[0] in LINE_BREAKS else ""

    return sub(_invisible_pattern(), text, repl, "invisible character")


#: Block-level HTML elements: their tags end a line, as they do on the page.
HTML_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
    "details", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr",
    "html", "iframe", "legend", "li", "main", "menu", "nav", "noscript", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr",
    "ul"})
#: Inline HTML elements: their tags are deleted without a trace.
HTML_INLINE_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "blink", "button", "cite", "code",
    "data", "del", "dfn", "em", "embed", "font", "i", "img", "input", "ins", "kbd", "label",
    "link", "mark", "meta", "nobr", "object", "param", "q", "rp", "rt", "ruby", "s", "samp",
    "select", "small", "source", "span", "strike", "strong", "sub", "sup", "textarea",
    "time", "tt", "u", "var", "video", "audio", "wbr", "base", "col", "colgroup", "option",
    "optgroup", "area", "map", "picture", "svg"})
_ATTRS = r"""(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*\s*/?"""
_HTML = re.compile(
    r"(?P<comment><!--[\s\S]*?-->)"
    r"|(?P<script><(?P<skind>script|style)\b[^<>]*>[\s\S]*?</(?P=skind)\s*>)"
    r"|(?P<decl><![A-Za-z][^<>]*>)"
    # Tags of known elements, and namespaced tags such as Word's <o:p>; <区>, <35 and other
    # ASCII angle brackets in plan text are not tags.
    rf"|(?P<tag></?(?P<name>[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9-]*)?){_ATTRS}>)"
    r"|(?P<entity>&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});)",
    re.IGNORECASE)


def _decode_entity(entity: str) -> str:
    """Decode one HTML character reference; what it encodes is normalised like raw text
    (invisible characters dropped, line separators as "\\n"). Unknown names stay as written."""
    import html

    decoded = html.unescape(entity)
    if decoded == entity:
        return entity
    out = []
    for ch in decoded:
        if ch in LINE_BREAKS:
            out.append("\n")
        elif ch != "\ufffd" and not is_invisible(ch):  # &#0; and surrogates decode to U+FFFD
            out.append(ch)
    return "".join(out)


def _html_pass(text: str) -> tuple[str, list[Change]]:
    if "<" not in text and "&" not in text:
        return text, []

    def repl(m: re.Match) -> str:
        if m.group("entity"):
            return _decode_entity(m.group(0))
        if m.group("tag"):
            name = m.group("name").lower()
            if name in HTML_BLOCK_TAGS:
                return "\n"
            if name in HTML_INLINE_TAGS or ":" in name:
                return ""
            return m.group(0)  # not an HTML element: text in angle brackets
        return ""  # comments, scripts, style sheets, declarations

    return sub(_HTML, text, repl, "HTML markup")


def remove_html(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Remove HTML tags and decode character references.

    Tags of block elements (``<p>``, ``<br>``, ``<div>``, ``</p>``, table cells …) become line
    breaks; inline tags (``<span>``, ``<font>``, Word's ``<o:p>`` …), comments, scripts and
    style sheets are deleted; references (``&nbsp;``, ``&amp;``, ``&#x6025;``, ``&#24212;``)
    are decoded. The rule runs until nothing changes, so doubly escaped copies
    (``&amp;nbsp;``, ``&lt;p&gt;``) end up as plain text in one run and a second cleaning finds
    nothing left to do; the logged change spans the whole escaped form.
    """
    return until_stable(text, _html_pass)


_INDENT = re.compile(r"^[^\S\n]+", re.MULTILINE)


def remove_indent(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Delete indents (U+3000, NBSP, tabs, spaces) at line starts, so that line-anchored
    debris patterns (breadcrumbs, publication lines) see the line as it reads."""
    return sub(_INDENT, text, lambda m: "", "indent")


