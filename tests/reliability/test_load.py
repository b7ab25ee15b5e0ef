"""Load: 50 users x 20 questions through the real bot process and the emulator, with a /reload in the middle."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import SearchService
from bot.text.normalize import fold
from devtools.emulator import BotApiEmulator
from tests.support.articles import SEED_PATH, write_article
from tests.support.process import ADMIN, TOKEN, BotProcess

pytestmark = pytest.mark.slow  # a load test of the bot as a process against the emulator

USERS = 50
QUESTIONS_PER_USER = 20
RELOAD_AFTER = USERS * QUESTIONS_PER_USER // 2
PROVINCES = [
    "Hà Giang", "Cao Bằng", "Lào Cai", "Điện Biên", "Lai Châu", "Sơn La", "Yên Bái", "Hoà Bình", "Thái Nguyên",
    "Lạng Sơn", "Bắc Giang", "Phú Thọ", "Vĩnh Phúc", "Bắc Ninh", "Hải Dương", "Hưng Yên", "Thái Bình", "Ninh Bình",
    "Thanh Hoá", "Nghệ An",
]  # fmt: skip


def fact(n: int, province: str) -> str:
    return f"Tỉnh {province} đã đưa {310 + n} dịch vụ công trực tuyến toàn trình vào vận hành trong quý I."


def question(n: int, province: str) -> str:
    q = f"tỉnh {province} đưa bao nhiêu dịch vụ công trực tuyến toàn trình vào vận hành"
    return fold(q) if n % 2 else q  # half of them typed without diacritics


def write_knowledge(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / SEED_PATH.name).write_bytes(SEED_PATH.read_bytes())
    for n, province in enumerate(PROVINCES):
        write_article(folder, f"tinh_{n:02d}.txt", title=f"{province} đẩy mạnh dịch vụ công trực tuyến",
                      url=f"https://load.example.vn/tinh-{n}.html", site="load.example.vn",
                      paragraphs=[fact(n, province), f"Người dân {province} được hướng dẫn nộp hồ sơ."])  # fmt: skip


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[BotApiEmulator, BotProcess, list[tuple[str, str]]]]:
    root = tmp_path_factory.mktemp("load")
    write_knowledge(root / "knowledge")
    pairs = [(question(n, p), fact(n, p)) for n, p in enumerate(PROVINCES)]

    async def check() -> None:  # the questions are answered with their fact by the search itself
        service = await SearchService.open(root / "check.sqlite3", root / "knowledge")
        try:
            for q, expected in pairs:
                answer = await service.ask(q)
                assert answer.answered, q
                assert answer.results[0].text == expected, (q, answer.results[:1])
        finally:
            await service.close()

    asyncio.run(check())
    emu = BotApiEmulator(TOKEN).start()
    process = BotProcess(emu, root, CCHC_USER_RATE_LIMIT="1000", CCHC_SEND_RATE_PER_SECOND="1000",
                         CCHC_LOG_LEVEL="INFO")  # fmt: skip
    process.start()
    try:
        yield emu, process, pairs
    finally:
        code = process.stop()
        emu.stop()
        assert code == 0, process.log_text()[-3000:]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def test_fifty_users_twenty_questions_each_with_a_reload(
    setup: tuple[BotApiEmulator, BotProcess, list[tuple[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    emu, process, pairs = setup
    users = [20_001 + i for i in range(USERS)]
    asked = dict.fromkeys(users, 0)
    pending: dict[int, tuple[int, float]] = {}  # user -> (pair index, sent at)
    answered = dict.fromkeys(users, 0)
    latencies: list[float] = []
    reload_sent_at: float | None = None
    reload_reply: str | None = None
    reload_done_at = 0.0
    done = 0
    cursor = emu.mark()
    rejected = len(emu.rejections)

    def ask_next(user: int) -> None:
        index = (asked[user] + user) % len(pairs)
        asked[user] += 1
        pending[user] = (index, time.monotonic())
        assert emu.say(user, pairs[index][0])

    started = time.monotonic()
    for user in users:
        ask_next(user)
    deadline = started + 75
    while (pending or reload_reply is None) and time.monotonic() < deadline:
        for call in emu.calls_after(cursor, timeout=1.0):
            cursor += 1
            if call.method != "sendMessage" or not call.ok:
                continue
            chat = int(call.params["chat_id"])
            if chat == ADMIN:
                reload_reply, reload_done_at = str(call.result["text"]), call.at
                continue
            assert chat in pending, f"an extra reply to {chat}: {call.result['text'][:80]}"
            index, sent_at = pending.pop(chat)
            assert pairs[index][1] in call.result["text"], (pairs[index][0], call.result["text"][:200])
            latencies.append(call.at - sent_at)
            answered[chat] += 1
            done += 1
            if done == RELOAD_AFTER:
                reload_sent_at = time.monotonic()
                assert emu.say(ADMIN, "/reload")
            if asked[chat] < QUESTIONS_PER_USER:
                ask_next(chat)
    elapsed = time.monotonic() - started
    assert not pending, f"{len(pending)} questions unanswered after {elapsed:.0f}s"
    time.sleep(0.5)
    extra = [c for c in emu.calls[cursor:] if c.method == "sendMessage"]
    assert extra == [], "replies nobody asked for"
    assert all(n == QUESTIONS_PER_USER for n in answered.values())
    assert len(latencies) == USERS * QUESTIONS_PER_USER
    assert reload_sent_at is not None
    assert reload_reply is not None
    assert f"Đã nạp lại dữ liệu: {len(PROVINCES) + 1} bài viết" in reload_reply
    during = [c for c in emu.calls if c.method == "sendMessage" and reload_sent_at <= c.at <= reload_done_at]
    assert len(during) > 1  # questions kept being answered while the reload ran
    assert emu.rejections[rejected:] == []
    assert "error while handling" not in process.log_text()
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    with capsys.disabled():
        print(f"\nload: {len(latencies)} questions from {USERS} users in {elapsed:.1f} s "
              f"({len(latencies) / elapsed:.0f}/s), reply latency p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms")  # fmt: skip
