"""Selector and class-name vocabularies of the extractor, kept apart from the control flow (as
trafilatura keeps its XPaths in xpaths.py). Changing what counts as a caption, a widget or a date
element of a common template is a change to this file alone."""

from __future__ import annotations

import re

# Elements whose content is never article text.
SKIP_TAGS = frozenset([
    "script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea", "svg", "object",
    "embed", "video", "audio", "ins", "template", "head", "link", "meta", "map", "area", "canvas", "nav",
])
# Elements whose content is code, never text (text_of leaves it out).
NO_TEXT_TAGS = ("script", "style", "noscript", "template")
# Elements that start a new paragraph of text.
BLOCK_TAGS = frozenset([
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "table", "tbody", "thead",
    "tfoot", "tr", "td", "th", "figure", "figcaption", "section", "article", "header", "footer", "aside", "pre",
    "dl", "dt", "dd", "hr", "address", "center", "main", "details", "summary", "caption",
])
CAPTION_CLASS = re.compile(
    r"(?:^|[-_\s])(?:caption|pcaption|image_desc|img_desc|imgdesc|photo-?desc|photocms_caption|fig-?desc|"
    r"chu-?thich|chuthich|expnoedit-caption|image-caption|desc_image)(?:[-_\s]|$)",
    re.I,
)


def class_words(*words: str) -> re.Pattern[str]:
    """A pattern for class/id values naming one of the words as a whole part of a class or id: bounded
    by the value's start or end, a space (between classes), "-" or "_". "related-news" and
    "box_related" match `related`, "unrelated" does not."""
    return re.compile(r"(?:^|[-_\s])(?:" + "|".join(words) + r")(?:[-_\s]|$)", re.I)


# Containers that are never article text: sharing bars, ratings, tags, ads, related lists, paging.
JUNK_CLASS = class_words(
    "share", "sharing", "social", "comments?", "rating", "ratings", "tags?", "tag_item", "banner", "ads",
    r"advert\w*", "related", "relate", "print", "toolbar", "breadcrumbs?", "pagination", "paging",
    "tin-?lien-?quan", "tinlienquan", "tin-?khac", "other-?news", "danh-?gia", "cung-?chuyen-?muc", "fb-like",
    "zalo-share-button", "sda_middle", "rennab", "texttospeech", "audio-?player", "box-?tinlienquan",
    "next-?prev", "sponsored",
)
# Boxes over or between a page's content that are never the article: cookie and consent banners,
# newsletter and subscription boxes, modals. The generic scoring passes them over.
OVERLAY_WORDS = ("consent", "cookies?", "gdpr", "newsletter", "subscribe", "subscription", "modal", "popup", "overlay")
OVERLAY_CLASS = class_words(*OVERLAY_WORDS)
# Boxes inside an article's container that are not its text, on top of JUNK_CLASS and the overlays:
# trending, most-read and recommended lists, sign-up and promotion boxes, ad-network widgets.
BODY_JUNK_CLASS = class_words(
    *OVERLAY_WORDS, "trending", "most-?read", "most-?popular", "popular", "recommended", "email-?signup", "signup",
    "promo", "outbrain", "taboola", "read-?more", "more-?stories", "also-?like",
)
# Lists of other stories: their dates are those stories' dates, never the article's.
RELATED_CLASS = re.compile(
    r"(?:^|[-_\s])(?:related|relate|tin-?lien-?quan|tinlienquan|tin-?khac|other-?news|cung-?chuyen-?muc|"
    r"most-?read|doc-?nhieu|tin-?moi|latest)(?:[-_\s]|$)", re.I)
ATTACH_CLASS = re.compile(r"attach|dinh-?kem|dinhkem|file-?download|tai-?lieu", re.I)
IMG_SKIP = re.compile(r"(?:icon|logo|sprite|blank|spacer|pixel|1x1|loading|avatar)[^/]*$", re.I)
ATTACH_EXT = frozenset(["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "rar", "7z", "odt", "ods", "rtf"])
IMAGE_SRC_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-srcset", "src")

# Common templates' lead, body, date and author elements: tried after the site's and the CMS
# layout's own selectors.
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
# Date elements, looked for only inside the article (headline + body) scope.
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
    ".detail-date",
    ".article-date",
    ".entry-date",
    ".ngay-dang",
    ".datetime",
    ".date",
)
GENERIC_AUTHOR = (".article__author", ".the-article-author", ".author-make", ".author", "[itemprop=author]")

# Page chrome around an article: "today" strips, menus, top bars, footers (tags, and whole class/id words).
CHROME_TAGS = frozenset(["header", "nav", "footer", "aside", "menu"])
CHROME_WORD = re.compile(
    r"(?:site-?|page-?|main-?|top-?)?header(?:-?(?:top|wrap|wrapper|inner|bar|line))?|header-?top|"
    r"top(?:-?(?:bar|header|nav|menu|line|links|info))?|(?:main-?|top-?|site-?)?(?:menu|nav|navbar|navigation)|"
    r"banner|date-?now|today|current-?date|clock|weather|"
    r"(?:site-?|page-?|main-?)?footer(?:-?(?:wrap|wrapper|inner|top|bottom|info))?|copyright",
    re.I,
)

# A lead printed between the headline and the body without a sapo class.
LEAD_CLASS = re.compile(r"lead|sapo|desc|intro|summary|excerpt|tom-?tat|mo-?ta|chapeau", re.I)
LEAD_TAGS = frozenset(["h2", "h3", "h4", "p", "div"])

# Labels before a byline's name ("Tác giả: X", "Tin, ảnh: Y").
PERSON_LABEL = re.compile(
    r"^(?:tác giả bài viết|tác giả|người viết|bài|tin|bài và ảnh|tin, ảnh|tin và ảnh)\s*:\s*", re.I)
