"""One DropItem subclass per reason: Scrapy counts drops under `item_dropped_reasons_count/<Class>`."""

from scrapy.exceptions import DropItem


class MissingContent(DropItem):
    """No headline or no body text after cleaning."""


class OutOfWindow(DropItem):
    """Published before `-a since=` or after `-a until=`."""


class NotTraining(DropItem):
    """Not a training announcement (kept with KEEP_IRRELEVANT=True)."""


class DuplicateUrl(DropItem):
    """The same canonical URL was already emitted (this run or an earlier one), content unchanged."""


class NearDuplicate(DropItem):
    """The same announcement was already emitted from another URL; recorded as a mirror."""


class HeldForOriginal(DropItem):
    """A republished copy held until the end of the run, in case its original outlet shows up."""


class InvalidItem(DropItem):
    """The item does not satisfy the output contract (a bug: reported with the URL)."""


class TooSlow(DropItem):
    """The page's classification took longer than PAGE_TIME_LIMIT (counted in errors/page_time_limit)."""


class NotDelivered(DropItem):
    """The state store could not be written: the site is being stopped, nothing more is delivered."""


class WorkerLost(DropItem):
    """The worker process working on the page died (counted in errors/worker_crashed), or the
    signature took longer than PAGE_TIME_LIMIT."""
