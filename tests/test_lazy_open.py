"""An index opened lazily (``cchc-bot ask``: postings read from their blobs, terms looked up in place)
answers exactly as the same index held in memory, and keeps its own view of the database."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.evalsets import by_name
from bot.formats.loader import load_files, load_folder
from bot.index import bm25
from bot.index.bm25 import ArrayPostings, SegmentBuilder, SortedVocab
from bot.index.snapshot import Snapshot
from bot.index.stored import StoredNames, dumps_names, load_names, mentions
from bot.models import Article
from bot.resources import bundled_knowledge_dir
from bot.search.searcher import Searcher
from bot.service import SearchService
from bot.storage import BlobPostings, Database, StoredArticles
from bot.text.normalize import fold

Pairs = list[tuple[Article, str]]


def _answers(snap: Snapshot, questions: Sequence[str]) -> list[tuple[object, ...]]:
    searcher = Searcher(snap)
    out: list[tuple[object, ...]] = []
    for q in questions:
        a = searcher.search(q, limit=3)
        out.append((q, a.answered, a.reason, a.confidence, [(r.url, r.text, r.context) for r in a.results]))
    return out


def _typos(questions: Sequence[str]) -> list[str]:
    """The questions without diacritics, with one letter of a long word dropped: typo repair runs."""
    out = []
    for q in questions:
        words = fold(q).split()
        longest = max(range(len(words)), key=lambda i: len(words[i]), default=None)
        if longest is not None and len(words[longest]) >= 4:
            w = words[longest]
            words[longest] = w[:2] + w[3:]
        out.append(" ".join(words))
    return out


def test_sorted_vocab_finds_what_a_dict_finds() -> None:
    builder = SegmentBuilder()
    docs = [["hà", "nội", "hà_nội", "đà", "nẵng"], ["zz", "a", "ă", "â", "10", "1"], ["nội", "ủy", "ban"]]
    for terms in docs:
        builder.add(terms)
    segment = builder.build()
    assert list(segment.vocab) == sorted(segment.vocab)  # slots are in sorted order
    lazy = SortedVocab(segment.to_blobs()["terms"])
    assert list(lazy) == list(segment.vocab)
    assert len(lazy) == len(segment.vocab)
    for term, slot in segment.vocab.items():
        assert lazy.get(term) == slot
        assert lazy[term] == slot
        assert term in lazy
    for absent in ("", "0", "hà_nộ", "nộii", "zzz", "ha", "\uffff", " "):
        assert lazy.get(absent) is None
        assert absent not in lazy
        with pytest.raises(KeyError):
            lazy[absent]
    assert list(SortedVocab(b"")) == []
    assert SortedVocab(b"").get("a") is None


@pytest.fixture(scope="module")
def reform() -> tuple[Pairs, list[str]]:
    es = by_name(["cchc-dev2"])[0]
    return load_files(es.article_files()).articles, [q.q for q in es.load()]


async def _grown_database(tmp_path: Path, articles: Pairs) -> tuple[Path, Path]:
    """A database built from the bundled knowledge, then grown and shrunk article by article (several
    segments, some documents dead)."""
    bundled = {a.url_str for a, _ in load_folder(bundled_knowledge_dir()).articles}
    articles = [p for p in articles if p[0].url_str not in bundled]
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in sorted(bundled_knowledge_dir().glob("*.txt")):
        shutil.copy(path, folder / path.name)
    db = tmp_path / "cchc.db"
    service = await SearchService.open(db, folder)
    try:
        for pair in articles[:5]:
            await service.update([pair])
        await service.update([], remove=[articles[2][0].url_str])
    finally:
        await service.close()
    return db, folder


@pytest.mark.parametrize("chunk", [65536, 1000, 7])
async def test_a_lazily_opened_index_answers_as_the_one_in_memory(
    tmp_path: Path, reform: tuple[Pairs, list[str]], chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the postings' chunk size, reads that span chunks included."""
    monkeypatch.setattr(bm25, "POSTING_CHUNK", chunk)
    articles, questions = reform
    questions = [*questions, *_typos(questions)]
    db, folder = await _grown_database(tmp_path, articles)
    with sqlite3.connect(db) as conn:
        chunked = conn.execute("SELECT count(*) FROM index_blobs WHERE name LIKE '%.doc_ids.0001'").fetchone()[0]
    assert (chunked > 0) == (chunk < 65536)
    eager = await SearchService.open(db, folder, build_if_empty=False)
    lazy = await SearchService.open(db, folder, build_if_empty=False, lazy=True)
    try:
        held, opened = eager.snapshot, lazy.snapshot
        assert held is not None
        assert opened is not None
        assert len(opened.fact_index.segments) > 1
        assert opened.fact_index.alive is not None
        assert all(isinstance(s.store, ArrayPostings) for s in held.fact_index.segments)
        assert all(isinstance(s.store, BlobPostings) for s in opened.fact_index.segments)
        assert all(isinstance(s.vocab, SortedVocab) for s in opened.article_index.segments)
        assert _answers(opened, questions) == _answers(held, questions)
        assert isinstance(opened.articles, StoredArticles)
        assert [opened.articles[i] for i in range(len(held.articles))] == list(held.articles)  # row by row
        assert list(opened.articles) == list(held.articles)  # all at once
        assert opened.live.tolist() == held.live.tolist()
        assert not opened.live.all()  # a removed article's id is a gap
        assert opened.stamps.tolist() == held.stamps.tolist()
        assert opened.newest_titles == held.newest_titles
        assert opened.vocabulary == held.vocabulary
        for index in ("fact_index", "article_index"):
            for mine, theirs in zip(getattr(opened, index).segments, getattr(held, index).segments, strict=True):
                assert mine.doc_ids.tolist() == theirs.doc_ids.tolist()
                assert mine.tfs.tolist() == theirs.tfs.tolist()
    finally:
        await lazy.close()
        await eager.close()


