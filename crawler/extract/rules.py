"""Vietnamese newsroom conventions applied to the paragraphs of a body.

Source credits ("(baolangson.vn)", "Theo TTXVN" at the end, "(Chinhphu.vn) -" before the lead) give
`source`, the outlet a republished item comes from; a credit naming the page's own outlet (its domain,
its name, or the paper's abbreviation before the lead: "(CTO) -", "LSO -") is cut and gives none. The
trailing byline ("KIM PHƯỢNG", "Tin, ảnh: P.Y", "MINH ANH (TTXVN)") to `author`, widget labels are dropped.
Matching is done on the folded text (no diacritics, lower case) so that "Lượt xem"/"LƯỢT XEM" agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.text.normalize import strip_marks


def plain_fold(text: str) -> str:
    """strip_marks and trim: for text that is already normalized (crawler.text.fold normalizes first)."""
    return strip_marks(text).strip()


# Whole-paragraph widget labels (folded). A paragraph equal to one of these, optionally followed by a
# colon and a few words, is page furniture, not article text.
WIDGET_LABELS = (
    "danh gia bai viet",
    "tin lien quan",
    "cac tin khac",
    "tin khac",
    "gui cho ban be",
    "gui ban be",
    "in bai",
    "in bai viet",
    "chia se",
    "chia se bai viet",
    "binh luan",
    "y kien ban doc",
    "xem voi co chu",
    "bai viet cung chuyen muc",
    "tin cung chuyen muc",
    "tu khoa",
    "tags",
    "tag",
    "ban dang xem",
    "xem them",
    "doc them",
    "tin moi",
    "tin moi nhat",
    "tin doc nhieu",
    "doc nhieu",
    "quay lai",
    "ve dau trang",
    "gui",
    "email",
    "facebook",
    "twitter",
    "zalo",
    "luot xem",
    "copy link",
    "theo doi",
    "nghe doc bai",
    "chia se facebook",
    "gui y kien",
    "tro ve",
    "trang chu",
    "dong",
    "ban in",
    # The same furniture in English templates (ads, sharing, slideshow and video players).
    "advertisement",
    "ad",
    "advert",
    "sponsored",
    "read more",
    "see more",
    "read next",
    "continue reading",
    "related",
    "share",
    "share this",
    "caption",
    "close",
    "thanks for watching",
)
# A slideshow's position ("1 / 8") alone on a line.
_SLIDE_COUNTER = re.compile(r"(?<!\d)\d++\s*+/\s*+\d++")
_LABEL_PREFIXES = (
    "luot xem",
    "tu khoa:",
    "tags:",
    "tag:",
    "ban dang xem",
    "xem them:",
    "tin lien quan:",
    "chia se:",
    "luot truy cap",
    "so luot xem",
    "xem voi co chu",
)
# A match starts at its punctuation or where the spaces before "Lượt" start (never inside them: tried
# from every space, a long run of spaces was quadratic); the runs of spaces are possessive.
_VIEWS_INLINE = re.compile(r"(?:[,|-]|(?<!\s))\s*+Lượt\s++xem\s*+(?::\s*+)?\d[\d.,]*", re.I)

# "(CTO) - ", "(Baothanhhoa.vn) - ", "(VTC News) - ", "LSO - ", "CTTĐT - ", "TTXVN - "
_LEAD_CREDIT = re.compile(r"^\s*+(?:\(\s*([^()]{2,40}?)\s*\)|([A-ZĐ][A-ZĐ0-9]{1,7}(?:\.VN)?))\s*+[-–—:]\s+(?=\S)")
# The credit patterns only match short texts (a credit is at most 80 characters); they see no more
# than this, so a page of spaces cannot make their backtracking over runs of spaces costly.
_CREDIT_WINDOW = 200
_DOMAIN = re.compile(r"^(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:vn|com|net|org|gov|info))$", re.I)
# Trailing "(baolangson.vn)", "Theo TTXVN", "Nguồn: Báo Lạng Sơn", "(Theo Báo Lạng Sơn)".
# Possessive spaces: the credit starts at the first non-space and ends at the last one (backtracking over
# runs of spaces was cubic). Texts are normalized (single spaces), where this is the same as `\s*`/`\s+`.
_TRAIL_CREDIT = re.compile(r"^\(?\s*+(?:theo|nguồn(?:\s*+:)?)\s++(.{2,80}?)\s*+\)?\.?$", re.I)
_PAREN_ONLY = re.compile(r"^\(\s*([^()]{3,60})\s*\)\.?$")
# "Tin, ảnh: P.Y", "Bài và ảnh: X", "Tin: X", "Bài, ảnh: X", "Ảnh: X" as the last line.
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:tin|bài|bài viết|tin bài|tin và ảnh|bài và ảnh|tin, ảnh|bài, ảnh|tin - ảnh|bài - ảnh|nhóm pv|pv)"
    r"\s*:\s*)(.{2,60})$",
    re.I,
)
_CAPTION_PREFIX = re.compile(r"^\(?\s*(?:ảnh|ảnh minh họa|ảnh minh hoạ|video|nguồn ảnh)\s*:", re.I)
_AGENCY_SUFFIX = re.compile(r"^(.*?)\s*\(\s*([^()]{2,30})\s*\)$")
_SENTENCE_END = re.compile(r"[.!?…:;]$")


def normalize_source(raw: str) -> str | None:
    """A credit as a source name: domains lower-case ("baolangson.vn"), "Theo X" -> "X"."""
    text = raw.strip().rstrip(" .-–—:").strip().strip("()").strip()
    match = _TRAIL_CREDIT.match(text) if len(text) <= _CREDIT_WINDOW else None
    if match:
        text = match.group(1).strip().strip("()").strip()
    text = text.rstrip(" .-–—:")
    if not text:
        return None
    if _DOMAIN.match(text):
        return _DOMAIN.match(text).group(1).lower()  # type: ignore[union-attr]
    return text


def lead_credit(paragraph: str) -> tuple[str | None, str]:
    """("CTO", rest) for "(CTO) - Ngày 8-1, ...", else (None, paragraph)."""
    match = _LEAD_CREDIT.match(paragraph[:_CREDIT_WINDOW])
    if not match:
        return None, paragraph
    credit = match.group(1) or match.group(2)
    # "(Ảnh: ...)" or a long parenthetical sentence is not a credit.
    if credit is None or len(credit.split()) > 5 or _CAPTION_PREFIX.match(credit):
        return None, paragraph
    return normalize_source(credit), paragraph[match.end() :]


# National agencies and broadcasters whose abbreviation before a lead names where the item comes from,
# not the paper printing it ("TTXVN - Sáng 9/12, ..." on a provincial paper).
AGENCY_MARKS = frozenset(["ttxvn", "vna", "vov", "vtv", "ttx"])
_ABBREVIATION = re.compile(r"^[A-ZĐ][A-ZĐ0-9]{1,7}$")


@dataclass(frozen=True)
class OwnOutlet:
    """The outlet publishing the page: its domains (registry `allowed_domains`, the page host) and
    names (registry name, og:site_name), folded."""

    domains: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, domains: list[str], names: list[str]) -> OwnOutlet:
        doms = {d.lower().removeprefix("www.").strip(".") for d in domains if d}
        folded = {" ".join(plain_fold(n).split()) for n in names if n and n.strip()}
        return cls(tuple(sorted(d for d in doms if d)), tuple(sorted(f for f in folded if f)))

    def _labels(self) -> set[str]:
        # "baolangson.vn" -> "baolangson", "thainguyen.dcs.vn" -> "thainguyen": a name written
        # without spaces ("Báo Lạng Sơn" -> "baolangson") is the same outlet.
        return {d.split(".")[0] for d in self.domains if len(d.split(".")[0]) >= 6}

    def names_credit(self, credit: str) -> bool:
        """Whether a credit (normalized: "baolangson.vn", "VTC News", "Báo Lạng Sơn") names this outlet."""
        text = credit.strip().lower().removeprefix("www.")
        if _DOMAIN.match(text):
            return any(text == d or text.endswith("." + d) or d.endswith("." + text) for d in self.domains)
        folded = " ".join(plain_fold(credit).split())
        if not folded:
            return False
        if folded.replace(" ", "") in self._labels():
            return True
        for name in self.names:
            if folded == name:
                return True
            short, long = sorted((folded, name), key=len)
            # Whole words, and more than one word: "VTC News" in "Báo điện tử VTC News", not "Đà Nẵng"
            # in "Cổng thông tin điện tử thành phố Đà Nẵng" against "Báo Đà Nẵng".
            if len(short.split()) >= 2 and re.search(rf"(?:^|\s){re.escape(short)}(?:\s|$)", long):
                return True
        return False

    def own_lead_mark(self, credit: str) -> bool:
        """Whether a credit printed before the lead is the paper's own mark: its domain or name, or an
        abbreviation ("CTO", "LSO", "KGO", "TTĐT", "CTTĐT") other than a national agency's."""
        if self.names_credit(credit):
            return True
        text = credit.strip()
        return bool(_ABBREVIATION.match(text)) and plain_fold(text) not in AGENCY_MARKS


