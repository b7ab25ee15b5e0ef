"""Telegram handlers: each translates an update into a SearchService call and renders the result."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from contextlib import suppress
from html import escape

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.models import Answer
from bot.service import ReloadError
from bot.storage import StorageError
from bot.telegram import group_reports, keyboards, render
from bot.telegram.keyboards import DeleteHistory, Feedback, More, SourcesPage
from bot.telegram.menu import ensure_admin_menu
from bot.telegram.state import BotData, Context, Verdict

log = logging.getLogger(__name__)

PAGE = 3  # facts per answer message
SOURCES_PER_PAGE = 5
INLINE_RESULTS = 5
STATS_DAYS = 7


def _data(context: Context) -> BotData:
    return context.bot_data


async def reply(message: Message, html: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Reply in HTML; in groups as a reply to the question, so the thread stays readable."""
    quote = None
    if message.chat.type != ChatType.PRIVATE:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    return await message.get_bot().send_message(
        message.chat.id,
        html,
        reply_markup=markup,
        reply_parameters=quote,
    )


async def edit(query: CallbackQuery, context: Context, html: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Edit the message of a button press, unless it already shows exactly this (Telegram refuses that)."""
    message = query.message
    if not isinstance(message, Message):
        return False
    if message.text == render.html_to_text(html) and message.reply_markup == markup:
        return False
    # Two quick presses both carry the old message: the second must not send the same edit again.
    edits = context.bot_data.recent_edits
    key = (message.chat.id, message.message_id)
    content = (html, markup.to_json() if markup else "")
    if edits.get(key) == content:
        return False
    edits.remember(key, content)
    try:
        await query.edit_message_text(html, reply_markup=markup)
    except BadRequest as exc:
        edits.forget(key)
        if "not modified" not in str(exc).lower():
            raise
        return False
    return True


# -- every update -------------------------------------------------------------------------------


async def limit_updates(update: Update, context: Context) -> None:
    """Runs before every handler: a user over ``CCHC_USER_UPDATE_LIMIT`` updates a minute (of any kind:
    commands, buttons, inline queries, questions) is ignored until the minute has passed; admins are not."""
    user = update.effective_user
    data = _data(context)
    if user is None or data.updates_guard is None or data.is_admin(user.id):
        return
    verdict = data.updates_guard.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.NOTIFY:
        log.info("user %s sent over %d updates in a minute: ignored for now", data.user_hash(user.id),
                 data.updates_guard.limit)  # fmt: skip
    raise ApplicationHandlerStop


# -- help ---------------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    data = _data(context)
    user = update.effective_user
    admin = data.is_admin(user.id if user else None)
    if admin and message.chat.type == ChatType.PRIVATE:
        await ensure_admin_menu(context.bot, data, message.chat.id)
    titles = [a.title for a in data.service.sources()]
    html = render.help_html(context.bot.username, titles, group=message.chat.type != ChatType.PRIVATE, admin=admin)
    await reply(message, html)


# -- questions ----------------------------------------------------------------------------------


async def _answer(update: Update, context: Context, question: str) -> None:
    message = update.effective_message
    if message is None:
        return
    data = _data(context)
    user = update.effective_user
    if user is not None and data.flood is not None:
        verdict = data.flood.check(user.id)
        if verdict is Verdict.SILENT:
            return
        if verdict is Verdict.NOTIFY:
            await reply(message, escape(render.FLOOD_NOTICE))
            return
    started = time.perf_counter()
    answer = await data.service.ask(question, limit=PAGE + 1)
    latency_ms = (time.perf_counter() - started) * 1000
    try:
        user_hash = data.user_hash(user.id if user else None)
        log_id: int | None = await data.service.record_question(answer, latency_ms, user_hash, message.chat.type)
    except (StorageError, sqlite3.Error) as exc:  # locked, read-only or full: answer anyway
        log.warning("question not logged: %s", exc)
        log_id = None
    await reply(message, render.answer_html(answer, 0, PAGE), _answer_markup(answer, log_id, 0))


def _answer_markup(answer: Answer, log_id: int | None, offset: int) -> InlineKeyboardMarkup | None:
    if not answer.answered or not answer.results:
        return None
    shown = answer.results[offset : offset + PAGE]
    url = shown[0].url if shown else None
    if log_id is None:  # not logged: no "more" or feedback buttons, they need the log row
        return keyboards.article_keyboard(url)
    return keyboards.answer_keyboard(log_id, url, offset, len(answer.results), PAGE)


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    data = _data(context)
    if data.is_admin(message.chat.id):
        await ensure_admin_menu(context.bot, data, message.chat.id)
    await _answer(update, context, message.text)


async def cchc(update: Update, context: Context) -> None:
    """``/cchc <question>`` (also ``/cchc@BotName``); without a question: the help text."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    parts = message.text.split(maxsplit=1)
    question = parts[1].strip() if len(parts) > 1 else ""
    if not question:
        await start(update, context)
        return
    await _answer(update, context, question)


async def group_text(update: Update, context: Context) -> None:
    """In groups: replies to the bot's own messages and messages that mention the bot are questions."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    bot = context.bot
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
    mention = f"@{bot.username}".lower() if bot.username else None
    mentioned = mention is not None and mention in message.text.lower()
    if not (to_bot or mentioned):
        return
    question = message.text
    if mentioned and mention is not None:
        start_at = question.lower().find(mention)
        question = (question[:start_at] + question[start_at + len(mention) :]).strip()
    if not question:
        await start(update, context)
        return
    await _answer(update, context, question)


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    await reply(message, escape("Lệnh không có. Gõ /help để xem hướng dẫn, hoặc gõ thẳng câu hỏi."))


# -- buttons ------------------------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    action = keyboards.decode(query.data)
    match action:
        case More():
            await _more(query, context, action)
        case Feedback():
            await _feedback(query, context, action)
        case SourcesPage():
            await _sources_page(query, context, action.page)
        case DeleteHistory():
            await _delete_history(query, context)
        case None:
            await query.answer("Nút này không còn dùng được.")


async def _more(query: CallbackQuery, context: Context, action: More) -> None:
    data = _data(context)
    asker = data.user_hash(query.from_user.id)
    question, own = await data.service.logged_question_of(action.log_id, asker)
    if question is None:
        await query.answer("Câu hỏi này không còn trong lịch sử, hãy hỏi lại.", show_alert=True)
        return
    if not own:  # another user's question (a forged button, or someone else's answer in a group)
        log.info("refused a 'more results' button of another user's question, pressed by %s", asker)
        await query.answer("Chỉ người đặt câu hỏi mới xem thêm kết quả được; bạn hãy tự hỏi bot nhé.", show_alert=True)
        return
    answer = await data.service.ask(question, limit=action.offset + PAGE + 1)
    if not answer.answered or action.offset >= len(answer.results):
        await query.answer("Không còn kết quả nào khác.")
        return
    html = render.answer_html(answer, action.offset, PAGE)
    await edit(query, context, html, _answer_markup(answer, action.log_id, action.offset))
    await query.answer()


async def _feedback(query: CallbackQuery, context: Context, action: Feedback) -> None:
    data = _data(context)
    stored = await data.service.set_feedback(action.log_id, action.value, data.user_hash(query.from_user.id))
    if stored:
        await query.answer("Cảm ơn bạn đã đánh giá! 👍" if action.value > 0 else "Cảm ơn, chúng tôi sẽ cải thiện.")
    else:
        await query.answer("Chỉ người đặt câu hỏi mới đánh giá được câu trả lời này.")


async def _delete_history(query: CallbackQuery, context: Context) -> None:
    data = _data(context)
    user_hash = data.user_hash(query.from_user.id)
    deleted, topics = await data.service.forget_user(user_hash, query.from_user.id)
    await query.answer(f"Đã xoá {deleted} câu hỏi và {topics} chủ đề theo dõi của bạn.", show_alert=True)


# -- sources ------------------------------------------------------------------------------------


def _sources_view(context: Context, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = _data(context).service.sources()
    pages = render.sources_pages(len(rows), SOURCES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    return render.sources_html(rows, page, SOURCES_PER_PAGE), keyboards.sources_keyboard(page, pages)


async def sources(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    html, markup = _sources_view(context, 0)
    await reply(message, html, markup)


async def _sources_page(query: CallbackQuery, context: Context, page: int) -> None:
    html, markup = _sources_view(context, page)
    await edit(query, context, html, markup)
    await query.answer()


# -- privacy ------------------------------------------------------------------------------------


async def privacy(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    data = _data(context)
    days = data.config.query_log_retention_days
    # A user's own topics are those of their private chat with the bot (its id is the user's).
    user = update.effective_user
    subs = await data.news.topics(user.id) if user else []
    digests = await data.news.digest_settings(user.id) if user else []
    html = render.privacy_html(days, [s.topic for s in subs], digests[0].at if digests else None)
    await reply(message, html, keyboards.privacy_keyboard())


# -- admin --------------------------------------------------------------------------------------


async def _admin_message(update: Update, context: Context, command: str) -> Message | None:
    """The message of an admin command, or None after politely refusing a non-admin."""
    message = update.effective_message
    if message is None:
        return None
    data = _data(context)
    user = update.effective_user
    if not data.is_admin(user.id if user else None):
        log.warning("refused /%s from non-admin user %s", command, data.user_hash(user.id if user else None))
        await reply(message, escape(render.HELP_REFUSED))
        return None
    if message.chat.type == ChatType.PRIVATE:
        await ensure_admin_menu(context.bot, data, message.chat.id)
    return message


async def reload(update: Update, context: Context) -> None:
    message = await _admin_message(update, context, "reload")
    if message is None:
        return
    try:
        report = await _data(context).service.reload()
    except ReloadError as exc:
        log.warning("reload failed: %s", exc)
        await _admin_report(
            message, render.reload_error_html(str(exc), exc.report), group_reports.reload_failed_counts_html()
        )
        return
    await _admin_report(message, render.reload_html(report), group_reports.reload_counts_html(report))


async def _admin_report(message: Message, full_html: str, counts_html: str) -> None:
    """In private: the full report. In a group: counts only, the full report to the admin in private."""
    if message.chat.type == ChatType.PRIVATE or message.from_user is None:
        await reply(message, full_html)
        return
    try:
        await message.get_bot().send_message(message.from_user.id, full_html)
        note = group_reports.SENT_PRIVATELY
    except (Forbidden, BadRequest):  # the admin never opened a private chat with the bot
        note = group_reports.OPEN_PRIVATE_CHAT
    await reply(message, f"{counts_html}\n{escape(note)}")


def add_url(args: Sequence[str] | None) -> str | None:
    """The one http(s) URL ``/add`` was given, or None (no argument, several, or not http/https)."""
    if not args or len(args) != 1:
        return None
    return render.safe_url(args[0].strip())


async def add(update: Update, context: Context) -> None:
    """``/add <url>``: fetch one article (or feed), add it to the knowledge folder, reload, report."""
    message = await _admin_message(update, context, "add")
    if message is None:
        return
    url = add_url(context.args)
    if url is None:
        await reply(message, render.ADD_USAGE_HTML)
        return
    data = _data(context)
    with suppress(TelegramError):  # "typing…" while fetching is a courtesy only
        await message.chat.send_action(ChatAction.TYPING)
    # Async all the way (the parsing runs in threads): questions keep being answered meanwhile.
    async with data.add_lock:
        report = await data.service.ingest([url], data.http, data.config)
    log.info(
        "/add: %d added, %d updated, %d unchanged, %d skipped",
        len(report.added), len(report.updated), len(report.unchanged), len(report.skipped),
    )  # fmt: skip
    titles = {row.url: row.title for row in data.service.sources()}
    await reply(message, render.ingest_html(report, titles))


async def stats(update: Update, context: Context) -> None:
    message = await _admin_message(update, context, "stats")
    if message is None:
        return
    result = await _data(context).service.stats(days=STATS_DAYS)
    await _admin_report(
        message, render.stats_html(result, STATS_DAYS), group_reports.stats_counts_html(result, STATS_DAYS)
    )


async def edited_command(update: Update, context: Context) -> None:
    """An edited command is never acted on (editing must not re-run /reload); it is only logged."""
    message = update.edited_message
    if message is None or message.text is None:
        return
    user = update.effective_user
    command = message.text.split(maxsplit=1)[0][:40]
    log.warning("ignored edited command %s from user %s", command, _data(context).user_hash(user.id if user else None))


# -- inline mode --------------------------------------------------------------------------------


async def inline_query(update: Update, context: Context) -> None:
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    results: list[InlineQueryResultArticle] = []
    if text:
        answer = await _data(context).service.ask(text, limit=INLINE_RESULTS)
        if answer.answered:
            for i, r in enumerate(answer.results):
                results.append(
                    InlineQueryResultArticle(
                        id=f"{i}-{r.fact_id}",
                        title=render.shorten(r.text, 100),
                        description=render.inline_description(r),
                        input_message_content=InputTextMessageContent(render.inline_html(r)),
                        reply_markup=keyboards.article_keyboard(r.url),
                    )
                )
    await query.answer(results, cache_time=60, is_personal=False)


# -- errors -------------------------------------------------------------------------------------


async def error(update: object, context: Context) -> None:
    """Log the failure (the logging filter keeps the token out) and tell the user."""
    if isinstance(context.error, Forbidden):  # the user blocked the bot or left: nobody to tell
        user = update.effective_user if isinstance(update, Update) else None
        log.info("reply skipped, %s: user %s", context.error, context.bot_data.user_hash(user.id if user else None))
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(render.ERROR_TEXT[: render.MAX_CALLBACK_TEXT])
        elif update.effective_message is not None and update.inline_query is None:
            await reply(update.effective_message, escape(render.ERROR_TEXT))
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", type(exc).__name__)
