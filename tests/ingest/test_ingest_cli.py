"""``cchc-bot ingest`` as a program (in process), and the terminal progress bars."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

from bot.cli import format_report
from bot.models import ReloadReport, SkippedFile, SourceReport
from bot.progress import TerminalProgress
from tests.support.cli import run_in_process
from tests.support.sites import FIXTURES


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bot *args`` in this process (:func:`~tests.support.cli.run_in_process`)."""
    return run_in_process(*args, env={}, cwd=cwd, text=True)


def test_cli_ingest_then_reload_rebuilds_the_same_index(tmp_path: Path, knowledge: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    targets = [str(FIXTURES / "page_chuyen_doi_so.html"), str(FIXTURES / "records.jsonl"), str(tmp_path / "nope.html")]
    done = _run("ingest", "--knowledge", str(knowledge), "--db", str(db), *targets, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "thêm mới 3, cập nhật 0, không đổi 0, bỏ qua 3" in out
    assert "dòng 2" in out
    assert "JSON không hợp lệ" in out
    assert "không có tệp hay thư mục này" in out
    assert "\x1b[" not in out  # not a terminal: no progress bars or colours
    sources = _run("sources", "--json", "--knowledge", str(knowledge), "--db", str(db), cwd=tmp_path)
    urls = sorted(json.loads(line)["url"] for line in sources.stdout.splitlines())
    assert len(urls) == 4
    # the folder alone gives the same articles to a fresh database
    again = _run("reload", "--knowledge", str(knowledge), "--db", str(tmp_path / "fresh.sqlite3"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    fresh = _run("sources", "--json", "--knowledge", str(knowledge), "--db", str(tmp_path / "fresh.sqlite3"),
                 cwd=tmp_path)  # fmt: skip
    assert sorted(json.loads(line)["url"] for line in fresh.stdout.splitlines()) == urls
    # reloading the first database again: everything unchanged
    same = _run("reload", "--knowledge", str(knowledge), "--db", str(db), cwd=tmp_path)
    assert "thêm mới 0, cập nhật 0, không đổi 4, gỡ bỏ 0" in same.stdout


def test_cli_ingest_of_nothing_usable_fails(tmp_path: Path, knowledge: Path) -> None:
    done = _run("ingest", "--knowledge", str(knowledge), "--db", str(tmp_path / "x.sqlite3"),
                str(FIXTURES / "binary_image.html"), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert "dữ liệu nhị phân" in done.stdout
    assert "lỗi: không thêm được bài viết nào" in done.stderr


def test_format_report_lists_changes_per_source() -> None:
    report = ReloadReport(
        knowledge_dir="k", loaded=["u1", "u2"], facts=9, added=["u1"], updated=["u2"], removed=["u0"],
        sources=[SourceReport(path="k/a.jsonl", added=["u1"], updated=["u2"],
                              skipped=[SkippedFile(path="k/a.jsonl", where="line 4", reason="invalid JSON: Expecting value at column 1")])],
        skipped=[SkippedFile(path="k/a.jsonl", where="line 4", reason="invalid JSON: Expecting value at column 1")],
    )  # fmt: skip
    text = format_report(report)
    assert "thêm mới 1, cập nhật 1, không đổi 0, gỡ bỏ 1" in text
    assert "k/a.jsonl: thêm mới 1, cập nhật 1, bỏ qua 1" in text
    assert "    + u1" in text
    assert "    ~ u2" in text
    assert "k/a.jsonl (dòng 4): JSON không hợp lệ: Expecting value tại cột 1" in text
    assert "Gỡ bỏ (1, không còn trong tệp nào):\n  - u0" in text  # under its own heading, not a file's


class _FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only() -> None:
    pipe = io.StringIO()
    with TerminalProgress(pipe) as progress:
        progress.update("Đọc tệp", 1, 2)
    assert not progress.enabled
    assert pipe.getvalue() == ""
    tty = _FakeTty()
    with TerminalProgress(tty) as progress:
        progress.update("Đọc tệp", 2, 2)
    assert progress.enabled
    assert "2/2" in tty.getvalue()
