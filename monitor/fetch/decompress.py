"""Fetch stage: Content-Encoding decoders whose output comes in bounded pieces. Pure.

httpx decodes each network chunk in one call with no output limit: 1.6 KB of brotli inflate
to 1 GiB at once, and a 64 KB gzip chunk to 64 MB, before any size cap can look at them. These
decoders yield about `piece_bytes` at a time, so the fetcher's body cap stops a
decompression bomb after at most cap + one piece of memory. Used by client and pages; imports
zlib and brotli only.
"""

from __future__ import annotations

import zlib
from typing import Iterator, Protocol

import brotli

PIECE_BYTES = 256 * 1024
SUPPORTED = ("gzip", "x-gzip", "deflate", "br", "identity")
ACCEPT_ENCODING = "gzip, deflate, br"


class DecodeError(ValueError):
    """The body is not valid data for its Content-Encoding, or the coding is unknown."""


class Decoder(Protocol):
    def decode(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> Iterator[bytes]: ...


class _Identity:
    def decode(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (wbits 31) or deflate: zlib-wrapped as RFC 9110 says, raw as many servers send."""

    def __init__(self, coding: str, piece_bytes: int) -> None:
        self.coding = coding
        self.piece = piece_bytes
        self.obj: "zlib._Decompress | None" = None
        if coding != "deflate":
            self.obj = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self.obj is None:
            if not data:
                return
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self.obj = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        obj = self.obj
        while True:
            if obj.eof:  # trailing bytes after the stream end (a second gzip member): ignored
                return
            try:
                out = obj.decompress(data, self.piece)
            except zlib.error as exc:
                raise DecodeError(f"invalid {self.coding} data ({exc})") from None
            if out:
                yield out
            data = obj.unconsumed_tail
            if not data and len(out) < self.piece:
                return

    def flush(self) -> Iterator[bytes]:
        yield from self.decode(b"")


class _Brotli:
    """brotli's output_buffer_limit is soft: a piece may pass it by one block (~32 KiB)."""

    def __init__(self, piece_bytes: int) -> None:
        self.piece = piece_bytes
        self.obj = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        try:
            if self.obj.is_finished():
                return
            out = self.obj.process(data, output_buffer_limit=self.piece)
            if out:
                yield out
            # Pending output comes out with empty input, a piece at a time, until none is left.
            while out and not self.obj.is_finished():
                out = self.obj.process(b"", output_buffer_limit=self.piece)
                if out:
                    yield out
        except brotli.error as exc:
            raise DecodeError(f"invalid br data ({exc})") from None

    def flush(self) -> Iterator[bytes]:
        yield from self.decode(b"")


class _Chain:
    """`Content-Encoding: gzip, br` means gzip first, then br: decode br, then gzip."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self.decoders = decoders

    def decode(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(1, self.decoders[0].decode(data))

    def flush(self) -> Iterator[bytes]:
        for i, decoder in enumerate(self.decoders):
            yield from self._through(i + 1, decoder.flush())

    def _through(self, start: int, pieces: Iterator[bytes]) -> Iterator[bytes]:
        if start == len(self.decoders):
            yield from pieces
            return
        for piece in pieces:
            yield from self._through(start + 1, self.decoders[start].decode(piece))


def decoder_for(content_encoding: str | None, piece_bytes: int = PIECE_BYTES) -> Decoder:
    """A decoder for a Content-Encoding header value. Raises DecodeError for unknown codings."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    decoders: list[Decoder] = []
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip", "deflate"):
            decoders.append(_Zlib("deflate" if coding == "deflate" else "gzip", piece_bytes))
        elif coding == "br":
            decoders.append(_Brotli(piece_bytes))
        elif coding != "identity":
            raise DecodeError(f"unsupported Content-Encoding {coding!r}")
    if not decoders:
        return _Identity()
    return decoders[0] if len(decoders) == 1 else _Chain(decoders)
