"""JSON Lines: one article a line, with the :class:`~bot.models.Article` fields.

``paragraphs`` may be a list or one string (split on line breaks); a ``published`` without a
time zone is Vietnam time.  A bad line is reported with its number; the others load.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from bot.formats import ParsedFile, validation_problem
from bot.formats.encoding import decode_bytes
from bot.formats.html import parse_datetime
from bot.models import Article
from bot.text.normalize import clean

JSONL_SUFFIXES = (".jsonl",)
_TEXT_FIELDS = ("title", "site", "author", "caption")
_OPTIONAL_TEXT = frozenset({"author", "caption"})


def article_from_record(record: object) -> Article:
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    data = dict(record)
    body = data.get("paragraphs")
    if isinstance(body, str):
        body = body.splitlines()
    if isinstance(body, list | tuple):
        # the same cleaning as every other format: no NUL, ESC, BEL or bidi overrides reach a reply or a terminal
        data["paragraphs"] = tuple(c for c in (clean(p) if isinstance(p, str) else p for p in body) if c)
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            data[name] = clean(value) or (None if name in _OPTIONAL_TEXT else "")
    published = data.get("published")
    if isinstance(published, str):
        parsed = parse_datetime(published)
        if parsed is None:
            raise ValueError(f"published: not an ISO date {published[:40]!r}")
        data["published"] = parsed
    unknown = set(data) - set(Article.model_fields)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
    try:
        return Article.model_validate(data)
    except ValidationError as exc:
        raise ValueError(validation_problem(exc)) from None


def parse_jsonl_text(text: str) -> ParsedFile:
    result = ParsedFile()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            result.articles.append(article_from_record(json.loads(line)))
        except json.JSONDecodeError as exc:
            result.problems.append((f"line {number}", f"invalid JSON: {exc.msg} at column {exc.colno}"))
        except ValueError as exc:
            result.problems.append((f"line {number}", str(exc)))
    return result


def parse_jsonl_file(path: Path) -> ParsedFile:
    return parse_jsonl_text(decode_bytes(path.read_bytes()))
