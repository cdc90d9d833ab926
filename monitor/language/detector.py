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
Returns "und" for text with no letters. The tables come from monitor.language.tables
(memory-mapped for our languages). `detect_many` scores a batch of texts in one pass (the
pipeline gives it a feed's new items); a text's answer does not depend on its batch.
numpy is imported on first use, not with this module: config imports it. Imports
language.tables, numpy and langdetect's profile files (data, not its code).
"""

from __future__ import annotations

import functools
import math
from itertools import accumulate
import re
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from monitor.language.tables import (ALPHABETS, MAX_ORDER, ORTHOGRAPHY_NATS, Tables,
                                     compiled_tables, data_dir_of, shipped_tables, word_hashes)

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ALPHABETS", "MAX_ORDER", "ORTHOGRAPHY_NATS", "HINT_NATS", "Detector", "detect",
           "detect_many", "detector_for", "available_languages", "clean_words", "ngrams"]

HINT_NATS = 2.0
WORD_WEIGHT = 2.0  # weight of the whole-word frequency term against the n-gram sum
UNKNOWN_WORD_LOG_FREQ = math.log(1e-8)  # a word missing from a language's lexicon
MAX_LETTERS = 200  # enough to decide: against 500 or 1,500, no answer changed on the 2,642 real
# feed items of tests/data/feeds (999 of them longer than 200 letters)
_TEXT_BITS = 8  # a searched gram carries its text's number in the batch in its low bits
_TEXT_MASK = (1 << _TEXT_BITS) - 1
BATCH_TEXTS = 1 << _TEXT_BITS  # texts scored in one pass: bounds the temporary arrays (~10 MB)
# Our profiles of these languages give a text of a-z words nothing a Latin-script language's
# profile does not beat by far: among them and one Latin-script language, such a text is that
# language at confidence 1.0 without scoring (scoring says the same for every such text of the
# real feeds and for random letter salads, under every hint:
# tests/unit/language/test_language.py). On a feed farm 40 % of the items are English, and
# scoring is the costliest stage of a first poll. Shorter texts are scored: their confidence
# can be below 1.0 ("Kyiv": 0.988), and they cost little.
LATIN_SHORTCUT_LETTERS = 16
_CYRILLIC_PROFILES = frozenset({"ru", "be", "uk"})
_LATIN_SCRIPT = frozenset({"en"})

_MARKUP = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|<[^>]*>|&\w+;")
# What _MARKUP cannot match without: most item texts (already plain) have none of these, and the
# search costs ~12 µs an item (its `\S+@` alternative is tried at every position).
_MARKUP_SIGNS = ("://", "www.", "@", "<", "&")
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[a-z]")
_NOT_LATIN = re.compile(r"[^\W\d_a-z]")  # a letter other than a-z


def clean_words(text: str) -> list[str]:
    """Lower-cased words of `text`, without URLs and markup, in the text's main script.

    As langdetect does, words of the minority script (Latin brand names and URL slugs in Cyrillic
    text, or the reverse) are dropped when they make up less than a third of the letters.
    """
    if any(sign in text for sign in _MARKUP_SIGNS):
        text = _MARKUP.sub(" ", text)
    text = text.lower().replace("’", "'").replace("ʼ", "'")
    words = _WORD.findall(text)
    if not (_LATIN.search(text) and _NOT_LATIN.search(text)):
        return words  # one script only (the usual case): nothing to drop
    latin = sum(len(w) for w in words if "a" <= w[0] <= "z")
    other = sum(map(len, words)) - latin
    if latin and other:
        if latin * 3 < other:
            words = [w for w in words if not "a" <= w[0] <= "z"]
        elif other * 3 < latin:
            words = [w for w in words if "a" <= w[0] <= "z"]
    return words


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
                tables = compiled_tables(self.languages, data_dir)
        elif not set(self.languages) <= set(tables.languages):
            raise ValueError(f"no tables for {sorted(set(self.languages) - set(tables.languages))}")
        self._tables = tables
        self.max_order = tables.max_order
        columns = [tables.languages.index(lang) for lang in self.languages]
        self._column_of = columns  # the tables' column of each configured language
        # A gram in none of the configured languages' profiles is not in their vocabulary.
        self._vocab_mask = None if columns == list(range(len(tables.languages))) else \
            sum(1 << j for j in columns) | tables.in_every_vocabulary
        self._lexicons = None if tables.lexicons is None else \
            [tables.lexicons[j] for j in columns]
        self._search_from = int(np.searchsorted(
            tables.keys, (len(tables.dense) + 1) << tables.order_shift))
        latin = [lang for lang in self.languages if lang not in _CYRILLIC_PROFILES]
        self.latin_shortcut: str | None = \
            latin[0] if len(latin) == 1 and latin[0] in _LATIN_SCRIPT else None

    def detect(self, text: str, hint: str | None = None) -> tuple[str, float]:
        """The most likely language of `text` and its posterior probability, or ("und", 0.0)."""
        return self.detect_many([text], [hint])[0]

    def detect_many(self, texts: Sequence[str], hints: Sequence[str | None] | None = None,
                    ) -> list[tuple[str, float]]:
        """`detect` for each text (with its hint), in vectorised passes of BATCH_TEXTS texts."""
        hints = [None] * len(texts) if hints is None else hints
        found: list[tuple[str, float]] = []
        for start in range(0, len(texts), BATCH_TEXTS):
            found += self._detect_batch(texts[start:start + BATCH_TEXTS],
                                        hints[start:start + BATCH_TEXTS])
        return found

    def _detect_batch(self, texts: Sequence[str], hints: Sequence[str | None],
                      ) -> list[tuple[str, float]]:
        words = [clean_words(text) for text in texts]
        if self.latin_shortcut is None:
            return self._scored(texts, hints, words)
        latin = {i for i, w in enumerate(words)
                 if sum(map(len, w)) >= LATIN_SHORTCUT_LETTERS and "".join(w).isascii()}
        if not latin:
            return self._scored(texts, hints, words)
        rest = [i for i in range(len(texts)) if i not in latin]
        scored = iter(self._scored([texts[i] for i in rest], [hints[i] for i in rest],
                                   [words[i] for i in rest]) if rest else ())
        return [(self.latin_shortcut, 1.0) if i in latin else next(scored)
                for i in range(len(texts))]

    def _scored(self, texts: Sequence[str], hints: Sequence[str | None],
                words: list[list[str]]) -> list[tuple[str, float]]:
        import numpy as np

        scores, has_grams = self._scores_of_words(words)
        for i, hint in enumerate(hints):
            if hint in self.languages:
                scores[i, self.languages.index(hint)] += HINT_NATS
        best = scores.argmax(axis=1)  # ties go to the earlier configured language
        # Each letter sits in up to max_order overlapping grams, so naive Bayes counts the same
        # evidence that many times; tempering by it keeps the confidence a fair probability.
        top = scores[np.arange(len(texts)), best][:, None]
        posterior = 1.0 / np.exp((scores - top) / self.max_order).sum(axis=1)
        found = []
        for i, text in enumerate(texts):
            if has_grams[i]:
                found.append((self.languages[best[i]], round(float(posterior[i]), 3)))
            elif hints[i] in self.languages and _LETTER.search(text):
                found.append((hints[i], 0.3))  # letters, but of a script no profile knows
            else:
                found.append(("und", 0.0))
        return found

    def _scores_of_words(self, texts_words: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        padded = []
        for words in texts_words:
            if sum(map(len, words)) > MAX_LETTERS:  # up to the word that reaches MAX_LETTERS
                words = words[:next(i for i, letters in enumerate(accumulate(map(len, words)))
                                    if letters >= MAX_LETTERS) + 1]
            padded.append(" " + " ".join(words) + " ")
        # One string for the batch, "\0" (an unknown character, so no gram across it matches)
        # between texts; text_of[i] is the number of the text that character i belongs to.
        joined = "\0".join(padded)
        points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        count = len(texts_words)
        text_of = None if count == 1 else np.repeat(  # None: one text, whose number is 0
            np.arange(count, dtype=np.uint64), [len(p) + 1 for p in padded])[:len(points)]
        scores, has_grams = self._gram_scores(points, text_of, count)
        if self._lexicons is not None:
            scores += self._word_scores(points, text_of, count)
        return scores, has_grams

    def _gram_scores(self, points: np.ndarray, text_of: np.ndarray | None, count: int,
                     ) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        tables = self._tables
        bits = tables.bits
        codes = tables.char_codes[points]
        # Short grams: their packed codes index the dense tables (-1: not in the vocabulary).
        found_ids, found_texts, packed = [], [], codes.astype(np.intp)
        for n, dense in enumerate(tables.dense, start=1):
            if n > 1:
                packed = (packed[:-1] << bits) | codes[n - 1:]
            ids = dense[packed]
            at = (ids >= 0).nonzero()[0]
            if self._vocab_mask is not None:
                at = at[(tables.vocab_of[ids[at]] & self._vocab_mask) != 0]
            found_ids.append(ids[at])
            if text_of is not None:
                found_texts.append(text_of[at])
        if self.max_order > len(tables.dense):
            # Longer grams: (key << TEXT_BITS) | text, sorted, so equal keys of the whole batch
            # are together (each searched once) and the searches walk the table forward; a
            # text's grams still come in key order, so its sum cannot depend on its batch.
            wide, shift = codes.astype(np.uint64), tables.order_shift
            level, grams = wide, []
            for n in range(2, self.max_order + 1):
                level = (level[:-1] << np.uint64(bits)) | wide[n - 1:]
                if n > len(tables.dense):
                    grams.append(level | np.uint64(n << shift) if text_of is None else
                                 ((level | np.uint64(n << shift)) << _TEXT_BITS)
                                 | text_of[:len(level)])
            tagged = np.concatenate(grams)
            tagged.sort()
            keys = tagged if text_of is None else tagged >> _TEXT_BITS
            first = np.empty(len(keys), dtype=bool)
            first[:1] = True
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            distinct = keys[first]
            searched = tables.keys[self._search_from:]
            pos = searched.searchsorted(distinct)
            np.minimum(pos, len(searched) - 1, out=pos)
            hit = (searched[pos] == distinct).nonzero()[0]
            if self._vocab_mask is not None:
                hit = hit[(tables.vocab_of[pos[hit] + self._search_from] & self._vocab_mask) != 0]
            known = np.full(len(distinct), -1, dtype=np.intp)
            known[hit] = pos[hit] + self._search_from
            ids = known[first.cumsum() - 1]
            at = (ids >= 0).nonzero()[0]
            found_ids.append(ids[at])
            if text_of is not None:
                found_texts.append(tagged[at] & _TEXT_MASK)
        ids = np.concatenate(found_ids)
        texts = np.zeros(len(ids), np.intp) if text_of is None else \
            np.concatenate(found_texts).astype(np.intp)
        rows = tables.values[ids]
        scores = np.empty((count, len(self.languages)))
        for j, column in enumerate(self._column_of):
            log_probs = tables.palette[column][rows[:, column]]
            scores[:, j] = np.bincount(texts, weights=log_probs, minlength=count)
        return scores, np.bincount(texts, minlength=count) > 0

    def _word_scores(self, points: np.ndarray, text_of: np.ndarray | None, count: int,
                     ) -> np.ndarray:
        """WORD_WEIGHT x each word's log frequency above UNKNOWN_WORD_LOG_FREQ, summed per text.

        Whole-word frequencies tell apart words whose n-grams all three Slavic languages share
        (отримав, призводить). A word in no lexicon costs every language the same: skipped.
        """
        import numpy as np

        bounds = ((points == 32) | (points == 0)).nonzero()[0]  # spaces and "\0"
        starts, ends = bounds[:-1] + 1, bounds[1:]
        starts, ends = starts[ends > starts], ends[ends > starts]
        hashes = word_hashes(points, starts, ends)
        if text_of is None:  # one text: a few words, searched as they come
            distinct = hashes
        else:
            # Each distinct word of the batch is searched once, in hash order (several times
            # faster); a word's number rides in the low bits of its sort key.
            order = (hashes.astype(np.uint64) << np.uint64(32)) \
                | np.arange(len(starts), dtype=np.uint64)
            order.sort()
            hashes, word = (order >> np.uint64(32)).astype(np.uint32), order & np.uint64(0xFFFFFFFF)
            first = np.empty(len(hashes), dtype=bool)
            first[:1] = True
            np.not_equal(hashes[1:], hashes[:-1], out=first[1:])
            distinct, group = hashes[first], first.cumsum() - 1
        distinct_weights = np.zeros((len(distinct), len(self.languages)))
        distinct_found = np.zeros(len(distinct), dtype=bool)
        for j, (known, log_freq) in enumerate(self._lexicons):
            pos = known.searchsorted(distinct)
            np.minimum(pos, len(known) - 1, out=pos)
            hit = (known[pos] == distinct).nonzero()[0]
            distinct_weights[hit, j] = WORD_WEIGHT * (log_freq[pos[hit]].astype(np.float64)
                                                      - UNKNOWN_WORD_LOG_FREQ)
            distinct_found[hit] = True
        if text_of is None:
            weights, found = distinct_weights[distinct_found], distinct_found
            text = np.zeros(len(weights), np.intp)
        else:
            weights = np.empty_like(distinct_weights, shape=(len(hashes), len(self.languages)))
            weights[word] = distinct_weights[group]
            found = np.empty(len(hashes), dtype=bool)
            found[word] = distinct_found[group]
            text = text_of[starts[found]].astype(np.intp)
            weights = weights[found]
        scores = np.empty((count, len(self.languages)))
        for j in range(len(self.languages)):
            scores[:, j] = np.bincount(text, weights=weights[:, j], minlength=count)
        return scores


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


def detect_many(items: Iterable[tuple[str, str, str | None]],
                languages: Sequence[str] = ("en", "ru", "be", "uk")) -> list[tuple[str, float]]:
    """`detect` for each (title, summary, hint), in vectorised batches: the same answers."""
    items = list(items)
    return detector_for(tuple(languages)).detect_many(
        [f"{title}\n{summary}" for title, summary, _ in items], [hint for _, _, hint in items])


def available_languages() -> set[str]:
    """Language codes with a profile: ours plus langdetect's. Cheap: imports neither numpy nor
    langdetect (config.py checks `languages:` with it)."""
    ours = {p.name.split(".")[0] for p in data_dir_of().iterdir() if p.name.endswith(".json.gz")}
    spec = find_spec("langdetect")
    theirs = set()
    for location in (spec and spec.submodule_search_locations) or ():
        profiles = Path(location, "profiles")
        if profiles.is_dir():
            theirs |= {p.name for p in profiles.iterdir()}
    return ours | theirs
