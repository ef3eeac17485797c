"""Is a page a training announcement, about what, where, and the event's fields."""

from crawler.relevance.classify import Relevance, classify

__all__ = ["Relevance", "classify"]
