"""The run summary's per-site drops: held copies are settled by what happened to them at the end."""

from __future__ import annotations

from crawler.adapters.verdict import format_table, summarize

BASE = {"finish_reason": "finished", "response_received_count": 12, "item_scraped_count": 5, "delivery/lines": 5,
        "discovery/listing_pages": 2}


def test_a_held_copy_released_at_the_end_is_not_a_drop() -> None:
    stats = {
        **BASE,
        "item_dropped_reasons_count/HeldForOriginal": 1,
        "item_dropped_reasons_count/NotTraining": 3,
        "dedup/held_released": 1,
    }
    summary = summarize("danvan", stats)
    assert summary.verdict == "ok"
    assert summary.items == 5
    assert summary.drops == {"NotTraining": 3}


def test_a_held_copy_merged_into_its_original_counts_as_a_near_duplicate() -> None:
    stats = {
        **BASE,
        "item_dropped_reasons_count/HeldForOriginal": 2,
        "item_dropped_reasons_count/NearDuplicate": 1,
        "dedup/held_merged_into_original": 2,
    }
    assert summarize("danvan", stats).drops == {"NearDuplicate": 3}


def test_copies_still_held_when_the_run_stopped_are_shown() -> None:
    stats = {
        **BASE,
        "finish_reason": "closespider_timeout",
        "item_dropped_reasons_count/HeldForOriginal": 3,
        "dedup/held_released": 1,
    }
    summary = summarize("danvan", stats)
    assert summary.drops == {"HeldForOriginal": 2}
    assert "HeldForOriginal=2" in format_table([summary])


def test_copies_held_by_an_earlier_run_never_make_a_negative_count() -> None:
    # This run held nothing new but released two copies an interrupted run had left in the store.
    stats = {**BASE, "dedup/held_released": 2}
    assert summarize("danvan", stats).drops == {}
