"""Story grouping, ninth round (issue 15): a pair nothing anchors (its only shared name is one
both reports maybe-name at a sentence start) is one event when its reports are hours apart, name
the same kind of event, neither title names someone the other never mentions, and it scores the
threshold anyway (similarity.Tuning.unanchored_*). Each example is new text written for this
test, not an item of a labelled set."""

from datetime import datetime, timezone

import pytest

from monitor.story_grouping import Tuning
from support.story_reports import placed, reports_from

T0 = datetime(2027, 6, 14, 6, 0, tzinfo=timezone.utc)
item = reports_from(T0)



def loan(hours):
    return (item("ru", "ru", "Минфин подписал соглашение о кредите с Китаем",
                 "Деньги пойдут на строительство дорог.", 0),
            item("be", "be", "Мінфін падпісаў пагадненне пра крэдыт з Кітаем",
                 "Грошы пойдуць на будаўніцтва дарог.", hours))


def vapes(hours):
    return (item("ru", "ru", "Минздрав запретил продажу вейпов подросткам",
                 "Запрет вступит в силу летом.", 0),
            item("be", "be", "Мінздароўя забараніў продаж вейпаў падлеткам",
                 "Забарона ўступіць у сілу летам.", hours))


@pytest.mark.parametrize("reports", [loan(2), vapes(2)], ids=["loan", "ban"])
def test_two_reports_hours_apart_sharing_only_a_maybe_name_and_the_kind_are_one_event(reports):
    # «Минфин» / «Мінфін» at the sentence start is only a maybe-name: nothing anchors the pair
    stories, pairs = placed(*reports)
    result = pairs[("be", reports[0].key)]
    assert result.veto is None and not result.anchored, result
    assert stories["be"] == stories[reports[0].key], stories


@pytest.mark.parametrize("reports", [loan(8), vapes(8)], ids=["loan", "ban"])
def test_the_same_unanchored_reports_more_than_six_hours_apart_stay_apart(reports):
    stories, pairs = placed(*reports)
    assert pairs[("be", reports[0].key)].veto == "no shared name or number", pairs
    assert stories["be"] != stories[reports[0].key], stories


def test_the_ministrys_other_ban_the_same_hour_stays_apart():
    # same maybe-named ministry, same kind (a ban), same hour: another measure, and the score
    # (0.37) that a lower bar (0.36) merged
    stories, pairs = placed(
        item("ru", "ru", "Минздрав запретил продажу вейпов подросткам",
             "Запрет вступит в силу летом.", 0),
        item("be", "be", "Мінздароўя забараніла продаж энергетыкаў у школах",
             "Напоі прыбяруць з буфетаў да верасня.", 1))
    assert pairs[("be", "ru")].veto == "no shared name or number", pairs
    assert stories["be"] != stories["ru"], stories


@pytest.mark.parametrize("other, hours", [
    # another crossing the same hour: each title names a place the other never mentions
    (item("be", "be", "Польшча зачыніла пераход Бабраўнікі",
          "Варшава заявіла, што пераход зачыняецца а поўначы.", 1), 1),
    # the same country, another kind of news the same hour
    (item("be", "be", "Польшча павялічыла пошліны на беларускія грузавікі",
          "Варшава заявіла пра новыя правілы ад панядзелка.", 1), 1),
], ids=["another crossing", "another kind"])
def test_one_country_two_events_the_same_hour_stay_apart(other, hours):
    stories, pairs = placed(
        item("en", "en", "Poland shuts Kuznica crossing with Belarus",
             "Warsaw said the crossing closes from midnight.", 0), other)
    assert pairs[("be", "en")].veto == "no shared name or number", pairs
    assert stories["be"] != stories["en"], stories


def test_an_anchored_pair_is_still_decided_by_the_threshold_and_the_band():
    # the new rule reads only pairs nothing anchors
    assert Tuning().unanchored_threshold >= Tuning().threshold
    stories, pairs = placed(
        item("en", "en", "Belarus signs road loan deal with China",
             "The 300 million dollar credit will pay for the Minsk ring road.", 0),
        item("ru", "ru", "Беларусь подписала с Китаем кредит на 300 млн долларов",
             "Деньги пойдут на МКАД-2.", 1))
    assert pairs[("ru", "en")].anchored, pairs


def test_unanchored_reports_giving_different_figures_stay_apart():
    # the same words, another figure, the same minute: two events (the rule's first landing
    # merged them, and tests/integration/test_state_full.py's six alerts became two)
    stories, pairs = placed(
        item("a", "en", "Battery factory number 4 opens", "Update 4. " + "text " * 200, 0),
        item("b", "en", "Battery factory number 7 opens", "Update 7. " + "text " * 200, 0.1))
    assert pairs[("b", "a")].veto == "no shared name or number", pairs
    assert stories["a"] != stories["b"], stories
