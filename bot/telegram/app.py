"""Wiring: build the PTB ``Application`` and run it (long polling, or a webhook when configured)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
import sys
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import httpx
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode, UpdateType
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.health import HEARTBEAT_SECONDS, heartbeat_path, write_heartbeat
from bot.reasons_vi import vi
from bot.salt import user_hash_salt
from bot.service import ReloadError, SearchService
from bot.storage import StorageError
from bot.telegram import handlers, news
from bot.telegram.delivery import RetryingRateLimiter
from bot.telegram.jobs import schedule_feed_refresh
from bot.telegram.logs import configure_logging
from bot.telegram.menu import set_public_menus
from bot.telegram.state import BotData, Context, FloodGuard
from bot.telegram.transport import AiohttpRequest
from bot.telegram.updates import PollingRequest
from bot.web.fetch import make_client

log = logging.getLogger(__name__)

EXIT_FAIL = 1
EXIT_USAGE = 2
PURGE_SECONDS = 6 * 3600  # how often old query-log rows are deleted
# Only what the handlers use (edits are ignored, so they are not even fetched).
ALLOWED_UPDATES = [UpdateType.MESSAGE, UpdateType.CALLBACK_QUERY, UpdateType.INLINE_QUERY]
# Every message the bot sends is Telegram HTML (bot/telegram/render.py escapes all it quotes), without link previews.
DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
App: TypeAlias = Application[ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Context]]

NO_BOT_CREDENTIAL_HELP = (
    "lỗi: chưa đặt CCHC_BOT_TOKEN: hãy tạo bot với @BotFather trong Telegram (/newbot), "
    "rồi đặt CCHC_BOT_TOKEN bằng mã (token) mà @BotFather đưa cho bạn"
)


async def _post_init(application: App) -> None:
    data = application.bot_data
    settings = data.config
    if data.service_ is None:
        data.service_ = await SearchService.open(
            settings.db_path, settings.knowledge_dir, busy_timeout=settings.db_busy_timeout_seconds
        )
        data.owns_service = True
    if data.http_ is None:
        data.http_ = make_client(settings)
        data.owns_http = True
    await _purge_old_queries(data)
    try:
        await set_public_menus(application.bot)
    except TelegramError as exc:  # the menu is a convenience: answer questions anyway
        log.warning("could not register the command menus: %s", exc)
    await _beat(settings)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _heartbeat, interval=HEARTBEAT_SECONDS, first=HEARTBEAT_SECONDS, name="heartbeat"
        )
        application.job_queue.run_repeating(_purge_job, interval=PURGE_SECONDS, first=PURGE_SECONDS, name="purge")
        if schedule_feed_refresh(application.job_queue, data.service, settings) is not None:
            log.info("refreshing %d feed(s) every %d min", len(settings.feeds), settings.feed_refresh_minutes)
        data.news_listener = await news.start_news(application.job_queue, data.news)
    log.info("bot @%s ready: %d articles", application.bot.username, len(data.service.sources()))


async def _purge_old_queries(data: BotData) -> int:
    """Delete query-log rows older than the retention setting (at start, then every few hours)."""
    days = data.config.query_log_retention_days
    try:
        purged = await data.service.purge_query_log(days)
    except (StorageError, sqlite3.Error) as exc:
        log.warning("could not purge the query log: %s", exc)
        return 0
    if purged:
        log.info("purged %d query-log rows older than %d days", purged, days)
    return purged


async def _purge_job(context: Context) -> None:
    await _purge_old_queries(context.bot_data)


async def _heartbeat(context: Context) -> None:
    await beat_if_answering(context.bot_data)


async def beat_if_answering(data: BotData) -> bool:
    """Touch the heartbeat file, unless long polling has stopped fetching updates (then health fails)."""
    problem = data.polling.problem() if data.polling is not None else None
    if problem is not None:
        log.error("not answering: %s; the heartbeat is withheld so that `cchc-bot health` fails", problem)
        return False
    await _beat(data.config)
    return True


async def _beat(settings: Settings) -> None:
    path = heartbeat_path(settings)
    try:
        await asyncio.to_thread(write_heartbeat, path)
    except OSError as exc:
        log.warning("cannot write the heartbeat file %s: %s", path, exc)


async def _post_shutdown(application: App) -> None:
    data = application.bot_data
    if data.news_listener is not None and data.service_ is not None:
        data.service_.remove_reload_listener(data.news_listener)
        data.news_listener = None
    if data.owns_http and data.http_ is not None:
        await data.http_.aclose()
        data.http_ = None
        data.owns_http = False
    if data.owns_service and data.service_ is not None:
        await data.service_.close()
        data.service_ = None
        data.owns_service = False


def add_handlers(application: App) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    fresh = filters.UpdateType.MESSAGE  # not edits: editing a question must not answer it twice
    new_text = fresh & filters.TEXT & ~filters.COMMAND
    application.add_handler(TypeHandler(Update, handlers.limit_updates), group=-1)  # before any other
    application.add_handlers(
        [
            CommandHandler(["start", "help"], handlers.start, filters=fresh),
            CommandHandler("cchc", handlers.cchc, filters=fresh),
            CommandHandler("sources", handlers.sources, filters=fresh),
            CommandHandler("privacy", handlers.privacy, filters=fresh),
            CommandHandler("reload", handlers.reload, filters=fresh),
            CommandHandler("stats", handlers.stats, filters=fresh),
            CommandHandler("add", handlers.add, filters=fresh),
            CommandHandler(["theodoi", "follow"], news.follow, filters=fresh),
            CommandHandler(["huytheodoi", "unfollow"], news.unfollow, filters=fresh),
            CommandHandler(["tinmoi", "latest"], news.latest, filters=fresh),
            CommandHandler(["bantin", "digest"], news.digest, filters=fresh),
            MessageHandler(new_text & private, handlers.private_text),
            MessageHandler(new_text & groups, handlers.group_text),
            MessageHandler(fresh & filters.COMMAND & private, handlers.unknown_command),
            CallbackQueryHandler(news.button, pattern=news.BUTTONS),
            CallbackQueryHandler(handlers.button),
            InlineQueryHandler(handlers.inline_query),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.COMMAND, handlers.edited_command),
        ]
    )
    application.add_error_handler(handlers.error)


def _rate_limiter(settings: Settings) -> RetryingRateLimiter:
    return RetryingRateLimiter(retries=settings.send_retries, overall_max_rate=settings.send_rate_per_second)


def build_application(
    settings: Settings,
    service: SearchService | None = None,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> App:
    """The bot application; ``service``, ``request`` and ``http_client`` are for tests (the caller then owns them)."""
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise ValueError(NO_BOT_CREDENTIAL_HELP)
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value().strip())
        .base_url(f"{settings.bot_api_url}/bot")
        .base_file_url(f"{settings.bot_api_url}/file/bot")
        .context_types(ContextTypes(bot_data=BotData))
        .defaults(DEFAULTS)
        .rate_limiter(rate_limiter if rate_limiter is not None else _rate_limiter(settings))
        .concurrent_updates(16)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:  # aiohttp, not PTB's default httpx: a fifth of the CPU per answered question (docs/performance.md)
        updates = AiohttpRequest(connection_pool_size=1)
        polling = PollingRequest(updates)  # a malformed update cannot wedge it
        calls = AiohttpRequest(connection_pool_size=256, read_timeout=settings.telegram_timeout_seconds)
        builder = builder.request(calls).get_updates_request(polling)
    application: App = builder.build()  # type: ignore[assignment]
    data = application.bot_data
    data.settings = settings
    data.salt = user_hash_salt(settings)
    if request is None:
        data.transports = (calls, updates)
        if not settings.webhook_url:
            data.polling = polling
    data.flood = FloodGuard(settings.user_rate_limit)
    data.updates_guard = FloodGuard(settings.user_update_limit)
    if service is not None:
        data.service_ = service
        data.owns_service = False
    if http_client is not None:
        data.http_ = http_client
        data.owns_http = False
    add_handlers(application)
    return application


def _webhook_secret(settings: Settings) -> str:
    if settings.webhook_secret is not None and settings.webhook_secret.get_secret_value():
        return settings.webhook_secret.get_secret_value()
    return secrets.token_urlsafe(32)  # only [A-Za-z0-9_-], as Telegram requires


def run_bot(settings: Settings) -> int:
    """``cchc-bot run``: block until SIGINT/SIGTERM; 2 when the token is missing."""
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(NO_BOT_CREDENTIAL_HELP, file=sys.stderr)
        return EXIT_USAGE
    token = settings.bot_token.get_secret_value().strip()
    secret = _webhook_secret(settings) if settings.webhook_url else None
    redact = configure_logging(settings.log_level, token, *([secret] if secret else []))
    application = build_application(settings)
    try:
        _run(application, settings, secret)
    except (TelegramError, StorageError, ReloadError) as exc:
        # PTB puts the token in InvalidToken's message: never print it.
        hint = " (check CCHC_BOT_TOKEN)" if isinstance(exc, InvalidToken) else ""
        log.error("cannot start the bot: %s%s", exc, hint)
        hint_vi = " (hãy kiểm tra CCHC_BOT_TOKEN)" if hint else ""
        print(redact.redact(f"lỗi: không khởi động được bot: {vi(str(exc))}{hint_vi}"), file=sys.stderr)
        for transport in application.bot_data.transports:  # PTB does not shut down what a failed start opened
            transport.abandon()
        return EXIT_FAIL
    log.info("stopped")
    return 0


def _run(application: App, settings: Settings, secret: str | None) -> None:
    if settings.webhook_url and secret is not None:
        path = urlsplit(settings.webhook_url).path.lstrip("/")
        log.info("starting with a webhook on %s:%d/%s", settings.webhook_listen, settings.webhook_port, path)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        log.info("starting with long polling via %s", settings.bot_api_url)
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
