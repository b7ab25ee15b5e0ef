"""``python -m bench [--sizes 1000,10000,100000] [--json FILE]``: run every size, print the table.

Per size: write the synthetic knowledge folder and the question list here, then measure in
a fresh ``python -m bench.worker`` process (pinned to one core), so one size's memory and
caches never leak into the next.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import peers as peer_engines
from bench import pipeline
from bench.corpus import DEV_DIR, template_files, write_corpus
from bench.questions import load_dev, save, synthetic_questions
from bench.report import check_targets, growth_table, machine_info, peer_ratios, peer_table, ratios, table

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shown(path: Path) -> str:
    """``path`` as the report shows it: relative to the repository when inside it (no machine path)."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(path)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be comma-separated integers, got {text!r}") from None
    if not sizes or any(n < 50 for n in sizes):
        raise argparse.ArgumentTypeError("every size must be at least 50 facts")
    return sizes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--sizes", type=_sizes, default=[1000, 10_000, 100_000], help="facts per knowledge base")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--questions", type=int, default=80, help="synthetic questions (the dev questions come on top)")
    ap.add_argument("--repeats", type=int, default=5, help="timed passes over the questions (after one warm-up)")
    ap.add_argument("--seed", type=int, default=20240202, help="random seed of the corpus and the questions")
    ap.add_argument(
        "--dev", type=Path, default=DEV_DIR / "questions.jsonl", help="dev questions (JSONL); skipped if absent"
    )
    ap.add_argument("--dev-articles", type=Path, default=DEV_DIR / "articles", help="dev articles folder")
    ap.add_argument("--workdir", type=Path, help="keep the generated folders here instead of a temp dir")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds allowed per size")
    ap.add_argument(
        "--naive-questions",
        type=int,
        default=25,
        help="the naive scan is timed on about this many questions at the sizes of --naive-sample-from",
    )
    ap.add_argument("--naive-sample-from", type=int, default=500_000,
                    help="from this many facts on, time the naive scan on a sample of the questions (it takes "
                         "seconds a question)")  # fmt: skip
    ap.add_argument(
        "--pipeline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure end-to-end throughput through python -m bot run and the Bot API emulator",
    )
    ap.add_argument(
        "--peers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the peer engines that are installed (tantivy, bm25s: pip install -e '.[bench]')",
    )
    ap.add_argument(
        "--cold-runs",
        type=int,
        default=3,
        help="fresh `python -m bot ask` processes per size on the built database (the median is reported; 0: none)",
    )
    ap.add_argument("--plot", type=Path, help="also draw the scaling plot (PNG) here (needs matplotlib: '.[bench]')")
    ap.add_argument("--pipeline-only", action="store_true", help="only the end-to-end pipeline (no sizes)")
    ap.add_argument("--users", type=int, default=50, help="pipeline: concurrent simulated users")
    ap.add_argument("--per-user", type=int, default=20, help="pipeline: questions per user (timed round)")
    ap.add_argument("--pipeline-facts", type=int, default=0,
                    help="pipeline: generated articles up to about this many facts beside the test articles")  # fmt: skip
    ap.add_argument("--pipeline-seconds", type=float, default=60, help="pipeline: time bound of the timed round")
    return ap.parse_args(argv)


