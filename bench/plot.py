"""``python -m bench.plot RESULTS.json OUT.png``: how each cost grows with the number of facts.

Four small panels against facts (log-log, so a power law is a straight line and a linear cost
rises one decade per decade): build seconds; peak RSS (the build's and the cold `ask`'s);
answer time p50/p99 (and the naive scan's p50); `cchc-bot ask` cold start. The targets of
:data:`bench.report.TARGETS` are dashed lines, labelled with the size they apply at; the x axis
reaches that size even when it was not measured. Needs matplotlib (``pip install -e '.[bench]'``),
imported only here, with the Agg backend.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.report import TARGETS, Target, metric

# (title, y label, [(metric, legend label, marker)])
PANELS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Build (reload)", "seconds", (("build_s", "build", "o"),)),
    ("Peak RSS", "MB", (("rss_build_mb", "build", "o"), ("cold_ask_rss_mb", "cold ask", "s"))),
    (
        "Answer time (warm)",
        "ms",
        (("p50_ms", "p50", "o"), ("p99_ms", "p99", "^"), ("naive_p50_ms", "naive scan p50", "x")),
    ),
    (
        "cchc-bot ask cold start",
        "seconds",
        (("cold_ask_s", "spawn to exit, median", "o"), ("cold_floor_s", "start-up and imports only (ask --help)", ".")),
    ),
)


class MatplotlibMissing(RuntimeError):
    """matplotlib is not installed."""


def _facts_label(n: float) -> str:
    return f"{n / 1e6:g}M" if n >= 1e6 else f"{n / 1e3:g}k" if n >= 1e3 else f"{n:g}"


def _minor_label(value: float, ylim: tuple[float, float]) -> str:
    """Minor ticks are labelled only on an axis of less than about two decades (else they crowd), and on
    one of more than one decade only at 2, 3 and 5."""
    lo, hi = ylim
    if lo <= 0 or hi / lo > 80 or (hi / lo > 12 and f"{value:g}"[0] not in "1235"):
        return ""
    return f"{value:g}"


def series(results: Sequence[Mapping[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(facts, values) of the results that have ``key``, by size."""
    points = sorted((int(r["facts"]), metric(r, key)) for r in results)
    kept = [(f, v) for f, v in points if v is not None and v > 0]
    return [f for f, _ in kept], [v for _, v in kept]


def plot(results: Sequence[Mapping[str, Any]], out: Path, title: str | None = None) -> Path:
    """Draw the panels into ``out`` (PNG); raise :class:`MatplotlibMissing` without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FixedLocator, FuncFormatter
    except ImportError:
        raise MatplotlibMissing("matplotlib is not installed: pip install -e '.[bench]'") from None
    if not results:
        raise ValueError("no results to plot")
    facts = [int(r["facts"]) for r in results]
    targets: dict[str, list[Target]] = {}
    for t in TARGETS:
        targets.setdefault(t.key, []).append(t)
    x_hi = max([*facts, *(t.facts for t in TARGETS)])
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), layout="constrained")
    for ax, (name, unit, lines) in zip(axes.flat, PANELS, strict=True):
        drawn = False
        for key, label, marker in lines:
            xs, ys = series(results, key)
            if xs:
                ax.plot(xs, ys, marker=marker, label=label)
                drawn = True
            for target, color in zip(targets.get(key, []), ("tab:red", "tab:purple", "tab:brown"), strict=False):
                # A short dashed segment around the size the target applies at, with a tick on it.
                ax.plot([target.facts / 3, target.facts * 3], [target.limit, target.limit], linestyle="--",
                        linewidth=1, color=color,
                        label=f"target {target.op} {target.limit:g} at {_facts_label(target.facts)} facts")  # fmt: skip
                ax.plot([target.facts], [target.limit], marker="|", markersize=14, color=color)
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes, color="grey")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(min(facts) / 1.6, x_hi * 1.6)
        decades = [10**e for e in range(len(str(min(facts))) - 1, len(str(x_hi)))]
        ax.xaxis.set_major_locator(FixedLocator(decades))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _facts_label(v)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos, ax=ax: _minor_label(v, ax.get_ylim())))
        ax.set_title(name)
        ax.set_xlabel("facts")
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
        if drawn:
            ax.legend(fontsize="small")
    fig.suptitle(title or "How each cost grows with the knowledge base (one core)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def load_results(path: Path) -> list[dict[str, Any]]:
    """The per-size results of a ``python -m bench --json`` file (or a bare list of them)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    results: list[dict[str, Any]] = data["results"] if isinstance(data, dict) else data
    return results


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.plot", description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("results", type=Path, help="the JSON written by python -m bench --json")
    ap.add_argument("out", type=Path, help="the PNG to write")
    ap.add_argument("--title", help="the figure's title")
    args = ap.parse_args(argv)
    results = load_results(args.results)
    if not results:
        print(f"no per-size results in {args.results}")
        return 1
    try:
        plot(results, args.out, args.title)
    except MatplotlibMissing as exc:
        print(exc)
        return 1
    print(f"plot written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
