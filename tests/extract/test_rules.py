"""Extraction rules on small pages: CMS detection, the date cascade's traps, notices, captions,
bylines, credits, attachments and byte decoding."""

from __future__ import annotations

import gzip
import tomllib
from datetime import date, datetime, timedelta, timezone

import pytest

from crawler.extract import extract_article, rules
from crawler.extract.cms import detect_cms
from crawler.extract.pubdate import parse_machine_date, parse_text_date
from crawler.sites.registry import parse_site, sites_dir

VN = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    "markup,family",
    [
        ('<div id="p_p_id_chitietbaiviet_WAR_danangportlet_" class="portlet-boundary_x_">', "liferay"),
        (
            '<link href="https://common.mcms.one/assets/x.css"><h1 class="article__title cms-title">',
            "mcms",
        ),
        ('<img src="/uploads/news/2024_05/a.jpg"><script>var nv_base_siteurl="/";</script>', "nukeviet"),
        ('<div id="ctl00_PlaceHolderMain_ctl01"><a href="/Pages/chi-tiet.aspx">', "sharepoint"),
        ('<div id="dnn_ContentPane"><div class="DnnModule-Tintc-HinthBoxChitittin">', "dnn"),
        ('<a href="#main-content">Skip to main content</a><script src="/misc/drupal.js">', "drupal"),
        ('<link href="/wp-content/themes/x/style.css"><div class="entry-content">', "wordpress"),
        ('<div class="content-fck"><p>Báo Cần Thơ</p></div>', None),
    ],
)
def test_cms_detection(markup: str, family: str | None) -> None:
    assert detect_cms(f"<html><body>{markup}</body></html>") == family


TRAP_PAGE = """<html><head><title>x</title></head><body>
<div class="header"><span class="today">Thứ tư,  08/02/2023</span></div>
<div class="main">
 <h1 class="title">Ban Dân vận Huyện ủy tập huấn nghiệp vụ cho cán bộ cơ sở</h1>
 <div class="byline">Cập nhật: 14/10/2016 - 09:15</div>
 <div class="content">
  <p>(LSO) - Sáng 14/10, Ban Dân vận Huyện ủy Bình Gia tổ chức lớp tập huấn nghiệp vụ công tác dân vận
  năm 2016
  cho hơn 80 cán bộ làm công tác dân vận ở cơ sở.</p>
  <p>Tại lớp tập huấn, các học viên được quán triệt các chuyên đề về công tác dân vận của hệ thống chính trị,
  kỹ năng vận động quần chúng và thực hiện quy chế dân chủ ở cơ sở.</p>
  <p>TRẦN HÀ</p>
 </div>
 <div class="related"><h3>Tin liên quan</h3><ul>
  <li><a href="/a-1.html">Một tin khác rất dài về hội nghị</a> (20/09/2016)</li>
 </ul></div>
</div>
<div class="footer">© 2025 Báo Lạng Sơn. Giấy phép số 01/GP-BTTTT cấp ngày 02-12-2021</div>
</body></html>"""


def test_article_date_beats_header_footer_and_related_dates() -> None:
    got = extract_article("https://baolangson.vn/x-1.html", TRAP_PAGE)
    assert got.published_at == datetime(2016, 10, 14, 9, 15, tzinfo=VN)
    assert got.date_source == "date_element" or got.date_source == "byline"
    assert got.source is None  # "(LSO) -" is the paper's own mark, not the outlet of a republished item
    assert got.author == "TRẦN HÀ"
    assert got.body.startswith("Sáng 14/10, Ban Dân vận Huyện ủy Bình Gia")
    assert got.body.endswith("thực hiện quy chế dân chủ ở cơ sở.")
    assert "Tin liên quan" not in got.body and "TRẦN HÀ" not in got.body


def test_page_without_own_date_gets_none_not_header_or_footer() -> None:
    page = TRAP_PAGE.replace('<div class="byline">Cập nhật: 14/10/2016 - 09:15</div>', "")
    got = extract_article("https://baolangson.vn/x-1.html", page)
    assert got.published_at is None
    assert got.date_source is None


