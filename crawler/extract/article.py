"""Article extraction: site selectors, then the CMS layout, then generic rules and trafilatura.

The body is read from one container element, walked block by block so that paragraphs, images and
captions keep their order; Vietnamese conventions (sapo first, captions, bylines, source credits,
widget labels) are then applied to the paragraphs. See docs/extraction.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from crawler.extract import dates as D
from crawler.extract import listing, rules
from crawler.extract.cms import detect_cms, layout_selectors
from crawler.extract.decode import decode_html
from crawler.extract.model import ArticleData
from crawler.sites.registry import Selectors, SiteConfig
from crawler.text import normalize_text

_TRANSLATOR = HTMLTranslator()

SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "iframe",
        "form",
        "button",
        "input",
        "select",
        "textarea",
        "svg",
        "object",
        "embed",
        "video",
        "audio",
        "ins",
        "template",
        "head",
        "link",
        "meta",
        "map",
        "area",
        "canvas",
        "nav",
    ]
)
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "blockquote",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "figure",
        "figcaption",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "pre",
        "dl",
        "dt",
        "dd",
        "hr",
        "address",
        "center",
        "main",
        "details",
        "summary",
        "caption",
    ]
)
_CAPTION_CLASS = re.compile(
    r"(?:^|[-_\s])(?:caption|pcaption|image_desc|img_desc|imgdesc|photo-?desc|photocms_caption|fig-?desc|"
    r"chu-?thich|chuthich|expnoedit-caption|image-caption|desc_image)(?:[-_\s]|$)",
    re.I,
)
# Containers that are never article text: sharing bars, ratings, tags, ads, related lists, paging.
_JUNK_CLASS = re.compile(
    r"(?:^|[-_])(?:share|sharing|social|comments?|rating|ratings|tags?|tag_item|banner|ads|advert\w*|"
    r"related|relate|print|toolbar|breadcrumbs?|pagination|paging|tin-?lien-?quan|tinlienquan|tin-?khac|"
    r"other-?news|danh-?gia|cung-?chuyen-?muc|fb-like|zalo-share-button|sda_middle|rennab|"
    r"texttospeech|audio-?player|box-?tinlienquan|next-?prev|sponsored)(?:[-_]|$)",
    re.I,
)
# Compiled once: searched on every element with a class or id of every page.
_ATTACH_CLASS = re.compile(r"attach|dinh-?kem|dinhkem|file-?download|tai-?lieu", re.I)
_IMG_SKIP = re.compile(r"(?:icon|logo|sprite|blank|spacer|pixel|1x1|loading|avatar)[^/]*$", re.I)
_ATTACH_EXT = ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "rar", "7z", "odt", "ods", "rtf")
GENERIC_TITLE = (
    "h1.title",
    "h1.article-title",
    "h1.detail-title",
    "h1.the-article-title",
    ".article__title",
    "h1",
)
GENERIC_SUMMARY = (
    ".sapo",
    ".article__sapo",
    ".cms-desc",
    ".the-article-summary",
    ".chi-tiet-sub-content",
    ".detail-sapo",
    ".news-sapo",
    ".article-sapo",
    ".lead",
    ".summary-detail",
    "h2.sapo",
    "[class*=sapo]",
)
GENERIC_BODY = (
    ".cms-body",
    "[itemprop=articleBody]",
    ".the-article-body",
    ".chi-tiet-main-content",
    ".article__body",
    ".detail-content",
    ".content-detail",
    "#content-detail",
    ".news-content",
    ".article-content",
    ".entry-content",
    ".post-content",
    ".journal-content-article",
    ".field-name-body",
    ".content-fck",
)
# Date elements of common templates, looked for only inside the article (headline + body) scope.
GENERIC_PUBLISHED = (
    ".pubdate",
    ".publish-date",
    ".time-update",
    ".the-article-publish",
    ".article__meta .time",
    ".post-date",
    ".date-time",
    ".news-date",
    ".detail-time",
    ".ngay-dang",
    ".datetime",
    ".date",
)
GENERIC_AUTHOR = (".article__author", ".the-article-author", ".author-make", ".author", "[itemprop=author]")


@lru_cache(maxsize=512)
def _xpath_of(selector: str) -> str:
    if selector.startswith(("/", "(")):
        return selector
    return str(_TRANSLATOR.css_to_xpath(selector))


def select(node: Any, selector: str) -> list[Any]:
    """Elements matched by a CSS selector, or an XPath when it starts with '/' or '('."""
    try:
        found = node.xpath(_xpath_of(selector))
    except (etree.XPathError, ValueError, Exception):  # a bad selector in a site file must not crash a crawl
        return []
    return [el for el in found if isinstance(el, etree._Element) and isinstance(el.tag, str)]


def _text(el: Any) -> str:
    return normalize_text("".join(el.itertext())) if el is not None else ""


def _classes(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


@dataclass
class Block:
    kind: str  # "text", "img" or "caption"
    text: str = ""
    src: str = ""
    centered: bool = False
    italic: bool = False
    right: bool = False
    bold: bool = False
    links: int = 0  # characters inside links
    caption: str | None = None


@dataclass
class _Ctx:
    italic: bool = False
    bold: bool = False
    align: str = ""
    link: bool = False


@dataclass
class _Walker:
    base_url: str
    blocks: list[Block] = field(default_factory=list)
    chunks: list[tuple[str, _Ctx]] = field(default_factory=list)

    def flush(self) -> None:
        if not self.chunks:
            return
        raw = "".join(t for t, _ in self.chunks)
        text = normalize_text(raw)
        if text:
            visible = [c for t, c in self.chunks if t.strip()]
            align = next((c.align for c in visible if c.align), "")
            self.blocks.append(
                Block(
                    "text",
                    text,
                    centered=align == "center",
                    right=align == "right",
                    italic=all(c.italic for c in visible),
                    bold=all(c.bold for c in visible),
                    links=sum(len(t.strip()) for t, c in self.chunks if c.link),
                )
            )
        self.chunks = []

    def walk(self, el: Any, ctx: _Ctx) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag.lower() in SKIP_TAGS or _hidden(el):
            return
        tag = tag.lower()
        if tag == "figcaption" or _CAPTION_CLASS.search(el.get("class") or ""):
            self.flush()
            text = _text(el)
            if text:
                self.blocks.append(Block("caption", text))
            return
        if tag == "img":
            self.flush()
            src = image_src(el, self.base_url)
            if src:
                self.blocks.append(Block("img", el.get("alt") or "", src=src))
            return
        if tag == "br":
            self.flush()
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        style = (el.get("style") or "").lower().replace(" ", "")
        align = el.get("align", "").lower() or (
            m.group(1) if (m := re.search(r"text-align:(center|right|justify|left)", style)) else ""
        )
        inner = _Ctx(
            italic=ctx.italic or tag in ("em", "i") or "font-style:italic" in style,
            bold=ctx.bold or tag in ("strong", "b") or re.search(r"font-weight:(bold|[6-9]00)", style) is not None,
            align=align or ctx.align,
            link=ctx.link or tag == "a",
        )
        if el.text:
            self.chunks.append((el.text, inner))
        for child in el:
            self.walk(child, inner)
            if child.tail:
                self.chunks.append((child.tail, inner))
        if block:
            self.flush()


def _hidden(el: Any) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or el.get("hidden") is not None or el.get("aria-hidden") == "true"


def image_src(img: Any, base_url: str) -> str | None:
    for attr in ("data-src", "data-original", "data-lazy-src", "data-srcset", "src"):
        value = (img.get(attr) or "").strip().split(" ")[0]
        if value and not value.startswith("data:"):
            url = urljoin(base_url, value)
            if _IMG_SKIP.search(urlsplit(url).path):
                return None
            return url
    return None


def _remove(node: Any, selectors: tuple[str, ...], keep: Any = None) -> None:
    for sel in selectors:
        for el in select(node, sel):
            if el is keep or (keep is not None and el in keep.iterancestors()):
                continue
            _drop(el)


def _drop(el: Any) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:  # keep the text that follows the removed element
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _is_junk(el: Any) -> bool:
    """Whether one of the element's classes (or its id) names a non-text container (share, related...).
    Tested word by word: the pattern anchors on word ends."""
    tokens = [*(el.get("class") or "").split(), el.get("id") or ""]
    return any(_JUNK_CLASS.search(t) for t in tokens if t)


def _remove_junk(node: Any) -> None:
    for el in list(node.iterdescendants()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if _is_junk(el):
            _drop(el)
        elif el.tag == "a" and el.xpath("./descendant::*[self::h2 or self::h3 or self::h4 or self::p]"):
            _drop(el)  # an embedded story card (headline + teaser inside one link), not article text


def _first_text(root: Any, selectors: tuple[str, ...]) -> tuple[str, Any]:
    for sel in selectors:
        for el in select(root, sel):
            text = _text(el)
            if text:
                return text, el
    return "", None


def _title(root: Any, selectors: Selectors) -> tuple[str, Any, str]:
    text, el = _first_text(root, selectors.title)
    if text:
        return text, el, "selector"
    og = D.meta_content(root, "og:title") or ""
    heads = [(h, _text(h)) for h in root.xpath("//h1")]
    heads = [(h, t) for h, t in heads if t]
    if heads:
        if og:
            og_words = set(rules.fold(og).split())
            h, t = max(heads, key=lambda ht: len(og_words & set(rules.fold(ht[1]).split())))
            if og_words & set(rules.fold(t).split()):
                return t, h, "h1"
        else:
            h, t = max(heads, key=lambda ht: len(ht[1]))
            return t, h, "h1"
    if og:
        return normalize_text(og), None, "og:title"
    title = root.findtext(".//title") or ""
    return normalize_text(re.split(r"\s+[|–-]\s+", title)[0]), None, "title"


def _generic_container(root: Any) -> Any:
    """Readability-style: each paragraph's text scores its parent (and half its grandparent)."""
    scores: dict[Any, float] = {}
    for el in root.iter("p", "div", "td", "span"):
        if any(a.tag in ("header", "footer", "nav", "aside", "a", "li") for a in el.iterancestors()):
            continue
        own = normalize_text((el.text or "") + " ".join((c.tail or "") for c in el))
        if el.tag == "p":
            own = _text(el)
        if len(own) < 40:
            continue
        weight = len(own) + 20 * own.count(",")
        parent = el.getparent() if el.tag in ("p", "span") else el
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + weight
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + weight / 2
    if not scores:
        return None
    best = max(scores, key=lambda e: scores[e])
    return best if scores[best] >= 200 else None


