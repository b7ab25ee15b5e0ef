"""The search service: the one entry point the CLI and the Telegram handlers share.

It owns the database and the current :class:`~bot.index.snapshot.Snapshot`.  Questions are
answered from whatever snapshot is current when they arrive; a reload parses and
indexes in a worker thread, writes the new knowledge in one transaction and only then
swaps the snapshot, so a failed reload leaves the old one serving.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from bot.allocator import release_free_memory
from bot.config import Settings
from bot.formats.loader import LoadResult, Progress, load_files, load_folder
from bot.formats.versions import change_of
from bot.index.build import build_knowledge
from bot.index.snapshot import Snapshot
from bot.index.stored import KnowledgeData, built_by_this_version
from bot.index.update import apply_changes
from bot.models import Answer, Article, ArticleRow, IngestReport, Reason, ReloadReport, SourceReport
from bot.resources import bundled_knowledge_dir
from bot.search.searcher import Searcher
from bot.storage import BUSY_TIMEOUT, Database, DatabaseCorrupt, Stats, StorageError, classify, move_aside
from bot.text.lexicon import LexiconError, load_lexicon

if TYPE_CHECKING:  # ingest (HTML, feeds, HTTP) is imported when used: answering does not load it
    import httpx

    from bot.ingest import IngestProgress
    from bot.web.fetch import Resolver

log = logging.getLogger(__name__)


class ReloadError(RuntimeError):
    """A reload that could not produce a usable index; the old one keeps serving."""

    def __init__(self, message: str, report: ReloadReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Built:
    data: KnowledgeData
    snapshot: Snapshot
    report: ReloadReport


def compare_with_previous(report: ReloadReport, result: LoadResult, previous: Mapping[str, str]) -> None:
    """Fill the report's added/updated/unchanged/removed lists and its per-source view.

    ``previous`` maps each URL of the index serving before the reload to its content hash.
    """
    sources: dict[str, SourceReport] = {}

    def source(path: str) -> SourceReport:
        return sources.setdefault(path, SourceReport(path=path))

    for article, path in result.articles:
        url = article.url_str
        status = change_of(previous.get(url), article.content_hash())
        getattr(report, status).append(url)
        getattr(source(path), status).append(url)
    for path, url in result.duplicates:
        source(path).duplicates.append(url)
    for skipped in result.skipped:
        source(skipped.path).skipped.append(skipped)
    loaded = set(report.loaded)
    report.removed = sorted(url for url in previous if url not in loaded)
    report.sources = sorted(sources.values(), key=lambda s: s.path)


T = TypeVar("T")


def handed_over(items: list[T]) -> Iterator[T]:
    """The items of ``items`` in order, each taken out of the list as it is handed over (the list
    is empty at the end), so that the list no longer keeps alive what its consumer has done with."""
    items.reverse()
    while items:
        yield items.pop()


def build_from_folder(
    folder: Path,
    loader: Callable[[Path], LoadResult] = load_folder,
    previous: Mapping[str, str] | None = None,
) -> Built:
    """Parse, index and snapshot a knowledge folder (CPU work, run in a thread).

    ``previous`` (URL -> content hash of the index serving now) makes the report say what is
    added, updated and unchanged.
    """
    started = time.perf_counter()
    report = ReloadReport(knowledge_dir=str(folder))
    try:
        lexicon = load_lexicon(bundled_knowledge_dir(), folder)
    except LexiconError as exc:
        raise ReloadError(f"abbreviations/glossary file is invalid: {exc}", report) from None
    result = loader(folder)
    report.skipped = result.skipped
    report.replaced = result.replaced
    report.loaded = [a.url_str for a, _ in result.articles]
    compare_with_previous(report, result, previous or {})
    if not result.articles:
        raise ReloadError(f"no article could be loaded from {folder}", report)
    # Each parsed article is let go once indexed (its paragraphs live on in `data`): at a million
    # facts the parsed articles are half a gigabyte, which would otherwise stay to the end.
    data = build_knowledge(handed_over(result.articles), lexicon)
    del result
    snapshot = Snapshot.from_data(data)
    release_free_memory()
    report.facts = len(data.facts)
    report.seconds = time.perf_counter() - started
    return Built(data=data, snapshot=snapshot, report=report)


class SearchService:
    """Async facade over the database and the current snapshot."""

    def __init__(self, db: Database, knowledge_dir: Path) -> None:
        self.db = db
        self.knowledge_dir = knowledge_dir
        self._snapshot: Snapshot | None = None
        self._reload_lock = asyncio.Lock()
        self.reloads = 0
        # The knowledge generation the serving snapshot reflects (bot/storage.py: article_seen).
        self.generation = 0
        self._listeners: list[Callable[[ReloadReport], None]] = []

    @classmethod
    async def open(
        cls,
        db_path: Path,
        knowledge_dir: Path,
        *,
        build_if_empty: bool = True,
        busy_timeout: float = BUSY_TIMEOUT,
        lazy: bool = False,
    ) -> SearchService:
        """Open the database and its index; a corrupted database is moved aside and rebuilt.

        ``lazy`` is for a process that answers a few questions and exits (``cchc-bot ask``): the
        whole-file integrity check is skipped (damage shows as SQLite's errors where it is read)
        and the index's postings stay in the database, read as questions need them
        (:meth:`~bot.storage.Database.load_knowledge_lazily`). A long-lived process (the bot)
        checks the file and holds its index in memory.

        Raises :class:`~bot.storage.StorageError` with a clear message when the database cannot
        be used (locked by another process, read-only without an index, unfixable).
        """
        try:
            return await cls._open(db_path, knowledge_dir, build_if_empty, busy_timeout, lazy)
        except DatabaseCorrupt as exc:
            moved = move_aside(Path(db_path))
            log.error("%s; moved it aside to %s and rebuilding the index from %s", exc, moved, knowledge_dir)
            return await cls._open(db_path, knowledge_dir, build_if_empty, busy_timeout, lazy)

    @classmethod
    async def _open(
        cls, db_path: Path, knowledge_dir: Path, build_if_empty: bool, busy_timeout: float, lazy: bool = False
    ) -> SearchService:
        db = await Database.open(db_path, busy_timeout=busy_timeout, verify=not lazy)
        service = cls(db, knowledge_dir)
        try:
            try:
                if lazy:
                    loaded = await asyncio.to_thread(db.load_knowledge_lazily)
                    data = loaded[0] if loaded is not None else None
                else:
                    data = await db.load_knowledge(facts=False)
            except sqlite3.Error as exc:
                raise classify(db.path, exc, busy_timeout) from None
            if data is not None and not built_by_this_version(data.meta) and not db.read_only:
                log.warning("the index in %s was built by another version; rebuilding it", db_path)
                data = None
            if data is not None:
                service._snapshot = await asyncio.to_thread(service._stored_snapshot, data, lazy)
                service.generation = int(data.meta.get("generation", "0"))
            elif db.read_only:
                raise StorageError(
                    f"database {db.path} is read-only and holds no index: make it writable or set CCHC_DB_PATH"
                    " to a writable place, so the index can be built from the knowledge folder"
                )
            elif build_if_empty:
                await service.reload()
        except BaseException:
            await db.close()
            raise
        return service

    def _stored_snapshot(self, data: KnowledgeData, lazy: bool = False) -> Snapshot:
        """The snapshot of knowledge loaded without its facts: they are read from the database on demand."""
        fact_article = (
            np.concatenate([s.columns["article"] for s in data.fact_segments])
            if data.fact_segments
            else np.zeros(0, np.int32)
        )
        try:
            reader = self.db.fact_reader(len(fact_article), fact_article, data.meta.get("built_at", ""))
        except sqlite3.Error as exc:
            raise classify(self.db.path, exc, BUSY_TIMEOUT) from None
        return Snapshot.from_data(data, facts=reader, lazy=lazy)

    def _reading_stored_facts(self, snapshot: Snapshot) -> Snapshot:
        """``snapshot`` (just stored) reading its facts from the database: the built ones are let go."""
        try:
            return snapshot.with_facts(
                self.db.fact_reader(len(snapshot.facts), snapshot.fact_article, snapshot.built_at)
            )
        except sqlite3.Error:  # e.g. an in-memory or vanished database: keep what is in memory
            log.warning("cannot read facts back from %s; keeping them in memory", self.db.path)
            return snapshot

    async def close(self) -> None:
        self._snapshot = None
        await self.db.close()

    @property
    def snapshot(self) -> Snapshot | None:
        return self._snapshot

    @property
    def reloading(self) -> bool:
        """Whether a reload is running now (questions are still answered from the old snapshot)."""
        return self._reload_lock.locked()

    async def ask(self, question: str, limit: int = 3) -> Answer:
        snapshot = self._snapshot  # one consistent view for the whole question
        if snapshot is None:
            return Answer(question=question, answered=False, reason=Reason.NO_KNOWLEDGE)
        return Searcher(snapshot).search(question, limit=limit)

    def known_articles(self) -> dict[str, str]:
        """URL -> content hash of every article the serving index holds."""
        snapshot = self._snapshot
        return {a.url: a.content_hash for a in snapshot.live_articles()} if snapshot is not None else {}

    async def reload(self, knowledge_dir: Path | None = None, progress: Progress | None = None) -> ReloadReport:
        """Rebuild from the knowledge folder and swap the index in; raise :class:`ReloadError` on failure.

        ``progress`` is called (from a worker thread) as files are read.
        """
        folder = knowledge_dir or self.knowledge_dir
        if self.db.read_only:
            raise ReloadError(f"database {self.db.path} is read-only: the index cannot be rebuilt")
        async with self._reload_lock:
            loader = load_folder if progress is None else partial(load_folder, progress=progress)
            built = await asyncio.to_thread(build_from_folder, folder, loader, self.known_articles())
            try:
                generation = await self.db.replace_knowledge(built.data)
            except Exception as exc:
                raise ReloadError(f"could not store the new index: {exc}", built.report) from exc
            self._snapshot = self._reading_stored_facts(built.snapshot)
            report = built.report
            del built  # the built facts (read back from the database from now on) and the blobs
            await asyncio.to_thread(release_free_memory)
            self.generation = generation
            self.reloads += 1
            log.info("reloaded %d articles, %d facts", len(report.loaded), report.facts)
        for listener in list(self._listeners):
            try:
                listener(report)
            except Exception:  # a listener (e.g. scheduling news pushes) never fails the reload
                log.exception("a reload listener failed")
        return report

    async def update(
        self, articles: Sequence[tuple[Article, str]], remove: Sequence[str] = (), report: ReloadReport | None = None
    ) -> ReloadReport:
        """Add or change ``articles`` ((article, source file) pairs) and remove the URLs ``remove``,
        at the cost of those articles (no full rebuild); raise :class:`ReloadError` on failure.

        Answers afterwards are those a full reload of the same articles would give. Reload
        listeners are called as after a reload. Without an index yet, this is a full build.
        """
        if self.db.read_only:
            raise ReloadError(f"database {self.db.path} is read-only: the index cannot be changed")
        report = report or ReloadReport(knowledge_dir=str(self.knowledge_dir))
        async with self._reload_lock:
            snapshot = self._snapshot
            if snapshot is None:
                raise ReloadError("there is no index to update yet: reload first", report)
            started = time.perf_counter()
            change = await asyncio.to_thread(apply_changes, snapshot, articles, remove)
            try:
                generation = await self.db.apply_update(change.update)
            except Exception as exc:
                raise ReloadError(f"could not store the change: {exc}", report) from exc
            self._snapshot = self._reading_stored_facts(change.snapshot)
            self.generation = generation
            self.reloads += 1
            report.added = [a.url for a in change.added]
            report.updated = [a.url for a in change.updated]
            touched = {*report.added, *report.updated}
            report.unchanged = [a.url for a in change.snapshot.live_articles() if a.url not in touched]
            report.removed = [a.url for a in change.removed if a.url not in set(report.updated)]
            report.replaced += [f"{url}: same content as another article; ignored" for url in change.duplicates]
            report.loaded = [a.url for a in change.snapshot.live_articles()]
            report.facts = len(change.snapshot.headline_facts) + int(change.snapshot.answerable.sum())
            report.seconds = time.perf_counter() - started
            log.info("updated the index: %d added, %d changed, %d removed in %.3f s", len(report.added),
                     len(report.updated), len(report.removed), report.seconds)  # fmt: skip
        for listener in list(self._listeners):
            try:
                listener(report)
            except Exception:
                log.exception("a reload listener failed")
        return report

    async def update_files(self, paths: Sequence[Path]) -> ReloadReport:
        """:meth:`update` with the articles of the given knowledge files (new or rewritten ones)."""
        result = await asyncio.to_thread(load_files, list(paths))
        report = ReloadReport(knowledge_dir=str(self.knowledge_dir), skipped=result.skipped, replaced=result.replaced)
        if not result.articles:
            raise ReloadError("no article could be loaded from the given files", report)
        return await self.update(result.articles, report=report)

    def add_reload_listener(self, listener: Callable[[ReloadReport], None]) -> None:
        """Call ``listener`` (synchronously, so it should only schedule work) after every successful reload."""
        self._listeners.append(listener)

    def remove_reload_listener(self, listener: Callable[[ReloadReport], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def sources(self) -> list[ArticleRow]:
        snapshot = self._snapshot
        if snapshot is None:
            return []
        return sorted(snapshot.live_articles(), key=lambda a: a.published, reverse=True)

    async def stats(self, days: int = 7) -> Stats:
        return await self.db.stats(days=days)

    # -- ingest ------------------------------------------------------------------------------------

    async def ingest(
        self,
        targets: Sequence[str],
        client: httpx.AsyncClient,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        progress: IngestProgress | None = None,
        always_reload: bool = False,
    ) -> IngestReport:
        """Ingest ``targets`` into the knowledge folder (:func:`bot.ingest.ingest`), then index what was
        written, article by article (:meth:`update_files`; a full reload when there is no index yet, or
        with ``always_reload`` when nothing was written).

        A failed reload leaves the old index serving; its reason is in ``report.reload_error``.
        """
        from bot.ingest import KnownArticle, ingest
        from bot.web.fetch import system_resolver

        snapshot = self._snapshot
        # What the serving index holds stands for the folder (no need to read every file of it).
        known = None if snapshot is None else [KnownArticle(a.url, a.content_hash, a.published, a.source)
                                               for a in snapshot.live_articles()]  # fmt: skip
        report = await ingest(targets, self.knowledge_dir, client, settings, resolver=resolver or system_resolver,
                              progress=progress, known_articles=known)  # fmt: skip
        if report.written or always_reload:
            try:
                if report.written and self._snapshot is not None:  # only what was written is indexed
                    report.reload = await self.update_files([Path(f) for t in report.targets for f in t.files])
                else:
                    files = None if progress is None else partial(progress, "Đọc tệp kiến thức")
                    report.reload = await self.reload(progress=files)
            except ReloadError as exc:
                report.reload = exc.report
                report.reload_error = str(exc)
        return report

    # -- the query log, feedback and privacy -------------------------------------------------------

    async def record_question(
        self, answer: Answer, latency_ms: float, user_hash: str | None, chat_type: str | None
    ) -> int:
        """Log an answered or declined question; the id of its row (the answer's buttons refer to it)."""
        top = answer.results[0].fact_id if answer.answered and answer.results else None
        return await self.db.log_query(question=answer.question, answered=answer.answered, top_fact_id=top,
                                       latency_ms=latency_ms, user_hash=user_hash, chat_type=chat_type)  # fmt: skip

    async def logged_question_of(self, log_id: int, user_hash: str | None) -> tuple[str | None, bool]:
        """(the logged question or None when gone, whether ``user_hash`` asked it)."""
        return await self.db.logged_question_of(log_id, user_hash)

    async def set_feedback(self, log_id: int, value: int, user_hash: str | None) -> bool:
        """👍 (+1) / 👎 (-1) on an answer; only its asker's counts."""
        return await self.db.set_feedback(log_id, value, user_hash)

    async def forget_user(self, user_hash: str | None, user_id: int) -> tuple[int, int]:
        """/privacy: delete a user's questions and the topics of their private chat (its id is theirs).

        Returns (questions deleted, topics removed).
        """
        deleted = await self.db.delete_user_history(user_hash) if user_hash else 0
        return deleted, await self.db.forget_chat(user_id)

    async def purge_query_log(self, older_than_days: int) -> int:
        """Delete query-log rows older than the retention period (0 on a read-only database)."""
        return await self.db.purge_query_log(older_than_days)
