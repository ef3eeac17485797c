"""Article extraction: `extract_article(url, html, site)` -> ArticleData."""

from crawler.extract.article import extract_article, read_page
from crawler.extract.model import ArticleData

__all__ = ["ArticleData", "extract_article", "read_page"]
