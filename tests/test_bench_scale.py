"""The bench's scaling outputs: growth per 10x, the targets by size, the plot and the cold-start runner."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench import coldstart
from bench.plot import MatplotlibMissing, load_results, plot, series
from bench.report import TARGETS, check_targets, growth_per_10x, growth_table, metric, result_at, table
from bot.service import SearchService
from tests.support.articles import REPO_ROOT


def result(facts: int, scale: float, **extra: Any) -> dict[str, Any]:
    """A per-size result as bench.worker writes it, each cost ``scale`` times a base."""
    return {
        "facts": facts, "articles": facts // 17, "build_s": 0.3 * scale, "db_bytes": int(1.5 * 2**20 * scale),
        "rss_build_mb": 60.0 * scale, "speedup_mean": 30.0,
        "ours_ms": {"p50": 2.0, "p95": 3.0, "p99": 4.0 * scale, "mean": 2.2, "max": 5.0 * scale},
        "ours_cpu_ms": {"p99": 4.0 * scale},
        "naive_ms": {"p50": 3.0 * scale, "p95": 3.5 * scale, "p99": 4.0 * scale, "mean": 3.0, "max": 5.0},
        **extra,
    }  # fmt: skip


def test_growth_per_10x_is_the_log_log_slope_as_a_factor() -> None:
    assert growth_per_10x(1_000, 1.0, 10_000, 10.0) == pytest.approx(10.0)  # linear
    assert growth_per_10x(1_000, 1.0, 100_000, 100.0) == pytest.approx(10.0)  # linear over two decades
    assert growth_per_10x(1_000, 2.0, 100_000, 8.0) == pytest.approx(2.0)  # x4 over 100x: x2 per 10x
    assert growth_per_10x(1_000, 5.0, 10_000, 5.0) == pytest.approx(1.0)  # flat
    assert growth_per_10x(1_000, 1.0, 1_000_000, 1e6) == pytest.approx(100.0)  # quadratic
    assert growth_per_10x(1_000, 0.0, 10_000, 1.0) is None
    assert growth_per_10x(1_000, 1.0, 1_000, 2.0) is None


def test_growth_table_has_a_row_per_size_and_the_overall_growth() -> None:
    rows = [result(10_000, 10.0, cold_ask_s=1.2), result(1_000, 1.0, cold_ask_s=1.0)]
    text = growth_table(rows).splitlines()
    assert text[0].split("|")[1].strip() == "facts"
    assert "cold ask s" in text[0]
    assert "cold ask RSS MB" not in text[0]  # no result has it: left out
    first, second, overall = text[2:]
    assert first.split("|")[1].strip() == "1000"  # sorted by size
    assert "(x" not in first
    assert "0.30" in first
    assert "3.00 (x10.0)" in second  # build: linear
    assert "1.20 (x1.2)" in second  # cold ask: x1.2 over one decade
    assert overall.split("|")[1].strip() == "per 10x, 1000 to 10000"
    assert "x10.0" in overall
    assert "x1.0" in overall  # p50 is flat


def test_growth_table_marks_a_cost_one_size_lacks() -> None:
    text = growth_table([result(1_000, 1.0), result(10_000, 10.0, cold_ask_s=1.2)])
    first, second, overall = text.splitlines()[2:]
    assert first.split("|")[-2].strip() != "-"  # naive p50 is the last column
    cold = text.splitlines()[0].split("|").index(" cold ask s ")
    assert first.split("|")[cold].strip() == "-"
    assert second.split("|")[cold].strip() == "1.20"  # nothing to grow from
    assert overall.split("|")[cold].strip() == "-"


def test_metric_reads_nested_and_missing_costs() -> None:
    r = result(1_000, 1.0)
    assert metric(r, "p99_ms") == 4.0
    assert metric(r, "naive_p50_ms") == 3.0
    assert metric(r, "db_mb") == pytest.approx(1.5)
    assert metric(r, "cold_ask_s") is None
    assert metric({**r, "cold_ask_s": 0.9}, "cold_ask_s") == 0.9
    assert metric({**r, "cold_ask_s": 0.9}, "cold_db_s") is None
    assert metric({**r, "cold_ask_s": 0.9, "cold_floor_s": 0.6}, "cold_db_s") == pytest.approx(0.3)


def test_targets_are_checked_at_their_own_size() -> None:
    added = {"add_one_ms": {"p50": 300.0}}
    results = [result(1_009, 1.0), result(100_000, 100.0, cold_ask_s=9.0),
               result(1_000_000, 1000.0, cold_ask_s=1.4, **added)]  # fmt: skip
    assert result_at(results, 100_000) is results[1]
    assert result_at(results, 1_000_000) is results[2]
    checked = check_targets(results)
    assert set(checked) == {t.name for t in TARGETS}
    assert checked["p99_ms@100000"]["facts"] == 100_000  # not the 1M result
    assert checked["p99_ms@100000"]["value"] == 400.0
    assert checked["p99_ms@100000"]["met"] is False
    assert checked["p99_ms@1000000"]["value"] == 4000.0
    assert checked["speedup_mean@100000"]["met"] is True
    assert checked["add_one_p50_ms@1000000"]["met"] is True
    assert checked["cold_ask_s@1000000"] == {"value": 1.4, "target": "<= 1.5", "target_facts": 1_000_000,
                                             "facts": 1_000_000, "met": True}  # fmt: skip


def test_targets_apply_only_where_measured() -> None:
    assert check_targets([result(1_000, 1.0), result(10_000, 10.0, cold_ask_s=1.0)]) == {}
    checked = check_targets([result(99_000, 5.0)])  # within 5% of 100k; no cold start measured
    assert set(checked) == {"p99_ms@100000", "speedup_mean@100000", "build_s@100000", "rss_build_mb@100000"}
    missed = check_targets([result(1_000_000, 1.0, cold_ask_s=1.6)])
    assert missed["cold_ask_s@1000000"]["met"] is False
    assert missed["p99_ms@100000"]["facts"] == 1_000_000  # no 100k run: checked on the next size up


def test_results_table_shows_the_cold_start_or_a_dash() -> None:
    text = table([result(1_000, 1.0), result(10_000, 10.0, cold_ask_s=1.234, cold_ask_rss_mb=80.4)])
    head, _, first, second = text.splitlines()
    col = head.split("|").index(" cold ask s ")
    assert first.split("|")[col].strip() == "-"
    assert second.split("|")[col].strip() == "1.23"
    assert second.split("|")[col + 1].strip() == "80"


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    results = [result(1_000, 1.0, cold_ask_s=1.0, cold_floor_s=0.9, cold_ask_rss_mb=70.0),
               result(10_000, 9.0, cold_ask_s=1.1, cold_floor_s=0.9, cold_ask_rss_mb=90.0),
               result(100_000, 80.0)]  # fmt: skip
    out = plot(results, tmp_path / "sub" / "scale.png")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000
    assert series(results, "cold_ask_s") == ([1_000, 10_000], [1.0, 1.1])  # the 100k result has none


def test_plot_cli_reads_the_bench_json(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from bench.plot import main

    report = tmp_path / "b.json"
    report.write_text('{"results": [' + ",".join(str(result(n, n / 1000)).replace("'", '"') for n in (1000, 10000))
                      + "]}", encoding="utf-8")  # fmt: skip
    assert [r["facts"] for r in load_results(report)] == [1000, 10000]
    assert main([str(report), str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 0


def test_plot_says_when_matplotlib_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(MatplotlibMissing, match=r"pip install -e '\.\[bench\]'"):
        plot([result(1_000, 1.0)], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_cold_start_child_gets_only_its_own_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("CCHC_DB_PATH", "/elsewhere.sqlite3")
    env = coldstart.child_env(tmp_path / "kb.sqlite3", tmp_path / "knowledge", tmp_path / "scratch")
    assert {k for k in env if k.startswith("CCHC_")} == {"CCHC_DB_PATH", "CCHC_KNOWLEDGE_DIR"}
    assert env["CCHC_DB_PATH"] == str(tmp_path / "kb.sqlite3")
    assert env["HOME"] == str(tmp_path / "scratch")  # a default database would land there, and be caught
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(REPO_ROOT)


def test_cold_start_refuses_a_missing_or_empty_database(tmp_path: Path) -> None:
    with pytest.raises(coldstart.ColdStartError, match="no database"):
        coldstart.measure(tmp_path / "none.sqlite3", tmp_path, "câu hỏi", runs=1)
    sqlite3.connect(tmp_path / "empty.sqlite3").close()
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    with pytest.raises(coldstart.ColdStartError, match="holds no index"):
        coldstart.measure(tmp_path / "empty.sqlite3", tmp_path, "câu hỏi", runs=1)


def test_cold_start_answer_checks() -> None:
    ok = {"answered": True, "results": [{"url": "https://a.vn/1"}]}
    coldstart.check_answer(ok, "https://a.vn/1")
    coldstart.check_answer(ok, None)
    with pytest.raises(coldstart.ColdStartError, match="did not answer"):
        coldstart.check_answer({"answered": False, "reason": "no_knowledge", "results": []}, None)
    with pytest.raises(coldstart.ColdStartError, match="first result"):
        coldstart.check_answer(ok, "https://b.vn/2")


@pytest.mark.slow
def test_cold_start_answers_from_the_built_database(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    db = tmp_path / "kb.sqlite3"

    async def build() -> str:
        svc = await SearchService.open(db, knowledge, build_if_empty=False)
        await svc.reload()
        answer = await svc.ask("Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC của Chính phủ?")
        await svc.close()
        assert answer.answered
        return answer.results[0].url

    url = asyncio.run(build())
    gen = coldstart.generation(db)
    out = coldstart.measure(db, knowledge, "Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC của Chính phủ?", 1, url)
    assert out["cold_ask_s"] > 0  # no timing comparison: the machine may be busy
    assert out["cold_floor_s"] > 0
    assert len(out["cold_ask_runs_s"]) == 1
    assert out["cold_ask_rss_mb"] > 10
    assert coldstart.generation(db) == gen
    with pytest.raises(coldstart.ColdStartError, match="first result"):
        coldstart.measure(db, knowledge, "Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC của Chính phủ?", 1, "https://x")
