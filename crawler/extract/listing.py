"""Whether a page is a listing (home, category, tag, search, archive) rather than one article.

A listing's readable text is its story teasers: under each story's headline link, a date and a few
lines of summary. Whatever path found the "body" (site selectors, a CMS layout, the generic scorer or
trafilatura), the same checks apply to the paragraphs it produced:

- **teasers**: the body's paragraphs are mostly the text of story cards. A card is the block around
  a headline link to another page of the site (thumbnail, headline, date, summary): climbing from the
  link while the block holds no other story, not the page's headline, starts with the link (at most a
  short label or date before it) and stays teaser-sized.
- **headline is a story link**: the page headline that was found links to another page (a card's
  headline taken for the title), so the page is not that story.
- **section headline**: a short headline (at most 6 words) links to the page itself (a category's
  title links to the category), the URL is a section path (no digits, no extension), `og:type` is not "article", and the
  page holds three or more story cards.

An article with "related stories" boxes is not affected: its paragraphs are not inside any card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.extract.dom import text_of as _text
from crawler.extract.rules import plain_fold

# Links to these are files, not stories.
_FILE_EXT = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|7z|jpe?g|png|gif|webp|mp3|mp4)$", re.I)
_NON_WORD = re.compile(r"\W+", re.UNICODE)
# A story card: headline, date and a summary of one or two sentences.
CARD_MAX_CHARS = 900
# What may precede the headline inside its card: a category label, a date.
CARD_LEAD_CHARS = 60
HEADLINE_MIN_WORDS = 4
TEASER_SHARE = 0.5
# Section names are short ("Chính trị", "Hoạt động dân vận", "Kết quả tìm kiếm: tập huấn"); headlines are not.
SECTION_TITLE_MAX_WORDS = 6


def _raw_text(el: Any) -> str:
    """Text with spaces collapsed, no further normalization: only compared through `key` (folded)
    or by position, and cheap enough for every link of a 500 kB home page."""
    return " ".join("".join(el.itertext()).split())


def key(text: str) -> str:
    """Folded text without spaces or punctuation: a card and trafilatura's copy of it may differ in
    spacing ("cấp xã15/10/2025" vs "cấp xã 15/10/2025"). The plain fold (NFD, no marks, đ -> d), not
    `crawler.text.fold`: both sides go through it, and it is cheap enough for every card."""
    return _NON_WORD.sub("", plain_fold(text))


def _norm_path(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    return path or "/"


@dataclass
class Listing:
    """Story links and cards of one page, and the page's own addresses."""

    self_paths: set[str]
    links: list[Any] = field(default_factory=list)  # headline links to other pages
    targets: set[str] = field(default_factory=set)
    cards: list[tuple[Any, Any]] = field(default_factory=list)  # (card element, its headline link)
    card_keys: list[str] = field(default_factory=list)

    def is_self(self, href: str, base: str) -> bool:
        return _norm_path(urljoin(base, href)) in self.self_paths


def _in_chrome(ancestors: list[Any]) -> bool:
    """Inside the page's nav/menu, or a header/footer that is the page's (not an <article>'s or
    <main>'s own: WordPress puts each card's headline in <header class="entry-header">)."""
    for i, a in enumerate(ancestors):
        if a.tag in ("nav", "menu"):
            return True
        if a.tag in ("header", "footer") and not any(b.tag in ("article", "main") for b in ancestors[i + 1 :]):
            return True
    return False


