"""The ``cchc-bot`` command line: ask, reload, sources (and run, for Telegram)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from bot.config import Settings
from bot.fetch import make_client
from bot.ingest import IngestReport, ingest_and_reload
from bot.knowledge_dir import ensure_knowledge_dir
from bot.models import ReloadReport
from bot.progress import TerminalProgress
from bot.render import answer_text
from bot.service import ReloadError, SearchService
from bot.storage import StorageError

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, help="SQLite file (default: $CCHC_DB_PATH or the user data folder)")
    p.add_argument("--knowledge", type=Path, help="knowledge folder (default: $CCHC_KNOWLEDGE_DIR or the bundled one)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cchc-bot", description="Hỏi đáp tin tức cải cách hành chính (CCHC), có trích dẫn nguồn."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question (or questions from stdin, one per line)")
    ask.add_argument("question", nargs="*", help="the question; none: read stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--limit", type=positive_int, default=3, help="results per question (at least 1; default 3)")
    _common(ask)
    reload = sub.add_parser("reload", help="rebuild the index from the knowledge folder")
    _common(reload)
    sources = sub.add_parser("sources", help="list the articles in the knowledge base")
    sources.add_argument("--json", action="store_true")
    _common(sources)
    ingest = sub.add_parser(
        "ingest", help="add articles from files, folders, feeds or http(s) URLs to the knowledge folder, then reload"
    )
    ingest.add_argument("targets", nargs="+", metavar="PATH_OR_URL", help="file, folder, feed file or URL")
    _common(ingest)
    run = sub.add_parser("run", help="run the Telegram bot (needs CCHC_BOT_TOKEN)")
    _common(run)
    health = sub.add_parser("health", help="exit 0 when the running bot is alive and its database usable")
    _common(health)
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "db", None):
        overrides["db_path"] = args.db
    if getattr(args, "knowledge", None):
        overrides["knowledge_dir"] = args.knowledge
    return Settings(**overrides)  # type: ignore[arg-type]


def format_report(report: ReloadReport, limit: int = 50, *, failed: bool = False) -> str:
    """The reload report; ``failed``: the new index was not swapped in, so nothing was added or removed."""
    lines = [
        f"Knowledge folder: {report.knowledge_dir}",
        f"Loaded {len(report.loaded)} article(s), {report.facts} facts in {report.seconds:.2f} s.",
        "Nothing changed: the previous index keeps serving."
        if failed
        else f"Compared with the previous index: {len(report.added)} added, {len(report.updated)} updated,"
        f" {len(report.unchanged)} unchanged, {len(report.removed)} removed.",
    ]
    changed = [s for s in report.sources if s.added or s.updated or s.duplicates or s.skipped]
    if changed:
        lines.append("Per source:")
    for source in changed[:limit]:
        counts = [f"{len(v)} {k}" for k, v in (("added", source.added), ("updated", source.updated),
                  ("unchanged", source.unchanged), ("duplicate", source.duplicates),
                  ("skipped", source.skipped)) if v]  # fmt: skip
        lines.append(f"  {source.path}: {', '.join(counts)}")
        lines.extend(f"    + {url}" for url in source.added[:limit])
        lines.extend(f"    ~ {url}" for url in source.updated[:limit])
    if len(changed) > limit:
        lines.append(f"  … and {len(changed) - limit} more source(s)")
    if report.removed and not failed:
        lines.append(f"Removed ({len(report.removed)}, no longer in any file):")
        lines.extend(f"  - {url}" for url in report.removed[:limit])
    if report.replaced:
        lines.append(f"Duplicates ({len(report.replaced)}):")
        lines.extend(f"  = {note}" for note in report.replaced[:limit])
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} file(s) or part(s):")
        lines.extend(f"  - {s.label}: {s.reason}" for s in report.skipped[:limit])
    return "\n".join(lines)


def format_ingest_report(report: IngestReport, limit: int = 50) -> str:
    lines = [f"Ingested into {report.knowledge_dir}: {len(report.added)} added, {len(report.updated)} updated,"
             f" {len(report.unchanged)} unchanged, {len(report.skipped)} skipped."]  # fmt: skip
    for target in report.targets:
        lines.append(f"  {target.target}:")
        lines.extend(f"    + {url}" for url in target.added[:limit])
        lines.extend(f"    ~ {url}" for url in target.updated[:limit])
        lines.extend(f"    = {url} (unchanged)" for url in target.unchanged[:limit])
        lines.extend(f"    - {s.label}: {s.reason}" for s in target.skipped[:limit])
    return "\n".join(lines)


def read_questions(stream: BinaryIO) -> list[str]:
    """One question per input line; bytes that are not UTF-8 become U+FFFD instead of crashing."""
    return [raw.decode("utf-8", errors="replace").rstrip("\r\n") for raw in stream]


def other_folder_note(service: SearchService, knowledge: Path | None) -> str | None:
    """A note when ``--knowledge`` names a folder the existing index was not built from (it is not rebuilt)."""
    if knowledge is None:
        return None
    folder = knowledge.resolve()
    rows = service.sources()
    if rows and all(Path(row.source).resolve().is_relative_to(folder) for row in rows):
        return None
    return (
        f"note: answering from the index in {service.db.path}, which was not built from {knowledge}; "
        f"to use that folder, run: cchc-bot reload --knowledge {knowledge}"
    )


async def _ask(settings: Settings, args: argparse.Namespace) -> int:
    service = await SearchService.open(
        settings.db_path, settings.knowledge_dir, busy_timeout=settings.db_busy_timeout_seconds
    )
    try:
        if (note := other_folder_note(service, args.knowledge)) is not None:
            print(note, file=sys.stderr)
        questions = [" ".join(args.question)] if args.question else None
        if questions is None:
            if sys.stdin.isatty():
                print("Nhập câu hỏi, mỗi dòng một câu; kết thúc bằng Ctrl-D.", file=sys.stderr)
            questions = read_questions(sys.stdin.buffer)
        for q in questions:
            answer = await service.ask(q, limit=args.limit)
            if args.json:
                print(json.dumps(answer.to_json_dict(), ensure_ascii=False), flush=True)
            else:
                print(answer_text(answer))
                if len(questions) > 1:
                    print()
    finally:
        await service.close()
    return EXIT_OK


def _remove_database(path: Path) -> None:
    """Remove a database this command created (and its WAL files) after it could not be filled."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        path.with_name(name).unlink(missing_ok=True)