def test_weekday_must_agree_with_the_date() -> None:
    assert parse_text_date("Thứ Tư, 24/12/2025 09:30:00 +07:00")[0] == datetime(2025, 12, 24, 9, 30, tzinfo=VN)
    value, problem = parse_text_date("Thứ Hai, 24/12/2025 09:30")
    assert value is None and problem == "weekday does not match 2025-12-24"
    assert parse_text_date("Chủ nhật,  27/09/2020")[0] == date(2020, 9, 27)
    assert parse_text_date("Thứ ba, 23/12/2025 09:02 (GMT+7)")[0] == datetime(2025, 12, 23, 9, 2, tzinfo=VN)
    page = TRAP_PAGE.replace("Cập nhật: 14/10/2016 - 09:15", "Thứ Hai, 14/10/2016 - 09:15")  # was a Friday
    got = extract_article("https://baolangson.vn/x-1.html", page)
    assert got.published_at is None
    assert any("weekday does not match 2016-10-14" in r for r in got.reasons)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("2025-06-17T13:43:02+0700", datetime(2025, 6, 17, 13, 43, 2, tzinfo=VN)),
        ("2025-12-24T09:30:00", datetime(2025, 12, 24, 9, 30, tzinfo=VN)),
        ("2025-12-23T09:02:07.000+07:00", datetime(2025, 12, 23, 9, 2, 7, tzinfo=VN)),
        ("2026-01-08", date(2026, 1, 8)),
    ],
)
def test_iso_dates(raw: str, expected: date) -> None:
    assert parse_machine_date(raw) == expected


NOTICE = """<html><body><div class="main">
<h1>Thông báo triệu tập lớp bồi dưỡng nghiệp vụ công tác Mặt trận</h1>
<div class="date">Ngày 12/03/2024 08:00</div>
<div class="news-content">
<p>Ban Thường trực Ủy ban MTTQ tỉnh triệu tập cán bộ Mặt trận cấp xã dự lớp bồi dưỡng nghiệp vụ năm 2024.</p>
<p>Thời gian: 2 ngày, từ ngày 18 đến 19/3/2024. Địa điểm: Hội trường Trường Chính trị tỉnh.</p>
<p>Đề nghị các đơn vị cử cán bộ tham dự đầy đủ, đúng thành phần.</p>
<p>Tải về: <a href="/uploads/news/2024_03/giay-trieu-tap.docx">Giấy triệu tập</a> và
<a href="files/ds hoc vien.xlsx?v=2">Danh sách học viên</a></p>
</div></div></body></html>"""


def test_short_notice_is_an_article_with_attachments() -> None:
    got = extract_article("https://mttq.example.vn/tin-tuc/thong-bao-123.html", NOTICE)
    assert got.is_article, got.reasons
    assert 40 <= len(got.body.split()) <= 80
    assert got.published_at == datetime(2024, 3, 12, 8, 0, tzinfo=VN)
    assert got.attachments == [
        {
            "url": "https://mttq.example.vn/uploads/news/2024_03/giay-trieu-tap.docx",
            "title": "Giấy triệu tập",
            "type": "docx",
        },
        {
            "url": "https://mttq.example.vn/tin-tuc/files/ds%20hoc%20vien.xlsx?v=2",
            "title": "Danh sách học viên",
            "type": "xlsx",
        },
    ] or got.attachments == [
        {
            "url": "https://mttq.example.vn/uploads/news/2024_03/giay-trieu-tap.docx",
            "title": "Giấy triệu tập",
            "type": "docx",
        },
        {
            "url": "https://mttq.example.vn/tin-tuc/files/ds hoc vien.xlsx?v=2",
            "title": "Danh sách học viên",
            "type": "xlsx",
        },
    ]


def test_captions_and_bylines_leave_the_body() -> None:
    page = """<html><body><h1>Hội nghị tập huấn công tác dân vận năm 2024 cho cán bộ cơ sở</h1>
    <div class="pubdate">15/05/2024 - 10:20</div>
    <div class="detail-content">
      <p>Ngày 15-5, Ban Dân vận Tỉnh ủy tổ chức hội nghị tập huấn công tác dân vận
      năm 2024 cho 200 cán bộ cơ sở.</p>
      <figure><img src="/img/a.jpg"><figcaption>Quang cảnh hội nghị</figcaption></figure>
      <p>Các đại biểu được nghe phổ biến các chuyên đề về kỹ năng dân vận, dân chủ ở cơ sở và công tác
      nắm tình hình nhân dân trong tình hình mới.</p>
      <table><tr><td><img src="/img/b.jpg"></td></tr>
      <tr><td class="image_desc">Báo cáo viên trình bày chuyên đề</td></tr></table>
      <p style="text-align:center"><img src="/img/c.jpg"></p>
      <p style="text-align:center"><em>Các học viên trao đổi</em></p>
      <p>Hội nghị là dịp để cán bộ làm công tác dân vận trao đổi kinh nghiệm, nâng cao kỹ năng.</p>
      <p>MINH ANH (TTXVN)</p>
    </div></body></html>"""
    got = extract_article("https://baoxyz.vn/a-1.html", page)
    assert got.images == [
        {"url": "https://baoxyz.vn/img/a.jpg", "caption": "Quang cảnh hội nghị"},
        {"url": "https://baoxyz.vn/img/b.jpg", "caption": "Báo cáo viên trình bày chuyên đề"},
        {"url": "https://baoxyz.vn/img/c.jpg", "caption": "Các học viên trao đổi"},
    ]
    for caption in ("Quang cảnh hội nghị", "Báo cáo viên trình bày", "Các học viên trao đổi", "MINH ANH"):
        assert caption not in got.body
    assert got.author == "MINH ANH"
    assert got.source == "TTXVN"
    assert got.body.count("\n\n") == 2


