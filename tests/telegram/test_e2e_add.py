"""End to end (issue 4): ``/add`` of a page on a local news site through ``python -m bot run``, then a
question only that page answers is answered from it, cited with its title and canonical URL.

Three processes' worth of parts, all on 127.0.0.1: the Bot API emulator, a news site (aiohttp, in a
thread) serving a saved article page, and the bot itself as a separate process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from devtools.emulator import BotApiEmulator, Call
from tests.support.articles import REPO_ROOT, make_knowledge
from tests.support.process import ADMIN, FAKE_HOSTS, TOKEN, BotProcess

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_rejections")]  # the bot as a process against the emulator

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "telegram" / "binh_dinh_chu_ky_so.html"
PAGE_PATH = "/tin/binh-dinh-chu-ky-so.html"
SLOW_PATH = "/tin/cham.html"  # the same page, held back until the test releases it
CANONICAL = "https://baobinhdinh.vn/viewer.aspx?macm=1&macmp=1&mabb=256871"
NEWS_HOST = "baobinhdinh.vn"
TITLE = "Bình Định cấp miễn phí chữ ký số cho người dân nộp hồ sơ trực tuyến"
SENTENCE = (
    "Sau hơn ba tháng triển khai, tỉnh Bình Định đã cấp miễn phí 12.500 chứng thư chữ ký số cá nhân, giúp người"
    " dân tự ký hồ sơ thủ tục hành chính trên Cổng dịch vụ công mà không phải in giấy hay đến bộ phận một cửa."
)
QUESTION = "Bình Định cấp bao nhiêu chứng thư chữ ký số"
USER = 611


class NewsSite:
    """A news web site on 127.0.0.1 (aiohttp in its own thread): the saved page, 404 for anything else."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._gate: asyncio.Event | None = None

    def release(self) -> None:
        """Let the held-back page answer."""
        if self._loop is not None and self._gate is not None:
            self._loop.call_soon_threadsafe(self._gate.set)

    def url(self, path: str) -> str:
        """``path`` under the news site's own host name, which the bot process resolves to 127.0.0.1."""
        return f"http://{NEWS_HOST}:{self.port}{path}"

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(body=FIXTURE.read_bytes(), content_type="text/html", charset="utf-8")

    async def _slow_page(self, request: web.Request) -> web.Response:
        assert self._gate is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._gate.wait(), timeout=20)
        return await self._page(request)

    def start(self) -> NewsSite:
        ready = threading.Event()

        @web.middleware
        async def count(request: web.Request, handler: Any) -> web.StreamResponse:
            self.hits.append(request.path)
            response: web.StreamResponse = await handler(request)
            return response

        async def serve() -> web.AppRunner:
            app = web.Application(middlewares=[count])
            self._gate = asyncio.Event()
            app.router.add_get(PAGE_PATH, self._page)
            app.router.add_get(SLOW_PATH, self._slow_page)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = int(runner.addresses[0][1])
            return runner

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            runner = loop.run_until_complete(serve())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="news-site", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the news site did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


