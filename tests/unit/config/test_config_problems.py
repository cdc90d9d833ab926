"""pydantic's errors in our words (monitor.config.problems): paths are YAML keys, never
pydantic's own steps, with no filter to take them out."""

from __future__ import annotations

from typing import Union

import pytest
from pydantic import ValidationError

from monitor.config.channels import CHANNEL_TYPES
from monitor.config.document import ConfigFile
from monitor.config.problems import problems_of
from monitor.config.schema import (DefaultsConfig, DeliveryConfig, FeedConfig, FetchConfig,
                                   HealthConfig, RetentionConfig, RuleConfig, Section,
                                   TranslationConfig)

MODELS = [FeedConfig, RuleConfig, DefaultsConfig, FetchConfig, TranslationConfig,
          DeliveryConfig, RetentionConfig, HealthConfig, ConfigFile] + \
    [t.settings for t in CHANNEL_TYPES.values()]
WRONG = [None, True, 1, 1.5, -1, "x", "", "5m", [], {}, [1], ["a"], {"a": 1}, {"en": "x"},
         {"en": 1}, "https://a.example/", [None], [{"a": 1}]]
VALID = {"name": "n", "url": "https://a.example/", "query": "x", "host": "h", "from": "a@b.org",
         "to": ["x"], "token": "t", "chat_id": 1, "homeserver": "https://a.example",
         "room_id": "r", "access_token": "t", "urls": ["x"]}


def _keys(model) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _wrong_documents(model):
    keys = _keys(model)
    base = {k: v for k, v in VALID.items() if k in keys}
    if "type" in model.model_fields and model.model_fields["type"].annotation is not str:
        base["type"] = model.model_fields["type"].annotation.__args__[0]
    for key in sorted(keys - {"type"}):
        for value in WRONG:
            yield key, {**base, key: value}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_problem_path_is_made_of_yaml_keys_and_indexes(model):
    every_key = set().union(*(_keys(m) for m in MODELS))
    errors = 0
    for key, document in _wrong_documents(model):
        try:
            model.model_validate(document, context={"base_dir": None})
        except ValidationError as exc:
            for loc, _ in problems_of(exc, model):
                errors += 1
                assert loc[0] == key, (document, loc)
                for step in loc[1:]:
                    # a list index, or the key of a mapping the author wrote (a query's
                    # language, a wrong key inside a section)
                    assert isinstance(step, int) or step in every_key or \
                        step in {"a", "en"}, (model.__name__, document, loc)
    assert errors > 20  # the wrong values really are wrong


def test_a_bare_union_would_show_pydantic_steps_in_a_path():
    """Why the schema has none: pydantic names each branch it tried in the error's path."""
    class Bare(Section):
        value: Union[int, list[int]]

    with pytest.raises(ValidationError) as info:
        Bare.model_validate({"value": "x"})
    paths = [loc for loc, _ in problems_of(info.value, Bare)]
    assert ("value", "int") in paths and ("value", "list[int]") in paths


def test_no_field_of_the_schema_is_a_bare_union():
    def bare_unions(model, seen=()):
        for name, info in model.model_fields.items():
            if info.metadata:  # a validator decides the shape: no branches
                continue
            args = getattr(info.annotation, "__args__", ())
            kinds = [a for a in args if a is not type(None) and a is not Ellipsis]
            if getattr(info.annotation, "__origin__", None) is Union and len(kinds) > 1:
                yield f"{model.__name__}.{name}"
            for arg in args:
                if isinstance(arg, type) and issubclass(arg, Section) and arg not in seen:
                    yield from bare_unions(arg, seen + (model,))
    assert [f for m in MODELS for f in bare_unions(m)] == []

