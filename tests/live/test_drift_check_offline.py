"""The live drift check's own machinery (robots, start pages, link choice, extraction, messages),
run offline against the fixture sites on 127.0.0.1, so the check itself is known to work before
anyone points it at the real sites."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawler.sites.registry import load_registry_with_errors
from crawler.tools.fixtures import FIXTURES_DIR, fixture_slugs
from tests.live.test_live_sites import PoliteFetcher, RobotsRefused, drift

REGISTRY = load_registry_with_errors()[0]
SUPPORTED = [s for s in fixture_slugs() if s in REGISTRY and REGISTRY[s].supported]


def test_every_fixture_site_passes_the_drift_check(serve) -> None:
    running = serve(*SUPPORTED)
    problems, refused = [], []
    for slug in SUPPORTED:
        # Every link of the start page may be tried: fixture sites serve only some of them.
        fetcher = PoliteFetcher(REGISTRY[slug], pause=0, rebase=running[slug].base_url)
        try:
            problem = drift(fetcher, candidates=100)
        except RobotsRefused as exc:
            refused.append(str(exc))
            continue
        if problem:
            problems.append(problem)
    assert problems == [], "\n".join(problems)
    assert refused == ["https://baolangson.vn/chinh-tri"]
    # robots.txt was read, the start page and an article fetched: nothing more of baolangson.
    assert running["baolangson"].hits == ["/robots.txt"]


def test_feed_and_sitemap_start_urls_are_followed(serve) -> None:
    kinds = {slug: REGISTRY[slug].all_start_urls()[0][0] for slug in ("sggp", "nhandan")}
    assert kinds == {"sggp": "feed", "nhandan": "sitemap"}
    running = serve("sggp", "nhandan")
    for slug in kinds:
        assert drift(PoliteFetcher(REGISTRY[slug], pause=0, rebase=running[slug].base_url), candidates=100) is None
        start_path = REGISTRY[slug].all_start_urls()[0][1].split("/", 3)[3]
        assert running[slug].hits[:2] == ["/robots.txt", "/" + start_path]


def test_a_changed_article_layout_is_reported_with_its_urls(serve, tmp_path: Path) -> None:
    # danang as it would look after a redesign: same URLs, article pages without the old markup.
    shutil.copytree(FIXTURES_DIR / "danang", tmp_path / "danang")
    for page in (tmp_path / "danang").glob("article_*.html"):
        page.write_text("<html><body><div class='new-layout'><p>Đang cập nhật</p></div></body></html>", "utf-8")
    running = serve("danang", root=tmp_path)["danang"]
    problem = drift(PoliteFetcher(REGISTRY["danang"], pause=0, rebase=running.base_url))
    assert problem is not None
    lines = problem.splitlines()
    assert lines[0] == ("danang no longer extracts (found via listing "
                        f"{REGISTRY['danang'].start_urls['listing'][0]}):")
    assert len(lines) == 4  # the three candidate articles, each with what is missing
    for line in lines[1:]:
        assert line.startswith("  https://danang.gov.vn/web/guest/chi-tiet?id=")
        assert ": missing title, published date, body (>= 200 chars, got " in line


def test_a_listing_without_article_links_is_reported(serve, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES_DIR / "danang", tmp_path / "danang")
    for page in (tmp_path / "danang").glob("listing*.html"):
        page.write_text("<html><body><a href='/web/guest/trang-chu'>Trang chủ</a></body></html>", "utf-8")
    running = serve("danang", root=tmp_path)["danang"]
    problem = drift(PoliteFetcher(REGISTRY["danang"], pause=0, rebase=running.base_url))
    assert problem is not None
    assert problem.startswith("danang: no article link on its listing ")
    assert "matches articles.allow" in problem


def test_an_unreachable_start_url_is_reported() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = PoliteFetcher(REGISTRY["danang"], pause=0, rebase=f"http://127.0.0.1:{port}")
    problem = drift(fetcher)
    assert problem is not None
    listing = REGISTRY["danang"].start_urls["listing"][0]
    assert problem.startswith(f"danang: cannot read its listing start URL {listing}: "), problem
    assert "Connection refused" in problem


@pytest.mark.parametrize("slug", ["danvan"])
def test_a_site_that_prints_no_date_is_not_asked_for_one(serve, slug: str) -> None:
    running = serve(slug)[slug]
    assert drift(PoliteFetcher(REGISTRY[slug], pause=0, rebase=running.base_url), candidates=100) is None
