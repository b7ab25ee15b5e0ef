"""SQLite storage (through aiosqlite): schema migrations, the knowledge index and the query log.

A reload replaces the knowledge tables in one transaction, so readers and a crash
in the middle of it only ever see the old or the new knowledge, never a mix.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload

import aiosqlite
import numpy as np
import numpy.typing as npt

from bot.index.bm25 import PostingStore
from bot.index.facts import FactTable, removed_fact
from bot.index.snapshot import removed_article
from bot.index.stored import (
    ARTICLE_INDEX,
    FACT_INDEX,
    POSTING_PARTS,
    FactRow,
    KnowledgeData,
    KnowledgeUpdate,
    built_by_this_version,
    posting_part,
    segments_from_blobs,
)
from bot.models import ArticleRow

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
BUSY_TIMEOUT = 5.0  # seconds to wait for another process's lock before giving up

# Named migrations, applied in order, each in its own transaction and recorded.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_knowledge",
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            site TEXT NOT NULL,
            published TEXT NOT NULL,
            author TEXT,
            views INTEGER,
            caption TEXT,
            paragraphs TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE TABLE facts (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            folded TEXT NOT NULL,
            features INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX facts_article ON facts(article_id);
        CREATE TABLE index_blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        "002_query_log",
        """
        CREATE TABLE query_log (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            user_hash TEXT,
            chat_type TEXT,
            question TEXT NOT NULL,
            answered INTEGER NOT NULL,
            top_fact_id INTEGER,
            latency_ms REAL NOT NULL,
            feedback INTEGER
        );
        CREATE INDEX query_log_ts ON query_log(ts);
        CREATE INDEX query_log_user ON query_log(user_hash);
        """,
    ),
    (
        "003_news",
        """
        CREATE TABLE article_seen (
            url TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL,
            generation INTEGER NOT NULL,
            first_seen TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );
        CREATE INDEX article_seen_generation ON article_seen(generation);
        INSERT INTO article_seen (url, content_hash, generation, first_seen, changed_at)
            SELECT url, content_hash, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            FROM articles;
        CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            topic TEXT NOT NULL,
            topic_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            checked_generation INTEGER NOT NULL,
            UNIQUE (chat_id, topic_key)
        );
        CREATE TABLE deliveries (
            chat_id INTEGER NOT NULL,
            url TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, url)
        );
        CREATE TABLE digests (
            chat_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            last_sent TEXT NOT NULL
        );
        """,
    ),
    (
        # The articles' rows without their paragraphs, in id order: what opening an index reads
        # (a scan of the table would read every paragraph's pages too); their ids and publication
        # times alone, what opening it lazily reads.
        "004_article_heads",
        """
        CREATE INDEX articles_heads ON articles(id, url, title, site, published, author, views, caption,
                                                content_hash, source);
        CREATE INDEX articles_published ON articles(id, published);
        """,
    ),
]


class StorageError(RuntimeError):
    """The database cannot be used (missing, locked, corrupted, read-only)."""


class DatabaseLocked(StorageError):
    """Another process held a lock for longer than the busy timeout."""


class DatabaseCorrupt(StorageError):
    """The file is not a usable SQLite database (damaged pages, garbage header)."""


class DatabaseReadOnly(StorageError):
    """A write was asked of a database opened read-only."""


_LOCKED = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_CORRUPT = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


def classify(path: Path, exc: sqlite3.Error, busy_timeout: float) -> StorageError:
    """A clear :class:`StorageError` for an SQLite failure on ``path``."""
    base = "_".join(str(getattr(exc, "sqlite_errorname", "")).split("_")[:2])  # SQLITE_BUSY_SNAPSHOT -> SQLITE_BUSY
    if base in _LOCKED:
        return DatabaseLocked(
            f"database {path} is locked by another process (waited {busy_timeout:g} s): "
            "stop the other bot or reload using it, then try again"
        )
    if base in _CORRUPT:
        return DatabaseCorrupt(f"database {path} is corrupted: {exc}")
    if base == "SQLITE_READONLY":
        return DatabaseReadOnly(f"database {path} is read-only: {exc}")
    return StorageError(f"database {path} is unusable: {exc}")


def _no_room(exc: sqlite3.Error) -> bool:
    """An error of a full disk: SQLITE_FULL, or an I/O error creating the WAL's files (``-shm``)."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    return name == "SQLITE_FULL" or name.startswith("SQLITE_IOERR")


