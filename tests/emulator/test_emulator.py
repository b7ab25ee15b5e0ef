"""The emulator must refuse what Telegram refuses, or the end-to-end tests prove nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devtools.emulator import BotApiEmulator

TOKEN = "1:emulator-self-test"
USER = 10
GROUP = -20


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    emulator = BotApiEmulator(TOKEN, username="self_test_bot").start()
    emulator.add_private(USER)
    emulator.add_group(GROUP)
    try:
        yield emulator
    finally:
        emulator.stop()


def call(emu: BotApiEmulator, method: str, form: bool = True, **params: Any) -> dict[str, Any]:
    url = f"{emu.url}/bot{TOKEN}/{method}"
    if form:  # the way python-telegram-bot sends: form fields, objects as JSON strings
        data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        response = httpx.post(url, data=data)
    else:
        response = httpx.post(url, json=params)
    body: dict[str, Any] = response.json()
    return body


def send(emu: BotApiEmulator, text: str, **extra: Any) -> dict[str, Any]:
    return call(emu, "sendMessage", chat_id=USER, text=text, parse_mode="HTML", **extra)


@pytest.mark.parametrize(
    "html",
    ["<br>", "a & b", "x < y", "<b>open", "<b>x</i>", "<script>x</script>", "&nbsp;", "<span>x</span>",
     '<a href="javascript:alert(1)">x</a>', "<p>x</p>", "<b></b>  ", "<!-- c -->x", "<b>x</b><img src=x/>"],
)  # fmt: skip
def test_bad_html_is_rejected(emu: BotApiEmulator, html: str) -> None:
    body = send(emu, html)
    assert body["ok"] is False
    assert body["error_code"] == 400


def test_good_html_becomes_text_and_entities(emu: BotApiEmulator) -> None:
    body = send(emu, '<b>Tin</b> &lt;1&gt; &amp; <a href="https://a.vn/x?a=1&amp;b=2">bài</a> &#39;')
    assert body["ok"] is True
    message = body["result"]
    assert message["text"] == "Tin <1> & bài '"
    assert {"type": "text_link", "offset": 10, "length": 3, "url": "https://a.vn/x?a=1&b=2"} in message["entities"]


def test_length_counts_after_entity_parsing(emu: BotApiEmulator) -> None:
    assert send(emu, "<b>" + "x" * 4096 + "</b>")["ok"] is True
    assert send(emu, "&amp;" * 4096)["ok"] is True
    assert send(emu, "x" * 4097)["ok"] is False
    assert send(emu, "😀" * 2049)["ok"] is False  # UTF-16 code units, as Telegram counts


def test_buttons_are_checked(emu: BotApiEmulator) -> None:
    def markup(button: dict[str, Any]) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "b", **button}]]}

    assert send(emu, "x", reply_markup=markup({"callback_data": "x" * 64}))["ok"] is True
    assert send(emu, "x", reply_markup=markup({"callback_data": "x" * 65}))["ok"] is False
    assert send(emu, "x", reply_markup=markup({"callback_data": "đ" * 33}))["ok"] is False  # 66 bytes
    assert send(emu, "x", reply_markup=markup({"url": "javascript:x"}))["ok"] is False
    assert send(emu, "x", reply_markup=markup({}))["ok"] is False


def test_editing_into_the_same_content_is_refused(emu: BotApiEmulator) -> None:
    sent = send(emu, "<b>a</b>")["result"]
    same = call(emu, "editMessageText", chat_id=USER, message_id=sent["message_id"], text="<b>a</b>", parse_mode="HTML")
    assert same["ok"] is False
    assert "not modified" in same["description"]
    changed = call(emu, "editMessageText", chat_id=USER, message_id=sent["message_id"], text="<i>a</i>",
                   parse_mode="HTML")  # fmt: skip
    assert changed["ok"] is True


def test_unknown_chat_and_token_and_method(emu: BotApiEmulator) -> None:
    assert call(emu, "sendMessage", chat_id=123456789, text="x")["description"] == "Bad Request: chat not found"
    assert httpx.post(f"{emu.url}/bot1:wrong/getMe").status_code == 401
    assert call(emu, "sendDice", chat_id=USER)["error_code"] == 404
    assert call(emu, "setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])["ok"] is False
    scope = {"type": "chat", "chat_id": 999}
    assert call(emu, "setMyCommands", commands=[{"command": "ok", "description": "x"}], scope=scope)["ok"] is False


def test_inline_results_are_checked(emu: BotApiEmulator) -> None:
    good = {"type": "article", "id": "1", "title": "t", "input_message_content": {"message_text": "<b>x</b>",
                                                                                   "parse_mode": "HTML"}}  # fmt: skip
    qid = emu.inline(USER, "q")
    assert call(emu, "answerInlineQuery", form=False, inline_query_id=qid, results=[good, {**good, "id": "1"}])[
        "ok"] is False  # fmt: skip
    assert call(emu, "answerInlineQuery", inline_query_id=qid, results=[{**good, "id": "x" * 65}])["ok"] is False
    bad_html = {**good, "input_message_content": {"message_text": "<u>x", "parse_mode": "HTML"}}
    assert call(emu, "answerInlineQuery", inline_query_id=qid, results=[bad_html])["ok"] is False
    assert call(emu, "answerInlineQuery", inline_query_id=qid, results=[good])["ok"] is True
    assert call(emu, "answerInlineQuery", inline_query_id=qid, results=[good])["ok"] is False  # answered already


def test_privacy_mode_delivery(emu: BotApiEmulator) -> None:
    before = emu.pending_updates()
    assert emu.say(USER, "/cchc x", chat_id=GROUP)
    assert emu.say(USER, "/cchc@self_test_bot x", chat_id=GROUP)
    assert not emu.say(USER, "/cchc@other_bot x", chat_id=GROUP)
    assert not emu.say(USER, "chuyện phiếm", chat_id=GROUP)
    assert emu.say(USER, "hỏi @self_test_bot nhé", chat_id=GROUP)
    bot_message = call(emu, "sendMessage", chat_id=GROUP, text="answer")["result"]
    assert emu.say(USER, "reply", chat_id=GROUP, reply_to=bot_message["message_id"])
    assert emu.say(USER, "private chat always")
    assert emu.pending_updates() - before == 5


def test_long_polling_delivers_and_confirms(emu: BotApiEmulator) -> None:
    emu.say(USER, "hello")
    updates = call(emu, "getUpdates", timeout=1)["result"]
    assert updates
    last = updates[-1]["update_id"]
    assert call(emu, "getUpdates", offset=last + 1, timeout=0)["result"] == []
