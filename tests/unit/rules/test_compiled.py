"""Compiled rules (monitor.rules.compiled, .nodes): named node types, immutable, shareable.

Matching keeps what it learns about words in the caller's Matcher; the CompiledRules value
never changes, so one value serves every thread and forked worker (issue 12).
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timezone

import pytest

from monitor.model import Item
from monitor.rules import Matcher, Rule, compile_rules
from monitor.rules.nodes import Absent, AllOf, AnyOf, Occurs, Within

NOW = datetime(2026, 3, 25, tzinfo=timezone.utc)


def item(title: str, language: str, key: str = "k") -> Item:
    return Item("feed", key, key, title, "", "https://example.org/", NOW, language=language)


def test_a_query_compiles_to_named_nodes():
    compiled = compile_rules([Rule("r", {"en": "(drone OR uav) NEAR/3 title:factory -toy*"})])
    [(rule_index, node)] = compiled.indexes["en"].rules
    assert rule_index == 0
    assert node == AllOf((
        Within(AnyOf((Occurs(0, "drone", False), Occurs(1, "uav", False))),
               Occurs(2, "factory", True), 3),
        Absent(Occurs(3, "toy*", False))))
    assert compiled.indexes["en"].atoms == (
        (("key", "drone"),), (("key", "uav"),), (("key", "factori"),), (("prefix", "toy"),))


def test_a_rule_is_triggered_by_its_cheapest_required_atoms():
    # AND needs one of its sides: the phrase (rarer than a word) is the trigger; NOT never is.
    compiled = compile_rules([Rule("r", {"en": 'drone AND "unmanned aerial" -toy'})])
    index = compiled.indexes["en"]
    assert [slots for slots in index.rules_by_atom] == [(), (0,), ()]


def test_compiled_rules_cannot_be_changed():
    compiled = compile_rules([Rule("r", {"en": "drone OR dron*", "*": '"a b"'})])
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.rules = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        compiled.indexes["de"] = compiled.other  # type: ignore[index]
    index = compiled.indexes["en"]
    for table in (index.single_key, index.single_form, index.seq_by_key, index.seq_by_form,
                  index.prefix_heads, compiled.rules[0].queries):
        with pytest.raises(TypeError):
            table["x"] = 1  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        index.rules[0][1].children[0].term = "x"  # type: ignore[union-attr]


def test_matching_items_of_any_language_leaves_the_compiled_rules_as_they_were():
    # The old RuleSet compiled an index for each new language it met while matching.
    compiled = compile_rules([Rule("r", {"*": "drone", "ru": "дрон"})])
    languages = list(compiled.indexes)
    matcher = Matcher(compiled)
    for language in ("de", "und", "ru", "en", "fr"):
        matcher.match(item("a drone, a дрон", language))
    assert list(compiled.indexes) == languages == ["ru", "en", "be", "uk"]
    assert compiled.index_for("de") is compiled.index_for("fr") is compiled.other


def test_one_compiled_value_serves_matchers_in_several_threads(monkeypatch):
    import monitor.rules.matcher

    # Tiny word caches, forgotten every few items, so that each thread's resets interleave.
    monkeypatch.setattr(monitor.rules.matcher, "_WORD_CACHE_LIMIT", 3)
    compiled = compile_rules([Rule("drones", {"en": '(drone OR "unmanned aerial") NEAR/2 plant*',
                                              "ru": "беспилотник AND завод*"})])
    texts = [("Drone plants expand", "en", True), ("Unmanned aerial vehicle plant", "en", True),
             ("A plant far from any flying drone", "en", False),
             ("Беспилотники с завода", "ru", True), ("Завод тракторов", "ru", False)]
    expected = [wanted for _, _, wanted in texts] * 40
    results: list[list[bool]] = []

    def run() -> None:
        matcher = Matcher(compiled)
        results.append([bool(matcher.match(item(t, lang, key=str(i))))
                        for i, (t, lang, _) in enumerate(texts * 40)])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