def _writable(path: Path) -> bool:
    """Whether SQLite can write the file and create its journal beside it (false on read-only mounts)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_uri(path: Path) -> str:
    return Path(os.path.abspath(path)).as_uri() + "?mode=ro"


def move_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a damaged database (and its -wal/-shm/-journal files) to ``<name>.corrupt-<UTC time>``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        path.rename(target)
        for suffix in ("-wal", "-shm", "-journal"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
    except OSError as exc:
        raise StorageError(f"database {path} is corrupted and cannot be moved aside: {exc}") from None
    return target


_ARTICLE_ROWS = (
    "SELECT id, url, title, site, published, author, views, caption, content_hash, source FROM articles ORDER BY id"
)
_ARTICLE_HEADS = "SELECT id, published FROM articles ORDER BY id"  # covered by articles_published
_ARTICLE_BY_ID = (
    "SELECT id, url, title, site, published, author, views, caption, content_hash, source FROM articles WHERE id = ?"
)


def _article(r: Sequence[Any]) -> ArticleRow:
    return ArticleRow(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5], r[6], r[7], r[8], r[9])


def _knowledge(
    meta: dict[str, str],
    articles: list[ArticleRow],
    facts: list[FactRow],
    blobs: dict[str, bytes],
    stores: dict[str, PostingStore] | None = None,
) -> KnowledgeData:
    fact_segments = segments_from_blobs(FACT_INDEX, blobs, stores)
    article_segments = segments_from_blobs(ARTICLE_INDEX, blobs, stores)
    return KnowledgeData(
        articles=articles,
        paragraphs=[],  # stored for the record; answering never reads them back
        facts=facts,
        fact_segments=[s for _, s in fact_segments],
        article_segments=[s for _, s in article_segments],
        meta=meta,
        fact_numbers=[n for n, _ in fact_segments],
        article_numbers=[n for n, _ in article_segments],
    )


@dataclass(frozen=True)
class Stats:
    questions: int
    answered: int
    median_latency_ms: float
    top_unanswered: list[tuple[str, int]]
    disliked: list[tuple[str, int]]


def stamp(moment: datetime) -> str:
    """A UTC time as stored (``2026-12-02T07:30:00.000Z``): text that sorts in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def unstamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Subscription:
    id: int
    chat_id: int
    topic: str
    topic_key: str  # the topic folded: one subscription per chat and key
    created_at: datetime
    checked_generation: int  # articles of later generations are still to be matched


@dataclass(frozen=True)
class SeenArticle:
    url: str
    generation: int
    changed_at: datetime


@dataclass(frozen=True)
class DigestSetting:
    chat_id: int
    at: str  # "HH:MM", Vietnam time
    last_sent: datetime


# Facts a StoredFacts reader keeps in memory after reading them (about 0.5 KB each).
FACT_CACHE_SIZE = 20_000
# How long a StoredFacts reader keeps one read transaction (it holds back WAL checkpoints meanwhile).
FACT_READER_REFRESH_SECONDS = 30.0


class StoredFacts(FactTable):
    """The facts of stored knowledge, read by id when a question needs them, through their own
    read-only connection.

    The connection holds a read transaction: in WAL mode it goes on seeing the database as it was
    when it began, so a snapshot keeps reading its own facts while a reload that renumbers them
    commits. A reader held open forever would stop the WAL from being checkpointed (every logged
    question grows it), so every :data:`FACT_READER_REFRESH_SECONDS` the reader opens a new
    transaction and moves to it if the knowledge was not rebuilt since (``built_at`` unchanged;
    updates only add ids and remove rows, never reuse an id); else it keeps its old view, being
    the reader of a snapshot that is no longer served. The connection is closed when the reader is
    garbage-collected (the snapshot replaced and no question using it any more).

    A checkpoint that must empty the WAL (after a deletion: :meth:`Database.delete_user_history`)
    cannot while a read transaction is open: the database suspends its readers around it (:meth:`suspend`).
    A suspended reader reads each fact with a statement of its own that finds nothing if the
    knowledge was rebuilt meanwhile (by another process), so it never returns another sentence.
    """

    def __init__(
        self, path: Path, size: int, owners: npt.NDArray[np.int32], immutable: bool = False, built_at: str = ""
    ) -> None:
        self._uri = _read_only_uri(path) + ("&immutable=1" if immutable else "")
        self._built_at = built_at
        self._conn = self._begin()
        self._since = time.monotonic()
        self._lock = threading.Lock()
        self._pinned = True  # False: suspended, or its view lost (each read checks ``built_at``)
        self._size = size
        self._owners = owners
        self._cache: dict[int, FactRow] = {}
        self._held = [self._conn]  # what the finalizer closes (the connection in use)
        self._finalizer = weakref.finalize(self, _close_reader, self._held)

    def _begin(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False, isolation_level=None)
        conn.execute("BEGIN")
        conn.execute("SELECT 1 FROM facts LIMIT 1").fetchall()  # the read transaction starts here
        return conn

    def _refresh(self) -> None:
        """Move to a new read transaction when it sees the same knowledge (called under the lock)."""
        self._since = time.monotonic()
        fresh = self._begin()
        row = fresh.execute("SELECT value FROM meta WHERE key = 'built_at'").fetchone()
        if row is None or row[0] != self._built_at:
            fresh.close()  # rebuilt since: this reader's snapshot is on its way out, keep its view
            self._since = float("inf")
            return
        old, self._conn = self._conn, fresh
        self._held[:] = [fresh]
        old.close()

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: int | slice) -> Any:
        found = self._cache.get(index) if isinstance(index, int) and index >= 0 else None
        return found if found is not None else super().__getitem__(index)

    def row(self, fact_id: int) -> FactRow:
        found = self._cache.get(fact_id)
        if found is not None:
            return found
        with self._lock:
            if self._pinned and time.monotonic() - self._since > FACT_READER_REFRESH_SECONDS:
                self._refresh()
            if self._pinned:
                got = self._conn.execute(_FACT_BY_ID, (fact_id,)).fetchone()
            else:
                got = self._conn.execute(_FACT_BY_ID_IF_BUILT, (fact_id, self._built_at)).fetchone()
        found = FactRow(*got) if got is not None else removed_fact(fact_id, int(self._owners[fact_id]))
        if len(self._cache) >= FACT_CACHE_SIZE:
            self._cache.clear()
        self._cache[fact_id] = found
        return found

    def suspend(self) -> bool:
        """End the read transaction if it sees the served knowledge; True if it did (then :meth:`resume`)."""
        with self._lock:
            if not self._pinned or self._since == float("inf"):
                return False  # suspended already, or the reader of a replaced snapshot: keeps its view
            self._conn.execute("COMMIT")
            self._pinned = False
            return True

    def resume(self) -> None:
        """Hold a read transaction again, if the knowledge is still the one this reader serves."""
        with self._lock:
            if self._pinned:
                return
            self._conn.execute("BEGIN")
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'built_at'").fetchone()
            if row is None or row[0] != self._built_at:
                self._conn.execute("COMMIT")  # rebuilt by another process meanwhile: reads stay checked
                return
            self._pinned = True
            self._since = time.monotonic()

    def close(self) -> None:
        self._finalizer()


