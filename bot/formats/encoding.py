"""Bytes to text for article files and fetched pages, including legacy Vietnamese encodings.

Order of trust: a byte-order mark (UTF-8, UTF-16, UTF-32), then a declared charset (HTTP header,
XML declaration or HTML ``<meta charset>``), then UTF-8, then Windows-1258 when the bytes read as
Vietnamese in it.  Windows-1258 writes most tones as combining marks, so every result is NFC.
Anything else is refused with a reason (:class:`EncodingError`).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from bot.formats import ParseError

MAX_TEXT_BYTES = 5_000_000

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']|<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE
)
# Letters and combining tone marks that Vietnamese written in Windows-1258 produces.
_VIETNAMESE_1258 = re.compile("[\u0300\u0301\u0303\u0309\u0323ăâêôơưđĂÂÊÔƠƯĐ]")
_TONE_AFTER_LETTER = re.compile("[A-Za-zăâêôơưĂÂÊÔƠƯ][\u0300\u0301\u0303\u0309\u0323]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class EncodingError(ParseError):
    """Bytes that are not text in an encoding this bot reads; the message says why."""


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def declared_charset(raw: bytes) -> str | None:
    """The charset an XML declaration or HTML ``<meta>`` in the first 4 KiB names, if any."""
    m = _DECLARED.search(raw[:4096])
    if not m:
        return None
    return (m.group(1) or m.group(2)).decode("ascii", "replace")


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    return bool(sample) and len(_CONTROL.findall(sample)) > max(2, len(sample) // 200)


def _finish(text: str) -> str:
    if _looks_binary(text):
        raise EncodingError("binary data (control characters), not text")
    return unicodedata.normalize("NFC", text)


def _is_vietnamese_1258(text: str) -> bool:
    marks = len(_VIETNAMESE_1258.findall(text))
    letters = sum(ch.isalpha() for ch in text[:50_000])
    return marks >= 3 and bool(_TONE_AFTER_LETTER.search(text)) and marks * 50 >= letters


def decode_bytes(raw: bytes, declared: str | None = None) -> str:
    """Decode ``raw`` to NFC text or raise :class:`EncodingError` saying why it cannot be read."""
    if not raw:
        raise EncodingError("empty file")
    if len(raw) > MAX_TEXT_BYTES:
        raise EncodingError(f"too large ({len(raw)} bytes, limit {MAX_TEXT_BYTES})")
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return _finish(raw.decode(codec))
            except UnicodeDecodeError as exc:
                raise EncodingError(f"{codec.upper()} byte-order mark but invalid {codec} data at offset"
                                    f" {exc.start}") from None  # fmt: skip
    if b"\x00" in raw[:8192]:
        raise EncodingError("binary data (NUL bytes, and no UTF-16 byte-order mark), not text")
    named = _codec(declared) or _codec(declared_charset(raw))
    if named and named not in {"utf-8", "ascii"}:
        try:
            return _finish(raw.decode(named))
        except UnicodeDecodeError:
            pass  # a wrong declaration is common: fall through to detection
    try:
        return _finish(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        if exc.end >= len(raw) - 1 and exc.reason == "unexpected end of data":
            raise EncodingError("truncated UTF-8 text (ends in the middle of a character)") from None
        utf8_error = exc
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    if text and _is_vietnamese_1258(text):
        return _finish(text)
    raise EncodingError(
        f"not UTF-8 (invalid byte 0x{raw[utf8_error.start]:02x} at offset {utf8_error.start}), no byte-order mark,"
        " and not recognisable Windows-1258 Vietnamese"
    )
