"""The database missing, locked, corrupted, read-only, full, or its reload killed: clear errors, old index serving."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import ReloadError, SearchService
from bot.storage import DatabaseLocked, DatabaseReadOnly, StorageError
from tests.support.articles import SEED_QUESTION, seed_only, write_article
from tests.support.cli import db_env, run_on

NEW_URL = "https://reliability.example.vn/bai-moi.html"
NEW_QUESTION = "xã Tân Phú Đông số hoá hồ sơ lưu trữ bằng máy quét"


def add_new_article(folder: Path) -> None:
    write_article(folder, "moi.txt", title="Xã Tân Phú Đông số hoá hồ sơ lưu trữ", url=NEW_URL,
                  paragraphs=["Xã Tân Phú Đông đã số hoá toàn bộ hồ sơ lưu trữ bằng máy quét tốc độ cao."])  # fmt: skip


# -- missing ---------------------------------------------------------------------------------------------


async def test_missing_database_is_created_and_built(tmp_path: Path) -> None:
    knowledge = seed_only(tmp_path / "knowledge")
    db = tmp_path / "not" / "yet" / "there.sqlite3"
    service = await SearchService.open(db, knowledge)
    try:
        assert db.is_file()
        assert (await service.ask(SEED_QUESTION)).answered
    finally:
        await service.close()


async def test_missing_database_without_knowledge_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReloadError, match="no article could be loaded"):
        await SearchService.open(tmp_path / "db.sqlite3", empty)


# -- locked ----------------------------------------------------------------------------------------------


@pytest.fixture
def exclusive_lock(built: tuple[Path, Path]) -> Iterator[Path]:
    """Another process's exclusive lock on a rollback-journal database (as an old tool or a copy would hold)."""
    db, _ = built
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield db
    finally:
        conn.rollback()
        conn.close()


async def test_locked_database_waits_then_fails_clearly(built: tuple[Path, Path], exclusive_lock: Path) -> None:
    db, knowledge = built
    started = time.monotonic()
    with pytest.raises(DatabaseLocked, match="locked by another process") as caught:
        await SearchService.open(db, knowledge, busy_timeout=0.3)
    waited = time.monotonic() - started
    assert 0.3 <= waited < 3.0
    assert str(db) in str(caught.value)


def test_locked_database_from_the_command_line(built: tuple[Path, Path], exclusive_lock: Path) -> None:
    db, knowledge = built
    result = run_on(db, knowledge, "ask", SEED_QUESTION, CCHC_DB_BUSY_TIMEOUT_SECONDS="0.5")
    assert result.returncode == 1
    assert "đang bị một tiến trình khác khoá (đã chờ 0.5 giây)" in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_writer_elsewhere_does_not_stop_answers(built: tuple[Path, Path]) -> None:
    """A reload in another process holds the write lock: questions are still answered, writes time out clearly."""
    db, knowledge = built
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        service = await SearchService.open(db, knowledge, busy_timeout=0.2)
        try:
            assert (await service.ask(SEED_QUESTION)).answered
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await service.db.log_query(question="q", answered=True, top_fact_id=None, latency_ms=1.0)
        finally:
            await service.close()
    finally:
        other.rollback()
        other.close()


# -- corrupted -------------------------------------------------------------------------------------------


