"""The head of an article: headline, lead (sapo) and byline elements."""

from __future__ import annotations

import re
from typing import Any

from crawler.extract import meta
from crawler.extract.dom import (
    classes_of,
    common_scope,
    first_text,
    is_bold,
    is_hidden,
    is_junk,
    precedes,
    select,
    text_of,
)
from crawler.extract.rules import plain_fold
from crawler.extract.vocab import GENERIC_AUTHOR, GENERIC_SUMMARY, LEAD_CLASS, LEAD_TAGS, PERSON_LABEL
from crawler.text import normalize_text

_SUFFIX = re.compile(r"(?<!\s)\s++(?:[|–—-]|::)\s++(?=\S)")
_KEY = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    return _KEY.sub("", plain_fold(text))


def strip_site_suffix(title: str, names: tuple[str, ...]) -> str:
    """The headline without a trailing " - Báo Lạng Sơn" / " | baolangson.vn": cut only where the
    part after the last separator names the site (its registry name, og:site_name, its domain), never
    at any dash ("... “Năm dịch vụ công trực tuyến – 2015” tại Hà Tĩnh" keeps its dash)."""
    keys = {k for k in (_key(n) for n in names if n) if len(k) >= 4}
    while True:
        cuts = list(_SUFFIX.finditer(title))
        if not cuts or not keys:
            return title
        tail = _key(title[cuts[-1].end():])
        if not tail or not any(tail == k or (len(tail) >= 4 and (tail in k or k in tail)) for k in keys):
            return title
        title = title[: cuts[-1].start()]


def find_title(root: Any, selectors: tuple[str, ...], names: tuple[str, ...] = ()) -> tuple[str, Any, str]:
    """(headline, its element or None, how it was found: "selector", "h1", "heading", "og:title" or
    "title"). Of several <h1>, the one sharing most words with og:title (else the longest). From
    og:title or <title>, a suffix naming the site (`names`: site name, og:site_name, domain) goes."""
    text, el = first_text(root, selectors)
    if text:
        return text, el, "selector"
    og = meta.meta_content(root, "og:title") or ""
    heads = [(h, text_of(h)) for h in root.xpath("//h1")]
    heads = [(h, t) for h, t in heads if t]
    if heads:
        if og:
            og_words = set(plain_fold(og).split())
            h, t = max(heads, key=lambda ht: len(og_words & set(plain_fold(ht[1]).split())))
            if og_words & set(plain_fold(t).split()):
                return t, h, "h1"
        else:
            h, t = max(heads, key=lambda ht: len(ht[1]))
            return t, h, "h1"
    if og:
        # A template whose headline is an <h2>-<h4> (cema.gov.vn's h3): the heading that prints the
        # og:title, so the byline and lead after it can be found.
        folded = plain_fold(strip_site_suffix(normalize_text(og), names))
        for h in root.xpath("//h2|//h3|//h4"):
            text = text_of(h)
            if text and plain_fold(text) == folded:
                return text, h, "heading"
        return strip_site_suffix(normalize_text(og), names), None, "og:title"
    title = normalize_text((root.findtext(".//title") or "")[:2000])
    return strip_site_suffix(title, names), None, "title"


def find_summary(root: Any, selectors: tuple[str, ...], title_el: Any, body_el: Any) -> tuple[str, Any, str]:
    """(lead, its element, how: "selector", "generic", "after_title" or ""): the site's selectors, else
    a common template's sapo element before or inside the body, else (when the site names no summary
    selector) the lead printed after the headline. An empty sapo element is still returned (it is
    removed from the body) when nothing else is found."""
    text, el = first_text(root, selectors)
    if text:
        return text, el, "selector"
    empty = None
    for sel in GENERIC_SUMMARY:
        for el in select(root, sel):
            if el.xpath("ancestor::a") or el.xpath("ancestor::article[contains(@class,'story')]"):
                continue
            if body_el is not None and not (precedes(el, body_el) or el in body_el.iterdescendants()):
                continue
            text = text_of(el)
            if text:
                return text, el, "generic"
            empty = el
            break
    if not selectors:
        el = lead_after_title(title_el, body_el)
        return (text_of(el), el, "after_title") if el is not None else ("", None, "")
    return "", empty, ""


def lead_after_title(title_el: Any, body_el: Any) -> Any:
    """The lead printed between the headline and the body without a sapo class (vtcnews: an <h2>
    after the date line; elsewhere a bold <p>): the first element there with 12-120 words that is
    an h2/h3, bold, or has a lead-like class. Short lines (dates, bylines, categories) are passed
    over; any other text of that length, a link or a story card ends the search."""
    if title_el is None or body_el is None or not precedes(title_el, body_el):
        return None
    scope = common_scope(title_el, body_el)
    if scope is None or scope.tag in ("body", "html"):
        return None
    started = False
    for el in scope.iter():
        if el is title_el:
            started = True
            continue
        if el is body_el:
            return None
        if not started or not _lead_candidate(el, title_el):
            continue
        if body_el in el.iterdescendants():
            return None
        found = _as_lead(el)
        if found is not None:
            return el if found else None
    return None


_WRAPPED = "./*[self::p or self::div or self::h2 or self::h3 or self::ul or self::table]"


def _lead_candidate(el: Any, title_el: Any) -> bool:
    """A lead tag outside the headline, links and junk boxes, visible, and not a wrapper (a wrapper's
    children are looked at one by one)."""
    if not isinstance(el.tag, str) or el.tag not in LEAD_TAGS:
        return False
    if any(a is title_el for a in el.iterancestors()) or is_hidden(el):
        return False
    if el.xpath("ancestor::a") or any(is_junk(a) for a in [el, *el.iterancestors()]):
        return False
    return not (el.tag == "div" and el.xpath(_WRAPPED))


def _as_lead(el: Any) -> bool | None:
    """None for a short line (passed over), True for the lead, False for other text (no lead)."""
    words = len(text_of(el).split())
    if words < 12:
        return None
    if words > 120 or len(" ".join(el.xpath(".//a//text()")).split()) * 3 > words:
        return False
    return bool(el.tag in ("h2", "h3", "h4") or is_bold(el) or LEAD_CLASS.search(classes_of(el)))


def clean_person(text: str) -> str:
    """A byline's name without its label ("Tác giả:", "Tin, ảnh:") and trailing punctuation."""
    return PERSON_LABEL.sub("", text.strip()).strip(" .-–—")


def find_author(root: Any, selectors: tuple[str, ...], body_el: Any) -> tuple[str | None, str]:
    """(author, the raw text it came from): the site's selectors, else a common template's short
    author element next to the body."""
    raw, _ = first_text(root, selectors)
    author = clean_person(raw) or None
    if author is None and body_el is not None:
        around = body_el.getparent() if body_el.getparent() is not None else body_el
        for sel in GENERIC_AUTHOR:
            found = [el for el in select(around, sel) if 0 < len(text_of(el)) <= 60]
            if found:
                return clean_person(text_of(found[0])) or None, raw
    return author, raw
