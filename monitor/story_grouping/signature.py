"""An item's story signature: the language-independent terms the grouping compares. Pure.

`signature_of(item, translation)` is computed once per matched item (about 0.1 ms) and is
plain data (`to_dict`/`from_dict`, JSON-safe), so the store can keep it and a restarted
daemon can rebuild its story index without recomputing anything.

Terms, each a short string with its kind as prefix:
- `n:<skeleton>`  a name (a capitalised word not at a sentence start, or one at the start that
                  is no common word), as a consonant skeleton (`skeleton.py`): the same key for
                  Лукашэнка / Лукашенко / Lukashenko;
- `N:<id>`        an actor named by a demonym, an alias or a capital (`lexicon.py`);
- `E:<kind>`      the kind of event; `T:<thing>` things and topics (`lexicon.py`);
- `#<value>`      a number, with its scale (4,2 млрд = 4.2 billion = 4200000000);
- `a:<skeleton>`  another spelling's key of a name (`skeleton.alias_keys`: Ваўкавыск's
                  Russian-like "lksk", Медиці's "mdk"); it matches `n:` and counts only when
                  the other report has it;
- `j:<skeleton>`  a town's key from a lowercase adjective (рязанской): counts only against `n:`/`a:`;
- `~n:<skeleton>` a maybe-name: a capital at a summary's sentence start ("Lukashenko
                  pardoned…", but also "Ночью…"); it matches `n:` at half weight;
- `w:<skeleton>`  any other content word, as a skeleton: matches within a language and
                  across the cognates of ru/be/uk (завод/завод, пожар/пажар).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping, Protocol

from monitor.story_grouping.lexicon import (actor_phrase_spans, concepts_of, is_capital_city,
                                            name_word, phrase_concepts)
from monitor.story_grouping.numbers import (LARGE_NUMBER_WORDS, NUMBER_WORDS, SCALES, UNIT_WORDS,
                                           number_term, number_value)
from monitor.story_grouping.roles import implied_country
from monitor.story_grouping.sites import exonym_key, region_of, sites_of
from monitor.story_grouping.skeleton import (alias_keys, name_keys, place_adjective_keys,
                                             skeleton, strip_ending)
from monitor.normalize.text import fold

SIGNATURE_VERSION = 1
QUOTED = "'"  # marks a title subject named in quotation marks
NAME_WORDS = "n:="  # a name keyed by its translated words: "n:=shield+union"
CAPITAL = "n:@"  # a capital city as a place: "n:@ua" is Kyiv in every spelling
PLACE_ADJECTIVE = "j:"  # a town's key read from a lowercase adjective ("j:rzn": рязанской)
ALIAS = "a:"  # another spelling's key of a name ("a:lksk": Ваўкавыск's Russian-like key)
WORD_SKELETON = 4
LEDE_CHARS = 400

# Words (letters with inner apostrophes or hyphens), and numbers with their separators.
_TOKEN = re.compile(r"\d+(?:[.,  ]\d{3})*(?:[.,]\d+)?|[^\W\d_]+(?:['’ʼ-][^\W\d_]+)*")
_SENTENCE_BREAK = re.compile(r"[.!?:;—–«»\"“”„(']")
# Function words and the commonest sentence starters: neither names nor content words.
_STOP = frozenset("""
the a an and or of in on at to for from with by after before over under into about as is are was
were be been has have had will would said says say it its this that these those their his her
they he she we not no but than then also more most new next last first one two three four five
six seven eight nine ten up down out off per via amid near says told since until while who which
what when where why how all any some other another both each during against between through
и в во на с со к ко по о об от из за у для не что как это его ее их так же бы ли но а или при
до после над под про без через уже ещё еще было были будет может также который которые
і ў у з са на па да ад для не што як гэта яго яе іх але або пры пасля пасьля над пад праз без
ужо яшчэ быў была былі будзе можа таксама які якія
та й із зі до від для не що як це його її їх але або при після над під через без вже ще
було були буде може також який які
""".split())

# the name after them is not the report's subject ("a night after Volgograd"; "Gulf of Finland": a sea)
_REFERENCE_MARKERS = frozenset("""
after following follows followed после вслед следом пасля пасьля услед усьлед сьледам
следам після слідом услід gulf
""".split())


class StoryInput(Protocol):
    """What `signature_of` reads from an item (`monitor.model.Item` has it)."""

    key: str
    feed: str
    language: str
    title: str
    summary: str
    link: str
    published_at: datetime


@dataclass(frozen=True)
class Signature:
    """What the story index keeps per item. `terms` is sorted and unique."""

    key: str
    feed: str
    language: str
    link: str
    title: str
    published_at: datetime
    terms: tuple[str, ...]
    title_names: tuple[str, ...] = ()  # the title's subjects: "n:key1|n:key2", "N:eu"
    target_title: str | None = None  # the title translated into the target language, if any
    version: int = SIGNATURE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"v": self.version, "key": self.key, "feed": self.feed,
                "language": self.language, "link": self.link, "title": self.title,
                "published_at": self.published_at.isoformat(), "terms": list(self.terms),
                "title_names": list(self.title_names), "target_title": self.target_title}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        return cls(key=data["key"], feed=data["feed"], language=data["language"],
                   link=data["link"], title=data["title"],
                   published_at=datetime.fromisoformat(data["published_at"]),
                   terms=tuple(data["terms"]), title_names=tuple(data.get("title_names", ())),
                   target_title=data.get("target_title"),
                   version=int(data["v"]))


def signature_of(item: StoryInput, translation: Any = None) -> Signature:
    """The signature of one item. `translation`, when given, is anything with `title` and
    `summary` in the target language (`monitor.model.Translation`); its terms are added."""
    title_names: list[str] = []
    terms = terms_of(item.title, is_title=True, name_groups=title_names)
    terms = _resolve_weak(terms | terms_of(lede(item.summary)))
    # «Нацбанк знізіў стаўку», «Рада продовжила…»: a state body without a country is the
    # writer's own country (`roles`)
    implied = implied_country(item.language or "", fold(item.title), terms)
    if implied:
        terms.add(implied)
    signature = Signature(key=item.key, feed=item.feed, language=item.language or "und",
                          link=item.link, title=item.title, published_at=item.published_at,
                          terms=tuple(sorted(terms)),
                          title_names=tuple(sorted(set(title_names))))
    return with_translation(signature, translation)


def with_translation(signature: Signature, translation: Any) -> Signature:
    """`signature` (of an item, untranslated) with its translation's terms added: the same as
    `signature_of(item, translation)`. A poll's worker processes sign the matched items they
    read; the committing process adds the translation, which only it has."""
    if translation is None or not getattr(translation, "title", None):
        return signature
    # The item's terms are already resolved: a maybe-name that is a name in the item or in
    # the translation goes either way, so resolving the union once more gives what resolving
    # it whole would.
    terms = set(signature.terms)
    terms |= terms_of(translation.title, is_title=True)
    terms |= terms_of(lede(getattr(translation, "summary", None) or ""))
    return replace(signature, terms=tuple(sorted(_resolve_weak(terms))),
                   target_title=translation.title)


def terms_of(text: str, is_title: bool = False, name_groups: list[str] | None = None) -> set[str]:
    """The terms of one text (a title or a summary). `name_groups`, when given, receives the
    text's subjects: for each name, its keys joined by "|" (a name may have several keys:
    Оршанский → "n:rSn|n:rS"), and each actor it names other than by reference."""
    if not text:
        return set()
    text = unicodedata.normalize("NFKC", text)
    terms: set[str] = set()
    strong: set[str] = set()  # names
    aliases: set[str] = set()  # other spellings' keys of the names (`skeleton.alias_keys`)
    weak: set[str] = set()    # maybe names: capitals at sentence starts, names after "after"
    references: set[str] = set()  # actors named after "after", "follows"…
    reference_until = -1
    tokens = list(_TOKEN.finditer(text))
    folded = fold(text)
    # offsets of the folded text are the text's when folding kept the length (almost always)
    actor_phrases = actor_phrase_spans(folded) if len(folded) == len(text) else []
    # well-known sites named by country or letters (БелАЭС, Запорізька АЕС): their town's key
    sites = sites_of(folded)
    for _, _, key, concepts in sites:
        aliases.add(ALIAS + key)
        terms.update(concepts)
    site_spans = sites if len(folded) == len(text) else []
    is_title_case = is_title and _is_title_case(tokens)
    pending_number: float | None = None
    pending_was_word = False
    translated_names = _translated_names(text, tokens, is_title_case)
    # the words of such a name have no skeleton worth keeping: "Shield" is no «Щит»
    in_translated_name = {i for _, _, span in translated_names for i in span}
    for index, match in enumerate(tokens):
        token = match.group()
        if token[0].isdigit():
            if pending_number is not None:
                terms.add(number_term(pending_number))
            pending_number, pending_was_word = number_value(token), False
            continue
        word = fold(token).replace("’", "'").replace("ʼ", "'").removesuffix("'s")
        if word[0] == "ў":
            word = "у" + word[1:]  # Belarusian writes у as ў after a vowel: ўдар is удар
        value = LARGE_NUMBER_WORDS.get(word)
        if not value and (is_title or pending_was_word and pending_number is not None):
            value = NUMBER_WORDS.get(word)
        if not value and "-" in word:  # twenty-one, двадцать-три
            tens, _, unit = word.partition("-")
            if tens in LARGE_NUMBER_WORDS and unit in UNIT_WORDS:
                value = LARGE_NUMBER_WORDS[tens] + UNIT_WORDS[unit]
        if value:
            if pending_number is not None and pending_was_word and _adds_up(pending_number, value):
                pending_number += value  # "twenty two", "дваццаць пяць", «триста сорок»
                continue
            if pending_number is not None:
                terms.add(number_term(pending_number))
            pending_number, pending_was_word = float(value), True
            continue
        if pending_number is not None:
            scale = SCALES.get(word)
            terms.add(number_term(pending_number * scale if scale else pending_number))
            pending_number = None
            if scale:
                continue
        if word in _REFERENCE_MARKERS:
            reference_until = index + 3
            continue
        if word in _STOP:
            continue
        # "…a night after Volgograd", "EU follows UK": the name after such a word is an
        # earlier event or another actor, not this report's subject: a maybe-name only.
        is_reference = index <= reference_until
        concepts = concepts_of(word)
        actors = [c for c in concepts if c[0] == "N"]
        if is_reference and actors:
            references.update(actors)
            concepts = tuple(c for c in concepts if c[0] != "N")
            reference_until = -1
        elif actors and name_groups is not None:
            name_groups.extend(actors)
        terms.update(concepts)
        is_start = (index == 0 or _SENTENCE_BREAK.search(
            text, tokens[index - 1].end(), match.start()) is not None) and \
            not _is_quoted_name(text, match.start())
        is_capital = token[0].isupper()
        if is_capital and actor_phrases and \
                any(start <= match.start() < end for start, end in actor_phrases):
            continue  # "Світового банку", "Верховна Рада": the actor's id says it
        if is_capital and actors and not is_capital_city(word):
            continue  # ЕС, ЭЗ, Британия, Belarusian: the actor's id says it in every language
        if index in in_translated_name:
            continue
        if concepts and len(token) > 1 and token.isupper():
            continue  # НПЗ, МЧС, КПП: a known abbreviation is its concept, not a name
        if is_capital and concepts and (is_start or is_title_case) and \
                not is_capital_city(word):
            is_capital = False  # "Drones hit…", "Fire At…": capital by position
        if is_capital:
            # A capital at a sentence start or in a Title Case headline may be a name
            # ("Лукашенко посетил…") or not ("Ночью", "Prime minister…"): a maybe-name.
            if actors:
                # a capital is a place too, keyed by its country: the skeletons of Kyiv/Київ/
                # Киев are too short to keep, and Beijing/Пекин share none
                keys = [CAPITAL + actor[2:] for actor in actors]
            else:
                keys = ["n:" + key for part in word.split("-") for key in name_keys(part)]
            if is_reference or is_start or is_title_case:
                weak.update(keys)
            else:
                strong.update(keys)
                other_spellings = [ALIAS + key for part in word.split("-")
                                   for key in alias_keys(part)] if not actors else []
                other_spellings += [ALIAS + key for start, end, key, _ in site_spans
                                    if start <= match.start() < end]
                exonym = exonym_key(word)  # Коўна is Kaunas
                if exonym:
                    other_spellings.append(ALIAS + exonym)
                aliases.update(other_spellings)
                # the town's region, which the other reports may name instead (Речица / Gomel
                # region); not a title subject: a report naming the region does not name the town
                aliases.update(ALIAS + region for region in map(region_of, (k[2:] for k in keys))
                               if region)
                if name_groups is not None and keys:
                    # a quoted name («Щит Союза», «Великий камень») is often translated in
                    # English ("Union Shield"): marked, so only its own script misses it
                    quoted = _in_short_quotation(text, match.start())
                    name_groups.append(QUOTED * quoted + "|".join(
                        keys + ["n:" + a[len(ALIAS):] for a in other_spellings]))
            reference_until = -1 if is_reference else reference_until
        elif not concepts and len(word) >= 4:
            key = skeleton(strip_ending(word), WORD_SKELETON)
            if len(key) >= 3:
                terms.add("w:" + key)
            terms.update(PLACE_ADJECTIVE + k for k in place_adjective_keys(word))
    if pending_number is not None:
        terms.add(number_term(pending_number))
    for key, is_firm, _ in translated_names:
        # not a title subject: a name one report translates and another leaves out (Union
        # Shield drills / joint drills) is no sign of another event
        (strong if is_firm else weak).add(key)
    terms.update(phrase_concepts(folded, is_title))
    terms |= strong
    terms |= {a for a in aliases if "n:" + a[len(ALIAS):] not in strong}
    terms |= {"~" + key for key in weak - strong}
    terms |= {"~" + actor for actor in references - terms}
    return terms


def _adds_up(written: float, following: int) -> bool:
    """Whether a number word after number words adds to them: a unit after a tens word
    (twenty-two), tens or a unit after a hundreds word (триста сорок, сто пять)."""
    if written < 20 or written >= 1000 or following >= 100:
        return False
    if written % 100 == 0:
        return True
    return written % 10 == 0 and written % 100 >= 20 and following < 10


def _translated_names(text: str, tokens: list[re.Match[str]],
                      is_title_case: bool) -> list[tuple[str, bool, range]]:
    """Names made of words each language translates ("Union Shield", «Щит Союза», «Шчыт
    Саюза»; "Black Sea", Чёрное море): keyed by the ids of their words ("n:=shield+union"),
    with whether the name is sure (not at a sentence start, nor in a Title Case headline) and
    which tokens it spans.
    A name starts with a capital; in Latin script each of its words has one."""
    found = []
    index, count = 0, len(tokens)
    while index < count:
        match = tokens[index]
        token = match.group()
        first_id = _name_word_of(token) if token[0].isupper() else None
        if first_id is None:
            index += 1
            continue
        latin = not _CYRILLIC_LETTER.match(token)
        ids = [first_id]
        end = index + 1
        while end < count and len(ids) < 3:
            following = tokens[end].group()
            word_id = _name_word_of(following)
            if word_id is None or (latin and not following[0].isupper()) or \
                    text[tokens[end - 1].end():tokens[end].start()].strip(" -–— "):
                break
            ids.append(word_id)
            end += 1
        if len(ids) >= 2:
            is_start = (index == 0 or _SENTENCE_BREAK.search(
                text, tokens[index - 1].end(), match.start()) is not None) and \
                not _is_quoted_name(text, match.start())
            found.append((NAME_WORDS + "+".join(sorted(set(ids))),
                          not is_start and not is_title_case, range(index, end)))
        index = end
    return found


@lru_cache(maxsize=1 << 14)  # news repeats its words (skeleton.WORD_CACHE)
def _name_word_of(token: str) -> str | None:
    return name_word(fold(token))


def lede(summary: str) -> str:
    """The first LEDE_CHARS characters of a summary, cut at a space. A report names its event
    in its first sentences; feeds that put whole articles in the summary (up to 5,000
    characters) would add hundreds of terms that cost time and blur the comparison."""
    if len(summary) <= LEDE_CHARS:
        return summary
    cut = summary.rfind(" ", 0, LEDE_CHARS)
    return summary[:cut if cut > LEDE_CHARS // 2 else LEDE_CHARS]


def _in_short_quotation(text: str, start: int) -> bool:
    """Whether the word at `start` is inside a short quotation (see `_is_quoted_name`)."""
    opening = max(text.rfind(q, max(0, start - 60), start) for q in _OPENING_QUOTES)
    return opening >= 0 and _is_quoted_name(text, opening + 1) and \
        not _CLOSING_QUOTE.search(text, opening + 1, start)


def _is_quoted_name(text: str, start: int) -> bool:
    """Whether the word at `start` opens a short quotation: «Нафтан», «Гродно Азот», „Шчыт
    Саюза“. Russian, Belarusian and Ukrainian write the names of firms, plants and exercises
    in quotation marks, so a capital there is a name, not a sentence start; a quoted sentence
    is longer or has its own punctuation."""
    if start == 0 or text[start - 1] not in _OPENING_QUOTES:
        return False
    end = _CLOSING_QUOTE.search(text, start, start + 60)
    return end is not None and len(text[start:end.start()].split()) <= 4 and \
        not _SENTENCE_PUNCTUATION.search(text, start, end.start())


_OPENING_QUOTES = frozenset("«„“\"")
_CLOSING_QUOTE = re.compile("[»“”\"]")
_SENTENCE_PUNCTUATION = re.compile("[.,!?;:]")
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")


def _is_title_case(tokens: list[re.Match[str]]) -> bool:
    """"Drone Attack Sets Volgograd Refinery Ablaze": every long word capitalised. Only
    English headlines are written so; a Cyrillic one is in sentence case, and its capitals are
    names even when most of its long words are ("Лукашэнка наведаў «Белшыну» ў Бабруйску")."""
    long_words = [m.group() for m in tokens if len(m.group()) >= 4 and m.group()[0].isalpha()]
    if any(_CYRILLIC_LETTER.match(w) for w in long_words):
        return False
    return len(long_words) >= 4 and \
        sum(w[0].isupper() for w in long_words) >= 0.7 * len(long_words)


def _resolve_weak(terms: set[str]) -> set[str]:
    """A maybe-name ("~n:x") that is a name elsewhere in the item is just that name; another
    spelling's key ("a:x") that is a name of the item ("n:x") is that name."""
    return {t for t in terms if not (t[0] == "~" and t[1:] in terms or
                                     t[0] == "a" and "n" + t[1:] in terms)}
