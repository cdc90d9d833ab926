"""`full_text:` and `articles:` in the config (issue 16)."""

import pytest

from monitor.config import parse_config
from monitor.errors import ConfigError

BASE = """
feeds:
  - {{name: a, url: "https://example.org/a.xml"{feed}}}
  - {{name: b, url: "https://example.org/b.xml"}}
rules:
  - {{name: r, query: "drone body:substation"}}
  - {{name: s, query: {{en: "body:(x OR y)", ru: "дрон"}}}}
  - {{name: t, query: '"the body: of" somebody'}}
channels: [{{name: c, type: console}}]
{extra}
"""


def load(feed="", extra=""):
    return parse_config(BASE.format(feed=feed, extra=extra))


@pytest.mark.parametrize("feed, extra, expected", [
    ("", "", [False, False]),
    (", full_text: all", "", ["all", False]),
    ("", "defaults: {full_text: matched}", ["matched", "matched"]),
    (", full_text: false", "defaults: {full_text: all}", [False, "all"]),
])
def test_full_text_per_feed_and_default(feed, extra, expected):
    assert [f.full_text for f in load(feed, extra).feeds] == expected


@pytest.mark.parametrize("value, message", [
    ("true", "must be false, matched or all, got true (true is ambiguous: say matched or all)"),
    ("everything", "must be false, matched or all, got 'everything'"),
    ("1", "must be false, matched or all, got 1"),
])
def test_a_bad_full_text_is_named(value, message):
    with pytest.raises(ConfigError) as info:
        load(f", full_text: {value}")
    assert info.value.lines == [f"config.yaml:3: feeds[0].full_text: {message}"]


def test_articles_section():
    config = load(extra="articles: {lead_length: 300, max_page_size: 2MiB, per_host: 1, "
                        "per_host_delay: 0s}")
    a = config.articles
    assert (a.lead_length, a.max_page_size, a.per_host, a.per_host_delay) == \
        (300, 2 * 1024 * 1024, 1, 0.0)
    assert load().articles.per_host_delay == 1.0


def test_body_rules_without_an_all_feed_are_warned_about():
    warned = [w for w in load(", full_text: matched").warnings if "body:" in w]
    assert warned == [
        "config.yaml:6: rules[0].query: body: matches the article text, which only feeds "
        "with full_text: all read, and none does: it never matches",
        "config.yaml:7: rules[1].query.en: body: matches the article text, which only feeds "
        "with full_text: all read, and none does: it never matches"]
    assert not [w for w in load(", full_text: all").warnings if "body:" in w]