def trailing_credit(paragraph: str) -> str | None:
    """The source named by a last paragraph like "(baolangson.vn)" or "Theo TTXVN", else None."""
    text = paragraph.strip()
    if len(text) > 90:
        return None
    match = _TRAIL_CREDIT.match(text)
    if match and len(match.group(1).split()) <= 8:
        return normalize_source(match.group(1))
    match = _PAREN_ONLY.match(text)
    if match and _DOMAIN.match(match.group(1).strip()):
        return normalize_source(match.group(1))
    return None


def _upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def byline(paragraph: str, *, strong: bool = False) -> tuple[str | None, str | None]:
    """(author, agency) when a last paragraph is a byline: upper-case names ("HÀ NAM - LÊ HOA",
    "MINH ANH (TTXVN)"), a prefixed credit ("Tin, ảnh: P.Y"), or, when `strong` (right-aligned or
    bold on the page), a short title-case name ("Anh Dũng")."""
    text = paragraph.strip().rstrip(".")
    if not text or len(text) > 70:
        return None, None
    match = _BYLINE_PREFIX.match(text)
    if match:
        return match.group(1).strip(), None
    agency = None
    suffix = _AGENCY_SUFFIX.match(text)
    if suffix and suffix.group(1):
        text, agency = suffix.group(1).strip(), suffix.group(2).strip()
    words = text.replace("-", " ").replace(",", " ").split()
    if not words or len(words) > 9 or _SENTENCE_END.search(text) or any(ch.isdigit() for ch in text):
        return None, None
    if _upper_ratio(text) >= 0.9 and sum(c.isalpha() for c in text) >= 3:
        return text, agency
    # A short title-case name alone on the last line ("Anh Dũng"); longer ones only when the page
    # sets the line apart (right-aligned or bold).
    limit = 5 if (strong or agency) else 3
    if len(words) <= limit and all(w[0].isupper() for w in words if w[0].isalpha()):
        return text, agency
    return None, None


def is_widget_label(paragraph: str) -> bool:
    folded = plain_fold(paragraph).strip(" :.!-|»>")
    if not folded:
        return True
    if folded in WIDGET_LABELS or _SLIDE_COUNTER.fullmatch(folded):
        return True
    return any(folded.startswith(p) for p in _LABEL_PREFIXES) and len(folded) < 80


def strip_inline_widgets(paragraph: str) -> str:
    return _VIEWS_INLINE.sub("", paragraph).strip()


def is_caption_text(paragraph: str) -> bool:
    """ "Ảnh: ...", "(Ảnh minh họa)" style lines."""
    text = paragraph.strip()
    return bool(_CAPTION_PREFIX.match(text)) or bool(re.search(r"\(\s*ảnh\s*:[^()]{1,60}\)\s*\.?$", text, re.I))