def _damage_pages(db: Path) -> None:
    """Overwrite the middle of the file (b-tree pages), keeping the header intact."""
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for start in range(page, len(data) - page, page * 2):
        data[start : start + 64] = b"\xa5" * 64
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["garbage", "pages"])
async def test_corrupt_database_is_moved_aside_and_rebuilt(built: tuple[Path, Path], damage: str,
                                                           caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    db, knowledge = built
    if damage == "garbage":
        db.write_bytes(b"definitely not an SQLite database\n" * 200)
    else:
        _damage_pages(db)
    damaged = db.read_bytes()
    with caplog.at_level(logging.ERROR, logger="bot.service"):
        service = await SearchService.open(db, knowledge)
    try:
        assert (await service.ask(SEED_QUESTION)).answered
    finally:
        await service.close()
    (aside,) = db.parent.glob("bot.sqlite3.corrupt-*")
    assert aside.read_bytes() == damaged  # kept for a post-mortem, never deleted
    message = caplog.text
    assert "is corrupted" in message
    assert f"moved it aside to {aside}" in message
    assert "rebuilding the index" in message


@pytest.mark.parametrize("damage", ["garbage", "pages"])
def test_corrupt_database_from_the_command_line(built: tuple[Path, Path], damage: str) -> None:
    """`ask` skips the whole-file check (it opens lazily): damage is met where it reads, and handled alike."""
    db, knowledge = built
    if damage == "garbage":
        db.write_bytes(b"\x00garbage" * 1000)
    else:
        _damage_pages(db)
    result = run_on(db, knowledge, "ask", SEED_QUESTION)
    assert result.returncode == 0, result.stderr
    assert "Phạm Minh" in result.stdout
    assert "is corrupted" in result.stderr
    assert "moved it aside" in result.stderr


def test_damage_met_while_answering_from_the_command_line(built: tuple[Path, Path]) -> None:
    """Damage that opening does not read (the facts' pages): the question meets it, the database is
    checked, moved aside and rebuilt, and the question answered."""
    db, knowledge = built
    with sqlite3.connect(db) as conn:
        try:
            pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'facts' AND pagetype = 'leaf'")]
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    assert pages
    with db.open("r+b") as f:
        for page in pages:
            f.seek((page - 1) * page_size)
            f.write(b"\x00" * 8)  # no valid b-tree page type
    result = run_on(db, knowledge, "ask", SEED_QUESTION)
    assert result.returncode == 0, result.stderr
    assert "Phạm Minh" in result.stdout
    assert "is corrupted" in result.stderr
    assert "moved it aside" in result.stderr
    assert len([p for p in db.parent.glob("bot.sqlite3.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]) == 1


# -- read-only -------------------------------------------------------------------------------------------


def _read_only_mount(folder: Path) -> tuple[str, ...]:
    """A command prefix that runs the rest with ``folder`` mounted read-only (a private mount namespace)."""
    return ("unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder))


@pytest.fixture(scope="module")
def read_only_mounts() -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    probe = subprocess.run([*_read_only_mount(Path("/tmp")), "true"], capture_output=True, timeout=10, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.decode(errors='replace').strip()}")


def test_read_only_database_serves_its_index(built: tuple[Path, Path], read_only_mounts: None) -> None:
    db, knowledge = built
    prefix = _read_only_mount(db.parent)
    result = run_on(db, knowledge, "ask", SEED_QUESTION, prefix=prefix)
    assert result.returncode == 0, result.stderr
    assert "Phạm Minh" in result.stdout
    assert "is read-only: serving its index" in result.stderr  # a log line: English
    reload = run_on(db, knowledge, "reload", prefix=prefix)
    assert reload.returncode == 1
    assert "chỉ cho phép đọc: không dựng lại được chỉ mục" in reload.stderr
    assert "Traceback" not in reload.stderr + result.stderr


def test_read_only_place_without_a_database_is_a_clear_error(tmp_path: Path, read_only_mounts: None) -> None:
    knowledge = seed_only(tmp_path / "knowledge")
    (tmp_path / "ro").mkdir()
    result = run_on(tmp_path / "ro" / "bot.sqlite3", knowledge, "ask", "x", prefix=_read_only_mount(tmp_path / "ro"))
    assert result.returncode == 1
    assert "không mở hay tạo được cơ sở dữ liệu" in result.stderr
    assert "Traceback" not in result.stderr


async def test_read_only_database_refuses_writes_clearly(built: tuple[Path, Path]) -> None:
    db, knowledge = built
    service = await SearchService.open(db, knowledge)
    service.db.read_only = True  # as opened from a read-only mount (see the test above for the real one)
    try:
        with pytest.raises(DatabaseReadOnly, match="read-only"):
            await service.db.log_query(question="q", answered=True, top_fact_id=None, latency_ms=1.0)
        assert await service.db.purge_query_log(1) == 0
        with pytest.raises(ReloadError, match="read-only"):
            await service.reload()
        assert (await service.ask(SEED_QUESTION)).answered
    finally:
        await service.close()


# -- full disk and killed reloads --------------------------------------------------------------------------


async def test_full_disk_during_reload_keeps_the_old_index(built: tuple[Path, Path]) -> None:
    db, knowledge = built
    service = await SearchService.open(db, knowledge)
    try:
        before = await service.ask(SEED_QUESTION)
        conn = service.db._conn  # a tiny "disk": no page beyond those in use
        async with conn.execute("PRAGMA page_count") as cur:
            row = await cur.fetchone()
        assert row is not None
        await conn.execute(f"PRAGMA max_page_count = {int(row[0])}")
        add_new_article(knowledge)
        for n in range(30):  # enough new text to need more pages
            write_article(knowledge, f"them_{n}.txt", title=f"Bài thêm {n} về cải cách", url=f"https://x.example.vn/{n}.html",
                          paragraphs=[f"Nội dung bài thêm số {n} về thủ tục hành chính. " * 40])  # fmt: skip
        with pytest.raises(ReloadError, match="full"):
            await service.reload()
        assert await service.ask(SEED_QUESTION) == before
        assert [a.url for a in service.sources()] == [r.url for r in before.results[:1]]
    finally:
        await service.close()
    reopened = await SearchService.open(db, knowledge, build_if_empty=False)
    try:
        assert len(reopened.sources()) == 1  # the stored index is the old one, intact
        assert (await reopened.ask(SEED_QUESTION)).answered
    finally:
        await reopened.close()


PAUSED_RELOAD = """
import asyncio, sys
from bot import cli, storage

original = storage.Database._replace_knowledge

async def paused(self, data):
    real_commit = self._conn.commit
    async def commit():
        print("IN-TRANSACTION", flush=True)
        await asyncio.sleep(60)
        await real_commit()
    self._conn.commit = commit
    await original(self, data)

storage.Database._replace_knowledge = paused
sys.exit(cli.main(["reload"]))
"""


async def test_killed_reload_leaves_the_old_index_serving(built: tuple[Path, Path]) -> None:
    db, knowledge = built
    add_new_article(knowledge)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", PAUSED_RELOAD, env=db_env(db, knowledge),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert b"IN-TRANSACTION" in line, "the reload never reached its transaction"
        # Mid-reload, another reader still gets the old index.
        reader = await SearchService.open(db, knowledge, build_if_empty=False, busy_timeout=1)
        try:
            assert (await reader.ask(SEED_QUESTION)).answered
            assert NEW_URL not in [a.url for a in reader.sources()]
        finally:
            await reader.close()
    finally:
        proc.send_signal(signal.SIGKILL)  # a crash in the middle of the transaction
        await asyncio.wait_for(proc.wait(), 10)
    after = await SearchService.open(db, knowledge, build_if_empty=False)
    try:
        assert [a.url for a in after.sources()] != []
        assert NEW_URL not in [a.url for a in after.sources()]
        assert (await after.ask(SEED_QUESTION)).answered
        new = await after.ask(NEW_QUESTION)
        assert not new.answered or new.results[0].url != NEW_URL
        report = await after.reload()  # the next reload works and brings the new article in
        assert NEW_URL in report.added
        assert (await after.ask(NEW_QUESTION)).results[0].url == NEW_URL
    finally:
        await after.close()


async def test_storage_errors_name_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "a_file"
    folder.write_text("x")
    with pytest.raises(StorageError, match="cannot open or create database"):
        await SearchService.open(folder / "db.sqlite3", tmp_path)
