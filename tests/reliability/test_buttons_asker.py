"""Issue 10, item 10: "more results" buttons are tied to the user who asked.

Forged callback data (another user's query-log id) showed that user's question and results;
in a group anyone could page through another member's answer.
"""

from __future__ import annotations

from tests.support import updates as up
from tests.support.harness import GROUP, USER, Harness, buttons

OTHER = USER + 1000
PRIVATE_QUESTION = "đơn vị sự nghiệp công lập"


async def _asked(harness: Harness, chat_id: int | None = None) -> str:
    text = PRIVATE_QUESTION if chat_id is None else f"@cchc_test_bot {PRIVATE_QUESTION}"  # a group needs a mention
    await harness.feed(up.message(text, uid=USER, chat_id=chat_id))
    return str(
        next(
            b["callback_data"] for b in buttons(harness.sent()[-1]) if str(b.get("callback_data", "")).startswith("m:")
        )
    )


async def test_forged_more_button_does_not_show_another_users_question(harness: Harness) -> None:
    more = await _asked(harness)
    harness.request.clear()
    # The other user sends the same callback data under their own chat's message (forged data).
    await harness.feed(up.callback(more, uid=OTHER, message=up.bot_message(OTHER, 5, "câu trả lời của tôi")))
    assert harness.request.of("editMessageText") == []
    assert harness.request.of("sendMessage") == []
    (answer,) = harness.request.of("answerCallbackQuery")
    assert "Chỉ người đặt câu hỏi" in answer["text"]
    assert PRIVATE_QUESTION not in str(answer)


async def test_in_a_group_only_the_asker_pages(harness: Harness) -> None:
    more = await _asked(harness, chat_id=GROUP)
    shown = up.bot_message(GROUP, 900, "…")
    harness.request.clear()
    await harness.feed(up.callback(more, uid=OTHER, message=shown))
    assert harness.request.of("editMessageText") == []
    harness.request.clear()
    await harness.feed(up.callback(more, uid=USER, message=shown))
    (edit,) = harness.request.of("editMessageText")
    assert "Kết quả thêm" in edit["text"]