def run_peer(engine: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One peer engine on one size's facts and questions, in a fresh process pinned to one core."""
    out = folder / f"peer_{engine}.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "RAYON_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.peers", "--engine", engine, "--facts", str(folder / "facts.json"),
         "--questions", str(folder / "questions.json"), "--out", str(out), "--repeats", str(args.repeats)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=args.timeout, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"peer {engine} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def run_cold_start(folder: Path, question: Mapping[str, str] | None, args: argparse.Namespace) -> dict[str, Any]:
    """``cchc-bot ask`` cold start on the database the worker built (bench.coldstart, a fresh small process)."""
    if question is None:
        raise RuntimeError(f"cold start in {folder}: the worker answered none of the questions")
    out = folder / "cold.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.coldstart", "--db", str(folder / "kb.sqlite3"), "--knowledge",
         str(folder / "knowledge"), "--question", question["q"], "--expect-url", question["url"],
         "--runs", str(args.cold_runs), "--out", str(out)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=args.timeout, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"cold start failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def run_size(n_facts: int, args: argparse.Namespace, work: Path, peers: Sequence[str] = ()) -> dict[str, Any]:
    folder = work / f"kb_{n_facts}"
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    corpus = write_corpus(folder / "knowledge", n_facts, seed=args.seed,
                          templates_from=template_files(args.dev_articles))  # fmt: skip
    generate_s = time.perf_counter() - t0
    questions = synthetic_questions(corpus.sentences, args.questions, seed=args.seed + 1)
    corpus.sentences.clear()  # not needed while the worker measures (26 MB at 100k facts, so ~250 MB at 1M)
    if args.dev is not None and args.dev.is_file():
        questions += load_dev(args.dev)
    save(questions, folder / "questions.json")
    out = folder / "result.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.worker", "--knowledge", str(folder / "knowledge"), "--db",
         str(folder / "kb.sqlite3"), "--questions", str(folder / "questions.json"), "--out", str(out),
         "--repeats", str(args.repeats), *(["--facts-out", str(folder / "facts.json")] if peers else []),
         "--naive-questions", str(args.naive_questions if n_facts >= args.naive_sample_from else 0)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=args.timeout, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"worker for {n_facts} facts failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    loaded = set(result.pop("loaded_urls", []))
    if args.cold_runs > 0:
        result.update(run_cold_start(folder, result.get("cold_question"), args))
    if peers:
        result["peers"] = {engine: run_peer(engine, folder, args) for engine in peers}
        result["peer_ratios"] = {engine: ratios(result, p) for engine, p in result["peers"].items()}
    return {
        "size": n_facts,
        "files": corpus.files,
        "generate_s": round(generate_s, 2),
        "questions": len(questions),
        "dev_questions": sum(q.dev for q in questions),
        "dev_articles_loaded": all(u in loaded for u in corpus.dev_urls),
        **result,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = machine_info()
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, "
          f"SQLite {machine['sqlite']}; measuring on 1 core", flush=True)  # fmt: skip
    installed = peer_engines.available()
    peers = installed if args.peers and not args.pipeline_only else []
    if args.peers and not args.pipeline_only:
        for engine in peer_engines.ENGINES:
            if engine not in installed:
                print(f"peer {engine}: not installed, skipped (pip install -e '.[bench]')", flush=True)
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in [] if args.pipeline_only else args.sizes:
            print(f"- {n} facts ...", end=" ", flush=True)
            t0 = time.perf_counter()
            result = run_size(n, args, work, peers)
            results.append(result)
            cold = f", cold ask {result['cold_ask_s']:.2f} s" if "cold_ask_s" in result else ""
            print(f"done in {time.perf_counter() - t0:.0f} s (build {result['build_s']:.1f} s, "
                  f"p99 {result['ours_ms']['p99']:.2f} ms, {result['speedup_mean']:.1f}x the naive scan{cold})",
                  flush=True)  # fmt: skip
    if results:
        print()
        print(table(results))
        print("\nhow each cost grows (in brackets: the growth per 10x facts from the size above; x10 is linear):")
        print(growth_table(results))
    if results and peers:
        print(
            "\npeers on the same facts and questions (top 3 as returned: no re-ranking, no declines;"
            " tantivy: default tokenizer on the text and a diacritic-folded copy; bm25s: the bot's tokens):"
        )
        print(peer_table(results))
        print("\nours / peer (below 1: ours is smaller or faster):")
        print(peer_ratios(results))
    report: dict[str, Any] = {
        "machine": machine,
        "config": {
            "sizes": args.sizes,
            "synthetic_questions": args.questions,
            "repeats": args.repeats,
            "seed": args.seed,
            "dev": _shown(args.dev) if args.dev and args.dev.is_file() else None,
            "peers": {engine: peer_engines.version(engine) for engine in peers},
        },
        "results": results,
        "total_s": round(time.perf_counter() - started, 1),
        "pipeline": None,
    }
    targets = check_targets(results)
    if targets:
        report["targets"] = targets
        print("\ntargets (one core):")
        for key, t in targets.items():
            print(f"  {key:22} {t['value']:>9} at {t['facts']} facts (target {t['target']} at {t['target_facts']})"
                  f" {'met' if t['met'] else 'MISSED'}")  # fmt: skip
    if args.pipeline or args.pipeline_only:
        print(f"\n- bot pipeline: {args.users} users x {args.per_user} questions ...", flush=True)
        report["pipeline"] = pipeline.run(users=args.users, per_user=args.per_user,
                                          max_seconds=args.pipeline_seconds, seed=args.seed,
                                          facts=args.pipeline_facts)  # fmt: skip
        print(pipeline.summary(report["pipeline"]))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nresults written to {args.json}")
    if args.plot and results:
        from bench.plot import MatplotlibMissing, plot

        try:
            plot(results, args.plot)
        except MatplotlibMissing as exc:
            print(f"no plot: {exc}", file=sys.stderr)
            return 1
        print(f"plot written to {args.plot}")
    return 0
