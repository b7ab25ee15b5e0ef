"""The bench's peer engines (bench/peers.py) on a handful of facts; skipped without ``.[bench]``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import peers
from bench.questions import Question, save
from bench.report import peer_ratios, peer_table, ratios

FACTS = [
    ["https://a.vn/1", "Thủ tướng Phạm Minh Chính chủ trì Phiên họp thứ bảy Ban Chỉ đạo cải cách hành chính."],
    ["https://a.vn/1", "Chỉ số hài lòng của người dân đạt 80,08%."],
    ["https://b.vn/2", 'Tỉnh Lào Cai số hóa 95% hồ sơ thủ tục hành chính (AND OR NOT: "quoted" [x] ~2 ^3).'],
    ["https://b.vn/3", "Hà Nội triển khai dịch vụ công trực tuyến toàn trình."],
]
QUESTIONS = [
    Question(
        "d1",
        "Ai chủ trì phiên họp thứ bảy ban chỉ đạo cải cách hành chính?",
        "who",
        "https://a.vn/1",
        "Phạm Minh Chính",
        dev=True,
    ),
    Question("d2", "lao cai so hoa bao nhieu ho so?", "no_diacritics", "https://b.vn/2", "số hóa 95%", dev=True),
    Question("s1", 'AND OR "unbalanced (quote ~ ^ : [ -', "exact"),  # query syntax must not fail
    Question("s2", "?!", "exact"),  # nothing left to search for
]


@pytest.mark.parametrize("engine", peers.ENGINES)
def test_peer_finds_the_facts_and_survives_query_syntax(engine: str, tmp_path: Path) -> None:
    pytest.importorskip(engine)
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(FACTS, ensure_ascii=False), encoding="utf-8")
    search = peers.BUILDERS[engine]([text for _, text in FACTS])
    assert search(QUESTIONS[0].q)[0] == 0
    assert search(QUESTIONS[1].q)[0] == 2  # folded: typed without diacritics
    assert len(search(QUESTIONS[2].q)) <= peers.TOP_K
    assert search(QUESTIONS[3].q) == []

    result = peers.measure(engine, facts, QUESTIONS, repeats=1)
    assert result["facts"] == len(FACTS)
    assert result["build_s"] >= 0
    assert result["rss_build_mb"] >= result["rss_imports_mb"] > 10
    assert 0 < result["ms"]["p50"] <= result["ms"]["p99"]
    assert result["quality"]["questions"] == 2
    assert result["quality"]["top1"] == 1.0
    assert result["quality"]["declined"] == 0.0  # peers never decline

    ours = {"facts": 4, "build_s": 1.0, "rss_build_mb": 60.0, "rss_imports_mb": 50.0,
            "ours_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0}, "ours_cpu_ms": {"p99": 3.0},
            "peers": {engine: result}}  # fmt: skip
    rat = ratios(ours, result)
    assert set(rat) == {"build_s", "rss_build_mb", "p50_ms", "p95_ms", "p99_ms"}
    assert engine in peer_table([ours])
    assert engine in peer_ratios([ours])


def test_peer_worker_cli_writes_its_result(tmp_path: Path) -> None:
    engines = peers.available()
    if not engines:
        pytest.skip("no peer engine installed (pip install -e '.[bench]')")
    (tmp_path / "facts.json").write_text(json.dumps(FACTS, ensure_ascii=False), encoding="utf-8")
    save(QUESTIONS, tmp_path / "q.json")
    out = tmp_path / "out.json"
    args = ["--engine", engines[0], "--facts", str(tmp_path / "facts.json"), "--questions", str(tmp_path / "q.json"),
            "--out", str(out), "--repeats", "1"]  # fmt: skip
    assert peers.main(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["engine"] == engines[0]
    assert result["quality"]["top1"] == 1.0
