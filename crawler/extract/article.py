"""Article extraction as named steps: the page's template, headline, body container, lead, dates,
byline, body text, images and attachments, then the article-or-not verdict.

Each field comes from the site's selectors first (its own, then its CMS layout's), then the common
templates' vocabulary (crawler/extract/vocab.py), then generic rules (scoring, trafilatura). A field
the site file describes but that only the generic rules found is named in `ArticleData.fallbacks`.
See docs/extraction.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.extract import body, heading, meta, pubdate, rules, verdict
from crawler.extract.cms import detect_cms, layout_selectors
from crawler.extract.decode import bounded_page, decode_html
from crawler.extract.dom import classes_of, drop, first_text, page_anchors, parse_html
from crawler.extract.model import ArticleData
from crawler.extract.vocab import ATTACH_CLASS
from crawler.sites.registry import Selectors, SiteConfig


@dataclass(frozen=True)
class Template:
    """The selectors that apply to a page and what the site file declares of them."""

    selectors: Selectors
    cms: str | None
    declared: Selectors  # the site file's own selectors (with its declared layout's), empty for generic


def page_template(text: str, site: SiteConfig | None) -> Template:
    """The site file's selectors (its declared layout already merged in). With no layout and no body
    selector of its own, the CMS family is detected from the page and its layout applies."""
    if site is not None and site.layout:
        # The site names its family: the ~40 fingerprint searches (2-6 ms a page) would decide nothing.
        return Template(site.selectors, site.layout, site.selectors)
    if site is not None and site.selectors.body:
        return Template(site.selectors, None, site.selectors)
    declared = site.selectors if site is not None else Selectors()
    cms = detect_cms(text)
    selectors = declared.merged_over(layout_selectors(cms)) if cms else declared
    return Template(selectors, cms, declared)


def _site_names(url: str, root: Any, site: SiteConfig | None) -> tuple[str, ...]:
    """What a title suffix may name: the site's registry name, og:site_name, its domains and their
    first label ("baolangson")."""
    hosts = [(urlsplit(url).hostname or "").removeprefix("www."), *(site.allowed_domains if site else ())]
    labels = [h.split(".")[0] for h in hosts if h]
    return (site.name if site else "", meta.meta_content(root, "og:site_name") or "", *hosts, *labels)


def _own_outlet(url: str, root: Any, site: SiteConfig | None) -> rules.OwnOutlet:
    return rules.OwnOutlet.of(
        [urlsplit(url).hostname or "", *(site.allowed_domains if site is not None else ())],
        [site.name if site is not None else "", meta.meta_content(root, "og:site_name") or ""],
    )


def _fallbacks(template: Template, result: ArticleData, how: dict[str, str]) -> list[str]:
    """Fields the site file describes whose selectors found nothing while the generic rules did."""
    declared = template.declared
    out = []
    if declared.title and result.title and how["title"] != "selector":
        out.append("title")
    if declared.body and result.body and not how["body"].startswith("selector"):
        out.append("body")
    if declared.published and result.published_at is not None and "site_selector" not in how["date_rungs"]:
        out.append("date")
    return out


def _images_and_files(root: Any, title_el: Any, body_el: Any, images: list[dict[str, Any]], url: str
                      ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The photos before the body, then the body's; the documents linked from the body and from
    attachment boxes anywhere on the page."""
    before = body.figures_before_body(title_el, body_el, url)
    all_images = before + [im for im in images if im["url"] not in {b["url"] for b in before}]
    attach_nodes = [n for n in [body_el] if n is not None]
    attach_nodes += [el for el in root.xpath("//*[@class or @id]") if ATTACH_CLASS.search(classes_of(el))]
    return all_images, body.attachments(attach_nodes, url) if attach_nodes else []


