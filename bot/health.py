"""Liveness for containers: the running bot touches a heartbeat file; ``cchc-bot health`` checks it and the DB."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.config import Settings

HEARTBEAT_SECONDS = 30
STALE_AFTER = 180


def heartbeat_path(settings: Settings) -> Path:
    return settings.db_path.with_name(settings.db_path.name + ".heartbeat")


def write_heartbeat(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{time.time():.0f}\n", encoding="ascii")


def problems(settings: Settings, now: float | None = None) -> list[str]:
    """What is wrong with the running bot (empty: healthy)."""
    found: list[str] = []
    now = time.time() if now is None else now
    if not settings.db_path.is_file():
        found.append(f"database {settings.db_path} does not exist")
    else:
        try:
            with sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True, timeout=5) as conn:
                row = conn.execute("SELECT COUNT(*) FROM articles").fetchone()
            if not row or row[0] == 0:
                found.append("the database holds no article")
        except sqlite3.Error as exc:
            found.append(f"database {settings.db_path} is unusable: {exc}")
    beat = heartbeat_path(settings)
    try:
        age = now - beat.stat().st_mtime
    except OSError:
        found.append("no heartbeat: the bot is not running (yet)")
    else:
        if age > STALE_AFTER:
            found.append(f"last heartbeat {age:.0f} s ago: the bot is stuck or stopped")
    return found
