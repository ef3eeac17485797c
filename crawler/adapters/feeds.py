"""A JSON Lines exporter that flushes each line as it is written.

With SIGKILL, whatever sits in Python's write buffer is lost and the file can end in half a line.
Flushing after every item hands each whole line to the OS in one write, so a killed crawl leaves
only whole lines, and the state store (which marks an item emitted after this returns) never
records an item the file does not hold.
"""

from __future__ import annotations

from typing import Any

from scrapy.exporters import JsonLinesItemExporter


class FlushingJsonLinesExporter(JsonLinesItemExporter):
    def __init__(self, file: Any, **kwargs: Any) -> None:
        kwargs.setdefault("ensure_ascii", False)
        super().__init__(file, **kwargs)

    def export_item(self, item: Any) -> None:
        super().export_item(item)
        self.file.flush()


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """Feed file names end in "Z" for UTC ("2026-11-21T16-42-51Z") instead of Scrapy's "+00-00"."""
    params = dict(params)
    params["time"] = str(params["time"]).replace("+00-00", "Z")
    return params
