"""The command line (``python -m bot``): reload, ask (text and --json), sources.

In process (``Cli.run``: :func:`bot.cli.main` with this test's environment, working directory and
standard streams), but for three end-to-end runs of a real process (``Cli.run_process``): settings
read from the environment in a fresh home, bytes that are not UTF-8 on a real standard input with
either output encoding, and the exit code of a usage error.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.articles import SEED_PATH, SEED_TITLE, SEED_URL
from tests.support.cli import Cli
from tests.support.corpus import ONE_STOP_URL, write_one_stop_article

RESULT_KEYS = {"text", "url", "title", "site", "published", "score"}


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(db=tmp_path / "cli.sqlite3", home=home)


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(SEED_PATH, folder / SEED_PATH.name)
    write_one_stop_article(folder)
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02 not text")
    return folder


@pytest.fixture
def built(cli: Cli, mixed_folder: Path) -> Cli:
    proc = cli.run("reload", "--knowledge", str(mixed_folder), "--db", str(cli.db))
    assert proc.returncode == 0, proc.stderr.decode()
    return cli


def test_reload_prints_loaded_and_skipped(cli: Cli, mixed_folder: Path) -> None:
    proc = cli.run("reload", "--knowledge", str(mixed_folder), "--db", str(cli.db))
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "Đã đọc 2 bài viết" in out
    assert SEED_URL in out
    assert ONE_STOP_URL in out
    assert "Bỏ qua 1 tệp hoặc phần tệp" in out
    assert re.search(r"broken\.txt: dữ liệu nhị phân", out)
    assert cli.db.is_file()


def test_reload_of_empty_folder_fails_with_clear_message(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = cli.run("reload", "--knowledge", str(empty), "--db", str(cli.db))
    assert proc.returncode != 0
    err = proc.stderr.decode()
    assert "lỗi: không nạp được bài viết nào từ" in err
    assert str(empty) in err
    assert "Traceback" not in err


def test_reload_of_missing_folder_fails_with_clear_message(cli: Cli, tmp_path: Path) -> None:
    proc = cli.run("reload", "--knowledge", str(tmp_path / "nope"), "--db", str(cli.db))
    assert proc.returncode != 0
    assert "không phải thư mục" in proc.stdout.decode()  # the report (stdout, as after a success)
    assert "lỗi:" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_failed_reload_keeps_the_old_index(built: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert built.run("reload", "--knowledge", str(empty), "--db", str(built.db)).returncode != 0
    proc = built.run("sources", "--json", "--db", str(built.db))
    assert {json.loads(line)["url"] for line in proc.stdout.decode().splitlines()} == {SEED_URL, ONE_STOP_URL}


def test_ask_json_one_object_per_stdin_line(built: Cli) -> None:
    lines = [
        "bao nhiêu phần trăm TTHC được cung cấp trực tuyến",
        "",
        "   ",
        "ai tiep nhan ho so dang ky kinh doanh ho ca the tai bo phan mot cua",
        'NEAR( "AND" * -',
        "x" * 10_000,
        "bitcoin price today",
        "\t",
        "Phiên họp thứ bảy diễn ra khi nào",
    ]
    stdin = ("\n".join(lines[:-1]) + "\r\n" + lines[-1]).encode()  # CRLF and no final newline too
    proc = built.run("ask", "--json", "--db", str(built.db), stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode("utf-8").splitlines()
    assert len(out) == len(lines)
    objects = [json.loads(line) for line in out]
    assert [o["question"] for o in objects] == lines
    for o in objects:
        assert (
            {"question", "answered", "results"} <= set(o) <= {"question", "answered", "results", "reason", "confidence"}
        )
        assert ("reason" in o) is (not o["answered"])
        assert isinstance(o["answered"], bool)
        assert (len(o["results"]) > 0) is o["answered"]
        scores = [r["score"] for r in o["results"]]
        assert scores == sorted(scores, reverse=True)
        for r in o["results"]:
            assert RESULT_KEYS <= set(r) <= RESULT_KEYS | {"context"}  # "context": a neighbour shown too
            assert isinstance(r["score"], float)
            assert datetime.fromisoformat(r["published"]).utcoffset() is not None
            assert unicodedata.is_normalized("NFC", r["text"])
    assert [o["answered"] for o in objects] == [True, False, False, True, False, False, False, False, True]
    assert "81% TTHC" in objects[0]["results"][0]["text"]
    assert objects[0]["results"][0]["url"] == SEED_URL
    assert objects[0]["results"][0]["title"] == SEED_TITLE
    assert objects[0]["results"][0]["site"] == "baokontum.com.vn"
    assert objects[0]["results"][0]["published"] == "2024-02-02T17:38:00+07:00"
    assert objects[3]["results"][0]["url"] == ONE_STOP_URL
    assert objects[3]["results"][0]["text"].startswith("Ông Lê Minh Tuấn")


def test_ask_json_single_question_argument(built: Cli) -> None:
    proc = built.run("ask", "--json", "--db", str(built.db), "--limit", "1", "TTHC", "trực", "tuyến")
    assert proc.returncode == 0, proc.stderr.decode()
    (line,) = proc.stdout.decode().splitlines()
    obj = json.loads(line)
    assert obj["question"] == "TTHC trực tuyến"
    assert obj["answered"] is True
    assert len(obj["results"]) == 1


def test_ask_json_survives_bytes_that_are_not_utf8(built: Cli) -> None:
    stdin = b"TTHC tr\xe1\xbb\xb1c tuy\xe1\xba\xbfn\n\xff\xfe h\xc3\n\x00\x01\nTTHC\n"
    for encoding in ("utf-8:strict", "utf-8:surrogateescape"):
        proc = built.run_process(
            "ask", "--json", "--db", str(built.db), stdin=stdin, env={"PYTHONIOENCODING": encoding}
        )
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        out = proc.stdout.decode("utf-8").splitlines()  # the output is valid UTF-8 JSON lines
        assert len(out) == 4
        objects = [json.loads(line) for line in out]
        assert objects[0]["question"] == "TTHC trực tuyến"
        assert objects[0]["answered"] is True
        assert objects[2]["answered"] is False
        assert objects[3]["answered"] is True


def test_ask_text_is_readable_with_citation(built: Cli) -> None:
    proc = built.run("ask", "--db", str(built.db), "Ai chủ trì Phiên họp thứ bảy?")
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert "Phạm Minh Chính" in out
    assert SEED_TITLE in out
    assert "baokontum.com.vn" in out
    assert "02/02/2024" in out
    assert SEED_URL in out
    assert "{" not in out  # not JSON


def test_ask_text_not_answered_lists_known_topics(built: Cli) -> None:
    proc = built.run("ask", "--db", str(built.db), "bitcoin price today")
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert "Chưa tìm thấy" in out
    assert SEED_TITLE in out
    assert "Đức Trọng nâng cao chất lượng phục vụ người dân" in out


def test_sources_lists_articles_newest_first(built: Cli) -> None:
    proc = built.run("sources", "--db", str(built.db))
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert out.index("20/04/2024") < out.index("02/02/2024")
    for expected in (SEED_TITLE, SEED_URL, ONE_STOP_URL):
        assert expected in out
    proc = built.run("sources", "--json", "--db", str(built.db))
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["url"] for r in rows] == [ONE_STOP_URL, SEED_URL]


def test_settings_from_environment(cli: Cli, mixed_folder: Path) -> None:
    env = {"CCHC_DB_PATH": str(cli.db), "CCHC_KNOWLEDGE_DIR": str(mixed_folder)}
    proc = cli.run_process("ask", "--json", "TTHC trực tuyến", env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["answered"] is True
    assert cli.db.is_file()  # built on first use
    proc = cli.run_process("sources", "--json", env=env)
    assert {json.loads(line)["url"] for line in proc.stdout.decode().splitlines()} == {SEED_URL, ONE_STOP_URL}


def test_bad_setting_is_a_usage_error(cli: Cli) -> None:
    proc = cli.run_process("sources", env={"CCHC_LOG_LEVEL": "LOUD"})
    assert proc.returncode == 2
    assert "log_level" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


# Help sentences of the English version of the command line; none may be left.
OLD_ENGLISH_HELP = (
    "answer a question", "the question; none: read stdin", "one JSON object per question", "results per question",
    "SQLite file (default", "knowledge folder (default", "rebuild the index", "list the articles",
    "add articles from files", "file, folder, feed file or URL", "run the Telegram bot", "exit 0 when",
    "show this help message", "usage:", "positional arguments", "options:",
)  # fmt: skip


@pytest.mark.parametrize("command", ["ask", "reload", "sources", "ingest", "run", "health", None])
def test_help_is_vietnamese(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as done:
        main([command, "--help"] if command else ["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("cách dùng: cchc-bot")
    assert "hiện hướng dẫn này rồi thoát" in text
    description = text.split("\n\n")[1]  # the command's own sentence, after the usage
    assert any(ch.isalpha() and not ch.isascii() for ch in description), description  # Vietnamese diacritics
    for english in OLD_ENGLISH_HELP:
        assert english not in text, english
    names = ("--db", "--knowledge") if command else ("ask", "reload", "ingest", "health")
    assert all(name in text for name in names)  # command and option names are unchanged


def test_usage_errors_are_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as done:
        main(["ask", "--limit", "0", "câu hỏi"])
    assert done.value.code == 2
    assert "cchc-bot ask: lỗi: đối số --limit: phải từ 1 trở lên, không được là 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["ingest"])
    assert "lỗi: thiếu đối số bắt buộc: TỆP_HOẶC_URL" in capsys.readouterr().err
