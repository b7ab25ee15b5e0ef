"""The benchmark machinery end to end at a tiny size (seconds, not a timing test)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import template_files, write_corpus
from bench.peers import available
from bench.questions import KINDS, synthetic_questions
from tests.support.articles import REPO_ROOT, SEED_URL


def test_corpus_is_deterministic_and_near_the_size(tmp_path: Path) -> None:
    seed_only = template_files(None)
    a = write_corpus(tmp_path / "a", 300, seed=5, templates_from=seed_only)
    b = write_corpus(tmp_path / "b", 300, seed=5, templates_from=seed_only)
    assert a.files == b.files > 1
    for name in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert 300 <= a.facts < 400
    questions = synthetic_questions(a.sentences, 10, seed=1)
    assert [q.kind for q in questions] == [KINDS[i % len(KINDS)] for i in range(10)]
    assert all(q.q.strip() for q in questions)


@pytest.mark.slow
def test_bench_cli_writes_a_sane_report(tmp_path: Path) -> None:
    dev = tmp_path / "dev.jsonl"
    rows = [
        {"id": "d1", "q": "Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC của Chính phủ?", "url": SEED_URL,
         "expect": "Phạm Minh Chính", "kind": "who"},
        {"id": "d2", "q": "lich thi dau doi tuyen viet nam tuan nay", "url": None, "expect": None,
         "kind": "unanswerable"},
    ]  # fmt: skip
    dev.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    no_articles = tmp_path / "none"
    no_articles.mkdir()
    out = tmp_path / "bench.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", "200", "--questions", "10", "--repeats", "1", "--json", str(out),
         "--dev", str(dev), "--dev-articles", str(no_articles), "--no-pipeline"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "| facts |" in proc.stdout
    assert "how each cost grows" in proc.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"machine", "config", "results", "total_s", "pipeline"} <= report.keys()
    assert report["machine"]["python"] == sys.version.split()[0]
    (r,) = report["results"]
    assert r["size"] == 200
    assert 200 <= r["facts"] < 300
    assert r["dev_articles_loaded"] is True
    assert r["skipped"] == 0
    assert r["questions"] == 12
    assert r["dev_questions"] == 2
    for key in ("ours_ms", "naive_ms"):
        ms = r[key]
        assert 0 < ms["p50"] <= ms["p95"] <= ms["p99"] <= ms["max"]
    assert r["build_s"] > 0
    assert r["db_bytes"] > 0
    assert r["rss_imports_mb"] > 10
    assert r["rss_build_mb"] >= r["rss_imports_mb"]
    assert r["speedup_mean"] > 0
    assert r["cold_question"]["url"]  # the cold `ask` had to answer it the same way (bench.coldstart)
    assert r["cold_ask_s"] > 0
    assert r["cold_floor_s"] > 0
    assert len(r["cold_ask_runs_s"]) == 3
    assert r["cold_ask_rss_mb"] > 10
    for key in ("quality", "naive_quality"):
        q = r[key]
        assert q["questions"] == 2
        for metric in ("top1", "top3", "top1_or_copy", "declined", "false_decline"):
            assert 0.0 <= q[metric] <= 1.0
        assert q["top1"] <= q["top3"]
    assert r["naive_quality"]["declined"] == 0.0  # the naive scan never declines
    installed = available()  # the peer engines of the [bench] extra, when installed
    assert set(report["config"]["peers"]) == set(installed)
    for name in ("tantivy", "bm25s"):
        assert (f"peer {name}: not installed, skipped" in proc.stdout) is (name not in installed)
    if installed:
        assert "ours / peer" in proc.stdout
        assert set(r["peers"]) == set(r["peer_ratios"]) == set(installed)
        for p in r["peers"].values():
            assert p["facts"] > 0
            assert 0 < p["ms"]["p50"] <= p["ms"]["p99"]
            assert p["quality"]["declined"] == 0.0  # peers never decline
    else:
        assert "peers" not in r


@pytest.mark.slow
def test_bench_pipeline_runs_the_bot_against_the_emulator(tmp_path: Path) -> None:
    out = tmp_path / "pipeline.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--pipeline-only", "--users", "4", "--per-user", "3", "--pipeline-facts", "2000",
         "--json", str(out)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"bot pipeline \(2,\d{3} facts\): 12 questions from 4 users", proc.stdout), proc.stdout[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["results"] == []
    p = report["pipeline"]
    assert p["questions"] == 12
    assert 2000 <= p["facts"] < 3000  # generated articles beside the test ones
    assert p["qps"] > 0
    assert 0 < p["reply_ms"]["p50"] <= p["reply_ms"]["p99"]
    assert p["bot_cpu_ms_per_question"] >= 0  # /proc counts in 10 ms ticks
