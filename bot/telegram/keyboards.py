"""Inline keyboards and their callback data.

Callback data is short, self-contained and refers only to things stored in the
database (the query-log id), so buttons keep working after a restart:

* ``m:<log_id>:<offset>`` - show the results from ``offset`` of the logged question
* ``f:<log_id>:<+1|-1>`` - 👍 / 👎 feedback on the answer
* ``s:<page>`` - a page of /sources
* ``p:del`` - delete my query history and this chat's topics (/privacy)
* ``u:<subscription id>`` - stop following one topic (/theodoi)
* ``n:<page>[:<topic>]`` - a page of the newest articles, of one topic when given (/tinmoi)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.render import safe_url

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class More:
    log_id: int
    offset: int


@dataclass(frozen=True)
class Feedback:
    log_id: int
    value: int


@dataclass(frozen=True)
class SourcesPage:
    page: int


@dataclass(frozen=True)
class DeleteHistory:
    pass


@dataclass(frozen=True)
class Unfollow:
    subscription_id: int


@dataclass(frozen=True)
class LatestPage:
    page: int
    topic: str | None = None


Action = More | Feedback | SourcesPage | DeleteHistory | Unfollow | LatestPage

_MORE = re.compile(r"m:(\d{1,18}):(\d{1,4})")
_FEEDBACK = re.compile(r"f:(\d{1,18}):([+-]1)")
_SOURCES = re.compile(r"s:(\d{1,5})")
_UNFOLLOW = re.compile(r"u:(\d{1,18})")
_LATEST = re.compile(r"n:(\d{1,4})(?::(.+))?", re.DOTALL)
# Room for a topic in a /tinmoi page button (64 bytes in all).
MAX_TOPIC_BYTES = MAX_CALLBACK_BYTES - len("n:9999:")


def encode(action: Action) -> str:
    match action:
        case More(log_id, offset):
            data = f"m:{log_id}:{offset}"
        case Feedback(log_id, value):
            data = f"f:{log_id}:{value:+d}"
        case SourcesPage(page):
            data = f"s:{page}"
        case DeleteHistory():
            data = "p:del"
        case Unfollow(subscription_id):
            data = f"u:{subscription_id}"
        case LatestPage(page, topic):
            data = f"n:{page}" if topic is None else f"n:{page}:{topic}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> Action | None:
    """The action of a button, or None for data this version does not understand."""
    if not data:
        return None
    if m := _MORE.fullmatch(data):
        return More(int(m[1]), int(m[2]))
    if m := _FEEDBACK.fullmatch(data):
        return Feedback(int(m[1]), int(m[2]))
    if m := _SOURCES.fullmatch(data):
        return SourcesPage(int(m[1]))
    if data == "p:del":
        return DeleteHistory()
    if m := _UNFOLLOW.fullmatch(data):
        return Unfollow(int(m[1]))
    if m := _LATEST.fullmatch(data):
        return LatestPage(int(m[1]), m[2])
    return None


def _button(text: str, action: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode(action))


def answer_keyboard(log_id: int, url: str | None, offset: int, total: int, page: int) -> InlineKeyboardMarkup:
    """Open the article, previous/next results (when there are any) and 👍/👎."""
    rows: list[list[InlineKeyboardButton]] = []
    if href := safe_url(url):
        rows.append([InlineKeyboardButton("🔗 Đọc bài viết", url=href)])
    nav: list[InlineKeyboardButton] = []
    if offset > 0:
        nav.append(_button("« Kết quả trước", More(log_id, max(0, offset - page))))
    if offset + page < total:
        nav.append(_button("Thêm kết quả »", More(log_id, offset + page)))
    if nav:
        rows.append(nav)
    rows.append([_button("👍", Feedback(log_id, 1)), _button("👎", Feedback(log_id, -1))])
    return InlineKeyboardMarkup(rows)


def article_keyboard(url: str | None) -> InlineKeyboardMarkup | None:
    if href := safe_url(url):
        return InlineKeyboardMarkup([[InlineKeyboardButton("🔗 Đọc bài viết", url=href)]])
    return None


def sources_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(_button("« Trước", SourcesPage(page - 1)))
    if page + 1 < pages:
        nav.append(_button("Sau »", SourcesPage(page + 1)))
    return InlineKeyboardMarkup([nav]) if nav else None


def privacy_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("🗑 Xoá lịch sử câu hỏi và chủ đề theo dõi của tôi", DeleteHistory())]])


def topics_keyboard(subscriptions: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """One "stop following" button per (subscription id, topic)."""
    rows = [[_button(f"❌ Bỏ theo dõi: {shorten_label(topic)}", Unfollow(sub_id))] for sub_id, topic in subscriptions]
    return InlineKeyboardMarkup(rows) if rows else None


def shorten_label(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def latest_keyboard(page: int, pages: int, topic: str | None) -> InlineKeyboardMarkup | None:
    """Previous/next page of /tinmoi; the topic rides in the button (it must fit: see :func:`paging_topic`)."""
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(_button("« Mới hơn", LatestPage(page - 1, topic)))
    if page + 1 < pages:
        nav.append(_button("Cũ hơn »", LatestPage(page + 1, topic)))
    return InlineKeyboardMarkup([nav]) if nav else None
