"""Deterministic synthetic knowledge folders in the seed's line layout.

Every synthetic article is a variation of one template article (the seed and the dev
articles A/B/C): another of the 63 provinces, other numbers, dates, site, URL and author,
some sentences swapped in from the other templates, a few typos and dropped words.  The
template articles themselves are copied in unchanged, so the dev questions stay
answerable at every size.  Same ``seed`` and size, same files, byte for byte.
"""

from __future__ import annotations

import random
import re
import shutil
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.formats.seed import parse_article_file
from bot.resources import bundled_knowledge_dir
from bot.text.normalize import fold, tokens
from bot.text.sentences import split_sentences

# The dev set (synthetic test articles + questions), kept in the repository under eval/dev.
DEV_DIR = Path(__file__).resolve().parent.parent / "eval" / "dev"

# The 63 provinces and centrally-run cities (before the 2025 merger).
PROVINCES: tuple[str, ...] = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định",
    "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Đắk Lắk", "Đắk Nông", "Điện Biên",
    "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình",
    "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam",
    "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
    "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
    "Hà Nội", "Thành phố Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ",
)  # fmt: skip
assert len(PROVINCES) == 63

_NEWS_SITES = ("baochinhphu.vn", "moha.gov.vn", "dangcongsan.vn", "nhandan.vn", "vneconomy.vn",
               "thanhnien.vn", "tuoitre.vn", "vnexpress.net", "laodong.vn", "baotintuc.vn")  # fmt: skip
_SECTIONS = ("thoi-su", "chinh-tri", "cai-cach-hanh-chinh", "chuyen-doi-so", "to-chuc-bo-may", "xa-hoi")
_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
_MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Thanh", "Quang", "Đức", "Hữu", "Thu", "Hoài")
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hương", "Lan", "Long", "Mai", "Nam", "Phúc", "Sơn", "Tâm",
          "Thảo", "Trung", "Tuấn", "Việt", "Yến")  # fmt: skip

_PROVINCE_RE = re.compile("|".join(re.escape(p) for p in sorted(PROVINCES, key=len, reverse=True)))
_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b")
_YEAR_RE = re.compile(r"\b(19[5-9]\d|20[0-3]\d)\b")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_DATE_OR_NUMBER_RE = re.compile(rf"(?P<date>{_DATE_RE.pattern})|{_NUMBER_RE.pattern}")
_WORD_RE = re.compile(r"[^\W\d_]{3,}")
# A person's name: a common surname and one to three capitalised syllables.
_NAME_RE = re.compile(
    rf"(?<!Thành phố )\b(?:{'|'.join((*_SURNAMES, 'Trương', 'Dương', 'Lý', 'Đinh', 'Mai'))})(?: [A-ZĐ][^\W\d_]+){{1,3}}"
)
_ORDINALS = ("nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười")
_ORDINAL_RE = re.compile(rf"\b(Phiên họp|phiên họp|Hội nghị|hội nghị|Kỳ họp|kỳ họp) thứ ({'|'.join(_ORDINALS)})\b")
_NATION_RE = re.compile(r"\b([Tt]rong cả nước|[Cc]ả nước|của Chính phủ|Chính phủ)\b")


@dataclass(frozen=True)
class Template:
    title: str
    caption: str | None
    paragraphs: tuple[tuple[str, ...], ...]  # sentences of each paragraph
    province: str | None


@dataclass
class Corpus:
    """What :func:`write_corpus` wrote."""

    folder: Path
    files: int = 0
    facts: int = 0  # estimated with the project's sentence splitter
    dev_urls: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)  # every synthetic body sentence, in order


def template_files(dev_articles: Path | None = DEV_DIR / "articles") -> list[Path]:
    """The bundled seed article(s) and, when the folder exists, the dev articles."""
    seed = sorted(bundled_knowledge_dir().glob("*.txt"))
    dev = sorted(dev_articles.glob("*.txt")) if dev_articles is not None and dev_articles.is_dir() else []
    return seed + dev


