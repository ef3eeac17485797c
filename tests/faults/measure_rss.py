"""Peak memory of a long crawl: `scrapy crawl danang` over a generated site of N articles served by
the fault server (listing pages of 20 links, articles in the danang template with distinct text).

    uv run python tests/faults/measure_rss.py 500 2000

Prints, per size: pages fetched, items, wall time, peak RSS of the crawl process, and the RSS when
500 items had been written. Not a test (too slow); numbers are reported in docs/faults.md.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faults.server import Route, page, serve_faults
from faults.sites import FIXTURE, article_html, listing_html

REPO = Path(__file__).resolve().parents[2]
FIRST_ID = 100_000
PER_PAGE = 20

TEMPLATE = article_html(54150).decode("utf-8")
MAIN_OPEN = '<div class="chi-tiet-main-content">'


def word_pool() -> list[str]:
    words: list[str] = []
    for path in FIXTURE.glob("article_*.html"):
        text = path.read_text("utf-8")
        start = text.index(MAIN_OPEN)
        inner = re.sub(r"<[^>]+>", " ", text[start: text.index("</div>", start)])
        words += [w for w in html.unescape(inner).split() if w.isalpha()]
    return words


WORDS = word_pool()


def article(n: int) -> bytes:
    rng = random.Random(n)
    sentence = lambda k: " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "."  # noqa: E731
    title = f"Bài {n}: " + sentence(rng.randint(8, 14)).rstrip(".")
    paragraphs = "".join(f"<p>{' '.join(sentence(rng.randint(12, 20)) for _ in range(4))}</p>" for _ in range(6))
    day = 1 + n % 28
    page_html = re.sub(r'(<span class="chi-tiet-title">)[^<]*', lambda m: m.group(1) + html.escape(title), TEMPLATE)
    page_html = re.sub(r'(<span class="chi-tiet-publish-date">)[^<]*',
                       lambda m: m.group(1) + f"Đăng ngày {day:02d}-05-2023 08:00, Lượt xem: 1", page_html)
    start = page_html.index(MAIN_OPEN) + len(MAIN_OPEN)
    end = page_html.index("</div>", start)
    return (page_html[:start] + paragraphs + page_html[end:]).encode("utf-8")


def site_fallback(total: int):
    pages = (total + PER_PAGE - 1) // PER_PAGE

    def make(key: str) -> Route | None:
        match = re.fullmatch(r"/web/guest/chi-tiet\?_c=3&id=(\d+)", key)
        if match and FIRST_ID <= int(match.group(1)) < FIRST_ID + total:
            return page(article(int(match.group(1))))
        match = re.fullmatch(r"/web/guest/chinh-quyen/danh-muc\?(?:cur=(\d+)&)?id=3", key)
        if match:
            k = int(match.group(1) or 1)
            first = FIRST_ID + (k - 1) * PER_PAGE
            ids = range(first, min(first + PER_PAGE, FIRST_ID + total)) if k <= pages else range(0)
            return page(listing_html([f"/web/guest/chi-tiet?id={i}&_c=3" for i in ids], k))
        if key == "/robots.txt":
            return page("User-agent: *\nAllow: /\n", "text/plain")
        return None

    return make, pages


def measure(total: int) -> dict:
    make, pages = site_fallback(total)
    with tempfile.TemporaryDirectory() as tmp, serve_faults({}, lifetime=900, max_requests=total * 2 + 500,
                                                           fallback=make) as server:
        out = Path(tmp) / "out.jsonl"
        stats = Path(tmp) / "stats.json"
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO), TAPHUAN_HOME=tmp)
        args = [sys.executable, "-m", "scrapy", "crawl", "danang", "-a", f"base_url={server.base_url}",
                "-a", f"max_pages={pages + 5}", "-O", f"{out}:jsonlines", "-s", f"STATE_DIR={tmp}/state",
                "-s", f"STATS_FILE={stats}", "-s", "KEEP_IRRELEVANT=True", "-s", "AUTOTHROTTLE_ENABLED=False",
                "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "LOG_LEVEL=WARNING"]
        started = time.monotonic()
        proc = subprocess.Popen(args, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ps = psutil.Process(proc.pid)
        peak = at_500 = 0
        while proc.poll() is None:
            try:
                rss = ps.memory_info().rss
            except psutil.NoSuchProcess:
                break
            peak = max(peak, rss)
            if not at_500 and out.exists() and out.read_bytes().count(b"\n") >= 500:
                at_500 = rss
            time.sleep(0.2)
        _out, err = proc.communicate()
        elapsed = time.monotonic() - started
        final = json.loads(stats.read_text("utf-8")) if stats.exists() else {}
        items = [json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    return {
        "articles": total, "returncode": proc.returncode, "pages": final.get("response_received_count"),
        "items": len(items), "unique_items": len(set(items)), "seconds": round(elapsed, 1),
        "peak_rss_mb": round(peak / 2**20, 1), "rss_at_500_items_mb": round(at_500 / 2**20, 1),
        "errors": {k: v for k, v in final.items() if k.startswith(("errors/", "guard/"))},
        "drops": {k: v for k, v in final.items() if k.startswith("item_dropped_reasons_count/")},
        "stderr_tail": err.decode("utf-8", "replace")[-500:] if proc.returncode else "",
    }


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [500, 2000]:
        print(json.dumps(measure(size), ensure_ascii=False), flush=True)
