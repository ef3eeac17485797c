"""Layout drift check against the real sites: needs internet, so it is deselected by default
(pyproject addopts `-m 'not live'`) and never runs in CI. Run it by hand:

    uv run pytest -m live                      # every supported site
    uv run pytest -m live -k "danang or sggp"  # some sites

For each supported site: fetch its first start URL (sitemap, feed or listing), take the first article
links found on it (at most three, until one is an article), extract that page with the site's rules
and fail, naming the site and the URLs, when the title, the publication date or the body is missing.
Polite: the project's user agent, robots.txt obeyed (a refusal skips the site), one request at a time
with a pause between them, the site's own transport options (timeout, TLS, http only).
"""

from __future__ import annotations

import gzip
import os
import ssl
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import pytest
from defusedxml import ElementTree
from parsel import Selector

from crawler import settings as project_settings
from crawler.extract import extract_article
from crawler.sites.registry import SiteConfig, load_registry_with_errors
from crawler.tools.fixtures import FIXTURES_DIR, load_fixture_site

pytestmark = pytest.mark.live

SITES = sorted((s for s in load_registry_with_errors()[0].values() if s.supported), key=lambda s: s.slug)
USER_AGENT = project_settings.USER_AGENT
PAUSE = 2.0  # seconds between two requests to one site
MAX_BYTES = project_settings.DOWNLOAD_MAXSIZE
MIN_BODY = 200  # characters: less than this is a teaser or a cookie notice, not an article
CANDIDATES = 3


class RobotsRefused(Exception):
    pass


class PoliteFetcher:
    """One site's requests, in sequence, as the crawler would send them."""

    def __init__(self, site: SiteConfig, pause: float = PAUSE, rebase: str | None = None) -> None:
        """`rebase` ("http://127.0.0.1:PORT") sends every request there instead (the offline test
        of this check against the fixture sites); URLs handed back stay the site's own."""
        self.site = site
        self.pause = pause
        self.rebase = urlsplit(rebase) if rebase else None
        self.timeout = site.transport.timeout or 30.0
        self.robots: dict[str, RobotFileParser] = {}
        self.last = 0.0

    def _url(self, url: str) -> str:
        parts = urlsplit(url)
        if self.rebase:
            return urlunsplit((self.rebase.scheme, self.rebase.netloc, *parts[2:]))
        if self.site.transport.http_only and parts.scheme == "https":
            return urlunsplit(("http", *parts[1:]))
        return url

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.site.transport.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.site.transport.legacy_tls:
            context.options |= getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)
            context.set_ciphers("DEFAULT:@SECLEVEL=1")
        return context

    def _get(self, url: str) -> tuple[int, str, bytes]:
        wait = self.last + self.pause - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context()) as response:
                status, final, body = response.status, response.geturl(), response.read(MAX_BYTES + 1)
                encoding = response.headers.get("Content-Encoding", "")
        except urllib.error.HTTPError as exc:
            status, final, body, encoding = exc.code, url, b"", ""
        finally:
            self.last = time.monotonic()
        if encoding == "gzip" or body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        return status, final, body

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            parser = RobotFileParser()
            try:
                status, _, body = self._get(origin + "/robots.txt")
            except (OSError, ValueError):
                status, body = 404, b""  # as Scrapy: an unreachable robots.txt does not forbid
            if status in (401, 403):
                parser.disallow_all = True
            elif status < 400:
                parser.parse(body.decode("utf-8", "replace").splitlines())
            else:
                parser.allow_all = True
            self.robots[origin] = parser
        return self.robots[origin].can_fetch(USER_AGENT, url)

    def fetch(self, url: str) -> tuple[str, bytes]:
        """(final URL, body); raises RobotsRefused, or OSError for a failed request."""
        target = self._url(url)
        if not self.allowed(target):
            raise RobotsRefused(url)
        status, final, body = self._get(target)
        if status >= 400:
            raise OSError(f"HTTP {status} for {url}")
        if len(body) > MAX_BYTES:
            raise OSError(f"{url}: more than {MAX_BYTES} bytes")
        return (url if self.rebase else final), body


