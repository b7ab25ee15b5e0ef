"""Issue 10, item 15: an admin's /stats or /reload in a group posted other users' unanswered questions
and server paths to the whole group. There: counts only; the full report goes to the admin in private."""

from __future__ import annotations

from pathlib import Path

from bot.service import SearchService
from tests.support import updates as up
from tests.support.harness import ADMIN, GROUP, USER, Harness

UNANSWERED = "giá vé máy bay xyzzy đi Đà Lạt tháng sau"


def _to(harness: Harness, chat_id: int) -> list[str]:
    return [str(m["text"]) for m in harness.sent() if int(m["chat_id"]) == chat_id]


async def test_stats_in_a_group_shows_counts_only(harness: Harness) -> None:
    await harness.feed(up.message(UNANSWERED, uid=USER))
    harness.request.clear()
    await harness.feed(up.message("/stats", uid=ADMIN, chat_id=GROUP))
    [group] = _to(harness, GROUP)
    [private] = _to(harness, ADMIN)
    assert "xyzzy" not in group
    assert "1 câu hỏi" in group
    assert "gửi riêng" in group
    assert "xyzzy" in private  # the admin still sees which questions went unanswered


async def test_reload_in_a_group_shows_counts_only(harness: Harness, service: SearchService) -> None:
    (Path(service.knowledge_dir) / "broken.txt").write_bytes(b"\x00\x01 not an article")
    await harness.feed(up.message("/reload", uid=ADMIN, chat_id=GROUP))
    [group] = _to(harness, GROUP)
    [private] = _to(harness, ADMIN)
    assert "broken.txt" not in group
    assert str(service.knowledge_dir) not in group
    assert "bỏ qua 1 tệp" in group
    assert "broken.txt" in private


async def test_in_private_the_full_report_as_before(harness: Harness) -> None:
    await harness.feed(up.message(UNANSWERED, uid=USER))
    harness.request.clear()
    await harness.feed(up.message("/stats", uid=ADMIN))
    [private] = _to(harness, ADMIN)
    assert "xyzzy" in private
