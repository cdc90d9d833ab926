"""Cross-language recall of the story grouping: the forms one name or fact takes in en/ru/be/uk
that the engine missed on the tuned-on sets (tests/data/stories/dev and test). Each example is
new text written for the rule it tests, not an item of a labelled set."""

from datetime import datetime, timezone
from dataclasses import replace

import pytest

from monitor.story_grouping import signature_of
from support.story_reports import reports_from, stories_of
from monitor.story_grouping.lexicon import concepts_of
from monitor.story_grouping.signature import QUOTED, terms_of
from monitor.story_grouping.similarity import Tuning, kind_weight, pair_score
from monitor.story_grouping.skeleton import name_keys, skeleton

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
item = reports_from(T0)


# --- Cyrillic headlines are written in sentence case: capitals there are names ------------

def test_a_cyrillic_headline_with_mostly_capitalised_words_keeps_its_names():
    # Three of four long words are names: a Latin headline like this would be Title Case
    # (every word capital by style), a Cyrillic one never is.
    terms = terms_of("Лукашэнка наведаў «Нафтан» у Наваполацку", is_title=True)
    place = "n:" + name_keys("наваполацку")[0]
    assert place in terms and "~" + place not in terms, terms  # a name, not a maybe-name
    # a Latin Title Case headline still makes maybe-names of its capitals (tested in
    # test_stories_signature); a Latin one in sentence case keeps its names
    assert "n:" + name_keys("novopolotsk")[0] in terms_of(
        "Lukashenko visits refinery in Novopolotsk", is_title=True)


def test_a_quoted_organisation_name_is_a_name_not_a_sentence_start():
    terms = terms_of("Началось учение «Восточный Вал» у границы", is_title=True)
    first = "n:" + name_keys("восточный")[0]
    assert first in terms and "~" + first not in terms, terms
    # at the very start of the headline too
    assert any(t.startswith("n:") for t in terms_of("«Нафтан» подписал контракт", is_title=True))
    # a quoted sentence is not a name
    quoted = terms_of("«Мы не будем закрывать границу сегодня», — сказал министр", is_title=True)
    assert not any(t.startswith("n:") for t in quoted), quoted


def test_a_visit_reported_in_belarusian_russian_and_english_is_one_story():
    stories = stories_of([
        item("be", "be", "Лукашэнка наведаў «Нафтан» у Наваполацку",
             "Кіраўнік дзяржавы агледзеў новую ўстаноўку гідракрэкінгу.", 0),
        item("ru", "ru", "Лукашенко посетил «Нафтан» в Новополоцке",
             "Глава государства осмотрел новую установку гидрокрекинга.", 1),
        item("en", "en", "Lukashenko visits Naftan refinery in Novopolotsk",
             "He inspected a new hydrocracking unit.", 2),
    ])
    assert stories["be"] == stories["ru"] == stories["en"], stories


# --- skeletons --------------------------------------------------------------------------

def test_belarusian_shch_is_the_same_consonant_as_russian_and_ukrainian_shch():
    assert skeleton("шчыт") == skeleton("щит") == skeleton("shchyt")
    assert skeleton("шчотка") == skeleton("щетка")


@pytest.mark.parametrize("region, town", [
    ("віцебшчына", "vitebsk"), ("віцебшчыне", "витебской"), ("гомельшчына", "гомеля"),
    ("харківщини", "kharkiv"), ("житомирщині", "zhytomyr"), ("брестчине", "brest"),
])
def test_a_region_named_after_its_town_shares_the_towns_key(region, town):
    assert set(name_keys(region)) & set(name_keys(town)), (name_keys(region), name_keys(town))


def test_a_region_name_does_not_match_an_unrelated_place():
    assert not set(name_keys("віцебшчына")) & set(name_keys("bobruisk"))


# --- the lexicon: countries in Ukrainian and Belarusian, and more countries ---------------

@pytest.mark.parametrize("word, actor", [
    ("польща", "N:pl"), ("польщі", "N:pl"), ("німеччина", "N:de"), ("германия", "N:de"),
    ("germany", "N:de"), ("нямеччына", "N:de"), ("франція", "N:fr"), ("францыя", "N:fr"),
    ("france", "N:fr"), ("эстония", "N:ee"), ("естонія", "N:ee"), ("эстонія", "N:ee"),
    ("moldova", "N:md"), ("молдова", "N:md"), ("грузия", "N:ge"), ("грузії", "N:ge"),
    ("hungary", "N:hu"), ("венгрия", "N:hu"), ("угорщина", "N:hu"), ("вугоршчына", "N:hu"),
    ("китаем", "N:cn"), ("китая", "N:cn"), ("кітаі", "N:cn"), ("китаєм", "N:cn"), ("китаї", "N:cn"),
])
def test_countries_have_one_actor_in_every_language(word, actor):
    assert actor in concepts_of(word)


