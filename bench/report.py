"""The machine description, the target checks and the results table (stdout and docs)."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import rapidfuzz


@dataclass(frozen=True)
class Target:
    """A limit on one cost, checked at one knowledge size (``facts``)."""

    key: str  # a name of :func:`metric`
    op: str  # "<=" or ">="
    limit: float
    facts: int

    @property
    def name(self) -> str:
        """How the target is listed: its cost and the size it applies at (``p99_ms@100000``)."""
        return f"{self.key}@{self.facts}"


# Issue 5's targets at 100k facts, and the cold start of `cchc-bot ask` at 1M; one core.
TARGETS: tuple[Target, ...] = (
    Target("p99_ms", "<=", 5.0, 100_000),
    Target("speedup_mean", ">=", 20.0, 100_000),
    Target("build_s", "<=", 15.0, 100_000),
    Target("rss_build_mb", "<=", 400.0, 100_000),
    Target("build_s", "<=", 120.0, 1_000_000),
    Target("add_one_p50_ms", "<=", 1000.0, 1_000_000),
    Target("rss_build_mb", "<=", 1024.0, 1_000_000),
    Target("p50_ms", "<=", 3.0, 1_000_000),
    Target("p99_ms", "<=", 10.0, 1_000_000),
    Target("cold_ask_s", "<=", 1.5, 1_000_000),
)


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, object]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "numpy": np.__version__,
        "rapidfuzz": rapidfuzz.__version__,
    }


def metric(result: Mapping[str, Any], key: str) -> float | None:
    """One cost of one size's result, by name; None when that result does not have it (an older run)."""
    if key in {"p50_ms", "p95_ms", "p99_ms"}:
        return float(result["ours_ms"][key.removesuffix("_ms")])
    if key in {"naive_p50_ms", "naive_p99_ms"}:
        naive = result.get("naive_ms")
        return float(naive[key.removeprefix("naive_").removesuffix("_ms")]) if naive else None
    if key == "cold_db_s":  # what the database adds to a cold `ask`: beyond start-up and imports
        ask, floor = result.get("cold_ask_s"), result.get("cold_floor_s")
        return None if ask is None or floor is None else float(ask) - float(floor)
    if key == "db_mb":
        return float(result["db_bytes"]) / 2**20
    if key in {"add_one_p50_ms", "add_one_max_ms"}:
        added = result.get("add_one_ms")
        return float(added[key.removeprefix("add_one_").removesuffix("_ms")]) if added else None
    value = result.get(key)
    return None if value is None else float(value)


def result_at(results: Sequence[Mapping[str, Any]], facts: int) -> Mapping[str, Any] | None:
    """The result a target at ``facts`` is checked on: the smallest size of at least 95% of it."""
    near = [r for r in results if r["facts"] >= facts * 0.95]
    return min(near, key=lambda r: int(r["facts"])) if near else None


def check_targets(results: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, object]]:
    """Each target whose size was measured: the value, the limit, the size measured and whether it is met."""
    out: dict[str, dict[str, object]] = {}
    for t in TARGETS:
        result = result_at(results, t.facts)
        value = None if result is None else metric(result, t.key)
        if result is None or value is None:
            continue
        ok = value <= t.limit if t.op == "<=" else value >= t.limit
        out[t.name] = {"value": round(value, 3), "target": f"{t.op} {t.limit:g}", "target_facts": t.facts,
                      "facts": result["facts"], "met": ok}  # fmt: skip
    return out


