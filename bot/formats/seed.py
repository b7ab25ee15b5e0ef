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
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.models import Article, Fact, FactKind
from bot.text.normalize import clean
from bot.text.sentences import split_sentences

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_FILE_BYTES = 5_000_000

_SOURCE_MARKER = re.compile(r"^\s*ngu[oồ]n\s*(b[aà]i\s*vi[eế]t)?\s*:\s*(?P<url>\S+)?\s*$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?$")
_VIEWS = re.compile(r"^\d[\d.,]*$")
_SITE = re.compile(r"^[\w.-]+\.[a-z]{2,}$", re.IGNORECASE)
_IMAGE_LINE = re.compile(r"^\d*\S*%[0-9A-Fa-f]{2}\S*$|^\S+\.(jpe?g|png|gif|webp)$", re.IGNORECASE)
_PHOTO_CREDIT = re.compile(r"\s*[.(]?\s*(Ảnh|Anh|Nguồn ảnh)\s*:\s*[^.]*\)?\s*$", re.IGNORECASE)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class ParseError(ValueError):
    """A knowledge file that does not fit the layout; the message says why."""


def read_text(path: Path) -> str:
    """The file's text, or :class:`ParseError` for binary, oversize or non-UTF-8 files."""
    size = path.stat().st_size
    if size == 0:
        raise ParseError("empty file")
    if size > MAX_FILE_BYTES:
        raise ParseError(f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise ParseError("binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text (invalid byte at offset {exc.start})") from None


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


def _strip_credit(caption: str) -> str:
    return _PHOTO_CREDIT.sub("", caption).strip().rstrip(".").strip() or caption


def _looks_like_author(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 6 and len(line) <= 60 and not line.endswith((".", "!", "?", "…", ":", ";"))


def parse_article_text(text: str) -> Article:
    """Parse one file's text; raise :class:`ParseError` with a reason when it does not fit."""
    lines = [clean(line) for line in text.splitlines()]
    items = [line for line in lines if line]
    if not items:
        raise ParseError("no text")

    marker = next((i for i, line in enumerate(items) if _SOURCE_MARKER.match(line)), None)
    if marker is None:
        raise ParseError('no "Nguồn bài viết:" line with the article URL')
    inline = _SOURCE_MARKER.match(items[marker])
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
    if pos >= len(head) or not _SITE.match(head[pos]):
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
        if _IMAGE_LINE.match(line):
            skip_next_as_caption = True
            continue
        if skip_next_as_caption:
            skip_next_as_caption = False
            if caption is None and len(line) <= 300:
                caption = _strip_credit(line)
                continue
        paragraphs.append(line)

    author: str | None = None
    if len(paragraphs) > 1 and _looks_like_author(paragraphs[-1]):
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
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ParseError(f"invalid {where}: {first['msg']}") from None


def parse_article_file(path: Path) -> Article:
    return parse_article_text(read_text(path))


def article_facts(article: Article) -> list[Fact]:
    """The article's facts: its title, its caption and each body sentence, in order."""
    url = article.url_str
    facts = [Fact(article_url=url, position=0, kind=FactKind.TITLE, text=article.title)]
    if article.caption:
        facts.append(Fact(article_url=url, position=1, kind=FactKind.CAPTION, text=article.caption))
    pos = 2
    for para in article.paragraphs:
        for sentence in split_sentences(para):
            facts.append(Fact(article_url=url, position=pos, kind=FactKind.BODY, text=sentence))
            pos += 1
    return facts