def _precedes(a: Any, b: Any) -> bool:
    """Whether element a starts before element b in document order."""
    for el in a.getroottree().iter():
        if el is a:
            return True
        if el is b:
            return False
    return False


_CHROME_TAGS = frozenset(["header", "nav", "footer", "aside", "menu"])
# Class or id words (whole) of the page chrome above an article: "today" strips, menus, top bars.
_CHROME_WORD = re.compile(
    r"(?:site-?|page-?|main-?|top-?)?header(?:-?(?:top|wrap|wrapper|inner|bar|line))?|header-?top|"
    r"top(?:-?(?:bar|header|nav|menu|line|links|info))?|(?:main-?|top-?|site-?)?(?:menu|nav|navbar|navigation)|"
    r"banner|date-?now|today|current-?date|clock|weather",
    re.I,
)


def _is_chrome(el: Any) -> bool:
    if el.tag in _CHROME_TAGS:
        return True
    words = (el.get("class") or "").split() + (el.get("id") or "").split()
    return any(_CHROME_WORD.fullmatch(w) for w in words)


def _in_page_header(el: Any, title_el: Any) -> bool:
    """Whether a date element is in the page header region: above the headline, and either inside
    header/nav chrome that does not hold the headline or sharing nothing with the headline but the
    page itself. Position rules it out, whatever it prints: a header "today" strip ("Thứ Tư,
    08/02/2023" on a 2016 article) has a weekday that agrees with its date."""
    if title_el is None:
        return any(_is_chrome(a) for a in [el, *el.iterancestors()])
    if not _precedes(el, title_el):
        return False
    # The elements themselves, not id()s: an lxml proxy dies with its last reference and its id is reused.
    title_line = {title_el, *title_el.iterancestors()}
    for a in [el, *el.iterancestors()]:
        if a in title_line:
            return a.tag in ("body", "html")
        if _is_chrome(a):
            return True
    return True  # not in the headline's document at all


