"""Word keys for keyword matching: two words match as bare query terms when their keys are equal.

Used by `compiled`, `matcher`, `explain` and `search`; input is folded words
(`normalize.text.fold`, `normalize.text.WORD`).
Russian uses Snowball (PyStemmer, C). English strips plural and possessive endings only, as the
query language promises (Snowball's English stemmer also conflates police/policy and
universe/university). Belarusian and Ukrainian have no Snowball stemmer and no offline
lemmatiser on PyPI, so they get a light ending-list stemmer here, with the stem's vowels and
final consonant folded to cover the alternations that inflection causes (горад/гарадоў,
дарога/дарозе). Other languages match exact word forms. Imports only the standard library
and PyStemmer.
"""

from __future__ import annotations

import re
import threading
from typing import Callable, Iterable

import Stemmer

# --- English: plural and possessive ----------------------------------------------------------

# Words that end in -s in the singular (or have no singular) and must keep it.
_EN_KEEP = frozenset("""
news series species means headquarters physics politics economics mathematics athletics
ethics tactics logistics chaos lens bias gas yes its his hers ours yours theirs this thus
always perhaps whereas towards afterwards lies arms
""".split())
_EN_IRREGULAR = {
    "men": "man", "women": "woman", "children": "child", "mice": "mouse", "geese": "goose",
    "feet": "foot", "teeth": "tooth", "people": "person", "wives": "wife", "lives": "life",
    "knives": "knife", "leaves": "leaf", "halves": "half", "thieves": "thief",
    "heroes": "hero", "potatoes": "potato", "tomatoes": "tomato", "vetoes": "veto",
    "crises": "crisis", "analyses": "analysis", "theses": "thesis", "criteria": "criterion",
    "phenomena": "phenomenon",
}


def english_key(word: str) -> str:
    """drone, drones, drone's, drones' → one key; factory/factories; box/boxes."""
    if word.endswith("'s"):
        word = word[:-2]
    irregular = _EN_IRREGULAR.get(word)
    if irregular is not None:
        word = irregular
    elif len(word) >= 4 and word[-1] == "s" and word not in _EN_KEEP:
        if word.endswith("ies"):
            word = word[:-3] + "i"
        elif word.endswith(("sses", "xes", "zes", "ches", "shes")):
            word = word[:-2]
        elif not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    # factory/factories and movie/movies meet at -i.
    if len(word) >= 3:
        if word[-1] == "y":
            word = word[:-1] + "i"
        elif word.endswith("ie"):
            word = word[:-1]
    return word


# --- Belarusian and Ukrainian: ending list + folded stem -------------------------------------

# Noun and adjective endings, after `belarusian_form` (ў is written в, so -аў is -ав). No verb
# endings: -еце/-аце would eat the locative of ракета/самалёт (ракеце = рак+еце), and queries
# name things. No stressed -ога either: it would eat дарога, перамога, дапамога, трывога
# (measured on real text: noun recall up, adjective recall 1.000 → 0.993).
_BE_ENDINGS = """
а я ы і у ю е о э ь й
ом ем ам ям ой ей ою ею аю яю ах ях ав яв ов ев амі ямі мі ьмі
ая яя ае яе ое ыя ія ага яга аму яму ому ым ім ых іх ымі імі ай яй ую юю
"""
_UK_ENDINGS = """
а я и і ї у ю е є о ь й
ом ем єм ам ям ою ею єю ах ях ами ями ів їв ей ові еві єві
ий ій ая яя ого ього ому ьому им ім их іх ими іми ої ую юю
"""
_VOWELS = "аеёиіїоуўыэюяє"
_CYRILLIC = re.compile("[а-яёіїєўґ]")
# Latin letters typed for their Cyrillic twins inside a Cyrillic word (дзейнасцi with a Latin
# i, or a Latin a/e/o/c in Russian text): the word is Cyrillic, so are its letters.
_HOMOGLYPHS = str.maketrans("aceopxyi", "асеорхуі")


