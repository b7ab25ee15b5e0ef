"""Issue 10, item 9: deleted questions leave no copy in the WAL; the user-hash salt is never a constant."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from bot.config import Settings
from bot.salt import hash_user, salt_path, user_hash_salt
from bot.storage import Database
from bot.telegram.app import build_application
from tests.support.fakes import RecordingRequest

SECRET_QUESTION = "câu hỏi riêng tư xyzzy-9"


def _on_disk(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())


async def test_deleted_questions_leave_no_copy_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    try:
        for _ in range(3):
            await db.log_query(question=SECRET_QUESTION, answered=True, top_fact_id=None, latency_ms=1.0,
                               user_hash="asker")  # fmt: skip
        await db.log_query(question="câu hỏi khác", answered=True, top_fact_id=None, latency_ms=1.0, user_hash="b")
        assert SECRET_QUESTION.encode() in _on_disk(path)
        assert await db.delete_user_history("asker") == 3
        # while the bot still runs: neither the database file nor its WAL holds the deleted text
        assert SECRET_QUESTION.encode() not in _on_disk(path)
        assert "câu hỏi khác".encode() in _on_disk(path)
        async with db._conn.execute("PRAGMA secure_delete") as cur:
            row = await cur.fetchone()
        assert row is not None
        assert row[0] == 1
    finally:
        await db.close()


def test_a_random_salt_is_made_once_kept_private_and_announced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(_env_file=None, db_path=tmp_path / "data" / "bot.sqlite3", bot_token="1:x")
    assert settings.user_hash_salt is None
    with caplog.at_level(logging.INFO, logger="bot.salt"):
        first = user_hash_salt(settings)
    assert "generated a random salt" in caplog.text
    assert first not in caplog.text  # the salt itself is never logged
    assert len(first) == 64
    assert first != "cchc-bot"
    assert stat.S_IMODE(salt_path(settings).stat().st_mode) == 0o600
    assert user_hash_salt(settings) == first  # kept across restarts
    app = build_application(settings, request=RecordingRequest())
    assert app.bot_data.salt == first
    assert app.bot_data.user_hash(42) == hash_user(42, first)
    other = Settings(_env_file=None, db_path=tmp_path / "elsewhere" / "bot.sqlite3")
    assert user_hash_salt(other) != first  # random, not a constant


def test_a_configured_salt_wins(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, db_path=tmp_path / "bot.sqlite3", user_hash_salt="chosen")
    assert user_hash_salt(settings) == "chosen"
    assert not salt_path(settings).exists()
