"""Article-by-article updates answer exactly as a full build of the same articles, in memory and stored."""

from __future__ import annotations

import dataclasses
import math
import shutil
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.evalsets import by_name
from bot.formats.loader import load_files, load_folder
from bot.index.build import build_knowledge
from bot.index.snapshot import Snapshot
from bot.index.update import apply_changes
from bot.models import Article
from bot.resources import bundled_knowledge_dir
from bot.search.searcher import Searcher
from bot.service import SearchService
from bot.text.lexicon import load_lexicon

Pairs = list[tuple[Article, str]]


def _set_articles(name: str) -> tuple[Pairs, list[str]]:
    """The articles of an eval set (parsed) and its questions."""
    es = by_name([name])[0]
    return load_files(es.article_files()).articles, [q.q for q in es.load()]


def _full(articles: Pairs) -> Snapshot:
    lexicon = load_lexicon(bundled_knowledge_dir())
    return Snapshot.from_data(build_knowledge(articles, lexicon))


def _answers(snap: Snapshot, questions: Sequence[str]) -> list[tuple[object, ...]]:
    searcher = Searcher(snap)
    out: list[tuple[object, ...]] = []
    for q in questions:
        a = searcher.search(q, limit=3)
        out.append((q, a.answered, a.reason, a.confidence, [(r.url, r.text, r.context) for r in a.results]))
    return out


@pytest.fixture(scope="module")
def reform() -> tuple[Pairs, list[str]]:
    return _set_articles("cchc-dev2")


def test_adding_articles_one_by_one_answers_as_a_full_build(reform: tuple[Pairs, list[str]]) -> None:
    articles, questions = reform
    full = _full(articles)
    grown = _full(articles[:3])
    for pair in articles[3:]:
        grown = apply_changes(grown, [pair]).snapshot
    # Small segments were merged on the way, binary-counter fashion: about log2(updates) of them are left.
    assert len(grown.fact_index.segments) <= 2 + math.ceil(math.log2(len(articles)))
    assert len(grown.article_index.segments) <= 2 + math.ceil(math.log2(len(articles)))
    assert _answers(grown, questions) == _answers(full, questions)
    assert [grown.headline_tokens(a) for a in range(len(articles))] == [
        full.headline_tokens(a) for a in range(len(articles))
    ]


def test_removing_and_changing_articles_answers_as_a_full_build_without_them(
    reform: tuple[Pairs, list[str]],
) -> None:
    articles, questions = reform
    removed, changed = articles[2], articles[5]
    paragraphs = changed[0].paragraphs
    edited = changed[0].model_copy(update={"paragraphs": (paragraphs[0] + " Câu mới được thêm vào.", *paragraphs[1:])})
    expected = [p for p in articles if p not in (removed, changed)] + [(edited, changed[1])]
    change = apply_changes(_full(articles), [(edited, changed[1])], remove=[removed[0].url_str])
    assert [a.url for a in change.updated] == [changed[0].url_str]
    assert {a.url for a in change.removed} == {removed[0].url_str, changed[0].url_str}
    snap = change.snapshot
    assert removed[0].url_str not in {a.url for a in snap.live_articles()}
    assert _answers(snap, questions) == _answers(_full(expected), questions)


def test_the_same_content_again_changes_nothing(reform: tuple[Pairs, list[str]]) -> None:
    articles, _ = reform
    snap = _full(articles)
    change = apply_changes(snap, articles[:2])
    assert change.unchanged == [a.url_str for a, _ in articles[:2]]
    assert not change.added
    assert not change.updated
    assert not change.removed
    assert change.snapshot.fact_index.segments == snap.fact_index.segments


async def test_stored_updates_reopen_to_the_same_answers(tmp_path: Path, reform: tuple[Pairs, list[str]]) -> None:
    articles, questions = reform
    bundled = {a.url_str for a, _ in load_folder(bundled_knowledge_dir()).articles}
    articles = [p for p in articles if p[0].url_str not in bundled]  # those are in the folder already
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in sorted(bundled_knowledge_dir().glob("*.txt")):
        shutil.copy(path, folder / path.name)
    db = tmp_path / "cchc.db"
    service = await SearchService.open(db, folder)
    try:
        # Enough small updates for stored segments to be merged and dropped too.
        for pair in articles[1:12]:
            report = await service.update([pair])
            assert report.added == [pair[0].url_str]
        report = await service.update([], remove=[articles[3][0].url_str])
        assert report.removed == [articles[3][0].url_str]
        serving = service.snapshot
        assert serving is not None
        expected = _answers(serving, questions)
    finally:
        await service.close()
    reopened = await SearchService.open(db, folder, build_if_empty=False)
    try:
        snap = reopened.snapshot
        assert snap is not None
        assert snap.fact_numbers == serving.fact_numbers
        assert _answers(snap, questions) == expected
    finally:
        await reopened.close()


