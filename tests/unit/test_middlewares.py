"""Downloader middlewares: the guard (offsite, schemes, private addresses), redirect targets, hostile
XML, bodies that lie about their encoding, transport options, and failure reasons."""

from __future__ import annotations

import asyncio
import gzip
import socket

import pytest
from scrapy import Spider
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.adapters.middlewares import (
    BodyDecodeMiddleware,
    OffsiteAndPrivateGuard,
    RedirectTargetGuard,
    RequestRefused,
    TransportMiddleware,
    XmlEntityGuard,
    describe_failure,
    is_private_host,
)
from crawler.adapters.transport import HostTransport
from crawler.sites.registry import Transport


def make_spider(allowed: list[str], base_url: str | None = None) -> Spider:
    """A spider whose operator named `base_url` (as -a base_url= or the generic spider's start URLs)."""
    spider = Spider(name="t")
    spider.allowed_domains = allowed
    spider.trusted_origins = [base_url] if base_url else []  # type: ignore[attr-defined]
    return spider


def guard(**settings) -> OffsiteAndPrivateGuard:
    return OffsiteAndPrivateGuard.from_crawler(get_crawler(Spider, settings))


def refused(mw, request: Request, spider: Spider) -> str | None:
    try:
        asyncio.run(mw.process_request(request, spider))
    except RequestRefused as exc:
        return exc.reason
    return None


# -- OffsiteAndPrivateGuard ------------------------------------------------------------------------


def test_guard_allows_the_site_and_its_subdomains() -> None:
    mw, spider = guard(), make_spider(["danang.gov.vn"])
    assert refused(mw, Request("https://danang.gov.vn/web/guest/chi-tiet?id=1"), spider) is None
    assert refused(mw, Request("https://www.danang.gov.vn/"), spider) is None


def test_guard_refuses_offsite_even_with_dont_filter() -> None:
    mw, spider = guard(), make_spider(["danang.gov.vn"])
    assert refused(mw, Request("https://evil.example.com/", dont_filter=True), spider) == "offsite"
    assert refused(mw, Request("https://danang.gov.vn.evil.example.com/"), spider) == "offsite"
    assert refused(mw, Request("https://notdanang.gov.vn/"), spider) == "offsite"
    assert mw.crawler.stats.get_value("guard/offsite") == 3


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://danang.gov.vn/x", "gopher://danang.gov.vn/"])
def test_guard_refuses_other_schemes(url: str) -> None:
    mw = guard()
    assert refused(mw, Request(url), make_spider(["danang.gov.vn"])) == "bad_scheme"
    assert mw.crawler.stats.get_value("guard/bad_scheme") == 1


def test_guard_lets_internal_data_requests_through_only() -> None:
    mw, spider = guard(), make_spider(["danang.gov.vn"])
    assert refused(mw, Request("data:,", meta={"internal": True}), spider) is None
    assert refused(mw, Request("data:,x"), spider) == "bad_scheme"


def test_guard_refuses_a_site_name_that_resolves_to_a_private_address(monkeypatch) -> None:
    """DNS pointing an allowed name at the intranet: refused before any connection."""
    calls: list[str] = []

    def fake_getaddrinfo(host, *args, **kwargs):
        calls.append(host)
        address = {"intranet.danang.gov.vn": "10.0.0.5", "danang.gov.vn": "203.113.131.2"}[host]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    mw, spider = guard(), make_spider(["danang.gov.vn"])
    assert refused(mw, Request("https://intranet.danang.gov.vn/a"), spider) == "private_address"
    assert refused(mw, Request("https://intranet.danang.gov.vn/b"), spider) == "private_address"
    assert refused(mw, Request("https://danang.gov.vn/"), spider) is None
    assert calls == ["intranet.danang.gov.vn", "danang.gov.vn"]  # resolved once per host
    assert mw.crawler.stats.get_value("guard/private_address") == 2


def test_guard_allows_loopback_only_on_the_base_urls_own_port() -> None:
    mw, spider = guard(), make_spider(["127.0.0.1"], base_url="http://127.0.0.1:8123/")
    assert refused(mw, Request("http://127.0.0.1:8123/web/guest/chi-tiet?id=1"), spider) is None
    assert refused(mw, Request("http://127.0.0.1:22/"), spider) == "private_address"
    assert refused(mw, Request("http://127.0.0.1/"), spider) == "private_address"


