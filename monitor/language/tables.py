"""The language detector's data: n-gram profiles compiled into flat arrays, and their file.

A profile gives each character n-gram of a language a probability; the detector needs, for every
gram any configured language knows, log P(gram | language) with the floor and the orthography
penalty applied, found by integer key. Compiling that from the profiles is a Python loop over
~370,000 grams (seconds), so for our four languages scripts/build_langid_profiles.py does it once
and writes TABLES_FILE (monitor/data/langid/tables.bin), which `shipped_tables` memory-maps in a
couple of milliseconds. A set of languages that includes one of langdetect's own profiles is
compiled at run time. numpy is imported on first use, so that importing this module is cheap.

The file: 8 bytes of magic, the header's length (8 bytes, little-endian), a JSON header (languages,
max order, characters, the model constants the values were computed with, and each array's dtype,
shape and offset), then the arrays, each 64-byte aligned. The same tables give the same bytes.
Imports numpy (lazily) and the standard library.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import mmap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    import numpy as np

MAX_ORDER = 5
FLOOR = 3e-6  # probability of an n-gram a profile lacks, divided by the gram's order
ORTHOGRAPHY_NATS = 8.0

# Alphabets of the Cyrillic languages we may be configured with. The apostrophe is a letter in
# Ukrainian and Belarusian (пам'ять, з'ява) and never appears inside a Russian word.
ALPHABETS = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
    "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя'",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
    "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
}
CYRILLIC = set("".join(ALPHABETS.values())) - {"'"}

TABLES_FILE = "tables.bin"
_MAGIC = b"MLANGID3"
_ALIGN = 64
_U64 = (1 << 64) - 1
_HASH_M = 0x9E3779B97F4A7C15  # odd, so invertible mod 2**64
_FMIX = (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)
DENSE_KEY_BITS = 21  # n-grams whose codes fit in this many bits get a direct-index table


@dataclass(frozen=True, eq=False)
class Tables:
    """The scorer's data for a fixed set of languages, as flat arrays.

    Gram i has the integer key keys[i] (sorted; see `gram_key`), and under language j the log
    probability palette[j, values[i, j]] (floor and orthography included: a language has a few
    tens of thousands of distinct values, so a uint16 index stands for a float64). vocab_of[i]
    has bit j set when language j's profile has the gram, and bit len(languages) when the gram
    is in every vocabulary (Cyrillic letters and the apostrophe, for the orthography penalty).
    lexicons[j] is language j's (sorted unique `word_hash`es, float16 log frequencies), or None
    for all languages when one has none. char_codes maps every code point to its character code;
    dense[n - 1] maps the packed codes of an n-gram to its index (-1: none), for the orders whose
    codes fit in DENSE_KEY_BITS (1-3 grams for our languages), which then need no search.
    """

    languages: tuple[str, ...]
    max_order: int
    chars: str  # the characters of the grams; char k has code k + 2 (1 is the space)
    keys: np.ndarray
    values: np.ndarray
    palette: np.ndarray
    vocab_of: np.ndarray
    lexicons: tuple[tuple[np.ndarray, np.ndarray], ...] | None
    char_codes: np.ndarray
    dense: tuple[np.ndarray, ...]

    @property
    def bits(self) -> int:
        """Bits per character code: codes 1..len(chars)+1, and all ones for unknown."""
        return (len(self.chars) + 2).bit_length()

    @property
    def order_shift(self) -> int:
        """A key is (order << order_shift) | the gram's codes, `bits` apiece, first char highest."""
        return self.max_order * self.bits

    @property
    def in_every_vocabulary(self) -> int:
        return 1 << len(self.languages)

    def gram_keys(self, grams: Sequence[str]) -> list[int]:
        """The key of each gram (its characters must be in `chars` or spaces)."""
        codes = {c: i for i, c in enumerate(" " + self.chars, start=1)}
        keys = []
        for gram in grams:
            key = 0
            for c in gram:
                key = (key << self.bits) | codes[c]
            keys.append(key | (len(gram) << self.order_shift))
        return keys


