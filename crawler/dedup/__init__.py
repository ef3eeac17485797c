"""Deduplication: canonical URLs, content fingerprints, the state store and the decision rules.

Pure modules (no Scrapy engine). See docs/dedup.md for the guarantees and how pipelines call this.
"""

from crawler.dedup.canonical import (
    DEFAULT_RULES,
    TRACKING_PARAMS,
    CanonicalRules,
    canonical_url,
    rules_from_mapping,
    url_id,
)
from crawler.dedup.decide import Decision, Kind, apply, decide, hold, hold_for, release_held, source_domain
from crawler.dedup.fingerprint import (
    MIN_JACCARD,
    DocSig,
    content_hash,
    doc_sig,
    fingerprint,
    fingerprint_hex,
    fingerprints,
    hamming,
    is_near_duplicate,
    jaccard_estimate,
)
from crawler.dedup.store import (
    PendingItem,
    Record,
    SQLiteStateStore,
    StateStore,
    feed_lines,
    recover_open_runs,
)

__all__ = [
    "DEFAULT_RULES",
    "MIN_JACCARD",
    "TRACKING_PARAMS",
    "CanonicalRules",
    "Decision",
    "DocSig",
    "Kind",
    "PendingItem",
    "Record",
    "SQLiteStateStore",
    "StateStore",
    "apply",
    "canonical_url",
    "content_hash",
    "decide",
    "doc_sig",
    "feed_lines",
    "fingerprint",
    "fingerprint_hex",
    "fingerprints",
    "hamming",
    "hold",
    "hold_for",
    "is_near_duplicate",
    "jaccard_estimate",
    "recover_open_runs",
    "release_held",
    "rules_from_mapping",
    "source_domain",
    "url_id",
]
