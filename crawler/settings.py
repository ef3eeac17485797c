"""Scrapy settings for taphuan-crawler.

Defaults are polite to slow provincial and government servers. Every project-specific setting is
documented next to its default; override any of them with `-s NAME=value`.
"""

import os

BOT_NAME = "taphuan"

# Spiders are made from the site registry (crawler/sites/*.toml), one per slug, plus `generic`.
SPIDER_LOADER_CLASS = "crawler.adapters.spiderloader.RegistrySpiderLoader"
SPIDER_MODULES = ["crawler.adapters.spiders"]
NEWSPIDER_MODULE = "crawler.adapters.spiders"
COMMANDS_MODULE = "crawler.adapters.commands"

# --- Politeness ------------------------------------------------------------------------------
# How a webmaster reaches whoever runs this crawler (an e-mail address or a URL): set it with
# `-s CONTACT=...` or here. It goes into the user agent; while it is empty the crawl warns.
CONTACT = ""
# An honest user agent naming the project; the commands append CONTACT when it is set.
USER_AGENT = "taphuan-crawler/0.1 (training-announcement research crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Outputs of one response processed at once. Scrapy starts this many asyncio tasks for every
# response (100 by default: ~1 ms a page); a page gives one item or a few dozen links.
CONCURRENT_ITEMS = 16
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
# Scrapy 2.19's remote control: an HTTP server per crawl that runs code sent to it. Off, like the
# telnet console: a scheduled crawler listens on no port.
REMOTE_CONTROL_ENABLED = False

# --- Output ----------------------------------------------------------------------------------
# One JSON Lines file per site and run, named by the run's UTC start time, written by
# crawler.adapters.delivery (Scrapy's FeedExporter is off: it swallows write errors). Each line is
# flushed and synced before its item is marked delivered. `-o`/`-O` (FEEDS) replace this default
# instead of adding to it. Relative paths are under the project directory (crawler/paths.py).
FEEDS: dict[str, dict[str, object]] = {}
DEFAULT_FEEDS = {"output/%(name)s/%(time)s.jsonl": {"format": "jsonlines"}}
# os.fsync after each line: a power cut cannot lose a line the state store counts as delivered.
FEED_FSYNC = True
# What the crawlers of one process share (crawler.adapters.context.RunContext); set by the runner.
RUN_CONTEXT = None

ITEM_PIPELINES = {
    "crawler.adapters.pipelines.CleanPipeline": 100,
    "crawler.adapters.pipelines.CanonicalizePipeline": 200,
    "crawler.adapters.pipelines.ClassifyPipeline": 300,
    "crawler.adapters.pipelines.DedupPipeline": 400,
    "crawler.adapters.pipelines.ValidatePipeline": 900,
}

EXTENSIONS = {
    "scrapy.extensions.feedexport.FeedExporter": None,
    # The runner prints one progress line for the whole run instead of one per site.
    "scrapy.extensions.logstats.LogStats": None,
    # Delivery before the state component: its spider_closed seals the run before the store closes.
    "crawler.adapters.delivery.Delivery": 500,
    "crawler.adapters.state.StateComponent": 510,
    "crawler.adapters.workers.Workers": 520,
    "crawler.adapters.extensions.SiteReport": 900,
    "crawler.adapters.extensions.StatsFile": 920,
    # The site's monitors at spider close (crawler/adapters/monitors.py), before the verdict is read.
    "crawler.adapters.monitors.QuietSpidermon": 950,
}
# Scrapy's dump of every stat at the end of each site: off (one line per site says what matters;
# the stats go to the run summary and, with STATS_FILE, to a file). `-s STATS_DUMP=True` to see it.
STATS_DUMP = False
# Save the final crawl stats as JSON at this path (off when empty).
STATS_FILE = ""
# Seconds between the run's progress lines (sites done / running / pending, pages, new items).
PROGRESS_INTERVAL = 30
# Sites crawled at once by `crawlall`; the others wait their turn (0 = all at once).
CRAWLALL_CONCURRENT_SITES = 24