async def test_a_lazily_opened_index_keeps_its_view_while_the_database_is_rebuilt(
    tmp_path: Path, reform: tuple[Pairs, list[str]]
) -> None:
    articles, questions = reform
    db, folder = await _grown_database(tmp_path, articles)
    lazy = await SearchService.open(db, folder, build_if_empty=False, lazy=True)
    try:
        snap = lazy.snapshot
        assert snap is not None
        before = _answers(snap, questions[:20])
        # Another process rebuilds from a folder of two articles only: the blobs are all replaced.
        for path in sorted(folder.glob("*.txt"))[2:]:
            path.unlink()
        writer = await SearchService.open(db, folder, build_if_empty=False)
        try:
            await writer.reload()
            rebuilt = writer.snapshot
            assert rebuilt is not None
            assert len(rebuilt.live_articles()) < len(snap.live_articles())
        finally:
            await writer.close()
        assert _answers(snap, questions[:20]) == before
    finally:
        await lazy.close()


async def test_an_index_of_another_format_is_read_whole(tmp_path: Path, reform: tuple[Pairs, list[str]]) -> None:
    """A read-only database is served in the format it was built in: only this format's sorted
    vocabularies can be looked up in place, so another one is read as the bot reads it."""
    articles, _ = reform
    db, _folder = await _grown_database(tmp_path, articles)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'index_format'")
    database = await Database.open(db)
    try:
        loaded = await asyncio.to_thread(database.load_knowledge_lazily)
        assert loaded is not None
        data, view = loaded
        assert data.fact_segments
        assert data.article_segments
        for seg in (*data.fact_segments, *data.article_segments):
            assert isinstance(seg.store, ArrayPostings)
            assert isinstance(seg.vocab, dict)
        view.close()
    finally:
        await database.close()


def test_stored_names_read_as_the_names_they_were_written_from() -> None:
    names = {"gia lai": {3, 1}, "ha noi": {2}, "kon tum": {5, 4, 9}, "đà nẵng": {7}, "a": {0}, "ha": {8}}
    stored = StoredNames(dumps_names(names))
    want = {k: tuple(sorted(v)) for k, v in names.items()}
    assert dict(stored) == want
    assert len(stored) == len(want)
    for name, ids in want.items():
        assert stored.get(name) == ids
        assert stored[name] == ids
    for absent in ("", "gia", "ha no", "kon tum ", "zz", "\uffff"):
        assert stored.get(absent) is None
        assert absent not in stored
    assert dict(StoredNames("")) == {}
    assert dict(load_names('{"ha noi": [3, 2]}')) == {"ha noi": (2, 3)}  # an older index's JSON, ids in order


@given(ids=st.sets(st.integers(0, 60), max_size=30), article=st.integers(-2, 62))
def test_a_name_mentions_an_article_when_its_ids_hold_it(ids: set[int], article: int) -> None:
    stored = StoredNames(dumps_names({"ban chi dao": ids}))
    held = stored.get("ban chi dao", ())
    assert mentions(held, article) == (article in ids)
