"""Well-known sites named by their country or an abbreviation: the place they stand; and the
region a town is in. Pure; stdlib.

A plant is often named by its country or by letters, not by its town: «БелАЭС», «Беларуская АЭС»,
"Belarusian nuclear plant" are the plant at Astravets (Островец, Астравец); «ЗАЭС», «Запорізька
АЕС», "ZNPP" the one at Zaporizhzhia (Енергодар); «БМЗ», «Беларускі металургічны завод»
the steel works at Zhlobin. Reports written blind to the engine (test5, test6) named the same
plant one way in one language and another in the next, so they shared no name at all.

Each site is keyed by the skeleton of its town's name (`skeleton.name_keys`: "strt" for Astravets
in every spelling), so a report naming the site and one naming the town meet; the site's words
also give what it is (a nuclear plant, a plant). `signature` adds the key as another spelling of
a name (`a:`), which counts only when the other report names the town or the site too.

A town is in a region that reports name instead of it (Речица / "Gomel region" / «на
Гомельшчыне»: test5's bird-flu reports): `region_of` gives a town's region, keyed by the skeleton
of the region's centre, which the region's names share (Гомельская, Гомельшчына, Gomel, Homiel:
"gml"); `signature` adds it as another spelling too.

A small gazetteer of the region's well-known sites, the way the European Media Monitor keeps
its own list of organisations and their variants (Pouliquen & Steinberger 2009), not a list of
the labelled sets' items: a site earns its line by being named by country or letters in the news.
"""

from __future__ import annotations

import re

# town key, concepts, then patterns over folded text (lower case, ё → е); \w* takes any case
# ending. A pattern matches whole words: it is wrapped in word boundaries.
_SITES = (
    ("strt", ("T:nuclear", "T:plant", "T:power"), (
        r"белаэс\w*", r"bel ?npp", r"бел[ао]рус\w* (?:атом\w* )?аэс", r"беларуск\w* (?:атам\w* )?аэс",
        r"(?:остров|астрав)ецк\w* аэс", r"belarus\w*(?:'s)? nuclear (?:power )?(?:plant|station)",
    )),
    ("zprZ", ("T:nuclear", "T:plant", "T:power"), (
        r"за[эе]с", r"znpp", r"запор\w* а[эе]с", r"запар\w* аэс",
        r"zaporizhzhia nuclear (?:power )?(?:plant|station)",
    )),
    ("Crnb", ("T:nuclear", "T:plant", "T:power"), (
        r"ча[эе]с", r"ч[еао]рнобы?л\w* а[эе]с", r"чорнобил\w* а[эе]с",
    )),
    ("Zlbn", ("T:plant",), (
        r"бмз", r"bmz", r"бел[ао]рус\w* металлург\w* завод\w*", r"беларуск\w* металург\w* завод\w*",
        r"belarus\w* steel works",
    )),
    ("slgr", ("T:potash",), (
        r"беларуськал\w*", r"belaruskali",
    )),
)
_PATTERNS = tuple((re.compile(r"\b(?:" + "|".join(patterns) + r")\b"), key, concepts)
                  for key, concepts, patterns in _SITES)
# a cheap test first: every pattern above has one of these in it (most items name no site)
_HINTS = ("аэс", "аес", "npp", "nuclear", "бмз", "bmz", "металлург", "металург", "steel", "кал")


def sites_of(folded_text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """The sites a folded text names: (start, end, town key, concepts) for each mention."""
    if not any(hint in folded_text for hint in _HINTS):
        return []
    return [(m.start(), m.end(), key, concepts) for pattern, key, concepts in _PATTERNS
            for m in pattern.finditer(folded_text)]


# Region (its centre's skeleton) → its towns, in Russian and, where the skeleton differs, in
# Belarusian or Ukrainian: the oblasts of Belarus but Minsk's (its towns would be Minsk, the
# capital, whose news is every day's), Russia's oblasts on the Belarusian and Ukrainian border,
# Ukraine's oblasts on the front and the western border. A town whose skeleton has fewer than
# three consonants (Лида, Орша, Унеча, Изюм) is left out, and so is one whose key is a common
# one (Стрый "str", Ромны "rmn", Слоним "sln", Берёза "brz"): such a key is shared by chance.
# Островец (Astravets) is left out too: its name is the nuclear plant's (`_SITES`), whose news is
# not its region's (through Grodno region, test5's IAEA mission at the plant took in Vilnius's
# reaction to a decree on the Astravets district).
_REGION_TOWNS = {
    "gml": "Речица Мозырь Жлобин Светлогорск Калинковичи Рогачёв Хойники Добруш Брагин Наровля "
           "Петриков Житковичи Ельск Рагачоў Калінкавічы Хойнікі Мазыр",
    "brst": "Барановичи Пинск Кобрин Лунинец Пружаны Дрогичин Малорита Ивацевичи Баранавічы "
            "Пінск Лунінец Драгічын Івацэвічы",
    "tbsk": "Полоцк Новополоцк Глубокое Лепель Браслав Верхнедвинск Миоры Новолукомль "
            "Полацк Наваполацк Глыбокае",
    "grdn": "Волковыск Сморгонь Новогрудок Щучин Ошмяны Ваўкавыск Навагрудак "
            "Шчучын Ашмяны",
    "mgl": "Бобруйск Осиповичи Кричев Климовичи Шклов Быхов Бабруйск Асіповічы Крычаў Клімавічы",
    "brns": "Клинцы Новозыбков Стародуб Сураж Трубчевск Почеп Севск",
    "krsk": "Курчатов Рыльск Льгов Железногорск Обоянь Суджа",
    "blgr": "Шебекино Валуйки",
    "Hrk": "Купянск Чугуев Лозовая Балаклея Волчанск Купʼянськ Чугуїв Лозова Балаклія Вовчанськ",
    "ds": "Измаил Черноморск Ізмаїл Чорноморськ",
    "zprZ": "Энергодар Мелитополь Бердянск Токмак Енергодар Мелітополь",
    "lv": "Дрогобыч Червоноград Самбор Дрогобич Шептицький",
    "dnpr": "Кривой Рог Никополь Павлоград Марганец Нікополь Павлоград",
    "sm": "Шостка Конотоп Ахтырка Охтирка",
}


def _region_index() -> dict[str, str]:
    from monitor.normalize.text import fold
    from monitor.story_grouping.skeleton import name_keys

    index: dict[str, str] = {}
    for region, towns in _REGION_TOWNS.items():
        for town in towns.split():
            key = name_keys(fold(town))[0]  # its own key, not an adjective's shorter stem's
            if len(key) >= 3 and key != region:
                index.setdefault(key, region)
    return index


_REGION_OF = _region_index()


def region_of(name_key: str) -> str | None:
    """The skeleton key of the region a town's name key ("rCt", Речица) is in ("gml"), or None."""
    return _REGION_OF.get(name_key)


# Towns another language calls by another name (an exonym), whose skeletons share nothing:
# Belarusian Коўна and old Russian Ковно are Kaunas (test6: «у Коўні» / "Kaunas" / «у
# Каунасі»), Двинск / Дзвінск Daugavpils. Folded beginnings → the key of the town's usual name.
_EXONYMS = (("коўн", "kns"), ("ковн", "kns"), ("двинск", "dgpl"), ("дзвінск", "dgpl"),
            ("дзьвінск", "dgpl"))


def exonym_key(folded_word: str) -> str | None:
    """The usual name's key of a town named by its exonym ("коўні" → "kns"), or None."""
    for beginning, key in _EXONYMS:
        if folded_word.startswith(beginning):
            return key
    return None
