"""A Bot API emulator for end-to-end tests: an aiohttp server on 127.0.0.1 in a background thread.

It implements the methods the bot uses and refuses what Telegram refuses (bad HTML,
text over 4,096 characters, callback data over 64 bytes, invalid buttons and inline
results, editing a message into the same content, unknown chats). Every refused call
is recorded in :attr:`BotApiEmulator.rejections`, so a test can insist there were none.

Group messages are delivered as with privacy mode on: commands (``/cmd`` or
``/cmd@this_bot``), replies to the bot's messages and messages mentioning the bot.

The test side (``say``, ``press``, ``inline``, ``wait_call``...) is plain blocking code,
safe to call from the test thread.

Faults (:meth:`BotApiEmulator.inject`) make the next matching calls fail as Telegram or the
network sometimes do: 429 with ``retry_after``, 5xx, a slow answer, a request that stalls and is
lost, a request that is carried out but whose answer never comes (the ambiguous case), a dropped
connection, 403 "bot was blocked by the user". :meth:`BotApiEmulator.delivered` then tells how
many messages really reached a chat, so a test sees a duplicate or a loss.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from devtools.telegram_html import HtmlError, check_text, utf16_len, valid_url

JSON_FIELDS = {"reply_markup", "commands", "scope", "results", "reply_parameters", "link_preview_options",
               "entities", "allowed_updates", "button", "input_message_content"}  # fmt: skip
COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?=\s|$)")
MENTION = re.compile(r"@[A-Za-z0-9_]{5,32}")
BUTTON_KINDS = {
    "url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "login_url", "web_app", "pay", "callback_game", "copy_text",
}  # fmt: skip
SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
          "chat_administrators", "chat_member"}  # fmt: skip


class ApiError(Exception):
    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.code = code


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)


FAULT_KINDS = {"429", "5xx", "slow", "stall", "stall_after", "drop", "blocked"}


@dataclass
class Fault:
    """Make the next ``times`` calls of ``method`` (to ``chat_id``, when given) fail this way.

    * ``429``: "Too Many Requests" with ``retry_after`` seconds; nothing is done
    * ``5xx``: HTTP ``status`` (500 by default); nothing is done
    * ``slow``: the call is carried out after ``seconds``
    * ``stall``: no answer for ``seconds``, then the request is dropped undone (lost on the way)
    * ``stall_after``: the call is carried out, but its answer comes only after ``seconds``
    * ``drop``: the connection is closed without an answer; nothing is done
    * ``blocked``: 403 "Forbidden: bot was blocked by the user"
    """

    kind: str
    method: str = "sendMessage"
    times: int = 1
    chat_id: int | None = None
    seconds: float = 0.0
    status: int = 500
    retry_after: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}")

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.times <= 0 or self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


@dataclass
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    callback_queries: dict[str, bool] = field(default_factory=dict)  # id -> answered
    inline_queries: dict[str, bool] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    webhook_url: str = ""
    webhook_secret: str | None = None
    admins: dict[int, set[int]] = field(default_factory=dict)  # group chat id -> its admins' user ids


class BotApiEmulator:
    def __init__(self, token: str, username: str = "cchc_e2e_bot", bot_id: int = 777000111) -> None:
        self.token = token
        self.username = username
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.rejections: list[Call] = []
        self._state = _State()
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._closing = False
        self.webhook_deliveries = 0
        self._pusher: asyncio.Task[None] | None = None
        self._arrived: asyncio.Event | None = None  # set (and replaced) when an update is queued
        self._faults: list[Fault] = []
        self.faults_hit: list[tuple[str, str, float]] = []  # (kind, method, monotonic time)

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BotApiEmulator:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._serve())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="bot-api-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the emulator did not start")
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        # On stop, requests still in flight (a stalled or slow fault, a long poll) are cut after 0.25 s, not awaited.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._arrived = asyncio.Event()
        self._pusher = asyncio.get_running_loop().create_task(self._push_webhook())

    def _wake_pollers(self) -> None:
        """(In the server's loop.) Wake every pending getUpdates, as Telegram answers a long poll at once."""
        if self._arrived is not None:
            self._arrived.set()
        self._arrived = asyncio.Event()

    async def _push_webhook(self) -> None:
        """With a webhook set, deliver queued updates to it (one at a time, in order), as Telegram does."""
        async with ClientSession(timeout=ClientTimeout(total=10)) as session:
            while not self._closing:
                with self._cond:
                    url, secret = self._state.webhook_url, self._state.webhook_secret
                    update = self._state.updates[0] if url and self._state.updates else None
                if update is None:
                    await asyncio.sleep(0.02)
                    continue
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        delivered = response.status == 200
                except (TimeoutError, ClientError, OSError):
                    delivered = False
                with self._cond:
                    if delivered and self._state.updates and self._state.updates[0] is update:
                        self._state.updates.pop(0)
                        self.webhook_deliveries += 1
                if not delivered:
                    await asyncio.sleep(0.1)

    async def _cleanup(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    def __enter__(self) -> BotApiEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._closing = True
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # -- HTTP ----------------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            raw: dict[str, Any] = dict(request.query)
        elif request.content_type == "application/json":
            body = await request.text()
            loaded: dict[str, Any] = json.loads(body) if body.strip() else {}
            return loaded
        else:
            raw = dict(await request.post())
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if not isinstance(value, str):
                raise ApiError("Bad Request: files are not supported by this emulator")
            params[key] = json.loads(value) if key in JSON_FIELDS else value
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        try:
            params = await self._params(request)
        except (ValueError, ApiError) as exc:
            call = Call(method, {}, False, error=str(exc))
            self._record(call)
            return web.json_response({"ok": False, "error_code": 400, "description": str(exc)}, status=400)
        fault = self._take_fault(method, params)
        if fault is not None:
            early = await self._fault_before(fault, request)
            if early is not None:
                return early
        handler = getattr(self, f"_m_{method.lower()}", None)
        try:
            if method.lower() == "getupdates":
                result = await self._get_updates(params, request)
            elif handler is None:
                raise ApiError("Not Found: method not found", 404)
            else:
                with self._cond:
                    result = handler(params)
        except ApiError as exc:
            self._record(Call(method, params, False, error=exc.description))
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            return web.json_response(body, status=exc.code)
        if method.lower() != "getupdates" or result:
            self._record(Call(method, params, True, result=result))
        if fault is not None and fault.kind == "stall_after":
            await asyncio.sleep(fault.seconds)  # done, but the answer comes too late
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.matches(method, params):
                    fault.times -= 1
                    self.faults_hit.append((fault.kind, method, time.monotonic()))
                    self._cond.notify_all()
                    return fault
        return None

    async def _fault_before(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        """The failing answer of ``fault`` (None: go on and carry out the call)."""
        if fault.kind == "429":
            body = {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {fault.retry_after}",
                    "parameters": {"retry_after": fault.retry_after}}  # fmt: skip
            return web.json_response(body, status=429)
        if fault.kind == "5xx":
            body = {"ok": False, "error_code": fault.status, "description": "Internal Server Error"}
            return web.json_response(body, status=fault.status)
        if fault.kind == "blocked":
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            return web.json_response(body, status=403)
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        if fault.kind == "stall":
            await asyncio.sleep(fault.seconds)
            return web.json_response({"ok": False, "error_code": 504, "description": "Gateway Timeout"}, status=504)
        if fault.kind == "slow":
            await asyncio.sleep(fault.seconds)
        return None

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            if not call.ok:
                self.rejections.append(call)
            self._cond.notify_all()

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _int(params: dict[str, Any], name: str, default: int | None = None) -> int:
        value = params.get(name, default)
        if value is None:
            raise ApiError(f"Bad Request: parameter {name} is required")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(f"Bad Request: invalid {name}") from None

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._int(params, "chat_id")
        chat = self._state.chats.get(chat_id)
        if chat is None:
            raise ApiError("Bad Request: chat not found")
        return chat

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "CCHC", "username": self.username}

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
            raise ApiError("Bad Request: unsupported reply_markup (only inline keyboards here)")
        total = 0
        for row in markup["inline_keyboard"]:
            if not isinstance(row, list) or len(row) > 8:
                raise ApiError("Bad Request: too many buttons in a row")
            for button in row:
                total += 1
                if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                    raise ApiError("Bad Request: button text is empty")
                kinds = [k for k in button if k in BUTTON_KINDS]
                if len(kinds) != 1:
                    raise ApiError("Bad Request: can't parse inline keyboard button: exactly one field needed")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        raise ApiError("Bad Request: BUTTON_DATA_INVALID")
                if "url" in button and not valid_url(str(button["url"])):
                    raise ApiError("Bad Request: BUTTON_URL_INVALID")
        if total > 100:
            raise ApiError("Bad Request: too many buttons")
        return markup

    def _new_update(self, **payload: Any) -> int:
        update_id = next(self._ids)
        self._state.updates.append({"update_id": update_id, **payload})
        if self._loop is not None and not self._closing:
            self._loop.call_soon_threadsafe(self._wake_pollers)
        return update_id

    # -- Bot API methods -------------------------------------------------------------------------

    def _m_getme(self, params: dict[str, Any]) -> Any:
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True}  # fmt: skip

    def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url", ""))
        if url and not valid_url(url, schemes=("http", "https")):
            raise ApiError("Bad Request: bad webhook: invalid URL")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError("Bad Request: secret token contains unallowed characters")
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self._state.updates.clear()
        self._state.webhook_url = url
        self._state.webhook_secret = None if secret is None else str(secret)
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        self._state.webhook_url = ""
        self._state.webhook_secret = None
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self._state.updates.clear()
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        pending = len(self._state.updates)
        return {"url": self._state.webhook_url, "has_custom_certificate": False, "pending_update_count": pending}

    def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    def _m_logout(self, params: dict[str, Any]) -> Any:
        return True

    async def _get_updates(self, params: dict[str, Any], request: web.Request) -> list[dict[str, Any]]:
        offset = self._int(params, "offset", 0)
        limit = self._int(params, "limit", 100)
        timeout = self._int(params, "timeout", 0)
        if not 1 <= limit <= 100:
            raise ApiError("Bad Request: limit must be 1-100")
        with self._cond:
            if self._state.webhook_url:
                raise ApiError("Conflict: can't use getUpdates method while webhook is active", 409)
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                if offset:
                    self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
                ready = self._state.updates[:limit]
            gone = request.transport is None or request.transport.is_closing()
            left = deadline - time.monotonic()
            if ready or left <= 0 or gone or self._closing:
                return ready
            arrived = self._arrived
            if arrived is None:
                await asyncio.sleep(0.02)
                continue
            with contextlib.suppress(TimeoutError):  # re-check the connection and the deadline now and then
                await asyncio.wait_for(arrived.wait(), timeout=min(0.1, left))

    def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError("Bad Request: commands must be a list of at most 100")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._state.commands[self._scope_key(params)] = commands
        return True

    def _scope_key(self, params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in SCOPES:
            raise ApiError("Bad Request: unsupported bot command scope")
        if kind in {"chat", "chat_administrators", "chat_member"}:
            self._chat(scope)
            return f"{kind}:{scope['chat_id']}"
        return str(kind)

    def _m_getmycommands(self, params: dict[str, Any]) -> Any:
        return self._state.commands.get(self._scope_key(params), [])

    def _m_deletemycommands(self, params: dict[str, Any]) -> Any:
        self._state.commands.pop(self._scope_key(params), None)
        return True

    def _m_getchatmember(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        user_id = self._int(params, "user_id")
        user = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
        if chat["type"] == "private" or user_id not in self._state.admins.get(chat["id"], set()):
            return {"status": "member", "user": user}
        rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                  "can_change_info", "can_invite_users")  # fmt: skip
        denied = ("can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories", "can_edit_stories",
                  "can_delete_stories")  # fmt: skip
        return {"status": "administrator", "user": user, **dict.fromkeys(rights, True), **dict.fromkeys(denied, False)}

    def _m_sendchataction(self, params: dict[str, Any]) -> Any:
        self._chat(params)
        return True

    def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        text, entities = self._text(params)
        markup = self._check_markup(params.get("reply_markup"))
        reply = params.get("reply_parameters")
        reply_to = None
        if reply is not None:
            target = self._state.messages.get((int(reply.get("chat_id", chat["id"])), int(reply["message_id"])))
            if target is None and not reply.get("allow_sending_without_reply"):
                raise ApiError("Bad Request: message to be replied not found")
            reply_to = target
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                                   "from": self._bot_user(), "text": text}  # fmt: skip
        if entities:
            message["entities"] = entities
        if markup is not None and markup["inline_keyboard"]:
            message["reply_markup"] = markup
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self._state.messages[(chat["id"], message["message_id"])] = message
        return message

    def _text(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        try:
            return check_text(params.get("text"), params.get("parse_mode"))
        except HtmlError as exc:
            raise ApiError(str(exc)) from None

    def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            raise ApiError("Bad Request: inline messages are not emulated")
        chat = self._chat(params)
        key = (chat["id"], self._int(params, "message_id"))
        message = self._state.messages.get(key)
        if message is None:
            raise ApiError("Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise ApiError("Bad Request: message can't be edited")
        text, entities = self._text(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None and not markup["inline_keyboard"]:
            markup = None
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and reply markup are exactly"
                " the same as a current content and reply markup of the message"
            )
        new = {**message, "text": text, "edit_date": int(time.time())}
        new.pop("entities", None)
        new.pop("reply_markup", None)
        if entities:
            new["entities"] = entities
        if markup is not None:
            new["reply_markup"] = markup
        self._state.messages[key] = new
        return new

    def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if self._state.callback_queries.get(query_id, True):
            raise ApiError("Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text", ""))) > 200:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self._state.callback_queries[query_id] = True
        return True

    def _m_answerinlinequery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("inline_query_id", ""))
        if self._state.inline_queries.get(query_id, True):
            raise ApiError("Bad Request: query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise ApiError("Bad Request: RESULTS_TOO_MUCH")
        ids: set[str] = set()
        for r in results:
            rid = str(r.get("id", ""))
            if rid in ids:
                raise ApiError("Bad Request: RESULT_ID_DUPLICATE")
            if not 1 <= len(rid.encode()) <= 64:
                raise ApiError("Bad Request: RESULT_ID_INVALID")
            ids.add(rid)
            if r.get("type") != "article" or not str(r.get("title", "")).strip():
                raise ApiError("Bad Request: RESULT_TYPE_INVALID or empty title")
            content = r.get("input_message_content")
            if not isinstance(content, dict):
                raise ApiError("Bad Request: input_message_content is required")
            try:
                check_text(content.get("message_text"), content.get("parse_mode"))
            except HtmlError as exc:
                raise ApiError(str(exc)) from None
            self._check_markup(r.get("reply_markup"))
            if "url" in r and not valid_url(str(r["url"]), schemes=("http", "https")):
                raise ApiError("Bad Request: RESULT_URL_INVALID")
        self._state.inline_queries[query_id] = True
        return True

    # -- the test side (blocking, thread-safe) -------------------------------------------------

    def add_private(self, user_id: int) -> None:
        with self._cond:
            self._state.chats[user_id] = {"id": user_id, "type": "private", "first_name": f"U{user_id}"}

    def add_group(self, chat_id: int, title: str = "Nhóm CCHC", admins: tuple[int, ...] = ()) -> None:
        with self._cond:
            self._state.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title}
            self._state.admins[chat_id] = set(admins)

    def _entities(self, text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if m := COMMAND.match(text):
            out.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group())})
        for m in MENTION.finditer(text):
            if not out or m.start() >= out[0]["length"]:
                out.append({"type": "mention", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())})
        return out

    def _delivered_in_group(self, text: str, reply_to: dict[str, Any] | None) -> bool:
        """Privacy mode: commands for this bot, replies to it and mentions of it reach the bot."""
        if m := COMMAND.match(text):
            return m.group(2) is None or m.group(2).lower() == self.username.lower()
        if reply_to is not None and reply_to.get("from", {}).get("id") == self.bot_id:
            return True
        return f"@{self.username}".lower() in text.lower()

    def say(self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None) -> bool:
        """A user writes ``text`` (in their private chat or ``chat_id``); True when the bot receives it."""
        with self._cond:
            if chat_id is None:
                self._state.chats.setdefault(user_id, {"id": user_id, "type": "private", "first_name": f"U{user_id}"})
                chat_id = user_id
            chat = self._state.chats[chat_id]
            replied = self._state.messages.get((chat_id, reply_to)) if reply_to is not None else None
            message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                                       "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
                                       "text": text}  # fmt: skip
            if entities := self._entities(text):
                message["entities"] = entities
            if replied is not None:
                message["reply_to_message"] = replied
            self._state.messages[(chat_id, message["message_id"])] = message
            if chat["type"] != "private" and not self._delivered_in_group(text, replied):
                return False
            self._new_update(message=message)
            return True

    def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """A user presses the button with ``data`` under a bot message (which must exist and carry it)."""
        with self._cond:
            message = self._state.messages[(chat_id, message_id)]
            buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
            if not any(b.get("callback_data") == data for b in buttons):
                raise AssertionError(f"no button {data!r} under message {message_id}: {buttons}")
            query_id = str(next(self._ids) * 7919)
            self._state.callback_queries[query_id] = False
            self._new_update(callback_query={"id": query_id, "chat_instance": f"ci{chat_id}", "data": data,
                                             "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
                                             "message": message})  # fmt: skip
            return query_id

    def inline(self, user_id: int, query: str) -> str:
        with self._cond:
            query_id = str(next(self._ids) * 104729)
            self._state.inline_queries[query_id] = False
            sender = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
            self._new_update(inline_query={"id": query_id, "query": query, "offset": "", "chat_type": "private",
                                           "from": sender})  # fmt: skip
            return query_id

    def raw_update(self, **payload: Any) -> int:
        """Queue an update exactly as given (even one the bot's library cannot parse); its update_id."""
        with self._cond:
            return self._new_update(**payload)

    def mark(self) -> int:
        with self._cond:
            return len(self.calls)

    def inject(self, *faults: Fault) -> None:
        with self._cond:
            self._faults.extend(faults)

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def faults_left(self) -> int:
        with self._cond:
            return sum(max(f.times, 0) for f in self._faults)

    def delivered(self, chat_id: int, since: int = 0) -> list[dict[str, Any]]:
        """The messages the bot really sent to ``chat_id`` (after call index ``since``), oldest first."""
        with self._cond:
            return [c.result for c in self.calls[since:]
                    if c.method == "sendMessage" and c.ok and int(c.params["chat_id"]) == chat_id]  # fmt: skip

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
        """Block until ``condition()`` (called under the emulator's lock) is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{what}: not met within {timeout}s")
                self._cond.wait(min(left, 0.5))

    def calls_after(self, cursor: int, timeout: float) -> list[Call]:
        """The calls after index ``cursor``, waiting up to ``timeout`` for at least one."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.calls) <= cursor:
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)
            return self.calls[cursor:]

    def wait_call(
        self, method: str, pred: Callable[[Call], bool] = lambda c: True, *, since: int = 0, timeout: float = 10.0
    ) -> Call:
        """The first successful call of ``method`` after index ``since`` that satisfies ``pred``."""
        deadline = time.monotonic() + timeout

        def find() -> Call | None:
            for call in self.calls[since:]:
                if call.method == method and call.ok and pred(call):
                    return call
            return None

        with self._cond:
            while (found := find()) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [(c.method, c.ok, c.error) for c in self.calls[since:]][-10:]
                    raise AssertionError(f"no {method} call within {timeout}s; recent: {recent}")
                self._cond.wait(left)
            return found

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        with self._cond:
            return dict(self._state.messages[(chat_id, message_id)])

    def commands(self, scope_key: str) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._state.commands.get(scope_key, []))

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._state.updates)
