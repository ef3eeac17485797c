"""Thin adapters from Scrapy to the pure modules: clean -> normalize -> classify -> dedup -> validate."""

from crawler.adapters.pipelines.classify import ClassifyPipeline
from crawler.adapters.pipelines.clean import CleanPipeline
from crawler.adapters.pipelines.dedup import DedupPipeline
from crawler.adapters.pipelines.normalize import NormalizePipeline
from crawler.adapters.pipelines.validate import ValidatePipeline

__all__ = ["ClassifyPipeline", "CleanPipeline", "DedupPipeline", "NormalizePipeline", "ValidatePipeline"]
