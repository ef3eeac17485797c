"""Scrapy adapters: spiders, pipelines, middlewares, extensions, feeds and commands.

Everything here is thin: it reads settings in `from_crawler`, hands pages and items to the pure
stages (`crawler.extract`, `crawler.text`, `crawler.relevance`, `crawler.dedup`, `crawler.discovery`)
and reports what they decided in the crawl stats and the log.
"""
