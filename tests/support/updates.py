"""Bot API update dicts, as Telegram sends them (used by the in-process tests)."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from tests.support.fakes import BOT_ID, BOT_USERNAME

_ids = itertools.count(1)
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


def user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": f"U{uid}", "language_code": "vi"}


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"U{chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": "Nhóm CCHC"}


def entities(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if m := _COMMAND.match(text):
        out.append({"type": "bot_command", "offset": 0, "length": len(m.group())})
    for m in re.finditer(r"@[A-Za-z0-9_]{5,}", text):
        if m.start() > 0 or not out:
            out.append({"type": "mention", "offset": m.start(), "length": len(m.group())})
    return out


def message(text: str, *, uid: int = 11, chat_id: int | None = None, reply_to: dict[str, Any] | None = None,
            message_id: int | None = None) -> dict[str, Any]:  # fmt: skip
    msg: dict[str, Any] = {
        "message_id": message_id or next(_ids),
        "date": int(time.time()),
        "chat": chat(chat_id if chat_id is not None else uid),
        "from": user(uid),
        "text": text,
    }
    if ents := entities(text):
        msg["entities"] = ents
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"update_id": next(_ids), "message": msg}


def bot_message(chat_id: int, message_id: int, text: str = "…") -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat(chat_id),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "CCHC", "username": BOT_USERNAME},
        "text": text,
    }


def callback(data: str, *, uid: int = 11, message: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": user(uid),
            "chat_instance": "ci",
            "data": data,
            "message": message or bot_message(uid, 1),
        },
    }


def inline(query: str, *, uid: int = 11) -> dict[str, Any]:
    return {"update_id": next(_ids), "inline_query": {"id": str(next(_ids)), "from": user(uid), "query": query,
                                                     "offset": ""}}  # fmt: skip
