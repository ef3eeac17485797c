"""From an extracted article to the output item (before the pipelines classify and deduplicate)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from crawler.items import Announcement

if TYPE_CHECKING:
    from crawler.extract.model import ArticleData
    from crawler.sites.registry import SiteConfig


def utc_now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def assemble_item(
    article: ArticleData,
    site: SiteConfig,
    *,
    date_hint: datetime | date | None = None,
) -> Announcement:
    """The page's own date wins; a feed's pubDate is the last rung of the date cascade."""
    from crawler.text.dates import to_iso

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
