"""Log lines for dropped items: the reason and the URL, not the whole item.

Scrapy's default prints every dropped item in full at WARNING; on a scheduled crawl that drops
hundreds of irrelevant articles, the log would be mostly article bodies.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


class ConciseLogFormatter(LogFormatter):
    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped (%(reason)s): %(exception)s"
        result["args"] = {"reason": type(exception).__name__, "exception": exception}
        return result