def _ending_pattern(endings: str) -> re.Pattern[str]:
    # Longest ending first; the stem before it keeps a vowel with a letter after it.
    alternatives = sorted(set(endings.split()), key=len, reverse=True)
    return re.compile(rf"^(.*?[{_VOWELS}].*?.)({'|'.join(alternatives)})$")


_BE_ENDING = _ending_pattern(_BE_ENDINGS)
_UK_ENDING = _ending_pattern(_UK_ENDINGS)
_BE_CONSONANTS = "бвгджзклмнпрстфхцчшґ"
# Taraškievica writes assimilated softness (сьнег, узмацненьне); the official spelling does
# not (снег, узмацненне). Dropping ь before a consonant makes both spellings one form.
_BE_SOFT_SIGN = re.compile(rf"ь(?=[{_BE_CONSONANTS}])")
# ў alternates with в inside a word (Кіеў/Кіева, жнівень/жніўня) and with у at its start
# (ўзброены/узброены after a vowel).
_BE_U_SHORT = re.compile(r"(?<=\w)ў")
# Akanne/jakanne: unstressed о and э are written а, unstressed е/ё are written я, and stress
# moves with inflection (вайна/войны, рака/рэкі, мяжа/межы, сяло/сёлы). The key keeps one
# letter per class.
_BE_STEM_VOWELS = str.maketrans({"о": "а", "э": "а", "е": "я"})
# A vowel that drops out before the last consonant (парадак/парадку, верасень/верасня,
# канец/канца; к and ц are т by then): removed from every long enough stem, so all forms
# agree. Shorter stems keep it: on real text that trade kept recall and halved false hits.
_FLEETING = re.compile(rf"[{_VOWELS}](?=[тнр]$)")
# Before -е/-ы/-і the stem's last consonant alternates: дарога/дарозе, рука/руцэ,
# горад/горадзе, брат/браце, страх/страсе.
_BE_FINAL = (("дз", "д"), ("з", "д"), ("г", "д"), ("ц", "т"), ("к", "т"), ("с", "х"))
_UK_FORM = str.maketrans({"ґ": "г"})
# і alternates with о/е in a closed last syllable (рік/року, кінь/коня), ї with є (Київ/Києва).
_UK_LAST_I = re.compile(r"[іо](?=[^аеиіїоуюяє]*$)")
_UK_LAST_YI = re.compile(r"ї(?=[^аеиіїоуюяє]*$)")
# Fleeting vowels (грудень/грудня, список/списку, боєць/бійця; к and ц are к by then).
_UK_FLEETING = re.compile(r"[оеє](?=[кн]$)")
# Before -і the last consonant alternates: рік/році, дорога/дорозі, муха/мусі.
_UK_FINAL = re.compile(r"(?<!д)[цзс]$")
_UK_FINAL_MAP = {"ц": "к", "з": "г", "с": "х"}


def _cyrillic_letters(word: str) -> str:
    if word.isascii() or not _CYRILLIC.search(word):
        return word
    return word.translate(_HOMOGLYPHS)


def belarusian_form(word: str) -> str:
    """One spelling for a folded Belarusian word: Cyrillic letters only, ў→в (у at the start),
    ь before a consonant dropped, ґ→г."""
    word = _cyrillic_letters(word).replace("ґ", "г")
    if "ў" in word:
        word = _BE_U_SHORT.sub("в", word).replace("ў", "у")
    return _BE_SOFT_SIGN.sub("", word) if "ь" in word else word


def belarusian_key(word: str) -> str:
    """Дрон, дрона, дронаў, дронамі → one key; горад/гарадоў; дарога/дарозе."""
    stem = _strip_vowels(_strip(_BE_ENDING, belarusian_form(word)))
    if stem.endswith(("анін", "янін")):
        stem = stem[:-2]  # грамадзянін/грамадзяне
    stem = stem.translate(_BE_STEM_VOWELS)
    if len(stem) >= 2 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
        stem = stem[:-1]  # ноч/ноччу, жыццё/жыцця: doubled consonant before -у/-ё
    if len(stem) >= 4:
        for tail, replacement in _BE_FINAL:
            if stem.endswith(tail):
                stem = stem[:-len(tail)] + replacement
                break
    if len(stem) >= 6:
        stem = _FLEETING.sub("", stem)
    return stem


