"""The real Application, in process, against a request class that records calls and never opens a socket."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.salt import hash_user
from bot.service import SearchService
from bot.telegram.app import build_application
from bot.telegram.render import html_to_text
from tests.support import updates as up
from tests.support.articles import SEED_URL
from tests.support.fakes import BOT_ID, TOKEN, RecordingRequest
from tests.support.harness import ADMIN, GROUP, SALT, USER, Harness, buttons, settings


async def test_private_question_is_answered_with_bold_words_citation_and_buttons(harness: Harness) -> None:
    await harness.feed(up.message("Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC?", uid=USER))
    (sent,) = harness.sent()
    assert sent["parse_mode"] == "HTML"
    assert sent["chat_id"] == USER
    assert "<b>chủ trì" in sent["text"]
    assert "<b>chí</b>" not in sent["text"]
    assert "Phạm Minh" in sent["text"]
    assert f'<a href="{SEED_URL}">' in sent["text"]
    assert "02/02/2024" in sent["text"]
    datas = [b["callback_data"] for b in buttons(sent) if "callback_data" in b]
    assert any(d.startswith("f:") and d.endswith(":+1") for d in datas)
    assert all(len(d.encode()) <= 64 for d in datas)
    assert any(b.get("url") == SEED_URL for b in buttons(sent))


async def test_query_log_keeps_only_a_hash_of_the_user(harness: Harness, service: SearchService) -> None:
    await harness.feed(up.message("so hoa ho so", uid=USER))
    data = buttons(harness.sent()[-1])
    log_id = int(next(b["callback_data"] for b in data if b.get("callback_data", "").startswith("f:")).split(":")[1])
    assert await service.db.logged_question(log_id) == "so hoa ho so"
    # The row is the user's (a hash): their own feedback is accepted, anybody else's is not.
    assert await service.db.set_feedback(log_id, 1, hash_user(USER, SALT))
    assert not await service.db.set_feedback(log_id, 1, hash_user(USER + 1, SALT))
    dump = "\n".join(str(r) for r in await _rows(service))
    assert str(USER) not in dump.replace(str(log_id), "")


async def _rows(service: SearchService) -> list[tuple[Any, ...]]:
    async with service.db._conn.execute("SELECT user_hash, chat_type, question FROM query_log") as cur:
        return [tuple(r) for r in await cur.fetchall()]


async def test_unanswerable_question_says_not_found_and_lists_topics(harness: Harness) -> None:
    await harness.feed(up.message("asdkjh qwzx", uid=USER))
    (sent,) = harness.sent()
    assert "Chưa tìm thấy" in sent["text"]
    assert "Nam Định" in sent["text"]  # a known article title
    assert "reply_markup" not in sent


async def test_start_and_empty_cchc_explain_in_vietnamese(harness: Harness) -> None:
    await harness.feed(up.message("/start", uid=USER))
    await harness.feed(up.message("/cchc", chat_id=GROUP, uid=USER))
    start, empty = harness.sent()
    for text in (start["text"], empty["text"]):
        assert "Xin chào" in text
        assert "Ví dụ" in text
        assert "/cchc" in text
    assert empty["chat_id"] == GROUP


async def test_group_commands_with_and_without_bot_name(harness: Harness) -> None:
    await harness.feed(up.message("/cchc so hoa ho so", chat_id=GROUP, uid=USER))
    await harness.feed(up.message("/cchc@cchc_test_bot so hoa ho so", chat_id=GROUP, uid=USER))
    await harness.feed(up.message("/cchc@some_other_bot so hoa ho so", chat_id=GROUP, uid=USER))
    sent = harness.sent()
    assert len(sent) == 2
    assert all(s["chat_id"] == GROUP and "<a href=" in s["text"] for s in sent)
    assert all("reply_parameters" in s for s in sent)  # answers quote the question in groups


async def test_group_text_only_when_replying_to_the_bot_or_mentioning_it(harness: Harness) -> None:
    await harness.feed(up.message("so hoa ho so", chat_id=GROUP, uid=USER))
    assert harness.sent() == []
    other = up.message("hello", chat_id=GROUP, uid=99)["message"]
    await harness.feed(up.message("so hoa ho so", chat_id=GROUP, uid=USER, reply_to=other))
    assert harness.sent() == []
    own = up.bot_message(GROUP, 5)
    await harness.feed(up.message("so hoa ho so", chat_id=GROUP, uid=USER, reply_to=own))
    await harness.feed(up.message("@cchc_test_bot chỉ số PAR Index Quảng Trị", chat_id=GROUP, uid=USER))
    assert len(harness.sent()) == 2
    assert "Quảng Trị" in harness.last_text()


async def test_more_results_edits_the_message_from_the_query_log(harness: Harness) -> None:
    await harness.feed(up.message("đơn vị sự nghiệp công lập", uid=USER))
    first = harness.sent()[-1]
    more = next(b["callback_data"] for b in buttons(first) if b.get("callback_data", "").startswith("m:"))
    assert more.endswith(":3")
    shown = up.bot_message(USER, 1000, html_to_text(first["text"]))
    await harness.feed(up.callback(more, uid=USER, message=shown))
    (edit,) = harness.request.of("editMessageText")
    assert "Kết quả thêm (4" in edit["text"]
    assert edit["text"] != first["text"]
    assert any(b.get("callback_data", "").endswith(":0") for b in buttons(edit))  # back to the first page
    assert harness.request.of("answerCallbackQuery")


async def test_more_results_for_a_forgotten_question_says_so(harness: Harness) -> None:
    await harness.feed(up.callback("m:999999:3", uid=USER))
    assert harness.request.of("editMessageText") == []
    (answer,) = harness.request.of("answerCallbackQuery")
    assert "hỏi lại" in answer["text"]


async def test_feedback_is_stored_for_the_asker_only(harness: Harness, service: SearchService) -> None:
    await harness.feed(up.message("so hoa ho so", uid=USER))
    data = [b["callback_data"] for b in buttons(harness.sent()[-1]) if "callback_data" in b]
    down = next(d for d in data if d.endswith(":-1"))
    await harness.feed(up.callback(down, uid=USER + 1))
    await harness.feed(up.callback(down, uid=USER))
    refused, thanked = harness.request.of("answerCallbackQuery")
    assert "Chỉ người đặt câu hỏi" in refused["text"]
    assert "Cảm ơn" in thanked["text"]
    stats = await service.stats()
    assert stats.disliked == [("so hoa ho so", 1)]


async def test_flooding_user_gets_one_notice_then_silence_others_unaffected(
    service: SearchService, tmp_path: Path
) -> None:
    request = RecordingRequest()
    app = build_application(settings(tmp_path, user_rate_limit=2), service=service, request=request)
    h = Harness(app, request)
    async with app:
        for _ in range(5):
            await h.feed(up.message("so hoa ho so", uid=USER))
        await h.feed(up.message("so hoa ho so", uid=USER + 1))
    texts = [(s["chat_id"], s["text"]) for s in h.sent()]
    mine = [t for c, t in texts if c == USER]
    assert len(mine) == 3
    assert "hỏi hơi nhanh" in mine[2]
    assert [c for c, _ in texts].count(USER + 1) == 1


async def test_sources_pages_with_buttons(harness: Harness) -> None:
    await harness.feed(up.message("/sources", uid=USER))
    sent = harness.sent()[-1]
    assert "trang 1/1" in sent["text"]  # 4 articles, 5 per page
    assert sent["text"].count("<a href=") == 4
    assert "reply_markup" not in sent


async def test_sources_callback_edits_to_the_page(harness: Harness) -> None:
    await harness.feed(up.callback("s:0", uid=USER, message=up.bot_message(USER, 3, "old text")))
    (edit,) = harness.request.of("editMessageText")
    assert "trang 1/1" in edit["text"]


async def test_admin_commands_refuse_non_admins_politely(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        await harness.feed(up.message("/reload", uid=USER))
        await harness.feed(up.message("/stats", uid=USER))
    assert [s["text"] for s in harness.sent()] == ["Xin lỗi, lệnh này chỉ dành cho quản trị viên của bot."] * 2
    assert "refused /reload" in caplog.text
    assert str(USER) not in caplog.text


async def test_admin_reload_and_stats(harness: Harness) -> None:
    await harness.feed(up.message("so hoa ho so", uid=USER))
    await harness.feed(up.message("asdkjh qwzx", uid=USER))
    await harness.feed(up.message("/stats", uid=ADMIN))
    stats = harness.last_text()
    assert "Số câu hỏi: 2" in stats
    assert "Trả lời được: 1 (50%)" in stats
    assert "asdkjh qwzx" in stats
    await harness.feed(up.message("/reload", uid=ADMIN))
    assert "Đã nạp lại dữ liệu" in harness.last_text()
    assert "4 bài viết" in harness.last_text()
    assert harness.request.of("setMyCommands")[-1]["scope"] == {"type": "chat", "chat_id": ADMIN}


async def test_privacy_explains_and_deletes_own_history(harness: Harness, service: SearchService) -> None:
    await harness.feed(up.message("so hoa ho so", uid=USER))
    await harness.feed(up.message("so hoa ho so", uid=USER + 1))
    await harness.feed(up.message("/privacy", uid=USER))
    assert "mã băm" in harness.last_text()
    (delete,) = [b["callback_data"] for b in buttons(harness.sent()[-1])]
    await harness.feed(up.callback(delete, uid=USER))
    assert "Đã xoá 1 câu hỏi" in harness.request.of("answerCallbackQuery")[-1]["text"]
    assert [r[0] for r in await _rows(service)] == [hash_user(USER + 1, SALT)]


async def test_inline_query_offers_cited_articles(harness: Harness) -> None:
    await harness.feed(up.inline("chi so PAR Index Quang Tri"))
    (answer,) = harness.request.of("answerInlineQuery")
    results = answer["results"]
    assert 1 <= len(results) <= 5
    first = results[0]
    assert first["type"] == "article"
    assert first["title"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert "<a href=" in content["message_text"]
    assert len({r["id"] for r in results}) == len(results)


async def test_empty_inline_query_gets_no_results(harness: Harness) -> None:
    await harness.feed(up.inline("  "))
    (answer,) = harness.request.of("answerInlineQuery")
    assert answer["results"] == []


async def test_unknown_command_in_private_points_to_help(harness: Harness) -> None:
    await harness.feed(up.message("/foo", uid=USER))
    assert "/help" in harness.last_text()


async def test_post_init_registers_menus_for_private_chats_and_groups(harness: Harness) -> None:
    await harness.app.post_init(harness.app)  # type: ignore[misc]
    scopes = [c["scope"]["type"] for c in harness.request.of("setMyCommands")]
    assert scopes == ["all_private_chats", "all_group_chats"]
    private = harness.request.of("setMyCommands")[0]["commands"]
    assert {c["command"] for c in private} >= {"start", "help", "sources", "privacy"}
    assert all(c["command"] != "reload" for c in private)


class BrokenService(SearchService):
    async def ask(self, question: str, limit: int = 3) -> Any:
        raise RuntimeError(f"boom with {TOKEN}")


async def test_errors_are_logged_without_token_and_the_user_is_told(
    service: SearchService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = BrokenService(service.db, service.knowledge_dir)
    request = RecordingRequest()
    app = build_application(settings(tmp_path), service=broken, request=request)
    from bot.telegram.logs import RedactFilter

    caplog.handler.addFilter(RedactFilter([TOKEN]))
    async with app:
        await app.process_update(Update.de_json(up.message("so hoa ho so", uid=USER), app.bot))
    (sent,) = request.of("sendMessage")
    assert "đã có lỗi" in sent["text"]
    assert "boom with <token>" in caplog.text
    assert TOKEN not in caplog.text


async def test_bot_id_is_known_without_network(harness: Harness) -> None:
    assert harness.app.bot.id == BOT_ID


async def test_edited_messages_are_not_answered_again(harness: Harness) -> None:
    update = up.message("/cchc so hoa ho so", chat_id=GROUP, uid=USER)
    update["edited_message"] = update.pop("message")
    await harness.feed(update)
    edited_text = up.message("so hoa ho so", uid=USER)
    edited_text["edited_message"] = edited_text.pop("message")
    await harness.feed(edited_text)
    assert harness.sent() == []


async def test_menu_failure_does_not_stop_the_bot(harness: Harness) -> None:
    harness.request.fail["setMyCommands"] = (400, "Bad Request: boom")
    await harness.app.post_init(harness.app)  # type: ignore[misc]
    assert len(harness.request.of("setMyCommands")) == 1


async def test_a_double_press_edits_only_once(harness: Harness) -> None:
    await harness.feed(up.message("đơn vị sự nghiệp công lập", uid=USER))
    first = harness.sent()[-1]
    more = next(b["callback_data"] for b in buttons(first) if b.get("callback_data", "").startswith("m:"))
    stale = up.bot_message(USER, 1000, html_to_text(first["text"]))
    await harness.feed(up.callback(more, uid=USER, message=stale))
    await harness.feed(up.callback(more, uid=USER, message=stale))  # the same old message, pressed again
    assert len(harness.request.of("editMessageText")) == 1
    assert len(harness.request.of("answerCallbackQuery")) == 2
