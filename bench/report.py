"""The machine description, the target checks and the results table (stdout and docs)."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import rapidfuzz

# Issue 5's targets at 100k facts, one core.
TARGET_FACTS = 100_000
TARGETS: dict[str, tuple[str, float]] = {
    "p99_ms": ("<=", 10.0),
    "speedup_mean": (">=", 20.0),
    "build_s": ("<=", 30.0),
    "rss_build_mb": ("<=", 400.0),
}


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


def _value(result: Mapping[str, Any], key: str) -> float:
    if key == "p99_ms":
        return float(result["ours_ms"]["p99"])
    return float(result[key])


def check_targets(result: Mapping[str, Any]) -> dict[str, dict[str, object]]:
    """Each target: the measured value, the limit and whether it is met."""
    out: dict[str, dict[str, object]] = {}
    for key, (op, limit) in TARGETS.items():
        value = _value(result, key)
        ok = value <= limit if op == "<=" else value >= limit
        out[key] = {"value": value, "target": f"{op} {limit:g}", "met": ok}
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
