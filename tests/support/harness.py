"""The real PTB Application in process, fed Bot API updates, its calls recorded by :class:`RecordingRequest`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from telegram import Update

from bot.config import Settings
from bot.service import SearchService
from bot.telegram.app import App, build_application
from bot.telegram.render import html_to_text
from tests.support.fakes import TOKEN, RecordingRequest

ADMIN = 7
USER = 11
GROUP = -100500
SALT = "test-salt"


def settings(tmp_path: Path, **extra: Any) -> Settings:
    """Settings for an in-process bot (the API URL is never reached: :class:`RecordingRequest` answers)."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "admin_ids": frozenset({ADMIN}),
        "bot_api_url": "http://127.0.0.1:9",
        "db_path": tmp_path / "unused.sqlite3",
        "knowledge_dir": tmp_path / "unused",
        "user_hash_salt": SALT,
        "user_rate_limit": 100,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)


class Harness:
    def __init__(self, app: App, request: RecordingRequest, service: SearchService | None = None) -> None:
        self.app = app
        self.request = request
        self._service = service

    @property
    def service(self) -> SearchService:
        assert self._service is not None
        return self._service

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    def sent(self) -> list[dict[str, Any]]:
        return self.request.of("sendMessage")

    def last_text(self) -> str:
        return str(self.sent()[-1]["text"])

    def texts(self) -> list[str]:
        """Every message sent, as the user reads it."""
        return [html_to_text(str(p["text"])) for p in self.sent()]


@contextlib.asynccontextmanager
async def started(
    service: SearchService, config: Settings, request: RecordingRequest | None = None, **kwargs: Any
) -> AsyncIterator[Harness]:
    """An initialised Application over ``service`` (its start-up calls cleared); shut down on leaving."""
    request = request if request is not None else RecordingRequest()
    app = build_application(config, service=service, request=request, **kwargs)
    async with app:
        request.clear()
        yield Harness(app, request, service)


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline buttons of a sent message, row after row."""
    markup = params.get("reply_markup") or {"inline_keyboard": []}
    return [b for row in markup["inline_keyboard"] for b in row]
