"""Is this page a training announcement? A scored, explainable rule set on the folded text.

In scope: courses, classes and conferences that train or build the capacity of cadres, Party members,
officials, mass-organization staff, key members ("cốt cán") and prestigious persons ("người có uy
tín"): "tập huấn", "bồi dưỡng nghiệp vụ / kiến thức / kỹ năng / lý luận chính trị", "lớp trung cấp lý
luận chính trị", "khai giảng / bế giảng lớp ...".

Out of scope, and penalized: review and summary meetings (sơ kết, tổng kết, giao ban, the monthly
"hội nghị báo cáo viên"), visits and congratulations, awards and contests, university enrolment, sport
and military drills (diễn tập, hội thao, huấn luyện chiến sĩ: a political or Party course given to
the armed forces, e.g. "bồi dưỡng kiến thức quốc phòng và an ninh" or "tập huấn công tác dân vận của
lực lượng vũ trang", stays in scope), technical or vocational classes for farmers and the public,
legal documents and commentary about training in general, the education sector's own courses (the
summer political course, textbooks, a school's "cán bộ quản lý, giáo viên"), first aid and fire drills,
courses for pupils, students, farmers, workers or residents, and reports that count courses among their
achievements ("mở 180 lớp ... đạt 64% kế hoạch").

Every rule that fires adds its weight to the score and one entry "<term>@<zone><weight>" to
`matched`, so the score is the sum of the weights listed there. The title weighs most, then the lead;
the body only supports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crawler.relevance._match import search
from crawler.relevance._text import Zone, zones

THRESHOLD = 3.0

# (label, pattern) on folded text. Labels are what `matched` shows.
_TRAINING: list[tuple[str, str]] = [
    ("tap huan", r"\btap huan\b"),
    (
        "boi duong nghiep vu/kien thuc/ky nang/ly luan",
        (
            r"\bboi duong,? (?:va )?(?:nghiep vu|kien thuc|ky nang|ly luan|chinh tri|cap nhat|nang cao|"
            r"cong tac|ngach|nhan thuc|can bo|doi ngu can bo|cho can bo|dang vien)"
        ),
    ),
    ("lop/khoa boi duong", r"\b(?:lop|khoa|chuong trinh) boi duong\b"),
    ("cap nhat kien thuc", r"\bcap nhat,? kien thuc\b"),
    ("lop ly luan chinh tri", r"\blop (?:so cap|trung cap|cao cap)(?: ly luan)? chinh tri\b"),
    ("khai giang/be giang lop", r"\b(?:khai giang|be giang|khai mac|be mac)(?: cac)? (?:lop|khoa)\b"),
    ("huong dan nghiep vu", r"\b(?:hoi nghi )?huong dan nghiep vu\b"),
    ("nang cao nghiep vu/ky nang/nang luc", r"\bnang cao (?:nghiep vu|ky nang|nang luc)\b"),
    ("trang bi kien thuc/ky nang", r"\btrang bi (?:[^.;,]{0,20} )?(?:kien thuc|ky nang)\b"),
]

# Who is trained: the audiences in scope. Not "học viên" (trainees: says nothing of who they are, and
# folds to the same letters as "Học viện", an academy that organizes courses for anyone).
_AUDIENCE = (
    r"\b(?:can bo|cong chuc|vien chuc|dang vien|cot can|nguoi co uy tin|bao cao vien|tuyen truyen vien|"
    r"chi hoi truong|bi thu chi bo|truong (?:thon|ap|ban|khu pho)|hoi vien nong cot|"
    r"luc luong tham gia bao ve an ninh|bao ve dan pho|chuc sac|ban cong tac mat tran)\b"
)

# Who is trained, when it is not cadres: courses "for" pupils, students, children, parents, teachers,
# farmers or residents at large are out of scope (unless the head also names an audience in scope).
_OTHER_WHO = (
    r"(?:em )?(?:hoc sinh|sinh vien|tre em|thieu nhi|phu huynh|giao vien|giang vien|nong dan|"
    r"hoi vien nong dan|ngu dan|nguoi dan|ba con|ho dan|nguoi cao tuoi|cong nhan|lao dong nong thon|"
    r"nha khoa hoc)"
)
# `\b[\d.]+` tried from every digit and dot of a run made a long run of "1.1.1..." quadratic: a number
# is tried once, from the start of its run, as if from its first word boundary (the lazy skip, committed
# by the atomic group); the run is the same to its end from any start, so the search finds the same.
_NUMBER = r"(?<![\d.])(?>[\d.]*?\b)[\d.]++"
_OTHER_AUDIENCE = re.compile(
    r"\b(?:cho|danh cho|voi su tham gia cua) (?:doi ngu |cac |hon |gan |tren |khoang )?(?:[\d.]+ )?" + _OTHER_WHO
    + r"\b|(?:" + _NUMBER + r"|\bdong dao) " + _OTHER_WHO + r"\b|\bnhan thuc (?:cua|cho) " + _OTHER_WHO + r"\b"
    # A headline whose subject is the audience: "Giáo viên đến báo … tập huấn".
    + r"|^" + _OTHER_WHO + r"\b"
)
# "cán bộ quản lý, giáo viên" are a school's managers and teachers: an education audience, although
# "cán bộ" is in the in-scope list.
_SCHOOL_STAFF = re.compile(r"\bcan bo quan ly,? (?:va )?giao vien\b")
_OTHER_AUDIENCE_W = -3.5
_OTHER_AUDIENCE_TITLE_W = -4.0

# Articles about training policy ("công tác đào tạo, bồi dưỡng cán bộ", "đào tạo, bồi dưỡng đội ngũ
# công chức"): an announcement or report names an event (a date, "tổ chức", "khai giảng"...); an
# essay on the subject does not.
_POLICY_SUBJECT = re.compile(
    r"\b(?:cong tac )?dao tao,? (?:va )?boi duong(?: doi ngu)? (?:can bo|cong chuc|vien chuc)|"
    r"\bdao tao,? (?:va )?boi duong (?:ly luan )?chinh tri\b|"
    r"\bcong tac dao tao,? (?:va )?boi duong\b"
)
_DATED = re.compile(r"\b(?:ngay|sang|chieu|toi|tu) \d{1,2}\b|\b\d{1,2}[/-]\d{1,2}\b|\bvua qua\b")
_POLICY_W = -3.0

# Party and mass-organization boards, old and new names: supporting evidence only.
_BOARDS = (
    r"\b(?:ban dan van|ban tuyen giao(?: va dan van)?|mat tran to quoc|uy ban mttq|ubmttq|mttq|"
    r"hoi nong dan|hoi lien hiep phu nu|hoi lhpn|hoi phu nu|doan thanh nien|tinh doan|thanh doan|"
    r"lien doan lao dong|cong doan|hoi cuu chien binh|truong chinh tri|trung tam chinh tri|"
    r"trung tam boi duong chinh tri|hoc vien chinh tri)\b"
)

# Out-of-scope event types. Weight applies per zone (title, lead); body is not penalized because
# long reports mention everything.
_NEGATIVE: list[tuple[str, str]] = [
    (
        "so ket/tong ket/giao ban",
        (
            r"\b(?:hoi nghi|le) (?:so ket|tong ket|giao ban)\b|\bgiao ban\b|^(?:so ket|tong ket)\b|"
            r"\b(?:so ket|tong ket) [^.;]{0,60}"
            r"(?:6 thang|thang dau nam|nam 20\d\d|quy [ivx\d]|\d+ nam thuc hien)"
        ),
    ),
    ("hoi nghi bao cao vien", r"\bhoi nghi bao cao vien\b"),
    (
        "dai hoi",
        (
            r"^dai hoi\b|\b(?:to chuc|khai mac|be mac|dien ra) dai hoi\b|\bdai hoi [^.;]{0,40}nhiem ky\b|"
            r"\bdai hoi thi dua\b"
        ),
    ),
    (
        "tham/chuc mung",
        (
            r"\b(?:tham,? chuc tet|chuc tet|tham va chuc|chuc mung|tham va tang qua|tham hoi|tang qua|"
            r"gap mat|ky niem \d+ nam)\b"
        ),
    ),
    (
        "lam viec/kiem tra/khao sat",
        (r"\b(?:lam viec voi|buoi lam viec|cuoc lam viec|doan kiem tra|khao sat)\b"),
    ),
    (
        "khen thuong/trao giai/thi",
        (
            r"\b(?:khen thuong|trao giai|bieu duong|ton vinh|tuyen duong|bang khen|danh hieu|hoi thi|"
            r"cuoc thi|vong chung ket)\b"
        ),
    ),
    ("tuyen sinh/dao tao dai hoc", r"\b(?:tuyen sinh|thac si|tien si|sau dai hoc|quy che dao tao)\b"),
    # The population sector's sessions for its own staff and collaborators.
    ("dan so/khhgd", r"\bdan so\s*+[-/–]?\s*+(?:khhgd|ke hoach hoa gia dinh)\b|\bcong tac dan so\b"),
    # The summer political course ("bồi dưỡng chính trị hè") is the education sector's course for its
    # teachers and school staff; textbook trainings are for teachers.
    (
        "giao duc pho thong: chinh tri he/sach giao khoa",
        # Folded, summer "hè" and "hệ" (mode of study) are the same letters: "lớp cao cấp lý luận chính
        # trị hệ không tập trung" is a Party course, not the summer one.
        r"(?<!ly luan )\bchinh tri he\b(?! (?:khong |vua )?(?:tap trung|thong|lam|dao tao))|"
        r"\bsach giao khoa\b|\bsgk\b|\bchuong trinh giao duc pho thong\b",
    ),
    (
        "quan su: dien tap/huan luyen/hoi thao",
        (
            r"\b(?:dien tap|hoi thao|tap luyen|luyen tap|huan luyen (?:chien si|tan binh|cong dan)|"
            r"chien si moi|tan binh|ky thuat chien dau|chien thuat bo binh|dieu lenh)\b"
        ),
    ),
    (
        "toa dam/doi thoai/danh gia de tai",
        (
            r"\b(?:to chuc|buoi|hoi nghi) (?:toa dam|doi thoai)\b|^(?:toa dam|doi thoai)\b|"
            r"\bdanh gia de tai\b|\bphong van\b"
        ),
    ),
    (
        "ky thuat san xuat/day nghe",
        (
            r"\b(?:ky thuat (?:trong|nuoi|cham soc|chan nuoi|san xuat)|day nghe|"
            r"chuyen giao (?:khoa hoc|tien bo)|hoc nghe|thuoc bao ve thuc vat|khuyen nong|canh tac|phan bon|"
            r"vietgap|nuoi trong thuy san|lop hoc hien truong|so cap cuu|phong chay,? chua chay|pccc|"
            r"san xuat (?:lua|ca phe|che|rau)[a-z ]{0,20}ben vung|dao tao nghe|van hanh may|may nong nghiep)\b"
        ),
    ),
    # A sector's own specialists trained in their trade, not in Party/State work: statistics
    # enumerators and census staff, sports (referees, TDTT), libraries, forestry and livestock.
    # "trọng tài" only next to a course word or a sport: folded, "nghiêm trọng tại" has the same letters.
    (
        "nganh chuyen mon: thong ke/the thao/thu vien/lam nghiep",
        (
            r"\b(?:dieu tra vien|tong dieu tra|dieu tra dan so)\b|"
            r"\b(?:tap huan|dao tao|nghiep vu|the luc|lop|khoa) (?:cho )?trong tai\b|"
            r"\btrong tai (?:bong da|the thao|quoc gia|khu vuc)\b|\b(?:the duc the thao|tdtt)\b|"
            r"\b(?:nghiep vu|can bo) thu vien\b|\b(?:bao ve rung|kiem lam|khuyen lam|giong vat nuoi)\b"
        ),
    ),
    (
        "van ban/binh luan",
        (
            r"^(?:quyet dinh|thong tu|cong van|chi thi|nghi dinh)\b|\bban hanh (?:khung|quy che|ke hoach)\b|"
            r"^(?:nang cao chat luong|nang cao hieu qua|giai phap|doi moi)\b|\b(?:tom tat|tu khoa):|"
            r"^\((?:llct|tccs|qlnn|quanlynhanuoc\.vn|tapchicongsan\.org\.vn|lyluanchinhtri\.vn)\)|"
            r"^tccs\s*[-–]|\b(?:can thiet phai|can phai|phai chu trong|can chu trong)\b|"
            # A plan or programme for training, not a course: "Phê duyệt Đề án …", "lên kế hoạch đào tạo".
            r"\bphe duyet de an\b|\b(?:len|co) ke hoach dao tao\b"
        ),
    ),
]

# Reports that count courses among their results: a count of classes plus a reporting period.
_AGGREGATE_COUNT = re.compile(
    _NUMBER + r" (?:(?:lop|hoi nghi|dot|buoi)(?: (?:tap huan|boi duong|dao tao|hoc))?|luot)\b"
)
_REPORT_PERIOD = re.compile(
    r"\b(?:6 thang dau nam|nhung thang dau nam|thang dau nam|nam qua|nhiem ky qua|trong \d+ nam|"
    r"giai doan 20\d\d|tu dau nam|thoi gian qua|ke hoach nam|luot)\b"
)

# A training term in the same sentence as an event verb or a date range: the lead reports the course
# itself, not training in general.
_EVENT = re.compile(
    r"\b(?:to chuc|khai mac|khai giang|be giang|be mac|mo lop|mo \d+ lop|keo dai|tu ngay|"
    r"dien ra (?:tu|trong|vao|ngay|sang|chieu)|"
    r"trong (?:\d+|hai|ba) ngay|chu tri)\b"
)

_QUOTED = re.compile(r"[“\"][^”\"“]{8,300}[”\"]")

# What a course teaches is not the event: "tập huấn hướng dẫn tổ chức tọa đàm, đối thoại", "kỹ năng
# tổ chức đại hội chi bộ". "hội thảo tập huấn" is a training workshop, not a seminar; "thi đua, khen
# thưởng" (also "Thi đua – Khen thưởng") is a field of work that cadres are trained in ("Tập huấn công
# tác thi đua, khen thưởng"), not an award ceremony. None of these is penalized (a "tổng kết" of that
# work is still caught by its own term, a ceremony by "trao", "bằng khen", "danh hiệu"...).
_EXCUSED = re.compile(
    r"\bhoi thao tap huan\b|\bthi dua\s*+[,–-]?\s*+(?:va )?khen thuong\b|"
    r"\b(?:huong dan|ky nang|nghiep vu|quy trinh|cach)(?: cach)? to chuc (?:cac )?"
    r"(?:toa dam|doi thoai|hoi nghi|dai hoi|so ket|tong ket|hoi thi)\b"
)

# A report counting classes is decisive wherever it appears in the head.
_AGGREGATE_W = -4.0

_ZONE_WEIGHTS = {"title": (3.0, -4.0), "lead": (2.0, -2.5), "body": (0.5, 0.0)}


@dataclass(frozen=True)
class Relevance:
    is_training: bool
    score: float
    matched: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "matched": list(self.matched)}


def _hits(rules: list[tuple[str, str]], text: str) -> list[str]:
    return [label for label, pattern in rules if search(pattern, text)]


def _zone_score(z: Zone, matched: list[str]) -> tuple[float, bool]:
    """Adds this zone's entries to matched; returns (score, whether a training term was found)."""
    if not z.folded:
        return 0.0, False
    pos_w, neg_w = _ZONE_WEIGHTS[z.name]
    score = 0.0
    terms = _hits(_TRAINING, z.folded)
    for i, label in enumerate(terms[:3]):
        # The first term carries the zone's weight; further distinct terms only confirm it.
        w = pos_w if i == 0 else min(0.5, pos_w)
        score += w
        matched.append(f"{label}@{z.name}{w:+g}")
    if neg_w:
        # Quoted titles (of chuyên đề, documents, campaigns) name things; they are not the event.
        folded = _QUOTED.sub(" ", _EXCUSED.sub("", z.folded))
        for label in _hits(_NEGATIVE, folded):
            score += neg_w
            matched.append(f"-{label}@{z.name}{neg_w:+g}")
        for sentence in re.split(r"[.;]\s", folded):
            if _AGGREGATE_COUNT.search(sentence) and _REPORT_PERIOD.search(sentence):
                score += _AGGREGATE_W
                matched.append(f"-bao cao tong hop so lop@{z.name}{_AGGREGATE_W:+g}")
                break
    if terms and z.name != "body":
        for sentence in re.split(r"[.;]\s", z.folded):
            aggregate = _AGGREGATE_COUNT.search(sentence) and _REPORT_PERIOD.search(sentence)
            if _EVENT.search(sentence) and _hits(_TRAINING, sentence) and not aggregate:
                score += 1.0
                matched.append(f"su kien cu the@{z.name}+1")
                break
    return score, bool(terms)