def _find_date(
    root: Any, selectors: Selectors, title_el: Any, body_el: Any, reasons: list[str]
) -> tuple[date | datetime | None, str | None]:
    candidates: list[tuple[str, date | datetime]] = []

    def add(rung: str, value: date | datetime | None) -> None:
        if value is not None:
            candidates.append((rung, value))

    raw = D.jsonld_field(root, "datePublished")
    add("json_ld", D.parse_iso(raw) if raw else None)
    raw = D.meta_content(root, "article:published_time", "datePublished")
    add("meta", D.parse_iso(raw) if raw else None)
    scope = _article_scope(title_el, body_el)
    if scope is not None:
        for t in scope.xpath(".//time[@datetime]"):
            if any(_is_junk(a) for a in t.iterancestors()) or t.xpath("ancestor::a"):
                continue
            if _in_page_header(t, title_el):
                continue
            add("time", D.parse_iso(t.get("datetime")))
            break
    for sel in selectors.published:
        for el in select(root, sel):
            if _in_page_header(el, title_el):
                continue
            value, problem = D.parse_text_date(_text(el))
            if problem:
                reasons.append(f"date selector {sel!r}: {problem}")
            if value is not None:
                add("site_selector", value)
                break
        else:
            continue
        break
    if scope is not None:
        for sel in GENERIC_PUBLISHED:
            found = [
                el for el in select(scope, sel) if not el.xpath("ancestor::a") and not _in_page_header(el, title_el)
            ]
            value, problem = D.parse_text_date(_text(found[0])) if found else (None, None)
            if problem:
                reasons.append(f"date {sel!r}: {problem}")
            if value is not None:
                add("date_element", value)
                break
    if title_el is not None:
        value, problem = D.parse_text_date(_after_title(title_el, body_el))
        if problem:
            reasons.append(f"byline date: {problem}")
        add("byline", value)
    if not candidates:
        return None, None
    rung, value = candidates[0]
    for later_rung, later in candidates[1:]:
        refined = D.same_day_refinement(value, later)
        if refined is not None:
            return refined, f"{rung}+{later_rung}"
    return value, rung


