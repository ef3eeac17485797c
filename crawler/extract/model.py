"""What the extractor returns for one page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass
class ArticleData:
    """One page's article fields. Text is NFC; `body` paragraphs are separated by a blank line and
    start with the lead (`summary`) when the page has one. `reasons` says why the page is, or is not,
    an article; `date_source` names the rung of the date cascade that gave `published_at`; `cms` is the
    CMS family whose layout applies: the one the site file declares, else the one detected (no
    detection for a site file with its own body selectors). `fallbacks` names the fields ("title",
    "body", "date") that the site file has selectors for but that only the generic rules found: the
    site file has drifted from the site's markup."""

    url: str
    title: str = ""
    summary: str | None = None
    body: str = ""
    published_at: datetime | date | None = None
    modified_at: datetime | date | None = None
    author: str | None = None
    source: str | None = None
    images: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    is_article: bool = False
    reasons: list[str] = field(default_factory=list)
    cms: str | None = None
    date_source: str | None = None
    fallbacks: list[str] = field(default_factory=list)
    # Where the line above the headline sits in the page's structure: on a page that is not an
    # article, that line is a "today" strip, and the crawl refuses it as a date on the site's articles.
    date_line_signature: str | None = None
