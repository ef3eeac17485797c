"""Thin adapters from Scrapy to the pure modules: clean -> normalize -> classify -> dedup -> validate."""

from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.clean import CleanPipeline
from crawler.pipelines.dedup import DedupPipeline
from crawler.pipelines.normalize import NormalizePipeline
from crawler.pipelines.validate import ValidatePipeline

__all__ = ["ClassifyPipeline", "CleanPipeline", "DedupPipeline", "NormalizePipeline", "ValidatePipeline"]