_LEAD_CLASS = re.compile(r"lead|sapo|desc|intro|summary|excerpt|tom-?tat|mo-?ta|chapeau", re.I)
_LEAD_TAGS = frozenset(["h2", "h3", "p", "div"])


def _is_bold(el: Any) -> bool:
    """Whether (nearly) all of an element's text is in <strong>/<b> or styled bold."""
    if re.search(r"font-weight\s*:\s*(?:bold|[6-9]00)", el.get("style") or ""):
        return True
    total = len(_text(el))
    bold = sum(len(_text(b)) for b in el.xpath(".//strong[not(ancestor::strong)] | .//b[not(ancestor::b)]"))
    return total > 0 and bold >= 0.8 * total


def _lead_after_title(title_el: Any, body_el: Any) -> Any:
    """The lead printed between the headline and the body without a sapo class (vtcnews: an <h2>
    after the date line; elsewhere a bold <p>): the first element there with 12-120 words that is
    an h2/h3, bold, or has a lead-like class. Short lines (dates, bylines, categories) are passed
    over; any other text of that length, a link or a story card ends the search."""
    if title_el is None or body_el is None or not _precedes(title_el, body_el):
        return None
    scope = _article_scope(title_el, body_el)
    if scope is None or scope.tag in ("body", "html"):
        return None
    started = False
    for el in scope.iter():
        if el is title_el:
            started = True
            continue
        if el is body_el:
            return None
        if not started or not isinstance(el.tag, str) or el.tag not in _LEAD_TAGS:
            continue
        if any(a is title_el for a in el.iterancestors()) or _hidden(el):
            continue
        if el.xpath("ancestor::a") or any(_is_junk(a) for a in [el, *el.iterancestors()]):
            continue
        if el.tag == "div" and el.xpath("./*[self::p or self::div or self::h2 or self::h3 or self::ul or self::table]"):
            continue  # a wrapper: its children are looked at one by one
        if body_el in el.iterdescendants():
            return None
        words = len(_text(el).split())
        if words < 12:
            continue
        if words > 120 or len(" ".join(el.xpath(".//a//text()")).split()) * 3 > words:
            return None
        if el.tag in ("h2", "h3") or _is_bold(el) or _LEAD_CLASS.search(_classes(el)):
            return el
        return None
    return None


