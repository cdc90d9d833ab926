"""Consonant skeletons: one key for a name in any of our scripts and spellings. Pure; stdlib.

Лукашэнка, Лукашенко, Лукашенка, Lukashenko → "lkSnk"; Мінск, Минск, Менск, Minsk → "mnsk";
Берасьце, Брест, Brest → "brst"; Жодзіна, Жодино, Zhodzina → "Zdn"; Могилёв, Магілёў,
Mahilioŭ, Mogilev → "mgl". The idea is the one name-matching systems have used since Soundex
(and the one the European Media Monitor applies to names across scripts, Pouliquen et al. 2006):
vowels are what transliteration and the three orthographies disagree on (а/о, е/э/і/и, ё/ё/e/io,
the Belarusian akanne), consonants mostly survive. So a word is mapped to a few consonant
classes, in both scripts:

- Latin digraphs are read first (shch, sh, zh, ch, kh, ts, dz) so "Zhodzina" and "Жодзіна" give
  the same letters;
- г/ґ/h/g are one class (Belarusian and Ukrainian г is Latin h: Hrodna, Homiel) and х/kh another;
- ц/ts and т/t are one class: Belarusian writes ц where Russian has т (Віцебск/Витебск,
  Берасьце/Брест), and Belarusian дз where Russian has д (Жодзіна/Жодино); дз → д;
- в/v before a consonant or at the end, ў/w and й/j are dropped: Belarusian ў stands where
  Russian has в (Дуброўскі/Дубровский), and the Latin spellings vary (Dubrouski, Dubrovsky);
- soft and hard signs, apostrophes and vowels are dropped; doubled consonants are one
  (Barrett/Барэт).

A skeleton is cut to MAX_CONSONANTS, so case endings past it (-ом, -ам, -ах) do not matter;
`name_keys` also strips the common Slavic case and adjective endings first. Different words
can share a skeleton (that is what the in-window weights and the thresholds are for).
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_CONSONANTS = 4
# Words whose skeleton (and, in lexicon.py, whose concepts) are kept, least recently used
# dropped: news repeats its words, and a signature looks up ~40. With the caches,
# signature_of took 0.33 ms an item instead of 0.47 on bench/poll.py's matched items (paired
# runs, median of 4, shared machine). 16,384 words: a few MB at most.
WORD_CACHE = 1 << 14

_LATIN_DIGRAPHS = (("shch", "S"), ("sch", "S"), ("sh", "S"), ("zh", "Z"), ("ch", "C"),
                   ("kh", "H"), ("tz", "t"), ("ts", "t"), ("dz", "d"), ("ph", "f"),
                   ("ck", "k"), ("x", "ks"), ("qu", "kv"), ("q", "k"), ("c", "k"), ("w", ""),
                   ("j", ""), ("h", "g"))
_LATIN_DIGRAPH = re.compile("|".join(d for d, _ in _LATIN_DIGRAPHS))
_LATIN_MAP = dict(_LATIN_DIGRAPHS)

# Cyrillic (ru, be, uk) and Latin letters with diacritics to the consonant classes; vowels,
# signs and glides map to "" (dropped).
_LETTERS = str.maketrans({
    "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "ж": "Z", "з": "z", "к": "k", "л": "l",
    "м": "m", "н": "n", "п": "p", "р": "r", "с": "s", "т": "t", "ф": "f", "х": "H", "ц": "t",
    "ч": "C", "ш": "S", "щ": "S",
    **dict.fromkeys("аеёиіїєоуыэюяйўьъ'aeiouy", ""),
    "š": "S", "ž": "Z", "č": "C", "ć": "C", "ś": "s", "ź": "z", "ł": "l", "ń": "n", "ŭ": "",
    "ą": "", "ę": "", "ó": "", "é": "", "á": "", "í": "", "ú": "", "ý": "", "ė": "", "ū": "",
    "ī": "", "ā": "", "ē": "", "ģ": "g", "ķ": "k", "ļ": "l", "ņ": "n", "ő": "", "ö": "", "ü": "",
    "ä": "", "ç": "s", "ş": "S", "ğ": "g", "ı": "",
})
# A Belarusian дз is a Russian д (Жодзіна/Жодино), and Belarusian шч is Russian and Ukrainian
# щ (Шчыт/Щит, Шчучын/Щучин); read them before the letters are mapped.
_CYRILLIC_DIGRAPH = re.compile("дз|шч")
_CYRILLIC_DIGRAPHS = {"дз": "д", "шч": "щ"}
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _consonants(word: str) -> str:
    """The word's consonant classes, before the v rule and doubling are applied."""
    if not _CYRILLIC.search(word):
        if not word.isascii():
            word = word.replace("c", "ts")  # Kuźnica, Šalčininkai: Polish and Baltic c is ts
        word = _LATIN_DIGRAPH.sub(lambda m: _LATIN_MAP[m.group()], word)
    elif "дз" in word or "шч" in word:
        word = _CYRILLIC_DIGRAPH.sub(lambda m: _CYRILLIC_DIGRAPHS[m.group()], word)
    return word.translate(_LETTERS)


