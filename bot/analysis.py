"""Turn fact text and questions into index terms (the one place both sides meet)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntFlag

from bot.lexicon import Lexicon, Phrase
from bot.textnorm import clean, join_phrases, tokens


class Feature(IntFlag):
    """What a fact contains, used to honour the kind of question."""

    NONE = 0
    NUMBER = 1
    DATE = 2
    NAME = 4


class Intent(IntFlag):
    NONE = 0
    NUMBER = 1
    DATE = 2
    WHO = 4


# Function words and question words (folded); they weigh little in confidence.
STOPWORDS = frozenset(
    """a ai ay bao bay ben boi cai cac cho chu chua co con cua cung da dang day de den deu do duoc gi
    ha hay hon khi khong kia la lai lam len luc ma may minh moi mot nao nay neu nhe nhieu nhu nhung
    no noi o ong qua ra rang roi sao se sau thi the theo thuoc tai tren trong truoc tu va vao
    van vay ve vi voi vua xong
    how many much what which who whom whose when where why does did do is are was were has have of and
    with for from into about the by been their there this that these those a an at in on to it its
    """.split()
)

_INTENT_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.NUMBER, re.compile(r"\b(bao nhieu|may|ty le|phan tram|so luong|bao xa|muc nao|how many|how much|"
                               r"what percentage|what share|percent)\b")),
    (Intent.DATE, re.compile(r"\b(khi nao|ngay nao|thang nao|nam nao|bao gio|luc nao|thoi diem nao|"
                             r"thoi gian nao|han chot|thoi han|when|what date|deadline|by what date)\b")),
    (Intent.WHO, re.compile(r"(^|\s)(ai|nguoi nao|vi nao|dong chi nao|co quan nao|don vi nao|who|whom)(\s|$)")),
]  # fmt: skip

_HAS_NUMBER = re.compile(r"\d")
_HAS_DATE = re.compile(
    r"\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b(ngày|tháng|từ|trước|sau|đến)\s+\d{1,2}\b|\b(quý|tháng)\s+[IVX\d]+\b",
    re.IGNORECASE,
)
# Two or more capitalised words in a row, not opening the sentence: a person or an institution.
_UPPER_WORD = r"[A-ZĐÀ-ỸẠ-Ỹ][^\s,.;:()]*"
_HAS_NAME = re.compile(rf"(?<=[\s(,;:-]){_UPPER_WORD}(\s+{_UPPER_WORD}){{1,}}")
_NAME_CUES = re.compile(r"\b(đồng chí|ông|bà|chủ tịch|giám đốc|bộ trưởng|thủ tướng|bí thư)\b", re.IGNORECASE)


def fact_features(text: str) -> Feature:
    f = Feature.NONE
    if _HAS_NUMBER.search(text):
        f |= Feature.NUMBER
    if _HAS_DATE.search(text):
        f |= Feature.DATE
    if _HAS_NAME.search(text) or _NAME_CUES.search(text):
        f |= Feature.NAME
    return f


def question_intent(folded: str) -> Intent:
    intent = Intent.NONE
    for flag, pattern in _INTENT_PATTERNS:
        if pattern.search(folded):
            intent |= flag
    return intent


def text_phrases(text: str, lexicon: Lexicon) -> list[Phrase]:
    """The token run of a text plus the full forms of its abbreviations."""
    toks = tuple(tokens(text))
    return [toks, *lexicon.expansions(toks)]


def fact_terms(text: str, lexicon: Lexicon) -> list[str]:
    """Index terms of one fact (syllables and pairs, abbreviations expanded)."""
    return join_phrases(text_phrases(text, lexicon))


@dataclass
class QueryPlan:
    """A question made ready for the index."""

    text: str  # cleaned question
    phrases: list[Phrase]
    content: list[str]  # distinct content syllables, for coverage
    intent: Intent
    english: bool
    repaired: dict[str, str] = field(default_factory=dict)

    @property
    def folded(self) -> str:
        return " ".join(" ".join(p) for p in self.phrases)


def plan_query(question: str, lexicon: Lexicon) -> QueryPlan:
    text = clean(question)
    toks = tokens(text)
    english = lexicon.looks_english(toks)
    if english:
        base: list[Phrase] = lexicon.translate_english(toks)
    else:
        base = [tuple(toks)]
    phrases: list[Phrase] = []
    for p in base:
        phrases.append(p)
        phrases.extend(lexicon.expansions(p))
    intent = question_intent(" ".join(" ".join(p) for p in (base if english else [tuple(toks)])))
    if english:
        intent |= question_intent(" ".join(toks))
    content = list(dict.fromkeys(t for p in phrases for t in p if t not in STOPWORDS))
    return QueryPlan(text=text, phrases=phrases, content=content, intent=intent, english=english)