@pytest.mark.parametrize(
    "line,source",
    [
        ("(baolangson.vn)", "baolangson.vn"),
        ("Theo TTXVN", "TTXVN"),
        ("Theo Báo Lạng Sơn", "Báo Lạng Sơn"),
        ("(Theo Báo Lạng Sơn)", "Báo Lạng Sơn"),
        ("Nguồn: Baothanhhoa.vn", "baothanhhoa.vn"),
        ("Theo kế hoạch, trong tháng 6, các quận tổ chức nhiều hoạt động thiết thực.", None),
    ],
)
def test_trailing_credits(line: str, source: str | None) -> None:
    assert rules.trailing_credit(line) == source


@pytest.mark.parametrize(
    "paragraph,credit,rest",
    [
        (
            "(CTO) - Ngày 8-1, Phó Thủ tướng chủ trì hội nghị.",
            "CTO",
            "Ngày 8-1, Phó Thủ tướng chủ trì hội nghị.",
        ),
        ("(Baothanhhoa.vn) - Sáng 3-2, tỉnh tổ chức lễ.", "baothanhhoa.vn", "Sáng 3-2, tỉnh tổ chức lễ."),
        ("LSO - Chiều 14-10, huyện tổ chức lớp.", "LSO", "Chiều 14-10, huyện tổ chức lớp."),
        (
            "Ngày 25-5, Ban Dân vận Thành ủy tổ chức hội nghị.",
            None,
            "Ngày 25-5, Ban Dân vận Thành ủy tổ chức hội nghị.",
        ),
    ],
)
def test_lead_credits(paragraph: str, credit: str | None, rest: str) -> None:
    assert rules.lead_credit(paragraph) == (credit, rest)


@pytest.mark.parametrize(
    "line,author",
    [
        ("KIM PHƯỢNG", "KIM PHƯỢNG"),
        ("HÀ NAM - LÊ HOA", "HÀ NAM - LÊ HOA"),
        ("Tin, ảnh: P.Y", "P.Y"),
        ("Các chuyên đề do Báo cáo viên của Công an thành phố báo cáo.", None),
        ("UBND TỈNH LẠNG SƠN NĂM 2024", None),
    ],
)
def test_bylines(line: str, author: str | None) -> None:
    assert rules.byline(line)[0] == author


@pytest.mark.parametrize(
    "label",
    [
        "ĐÁNH GIÁ BÀI VIẾT",
        "Tin liên quan",
        "Các tin khác",
        "Gửi cho bạn bè",
        "In bài",
        "Chia sẻ",
        "Bình luận",
        "Lượt xem: 50",
        "Xem với cỡ chữ",
        "Từ khóa:",
        "Tags:",
        "Bạn đang xem: Tin tức",
        "Bài viết cùng chuyên mục",
    ],
)
def test_widget_labels(label: str) -> None:
    assert rules.is_widget_label(label)


def test_gzip_bytes_without_header_are_decoded() -> None:
    raw = gzip.compress(NOTICE.encode("utf-8"))
    got = extract_article("https://mttq.example.vn/tin-tuc/thong-bao-123.html", raw)
    assert got.title == "Thông báo triệu tập lớp bồi dưỡng nghiệp vụ công tác Mặt trận"


# --- a clock before the weekday and date (baohungyen) ------------------------------------------