def ukrainian_form(word: str) -> str:
    return _cyrillic_letters(word).translate(_UK_FORM)


def ukrainian_key(word: str) -> str:
    """Дрон, дрона, дронів, дронами → one key; рік/року/році, кінь/коня, Київ/Києва,
    грудень/грудня."""
    stem = _strip_vowels(_strip(_UK_ENDING, ukrainian_form(word)))
    if len(stem) >= 2 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
        stem = stem[:-1]
    if len(stem) >= 3:
        stem = _UK_FINAL.sub(lambda m: _UK_FINAL_MAP[m.group()], stem)
    if len(stem) >= 5:
        stem = _UK_FLEETING.sub("", stem)
    return _UK_LAST_I.sub("о", _UK_LAST_YI.sub("є", stem))


def _strip(pattern: re.Pattern[str], word: str) -> str:
    m = pattern.match(word)
    return m.group(1) if m else word


def _strip_vowels(stem: str) -> str:
    # расія/расіі/расіяй all reach расі- by one ending; the stem's own last vowel goes too.
    while len(stem) > 3 and stem[-1] in _VOWELS and any(c in _VOWELS for c in stem[:-1]):
        stem = stem[:-1]
    return stem


# --- Analyzers -------------------------------------------------------------------------------

_CACHE_LIMIT = 200_000


class Analyzer:
    """Keys (and normalised forms) of folded words for one language, cached.

    `keys(words)` is on the hot path of matching (once per item), so misses are computed in
    one batch and hits are a dict lookup each.
    """

    def __init__(self, language: str, key: Callable[[str], str] | None,
                 form: Callable[[str], str] | None = None,
                 batch: Callable[[list[str]], list[str]] | None = None,
                 description: str = "") -> None:
        self.language = language
        self.description = description
        self._key = key
        self._form = form
        self._batch = batch
        self._keys: dict[str, str] = {}
        self._forms: dict[str, str] = {}

    def key(self, word: str) -> str:
        key = self._keys.get(word)
        return key if key is not None else self.keys([word])[0]

    def form(self, word: str) -> str:
        if self._form is None:
            return word
        form = self._forms.get(word)
        return form if form is not None else self.forms([word])[0]

    def keys(self, words: list[str]) -> list[str]:
        if self._key is None and self._batch is None:
            return words
        cache = self._keys
        if len(cache) > _CACHE_LIMIT:
            # Emptied before the lookups, never between them and the answer: a word found
            # before the clear would come back without its key (and its rule unmatched).
            cache.clear()
        get = cache.get
        out = [get(w) for w in words]
        if None in out:
            missing = list(dict.fromkeys(w for w, k in zip(words, out) if k is None))
            computed = self._batch(missing) if self._batch is not None else \
                [self._key(w) for w in missing]  # type: ignore[misc]
            for word, key in zip(missing, computed):
                cache[word] = key or word
            out = [get(w) for w in words]
        return out  # type: ignore[return-value]

    def forms(self, words: list[str]) -> list[str]:
        if self._form is None:
            return words
        cache = self._forms
        if len(cache) > _CACHE_LIMIT:
            cache.clear()  # before the lookups, as in keys()
        get = cache.get
        out = [get(w) for w in words]
        if None in out:
            for w in words:
                if w not in cache:
                    cache[w] = self._form(w)
            out = [get(w) for w in words]
        return out  # type: ignore[return-value]


# Snowball reads the -сь of these nouns as a reflexive verb ending (беларусь → белар, but
# беларуси → беларус); stemming them without the ь puts every form on one key.
_RU_NOUNS_IN_S = ("беларусь русь белоруссь ось лось гусь карась смесь спесь взвесь помесь "
                  "порось").split()
