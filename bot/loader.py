"""Read a knowledge folder: every article file parsed, the rest reported with a reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import Article, SkippedFile
from bot.parsing import ParseError, parse_article_file

# Files in a knowledge folder that are configuration, not articles.
NON_ARTICLE_FILES = frozenset({"abbreviations.toml", "glossary_en.toml", "feeds.toml", "README.md"})
ARTICLE_SUFFIXES = frozenset({".txt"})

Parser = Callable[[Path], list[Article]]


@dataclass
class LoadResult:
    articles: list[tuple[Article, str]] = field(default_factory=list)  # (article, source path)
    skipped: list[SkippedFile] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


def _parse_txt(path: Path) -> list[Article]:
    return [parse_article_file(path)]


PARSERS: dict[str, Parser] = {".txt": _parse_txt}


def article_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.name not in NON_ARTICLE_FILES and not p.name.startswith(".")
    )


def load_folder(folder: Path, parsers: dict[str, Parser] | None = None) -> LoadResult:
    """Parse every article file below ``folder``.

    Two files with the same URL: the one published later wins (on a tie, the later file
    name); two URLs with identical content: the first is kept.  Both are reported.
    """
    parsers = parsers or PARSERS
    result = LoadResult()
    if not folder.is_dir():
        result.skipped.append(SkippedFile(path=str(folder), reason="not a folder"))
        return result
    by_url: dict[str, tuple[Article, str]] = {}
    for path in article_files(folder):
        parser = parsers.get(path.suffix.lower())
        if parser is None:
            result.skipped.append(
                SkippedFile(path=str(path), reason=f"unsupported file type {path.suffix or '(none)'}")
            )
            continue
        try:
            parsed = parser(path)
        except ParseError as exc:
            result.skipped.append(SkippedFile(path=str(path), reason=str(exc)))
            continue
        except OSError as exc:
            result.skipped.append(SkippedFile(path=str(path), reason=f"cannot read: {exc.strerror or exc}"))
            continue
        for article in parsed:
            url = article.url_str
            old = by_url.get(url)
            if old is None:
                by_url[url] = (article, str(path))
            elif article.published >= old[0].published:
                result.replaced.append(f"{url}: {path} (published {article.published:%d/%m/%Y %H:%M}) replaces "
                                       f"{old[1]} (published {old[0].published:%d/%m/%Y %H:%M})")  # fmt: skip
                by_url[url] = (article, str(path))
            else:
                result.replaced.append(f"{url}: {old[1]} is newer; {path} ignored")
    seen_hash: dict[str, str] = {}
    for url, (article, source) in by_url.items():
        h = article.content_hash()
        if h in seen_hash:
            result.replaced.append(f"{url}: same content as {seen_hash[h]}; {source} ignored")
            continue
        seen_hash[h] = url
        result.articles.append((article, source))
    result.articles.sort(key=lambda item: (item[0].published, item[0].url_str))
    return result
