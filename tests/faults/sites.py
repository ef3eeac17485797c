"""Sites for the fault server, built from the danang fixture (registry entry `danang`: listing
/web/guest/chinh-quyen/danh-muc?id=3, paging `&cur=N`, articles /web/guest/chi-tiet?id=N&_c=3).

The listing pages are generated so that they link exactly the articles a test serves: the four real
fixture articles (two are training announcements) and whatever fault articles the test adds.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from faults.server import HTML, Route, page

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sites" / "danang"
REAL_HOST = "https://danang.gov.vn"
LISTING = "/web/guest/chinh-quyen/danh-muc?id=3"

# The fixture's articles: id -> (file, expected JSON file).
ARTICLE_IDS = (54019, 54102, 54150, 28000)
TRAINING_IDS = (54019, 54102)


def article_path(article_id: int) -> str:
    return f"/web/guest/chi-tiet?id={article_id}&_c=3"


def real_url(path: str) -> str:
    """Items carry the site's real URL, not the 127.0.0.1 one."""
    return REAL_HOST + path


def article_html(article_id: int) -> bytes:
    return (FIXTURE / f"article_{article_id}.html").read_bytes()


def expected(article_id: int) -> dict:
    data: dict = json.loads((FIXTURE / f"article_{article_id}.expected.json").read_text("utf-8"))
    return data


def listing_html(paths: list[str], page_no: int) -> str:
    items = "\n".join(f'<li><a href="{html.escape(p)}">Bài {i}</a></li>' for i, p in enumerate(paths, 1))
    nxt = html.escape(f"{LISTING}&cur={page_no + 1}")
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Chính quyền - Đà Nẵng</title>'
        f'</head><body><h1>Tin chính quyền</h1><ul class="danh-sach">\n{items}\n</ul>'
        f'<div class="paging"><a href="{nxt}">Trang sau</a></div></body></html>'
    )


def danang_site(
    linked: dict[str, Route] | None = None,
    *,
    hidden: dict[str, Route] | None = None,
    replace: dict[int, Route] | None = None,
    robots: str = "User-agent: *\nAllow: /\n",
    dead_links: list[str] | None = None,
) -> dict[str, Route]:
    """Routes of the danang site: page 1 lists 54019, 54102 and the `linked` paths, page 2 lists
    54150, 28000 and `dead_links` (hrefs without a route of their own), page 3 repeats page 2
    (nothing new, so pagination stops there without an error). `hidden` routes are served but linked
    from nowhere (redirect targets); `replace` swaps the route of a real article for a faulty one."""
    linked = dict(linked or {})
    routes: dict[str, Route] = {}
    for article_id in ARTICLE_IDS:
        routes[article_path(article_id)] = (replace or {}).get(article_id) or page(article_html(article_id))
    page1 = [article_path(54019), article_path(54102), *linked]
    page2 = [article_path(54150), article_path(28000), *(dead_links or [])]
    routes[LISTING] = page(listing_html(page1, 1))
    routes[f"{LISTING}&cur=2"] = page(listing_html(page2, 2))
    routes[f"{LISTING}&cur=3"] = page(listing_html(page2, 3))
    routes["/robots.txt"] = page(robots, "text/plain; charset=utf-8")
    routes.update(linked)
    routes.update(hidden or {})
    return routes


def all_urls() -> list[str]:
    return sorted(real_url(article_path(i)) for i in ARTICLE_IDS)


__all__ = ["HTML", "LISTING", "Route", "all_urls", "article_html", "article_path", "danang_site", "expected",
           "listing_html", "page", "real_url"]


def to_cp1258(text: str) -> bytes:
    """Vietnamese text in windows-1258: precomposed base letters (â, ê, ô, ơ, ư, ă, đ) plus separate
    combining tone marks, as the legacy Windows code page writes it."""
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in parts if c in tones)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        try:
            out += (base + tone).encode("cp1258")
        except UnicodeEncodeError:
            out += f"&#{ord(ch)};".encode("ascii")
    return bytes(out)


def malformed(html_bytes: bytes) -> bytes:
    """The page as sloppy CMS templates and broken proxies leave it: optional end tags dropped,
    stray and unclosed markup, NUL and invalid bytes, an unterminated comment at the end."""
    text = html_bytes
    for tag in (b"</p>", b"</li>", b"</td>", b"</tr>", b"</option>"):
        text = text.replace(tag, b"")
    garbage = b'<div class="x"<<>>&&#xZZZ; \x00\xff\xfe <table><tr><td><b><i>unclosed </div></div></div>'
    head_end = text.index(b"</head>")
    text = text[:head_end] + b"<meta charset=>\x00<link rel=stylesheet href=x>>" + text[head_end:]
    body_at = text.index(b"<body")
    body_end = text.index(b">", body_at) + 1
    return text[:body_end] + garbage + text[body_end:] + b"</html></body><!-- unterminated <script>alert(1)"