def extract_article(url: str, html: str | bytes, site: SiteConfig | None = None, *,
                    strip_signatures: frozenset[str] = frozenset()) -> ArticleData:
    """Title, lead, body, dates, author, source, images and attachments of one page, and whether the
    page is an article at all (`is_article`, with `reasons`). `strip_signatures` are the places of the
    site's "today" date strip seen on other pages of the crawl (see `ArticleData.date_line_signature`)."""
    text, cut = bounded_page(decode_html(html))
    return _extract(url, text, cut, parse_html(text), site, strip_signatures)


def read_page(url: str, html: str | bytes, site: SiteConfig | None = None, *,
              strip_signatures: frozenset[str] = frozenset()) -> tuple[ArticleData, list[tuple[str, str, bool]]]:
    """`extract_article` and the page's links (`dom.page_anchors`) from one parse of the page: for a
    page that may be an article or a page to follow. The links are read before extraction edits the
    tree (it cuts the lead and the furniture out of the body)."""
    text, cut = bounded_page(decode_html(html))
    root = parse_html(text)
    anchors = page_anchors(root)
    return _extract(url, text, cut, root, site, strip_signatures), anchors


def _extract(url: str, text: str, cut: str | None, root: Any, site: SiteConfig | None,
             strip_signatures: frozenset[str]) -> ArticleData:
    template = page_template(text, site)
    sel = template.selectors
    result = ArticleData(url=url, cms=template.cms)
    reasons = result.reasons
    if cut:
        reasons.append(cut)
    how: dict[str, str] = {}

    result.title, title_el, how["title"] = heading.find_title(root, sel.title, _site_names(url, root, site))
    reasons.append(f"title from {how['title']}" if result.title else "no title")
    body_el, how["body"] = body.find_container(root, sel.body, template.declared.body)
    template_missed = bool(template.declared.body) and not how["body"].startswith("selector")
    if template_missed:
        reasons.append("site body selector matched nothing")
    summary, summary_el, summary_how = heading.find_summary(root, sel.summary, title_el, body_el)
    if summary_how == "after_title":
        reasons.append(f"lead from the <{summary_el.tag}> after the headline")
    published = pubdate.find_published(root, sel.published, title_el, body_el, strip_signatures)
    result.published_at, result.date_source = published.value, published.rung
    result.date_line_signature = published.date_line
    how["date_rungs"] = " ".join(published.rungs)
    reasons.extend(published.problems)
    result.modified_at = pubdate.find_modified(root)

    own = _own_outlet(url, root, site)
    author, author_raw = heading.find_author(root, sel.author, body_el)
    source_raw, _ = first_text(root, sel.source)
    source = rules.normalize_source(source_raw) if source_raw else None
    if source and own.names_credit(source):
        source = None  # a credit naming the page's own outlet is cut, but is not a `source`

    blocks: list[body.Block] = []
    images: list[dict[str, Any]] = []
    if body_el is not None:
        if summary_el is not None and summary_el in body_el.iterdescendants():
            drop(summary_el)
        body.remove_furniture(body_el, sel.remove)
        blocks, images = body.split_captions(body.blocks_of(body_el, url, skip=(title_el,)))
    if not blocks:
        blocks = body.trafilatura_blocks(text, url, result.title)
        how["body"] = "trafilatura" if blocks else how["body"]
    reasons.append(f"body from {how['body']}" if how["body"] else "no body container")

    assembled = body.assemble_text(blocks, summary or None, author, author_raw, source, own)
    result.summary, result.body = assembled.summary, assembled.body
    result.author, result.source = assembled.author, assembled.source
    result.images, result.attachments = _images_and_files(root, title_el, body_el, images, url)
    result.fallbacks = _fallbacks(template, result, how)

    result.is_article, judged = verdict.judge(verdict.Evidence(
        title=result.title, body=result.body, blocks=blocks, dated=result.published_at is not None,
        body_el=body_el, title_el=title_el, root=root, url=url, scored=how["body"] == "generic scoring",
        template_missed=template_missed,
    ))
    reasons.extend(judged)
    return result