HUNGYEN_PAGE = """<html><body>
<div class="header"><div class="top-bar"><span class="date-now">Thứ Năm, 16/10/2025</span></div></div>
<div class="main-detail">
<h1 class="detail-title">Hội Nông dân tỉnh tập huấn kỹ năng chuyển đổi số cho cán bộ hội cơ sở</h1>
<div class="detail-time">Cập nhật: 08:50, Thứ Ba, 07/10/2025</div>
<div class="detail-content">
<p>Ngày 7/10, Hội Nông dân tỉnh Hưng Yên tổ chức hội nghị tập huấn nâng cao kỹ năng chuyển đổi số cho
cán bộ hội cơ sở trên địa bàn tỉnh, với hơn 120 học viên là chủ tịch, phó chủ tịch hội nông dân các xã.</p>
<p>Các học viên được hướng dẫn cách mở gian hàng trên sàn thương mại điện tử, livestream bán nông sản và
dùng các ứng dụng quản lý sản xuất trên điện thoại thông minh.</p>
<p>ĐỨC MINH</p>
</div></div></body></html>"""


def test_clock_before_weekday_and_date_keeps_the_time() -> None:
    got = extract_article("https://baohungyen.vn/kinh-te/x-3186420", HUNGYEN_PAGE)
    assert got.published_at == datetime(2025, 10, 7, 8, 50, tzinfo=VN)
    assert got.published_at.isoformat() == "2025-10-07T08:50:00+07:00"
    assert got.date_source == "date_element"
    assert parse_text_date("Cập nhật: 08:50, Thứ Ba, 07/10/2025") == (datetime(2025, 10, 7, 8, 50, tzinfo=VN), None)
    assert parse_text_date("08:50 Thứ Hai 07/10/2025") == (None, "weekday does not match 2025-10-07")


# --- a header "today" strip whose weekday agrees is still not the publish date -----------------

# danvan/baolangson style: the page's render date ("Thứ Tư, 08/02/2023", a Wednesday: the weekday
# check passes) printed in the header above the title of a 2016 article. Headline and body are
# siblings under <body>, so the article scope is the whole page and holds the strip.
STRIP_BODY = """<p>(LSO) - Sáng 14/10, Ban Dân vận Huyện ủy Bình Gia tổ chức lớp tập huấn nghiệp vụ công tác dân vận
năm 2016 cho hơn 80 cán bộ làm công tác dân vận ở cơ sở trên địa bàn huyện.</p>
<p>Tại lớp tập huấn, các học viên được quán triệt các chuyên đề về công tác dân vận của hệ thống chính trị,
kỹ năng vận động quần chúng và thực hiện quy chế dân chủ ở cơ sở.</p>
<p>(baolangson.vn)</p>"""
STRIPS = {
    "header-class": '<div class="header"><span class="date">Thứ Tư, 08/02/2023</span></div>',
    "header-tag": '<header><div class="time-update">Thứ Tư, 08/02/2023</div></header>',
    "time-element": '<div id="top"><time datetime="2023-02-08">Thứ Tư, 08/02/2023</time></div>',
    "unnamed-block": '<div class="w1000"><span class="date">Thứ tư,  08/02/2023</span></div>',
    "menu": '<div class="menu"><ul><li><a href="/">Trang chủ</a></li></ul>'
    '<span class="pubdate">08/02/2023</span></div>',
}


def _strip_page(strip: str, byline: str = "") -> str:
    return (
        f'<html><body>{strip}<h1 class="title">Ban Dân vận Huyện ủy tập huấn nghiệp vụ cho cán bộ cơ sở</h1>'
        f'{byline}<div class="content">{STRIP_BODY}</div><div class="footer">© Báo Lạng Sơn</div></body></html>'
    )


@pytest.mark.parametrize("strip", list(STRIPS.values()), ids=list(STRIPS))
def test_header_today_strip_is_never_the_publish_date(strip: str) -> None:
    got = extract_article("https://baolangson.vn/x-1.html", _strip_page(strip))
    assert got.published_at is None
    assert got.date_source is None
    dated = extract_article(
        "https://baolangson.vn/x-1.html", _strip_page(strip, '<div class="date">Cập nhật: 14/10/2016 - 09:15</div>')
    )
    assert dated.published_at == datetime(2016, 10, 14, 9, 15, tzinfo=VN)


def test_site_date_selector_skips_the_header_strip() -> None:
    # A site selector that also matches the header strip (first in the page) takes the byline.
    data = tomllib.loads((sites_dir() / "danvan.toml").read_text(encoding="utf-8"))
    data["selectors"] = {"published": [".date"]}
    site = parse_site(data, sites_dir() / "danvan.toml")
    page = _strip_page(STRIPS["header-class"], '<div class="date">Thứ Sáu, 14/10/2016 09:15</div>')
    got = extract_article("https://danvan.vn/x-1.html", page, site)
    assert got.published_at == datetime(2016, 10, 14, 9, 15, tzinfo=VN)
    assert got.date_source == "site_selector"


