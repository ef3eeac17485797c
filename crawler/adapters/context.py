"""What the crawlers of one process share: the run's start time, which sites are crawling (a held
copy waits while its original's site still runs), output files written by several sites
(`crawlall -O all.jsonl`: one file, one writer), and which state files were already checked.

The runner makes one `RunContext` per run and hands it to every crawler in the RUN_CONTEXT setting;
a crawler started any other way gets a private one. Settings are deep-copied per crawler, so the
context copies as itself.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler


class OutputError(OSError):
    """A feed file could not be opened or written; the message names the path."""


@dataclass
class FeedFile:
    """One output file, opened on its first line (no empty files for sites with nothing new), every
    line written, then synced before the items in it are marked delivered. Written through the raw
    file descriptor, unbuffered: a line that fails half-way (a full disk) is cut off the file again,
    so the file never ends in half a line."""

    path: Path
    overwrite: bool
    fd: int | None = None
    users: int = 0
    lines: int = 0
    sync: bool = True

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and not self.path.is_file() and not self.path.is_char_device():
            raise IsADirectoryError(21, "not a regular file")
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if self.overwrite else os.O_APPEND)
        return os.open(self.path, flags, 0o644)

    def write(self, data: bytes) -> None:
        try:
            if self.fd is None:
                self.fd = self._open()
            start = os.lseek(self.fd, 0, os.SEEK_END)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.fd, view):]
                if self.sync:
                    os.fsync(self.fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(self.fd, start)
                raise
        except OSError as exc:
            raise OutputError(exc.errno, f"cannot write the feed {self.path}: {exc.strerror or exc}") from exc
        self.lines += data.count(b"\n")

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):  # every line was already written and synced
                os.close(self.fd)
            self.fd = None


@dataclass
class StdoutFeed:
    """`-o -`: lines on standard output (flushed; a closed pipe stops the site like a full disk)."""

    path: Path = field(default_factory=lambda: Path("-"))
    users: int = 0
    lines: int = 0

    def write(self, data: bytes) -> None:
        import sys

        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except (OSError, ValueError) as exc:
            raise OutputError(getattr(exc, "errno", None), f"cannot write to standard output: {exc}") from exc
        self.lines += data.count(b"\n")

    def close(self) -> None:
        pass


@dataclass
class RunContext:
    started: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    running: dict[str, tuple[str, ...]] = field(default_factory=dict)
    feeds: dict[str, FeedFile | StdoutFeed] = field(default_factory=dict)
    checked: set[Path] = field(default_factory=set)
    # Per site: the delivery's counts, read by the progress line and the summary.
    delivered: dict[str, int] = field(default_factory=dict)
    # The worker pool every site of the run shares (crawler.adapters.workers), while one uses it.
    shared_pool: Any = None

    def __deepcopy__(self, memo: dict[int, Any]) -> RunContext:
        return self

    def first_open(self, state_dir: Path) -> bool:
        """True the first time a state directory is opened in this run (then it is checked)."""
        key = state_dir.resolve()
        if key in self.checked:
            return False
        self.checked.add(key)
        return True

    def feed(self, path: Path | None, overwrite: bool, sync: bool = True) -> FeedFile | StdoutFeed:
        """The run's one writer for that file (None: standard output); the first user of an
        overwritten file truncates it, later ones share the handle."""
        key = str(path.resolve()) if path is not None else "-"
        feed = self.feeds.get(key)
        if feed is None:
            feed = StdoutFeed() if path is None else FeedFile(path, overwrite, sync=sync)
            self.feeds[key] = feed
        feed.users += 1
        return feed

    def release(self, feed: FeedFile | StdoutFeed) -> None:
        feed.users -= 1
        if feed.users <= 0:
            feed.close()

    def pool(self, size: int) -> Any:
        """The run's worker pool, started by its first user."""
        from crawler.adapters.workers import SharedPool

        if self.shared_pool is None:
            self.shared_pool = SharedPool(size)
        self.shared_pool.users += 1
        return self.shared_pool

    def release_pool(self, pool: Any) -> None:
        pool.users -= 1
        if pool.users <= 0 and pool is self.shared_pool:
            self.shared_pool = None
            pool.close()

    def files_written(self) -> dict[str, int]:
        return {str(f.path): f.lines for f in self.feeds.values() if f.lines}


def run_context(crawler: Crawler) -> RunContext:
    shared = crawler.settings.get("RUN_CONTEXT")
    return shared if isinstance(shared, RunContext) else RunContext()