def word_hash(word: str) -> int:
    """A stable 32-bit hash of a word: lexicons store hashes, not words (a false hit is ~1e-4).

    The high half of MurmurHash3's finaliser over sum(code point i x M**i) mod 2**64; the
    scorer computes the same for every word of a batch at once (`word_hashes`).
    """
    h = 0
    for c in reversed(word):
        h = (h * _HASH_M + ord(c)) & _U64
    for multiplier in _FMIX:
        h ^= h >> 33
        h = (h * multiplier) & _U64
    return (h ^ (h >> 33)) >> 32


def word_hashes(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """`word_hash` of each word points[starts[i]:ends[i]] (code points), vectorised."""
    import numpy as np

    powers, inverse_powers = _hash_powers(len(points) + 1)
    prefix = np.zeros(len(points) + 1, np.uint64)
    np.cumsum(points.astype(np.uint64) * powers[:len(points)], out=prefix[1:])  # wraps mod 2**64
    h = (prefix[ends] - prefix[starts]) * inverse_powers[starts]
    for multiplier in _FMIX:
        h ^= h >> np.uint64(33)
        h *= np.uint64(multiplier)
    return ((h ^ (h >> np.uint64(33))) >> np.uint64(32)).astype(np.uint32)


_powers: tuple[np.ndarray, np.ndarray] | None = None  # the largest computed so far


def _hash_powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """M**i and M**-i mod 2**64 for i < size (at least), computed for a power of two."""
    global _powers
    import numpy as np

    if _powers is None or len(_powers[0]) < size:
        size = max(1 << 12, 1 << (size - 1).bit_length())
        powers = np.empty(size, np.uint64)
        inverse = np.empty(size, np.uint64)
        powers[0] = inverse[0] = 1
        np.cumprod(np.full(size - 1, _HASH_M, np.uint64), out=powers[1:])
        np.cumprod(np.full(size - 1, pow(_HASH_M, -1, 1 << 64), np.uint64), out=inverse[1:])
        _powers = (powers, inverse)  # one assignment: a racing thread sees old or new, both fine
    return _powers


def compile_tables(profiles: Mapping[str, tuple[int, dict[str, float]]],
                   lexicons: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> Tables:
    """The scorer's tables for `profiles` ({language: (max order, {gram: probability})}).

    `lexicons` ({language: (word hashes, log frequencies)}, any order, duplicates allowed: the
    most frequent wins) are kept only when every language has one, so that scores compare.
    """
    import numpy as np

    languages = tuple(profiles)
    if len(languages) > 63:
        raise ValueError(f"too many languages ({len(languages)}); at most 63")
    # A language with only a langdetect profile (1-3 grams) makes every language use 1-3
    # grams, so that the sums compare like with like.
    max_order = min(order for order, _ in profiles.values())
    always = CYRILLIC | {"'"}
    vocab = sorted({g for _, probs in profiles.values() for g in probs
                    if len(g) <= max_order and g != " "} | always)
    table = np.empty((len(vocab), len(languages)))
    bit_type = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64)
                    if np.iinfo(t).bits > len(languages))
    vocab_of = np.array([1 << len(languages) if g in always else 0 for g in vocab], bit_type)
    for j, lang in enumerate(languages):
        probs = profiles[lang][1]
        alphabet = ALPHABETS.get(lang)
        for i, g in enumerate(vocab):
            table[i, j] = math.log(probs.get(g, 0.0) + FLOOR / len(g))
            if alphabet and len(g) == 1 and g in always and g not in alphabet:
                table[i, j] -= ORTHOGRAPHY_NATS
            if g in probs:
                vocab_of[i] |= 1 << j
    chars = "".join(sorted({c for g in vocab for c in g} - {" "}))
    uniques = [np.unique(table[:, j], return_inverse=True) for j in range(len(languages))]
    width = max(len(u) for u, _ in uniques)
    if width > 1 << 16:
        raise ValueError(f"too many distinct log probabilities in the profiles of {languages}")
    palette = np.zeros((len(languages), width))
    values = np.empty((len(vocab), len(languages)), np.uint16)
    for j, (distinct, index) in enumerate(uniques):
        palette[j, :len(distinct)] = distinct
        values[:, j] = index.reshape(-1)
    kept = None
    if lexicons is not None and all(lang in lexicons for lang in languages):
        kept = tuple(_dedupe(*lexicons[lang]) for lang in languages)
    unsorted = Tables(languages, max_order, chars, np.empty(0, np.uint64), values, palette,
                      vocab_of, kept, np.empty(0, np.uint8), ())
    if unsorted.order_shift + 3 > 56:  # the scorer tags keys with a batch index below them
        raise ValueError(f"too many distinct characters in the profiles of {languages}")
    keys = np.array(unsorted.gram_keys(vocab), dtype=np.uint64)
    order = np.argsort(keys)
    keys = keys[order]
    bits = unsorted.bits
    char_codes = np.full(0x110000, (1 << bits) - 1, np.uint8 if bits <= 8 else np.uint16)
    char_codes[ord(" ")] = 1
    char_codes[[ord(c) for c in chars]] = np.arange(2, len(chars) + 2)
    dense = []
    for n in range(1, min(max_order, DENSE_KEY_BITS // bits) + 1):
        lo, hi = np.searchsorted(keys, [n << unsorted.order_shift, (n + 1) << unsorted.order_shift])
        table = np.full(1 << (n * bits), -1, dtype=np.int32)
        table[keys[lo:hi] & np.uint64((1 << (n * bits)) - 1)] = np.arange(lo, hi)
        dense.append(table)
    return Tables(languages, max_order, chars, keys, values[order], palette, vocab_of[order],
                  kept, char_codes, tuple(dense))


def _dedupe(hashes: np.ndarray, log_freq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique hashes; when two words share a hash, the more frequent one's log frequency."""
    import numpy as np

    hashes = np.asarray(hashes, dtype=np.uint32)
    log_freq = np.asarray(log_freq, dtype=np.float16)
    order = np.lexsort((-log_freq.astype(np.float64), hashes))
    hashes, log_freq = hashes[order], log_freq[order]
    first = np.concatenate(([True], hashes[1:] != hashes[:-1]))
    return hashes[first], log_freq[first]


def _model_constants() -> dict[str, Any]:
    """What the compiled values depend on: tables built with other constants are stale."""
    return {"floor": FLOOR, "orthography_nats": ORTHOGRAPHY_NATS, "alphabets": ALPHABETS,
            "word_hash": [_HASH_M, *_FMIX]}


def tables_to_bytes(tables: Tables) -> bytes:
    """TABLES_FILE's bytes (see the module's docstring)."""
    arrays = {"keys": tables.keys, "values": tables.values, "palette": tables.palette,
              "vocab_of": tables.vocab_of, "char_codes": tables.char_codes}
    for n, table in enumerate(tables.dense, start=1):
        arrays[f"dense.{n}"] = table
    for lang, (hashes, log_freq) in zip(tables.languages, tables.lexicons or ()):
        arrays[f"words.{lang}.hashes"] = hashes
        arrays[f"words.{lang}.log_freq"] = log_freq
    entries, offset = [], 0
    for name, array in arrays.items():
        entries.append([name, array.dtype.newbyteorder("<").str, list(array.shape), offset])
        offset += -(-array.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"languages": tables.languages, "max_order": tables.max_order,
                         "chars": tables.chars, "model": _model_constants(),
                         "arrays": entries}, sort_keys=True).encode()
    start = -(-(len(_MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
    out = bytearray(start + offset)
    out[:8] = _MAGIC
    out[8:16] = len(header).to_bytes(8, "little")
    out[16:16 + len(header)] = header
    for (_, dtype, _, at), array in zip(entries, arrays.values()):
        data = array.astype(dtype, copy=False).tobytes()
        out[start + at:start + at + len(data)] = data
    return bytes(out)


def tables_from_buffer(buffer: Any, source: str = TABLES_FILE) -> Tables:
    """Tables over `buffer` (bytes or an mmap) without copying: arrays are read-only views."""
    import numpy as np

    if bytes(buffer[:8]) != _MAGIC:
        raise ValueError(f"{source}: not a language tables file of this version")
    size = int.from_bytes(buffer[8:16], "little")
    header = json.loads(bytes(buffer[16:16 + size]))
    if header["model"] != json.loads(json.dumps(_model_constants())):
        raise ValueError(f"{source} was built with other model constants: "
                         "rebuild it with scripts/build_langid_profiles.py")
    start = -(-(16 + size) // _ALIGN) * _ALIGN
    arrays = {}
    for name, dtype, shape, at in header["arrays"]:
        count = math.prod(shape)
        arrays[name] = np.frombuffer(buffer, np.dtype(dtype), count, start + at).reshape(shape)
    languages = tuple(header["languages"])
    lexicons = None
    if f"words.{languages[0]}.hashes" in arrays:
        lexicons = tuple((arrays[f"words.{lang}.hashes"], arrays[f"words.{lang}.log_freq"])
                         for lang in languages)
    dense = []
    while f"dense.{len(dense) + 1}" in arrays:
        dense.append(arrays[f"dense.{len(dense) + 1}"])
    return Tables(languages, header["max_order"], header["chars"], arrays["keys"],
                  arrays["values"], arrays["palette"], arrays["vocab_of"], lexicons,
                  arrays["char_codes"], tuple(dense))


@functools.lru_cache(maxsize=None)
def shipped_tables(data_dir: str | None = None) -> Tables:
    """The compiled tables in monitor/data/langid/ (or `data_dir`), memory-mapped once."""
    path = data_dir_of(data_dir).joinpath(TABLES_FILE)
    if isinstance(path, Path):
        with path.open("rb") as f:  # the mapping outlives the file object
            buffer: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    else:  # a zipped install: no file to map
        buffer = path.read_bytes()
    return tables_from_buffer(buffer, str(path))


@functools.lru_cache(maxsize=4)
def compiled_tables(languages: tuple[str, ...], data_dir: str | None = None) -> Tables:
    """Tables compiled at run time, for a set with a language we ship no tables for."""
    return compile_tables({lang: profile(lang, data_dir) for lang in languages})


@functools.lru_cache(maxsize=None)
def profile(lang: str, data_dir: str | None = None) -> tuple[int, dict[str, float]]:
    """(max order, {lower-cased gram: relative frequency within its order}) for `lang`:
    ours (monitor/data/langid/<lang>.json.gz) or else langdetect's."""
    ours = data_dir_of(data_dir).joinpath(f"{lang}.json.gz")
    if ours.is_file():
        raw = json.loads(gzip.decompress(ours.read_bytes()))
    else:
        theirs = resources.files("langdetect").joinpath("profiles", lang)
        if not theirs.is_file():
            raise ValueError(f"no language profile for {lang!r}")
        raw = json.loads(theirs.read_text(encoding="utf-8"))
    freq: dict[str, int] = {}
    for gram, count in raw["freq"].items():  # langdetect's profiles are case-sensitive
        key = gram.lower()
        freq[key] = freq.get(key, 0) + count
    totals = raw["n_words"]
    return len(totals), {g: c / totals[len(g) - 1] for g, c in freq.items() if totals[len(g) - 1]}


def data_dir_of(data_dir: str | None = None) -> Any:
    """monitor/data/langid/ as an importlib.resources Traversable, or `data_dir`."""
    return Path(data_dir) if data_dir else resources.files("monitor.data.langid")