def page_listing(root: Any, url: str, title_el: Any, canonical: str | None = None) -> Listing:
    """The headline links to other pages of the site (outside header/nav/footer) and their cards."""
    self_paths = {_norm_path(url)}
    if canonical:
        self_paths.add(_norm_path(urljoin(url, canonical)))
    found = Listing(self_paths)
    bare = (urlsplit(url).hostname or "").removeprefix("www.")
    # Element sets, not id()s: lxml proxies die with their last reference and ids get reused.
    title_line: set[Any] = {title_el, *title_el.iterancestors()} if title_el is not None else set()
    links: list[tuple[Any, str, list[Any]]] = []  # (link, target, ancestors)
    # Headline-length anchors only (at least 4 words, so at least 7 characters), filtered in C.
    for a in root.xpath("//a[@href][string-length(normalize-space(.)) >= 7]"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        if len(_raw_text(a).split()) < HEADLINE_MIN_WORDS:
            continue
        parts = urlsplit(urljoin(url, href))
        if parts.scheme not in ("http", "https") or (parts.hostname or "").removeprefix("www.") != bare:
            continue
        path = _norm_path(parts.geturl())
        if path in self_paths or path == "/" or _FILE_EXT.search(path):
            continue
        if a in title_line or any(d is title_el for d in a.iterdescendants()):
            continue
        ancestors = list(a.iterancestors())
        if _in_chrome(ancestors):
            continue
        target = path + ("?" + parts.query if parts.query else "")
        links.append((a, target, ancestors))
        found.links.append(a)
        found.targets.add(target)
    _cards(found, links, title_line)
    return found


def _cards(found: Listing, links: list[tuple[Any, str, list[Any]]], title_line: set[Any]) -> None:
    """Each headline link's card: the largest block around it (up to 6 levels) that holds no other
    story, not the page headline, starts with the link and stays teaser-sized."""
    stories_in: dict[Any, set[str]] = {}
    for _, target, ancestors in links:
        for anc in ancestors[:6]:
            stories_in.setdefault(anc, set()).add(target)
    texts: dict[Any, str] = {}
    seen: set[Any] = set()
    for a, _, ancestors in links:
        card = _card_of(a, ancestors, stories_in, title_line, texts)
        if card is None or card in seen:
            continue
        seen.add(card)
        found.cards.append((card, a))
        found.card_keys.append(key(texts[card]))


def _card_of(a: Any, ancestors: list[Any], stories_in: dict[Any, set[str]], title_line: set[Any],
             texts: dict[Any, str]) -> Any:
    """The largest of the link's first 6 ancestors that is a card of it alone (texts: a cache)."""
    anchor = _raw_text(a)
    card = None
    for anc in ancestors[:6]:
        if anc.tag in ("body", "html") or anc in title_line or len(stories_in.get(anc, ())) > 1:
            break
        if anc not in texts:
            texts[anc] = _raw_text(anc)
        text = texts[anc]
        start = text.find(anchor)
        if len(text) > CARD_MAX_CHARS or start < 0 or start > CARD_LEAD_CHARS:
            break
        card = anc
    return card


def teaser_share(found: Listing, paragraphs: list[str]) -> tuple[float, int]:
    """Share of the body's characters (and number of paragraphs) that are the text of story cards."""
    total = sum(len(p) for p in paragraphs)
    if not total or not found.card_keys:
        return 0.0, 0
    chars, count = 0, 0
    for p in paragraphs:
        k = key(p)[:120]
        if len(k) >= 12 and any(k in c for c in found.card_keys):
            chars, count = chars + len(p), count + 1
    return chars / total, count


def title_links_elsewhere(found: Listing, title_el: Any, url: str) -> str | None:
    """The target when the headline is (inside) a link to another page: a story card's headline."""
    if title_el is None:
        return None
    title = _text(title_el)
    links = list(title_el.iterancestors("a")) + list(title_el.iter("a"))
    for a in links:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        if len(_text(a)) < 0.8 * len(title):
            continue
        if not found.is_self(href, url) and _norm_path(urljoin(url, href)) != "/":
            return urljoin(url, href)
    return None


_SECTION_SEGMENT = re.compile(r"^[a-z][a-z-]*$", re.I)


def section_path(url: str) -> bool:
    """Whether the URL names a section rather than a story: the home page, or a path whose last
    segment is a plain slug without digits or file extension ("/chinh-tri/", "/news/dan-van"), and no
    digits in the query."""
    parts = urlsplit(url)
    if any(c.isdigit() for c in parts.query):  # "chi-tiet?id=54019": the query names the story
        return False
    path = parts.path.rstrip("/")
    return not path or bool(_SECTION_SEGMENT.match(path.rsplit("/", 1)[-1]))


def title_links_self(found: Listing, title_el: Any, url: str) -> bool:
    """Whether the headline is a link to this very page (a category's own title)."""
    if title_el is None:
        return False
    for a in [*title_el.iterancestors("a"), *title_el.iter("a")]:
        href = (a.get("href") or "").strip()
        if href and not href.startswith("#") and found.is_self(href, url):
            return True
    return False


def listing_problems(
    root: Any, url: str, title_el: Any, paragraphs: list[str], og_type: str, canonical: str | None = None
) -> list[str]:
    """Why the page is a listing rather than an article (empty when nothing says so)."""
    found = page_listing(root, url, title_el, canonical)
    problems: list[str] = []
    share, count = teaser_share(found, paragraphs)
    if count and share >= TEASER_SHARE:
        problems.append(f"{count} body paragraphs ({share:.0%}) are story teasers of a listing")
    elsewhere = title_links_elsewhere(found, title_el, url)
    if elsewhere:
        problems.append(f"the headline links to another page ({elsewhere}): a story of a listing")
    if (
        og_type != "article"
        and len(found.cards) >= 3
        and section_path(url)
        and title_el is not None
        and len(_text(title_el).split()) <= SECTION_TITLE_MAX_WORDS
        and title_links_self(found, title_el, url)
    ):
        problems.append(f"the headline links to the page itself above {len(found.cards)} story cards (a section)")
    return problems
