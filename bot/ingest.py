"""Ingest articles from files, folders, feeds and URLs into the knowledge folder, in the normal form.

:func:`ingest` only writes files (``web_<hash of URL>.txt`` in the seed's layout, so a reload
rebuilds the same index from the folder alone); :meth:`bot.service.SearchService.ingest` also swaps
the new index in — the CLI, ``/add`` and the feed refresh job all go through it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from bot.config import Settings
from bot.formats import ParsedFile, ParseError
from bot.formats.encoding import decode_bytes
from bot.formats.feeds import FEED_CONTENT_TYPES, FEED_SUFFIXES, article_from_item, feed_items, looks_like_feed
from bot.formats.html import canonical_url, parse_html, same_host
from bot.formats.limits import article_problem
from bot.formats.loader import PARSERS, file_problem, load_folder, scan_folder
from bot.formats.normal import article_file_name, normal_form
from bot.formats.versions import change_of, version_rank
from bot.models import Article, IngestReport, SkippedFile, TargetReport
from bot.web.fetch import HTML_TYPES, FetchError, FetchPolicy, Resolver, fetch, system_resolver

IngestProgress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class Candidate:
    article: Article
    where: str  # the file, URL or feed item it came from
    origin: str | None = None  # the URL its text was fetched from; None for a local file


@dataclass(frozen=True)
class KnownArticle:
    """What ingest needs to know of an article already in the knowledge folder."""

    url: str
    content_hash: str
    published: datetime
    source: str  # its file


@dataclass
class _Known:
    """Articles already in the knowledge folder (or written by this ingest)."""

    by_url: dict[str, KnownArticle]
    by_hash: dict[str, str]  # content hash -> url


def is_url(target: str) -> bool:
    return "://" in target


class _Collector:
    """Turns targets into candidate articles, fetching what must be fetched."""

    def __init__(
        self, client: httpx.AsyncClient, settings: Settings, resolver: Resolver, progress: IngestProgress | None
    ) -> None:
        self.client = client
        self.policy = FetchPolicy.from_settings(settings)
        self.resolver = resolver
        self.progress = progress
        self.semaphore = asyncio.Semaphore(settings.fetch_concurrency)
        self.max_items = settings.feed_max_items

    async def _fetch_text(self, url: str, accept: frozenset[str]) -> tuple[str, str, str]:
        """(final URL, content type, text)."""
        async with self.semaphore:
            got = await fetch(self.client, url, self.policy, accept, self.resolver)
        text = await asyncio.to_thread(decode_bytes, got.body, got.charset)
        return got.url, got.content_type, text

    async def _page(self, url: str, label: str, default_published: datetime | None = None) -> Candidate:
        final, _ctype, text = await self._fetch_text(url, HTML_TYPES)
        article = await asyncio.to_thread(parse_html, text, final, default_published=default_published)
        return Candidate(article, label, origin=final)

    async def _feed(self, text: str, where: str, report: TargetReport) -> list[Candidate]:
        feed = await asyncio.to_thread(feed_items, text, self.max_items)  # seconds of CPU for a big feed
        if (problem := feed.problem(self.max_items)) is not None:
            report.skipped.append(SkippedFile(path=where, where=problem[0], reason=problem[1]))
        items = feed.items
        done = 0

        async def one(item_index: int) -> Candidate | None:
            nonlocal done
            item = items[item_index]
            label = f"{where} {item.where}"
            try:
                if not item.link:
                    raise ParseError("item has no http(s) link")
                try:
                    return await self._page(item.link, label, item.published)
                except (FetchError, ParseError) as exc:
                    fallback = article_from_item(item)  # the page cannot be had: the feed's summary
                    reason = exc.reason if isinstance(exc, FetchError) else str(exc)
                    origin = where if is_url(where) else None  # the feed's text, not the linked site's
                    return Candidate(fallback, f"{label}, summary only: page {reason}", origin=origin)
            except ParseError as exc:
                report.skipped.append(SkippedFile(path=where, where=item.where, reason=str(exc)))
                return None
            finally:
                done += 1
                if self.progress is not None:
                    self.progress(f"Nguồn tin {where}", done, len(items))

        results = await asyncio.gather(*(one(i) for i in range(len(items))))
        return [c for c in results if c is not None]

    async def _url(self, url: str, report: TargetReport) -> list[Candidate]:
        if canonical_url(url) is None:
            raise ParseError(f"only http and https URLs can be ingested, not {url.split(':', 1)[0]!r}")
        final, ctype, text = await self._fetch_text(url, HTML_TYPES | FEED_CONTENT_TYPES)
        if ctype in FEED_CONTENT_TYPES or looks_like_feed(text):
            return await self._feed(text, url, report)
        article = await asyncio.to_thread(parse_html, text, final)
        return [Candidate(article, url, origin=final)]

    async def _file(self, path: Path, report: TargetReport) -> list[Candidate]:
        if (problem := await asyncio.to_thread(file_problem, path)) is not None:
            raise ParseError(problem)
        suffix = path.suffix.lower()
        if suffix in FEED_SUFFIXES:
            raw = await asyncio.to_thread(path.read_bytes)
            text = await asyncio.to_thread(decode_bytes, raw)
            return await self._feed(text, str(path), report)
        parser = PARSERS.get(suffix)
        if parser is None:
            raise ParseError(f"unsupported file type {suffix or '(none)'}")
        parsed = await asyncio.to_thread(parser, path)
        if isinstance(parsed, ParsedFile):
            report.skipped.extend(SkippedFile(path=str(path), where=w, reason=r) for w, r in parsed.problems)
            parsed = parsed.articles
        return [Candidate(a, str(path)) for a in parsed]

    async def collect(self, target: str, report: TargetReport) -> list[Candidate]:
        if is_url(target):
            return await self._url(target, report)
        path = Path(target)
        if await asyncio.to_thread(path.is_dir):
            found: list[Candidate] = []
            scan = await asyncio.to_thread(scan_folder, path)
            report.skipped.extend(scan.skipped)
            files = scan.files
            for done, file in enumerate(files, start=1):
                found.extend(await self.guarded(str(file), report, self._file(file, report)))
                if self.progress is not None:
                    self.progress(f"Thư mục {path}", done, len(files))
            return found
        if not await asyncio.to_thread(path.is_file):
            raise ParseError("no such file or folder")
        return await self._file(path, report)

    async def guarded(self, where: str, report: TargetReport, work: Awaitable[list[Candidate]]) -> list[Candidate]:
        try:
            return await work
        except FetchError as exc:
            report.skipped.append(SkippedFile(path=where, reason=exc.reason))
        except ParseError as exc:
            report.skipped.append(SkippedFile(path=where, reason=str(exc)))
        except OSError as exc:
            report.skipped.append(SkippedFile(path=where, reason=f"cannot read: {exc.strerror or exc}"))
        except Exception as exc:  # one unreadable source must not stop the others
            report.skipped.append(SkippedFile(path=where, reason=f"cannot parse: {type(exc).__name__}: {exc}"))
        return []


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ingest-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _best_per_url(candidates: list[Candidate], report: TargetReport) -> list[Candidate]:
    """One candidate per URL, the one :func:`~bot.formats.versions.version_rank` puts first; the others reported."""
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        url = candidate.article.url_str
        old = best.get(url)
        if old is None:
            best[url] = candidate
            continue
        newer = version_rank(candidate.article, candidate.where) > version_rank(old.article, old.where)
        keep, drop = (candidate, old) if newer else (old, candidate)
        best[url] = keep
        reason = f"{url} also in {keep.where}, which is newer or fuller"
        report.skipped.append(SkippedFile(path=drop.where, reason=reason))
    return sorted(best.values(), key=lambda c: (c.article.published, c.article.url_str))


def _provenance_problem(candidate: Candidate, article: Article, old: KnownArticle | None) -> str | None:
    """Why ``candidate`` (in its normal form ``article``) may not be stored (replacing ``old``), or None.

    Text fetched from one host is never cited to another; a known article is replaced only by a
    version published later (the same origin is then guaranteed by the first rule).
    """
    url = article.url_str
    if candidate.origin is not None and not same_host(candidate.origin, url):
        return f"text from {candidate.origin} is not stored as {url}, an article of another site"
    if old is not None and article.published <= old.published:  # both in the normal form's minute precision
        return (
            f"{url} is already known, published {old.published:%Y-%m-%d %H:%M}; "
            "it is replaced only by a version published later"
        )
    return None


def _store(candidate: Candidate, known: _Known, knowledge_dir: Path, report: TargetReport) -> None:
    """Decide added / updated / unchanged / duplicate for one article, and write it if needed."""
    try:
        article, text = normal_form(candidate.article)
    except ParseError as exc:
        report.skipped.append(SkippedFile(path=candidate.where, reason=str(exc)))
        return
    url = article.url_str
    too_big = article_problem(article)
    if too_big is not None:
        report.skipped.append(SkippedFile(path=candidate.where, reason=too_big))
        return
    digest = article.content_hash()
    old = known.by_url.get(url)
    change = change_of(None if old is None else old.content_hash, digest)
    if change == "unchanged":
        report.unchanged.append(url)
        return
    problem = _provenance_problem(candidate, article, old)
    if problem is not None:
        report.skipped.append(SkippedFile(path=candidate.where, reason=problem))
        return
    same_content = known.by_hash.get(digest)
    if same_content is not None and same_content != url:
        report.skipped.append(SkippedFile(path=candidate.where, reason=f"same content as {same_content} ({url})"))
        return
    target = knowledge_dir / article_file_name(url)
    if old is not None:
        old_file = Path(old.source)
        if old_file.suffix.lower() == ".txt" and old_file.parent.resolve().is_relative_to(knowledge_dir.resolve()):
            target = old_file  # the older version's file gets the new text
        known.by_hash.pop(old.content_hash, None)
    try:
        _write_atomically(target, text)
    except OSError as exc:
        report.skipped.append(SkippedFile(path=candidate.where, reason=f"cannot write {target}: {exc.strerror or exc}"))
        return
    getattr(report, change).append(url)
    report.files.append(str(target))
    known.by_url[url] = KnownArticle(url, digest, article.published, str(target))
    known.by_hash[digest] = url


async def ingest(
    targets: Sequence[str],
    knowledge_dir: Path,
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    resolver: Resolver = system_resolver,
    progress: IngestProgress | None = None,
    known_articles: Sequence[KnownArticle] | None = None,
) -> IngestReport:
    """Read every target and write its new or changed articles into ``knowledge_dir``.

    ``known_articles`` are the folder's articles as the serving index knows them; without
    them the folder is read. Articles are compared with them by URL and by content hash:
    the same content again is unchanged (nothing written), a known URL with new content
    is updated (its file rewritten), the same content under another URL is skipped.
    """
    await asyncio.to_thread(knowledge_dir.mkdir, parents=True, exist_ok=True)
    if known_articles is None:  # read the folder (at a cost that grows with it)
        existing = await asyncio.to_thread(load_folder, knowledge_dir)
        known_articles = [KnownArticle(a.url_str, a.content_hash(), a.published, source)
                          for a, source in existing.articles]  # fmt: skip
    known = _Known(
        by_url={a.url: a for a in known_articles},
        by_hash={a.content_hash: a.url for a in known_articles},
    )
    collector = _Collector(client, settings, resolver, progress)
    report = IngestReport(knowledge_dir=str(knowledge_dir))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.ingest_max_seconds
    time_limit = f"the time limit of {settings.ingest_max_seconds:g} s for one ingest was reached"
    for target in targets:
        part = TargetReport(target=target)
        report.targets.append(part)
        try:
            async with asyncio.timeout_at(deadline):
                candidates = await collector.guarded(target, part, collector.collect(target, part))
        except TimeoutError:
            part.skipped.append(SkippedFile(path=target, reason=time_limit))
            continue
        for candidate in _best_per_url(candidates, part):
            if report.written >= settings.ingest_max_articles:
                reason = f"the limit of {settings.ingest_max_articles} articles written by one ingest was reached"
                part.skipped.append(SkippedFile(path=candidate.where, reason=reason))
                continue
            _store(candidate, known, knowledge_dir, part)
    return report


async def collect_articles(
    targets: Sequence[str],
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    resolver: Resolver = system_resolver,
) -> tuple[list[Article], list[SkippedFile]]:
    """Read every target into articles in the normal form, writing nothing (``cchc-bot match``).

    The same reading, checks and choice of one version per URL as :func:`ingest`.
    """
    collector = _Collector(client, settings, resolver, None)
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    for target in targets:
        part = TargetReport(target=target)
        candidates = await collector.guarded(target, part, collector.collect(target, part))
        for candidate in _best_per_url(candidates, part):
            try:
                article, _text = normal_form(candidate.article)
            except ParseError as exc:
                part.skipped.append(SkippedFile(path=candidate.where, reason=str(exc)))
                continue
            if (problem := article_problem(article)) is not None:
                part.skipped.append(SkippedFile(path=candidate.where, reason=problem))
                continue
            articles.append(article)
        skipped.extend(part.skipped)
    return articles, skipped
