"""Article stage: a page's bytes → text, with the encoding decided here, explicitly. Pure.

The order is the HTML standard's (WHATWG "encoding sniffing"): a byte order mark, then the
charset of the HTTP Content-Type, then a `<meta charset>` in the page's first bytes, then
detection. Two deliberate departures, both for pages a browser would show as mojibake anyway:
a declared UTF-8 that is not valid UTF-8 is passed over (an old windows-1251 site behind a
server whose default header says utf-8), and detection is limited to the encodings the web
uses (charset_normalizer otherwise answers Shift_JIS for a few bytes of KOI8-R).

We never hand bytes to trafilatura: it ignores both the header and the meta tag, and first
tries gzip/zstd/brotli/zlib on any byte string, unbounded (trafilatura.utils.decode_file).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# WHATWG labels whose meaning differs from Python's codec of the same name (Encoding
# Standard §4.2): a page labelled iso-8859-1 is decoded as windows-1252 by every browser.
_WHATWG = {
    "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "latin1": "cp1252", "l1": "cp1252", "iso_8859-1": "cp1252", "cp819": "cp1252",
    "ibm819": "cp1252", "x-cp1252": "cp1252", "x-user-defined": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254", "l5": "cp1254",
    "tis-620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "windows-949": "cp949",
    "shift_jis": "cp932", "sjis": "cp932", "ms932": "cp932", "windows-31j": "cp932",
    "x-sjis": "cp932", "big5": "big5hkscs", "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic", "x-cp1251": "cp1251", "x-cp1250": "cp1250",
    "koi8-ru": "koi8-u", "utf-16": "utf-16-le", "unicode": "utf-16-le",
    "unicode-1-1-utf-8": "utf-8", "utf8": "utf-8",
}
# Python's names for the encodings of the Encoding Standard; a label naming anything else
# (utf-7, rot13, zlib_codec …) is ignored, as a browser ignores it.
_WEB_ENCODINGS = frozenset({
    "utf-8", "utf-16-le", "utf-16-be", "cp866", "koi8-r", "koi8-u", "mac-cyrillic",
    "mac-roman", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255",
    "cp1256", "cp1257", "cp1258", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5",
    "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14",
    "iso8859-15", "iso8859-16", "gb18030", "big5hkscs", "euc_jp", "iso2022_jp", "cp932",
    "cp949",
})
# What detection may answer: the single-byte legacy encodings first (the Cyrillic ones are
# ours), then the CJK multi-byte ones. UTF-16 without a BOM is not detected (no browser does).
_DETECTABLE = ["cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic", "cp1252",
               "cp1250", "cp1257", "iso8859_2", "iso8859_15", "cp1253", "cp1254", "cp1255",
               "cp1256", "cp1258", "cp874", "gb18030", "big5hkscs", "euc_jp", "cp932", "cp949",
               "iso2022_jp"]
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:()+-]{1,40})""", re.I)
_META = re.compile(rb"<meta\b[^>]{0,500}?>", re.I)
# The standard's prescan reads 1,024 bytes; we read further (as w3lib does) because a meta tag
# after a long inline script is still the author's word, and detection is the worse guess.
PRESCAN_BYTES = 4096
# charset_normalizer on a whole 5 MB page costs tens of ms; its verdict on this much is the same.
DETECT_BYTES = 256 * 1024


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str  # Python's codec name
    source: str  # "bom", "http", "meta", "detected" or "default"


def web_encoding(label: str | bytes | None) -> str | None:
    """The Python codec a charset label means on the web, or None for an unknown label."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    label = label.strip().strip("\"'").lower()
    name = _WHATWG.get(label, label)
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return name if name in _WEB_ENCODINGS else None


def decode_page(body: bytes, content_type: str | None) -> DecodedPage:
    """`body` as text, decoded by the first of: BOM, HTTP charset, meta charset, detection."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return DecodedPage(body[len(bom):].decode(encoding, "replace"), encoding, "bom")
    match = _CHARSET_PARAM.search((content_type or "").encode("latin-1", "replace"))
    declared = [(web_encoding(match.group(1)) if match else None, "http"),
                (_meta_charset(body[:PRESCAN_BYTES]), "meta")]
    for encoding, source in declared:
        if encoding is None:
            continue
        if encoding == "utf-8":
            try:
                return DecodedPage(body.decode("utf-8"), "utf-8", source)
            except UnicodeDecodeError:
                continue  # declared wrongly: what the bytes are is the better guide
        return DecodedPage(body.decode(encoding, "replace"), encoding, source)
    return _detected(body)


def _meta_charset(head: bytes) -> str | None:
    """The charset of the first `<meta charset=…>` or `<meta http-equiv=Content-Type
    content="…; charset=…">` (bytes; the pattern is ASCII, as in every encoding it may name)."""
    for tag in _META.finditer(head):
        raw = tag.group(0)
        if b"charset" not in raw.lower():
            continue
        match = _CHARSET_PARAM.search(raw)
        if match is None:
            continue
        encoding = web_encoding(match.group(1))
        # A meta tag readable as ASCII cannot be in UTF-16: the standard reads it as UTF-8.
        if encoding in ("utf-16-le", "utf-16-be"):
            encoding = "utf-8"
        if encoding is not None:
            return encoding
    return None


def _detected(body: bytes) -> DecodedPage:
    try:
        return DecodedPage(body.decode("utf-8"), "utf-8", "detected")
    except UnicodeDecodeError as exc:
        # A page cut by the size cap may end inside a character: still UTF-8.
        if exc.start >= len(body) - 3 and exc.reason.startswith("unexpected end"):
            return DecodedPage(body.decode("utf-8", "replace"), "utf-8", "detected")
    from charset_normalizer import from_bytes  # 30 ms to import: only pages that need it pay

    best = from_bytes(body[:DETECT_BYTES], cp_isolation=_DETECTABLE).best()
    encoding = web_encoding(best.encoding) if best is not None else None
    if encoding is None:
        return DecodedPage(body.decode("utf-8", "replace"), "utf-8", "default")
    return DecodedPage(body.decode(encoding, "replace"), encoding, "detected")
