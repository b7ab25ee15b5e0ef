"""The salt of the one-way user hashes in the query log: configured, or random and kept beside the database.

A constant default salt would let anyone hash every Telegram id and read the log back; so when
``CCHC_USER_HASH_SALT`` is not set, a random one is made on first run and stored (owner-only) as
``<database>.salt``, and the log says so.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path

from bot.config import Settings

log = logging.getLogger(__name__)


def salt_path(settings: Settings) -> Path:
    return settings.db_path.with_name(settings.db_path.name + ".salt")


def user_hash_salt(settings: Settings) -> str:
    """The configured salt, else the stored one, else a new random one (stored when the folder allows)."""
    if settings.user_hash_salt is not None and settings.user_hash_salt.get_secret_value():
        return settings.user_hash_salt.get_secret_value()
    path = salt_path(settings)
    try:
        stored = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        stored = ""
    except (OSError, UnicodeError) as exc:
        log.warning("cannot read the user-hash salt %s: %s", path, exc)
        stored = ""
    if stored:
        return stored
    salt = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(salt + "\n")
    except FileExistsError:  # another process made it first: use that one
        return path.read_text(encoding="ascii").strip() or salt
    except OSError as exc:
        log.warning("CCHC_USER_HASH_SALT is not set and %s cannot be written (%s): a random salt is used until "
                    "the bot stops, so /privacy cannot find questions asked before a restart", path, exc)  # fmt: skip
        return salt
    log.info("CCHC_USER_HASH_SALT is not set: generated a random salt for user hashes in %s (keep it with the "
             "database; set CCHC_USER_HASH_SALT to choose one)", path)  # fmt: skip
    return salt


def hash_user(user_id: int | None, salt: str) -> str | None:
    if user_id is None:
        return None
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:24]
