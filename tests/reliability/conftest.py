"""Shared pieces of the reliability suite: a knowledge folder with hostile articles and a bot process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.emulator import BotApiEmulator, Call
from devtools.telegram_html import check_text, utf16_len
from tests.helpers import write_article
from tests.telegram.conftest import make_knowledge
from tests.telegram.process import TOKEN, BotProcess

GROUP = -100777
HOSTILE_URL = "https://hostile.example.vn/bai-doc-hai.html"
HOSTILE_TITLE = "Bài <script>alert('t')</script> & <b>đậm</b> về xác thực"
HOSTILE_PARAGRAPHS = [
    'Thủ tục xác thực điện tử <b>in đậm</b> &amp; <a href="javascript:alert(1)">bấm vào đây</a>'
    " javascript:alert(2) được áp dụng ở xã Tân Bình.",
    "Đoạn hai <script>document.cookie</script> nói về cổng chứng thực điện tử <i>nghiêng</i>.",
]
# Entity types the bot's own templates produce; anything else would come from content.
OUR_ENTITIES = {"bold", "italic", "text_link", "code"}


def write_hostile_articles(folder: Path) -> None:
    """An article full of markup and a javascript: link, and one whose source URL is javascript:."""
    write_article(folder, "hostile_markup.txt", title=HOSTILE_TITLE, url=HOSTILE_URL, paragraphs=HOSTILE_PARAGRAPHS)
    write_article(folder, "hostile_js_url.txt", title="Bài nguồn javascript", url="javascript:alert(document.cookie)",
                  paragraphs=["Nội dung bài viết có đường dẫn nguồn độc hại về một cửa liên thông."])  # fmt: skip


def reply_entities_ok(text: str, entities: list[dict[str, Any]]) -> None:
    """Telegram's view of a reply: only our tags, links only to http(s)."""
    for e in entities:
        assert e["type"] in OUR_ENTITIES, e
        if e["type"] == "text_link":
            assert str(e["url"]).startswith(("http://", "https://")), e


def assert_valid_reply(call: Call) -> None:
    """A sendMessage the emulator accepted, re-parsed here: valid Telegram HTML, <= 4,096, our tags only."""
    assert call.ok, call.error
    assert_valid_html(str(call.params["text"]))


def assert_valid_html(html: str) -> str:
    """Parse ``html`` as Telegram does; it must fit (the source too, as the renderer promises). The plain text."""
    plain, entities = check_text(html, "HTML")
    assert utf16_len(html) <= 4096
    assert utf16_len(plain) <= 4096
    reply_entities_ok(plain, entities)
    return plain


@pytest.fixture(scope="package")
def emu() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(TOKEN) as emulator:
        emulator.add_group(GROUP)
        yield emulator


@pytest.fixture(scope="package")
def bot(emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """One bot process for the hostile-input, fault and flood tests (each uses its own users)."""
    root = tmp_path_factory.mktemp("reliability")
    knowledge = make_knowledge(root / "knowledge")
    write_hostile_articles(knowledge)
    process = BotProcess(
        emu,
        root,
        CCHC_USER_RATE_LIMIT="8",
        CCHC_TELEGRAM_TIMEOUT_SECONDS="1.0",
        CCHC_SEND_RETRIES="4",
    )
    with process.running():
        yield process