# --- a lead between the headline and the body, without a sapo class ------------------------------

LEAD_BODY = """<div class="noi-dung">
<p>Trong hai ngày, các học viên được truyền đạt những nội dung cơ bản về công tác dân vận của chính quyền, kỹ năng
tiếp xúc, đối thoại với nhân dân và cách xây dựng, nhân rộng các mô hình “Dân vận khéo” ở khu dân cư.</p>
<p>Phát biểu bế mạc, lãnh đạo Ban Dân vận Tỉnh ủy đề nghị học viên vận dụng kiến thức vào thực tiễn công tác ở cơ sở,
kịp thời nắm bắt tâm tư, nguyện vọng của nhân dân.</p></div>"""
LEAD = (
    "Ngày 12/3, Ban Dân vận Tỉnh ủy tổ chức lớp tập huấn nghiệp vụ công tác dân vận năm 2024 cho hơn 150 cán bộ "
    "làm công tác dân vận ở cơ sở."
)


def _lead_page(between: str) -> str:
    return (
        '<html><body><div class="menu">Trang chủ</div><div class="chi-tiet">'
        "<h1>Tập huấn nghiệp vụ công tác dân vận năm 2024</h1>"
        f'<div class="ngay">12/03/2024 10:15</div>{between}{LEAD_BODY}</div></body></html>'
    )


@pytest.mark.parametrize(
    "between",
    [
        f'<h2 class="font18">{LEAD}</h2>',
        f"<p><strong>{LEAD}</strong></p>",
        f'<div class="tom-tat">{LEAD}</div>',
        f'<div class="wrap"><span class="credit">(DVO) - </span><h3>{LEAD}</h3></div>',
    ],
    ids=["h2", "bold-p", "lead-class", "h3-in-wrapper"],
)
def test_lead_right_after_the_headline(between: str) -> None:
    got = extract_article("https://danvan.example.vn/tin/1.html", _lead_page(between))
    assert got.summary == LEAD
    assert got.body.split("\n\n")[0] == LEAD
    assert got.body.split("\n\n")[1].startswith("Trong hai ngày, các học viên")


@pytest.mark.parametrize(
    "between",
    [
        "<h2>Tin ảnh</h2>",  # a short label, not a lead
        f"<p>{LEAD}</p>",  # plain text: not marked as a lead
        f'<h2><a href="/tin/2.html">{LEAD}</a></h2>',  # a story link
        f'<div class="tin-lien-quan"><h3>{LEAD}</h3></div>',  # related news
    ],
    ids=["short-h2", "plain-p", "linked-h2", "related"],
)
def test_no_lead_is_invented(between: str) -> None:
    got = extract_article("https://danvan.example.vn/tin/1.html", _lead_page(between))
    assert got.summary is None
    assert got.body.startswith("Trong hai ngày, các học viên") or got.body.startswith(LEAD)
    assert LEAD not in (got.summary or "")


@pytest.mark.parametrize(
    "raw,name",
    [
        ("Tác giả bài viết: Ngọc Trâm", "Ngọc Trâm"),  # NukeViet party portals (kiengiang, thainguyen)
        ("Tác giả: Minh Hằng", "Minh Hằng"),
        ("Bài và ảnh: KIM PHƯỢNG", "KIM PHƯỢNG"),
        ("Hoàng Linh", "Hoàng Linh"),
    ],
)
def test_author_labels_are_cut(raw: str, name: str) -> None:
    from crawler.extract.heading import clean_person as _clean_person

    assert _clean_person(raw) == name


def test_photo_between_headline_and_body_is_kept() -> None:
    # NukeViet: the main photo and its caption sit before the lead, outside the body container.
    figure = (
        '<figure class="article left"><img src="/uploads/news/2024_03/lop-tap-huan.jpg" />'
        "<figcaption>Quang cảnh lớp tập huấn</figcaption></figure>"
    )
    related = '<div class="related"><figure><img src="/uploads/news/2024_03/tin-khac.jpg" /></figure></div>'
    got = extract_article("https://danvan.example.vn/tin/1.html", _lead_page(figure + related))
    assert got.images == [
        {"url": "https://danvan.example.vn/uploads/news/2024_03/lop-tap-huan.jpg", "caption": "Quang cảnh lớp tập huấn"}
    ]
    assert "Quang cảnh lớp tập huấn" not in got.body
