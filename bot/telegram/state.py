"""What the handlers share: the typed ``bot_data`` container and the per-user flood guard."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeAlias

import httpx
from telegram.ext import CallbackContext, ExtBot

from bot.config import Settings
from bot.models import ReloadReport
from bot.news import NewsDesk
from bot.salt import hash_user
from bot.service import SearchService
from bot.telegram.transport import AiohttpRequest
from bot.telegram.updates import PollingRequest

WINDOW_SECONDS = 60.0


class Verdict(Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit: tell the user once
    SILENT = "silent"  # still over the limit, already told


@dataclass
class _UserWindow:
    times: deque[float] = field(default_factory=deque)
    notified: bool = False


class FloodGuard:
    """At most ``limit`` questions per user per minute; one notice, then silence for that user only."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._users: dict[int, _UserWindow] = {}

    def check(self, user_id: int) -> Verdict:
        now = self._clock()
        state = self._users.setdefault(user_id, _UserWindow())
        while state.times and now - state.times[0] >= self.window:
            state.times.popleft()
        if len(state.times) < self.limit:
            state.times.append(now)
            state.notified = False
            self._forget_idle(now)
            return Verdict.ALLOW
        if state.notified:
            return Verdict.SILENT
        state.notified = True
        return Verdict.NOTIFY

    def _forget_idle(self, now: float) -> None:
        if len(self._users) < 4096:
            return
        idle = [uid for uid, s in self._users.items() if not s.times or now - s.times[-1] >= self.window]
        for uid in idle:
            del self._users[uid]


class RecentEdits:
    """The last content the bot put into each recently edited message (bounded, oldest forgotten first)."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int], tuple[str, str]] = OrderedDict()

    def get(self, key: tuple[int, int]) -> tuple[str, str] | None:
        return self._items.get(key)

    def remember(self, key: tuple[int, int], content: tuple[str, str]) -> None:
        self._items[key] = content
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def forget(self, key: tuple[int, int]) -> None:
        self._items.pop(key, None)


@dataclass
class BotData:
    """``application.bot_data``: settings, the search service and the HTTP client (opened in ``post_init``).

    PTB creates it without arguments (``ContextTypes(bot_data=BotData)``); ``build_application``
    binds the settings right after, before any update is processed.
    """

    settings: Settings | None = None
    service_: SearchService | None = None
    owns_service: bool = False
    flood: FloodGuard | None = None  # questions per user
    updates_guard: FloodGuard | None = None  # updates of any kind per user (commands, buttons, inline queries)
    admin_menus: set[int] = field(default_factory=set)  # admin chats whose command menu is set
    recent_edits: RecentEdits = field(default_factory=RecentEdits)
    http_: httpx.AsyncClient | None = None  # fetches the pages /add ingests
    owns_http: bool = False
    add_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one /add at a time
    polling: PollingRequest | None = None  # the getUpdates request, when long polling (liveness)
    salt: str | None = None  # of the user hashes (bot/salt.py), set by build_application
    transports: tuple[AiohttpRequest, ...] = ()  # the Bot API connections build_application made
    news_: NewsDesk | None = None  # topic subscriptions and pushes over the service (post_init)
    news_listener: Callable[[ReloadReport], None] | None = None  # schedules pushes after each reload

    @property
    def config(self) -> Settings:
        if self.settings is None:
            raise RuntimeError("the application was not built with build_application()")
        return self.settings

    @property
    def service(self) -> SearchService:
        if self.service_ is None:
            raise RuntimeError("the search service is not open yet (post_init has not run)")
        return self.service_

    @property
    def news(self) -> NewsDesk:
        """The news desk over the service (made on first use: it holds no resources of its own)."""
        if self.news_ is None:
            self.news_ = NewsDesk(self.service)
        return self.news_

    @property
    def http(self) -> httpx.AsyncClient:
        if self.http_ is None:
            raise RuntimeError("the HTTP client is not open yet (post_init has not run)")
        return self.http_

    def user_hash(self, user_id: int | None) -> str | None:
        if self.salt is None:
            raise RuntimeError("the application was not built with build_application()")
        return hash_user(user_id, self.salt)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.admin_ids


Context: TypeAlias = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
