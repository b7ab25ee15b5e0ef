"""Read a knowledge folder: every article file parsed, the rest reported with a reason."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.formats import ParsedFile, ParseError
from bot.formats.feeds import FEED_SUFFIXES, parse_feed_file
from bot.formats.html import HTML_SUFFIXES, parse_html_file
from bot.formats.jsonl import JSONL_SUFFIXES, parse_jsonl_file
from bot.formats.limits import article_problem
from bot.formats.seed import parse_txt_file
from bot.formats.versions import version_rank
from bot.models import Article, SkippedFile

# Files in a knowledge folder that are configuration, not articles.
NON_ARTICLE_FILES = frozenset(
    {
        "abbreviations.toml",
        "synonyms.toml",
        "glossary_en.toml",
        "places.toml",
        "bodies.toml",
        "chat.toml",
        "feeds.toml",
        "README.md",
    }
)

MAX_FILE_BYTES = 20_000_000  # a knowledge file larger than this is not read (checked before reading)
MAX_FOLDER_DEPTH = 32  # folders below the knowledge folder

Parser = Callable[[Path], list[Article] | ParsedFile]
Progress = Callable[[int, int], None]  # (files done, files in all)


@dataclass
class FolderScan:
    files: list[Path] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


@dataclass
class LoadResult:
    articles: list[tuple[Article, str]] = field(default_factory=list)  # (article, source path)
    skipped: list[SkippedFile] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source path, url) left out as duplicates


PARSERS: dict[str, Parser] = {
    ".txt": parse_txt_file,
    **dict.fromkeys(HTML_SUFFIXES, parse_html_file),
    **dict.fromkeys(FEED_SUFFIXES, parse_feed_file),
    **dict.fromkeys(JSONL_SUFFIXES, parse_jsonl_file),
}


def article_files(folder: Path) -> list[Path]:
    return scan_folder(folder).files


def scan_folder(folder: Path) -> FolderScan:
    """The article files below ``folder`` (sorted), and what was left out with the reason.

    Walked with an explicit stack (no recursion, so no RecursionError however deep), at most
    ``MAX_FOLDER_DEPTH`` folders down; a symbolic link is followed only to a file inside
    ``folder``, never to a folder (no loops) nor out of it (no serving of other files).
    """
    scan = FolderScan()
    root = folder.resolve()
    stack: list[tuple[Path, int]] = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        try:
            with os.scandir(current) as entries:
                found = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            scan.skipped.append(SkippedFile(path=str(current), reason=f"cannot read: {exc.strerror or exc}"))
            continue
        for entry in found:
            path = Path(entry.path)
            if entry.is_symlink():
                problem = _link_problem(path, root)
                if problem is not None:
                    scan.skipped.append(SkippedFile(path=str(path), reason=problem))
                    continue
            if entry.is_dir(follow_symlinks=False):
                if depth >= MAX_FOLDER_DEPTH:
                    reason = f"folder nested more than {MAX_FOLDER_DEPTH} deep: not read"
                    scan.skipped.append(SkippedFile(path=str(path), reason=reason))
                else:
                    stack.append((path, depth + 1))
            elif entry.is_file() and entry.name not in NON_ARTICLE_FILES and not entry.name.startswith("."):
                scan.files.append(path)
    scan.files.sort()
    return scan


def _link_problem(link: Path, root: Path) -> str | None:
    """Why a symbolic link in the knowledge folder is not followed, or None for a link to a file inside it."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop
        return "broken symbolic link: not followed"
    if not target.is_relative_to(root):
        return "symbolic link to outside the knowledge folder: not followed"
    if target.is_dir():
        return "symbolic link to a folder: not followed"
    return None


def file_problem(path: Path) -> str | None:
    """Why a file is not read (checked before reading it), or None."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if size > MAX_FILE_BYTES:
        return f"file too large: {size:,} bytes (limit {MAX_FILE_BYTES:,})"
    return None


def load_folder(folder: Path, parsers: dict[str, Parser] | None = None, progress: Progress | None = None) -> LoadResult:
    """Parse every article file below ``folder``.

    Two files with the same URL: the one :func:`~bot.formats.versions.version_rank` puts first wins;
    two URLs with identical content: the first is kept.  Both are reported.
    """
    parsers = parsers or PARSERS
    result = LoadResult()
    if not folder.is_dir():
        result.skipped.append(SkippedFile(path=str(folder), reason="not a folder"))
        return result
    scan = scan_folder(folder)
    result.skipped.extend(scan.skipped)
    return load_files(scan.files, parsers, progress, result)


def load_files(
    files: Sequence[Path],
    parsers: dict[str, Parser] | None = None,
    progress: Progress | None = None,
    result: LoadResult | None = None,
) -> LoadResult:
    """Parse the given article files, with the checks and the choice of one version per URL of
    :func:`load_folder` (which calls it with every file of the folder)."""
    parsers = parsers or PARSERS
    result = result if result is not None else LoadResult()
    by_url: dict[str, tuple[Article, str]] = {}
    for done, path in enumerate(files, start=1):
        if progress is not None:
            progress(done, len(files))
        parser = parsers.get(path.suffix.lower())
        if parser is None:
            result.skipped.append(
                SkippedFile(path=str(path), reason=f"unsupported file type {path.suffix or '(none)'}")
            )
            continue
        if (problem := file_problem(path)) is not None:
            result.skipped.append(SkippedFile(path=str(path), reason=problem))
            continue
        try:
            parsed = parser(path)
        except ParseError as exc:
            result.skipped.append(SkippedFile(path=str(path), reason=str(exc)))
            continue
        except OSError as exc:
            result.skipped.append(SkippedFile(path=str(path), reason=f"cannot read: {exc.strerror or exc}"))
            continue
        except Exception as exc:  # one unreadable file must not stop a reload
            result.skipped.append(SkippedFile(path=str(path), reason=f"cannot parse: {type(exc).__name__}: {exc}"))
            continue
        if isinstance(parsed, ParsedFile):
            result.skipped.extend(SkippedFile(path=str(path), where=w, reason=r) for w, r in parsed.problems)
            parsed = parsed.articles
        for article in parsed:
            url = article.url_str
            problem = article_problem(article)
            if problem is not None:
                result.skipped.append(SkippedFile(path=str(path), where=url, reason=problem))
                continue
            old = by_url.get(url)
            if old is None:
                by_url[url] = (article, str(path))
            elif version_rank(article, str(path)) >= version_rank(old[0], old[1]):
                result.replaced.append(f"{url}: {path} (published {article.published:%d/%m/%Y %H:%M}) replaces "
                                       f"{old[1]} (published {old[0].published:%d/%m/%Y %H:%M})")  # fmt: skip
                result.duplicates.append((old[1], url))
                by_url[url] = (article, str(path))
            else:
                result.replaced.append(f"{url}: {old[1]} is newer; {path} ignored")
                result.duplicates.append((str(path), url))
    seen_hash: dict[str, str] = {}
    for url, (article, source) in by_url.items():
        h = article.content_hash()
        if h in seen_hash:
            result.replaced.append(f"{url}: same content as {seen_hash[h]}; {source} ignored")
            result.duplicates.append((source, url))
            continue
        seen_hash[h] = url
        result.articles.append((article, source))
    result.articles.sort(key=lambda item: (item[0].published, item[0].url_str))
    return result
