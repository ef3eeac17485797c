"""Size limits on what the crawler reads: inputs are bounded before any regular expression sees them,
so a crafted page cannot keep extraction busy (one slow page stalls every site of a crawl)."""

from __future__ import annotations

# A URL (path and query included) longer than this is never followed, and the site files' URL
# patterns (user data) are never applied to it. Browsers and servers stop near 2,000; Scrapy's
# URLLENGTH_LIMIT drops requests past 2,083.
MAX_URL_CHARS = 2048

# A page's text is cut to this before parsing (ArticleData.reasons says so).
MAX_PAGE_CHARS = 5 * 1024 * 1024

# An item's text fields are cut (at a word boundary) to these in `crawler.stages.clean`.
MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 5_000
MAX_BODY_CHARS = 200_000


def cut_at_word(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at the last space before the limit when there is
    one in its last fifth (a word is not split), else at the limit."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= limit * 4 // 5:
        head = head[:space]
    return head.rstrip()
