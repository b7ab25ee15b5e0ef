"""The confidence threshold: questions no article covers are declined with suggestions, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.models import Reason
from bot.service import SearchService
from tests.support.articles import seed_only
from tests.support.corpus import write_corpus
from tests.support.services import PrebuiltFactory

_SHARED_NAME = (
    "known limitation (search.py): the question's only specific word is a place the knowledge base mentions "
    "(Hà Nội) and its topic word (thời tiết, bóng đá) is unknown or generic, so coverage stays above the threshold"
)


def known_bug(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


SHARED_NAME = known_bug(_SHARED_NAME)


def write_mixed(folder: Path) -> None:
    write_corpus(folder)
    seed_only(folder)


@pytest.fixture
async def mixed_service(open_prebuilt: PrebuiltFactory) -> SearchService:
    """The seed plus the synthetic corpus (always available), built once (these tests only ask)."""
    return await open_prebuilt("mixed", write_mixed)


OFF_TOPIC = [
    "dự báo thời tiết cuối tuần có mưa không",
    pytest.param("What is the weather in Hanoi tomorrow?", marks=SHARED_NAME),
    "lịch chiếu phim rạp CGV",
    "iPhone 16 giá bao nhiêu",
    "bitcoin price today",
    "How much does a football ticket cost?",
    "lương tối thiểu vùng năm 2025 là bao nhiêu",
    "giá vàng hôm nay bao nhiêu",
    "kết quả bóng đá đêm qua",
    "đội tuyển Việt Nam thắng mấy bàn",
    "thời tiết Hà Nội ngày mai",
    "Who won the World Cup?",
    "giá xăng dầu tuần này",
    "ca sĩ nào hát hay nhất",
    "công thức nấu phở bò",
    "Quảng Ninh xếp thứ mấy về chỉ số PAPI",
    "Đà Nẵng có bao nhiêu phường sau sáp nhập",
]


@pytest.mark.parametrize("question", OFF_TOPIC)
async def test_uncovered_question_is_declined_with_suggestions(mixed_service: SearchService, question: str) -> None:
    answer = await mixed_service.ask(question)
    assert answer.answered is False
    assert answer.reason in {Reason.OFF_TOPIC, Reason.LOW_CONFIDENCE, Reason.ENTITY_MISMATCH, Reason.NO_WORDS}
    assert answer.results == ()
    titles = [a.title for a in mixed_service.sources()]
    assert answer.suggestions
    assert list(answer.suggestions) == titles[: len(answer.suggestions)]  # known titles, newest first


@pytest.mark.parametrize(
    "question",
    [
        "dự báo thời tiết cuối tuần có mưa không",
        pytest.param("What is the weather in Hanoi tomorrow?", marks=SHARED_NAME),
        "giá vàng hôm nay bao nhiêu",
        "kết quả bóng đá đêm qua",
        "thời tiết Hà Nội ngày mai",
    ],
)
async def test_uncovered_question_declined_over_shared_articles(shared_answers: SearchService, question: str) -> None:
    answer = await shared_answers.ask(question)
    assert answer.answered is False
    assert answer.results == ()
    assert set(answer.suggestions) <= {a.title for a in shared_answers.sources()}


async def test_declined_answers_never_carry_results(mixed_service: SearchService) -> None:
    questions = ["bitcoin price today", "lịch chiếu phim rạp CGV", "", "x" * 5000, "*", "dự báo thời tiết"]
    for q in questions:
        answer = await mixed_service.ask(q)
        if not answer.answered:
            assert answer.results == ()
            assert answer.to_json_dict()["results"] == []


async def test_threshold_still_answers_covered_questions(mixed_service: SearchService) -> None:
    # The control for the declines above: the same service answers what its articles cover.
    for q in ["Ai chủ trì Phiên họp thứ bảy Ban Chỉ đạo CCHC?", "CSDL nhà ở dùng chung", "BCĐ họp định kỳ mỗi quý"]:
        answer = await mixed_service.ask(q)
        assert answer.answered, q
        assert answer.reason is None
        assert answer.suggestions == ()
