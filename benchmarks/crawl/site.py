"""A synthetic Đà Nẵng portal (Liferay `danangportlet` markup) of N article pages and their listings.

Pages are built on the fixture pages of tests/fixtures/sites/danang/ (whose shell is the real saved
home page: head with scripts and styles, menus, right column, footer), so each page weighs what the
real ones do (~160 KB, ~120 links). Text comes from the bodies of every fixture article (real and
reconstructed Vietnamese portal and newspaper text), recombined per page with varied organizers,
districts, dates and numbers. About 30% are training announcements; about 5% are near-duplicates of
an earlier page (same story, a few words changed, another id).

Layout on disk (served by benchmarks.crawl.server):

    articles/<id>.html      /web/guest/chi-tiet?id=<id>&_c=3
    listings/<n>.html       /web/guest/chinh-quyen/danh-muc?id=3&cur=<n>  (n = 1 also without cur)
    listings/empty.html     any listing page past the last one
    robots.txt, site.json   (site.json: counts and ids, for the benchmark's checks)
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DANANG = REPO / "tests" / "fixtures" / "sites" / "danang"
SITES = REPO / "tests" / "fixtures" / "sites"

PER_LISTING = 20
FIRST_ID = 60001
LISTING_PATH = "/web/guest/chinh-quyen/danh-muc?id=3"
ARTICLE_PATH = "/web/guest/chi-tiet?id={id}&_c=3"

ORGS = [
    "Ban Dân vận Thành ủy", "Ủy ban MTTQ Việt Nam thành phố", "Sở Nội vụ", "Thành đoàn Đà Nẵng",
    "Hội Liên hiệp Phụ nữ thành phố", "Hội Nông dân thành phố", "Liên đoàn Lao động thành phố",
    "Ban Tuyên giáo Thành ủy", "Sở Tư pháp", "Công an thành phố", "Hội Cựu chiến binh thành phố",
    "Ban Tổ chức Thành ủy", "Sở Thông tin và Truyền thông", "Ủy ban nhân dân quận",
]
DISTRICTS = ["Hải Châu", "Thanh Khê", "Sơn Trà", "Ngũ Hành Sơn", "Liên Chiểu", "Cẩm Lệ", "Hòa Vang"]
TOPICS = [
    "công tác dân vận", "nghiệp vụ công tác Mặt trận", "kỹ năng tuyên truyền miệng",
    "công tác tôn giáo", "chuyển đổi số trong cơ quan nhà nước", "nghiệp vụ công tác Đảng",
    "phổ biến, giáo dục pháp luật", "hòa giải ở cơ sở", "công tác kiểm tra, giám sát",
    "phòng, chống thiên tai", "công tác thi đua, khen thưởng", "an toàn vệ sinh thực phẩm",
]
AUDIENCES = [
    "lực lượng cốt cán ở cơ sở", "cán bộ Ban Công tác Mặt trận khu dân cư", "báo cáo viên cấp quận",
    "cán bộ, công chức cấp phường", "chi hội trưởng phụ nữ", "đoàn viên, thanh niên",
    "người có uy tín trong đồng bào dân tộc thiểu số", "hòa giải viên ở cơ sở",
]
TRAINING_TITLES = [
    "{org} tập huấn {topic} cho {aud} năm {year}",
    "Tập huấn {topic} cho {aud} quận {district}",
    "Bồi dưỡng nghiệp vụ {topic} cho {aud}",
    "Hội nghị tập huấn {topic} năm {year}",
    "Khai giảng lớp bồi dưỡng kiến thức {topic} cho {aud}",
]
TRAINING_LEADS = [
    "Ngày {day}-{month}, {org} tổ chức hội nghị tập huấn {topic} cho hơn {count} {aud} trên địa bàn "
    "quận {district}.",
    "Thực hiện kế hoạch năm {year}, trong hai ngày {day} và {day2}-{month}, {org} mở lớp bồi dưỡng "
    "{topic} cho {count} {aud}.",
    "Sáng {day}-{month}, tại quận {district}, {org} khai giảng lớp tập huấn {topic} dành cho {count} "
    "{aud} của thành phố.",
]
OTHER_TITLES = [
    "{org} giao ban công tác quý {quarter} năm {year}",
    "Quận {district} ra quân {campaign}",
    "{org} kiểm tra việc thực hiện {topic} tại quận {district}",
    "Đối thoại với nhân dân về {topic} tại quận {district}",
    "Tổng kết {campaign} năm {year}",
]
OTHER_LEADS = [
    "Chiều {day}-{month}, {org} tổ chức hội nghị giao ban đánh giá kết quả {topic} quý {quarter} năm "
    "{year}.",
    "Ngày {day}-{month}, quận {district} tổ chức lễ ra quân {campaign} với sự tham gia của hơn {count} "
    "người dân.",
    "Sáng {day}-{month}, đoàn kiểm tra của {org} làm việc với quận {district} về {topic}.",
]
CAMPAIGNS = [
    "hưởng ứng Tháng hành động vì môi trường", "Ngày Chủ nhật xanh", "Tháng Thanh niên",
    "phong trào Toàn dân bảo vệ an ninh Tổ quốc", "cuộc vận động Ngày vì người nghèo",
]
AUTHORS = ["KIM PHƯỢNG", "MINH TRÍ", "THU HÀ", "HOÀNG ANH", "NGỌC ĐOAN", "QUANG HUY", "LÊ VY"]


@dataclass
class SiteInfo:
    root: str
    n_articles: int
    n_listings: int
    first_id: int
    training: int
    near_duplicates: list[tuple[int, int]] = field(default_factory=list)
    bytes_total: int = 0
    # The ids of the training announcements (their near-duplicate copies included).
    training_ids: list[int] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """Pages either spider fetches: articles, listings, the empty page that ends pagination, robots."""
        return self.n_articles + self.n_listings + 2

    def article_paths(self) -> list[str]:
        return [ARTICLE_PATH.format(id=i) for i in range(self.first_id, self.first_id + self.n_articles)]


def _pool() -> tuple[list[str], list[str]]:
    """Body paragraphs of every fixture article, split by whether the article is a training item."""
    training: list[str] = []
    other: list[str] = []
    for path in sorted(SITES.glob("*/*.expected.json")):
        data = json.loads(path.read_text("utf-8"))
        body = data.get("body") or ""
        if data.get("is_article") is False or not body:
            continue
        paras = [p.strip() for p in body.split("\n\n") if len(p.strip()) > 60]
        (training if data.get("is_training") else other).extend(paras)
    if not training or not other:
        raise RuntimeError(f"no fixture article text under {SITES}")
    return training, other


def _between(text: str, start: str, end: str, frm: int = 0) -> tuple[int, int]:
    """Span of text from the start marker through the end marker (inclusive)."""
    a = text.index(start, frm)
    b = text.index(end, a) + len(end)
    return a, b


class Templates:
    """The fixture pages cut into a fixed shell and the parts each page fills in."""

    def __init__(self) -> None:
        art = (DANANG / "article_54019.html").read_text("utf-8")
        lst = (DANANG / "listing_1.html").read_text("utf-8")
        self.article = self._featured(art)
        self.listing = self._featured(lst)

    @staticmethod
    def _featured(page: str) -> str:
        # The right column links five articles of the live site by absolute URL; point them at pages
        # of this site, in the listing's own URL form, so every page the spiders see exists.
        n = iter(range(5))
        return re.sub(
            r'href="http://danang\.gov\.vn/web/guest/chinh-quyen/chi-tiet\?id=\d+&amp;_c=\d+"',
            lambda m: f'href="/web/guest/chi-tiet?id={FIRST_ID + next(n)}&amp;_c=3"',
            page,
        )


def _p(text: str) -> str:
    return f'<p style="text-align:justify"><span style="font-size:15px">{html.escape(text, quote=False)}</span></p>'


def _related(items: list[tuple[int, str, str]]) -> str:
    out = []
    for aid, title, when in items:
        out.append(
            '<li class="col-md-12 news-item related-default-news bullet-arrow">\n'
            '    <a class="icon-list"><i></i></a>\n'
            '    <div class="default-news-content">\n'
            f'        <a href="/web/guest/chi-tiet?id={aid}&amp;_c=3" class="news-title">{html.escape(title)}</a>\n'
            f'        <span style="color: #9c9c9c;font-size: 12px;display: inline-block;">({when})</span>\n'
            "    </div>\n</li>"
        )
    return "\n".join(out)


@dataclass
class Story:
    aid: int
    title: str
    lead: str
    paras: list[str]
    when: datetime
    author: str
    training: bool
    views: int


def _vary(rng: random.Random, story: Story, aid: int) -> Story:
    """A near-duplicate: the same story republished with a few words changed and a new id."""
    paras = list(story.paras)
    k = rng.randrange(len(paras))
    words = paras[k].split()
    if len(words) > 8:
        del words[rng.randrange(len(words))]
        paras[k] = " ".join(words)
    lead = story.lead.replace("tổ chức", "đã tổ chức", 1) if "tổ chức" in story.lead else story.lead + " "
    return Story(aid, story.title, lead, paras, story.when + timedelta(hours=rng.randint(1, 30)),
                 story.author, story.training, rng.randint(10, 900))


def _story(rng: random.Random, aid: int, training: bool, pools: tuple[list[str], list[str]],
           when: datetime) -> Story:
    fill = {
        "org": rng.choice(ORGS), "topic": rng.choice(TOPICS), "aud": rng.choice(AUDIENCES),
        "district": rng.choice(DISTRICTS), "year": when.year, "day": when.day, "day2": min(when.day + 1, 28),
        "month": when.month, "count": rng.randint(30, 4800), "quarter": rng.choice(["I", "II", "III", "IV"]),
        "campaign": rng.choice(CAMPAIGNS),
    }
    titles, leads = (TRAINING_TITLES, TRAINING_LEADS) if training else (OTHER_TITLES, OTHER_LEADS)
    title = rng.choice(titles).format(**fill)
    title = title[0].upper() + title[1:]
    lead = rng.choice(leads).format(**fill)
    pool = pools[0] if training else pools[1]
    paras = rng.sample(pool, k=min(len(pool), rng.randint(4, 9)))
    return Story(aid, title, lead, paras, when, rng.choice(AUTHORS), training, rng.randint(10, 900))


def _article_html(t: Templates, s: Story, related: list[tuple[int, str, str]]) -> str:
    page = t.article
    old = "Tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán ở cơ sở"
    page = page.replace(f"<title>{old}</title>", f"<title>{html.escape(s.title)}</title>", 1)
    span = '<span class="chi-tiet-title">'
    page = page.replace(span + old, span + html.escape(s.title), 1)
    page = page.replace("Đăng ngày 25-05-2023 00:04, Lượt xem: 50",
                        f"Đăng ngày {s.when:%d-%m-%Y %H:%M}, Lượt xem: {s.views}", 1)
    page = page.replace("_print_WAR_danangportlet_id=54019", f"_print_WAR_danangportlet_id={s.aid}", 1)
    page = page.replace('data-id="54019"', f'data-id="{s.aid}"', 1)
    a, b = _between(page, '<div class="chi-tiet-sub-content">', "</div>")
    page = page[:a] + f'<div class="chi-tiet-sub-content">\n{_p(s.lead)}\n</div>' + page[b:]
    a, b = _between(page, '<div class="chi-tiet-main-content">', '<div class="chi-tiet-footer">')
    image = f"/documents/10180/32424/anh-{s.aid}.jpg"
    body = [f'<p style="text-align:center"><a class="img-viewer" href="{image}"><img alt="" src="{image}" '
            'style="height:333px; width:500px"></a></p>',
            f'<p style="text-align:center"><em><span style="font-size:14px">{html.escape(s.title)}</span></em></p>']
    body += [_p(x) for x in s.paras]
    body.append(f'<p style="text-align:right"><span style="font-size:15px"><strong>{s.author}</strong></span></p>')
    page = (page[:a] + '<div class="chi-tiet-main-content">\n' + "\n".join(body)
            + "\n</div>\n</div>\n" + '<div class="chi-tiet-footer">' + page[b:])
    a, b = _between(page, '<ul class="list-news">', "</ul>")
    return page[:a] + '<ul class="list-news">\n' + _related(related) + "\n</ul>" + page[b:]


def _listing_html(t: Templates, stories: list[Story], page_no: int, n_pages: int) -> str:
    page = t.listing
    items = []
    for s in stories:
        items.append(
            '<li class="col-md-12 news-item danh-muc-news">\n    <div class="default-news-content">\n'
            f'        <a href="/web/guest/chi-tiet?id={s.aid}&amp;_c=3" class="news-title">{html.escape(s.title)}</a>\n'
            '        <span style="color: #9c9c9c;font-size: 12px;display: inline-block;">'
            f'({s.when:%d-%m-%Y %H:%M})</span>\n'
            f'        <p class="news-sapo">{html.escape(s.lead)}</p>\n    </div>\n</li>'
        )
    a, b = _between(page, '<ul class="list-news">', "</ul>")
    page = page[:a] + '<ul class="list-news">\n' + "\n".join(items) + "\n</ul>" + page[b:]
    links = []
    for n in range(max(1, page_no - 4), min(n_pages, page_no + 4) + 1):
        href = LISTING_PATH + (f"&amp;cur={n}" if n > 1 else "")
        links.append(f'<li class="{"active" if n == page_no else ""}"><a href="{href}">{n}</a></li>')
    if page_no < n_pages:
        links.append(f'<li><a href="{LISTING_PATH}&amp;cur={page_no + 1}">Trang sau »</a></li>')
    a, b = _between(page, '<ul class="pagination">', "</ul>")
    return page[:a] + '<ul class="pagination">' + "".join(links) + "</ul>" + page[b:]


def generate_site(root: Path, n: int, *, seed: int = 7, training_share: float = 0.3,
                  near_dup_share: float = 0.05) -> SiteInfo:
    """Writes the site under `root` and returns what is in it."""
    rng = random.Random(seed)
    pools = _pool()
    t = Templates()
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "listings").mkdir(parents=True, exist_ok=True)
    stories: list[Story] = []
    near: list[tuple[int, int]] = []
    # Newest first, like the portal: ids rise as dates go back, a few hours apart.
    when = datetime(2025, 6, 30, 16, 20)
    for i in range(n):
        aid = FIRST_ID + i
        when -= timedelta(minutes=rng.randint(20, 600))
        if stories and rng.random() < near_dup_share:
            base = rng.choice(stories[-50:])
            stories.append(_vary(rng, base, aid))
            near.append((base.aid, aid))
        else:
            stories.append(_story(rng, aid, rng.random() < training_share, pools, when))
    info = SiteInfo(str(root), n, (n + PER_LISTING - 1) // PER_LISTING, FIRST_ID,
                    sum(s.training for s in stories), near, training_ids=[s.aid for s in stories if s.training])
    total = 0
    for i, s in enumerate(stories):
        neighbours = [stories[j] for j in (i - 2, i - 1, i + 1, i + 2) if 0 <= j < n and j != i][:3]
        related = [(x.aid, x.title, f"{x.when:%d-%m-%Y %H:%M}") for x in neighbours]
        data = _article_html(t, s, related).encode("utf-8")
        (root / "articles" / f"{s.aid}.html").write_bytes(data)
        total += len(data)
    for k in range(info.n_listings):
        chunk = stories[k * PER_LISTING:(k + 1) * PER_LISTING]
        data = _listing_html(t, chunk, k + 1, info.n_listings).encode("utf-8")
        (root / "listings" / f"{k + 1}.html").write_bytes(data)
        total += len(data)
    (root / "listings" / "empty.html").write_bytes(_listing_html(t, [], info.n_listings + 1, info.n_listings).encode())
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /web/guest/in-bai\n", "utf-8")
    info.bytes_total = total
    (root / "site.json").write_text(json.dumps(asdict(info), ensure_ascii=False, indent=1), "utf-8")
    return info


def load_info(root: Path) -> SiteInfo:
    data = json.loads((root / "site.json").read_text("utf-8"))
    data["near_duplicates"] = [tuple(p) for p in data["near_duplicates"]]
    return SiteInfo(**data)
