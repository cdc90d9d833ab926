"""Names across scripts and orthographies get one consonant skeleton (monitor/story_grouping/skeleton)."""

import pytest

from monitor.story_grouping.skeleton import _ENDINGS, name_keys, skeleton, strip_ending
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


def _strip_ending_by_scanning(word: str) -> str:
    """strip_ending as first written: the longest listed ending the word has, scanned one by
    one, kept only when three letters remain."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word


def test_strip_ending_takes_the_longest_ending_that_leaves_three_letters():
    assert strip_ending("лукашенкам") == "лукашенк"
    assert strip_ending("минского") == "минск"      # -ого before -го or -о
    assert strip_ending("гродненском") == "гродненск"
    assert strip_ending("орами") == "орами"         # -ами would leave 2 letters; -ми is none
    assert strip_ending("домам") == "дом"
    assert strip_ending("дом") == "дом"
    assert strip_ending("minsk") == "minsk"


def test_strip_ending_looks_up_endings_by_length_and_finds_what_the_scan_found():
    # strip_ending looks each length's endings up in a set (one lookup per length, not an
    # endswith per ending: pollcpu); it must find exactly what scanning all endings found,
    # for every ending after stems of every length around the three-letter floor.
    words = [stem + ending for ending in {*_ENDINGS, "", "а", "ь", "ск"}
             for stem in ("", "к", "до", "дом", "бела", "лукашенк", "о", "ам", "ого")]
    words += [fold(w) for w in "Лукашенко Минского Гродненском Оршанский Беларусьсю ями ого".split()]
    assert len(words) > 400
    for word in words:
        assert strip_ending(word) == _strip_ending_by_scanning(word), word