async def _reload(settings: Settings) -> int:
    existed = settings.db_path.exists()
    service = await SearchService.open(
        settings.db_path, settings.knowledge_dir, build_if_empty=False, busy_timeout=settings.db_busy_timeout_seconds
    )
    failure: ReloadError | None = None
    try:
        with TerminalProgress() as progress:
            report = await service.reload(settings.knowledge_dir, progress=progress.files)
    except ReloadError as exc:
        failure = exc
    finally:
        await service.close()
    if failure is not None:
        if not existed:  # a failed first reload leaves no empty database behind
            _remove_database(settings.db_path)
        if failure.report is not None:
            print(format_report(failure.report, failed=True))  # on stdout, as after a success; the error on stderr
        print(f"error: {failure}", file=sys.stderr)
        return EXIT_FAIL
    print(format_report(report))
    print(f"Index written to {settings.db_path}")
    return EXIT_OK


async def _ingest(settings: Settings, targets: Sequence[str]) -> int:
    service = await SearchService.open(
        settings.db_path, settings.knowledge_dir, build_if_empty=False, busy_timeout=settings.db_busy_timeout_seconds
    )
    try:
        async with make_client(settings) as client:
            with TerminalProgress() as progress:
                report = await ingest_and_reload(
                    service, targets, client, settings, progress=progress.update, always_reload=True
                )
    finally:
        await service.close()
    print(format_ingest_report(report))
    if report.reload is not None:
        print(format_report(report.reload, failed=report.reload_error is not None))
    if report.reload_error:
        print(f"error: {report.reload_error} (the previous index is kept)", file=sys.stderr)
        return EXIT_FAIL
    print(f"Index written to {settings.db_path}")
    if not (report.added or report.updated or report.unchanged):
        print("error: nothing could be ingested", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


async def _sources(settings: Settings, as_json: bool, knowledge: Path | None) -> int:
    service = await SearchService.open(
        settings.db_path, settings.knowledge_dir, busy_timeout=settings.db_busy_timeout_seconds
    )
    try:
        if (note := other_folder_note(service, knowledge)) is not None:
            print(note, file=sys.stderr)
        rows = service.sources()
    finally:
        await service.close()
    for a in rows:
        if as_json:
            print(json.dumps({"url": a.url, "title": a.title, "site": a.site, "published": a.published.isoformat()},
                             ensure_ascii=False))  # fmt: skip
        else:
            print(f"{a.published:%d/%m/%Y}  {a.title} — {a.site}\n            {a.url}")
    if not rows and not as_json:
        print("Chưa có bài viết nào.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args)
    except ValidationError as exc:
        print(f"error: invalid settings: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}", file=sys.stderr)
        return EXIT_USAGE
    if args.command in {"ask", "reload", "sources", "ingest", "run"}:
        try:
            ensure_knowledge_dir(settings)
        except OSError as exc:
            print(f"error: cannot create the knowledge folder {settings.knowledge_dir}: {exc}", file=sys.stderr)
            return EXIT_FAIL
    try:
        if args.command == "ask":
            return asyncio.run(_ask(settings, args))
        if args.command == "reload":
            return asyncio.run(_reload(settings))
        if args.command == "ingest":
            return asyncio.run(_ingest(settings, args.targets))
        if args.command == "sources":
            return asyncio.run(_sources(settings, args.json, args.knowledge))
        if args.command == "run":
            from bot.telegram.app import run_bot

            return run_bot(settings)
        if args.command == "health":
            from bot.telegram.health import problems

            found = problems(settings)
            print("; ".join(found) if found else "ok", file=sys.stderr if found else sys.stdout)
            return EXIT_FAIL if found else EXIT_OK
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except ReloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `cchc-bot sources | head`
        sys.stderr.close()
        return EXIT_OK
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