COLUMNS: tuple[tuple[str, str], ...] = (
    ("facts", "facts"),
    ("articles", "articles"),
    ("build s", "build_s"),
    ("DB MB", "db_mb"),
    ("peak RSS MB", "rss_build_mb"),
    ("p50 ms", "ours_p50"),
    ("p95 ms", "ours_p95"),
    ("p99 ms", "ours_p99"),
    ("p99 CPU ms", "ours_cpu_p99"),
    ("cold ask s", "cold_ask_s"),
    ("cold ask RSS MB", "cold_ask_rss_mb"),
    ("add one ms", "add_one_p50"),
    ("naive p50 ms", "naive_p50"),
    ("naive p99 ms", "naive_p99"),
    ("speed-up", "speedup_mean"),
    ("top1", "top1"),
    ("top3", "top3"),
    ("top1 or copy", "top1_or_copy"),
    ("declined", "declined"),
    ("naive top1", "naive_top1"),
    ("naive top1 or copy", "naive_top1_or_copy"),
)


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def row(result: Mapping[str, Any]) -> dict[str, object]:
    q = result.get("quality") or {}
    nq = result.get("naive_quality") or {}
    return {
        "facts": result["facts"],
        "articles": result["articles"],
        "build_s": f"{result['build_s']:.2f}",
        "db_mb": f"{result['db_bytes'] / 2**20:.1f}",
        "rss_build_mb": f"{result['rss_build_mb']:.0f}",
        "ours_p50": f"{result['ours_ms']['p50']:.2f}",
        "ours_p95": f"{result['ours_ms']['p95']:.2f}",
        "ours_p99": f"{result['ours_ms']['p99']:.2f}",
        "ours_cpu_p99": f"{result['ours_cpu_ms']['p99']:.2f}",
        "cold_ask_s": _fmt(result.get("cold_ask_s"), 2),
        "cold_ask_rss_mb": _fmt(result.get("cold_ask_rss_mb"), 0),
        "add_one_p50": _fmt(metric(result, "add_one_p50_ms"), 0),
        "naive_p50": f"{result['naive_ms']['p50']:.1f}",
        "naive_p99": f"{result['naive_ms']['p99']:.1f}",
        "speedup_mean": f"{result['speedup_mean']:.1f}x",
        "top1": q.get("top1", "-"),
        "top3": q.get("top3", "-"),
        "top1_or_copy": q.get("top1_or_copy", "-"),
        "declined": q.get("declined", "-"),
        "naive_top1": nq.get("top1", "-"),
        "naive_top1_or_copy": nq.get("top1_or_copy", "-"),
    }


def table(results: Sequence[Mapping[str, Any]]) -> str:
    """A Markdown table (readable on a terminal too)."""
    return markdown([title for title, _ in COLUMNS], [[str(row(r)[key]) for _, key in COLUMNS] for r in results])


