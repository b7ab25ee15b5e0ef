"""Saved or fetched HTML news pages: trafilatura extracts the article, selectolax is the fallback."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser

from bot.formats import VIETNAM_TZ, ParseError, validation_problem
from bot.formats.encoding import decode_bytes
from bot.formats.normal import site_from_url
from bot.models import Article
from bot.text.normalize import clean

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm")
_DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
_DATE_META = (
    'meta[property="article:published_time"]',
    'meta[itemprop="datePublished"]',
    'meta[name="pubdate"]',
    'meta[name="publishdate"]',
    'meta[name="date"]',
    'meta[name="dc.date"]',
)
_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid")
MAX_NESTING = 512  # element depth; news pages stay under ~60, and the extractor's cost grows as its square
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>")
# Void elements and those whose end tag may be left out: they do not deepen the tree in a sloppy page.
_FLAT = frozenset(
    "area base br col embed hr img input link meta source track wbr p li dt dd tr td th option thead tbody".split()
)


@dataclass(frozen=True)
class PageFields:
    """What a page says about itself, before it becomes an :class:`Article`."""

    url: str | None
    title: str | None
    site: str | None
    published: datetime | None
    author: str | None
    paragraphs: tuple[str, ...]


def canonical_url(url: str) -> str | None:
    """``url`` without fragment and tracking parameters, or None if it is not http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith(_TRACKING_PREFIXES))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO date or date-time; a naive one is Vietnam time."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM_TZ)


def _meta(tree: LexborHTMLParser, *selectors: str) -> str | None:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            value = node.attributes.get("content") or node.attributes.get("href") or node.attributes.get("datetime")
            if value and value.strip():
                return value.strip()
    return None


def _selectolax_fields(html: str, base_url: str | None) -> PageFields:
    tree = LexborHTMLParser(html)
    url = _meta(tree, 'link[rel="canonical"]', 'meta[property="og:url"]')
    h1 = tree.css_first("h1")
    title_node = tree.css_first("title")
    title = (
        _meta(tree, 'meta[property="og:title"]')
        or (h1.text(strip=True) if h1 else None)
        or (title_node.text(strip=True) if title_node else None)
    )
    published = parse_datetime(_meta(tree, *_DATE_META, "time[datetime]"))
    author = _meta(tree, 'meta[name="author"]', 'meta[property="article:author"]')
    scope = tree.css_first("article") or tree.body
    paragraphs = tuple(p.text(separator=" ", strip=True) for p in scope.css("p")) if scope is not None else ()
    return PageFields(
        url=urljoin(base_url or "", url) if url else base_url,
        title=title,
        site=_meta(tree, 'meta[property="og:site_name"]'),
        published=published,
        author=author,
        paragraphs=tuple(p for p in paragraphs if p),
    )


def _trafilatura_fields(html: str, base_url: str | None) -> PageFields | None:
    try:
        import trafilatura  # heavy (lxml, justext): loaded on the first HTML page only

        doc = trafilatura.bare_extraction(
            html, url=base_url, with_metadata=True, include_comments=False, include_tables=False,
            date_extraction_params=_DATE_PARAMS,
        )  # fmt: skip
    except Exception as exc:  # a third-party extractor failing is a fallback case
        log.debug("trafilatura failed: %s", exc)
        return None
    if doc is None:
        return None
    text: str = getattr(doc, "text", None) or ""
    return PageFields(
        url=getattr(doc, "url", None),
        title=getattr(doc, "title", None),
        site=getattr(doc, "hostname", None),
        published=parse_datetime(getattr(doc, "date", None)),
        author=getattr(doc, "author", None),
        paragraphs=tuple(line for line in text.splitlines() if line.strip()),
    )


def same_host(url: str, other: str) -> bool:
    """Whether two URLs name the same host (a leading ``www.`` aside)."""

    def host(u: str) -> str:
        return (urlsplit(u.strip()).hostname or "").lower().removeprefix("www.")

    return bool(host(url)) and host(url) == host(other)


def trusted_url(claimed: str | None, fetched: str | None) -> str | None:
    """The page's canonical link when it names the host the page was fetched from, else that address.

    A page cannot claim to be another site's article: its text would be cited to that site.
    """
    if fetched is None or claimed is None:
        return claimed or fetched
    if same_host(claimed, fetched):
        return claimed
    log.info("ignoring the canonical link %s of a page fetched from %s (another host)", claimed, fetched)
    return fetched


def page_fields(html: str, base_url: str | None = None) -> PageFields:
    """Title, canonical URL, date, site, author and body of a news page (trafilatura, then selectolax).

    With ``base_url`` (where the page was fetched from), a canonical link to another host is ignored.
    """
    fallback = _selectolax_fields(html, base_url)
    main = _trafilatura_fields(html, base_url)
    if main is None or not main.paragraphs:
        return replace(fallback, url=trusted_url(fallback.url, base_url))
    return PageFields(
        url=trusted_url(fallback.url or main.url, base_url),  # the page's own canonical link first
        title=main.title or fallback.title,
        site=main.site or fallback.site,
        published=fallback.published or main.published,  # meta tags carry the time of day
        author=main.author or fallback.author,
        paragraphs=main.paragraphs,
    )


def article_from_fields(fields: PageFields, *, default_published: datetime | None = None) -> Article:
    """An :class:`Article` from page fields, or :class:`ParseError` naming what is missing."""
    url = canonical_url(fields.url or "")
    if url is None:
        raise ParseError("no http(s) URL for the article (no canonical link, and no address it came from)")
    title = clean(fields.title or "")
    if not title:
        raise ParseError("no title")
    paragraphs = [p for p in (clean(x) for x in fields.paragraphs) if p]
    while paragraphs and paragraphs[0] == title:
        paragraphs.pop(0)  # the headline repeated at the top of the body
    if not paragraphs:
        raise ParseError("no article text found in the page")
    published = fields.published or default_published
    if published is None:
        raise ParseError("no publication date in the page")
    site = site_from_url(url) or clean(fields.site or "")
    try:
        return Article(url=url, title=title[:1000], site=site[:200] or "?", published=published,
                       author=clean(fields.author or "") or None, paragraphs=tuple(paragraphs))  # fmt: skip
    except ValidationError as exc:
        raise ParseError(f"invalid {validation_problem(exc)}") from None


def nesting_depth_over(html: str, limit: int = MAX_NESTING) -> bool:
    """Whether the page nests elements deeper than ``limit`` (one linear scan of its tags)."""
    depth = 0
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _FLAT:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        elif not match.group(0).endswith("/>"):
            depth += 1
            if depth > limit:
                return True
    return False


def parse_html(html: str, base_url: str | None = None, *, default_published: datetime | None = None) -> Article:
    if nesting_depth_over(html):
        raise ParseError(f"the page nests elements more than {MAX_NESTING} deep")
    return article_from_fields(page_fields(html, base_url), default_published=default_published)


def parse_html_file(path: Path) -> list[Article]:
    """A saved page: its canonical link must say where it came from."""
    return [parse_html(decode_bytes(path.read_bytes()))]
