"""Story grouping, fifth round (issue 15): what test6 and test5, both written blind to the engine,
still missed. Each example is new text written for the rule it tests, not an item of a labelled
set."""

from datetime import datetime, timezone

from support.story_reports import reports_from, stories_of

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
item = reports_from(T0)


# --- a story's kinds of event are those of all its reports together ---------------------------

SYZRAN_STRIKE = [
    item("uk", "uk", "Дрони атакували НПЗ у Сизрані",
         "Губернатор Самарської області підтвердив атаку безпілотників на нафтопереробний завод.",
         0),
    item("ru", "ru", "В Сызрани после атаки беспилотников горит НПЗ",
         "На территории нефтеперерабатывающего завода в Самарской области возник пожар.", 1),
    item("en", "en", "Syzran refinery ablaze after night of drones",
         "A fire broke out at the Syzran oil refinery in Russia's Samara region, the governor said.",
         3),
]


def test_a_report_reading_a_strike_as_a_fire_joins_the_story_that_says_both():
    # uk reads the strike as an attack only, en as a fire only; ru says the attack set a fire.
    # en belongs with ru (and so with uk): the story is an attack and a fire together.
    stories = stories_of(SYZRAN_STRIKE)
    assert stories["uk"] == stories["ru"] == stories["en"], stories


def test_a_fire_days_after_an_opening_stays_apart_from_it():
    # the guard the story-wide check keeps: a story of an opening alone takes no fire
    stories = stories_of([
        item("open-en", "en", "Syzran refinery opens new hydrocracker unit",
             "The unit at the Syzran oil refinery in Samara region was launched by the governor.",
             0),
        item("open-ru", "ru", "На Сызранском НПЗ открыли новую установку гидрокрекинга",
             "Установку на нефтеперерабатывающем заводе в Самарской области запустил губернатор.",
             1),
        item("fire-ru", "ru", "На Сызранском НПЗ произошёл пожар",
             "Пожар на нефтеперерабатывающем заводе в Самарской области потушили.", 40),
    ])
    assert stories["open-en"] == stories["open-ru"], stories
    assert stories["fire-ru"] != stories["open-ru"], stories
