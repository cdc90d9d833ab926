"""Story grouping, seventh round (issue 15): what test8, written blind to the engine, missed.
Each example is new text written for the rule it tests, not an item of a labelled set."""

from datetime import datetime, timezone

from monitor.story_grouping import signature_of
from support.story_reports import reports_from, stories_of

T0 = datetime(2027, 4, 1, 8, 0, tzinfo=timezone.utc)
item = reports_from(T0)


# --- a town named as a lowercase adjective is that town -----------------------------------------

def test_a_town_named_as_an_adjective_is_the_town_another_report_names():
    # «смоленском складе»: the Russian report names the town only as an adjective
    stories = stories_of([
        item("en", "en", "Warehouse fire in Smolensk burns for nine hours",
             "Firefighters in Smolensk fought the blaze at a timber warehouse overnight.", 0),
        item("ru", "ru", "Пожар на смоленском лесоскладе потушен",
             "Огонь на лесоскладе тушили девять часов.", 3),
    ])
    assert stories["en"] == stories["ru"], stories


def test_place_adjectives_are_read_in_ru_be_uk_and_only_from_adjectives():
    for language, title, key in (
            ("ru", "Пожар на смоленском лесоскладе потушен", "j:smln"),
            ("be", "Выбух на магілёўскім заводзе", "j:mgl"),
            ("uk", "Удар по одеській нафтобазі", "j:ds")):
        terms = signature_of(item("x", language, title)).terms
        assert key in terms, (title, terms)
    # a noun in -овка is no adjective: «остановка», «подготовка» name no place
    terms = signature_of(item("x", "ru", "Подготовка и остановка завода")).terms
    assert not [t for t in terms if t.startswith("j:")], terms


def test_two_reports_sharing_only_an_adjective_are_not_anchored_by_it():
    # «городской» read as a place: two adjectives are no name, these are two events
    stories = stories_of([
        item("a", "ru", "Городской совет утвердил бюджет на 2028 год",
             "Депутаты проголосовали единогласно.", 0),
        item("b", "ru", "Городской транспорт подорожает с июля",
             "Проезд в автобусе будет стоить дороже.", 2),
    ])
    assert stories["a"] != stories["b"], stories


# --- "without electricity" is an outage in every language ----------------------------------------

def test_without_electricity_is_an_outage_in_ru_be_uk():
    for language, title in (
            ("ru", "Полгорода осталось без электричества"),
            ("be", "Сто вёсак засталіся без электрычнасьці"),
            ("be", "Сто вёсак засталіся без электрычнасці"),
            ("uk", "Дві громади залишилися без електроенергії"),
            ("uk", "Село без електрики третю добу")):
        assert "E:blackout" in signature_of(item("x", language, title)).terms, title


def test_a_storm_told_by_its_outage_is_one_event_with_the_outage():
    # one writer titles the weather and the electricity, another only the lights out
    stories = stories_of([
        item("ru", "ru", "Непогода оставила без света 45 деревень Брестской области",
             "Энергетики восстанавливают линии.", 0),
        item("be", "be", "Сьнег і вецер: на Берасьцейшчыне без электрычнасьці 45 вёсак",
             "Энэргетыкі аднаўляюць лініі.", 2),
    ])
    assert stories["ru"] == stories["be"], stories


# --- a country in a sea's name is a place, not who acts -----------------------------------------

def test_the_gulf_of_finland_is_a_sea_not_finland_acting():
    # "in the Gulf of Finland" named Finland as an actor beside Latvia: "the same measure by
    # another actor" kept the English report from the Russian and Ukrainian ones
    stories = stories_of([
        item("uk", "uk", "Латвія затримала вантажне судно з Росії",
             "Судно прямувало з Усть-Луги.", 0),
        item("en", "en", "Latvian coast guard detains cargo ship in Gulf of Finland",
             "The vessel had sailed from Ust-Luga with fertiliser.", 2),
    ])
    assert stories["uk"] == stories["en"], stories
    names = signature_of(item("x", "en", "Latvia detains ship in Gulf of Finland")).title_names
    assert "N:fi" not in names and "N:lv" in names, names


# --- lenders named by their translated letters are one actor ----------------------------------

def test_the_ebrd_and_the_eib_are_actors_in_every_language():
    for language, title, actor in (
            ("en", "EBRD lends to a Moldovan utility", "N:ebrd"),
            ("uk", "ЄБРР надасть кредит", "N:ebrd"),
            ("be", "ЭБРР пазычыць грошы", "N:ebrd"),
            ("ru", "ЕИБ выделит кредит", "N:eib"),
            ("uk", "ЄІБ профінансує мости", "N:eib")):
        assert actor in signature_of(item("x", language, title)).terms, (title, actor)


def test_a_loan_told_by_the_lenders_letters_is_one_event():
    stories = stories_of([
        # no number, no country: the lender is what the two reports share besides the loan
        item("en", "en", "EIB loan to replace the capital's water pipes",
             "The bank will also fund new pumping stations.", 0),
        item("ru", "ru", "ЕИБ выделит кредит на замену столичных водопроводов",
             "Банк также профинансирует новые насосные станции.", 2),
    ])
    assert stories["en"] == stories["ru"], stories