@lru_cache(maxsize=WORD_CACHE)
def skeleton(word: str, limit: int = MAX_CONSONANTS) -> str:
    """The consonant skeleton of one folded (lower-case) word, at most `limit` classes."""
    raw = _consonants(word)
    out: list[str] = []
    for i, ch in enumerate(raw):
        if not ch.isalpha():
            continue
        if ch == "v" and (i + 1 == len(raw) or raw[i + 1] != "v" and _is_consonant(raw, i + 1)):
            continue  # в/v before a consonant or at the end: Belarusian writes ў there
        if out and out[-1] == ch:
            continue
        out.append(ch)
        if len(out) == limit:
            break
    return "".join(out)


def _is_consonant(raw: str, i: int) -> bool:
    return raw[i].isalpha()


# Slavic case endings and the adjective suffixes that make "Оршанский завод" of "Орша",
# longest first; stripped from Cyrillic names before the skeleton is taken.
_ENDINGS = sorted("""
ами ями ого его ому ему ыми ими ым им ом ем ам ям ах ях ой ей ою ею ую юю ая яя ые ие ых их
ай ою ої ій ий ый ая ое ее ае ія іх ім ую ом ам ым аў яў ей ёй ага яга аму яму ымі імі
""".split(), key=len, reverse=True)
_ADJECTIVE = re.compile("(?:ьск|ск|цк|ськ)[аеёиіїоуыэюяйьў]{0,2}$")
# A region named after its town: Віцебшчына, Витебщина, Харківщина, Гомельшчына (the
# Витебская область of Russian reports, Vitebsk region in English ones).
# A village or district in -овка/-аўка/-івка and its adjective (Комаровка, Камароўка,
# Комаровский рынок): the key of the stem without the -к.
_OVKA = re.compile("(?:ов|оў|ав|аў|ев|еў|ёў|ів|їв)к[аеёиіїоуыэюяйьў]{0,2}$")
_REGION = re.compile("(?:шчын|щин|чын|чин)[аеёиіїоуыэюяйьў]{0,2}$")
# Belarusian аў/оў before a consonant where Russian has ол (Ваўкавыск / Волковыск, Воўчын /
# Волчин): the ў is dropped from the skeleton and the Russian л is not, so the two skeletons
# differ ("ksk" / "lksk": test5's Volkovysk reports were never candidates of each other).
_BELARUSIAN_OL = re.compile("(?<=^[вбгджзклмнпрстфхцчш])[ао]ў(?=[бвгджзклмнпрстфхцчш])")
# Ukrainian and Belarusian change к/г to ц/з before the locative and dative і/ы/е (Медика → у
# Медиці / у Медыцы; test6's Medyka blockade): the name's key of its к/г form.
_PALATALISED = re.compile("(?<=[аеиіоуыэяюї])(?:ц[іы]|з[іе])$")


_ENDINGS_BY_LENGTH = {n: frozenset(e for e in _ENDINGS if len(e) == n)
                      for n in sorted({len(e) for e in _ENDINGS}, reverse=True)}


