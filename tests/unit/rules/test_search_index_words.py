"""monitor.rules.search: the index holds a superset, so search is exactly a rule's match.

For any item and any query, if the matcher matches the item, the item passes the query's
index filter for its language (else the index would hide a match). Checked with generated
items and queries over words that inflect, prefixes, phrases, NEAR, NOT and title:.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.model import Item
from monitor.rules import Matcher, Rule, compile_rules
from monitor.rules.search import (INDEX_VERSION, Every, Either, SearchQuery, Word,
                                  candidate_filter, index_words)
from monitor.rules.stems import analyzer_for
from monitor.rules.compiled import compile_query

LANGUAGES = ("en", "ru", "be", "uk")
WORDS = {
    "ru": "завод завода заводе беспилотник беспилотника беспилотников дрон дроны Беларусь "
          "Беларуси Лавров Лаврова иностранец иностранцев ёлка елки сборка цех".split(),
    "be": "завод заводзе беспілотнік беспілотнікаў дрон дронаў горад гарадоў Мінск Менск "
          "вайна войны дарога дарозе".split(),
    "uk": "завод заводі рік року Київ Києва дрон дрони грудень грудня".split(),
    "en": "drone drones drone's factory factories plant Shahed UAV unmanned aerial "
          "Russia Russian Belarus F-16 don't".split(),
}
ALL_WORDS = sorted({w for ws in WORDS.values() for w in ws})


def passes(f, tokens: set[str]) -> bool:
    if f is None:
        return True
    if isinstance(f, Word):
        return any(t.startswith(f.text) for t in tokens) if f.is_prefix else f.text in tokens
    parts = [passes(p, tokens) for p in f.parts]
    return all(parts) if isinstance(f, Every) else any(parts)


def term():
    word = st.sampled_from(ALL_WORDS)
    return st.one_of(
        word,
        word.filter(lambda w: len(w) >= 3).map(lambda w: w[:max(2, len(w) - 2)] + "*"),
        st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    )


def query():
    leaf = term()
    return st.recursive(leaf, lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} AND {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(inner, inner, st.integers(1, 6)).map(lambda p: f"({p[0]} NEAR/{p[2]} {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} -{p[1]})"),
        inner.map(lambda q: f"title:({q})"),
    ), max_leaves=5)


def text(language):
    pool = WORDS[language] + ALL_WORDS[:5]
    return st.lists(st.sampled_from(pool), max_size=12).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(language=st.sampled_from([*LANGUAGES, "und"]), data=st.data(), q=query())
def test_every_match_passes_the_index_filter(language, data, q):
    words = WORDS.get(language, ALL_WORDS)
    title = data.draw(st.lists(st.sampled_from(words), max_size=6).map(" ".join))
    summary = data.draw(st.lists(st.sampled_from(words + ALL_WORDS[:8]),
                                 max_size=14).map(". ".join))
    item = Item(feed="f", id="1", key="k", title=title, summary=summary, link="",
                published_at=datetime(2026, 1, 1, tzinfo=timezone.utc), language=language)
    try:
        search = SearchQuery(q, LANGUAGES)
    except ValueError:
        return  # a query no rule may use (e.g. a phrase of one short prefix)
    tokens = set(index_words(title, summary, language).split())
    (wanted,) = [f for f in search.filters if (language in f.languages) != f.is_other]
    if search.verify(item) is not None:
        assert passes(wanted.filter, tokens), (q, title, summary, wanted)
    # And SearchQuery.verify is exactly a rule with this query.
    rule = Matcher(compile_rules([Rule("r", {"*": q})], LANGUAGES))
    assert (search.verify(item) is None) == (not rule.match(item))


@pytest.mark.parametrize("query, language, expected", [
    ("беспилотники", "ru", Word("беспилотник")),
    ("drone*", "ru", Word("drone", is_prefix=True)),
    ("drone* NEAR/5 завод", "be", Every((Word("drone", True), Word("завад")))),
    ("title:(дрон OR БПЛА) -спорт", "ru", Either((Word("дрон"), Word("бпла")))),
    ('"unmanned aerial vehicle*"', "en", Every((Word("unmanned"), Word("aerial"),
                                                Word("vehicle", True)))),
    ("Шахед-136", "ru", Every((Word("шахед"), Word("136")))),
])
def test_filters_are_the_words_the_matcher_compares(query, language, expected):
    assert candidate_filter(compile_query(query), analyzer_for(language)) == expected


def test_index_words_are_pinned_on_real_text():
    """Changing what an item gives the index needs INDEX_VERSION bumped (stores then index
    every item again); this pins the output for a few real headlines."""
    assert INDEX_VERSION == 1
    assert index_words("Дроны-камикадзе атаковали завод в Елабуге",
                       "Беспилотники «Герань» сбиты", "ru") == \
        "дрон камикадз атакова завод в елабуг беспилотник геран сбит дроны камикадзе " \
        "атаковали елабуге беспилотники герань сбиты"
    assert index_words("Russia's drone factories", "", "en") == \
        "russia drone factori russia's factories"
    assert index_words("Беспілотнікі над Мінскам", "", "be").split()[:3] == \
        index_words("беспілотнік над Мінскам", "", "be").split()[:3]
    assert index_words("", "", "ru") == ""
