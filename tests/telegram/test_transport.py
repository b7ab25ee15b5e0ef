"""The aiohttp Bot API transport: answers, timeouts and dropped connections as PTB expects them."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport import AiohttpRequest
from devtools.emulator import BotApiEmulator, Fault

TOKEN = "1:transport-test"
USER = 42


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    emulator = BotApiEmulator(TOKEN).start()
    emulator.add_private(USER)
    try:
        yield emulator
    finally:
        emulator.stop()


def form(**params: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def test_posts_a_form_and_returns_status_and_body(emu: BotApiEmulator) -> None:
    request = AiohttpRequest(read_timeout=2.0)
    await request.initialize()
    try:
        status, body = await request.do_request(
            f"{emu.url}/bot{TOKEN}/sendMessage", "POST",
            form(chat_id=USER, text="<b>xin chào</b>", parse_mode="HTML", link_preview_options={"is_disabled": True}),
        )  # fmt: skip
        refused, _ = await request.do_request(
            f"{emu.url}/bot{TOKEN}/sendMessage", "POST", form(chat_id=USER, text="<x>", parse_mode="HTML")
        )
    finally:
        await request.shutdown()
    assert status == 200
    message = json.loads(body)["result"]
    assert message["text"] == "xin chào"
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 8}]
    assert refused == 400  # an API refusal is an answer, not a transport error


async def test_a_stalled_answer_is_a_timeout(emu: BotApiEmulator) -> None:
    emu.inject(Fault("stall", method="getMe", seconds=2.0))
    request = AiohttpRequest(read_timeout=0.3)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{emu.url}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()
        emu.clear_faults()


async def test_a_dropped_connection_and_a_closed_port_are_network_errors(emu: BotApiEmulator) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    emu.inject(Fault("drop", method="getMe"))
    request = AiohttpRequest(read_timeout=2.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as dropped:
            await request.do_request(f"{emu.url}/bot{TOKEN}/getMe", "POST")
        with pytest.raises(NetworkError) as refused:
            await request.do_request(f"http://127.0.0.1:{closed}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()
        emu.clear_faults()
    assert not isinstance(dropped.value, TimedOut)
    assert not isinstance(refused.value, TimedOut)


async def test_unusable_before_initialize() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")
