"""The fields of a training event, read from the title, lead and body. Every field is what the page
prints (NFC, canonical tone marks), found by patterns on the aligned folded text; a field the page
does not state is None or [] — never guessed."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from crawler.items import EMPTY_EVENT
from crawler.relevance._text import Zone, sentences, zone, zones
from crawler.text.event_dates import find_event_dates

# --- kind -----------------------------------------------------------------------------------------
# Most specific first: the lead often names the form ("Hội nghị tập huấn") the title shortens.
_KINDS: tuple[tuple[str, str], ...] = (
    ("hội nghị tập huấn", r"\bhoi nghi tap huan\b"),
    ("hội thảo tập huấn", r"\bhoi thao tap huan\b"),
    ("lớp tập huấn", r"\b(?:lop|khoa) tap huan\b"),
    ("lớp trung cấp lý luận chính trị", r"\blop trung cap(?: ly luan)? chinh tri\b"),
    ("lớp cao cấp lý luận chính trị", r"\blop cao cap(?: ly luan)? chinh tri\b"),
    ("lớp sơ cấp lý luận chính trị", r"\blop so cap(?: ly luan)? chinh tri\b"),
    ("hội nghị bồi dưỡng", r"\bhoi nghi boi duong\b"),
    ("lớp bồi dưỡng", r"\b(?:lop|khoa) boi duong\b"),
    ("tập huấn", r"\btap huan\b"),
    ("bồi dưỡng", r"\bboi duong\b"),
)

# --- organizer ------------------------------------------------------------------------------------
# Bodies that organize courses; the name runs from one of these heads to the verb.
_ORG_HEAD = (
    r"(?:ban dan van|ban tuyen giao(?: va dan van)?|ban to chuc|ban noi chinh|ban thuong vu|"
    r"ban thuong truc|ban chi dao|uy ban (?:mat tran|mttq)|ubmttq|uy ban nhan dan|ubnd|"
    r"hoi nong dan|hoi lien hiep phu nu|hoi lhpn|hoi cuu chien binh|hoi ccb|lien doan lao dong|ldld|"
    r"tong lien doan|tinh doan|thanh doan|huyen doan|thi doan|quan doan|doan thanh nien|"
    r"truong chinh tri|trung tam chinh tri|trung tam boi duong chinh tri|hoc vien|"
    r"cong an|bo chi huy|so |phong |dang uy|tinh uy|thanh uy|huyen uy|quan uy|thi uy|"
    r"hoi dong giao duc quoc phong|bo |cuc )"
)
_ORG = re.compile(
    r"(?<![a-z])(?P<org>" + _ORG_HEAD + r"[^,;.:()\"“”]{0,70}?)\s++"
    r"(?:(?:da|vua|cung|long trong|dong loat|se) )*"
    r"(?:phoi hop|to chuc|khai mac|khai giang|be giang|mo (?:lop|\d+ lop|khoa)|tap huan|boi duong)\b"
)
# A name that runs into these words is a clause, not a name ("Kế hoạch của Ban Dân vận về tổ chức").
_ORG_REJECT = re.compile(r"\b(?:ve|cua|nham|de|theo|ke hoach|va cac|thuc hien|chu tri|hoi nghi|lop)\b")

# --- participants ---------------------------------------------------------------------------------
_QUALIFIER = r"(?:gan nhu|gan|hon|khoa?ng|tren|xap xi|hang tram|hang nghin|hang ngan|ca)"
# Who people are, as a head count names them ("hơn 200 bí thư") and as "là ..." introduces them.
_ROLES = (
    r"can bo|dang vien|hoi vien|doan vien|nguoi co uy tin|chi hoi truong|bao cao vien|tuyen truyen vien|"
    r"cong chuc|vien chuc|thanh vien|(?:pho )?bi thu|(?:pho )?chu tich|uy vien|chuyen vien|"
    r"truong (?:thon|ap|ban|khu pho|to dan pho)|chuc sac|chien si|dai dien"
)
# Roles first: "người có uy tín" before the bare "người".
_UNIT = r"(?:" + _ROLES + r"|dai bieu|hoc vien|nguoi|bao ve dan phong)"
_PARTICIPANTS = re.compile(
    r"(?<![\w.])(?:(?P<q>" + _QUALIFIER + r")\s++)?(?P<n>\d{1,3}(?:\.\d{3})+|\d++)\s*+(?P<u>" + _UNIT + r")\b"
    r"|(?<![\w.])(?P<q2>hang tram|hang nghin|hang ngan|hang chuc)\s+(?P<u2>" + _UNIT + r")\b"
)
_VAGUE_COUNTS = {"hang chuc": 10, "hang tram": 100, "hang nghin": 1000, "hang ngan": 1000}

# --- audience -------------------------------------------------------------------------------------
_AUDIENCE = re.compile(
    r"\b(?:danh )?cho\s+(?:(?:doi ngu|" + _QUALIFIER + r")\s+)?(?:[\d.]+\s*)?"
    r"(?:(?:cac )?(?:vi )?(?:hoc vien|dai bieu|dong chi) la (?:cac )?)?(?P<aud>[^,;.:()]{3,120})"
)
# Only searched within an audience (at most 160 characters): see test_regex_safety.
_AUDIENCE_END = re.compile(
    r"\s++(?:nam 20\d\d|tai |tren dia ban|tu ngay|trong (?:thoi gian|\d+|hai|ba)|vao |do |voi |nham |"
    r"dot \d|khoa \d|lan thu|\(|va hoi nghi|thuoc doi tuong)"
)
_GENERIC_AUDIENCE = {"dai bieu", "hoc vien", "nguoi", "cac dai bieu", "cac hoc vien"}
# When the head says only "cho hơn 4.600 đại biểu", the sentence with the head count says who they
# are: "hơn 250 học viên là cán bộ, công chức phụ trách ...". The part after "là" must start with a
# role (so "120 học viên, đây là lớp thứ ba" is not read as an audience); it runs to the clause's
# end, commas included ("lãnh đạo các sở, ban, ngành").
_ROLE_START = (
    r"(?:" + _ROLES + r"|lanh dao|cot can|(?:cac )?dong chi|(?:pho )?truong|chi huy|si quan|cong an|"
    r"nguoi dung dau|cap uy)\b"
)
_COUNT_IS = re.compile(
    r"\b" + _UNIT + r"\b[^.;:()]{0,80}?,?\s++la\s++(?:cac |nhung )?(?P<aud>" + _ROLE_START + r"[^;.:()]{0,160})"
)

# --- topics, location, speakers -------------------------------------------------------------------
_QUOTED = re.compile(r"[“\"]([^”\"“]{8,300})[”\"]")
_LOCATION = re.compile(
    r"\btai\s+(?P<loc>(?:hoi truong|trung tam hoi nghi|trung tam chinh tri|trung tam boi duong|"
    r"truong chinh tri|hoc vien|nha van hoa|nha khach|khach san|tru so|phong hop|uy ban nhan dan|ubnd|"
    r"trung tam van hoa|nha truyen thong)[^,;.()]{0,80})"
)
_SPEAKERS = (
    re.compile(
        r"\bdo\s++(?P<who>[^;.()]{4,120}?)(?<!\s)\s++(?:trinh bay|truyen dat|bao cao|gioi thieu|"
        r"thong tin|huong dan|phu trach|giang day)\b"
    ),
    re.compile(
        r"\bduoc nghe\s++(?P<who>[^;.()]{4,120}?)(?<!\s)\s++(?:trinh bay|truyen dat|bao cao|gioi thieu|"
        r"thong tin|huong dan)\b"
    ),
    re.compile(
        r"\b(?P<who>(?:cac )?bao cao vien (?:cua|den tu) [^,;.()]{3,100}?)(?<!\s)\s++(?:da )?"
        r"(?:trinh bay|truyen dat|bao cao|gioi thieu|thong tin)\b"
    ),
)


def _span(z: Zone, m: re.Match[str], group: str) -> str:
    return z.text[m.start(group) : m.end(group)].strip(" -–,")


def _kind(head: list[Zone]) -> str | None:
    for name, pattern in _KINDS:
        for z in head:
            if re.search(pattern, z.folded):
                return name
    return None


def _organizer(head: list[Zone]) -> str | None:
    for z in head:
        pos = 0
        while True:
            m = _ORG.search(z.folded, pos)
            if not m:
                break
            pos = m.start() + 1
            org = _span(z, m, "org")
            if not org[:1].isupper() or _ORG_REJECT.search(z.folded[m.start("org") : m.end("org")]):
                continue
            return org
    return None


def parse_participants(text: str) -> dict[str, Any] | None:
    """The first head count a text gives: "hơn 4.600 đại biểu" -> {"count": 4600, "qualifier": "hơn",
    "text": "hơn 4.600 đại biểu"}. The Vietnamese thousands separator is "."."""
    z = zone("text", text)
    m = _PARTICIPANTS.search(z.folded)
    if not m:
        return None
    if m.group("n"):
        count = int(m.group("n").replace(".", ""))
        qualifier = z.text[m.start("q") : m.end("q")] if m.group("q") else None
    else:
        count = _VAGUE_COUNTS[m.group("q2")]
        qualifier = z.text[m.start("q2") : m.end("q2")]
    return {"count": count, "qualifier": qualifier, "text": z.text[m.start() : m.end()]}


def _participants(head: list[Zone], body: Zone) -> dict[str, Any] | None:
    for z in [*head, body]:
        for sentence in sentences(z.text):
            if re.search(r"\bluot\b", zone("s", sentence).folded):
                continue  # "14.000 lượt hội viên" counts attendances over a period, not this course
            found = parse_participants(sentence)
            if found:
                return found
    return None


def _audience_of_count(zs: list[Zone]) -> str | None:
    """Who the counted people are: the first head count followed by "là <role>" ("hơn 250 học viên là
    cán bộ, công chức ..."), in title, lead, then body."""
    for z in zs:
        for m in _PARTICIPANTS.finditer(z.folded):
            tail = _COUNT_IS.match(z.folded, m.start("u") if m.group("u") else m.start("u2"))
            if not tail:
                continue
            start, end = tail.start("aud"), tail.end("aud")
            cut = _AUDIENCE_END.search(z.folded, start, end)
            if cut:
                end = cut.start()
            return z.text[start:end].strip(" -–,")
    return None


def _audience(head: list[Zone]) -> str | None:
    for z in head:
        for m in _AUDIENCE.finditer(z.folded):
            start, end = m.start("aud"), m.end("aud")
            cut = _AUDIENCE_END.search(z.folded, start, end)
            if cut:
                end = cut.start()
            folded = z.folded[start:end].strip()
            if len(folded) < 3 or folded in _GENERIC_AUDIENCE:
                continue
            return z.text[start:end].strip(" -–,")
    return None


def _topics(zs: list[Zone]) -> list[str]:
    found: list[str] = []
    for z in zs:
        for sentence in sentences(z.text):
            sz = zone("s", sentence)
            at = sz.folded.find("chuyen de")
            if at < 0:
                continue
            for m in _QUOTED.finditer(sentence, at):
                title = m.group(1).strip()
                if title and title not in found:
                    found.append(title)
    return found


def _first(patterns: tuple[re.Pattern[str], ...], zs: list[Zone], group: str) -> str | None:
    for pattern in patterns:
        for z in zs:
            m = pattern.search(z.folded)
            if m:
                return _span(z, m, group)
    return None


def _dates(text: str, published: date | datetime | None) -> tuple[str | None, str | None]:
    start, end = find_event_dates(text, published)
    return (start.isoformat() if start else None, end.isoformat() if end else None)


def extract_event(
    title: str, summary: str | None, body: str, published: date | datetime | None
) -> dict[str, Any]:
    """kind, organizer, start_date, end_date, participants, audience, topics, location, speakers:
    exactly the keys of `crawler.items.EMPTY_EVENT`."""
    title_z, lead_z, body_z = zones(title, summary, body)
    head = [title_z, lead_z]
    everything = [title_z, lead_z, body_z]
    start, end = _dates("\n".join(z.text for z in (lead_z, title_z, body_z) if z.text), published)
    event = dict(EMPTY_EVENT)
    event.update(
        kind=_kind(head) or _kind([body_z]),
        organizer=_organizer([lead_z, title_z]),
        start_date=start,
        end_date=end,
        participants=_participants(head, body_z),
        audience=_audience(head) or _audience_of_count([*head, body_z]),
        topics=_topics(everything),
        location=_first((_LOCATION,), everything, "loc"),
        speakers=_first(_SPEAKERS, everything, "who"),
    )
    return event