def load_templates(paths: Sequence[Path]) -> list[Template]:
    out: list[Template] = []
    for path in paths:
        article = parse_article_file(path)
        m = _PROVINCE_RE.search(article.title)
        out.append(
            Template(
                title=article.title,
                caption=article.caption,
                paragraphs=tuple(tuple(split_sentences(p)) for p in article.paragraphs),
                province=m.group(0) if m else None,
            )
        )
    return out


class _Mutator:
    """Rewrites template sentences for one synthetic article."""

    def __init__(self, rng: random.Random, province: str, year: int, avoid: str | None) -> None:
        self.rng = rng
        self.province = province
        self.others = [p for p in PROVINCES if p != avoid]
        self.year = year
        self.typo_rate = 0.06
        self.drop_rate = 0.08
        self.provincial_rate = 1.0

    def _number(self, m: re.Match[str]) -> str:
        s = m.group(0)
        rng = self.rng
        if _YEAR_RE.fullmatch(s):
            return str(self.year - rng.choice((0, 0, 1, 1, 2)))
        if "," in s and s.count(",") == 1 and len(s.split(",")[1]) <= 2:  # decimal comma: 87,36
            whole, frac = s.split(",")
            return f"{rng.randint(1, 10 ** len(whole) - 1)},{rng.randint(0, 10 ** len(frac) - 1):0{len(frac)}d}"
        digits = re.sub(r"\D", "", s)
        if m.string[m.end() : m.end() + 1] == "%":  # a share stays a share
            return str(rng.randint(1, 99))
        if len(digits) >= 4 and ("." in s):  # thousands separators: 12.345
            n = rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1)
            return f"{n:,}".replace(",", ".")
        return str(rng.randint(1, max(9, 10 ** len(digits) - 1)))

    def _provincial(self, m: re.Match[str]) -> str:
        word = m.group(1)
        if word.lower().endswith("cả nước"):
            new = "trong toàn tỉnh" if word.lower().startswith("trong") else "toàn tỉnh"
            return new[0].upper() + new[1:] if word[0].isupper() else new
        return f"tỉnh {self.province}" if word == "của Chính phủ" else "UBND tỉnh"

    def _date_or_number(self, m: re.Match[str]) -> str:
        return self._date(m) if m.group("date") else self._number(m)

    def _date(self, m: re.Match[str]) -> str:
        month, year = m.group(3), m.group(4)
        if int(month) > 12:  # a rank such as 21/63
            return f"{self.rng.randint(1, 63)}/63"
        d, mo = self.rng.randint(1, 28), self.rng.randint(1, 12)
        return f"{d}/{mo}/{self.year}" if year else f"{d}/{mo}"

    def _typo(self, sentence: str) -> str:
        words = list(_WORD_RE.finditer(sentence))
        if not words:
            return sentence
        w = self.rng.choice(words)
        word = w.group(0)
        kind = self.rng.randrange(3)
        if kind == 0:  # lost diacritics on one word
            new = fold(word) if word.islower() else word
        elif kind == 1:  # two letters swapped
            i = self.rng.randrange(len(word) - 1)
            new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:  # a doubled letter
            i = self.rng.randrange(len(word))
            new = word[:i] + word[i] + word[i:]
        return sentence[: w.start()] + new + sentence[w.end() :]

    def _drop_word(self, sentence: str) -> str:
        words = sentence.split(" ")
        if len(words) < 8:
            return sentence
        i = self.rng.randrange(1, len(words) - 1)
        return " ".join(words[:i] + words[i + 1 :])

    def sentence(self, text: str) -> str:
        rng = self.rng
        text = _PROVINCE_RE.sub(lambda _m: self.province if rng.random() < 0.8 else rng.choice(self.others), text)
        text = _NAME_RE.sub(lambda _m: _person(rng), text)
        text = _ORDINAL_RE.sub(lambda m: f"{m.group(1)} thứ {rng.choice(_ORDINALS)}", text)
        if rng.random() < self.provincial_rate:  # a provincial event rather than a national one
            text = _NATION_RE.sub(self._provincial, text)
        text = _DATE_OR_NUMBER_RE.sub(self._date_or_number, text)
        if rng.random() < self.drop_rate:
            text = self._drop_word(text)
        if rng.random() < self.typo_rate:
            text = self._typo(text)
        return text


