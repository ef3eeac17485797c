"""General rules of the body's container and cleaning on pages no site file describes (what the
article-extraction benchmark measures, docs/extraction-benchmark.md), each on a small page."""

from __future__ import annotations

from crawler.extract import extract_article
from crawler.extract.body import find_container
from crawler.extract.dom import parse_html, text_of

URL = "https://news.example.com/2025/03/04/council-approves-budget"
SENTENCE = (
    "The council approved the budget for the coming year after a long debate, with most members "
    "agreeing that schools, roads and clinics should come first."
)


def _paras(n: int, word: str = "budget") -> str:
    return "".join(f"<p>{SENTENCE.replace('budget', f'{word} {i}')}</p>" for i in range(n))


def _page(body: str, head: str = "") -> str:
    return f"<html><head><title>Council approves budget</title>{head}</head><body>{body}</body></html>"


# -- A: a selector that only guesses takes its largest match ------------------------------------


SUBSCRIBE_FIRST = _page(
    '<h1>Council approves budget</h1>'
    '<div class="sidebar"><div class="field--name-body">Subscribe</div></div>'
    f'<div class="field--name-body">{_paras(4)}</div>'
    '<div class="field--name-body"><p>Short teaser of another story, not this one.</p></div>'
)


def test_layout_selector_takes_its_largest_match_not_a_tiny_first_one() -> None:
    root = parse_html(SUBSCRIBE_FIRST)
    el, how = find_container(root, (".field--name-body",))
    assert how == "selector '.field--name-body'"
    assert "Subscribe" not in text_of(el) and "budget 3" in text_of(el)


def test_site_declared_selector_keeps_its_first_match() -> None:
    root = parse_html(SUBSCRIBE_FIRST)
    el, _ = find_container(root, (".field--name-body",), own=(".field--name-body",))
    assert text_of(el) == "Subscribe"


def test_common_template_selector_takes_its_largest_match() -> None:
    html = _page(
        '<h1>Council approves budget</h1><time datetime="2025-03-04">4 March 2025</time>'
        '<div class="entry-content"><p>Sign up for our free newsletter to get the most important news'
        ' of the region every morning at seven.</p></div>'
        f'<div class="entry-content">{_paras(4)}</div>'
    )
    data = extract_article(URL, html)
    assert "newsletter" not in data.body and "budget 3" in data.body
    assert "body from generic selector '.entry-content'" in data.reasons
