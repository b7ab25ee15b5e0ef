"""An offline Bot API for in-process tests: records every call, answers with canned JSON, never opens a socket."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.telegram.render import html_to_text

BOT_ID = 4242
BOT_USERNAME = "cchc_test_bot"
TOKEN = "4242:TEST-token-that-must-never-be-logged"


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class RecordingRequest(BaseRequest):
    """A :class:`BaseRequest` that never touches the network."""

    calls: list[Call] = field(default_factory=list)
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)  # method -> (status, description)
    group_admins: set[int] = field(default_factory=set)  # users getChatMember calls administrators
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append(Call(name, params))
        if name in self.fail:
            status, description = self.fail[name]
            return status, json.dumps({"ok": False, "error_code": status, "description": description}).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = params.get("text", "")
        if params.get("parse_mode") == "HTML":
            text = html_to_text(text)
        message: dict[str, Any] = {
            "message_id": message_id or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "CCHC", "username": BOT_USERNAME},
            "text": text,
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "CCHC",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if name == "sendMessage":
            return self._message(params)
        if name == "editMessageText":
            return self._message(params, int(params["message_id"]))
        if name == "getUpdates":
            return []
        if name == "getChatMember":
            uid = int(params["user_id"])
            member = {"id": uid, "is_bot": False, "first_name": f"U{uid}"}
            if uid not in self.group_admins:
                return {"status": "member", "user": member}
            return {"status": "creator", "user": member, "is_anonymous": False}
        return True
