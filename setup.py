"""Packaging for Scrapyd eggs only: `scrapyd-deploy` runs `python setup.py bdist_egg` and, without this
file, writes its own setup.py that packs no data files. uv builds the project with hatchling
(pyproject.toml) and never reads this file. See docs/scheduling.md.
"""

from setuptools import find_packages, setup
from setuptools.command.egg_info import egg_info

# Scrapyd finds the project's settings through this entry point of the egg.
SCRAPY_SETTINGS_ENTRY_POINT = "settings = crawler.settings"


class EggInfoWithScrapyEntryPoint(egg_info):
    """pyproject.toml's [project] table declares the entry points ([project.scripts]), so setuptools
    ignores setup(entry_points=...); the Scrapy one is added here, when the metadata is written."""

    def run(self) -> None:
        entry_points = dict(self.distribution.entry_points or {})
        entry_points.setdefault("scrapy", [SCRAPY_SETTINGS_ENTRY_POINT])
        self.distribution.entry_points = entry_points
        super().run()


setup(
    packages=find_packages(include=["crawler", "crawler.*"]),
    # Site files, CMS layouts and the output schema are read at run time.
    package_data={"crawler": ["sites/*.toml", "sites/layouts/*.toml", "schema/*.json"]},
    cmdclass={"egg_info": EggInfoWithScrapyEntryPoint},
)