class PinnedView:
    """A read-only connection holding one read transaction for its whole life: whatever is read
    through it is one state of the database, whatever commits meanwhile.

    For a process that answers and exits (``cchc-bot ask``): the index is opened lazily through it
    (:meth:`Database.load_knowledge_lazily`), its postings read from their blobs on demand. Held
    open, it keeps WAL checkpoints of other processes from going past it, so a long-lived process
    loads its index into memory instead. Closed when the last segment reading through it is gone.
    """

    def __init__(self, path: Path, immutable: bool = False) -> None:
        uri = _read_only_uri(path) + ("&immutable=1" if immutable else "")
        self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        self._finalizer = weakref.finalize(self, self.conn.close)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()  # the read transaction starts here
        self.lock = threading.Lock()

    def close(self) -> None:
        self._finalizer()


class BlobPostings:
    """A segment's postings read by range from their stored chunks (``chunk`` postings a blob but the
    last: ids ``<i4``, term frequencies ``<u2``); a chunk's blob is opened when first read."""

    def __init__(
        self, view: PinnedView, id_rows: Sequence[int], tf_rows: Sequence[int], count: int, chunk: int
    ) -> None:
        if len(id_rows) != len(tf_rows):
            raise ValueError(f"{len(id_rows)} chunks of ids but {len(tf_rows)} of term frequencies")
        self._view = view  # kept open while this store is used
        self._rows = (list(id_rows), list(tf_rows))
        self._open: tuple[dict[int, sqlite3.Blob], dict[int, sqlite3.Blob]] = ({}, {})
        self._count = count
        self._size = max(chunk, 1)

    def __len__(self) -> int:
        return self._count

    def _chunk(self, which: int, number: int) -> sqlite3.Blob:
        blob = self._open[which].get(number)
        if blob is None:
            row = self._rows[which][number]
            blob = self._open[which][number] = self._view.conn.blobopen("index_blobs", "data", row, readonly=True)
        return blob

    def read(self, lo: int, hi: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint16]]:
        parts: tuple[list[bytes], list[bytes]] = ([], [])
        with self._view.lock:
            size = self._size
            for number in range(lo // size, (hi - 1) // size + 1 if hi > lo else 0):
                base = number * size
                start, end = max(lo, base) - base, min(hi, base + size) - base
                for which, width in ((0, 4), (1, 2)):
                    blob = self._chunk(which, number)
                    blob.seek(width * start)
                    parts[which].append(blob.read(width * (end - start)))
        ids, tfs = (b"".join(p) for p in parts)
        return (np.frombuffer(ids, dtype="<i4").astype(np.int32, copy=False),
                np.frombuffer(tfs, dtype="<u2").astype(np.uint16, copy=False))  # fmt: skip


class StoredArticles(Sequence[ArticleRow]):
    """The articles of a lazily opened index by id, read through its :class:`PinnedView` as they
    are needed (a question cites a few); ids with no row (removed articles) read as placeholders."""

    def __init__(self, view: PinnedView, ids: npt.NDArray[np.int64], size: int) -> None:
        self._view = view
        self._stored = np.zeros(size, np.bool_)
        self._stored[ids] = True
        self._cache: dict[int, ArticleRow] = {}

    def __len__(self) -> int:
        return len(self._stored)

    @overload
    def __getitem__(self, index: int) -> ArticleRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ArticleRow]: ...

    def __getitem__(self, index: int | slice) -> ArticleRow | Sequence[ArticleRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"no article {index}")
        found = self._cache.get(index)
        if found is None:
            row = None
            if self._stored[index]:
                with self._view.lock:
                    row = self._view.conn.execute(_ARTICLE_BY_ID, (index,)).fetchone()
            found = self._cache[index] = _article(row) if row is not None else removed_article(index)
        return found

    def __iter__(self) -> Iterator[ArticleRow]:
        with self._view.lock:
            rows = {r[0]: _article(r) for r in self._view.conn.execute(_ARTICLE_ROWS)}
        for i in range(len(self)):
            yield rows.get(i) or removed_article(i)


