import gzip
import zlib

import brotli
import pytest

from monitor.fetch.decompress import DecodeError, decoder_for

DATA = ("Дрон упал под Минском. " * 5000).encode()


def decode_all(coding, body, chunk=1000, piece=4096):
    decoder = decoder_for(coding, piece_bytes=piece)
    pieces = []
    for i in range(0, len(body), chunk):
        pieces.extend(decoder.decode(body[i:i + chunk]))
    pieces.extend(decoder.flush())
    return pieces


@pytest.mark.parametrize("coding, encode", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", zlib.compress),  # zlib-wrapped, as RFC 9110 says
    ("deflate", lambda d: zlib.compress(d)[2:-4]),  # raw, as many servers send it
    ("br", brotli.compress),
    (None, lambda d: d),
    ("identity", lambda d: d),
], ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "br", "none", "identity"])
def test_decoder_round_trips_in_bounded_pieces(coding, encode):
    pieces = decode_all(coding, encode(DATA))
    assert b"".join(pieces) == DATA
    # brotli's limit is soft: it may pass it by one internal block (up to 32 KiB here).
    bound = 4096 + (65536 if coding == "br" else 0)
    assert max(len(p) for p in pieces) <= bound or coding in (None, "identity")


@pytest.mark.parametrize("coding, encode", [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)])
def test_decoder_inflates_a_bomb_one_bounded_piece_at_a_time(coding, encode):
    bomb = encode(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    decoder = decoder_for(coding, piece_bytes=65536)
    first = next(iter(decoder.decode(bomb)))  # the whole bomb in one network chunk
    assert len(first) <= 2 * 65536  # brotli's limit is soft by one block
    assert len(first) < 50_000_000 // 100


def test_decoder_handles_a_chain_of_codings_in_reverse_order():
    body = brotli.compress(gzip.compress(DATA))  # gzip applied first, then br
    assert b"".join(decode_all("gzip, br", body)) == DATA


@pytest.mark.parametrize("coding, body", [("gzip", b"not gzip at all"), ("br", b"\xff" * 50)])
def test_decoder_rejects_invalid_data(coding, body):
    with pytest.raises(DecodeError, match=f"invalid {coding} data"):
        decode_all(coding, body)


def test_decoder_rejects_an_unknown_coding():
    with pytest.raises(DecodeError, match="unsupported Content-Encoding 'zstd'"):
        decoder_for("zstd")


def test_decoder_ignores_bytes_after_the_end_of_the_stream():
    assert b"".join(decode_all("gzip", gzip.compress(DATA) + b"trailing junk")) == DATA
