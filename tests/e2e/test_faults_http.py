"""Server faults on the danang site (tests/faults/), through the real `scrapy crawl danang`.

Each test: the crawl finishes, every good article comes out exactly once, and the fault is counted
under its own stats key. Faulty articles are extra pages linked from the listing (ids 9xxxx) unless
a test makes a real article fail and recover."""

from __future__ import annotations

import gzip
from collections import Counter

import pytest
from faults.server import HTML, Route, page, redirect, serve_faults, trap_listener
from faults.sites import (
    ARTICLE_IDS,
    article_html,
    article_path,
    danang_site,
    expected,
    malformed,
    real_url,
    to_cp1258,
)

from crawler.adapters.verdict import summarize

pytestmark = pytest.mark.slow

KEEP = ("-s", "KEEP_IRRELEVANT=True")


def urls(result) -> list[str]:
    return sorted(item["url"] for item in result.items)


def assert_delivered(result, ids=ARTICLE_IDS) -> None:
    """Exactly these articles, each once, and the crawl finished on its own."""
    delivered = [item["url"] for item in result.items]
    assert [u for u, n in Counter(delivered).items() if n > 1] == [], "duplicate items"
    assert sorted(delivered) == sorted(real_url(article_path(i)) for i in ids), result.log[-3000:]
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["finish_reason"] == "finished"


def errors(stats: dict) -> dict[str, int]:
    return {k: v for k, v in stats.items() if k.startswith(("errors/", "guard/"))}


def test_5xx_recovers_after_retries(crawl) -> None:
    site = danang_site(replace={
        54019: Route(body=article_html(54019), fault="status", fault_status=503, times=2),
        54102: Route(body=article_html(54102), fault="status", fault_status=500, times=1),
    })
    with serve_faults(site) as server:
        result = crawl("danang", server.base_url, *KEEP)
    assert_delivered(result)
    assert server.hits_of(article_path(54019)) == 3 and server.hits_of(article_path(54102)) == 2
    assert result.stats["retry/count"] == 3
    assert result.stats["retry/reason_count/503 Service Unavailable"] == 2
    assert result.stats["retry/reason_count/500 Internal Server Error"] == 1
    assert errors(result.stats) == {}  # recovered: nothing is reported as failed


def test_5xx_that_never_recovers_is_an_error_by_status(crawl) -> None:
    site = danang_site({article_path(90503): Route(fault="status", fault_status=503)})
    with serve_faults(site) as server:
        result = crawl("danang", server.base_url, *KEEP, "-s", "RETRY_TIMES=1")
    assert_delivered(result)
    assert server.hits_of(article_path(90503)) == 2
    assert errors(result.stats) == {"errors/HttpError_503": 1}
    assert f"Request failed (HttpError_503): {real_url(article_path(90503))}" in result.log


