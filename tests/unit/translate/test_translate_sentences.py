"""The offline sentence splitter: ru/be/en news text with abbreviation and initial traps."""

import pytest

from monitor.translate.sentences import split_paragraphs, split_sentences

CASES = [
    ("ru_two_sentences", "Лукашенко посетил завод. Рабочие встретили его.",
     ["Лукашенко посетил завод.", "Рабочие встретили его."]),
    ("ru_initials", "А. Г. Лукашенко посетил завод. Это было в Минске.",
     ["А. Г. Лукашенко посетил завод.", "Это было в Минске."]),
    ("ru_dotted_initials", "А.Г. Лукашенко приехал. Его ждали.",
     ["А.Г. Лукашенко приехал.", "Его ждали."]),
    ("ru_street_and_house", "Завод на ул. Кирова, д. 5 закрыт. Рабочих уволили.",
     ["Завод на ул. Кирова, д. 5 закрыт.", "Рабочих уволили."]),
    ("ru_te_and_year", "Выпуск вырос, т. е. на 3.5% за 2023 г. и т.д. Новый план готов.",
     ["Выпуск вырос, т. е. на 3.5% за 2023 г. и т.д.", "Новый план готов."]),
    ("ru_dollars_usa", "Сделка стоит 5 млн долл. США. Цех откроют весной.",
     ["Сделка стоит 5 млн долл. США.", "Цех откроют весной."]),
    ("ru_rubles_end", "Штраф составил 300 руб. Решение обжалуют.",
     ["Штраф составил 300 руб.", "Решение обжалуют."]),
    ("ru_quote_and_ellipsis", "«Мы готовы…» Так сказал министр. А что дальше?",
     ["«Мы готовы…»", "Так сказал министр.", "А что дальше?"]),
    ("ru_lowercase_after_dot_no_split", "Версия 2.0 вышла в пн. утром без проблем.",
     ["Версия 2.0 вышла в пн. утром без проблем."]),
    ("be_street", "Завод на вул. Кірава працуе. Рабочыя задаволеныя.",
     ["Завод на вул. Кірава працуе.", "Рабочыя задаволеныя."]),
    ("be_exclamation", "Дрон збілі каля мяжы! Памежнікі паведамілі пра гэта.",
     ["Дрон збілі каля мяжы!", "Памежнікі паведамілі пра гэта."]),
    ("en_titles_and_us", "Mr. Smith met Dr. Jones in the U.S. capital. They talked.",
     ["Mr. Smith met Dr. Jones in the U.S. capital.", "They talked."]),
    ("en_month", "It opened on Jan. 5 in Minsk. Workers came.",
     ["It opened on Jan. 5 in Minsk.", "Workers came."]),
    ("no_final_punctuation", "Дрон над Минском", ["Дрон над Минском"]),
    ("blank", "   ", []),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_split_sentences_news_cases(text, expected):
    assert split_sentences(text) == expected


def test_split_sentences_cuts_an_overlong_sentence_at_clause_boundaries():
    clause = "завод выпустил много тракторов и дронов для армии"
    text = ", ".join([clause] * 20) + "."
    pieces = split_sentences(text, max_chars=120)
    assert all(len(p) <= 120 for p in pieces)
    assert len(pieces) > 5
    assert " ".join(pieces) == text  # nothing lost, nothing reordered


def test_split_sentences_cuts_text_without_spaces_hard():
    pieces = split_sentences("x" * 250, max_chars=100)
    assert pieces == ["x" * 100, "x" * 100, "x" * 50]


def test_split_paragraphs_keeps_blank_lines_so_layout_is_restored():
    text = "Первый абзац.\n\nТретий абзац."
    assert split_paragraphs(text) == ["Первый абзац.", "", "Третий абзац."]
    assert "\n".join(split_paragraphs(text)) == text
