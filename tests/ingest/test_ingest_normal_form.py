"""The normal form: every ingested article is written in the seed layout and reads back identically."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.formats import VIETNAM_TZ
from bot.formats.normal import NormalFormError, article_file_name, canonical_article, format_article_text, normal_form
from bot.formats.seed import parse_article_file, parse_article_text
from bot.models import Article
from tests.support.articles import SEED_KNOWLEDGE


def test_seed_article_round_trips_unchanged() -> None:
    seed = parse_article_file(SEED_KNOWLEDGE / "000_59dc86b630416615.txt")
    assert canonical_article(seed) == seed
    assert parse_article_text(format_article_text(seed)) == seed


def _article(**fields: object) -> Article:
    base: dict[str, object] = {
        "url": "https://baochinhphu.vn/bai-viet-1.htm",
        "title": "Tiêu đề bài",
        "site": "Báo Chính phủ",
        "published": datetime(2024, 5, 1, 3, 5, 42, 123, tzinfo=UTC),
        "paragraphs": ("Đoạn một có dấu chấm.", "Đoạn hai cũng vậy."),
    }
    base.update(fields)
    return Article.model_validate(base)


def test_canonical_form_fixes_what_the_layout_cannot_hold() -> None:
    article = _article(
        paragraphs=(
            "Đoạn một.\nDòng hai của đoạn một.",
            "Nguồn: TTXVN",  # would be read as the source marker
            "12345%20anh.jpg",  # would be read as an image line
            "Đoạn cuối có dấu chấm.",
        ),
        caption="Quang cảnh hội nghị. Ảnh: TTXVN",
        author="Minh Anh.",
    )
    canonical, text = normal_form(article)
    assert canonical.site == "baochinhphu.vn"  # not a domain: taken from the URL
    assert canonical.published == datetime(2024, 5, 1, 10, 5, tzinfo=VIETNAM_TZ)  # Vietnam time, minutes
    assert canonical.paragraphs == ("Đoạn một.", "Dòng hai của đoạn một.", "(Nguồn: TTXVN)", "Đoạn cuối có dấu chấm.")
    assert canonical.caption == "Quang cảnh hội nghị"
    assert canonical.author == "Minh Anh"
    assert parse_article_text(text) == canonical


def test_short_last_line_without_author_becomes_the_byline() -> None:
    canonical = canonical_article(_article(paragraphs=("Một đoạn dài có dấu chấm cuối câu.", "Thu Hà")))
    assert canonical.author == "Thu Hà"
    assert canonical.paragraphs == ("Một đoạn dài có dấu chấm cuối câu.",)


def test_no_domain_anywhere_is_refused() -> None:
    with pytest.raises(NormalFormError, match="site"):
        canonical_article(_article(url="http://127.0.0.1:8080/a.html", site="Báo địa phương"))


def test_file_name_is_a_stable_hash_of_the_url() -> None:
    a = article_file_name("https://baochinhphu.vn/a.htm")
    assert a == article_file_name("https://baochinhphu.vn/a.htm")
    assert a != article_file_name("https://baochinhphu.vn/b.htm")
    assert a.startswith("web_")
    assert a.endswith(".txt")


_words = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạềếểễệỳýỷỹỵ0123456789 .,:;%()-/\n")),
    min_size=1,
    max_size=80,
).filter(lambda s: any(c.isalpha() for c in s))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_words,
    paragraphs=st.lists(_words, min_size=1, max_size=5),
    caption=st.none() | _words,
    author=st.none() | _words,
    views=st.none() | st.integers(min_value=0, max_value=10**7),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 365 * 5),
)
def test_any_canonical_article_round_trips(
    title: str, paragraphs: list[str], caption: str | None, author: str | None, views: int | None, minutes: int
) -> None:
    try:
        article = _article(
            title=title, paragraphs=tuple(paragraphs), caption=caption, author=author, views=views,
            published=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes, seconds=7),
        )  # fmt: skip
    except ValueError:
        return  # not a valid article to begin with (e.g. a blank body)
    try:
        canonical = canonical_article(article)
    except NormalFormError:
        return  # refused with a reason: nothing would be written
    assert parse_article_text(format_article_text(canonical)) == canonical
    assert canonical_article(canonical) == canonical  # idempotent
