"""build_feeds.py refuses a labelled set whose distractors name an event the set lacks.

Written after test6's first draft named `s30-ust-luga-terminal-strike` (the event was s27):
labels.json then held a distractor pair with no items, which the scorer silently never counts.
"""
import importlib.util
from pathlib import Path

import pytest

BUILDER = Path(__file__).resolve().parents[1] / "data" / "stories" / "build_feeds.py"


def _builder():
    spec = importlib.util.spec_from_file_location("build_feeds", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EVENTS = """year: 2027
events:
- id: a-strike
  what: a strike
  distractors: [{other}]
  items:
  - [eastwire, "01-04 01:50", "Drones hit a depot", "A fire broke out."]
- id: b-strike
  what: another strike
  distractors: []
  items:
  - [kurier, "01-05 01:50", "Дроны атаковали нефтебазу", "Начался пожар."]
"""


def test_a_distractor_naming_no_event_of_the_set_is_refused(tmp_path):
    (tmp_path / "events.yaml").write_text(EVENTS.format(other="c-strike"), encoding="utf-8")
    with pytest.raises(SystemExit, match="c-strike"):
        _builder().items_of(str(tmp_path))


def test_distractors_naming_events_of_the_set_give_the_pair(tmp_path):
    (tmp_path / "events.yaml").write_text(EVENTS.format(other="b-strike"), encoding="utf-8")
    items, pairs = _builder().items_of(str(tmp_path))
    assert pairs == [["a-strike", "b-strike"]]
    assert [item["event"] for item in items] == ["a-strike", "b-strike"]
