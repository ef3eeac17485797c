"""Where relative paths of settings (STATE_DIR, RUNS_DIR, the default feed) are anchored.

Never the working directory: a run started from another directory would otherwise write a second
state store and emit every announcement again. A relative path is resolved once, against the project
directory: TAPHUAN_HOME if set, else the checkout that holds this package (the folder with
scrapy.cfg next to `crawler/`), else (an installed egg, e.g. under Scrapyd) the working directory,
where the recipes give absolute paths.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def project_dir() -> Path:
    home = os.environ.get("TAPHUAN_HOME")
    if home:
        return Path(home).expanduser().resolve()
    if (_CHECKOUT / "scrapy.cfg").is_file():
        return _CHECKOUT
    return Path.cwd().resolve()


def resolve(path: str | os.PathLike[str]) -> Path:
    """An absolute path as it is; a relative one under the project directory."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else project_dir() / candidate
