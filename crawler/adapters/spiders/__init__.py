"""Crawl logic only: discovery, pagination, following. Parsing rules live in crawler/extract/."""
