"""Topic tags from keywords on the folded text. The order of the tags is the order of `TOPICS`, so
the output is stable; tag names are readable Vietnamese with diacritics."""

from __future__ import annotations

from crawler.relevance._match import search
from crawler.relevance._text import zones

# (tag, folded pattern). Keep specific tags before the broad ones they overlap with.
TOPICS: tuple[tuple[str, str], ...] = (
    ("dân vận khéo", r"\bdan van kheo\b"),
    ("dân vận", r"\b(?:dan van|van dong quan chung|khoi van)\b"),
    ("tuyên giáo", r"\b(?:tuyen giao|tuyen huan|khoa giao|du luan xa hoi|bao ve nen tang tu tuong)\b"),
    ("báo cáo viên / tuyên truyền miệng", r"\b(?:bao cao vien|tuyen truyen mieng|tuyen truyen vien)\b"),
    ("tôn giáo", r"\b(?:ton giao|tin nguong|chuc sac|tin do|phat giao|cong giao|tin lanh|cao dai|hoa hao)\b"),
    (
        "dân tộc",
        r"\b(?:dan toc thieu so|dong bao dan toc|cong tac dan toc|chinh sach dan toc|dtts|"
        r"nguoi co uy tin|gia lang)\b",
    ),
    (
        "an ninh trật tự",
        r"\b(?:an ninh trat tu|an ninh,? trat tu|antt|an ninh chinh tri|"
        r"bao ve an ninh to quoc|trat tu an toan xa hoi)\b",
    ),
    (
        "quốc phòng",
        r"\b(?:quoc phong|qp-an|qp&an|khu vuc phong thu|dan quan tu ve|luc luong vu trang|"
        r"bien gioi|bien,? dao)\b",
    ),
    (
        "công tác Mặt trận",
        r"\b(?:mat tran to quoc|mttq|ubmttq|cong tac mat tran|can bo mat tran|"
        r"giam sat,? (?:va )?phan bien xa hoi)\b",
    ),
    ("quy chế dân chủ ở cơ sở", r"\b(?:quy che dan chu|dan chu o co so|thuc hien dan chu)\b"),
    (
        "xây dựng Đảng",
        r"\b(?:xay dung dang|dang vien moi|chinh don dang|to chuc co so dang|"
        r"ly luan chinh tri|cong tac dang|nhan thuc ve dang)\b",
    ),
    (
        "chuyển đổi số",
        r"\b(?:chuyen doi so|ky nang so|cong nghe so|nen tang so|binh dan hoc vu so|"
        r"chinh quyen so|chinh phu so)\b",
    ),
    ("cải cách hành chính", r"\b(?:cai cach hanh chinh|thu tuc hanh chinh|cchc|dich vu cong)\b"),
    ("phòng chống tham nhũng", r"\b(?:tham nhung|pctn|tieu cuc|lieu chinh|noi chinh)\b"),
    ("pháp luật", r"\b(?:pho bien,? giao duc phap luat|pbgdpl|tuyen truyen phap luat)\b"),
    (
        "công tác Đoàn, thanh niên",
        r"\b(?:cong tac doan|can bo doan|doan thanh nien|tinh doan|thanh doan|"
        r"thanh thieu nhi)\b",
    ),
    ("công tác Hội Phụ nữ", r"\b(?:hoi lien hiep phu nu|hoi lhpn|can bo hoi phu nu|cong tac phu nu)\b"),
    ("công tác Hội Nông dân", r"\b(?:hoi nong dan|can bo hoi nong dan)\b"),
    ("công tác công đoàn", r"\b(?:cong doan|lien doan lao dong|ldld)\b"),
    ("công tác Hội Cựu chiến binh", r"\b(?:hoi cuu chien binh|hoi ccb)\b"),
)


def topics(title: str, summary: str | None, body: str) -> list[str]:
    """Tags whose keywords occur in the title, lead or body; in `TOPICS` order, without repeats."""
    text = "\n".join(z.folded for z in zones(title, summary, body))
    return [tag for tag, pattern in TOPICS if search(pattern, text)]
