"""Parse knowledge files in the seed's line layout into :class:`~bot.models.Article`.

The layout (one item per line, blank lines between them)::

    title
    view count            (optional)
    site
    dd/mm/yyyy HH:MM
    lead and body paragraphs ...
    <digits + percent-encoded image file name>   (optional, not text)
    image caption ending in "Ảnh: credit"        (follows the image line)
    ...more body paragraphs
    author                (a short last line)
    Nguồn bài viết:
    http(s)://... (the citation link)
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from bot.formats import VIETNAM_TZ, ParseError, validation_problem
from bot.formats.encoding import decode_bytes
from bot.models import Article, Fact, FactKind
from bot.text.normalize import clean
from bot.text.sentences import split_sentences

SOURCE_MARKER = re.compile(r"^\s*ngu[oồ]n\s*(b[aà]i\s*vi[eế]t)?\s*:\s*(?P<url>\S+)?\s*$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?$")
_VIEWS = re.compile(r"^\d[\d.,]*$")
SITE_LINE = re.compile(r"^[\w.-]+\.[a-z]{2,}$", re.IGNORECASE)
IMAGE_LINE = re.compile(r"^\d*\S*%[0-9A-Fa-f]{2}\S*$|^\S+\.(jpe?g|png|gif|webp)$", re.IGNORECASE)
_PHOTO_CREDIT = re.compile(r"\s*[.(]?\s*(Ảnh|Anh|Nguồn ảnh)\s*:\s*[^.]*\)?\s*$", re.IGNORECASE)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def parse_date(value: str) -> datetime:
    m = _DATE.match(value.strip())
    if not m:
        raise ParseError(f"bad date line {value.strip()[:40]!r} (expected dd/mm/yyyy HH:MM)")
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour, minute = int(m.group(4) or 0), int(m.group(5) or 0)
    try:
        return datetime(year, month, day, hour, minute, tzinfo=VIETNAM_TZ)
    except ValueError as exc:
        raise ParseError(f"bad date {value.strip()!r}: {exc}") from None


def strip_credit(caption: str) -> str:
    return _PHOTO_CREDIT.sub("", caption).strip().rstrip(".").strip() or caption


def looks_like_author(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 6 and len(line) <= 60 and not line.endswith((".", "!", "?", "…", ":", ";"))


def parse_article_text(text: str) -> Article:
    """Parse one file's text; raise :class:`ParseError` with a reason when it does not fit."""
    lines = [clean(line) for line in text.splitlines()]
    items = [line for line in lines if line]
    if not items:
        raise ParseError("no text")

    marker = next((i for i, line in enumerate(items) if SOURCE_MARKER.match(line)), None)
    if marker is None:
        raise ParseError('no "Nguồn bài viết:" line with the article URL')
    inline = SOURCE_MARKER.match(items[marker])
    url = (inline.group("url") if inline else None) or (items[marker + 1] if marker + 1 < len(items) else "")
    if not _URL.match(url):
        raise ParseError(f"no valid http(s) URL after 'Nguồn bài viết:' (found {url[:60]!r})")
    head, content = items[:marker], items[:marker]

    title = head[0]
    pos = 1
    views: int | None = None
    if pos < len(head) and _VIEWS.match(head[pos]):
        views = int(re.sub(r"[.,]", "", head[pos]))
        pos += 1
    if pos >= len(head) or not SITE_LINE.match(head[pos]):
        raise ParseError("no site line (a domain such as baokontum.com.vn) after the title")
    site = head[pos]
    pos += 1
    if pos >= len(head):
        raise ParseError("no date line")
    published = parse_date(head[pos])
    pos += 1
    content = head[pos:]

    caption: str | None = None
    paragraphs: list[str] = []
    skip_next_as_caption = False
    for line in content:
        if IMAGE_LINE.match(line):
            skip_next_as_caption = True
            continue
        if skip_next_as_caption:
            skip_next_as_caption = False
            if caption is None and len(line) <= 300:
                caption = strip_credit(line)
                continue
        paragraphs.append(line)

    author: str | None = None
    if len(paragraphs) > 1 and looks_like_author(paragraphs[-1]):
        author = paragraphs.pop()
    if not paragraphs:
        raise ParseError("empty body")
    try:
        return Article(
            url=url,
            title=title,
            site=site,
            published=published,
            author=author,
            views=views,
            caption=caption,
            paragraphs=tuple(paragraphs),
        )
    except ValidationError as exc:
        raise ParseError(f"invalid {validation_problem(exc)}") from None


def parse_article_file(path: Path) -> Article:
    """One file in the seed's line layout, in UTF-8 or a legacy encoding (Windows-1258, UTF-16 with BOM)."""
    return parse_article_text(decode_bytes(path.read_bytes()))


def parse_txt_file(path: Path) -> list[Article]:
    """:func:`parse_article_file` as the folder loader's readers return: a list."""
    return [parse_article_file(path)]


def article_facts(article: Article) -> list[Fact]:
    """The article's facts: its title, its caption and each body sentence, in order."""
    facts = [Fact(position=0, kind=FactKind.TITLE, text=article.title)]
    if article.caption:
        facts.append(Fact(position=1, kind=FactKind.CAPTION, text=article.caption))
    pos = 2
    for para in article.paragraphs:
        for sentence in split_sentences(para):
            facts.append(Fact(position=pos, kind=FactKind.BODY, text=sentence))
            pos += 1
    return facts
