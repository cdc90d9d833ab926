"""Language stage: (title, summary, hint) → (language, confidence). Pure and deterministic.

langdetect's model — naive Bayes over character 1-3 grams with a floor probability — scored
exactly (every n-gram, no random sampling, so no seed) by a vectorised scorer, and extended where
langdetect falls short on our languages:
  * profiles up to 5-grams for en, ru, uk and be, built by scripts/build_langid_profiles.py into
    monitor/data/langid/ (langdetect has no Belarusian, and its 1-3 gram profiles confuse Russian
    and Ukrainian words); any other configured language uses langdetect's own profile;
  * whole-word log frequencies (en, ru, uk, be) for words whose n-grams the languages share;
  * orthography: a Cyrillic letter outside a language's alphabet (ў, і, ї/є/ґ, ы/э/ъ/ё, и/щ …)
    costs that language ORTHOGRAPHY_NATS, so one such letter outweighs a feed's hint;
  * the hint (the feed's declared language) is a prior of HINT_NATS: it decides only when the
    text itself says little (a short headline of letters every candidate shares).
Returns "und" for text with no letters. Imports nothing from monitor.

For our four languages the scorer's tables (gram keys, log probabilities, word hashes) are
compiled at build time into one file, TABLES_FILE, that is memory-mapped: a Detector over any of
them is ready in milliseconds. Sets that include a langdetect-only language are compiled at run
time (seconds). numpy is imported on first use, not with this module: config.py imports it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
import mmap
import re
import threading
from dataclasses import dataclass
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    import numpy as np

MAX_ORDER = 5
FLOOR = 3e-6  # probability of an n-gram a profile lacks, divided by the gram's order
ORTHOGRAPHY_NATS = 8.0
HINT_NATS = 2.0
WORD_WEIGHT = 2.0  # weight of the whole-word frequency term against the n-gram sum
UNKNOWN_WORD_LOG_FREQ = math.log(1e-8)  # a word missing from a language's lexicon
MAX_LETTERS = 1500  # enough to decide; bounds the cost of a long summary
_LUT_SIZE = 0x10000  # characters beyond the BMP are "unknown" (emoji, historic scripts)

TABLES_FILE = "tables.bin"  # in monitor/data/langid/, written by scripts/build_langid_profiles.py
_TABLES_MAGIC = b"MLANGID1"
_ALIGN = 64

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
_CYRILLIC = set("".join(ALPHABETS.values())) - {"'"}

_MARKUP = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|<[^>]*>|&\w+;")
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[a-z]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})


def clean_words(text: str) -> list[str]:
    """Lower-cased words of `text`, without URLs and markup, in the text's main script.

    As langdetect does, words of the minority script (Latin brand names and URL slugs in Cyrillic
    text, or the reverse) are dropped when they make up less than a third of the letters.
    """
    words = _WORD.findall(_MARKUP.sub(" ", text).lower().translate(_APOSTROPHES))
    latin = sum(len(w) for w in words if _LATIN.match(w))
    other = sum(map(len, words)) - latin
    if latin and other:
        if latin * 3 < other:
            words = [w for w in words if not _LATIN.match(w)]
        elif other * 3 < latin:
            words = [w for w in words if _LATIN.match(w)]
    return words


def word_hash(word: str) -> int:
    """A stable 32-bit hash of a word: lexicons store hashes, not words (a false hit is ~1e-4)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")


def ngrams(word: str, max_order: int = MAX_ORDER) -> list[str]:
    """The 1..max_order grams of a word padded with spaces, as langdetect cuts them."""
    padded = f" {word} "
    size = len(padded)
    grams = list(word)
    for n in range(2, max_order + 1):
        grams += [padded[i:i + n] for i in range(size - n + 1)]
    return grams


