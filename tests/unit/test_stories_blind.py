"""Story grouping, fourth round (issue 15): what text written blind to the engine (test5) showed
it missed or merged wrongly. Each example is new text written for the rule it tests, not an item
of a labelled set."""

from datetime import datetime, timezone

from support.story_reports import reports_from, stories_of

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
item = reports_from(T0)


# --- "X follows Y": the same measure by another actor, naming the first by reference ----------

ESTONIA_BANS = [
    item("ee-en", "en", "Estonia bans imports of Russian and Belarusian timber",
         "Parliament voted to stop the imports from March.", 0),
    item("ee-ru", "ru", "Эстония запретила ввоз древесины из России и Белоруссии",
         "Закон вступит в силу в марте.", 1),
    item("ee-uk", "uk", "Естонія заборонила імпорт деревини з Росії та Білорусі",
         "Закон набуде чинності в березні.", 2),
]
FINLAND_FOLLOWS = [
    item("fi-en", "en", "Finland follows Estonia with timber import ban",
         "Helsinki passed its own ban on Russian and Belarusian timber a day later.", 20),
    item("fi-ru", "ru", "Финляндия вслед за Эстонией запретила ввоз белорусской древесины",
         "Парламент Финляндии одобрил запрет.", 22),
]


def test_a_measure_that_follows_another_countrys_stays_apart_from_it():
    # The first ban's title names its targets (Russia, Belarus), which the follower's report also
    # names: that is what both measures are about, not who acts. Latvia/Lithuania in test5 merged
    # this way (12 of its 13 wrong pairs).
    stories = stories_of(ESTONIA_BANS + FINLAND_FOLLOWS)
    assert stories["ee-en"] == stories["ee-ru"] == stories["ee-uk"], stories
    assert stories["fi-en"] == stories["fi-ru"], stories
    assert stories["fi-en"] != stories["ee-en"], stories


# --- loanwords: the same content word in both scripts ------------------------------------------

def test_loanwords_both_reports_share_across_scripts_join_them():
    # "tanker", "cable", "terminal", "container": a blind writer uses the international word
    # where the engine's lexicon has no concept; its skeleton is the same in both scripts
    stories = stories_of([
        item("en", "en", "Tanker detained after container terminal cable cut in Klaipeda",
             "Lithuanian port authorities said the tanker's anchor damaged the power cable to "
             "Sweden; ferries were diverted to Riga.", 0),
        item("ru", "ru", "В Клайпеде задержан танкер после обрыва кабеля контейнерного терминала",
             "По данным порта, кабель повредил якорь танкера.", 2),
    ])
    assert stories["en"] == stories["ru"], stories


def test_a_loanword_alone_does_not_join_two_events():
    # the loanword only adds to a pair already anchored (here nothing is: two ports, two days)
    stories = stories_of([
        item("en", "en", "Tanker detained after container terminal cable cut in Klaipeda",
             "Port authorities said the tanker's anchor damaged the cable.", 0),
        item("ru", "ru", "В Вентспилсе задержан танкер после обрыва кабеля контейнерного терминала",
             "По данным порта, кабель повредил якорь танкера.", 30),
    ])
    assert stories["en"] != stories["ru"], stories


# --- the threshold: blind writers' reports of one event score 0.30-0.45 -------------------------

def test_a_report_explaining_the_context_joins_the_plain_one():
    # Writers who had not read the engine explain more (who the firm trades with, where the place
    # is) and repeat less: the pairs of test5's events scored 0.30-0.45 where the rounds before
    # saw 0.5 and more. From 0.45 to 0.42: test5 0.520 -> 0.568 (cross-language 0.364 ->
    # 0.424), no new distractor pair on dev, test or test4, and none with the real background; at
    # 0.40 the background bridged two distractor stories.
    stories = stories_of([
        item("en", "en", "Fire destroys sawmill near Pinsk",
             "The blaze at the Belarusian timber exporter, which ships to Poland and Lithuania, "
             "burned for six hours; two workers were hurt.", 0),
        item("ru", "ru", "Под Пинском сгорела лесопилка",
             "Пожар на предприятии тушили всю ночь, пострадали двое рабочих, сообщило МЧС "
             "Брестской области.", 16.5),  # the next morning: scores 0.43
    ])
    assert stories["en"] == stories["ru"], stories


# --- a title naming the district where the other names the city ---------------------------------

def test_a_title_naming_the_district_joins_the_report_naming_the_city():
    # Blind writers name a place at another grain (Pinsk's district, Gomel region vs Rechytsa,
    # Kharkiv vs Saltivka): one title's name the other report never mentions is no sign of
    # another event by itself. Two titles each naming a place the other never mentions still are
    # (Ryazan's and Saratov's refineries: tests/unit/test_stories_*.py keep them apart).
    stories = stories_of([
        item("en", "en", "Drone strike on Odesa apartment block injures five",
             "Russia launched 40 drones at southern Ukraine overnight, Kyiv said; air defence "
             "downed 31 over the Mykolaiv region, and debris hit the ninth floor.", 0),
        item("uk", "uk", "Удар дронів по Пересипу: п'ятеро поранених",
             "Уламки влучили в багатоповерхівку в Одесі, рятувальники працювали всю ніч.", 2),
    ])
    assert stories["en"] == stories["uk"], stories


# --- a capital whose adjective changes its stem --------------------------------------------------

def test_the_port_of_riga_is_riga_in_every_language():
    # Рига → Рижский, Ризький, Рыжскі: the adjective shares no beginning with the city's name
    # (test5: "Freeport of Riga" / «в Рижском порту» / «Ризького порту» had no shared place)
    from monitor.story_grouping.signature import terms_of

    def places(text):
        return {t for t in terms_of(text) if t.startswith("n:@")}

    riga = places("Cyberattack halts terminal at the Freeport of Riga")
    assert riga == {"n:@lv"}
    assert places("Кибератака остановила терминал в Рижском порту") == riga
    assert places("Кібератака зупинила термінал Ризького порту") == riga
    assert places("Кібератака спыніла тэрмінал у Рыжскім порце") == riga
