"""pydantic's validation errors → our one-line problems, in our words. Pure.

Each error becomes `(loc, problem)`: `loc` is the path of YAML keys and list indexes, as
pydantic gives it (the schema has no bare unions, whose branches pydantic would add to the
path: a value that may take several shapes is one validator;
tests/unit/config/test_config_problems.py holds every model to that) and `problem` reads after
`file:line: key: `. pydantic's own phrasing ("Input should be a valid string") names Python
types; a config author thinks in YAML: text, numbers, lists, mappings. A problem never repeats
the value (it may be a password), only what kind of value it was.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

# Error types pydantic reports for our schema, and how we say each. `{got}` is the kind of
# value found; the others come from the error's context.
_PHRASES = {
    "missing": "required key is missing",
    "string_type": "must be text, got {got}",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "int_type": "must be a whole number, got {got}",
    "int_parsing": "must be a whole number, got {got}",
    "int_from_float": "must be a whole number, got a fraction",
    "float_type": "must be a number, got {got}",
    "float_parsing": "must be a number, got {got}",
    "bool_type": "must be true or false, got {got}",
    "bool_parsing": "must be true or false, got {got}",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "list_type": "must be a list, got {got}",
    "tuple_type": "must be a list, got {got}",
    "dict_type": "must be a mapping of keys, got {got}",
    "model_type": "must be a mapping of keys, got {got}",
    "model_attributes_type": "must be a mapping of keys, got {got}",
}
def kind_of(value: Any) -> str:
    """How a YAML value reads to its author: text, a number, a list…"""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


def describe(error: dict, model: type[BaseModel] | None) -> str:
    """One pydantic error (from `ValidationError.errors()`) in our words."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        return f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"must have at least {n} item{'s' if n != 1 else ''}"
    if kind == "too_long":
        n = ctx.get("max_length", 1)
        return f"must have at most {n} item{'s' if n != 1 else ''}"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(str(value), allowed, n=1) \
            if isinstance(value, str) else []
        return f"must be one of {', '.join(allowed)}" + \
            (f" (did you mean '{close[0]}'?)" if close else f", got {kind_of(value)}"
             if not isinstance(value, str) else "")
    phrase = _PHRASES.get(kind)
    if phrase is None:  # a type our schema does not produce (the completeness test says so)
        return f"is not a valid value ({kind})"
    text = phrase.format(got=kind_of(value), **{k: _number(v) for k, v in ctx.items()})
    if kind == "string_type" and isinstance(value, (int, float)):
        text += " (put it in quotes)"
    return text


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of `loc` (for "did you mean")."""
    model: Any = root
    for step in loc[:-1]:
        if isinstance(step, int):
            continue
        info = getattr(model, "model_fields", {}).get(step)
        if info is None:
            return None
        ann = info.annotation
        for candidate in getattr(ann, "__args__", ()) + (ann,):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return None
    return model if isinstance(model, type) else None


def problems_of(exc: ValidationError, model: type[BaseModel], prefix: tuple = ()) -> list:
    """Every error of `exc` as `(loc, problem)`, with `prefix` before each loc."""
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        problem = (prefix + loc, describe(error, model_at(model, loc)))
        if problem not in problems:
            problems.append(problem)
    return problems
