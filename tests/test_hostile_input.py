"""Hostile input and FTS-like syntax: every question gets a clean Answer, never an exception."""

from __future__ import annotations

import time

import pytest

from bot.models import Answer, Reason
from bot.service import SearchService

REASONS = set(Reason)
SEED_TITLE = "Phiên họp thứ bảy Ban Chỉ đạo Cải cách hành chính của Chính phủ"
ONLINE_FACT_START = "Cả nước có khoảng 81% TTHC được cung cấp dưới hình thức dịch vụ công trực tuyến"

_REPAIR_BUG = (
    "search.py: Searcher._repair maps the unknown token 'or' to 'o' and 'not' to 'noi' (Levenshtein 1), both "
    "STOPWORDS; plan.content is rebuilt from the repaired tokens without dropping stopwords again, so a stopword "
    "that most facts contain becomes the whole content, coverage is 1.0 and an unrelated fact is answered"
)

# Inputs with no searchable words: never answered, never an error.
NO_WORDS = [
    '"', '""', "'", "*", "-", ":", "^", "(", ")", "()", "NEAR(", "NEAR(a b)", "AND", "%", "?",
    "{}[]<>|\\/@#$%&", "😀😀😀", "<script>alert(1)</script>", "\u0300" * 900, "\u0300\u0301\u0303",
    "\x00\x01\x02", "a" * 1000,
    "OR",
    "NOT",
]  # fmt: skip

# FTS syntax around real words: the words are an ordinary question.
WITH_WORDS = [
    '"thủ tục hành chính" AND "dịch vụ công trực tuyến"',
    "dịch vụ công NEAR(trực tuyến, 5)",
    "(TTHC OR thủ tục) trực tuyến*",
    "-TTHC -dịch -vụ -công -trực -tuyến",
    "TTHC:dịch vụ công trực tuyến^2",
    "🏛️ TTHC dịch vụ công trực tuyến 😀",
    "<b>TTHC</b> dịch vụ công <i>trực tuyến</i>",
    "**TTHC** _dịch vụ công_ [trực tuyến](http://example.vn)",
    "\x00TTHC\x07 dịch\tvụ công\x1b trực tuyến\x7f",
    "\u202eTTHC\u202c dịch vụ công trực tuyến\ufeff",
    "TTHC dịch vụ công trực tuyến" + "\u0300" * 300,
]


def assert_clean(answer: Answer, question: str) -> None:
    assert isinstance(answer, Answer)
    assert answer.question == question
    assert answer.reason is None if answer.answered else answer.reason in REASONS
    if answer.answered:
        assert answer.results
    else:
        assert answer.results == ()
    answer.to_json_dict()  # serialisable


@pytest.mark.parametrize("question", NO_WORDS)
async def test_no_searchable_words_is_not_answered(seed_answers: SearchService, question: str) -> None:
    answer = await seed_answers.ask(question)
    assert_clean(answer, question)
    assert not answer.answered
    assert answer.suggestions == (SEED_TITLE,)


@pytest.mark.parametrize("question", WITH_WORDS)
async def test_syntax_around_real_words_is_an_ordinary_question(seed_answers: SearchService, question: str) -> None:
    answer = await seed_answers.ask(question)
    assert_clean(answer, question)
    assert answer.answered
    assert answer.results[0].text.startswith(ONLINE_FACT_START)


async def test_injection_words_count_as_words_the_bot_does_not_know(seed_answers: SearchService) -> None:
    # Half the question is SQL the articles never use: weighed like any unknown words, never run,
    # and the index still answers the plain question after it. The unknown half costs confidence:
    # the bot either declines for it or answers the words it knows, with the same fact as without them.
    question = "' OR 1=1; DROP TABLE facts; -- TTHC dịch vụ công trực tuyến"
    answer = await seed_answers.ask(question)
    assert_clean(answer, question)
    plain = await seed_answers.ask("TTHC dịch vụ công trực tuyến")
    assert plain.answered
    assert plain.results[0].text.startswith(ONLINE_FACT_START)
    assert answer.confidence is not None
    assert plain.confidence is not None
    assert answer.confidence < plain.confidence - 0.3
    if answer.answered:
        assert answer.results[0].text == plain.results[0].text
    else:
        assert answer.reason is Reason.LOW_CONFIDENCE


async def test_apostrophes_hyphens_and_colons_in_fact_wording(seed_answers: SearchService) -> None:
    answer = await seed_answers.ask("trễ hẹn ở lĩnh vực đất đai, xây dựng, lao động-thương binh và xã hội")
    assert answer.answered
    assert "lao động-thương binh và xã hội" in answer.results[0].text


@pytest.mark.parametrize("question", ["", " ", "   ", "\t\n\r", "\u00a0\u200b\ufeff", "\x00", "\u2060\u200d"])
async def test_empty_reason(seed_answers: SearchService, question: str) -> None:
    answer = await seed_answers.ask(question)
    assert_clean(answer, question)
    assert not answer.answered
    assert answer.reason == "empty"


@pytest.mark.parametrize(
    "question",
    [
        "x" * 10_000,
        "thủ tục hành chính " * 600,
        "a" + "\u0301" * 5000,
        "TTHC " + "😀" * 2000,
    ],
)
async def test_too_long_reason(seed_answers: SearchService, question: str) -> None:
    started = time.perf_counter()
    answer = await seed_answers.ask(question)
    assert time.perf_counter() - started < 1.0
    assert_clean(answer, question)
    assert not answer.answered
    assert answer.reason == "too_long"
    assert answer.suggestions


async def test_long_but_allowed_question_is_answered_quickly(seed_answers: SearchService) -> None:
    question = ("TTHC dịch vụ công trực tuyến " * 40)[:990]
    started = time.perf_counter()
    answer = await seed_answers.ask(question)
    assert time.perf_counter() - started < 2.0
    assert_clean(answer, question)
    assert answer.answered


async def test_hostile_input_changes_nothing(seed_answers: SearchService) -> None:
    before = await seed_answers.ask("TTHC dịch vụ công trực tuyến")
    for q in [*(p for p in NO_WORDS if isinstance(p, str)), *WITH_WORDS, "x" * 10_000]:
        await seed_answers.ask(q)
    after = await seed_answers.ask("TTHC dịch vụ công trực tuyến")
    assert after == before
    assert [a.url for a in seed_answers.sources()] == [r.url for r in before.results[:1]]
