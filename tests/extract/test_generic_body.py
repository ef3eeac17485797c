"""General rules of the body's container and cleaning on pages no site file describes (what the
article-extraction benchmark measures, docs/extraction-benchmark.md), each on a small page."""

from __future__ import annotations

from crawler.extract import extract_article
from crawler.extract.body import find_container, scored_container
from crawler.extract.dom import parse_html, text_of
from crawler.extract.rules import is_widget_label

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


# -- B: the scoring passes over comments, cookie banners and sign-up boxes ----------------------


def test_scoring_skips_a_comments_section_longer_than_the_article() -> None:
    comments = "".join(f'<div class="comment-body"><p>{SENTENCE} Comment {i}, agreed.</p></div>' for i in range(8))
    html = _page(f'<div class="story">{_paras(3)}</div><div id="comments">{comments}</div>')
    best = scored_container(parse_html(html))
    assert best is not None and best.get("class") == "story"


def test_scoring_skips_a_cookie_consent_banner() -> None:
    banner = (
        "We and our partners use cookies, to store and access information on your device, for personalised "
        "ads, content, measurement, audience insights and product development, with your consent."
    )
    html = _page(
        f'<div class="m-privacy-consent"><p>{banner}</p><p>{banner}</p><p>{banner}</p></div>'
        f'<div class="story">{_paras(2)}</div>'
    )
    best = scored_container(parse_html(html))
    assert best is not None and best.get("class") == "story"


def test_scoring_reads_classes_of_the_post_element_as_the_posts_not_a_box() -> None:
    """WordPress prints taxonomy classes on the post itself ("tag-budget"): not a tags box."""
    post = f'<div class="text">{_paras(3)}</div>'
    html = _page(f'<article class="post type-post tag-budget category-news">{post}</article>')
    best = scored_container(parse_html(html))
    assert best is not None and best.get("class") == "text"


# -- C: a body split into same-shaped blocks is taken whole ---------------------------------------


def test_body_split_in_same_shaped_blocks_is_merged() -> None:
    html = _page(
        '<main><div class="layout"><div class="column">'
        f'<div class="post__content">{_paras(3, "first")}</div>'
        '<figure><img src="/a.jpg"></figure>'
        f'<div class="post__content">{_paras(2, "second")}</div>'
        '</div></div><div class="sidebar"><div class="promo-list">'
        '<p>Other stories you may like, chosen for you by our editors, every day of the week.</p></div></div></main>'
    )
    best = scored_container(parse_html(html))
    text = text_of(best)
    assert "first 0" in text and "second 1" in text
    assert "Other stories" not in text


def test_different_shaped_sidebar_is_not_merged() -> None:
    sidebar = "".join(f"<p>{SENTENCE.replace('budget', f'sidebar {i}')}</p>" for i in range(2))
    html = _page(f'<div class="wrap"><div class="article">{_paras(4)}</div><div class="box">{sidebar}</div></div>')
    best = scored_container(parse_html(html))
    assert best is not None and best.get("class") == "article"


# -- F: script code is not text -----------------------------------------------------------------


def test_text_of_leaves_out_script_and_style_code() -> None:
    root = parse_html("<div>Before <script>var a = 1;</script>after<style>p { color: red }</style>.</div>")
    assert text_of(root.find(".//div")) == "Before after."
    assert text_of(root.find(".//script")) == "var a = 1;"


def test_script_after_the_headline_is_not_taken_for_the_lead() -> None:
    code = " ".join(f"window.ads{i} = window.ads{i} || []; googletag.cmd.push(function() {{ slot{i}(); }});"
                    for i in range(6))
    html = _page(
        '<div class="layout"><h1>Council approves budget</h1><time datetime="2025-03-04">4 March 2025</time>'
        f'<div class="article-lead"><script>{code}</script></div>'
        f'<div class="article-content">{_paras(4)}</div></div>'
    )
    data = extract_article(URL, html)
    assert data.summary is None
    assert "googletag" not in data.body and data.body.startswith("The council approved the budget 0")


# -- E: a container that wraps the headline does not repeat it -----------------------------------


