"""Issue 10, a newcomer's rough edges: clean errors without tracebacks, no silent surprises on the command line.

In process (:func:`~tests.support.cli.run_in_process`), but for a real process where only one shows
the point: ``run`` against an unreachable API (nothing left unclosed at exit) and ``ask`` on a terminal.
"""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from tests.support.articles import REPO_ROOT, SEED_PATH, SEED_QUESTION, seed_only, write_article
from tests.support.cli import bot_command, home_env, run_in_process, run_process


def bot(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot *args`` in this process, with ``tmp_path`` as home and working directory."""
    return run_in_process(*args, env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), **extra}, cwd=tmp_path,
                          text=True)  # fmt: skip


def bot_process(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """The same as a real process (what only a process shows: its exit, its warnings at exit)."""
    return run_process(*args, env=home_env(tmp_path, **extra), cwd=tmp_path, stdin=subprocess.DEVNULL, text=True)


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return seed_only(tmp_path / "knowledge")


def test_run_against_an_unreachable_api_is_one_clean_error(tmp_path: Path) -> None:
    result = bot_process(tmp_path, "run", CCHC_BOT_TOKEN="1:abc", CCHC_BOT_API_URL="http://127.0.0.1:9",
                         CCHC_DB_PATH=str(tmp_path / "db.sqlite3"), CCHC_SEND_RETRIES="0")  # fmt: skip
    assert result.returncode == 1
    assert "lỗi: không khởi động được bot" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Unclosed" not in result.stderr
    assert len(result.stderr.splitlines()) < 10


def test_ask_with_a_folder_as_database_is_a_clean_error(tmp_path: Path, seed: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = bot(tmp_path, "ask", "--db", str(folder), "--knowledge", str(seed), SEED_QUESTION)
    assert result.returncode == 1
    assert "đây là một thư mục" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("limit", ["0", "-1", "x"])
def test_a_bad_limit_is_refused(tmp_path: Path, limit: str) -> None:
    result = bot(tmp_path, "ask", "--limit", limit, SEED_QUESTION)
    assert result.returncode == 2
    assert "--limit" in result.stderr


def test_a_failed_first_reload_leaves_no_empty_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    db = tmp_path / "data" / "bot.sqlite3"
    result = bot(tmp_path, "reload", "--knowledge", str(empty), "--db", str(db))
    assert result.returncode == 1
    assert not db.exists()
    assert "Thư mục kiến thức:" in result.stdout  # the report where a successful one goes
    assert result.stderr.startswith("lỗi:")


def test_knowledge_of_another_folder_is_not_silently_ignored(tmp_path: Path, seed: Path) -> None:
    db = tmp_path / "db.sqlite3"
    assert bot(tmp_path, "reload", "--knowledge", str(seed), "--db", str(db)).returncode == 0
    same = bot(tmp_path, "sources", "--knowledge", str(seed), "--db", str(db))
    assert "lưu ý:" not in same.stderr
    other = tmp_path / "other"
    write_article(other, "a.txt", title="Bài khác", url="https://tintuc-thu.example.vn/khac.html",
                  paragraphs=["Một bài viết khác về dịch vụ công."])  # fmt: skip
    for command in (("sources",), ("ask", SEED_QUESTION)):
        result = bot(tmp_path, *command, "--knowledge", str(other), "--db", str(db))
        assert result.returncode == 0
        assert f"lưu ý: câu trả lời lấy từ chỉ mục trong {db}" in result.stderr
        assert f"cchc-bot reload --knowledge {other}" in result.stderr


def test_ask_on_a_terminal_says_what_it_waits_for(tmp_path: Path, seed: Path) -> None:
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(bot_command("ask", "--knowledge", str(seed), "--db", str(tmp_path / "db.sqlite3")),
                                env=home_env(tmp_path), cwd=tmp_path, stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        os.close(slave)
        os.write(master, f"{SEED_QUESTION}\n".encode() + b"\x04")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert "Ctrl-D" in err
    assert "Phạm Minh" in out


def test_a_failed_reload_reports_nothing_removed(tmp_path: Path, seed: Path) -> None:
    db = tmp_path / "db.sqlite3"
    assert bot(tmp_path, "reload", "--knowledge", str(seed), "--db", str(db)).returncode == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.txt").write_text("không phải bài viết", encoding="utf-8")
    result = bot(tmp_path, "reload", "--knowledge", str(broken), "--db", str(db))
    assert result.returncode == 1
    assert "gỡ bỏ" not in result.stdout.lower()
    assert "Không có gì thay đổi: chỉ mục cũ vẫn đang được dùng." in result.stdout
    assert "bad.txt" in result.stdout


def test_ingest_without_knowledge_writes_beside_the_database_not_into_the_package(tmp_path: Path) -> None:
    bundled = REPO_ROOT / "knowledge"
    before = sorted(p.name for p in bundled.iterdir())
    db = tmp_path / "data" / "bot.sqlite3"
    source = tmp_path / "moi.txt"
    write_article(tmp_path, "moi.txt", title="Bài mới về chữ ký số", url="https://tintuc-thu.example.vn/moi.html",
                  paragraphs=["Xã Tân Phú cấp miễn phí chữ ký số cho người dân nộp hồ sơ trực tuyến."])  # fmt: skip
    result = bot(tmp_path, "ingest", str(source), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in bundled.iterdir()) == before  # nothing written into the package's folder
    folder = db.parent / "knowledge"
    assert (folder / SEED_PATH.name).is_file()  # made from the bundled articles...
    assert any(p.name.startswith("web_") for p in folder.iterdir())  # ...plus the new one
    answer = bot(tmp_path, "ask", "--db", str(db), "Tân Phú cấp chữ ký số")
    assert "Tân Phú" in answer.stdout
    sources = bot(tmp_path, "sources", "--json", "--db", str(db))
    assert len(sources.stdout.splitlines()) == 2  # the bundled seed and the ingested article
