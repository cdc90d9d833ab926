"""`body:` and the article text (issue 16): an item of a `full_text: all` feed is matched on
its title, summary and article; `body:` terms only on the article."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from monitor.model import Article, ArticleStatus, Hit, Item
from monitor.rules import Matcher, Rule, compile_rules, explain
from monitor.rules.query import QuerySyntaxError, parse_query

NOW = datetime(2026, 12, 3, tzinfo=timezone.utc)
BODY = ("Residents said the lights went out across several blocks. The emergency service "
        "confirmed that a transformer substation near the plant had been damaged.")


def item(title="Drones seen over Minsk", summary="Residents reported drones.", body=None,
         language="en"):
    article = None if body is None else Article(url="https://example.org/a",
                                                status=ArticleStatus.OK, text=body)
    return Item("feed", "k", "k", title, summary, "https://example.org/a", NOW,
                language=language, article=article)


def match(query, it):
    return Matcher(compile_rules([Rule("r", {"*": query})])).match(it)


@pytest.mark.parametrize("query, body, expected", [
    ("substation", BODY, True),  # an unscoped term: the article too
    ("substation", None, False),  # no article read (full_text: false)
    ("body:substation", BODY, True),
    ("body:substation", None, False),
    ("body:drones", BODY, False),  # in the title and summary, not in the article
    ("title:substation", BODY, False),
    ('body:"transformer substation"', BODY, True),
    ('"drones residents"', BODY, False),  # a phrase does not run from summary into body
    ('"reported drones residents"', BODY, False),
    ("drones NEAR/2 said", BODY, False),  # NEAR stays within one part (summary, body)
    ("body:(residents NEAR/2 lights)", BODY, False),
    ("body:(residents NEAR/3 lights)", BODY, True),
    ("body:(transformer NEAR/2 damaged)", BODY, False),
    ("body:(transformer NEAR/7 damaged)", BODY, True),
    ("Minsk body:substation", BODY, True),
    ("Minsk NOT body:substation", BODY, False),
    ("Minsk NOT body:substation", None, True),
    ("title:(body:substation)", BODY, True),  # the nearest field wins
])
def test_body_scope(query, body, expected):
    assert bool(match(query, item(body=body))) is expected


def test_a_body_hit_points_into_the_article_text():
    [m] = match("body:substation", item(body=BODY))
    start = BODY.index("substation")
    assert m.hits == (Hit("substation", "body", start, start + len("substation")),)


def test_inflection_in_the_body():
    body = "Ночью несколько беспилотников атаковали нефтебазу."
    [m] = match("беспилотник", item("Пожар на нефтебазе", "Губернатор сообщил.", body, "ru"))
    assert m.hits[0].field == "body"
    assert body[m.hits[0].start:m.hits[0].end] == "беспилотников"


def test_a_failed_article_has_no_text_to_match():
    failed = replace(item(body=""), article=Article(url="u", status=ArticleStatus.FAILED,
                                                    note="article not fetched: HTTP 404"))
    assert match("body:substation", failed) == []


def test_unknown_field_names_both():
    with pytest.raises(QuerySyntaxError, match=r"the fields are title: and body:"):
        parse_query("summary:drone")


def test_explain_says_where():
    rules = compile_rules([Rule("r", {"en": "body:substation title:drone"})])
    text = "\n".join(explain(rules))
    assert "in the article's text" in text and "in the title" in text