def strip_ending(word: str) -> str:
    """`word` without one Slavic case ending, the longest that fits (never shorter than 3
    letters). A set look-up per ending length: this runs for every word of every item."""
    for length, endings in _ENDINGS_BY_LENGTH.items():
        if len(word) - length >= 3 and word[-length:] in endings:
            return word[:-length]
    return word


def name_keys(word: str) -> list[str]:
    """Skeleton keys for one folded name token: its stem's skeleton, and for an adjective made
    from a place name (Оршанский, Рязанський, Гродненском) also the place's.

    Keys shorter than two consonant classes are dropped (Київ, Уфа: too short to tell apart).
    """
    if word.endswith("'s"):
        word = word[:-2]
    keys = []
    if _CYRILLIC.search(word):
        base = strip_ending(word)
        keys.append(skeleton(base))
        keys += _adjective_place_keys(base)
        ovka = _OVKA.search(word)
        if ovka and ovka.start() >= 3:
            stem_key = skeleton(word[:ovka.start() + 2])
            if len(stem_key) >= 3:  # Головка → "gl" would be too short to mean anything
                keys.append(stem_key)
        region = _REGION.search(word)
        if region and region.start() >= 4:
            town = word[:region.start()].removesuffix("ь")
            # the town's own key (Харків, Гомель) and its -ск form's (Віцебск, Брэст-ск is
            # cut to four consonants anyway): the region shares the key of either
            keys += [skeleton(town), skeleton(town + "ск")]
    else:
        keys.append(skeleton(word))
        if word.endswith(("sky", "ski", "skiy")) and len(word) > 6:
            keys.append(skeleton(word[:word.rindex("sk")]))
    return [k for k in dict.fromkeys(keys) if len(k) >= 2]


def place_adjective_keys(word: str) -> list[str]:
    """The place's keys of a lowercase Cyrillic adjective made from a place name (рязанской
    нефтебазе, бабруйскім камбінаце, харківській друкарні): how ru/be/uk reports name a town
    in passing, where another report names the town itself. Empty for any other word."""
    if not _CYRILLIC.search(word):
        return []
    base = strip_ending(word)
    keys = _adjective_place_keys(base)
    # a town in -ск keeps it in its adjective (бабруйскім: Бобруйск)
    return [k for k in dict.fromkeys([skeleton(base)] + keys) if len(k) >= 2] if keys else []


def _adjective_place_keys(base: str) -> list[str]:
    adjective = _ADJECTIVE.search(base)
    if not adjective or not (adjective.start() >= 4 or
                             adjective.start() == 3 and base[3:].startswith("ськ")):
        return []
    stem = base[:adjective.start()]
    keys = [skeleton(stem)]  # Рязанский → рязан(ь), Гродненском → гродн(о)
    if stem.endswith(("ан", "ян")) and len(stem) > 4:
        keys.append(skeleton(stem[:-2]))  # Оршанский → орш(а)
    if base[adjective.start():].startswith("ськ"):
        keys.append(skeleton(base[:adjective.start() + 1]))  # Одеський → Одес(а)
    if base[adjective.start():].startswith("цк"):
        keys.append(skeleton(stem + "ч"))  # Баранавіцкі → Баранавічы (ч → ц before к)
    return keys


def alias_keys(word: str) -> list[str]:
    """Other skeleton keys one folded Cyrillic name may have in another language, beside its
    `name_keys`: the Russian ол of a Belarusian аў (Ваўкавыск → "lksk", Волковыск's key) and the
    к/г of a Ukrainian or Belarusian locative ц/з (Медиці → "mdk", Medyka's key). They are
    other spellings of one name, not more names: `similarity` counts one only when the other
    report has it, so a report gains nothing and loses nothing by having them."""
    if not _CYRILLIC.search(word):
        return []
    keys = []
    if "ў" in word:
        russian_like = _BELARUSIAN_OL.sub("ол", word)
        if russian_like != word:
            keys.append(skeleton(strip_ending(russian_like)))
    palatalised = _PALATALISED.search(word)
    if palatalised and palatalised.start() >= 3:
        keys.append(skeleton(word[:palatalised.start()] +
                             ("к" if word[palatalised.start()] == "ц" else "г")))
    own = name_keys(word)
    return [k for k in dict.fromkeys(keys) if len(k) >= 3 and k not in own]