def test_a_quoted_name_translated_in_english_is_no_title_conflict_across_scripts():
    # «Звёздный городок» is "Star City" in English: its skeleton is not in the English report,
    # and that is no sign of another event (between ru and be it still is).
    ru = signature_of(item("ru", "ru", "Китайская компания построит завод в «Звёздном городке»",
                           "Инвестиции составят 210 миллионов долларов."))
    en = signature_of(item("en", "en", "Chinese firm to build plant in Belarus",
                           "The $210 million plant will stand in Star City."))
    be = signature_of(item("be", "be", "Кітайская кампанія пабудуе завод у Беларусі",
                           "Інвестыцыі складуць 210 мільёнаў даляраў."))
    assert any(g.startswith(QUOTED) for g in ru.title_names), ru.title_names

    def score(a, b, cross):
        return pair_score(a.terms, b.terms, cross_script=cross, title_names_a=a.title_names,
                          title_names_b=b.title_names, gap_hours=1, window_hours=72,
                          weight=kind_weight, tuning=Tuning()).score

    def unquoted(signature):
        return replace(signature, title_names=tuple(g.lstrip(QUOTED) for g in signature.title_names))

    assert score(ru, en, True) > score(unquoted(ru), en, True)  # across scripts: no penalty
    assert score(ru, be, False) == score(unquoted(ru), be, False)  # within: the penalty stays


def test_georgia_the_country_is_not_cargo():
    assert not concepts_of("грузили") and "N:ge" not in concepts_of("грузовой")


# --- numbers written as words -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Estonia shuts three border crossings", "Эстония закрыла три пункта пропуска",
    "Эстонія зачыніла тры пункты пропуску", "Естонія закрила три пункти пропуску",
])
def test_a_small_number_written_as_a_word_is_a_number(text):
    assert "#3" in terms_of(text, is_title=True)


def test_a_number_word_takes_its_scale():
    assert "#2000000" in terms_of("Two million doses arrive", is_title=True)
    assert "#2000000" in terms_of("Прибыли два миллиона доз", is_title=True)


def test_a_closure_reported_with_the_number_in_words_is_one_story_across_languages():
    stories = stories_of([
        item("en", "en", "Estonia shuts three border crossings with Russia",
             "Narva, Koidula and Luhamaa will close at midnight.", 0),
        item("ru", "ru", "Эстония закрыла три пункта пропуска на границе с Россией",
             "Решение вступает в силу в полночь.", 1),
        item("uk", "uk", "Естонія закрила три пункти пропуску на кордоні з Росією",
             "Рішення набуде чинності опівночі.", 2),
    ])
    assert stories["en"] == stories["ru"] == stories["uk"], stories


# --- an actor named by several words is that actor, not a string of names ---------------

def test_the_words_of_a_multi_word_actor_are_not_names_of_their_own():
    uk = terms_of("Україна отримала кредит від Світового банку", is_title=True)
    en = terms_of("Ukraine gets loan from the World Bank", is_title=True)
    assert "N:wb" in uk and "N:wb" in en
    assert not [t for t in uk | en if t.lstrip("~").startswith("n:")], (uk, en)


@pytest.mark.parametrize("text", [
    "Верховна Рада ухвалила закон про мобілізацію", "Верховная Рада приняла закон о мобилизации",
    "Вярхоўная Рада прыняла закон аб мабілізацыі", "Verkhovna Rada passes mobilisation law",
    "Депутати Верховної Ради проголосували за закон",
])
def test_ukraines_parliament_stands_for_ukraine(text):
    terms = terms_of(text, is_title=True)
    assert {"N:ua", "T:parliament"} <= terms and "n:rd" not in terms, terms


def test_a_loan_reported_with_the_lender_in_ukrainian_and_english_is_one_story():
    stories = stories_of([
        item("en", "en", "World Bank lends Ukraine $450 million for schools",
             "The loan will rebuild 120 schools damaged in the war.", 0),
        item("uk", "uk", "Україна отримала 450 мільйонів доларів від Світового банку",
             "Кошти підуть на відбудову 120 шкіл, пошкоджених під час війни.", 2),
    ])
    assert stories["en"] == stories["uk"], stories


def test_number_words_count_in_titles_only():
    # "for ten days", "двух стран", "two days after" in a lede are not the event's figures;
    # a headline's "закрыла два пункта" is
    assert "#10" not in terms_of("The joint exercise will run for ten days across Belarus.")
    assert "#2" not in terms_of("В маневрах задействованы военнослужащие двух стран.")
    assert "#2" in terms_of("Литва закрыла два пункта пропуска", is_title=True)


def test_the_russian_federation_abbreviated_is_russia():
    terms = terms_of("Україна посилила кордон через навчання армії РФ", is_title=True)
    assert "N:ru" in terms and "n:rf" not in terms, terms
    assert "N:ru" in terms_of("Armed forces of the Russian Federation begin drills", is_title=True)


@pytest.mark.parametrize("village, adjective", [
    ("камароўкі", "комаровского"), ("комаровке", "камароўскага"), ("петрівка", "петровский"),
])
def test_a_place_in_ovka_shares_the_key_of_its_adjective(village, adjective):
    assert set(name_keys(village)) & set(name_keys(adjective)), (name_keys(village), name_keys(adjective))
