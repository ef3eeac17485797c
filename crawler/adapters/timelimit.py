"""A per-page time limit for the CPU work done on one page (extraction, classification).

Everything runs in the reactor's thread, so one page that keeps the CPU busy stalls every site of a
`crawlall`. The regexes are bounded (tests/unit/test_regex_safety.py), and this is the backstop: a
SIGALRM timer interrupts the work (Python's regex engine checks for signals while it matches) and
the page is dropped with a counted reason. Only in the main thread; elsewhere it does nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class PageTimeLimit(Exception):
    """The page's work took longer than PAGE_TIME_LIMIT seconds."""


def _raise(signum: int, frame: FrameType | None) -> None:
    raise PageTimeLimit


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTimeLimit inside the block once `seconds` have passed (0: no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
