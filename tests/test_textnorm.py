"""Vietnamese normalisation: one folding for stored text and questions."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.normalize import clean, fold, tokens, tone_canonical

# Vietnamese letters in every tone, upper and lower case, plus spaces of several kinds and punctuation.
_VOWELS = "aăâeêioôơuưy"
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_TONED = [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONE_MARKS]
_LETTERS = "".join(_TONED) + "bcdđghklmnpqrstvx"
_ALPHABET = _LETTERS + _LETTERS.upper() + "0123456789 ,.;:%/-–…“”\"'()\u00a0\u200b\u202f\t\n"
vietnamese_text = st.text(alphabet=_ALPHABET, max_size=80)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("thuỷ", "thủy"),
        ("quí", "quý"),
        ("kĩ thuật", "kỹ thuật"),
        ("lí do", "lý do"),
        ("khoẻ", "khỏe"),
        ("tuỳ", "tùy"),
        ("CẢI CÁCH HÀNH CHÍNH", "cải cách hành chính"),
        ("Đắk Lắk", "đắk lắk"),
        ("thủ\u00a0tục", "thủ tục"),
        ("thủ \u200btục", "thủ tục"),
        ("thủ\u202ftục", "thủ tục"),
        ("\ufeffthủ tục", "thủ tục"),
    ],
)
def test_spelling_variants_fold_and_tone_canonical_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)
    assert tokens(a) == tokens(b)
    assert tone_canonical(a) == tone_canonical(b)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đồng chí Phạm Minh Chính", "dong chi pham minh chinh"),
        ("ĐỒNG THỜI", "dong thoi"),
        ("Thủ tục hành chính", "thu tuc hanh chinh"),
        ("Chỉ số SIPAS đạt 82,15%", "chi so sipas dat 82,15%"),
        ("Nguyễn\u00a0Ngọc  Sâm", "nguyen ngoc sam"),
        ("Quý II", "qui ii"),
    ],
)
def test_fold_removes_case_diacritics_and_d_bar(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_tone_canonical_keeps_what_folding_drops() -> None:
    # Vowel quality and đ still distinguish words; only tone placement is unified.
    assert tone_canonical("hòa") != tone_canonical("hoa")
    assert tone_canonical("đa") != tone_canonical("da")
    assert tone_canonical("sơ") != tone_canonical("sở")
    assert tone_canonical("hoà") == tone_canonical("hòa")
    assert tone_canonical("hoà") != tone_canonical("hoá")


def test_nfd_input_equals_nfc_input_for_the_seed_title() -> None:
    title = "Phiên họp thứ bảy Ban Chỉ đạo Cải cách hành chính của Chính phủ"
    nfd = unicodedata.normalize("NFD", title)
    assert nfd != title
    assert clean(nfd) == title
    assert fold(nfd) == fold(title)
    assert tokens(nfd) == tokens(title)


def test_clean_removes_invisible_and_control_characters() -> None:
    assert clean("hà\u200bnh chính\u200b") == "hành chính"
    assert clean("\x00thủ\x07 tục\x1f") == "thủ tục"
    assert clean("  một\t\n\r cửa \u00a0") == "một cửa"


def test_numbers_are_single_tokens() -> None:
    assert tokens("đạt 87,36 điểm ngày 02/02/2024, 12.450 hồ sơ") == [
        "dat", "87,36", "diem", "ngay", "02/02/2024", "12.450", "ho", "so"
    ]  # fmt: skip


@settings(max_examples=300)
@given(vietnamese_text)
def test_fold_and_clean_are_idempotent(text: str) -> None:
    assert clean(clean(text)) == clean(text)
    assert fold(fold(text)) == fold(text)
    assert tokens(" ".join(tokens(text))) == tokens(text)


@settings(max_examples=300)
@given(vietnamese_text)
def test_nfc_and_nfd_inputs_are_identical(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    nfd = unicodedata.normalize("NFD", text)
    assert clean(nfd) == clean(nfc)
    assert fold(nfd) == fold(nfc)
    assert tokens(nfd) == tokens(nfc)
    assert tone_canonical(nfd) == tone_canonical(nfc)


@settings(max_examples=300)
@given(vietnamese_text)
def test_folded_text_is_plain(text: str) -> None:
    folded = fold(text)
    assert folded == folded.casefold()
    assert "đ" not in folded
    assert "\u00a0" not in folded
    assert "\u200b" not in folded
    assert not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", folded))
    assert fold(text.upper()) == folded


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_any_unicode_folds_without_error_and_idempotently(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert clean(clean(text)) == clean(text)
