"""The Vietnamese admins and users see for the bot's English reasons and errors (bot.reasons_vi).

The English texts are produced by the real code paths wherever that is cheap, so a reworded
English reason that the table no longer knows fails here instead of reaching admins in English.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.formats import ParseError, loader
from bot.formats.encoding import EncodingError, decode_bytes
from bot.formats.feeds import Feed
from bot.formats.jsonl import parse_jsonl_text
from bot.formats.limits import MAX_ARTICLE_CHARS, article_problem
from bot.formats.seed import parse_article_text
from bot.models import Article, ReloadReport, SkippedFile
from bot.reasons_vi import skipped_label, skipped_reason, vi
from bot.service import ReloadError, build_from_folder
from bot.storage import classify
from bot.telegram.render import html_to_text, reload_error_html, reload_html
from bot.web.fetch import FetchError, FetchPolicy, address_problem, check_url


def _looks_vietnamese(text: str) -> bool:
    """Whether ``text`` has a Vietnamese letter (a letter outside ASCII: diacritics, đ)."""
    return any(ch.isalpha() and not ch.isascii() for ch in text)


def _parse_error(text: str) -> str:
    with pytest.raises(ParseError) as caught:
        parse_article_text(text)
    return str(caught.value)


def _encoding_error(raw: bytes) -> str:
    with pytest.raises(EncodingError) as caught:
        decode_bytes(raw)
    return str(caught.value)


def _fetch_refusal(address: str) -> str:
    async def resolver(host: str, port: int) -> list[str]:
        return [address]

    with pytest.raises(FetchError) as caught:
        asyncio.run(check_url("http://tin.example.vn/a.htm", FetchPolicy(), resolver))
    return caught.value.reason


def _feed_problem() -> str:
    problem = Feed(items=[], ignored=5).problem(100)
    assert problem is not None
    assert problem[0] == "items 101-105"
    return problem[1]


def _article(body: str) -> Article:
    return Article(url="https://tin.example.vn/a.htm", title="Tiêu đề", site="tin.example.vn",
                   published=datetime(2024, 5, 1, tzinfo=UTC), paragraphs=(body,))  # fmt: skip


def test_real_reasons_become_vietnamese_with_their_variable_parts_kept(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 64)
    cases: list[tuple[str, str]] = [
        (_parse_error("Tiêu đề\n\nkhông có gì khác"), 'không có dòng "Nguồn bài viết:" kèm địa chỉ bài viết'),
        (_encoding_error(b"\x00\x01 abc"), "dữ liệu nhị phân (có byte NUL, không có BOM UTF-16), không phải văn bản"),
        (_encoding_error(b""), "tệp rỗng"),
        (address_problem("127.0.0.1") or "", "127.0.0.1, một địa chỉ loopback (chính máy này)"),
        (
            _fetch_refusal("10.1.2.3"),
            "từ chối: tin.example.vn trỏ tới 10.1.2.3, một địa chỉ mạng nội bộ"
            " (đặt CCHC_ALLOW_PRIVATE_URLS=true để cho phép)",
        ),
        (
            _fetch_refusal("2002:7f00:1::"),  # 6to4 around a loopback address: a nested reason
            "từ chối: tin.example.vn trỏ tới 2002:7f00:1::, bên trong là 127.0.0.1, một địa chỉ loopback (chính máy"
            " này) (đặt CCHC_ALLOW_PRIVATE_URLS=true để cho phép)",
        ),
        (
            article_problem(_article("chữ " * (MAX_ARTICLE_CHARS // 4 + 10))) or "",
            f"bài viết quá dài: {len('Tiêu đề') + 4 * (MAX_ARTICLE_CHARS // 4 + 10):,} ký tự"
            f" (giới hạn {MAX_ARTICLE_CHARS:,})",
        ),
        (_feed_problem(), "5 mục vượt giới hạn 100 mục cho một nguồn tin"),
        (
            parse_jsonl_text("{oops\n").problems[0][1],
            "JSON không hợp lệ: Expecting property name enclosed in double quotes tại cột 2",
        ),
        (
            str(classify(Path("/d/bot.sqlite3"), _busy_error(), 0.5)),
            "cơ sở dữ liệu /d/bot.sqlite3 đang bị một tiến trình khác khoá (đã chờ 0.5 giây):"
            " hãy dừng bot hoặc lệnh nạp lại khác đang dùng nó rồi thử lại",
        ),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "MAX_FILE_BYTES", 10)
        cases.append((loader.file_problem(big) or "", "tệp quá lớn: 64 byte (giới hạn 10)"))
    for english, vietnamese in cases:
        assert vi(english) == vietnamese, english


def _busy_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorname = "SQLITE_BUSY"
    return error


def test_a_failed_reload_says_why_in_vietnamese(tmp_path: Path) -> None:
    with pytest.raises(ReloadError) as caught:
        build_from_folder(tmp_path)
    assert str(caught.value) == f"no article could be loaded from {tmp_path}"  # what the log says
    assert vi(str(caught.value)) == f"không nạp được bài viết nào từ {tmp_path}"


def test_skipped_parts_and_duplicates_read_in_vietnamese() -> None:
    part = SkippedFile(path="k/tin.jsonl", where="line 4", reason="unknown field(s) foo")
    assert skipped_label(part) == "k/tin.jsonl (dòng 4)"
    assert skipped_reason(part) == "trường không xác định: foo"
    item = SkippedFile(path="k/tin.xml", where="item 2 (https://tin.example.vn/b.htm)", reason="item has no date")
    assert skipped_label(item) == "k/tin.xml (mục 2 (https://tin.example.vn/b.htm))"
    assert skipped_reason(item) == "mục không có ngày đăng"
    note = "https://tin.example.vn/a.htm: k/old.txt is newer; k/new.txt ignored"
    assert vi(note) == "https://tin.example.vn/a.htm: k/old.txt mới hơn; bỏ qua k/new.txt"


def test_unknown_text_is_shown_unchanged() -> None:
    assert vi("something the table does not know") == "something the table does not know"
    assert vi("") == ""


def test_the_telegram_reload_reports_show_vietnamese_reasons() -> None:
    report = ReloadReport(
        knowledge_dir="k", loaded=["https://tin.example.vn/a.htm"], facts=3,
        skipped=[SkippedFile(path="k/anh.png", reason="unsupported file type .png")],
        replaced=["https://tin.example.vn/a.htm: same content as https://tin.example.vn/b.htm; k/b.txt ignored"],
    )  # fmt: skip
    text = html_to_text(reload_html(report))
    assert "k/anh.png: loại tệp không được hỗ trợ: .png" in text
    assert "cùng nội dung với https://tin.example.vn/b.htm; bỏ qua k/b.txt" in text
    assert "unsupported" not in text
    assert "ignored" not in text
    failed = html_to_text(reload_error_html("no article could be loaded from k", None))
    assert "không nạp được bài viết nào từ k" in failed
    assert _looks_vietnamese(failed)


# One English text per rule, as the code writes it; each must be translated by its own rule (no rule
# is shadowed by an earlier one, none is left without a text that reaches it).
SAMPLES = (
    "line 3", "item 2 (https://t.vn/b)", "items 101-150",
    "https://t.vn/rss item 2 (https://t.vn/b), summary only: page HTTP 404 Not Found",
    "/k/tin.xml item 2 (https://t.vn/b)",
    "cannot read: Permission denied", "cannot parse: ValueError: x", "cannot write /k/a.txt: No space left on device",
    "folder nested more than 32 deep: not read", "broken symbolic link: not followed",
    "symbolic link to outside the knowledge folder: not followed", "symbolic link to a folder: not followed",
    "file too large: 30,000,000 bytes (limit 20,000,000)", "not a folder", "no such file or folder",
    "unsupported file type (none)", "unsupported file type .png",
    "https://t.vn/a: /k/b.txt (published 02/05/2024 10:00) replaces /k/a.txt (published 01/05/2024 10:00)",
    "https://t.vn/a: /k/a.txt is newer; /k/b.txt ignored", "https://t.vn/a: same content as https://t.vn/b; /k/b.txt ignored",
    "article too large: 250,000 characters (limit 200,000)", "article too large: 2,000 sentences (limit 1,500)",
    "only http and https URLs can be ingested, not 'ftp'", "https://t.vn/a also in /k/a.html, which is newer or fuller",
    "text from https://x.vn/a is not stored as https://t.vn/a, an article of another site",
    "https://t.vn/a is already known, published 2024-05-01 10:00; it is replaced only by a version published later",
    "same content as https://t.vn/b (https://t.vn/a)", "the time limit of 300 s for one ingest was reached",
    "the limit of 200 articles written by one ingest was reached",
    "only http and https URLs are fetched, not 'a relative URL'", "only http and https URLs are fetched, not 'ftp'",
    "no host in the URL", "URLs with a user name or password are not fetched", "bad port",
    "cannot resolve t.vn: [Errno -2] Name or service not known", "t.vn has no address",
    "refused: t.vn resolves to 10.0.0.1 is a private address (set CCHC_ALLOW_PRIVATE_URLS=true to allow)",
    "::ffff:127.0.0.1 wraps 127.0.0.1 is a loopback address", "192.0.0.8 is a IETF protocol assignment address",
    "fec0::1 is a site-local address", "127.0.0.1 is a loopback address", "0.0.0.0 is a unspecified address",
    "169.254.0.1 is a link-local address", "224.0.0.1 is a multicast address", "10.0.0.1 is a private address",
    "240.0.0.1 is a reserved address", "100.64.0.1 is not a public address", "x is not an IP address",
    "redirect loop (back to https://t.vn/a)", "redirect (302) without a Location", "too many redirects (more than 5)",
    "HTTP 404 Not Found", "unexpected content type image/png (wanted text/html)",
    "too large (6000000 bytes, limit 5000000)", "too large (more than 5000000 bytes)",
    "too large (more than 5000000 bytes once decoded)", "more than 5000000 bytes once decoded",
    "cannot decode the body: bad gzip data: invalid stored block lengths", "3 content encodings (at most 2)",
    "unsupported content encoding 'br'", "bad gzip data: incorrect header check", "truncated deflate data",
    "timed out after 15 s", "request failed: ConnectError: refused",
    "empty file", "file too large (30000000 bytes, limit 20000000)", "binary file (NUL bytes), not text",
    "binary data (control characters), not text", "binary data (NUL bytes, and no UTF-16 byte-order mark), not text",
    "UTF-16 byte-order mark but invalid utf-16 data at offset 5",
    "truncated UTF-8 text (ends in the middle of a character)",
    "not UTF-8 (invalid byte 0xff at offset 3), no byte-order mark, and not recognisable Windows-1258 Vietnamese",
    "not UTF-8 text (invalid byte at offset 3)",
    "no text", 'no "Nguồn bài viết:" line with the article URL',
    "no valid http(s) URL after 'Nguồn bài viết:' (found 'abc')",
    "no site line (a domain such as baokontum.com.vn) after the title", "no date line",
    "bad date line 'hôm qua' (expected dd/mm/yyyy HH:MM)", "bad date '31/02/2024': day is out of range for month",
    "empty body", "no body text", "no usable title",
    "cannot tell the site: neither '?' nor the URL host is a domain name",
    "the normal form does not read back: no date line", "the normal form does not read back identically",
    "no http(s) URL for the article (no canonical link, and no address it came from)", "no title",
    "no article text found in the page", "no publication date in the page",
    "the page nests elements more than 512 deep", "not a valid RSS/Atom feed: syntax error", "the feed has no items",
    "5 items past the limit of 100 per feed", "item has no http(s) link", "item has no title", "item has no date",
    "item has no summary to use as text", "invalid JSON: Expecting value at column 1", "not a JSON object",
    "published: not an ISO date 'hôm qua'", "unknown field(s) foo", "title: String should have at least 1 character",
    "invalid url: Input should be a valid URL",
    "no article could be loaded from /k", "abbreviations/glossary file is invalid: bad TOML",
    "could not store the new index: disk I/O error", "database /d/b.sqlite3 is read-only: the index cannot be rebuilt",
    "database /d/b.sqlite3 is locked by another process (waited 5 s): stop the other bot or reload using it, then"
    " try again",
    "database /d/b.sqlite3 is corrupted and cannot be moved aside: Permission denied",
    "database /d/b.sqlite3 is corrupted: file is not a database",
    "database /d/b.sqlite3 is read-only and holds no index: make it writable or set CCHC_DB_PATH to a writable"
    " place, so the index can be built from the knowledge folder",
    "database /d/b.sqlite3 is read-only and needs a schema upgrade (3)",
    "database /d/b.sqlite3 is read-only and cannot be opened", "database /d/b.sqlite3 is read-only: attempt to write",
    "database /d/b.sqlite3 is read-only", "database /d/b.sqlite3 is unusable: disk I/O error",
    "cannot open database /d: it is a folder; give the path of a file (a new one is created)",
    "cannot open or create database /d/b.sqlite3: the folder /d is not writable",
    "cannot open or create database /d/b.sqlite3: unable to open database file",
    "database /d/b.sqlite3 does not exist", "the database holds no article",
    "no heartbeat: the bot is not running (yet)", "last heartbeat 300 s ago: the bot is stuck or stopped",
    "Value error, CCHC_ADMIN_IDS must be comma-separated Telegram user ids",
    "Value error, CCHC_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL",
)  # fmt: skip


def test_every_rule_has_a_text_that_reaches_it() -> None:
    from bot.reasons_vi import _RULES

    first_rule = []
    for sample in SAMPLES:
        hits = [i for i, (pattern, _) in enumerate(_RULES) if pattern.fullmatch(sample)]
        assert hits, f"no rule for {sample!r}"
        first_rule.append(hits[0])
        assert _looks_vietnamese(vi(sample)), sample
    assert sorted(first_rule) == list(range(len(_RULES)))