def _slug(text: str) -> str:
    return "-".join(tokens(text))[:80].strip("-") or "bai-viet"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def synthetic_article(rng: random.Random, number: int, templates: Sequence[Template],
                      pool: Sequence[str]) -> tuple[str, list[str], int]:  # fmt: skip
    """One article file's text, its body sentences and its estimated fact count."""
    tpl = rng.choice(templates)
    # Never a copy of a template about its own province: that would be a second, equally good
    # answer (with other numbers) to every question on the template, which no search can tell apart.
    province = rng.choice([p for p in PROVINCES if p != tpl.province])
    year = rng.randint(2018, 2025)
    mut = _Mutator(rng, province, year, tpl.province)
    title = mut.sentence(tpl.title)
    if tpl.province is None and rng.random() < 0.5:
        title = f"{province}: {title}"
    body: list[str] = []
    paragraphs: list[str] = []
    for para in tpl.paragraphs:
        if rng.random() < 0.15:
            continue  # a paragraph left out
        sentences = [mut.sentence(rng.choice(pool) if rng.random() < 0.4 else s) for s in para]
        body.extend(sentences)
        paragraphs.append(" ".join(sentences))
    if not paragraphs:
        sentences = [mut.sentence(rng.choice(pool)) for _ in range(3)]
        body.extend(sentences)
        paragraphs.append(" ".join(sentences))
    site = rng.choice((*_NEWS_SITES, f"bao{_slug(province).replace('-', '')}.vn",
                       f"sonoivu.{_slug(province).replace('-', '')}.gov.vn"))  # fmt: skip
    url = f"https://{site}/{rng.choice(_SECTIONS)}/{_slug(title)}-{number}{rng.randint(100, 999)}.html"
    lines = [title, str(rng.randint(5, 25000)), site,
             f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year} {rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}"]  # fmt: skip
    facts = 1
    lines.append(paragraphs[0])
    if tpl.caption and rng.random() < 0.7:
        caption = mut.sentence(tpl.caption)
        lines.append(f"{rng.randint(100000, 999999)}{urllib.parse.quote(caption[:60])}......")
        lines.append(f"{caption}. Ảnh: {rng.choice(_GIVEN)}")
        facts += 1
    lines.extend(paragraphs[1:])
    lines.extend([_person(rng), "", "Nguồn bài viết:", url])
    facts += sum(len(split_sentences(p)) for p in paragraphs)
    return "\n\n".join(lines) + "\n", body, facts


def write_corpus(
    folder: Path, n_facts: int, seed: int = 20240202, templates_from: Sequence[Path] | None = None
) -> Corpus:
    """Write about ``n_facts`` facts of articles into ``folder`` (created, must be empty or absent)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = list(templates_from) if templates_from is not None else template_files()
    templates = load_templates(paths)
    if not templates:
        raise ValueError("no template article to vary")
    pool = [s for t in templates for p in t.paragraphs for s in p]
    corpus = Corpus(folder=folder)
    for path in paths:
        shutil.copy(path, folder / path.name)
        article = parse_article_file(path)
        corpus.dev_urls.append(article.url_str)
        corpus.files += 1
        corpus.facts += 1 + bool(article.caption) + sum(len(split_sentences(p)) for p in article.paragraphs)
    rng = random.Random(seed)
    number = 0
    while corpus.facts < n_facts:
        text, body, facts = synthetic_article(rng, number, templates, pool)
        (folder / f"syn_{number:06d}.txt").write_text(text, encoding="utf-8")
        corpus.sentences.extend(body)
        corpus.facts += facts
        corpus.files += 1
        number += 1
    return corpus


def more_articles(folder: Path, count: int, seed: int, first_number: int = 900_000) -> list[Path]:
    """Write ``count`` new synthetic articles into ``folder`` (numbered from ``first_number``, so their
    URLs are new to a corpus written by :func:`write_corpus`); their paths, in order."""
    templates = load_templates(template_files())
    pool = [s for t in templates for p in t.paragraphs for s in p]
    rng = random.Random(seed)
    paths = []
    for number in range(first_number, first_number + count):
        text, _body, _facts = synthetic_article(rng, number, templates, pool)
        path = folder / f"syn_{number:06d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
