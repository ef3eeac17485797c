"""The item's journey as pure functions: assemble (extracted page -> item), clean, canonicalize,
enrich (relevance, event, province), sign. The pipelines and `crawler extract` both call these, so a
page gives the same item in a crawl and on the command line."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from crawler.dedup.canonical import CanonicalRules, canonical_url, url_id
from crawler.dedup.fingerprint import doc_sig
from crawler.items import EMPTY_EVENT, Announcement
from crawler.limits import MAX_BODY_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, cut_at_word
from crawler.relevance import classify, detect_province, extract_event, topics
from crawler.text import normalize_text
from crawler.text.dates import to_iso

if TYPE_CHECKING:
    from crawler.extract.model import ArticleData
    from crawler.sites.registry import SiteConfig

logger = logging.getLogger(__name__)


def utc_now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def assemble_item(
    article: ArticleData,
    site: SiteConfig,
    *,
    date_hint: datetime | date | None = None,
) -> Announcement:
    """The page's own date wins; a feed's pubDate is the last rung of the date cascade."""
    published = article.published_at or date_hint
    return Announcement(
        url=article.url,
        site=site.slug,
        site_name=site.name,
        province=site.province,
        title=article.title,
        summary=article.summary,
        body=article.body,
        published_at=to_iso(published) if published else None,
        modified_at=to_iso(article.modified_at) if article.modified_at else None,
        author=article.author,
        source=article.source,
        images=list(article.images),
        attachments=list(article.attachments),
        crawled_at=utc_now_iso(),
    )


def in_window(day: date | None, since: date | None, until: date | None) -> bool:
    """Undated articles stay in: a missing date is not evidence that the article is out of range."""
    if day is None:
        return True
    return not ((since and day < since) or (until and day > until))


def clean_line(text: str | None) -> str:
    return normalize_text(text or "")


def clean_body(text: str) -> str:
    """Paragraphs normalized one by one; empty ones dropped; one blank line between paragraphs."""
    paragraphs = (normalize_text(p) for p in (text or "").split("\n"))
    return "\n\n".join(p for p in paragraphs if p)


def _capped(name: str, text: str, limit: int, notes: list[str] | None) -> str:
    if len(text) <= limit:
        return text
    if notes is not None:
        notes.append(f"{name} cut to {limit} characters (was {len(text)})")
    return cut_at_word(text, limit)


def clean(item: Announcement, notes: list[str] | None = None) -> list[str]:
    """Normalize the text fields in place; returns the problems that make the item unusable.

    Title, summary and body longer than MAX_TITLE_CHARS, MAX_SUMMARY_CHARS and MAX_BODY_CHARS are cut
    at a word boundary (every later stage and pattern sees bounded text); each cut is reported in
    `notes` ("title cut to 1000 characters (was 3199)"), not as a problem: the item stays usable."""
    item.title = _capped("title", clean_line(item.title), MAX_TITLE_CHARS, notes)
    item.summary = _capped("summary", clean_line(item.summary), MAX_SUMMARY_CHARS, notes) or None
    item.author = clean_line(item.author) or None
    item.source = clean_line(item.source) or None
    item.body = _capped("body", clean_body(item.body), MAX_BODY_CHARS, notes)
    problems = []
    if not item.title:
        problems.append("no headline")
    if not item.body:
        problems.append("no body text")
    return problems


def iso_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def canonicalize(item: Announcement, rules: CanonicalRules | None) -> list[str]:
    """Canonical URL and id; dates that are not ISO 8601 become null (reported, never guessed)."""
    item.canonical_url = canonical_url(item.url, rules)
    item.id = url_id(item.canonical_url)
    problems = []
    for name in ("published_at", "modified_at"):
        value = getattr(item, name)
        if value and iso_day(value) is None:
            problems.append(f"unparseable {name} {value!r}")
            setattr(item, name, None)
    return problems


def enrich(item: Announcement) -> None:
    """Relevance, topic tags, province and, for training announcements, the event's fields."""
    text = f"{item.title}\n{item.summary or ''}\n{item.body}"
    verdict = classify(item.title, item.summary, item.body)
    item.is_training = verdict.is_training
    item.relevance = verdict.to_dict()
    item.tags = topics(item.title, item.summary, item.body)
    item.province = detect_province(item.province, text)
    if verdict.is_training:
        item.event = extract_event(item.title, item.summary, item.body, iso_day(item.published_at))
    else:
        item.event = {**EMPTY_EVENT, "topics": []}


def enriched(item: Announcement) -> Announcement:
    """`enrich` that returns the item: what a worker process sends back."""
    enrich(item)
    return item


def sign(item: Announcement) -> None:
    item.fingerprint = doc_sig(item.body).hex


def process_standalone(item: Announcement, rules: CanonicalRules | None) -> Announcement:
    """Everything but deduplication (which needs the state store): what `crawler extract` prints."""
    notes: list[str] = []
    for problem in clean(item, notes) + notes + canonicalize(item, rules):
        logger.warning("%s: %s", item.url, problem)
    enrich(item)
    sign(item)
    return item