# Snowball takes -ов/-ев off a nominative (лавров → лавр, песков → песк) as if it were a
# genitive plural, but not off the longer stem of лаврова/пескову (→ лавров): surnames, the
# words news queries name most. Dropping -ов/-ев from every key of six letters or more puts
# them together (measured on real text: recall unchanged, false hits 0.026 → 0.028).
_RU_OV = re.compile(r"(?:ов|ев)$")
# Short place names that neither rule reaches: Snowball takes киев to ки.
_RU_KEEP = {"киев": "киев", "львов": "львов"}
# Snowball keeps the fleeting vowel of the nominative (потолок/потолка, иностранец/
# иностранцев, уровень/уровне); dropping it from stems of five letters or more raised noun
# recall on real text from 0.932 to 0.961 with no new false hits (bench/stemmer.py).
_RU_FLEETING = re.compile(r"[оеь](?=[кцн]$)")


def _russian() -> Callable[[list[str]], list[str]]:
    stem_words = Stemmer.Stemmer("russian").stemWords
    overrides = dict(zip(_RU_NOUNS_IN_S, stem_words([w[:-1] for w in _RU_NOUNS_IN_S])))
    overrides.update(_RU_KEEP)

    def batch(words: list[str]) -> list[str]:
        keys = stem_words([_cyrillic_letters(w) for w in words])
        out = []
        for word, key in zip(words, keys):
            override = overrides.get(word)
            if override is not None:
                key = override
            elif len(key) >= 5:
                if len(key) >= 6:
                    key = _RU_OV.sub("", key)
                key = _RU_FLEETING.sub("", key)
            out.append(key)
        return out
    return batch


def _analyzers() -> dict[str, Callable[[], Analyzer]]:
    def russian() -> Analyzer:
        # Forms stay as folded: repairing mixed-script words is done in keys, where it costs
        # nothing after the first sight of a word, and phrases rarely meet such words.
        return Analyzer("ru", None, batch=_russian(),
                        description="Snowball Russian stemmer (PyStemmer)")

    def english() -> Analyzer:
        return Analyzer("en", english_key, description="plural and possessive endings")

    def belarusian() -> Analyzer:
        def batch(words: list[str]) -> list[str]:
            return [belarusian_key(w) for w in words]
        return Analyzer("be", None, form=belarusian_form, batch=batch,
                        description="Belarusian ending list with folded stem vowels")

    def ukrainian() -> Analyzer:
        def batch(words: list[str]) -> list[str]:
            return [ukrainian_key(w) for w in words]
        return Analyzer("uk", None, form=ukrainian_form, batch=batch,
                        description="Ukrainian ending list with folded last syllable")

    return {"ru": russian, "en": english, "be": belarusian, "uk": ukrainian}


_FACTORIES = _analyzers()
INFLECTED_LANGUAGES = tuple(_FACTORIES)


def analyzer_for(language: str) -> Analyzer:
    """A fresh analyzer for `language`; languages without one match exact word forms."""
    factory = _FACTORIES.get(language)
    if factory is None:
        return Analyzer(language, None, description="exact word forms")
    return factory()


_per_thread = threading.local()


def shared_analyzer(language: str) -> Analyzer:
    """This thread's analyzer for `language`, shared by every matcher the thread makes.

    An analyzer remembers each word's key and form; a fresh one per matcher made each search
    and rule preview (a matcher per query) analyse every word again: 347 against 21 µs per
    Russian item (bench/web.py's items). Per thread, because the caches are plain dicts."""
    analyzers = getattr(_per_thread, "analyzers", None)
    if analyzers is None:
        analyzers = _per_thread.analyzers = {}
    analyzer = analyzers.get(language)
    if analyzer is None:
        analyzer = analyzers[language] = analyzer_for(language)
    return analyzer


def stem_words(language: str, words: Iterable[str]) -> list[str]:
    """Keys of folded `words` in `language` (for tests and `rules explain`)."""
    return analyzer_for(language).keys(list(words))
