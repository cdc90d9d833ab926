"""Keyword rules in the config: a query that does not parse is a `file:line` error with its
column, every bad query is reported at once, and the shipped config.yaml rule finds drone
production news in English, Russian and Belarusian."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.model import Item
from monitor.rules import Matcher

ROOT = Path(__file__).resolve().parents[3]

BAD = """\
feeds:
  - name: a
    url: https://example.org/rss
rules:
  - name: drones
    query:
      en: (drone OR UAV
      ru: беспилотник AND
      be: дрон
  - name: factory
    query: 'factory NEAR drone'
  - name: fine
    query: 'drone* -toy'
channels:
  - name: console
    type: console
"""


def test_config_bad_queries_are_file_line_column_errors(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert caught.value.lines == [
        f"{path}:7: rules[0].query.en: column 1: '(' is never closed",
        f"{path}:8: rules[0].query.ru: column 13: AND must be followed by a term",
        f"{path}:11: rules[1].query: column 9: NEAR needs a distance in words, e.g. NEAR/5",
    ]


def test_config_good_queries_compile(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(BAD.replace("(drone OR UAV\n", "(drone OR UAV)\n")
                    .replace("беспилотник AND\n", "беспилотник AND завод\n")
                    .replace("factory NEAR drone", "factory NEAR/3 drone"), encoding="utf-8")
    config = load_config(path, env={})
    assert len(config.compiled_rules) == 3


def _item(title: str, summary: str, language: str) -> Item:
    return Item("feed", "1", "k", title, summary, "https://example.org/",
                datetime(2026, 3, 25, tzinfo=timezone.utc), language=language)


@pytest.mark.parametrize("language, title, summary, expected", [
    ("en", "Russia's Alabuga plant expands", "The plant has scaled up production of "
     "Shahed-type drones, satellite images show.", True),
    ("en", "Belarus to build UAVs", "Minsk says a new factory will manufacture unmanned "
     "aerial vehicles next year.", True),
    ("en", "Toy drone factory opens in Minsk", "", False),
    ("en", "Drone attack on a Russian refinery", "No production was affected.", False),
    ("ru", "В Елабуге нарастили производство беспилотников «Герань»", "", True),
    ("ru", "Белорусский завод начал сборку дронов", "Предприятие в Минске собирает "
     "беспилотники для армии России.", True),
    ("ru", "Беспилотники атаковали Москву", "В России сбиты 20 дронов.", False),
    ("be", "У Беларусі пачалі вытворчасць дронаў", "Завод у Мінску збірае беспілотнікі.",
     True),
    ("be", "Расійскі завод выпускае «Шахеды»", "Вытворчасць павялічылі ў Алабузе.", True),
    ("be", "Дроны зноў ляцелі над Беларуссю", "", False),
])
def test_shipped_config_rule_finds_drone_production(language, title, summary, expected):
    config = load_config(ROOT / "config.yaml", env={})
    found = Matcher(config.compiled_rules).match(_item(title, summary, language))
    assert bool(found) is expected
