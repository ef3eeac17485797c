"""Scrapy settings for taphuan-crawler.

Defaults are polite to slow provincial and government servers. Every project-specific setting is
documented next to its default; override any of them with `-s NAME=value`.
"""

BOT_NAME = "taphuan"

# Spiders are made from the site registry (crawler/sites/*.toml), one per slug, plus `generic`.
SPIDER_LOADER_CLASS = "crawler.adapters.spiderloader.RegistrySpiderLoader"
SPIDER_MODULES = ["crawler.adapters.spiders"]
NEWSPIDER_MODULE = "crawler.adapters.spiders"
COMMANDS_MODULE = "crawler.adapters.commands"

# --- Politeness ------------------------------------------------------------------------------
# An honest user agent naming the project, so a webmaster can tell who calls and why.
USER_AGENT = "taphuan-crawler/0.1 (+https://github.com/taphuan-crawler; training-announcement research crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
# ±50% around DOWNLOAD_DELAY so requests do not arrive on a fixed beat (Scrapy 2.19 name).
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Government servers answer slowly; 60 s lets them, and a site file can raise it per host
# ([transport] timeout).
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Bounded responses: a huge page or a compression bomb (declared or not) is cut off, not held in memory.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# A body shorter than its Content-Length is an error (retried, then errors/ResponseDataLossError),
# never half an article.
DOWNLOAD_FAIL_ON_DATALOSS = True
REDIRECT_MAX_TIMES = 10
# TLS certificates are verified, except for hosts whose site file says [transport] verify_tls = false;
# legacy renegotiation only for hosts with legacy_tls = true (crawler/adapters/transport.py).
DOWNLOAD_VERIFY_CERTIFICATES = True
DOWNLOAD_HANDLERS = {"https": "crawler.adapters.transport.PerHostHTTPSHandler"}
# Transport options per host without editing a site file (JSON with -s), e.g.
# -s 'TRANSPORT_HOSTS={"example.gov.vn": {"verify_tls": false, "timeout": 120}}'.
TRANSPORT_HOSTS: dict[str, dict[str, object]] = {}
DNS_TIMEOUT = 30
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- Output ----------------------------------------------------------------------------------
# One JSON Lines file per run and site, named by the run's UTC start time. Each line is flushed as
# it is written, so a killed crawl never leaves a torn line (see crawler/adapters/feeds.py).
# Used when no feed is given on the command line: `-o`/`-O` replace it instead of adding to it
# (Scrapy merges FEEDS with the command line's, which would write every item twice).
FEEDS: dict[str, dict[str, object]] = {}
DEFAULT_FEEDS = {
    "output/%(name)s/%(time)s.jsonl": {
        "format": "jsonlines",
        "encoding": "utf-8",
        "item_export_kwargs": {"ensure_ascii": False},
    },
}
FEED_EXPORTERS = {"jsonlines": "crawler.adapters.feeds.FlushingJsonLinesExporter"}
FEED_EXPORT_ENCODING = "utf-8"
# %(time)s in feed names is the run's UTC start, written 2026-11-21T16-42-51Z.
FEED_URI_PARAMS = "crawler.adapters.feeds.uri_params"
FEED_STORE_EMPTY = True

ITEM_PIPELINES = {
    "crawler.adapters.pipelines.CleanPipeline": 100,
    "crawler.adapters.pipelines.NormalizePipeline": 200,
    "crawler.adapters.pipelines.ClassifyPipeline": 300,
    "crawler.adapters.pipelines.DedupPipeline": 400,
    "crawler.adapters.pipelines.ValidatePipeline": 900,
}

EXTENSIONS = {
    # Runs after the feed exporter has written the line: only then is the item marked emitted.
    "crawler.adapters.extensions.StateCommitter": 900,
    "crawler.adapters.extensions.SilentFailureReporter": 910,
    "crawler.adapters.extensions.StatsFile": 920,
}
# Save the final crawl stats as JSON at this path (off when empty).
STATS_FILE = ""

# --- Project settings ------------------------------------------------------------------------
# Keep articles that are not training announcements (with is_training false) instead of dropping.
KEEP_IRRELEVANT = False
# Where the state database lives (known URLs, fingerprints, what was emitted).
STATE_DIR = "output/.state"
# Stop a listing's pagination after this many pages in a row that bring no new article.
STOP_AFTER_STALE_PAGES = 1
# Per-site caps: pages fetched and wall-clock seconds (0 = no cap). Each crawler (one per site in
# `crawlall`) has its own; the run summary's finish_reason says closespider_pagecount/_timeout.
# On by default so a scheduled run always ends: a first run over a large sitemap stops here and the
# next run goes on from the state store (known URLs are not fetched again). At the polite ~1 page/s
# a site gets, 4 hours is ~14,000 pages.
CLOSESPIDER_PAGECOUNT = 20_000
CLOSESPIDER_TIMEOUT = 4 * 3600
# Refuse private and loopback addresses unless the site's own base URL is one (tests, mirrors).
BLOCK_PRIVATE_ADDRESSES = True

DOWNLOADER_MIDDLEWARES = {
    # Replaced by the guard, which also sees redirects (Scrapy's drops them silently when scheduled)
    # and does not let dont_filter requests leave the site.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.adapters.middlewares.OffsiteAndPrivateGuard": 50,
    # Per-host [transport] options of the site files: timeout, http_only (TLS ones: DOWNLOAD_HANDLERS).
    "crawler.adapters.middlewares.TransportMiddleware": 60,
    # After HttpCompressionMiddleware (590) on the way in: it undoes declared encodings first; before
    # MetaRefreshMiddleware (580), which must read the decoded page.
    "crawler.adapters.middlewares.BodyDecodeMiddleware": 585,
    # After BodyDecodeMiddleware on the way in (gzip sitemaps are checked decompressed): XML that
    # declares entities (billion laughs, XXE) never reaches a parser.
    "crawler.adapters.middlewares.XmlEntityGuard": 584,
    # Before RedirectMiddleware (600) on the way in: refuses Locations in other schemes, and loops.
    "crawler.adapters.middlewares.RedirectTargetGuard": 610,
}

# Dropped items are logged as "Dropped (<Reason>): <message naming the URL>" at INFO; the stats
# count them by reason (item_dropped_reasons_count/<Reason>).
LOG_FORMATTER = "crawler.adapters.logformatter.ConciseLogFormatter"
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
# Where `scrapy crawlall` and `crawler demo` save their per-site run summaries.
RUNS_DIR = "output/runs"
