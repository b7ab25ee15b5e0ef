"""Vietnamese text normalisation shared by the index and the questions.

One pipeline serves both sides, so whatever a user types (with or without
diacritics, old or new tone placement, NFD from a phone keyboard, non-breaking
spaces) lands on the same folded syllables as the stored facts.

* :func:`clean` - NFC, invisible characters removed, every kind of space made a
  plain space, whitespace collapsed.  Used for text we keep and show.
* :func:`tone_canonical` - keeps diacritics but moves the tone mark off the
  letter and onto the end of the syllable (``hoà``/``hòa`` -> ``hoa\u0300``
  style key), so old and new tone placement compare equal.
* :func:`fold` - case folded, diacritics and đ removed, ``quí``/``quý`` style
  i/y spelling variants unified.  This is the form that is indexed.
* :func:`tokens` - folded syllables and numbers.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "bigrams",
    "clean",
    "fold",
    "has_vietnamese_marks",
    "terms",
    "token_pairs",
    "tokens",
    "tone_canonical",
    "word_spans",
]

# Zero-width and bidirectional control characters, BOM, soft hyphen.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# C0/C1 controls except tab/newline (those become spaces below).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# The five Vietnamese tone marks (as combining characters after NFD).
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_RE = re.compile(f"[{_TONES}]")
# Combining marks that are neither a tone nor a Vietnamese vowel mark (circumflex, breve, horn).
_COMBINING_NON_VOWEL = re.compile(
    r"[\u0304\u0305\u0307\u0308\u030a-\u031a\u031c-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)

# Letters that fold to ASCII but are not decomposed by NFD.
_FOLD_EXTRA = str.maketrans(
    {"đ": "d", "Đ": "d", "ð": "d", "ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss"}
)

# Onsets after which a lone final ``y`` is the same syllable as ``i``
# (quý/quí, kỹ/kĩ, lý/lí, mỹ/mĩ, sỹ/sĩ, hy/hi).
_IY = re.compile(r"\b(b|c|d|g|gh|h|k|l|m|n|ng|ngh|nh|p|ph|qu|r|s|t|th|tr|v|x)y\b")

# A token: a run of letters, or a number possibly with internal , . / (87,36 - 2/2 - 02/02/2024).
_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*|[^\W\d_]+")


# Either of the above: one scan tells whether the (rare) substitutions are needed at all.
_CONTROL_OR_INVISIBLE = re.compile(f"{_CONTROL.pattern}|{_INVISIBLE.pattern}")


def clean(text: str) -> str:
    """NFC, without invisible/control characters, single plain spaces, stripped."""
    if _CONTROL_OR_INVISIBLE.search(text):
        text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
    # str.split() splits at exactly the characters ``\s`` matches: runs become one space, ends stripped.
    return " ".join(unicodedata.normalize("NFC", text).split())


def has_vietnamese_marks(text: str) -> bool:
    """True when the text carries any diacritic or đ (the writer used a Vietnamese keyboard)."""
    decomposed = unicodedata.normalize("NFD", text)
    return bool(_COMBINING.search(decomposed)) or "đ" in text.lower()


def fold(text: str) -> str:
    """Case- and diacritic-folded text with single spaces (the indexed form)."""
    text = clean(text).casefold()
    text = unicodedata.normalize("NFD", text)
    text = _COMBINING.sub("", text).translate(_FOLD_EXTRA)
    return _SPACES.sub(" ", _IY.sub(r"\1i", text)).strip()


def tone_canonical(text: str) -> str:
    """Lower-case syllables with the tone written as a digit after the syllable.

    ``hoà`` and ``hòa`` (old and new tone placement), ``thuỷ`` and ``thủy``, ``quí``
    and ``quý`` give the same key (``hoa2``, ``thuy3``, ``qui1``); vowel-quality
    marks (â, ă, ơ, ư, ê, ô) and đ are kept, punctuation is dropped.
    """
    out: list[str] = []
    for word in _TOKEN.findall(clean(text).casefold().replace("%", " phần trăm ")):
        decomposed = unicodedata.normalize("NFD", word)
        tone = next((str(_TONES.index(c) + 1) for c in decomposed if c in _TONES), "")
        base = unicodedata.normalize("NFC", _COMBINING_NON_VOWEL.sub("", _TONE_RE.sub("", decomposed)))
        out.append(_IY.sub(r"\1i", base) + tone)
    return " ".join(out)


def word_spans(text: str) -> Iterator[re.Match[str]]:
    """Where each token of ``text`` stands, as written (the same tokens :func:`tokens` folds)."""
    return _TOKEN.finditer(text)


# Memo caches of per-word work (a knowledge base repeats the same few thousand words): pure
# functions of the word, so they never change an answer; bounded in entries, and words longer
# than _CACHED_WORD_CHARS (hostile input) are not cached, so they are bounded in memory too.
_WORD_CACHE_SIZE = 1 << 16
_CACHED_WORD_CHARS = 64


def _word_tokens(word: str) -> tuple[str, ...]:
    """:func:`tokens` of one white-space-free piece of text (uncached)."""
    return tuple(_IY.sub(r"\1i", t) for t in _TOKEN.findall(fold(word.replace("%", " phần trăm "))))


_cached_word_tokens = functools.lru_cache(maxsize=_WORD_CACHE_SIZE)(_word_tokens)


def word_tokens(word: str) -> tuple[str, ...]:
    """:func:`tokens` of one white-space-free piece of text, through a bounded memo cache."""
    return _cached_word_tokens(word) if len(word) <= _CACHED_WORD_CHARS else _word_tokens(word)


def tokens(text: str) -> list[str]:
    """Folded syllables and numbers of ``text``.

    Computed word by word (white-space-separated pieces) through a memo cache: no token spans
    white space, and folding one piece never depends on its neighbours (NFC does not compose
    across a space, ``\\b`` sees a space at either end), so this equals folding the whole text.
    """
    cached, limit = _cached_word_tokens, _CACHED_WORD_CHARS  # word_tokens, inlined: this is the hot loop
    return [t for w in text.split() for t in (cached(w) if len(w) <= limit else _word_tokens(w))]


def surface_tokens(text: str) -> list[tuple[str, str, str]]:
    """(lower-case word as written, folded, tone-canonical) for each single-token word of ``text``."""
    out: list[tuple[str, str, str]] = []
    for word in _TOKEN.findall(clean(text).casefold()):
        folded = [_IY.sub(r"\1i", t) for t in _TOKEN.findall(fold(word))]
        if len(folded) == 1:
            out.append((word, folded[0], tone_canonical(word)))
    return out


def _word_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """:func:`token_pairs` computed directly (uncached)."""
    out: list[tuple[str, str]] = []
    for word in _TOKEN.findall(clean(text).casefold().replace("%", " phần trăm ")):
        folded = [_IY.sub(r"\1i", t) for t in _TOKEN.findall(fold(word))]
        if len(folded) == 1:
            out.append((folded[0], tone_canonical(word)))
        else:  # a letter that folds to several tokens: keep the folded ones
            out.extend((f, f) for f in folded)
    return tuple(out)


_cached_word_pairs = functools.lru_cache(maxsize=_WORD_CACHE_SIZE)(_word_pairs)


def word_pairs(word: str) -> tuple[tuple[str, str], ...]:
    """:func:`token_pairs` of one white-space-free piece of text, through a bounded memo cache."""
    return _cached_word_pairs(word) if len(word) <= _CACHED_WORD_CHARS else _word_pairs(word)


def _marked_words(word: str) -> tuple[str, ...]:
    return tuple(a for f, a in word_pairs(word) if f != a)


_cached_marked_words = functools.lru_cache(maxsize=_WORD_CACHE_SIZE)(_marked_words)


def marked_words(word: str) -> tuple[str, ...]:
    """The tone-canonical forms of the syllables of one white-space-free piece that carry marks."""
    return _cached_marked_words(word) if len(word) <= _CACHED_WORD_CHARS else _marked_words(word)


def token_pairs(text: str) -> list[tuple[str, str]]:
    """(folded, tone-canonical) pairs of each syllable or number of ``text``.

    Word by word through a memo cache, as :func:`tokens` (the same reasoning holds).
    """
    return [p for word in text.split() for p in word_pairs(word)]


def bigrams(toks: Sequence[str]) -> list[str]:
    """Adjacent syllable pairs, written ``a_b``."""
    return [f"{a}_{b}" for a, b in itertools.pairwise(toks)]


def terms(toks: Sequence[str]) -> list[str]:
    """Index terms of a token sequence: the syllables and the syllable pairs."""
    return [*toks, *bigrams(toks)]


def join_phrases(phrases: Iterable[Sequence[str]]) -> list[str]:
    """Index terms of several independent token runs (no pairs across runs)."""
    out: list[str] = []
    for p in phrases:
        out.extend(terms(p))
    return out


def accented(text: str, cache: dict[str, list[tuple[str, str]]]) -> str:
    """The tone-canonical form of each syllable of ``text`` that carries marks.

    Same as ``token_pairs(text)`` filtered, computed word by word through ``cache``: a
    knowledge base repeats the same few thousand words, and normalising each occurrence
    anew was two thirds of a 100k-fact build.  (Tokens never span white space.)  The search
    computes it for its candidates only, through the snapshot's cache, rather than storing it.
    """
    out: list[str] = []
    for word in text.split():
        out.extend(accented_word(word, cache))
    return " ".join(out)


def accented_word(word: str, cache: dict[str, list[tuple[str, str]]] | None) -> tuple[str, ...]:
    """:func:`accented` of one white-space-free piece, as a tuple (its pairs recorded in ``cache``, if any)."""
    if cache is not None and word not in cache:
        cache[word] = list(word_pairs(word))
    return _cached_marked_words(word) if len(word) <= _CACHED_WORD_CHARS else _marked_words(word)
