"""End to end: ``python -m bot run`` as a separate process against the Bot API emulator over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from devtools.emulator import BotApiEmulator, Call
from tests.support.articles import REPO_ROOT, SEED_URL, make_knowledge
from tests.support.process import ADMIN, TOKEN, BotProcess

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_rejections")]  # the bot as a process against the emulator

USER = 601
OTHER = 602
GROUP = -1001234


def extra_article(n: int) -> str:
    return (
        f"Bài thử nghiệm số {n} về dịch vụ công trực tuyến\n\n{100 + n}\n\ne2e-test.example.vn\n\n"
        f"0{n}/01/2024 08:00\n\n"
        f"Bài thử nghiệm số {n} mô tả việc tiếp nhận hồ sơ tại bộ phận một cửa điện tử của xã thử nghiệm {n}.\n\n"
        "Người viết\n\nNguồn bài viết:\n"
        f"https://e2e-test.example.vn/bai-thu-nghiem-{n}.html\n"
    )


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(TOKEN) as emulator:
        emulator.add_group(GROUP)
        yield emulator


@pytest.fixture(scope="module")
def bot(emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    root = tmp_path_factory.mktemp("e2e")
    knowledge = make_knowledge(root / "knowledge")
    for n in range(1, 5):
        (knowledge / f"e2e_{n}.txt").write_text(extra_article(n), encoding="utf-8")
    with BotProcess(emu, root).running() as process:
        yield process


def _chat_is(chat_id: int) -> Any:
    return lambda c: int(c.params["chat_id"]) == chat_id


def ask(emu: BotApiEmulator, user: int, text: str, chat_id: int | None = None, reply_to: int | None = None) -> Call:
    mark = emu.mark()
    assert emu.say(user, text, chat_id=chat_id, reply_to=reply_to)
    return emu.wait_call("sendMessage", _chat_is(chat_id or user), since=mark)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def press(emu: BotApiEmulator, user: int, message: dict[str, Any], data: str) -> Call:
    mark = emu.mark()
    query_id = emu.press(user, message["chat"]["id"], message["message_id"], data)
    return emu.wait_call("answerCallbackQuery", lambda c: str(c.params["callback_query_id"]) == query_id, since=mark)


def test_start_registers_menus_and_greets(emu: BotApiEmulator, bot: BotProcess) -> None:
    private = {c["command"] for c in emu.commands("all_private_chats")}
    assert {"start", "help", "cchc", "sources", "privacy"} <= private
    assert {c["command"] for c in emu.commands("all_group_chats")} >= {"cchc", "help"}
    sent = ask(emu, USER, "/start")
    assert "Xin chào" in sent.result["text"]
    assert "Ví dụ" in sent.result["text"]


def test_private_question_answered_with_working_article_link(emu: BotApiEmulator, bot: BotProcess) -> None:
    sent = ask(emu, USER, "ai chu tri phien hop thu bay ban chi dao cchc").result
    links = [e["url"] for e in sent.get("entities", []) if e["type"] == "text_link"]
    assert links[0] == SEED_URL
    assert "02/02/2024" in sent["text"]
    assert any(e["type"] == "bold" for e in sent["entities"])
    assert any(b.get("url") == SEED_URL for b in buttons(sent))
    # The link points at an article the bot really knows (the knowledge file's source line).
    assert SEED_URL in (REPO_ROOT / "knowledge" / "000_59dc86b630416615.txt").read_text(encoding="utf-8")


def test_group_cchc_and_privacy_mode(emu: BotApiEmulator, bot: BotProcess) -> None:
    sent = ask(emu, USER, "/cchc@cchc_e2e_bot chỉ số PAR Index Quảng Trị", chat_id=GROUP).result
    assert "Quảng Trị" in sent["text"]
    assert sent["reply_to_message"]["from"]["id"] == USER
    # Plain group chatter never reaches the bot; a reply to the bot's answer does.
    assert not emu.say(USER, "so hoa ho so", chat_id=GROUP)
    again = ask(emu, OTHER, "so hoa ho so Hau Giang", chat_id=GROUP, reply_to=sent["message_id"]).result
    assert "Hậu Giang" in again["text"]


def test_empty_cchc_explains(emu: BotApiEmulator, bot: BotProcess) -> None:
    sent = ask(emu, USER, "/cchc", chat_id=GROUP).result
    assert "/cchc câu hỏi" in sent["text"]
    assert "Ví dụ" in sent["text"]


def test_not_found_lists_topics(emu: BotApiEmulator, bot: BotProcess) -> None:
    sent = ask(emu, USER, "qwzx plmk").result
    assert "Chưa tìm thấy" in sent["text"]
    assert "Nam Định" in sent["text"]


def _more_button(message: dict[str, Any], label: str) -> str:
    return str(next(b["callback_data"] for b in buttons(message) if label in b["text"]))


def test_more_results_pages_forward_and_back(emu: BotApiEmulator, bot: BotProcess) -> None:
    first = ask(emu, USER, "đơn vị sự nghiệp công lập").result
    mark = emu.mark()
    press(emu, USER, first, _more_button(first, "Thêm"))
    edited = emu.wait_call("editMessageText", since=mark).result
    assert edited["message_id"] == first["message_id"]
    assert "Kết quả thêm (4" in edited["text"]
    mark = emu.mark()
    press(emu, USER, edited, _more_button(edited, "trước"))
    back = emu.wait_call("editMessageText", since=mark).result
    assert back["text"] == first["text"]


def test_feedback_buttons(emu: BotApiEmulator, bot: BotProcess) -> None:
    sent = ask(emu, USER, "so hoa ho so").result
    up = next(b["callback_data"] for b in buttons(sent) if b["text"] == "👍")
    assert "Cảm ơn" in press(emu, USER, sent, up).params["text"]
    assert "Chỉ người đặt câu hỏi" in press(emu, OTHER, sent, up).params["text"]


def test_inline_query_offers_cited_articles(emu: BotApiEmulator, bot: BotProcess) -> None:
    mark = emu.mark()
    query_id = emu.inline(OTHER, "nam dinh giam bao nhieu don vi hanh chinh cap xa")
    call = emu.wait_call("answerInlineQuery", lambda c: str(c.params["inline_query_id"]) == query_id, since=mark)
    results = call.params["results"]
    assert results
    assert "Nam Định" in results[0]["input_message_content"]["message_text"]
    assert results[0]["reply_markup"]["inline_keyboard"][0][0]["url"].startswith("http")


def test_sources_paging(emu: BotApiEmulator, bot: BotProcess) -> None:
    page1 = ask(emu, USER, "/sources").result
    assert "8 bài, trang 1/2" in page1["text"]
    mark = emu.mark()
    press(emu, USER, page1, _more_button(page1, "Sau"))
    page2 = emu.wait_call("editMessageText", since=mark).result
    assert "trang 2/2" in page2["text"]
    assert [b["text"] for b in buttons(page2)] == ["« Trước"]


def test_admin_commands(emu: BotApiEmulator, bot: BotProcess) -> None:
    assert "chỉ dành cho quản trị viên" in ask(emu, USER, "/reload").result["text"]
    assert "chỉ dành cho quản trị viên" in ask(emu, USER, "/stats").result["text"]
    stats = ask(emu, ADMIN, "/stats").result["text"]
    assert "Số câu hỏi:" in stats
    assert "qwzx plmk" in stats  # the unanswered question above
    report = ask(emu, ADMIN, "/reload").result["text"]
    assert "Đã nạp lại dữ liệu: 8 bài viết" in report
    assert {c["command"] for c in emu.commands(f"chat:{ADMIN}")} >= {"reload", "stats"}
    assert "refused /reload" in bot.log_text()


def test_restart_keeps_data_and_old_buttons_work(emu: BotApiEmulator, bot: BotProcess) -> None:
    before = ask(emu, USER, "đơn vị sự nghiệp công lập").result
    questions = int(ask(emu, ADMIN, "/stats").result["text"].split("Số câu hỏi: ")[1].split()[0])
    assert bot.stop() == 0
    bot.start()
    after = int(ask(emu, ADMIN, "/stats").result["text"].split("Số câu hỏi: ")[1].split()[0])
    assert after == questions  # the query log survived the restart
    mark = emu.mark()
    press(emu, USER, before, _more_button(before, "Thêm"))  # a button from before the restart
    edited = emu.wait_call("editMessageText", since=mark).result
    assert "Kết quả thêm" in edited["text"]


def test_health_check_while_running(bot: BotProcess) -> None:
    deadline = time.monotonic() + 10
    while (result := bot.cli("health")).returncode != 0 and time.monotonic() < deadline:
        time.sleep(0.2)  # the first heartbeat is written right after start
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