def _figures_before_body(title_el: Any, body_el: Any, base_url: str) -> list[dict[str, Any]]:
    """Photos in <figure> between the headline and the body (NukeViet prints the main photo with its
    caption before the lead, outside the body container), with their figcaption."""
    if title_el is None or body_el is None or not _precedes(title_el, body_el):
        return []
    scope = _article_scope(title_el, body_el)
    if scope is None or scope.tag in ("body", "html"):
        return []
    out: list[dict[str, Any]] = []
    started = False
    for el in scope.iter():
        if el is title_el:
            started = True
        elif el is body_el:
            break
        elif started and el.tag == "figure" and body_el not in el.iterdescendants():
            if el.xpath("ancestor::a") or any(_is_junk(a) for a in [el, *el.iterancestors()]):
                continue
            for img in el.iter("img"):
                src = image_src(img, base_url)
                if src:
                    caption = " ".join(_text(c) for c in el.iter("figcaption")) or None
                    out.append({"url": src, "caption": normalize_text(caption) if caption else None})
                    break
    return out


def _article_scope(title_el: Any, body_el: Any) -> Any:
    """The smallest element holding both the headline and the body."""
    if title_el is None or body_el is None:
        return body_el if body_el is not None else title_el
    ancestors = {id(a): a for a in [body_el, *body_el.iterancestors()]}
    for a in [title_el, *title_el.iterancestors()]:
        if id(a) in ancestors:
            return a
    return None


def _after_title(title_el: Any, body_el: Any, limit: int = 300) -> str:
    """The text printed after the headline, up to the body (where a dated byline sits)."""
    parts: list[str] = []
    size = 0
    started = False
    stop = body_el
    for el in title_el.getroottree().iter():
        if el is title_el:
            started = True
            parts.append(title_el.tail or "")
            continue
        if not started or any(a is title_el for a in el.iterancestors()):
            continue
        if el is stop or not isinstance(el.tag, str):
            if el is stop:
                break
            continue
        if el.tag in ("script", "style", "a"):
            continue
        parts.append(el.text or "")
        parts.append(el.tail or "")
        size += len(el.text or "") + len(el.tail or "")
        if size > limit:
            break
    return normalize_text(" ".join(parts))[:limit]


def _paragraphs(blocks: list[Block]) -> tuple[list[Block], list[dict[str, Any]]]:
    """Body blocks without captions, and the images with their captions."""
    images: list[dict[str, Any]] = []
    out: list[Block] = []
    last_was_image = False
    for block in blocks:
        if block.kind == "img":
            if not any(i["url"] == block.src for i in images):
                images.append({"url": block.src, "caption": None})
            last_was_image = True
            continue
        is_caption = block.kind == "caption"
        if not is_caption and last_was_image and len(block.text.split()) <= 60:
            is_caption = block.centered or block.italic or rules.is_caption_text(block.text)
        if not is_caption and rules.is_caption_text(block.text) and len(block.text.split()) <= 25:
            is_caption = True
        if is_caption:
            if images and images[-1]["caption"] is None:
                images[-1]["caption"] = block.text
            last_was_image = False
            continue
        last_was_image = False
        out.append(block)
    return out, images


