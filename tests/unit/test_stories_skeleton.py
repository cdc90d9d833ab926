"""Names across scripts and orthographies get one consonant skeleton (monitor/story_grouping/skeleton)."""

import pytest

from monitor.story_grouping.skeleton import name_keys, skeleton
from monitor.normalize.text import fold

SAME_NAME = [
    ("Lukashenko", ["Лукашэнка", "Лукашенко", "Лукашенка", "Lukashenko", "Лукашенком"]),
    ("Minsk", ["Мінск", "Минск", "Менск", "Minsk", "Минске", "Мінску", "Менску"]),
    ("Brest", ["Берасьце", "Брест", "Brest"]),
    ("Zhodzina", ["Жодзіна", "Жодино", "Zhodzina", "Zhodino"]),
    ("Mogilev", ["Могилёв", "Магілёў", "Mahilioŭ", "Mogilev", "Могильові"]),
    ("Dubrouski", ["Дуброўскі", "Дубровский", "Dubrouski", "Дубровський"]),
    ("Hrodna", ["Гродно", "Гродна", "Горадня", "Hrodna", "Grodno"]),
    ("Belarus", ["Беларусь", "Білорусь", "Беларусьсю", "Belarus"]),
    ("Barrett", ["Barrett", "Барэта", "Барретта"]),
    ("Vitebsk", ["Віцебску", "Vitebsk", "Витебской"]),
    ("Kavalenka", ["Каваленка", "Коваленка", "Kavalenka"]),
    ("Salcininkai", ["Šalčininkai", "Шальчининкай"]),
]


@pytest.mark.parametrize("spellings", [s for _, s in SAME_NAME], ids=[n for n, _ in SAME_NAME])
def test_name_keys_share_a_key_across_scripts_and_orthographies(spellings):
    keys = [set(name_keys(fold(word))) for word in spellings]
    common = set.intersection(*keys)
    assert common, f"no shared key: {dict(zip(spellings, keys))}"


@pytest.mark.parametrize("adjective, place", [
    ("Оршанский", "Orsha"), ("Ворша", "Орша"), ("Рязанский", "Ryazan"), ("Разані", "Рязань"),
    ("Саратовский", "Saratov"), ("Гродненском", "Hrodna"), ("Гарадзенскі", "Grodno"),
    ("Могилёвском", "Mogilev"),
])
def test_name_keys_of_an_adjective_include_its_place(adjective, place):
    assert set(name_keys(fold(adjective))) & set(name_keys(fold(place)))


@pytest.mark.parametrize("a, b", [
    ("Ryazan", "Saratov"), ("Lithuania", "Latvia"), ("Minsk", "Pinsk"), ("Volgograd", "Vitebsk"),
    ("Belkali", "Belagro"), ("Uzbekistan", "Vietnam"),
])
def test_name_keys_keep_different_names_apart(a, b):
    assert not set(name_keys(fold(a))) & set(name_keys(fold(b)))


def test_skeleton_reads_latin_digraphs_like_their_cyrillic_letters():
    assert skeleton("zhodzina") == skeleton("жодзіна") == "Zdn"
    assert skeleton("shchuchyn") == skeleton("щучын")
    assert skeleton("kharkiv") == skeleton("харків")


def test_name_keys_drop_keys_too_short_to_tell_names_apart():
    assert name_keys("київ") == []  # "k" alone would join every K-name
    assert name_keys("kyiv") == []
