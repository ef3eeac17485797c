"""Is a page a training announcement, about what, where, and the event's fields."""

from crawler.relevance.classify import Relevance, classify
from crawler.relevance.event import extract_event, parse_participants
from crawler.relevance.provinces import (
    OLD_TO_NEW,
    PROVINCES,
    canonical_province,
    detect_province,
    provinces_in,
)
from crawler.relevance.topics import TOPICS, topics

__all__ = [
    "OLD_TO_NEW",
    "PROVINCES",
    "TOPICS",
    "Relevance",
    "canonical_province",
    "classify",
    "detect_province",
    "extract_event",
    "parse_participants",
    "provinces_in",
    "topics",
]
