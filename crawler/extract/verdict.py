"""Article or not: a page is an article when it has a headline and a body of prose that is not a
list of links or story cards (a home, category, tag or search page), judged from the page itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.extract import listing, meta
from crawler.extract.body import Block
from crawler.extract.dom import text_of

MIN_WORDS = 30
# Words a dated article needs for its template not to matter (an undated short page is not one).
UNDATED_MIN_WORDS = 150
MAX_LINK_DENSITY = 0.35


@dataclass(frozen=True)
class Evidence:
    """What the verdict looks at, from the extraction's steps."""

    title: str
    body: str
    blocks: list[Block]
    dated: bool
    body_el: Any
    title_el: Any
    root: Any
    url: str
    scored: bool  # the body container came from generic scoring
    template_missed: bool  # the site file declares a body selector and it matched nothing


def in_card_list(el: Any, depth: int = 6) -> bool:
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


def _headline_links(body_el: Any) -> tuple[int, int]:
    """Links in the body whose anchor is headline-long (6+ words): count and characters."""
    count = chars = 0
    if body_el is not None:
        for a in body_el.xpath(".//a"):
            anchor = text_of(a)
            if len(anchor.split()) >= 6:
                count, chars = count + 1, chars + len(anchor)
    return count, chars


def judge(ev: Evidence) -> tuple[bool, list[str]]:
    """(is_article, reasons): the measurements first, then each problem that rules the page out."""
    words = len(ev.body.split())
    n_par = ev.body.count("\n\n") + 1 if ev.body else 0
    total = sum(len(b.text) for b in ev.blocks) or 1
    density = sum(b.links for b in ev.blocks) / total
    teasers, teaser_chars = _headline_links(ev.body_el)
    og_type = (meta.meta_content(ev.root, "og:type") or "").lower()
    reasons = [f"body {words} words in {n_par} paragraphs, link density {density:.2f}, {teasers} headline links"]
    problems: list[str] = []
    if not ev.title:
        problems.append("no headline")
    if words < MIN_WORDS:
        problems.append(f"body too short ({words} words)")
    if density > MAX_LINK_DENSITY:
        problems.append(f"link density {density:.2f} (a list of links)")
    # Headlines linking elsewhere: a few in a body are cross-links, many are a list of stories.
    if teasers >= 8 or (teasers >= 4 and teaser_chars > 0.15 * total):
        problems.append(f"{teasers} headline links in the body (a listing)")
    if not ev.dated and words < UNDATED_MIN_WORDS:
        problems.append("no publish date and a short body")
    if ev.body_el is not None and ev.scored and in_card_list(ev.body_el):
        problems.append("the text sits in one card of a repeated list of stories")
    # Listings (home, category, tag, search): whichever path gave the body, its text must not be the
    # teasers of story cards, and the headline must not be a story link. Looked at only when nothing
    # else has ruled the page out (it reads every link of the page).
    if not problems:
        canonical = (ev.root.xpath("//link[@rel='canonical']/@href") or [None])[0] or meta.meta_content(
            ev.root, "og:url")
        paragraphs = ev.body.split("\n\n") if ev.body else []
        problems.extend(listing.listing_problems(ev.root, ev.url, ev.title_el, paragraphs, og_type, canonical))
    # A site file whose body selector finds nothing has drifted: the page is judged by the generic
    # rules alone (and the fallback is counted), never dropped for the file's sake. Only a short
    # undated page is refused there, where the template would have been the evidence.
    if ev.template_missed and not ev.dated and words < UNDATED_MIN_WORDS:
        problems.append("the site's article template is absent")
    if problems:
        return False, reasons + problems
    return True, [*reasons, "article: headline, body" + (", dated" if ev.dated else "")]
