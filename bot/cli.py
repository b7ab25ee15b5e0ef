"""The ``cchc-bot`` command line: ask, reload, sources (and run, for Telegram).

Everything it prints for people (help, reports, errors) is Vietnamese; English reasons and errors
from the rest of the bot are translated by :mod:`bot.reasons_vi`. ``--json`` output is a machine
contract and keeps its English keys and reason codes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from pydantic import ValidationError

from bot.allocator import keep_freed_memory
from bot.config import Settings
from bot.knowledge_dir import ensure_knowledge_dir
from bot.messages import TOPIC_PROBLEMS
from bot.models import IngestReport, ReloadReport
from bot.reasons_vi import skipped_label, skipped_reason, vi
from bot.render import answer_text
from bot.service import ReloadError, SearchService
from bot.storage import DatabaseCorrupt, StorageError, classify

if TYPE_CHECKING:  # fetching, feeds, news and progress bars load when a command needs them: `ask` starts fast
    from bot.news import TrialMatch

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"không phải số nguyên: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"phải từ 1 trở lên, không được là {value}")
    return value


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's layout with a Vietnamese "usage:" line."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "cách dùng: " if prefix is None else prefix)


# argparse's own error messages (English) and their Vietnamese form.
_ARGPARSE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), template)
    for pattern, template in (
        (r"the following arguments are required: (?P<names>.+)", "thiếu đối số bắt buộc: {names}"),
        (r"unrecognized arguments: (?P<names>.+)", "đối số không nhận ra: {names}"),
        (r"argument (?P<arg>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)",
         "đối số {arg}: lựa chọn không có: {value} (chọn một trong {choices})"),
        (r"argument (?P<arg>\S+): expected one argument", "đối số {arg}: cần đúng một giá trị"),
        (r"argument (?P<arg>\S+): invalid (?P<type>\S+) value: (?P<value>.+)",
         "đối số {arg}: giá trị không hợp lệ: {value}"),
        (r"argument (?P<arg>\S+): (?P<message>.+)", "đối số {arg}: {message}"),
    )
)  # fmt: skip


def argparse_error_vi(message: str) -> str:
    """An argparse error message in Vietnamese (unknown ones unchanged)."""
    for pattern, template in _ARGPARSE_ERRORS:
        if (match := pattern.fullmatch(message)) is not None:
            return template.format(**match.groupdict())
    return message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are Vietnamese (its subcommands' parsers too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs["add_help"] = False  # added below, with a Vietnamese help line
        super().__init__(*args, **kwargs)
        self._positionals.title = "đối số"
        self._optionals.title = "tuỳ chọn"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="hiện hướng dẫn này rồi thoát")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: lỗi: {argparse_error_vi(message)}\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=Path,
        metavar="TỆP",
        help="tệp cơ sở dữ liệu SQLite (mặc định: $CCHC_DB_PATH hoặc thư mục dữ liệu của người dùng)",
    )
    p.add_argument(
        "--knowledge",
        type=Path,
        metavar="THƯ_MỤC",
        help="thư mục kiến thức (mặc định: $CCHC_KNOWLEDGE_DIR hoặc thư mục knowledge cạnh tệp cơ sở dữ liệu,"
        " lần đầu được tạo từ các bài viết có sẵn)",
    )


def _command(sub: argparse._SubParsersAction[_Parser], name: str, text: str) -> _Parser:
    """A subcommand whose one-line help (in the command list) is also its description (in its own --help)."""
    return sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cchc-bot", description="Hỏi đáp tin tức cải cách hành chính (CCHC), có trích dẫn nguồn.")
    sub = parser.add_subparsers(dest="command", required=True, title="lệnh", metavar="LỆNH")
    ask = _command(sub, "ask", "trả lời một câu hỏi (hoặc nhiều câu hỏi từ đầu vào chuẩn, mỗi dòng một câu)")
    ask.add_argument("question", nargs="*", metavar="CÂU_HỎI", help="câu hỏi; bỏ trống thì đọc từ đầu vào chuẩn")
    ask.add_argument(
        "--json",
        action="store_true",
        help="in mỗi câu trả lời thành một đối tượng JSON (khoá và mã lý do bằng tiếng Anh)",
    )
    ask.add_argument(
        "--limit", type=positive_int, default=3, metavar="SỐ", help="số kết quả cho mỗi câu hỏi (ít nhất 1; mặc định 3)"
    )
    _common(ask)
    reload = _command(sub, "reload", "dựng lại chỉ mục từ thư mục kiến thức")
    _common(reload)
    sources = _command(sub, "sources", "liệt kê các bài viết trong dữ liệu")
    sources.add_argument("--json", action="store_true", help="in mỗi bài viết thành một đối tượng JSON")
    _common(sources)
    ingest = _command(
        sub, "ingest", "thêm bài viết từ tệp, thư mục, nguồn tin RSS/Atom hoặc địa chỉ http(s) vào thư mục kiến thức,"
        " rồi nạp lại dữ liệu"
    )  # fmt: skip
    ingest.add_argument(
        "targets", nargs="+", metavar="TỆP_HOẶC_URL", help="tệp, thư mục, tệp nguồn tin RSS/Atom hoặc địa chỉ URL"
    )
    _common(ingest)
    match = _command(
        sub, "match", "thử một chủ đề theo dõi: bài viết nào trong các tệp, nguồn tin hoặc URL sẽ được gửi cho người"
        " theo dõi chủ đề đó (không ghi gì vào dữ liệu)"
    )  # fmt: skip
    match.add_argument(
        "--topic", action="append", required=True, metavar="CHỦ_ĐỀ", help="chủ đề, gõ như người dùng (lặp lại được)"
    )
    match.add_argument(
        "targets", nargs="+", metavar="TỆP_HOẶC_URL", help="tệp, thư mục, tệp nguồn tin RSS/Atom hoặc địa chỉ URL"
    )
    match.add_argument("--json", action="store_true", help="in mỗi bài viết thành một đối tượng JSON")
    _common(match)
    run = _command(sub, "run", "chạy bot Telegram (cần đặt CCHC_BOT_TOKEN)")
    _common(run)
    health = _command(
        sub, "health", "kiểm tra bot đang chạy: thoát với mã 0 khi bot còn hoạt động và cơ sở dữ liệu dùng được"
    )
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
        f"Thư mục kiến thức: {report.knowledge_dir}",
        f"Đã đọc {len(report.loaded)} bài viết, {report.facts} câu, trong {report.seconds:.2f} giây.",
        "Không có gì thay đổi: chỉ mục cũ vẫn đang được dùng."
        if failed
        else f"So với chỉ mục trước: thêm mới {len(report.added)}, cập nhật {len(report.updated)},"
        f" không đổi {len(report.unchanged)}, gỡ bỏ {len(report.removed)}.",
    ]
    changed = [s for s in report.sources if s.added or s.updated or s.duplicates or s.skipped]
    if changed:
        lines.append("Theo từng tệp:")
    for source in changed[:limit]:
        counts = [f"{k} {len(v)}" for k, v in (("thêm mới", source.added), ("cập nhật", source.updated),
                  ("không đổi", source.unchanged), ("trùng lặp", source.duplicates),
                  ("bỏ qua", source.skipped)) if v]  # fmt: skip
        lines.append(f"  {source.path}: {', '.join(counts)}")
        lines.extend(f"    + {url}" for url in source.added[:limit])
        lines.extend(f"    ~ {url}" for url in source.updated[:limit])
    if len(changed) > limit:
        lines.append(f"  … và {len(changed) - limit} tệp khác")
    if report.removed and not failed:
        lines.append(f"Gỡ bỏ ({len(report.removed)}, không còn trong tệp nào):")
        lines.extend(f"  - {url}" for url in report.removed[:limit])
    if report.replaced:
        lines.append(f"Trùng lặp ({len(report.replaced)}):")
        lines.extend(f"  = {vi(note)}" for note in report.replaced[:limit])
    if report.skipped:
        lines.append(f"Bỏ qua {len(report.skipped)} tệp hoặc phần tệp:")
        lines.extend(f"  - {skipped_label(s)}: {skipped_reason(s)}" for s in report.skipped[:limit])
    return "\n".join(lines)


def format_ingest_report(report: IngestReport, limit: int = 50) -> str:
    lines = [f"Thêm bài viết vào {report.knowledge_dir}: thêm mới {len(report.added)}, cập nhật {len(report.updated)},"
             f" không đổi {len(report.unchanged)}, bỏ qua {len(report.skipped)}."]  # fmt: skip
    for target in report.targets:
        lines.append(f"  {target.target}:")
        lines.extend(f"    + {url}" for url in target.added[:limit])
        lines.extend(f"    ~ {url}" for url in target.updated[:limit])
        lines.extend(f"    = {url} (không đổi)" for url in target.unchanged[:limit])
        lines.extend(f"    - {skipped_label(s)}: {skipped_reason(s)}" for s in target.skipped[:limit])
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
        f"lưu ý: câu trả lời lấy từ chỉ mục trong {service.db.path}, chỉ mục này không được dựng từ {knowledge};"
        f" muốn dùng thư mục đó, hãy chạy: cchc-bot reload --knowledge {knowledge}"
    )


async def _ask(settings: Settings, args: argparse.Namespace) -> int:
    # Opened lazily: no whole-file check, the postings read as the question needs them (fast at any size).
    service = await SearchService.open(
        settings.db_path, settings.knowledge_dir, busy_timeout=settings.db_busy_timeout_seconds, lazy=True
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
            try:
                answer = await service.ask(q, limit=args.limit)
            except sqlite3.Error as exc:
                if not isinstance(problem := classify(settings.db_path, exc, settings.db_busy_timeout_seconds),
                                  DatabaseCorrupt):  # fmt: skip
                    raise problem from None
                # Damage met where the question read: open it the careful way, which checks the whole
                # file and moves a damaged one aside and rebuilds it, then ask again.
                print(f"lỗi: {vi(str(problem))}", file=sys.stderr)
                await service.close()
                service = await SearchService.open(
                    settings.db_path, settings.knowledge_dir, busy_timeout=settings.db_busy_timeout_seconds
                )
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
        from bot.progress import TerminalProgress

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
        print(f"lỗi: {vi(str(failure))}", file=sys.stderr)
        return EXIT_FAIL
    print(format_report(report))
    print(f"Đã ghi chỉ mục vào {settings.db_path}")
    return EXIT_OK


async def _ingest(settings: Settings, targets: Sequence[str]) -> int:
    service = await SearchService.open(
        settings.db_path, settings.knowledge_dir, build_if_empty=False, busy_timeout=settings.db_busy_timeout_seconds
    )
    try:
        from bot.progress import TerminalProgress
        from bot.web.fetch import make_client

        async with make_client(settings) as client:
            with TerminalProgress() as progress:
                report = await service.ingest(targets, client, settings, progress=progress.update, always_reload=True)
    finally:
        await service.close()
    print(format_ingest_report(report))
    if report.reload is not None:
        print(format_report(report.reload, failed=report.reload_error is not None))
    if report.reload_error:
        print(f"lỗi: {vi(report.reload_error)} (vẫn dùng chỉ mục cũ)", file=sys.stderr)
        return EXIT_FAIL
    print(f"Đã ghi chỉ mục vào {settings.db_path}")
    if not (report.added or report.updated or report.unchanged):
        print("lỗi: không thêm được bài viết nào", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def format_trial(trial: TrialMatch) -> str:
    a = trial.article
    head = f"{a.title} — {a.site}, {a.published:%d/%m/%Y}\n    {a.url}"
    if trial.match is None or trial.match.result is None:
        return f"✘ không khớp: {head}"
    topics = ", ".join(f"«{t}»" for t in trial.match.topics)
    return f"✔ khớp {topics} (độ tin cậy {trial.match.confidence:.2f}): {head}\n    📌 {trial.match.result.text}"


def trial_json(trial: TrialMatch) -> dict[str, Any]:
    a, m = trial.article, trial.match
    return {
        "url": a.url,
        "title": a.title,
        "site": a.site,
        "published": a.published.isoformat(),
        "matched": m is not None,
        "topics": list(m.topics) if m else [],
        "confidence": round(m.confidence, 4) if m else None,
        "sentence": m.result.text if m and m.result else None,
    }


async def _match(settings: Settings, topics: Sequence[str], targets: Sequence[str], as_json: bool) -> int:
    from bot.ingest import collect_articles
    from bot.news import match_new_articles, topic_problem
    from bot.web.fetch import make_client

    for topic in topics:
        if (problem := topic_problem(topic, None)) is not None:
            print(f"lỗi: chủ đề {topic!r}: {TOPIC_PROBLEMS[problem]}", file=sys.stderr)
            return EXIT_USAGE
    async with make_client(settings) as client:
        articles, skipped = await collect_articles(targets, client, settings)
    for s in skipped:
        print(f"bỏ qua {skipped_label(s)}: {skipped_reason(s)}", file=sys.stderr)
    if not articles:
        print("lỗi: không đọc được bài viết nào", file=sys.stderr)
        return EXIT_FAIL
    trials = await asyncio.to_thread(match_new_articles, settings.knowledge_dir, articles, topics)
    for trial in trials:
        print(json.dumps(trial_json(trial), ensure_ascii=False) if as_json else format_trial(trial))
    if not as_json:
        hits = sum(t.match is not None for t in trials)
        print(f"{hits}/{len(trials)} bài sẽ được gửi cho người theo dõi.")
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
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        print(f"lỗi: cấu hình không hợp lệ: {where}: {vi(first['msg'])}", file=sys.stderr)
        return EXIT_USAGE
    if args.command in {"ask", "reload", "sources", "ingest", "match", "run"}:
        try:
            ensure_knowledge_dir(settings)
        except OSError as exc:
            print(f"lỗi: không tạo được thư mục kiến thức {settings.knowledge_dir}: {exc}", file=sys.stderr)
            return EXIT_FAIL
    if args.command in {"ask", "run"}:
        keep_freed_memory()  # the answering processes: a question's arrays are reused by the next
    try:
        if args.command == "ask":
            return asyncio.run(_ask(settings, args))
        if args.command == "reload":
            return asyncio.run(_reload(settings))
        if args.command == "ingest":
            return asyncio.run(_ingest(settings, args.targets))
        if args.command == "sources":
            return asyncio.run(_sources(settings, args.json, args.knowledge))
        if args.command == "match":
            return asyncio.run(_match(settings, args.topic, args.targets, args.json))
        if args.command == "run":
            from bot.telegram.app import run_bot

            return run_bot(settings)
        if args.command == "health":
            from bot.health import problems

            found = problems(settings)
            print("; ".join(vi(p) for p in found) if found else "ok", file=sys.stderr if found else sys.stdout)
            return EXIT_FAIL if found else EXIT_OK
    except StorageError as exc:
        print(f"lỗi: {vi(str(exc))}", file=sys.stderr)
        return EXIT_FAIL
    except ReloadError as exc:
        print(f"lỗi: {vi(str(exc))}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `cchc-bot sources | head`
        sys.stderr.close()
        return EXIT_OK
    parser.error(f"lệnh không có: {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
