from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import Answer, Reason, ReloadReport, SearchResult, SkippedFile
from bot.storage import Stats
from bot.telegram import render
from devtools.telegram_html import check_text

VN = ZoneInfo("Asia/Ho_Chi_Minh")


URL = "https://a.vn/x?a=1&b=2"


def result(text: str = "Tỉnh đã số hoá 87,36% hồ sơ.", url: str = URL, **kw: object) -> SearchResult:
    values: dict[str, object] = {"fact_id": 1, "text": text, "url": url, "title": "Tin <CCHC> & số hoá",
                                 "site": "a.vn", "published": datetime(2024, 2, 2, 17, 38, tzinfo=VN), "score": 1.0,
                                 "matched": ("so_hoa", "87,36")}  # fmt: skip
    values.update(kw)
    return SearchResult.model_validate(values)


def telegram_ok(html: str) -> str:
    """Parse the HTML exactly as the emulator (and Telegram) would; fails the test on rejection."""
    plain, _ = check_text(html, "HTML")
    return plain


def test_matched_words_are_bold_and_everything_is_escaped() -> None:
    html = render.answer_html(Answer(question="q", answered=True, results=(result(),)))
    assert "<b>số hoá 87,36</b>" in html
    assert '<a href="https://a.vn/x?a=1&amp;b=2">Tin &lt;CCHC&gt; &amp; số hoá</a> — a.vn, 02/02/2024' in html
    assert "Tin <CCHC> & số hoá" in telegram_ok(html)


def test_matching_ignores_diacritics_and_case() -> None:
    assert render.highlight("Hồ Sơ trực tuyến", ["ho", "so"]) == "<b>Hồ Sơ</b> trực tuyến"
    assert render.highlight("a <b> c", ["b"]) == "a &lt;<b>b</b>&gt; c"


def test_non_http_urls_are_never_links() -> None:
    for url in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x.vn/a", "http:///nohost", "http://a b"):
        html = render.answer_html(Answer(question="q", answered=True, results=(result(url=url),)))
        assert "<a " not in html
        telegram_ok(html)


def test_related_facts_each_have_a_citation() -> None:
    results = tuple(result(text=f"Sự kiện {i} về số hoá.", fact_id=i) for i in range(3))
    html = render.answer_html(Answer(question="q", answered=True, results=results))
    assert html.count("<a href=") == 3
    assert "Thông tin liên quan" in html


def test_not_answered_lists_topics_never_facts() -> None:
    html = render.answer_html(Answer(question="q", answered=False, reason=Reason.LOW_CONFIDENCE,
                                     suggestions=("Bài <một>", "Bài hai")))  # fmt: skip
    assert "Chưa tìm thấy" in html
    assert "Bài &lt;một&gt;" in html
    telegram_ok(html)


@settings(max_examples=60)
@given(
    st.text(min_size=1, max_size=6000), st.text(min_size=1, max_size=1500), st.lists(st.text(max_size=8), max_size=5)
)
def test_any_content_renders_to_valid_telegram_html_within_limits(text: str, title: str, matched: list[str]) -> None:
    results = tuple(result(text=text, title=title, matched=tuple(matched), fact_id=i) for i in range(3))
    for html in (
        render.answer_html(Answer(question=text, answered=True, results=results)),
        render.answer_html(Answer(question=text, answered=True, results=results), offset=1),
        render.inline_html(results[0]),
    ):
        assert render.fits(html)
        telegram_ok(html)


def test_huge_reload_report_and_stats_fit() -> None:
    skipped = [SkippedFile(path="/k/<x>" * 30, reason="bad & " * 80) for _ in range(400)]
    report = ReloadReport(knowledge_dir="/k", loaded=["u"] * 3, skipped=skipped)
    for html in (
        render.reload_html(report),
        render.reload_error_html("no <article>", report),
        render.stats_html(Stats(10, 5, 12.0, [("<q>" * 200, 3)] * 50, [("x&y", 1)]), 7),
    ):
        assert render.fits(html)
        telegram_ok(html)


def test_help_is_valid_html() -> None:
    text = telegram_ok(render.help_html("cchc_bot", ["Tin <một>"], group=True, admin=True))
    assert "@cchc_bot câu hỏi" in text
    assert "/reload" in text
    telegram_ok(render.PRIVACY_HTML.format(days=90))
