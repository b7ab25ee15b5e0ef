"""Issue 10, item 12: JSONL titles and authors kept NUL, ESC, BEL and right-to-left overrides,
and the CLI printed the escapes to the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from bot.formats.jsonl import parse_jsonl_text
from tests.support.cli import run_in_process

URL = "https://tintuc-thu.example.vn/jsonl.html"
RECORD = {
    "url": URL,
    "title": "Cổng dịch vụ công\x00\x1b[2J\x1b]0;pwned\x07 \u202etxt.exe\u202c trực tuyến",
    "site": "tintuc-thu.example.vn\x1b[31m",
    "published": "2024-03-15T08:30:00+07:00",
    "author": "\u202eNguyễn Văn A\x07",
    "paragraphs": ["Người dân nộp hồ sơ\x1b[5m trực tuyến qua cổng dịch vụ công.\x00"],
}
BAD = ("\x00", "\x1b", "\x07", "\u202e", "\u202c")


def test_jsonl_fields_are_cleaned() -> None:
    [article] = parse_jsonl_text(json.dumps(RECORD)).articles
    for text in (article.title, article.site, article.author or "", *article.paragraphs):
        assert not any(c in text for c in BAD), repr(text)
    assert article.title == "Cổng dịch vụ công [2J ]0;pwned txt.exe trực tuyến"
    assert article.author == "Nguyễn Văn A"


def test_the_cli_prints_no_terminal_escape(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "a.jsonl").write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    args = ["--knowledge", str(knowledge), "--db", str(tmp_path / "db.sqlite3")]
    reload = run_in_process("reload", *args, env=env, cwd=tmp_path)
    assert reload.returncode == 0, reload.stderr.decode()
    shown = run_in_process("sources", *args, env=env, cwd=tmp_path)
    out = shown.stdout.decode()
    assert "Cổng dịch vụ công" in out
    assert not any(c in out for c in BAD), repr(out)
