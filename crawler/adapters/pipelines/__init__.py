"""Thin adapters from Scrapy to the pure stages: clean -> canonicalize -> classify -> dedup -> validate."""

from crawler.adapters.pipelines.canonicalize import CanonicalizePipeline
from crawler.adapters.pipelines.classify import ClassifyPipeline
from crawler.adapters.pipelines.clean import CleanPipeline
from crawler.adapters.pipelines.dedup import DedupPipeline
from crawler.adapters.pipelines.validate import ValidatePipeline

__all__ = ["CanonicalizePipeline", "ClassifyPipeline", "CleanPipeline", "DedupPipeline", "ValidatePipeline"]
