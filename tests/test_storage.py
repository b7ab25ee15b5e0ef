"""Storage: recorded, idempotent migrations; atomic knowledge swaps; reloads that fail while serving."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import shutil
import sqlite3
import weakref
from pathlib import Path

import pytest

from bot.formats.loader import load_folder
from bot.index.build import build_knowledge
from bot.models import Answer
from bot.resources import bundled_knowledge_dir
from bot.salt import hash_user
from bot.service import ReloadError, SearchService, handed_over
from bot.storage import MIGRATIONS, SCHEMA_VERSION, Database
from bot.text.lexicon import load_lexicon
from tests.support.articles import SEED_PATH, SEED_URL
from tests.support.corpus import ONE_STOP_URL, write_one_stop_article
from tests.support.services import ServiceFactory

SEED_QUESTIONS = [
    "bao nhiêu phần trăm TTHC được cung cấp dưới hình thức dịch vụ công trực tuyến",
    "Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC của Chính phủ?",
    "giam bao nhieu don vi su nghiep cong lap",
    "Phien hop thu bay dien ra khi nao",
]


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql).fetchall())


async def _stored_urls(path: Path) -> set[str]:
    db = await Database.open(path)
    try:
        data = await db.load_knowledge()
    finally:
        await db.close()
    assert data is not None
    return {a.url for a in data.articles}


async def test_migrations_recorded_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "m.sqlite3"
    db = await Database.open(path)
    assert await db.schema_version() == len(MIGRATIONS) == SCHEMA_VERSION
    await db.close()
    first = _rows(path, "SELECT name, applied_at FROM schema_migrations ORDER BY name")
    assert [name for name, _ in first] == [name for name, _ in MIGRATIONS]
    assert all(applied for _, applied in first)

    for _ in range(2):  # opening again applies nothing and changes nothing
        db = await Database.open(path)
        assert await db.schema_version() == SCHEMA_VERSION
        await db.close()
    assert _rows(path, "SELECT name, applied_at FROM schema_migrations ORDER BY name") == first
    tables = {r[0] for r in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"schema_migrations", "articles", "facts", "index_blobs", "meta", "query_log"} <= tables


async def test_a_new_migration_is_applied_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.sqlite3"
    await (await Database.open(path)).close()
    extra = ("999_test_extra", "CREATE TABLE extra_thing (id INTEGER PRIMARY KEY)")
    monkeypatch.setattr("bot.storage.MIGRATIONS", [*MIGRATIONS, extra])
    for _ in range(2):
        db = await Database.open(path)
        assert await db.schema_version() == len(MIGRATIONS) + 1
        await db.close()
    names = [r[0] for r in _rows(path, "SELECT name FROM schema_migrations")]
    assert names.count("999_test_extra") == 1


async def test_a_failing_migration_is_rolled_back_and_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.sqlite3"
    await (await Database.open(path)).close()
    broken = ("998_broken", "CREATE TABLE half_done (id INTEGER); INSERT INTO no_such_table VALUES (1)")
    monkeypatch.setattr("bot.storage.MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(Exception, match="no_such_table"):
        await Database.open(path)
    assert "998_broken" not in {r[0] for r in _rows(path, "SELECT name FROM schema_migrations")}
    assert "half_done" not in {r[0] for r in _rows(path, "SELECT name FROM sqlite_master")}


async def test_knowledge_persists_across_restarts(seed_folder: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "persist.sqlite3"
    first = await SearchService.open(db_path, seed_folder)
    before = await first.ask(SEED_QUESTIONS[0])
    await first.close()
    shutil.rmtree(seed_folder)  # the second start must not need the files
    second = await SearchService.open(db_path, seed_folder)
    try:
        assert await second.ask(SEED_QUESTIONS[0]) == before
        assert [a.url for a in second.sources()] == [SEED_URL]
    finally:
        await second.close()


async def test_an_index_built_by_another_version_is_rebuilt_on_open(seed_folder: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "old.sqlite3"
    first = await SearchService.open(db_path, seed_folder)
    built_at = first.snapshot.built_at if first.snapshot else ""
    await first.close()
    with sqlite3.connect(db_path) as conn:  # pretend an older release wrote this index
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'index_format'")
    second = await SearchService.open(db_path, seed_folder)
    try:
        assert second.snapshot is not None
        assert second.snapshot.built_at != built_at
        assert (await second.ask(SEED_QUESTIONS[0])).answered
    finally:
        await second.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'index_format'").fetchone()[0] != "0"


async def _ask_all(service: SearchService, rounds: int = 5) -> list[tuple[bool, Answer]]:
    """Ask the seed questions repeatedly, noting whether a reload was running at the time."""
    out: list[tuple[bool, Answer]] = []
    for _ in range(rounds):
        for q in SEED_QUESTIONS:
            reloading = service.reloading
            out.append((reloading, await service.ask(q)))
            await asyncio.sleep(0.002)
    return out


def _assert_seed_answers(results: list[tuple[bool, Answer]]) -> None:
    assert any(reloading for reloading, _ in results), "no question was asked while the reload ran"
    for _, answer in results:
        assert answer.answered, answer.question
        assert answer.results[0].url == SEED_URL


async def test_reload_failing_to_store_keeps_old_index_serving(
    seed_service: SearchService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_folder = tmp_path / "new"
    write_one_stop_article(new_folder)

    async def failing_replace(self: Database, data: object) -> None:
        await asyncio.sleep(0.05)  # questions arrive while the new index is being written
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Database, "replace_knowledge", failing_replace)
    reload_result, *asked = await asyncio.gather(
        seed_service.reload(new_folder), _ask_all(seed_service), _ask_all(seed_service), return_exceptions=True
    )
    assert isinstance(reload_result, ReloadError)
    assert "disk I/O error" in str(reload_result)
    for results in asked:
        assert isinstance(results, list)
        _assert_seed_answers(results)
    assert [a.url for a in seed_service.sources()] == [SEED_URL]
    assert not seed_service.reloading
    monkeypatch.undo()
    assert await _stored_urls(seed_service.db.path) == {SEED_URL}


@pytest.mark.parametrize("kind", ["empty", "only_broken", "bad_abbreviations", "missing"])
async def test_reload_of_a_bad_folder_fails_while_questions_are_answered(
    seed_service: SearchService, tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / kind
    if kind != "missing":
        folder.mkdir()
    if kind == "only_broken":
        (folder / "a.txt").write_bytes(b"\x00\x01binary")
        (folder / "b.txt").write_text("Chỉ có một dòng, không có URL.", encoding="utf-8")
    if kind == "bad_abbreviations":
        write_one_stop_article(folder)
        (folder / "abbreviations.toml").write_text("[abbreviations\nTTHC = 1\n", encoding="utf-8")

    async def slow_reload() -> object:
        await asyncio.sleep(0.005)  # let the first questions start, then reload underneath them
        return await seed_service.reload(folder)

    reload_result, *asked = await asyncio.gather(
        slow_reload(), _ask_all(seed_service, rounds=8), return_exceptions=True
    )
    assert isinstance(reload_result, ReloadError), reload_result
    for results in asked:
        assert isinstance(results, list)
        for _, answer in results:
            assert answer.answered
            assert answer.results[0].url == SEED_URL
    assert [a.url for a in seed_service.sources()] == [SEED_URL]
    assert await _stored_urls(seed_service.db.path) == {SEED_URL}


async def test_replace_knowledge_is_atomic(seed_service: SearchService, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    write_one_stop_article(folder)
    data = build_knowledge(load_folder(folder).articles, load_lexicon(bundled_knowledge_dir()))
    broken = dataclasses.replace(data, facts=[*data.facts, data.facts[0]])  # duplicate primary key, at the end
    with pytest.raises(sqlite3.IntegrityError):
        await seed_service.db.replace_knowledge(broken)
    stored = await seed_service.db.load_knowledge()
    assert stored is not None
    assert [a.url for a in stored.articles] == [SEED_URL]
    assert len(stored.facts) == len(seed_service.snapshot.facts if seed_service.snapshot else [])
    # The connection is still usable and a correct write goes through.
    await seed_service.db.replace_knowledge(data)
    assert await _stored_urls(seed_service.db.path) == {ONE_STOP_URL}


async def test_successful_reload_under_load_swaps_in_one_step(seed_service: SearchService, tmp_path: Path) -> None:
    folder = tmp_path / "both"
    folder.mkdir()
    shutil.copy(SEED_PATH, folder / SEED_PATH.name)
    write_one_stop_article(folder)
    report, *asked = await asyncio.gather(seed_service.reload(folder), _ask_all(seed_service))
    assert not isinstance(report, BaseException)
    for results in asked:
        assert isinstance(results, list)
        for _, answer in results:
            assert answer.answered
            assert answer.results[0].url == SEED_URL
    assert {a.url for a in seed_service.sources()} == {SEED_URL, ONE_STOP_URL}
    answer = await seed_service.ask("ai tiếp nhận hồ sơ đăng ký kinh doanh hộ cá thể tại bộ phận một cửa")
    assert answer.results[0].url == ONE_STOP_URL
    assert await _stored_urls(seed_service.db.path) == {SEED_URL, ONE_STOP_URL}
    assert seed_service.reloads == 2  # the first build on open, then this one


async def test_concurrent_reloads_are_serialised(seed_service: SearchService, tmp_path: Path) -> None:
    one_stop = tmp_path / "one_stop"
    write_one_stop_article(one_stop)
    seed_again = tmp_path / "seed_again"
    seed_again.mkdir()
    shutil.copy(SEED_PATH, seed_again / SEED_PATH.name)
    first, second = await asyncio.gather(seed_service.reload(one_stop), seed_service.reload(seed_again))
    assert first.loaded == [ONE_STOP_URL]
    assert second.loaded == [SEED_URL]
    assert [a.url for a in seed_service.sources()] == [SEED_URL]
    assert await _stored_urls(seed_service.db.path) == {SEED_URL}


async def test_query_log_feedback_stats_and_privacy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "log.sqlite3")
    try:
        alice, bob = hash_user(1, "salt"), hash_user(2, "salt")
        assert alice is not None
        assert bob is not None
        assert alice != bob
        assert hash_user(1, "other salt") != alice
        assert hash_user(None, "salt") is None
        assert len(alice) == 24
        a1 = await db.log_query(question="TTHC là gì", answered=True, top_fact_id=3, latency_ms=10, user_hash=alice)
        await db.log_query(question="giá vàng", answered=False, top_fact_id=None, latency_ms=30, user_hash=alice)
        await db.log_query(question="Giá vàng", answered=False, top_fact_id=None, latency_ms=20, user_hash=bob)
        assert await db.set_feedback(a1, -1, bob) is False  # not bob's question
        assert await db.set_feedback(a1, -1, alice) is True
        stats = await db.stats(days=7)
        assert (stats.questions, stats.answered) == (3, 1)
        assert stats.median_latency_ms == 20
        assert stats.top_unanswered[0][1] == 2
        assert stats.disliked == [("TTHC là gì", 1)]
        assert await db.delete_user_history(alice) == 2
        assert (await db.stats()).questions == 1
        assert await db.purge_query_log(0) == 1
        assert (await db.stats()).questions == 0
    finally:
        await db.close()


async def test_open_service_on_folder_without_articles_fails_cleanly(
    tmp_path: Path, open_service: ServiceFactory
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReloadError, match="no article"):
        await open_service(empty)
    service = await SearchService.open(tmp_path / "lazy.sqlite3", empty, build_if_empty=False)
    try:
        answer = await service.ask("TTHC")
        assert (answer.answered, answer.reason) == (False, "no_knowledge")
        assert service.sources() == []
    finally:
        await service.close()


async def test_an_index_built_before_subscriptions_existed_is_upgraded_in_place(
    tmp_path: Path, seed_folder: Path
) -> None:
    """A database of the previous schema (no 003_news) keeps its index; its articles count as already seen."""
    path = tmp_path / "old.sqlite3"
    old = await SearchService.open(path, seed_folder)
    urls = [a.url for a in old.sources()]
    await old.close()
    with sqlite3.connect(path) as conn:  # back to schema 2, as a database of the previous release
        for table in ("article_seen", "subscriptions", "deliveries", "digests"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DELETE FROM schema_migrations WHERE name = '003_news'")
        conn.execute("DELETE FROM meta WHERE key = 'generation'")
    service = await SearchService.open(path, seed_folder, build_if_empty=False)
    try:
        assert [a.url for a in service.sources()] == urls
        assert service.generation == 0
        assert _rows(path, "SELECT url, generation FROM article_seen") == [(u, 0) for u in urls]
        await service.reload()  # nothing changed: nothing becomes new
        assert _rows(path, "SELECT url, generation FROM article_seen") == [(u, 0) for u in urls]
    finally:
        await service.close()


def test_a_reload_lets_go_of_each_parsed_article_once_handed_to_the_build() -> None:
    class Parsed:  # stands for a parsed article
        pass

    items = [Parsed(), Parsed(), Parsed()]
    refs = [weakref.ref(p) for p in items]
    handed = handed_over(items)
    first = next(handed)
    assert first is refs[0]()
    del first
    gc.collect()
    assert refs[0]() is None  # the list no longer keeps it alive
    assert [p is r() for p, r in zip(handed, refs[1:], strict=True)] == [True, True]  # in order
    assert items == []
