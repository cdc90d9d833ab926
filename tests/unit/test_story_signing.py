"""Story signatures made where a feed is read (a poll's worker processes) and translated where
the poll commits: `story_tracker.signatures_of`, `story_grouping.with_translation`, and
`StoryTracker.place(…, signed=…)` giving what signing everything at commit gave."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from monitor.model import Item, Translation
from monitor.store import open_store
from monitor.story_grouping import signature_of, with_translation
from monitor.story_grouping.signature import _resolve_weak, lede, terms_of
from monitor.story_tracker import StoryTracker, signatures_of
from support.story_sets import load_items

AT = datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)


def item(key, language, title, summary="", hours=0.0, feed=None):
    return Item(feed=feed or f"feed-{key}", id=key, key=key, title=title, summary=summary,
                link=f"https://example.org/{key}", published_at=AT + timedelta(hours=hours),
                language=language)


# A Belarusian report, its English translation, and an English report of the same event:
# "Лукашэнка" opens the Belarusian title (a maybe-name, `~n:`) and is a name mid-sentence in
# the translation's summary, so the translation turns the maybe-name into a name.
BE = item("be1", "be", "Лукашэнка наведаў шынны завод у Бабруйску",
          "Кіраўнік краіны агледзеў новы цэх «Белшыны».")
BE_EN = Translation("be", "en", title="Lukashenko visits tyre plant in Babruysk",
                    summary="On Tuesday Lukashenko toured the new Belshina shop.")
RU = item("ru1", "ru", "Завод в Бобруйске запустил новый цех", "Цех выпускает шины.", 1)
RU_EN = Translation("ru", "en", title="Babruysk plant launches new shop",
                    summary="The shop makes tyres.")
EN = item("en1", "en", "Belarus leader tours Babruysk tyre plant",
          "Alexander Lukashenko visited Belshina on Tuesday.", 2)
UNTRANSLATED = Translation("uk", "en", note="translation unavailable: no uk→en route")


def reference_terms(it, translation):
    """The terms as signature_of made them in one go before the split (b2e8ac9…47e5b6a):
    every text's terms, then maybe-names resolved over the whole union."""
    terms = terms_of(it.title, is_title=True) | terms_of(lede(it.summary))
    if translation is not None and translation.title:
        terms |= terms_of(translation.title, is_title=True) | terms_of(lede(translation.summary))
    return tuple(sorted(_resolve_weak(terms)))


@pytest.mark.parametrize("it, translation", [(BE, BE_EN), (RU, RU_EN), (EN, None),
                                             (BE, UNTRANSLATED), (BE, None)],
                         ids=["be+en", "ru+en", "en", "no-route", "be"])
def test_with_translation_of_the_untranslated_signature_is_the_whole_signature(it, translation):
    signed_here = with_translation(signature_of(it), translation)
    assert signed_here == signature_of(it, translation)
    assert signed_here.terms == reference_terms(it, translation)
    assert signed_here.target_title == (translation.title if translation else None)


def test_the_translation_resolves_a_maybe_name_of_the_item():
    plain = signature_of(BE)
    translated = with_translation(plain, BE_EN)
    maybe = [t for t in plain.terms if t.startswith("~n:") and t[1:] in translated.terms]
    assert maybe, plain.terms  # the case under test: "~n:…" in the item, "n:…" in the translation
    assert not any(t in translated.terms for t in maybe)


def test_signatures_of_signs_the_matched_items_only():
    signed = signatures_of([BE, RU, EN], {"be1", "en1"})
    assert signed == {"be1": signature_of(BE), "en1": signature_of(EN)}


def place_all(tmp_path, name, signed):
    items = [BE, RU, EN]
    translations = {"be1": BE_EN, "ru1": RU_EN}
    with open_store(tmp_path / f"{name}.db") as store:
        return StoryTracker().place([(items[:2], {}), (items[2:], {})], {"be1", "ru1", "en1"},
                                    translations, store, window_seconds=72 * 3600.0,
                                    target_language="en", now=AT + timedelta(hours=3),
                                    signed=signed)


def test_place_with_signatures_made_by_the_workers_places_as_signing_at_commit(tmp_path):
    at_commit = place_all(tmp_path, "commit", None)
    in_workers = place_all(tmp_path, "workers", signatures_of([BE, RU, EN],
                                                              {"be1", "ru1", "en1"}))
    assert in_workers == at_commit
    # The translation still counts for an item signed without it: the story of the
    # Belarusian report is titled by its translation (the story's root, not in English).
    assert in_workers["be1"].title == BE_EN.title
    assert in_workers["en1"].story_id == in_workers["be1"].story_id


def test_signatures_of_leaves_items_dated_before_the_window_to_place():
    signed = signatures_of([BE, RU, EN], {"be1", "ru1", "en1"},
                           since=AT + timedelta(hours=0.5))
    assert set(signed) == {"ru1", "en1"}


def place_stream(tmp_path, name, items, translations, now, signed):
    batches = [(items[n:n + 7], {}) for n in range(0, len(items), 7)]
    with open_store(tmp_path / f"{name}.db") as store:
        return StoryTracker().place(batches, {i.key for i in items}, translations, store,
                                    window_seconds=72 * 3600.0, target_language="en", now=now,
                                    signed=signed)


def test_items_dated_before_the_window_are_placed_as_signing_them_would_place_them(tmp_path):
    # A labelled set's items, `now` in the middle of its days: first a run of items dated
    # before the window while it holds nothing (placed alone, unsigned), then the rest in a
    # shuffled order (old items that the window's items could join are signed at commit);
    # each item but the English ones with a translation (a story's title). Every place must be
    # what signing every item gives.
    items = load_items("dev")
    now = sorted(i.published_at for i in items)[len(items) // 2] + timedelta(hours=1)
    horizon = now - timedelta(hours=72)
    old = [i for i in items if i.published_at < horizon]
    rest = [i for i in items if i not in old[:15]]
    random.Random(7).shuffle(rest)
    items = old[:15] + rest
    assert len(old) > 25 and len(items) - len(old) > 10  # both kinds, in numbers
    translations = {i.key: Translation(i.language, "en", title=f"[en] {i.title}")
                    for i in items if i.language != "en"}
    everything = signatures_of(items, {i.key for i in items})
    recent = signatures_of(items, {i.key for i in items}, since=horizon)
    assert len(recent) == len(items) - len(old)
    signing_all = place_stream(tmp_path, "all", items, translations, now, everything)
    assert place_stream(tmp_path, "recent", items, translations, now, recent) == signing_all
    assert sum(p.is_new for p in signing_all.values()) < len(items)  # some stories joined


def test_a_copy_of_an_old_item_placed_alone_joins_its_story(tmp_path):
    old = item("old1", "en", "Drone plant opens in Minsk", hours=-100)
    copy = item("copy1", "en", "Drone plant opens in Minsk", hours=-99, feed="other")
    with open_store(tmp_path / "copy.db") as store:
        places = StoryTracker().place([([old], {}), ([copy], {"copy1": "old1"})],
                                      {"old1", "copy1"}, {}, store, window_seconds=72 * 3600.0,
                                      target_language="en", now=AT, signed={})
    assert places["copy1"].story_id == places["old1"].story_id
    assert places["copy1"].earlier == ("old1",) and not places["copy1"].is_new
