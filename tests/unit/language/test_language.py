"""monitor.language: which language an item is in, among the configured ones."""

from pathlib import Path

import pytest

from monitor.cli import main
from monitor.language.detector import LATIN_SHORTCUT_LETTERS, Detector, available_languages, clean_words, detect, detect_many, ngrams
from monitor.language.tables import (compile_tables, profile, shipped_tables, tables_from_buffer,
                                     tables_to_bytes, word_hash, word_hashes)

DATA = Path(__file__).resolve().parents[2] / "data" / "language"


def feed_items(name):
    rows = [line.split("\t") for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    stem = name.split(".")[0]
    return [pytest.param(title, summary, id=f"{stem}-{i}") for i, (title, summary) in enumerate(rows)]


BE_ITEMS = feed_items("be-feed-items.tsv")
RU_ITEMS = feed_items("ru-feed-items.tsv")


@pytest.mark.parametrize("hint", [None, "en", "ru", "uk"])
@pytest.mark.parametrize("title, summary", BE_ITEMS)
def test_detect_belarusian_headline_alone_whatever_the_feed_declares(title, summary, hint):
    assert detect(title, "", hint)[0] == "be"


@pytest.mark.parametrize("title, summary", BE_ITEMS)
def test_detect_belarusian_item_with_summary_against_a_russian_hint(title, summary):
    assert detect(title, summary, "ru")[0] == "be"


@pytest.mark.parametrize("hint", [None, "be", "en"])
@pytest.mark.parametrize("title, summary", RU_ITEMS)
def test_detect_russian_headline_of_a_belarusian_outlet_stays_russian(title, summary, hint):
    assert detect(title, "", hint)[0] == "ru"


@pytest.mark.parametrize("text, language", [
    ("Лукашэнка сустрэўся з Пуціным", "be"),        # ў
    ("Мінскі гарвыканкам", "be"),                   # і with ы/э-free akanne (а, not о)
    ("Беларусы святкуюць Дзень Волі", "be"),        # ы, дз, ю: and no и
    ("Пам'ятник у Києві відкрили знову", "uk"),     # ї, і, apostrophe
    ("Зеленський підписав закон", "uk"),            # і with и
    ("Президент подписал закон", "ru"),             # и, no і
    ("Съезд объявил перерыв", "ru"),                # ъ
    ("Drone factory expands production", "en"),
    ("беларускай", "be"),
    ("выборы", "ru"),
    ("отримав", "uk"),
])
def test_detect_short_texts_by_their_letters_and_ngrams(text, language):
    assert detect(text)[0] == language


@pytest.mark.parametrize("text", ["", "   ", "12:30", "2026-03-25 — 17:00 (+3)", "!!! ??? …",
                                  "📢 🔥 5%"])
def test_detect_returns_und_for_text_without_letters(text):
    assert detect(text, "", "ru") == ("und", 0.0)


def test_detect_hint_decides_only_when_the_text_does_not():
    # "Сайт" is the same word in Russian and Ukrainian: nothing but the feed's word can decide.
    assert detect("Сайт", hint="ru")[0] == "ru"
    assert detect("Сайт", hint="uk")[0] == "uk"
    # One ў outweighs the hint; so does a sentence of Russian.
    assert detect("Банк ўзяў крэдыт", hint="ru")[0] == "be"
    assert detect("Трамп рассматривает выход США из НАТО", hint="be")[0] == "ru"


def test_detect_hint_outside_the_configured_languages_is_ignored():
    assert detect("Президент подписал закон", hint="de") == detect("Президент подписал закон")


def test_detect_chooses_only_among_configured_languages():
    text = "Мясціны БНР у Беларусі і свеце"
    assert detect(text)[0] == "be"
    assert detect(text, languages=("en", "ru", "uk"))[0] in {"ru", "uk"}
    assert detect("Drone factory", languages=("ru", "be"))[0] in {"ru", "be"}


def test_detect_is_deterministic_across_detectors():
    texts = [t.values[0] for t in BE_ITEMS + RU_ITEMS] + ["банк", "права", "Минск"]
    first = [detect(t) for t in texts]
    fresh = Detector(("en", "ru", "be", "uk"))
    assert [fresh.detect(t) for t in texts] == first
    assert [detect(t) for t in texts] == first


def test_detect_confidence_is_a_probability_that_grows_with_evidence():
    lang_short, short = detect("права")
    lang_long, long = detect("Беларусы па ўсім свеце святкуюць Дзень Волі")
    assert lang_long == "be"
    assert 0.0 < short < long <= 1.0


def test_detect_ignores_urls_and_markup():
    text = 'Падрабязней <a href="https://www.facebook.com/events/1">https://www.facebook.com/e</a>'
    assert detect(text)[0] == "be"


def test_detect_falls_back_to_langdetect_profiles_for_other_languages():
    assert "de" in available_languages()
    assert detect("Die Drohnenfabrik wird erweitert", languages=("en", "de", "ru"))[0] == "de"
    assert detect("Завод беспилотников расширяется", languages=("en", "de", "ru"))[0] == "ru"


def test_detector_rejects_unknown_language():
    with pytest.raises(ValueError, match="no language profile for 'xx'"):
        Detector(("en", "xx"))


@pytest.mark.parametrize("text, words", [
    ("Пам’ятник і ПАМʼЯТНИК", ["пам'ятник", "і", "пам'ятник"]),
    ("Прэзідэнт LINAVA: Кампаніі гатовыя прадаваць тэхніку", ["прэзідэнт", "кампаніі", "гатовыя",
                                                              "прадаваць", "тэхніку"]),
    ("see https://x.by/a?b=1 and <b>bold</b>", ["see", "and", "bold"]),
])
def test_clean_words_lowercases_drops_markup_and_minority_script(text, words):
    assert clean_words(text) == words


def test_ngrams_are_padded_like_langdetect():
    assert ngrams("аб", 3) == ["а", "б", " а", "аб", "б ", " аб", "аб "]


def test_cli_detect_prints_language_and_confidence_per_line(capsys):
    out_lines = []

    class Out:
        def write(self, s):
            out_lines.append(s)

    code = main(["detect", "Мясціны БНР у Беларусі і свеце\n12:30\nЗеленський підписав закон"],
                stdout=Out())
    lines = "".join(out_lines).splitlines()
    assert code == 0
    assert [line.split()[0] for line in lines] == ["be", "und", "uk"]
    assert lines[1] == "und 0.000"
    assert all(0.0 <= float(line.split()[1]) <= 1.0 for line in lines)


def test_cli_detect_reads_stdin(monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Трамп рассматривает выход США из НАТО\n"))
    out = io.StringIO()
    assert main(["detect", "-", "--hint", "be"], stdout=out) == 0
    assert out.getvalue().split()[0] == "ru"


def test_cli_detect_unknown_language_is_a_usage_error():
    import io

    err = io.StringIO()
    assert main(["detect", "--languages", "en,xx", "hello"], stdout=io.StringIO(),
                stderr=err) == 2
    assert err.getvalue() == "monitor: error: --languages: no language profile for 'xx'\n"


# --- compiled tables (monitor/data/langid/tables.bin) ------------------------------------------

SHIPPED = ("en", "ru", "be", "uk")


def tiny_tables():
    import numpy as np

    profiles = {"ru": (5, {"а": 0.5, "и": 0.3, " ма": 0.2}),
                "uk": (5, {"а": 0.4, "і": 0.4, "ма ": 0.1})}
    lexicons = {"ru": (np.array([7, 3, 7], np.uint32), np.array([-5, -3, -9], np.float16)),
                "uk": (np.array([3], np.uint32), np.array([-4], np.float16))}
    return compile_tables(profiles, lexicons)


def test_tables_round_trip_through_bytes_without_copying():
    tables = tiny_tables()
    data = tables_to_bytes(tables)
    assert tables_to_bytes(tiny_tables()) == data  # a rebuild gives the same bytes
    loaded = tables_from_buffer(data)
    assert (loaded.languages, loaded.max_order, loaded.chars) == \
        (tables.languages, tables.max_order, tables.chars)
    for name in ("keys", "values", "palette", "vocab_of", "char_codes"):
        assert getattr(loaded, name).tolist() == getattr(tables, name).tolist(), name
    assert [d.tolist() for d in loaded.dense] == [d.tolist() for d in tables.dense]
    assert len(loaded.dense) == 3  # 1-3 grams: 3 x 3 bits of character codes
    # Duplicate hashes (two words, one 32-bit hash): the more frequent word's frequency is kept.
    assert [(h.tolist(), f.tolist()) for h, f in loaded.lexicons] == \
        [([3, 7], [-3.0, -5.0]), ([3], [-4.0])]
    assert loaded.keys.base is not None and not loaded.keys.flags.writeable


def test_tables_built_with_other_model_constants_are_refused(monkeypatch):
    data = tables_to_bytes(tiny_tables())
    monkeypatch.setattr("monitor.language.tables.FLOOR", 1e-5)
    with pytest.raises(ValueError, match="rebuild it with scripts/build_langid_profiles.py"):
        tables_from_buffer(data)
    with pytest.raises(ValueError, match="not a language tables file"):
        tables_from_buffer(b"PK\x03\x04" + data[4:])


def test_detector_over_shipped_languages_compiles_nothing(monkeypatch):
    def compile_tables(*args):
        raise AssertionError("compiled at run time")

    monkeypatch.setattr("monitor.language.tables.compile_tables", compile_tables)
    for languages in (SHIPPED, ("uk", "be"), ("en",)):
        assert Detector(languages).detect("Зеленський підписав закон")[0] == \
            ("uk" if "uk" in languages else languages[0])


@pytest.mark.slow
def test_shipped_tables_equal_a_run_time_compile_of_the_shipped_profiles():
    shipped = shipped_tables()
    assert shipped.languages == SHIPPED
    compiled = compile_tables({lang: profile(lang) for lang in SHIPPED},
                              dict(zip(SHIPPED, shipped.lexicons)))
    assert compiled.chars == shipped.chars
    for name in ("keys", "values", "palette", "vocab_of", "char_codes"):
        assert (getattr(compiled, name) == getattr(shipped, name)).all(), name
    assert len(compiled.dense) == len(shipped.dense) == 3
    assert all((c == s).all() for c, s in zip(compiled.dense, shipped.dense))


@pytest.mark.slow
def test_detector_over_a_subset_of_the_shipped_tables_matches_tables_of_that_subset():
    # Subsets take columns of the shipped tables and drop grams of the other languages; the
    # answers (and confidences) must be those of tables compiled for the subset alone.
    languages = ("uk", "ru")
    shipped = shipped_tables()
    lexicons = {lang: shipped.lexicons[shipped.languages.index(lang)] for lang in languages}
    own = Detector(languages, tables=compile_tables({lang: profile(lang) for lang in languages},
                                                    lexicons))
    texts = [t.values[0] for t in BE_ITEMS + RU_ITEMS] + [
        "Зеленський підписав закон", "банк", "права", "Мінск", "отримав", "Drone factory", "ў"]
    subset = Detector(languages)
    assert [subset.detect(t, hint) for t in texts for hint in (None, "ru")] == \
        [own.detect(t, hint) for t in texts for hint in (None, "ru")]


def test_importing_for_a_config_check_loads_neither_numpy_nor_langdetect():
    import subprocess
    import sys

    code = ("import sys, monitor.language as m; langs = m.available_languages(); "
            "assert {'en', 'ru', 'be', 'uk', 'de', 'bg'} <= langs, langs; "
            "print(sorted({'numpy', 'langdetect'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_word_hashes_of_a_batch_equal_word_hash_of_each_word():
    import numpy as np

    words = ["a", "пам'ятник", "беларускай", "Straße", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ў" * 40, "x"]
    text = " " + " ".join(words) + " \0 " + words[1] + " "
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts = np.array([text.index(w) for w in words] + [text.rindex(words[1])])
    ends = starts + np.array([len(w) for w in words + [words[1]]])
    assert word_hashes(points, starts, ends).tolist() == [word_hash(w) for w in words + [words[1]]]
    assert len({word_hash(w) for w in ("ab", "ba", "a", "b", "aa")}) == 5


def test_detect_many_gives_each_text_the_answer_it_gets_alone():
    texts = [t.values[0] + "\n" + t.values[1] for t in BE_ITEMS + RU_ITEMS] + [
        "", "12:30", "Сайт", "Drone factory expands production", "Πρόεδρος", "ツ", "отримав",
        "Пам’ятник у Києві", "слово " * 400]
    hints = [(None, "ru", "be", "uk", "en", "de")[i % 6] for i in range(len(texts))]
    detector = Detector(("en", "ru", "be", "uk"))
    alone = [detector.detect(t, h) for t, h in zip(texts, hints)]
    assert detector.detect_many(texts, hints) == alone
    assert detector.detect_many(texts[::-1], hints[::-1]) == alone[::-1]
    # Batches are cut at BATCH_TEXTS; the cut changes nothing either.
    many = (texts * 30)[:300]
    assert detector.detect_many(many, (hints * 30)[:300]) == (alone * 30)[:300]
    assert detect_many([(t, "", h) for t, h in zip(texts, hints)]) == \
        [detect(t, "", h) for t, h in zip(texts, hints)]
    assert detector.detect_many([]) == []


def _feed_texts():
    import feedparser

    feeds = Path(__file__).resolve().parents[2] / "data" / "feeds"
    texts = []
    for path in sorted(feeds.rglob("*")):
        if path.is_file() and path.suffix in (".xml", ".rss", ".atom"):
            texts += [f"{e.get('title', '')}\n{e.get('summary', '')}"
                      for e in feedparser.parse(path.read_bytes()).entries]
    return texts


def test_the_latin_shortcut_gives_what_scoring_gives_for_every_a_z_text():
    """Among en, ru, be and uk, a text of 16 a-z letters or more is English at confidence 1.0
    without being scored; scoring every such text of the real feeds, under every hint, and random
    letter salad says the same. Shorter ones are scored ("Kyiv" is en at 0.988)."""
    import random
    import string
    texts = _feed_texts() + [title for title, _ in (p.values for p in BE_ITEMS + RU_ITEMS)] + [
        "Drone factory expands production", "iPhone", "Lukashenka", "Pratasevich Minsk Yelabuga",
        "Shahed geran alabuga", "bespilotnik", "Nasha Niva", "za svobodu"]
    rng = random.Random(1)
    texts += [" ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 8)))
                       for _ in range(6))[:rng.randint(16, 30)] for _ in range(1000)]
    latin = [t for t in texts if sum(map(len, w := clean_words(t))) >= LATIN_SHORTCUT_LETTERS
             and "".join(w).isascii()]
    assert len(latin) > 1500  # the real English feeds are in the set
    fast = Detector(("en", "ru", "be", "uk"))
    full = Detector(("en", "ru", "be", "uk"))
    full.latin_shortcut = None
    assert fast.latin_shortcut == "en"
    for hint in (None, "en", "ru", "be", "uk"):
        hints = [hint] * len(latin)
        assert fast.detect_many(latin, hints) == full.detect_many(latin, hints) \
            == [("en", 1.0)] * len(latin)
    mixed = ["Drone factory expands", "Завод беспилотников", "Завод беспілотнікаў", "Kyiv",
             "Minsk", "Лукашенко посетил Минский тракторный завод (MTZ)"]
    assert fast.detect_many(mixed) == full.detect_many(mixed)
    assert [lang for lang, _ in fast.detect_many(mixed)] == ["en", "ru", "be", "en", "en", "ru"]
    assert fast.detect("Kyiv")[1] < 1.0


@pytest.mark.parametrize("languages, shortcut", [
    (("en", "ru", "be", "uk"), "en"), (("ru", "en"), "en"), (("en", "de", "ru"), None),
    (("en", "bg"), None), (("ru", "be"), None), (("de", "ru"), None)])
def test_the_latin_shortcut_only_where_it_was_checked(languages, shortcut):
    assert Detector(languages).latin_shortcut == shortcut


def test_clean_words_skips_the_markup_pass_only_where_it_could_not_match(monkeypatch):
    from monitor.language import detector as language

    texts = [
        "mail me at drone@factory.by today", "see https://example.com/беспилотник now",
        "WWW.NASHANIVA.BY пiша", "a <b>bold</b> claim &amp; more", "AT&T; Q&A", "x@y", "<",
        "Дроны-камикадзе: «Герань» & Ко", "plain text with no signs at all"] + _feed_texts()
    fast = [clean_words(text) for text in texts]
    assert fast[1] == ["see", "now"] and fast[3] == ["a", "bold", "claim", "more"]
    monkeypatch.setattr(language, "_MARKUP_SIGNS", ("",))  # "" is in every text: always run it
    assert [clean_words(text) for text in texts] == fast
