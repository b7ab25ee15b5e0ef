"""Following the news in Telegram: /theodoi, /huytheodoi, /tinmoi, /bantin, pushes and digests.

Handlers stay thin: the decisions (what matches, what was sent, what is new) are
:class:`bot.news.NewsDesk`'s. Pushes run as a JobQueue job scheduled after every reload of the
service (``/reload``, ``/add``, the feed refresh) and once at start; digests are daily jobs in
Vietnam time. Every send goes through the application's rate limiter; a chat that blocked the
bot (403) or no longer exists is forgotten.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from enum import Enum
from html import escape
from typing import Any, Literal, TypeVar

from telegram import Bot, CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import JobQueue

from bot.formats import VIETNAM_TZ
from bot.messages import TOPIC_PROBLEMS
from bot.models import ReloadReport
from bot.news import ChatNews, NewsDesk, parse_digest_time, topic_key, topic_problem, utc_now
from bot.storage import StorageError
from bot.telegram import keyboards, render_news
from bot.telegram.handlers import edit, reply
from bot.telegram.keyboards import LatestPage
from bot.telegram.state import BotData, Context

log = logging.getLogger(__name__)
T = TypeVar("T")

PUSH_JOB = "news-push"
LATEST_PER_PAGE = 5
SINGLE_PUSHES = 3  # up to this many new articles for a chat: one message each; more: lists
BATCH = 8  # articles per list message
_OFF = {"tat", "off", "huy", "stop", "0"}
BUTTONS = r"^[un]:"  # the callback data of this module's buttons (bot/telegram/keyboards.py)


def _desk(context: Context) -> NewsDesk:
    return context.bot_data.news


async def _send(bot: Bot, chat_id: int, html: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    return await bot.send_message(chat_id, html, reply_markup=markup)


def _topic_arg(message: Message) -> str:
    """The text after the command (``/theodoi@Bot PAR INDEX`` -> ``PAR INDEX``)."""
    parts = (message.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def may_change(
    bot: Bot, data: BotData, chat: Chat, user_id: int | None, *, sender_chat_id: int | None = None
) -> bool:
    """Whether this user may change the chat's topics and digest: anyone in private; in a group its
    admins (also when posting anonymously as the group) and the bot's admins."""
    if chat.type == ChatType.PRIVATE or data.is_admin(user_id) or sender_chat_id == chat.id:
        return True
    if user_id is None:
        return False
    try:
        member = await bot.get_chat_member(chat.id, user_id)
    except TelegramError as exc:
        log.warning("could not check a group member's status: %s", exc)
        return False
    return member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def _may_change_here(update: Update, context: Context) -> bool:
    message = update.effective_message
    if message is None:
        return False
    user = update.effective_user
    sender = message.sender_chat.id if message.sender_chat is not None else None
    allowed = await may_change(context.bot, context.bot_data, message.chat, user.id if user else None,
                               sender_chat_id=sender)  # fmt: skip
    if not allowed:
        await reply(message, escape(render_news.GROUP_ADMINS_ONLY))
    return allowed