_FACT_BY_ID = "SELECT id, article_id, position, kind, text, folded, features FROM facts WHERE id = ?"
_FACT_BY_ID_IF_BUILT = (
    "SELECT id, article_id, position, kind, text, folded, features FROM facts WHERE id = ?"
    " AND (SELECT value FROM meta WHERE key = 'built_at') = ?"
)


def _close_reader(holder: list[sqlite3.Connection]) -> None:
    for conn in holder:
        conn.close()


class Database:
    """One aiosqlite connection; all writes go through it."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, read_only: bool = False) -> None:
        self._conn = conn
        # One connection is shared by concurrent handlers: a write (or commit) from one must never
        # land inside another's open transaction, e.g. a query-log insert during a reload.
        self._write_lock = asyncio.Lock()
        # The fact readers of served snapshots (suspended while a checkpoint empties the WAL).
        self._readers: weakref.WeakSet[StoredFacts] = weakref.WeakSet()
        self.path = path
        self.read_only = read_only
        self.immutable = False  # opened with immutable=1 (a read-only mount without the WAL's files)
        # When articles are seen, subscriptions made and digests sent (tests set a fake one).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT, verify: bool = True) -> Database:
        """Open (or create) and migrate the database.

        ``verify`` runs SQLite's ``quick_check`` over the whole file first (a second at a million
        facts); without it, damage shows as SQLite's own errors when the damaged pages are read.

        Raises :class:`DatabaseLocked` when another process holds it longer than ``busy_timeout``,
        :class:`DatabaseCorrupt` when it is damaged, :class:`StorageError` otherwise. A file that
        cannot be written (read-only mount or permissions) is opened read-only: it serves its index,
        while writes raise :class:`DatabaseReadOnly`.
        """
        path = Path(path)
        if path.is_dir():
            raise StorageError(
                f"cannot open database {path}: it is a folder; give the path of a file (a new one is created)"
            )
        if path.exists() and not _writable(path):
            return await cls._open_read_only(path, busy_timeout, verify)
        if not path.exists() and path.parent.is_dir() and not os.access(path.parent, os.W_OK):
            raise StorageError(f"cannot open or create database {path}: the folder {path.parent} is not writable")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(path, timeout=busy_timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open or create database {path}: {exc}") from None
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            await conn.execute("PRAGMA secure_delete = ON")  # deleted questions are overwritten, not left in free pages
            if verify:
                await db._check_integrity()
            await conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: no fsync per query-log row; a power cut may lose the last rows, never the index.
            await conn.execute("PRAGMA synchronous = NORMAL")
            await db.migrate()
        except sqlite3.Error as exc:
            await conn.close()
            if _no_room(exc) and path.is_file():
                # A full disk: the WAL's files cannot be created, but the index can still be read.
                log.warning("database %s cannot be written (%s): the disk may be full", path, exc)
                return await cls._open_read_only(path, busy_timeout, verify)
            raise classify(path, exc, busy_timeout) from None
        except StorageError:
            await conn.close()
            raise
        return db

    @classmethod
    async def _open_read_only(cls, path: Path, busy_timeout: float, verify: bool = True) -> Database:
        uri = _read_only_uri(path)
        # A WAL database on a read-only mount cannot get its shared-memory file: open it as immutable.
        for options in ("", "&immutable=1"):
            try:
                conn = await aiosqlite.connect(uri + options, uri=True, timeout=busy_timeout, isolation_level=None)
            except sqlite3.Error as exc:
                raise classify(path, exc, busy_timeout) from None
            db = cls(conn, path, read_only=True)
            db.immutable = bool(options)
            try:
                if verify:
                    await db._check_integrity()
                pending = await db._pending_migrations()
            except sqlite3.Error as exc:
                await conn.close()
                if (getattr(exc, "sqlite_errorname", "") == "SQLITE_CANTOPEN" or _no_room(exc)) and not options:
                    continue
                raise classify(path, exc, busy_timeout) from None
            if pending:
                await conn.close()
                raise StorageError(f"database {path} is read-only and needs a schema upgrade ({', '.join(pending)})")
            log.warning("database %s is read-only: serving its index; questions are not logged, reloads refused", path)
            return db
        raise StorageError(f"database {path} is read-only and cannot be opened")  # pragma: no cover

    async def _check_integrity(self) -> None:
        async with self._conn.execute("PRAGMA quick_check(1)") as cur:
            row = await cur.fetchone()
        if row is None or row[0] != "ok":
            raise DatabaseCorrupt(f"database {self.path} is corrupted: {row[0] if row else 'no integrity result'}")

    async def _pending_migrations(self) -> list[str]:
        async with self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ) as cur:
            if await cur.fetchone() is None:
                return [name for name, _ in MIGRATIONS]
        async with self._conn.execute("SELECT name FROM schema_migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        return [name for name, _ in MIGRATIONS if name not in done]

    def _check_writable(self) -> None:
        if self.read_only:
            raise DatabaseReadOnly(f"database {self.path} is read-only")

    async def close(self) -> None:
        await self._conn.close()

    async def migrate(self) -> None:
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        await self._conn.commit()
        async with self._conn.execute("SELECT name FROM schema_migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            try:
                await self._conn.execute("BEGIN")
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        await self._conn.execute(statement)
                await self._conn.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    (name, datetime.now(UTC).isoformat()),
                )
                await self._conn.commit()
            except BaseException:
                await self._conn.rollback()
                raise

    async def schema_version(self) -> int:
        async with self._conn.execute("SELECT COUNT(*) FROM schema_migrations") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- knowledge -------------------------------------------------------------------------------

    async def replace_knowledge(self, data: KnowledgeData) -> int:
        """Swap in new knowledge atomically: all of it or, on any error, none of it.

        Returns the knowledge *generation* after the swap: every article new or changed by it
        is recorded in ``article_seen`` with a generation higher than any before (what topic
        subscriptions are matched against), unchanged ones keep theirs.
        """
        self._check_writable()
        async with self._write_lock:
            return await self._replace_knowledge(data)

    async def _replace_knowledge(self, data: KnowledgeData) -> int:
        conn = self._conn
        seen_at = stamp(self.clock())
        try:
            await conn.execute("BEGIN IMMEDIATE")
            generation = await self._record_seen(data.articles, seen_at)
            await conn.execute("DELETE FROM facts")
            await conn.execute("DELETE FROM articles")
            await conn.execute("DELETE FROM index_blobs")
            await self._insert_rows(data.articles, data.paragraphs, data.facts)
            # A generator, consumed in the connection's thread: one segment's blobs made at a time.
            await conn.executemany("INSERT INTO index_blobs (name, data) VALUES (?, ?)", data.iter_blobs())
            await conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [*data.meta.items(), ("generation", str(generation))],
            )
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        return generation

    async def _record_seen(self, articles: Sequence[ArticleRow], seen_at: str) -> int:
        """Record new and changed articles in ``article_seen`` under a new generation; the generation after."""
        conn = self._conn
        async with conn.execute("SELECT COALESCE(MAX(generation), 0) FROM article_seen") as cur:
            row = await cur.fetchone()
        generation = (int(row[0]) if row else 0) + 1
        await conn.executemany(
            "INSERT INTO article_seen (url, content_hash, generation, first_seen, changed_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(url) DO UPDATE SET content_hash = excluded.content_hash,"
            " generation = excluded.generation, changed_at = excluded.changed_at"
            " WHERE article_seen.content_hash != excluded.content_hash",
            ((a.url, a.content_hash, generation, seen_at, seen_at) for a in articles),
        )
        async with conn.execute("SELECT COALESCE(MAX(generation), 0) FROM article_seen") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _insert_rows(
        self, articles: Sequence[ArticleRow], paragraphs: Sequence[Sequence[str]], facts: Sequence[FactRow]
    ) -> None:
        conn = self._conn
        await conn.executemany(
            "INSERT INTO articles (id, url, title, site, published, author, views, caption, paragraphs,"
            " content_hash, source) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (  # a generator: rows are made one at a time, not all held at once
                (a.id, a.url, a.title, a.site, a.published.isoformat(), a.author, a.views, a.caption,
                 json.dumps(list(p), ensure_ascii=False), a.content_hash, a.source)
                for a, p in zip(articles, paragraphs, strict=True)
            ),
        )  # fmt: skip
        await conn.executemany(
            "INSERT INTO facts (id, article_id, position, kind, text, folded, features) VALUES (?,?,?,?,?,?,?)",
            ((f.id, f.article_id, f.position, f.kind, f.text, f.folded, f.features) for f in facts),
        )

    async def apply_update(self, update: KnowledgeUpdate) -> int:
        """Write an article-by-article update (:mod:`bot.index.update`) atomically; the generation after.

        Its cost is the update's size: the rows of the articles it adds and removes, the blobs
        of its new segments and a few meta entries.
        """
        self._check_writable()
        async with self._write_lock:
            conn = self._conn
            try:
                await conn.execute("BEGIN IMMEDIATE")
                generation = await self._record_seen(update.articles, stamp(self.clock()))
                removed = [(a,) for a in update.removed]
                await conn.executemany("DELETE FROM facts WHERE article_id = ?", removed)
                await conn.executemany("DELETE FROM articles WHERE id = ?", removed)
                await self._insert_rows(update.articles, update.paragraphs, update.facts)
                for prefix in update.dropped:
                    await conn.execute(
                        "DELETE FROM index_blobs WHERE name >= ? AND name < ?", (prefix, prefix[:-1] + "/")
                    )
                await conn.executemany("INSERT INTO index_blobs (name, data) VALUES (?, ?)", list(update.blobs.items()))
                await conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [*update.meta.items(), ("generation", str(generation))],
                )
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
            return generation

    def fact_reader(self, size: int, owners: npt.NDArray[np.int32], built_at: str) -> StoredFacts:
        """The stored facts (``size`` ids, ``owners`` their articles' ids) of the knowledge built at
        ``built_at``, read on demand as they are now."""
        reader = StoredFacts(self.path, size, owners, immutable=self.immutable, built_at=built_at)
        self._readers.add(reader)
        return reader

    async def load_knowledge(self, facts: bool = True) -> KnowledgeData | None:
        """The stored knowledge (without the articles' paragraphs), or None when no reload has run yet.

        ``facts=False`` leaves the facts out (:meth:`fact_reader` reads them when needed).
        """
        conn = self._conn
        async with conn.execute("SELECT key, value FROM meta") as cur:
            meta = {k: v for k, v in await cur.fetchall()}
        if "built_at" not in meta:
            return None
        async with conn.execute(_ARTICLE_ROWS) as cur:
            articles = [_article(r) for r in await cur.fetchall()]
        fact_rows: list[FactRow] = []
        if facts:
            async with conn.execute(
                "SELECT id, article_id, position, kind, text, folded, features FROM facts ORDER BY id"
            ) as cur:
                fact_rows = [FactRow(*r) for r in await cur.fetchall()]
        async with conn.execute("SELECT name, data FROM index_blobs") as cur:
            blobs = {name: bytes(data) for name, data in await cur.fetchall()}
        return _knowledge(meta, articles, fact_rows, blobs)

    def load_knowledge_lazily(self) -> tuple[KnowledgeData, PinnedView] | None:
        """The stored knowledge without its facts, read through a :class:`PinnedView` and with the
        segments' postings left in the database, read from there as questions need them (blocking:
        run it in a thread). None when no reload has run yet.

        What opening costs is then the articles' rows and the small parts of the segments, not the
        hundreds of megabytes of postings of a large index.
        """
        view = PinnedView(self.path, self.immutable)
        conn = view.conn
        meta = {k: v for k, v in conn.execute("SELECT key, value FROM meta")}
        if "built_at" not in meta:
            view.close()
            return None
        heads = conn.execute(_ARTICLE_HEADS).fetchall()
        ids = np.array([r[0] for r in heads], np.int64)
        published = np.array([datetime.fromisoformat(r[1]).timestamp() for r in heads], np.float64)
        del heads
        # An index of another format (a read-only database is served as it is) is read whole.
        whole = not built_by_this_version(meta)
        blobs: dict[str, bytes] = {}
        # segment prefix -> posting part -> chunk number -> (rowid, bytes)
        chunks: dict[str, dict[str, dict[int, tuple[int, int]]]] = {}
        for rowid, name, size in conn.execute("SELECT rowid, name, length(data) FROM index_blobs"):
            found = None if whole else posting_part(name)
            if found is not None:
                prefix, part, number = found
                chunks.setdefault(prefix, {}).setdefault(part, {})[number] = (rowid, size)
            else:
                blobs[name] = bytes(
                    conn.execute("SELECT data FROM index_blobs WHERE rowid = ?", (rowid,)).fetchone()[0]
                )
        stores: dict[str, PostingStore] = {}
        for prefix, parts in chunks.items():
            id_chunks, tf_chunks = (sorted(parts.get(part, {}).items()) for part in POSTING_PARTS)
            count = sum(size for _, (_, size) in id_chunks) // 4
            chunk = id_chunks[0][1][1] // 4 if id_chunks else 0  # every chunk but the last is this long
            stores[prefix] = BlobPostings(
                view, [rowid for _, (rowid, _) in id_chunks], [rowid for _, (rowid, _) in tf_chunks], count, chunk
            )
        data = _knowledge(meta, [], [], blobs, None if whole else stores)
        size = data.article_segments[-1].end if data.article_segments else 0
        articles = StoredArticles(view, ids, max(size, int(ids[-1]) + 1 if len(ids) else 0))
        return dataclasses.replace(data, articles=articles, article_heads=(ids, published)), view

    # -- query log ---------------------------------------------------------------------------------

    async def log_query(
        self,
        *,
        question: str,
        answered: bool,
        top_fact_id: int | None,
        latency_ms: float,
        user_hash: str | None = None,
        chat_type: str | None = None,
    ) -> int:
        self._check_writable()
        async with self._write_lock:
            cur = await self._conn.execute(
                "INSERT INTO query_log (ts, user_hash, chat_type, question, answered, top_fact_id, latency_ms)"
                " VALUES (?,?,?,?,?,?,?)",
                (datetime.now(UTC).isoformat(), user_hash, chat_type, question[:1000], int(answered), top_fact_id,
                 latency_ms),
            )  # fmt: skip
            await self._conn.commit()
            return int(cur.lastrowid or 0)

    async def logged_question(self, log_id: int) -> str | None:
        """The question of a query-log row (to re-run it, e.g. for "more results"), or None when gone."""
        async with self._conn.execute("SELECT question FROM query_log WHERE id = ?", (log_id,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def logged_question_of(self, log_id: int, user_hash: str | None) -> tuple[str | None, bool]:
        """(the question of a query-log row or None when gone, whether ``user_hash`` asked it)."""
        async with self._conn.execute("SELECT question, user_hash FROM query_log WHERE id = ?", (log_id,)) as cur:
            row = await cur.fetchone()
        if not row:
            return None, False
        return str(row[0]), user_hash is not None and row[1] == user_hash

    async def set_feedback(self, log_id: int, value: int, user_hash: str | None) -> bool:
        self._check_writable()
        async with self._write_lock:
            cur = await self._conn.execute(
                "UPDATE query_log SET feedback = ? WHERE id = ? AND (user_hash IS ? OR ? IS NULL)",
                (value, log_id, user_hash, user_hash),
            )
            await self._conn.commit()
            return cur.rowcount > 0

    async def delete_user_history(self, user_hash: str) -> int:
        self._check_writable()
        async with self._write_lock:
            cur = await self._conn.execute("DELETE FROM query_log WHERE user_hash = ?", (user_hash,))
            await self._conn.commit()
            await self._forget_deleted()
            return cur.rowcount

    async def _forget_deleted(self) -> None:
        """Copy the WAL back and empty it, so deleted rows (zeroed by ``secure_delete``) leave no copy there."""
        try:
            if not await self.checkpoint():
                log.warning(
                    "could not empty the WAL after a deletion: a reader is still open; the next checkpoint will"
                )
        except sqlite3.Error as exc:  # busy: the next checkpoint does it
            log.warning("could not checkpoint the database after a deletion: %s", exc)

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database and empty it; True if it was emptied.

        The served snapshots' fact readers end their read transactions meanwhile (an open one
        would make the checkpoint wait for the busy timeout and leave the WAL as it is).
        """
        suspended = [reader for reader in list(self._readers) if reader.suspend()]
        try:
            async with self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                row = await cur.fetchone()
        finally:
            for reader in suspended:
                reader.resume()
        return row is not None and not row[0]

    async def purge_query_log(self, older_than_days: int) -> int:
        if self.read_only:
            return 0
        async with self._write_lock:
            cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat()
            cur = await self._conn.execute("DELETE FROM query_log WHERE ts < ?", (cutoff,))
            await self._conn.commit()
            if cur.rowcount:
                await self._forget_deleted()
            return cur.rowcount

    async def stats(self, days: int = 7, top: int = 5) -> Stats:
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat()
        conn = self._conn
        async with conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM query_log WHERE ts >= ?", (since,)
        ) as cur:
            row = await cur.fetchone()
        total, answered = (int(row[0]), int(row[1])) if row else (0, 0)
        async with conn.execute("SELECT latency_ms FROM query_log WHERE ts >= ? ORDER BY latency_ms", (since,)) as cur:
            lat = [r[0] for r in await cur.fetchall()]
        median = float(lat[len(lat) // 2]) if lat else 0.0
        async with conn.execute(
            "SELECT question, COUNT(*) c FROM query_log WHERE ts >= ? AND answered = 0"
            " GROUP BY lower(question) ORDER BY c DESC, max(ts) DESC LIMIT ?",
            (since, top),
        ) as cur:
            unanswered = [(r[0], int(r[1])) for r in await cur.fetchall()]
        async with conn.execute(
            "SELECT question, COUNT(*) c FROM query_log WHERE ts >= ? AND feedback < 0"
            " GROUP BY lower(question) ORDER BY c DESC LIMIT ?",
            (since, top),
        ) as cur:
            disliked = [(r[0], int(r[1])) for r in await cur.fetchall()]
        return Stats(total, answered, median, unanswered, disliked)

    # -- topic subscriptions, deliveries and digests ----------------------------------------------

    async def generation(self) -> int:
        """The knowledge generation of the stored index (0 before the first reload)."""
        async with self._conn.execute("SELECT value FROM meta WHERE key = 'generation'") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def add_subscription(self, chat_id: int, topic: str, topic_key: str, generation: int, cap: int) -> str:
        """ "added", "exists" (the chat follows this topic already) or "full" (``cap`` topics already)."""
        self._check_writable()
        async with self._write_lock:
            conn = self._conn
            try:
                await conn.execute("BEGIN IMMEDIATE")
                async with conn.execute(
                    "SELECT COUNT(*), COALESCE(SUM(topic_key = ?), 0) FROM subscriptions WHERE chat_id = ?",
                    (topic_key, chat_id),
                ) as cur:
                    row = await cur.fetchone()
                count, same = (int(row[0]), int(row[1])) if row else (0, 0)
                if same:
                    outcome = "exists"
                elif count >= cap:
                    outcome = "full"
                else:
                    await conn.execute(
                        "INSERT INTO subscriptions (chat_id, topic, topic_key, created_at, checked_generation)"
                        " VALUES (?,?,?,?,?)",
                        (chat_id, topic, topic_key, stamp(self.clock()), generation),
                    )
                    outcome = "added"
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
            return outcome

    async def subscriptions(self, chat_id: int | None = None) -> list[Subscription]:
        """The topics of one chat (or of every chat), in the order they were added."""
        rows = await self._of_chat(
            "SELECT id, chat_id, topic, topic_key, created_at, checked_generation FROM subscriptions", chat_id, "id"
        )
        return [Subscription(r[0], r[1], r[2], r[3], unstamp(r[4]), r[5]) for r in rows]

    async def remove_subscription(
        self, chat_id: int, *, sub_id: int | None = None, topic_key: str | None = None
    ) -> bool:
        """Remove one topic of a chat, by id or by folded topic; False when the chat has no such topic."""
        self._check_writable()
        async with self._write_lock:
            cur = await self._conn.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND (id = ? OR topic_key = ?)",
                (chat_id, sub_id, topic_key),
            )
            await self._conn.commit()
            return cur.rowcount > 0

    async def forget_chat(self, chat_id: int) -> int:
        """Delete a chat's topics, digest and delivery record (a chat that blocked the bot, /privacy)."""
        self._check_writable()
        async with self._write_lock:
            conn = self._conn
            try:
                await conn.execute("BEGIN IMMEDIATE")
                cur = await conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
                removed = cur.rowcount
                await conn.execute("DELETE FROM digests WHERE chat_id = ?", (chat_id,))
                await conn.execute("DELETE FROM deliveries WHERE chat_id = ?", (chat_id,))
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
        await self._forget_deleted()
        return removed

    async def changed_since(self, generation: int, up_to: int) -> list[SeenArticle]:
        """Articles added or changed by the reloads after ``generation`` up to ``up_to``, oldest first."""
        async with self._conn.execute(
            "SELECT url, generation, changed_at FROM article_seen WHERE generation > ? AND generation <= ?"
            " ORDER BY generation, url",
            (generation, up_to),
        ) as cur:
            rows = await cur.fetchall()
        return [SeenArticle(r[0], r[1], unstamp(r[2])) for r in rows]

    async def seen_between(self, after: datetime, until: datetime) -> list[SeenArticle]:
        """Articles added or changed in ``(after, until]``, oldest first (for digests)."""
        async with self._conn.execute(
            "SELECT url, generation, changed_at FROM article_seen WHERE changed_at > ? AND changed_at <= ?"
            " ORDER BY changed_at, url",
            (stamp(after), stamp(until)),
        ) as cur:
            rows = await cur.fetchall()
        return [SeenArticle(r[0], r[1], unstamp(r[2])) for r in rows]

    async def delivered(self, chat_id: int) -> set[str]:
        """The URLs already pushed to a chat."""
        async with self._conn.execute("SELECT url FROM deliveries WHERE chat_id = ?", (chat_id,)) as cur:
            return {str(r[0]) for r in await cur.fetchall()}

    async def record_delivery(self, chat_id: int, urls: Sequence[str]) -> None:
        self._check_writable()
        async with self._write_lock:
            now = stamp(self.clock())
            await self._conn.executemany(
                "INSERT OR IGNORE INTO deliveries (chat_id, url, sent_at) VALUES (?,?,?)",
                [(chat_id, url, now) for url in urls],
            )
            await self._conn.commit()

    async def mark_checked(self, sub_ids: Sequence[int], generation: int) -> None:
        """Every article up to ``generation`` has been matched against these subscriptions."""
        self._check_writable()
        async with self._write_lock:
            await self._conn.executemany(
                "UPDATE subscriptions SET checked_generation = ? WHERE id = ? AND checked_generation < ?",
                [(generation, sub_id, generation) for sub_id in sub_ids],
            )
            await self._conn.commit()

    async def set_digest(self, chat_id: int, at: str | None) -> None:
        """Send a chat its daily digest at ``at`` ("HH:MM", Vietnam time), or never (None)."""
        self._check_writable()
        async with self._write_lock:
            if at is None:
                await self._conn.execute("DELETE FROM digests WHERE chat_id = ?", (chat_id,))
            else:
                await self._conn.execute(
                    "INSERT INTO digests (chat_id, at, last_sent) VALUES (?,?,?)"
                    " ON CONFLICT(chat_id) DO UPDATE SET at = excluded.at",
                    (chat_id, at, stamp(self.clock())),
                )
            await self._conn.commit()

    async def digests(self, chat_id: int | None = None) -> list[DigestSetting]:
        """The daily digest setting of one chat (or of every chat)."""
        rows = await self._of_chat("SELECT chat_id, at, last_sent FROM digests", chat_id, "chat_id")
        return [DigestSetting(r[0], r[1], unstamp(r[2])) for r in rows]

    async def _of_chat(self, select: str, chat_id: int | None, order: str) -> list[Any]:
        """The rows of ``select`` for one chat (all chats when None), ordered by ``order``."""
        where, args = (" WHERE chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
        async with self._conn.execute(f"{select}{where} ORDER BY {order}", args) as cur:
            return list(await cur.fetchall())

    async def digest_sent(self, chat_id: int, until: datetime) -> None:
        self._check_writable()
        async with self._write_lock:
            await self._conn.execute("UPDATE digests SET last_sent = ? WHERE chat_id = ?", (stamp(until), chat_id))
            await self._conn.commit()
