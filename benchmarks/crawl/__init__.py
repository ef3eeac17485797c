"""Crawl speed and memory: the project's full crawl against a bare Scrapy spider, and extraction
per page against trafilatura. Run `python -m benchmarks.crawl --help`; see docs/benchmarks.md."""
