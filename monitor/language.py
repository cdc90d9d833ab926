"""Language stage: (title, summary, hint) → (language, confidence). Pure and deterministic.

langdetect's model — naive Bayes over character 1-3 grams with a floor probability — scored
exactly (every n-gram, no random sampling, so no seed) by a vectorised scorer, and extended where
langdetect falls short on our languages:
  * profiles up to 5-grams for en, ru, uk and be, built by scripts/build_langid_profiles.py into
    monitor/data/langid/ (langdetect has no Belarusian, and its 1-3 gram profiles confuse Russian
    and Ukrainian words); any other configured language uses langdetect's own profile;
  * orthography: a Cyrillic letter outside a language's alphabet (ў, і, ї/є/ґ, ы/э/ъ/ё, и/щ …)
    costs that language ORTHOGRAPHY_NATS, so one such letter outweighs a feed's hint;
  * the hint (the feed's declared language) is a prior of HINT_NATS: it decides only when the
    text itself says little (a short headline of letters every candidate shares).
Returns "und" for text with no letters. Imports nothing from monitor.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
import re
import threading
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

MAX_ORDER = 5
FLOOR = 3e-6  # probability of an n-gram a profile lacks, divided by the gram's order
ORTHOGRAPHY_NATS = 8.0
HINT_NATS = 2.0
WORD_WEIGHT = 2.0  # weight of the whole-word frequency term against the n-gram sum
UNKNOWN_WORD_LOG_FREQ = math.log(1e-8)  # a word missing from a language's lexicon
MAX_LETTERS = 1500  # enough to decide; bounds the cost of a long summary
_LUT_SIZE = 0x10000  # characters beyond the BMP are "unknown" (emoji, historic scripts)

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


class Detector:
    """A naive-Bayes detector over a fixed set of languages. Build once, call `detect` often."""

    def __init__(self, languages: Sequence[str], profile_dir: str | None = None) -> None:
        self.languages = tuple(dict.fromkeys(languages))
        if not self.languages:
            raise ValueError("no languages to choose from")
        profiles = {lang: _profile(lang, profile_dir) for lang in self.languages}
        # A language with only a langdetect profile (1-3 grams) makes every language use 1-3
        # grams, so that the sums compare like with like.
        self.max_order = min(order for order, _ in profiles.values())
        vocab = sorted({g for _, probs in profiles.values() for g in probs
                        if len(g) <= self.max_order} | _CYRILLIC | {"'"})
        table = np.empty((len(vocab), len(self.languages)))
        for j, lang in enumerate(self.languages):
            probs = profiles[lang][1]
            alphabet = ALPHABETS.get(lang)
            for i, g in enumerate(vocab):
                table[i, j] = math.log(probs.get(g, 0.0) + FLOOR / len(g))
                if alphabet and len(g) == 1 and (g in _CYRILLIC or g == "'") and g not in alphabet:
                    table[i, j] -= ORTHOGRAPHY_NATS
        # Vectorised lookup: each character gets a small code, each n-gram the integer of its
        # codes (exact, no hashing), tagged with its order; a text's grams are found in the
        # sorted keys by one searchsorted instead of hundreds of dict lookups.
        chars = sorted({c for g in vocab for c in g} - {" "})
        self._bits = 60 // self.max_order
        if len(chars) + 2 >= 1 << self._bits:
            raise ValueError(f"too many distinct characters in the profiles of {self.languages}")
        self._lut = np.full(_LUT_SIZE, (1 << self._bits) - 1, dtype=np.uint64)  # = unknown
        self._lut[ord(" ")] = 1
        for code, c in enumerate(chars, start=2):
            self._lut[ord(c)] = code
        keys = np.array([self._key(g) for g in vocab], dtype=np.uint64)
        order = np.argsort(keys)
        self._keys, self._table = keys[order], table[order]
        # Whole-word frequencies tell apart words whose n-grams all three Slavic languages share
        # (отримав, призводить); used only when every language has a lexicon, to stay comparable.
        lexicons = [_lexicon(lang, profile_dir) for lang in self.languages]
        self._words = None
        if all(lx is not None for lx in lexicons):
            # One sorted array of every language's word hashes and a row of log frequencies per
            # hash: a word in no lexicon costs every language the same, so it can be skipped.
            known = np.concatenate([h for h, _ in lexicons])
            known.sort(kind="stable")  # radix sort for uint32: far faster than np.unique's
            known = known[np.concatenate(([True], known[1:] != known[:-1]))]
            freqs = np.full((len(known), len(self.languages)), UNKNOWN_WORD_LOG_FREQ)
            for j, (hashes, log_freq) in enumerate(lexicons):
                freqs[np.searchsorted(known, hashes), j] = log_freq
            self._words = (known, WORD_WEIGHT * (freqs - UNKNOWN_WORD_LOG_FREQ))

    def _key(self, gram: str) -> int:
        key = 0
        for c in gram:
            key = (key << self._bits) | int(self._lut[ord(c)])
        return key | (len(gram) << 61)

    def scores(self, text: str) -> np.ndarray | None:
        """Log-likelihood of `text` under each language, or None when no n-gram is known."""
        words, letters = [], 0
        for word in clean_words(text):
            words.append(word)
            letters += len(word)
            if letters >= MAX_LETTERS:
                break
        if not words:
            return None
        padded = " " + " ".join(words) + " "
        points = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32)
        codes = self._lut[np.minimum(points, _LUT_SIZE - 1)]
        grams, level = [codes[1:-1]], codes  # 1-grams: letters only, never the space
        for n in range(2, self.max_order + 1):
            level = (level[:-1] << np.uint64(self._bits)) | codes[n - 1:]
            grams.append(level | np.uint64(n << 61))
        keys = np.concatenate(grams)
        keys[:len(codes) - 2] |= np.uint64(1 << 61)
        pos = np.searchsorted(self._keys, keys)
        pos[pos == len(self._keys)] = 0
        ids = pos[self._keys[pos] == keys]
        if not len(ids):
            return None
        scores = self._table[ids].sum(axis=0)
        if self._words is not None:
            known, weights = self._words
            hashes = np.fromiter(map(word_hash, words), dtype=np.uint32, count=len(words))
            pos = np.searchsorted(known, hashes)
            pos[pos == len(known)] = 0
            scores += weights[pos[known[pos] == hashes]].sum(axis=0)
        return scores

    def detect(self, text: str, hint: str | None = None) -> tuple[str, float]:
        """The most likely language of `text` and its posterior probability, or ("und", 0.0)."""
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
    """Language codes with a profile: ours plus langdetect's."""
    ours = {p.name.split(".")[0] for p in resources.files("monitor.data.langid").iterdir()
            if p.name.endswith(".json.gz")}
    theirs = {p.name for p in resources.files("langdetect").joinpath("profiles").iterdir()}
    return ours | theirs


@functools.lru_cache(maxsize=None)
def _lexicon(lang: str, profile_dir: str | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(sorted word hashes, log frequencies) for `lang`, or None if we ship no lexicon for it."""
    path = (Path(profile_dir) if profile_dir else resources.files("monitor.data.langid")).joinpath(
        f"{lang}.words.npz")
    if not path.is_file():
        return None
    with path.open("rb") as f, np.load(f) as data:
        return data["hashes"], data["log_freq"].astype(np.float64)


@functools.lru_cache(maxsize=None)
def _profile(lang: str, profile_dir: str | None = None) -> tuple[int, dict[str, float]]:
    """(max order, {lower-cased gram: relative frequency within its order}) for `lang`."""
    ours = (Path(profile_dir) if profile_dir else resources.files("monitor.data.langid")).joinpath(
        f"{lang}.json.gz")
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