def test_guard_without_a_base_url_refuses_loopback_and_private_literals() -> None:
    mw, spider = guard(), make_spider([])
    for url in ("http://127.0.0.1:8000/", "http://10.0.0.1/x", "http://192.168.1.1/", "http://169.254.169.254/",
                "http://[::1]/", "http://localhost:1/", "http://0.0.0.0/"):
        assert refused(mw, Request(url), spider) == "private_address", url


def test_private_block_can_be_switched_off() -> None:
    mw = guard(BLOCK_PRIVATE_ADDRESSES=False)
    assert refused(mw, Request("http://10.0.0.1/x"), make_spider([])) is None


def test_is_private_host() -> None:
    assert is_private_host("10.1.2.3") and is_private_host("::1") and is_private_host("localhost")
    assert not is_private_host("203.113.131.2")


# -- RedirectTargetGuard ---------------------------------------------------------------------------


def redirect_response(url: str, location: str, status: int = 302, **meta) -> tuple[Request, Response]:
    request = Request(url, meta=meta)
    return request, Response(url, status=status, headers={"Location": location}, request=request)


def redirect_guard() -> RedirectTargetGuard:
    return RedirectTargetGuard.from_crawler(get_crawler(Spider))


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://example.vn/x", "javascript:alert(1)"])
def test_redirect_to_another_scheme_is_refused(location: str) -> None:
    mw = redirect_guard()
    request, response = redirect_response("https://danang.gov.vn/a", location)
    with pytest.raises(RequestRefused) as info:
        mw.process_response(request, response)
    assert info.value.reason == "bad_scheme"
    assert mw.crawler.stats.get_value("guard/bad_scheme") == 1


def test_redirect_loop_is_refused_and_counted() -> None:
    mw = redirect_guard()
    request, response = redirect_response("https://danang.gov.vn/b", "/a",
                                          redirect_urls=["https://danang.gov.vn/a"])
    with pytest.raises(RequestRefused):
        mw.process_response(request, response)
    request, response = redirect_response("https://danang.gov.vn/a", "https://danang.gov.vn/a#top")
    with pytest.raises(RequestRefused):
        mw.process_response(request, response)  # to itself
    assert mw.crawler.stats.get_value("errors/redirect_loop") == 2


def test_ordinary_and_exempt_redirects_pass() -> None:
    mw = redirect_guard()
    request, response = redirect_response("http://danang.gov.vn/a", "https://danang.gov.vn/a")
    assert mw.process_response(request, response) is response  # http -> https is not a loop
    request, response = redirect_response("https://danang.gov.vn/a", "file:///x", handle_httpstatus_all=True)
    assert mw.process_response(request, response) is response  # the callback wants to see the 3xx itself
    ok = Response("https://danang.gov.vn/a", status=200, request=request)
    assert mw.process_response(request, ok) is ok


# -- XmlEntityGuard --------------------------------------------------------------------------------


def xml_guard() -> XmlEntityGuard:
    return XmlEntityGuard.from_crawler(get_crawler(Spider))


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><urlset/>',
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY xxe SYSTEM "file:///etc/passwd" >\n]><rss>&xxe;</rss>',
    b'\xef\xbb\xbf<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://x/p.dtd"> %p;]><r/>',
])
def test_xml_declaring_entities_is_refused(body: bytes) -> None:
    mw = xml_guard()
    request = Request("https://example.vn/sitemap.xml")
    with pytest.raises(RequestRefused):
        mw.process_response(request, Response(request.url, body=body, request=request))
    assert mw.crawler.stats.get_value("errors/xml_entities") == 1


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
    b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x.dtd"><html><body>&nbsp;</body></html>',
    b"<html><body><pre>&lt;!DOCTYPE x [&lt;!ENTITY a 'b'&gt;]&gt;</pre></body></html>",
])
def test_ordinary_documents_pass_the_xml_guard(body: bytes) -> None:
    request = Request("https://example.vn/page")
    response = Response(request.url, body=body, request=request)
    assert xml_guard().process_response(request, response) is response


# -- BodyDecodeMiddleware --------------------------------------------------------------------------