async def _topics_view(desk: NewsDesk, chat_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """The chat's topic list and digest time, with a remove button per topic."""
    subs = await desk.topics(chat_id)
    digests = await desk.digest_settings(chat_id)
    html = render_news.topics_html(subs, digests[0] if digests else None, desk.max_topics)
    return html, keyboards.topics_keyboard([(s.id, s.topic) for s in subs])


async def _show_topics(message: Message, desk: NewsDesk) -> None:
    await reply(message, *await _topics_view(desk, message.chat.id))


def _command(update: Update, context: Context) -> tuple[Message, NewsDesk, str] | None:
    """(message, news desk, the text after the command) of a command update; None for no message."""
    message = update.effective_message
    if message is None:
        return None
    return message, _desk(context), _topic_arg(message)


async def _topic_command(update: Update, context: Context) -> tuple[Message, NewsDesk, str] | None:
    """(message, desk, topic) of /theodoi or /huytheodoi; None when there is no topic (the list is shown)."""
    command = _command(update, context)
    if command is not None and not command[2]:
        await _show_topics(command[0], command[1])
        return None
    return command


NOT_SAVED = "Xin lỗi, bot chưa lưu được thay đổi này (cơ sở dữ liệu đang bận hoặc chỉ đọc). Vui lòng thử lại sau."


class _NotSaved(Enum):
    NOT_SAVED = "not saved"


async def _saved(message: Message, change: Awaitable[T]) -> T | Literal[_NotSaved.NOT_SAVED]:
    """Run a change to the chat's topics or digest; on a database that cannot be written, say so."""
    try:
        return await change
    except (StorageError, sqlite3.Error) as exc:
        log.warning("a topic or digest change was not saved: %s", exc)
        await reply(message, escape(NOT_SAVED))
        return _NotSaved.NOT_SAVED


async def follow(update: Update, context: Context) -> None:
    """``/theodoi <chủ đề>`` (``/follow``): follow a topic; alone: the chat's topics, with remove buttons."""
    if (command := await _topic_command(update, context)) is None:
        return
    message, desk, topic = command
    problem = topic_problem(topic, desk.service.snapshot)
    if problem is not None:
        await reply(message, f"{escape(TOPIC_PROBLEMS[problem])}\n\n{render_news.FOLLOW_USAGE_HTML}")
        return
    if not await _may_change_here(update, context):
        return
    outcome = await _saved(message, desk.follow(message.chat.id, topic))
    if outcome is _NotSaved.NOT_SAVED:
        return
    latest = await desk.latest(topic) if outcome.value == "added" else []
    await reply(message, render_news.follow_html(outcome, topic, desk.max_topics, latest[0] if latest else None))


async def unfollow(update: Update, context: Context) -> None:
    """``/huytheodoi <chủ đề>`` (``/unfollow``); alone: the list with remove buttons."""
    if (command := await _topic_command(update, context)) is None:
        return
    message, desk, topic = command
    if not await _may_change_here(update, context):
        return
    removed = await _saved(message, desk.unfollow(message.chat.id, topic=topic))
    if removed is _NotSaved.NOT_SAVED:
        return
    if removed:
        await reply(message, f"Đã bỏ theo dõi chủ đề «{escape(' '.join(topic.split()))}».")
    else:
        await reply(message, "Cuộc trò chuyện này không theo dõi chủ đề đó. Gõ /theodoi để xem danh sách.")


async def unfollow_button(query: CallbackQuery, context: Context, subscription_id: int) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    allowed = await may_change(context.bot, context.bot_data, message.chat, query.from_user.id)
    if not allowed:
        await query.answer(render_news.GROUP_ADMINS_ONLY, show_alert=True)
        return
    desk = _desk(context)
    removed = await desk.unfollow(message.chat.id, subscription_id=subscription_id)
    await edit(query, context, *await _topics_view(desk, message.chat.id))
    await query.answer("Đã bỏ theo dõi." if removed else "Chủ đề này đã được bỏ trước đó.")


async def button(update: Update, context: Context) -> None:
    """The buttons of topic lists and /tinmoi pages."""
    if (query := update.callback_query) is None:
        return
    action = keyboards.decode(query.data)
    if isinstance(action, keyboards.Unfollow):
        await unfollow_button(query, context, action.subscription_id)
    elif isinstance(action, LatestPage):
        await latest_button(query, context, action)
    else:
        await query.answer("Nút này không còn dùng được.")


def paging_topic(topic: str) -> str:
    """The topic as a /tinmoi page button carries it: as typed when it fits, else folded and cut at a word."""
    text = " ".join(topic.split())
    if len(text.encode()) <= keyboards.MAX_TOPIC_BYTES:
        return text
    out = ""
    for word in topic_key(text).split():
        candidate = f"{out} {word}".strip()
        if len(candidate.encode()) > keyboards.MAX_TOPIC_BYTES:
            break
        out = candidate
    return out


async def _latest_view(desk: NewsDesk, page: int, topic: str | None) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = await desk.latest(topic)
    pages = max(1, -(-len(rows) // LATEST_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    html = render_news.latest_html(rows, page, LATEST_PER_PAGE, topic)
    return html, keyboards.latest_keyboard(page, pages, topic)


async def latest(update: Update, context: Context) -> None:
    """``/tinmoi [chủ đề]`` (``/latest``): the newest articles, five a page."""
    if (command := _command(update, context)) is None:
        return
    message, desk, arg = command
    topic = arg or None
    if topic is not None:
        problem = topic_problem(topic, desk.service.snapshot)
        if problem is not None:
            await reply(message, escape(TOPIC_PROBLEMS[problem]))
            return
        topic = paging_topic(topic)
    html, markup = await _latest_view(desk, 0, topic)
    await reply(message, html, markup)


async def latest_button(query: CallbackQuery, context: Context, action: LatestPage) -> None:
    html, markup = await _latest_view(_desk(context), action.page, action.topic)
    await edit(query, context, html, markup)
    await query.answer()


# -- digests ------------------------------------------------------------------------------------


def digest_job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


def schedule_digest(job_queue: JobQueue[Any], chat_id: int, at: str | None) -> None:
    """(Re)schedule the chat's daily digest at ``at`` ("HH:MM" Vietnam time); None: unschedule."""
    for job in job_queue.get_jobs_by_name(digest_job_name(chat_id)):
        job.schedule_removal()
    if at is None:
        return
    hour, minute = (int(x) for x in at.split(":"))
    job_queue.run_daily(digest_job, time(hour, minute, tzinfo=VIETNAM_TZ), chat_id=chat_id,
                        name=digest_job_name(chat_id))  # fmt: skip


async def digest_job(context: Context) -> None:
    job = context.job
    if job is None or job.chat_id is None:
        return
    await send_digest(context.bot, context.bot_data.news, job.chat_id, utc_now())


async def send_digest(bot: Bot, desk: NewsDesk, chat_id: int, now: datetime) -> bool:
    """Send the chat what arrived since its last digest; nothing when nothing is new. True when sent."""
    digest = await desk.digest(chat_id, now)
    if digest is None:
        await desk.skip_digest(chat_id, now)
        return False
    try:
        await _send(bot, chat_id, render_news.digest_html(digest))
    except (Forbidden, BadRequest) as exc:
        if _chat_gone(exc):
            await _forget(desk, chat_id, exc)
            return False
        raise
    await desk.digest_sent(digest)
    return True


async def digest(update: Update, context: Context) -> None:
    """``/bantin [HH:MM | tat]`` (``/digest``): the chat's daily digest time, or off."""
    if (command := _command(update, context)) is None:
        return
    message, desk, arg = command
    if not arg:
        settings = await desk.digest_settings(message.chat.id)
        await reply(message, render_news.digest_status_html(settings[0] if settings else None))
        return
    off = topic_key(arg) in _OFF
    at = None if off else parse_digest_time(arg)
    if not off and at is None:
        await reply(message, f"Giờ không hợp lệ. {render_news.DIGEST_USAGE}")
        return
    if not await _may_change_here(update, context):
        return
    if await _saved(message, desk.set_digest(message.chat.id, at)) is _NotSaved.NOT_SAVED:
        return
    if context.job_queue is not None:
        schedule_digest(context.job_queue, message.chat.id, at)
    if at is None:
        await reply(message, "Đã tắt bản tin hằng ngày.")
    else:
        await reply(message, f"✅ Bản tin sẽ được gửi mỗi ngày lúc {at} (giờ Việt Nam), khi có bài mới.")


# -- pushes -------------------------------------------------------------------------------------


def _chat_gone(exc: TelegramError) -> bool:
    """The chat blocked the bot, removed it, or no longer exists: stop sending to it."""
    if isinstance(exc, Forbidden):
        return True
    text = str(exc).lower()
    return isinstance(exc, BadRequest) and ("chat not found" in text or "chat_id is empty" in text)


async def _forget(desk: NewsDesk, chat_id: int, exc: TelegramError) -> None:
    removed = await desk.forget_chat(chat_id)
    log.info("chat unreachable (%s): %d topic(s) and its digest removed", exc, removed)


def _messages(news: ChatNews) -> list[tuple[str, InlineKeyboardMarkup | None, list[str]]]:
    """(html, buttons, URLs it carries) of each message to send for ``news``."""
    if len(news.matches) <= SINGLE_PUSHES:
        return [(render_news.push_html(m), keyboards.article_keyboard(m.article.url), [m.article.url])
                for m in news.matches]  # fmt: skip
    chunks = [news.matches[i : i + BATCH] for i in range(0, len(news.matches), BATCH)]
    return [(render_news.push_batch_html(chunk, n, len(chunks), len(news.matches)), None, [m.article.url for m in chunk])
            for n, chunk in enumerate(chunks, start=1)]  # fmt: skip


async def push_news(bot: Bot, desk: NewsDesk) -> int:
    """Send every chat the new articles that match its topics; the number of messages sent.

    An article is recorded as sent to a chat as soon as its message is delivered; a chat whose
    send fails otherwise keeps its subscriptions unmatched, so the next run tries again.
    """
    sent = 0
    async with desk.lock:
        for news in await desk.pending():
            try:
                for html, markup, urls in _messages(news):
                    await _send(bot, news.chat_id, html, markup)
                    await desk.sent(news.chat_id, urls)
                    sent += 1
            except TelegramError as exc:
                if _chat_gone(exc):
                    await _forget(desk, news.chat_id, exc)
                else:
                    log.warning("news for a chat not sent (tried again after the next reload): %s", exc)
                continue
            await desk.checked(news)
    log.log(logging.INFO if sent else logging.DEBUG, "news push round done: %d message(s) sent", sent)
    return sent


async def push_job(context: Context) -> None:
    try:
        await push_news(context.bot, context.bot_data.news)
    except Exception:
        log.exception("pushing news failed; it is tried again after the next reload")


def schedule_push(job_queue: JobQueue[Any], when: float = 0.0) -> None:
    job_queue.run_once(push_job, when, name=PUSH_JOB, job_kwargs={"misfire_grace_time": None})


def reload_listener(job_queue: JobQueue[Any]) -> Callable[[ReloadReport], None]:
    """What the service calls after each reload: schedule a push (it runs right after)."""

    def listener(report: ReloadReport) -> None:
        if report.added or report.updated:
            schedule_push(job_queue)

    return listener


async def start_news(job_queue: JobQueue[Any], desk: NewsDesk) -> Callable[[ReloadReport], None]:
    """At start: push what arrived while the bot was down, schedule every chat's digest, and listen
    to reloads. Returns the listener (to remove at shutdown)."""
    for setting in await desk.digest_settings():
        schedule_digest(job_queue, setting.chat_id, setting.at)
    schedule_push(job_queue, when=1.0)
    listener = reload_listener(job_queue)
    desk.service.add_reload_listener(listener)
    return listener
