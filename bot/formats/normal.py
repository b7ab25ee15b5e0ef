"""The one normal form ingested articles are stored in: the seed's line layout.

:func:`canonical_article` adjusts an article from any source so that it survives the layout
(cleaned text, minute-precision Vietnam time, a domain as site, no body line the parser would
take for a marker); :func:`format_article_text` writes it, and
``bot.formats.seed.parse_article_text(format_article_text(a)) == a`` for every canonical ``a``.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from bot.formats import VIETNAM_TZ, ParseError
from bot.formats.seed import (
    IMAGE_LINE,
    SITE_LINE,
    SOURCE_MARKER,
    looks_like_author,
    parse_article_text,
    strip_credit,
)
from bot.models import Article
from bot.text.normalize import clean

IMAGE_PLACEHOLDER = "anh.jpg"  # an image line: the layout puts the caption right after one
MAX_CAPTION = 300


class NormalFormError(ParseError):
    """An article that cannot be stored in the normal form; the message says why."""


def article_file_name(url: str) -> str:
    """The knowledge file name for an article: a hash of its URL, so a new version overwrites the old."""
    return f"web_{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}.txt"


def site_from_url(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return host if SITE_LINE.match(host) else None


def _safe_line(line: str) -> str | None:
    """A body line as the layout keeps it, or None for a line the parser would misread."""
    line = clean(line)
    if not line or IMAGE_LINE.match(line):
        return None
    if SOURCE_MARKER.match(line):
        return f"({line})"  # "Nguồn: TTXVN" is a credit, not the article's source marker
    return line


def _stable_caption(caption: str) -> str:
    for _ in range(10):
        stripped = strip_credit(caption)
        if stripped == caption:
            break
        caption = stripped
    return caption


def canonical_article(article: Article) -> Article:
    """The article as the normal form stores it (raise :class:`NormalFormError` when it cannot be)."""
    url = article.url_str
    title = clean(article.title)
    if not title or SOURCE_MARKER.match(title):
        raise NormalFormError("no usable title")
    site = clean(article.site).lower().removeprefix("www.")
    if not SITE_LINE.match(site):
        site = site_from_url(url) or ""
    if not site:
        raise NormalFormError(f"cannot tell the site: neither {article.site!r} nor the URL host is a domain name")
    paragraphs = [
        safe for para in article.paragraphs for line in para.splitlines() if (safe := _safe_line(line)) is not None
    ]
    caption = _safe_line(article.caption or "")
    if caption is not None:
        caption = _stable_caption(caption)
        if len(caption) > MAX_CAPTION or SOURCE_MARKER.match(caption) or IMAGE_LINE.match(caption):
            caption = None
    author = clean(article.author or "").rstrip(".!?…:;").strip() or None
    if author is not None and (not looks_like_author(author) or _safe_line(author) != author):
        author = None  # would read back as a body paragraph
    if author is None and len(paragraphs) > 1 and looks_like_author(paragraphs[-1]):
        author = paragraphs.pop()  # the layout reads a short last line as the byline
    if not paragraphs:
        raise NormalFormError("no body text")
    published = article.published.astimezone(VIETNAM_TZ).replace(second=0, microsecond=0)
    return Article(
        url=article.url,
        title=title,
        site=site,
        published=published,
        author=author,
        views=article.views,
        caption=caption,
        paragraphs=tuple(paragraphs),
    )


def format_article_text(article: Article) -> str:
    """The article in the seed's line layout (pass a :func:`canonical_article` for an exact round trip)."""
    lines = [article.title]
    if article.views is not None:
        lines.append(str(article.views))
    lines.append(article.site)
    lines.append(article.published.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M"))
    if article.caption:
        lines.extend([IMAGE_PLACEHOLDER, article.caption])
    lines.extend(article.paragraphs)
    if article.author:
        lines.append(article.author)
    return "\n\n".join(lines) + f"\n\n\nNguồn bài viết:\n{article.url_str}\n"


def normal_form(article: Article) -> tuple[Article, str]:
    """The canonical article and its file text, checked to read back identically."""
    canonical = canonical_article(article)
    text = format_article_text(canonical)
    try:
        again = parse_article_text(text)
    except ParseError as exc:
        raise NormalFormError(f"the normal form does not read back: {exc}") from None
    if again != canonical:
        raise NormalFormError("the normal form does not read back identically")
    return canonical, text