def markdown(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Right-aligned Markdown table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["| " + " | ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"]  # fmt: skip
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


PEER_COLUMNS: tuple[str, ...] = ("facts", "engine", "build s", "RSS after imports MB", "peak RSS MB", "p50 ms",
                                 "p95 ms", "p99 ms", "p99 CPU ms", "top1", "top3", "top1 or copy")  # fmt: skip


def _peer_row(facts: object, engine: str, r: Mapping[str, Any], ms: Mapping[str, float],
              cpu_ms: Mapping[str, float], quality: Mapping[str, Any] | None) -> list[str]:  # fmt: skip
    q = quality or {}
    return [str(facts), engine, f"{r['build_s']:.2f}", f"{r['rss_imports_mb']:.0f}", f"{r['rss_build_mb']:.0f}",
            f"{ms['p50']:.2f}", f"{ms['p95']:.2f}", f"{ms['p99']:.2f}", f"{cpu_ms['p99']:.2f}",
            str(q.get("top1", "-")), str(q.get("top3", "-")), str(q.get("top1_or_copy", "-"))]  # fmt: skip


def peer_table(results: Sequence[Mapping[str, Any]]) -> str:
    """Ours and each peer per size: build, peak RSS, latency, top1/top3 on the dev questions."""
    rows: list[list[str]] = []
    for r in results:
        rows.append(_peer_row(r["facts"], "ours", r, r["ours_ms"], r["ours_cpu_ms"], r.get("quality")))
        for name, p in (r.get("peers") or {}).items():
            rows.append(_peer_row(r["facts"], f"{name} {p.get('version', '')}".strip(), p, p["ms"], p["cpu_ms"],
                                  p.get("quality")))  # fmt: skip
    return markdown(PEER_COLUMNS, rows)


def ratios(result: Mapping[str, Any], peer: Mapping[str, Any]) -> dict[str, float | None]:
    """Ours / peer for build seconds, peak RSS and the latency percentiles (None where the peer's is 0)."""
    pairs = {
        "build_s": (result["build_s"], peer["build_s"]),
        "rss_build_mb": (result["rss_build_mb"], peer["rss_build_mb"]),
        **{f"{k}_ms": (result["ours_ms"][k], peer["ms"][k]) for k in ("p50", "p95", "p99")},
    }
    return {key: round(float(a) / float(b), 3) if b else None for key, (a, b) in pairs.items()}


def peer_ratios(results: Sequence[Mapping[str, Any]]) -> str:
    head = ["facts", "peer", "build", "peak RSS", "p50", "p95", "p99"]
    rows: list[list[str]] = []
    for r in results:
        for name, p in (r.get("peers") or {}).items():
            rat = ratios(r, p)
            rows.append([str(r["facts"]), name,
                         *("-" if rat[k] is None else f"{rat[k]:.2f}" for k in
                           ("build_s", "rss_build_mb", "p50_ms", "p95_ms", "p99_ms"))])  # fmt: skip
    return markdown(head, rows)


# The costs of the growth table and the plot: (heading, metric name).
GROWTH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("build s", "build_s"),
    ("DB MB", "db_mb"),
    ("peak RSS MB", "rss_build_mb"),
    ("p50 ms", "p50_ms"),
    ("p99 ms", "p99_ms"),
    ("cold ask s", "cold_ask_s"),
    ("of it past start-up s", "cold_db_s"),
    ("cold ask RSS MB", "cold_ask_rss_mb"),
    ("naive p50 ms", "naive_p50_ms"),
)


def growth_per_10x(facts0: float, value0: float, facts1: float, value1: float) -> float | None:
    """How many times the value grows per 10x more facts between two sizes (10: linear, 1: flat).

    The slope of the log-log line through the two points, as a factor: ``(v1/v0) ** (1/log10(f1/f0))``.
    None when a value is not positive or the sizes are the same.
    """
    if value0 <= 0 or value1 <= 0 or facts0 <= 0 or facts1 <= 0 or facts0 == facts1:
        return None
    return float((value1 / value0) ** (1 / math.log10(facts1 / facts0)))


def _num(value: float) -> str:
    """A cost with about three significant digits."""
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def growth_table(results: Sequence[Mapping[str, Any]]) -> str:
    """Rows = sizes, columns = costs, each with its growth per 10x facts from the size above ("x10.0" is
    linear); the last row is the growth per 10x over the whole range. Costs no result has are left out."""
    ordered = sorted(results, key=lambda r: int(r["facts"]))
    columns = [(head, key) for head, key in GROWTH_COLUMNS if any(metric(r, key) is not None for r in ordered)]
    rows: list[list[str]] = []
    for i, r in enumerate(ordered):
        cells = [str(r["facts"])]
        for _, key in columns:
            value = metric(r, key)
            if value is None:
                cells.append("-")
                continue
            prev = metric(ordered[i - 1], key) if i else None
            g = None if prev is None else growth_per_10x(ordered[i - 1]["facts"], prev, r["facts"], value)
            cells.append(_num(value) + ("" if g is None else f" (x{g:.1f})"))
        rows.append(cells)
    if len(ordered) > 1:
        first, last = ordered[0], ordered[-1]
        overall = [f"per 10x, {first['facts']} to {last['facts']}"]
        for _, key in columns:
            v0, v1 = metric(first, key), metric(last, key)
            g = None if v0 is None or v1 is None else growth_per_10x(first["facts"], v0, last["facts"], v1)
            overall.append("-" if g is None else f"x{g:.1f}")
        rows.append(overall)
    return markdown(["facts", *(head for head, _ in columns)], rows)
