"""Split Vietnamese news paragraphs into sentence-level facts.

A boundary is sentence punctuation (. ! ? …) followed by white space and a sentence
start (an upper-case letter, a digit or an opening quote).  Decimal commas (87,36),
dates (2/2, 02/02/2024), percentages and thousands separators never contain
"punctuation + space", so they stay whole; known abbreviations ending in a dot
(TP., ThS., PGS.TS.) do not end a sentence.
"""

from __future__ import annotations

import re

from bot.text.normalize import clean

_BOUNDARY = re.compile(r"([.!?…]+)([\"”’»)\]]*)\s+([\"“‘«(\[]?)(\S)")
# Words that end with a dot without ending the sentence.
_ABBREVIATIONS = frozenset(
    {
        "tp", "tx", "tt", "q", "p", "ths", "ts", "gs", "pgs", "bs", "ks", "ls", "nxb", "st", "ông", "bà",
        "mr", "mrs", "dr", "no", "vs", "v.v", "tr", "th.s", "pgs.ts", "gs.ts",
    }
)  # fmt: skip
_LAST_WORD = re.compile(r"([\w.]+)$")
_MIN_FACT_CHARS = 3
# A "sentence" longer than this (a run-on line, a paste without punctuation, a hostile 1 MB line) is
# cut into pieces at spaces: a fact is a short citation, and a huge one would slow every search.
MAX_FACT_CHARS = 1000


def _pieces(sentence: str, limit: int = MAX_FACT_CHARS) -> list[str]:
    """``sentence`` cut at spaces into parts of at most ``limit`` characters (hard cuts for longer words)."""
    out: list[str] = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", limit // 2, limit + 1)
        if cut <= 0:
            cut = limit
        out.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    out.append(sentence)
    return [p for p in out if p]


def _last_word(text: str, tail: int = 64) -> re.Match[str] | None:
    """``_LAST_WORD.search(text)``, trying only the last ``tail`` characters first.

    The positions where the pattern matches form one run up to the end, so a match found in
    the tail that does not start at the tail's first character is the whole text's match.
    """
    if len(text) > tail:
        start = len(text) - tail
        m = _LAST_WORD.search(text, start)
        if m is None or m.start() > start:
            return m
    return _LAST_WORD.search(text)


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, each cleaned (NFC, single spaces)."""
    text = clean(paragraph)
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        nxt = m.group(4)
        if not (nxt.isupper() or nxt.isdigit()):
            continue
        before = text[start : m.start(1)]
        last = _last_word(before)
        if m.group(1) == "." and last and last.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if last and len(last.group(1)) == 1 and last.group(1).isupper() and m.group(1) == ".":
            continue  # an initial such as "A. Nguyễn"
        sentence = text[start : m.end(2)].strip()
        if sentence:
            out.append(sentence)
        start = m.start(3)
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [p for s in out for p in _pieces(s) if len(p) >= _MIN_FACT_CHARS]
