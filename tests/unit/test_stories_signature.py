"""Per-item story signatures (monitor/story_grouping/signature): terms, numbers, translation, storage."""

import json
from datetime import datetime, timezone

import pytest

from monitor.model import Item, Translation
from monitor.story_grouping import Signature, signature_of
from monitor.story_grouping.signature import terms_of

AT = datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)


def item(title, summary="", language="en", key="k1", feed="f"):
    return Item(feed=feed, id=key, key=key, title=title, summary=summary,
                link=f"https://example.org/{key}", published_at=AT, language=language)


@pytest.mark.parametrize("text", [
    "Drones attack a plant", "Беспилотники атаковали завод", "Беспілотнікі атакавалі завод",
    "Беспілётнікі атакавалі завод", "Безпілотники атакували завод",
], ids=["en", "ru", "be", "be-tarask", "uk"])
def test_terms_of_gives_the_same_concepts_in_every_language(text):
    assert {"T:drone", "E:attack", "T:plant"} <= terms_of(text)


@pytest.mark.parametrize("a, b", [
    ("Ukraine receives €4.2 billion", "Україна отримала 4,2 мільярда євро"),
    ("8,000 troops", "8 тысяч военнослужащих"),
    ("cuts power to 250,000", "без света 250 тысяч абонентов"),
    ("$600 million deal", "кантракт на 600 мільёнаў даляраў"),
    ("price 2.71", "цена 2,71 рубля"),
])
def test_terms_of_reads_numbers_with_their_scale_in_any_language(a, b):
    numbers_a = {t for t in terms_of(a) if t[0] == "#"}
    numbers_b = {t for t in terms_of(b) if t[0] == "#"}
    assert numbers_a and numbers_a == numbers_b


def test_terms_of_names_an_actor_by_one_id_for_every_spelling():
    for text in ("EU sanctions", "ЕС ввёл санкции", "Эўразьвяз увёў санкцыі",
                 "ЄС запровадив санкції", "Евросоюз ввёл санкции"):
        assert "N:eu" in terms_of(text), text
    assert "N:uk" in terms_of("Лондон также ввёл санкции")  # a capital stands for its country
    assert "N:uk" not in terms_of("EU sanctions")


def test_terms_of_treats_a_capital_at_a_sentence_start_as_a_maybe_name():
    summary = terms_of("Ночью начался пожар. Пострадал Иван Петров.")
    assert not any(t.startswith("n:") and t[2:] == "nC" for t in summary)
    assert any(t.startswith("~n:") for t in summary)  # "Ночью": maybe a name, half weight
    assert any(t.startswith("n:") for t in summary)   # "Петров" mid-sentence: a name
    title = terms_of("Лукашенко посетил завод в Бобруйске", is_title=True)
    assert "~n:lkSn" in title and "n:brsk" in title  # first word: maybe a name; then a name
    title_case = terms_of("Drone Attack Sets Volgograd Refinery Ablaze", is_title=True)
    assert not any(t.startswith("n:") for t in title_case)  # every word capital: maybe-names
    assert {"T:drone", "E:attack", "T:refinery", "~n:lgrd"} <= title_case


def test_terms_of_sees_an_anniversary_in_a_title_only():
    assert "E:anniversary" in terms_of("Five years since the Gomel blast", is_title=True)
    assert "E:anniversary" in terms_of("Год таму ў Менску абваліўся мост", is_title=True)
    assert "E:anniversary" not in terms_of("Мост построили на месте обрушившегося год назад")


def test_terms_of_makes_a_name_after_after_a_maybe_name_and_not_a_title_subject():
    names = []
    terms = terms_of("Drones strike Kstovo refinery, a night after Ukhta", is_title=True,
                     name_groups=names)
    assert "~n:Ht" in terms and "n:kst" in terms
    assert names == ["n:kst"]
    names = []
    terms = terms_of("EU follows UK in sanctioning Belagro", is_title=True, name_groups=names)
    assert "N:eu" in terms and "~N:uk" in terms and "N:uk" not in terms
    assert "N:uk" not in names and "N:eu" in names


def test_signature_of_adds_the_translation_and_its_title():
    plain = signature_of(item("Лукашенко посетил завод в Бобруйске", language="ru"))
    translation = Translation("ru", "en", title="Lukashenko visits tyre plant in Babruysk",
                              summary="The president toured the new shop.")
    translated = signature_of(item("Лукашенко посетил завод в Бобруйске", language="ru"),
                              translation)
    assert translated.target_title == "Lukashenko visits tyre plant in Babruysk"
    assert plain.target_title is None
    assert set(plain.terms) < set(translated.terms)
    assert "T:tyre" in translated.terms and "T:tyre" not in plain.terms


def test_signature_round_trips_through_json_unchanged():
    signature = signature_of(item("Russia plans drone factory in Belarus, official says",
                                  "Production could start in 2027 near Zhodzina."))
    stored = json.dumps(signature.to_dict())
    assert Signature.from_dict(json.loads(stored)) == signature


def test_signature_of_is_deterministic_and_sorted():
    first = signature_of(item("Drones hit Ryazan oil refinery", "A fire broke out at night."))
    second = signature_of(item("Drones hit Ryazan oil refinery", "A fire broke out at night."))
    assert first == second
    assert list(first.terms) == sorted(set(first.terms))
    assert set(first.title_names) <= set(first.terms)


def test_signature_of_copes_with_empty_and_odd_text():
    for title, summary in [("", ""), ("!!!", "…"), ("12345", "0,5"), ("a" * 5000, "ё" * 100)]:
        signature = signature_of(item(title, summary))
        assert isinstance(signature.terms, tuple)
