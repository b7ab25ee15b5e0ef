"""Undoing a response's ``Content-Encoding`` as it streams in, within a byte budget.

httpx inflates every layer of ``Content-Encoding: gzip, gzip`` in full before the caller sees a
byte, so a 2 KB body can become gigabytes before any size limit applies. Here each layer
inflates at most ``step`` bytes at a time (zlib's ``max_length``) and every layer's output is
counted against the budget, so memory stays near the budget whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

MAX_LAYERS = 2
STEP = 64 * 1024
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 0}


class DecodingError(Exception):
    """A body that cannot be decoded within the rules; the message says why."""


class TooLarge(DecodingError):
    """More than the budget of decoded bytes."""


@dataclass
class _Layer:
    name: str
    wbits: int  # 0: deflate, zlib-wrapped or raw (decided on the first bytes, as httpx does)
    inflater: zlib._Decompress | None = None
    produced: int = 0
    head: bytes = b""

    def inflate(self, data: bytes, step: int) -> tuple[bytes, bytes]:
        """(output of at most ``step`` bytes, input still to feed)."""
        if self.inflater is None:
            data = self.head + data
            if self.wbits == 0 and len(data) < 2:
                self.head = data
                return b"", b""
            self.inflater = zlib.decompressobj(self.wbits or _deflate_wbits(data))
        out = self.inflater.decompress(data, step)
        return out, self.inflater.unconsumed_tail


def _deflate_wbits(start: bytes) -> int:
    """zlib-wrapped deflate (RFC 1950) when the first two bytes are a zlib header, else raw deflate."""
    wrapped = start[0] & 0x0F == 8 and (start[0] << 8 | start[1]) % 31 == 0
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def _layers(content_encoding: str | None) -> list[_Layer]:
    names = [n.strip().lower() for n in (content_encoding or "").split(",")]
    names = [n for n in names if n and n != "identity"]
    if len(names) > MAX_LAYERS:
        raise DecodingError(f"{len(names)} content encodings (at most {MAX_LAYERS})")
    unknown = [n for n in names if n not in _WBITS]
    if unknown:
        raise DecodingError(f"unsupported content encoding {unknown[0]!r}")
    return [_Layer(n, _WBITS[n]) for n in reversed(names)]  # the last applied is undone first


@dataclass
class StreamDecoder:
    """Feed raw body chunks, get decoded bytes; raises :class:`TooLarge` past ``budget``."""

    content_encoding: str | None
    budget: int
    step: int = STEP
    size: int = 0
    _layers: list[_Layer] = field(init=False)

    def __post_init__(self) -> None:
        self._layers = _layers(self.content_encoding)

    def _count(self, produced: int) -> None:
        if produced > self.budget:
            raise TooLarge(f"more than {self.budget} bytes once decoded")

    def _push(self, index: int, data: bytes, out: list[bytes]) -> None:
        if index == len(self._layers):
            self.size += len(data)
            self._count(self.size)
            out.append(data)
            return
        layer = self._layers[index]
        while True:
            try:
                chunk, data = layer.inflate(data, self.step)
            except zlib.error as exc:
                raise DecodingError(f"bad {layer.name} data: {exc}") from None
            layer.produced += len(chunk)
            self._count(layer.produced)
            if chunk:
                self._push(index + 1, chunk, out)
            if not data and len(chunk) < self.step:
                return

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        if data:
            self._push(0, data, out)
        return b"".join(out)

    def finish(self) -> bytes:
        """What the layers still hold once the body has ended."""
        out: list[bytes] = []
        for index, layer in enumerate(self._layers):
            if layer.inflater is None:
                if layer.head:
                    raise DecodingError(f"truncated {layer.name} data")
                continue
            try:
                rest = layer.inflater.flush(self.step)
            except zlib.error as exc:
                raise DecodingError(f"bad {layer.name} data: {exc}") from None
            layer.produced += len(rest)
            self._count(layer.produced)
            if rest:
                self._push(index + 1, rest, out)
        return b"".join(out)