# --- Project settings ------------------------------------------------------------------------
# Keep articles that are not training announcements (with is_training false) instead of dropping.
KEEP_IRRELEVANT = False
# Where the state database lives (known URLs, fingerprints, what was emitted).
STATE_DIR = "output/.state"
# Where the state store lives, as a URL: empty = SQLite in STATE_DIR (zero setup, one machine);
# postgresql://user:password@host:5432/db = shared by crawl processes on several machines (see
# docs/deployment.md). The environment variable STATE_URL is used when this setting is empty.
STATE_URL = ""
# Site jobs over Scrapyd nodes (`scrapy crawlall -a scrapyd=URL,URL`; docs/deployment.md): the
# nodes (a comma-separated list, used when the argument is not given), the Scrapyd project the egg
# is deployed as, how many of this run's jobs one node runs or queues at once, how often the nodes
# are polled (s), how long a node may fail to answer before its sites go to another node (s), and
# how many times a site's job is started before the site is failed.
SCRAPYD_NODES = ""
SCRAPYD_PROJECT = "taphuan-crawler"
SCRAPYD_SLOTS = 4
SCRAPYD_POLL_INTERVAL = 2.0
SCRAPYD_NODE_DOWN_AFTER = 20.0
SCRAPYD_ATTEMPTS = 2
# A site whose job finds it locked by an earlier job of the same run (on a node that stopped
# answering) waits this long (s) for that job's summary before it is reported skipped.
SCRAPYD_BUSY_WAIT = 1800
# Set by the dispatcher on each job it schedules (not by hand): the job saves its site's summary in
# the state store under this run id instead of writing a run summary and report of its own.
DISPATCH_RUN_ID = ""
# Also set by the dispatcher: the run's sites. A job holding a republished copy waits (up to
# DISPATCH_HOLD_WAIT seconds) for the job of the original's site, as `crawlall` waits in one process.
DISPATCH_SITES = ""
DISPATCH_JOB = ""  # the job's Scrapyd id (set from its _job argument)
DISPATCH_HOLD_WAIT = 1800
# Stop a listing's pagination after this many pages in a row that bring no new article.
STOP_AFTER_STALE_PAGES = 1
# Per-site caps: pages fetched and wall-clock seconds (0 = no cap). Each crawler (one per site in
# `crawlall`) has its own; the run summary's finish_reason says closespider_pagecount/_timeout.
# On by default so a scheduled run always ends: a first run over a large sitemap stops here and the
# next run goes on from the state store (known URLs are not fetched again). At the polite ~1 page/s
# a site gets, 4 hours is ~14,000 pages.
CLOSESPIDER_PAGECOUNT = 20_000
CLOSESPIDER_TIMEOUT = 4 * 3600
# Seconds of work on one page (extraction, and classification in the pipeline) before it is dropped
# with a counted reason (errors/page_time_limit): a crafted page must not stall the other sites.
PAGE_TIME_LIMIT = 10.0
# Worker processes for the CPU work of pages (extraction, classification, signatures), shared by the
# sites of a run: -1 = one per usable core, 0 = none (the work runs in the reactor's thread).
# The environment variable TAPHUAN_WORKERS sets the default (the test suite sets 0).
WORKERS = os.environ.get("TAPHUAN_WORKERS", "-1")
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

# --- Monitors (crawler/monitoring): each site's run against its earlier runs ---------------------
# A site's runs (pages, new items, field coverage) are kept beside the state store
# (STATE_DIR/history.jsonl). A failure makes an ok/quiet site `degraded` (exit status unchanged),
# with the sentence in its verdict message and the run summary. A site file may override these in a
# [monitor] table (min_runs, sigmas, min_drop, coverage_drop, min_coverage = {field = share}).
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ("crawler.adapters.monitors.SiteCloseMonitors",)
MONITOR_MIN_RUNS = 3            # earlier runs needed before a drop in pages / new items is judged
MONITOR_SIGMAS = 3.0            # below mean - SIGMAS * sd ...
MONITOR_MIN_DROP = 0.5          # ... and at least half below the mean is a drop
MONITOR_COVERAGE_DROP = 0.3     # coverage of a field falling by 30 points against earlier runs
MONITOR_MIN_COVERAGE = {"title": 1.0, "body": 0.9}  # absolute floors (share of new lines)
MONITOR_MIN_ITEMS_FOR_COVERAGE = 5  # fewer new lines than this say nothing about coverage
MONITOR_MAX_ERROR_SHARE = 0.5   # errors + retries above half the pages fetched
# The HTML run report `crawlall` writes after each run (output/runs/<run>/report.html and this file).
REPORT_FILE = "output/report.html"

# --- Notifications (crawler/tools/notify.py): one message per run that needs attention -------------
# Off by default. A run "needs attention" when a site is degraded or failed, or a monitor failed.
NOTIFY_ALWAYS = False
NOTIFY_EMAIL_TO = ""            # comma-separated addresses; empty = no e-mail
NOTIFY_EMAIL_FROM = "taphuan-crawler@localhost"
NOTIFY_SMTP_HOST = "127.0.0.1"
NOTIFY_SMTP_PORT = 25
NOTIFY_SMTP_STARTTLS = False
NOTIFY_SMTP_USER = ""
NOTIFY_SMTP_PASSWORD = ""
NOTIFY_SLACK_WEBHOOK = ""       # a Slack incoming-webhook URL; empty = no Slack message
NOTIFY_TELEGRAM_BOT_TOKEN = ""  # a Telegram bot's token (from @BotFather); empty = no Telegram message
NOTIFY_TELEGRAM_CHAT_ID = ""    # the chat (or channel, @name) the bot writes to
NOTIFY_TELEGRAM_API = "https://api.telegram.org"  # or a self-hosted Bot API server
