"""RSS and Atom feeds (feedparser): each item's link is an article; its summary is the fallback body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import struct_time
from typing import Any

from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser

from bot.formats import VIETNAM_TZ, ParsedFile, ParseError, validation_problem
from bot.formats.encoding import decode_bytes
from bot.formats.html import canonical_url
from bot.formats.normal import site_from_url
from bot.models import Article
from bot.text.normalize import clean

FEED_SUFFIXES = (".xml", ".rss", ".atom")
MAX_FEED_ITEMS = 100  # items read from one feed; the rest are reported, not read
FEED_CONTENT_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml"}
)


@dataclass(frozen=True)
class FeedItem:
    """One feed entry: where its article is, and what the feed itself says about it."""

    position: int
    link: str | None
    title: str
    published: datetime | None
    author: str | None
    summary: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"item {self.position}" + (f" ({self.link})" if self.link else "")


def html_paragraphs(fragment: str) -> tuple[str, ...]:
    """Plain-text paragraphs of an HTML fragment (a feed summary)."""
    tree = LexborHTMLParser(f"<body>{fragment}</body>")
    paras = [p.text(separator=" ", strip=True) for p in tree.css("p")]
    if not any(paras) and tree.body is not None:
        paras = [tree.body.text(separator=" ", strip=True)]
    return tuple(c for c in (clean(p) for p in paras) if c)


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, struct_time):
            return datetime(*value[:6], tzinfo=UTC).astimezone(VIETNAM_TZ)
    return None


def looks_like_feed(text: str) -> bool:
    head = text[:2048].lower()
    return "<rss" in head or "<feed" in head or "<rdf:rdf" in head


@dataclass(frozen=True)
class Feed:
    items: list[FeedItem]
    ignored: int  # items past the limit

    def problem(self, limit: int) -> tuple[str, str] | None:
        """(where, reason) for the items left out, or None."""
        if not self.ignored:
            return None
        return f"items {limit + 1}-{limit + self.ignored}", f"{self.ignored} items past the limit of {limit} per feed"


def feed_items(text: str, max_items: int = MAX_FEED_ITEMS) -> Feed:
    """The first ``max_items`` entries of an RSS/Atom document, or :class:`ParseError` when it is not a feed.

    CPU-bound (a large feed takes seconds): call it in a worker thread from async code.
    """
    import feedparser  # loaded on the first feed only

    parsed = feedparser.parse(text)
    entries = list(parsed.get("entries", []))
    ignored = max(0, len(entries) - max_items)
    entries = entries[:max_items]
    if not entries:
        if parsed.get("bozo"):
            raise ParseError(f"not a valid RSS/Atom feed: {parsed.get('bozo_exception')}")
        raise ParseError("the feed has no items")
    feed_date = _when(parsed.get("feed", {}))
    items = []
    for position, entry in enumerate(entries, start=1):
        summary = entry.get("summary") or ""
        contents = entry.get("content") or []
        if contents and len(contents[0].get("value", "")) > len(summary):
            summary = contents[0]["value"]
        link = entry.get("link")
        items.append(
            FeedItem(
                position=position,
                link=canonical_url(link) if link else None,
                title=clean(entry.get("title") or ""),
                published=_when(entry) or feed_date,
                author=clean(entry.get("author") or "") or None,
                summary=html_paragraphs(summary),
            )
        )
    return Feed(items, ignored)


def article_from_item(item: FeedItem) -> Article:
    """The article as the feed alone tells it (its summary as body)."""
    if not item.link:
        raise ParseError("item has no http(s) link")
    if not item.title:
        raise ParseError("item has no title")
    if item.published is None:
        raise ParseError("item has no date")
    if not item.summary:
        raise ParseError("item has no summary to use as text")
    try:
        return Article(url=item.link, title=item.title[:1000], site=site_from_url(item.link) or "?",
                       published=item.published, author=item.author, paragraphs=item.summary)  # fmt: skip
    except ValidationError as exc:
        raise ParseError(f"invalid {validation_problem(exc)}") from None


def parse_feed_text(text: str, max_items: int = MAX_FEED_ITEMS) -> ParsedFile:
    result = ParsedFile()
    feed = feed_items(text, max_items)
    if (problem := feed.problem(max_items)) is not None:
        result.problems.append(problem)
    for item in feed.items:
        try:
            result.articles.append(article_from_item(item))
        except ParseError as exc:
            result.problems.append((item.where, str(exc)))
    return result


def parse_feed_file(path: Path) -> ParsedFile:
    """A feed file in the knowledge folder: offline, so each item's summary is its text."""
    return parse_feed_text(decode_bytes(path.read_bytes()))