def _xml_locs(body: bytes) -> tuple[str, list[str]]:
    """(root tag, URLs) of a sitemap, sitemap index, RSS or Atom document."""
    root = ElementTree.fromstring(body)
    tag = root.tag.rsplit("}", 1)[-1]
    urls: list[str] = []
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if name == "loc" and element.text:
            urls.append(element.text.strip())
        elif name == "link":
            href = element.get("href") or (element.text or "")
            if href.strip():
                urls.append(href.strip())
    return tag, urls


def article_links(fetcher: PoliteFetcher, kind: str, url: str) -> list[str]:
    """Article URLs of a start page, in page order, as the site's `articles.allow/deny` decide."""
    site = fetcher.site
    final, body = fetcher.fetch(url)
    if kind in ("sitemap", "feed"):
        tag, urls = _xml_locs(body)
        if tag == "sitemapindex" and urls:
            _, body = fetcher.fetch(urls[0])  # the first child sitemap is enough for a drift check
            tag, urls = _xml_locs(body)
    else:
        page = Selector(text=body.decode("utf-8", "replace"))
        urls = [urljoin(final, href.strip()) for href in page.xpath("//a/@href").getall()]
    found: list[str] = []
    for link in urls:
        link = link.split("#", 1)[0]
        host = urlsplit(link).hostname or ""
        if site.owns_host(host) and site.is_article_url(link) and link not in found:
            found.append(link)
    return found


def dated(site: SiteConfig) -> bool:
    """Whether the site's articles state a publication date: as its fixture articles do (some sites,
    e.g. danvan, print none on purpose); a site without fixtures must."""
    if not (FIXTURES_DIR / site.slug / "fixture.toml").is_file():
        return True
    fixture = load_fixture_site(site.slug)
    expected = [fixture.expected(a) for a in fixture.articles]
    articles = [e for e in expected if e.get("is_article", True)]
    return not articles or any(e.get("published_at") for e in articles)


def drift(fetcher: PoliteFetcher, candidates: int = CANDIDATES) -> str | None:
    """None when the site still extracts; otherwise what is wrong, naming the URLs. Tries the first
    `candidates` article links. Raises RobotsRefused when robots.txt disallows the start URL."""
    site = fetcher.site
    needs_date = dated(site)
    kind, start = site.all_start_urls()[0]
    try:
        links = article_links(fetcher, kind, start)
    except (OSError, ValueError, ElementTree.ParseError) as exc:
        return f"{site.slug}: cannot read its {kind} start URL {start}: {exc}"
    if not links:
        patterns = [p.pattern for p in site.article_allow]
        return (f"{site.slug}: no article link on its {kind} {start} matches articles.allow {patterns} "
                "(URL scheme or page layout changed?)")
    tried: list[str] = []
    for link in links[:candidates]:
        try:
            _, body = fetcher.fetch(link)
        except RobotsRefused:
            tried.append(f"{link}: robots.txt disallows it")
            continue
        except OSError as exc:
            tried.append(f"{link}: {exc}")
            continue
        article: Any = extract_article(link, body, site)
        missing = [name for name, ok in (("title", bool(article.title)),
                                         ("published date", article.published_at is not None or not needs_date),
                                         (f"body (>= {MIN_BODY} chars, got {len(article.body)})",
                                          len(article.body) >= MIN_BODY)) if not ok]
        if article.is_article and not missing:
            return None
        tried.append(f"{link}: missing {', '.join(missing) or 'nothing'}; is_article={article.is_article} "
                     f"({'; '.join(article.reasons)}); cms={article.cms}")
    return f"{site.slug} no longer extracts (found via {kind} {start}):\n  " + "\n  ".join(tried)


@pytest.mark.parametrize("site", SITES, ids=[s.slug for s in SITES])
def test_site_still_extracts(site: SiteConfig) -> None:
    if os.environ.get("CI"):
        pytest.skip("live check: never against the real sites from CI")
    try:
        problem = drift(PoliteFetcher(site))
    except RobotsRefused as exc:
        pytest.skip(f"{site.slug}: robots.txt disallows {exc}; not checked")
    if problem:
        pytest.fail(problem, pytrace=False)