VIETNAMESE = "<html><head><title>Tập huấn nghiệp vụ</title></head><body><p>Ban Dân vận Thành ủy</p></body></html>"


def decoder(**settings) -> BodyDecodeMiddleware:
    return BodyDecodeMiddleware.from_crawler(get_crawler(Spider, settings))


def html(body: bytes, ctype: str, url: str = "https://danang.gov.vn/a") -> HtmlResponse:
    request = Request(url)
    return HtmlResponse(url, body=body, headers={"Content-Type": ctype}, request=request)


@pytest.mark.parametrize("declared", ["iso-8859-1", "ISO-8859-1", "windows-1252", "us-ascii"])
def test_latin_declared_utf8_page_is_decoded_as_utf8(declared: str) -> None:
    mw = decoder()
    response = html(VIETNAMESE.encode("utf-8"), f"text/html; charset={declared}")
    assert "Táº" in response.text  # what a browser trusting the header would show
    fixed = mw.process_response(response.request, response)
    assert isinstance(fixed, TextResponse)
    assert fixed.xpath("//title/text()").get() == "Tập huấn nghiệp vụ"
    assert mw.crawler.stats.get_value("decode/charset_corrected") == 1


def test_real_latin_and_windows_1258_pages_are_left_alone() -> None:
    mw = decoder()
    latin = html("<html><body>Café à la carte</body></html>".encode("cp1252"), "text/html; charset=windows-1252")
    assert mw.process_response(latin.request, latin) is latin
    viet = html("<p>Tập huấn</p>".encode(), "text/html; charset=utf-8")
    assert mw.process_response(viet.request, viet) is viet
    legacy = html(b"<p>T\xe2\xf2p hu\xea\xecn</p>", "text/html; charset=windows-1258")
    assert mw.process_response(legacy.request, legacy) is legacy
    assert mw.crawler.stats.get_value("decode/charset_corrected") is None


def test_undeclared_gzip_is_decompressed() -> None:
    mw = decoder()
    request = Request("https://baolaocai.vn/a-post1.html")
    response = Response(request.url, body=gzip.compress(VIETNAMESE.encode()), request=request)
    out = mw.process_response(request, response)
    assert isinstance(out, HtmlResponse)
    assert out.xpath("//title/text()").get() == "Tập huấn nghiệp vụ"
    assert mw.crawler.stats.get_value("decode/undeclared_gzip") == 1


def test_undeclared_gzip_bomb_and_corrupt_gzip_are_refused() -> None:
    mw = decoder(DOWNLOAD_MAXSIZE=1_000_000)
    request = Request("https://baolaocai.vn/bomb")
    bomb = Response(request.url, body=gzip.compress(b" " * 20_000_000), request=request)
    with pytest.raises(RequestRefused) as info:
        mw.process_response(request, bomb)
    assert info.value.reason == "too_large"
    corrupt = Response(request.url, body=b"\x1f\x8b\x08\x00garbage", request=request)
    with pytest.raises(RequestRefused) as info:
        mw.process_response(request, corrupt)
    assert info.value.reason == "bad_gzip_body"
    assert mw.crawler.stats.get_value("errors/too_large") == 1
    assert mw.crawler.stats.get_value("errors/bad_gzip_body") == 1


# -- TransportMiddleware ---------------------------------------------------------------------------


def transport_mw(options: dict[str, Transport]) -> TransportMiddleware:
    crawler = get_crawler(Spider)
    crawler._taphuan_transport = HostTransport({}, options)  # type: ignore[attr-defined]
    crawler._taphuan_transport.crawler = crawler  # type: ignore[attr-defined]
    return TransportMiddleware.from_crawler(crawler)


def test_http_only_rewrites_https_for_that_host_only() -> None:
    mw = transport_mw({"cema.gov.vn": Transport(http_only=True, verify_tls=False)})
    out = mw.process_request(Request("https://cema.gov.vn/tin-tuc/a.htm?x=1"))
    assert out is not None and out.url == "http://cema.gov.vn/tin-tuc/a.htm?x=1"
    out = mw.process_request(Request("https://www.cema.gov.vn:443/a.htm"))
    assert out is not None and out.url == "http://www.cema.gov.vn/a.htm"
    assert mw.process_request(Request("http://cema.gov.vn/a.htm")) is None
    assert mw.process_request(Request("https://danang.gov.vn/a")) is None


