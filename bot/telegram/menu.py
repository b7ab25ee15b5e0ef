"""The command menus (``setMyCommands``): private chats, groups, and each admin's private chat."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.telegram.state import BotData

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = (
    BotCommand("start", "Giới thiệu và ví dụ câu hỏi"),
    BotCommand("help", "Hướng dẫn sử dụng"),
    BotCommand("cchc", "Hỏi về cải cách hành chính"),
    BotCommand("sources", "Danh sách bài viết bot đang biết"),
    BotCommand("theodoi", "Theo dõi một chủ đề: /theodoi PAR INDEX"),
    BotCommand("huytheodoi", "Bỏ theo dõi chủ đề"),
    BotCommand("tinmoi", "Bài viết mới nhất: /tinmoi [chủ đề]"),
    BotCommand("bantin", "Bản tin hằng ngày: /bantin 07:30"),
    BotCommand("privacy", "Quyền riêng tư, xoá lịch sử câu hỏi"),
)
GROUP_COMMANDS = (
    BotCommand("cchc", "Hỏi về cải cách hành chính: /cchc câu hỏi"),
    BotCommand("help", "Hướng dẫn sử dụng"),
    BotCommand("sources", "Danh sách bài viết bot đang biết"),
    BotCommand("theodoi", "Nhóm theo dõi một chủ đề (quản trị viên nhóm)"),
    BotCommand("tinmoi", "Bài viết mới nhất: /tinmoi [chủ đề]"),
    BotCommand("bantin", "Bản tin hằng ngày của nhóm: /bantin 07:30"),
)
ADMIN_COMMANDS = (
    *PRIVATE_COMMANDS,
    BotCommand("reload", "Nạp lại dữ liệu từ thư mục kiến thức"),
    BotCommand("stats", "Thống kê câu hỏi 7 ngày qua"),
    BotCommand("add", "Thêm bài viết từ địa chỉ web: /add URL"),
)


async def set_public_menus(bot: Bot) -> None:
    """The menus for every private chat and every group (set at start)."""
    await bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())


async def ensure_admin_menu(bot: Bot, data: BotData, chat_id: int) -> None:
    """The admin menu for one admin's private chat, once per process.

    Set when the admin writes to the bot rather than at start: Telegram refuses a chat
    scope for a chat that does not exist yet (an admin who never opened the bot), and the
    menu it stores persists across restarts anyway.
    """
    if chat_id in data.admin_menus:
        return
    data.admin_menus.add(chat_id)
    try:
        await bot.set_my_commands(ADMIN_COMMANDS, scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        data.admin_menus.discard(chat_id)
        log.warning("could not set the admin menu: %s", exc)
