"""Topic matching (issue 13): quality on the topics set, the refit, and ``cchc-bot match``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench import fit_topics
from bench.topics import load_topics, score, topic_snapshot
from bot import cli
from tests.support.articles import SEED_PATH
from tests.support.news import NEWS_ARTICLES, NEWS_MATCHING, NEWS_TOPIC, write_news_articles

MODEL = Path(fit_topics.__file__).resolve().parents[1] / "bot" / "search" / "topic_model.json"


def test_topic_matching_precision_and_recall_on_the_topics_set() -> None:
    topics = load_topics()
    assert len(topics) >= 40
    assert {t.kind for t in topics} >= {"diacritics", "nodiac", "abbrev", "typo", "none"}
    found = score(topic_snapshot(), topics)
    assert found.precision >= 0.9, found.wrong
    assert found.recall >= 0.9, found.wrong
    none = found.by_kind["none"]
    assert none[1] <= 1  # topics no article is about: (almost) never a push


def test_the_shipped_topic_model_is_the_refit_and_reports_cross_validated_figures(tmp_path: Path) -> None:
    out = tmp_path / "topic_model.json"
    assert fit_topics.main(["--out", str(out)]) == 0
    assert out.read_bytes() == MODEL.read_bytes()
    info = json.loads(MODEL.read_text(encoding="utf-8"))["info"]
    assert info["cross_validated"]["precision"] >= 0.9
    assert info["cross_validated"]["recall"] >= 0.9


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(SEED_PATH, knowledge / SEED_PATH.name)
    for key in ("CCHC_BOT_TOKEN", "CCHC_ADMIN_IDS"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CCHC_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("CCHC_DB_PATH", str(tmp_path / "db.sqlite3"))
    return knowledge


def test_cli_match_shows_which_articles_a_topic_would_push(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incoming = tmp_path / "incoming"
    urls = write_news_articles(incoming)
    before = sorted(p.name for p in cli_env.iterdir())
    assert cli.main(["match", "--topic", NEWS_TOPIC, "--json", str(incoming)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["url"]: r["matched"] for r in rows} == {u: name in NEWS_MATCHING for name, u in urls.items()}
    for r in rows:
        assert (r["sentence"] is not None) == r["matched"]
        assert r["topics"] == ([NEWS_TOPIC] if r["matched"] else [])
    assert sorted(p.name for p in cli_env.iterdir()) == before  # nothing written
    assert not (tmp_path / "db.sqlite3").exists()
    assert cli.main(["match", "--topic", "chữ ký số", str(incoming / "yen_bai_thi_dua.txt")]) == 0
    out = capsys.readouterr().out
    assert "✘ không khớp" in out
    assert str(NEWS_ARTICLES["yen_bai_thi_dua.txt"]["title"]) in out
    assert "0/1 bài" in out


def test_cli_match_refuses_a_bad_topic_or_nothing_to_read(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["match", "--topic", "   ", str(tmp_path)]) == 2
    assert "chưa ghi chủ đề" in capsys.readouterr().err
    assert cli.main(["match", "--topic", "PAR INDEX", str(tmp_path / "none.txt")]) == 1
    assert "không đọc được bài viết nào" in capsys.readouterr().err
