"""Articles full of markup and javascript: links, and the checks that a reply is valid Telegram HTML with our tags only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devtools.emulator import Call
from devtools.telegram_html import check_text, utf16_len
from tests.support.articles import write_article

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