@pytest.fixture(scope="module")
def news() -> Iterator[NewsSite]:
    site = NewsSite().start()
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(TOKEN) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def bot(emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    root = tmp_path_factory.mktemp("e2e-add")
    make_knowledge(root / "knowledge")  # the seed and the synthetic test articles: none about chữ ký số
    process = BotProcess(emu, root, CCHC_ALLOW_PRIVATE_URLS="true", CCHC_FETCH_TIMEOUT_SECONDS="5",
                         TEST_FAKE_HOSTS=f"{NEWS_HOST}=127.0.0.1", PYTHONPATH=f"{REPO_ROOT}{os.pathsep}{FAKE_HOSTS}")  # fmt: skip
    with process.running():
        yield process


def say(emu: BotApiEmulator, user: int, text: str, timeout: float = 10.0) -> dict[str, Any]:
    """``user`` writes ``text`` in their private chat; the bot's reply message."""
    mark = emu.mark()
    assert emu.say(user, text)
    call: Call = emu.wait_call("sendMessage", lambda c: int(c.params["chat_id"]) == user, since=mark, timeout=timeout)
    return call.result  # type: ignore[no-any-return]


def links(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(shown text, URL) of each link in a message, cut from the text as Telegram counts (UTF-16)."""
    units = message["text"].encode("utf-16-le")
    return [
        (units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le"), e["url"])
        for e in message.get("entities", [])
        if e["type"] == "text_link"
    ]


def test_add_a_local_page_then_its_question_is_answered_cited(
    emu: BotApiEmulator, bot: BotProcess, news: NewsSite
) -> None:
    page = news.url(PAGE_PATH)

    before = say(emu, USER, QUESTION)
    assert "Chưa tìm thấy" in before["text"]
    assert "chữ ký số" not in before["text"]

    refused = say(emu, USER, f"/add {page}")
    assert "chỉ dành cho quản trị viên" in refused["text"]
    assert news.hits == []  # a refused /add fetches nothing

    report = say(emu, ADMIN, f"/add {page}", timeout=30)
    assert news.hits == [PAGE_PATH]
    assert "Đã thêm bài viết mới" in report["text"]
    assert "Thêm mới: 1 · Cập nhật: 0 · Không đổi: 0 · Bỏ qua: 0" in report["text"]
    assert (TITLE, CANONICAL) in links(report)
    assert "Đã nạp lại dữ liệu: 5 bài viết" in report["text"]  # seed + 3 test articles + the new one

    answer = say(emu, USER, QUESTION)
    assert SENTENCE in answer["text"]
    assert links(answer)[0] == (TITLE, CANONICAL)
    assert f"{TITLE} — baobinhdinh.vn, 16/04/2024" in answer["text"]
    assert any(e["type"] == "bold" for e in answer.get("entities", []))

    # Written to the knowledge folder in the normal form: a plain reload rebuilds the same answer.
    assert list((bot.root / "knowledge").glob("web_*.txt"))
    assert "Đã nạp lại dữ liệu: 5 bài viết" in say(emu, ADMIN, "/reload")["text"]
    assert SENTENCE in say(emu, USER, "binh dinh cap bao nhieu chung thu chu ky so")["text"]


def test_add_usage_and_unreachable_page(emu: BotApiEmulator, bot: BotProcess, news: NewsSite) -> None:
    assert "Cách dùng: /add URL" in say(emu, ADMIN, "/add")["text"]
    assert "Cách dùng: /add URL" in say(emu, ADMIN, "/add ftp://127.0.0.1/tin.html")["text"]
    missing = say(emu, ADMIN, f"/add {news.url('/tin/khong-co.html')}", timeout=30)["text"]
    assert "Không thêm được bài viết nào" in missing
    assert "HTTP 404 Not Found" in missing
    assert {c["command"] for c in emu.commands(f"chat:{ADMIN}")} >= {"reload", "stats", "add"}


def test_questions_are_answered_while_an_add_is_fetching(emu: BotApiEmulator, bot: BotProcess, news: NewsSite) -> None:
    mark = emu.mark()
    assert emu.say(ADMIN, f"/add {news.url(SLOW_PATH)}")
    try:
        emu.wait_call("sendChatAction", lambda c: int(c.params["chat_id"]) == ADMIN, since=mark)
        deadline = time.monotonic() + 10
        while SLOW_PATH not in news.hits and time.monotonic() < deadline:
            time.sleep(0.02)
        assert SLOW_PATH in news.hits  # the bot is inside /add, waiting for the held-back page...
        # ...and still answers questions meanwhile.
        assert SENTENCE in say(emu, USER, QUESTION)["text"]
        assert not [c for c in emu.calls[mark:] if c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN]
    finally:
        news.release()
    report = emu.wait_call("sendMessage", lambda c: int(c.params["chat_id"]) == ADMIN, since=mark, timeout=30)
    text = report.result["text"]
    assert "Bài viết đã có, không có gì thay đổi" in text  # same canonical URL, same content as the first /add
    assert "Thêm mới: 0 · Cập nhật: 0 · Không đổi: 1 · Bỏ qua: 0" in text