def test_server_that_never_answers_times_out(crawl) -> None:
    site = danang_site({article_path(90001): Route(fault="hang")})
    with serve_faults(site, lifetime=30) as server:
        result = crawl("danang", server.base_url, *KEEP, "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1")
    assert_delivered(result)
    assert server.hits_of(article_path(90001)) == 2  # first try and one retry
    assert result.stats["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] == 2
    assert errors(result.stats) == {"errors/DownloadTimeoutError": 1}
    assert f"Request failed (DownloadTimeoutError): {real_url(article_path(90001))}" in result.log
    assert result.stats["elapsed_time_seconds"] < 15


def test_connection_reset_and_truncated_body(crawl) -> None:
    body = article_html(54019)
    site = danang_site(
        {
            article_path(90002): Route(body=body, fault="reset", cut_at=3000),  # reset mid-body
            article_path(90003): Route(body=body, fault="truncate", missing=5000),  # Content-Length lies
            article_path(90004): Route(fault="drop"),  # reset before any answer
        },
        replace={54150: Route(body=article_html(54150), fault="reset", times=1)},  # once, then fine
    )
    with serve_faults(site) as server:
        result = crawl("danang", server.base_url, *KEEP, "-s", "RETRY_TIMES=1")
    assert_delivered(result)
    assert server.hits_of(article_path(54150)) == 2
    assert errors(result.stats) == {"errors/ResponseDataLossError": 2, "errors/DownloadFailedError": 1}
    # Never half an article: the broken bodies gave no item, and nothing was cut short.
    by_url = {item["url"]: item for item in result.items}
    assert by_url[real_url(article_path(54150))]["body"] == expected(54150)["body"]


def test_huge_page_and_compression_bombs_are_cut_off(crawl) -> None:
    bomb = gzip.compress(b"<html><body>" + b" " * 30_000_000, 9)
    site = danang_site({
        article_path(90010): Route(fault="stream", stream_bytes=30_000_000),  # declared size too large
        article_path(90011): Route(fault="stream", stream_bytes=30_000_000, declare_length=False),
        article_path(90012): page(bomb, HTML, **{"Content-Encoding": "gzip"}),  # declared gzip bomb
        article_path(90013): page(bomb, HTML),  # raw gzip bomb, no Content-Encoding
    })
    assert len(bomb) < 100_000
    with serve_faults(site) as server:
        result = crawl("danang", server.base_url, *KEEP,
                       "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "DOWNLOAD_WARNSIZE=400000")
    assert_delivered(result)
    assert errors(result.stats) == {"errors/too_large": 4}
    # The undeclared stream was abandoned early, not read to its end.
    assert 0 < server.streamed_of(article_path(90011)) < 15_000_000, server.streamed
    assert "larger than download max size" in result.log
    for article_id in (90010, 90011, 90012, 90013):
        assert f"{real_url(article_path(article_id))}" in result.log


def test_lying_and_legacy_encodings_decode_to_the_right_text(crawl) -> None:
    cp1258_page = to_cp1258(article_html(54102).decode("utf-8")).replace(b"charset=UTF-8", b"charset=windows-1258")
    assert b"charset=windows-1258" in cp1258_page
    site = danang_site(replace={
        # Header says Latin-1, the page is UTF-8 Vietnamese (a server default left in place).
        54019: page(article_html(54019), "text/html; charset=iso-8859-1"),
        # A legacy windows-1258 page: decomposed tone marks, must come out NFC.
        54102: page(cp1258_page, "text/html; charset=windows-1258"),
        # gzip bytes with no Content-Encoding header.
        54150: page(gzip.compress(article_html(54150)), HTML),
    })
    with serve_faults(site) as server:
        result = crawl("danang", server.base_url, *KEEP)
    assert_delivered(result)
    by_url = {item["url"]: item for item in result.items}
    for article_id in (54019, 54102, 54150):
        item, want = by_url[real_url(article_path(article_id))], expected(article_id)
        for field in ("title", "summary", "body", "published_at", "author"):
            assert item[field] == want[field], (article_id, field)
    assert result.stats["decode/charset_corrected"] == 1
    assert result.stats["decode/undeclared_gzip"] == 1
    assert errors(result.stats) == {}


def test_malformed_html_and_garbage_pages(crawl) -> None:
    import random

    rng = random.Random(1258)
    site = danang_site(
        {
            article_path(90020): page(bytes(rng.randrange(256) for _ in range(20_000)), HTML),  # binary noise
            article_path(90021): page(b"", HTML),  # empty 200
            article_path(90022): page(b"<html><body><div><div><p>" * 5000, HTML),  # deep, never closed
        },
        replace={54019: page(malformed(article_html(54019)), HTML)},
    )
    with serve_faults(site) as server:
        result = crawl("danang", server.base_url, *KEEP)
    assert_delivered(result)
    item = next(i for i in result.items if i["url"] == real_url(article_path(54019)))
    want = expected(54019)
    assert item["title"] == want["title"]
    assert item["published_at"] == want["published_at"]
    assert item["body"] == want["body"]
    assert "alert(1)" not in item["body"]
    assert result.stats["extract/pages"] == 7
    assert result.stats["extract/not_article"] == 3  # noise, empty, nested: no item, no crash
    assert errors(result.stats) == {}


def test_404_and_410_articles(crawl) -> None:
    site = danang_site({
        article_path(90404): page("<h1>Không tìm thấy</h1>", status=404),
        article_path(90410): page("<h1>Đã gỡ</h1>", status=410),
    }, dead_links=[article_path(90405)])
    with serve_faults(site) as server:
        result = crawl("danang", server.base_url, *KEEP)
    assert_delivered(result)
    assert errors(result.stats) == {"errors/HttpError_404": 2, "errors/HttpError_410": 1}
    assert f"Request failed (HttpError_410): {real_url(article_path(90410))}" in result.log
    # 4xx is not retried.
    assert "retry/count" not in result.stats


def test_redirects_leave_neither_the_site_nor_http(crawl) -> None:
    with trap_listener() as (trap_port, accepted):
        chain = {article_path(91000 + n): redirect(article_path(91000 + n + 1)) for n in range(12)}
        site = danang_site(
            {
                article_path(90301): redirect("file:///etc/passwd"),
                article_path(90302): redirect("ftp://127.0.0.1/pub/x"),
                article_path(90303): redirect("http://10.0.0.1/x"),  # private, and offsite
                article_path(90304): redirect(article_path(90305)),  # a loop through an unlinked page
                article_path(90306): redirect(article_path(91000)),  # 13 hops: more than REDIRECT_MAX_TIMES
                article_path(90307): redirect("http://evil.example.com/web/guest/chi-tiet?id=1"),
                article_path(90308): redirect(f"http://localhost:{trap_port}/"),
                article_path(90309): redirect(f"http://127.0.0.1:{trap_port}/x"),  # loopback, another port
                article_path(90310): redirect(article_path(54150), status=301),  # same site: fine
            },
            hidden={article_path(90305): redirect(article_path(90304)), **chain},
            dead_links=[f"http://127.0.0.1:{trap_port}/web/guest/chi-tiet?id=7&_c=3", "http://10.0.0.1/x",
                        f"http://localhost:{trap_port}/"],
        )
        with serve_faults(site) as server:
            result = crawl("danang", server.base_url, *KEEP)
    assert_delivered(result)
    assert accepted == []  # nothing ever connected to the other port
    assert errors(result.stats) == {
        "guard/bad_scheme": 2,
        "guard/offsite": 3,
        "guard/private_address": 1,
        "errors/redirect_loop": 1,
        "errors/too_many_redirects": 1,
    }
    assert "Location 'file:///etc/passwd': scheme 'file' is not followed" in result.log
    assert "Refused http://10.0.0.1/x" in result.log
    assert f"Refused http://127.0.0.1:{trap_port}/x" in result.log
    # 54150 was reached once directly and once through 90310's redirect (then filtered as a duplicate).
    assert server.hits_of(article_path(54150)) == 1


def test_robots_disallow_is_obeyed_counted_and_said(crawl) -> None:
    robots = "User-agent: *\nDisallow: /web/guest/chi-tiet?id=54150\n"
    with serve_faults(danang_site(robots=robots)) as server:
        result = crawl("danang", server.base_url, *KEEP)
    assert_delivered(result, ids=(54019, 54102, 28000))
    assert server.hits_of(article_path(54150)) == 0
    assert result.stats["robotstxt/forbidden"] == 1
    assert f"Not fetched, robots.txt disallows it: {real_url(article_path(54150))}" in result.log
    assert errors(result.stats) == {}


def test_robots_refusing_everything_is_reported_as_such(crawl) -> None:
    with serve_faults(danang_site(robots="User-agent: *\nDisallow: /\n")) as server:
        result = crawl("danang", server.base_url, *KEEP)
    # Obeyed, and loud: the site failed (exit 1), and the one line at its end says why.
    assert result.items == [] and result.returncode == 1
    assert server.hits == ["/robots.txt"]
    assert result.stats["robotstxt/forbidden"] == 1
    assert "danang: failed; 1 pages, 0 new; robots.txt refused 1 request(s); nothing was fetched" in result.log
    summary = summarize("danang", result.stats)
    assert summary.verdict == "failed"


def test_page_cap_stops_the_crawl_and_says_why(crawl) -> None:
    with serve_faults(danang_site()) as server:
        result = crawl("danang", server.base_url, *KEEP, "-s", "CLOSESPIDER_PAGECOUNT=3")
    assert result.returncode == 0
    assert result.stats["finish_reason"] == "closespider_pagecount"
    # The cap, plus what was already in flight (2 requests per domain); a full crawl gets 8.
    assert result.stats["response_received_count"] <= 3 + 2
    assert len(result.items) < len(ARTICLE_IDS)
    assert len({i["url"] for i in result.items}) == len(result.items)
    assert summarize("danang", result.stats).finish_reason == "closespider_pagecount"


def test_time_cap_stops_a_stuck_crawl_and_says_why(crawl) -> None:
    """CLOSESPIDER_TIMEOUT closes the spider; a download already in flight still runs to its own
    DOWNLOAD_TIMEOUT, so the wall-clock bound is the sum of the two (and the hung page is not retried)."""
    site = danang_site({article_path(90001): Route(fault="hang")})
    with serve_faults(site, lifetime=30) as server:
        result = crawl("danang", server.base_url, *KEEP, "-s", "CLOSESPIDER_TIMEOUT=2", "-s", "DOWNLOAD_TIMEOUT=4")
    assert result.returncode == 0
    assert result.stats["finish_reason"] == "closespider_timeout"
    assert 2 <= result.stats["elapsed_time_seconds"] < 2 + 4 + 3
    assert server.hits_of(article_path(90001)) == 1
    delivered = [i["url"] for i in result.items]
    assert len(delivered) == len(set(delivered))
    assert set(delivered) <= {real_url(article_path(i)) for i in ARTICLE_IDS}
    summary = summarize("danang", result.stats)
    assert summary.finish_reason == "closespider_timeout" and summary.verdict in ("ok", "quiet")
