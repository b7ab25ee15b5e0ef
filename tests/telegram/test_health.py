from __future__ import annotations

import os
import shutil
from pathlib import Path

from bot.config import Settings
from bot.health import heartbeat_path, problems, write_heartbeat


def test_health_needs_database_articles_and_a_fresh_heartbeat(tmp_path: Path, built_db: tuple[Path, Path]) -> None:
    settings = Settings(_env_file=None, db_path=tmp_path / "db.sqlite3")
    assert any("does not exist" in p for p in problems(settings))
    shutil.copy(built_db[0], settings.db_path)
    assert problems(settings) == ["no heartbeat: the bot is not running (yet)"]
    write_heartbeat(heartbeat_path(settings))
    assert problems(settings) == []
    old = heartbeat_path(settings).stat().st_mtime - 600
    os.utime(heartbeat_path(settings), (old, old))
    assert "stuck or stopped" in problems(settings)[0]
