"""What to do with an item, given what the store remembers.

`decide` only reads; `apply` writes the outcome. Kinds:

- new: emit (revision 1). `mirrors` lists held copies of the same story that it absorbs.
- duplicate_url: this URL (or a URL merged into another record as a mirror) was emitted with the
  same content: drop.
- changed: this URL was emitted with other content: emit again, same id, revision + 1.
- near_duplicate: another URL was emitted with this story: drop, remember this URL as its mirror.

"Prefer the original": an item whose `source` credits another registered outlet (a danvan.vn copy
ending "(baolangson.vn)") is held back (`hold_for`) instead of being emitted; if the original comes
in the same run, `apply` merges the held copy into it as a mirror; at the end of the run
`release_held` emits the copies whose original never came.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from crawler.dedup.fingerprint import DocSig
from crawler.dedup.store import PendingItem, Record, StateStore


class Kind(StrEnum):
    NEW = "new"
    DUPLICATE_URL = "duplicate_url"
    CHANGED = "changed"
    NEAR_DUPLICATE = "near_duplicate"


@dataclass(frozen=True)
class Decision:
    kind: Kind
    canonical_url: str
    target: Record | None = None  # the stored record this item repeats / changes / copies
    revision: int = 0  # the line's revision when kind is new or changed
    mirrors: tuple[str, ...] = field(default=())  # the line's `mirrors` when emitted
    absorb: tuple[str, ...] = field(default=())  # held copies this item takes over as mirrors

    @property
    def emit(self) -> bool:
        return self.kind in (Kind.NEW, Kind.CHANGED)


def decide(store: StateStore, canonical_url: str, content_hash: str, sig: DocSig) -> Decision:
    """Classify one item (reads the store, never writes)."""
    record = store.get(canonical_url)
    if record is not None and record.emitted:
        if record.content_hash == content_hash:
            return Decision(Kind.DUPLICATE_URL, canonical_url, record, record.revision, record.mirrors)
        return Decision(Kind.CHANGED, canonical_url, record, record.revision + 1, record.mirrors)
    merged_into = store.mirror_of(canonical_url)
    if merged_into is not None:
        return Decision(Kind.DUPLICATE_URL, canonical_url, merged_into, merged_into.revision,
                        merged_into.mirrors)
    near = store.find_near_duplicate(sig, exclude_url=canonical_url)
    if near is not None:
        return Decision(Kind.NEAR_DUPLICATE, canonical_url, near, near.revision, near.mirrors)
    absorb = tuple(p.canonical_url for p in store.find_pending_near(sig) if p.canonical_url != canonical_url)
    return Decision(Kind.NEW, canonical_url, record, 1, absorb, absorb)


def apply(store: StateStore, decision: Decision, record: Record, when: datetime | None = None) -> None:
    """Write the decision's outcome. For new/changed items call this when the item is handed to the
    feed (the mark is tentative until the run is sealed); `record` describes the item."""
    if decision.kind is Kind.NEAR_DUPLICATE:
        assert decision.target is not None
        store.add_mirror(decision.target.canonical_url, decision.canonical_url)
        store.release_pending(decision.canonical_url)
    elif decision.kind is Kind.DUPLICATE_URL:
        if when is not None and decision.target is not None:
            store.touch(decision.target.canonical_url, when)
    else:
        store.mark_emitted(record, when)
        store.release_pending(decision.canonical_url)
        for url in decision.absorb:
            store.add_mirror(decision.canonical_url, url)
            store.release_pending(url)


_DOMAIN = re.compile(r"(?<![\w.-])((?:[a-z0-9-]+\.)+[a-z]{2,})(?![\w-])", re.IGNORECASE)


def source_domain(source: str | None) -> str | None:
    """The outlet domain named in a source credit: "(baolangson.vn)" / "Theo Baolangson.vn" ->
    "baolangson.vn"; None when the credit names no domain ("Theo TTXVN")."""
    if not source:
        return None
    match = _DOMAIN.search(source)
    if not match:
        return None
    domain = match.group(1).lower()
    return domain[4:] if domain.startswith("www.") else domain


def _same_outlet(domain: str, other: str) -> bool:
    other = other.lower().removeprefix("www.")
    return domain == other or domain.endswith("." + other) or other.endswith("." + domain)


def hold_for(
    source: str | None, own_domains: Iterable[str], registered_domains: Collection[str]
) -> str | None:
    """The registered outlet this item should wait for, or None to emit it now: its credit names
    a domain that is registered (so its original may be crawled) and is not the item's own site."""
    domain = source_domain(source)
    if domain is None or any(_same_outlet(domain, d) for d in own_domains):
        return None
    for registered in registered_domains:
        if _same_outlet(domain, registered):
            return registered.lower().removeprefix("www.")
    return None


def hold(store: StateStore, decision: Decision, record: Record, source: str, payload: str) -> None:
    """Hold a new item back until release_held (only for kind new)."""
    if decision.kind is not Kind.NEW or record.sig is None or record.content_hash is None:
        raise ValueError(f"only a new item with a signature can be held: {decision.kind} "
                         f"{record.canonical_url}")
    store.add_pending(PendingItem(record.canonical_url, record.site, source, record.content_hash,
                                  record.sig, payload))


def release_held(store: StateStore, site: str | None = None,
                 when: datetime | None = None) -> list[tuple[PendingItem, Decision]]:
    """End of run: decide every held item again (the original may have come meanwhile, in this run
    or another process), apply the outcome, and return the pairs. Emit `item.payload` (with
    `revision` and `mirrors` from the decision) for every pair whose `decision.emit` is true; the
    others were merged as mirrors. Held copies of one story that never saw the original collapse
    into the first of them."""
    out = []
    for item in store.pop_pending(site):
        decision = decide(store, item.canonical_url, item.content_hash, item.sig)
        try:
            published = json.loads(item.payload).get("published_at")
        except (ValueError, AttributeError):
            published = None
        record = Record(item.canonical_url, item.site, item.content_hash, item.sig,
                        published if isinstance(published, str) else None)
        apply(store, decision, record, when)
        out.append((item, decision))
    return out
