"""The body: which container holds it, its blocks in order (paragraphs, images, captions), and the
text that remains once captions, widgets, credits and bylines are taken out.

The container is walked block by block so that paragraphs, images and captions keep their order;
Vietnamese newsroom conventions (crawler.extract.rules) then apply to the paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.extract import rules
from crawler.extract.dom import (
    common_scope,
    drop,
    drop_selected,
    has_class_word,
    image_src,
    is_chrome,
    is_hidden,
    is_junk,
    precedes,
    select,
    text_of,
)
from crawler.extract.rules import plain_fold
from crawler.extract.vocab import (
    ATTACH_EXT,
    BLOCK_TAGS,
    BODY_JUNK_CLASS,
    CAPTION_CLASS,
    GENERIC_BODY,
    OVERLAY_CLASS,
    SKIP_TAGS,
)
from crawler.text import normalize_text

_ALIGN = re.compile(r"text-align:(center|right|justify|left)")
_BOLD_STYLE = re.compile(r"font-weight:(bold|[6-9]00)")


# -- the container ----------------------------------------------------------------------------


def find_container(root: Any, selectors: tuple[str, ...], own: tuple[str, ...] = ()) -> tuple[Any, str]:
    """(element, how): the body selectors, else a common template's body element, else
    Readability-style scoring; (None, "") when nothing qualifies.

    A selector the site file declares (`own`) describes its template: its first match with any text is
    the body. Any other selector (a detected CMS layout's, the common templates') only guesses: its
    matches under MIN_CONTAINER_CHARS are passed over (a "Subscribe" box sharing the body's class) and
    the one with the most text wins."""
    for sel in selectors:
        if sel in own:
            found = [el for el in select(root, sel) if text_of(el)]
            if found:
                return found[0], f"selector {sel!r}"
        elif (el := _longest_match(root, sel)) is not None:
            return el, f"selector {sel!r}"
    for sel in GENERIC_BODY:
        if (el := _longest_match(root, sel)) is not None:
            return el, f"generic selector {sel!r}"
    el = scored_container(root)
    return (el, "generic scoring") if el is not None else (None, "")


MIN_CONTAINER_CHARS = 80


def _longest_match(root: Any, sel: str) -> Any:
    """The selector's match with the most text, if it has at least MIN_CONTAINER_CHARS characters."""
    best, best_len = None, MIN_CONTAINER_CHARS - 1
    for el in select(root, sel):
        n = len(text_of(el))
        if n > best_len:
            best, best_len = el, n
    return best


MIN_SCORE = 200
# Same-shaped blocks scoring at least this share of the best one are part of the same text.
MERGE_SHARE = 0.3
MERGE_DEPTH = 6


def scored_container(root: Any) -> Any:
    """Readability-style: each paragraph's text scores its parent (and half its grandparent). The
    best candidate grows to the nearest ancestor it shares with its same-shaped siblings (a body
    split into several blocks of one tag and class)."""
    scores = _paragraph_scores(root)
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    if scores[best] < MIN_SCORE:
        return None
    return _merge_same_shaped(best, scores)


def _unscored(root: Any) -> set[Any]:
    """Elements whose text scores nothing: what lies in page chrome (header, nav, footer, by tag or by
    class: "footer", "copyright"), links and list items, and junk or overlay boxes (comments, cookie
    banners, newsletter sign-ups) with what they hold."""
    out: set[Any] = set()
    for el in root.iter("header", "footer", "nav", "aside", "a", "li"):
        if el not in out:
            out.update(el.iterdescendants())
    # The classes of <html>, <body>, <main> and <article> describe the page or the post (WordPress'
    # "tag-economy", a body's "has-cookie-consent"), not a box.
    for el in root.xpath("//*[@class or @id][not(self::html or self::body or self::main or self::article)]"):
        if el not in out and (is_junk(el) or has_class_word(el, OVERLAY_CLASS) or is_chrome(el)):
            out.add(el)
            out.update(el.iterdescendants())
    return out


def _paragraph_scores(root: Any) -> dict[Any, float]:
    scores: dict[Any, float] = {}
    unscored = _unscored(root)
    for el in root.iter("p", "div", "td", "span"):
        if el in unscored:
            continue
        own = text_of(el) if el.tag == "p" else _own_text(el)
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
    return scores


def _own_text(el: Any) -> str:
    """The text directly in the element, not in its children."""
    return normalize_text((el.text or "") + " ".join((c.tail or "") for c in el))


def _merge_same_shaped(best: Any, scores: dict[Any, float]) -> Any:
    """The lowest common ancestor of the best candidate and every candidate of its tag and class
    scoring >= MERGE_SHARE of it (readability's sibling merge, restricted to same-shaped blocks), when
    that ancestor is at most MERGE_DEPTH levels above the best and is not <body>."""
    depth = {a: i for i, a in enumerate([best, *best.iterancestors()])}
    shape = (best.tag, best.get("class") or "")
    out, out_depth = best, 0
    for el, score in scores.items():
        if el is best or score < MERGE_SHARE * scores[best] or (el.tag, el.get("class") or "") != shape:
            continue
        common = next((a for a in [el, *el.iterancestors()] if a in depth), None)
        if common is None or common.tag in ("body", "html"):
            continue
        if out_depth < depth[common] <= MERGE_DEPTH:
            out, out_depth = common, depth[common]
    return out


def remove_furniture(body_el: Any, selectors: tuple[str, ...]) -> None:
    """Drop the site's `remove` selectors, junk containers (share, related, trending, sign-up...)
    and embedded story cards (headline + teaser inside one link) from the container."""
    drop_selected(body_el, selectors, keep=body_el)
    for el in list(body_el.iterdescendants()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if is_junk(el) or has_class_word(el, BODY_JUNK_CLASS) or (
            el.tag == "a" and el.xpath("./descendant::*[self::h2 or self::h3 or self::h4 or self::p]")
        ):
            drop(el)


# -- blocks -----------------------------------------------------------------------------------


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
class _Style:
    italic: bool = False
    bold: bool = False
    align: str = ""
    link: bool = False


# Elements that can hold a list of links inside a body (related stories, most read, a link farm).
LIST_TAGS = frozenset(["ul", "ol", "div", "section", "aside", "table", "p"])
# A block whose link text is at least this share of its text, with >= 2 links, is a list of links
# (when it holds at most LINK_LIST_MAX_SHARE of the body's text).
LINK_LIST_DENSITY = 0.5
LINK_LIST_MAX_SHARE = 0.5
HEADING_TAGS = frozenset(["h2", "h3", "h4", "h5", "h6", "p", "div", "strong"])


@dataclass
class _Span:
    """A LIST_TAGS element's blocks (blocks[start:end]), links with text and links to files."""

    el: Any
    start: int
    end: int = -1
    links: int = 0
    files: int = 0


@dataclass
class _Walker:
    base_url: str
    blocks: list[Block] = field(default_factory=list)
    chunks: list[tuple[str, _Style]] = field(default_factory=list)
    skip: frozenset[Any] = frozenset()  # elements left out (the headline inside the container)
    spans: list[_Span] = field(default_factory=list)  # LIST_TAGS elements and their blocks
    n_links: int = 0  # <a> with text so far
    n_files: int = 0  # links to attached documents so far

    def flush(self) -> None:
        if not self.chunks:
            return
        text = normalize_text("".join(t for t, _ in self.chunks))
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

    def walk(self, el: Any, style: _Style) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in SKIP_TAGS or el in self.skip or is_hidden(el) or self._leaf(el, tag):
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        span = self._open(el, tag)
        inner = _inner_style(el, tag, style)
        if el.text:
            self.chunks.append((el.text, inner))
        for child in el:
            self.walk(child, inner)
            if child.tail:
                self.chunks.append((child.tail, inner))
        if block:
            self.flush()
        if span is not None:
            span.end, span.links, span.files = len(self.blocks), self.n_links - span.links, self.n_files - span.files

    def _open(self, el: Any, tag: str) -> _Span | None:
        """Counts a link; starts the span of a LIST_TAGS element (its counts are those at its start
        until it is closed)."""
        if tag == "a":
            if "".join(el.itertext()).strip():
                self.n_links += 1
            path = urlsplit(el.get("href") or "").path.lower()
            self.n_files += "." in path.rsplit("/", 1)[-1] and path.rsplit(".", 1)[-1] in ATTACH_EXT
            return None
        if tag not in LIST_TAGS:
            return None
        span = _Span(el, len(self.blocks), links=self.n_links, files=self.n_files)
        self.spans.append(span)
        return span

    def _leaf(self, el: Any, tag: str) -> bool:
        """Captions, images and line breaks: taken as a whole (True), never walked into."""
        if tag == "figcaption" or CAPTION_CLASS.search(el.get("class") or ""):
            self.flush()
            text = text_of(el)
            if text:
                self.blocks.append(Block("caption", text))
            return True
        if tag == "img":
            self.flush()
            src = image_src(el, self.base_url)
            if src:
                self.blocks.append(Block("img", el.get("alt") or "", src=src))
            return True
        if tag == "br":
            self.flush()
            return True
        return False


def _inner_style(el: Any, tag: str, outer: _Style) -> _Style:
    css = (el.get("style") or "").lower().replace(" ", "")
    align = el.get("align", "").lower() or (m.group(1) if (m := _ALIGN.search(css)) else "")
    return _Style(
        italic=outer.italic or tag in ("em", "i") or "font-style:italic" in css,
        bold=outer.bold or tag in ("strong", "b") or _BOLD_STYLE.search(css) is not None,
        align=align or outer.align,
        link=outer.link or tag == "a",
    )


def blocks_of(body_el: Any, base_url: str, skip: tuple[Any, ...] = ()) -> list[Block]:
    """The container's blocks in order, leaving out the `skip` elements (a headline the container
    wraps would come back as the first paragraph) and lists of links (related stories, most read)."""
    walker = _Walker(base_url, skip=frozenset(el for el in skip if el is not None))
    walker.walk(body_el, _Style())
    walker.flush()
    cut = _link_lists(walker.blocks, walker.spans)
    return [b for i, b in enumerate(walker.blocks) if i not in cut]


def _link_lists(blocks: list[Block], spans: list[_Span]) -> set[int]:
    """Indexes of the blocks of link lists inside the body: an element with >= 2 links whose link
    text is >= LINK_LIST_DENSITY of its text and which holds <= LINK_LIST_MAX_SHARE of the body's
    text (not the body itself), and the short heading (<= 8 words) right before it. A list of links
    to attached documents is the notice's, and stays. The elements are also dropped from the page."""
    chars, link_chars = [0], [0]
    for b in blocks:
        chars.append(chars[-1] + (len(b.text) if b.kind != "img" else 0))
        link_chars.append(link_chars[-1] + b.links)
    cut: set[int] = set()
    cut_until = 0
    for sp in spans:  # document order: an element before the elements inside it
        text = chars[sp.end] - chars[sp.start]
        if sp.start < cut_until or sp.links < 2 or sp.files or not text or text > LINK_LIST_MAX_SHARE * chars[-1]:
            continue
        if link_chars[sp.end] - link_chars[sp.start] < LINK_LIST_DENSITY * text:
            continue
        cut.update(range(sp.start, sp.end))
        cut_until = sp.end
        if _heading_before(sp, blocks):
            cut.add(sp.start - 1)
            drop(sp.el.getprevious())
        drop(sp.el)
    return cut


def _heading_before(sp: _Span, blocks: list[Block]) -> bool:
    """Whether the block before the span is a short heading (<= 8 words) printed by the element
    right before the span's."""
    prev = sp.el.getprevious()
    if prev is None or prev.tag not in HEADING_TAGS or sp.start == 0:
        return False
    block = blocks[sp.start - 1]
    return block.kind == "text" and 0 < len(block.text.split()) <= 8 and block.text == text_of(prev)


def split_captions(blocks: list[Block]) -> tuple[list[Block], list[dict[str, Any]]]:
    """Body blocks without captions, and the images with their captions (a caption is a caption
    element, or a short centered/italic/"Ảnh:" line right after an image)."""
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


def trafilatura_blocks(text: str, url: str, title: str) -> list[Block]:
    """trafilatura's paragraphs, the last resort when no container gave text (minus a repeated
    headline)."""
    import trafilatura

    out = trafilatura.extract(text, url=url, include_comments=False, favor_precision=True, include_tables=True)
    paragraphs = [normalize_text(p) for p in (out or "").split("\n") if normalize_text(p)]
    if paragraphs and title and plain_fold(paragraphs[0]) == plain_fold(title):
        paragraphs = paragraphs[1:]
    return [Block("text", p) for p in paragraphs]


# -- text assembly ----------------------------------------------------------------------------


@dataclass
class BodyText:
    """The finished text fields: the lead, the body (starting with the lead), and the author and
    source the credits and bylines gave."""

    summary: str | None
    body: str
    author: str | None
    source: str | None


def assemble_text(
    paragraphs: list[Block], summary: str | None, author: str | None, author_raw: str, source: str | None,
    own: rules.OwnOutlet,
) -> BodyText:
    """Lead credit in the sapo or the first paragraph, then bylines, credits and labels at the end;
    the body starts with the lead."""
    if summary:
        credit, summary = rules.lead_credit(summary)
        if credit and not own.own_lead_mark(credit):
            source = source or credit
    texts = [rules.strip_inline_widgets(b.text) for b in paragraphs]
    strong = [b.right or b.bold for b in paragraphs]
    keep = [bool(t) and not rules.is_widget_label(t) for t in texts]
    texts = [t for t, k in zip(texts, keep, strict=True) if k]
    strong = [s for s, k in zip(strong, keep, strict=True) if k]
    if texts and summary and plain_fold(texts[0]) == plain_fold(summary):
        texts, strong = texts[1:], strong[1:]
    if texts and not summary:
        credit, texts[0] = rules.lead_credit(texts[0])
        if credit and not own.own_lead_mark(credit):
            source = source or credit
    while texts:
        taken, author, source = _take_trailing(texts[-1], strong[-1], author, author_raw, source, own)
        if not taken:
            break
        texts, strong = texts[:-1], strong[:-1]
    if summary:
        texts = [summary, *texts]
    return BodyText(summary or None, "\n\n".join(t for t in texts if t), author, source)


def _take_trailing(
    last: str, strong: bool, author: str | None, author_raw: str, source: str | None, own: rules.OwnOutlet
) -> tuple[bool, str | None, str | None]:
    """Whether the last paragraph is the author's name, a source credit or a byline (then it is
    taken off the body), with the author and source it gives."""
    if author and plain_fold(last) in (plain_fold(author), plain_fold(author_raw)):
        return True, author, source
    credit = rules.trailing_credit(last)
    if credit:
        if not own.names_credit(credit):
            source = source or credit
        return True, author, source
    name, agency = rules.byline(last, strong=strong)
    if name and (author is None or plain_fold(name) == plain_fold(author)):
        agency = rules.normalize_source(agency) if agency else None
        if agency and not own.names_credit(agency):
            source = source or agency
        return True, name, source
    return False, author, source


# -- images and attachments ---------------------------------------------------------------------


def figures_before_body(title_el: Any, body_el: Any, base_url: str) -> list[dict[str, Any]]:
    """Photos in <figure> between the headline and the body (NukeViet prints the main photo with its
    caption before the lead, outside the body container), with their figcaption."""
    if title_el is None or body_el is None or not precedes(title_el, body_el):
        return []
    scope = common_scope(title_el, body_el)
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
            if el.xpath("ancestor::a") or any(is_junk(a) for a in [el, *el.iterancestors()]):
                continue
            for img in el.iter("img"):
                src = image_src(img, base_url)
                if src:
                    caption = " ".join(text_of(c) for c in el.iter("figcaption")) or None
                    out.append({"url": src, "caption": normalize_text(caption) if caption else None})
                    break
    return out


def attachments(nodes: list[Any], base_url: str) -> list[dict[str, Any]]:
    """Linked documents (PDF, Word, Excel...) in the given nodes, each once."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for node in nodes:
        for a in node.xpath(".//a[@href]"):
            href = a.get("href").strip()
            path = urlsplit(href).path.lower()
            ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
            if ext not in ATTACH_EXT:
                continue
            url = urljoin(base_url, href)
            if url in seen:
                continue
            seen.add(url)
            title = text_of(a) or (a.get("title") or "").strip() or path.rsplit("/", 1)[-1]
            out.append({"url": url, "title": normalize_text(title), "type": ext})
    return out