def test_headline_inside_the_container_is_not_the_first_body_paragraph() -> None:
    html = _page(
        '<time datetime="2025-03-04">4 March 2025</time>'
        f'<div class="post-content"><h1>Council approves budget</h1>{_paras(4)}</div>'
    )
    data = extract_article(URL, html)
    assert data.title == "Council approves budget"
    assert data.body.startswith("The council approved the budget 0")
    assert "Council approves budget" not in data.body


# -- D: boilerplate inside the container ----------------------------------------------------------


def test_trending_and_newsletter_boxes_inside_the_body_are_dropped() -> None:
    html = _page(
        '<h1>Council approves budget</h1><time datetime="2025-03-04">4 March 2025</time>'
        f'<div class="article-content">{_paras(2, "first")}'
        '<div class="trending-stories"><h3>Trending now</h3><p>Storm closes the coast road for a second day.</p></div>'
        '<div class="newsletter-signup"><p>Get our morning briefing in your inbox, free, every weekday.</p></div>'
        f'{_paras(2, "second")}</div>'
    )
    body = extract_article(URL, html).body
    assert "first 1" in body and "second 1" in body
    assert "Trending" not in body and "Storm" not in body and "briefing" not in body


def test_english_widget_labels_and_slide_counters_are_not_paragraphs() -> None:
    html = _page(
        '<h1>Council approves budget</h1><time datetime="2025-03-04">4 March 2025</time>'
        f'<div class="article-content"><p>ADVERTISEMENT</p>{_paras(2, "first")}<p>1 / 8</p>'
        f'<p>Thanks for watching!</p><p>Read more</p>{_paras(2, "second")}</div>'
    )
    body = extract_article(URL, html).body
    assert body.split("\n\n") == [f"{SENTENCE.replace('budget', w)}" for w in
                                  ("first 0", "first 1", "second 0", "second 1")]


def test_a_sentence_starting_with_a_label_word_stays() -> None:
    assert not is_widget_label("Share prices rose on Tuesday.")
    assert not is_widget_label("Related: the council's vote on schools")
    assert is_widget_label("Share") and is_widget_label("ADVERTISEMENT") and is_widget_label("2/12")


def _related(n: int) -> str:
    items = "".join(f'<li><a href="/2025/03/0{i}/story-{i}">Another story number {i} about the region</a></li>'
                    for i in range(n))
    return f"<ul>{items}</ul>"


def test_link_dense_related_list_inside_the_body_is_dropped_with_its_heading() -> None:
    html = _page(
        '<h1>Council approves budget</h1><time datetime="2025-03-04">4 March 2025</time>'
        f'<div class="article-content">{_paras(3, "first")}<h3>You may also like</h3>{_related(4)}'
        f'{_paras(3, "second")}</div>'
    )
    data = extract_article(URL, html)
    assert "first 2" in data.body and "second 2" in data.body
    assert "Another story" not in data.body and "You may also like" not in data.body
    assert data.is_article


def test_paragraph_with_a_few_links_in_its_prose_stays() -> None:
    linked = ('<p>The <a href="/council">council</a> met on Monday, as the <a href="/mayor">mayor</a> had asked, '
              'to vote on the plan the finance committee drew up over the winter months.</p>')
    html = _page(
        '<h1>Council approves budget</h1><time datetime="2025-03-04">4 March 2025</time>'
        f'<div class="article-content">{_paras(2)}{linked}{_paras(1, "last")}</div>'
    )
    assert "The council met on Monday" in extract_article(URL, html).body


def test_list_of_attached_documents_stays() -> None:
    files = ('<ul><li><a href="/files/budget-2025.pdf">Budget 2025 (PDF)</a></li>'
             '<li><a href="/files/annex.docx">Annex: spending by district</a></li></ul>')
    html = _page(
        '<h1>Council approves budget</h1><time datetime="2025-03-04">4 March 2025</time>'
        f'<div class="article-content">{_paras(3)}{files}</div>'
    )
    data = extract_article(URL, html)
    assert "Budget 2025 (PDF)" in data.body
    assert [a["type"] for a in data.attachments] == ["pdf", "docx"]