def classify(title: str, summary: str | None, body: str) -> Relevance:
    title_z, lead_z, body_z = zones(title, summary, body)
    matched: list[str] = []
    score = 0.0
    found = False
    for z in (title_z, lead_z, body_z):
        s, f = _zone_score(z, matched)
        score += s
        found = found or f
        if z.name == "body" and s > 1.0:
            # The body can add at most +1: a long report may list trainings in passing.
            score -= s - 1.0
            matched.append(f"body cap@body{-(s - 1.0):+g}")
    # Who is trained is judged with a school's "cán bộ quản lý, giáo viên" read as teachers.
    title_aud = _SCHOOL_STAFF.sub("giao vien", title_z.folded)
    head = f"{title_aud}\n{_SCHOOL_STAFF.sub('giao vien', lead_z.folded)}"
    if found and search(_AUDIENCE, head):
        score += 1.0
        matched.append("doi tuong can bo/cot can@head+1")
    if found and search(_BOARDS, head):
        score += 0.5
        matched.append("ban/doan the@head+0.5")
    if found and _OTHER_AUDIENCE.search(title_aud) and not search(_AUDIENCE, title_aud):
        # The headline says who is trained and it is not cadres: that is what the article is about,
        # however many training words it has.
        score += _OTHER_AUDIENCE_TITLE_W
        matched.append(f"doi tuong ngoai pham vi@title{_OTHER_AUDIENCE_TITLE_W:+g}")
    elif found and _OTHER_AUDIENCE.search(head) and not search(_AUDIENCE, head):
        score += _OTHER_AUDIENCE_W
        matched.append(f"doi tuong ngoai pham vi@head{_OTHER_AUDIENCE_W:+g}")
    if found and _POLICY_SUBJECT.search(title_z.folded) and not (_EVENT.search(head) or _DATED.search(head)):
        score += _POLICY_W
        matched.append(f"bai viet ve cong tac dao tao, khong co su kien@head{_POLICY_W:+g}")
    score = round(score, 2)
    return Relevance(is_training=found and score >= THRESHOLD, score=score, matched=matched)
