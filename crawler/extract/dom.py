"""DOM helpers of the extractor: parsing, selecting, text, document order, removing nodes.

Everything works on lxml elements of one parsed page; nothing here knows what an article is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from crawler.extract.vocab import CHROME_TAGS, CHROME_WORD, IMAGE_SRC_ATTRS, IMG_SKIP, JUNK_CLASS, NO_TEXT_TAGS
from crawler.text import normalize_text

_TRANSLATOR = HTMLTranslator()
# The same libxml2 HTML parser and options as lxml.html's, without its element class lookup: the
# extractor uses no HtmlElement method, and the lookup ran for each of ~2,000 element proxies a page.
_HTML_PARSER = etree.HTMLParser()
_EMPTY = "<html><body></body></html>"
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_html(text: str) -> Any:
    """The page's root element; an empty document for text that does not parse."""
    text = _XML_DECL.sub("", text)
    try:
        root = etree.fromstring(text, _HTML_PARSER) if text.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    return root if root is not None else etree.fromstring(_EMPTY, _HTML_PARSER)


@lru_cache(maxsize=512)
def _xpath_of(selector: str) -> str:
    if selector.startswith(("/", "(")):
        return selector
    return str(_TRANSLATOR.css_to_xpath(selector))


def select(node: Any, selector: str) -> list[Any]:
    """Elements matched by a CSS selector, or an XPath when it starts with '/' or '('."""
    try:
        found = node.xpath(_xpath_of(selector))
    except Exception:  # a bad selector in a site file must not crash a crawl
        return []
    return [el for el in found if isinstance(el, etree._Element) and isinstance(el.tag, str)]


def text_of(el: Any) -> str:
    """The element's visible text, normalized (NFC, spaces); "" for None. The code of <script>,
    <style>, <noscript> and <template> inside it is not text (asked of such an element itself, its
    content is)."""
    if el is None:
        return ""
    if next(el.iterdescendants(*NO_TEXT_TAGS), None) is None:
        return normalize_text("".join(el.itertext()))
    parts: list[str] = []
    _visible_text(el, parts)
    return normalize_text("".join(parts))


def _visible_text(el: Any, parts: list[str]) -> None:
    if isinstance(el.tag, str) and el.text:
        parts.append(el.text)
    for child in el:
        if child.tag not in NO_TEXT_TAGS:
            _visible_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def first_text(root: Any, selectors: tuple[str, ...]) -> tuple[str, Any]:
    """The text and element of the first selector match with any text."""
    for sel in selectors:
        for el in select(root, sel):
            text = text_of(el)
            if text:
                return text, el
    return "", None


def classes_of(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def is_hidden(el: Any) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or el.get("hidden") is not None or el.get("aria-hidden") == "true"


def has_class_word(el: Any, pattern: re.Pattern[str]) -> bool:
    """Whether the element's class or id names one of a `vocab.class_words` pattern's words."""
    value = el.get("class") or ""
    ident = el.get("id")
    return bool(pattern.search(f"{value} {ident}" if ident else value))


def is_junk(el: Any) -> bool:
    """Whether one of the element's classes (or its id) names a non-text container (share,
    related...)."""
    return has_class_word(el, JUNK_CLASS)


def is_chrome(el: Any) -> bool:
    """Page chrome: header, nav, footer, aside or menu, by tag or by a whole class/id word."""
    if el.tag in CHROME_TAGS:
        return True
    words = (el.get("class") or "").split() + (el.get("id") or "").split()
    return any(CHROME_WORD.fullmatch(w) for w in words)


def signature(el: Any) -> str:
    """The element's place in the page's structure, by tag, id and classes from the root down (no
    positions): the same template element has the same signature on every page of a site."""
    parts = []
    for a in [el, *el.iterancestors()]:
        ident = f"#{a.get('id')}" if a.get("id") else ""
        classes = "".join(f".{c}" for c in sorted((a.get("class") or "").split()))
        parts.append(f"{a.tag}{ident}{classes}")
    return ">".join(reversed(parts))


def is_bold(el: Any) -> bool:
    """Whether (nearly) all of an element's text is in <strong>/<b> or styled bold."""
    if re.search(r"font-weight\s*:\s*(?:bold|[6-9]00)", el.get("style") or ""):
        return True
    total = len(text_of(el))
    bold = sum(len(text_of(b)) for b in el.xpath(".//strong[not(ancestor::strong)] | .//b[not(ancestor::b)]"))
    return total > 0 and bold >= 0.8 * total


def precedes(a: Any, b: Any) -> bool:
    """Whether element a starts before element b in document order."""
    for el in a.getroottree().iter():
        if el is a:
            return True
        if el is b:
            return False
    return False


def common_scope(title_el: Any, body_el: Any) -> Any:
    """The smallest element holding both the headline and the body (either one when the other is
    None; None when they are in different documents)."""
    if title_el is None or body_el is None:
        return body_el if body_el is not None else title_el
    ancestors = {id(a): a for a in [body_el, *body_el.iterancestors()]}
    for a in [title_el, *title_el.iterancestors()]:
        if id(a) in ancestors:
            return a
    return None


def drop(el: Any) -> None:
    """Remove an element, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def drop_selected(node: Any, selectors: tuple[str, ...], keep: Any = None) -> None:
    """Remove what the selectors match inside node, except `keep` and its ancestors."""
    for sel in selectors:
        for el in select(node, sel):
            if el is keep or (keep is not None and el in keep.iterancestors()):
                continue
            drop(el)


def image_src(img: Any, base_url: str) -> str | None:
    """The image's URL (lazy-loading attributes first); None for icons, logos and spacers."""
    for attr in IMAGE_SRC_ATTRS:
        value = (img.get(attr) or "").strip().split(" ")[0]
        if value and not value.startswith("data:"):
            url = urljoin(base_url, value)
            if IMG_SKIP.search(urlsplit(url).path):
                return None
            return url
    return None


# Longer hrefs name no page anyone links to (and would bloat the scheduler).
MAX_HREF_LENGTH = 2048
SKIP_HREF_PREFIXES = ("#", "mailto:", "javascript:", "tel:")


def page_anchors(root: Any, chrome: bool = True) -> list[tuple[str, str, bool]]:
    """The page's links as (href as written, anchor text, whether it sits in the page's chrome:
    header, menus, footer; chrome=False: not asked, always False), in page order."""
    out: list[tuple[str, str, bool]] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(SKIP_HREF_PREFIXES) or len(href) > MAX_HREF_LENGTH:
            continue
        in_chrome = chrome and any(is_chrome(a) for a in anchor.iterancestors())
        out.append((href, " ".join("".join(anchor.itertext()).split()), in_chrome))
    return out