def _attachments(nodes: list[Any], base_url: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for node in nodes:
        for a in node.xpath(".//a[@href]"):
            href = a.get("href").strip()
            path = urlsplit(href).path.lower()
            ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
            if ext not in _ATTACH_EXT:
                continue
            url = urljoin(base_url, href)
            if url in seen:
                continue
            seen.add(url)
            title = _text(a) or (a.get("title") or "").strip() or path.rsplit("/", 1)[-1]
            out.append({"url": url, "title": normalize_text(title), "type": ext})
    return out


# The same libxml2 HTML parser and options as lxml.html's, without its element class lookup: the
# extractor uses no HtmlElement method, and the lookup ran for each of ~2,000 element proxies a page.
_HTML_PARSER = etree.HTMLParser()
_EMPTY = "<html><body></body></html>"


def _parse(text: str) -> Any:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = etree.fromstring(text, _HTML_PARSER) if text.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    return root if root is not None else etree.fromstring(_EMPTY, _HTML_PARSER)


def _trafilatura_paragraphs(text: str, url: str) -> list[str]:
    import trafilatura

    out = trafilatura.extract(text, url=url, include_comments=False, favor_precision=True, include_tables=True)
    return [normalize_text(p) for p in (out or "").split("\n") if normalize_text(p)]


def _clean_person(text: str) -> str:
    label = r"^(?:tác giả bài viết|tác giả|người viết|bài|tin|bài và ảnh|tin, ảnh|tin và ảnh)\s*:\s*"
    text = re.sub(label, "", text.strip(), flags=re.I)
    return text.strip(" .-–—")


def extract_article(url: str, html: str | bytes, site: SiteConfig | None = None) -> ArticleData:
    """Title, lead, body, dates, author, source, images and attachments of one page, and whether the
    page is an article at all (`is_article`, with `reasons`)."""
    text = decode_html(html)
    root = _parse(text)
    result = ArticleData(url=url)
    reasons = result.reasons
    selectors = site.selectors if site is not None else Selectors()
    if site is not None and site.layout:
        # The site file names its family (its layout is already merged into site.selectors), so
        # the ~40 fingerprint searches over the whole page (2-6 ms) would decide nothing.
        result.cms = site.layout
    elif site is not None and site.selectors.body:
        # A site file with its own body selectors describes its template; fingerprints are for pages
        # nobody described (the generic fallbacks below still apply when the template drifts).
        result.cms = None
    else:
        result.cms = detect_cms(text)
        if result.cms:
            selectors = selectors.merged_over(layout_selectors(result.cms))
    # Only a template the site file declares (own selectors or layout) is expected to match.
    has_site_body = site is not None and bool(site.selectors.body)
    lang = root.get("lang") or (root.xpath("//html/@lang") or [None])[0]
    result.language = str(lang).split("-")[0].lower() if lang else None

    title, title_el, title_how = _title(root, selectors)
    result.title = title
    reasons.append(f"title from {title_how}" if title else "no title")

    body_el = None
    body_how = ""
    for sel in selectors.body:
        found = [el for el in select(root, sel) if _text(el)]
        if found:
            body_el, body_how = found[0], f"selector {sel!r}"
            break
    if body_el is None:
        for sel in GENERIC_BODY:
            found = [el for el in select(root, sel) if len(_text(el)) >= 80]
            if found:
                body_el, body_how = found[0], f"generic selector {sel!r}"
                break
    if body_el is None:
        body_el = _generic_container(root)
        body_how = "generic scoring" if body_el is not None else ""
    if has_site_body and not body_how.startswith("selector"):
        reasons.append("site body selector matched nothing")

    summary_text, summary_el = _first_text(root, selectors.summary)
    if not summary_text:
        for sel in GENERIC_SUMMARY:
            for el in select(root, sel):
                if el.xpath("ancestor::a") or el.xpath("ancestor::article[contains(@class,'story')]"):
                    continue
                if body_el is not None and not (_precedes(el, body_el) or el in body_el.iterdescendants()):
                    continue
                summary_text, summary_el = _text(el), el
                break
            if summary_text:
                break

    if not summary_text and not selectors.summary:
        summary_el = _lead_after_title(title_el, body_el)
        summary_text = _text(summary_el) if summary_el is not None else ""
        if summary_text:
            reasons.append(f"lead from the <{summary_el.tag}> after the headline")

    result.published_at, result.date_source = _find_date(root, selectors, title_el, body_el, reasons)
    raw = D.jsonld_field(root, "dateModified") or D.meta_content(root, "article:modified_time", "dateModified")
    result.modified_at = D.parse_iso(raw) if raw else None

    author_text, _ = _first_text(root, selectors.author)
    source_text, _ = _first_text(root, selectors.source)
    author = _clean_person(author_text) or None
    # A credit naming the page's own outlet is cut from the text but is not a `source`: that field
    # names the outlet a republished item comes from.
    own = rules.OwnOutlet.of(
        [urlsplit(url).hostname or "", *(site.allowed_domains if site is not None else ())],
        [site.name if site is not None else "", D.meta_content(root, "og:site_name") or ""],
    )
    source = rules.normalize_source(source_text) if source_text else None
    if source and own.names_credit(source):
        source = None
    if author is None and body_el is not None:
        for sel in GENERIC_AUTHOR:
            found = [el for el in select(body_el.getparent() if body_el.getparent() is not None else body_el, sel)]
            found = [el for el in found if 0 < len(_text(el)) <= 60]
            if found:
                author = _clean_person(_text(found[0])) or None
                break

    # Body text: the container without its furniture, walked block by block.
    paragraphs: list[Block] = []
    images: list[dict[str, Any]] = []
    if body_el is not None:
        if summary_el is not None and summary_el in body_el.iterdescendants():
            _drop(summary_el)
        _remove(body_el, selectors.remove, keep=body_el)
        _remove_junk(body_el)
        walker = _Walker(url)
        walker.walk(body_el, _Ctx())
        walker.flush()
        paragraphs, images = _paragraphs(walker.blocks)
    if not paragraphs:
        paragraphs = [Block("text", p) for p in _trafilatura_paragraphs(text, url)]
        if paragraphs:
            body_how = "trafilatura"
            if title and rules.fold(paragraphs[0].text) == rules.fold(title):
                paragraphs = paragraphs[1:]
    reasons.append(f"body from {body_how}" if body_how else "no body container")

    # Lead credit in the sapo or the first paragraph, then bylines/credits/labels at the end.
    summary = summary_text or None
    if summary:
        credit, summary = rules.lead_credit(summary)
        if credit and not own.own_lead_mark(credit):
            source = source or credit
    texts = [rules.strip_inline_widgets(b.text) for b in paragraphs]
    strong = [b.right or b.bold for b in paragraphs]
    keep = [t and not rules.is_widget_label(t) for t in texts]
    texts = [t for t, k in zip(texts, keep, strict=True) if k]
    strong = [s for s, k in zip(strong, keep, strict=True) if k]
    if texts and summary and rules.fold(texts[0]) == rules.fold(summary):
        texts, strong = texts[1:], strong[1:]
    if texts and not summary:
        credit, texts[0] = rules.lead_credit(texts[0])
        if credit and not own.own_lead_mark(credit):
            source = source or credit
    while texts:
        last = texts[-1]
        if author and rules.fold(last) in (rules.fold(author), rules.fold(author_text)):
            texts, strong = texts[:-1], strong[:-1]
            continue
        credit = rules.trailing_credit(last)
        if credit:
            if not own.names_credit(credit):
                source = source or credit
            texts, strong = texts[:-1], strong[:-1]
            continue
        name, agency = rules.byline(last, strong=strong[-1])
        if name and (author is None or rules.fold(name) == rules.fold(author)):
            author = name
            agency = rules.normalize_source(agency) if agency else None
            if agency and not own.names_credit(agency):
                source = source or agency
            texts, strong = texts[:-1], strong[:-1]
            continue
        break
    if summary:
        texts = [summary, *texts]
    result.summary = summary
    result.body = "\n\n".join(t for t in texts if t)
    result.author = author
    result.source = source
    before = _figures_before_body(title_el, body_el, url)
    result.images = before + [im for im in images if im["url"] not in {b["url"] for b in before}]

    attach_nodes = [n for n in [body_el] if n is not None]
    attach_nodes += [el for el in root.xpath("//*[@class or @id]") if _ATTACH_CLASS.search(_classes(el))]
    result.attachments = _attachments(attach_nodes, url) if attach_nodes else []

    _decide(
        result,
        body_el,
        paragraphs,
        reasons,
        has_site_body and not body_how.startswith("selector"),
        root,
        body_how == "generic scoring",
        title_el,
    )
    return result


def _in_card_list(el: Any, depth: int = 6) -> bool:
    """Whether el is (inside) one of >= 3 same-shaped siblings that each hold a headline link: a
    listing's story cards, whose teaser text can outscore everything else on a category page."""
    node = el
    for _ in range(depth):
        if node is None or node.getparent() is None:
            return False
        parent = node.getparent()
        same = [s for s in parent if s.tag == node.tag and s.get("class") == node.get("class")]
        cards = [
            s for s in same if s.xpath(".//*[self::h2 or self::h3 or self::h4]//a | .//a//*[self::h2 or self::h3]")
        ]
        if node.get("class") and len(cards) >= 3:
            return True
        node = parent
    return False


def _decide(
    result: ArticleData,
    body_el: Any,
    blocks: list[Block],
    reasons: list[str],
    site_missed: bool,
    root: Any,
    generic: bool,
    title_el: Any = None,
) -> None:
    words = len(result.body.split())
    n_par = result.body.count("\n\n") + 1 if result.body else 0
    total = sum(len(b.text) for b in blocks) or 1
    density = sum(b.links for b in blocks) / total
    teasers, teaser_chars = 0, 0
    if body_el is not None:
        for a in body_el.xpath(".//a"):
            anchor = _text(a)
            if len(anchor.split()) >= 6:
                teasers, teaser_chars = teasers + 1, teaser_chars + len(anchor)
    og_type = (D.meta_content(root, "og:type") or "").lower()
    reasons.append(f"body {words} words in {n_par} paragraphs, link density {density:.2f}, {teasers} headline links")
    problems: list[str] = []
    if not result.title:
        problems.append("no headline")
    if words < 30:
        problems.append(f"body too short ({words} words)")
    if density > 0.35:
        problems.append(f"link density {density:.2f} (a list of links)")
    # Headlines linking elsewhere: a few in a body are cross-links, many are a list of stories.
    if teasers >= 8 or (teasers >= 4 and teaser_chars > 0.15 * total):
        problems.append(f"{teasers} headline links in the body (a listing)")
    if result.published_at is None and words < 150:
        problems.append("no publish date and a short body")
    if body_el is not None and generic and _in_card_list(body_el):
        problems.append("the text sits in one card of a repeated list of stories")
    # Listings (home, category, tag, search): whichever path gave the body, its text must not be the
    # teasers of story cards, and the headline must not be a story link. Looked at only when nothing
    # else has ruled the page out (it reads every link of the page).
    if not problems:
        canonical = (root.xpath("//link[@rel='canonical']/@href") or [None])[0] or D.meta_content(root, "og:url")
        paragraphs = result.body.split("\n\n") if result.body else []
        problems.extend(listing.listing_problems(root, result.url, title_el, paragraphs, og_type, canonical))
    if site_missed and not (result.published_at is not None and words >= 150 and og_type == "article"):
        problems.append("the site's article template is absent")
    result.is_article = not problems
    if problems:
        reasons.extend(problems)
    else:
        reasons.append("article: headline, body" + (", dated" if result.published_at else ""))