def test_snapshot_fields_survive_an_update_unchanged_where_untouched(reform: tuple[Pairs, list[str]]) -> None:
    articles, _ = reform
    snap = _full(articles[:4])
    grown = apply_changes(snap, articles[4:6]).snapshot
    full = _full(articles[:6])
    for f in dataclasses.fields(Snapshot):
        if f.name in ("cache", "fact_index", "article_index", "fact_numbers", "article_numbers", "built_at"):
            continue
        got, want = getattr(grown, f.name), getattr(full, f.name)
        if f.name == "facts":
            got, want = list(got), list(want)
        elif hasattr(got, "tolist"):
            got, want = got.tolist(), want.tolist()
        assert got == want, f.name


async def test_a_snapshot_keeps_reading_its_own_facts_while_a_reload_replaces_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.storage.FACT_CACHE_SIZE", 1)  # every read below goes to the database
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in sorted(bundled_knowledge_dir().glob("*.txt")):
        shutil.copy(path, folder / path.name)
    service = await SearchService.open(tmp_path / "cchc.db", folder)
    try:
        before = service.snapshot
        assert before is not None
        texts = [f.text for f in before.facts]
        # A reload that renumbers every fact: the new articles sort before the seed.
        for path in by_name(["cchc-dev2"])[0].article_files():
            shutil.copy(path, folder / path.name)
        await service.reload()
        after = service.snapshot
        assert after is not None
        assert after is not before
        assert [f.text for f in after.facts][: len(texts)] != texts  # ids were reused for others
        assert [before.facts[i].text for i in range(len(texts))] == texts
    finally:
        await service.close()


async def test_a_served_snapshot_moves_to_fresh_read_transactions_but_an_old_one_keeps_its_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.storage.FACT_CACHE_SIZE", 1)
    monkeypatch.setattr("bot.storage.FACT_READER_REFRESH_SECONDS", 0.0)  # every read may refresh
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in sorted(bundled_knowledge_dir().glob("*.txt")):
        shutil.copy(path, folder / path.name)
    service = await SearchService.open(tmp_path / "cchc.db", folder)
    try:
        before = service.snapshot
        assert before is not None
        texts = [f.text for f in before.facts]
        connection = before.facts._conn  # type: ignore[attr-defined]
        assert [before.facts[i].text for i in range(len(texts))] == texts
        assert before.facts._conn is not connection  # type: ignore[attr-defined]  # moved on: same knowledge
        for path in by_name(["cchc-dev2"])[0].article_files():
            shutil.copy(path, folder / path.name)
        await service.reload()  # renumbers every fact
        assert [before.facts[i].text for i in range(len(texts))] == texts  # still its own view
    finally:
        await service.close()


async def test_a_deletion_empties_the_wal_past_the_served_reader_which_then_reads_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.storage.FACT_CACHE_SIZE", 1)  # every read goes to the database
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in sorted(bundled_knowledge_dir().glob("*.txt")):
        shutil.copy(path, folder / path.name)
    service = await SearchService.open(tmp_path / "cchc.db", folder, busy_timeout=30.0)
    try:
        snap = service.snapshot
        assert snap is not None
        texts = [f.text for f in snap.facts]  # the reader holds its read transaction from here
        for i in range(3):
            await service.db.log_query(question=f"q{i}", answered=True, top_fact_id=None, latency_ms=1.0, user_hash="u")
        wal = service.db.path.with_name(service.db.path.name + "-wal")
        assert wal.stat().st_size > 0
        started = time.monotonic()
        assert await service.db.delete_user_history("u") == 3
        assert time.monotonic() - started < 5  # not the busy timeout: the reader stepped aside
        assert wal.stat().st_size == 0
        assert [snap.facts[i].text for i in range(len(texts))] == texts  # and reads on, pinned again
        assert snap.facts._pinned  # type: ignore[attr-defined]
    finally:
        await service.close()


async def test_a_suspended_reader_never_reads_facts_of_knowledge_rebuilt_meanwhile(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in sorted(bundled_knowledge_dir().glob("*.txt")):
        shutil.copy(path, folder / path.name)
    service = await SearchService.open(tmp_path / "cchc.db", folder)
    try:
        snap = service.snapshot
        assert snap is not None
        reader = snap.facts
        last = len(reader) - 1
        assert reader.suspend()  # type: ignore[attr-defined]
        assert reader.row(last).text  # the same knowledge: read as usual
        reader._cache.clear()  # type: ignore[attr-defined]
        other = sqlite3.connect(service.db.path)
        other.execute("UPDATE meta SET value = 'another build' WHERE key = 'built_at'")
        other.commit()
        other.close()
        assert reader.row(last).kind == "removed"  # not another build's sentence
        reader.resume()  # type: ignore[attr-defined]
        reader._cache.clear()  # type: ignore[attr-defined]
        assert not reader._pinned  # type: ignore[attr-defined]  # its view is gone: reads stay checked
        assert reader.row(last).kind == "removed"
    finally:
        await service.close()