def test_http_only_host_that_redirects_to_https_is_a_loop() -> None:
    mw = transport_mw({"cema.gov.vn": Transport(http_only=True)})
    request = Request("https://cema.gov.vn/a.htm", meta={"redirect_urls": ["http://cema.gov.vn/a.htm"]})
    with pytest.raises(RequestRefused):
        mw.process_request(request)
    assert mw.crawler.stats.get_value("errors/redirect_loop") == 1


def test_timeout_sets_download_timeout_for_that_host_only(caplog) -> None:
    mw = transport_mw({"baolangson.vn": Transport(timeout=120)})
    slow = Request("https://baolangson.vn/a-123.html")
    caplog.set_level("INFO")
    assert mw.process_request(slow) is None and slow.meta["download_timeout"] == 120
    other = Request("https://danang.gov.vn/a")
    mw.process_request(other)
    assert "download_timeout" not in other.meta
    mine = Request("https://baolangson.vn/b-124.html", meta={"download_timeout": 5})
    mw.process_request(mine)
    assert mine.meta["download_timeout"] == 5  # a request's own timeout wins
    assert "Transport option for baolangson.vn: timeout = 120 s (TRANSPORT_HOSTS['baolangson.vn'])" in caplog.text


# -- describe_failure ------------------------------------------------------------------------------


def failure_of(exc: BaseException) -> Failure:
    try:
        raise exc
    except BaseException:
        return Failure()


def test_failure_reasons() -> None:
    request = Request("https://danang.gov.vn/a")
    not_found = HttpError(Response(request.url, status=404, request=request), "Ignoring non-200 response")
    cases = {
        not_found: ("HttpError_404", False),
        DownloadTimeoutError("took longer than 2.0 seconds"): ("DownloadTimeoutError", False),
        DownloadCancelledError(""): ("too_large", False),
        IgnoreRequest("Ignored response because its body exceeded DOWNLOAD_MAXSIZE (1000 B)"): ("too_large", False),
        IgnoreRequest("max redirections reached"): ("too_many_redirects", False),
        IgnoreRequest("Forbidden by robots.txt"): ("robots_forbidden", True),
        RequestRefused("offsite", request.url, "guard/offsite"): ("offsite", True),
        ConnectionRefusedError("refused"): ("ConnectionRefusedError", False),
    }
    for exc, want in cases.items():
        assert describe_failure(failure_of(exc)) == want, exc
    tls = Exception("[('SSL routines', '', 'certificate verify failed')]")
    assert describe_failure(failure_of(tls)) == ("tls_certificate", False)


def test_guard_looks_names_up_off_the_event_loop(monkeypatch) -> None:
    """A slow resolver must not stall the reactor (in `crawlall` it serves every site): the lookup
    runs in a worker thread while the loop goes on, and its answer is cached per host."""
    import threading

    import crawler.adapters.middlewares as mws

    gate = threading.Event()
    calls: list[tuple[str, bool, bool]] = []

    def slow_lookup(host: str) -> bool:
        on_main = threading.current_thread() is threading.main_thread()
        released = gate.wait(5)  # only the event loop can open it: it must not be blocked
        calls.append((host, on_main, released))
        return host == "intranet.danang.gov.vn"

    monkeypatch.setattr(mws, "is_private_host", slow_lookup)
    mw, spider = guard(), make_spider(["danang.gov.vn"])

    async def crawl() -> list[str | None]:
        async def one(url: str) -> str | None:
            try:
                await mw.process_request(Request(url), spider)
            except RequestRefused as exc:
                return exc.reason
            return None

        task = asyncio.gather(one("https://danang.gov.vn/a"), one("https://intranet.danang.gov.vn/b"))
        while len(calls) < 2 and not gate.is_set():
            await asyncio.sleep(0.01)
            gate.set()
        return list(await task)

    assert asyncio.run(crawl()) == [None, "private_address"]
    assert sorted(calls) == [("danang.gov.vn", False, True), ("intranet.danang.gov.vn", False, True)]
    # Cached: the next request to either host needs no lookup.
    assert refused(mw, Request("https://intranet.danang.gov.vn/c"), spider) == "private_address"
    assert refused(mw, Request("https://danang.gov.vn/d"), spider) is None
    assert len(calls) == 2