@dataclass(frozen=True, eq=False)
class Tables:
    """The scorer's data for a fixed set of languages, as flat arrays.

    Gram i has the integer key keys[i] (sorted; see `_gram_key`), and under language j the log
    probability palette[j, values[i, j]] (floor and orthography included: a language has a few
    tens of thousands of distinct values, so a uint16 index replaces a float64). vocab_of[i] has
    bit j set when language j's profile has the gram, and bit len(languages) when the gram is in
    every vocabulary (Cyrillic letters and the apostrophe, for the orthography penalty).
    lexicons[j] is language j's (sorted unique 32-bit word hashes, float16 log frequencies), or
    None for all when some language has none.
    """

    languages: tuple[str, ...]
    max_order: int
    chars: str  # every character of the grams, in code order (code 2 onwards; 1 is the space)
    keys: np.ndarray
    values: np.ndarray
    palette: np.ndarray
    vocab_of: np.ndarray
    lexicons: tuple[tuple[np.ndarray, np.ndarray], ...] | None

    @property
    def bits(self) -> int:
        return 60 // self.max_order

    @property
    def in_every_vocabulary(self) -> int:
        return 1 << len(self.languages)


def compile_tables(profiles: Mapping[str, tuple[int, dict[str, float]]],
                   lexicons: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> Tables:
    """The scorer's tables for `profiles` ({language: (max order, {gram: probability})}).

    `lexicons` ({language: (word hashes, log frequencies)}, any order, duplicates allowed: the
    most frequent wins) are kept only when every language has one, so that scores compare.
    """
    import numpy as np

    languages = tuple(profiles)
    # A language with only a langdetect profile (1-3 grams) makes every language use 1-3
    # grams, so that the sums compare like with like.
    max_order = min(order for order, _ in profiles.values())
    always = _CYRILLIC | {"'"}
    vocab = sorted({g for _, probs in profiles.values() for g in probs if len(g) <= max_order}
                   | always)
    table = np.empty((len(vocab), len(languages)))
    if len(languages) > 63:
        raise ValueError(f"too many languages ({len(languages)}); at most 63")
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
    if len(chars) + 2 >= 1 << (60 // max_order):
        raise ValueError(f"too many distinct characters in the profiles of {languages}")
    lut = _char_codes(chars, 60 // max_order)
    keys = np.array([_gram_key(g, lut, 60 // max_order) for g in vocab], dtype=np.uint64)
    order = np.argsort(keys)
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
    return Tables(languages, max_order, chars, keys[order], values[order], palette,
                  vocab_of[order], kept)


def _dedupe(hashes: np.ndarray, log_freq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique hashes; when two words share a hash, the more frequent one's log frequency."""
    import numpy as np

    hashes = np.asarray(hashes, dtype=np.uint32)
    log_freq = np.asarray(log_freq, dtype=np.float16)
    order = np.lexsort((-log_freq.astype(np.float64), hashes))
    hashes, log_freq = hashes[order], log_freq[order]
    first = np.concatenate(([True], hashes[1:] != hashes[:-1]))
    return hashes[first], log_freq[first]


def _char_codes(chars: str, bits: int) -> np.ndarray:
    """Code of every BMP character: 1 for the space, 2.. for `chars`, all ones for the rest."""
    import numpy as np

    lut = np.full(_LUT_SIZE, (1 << bits) - 1, dtype=np.uint64)
    lut[ord(" ")] = 1
    lut[[ord(c) for c in chars]] = np.arange(2, len(chars) + 2, dtype=np.uint64)
    return lut


def _gram_key(gram: str, lut: np.ndarray, bits: int) -> int:
    """The gram's character codes packed `bits` apiece, tagged with its order in bits 61-63."""
    key = 0
    for c in gram:
        key = (key << bits) | int(lut[ord(c)])
    return key | (len(gram) << 61)


def _model_constants() -> dict[str, Any]:
    """What the compiled values depend on: tables built with other constants are stale."""
    return {"floor": FLOOR, "orthography_nats": ORTHOGRAPHY_NATS, "alphabets": ALPHABETS}


def tables_to_bytes(tables: Tables) -> bytes:
    """TABLES_FILE's bytes: magic, header length, JSON header, then each array 64-byte aligned.

    The same tables always give the same bytes, so a rebuild shows no diff.
    """
    arrays = {"keys": tables.keys, "values": tables.values, "palette": tables.palette,
              "vocab_of": tables.vocab_of}
    for lang, (hashes, log_freq) in zip(tables.languages, tables.lexicons or ()):
        arrays[f"words.{lang}.hashes"] = hashes
        arrays[f"words.{lang}.log_freq"] = log_freq
    entries, offset = [], 0
    for name, array in arrays.items():
        entries.append([name, array.dtype.str, list(array.shape), offset])
        offset += -(-array.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"languages": tables.languages, "max_order": tables.max_order,
                         "chars": tables.chars, "model": _model_constants(),
                         "arrays": entries}, sort_keys=True).encode()
    start = -(-(len(_TABLES_MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
    out = bytearray(start + offset)
    out[:8] = _TABLES_MAGIC
    out[8:16] = len(header).to_bytes(8, "little")
    out[16:16 + len(header)] = header
    for (_, _, _, at), array in zip(entries, arrays.values()):
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        out[start + at:start + at + len(data)] = data
    return bytes(out)


def tables_from_buffer(buffer: Any, source: str = TABLES_FILE) -> Tables:
    """Tables over `buffer` (bytes or an mmap) without copying: arrays are read-only views."""
    import numpy as np

    if bytes(buffer[:8]) != _TABLES_MAGIC:
        raise ValueError(f"{source}: not a language tables file")
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
    return Tables(languages, header["max_order"], header["chars"], arrays["keys"],
                  arrays["values"], arrays["palette"], arrays["vocab_of"], lexicons)


@functools.lru_cache(maxsize=None)
def shipped_tables(data_dir: str | None = None) -> Tables:
    """The compiled tables in monitor/data/langid/ (or `data_dir`), memory-mapped once."""
    path = _data_dir(data_dir).joinpath(TABLES_FILE)
    if isinstance(path, Path):
        with path.open("rb") as f:  # the mapping outlives the file object
            buffer: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    else:  # a zipped install: no file to map
        buffer = path.read_bytes()
    return tables_from_buffer(buffer, str(path))


class Detector:
    """A naive-Bayes detector over a fixed set of languages. Build once, call `detect` often."""

    def __init__(self, languages: Sequence[str], data_dir: str | None = None, *,
                 tables: Tables | None = None) -> None:
        """Over the shipped tables (memory-mapped) when they cover `languages`; else over
        `tables`, or tables compiled now from the languages' profiles (seconds)."""
        import numpy as np

        self.languages = tuple(dict.fromkeys(languages))
        if not self.languages:
            raise ValueError("no languages to choose from")
        if tables is None:
            tables = shipped_tables(data_dir)
            if not set(self.languages) <= set(tables.languages):
                tables = _compiled_tables(self.languages, data_dir)
        elif not set(self.languages) <= set(tables.languages):
            raise ValueError(f"no tables for {sorted(set(self.languages) - set(tables.languages))}")
        self._tables = tables
        self.max_order = tables.max_order
        columns = [tables.languages.index(lang) for lang in self.languages]
        # Scores are summed over a (grams, languages) array shaped as the configured languages:
        # the same values in the same layout give the same floating-point sums for any subset.
        self._columns = None if columns == list(range(len(tables.languages))) else columns
        self._palette = tables.palette.reshape(-1)
        self._palette_offsets = np.array(columns, dtype=np.intp) * tables.palette.shape[1]
        # A gram in none of the configured languages' profiles is not in their vocabulary.
        self._vocab_mask = None if self._columns is None else \
            sum(1 << j for j in columns) | tables.in_every_vocabulary
        self._lexicons = None if tables.lexicons is None else \
            [tables.lexicons[j] for j in columns]
        self._bits = tables.bits
        self._lut = _char_codes(tables.chars, self._bits)

    def scores(self, text: str) -> np.ndarray | None:
        """Log-likelihood of `text` under each language, or None when no n-gram is known."""
        import numpy as np

        words, letters = [], 0
        for word in clean_words(text):
            words.append(word)
            letters += len(word)
            if letters >= MAX_LETTERS:
                break
        if not words:
            return None
        tables = self._tables
        padded = " " + " ".join(words) + " "
        points = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32)
        codes = self._lut[np.minimum(points, _LUT_SIZE - 1)]
        grams, level = [codes[1:-1]], codes  # 1-grams: letters only, never the space
        for n in range(2, self.max_order + 1):
            level = (level[:-1] << np.uint64(self._bits)) | codes[n - 1:]
            grams.append(level | np.uint64(n << 61))
        keys = np.concatenate(grams)
        keys[:len(codes) - 2] |= np.uint64(1 << 61)
        pos = np.searchsorted(tables.keys, keys)
        pos[pos == len(tables.keys)] = 0
        ids = pos[tables.keys[pos] == keys]
        if self._vocab_mask is not None:
            ids = ids[(tables.vocab_of[ids] & self._vocab_mask) != 0]
        if not len(ids):
            return None
        rows = tables.values[ids]
        if self._columns is not None:
            rows = rows[:, self._columns]
        scores = self._palette[rows + self._palette_offsets].sum(axis=0)
        if self._lexicons is not None:
            scores += self._word_scores(words)
        return scores

    def _word_scores(self, words: list[str]) -> np.ndarray:
        """WORD_WEIGHT x each word's log frequency above UNKNOWN_WORD_LOG_FREQ, summed per language.

        Whole-word frequencies tell apart words whose n-grams all three Slavic languages share
        (отримав, призводить). A word in no lexicon costs every language the same: skipped.
        """
        import numpy as np

        hashes = np.fromiter(map(word_hash, words), dtype=np.uint32, count=len(words))
        weights = np.zeros((len(words), len(self.languages)))
        found = np.zeros(len(words), dtype=bool)
        for j, (known, log_freq) in enumerate(self._lexicons):
            pos = np.searchsorted(known, hashes)
            pos[pos == len(known)] = 0
            hit = known[pos] == hashes
            weights[hit, j] = WORD_WEIGHT * (log_freq[pos[hit]].astype(np.float64)
                                             - UNKNOWN_WORD_LOG_FREQ)
            found |= hit
        return weights[found].sum(axis=0)

    def detect(self, text: str, hint: str | None = None) -> tuple[str, float]:
        """The most likely language of `text` and its posterior probability, or ("und", 0.0)."""
        import numpy as np

        if not _LETTER.search(text):
            return "und", 0.0
        scores = self.scores(text)
        if scores is None:  # letters, but of a script none of the profiles knows
            return (hint, 0.3) if hint in self.languages else ("und", 0.0)
        if hint in self.languages:
            scores[self.languages.index(hint)] += HINT_NATS
        best = int(np.argmax(scores))  # ties go to the earlier configured language
        # Each letter sits in up to max_order overlapping grams, so naive Bayes counts the same
        # evidence that many times; tempering by it keeps the confidence a fair probability.
        posterior = 1.0 / float(np.exp((scores - scores[best]) / self.max_order).sum())
        return self.languages[best], round(posterior, 3)


@functools.lru_cache(maxsize=16)
def detector_for(languages: tuple[str, ...]) -> Detector:
    """A Detector for this language set, built once per process (thread-safe)."""
    with _build_lock:
        return Detector(languages)


_build_lock = threading.Lock()


def detect(title: str, summary: str = "", hint: str | None = None,
           languages: Sequence[str] = ("en", "ru", "be", "uk")) -> tuple[str, float]:
    """The most likely language of an item among `languages`, and a confidence in [0, 1]."""
    return detector_for(tuple(languages)).detect(f"{title}\n{summary}", hint)


def available_languages() -> set[str]:
    """Language codes with a profile: ours plus langdetect's. Cheap: imports neither numpy nor
    langdetect (config.py checks `languages:` with it)."""
    ours = {p.name.split(".")[0] for p in _data_dir().iterdir() if p.name.endswith(".json.gz")}
    spec = find_spec("langdetect")
    theirs = set()
    for location in (spec and spec.submodule_search_locations) or ():
        profiles = Path(location, "profiles")
        if profiles.is_dir():
            theirs |= {p.name for p in profiles.iterdir()}
    return ours | theirs


def _data_dir(data_dir: str | None = None) -> Any:
    return Path(data_dir) if data_dir else resources.files("monitor.data.langid")


@functools.lru_cache(maxsize=4)
def _compiled_tables(languages: tuple[str, ...], data_dir: str | None = None) -> Tables:
    """Tables compiled at run time, for a set with a language we ship no tables for."""
    return compile_tables({lang: _profile(lang, data_dir) for lang in languages})


@functools.lru_cache(maxsize=None)
def _profile(lang: str, data_dir: str | None = None) -> tuple[int, dict[str, float]]:
    """(max order, {lower-cased gram: relative frequency within its order}) for `lang`."""
    ours = _data_dir(data_dir).joinpath(f"{lang}.json.gz")
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
