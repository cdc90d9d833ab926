"""YAML → a tree of dicts and lists that remember the line of every key and item. Pure.

Used by `config` to report every problem as `file:line: key: problem`. Only safe YAML tags are
constructed; a duplicate key is a warning (the last one wins), as in most YAML readers.
"""

from __future__ import annotations

from typing import Any

import yaml


class LineMap(dict):
    line: int = 0
    key_lines: dict
    duplicates: tuple = ()  # (key, line, first line) of each key written twice


class LineList(list):
    line: int = 0
    item_lines: list


# Deeper than any config needs; the constructor recurses once per level, and thousands of
# levels ended in a RecursionError traceback.
MAX_DEPTH = 100
_TOO_DEEP = f"YAML nested more than {MAX_DEPTH} levels deep"


class TooDeepError(yaml.constructor.ConstructorError):
    """The document nests more than MAX_DEPTH mappings and lists."""


class _LineLoader(yaml.SafeLoader):
    has_duplicates = False
    depth: int = 0

    def enter(self, node) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TooDeepError(None, None, _TOO_DEEP, node.start_mark)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        self.enter(node)
        try:
            return self._construct_mapping(node)
        finally:
            self.depth -= 1

    def construct_sequence(self, node, deep=False):  # type: ignore[override]
        self.enter(node)
        try:
            result = LineList(self.construct_object(child, deep=True) for child in node.value)
        finally:
            self.depth -= 1
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    def _construct_mapping(self, node):
        self.flatten_mapping(node)
        result = LineMap()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be plain scalars", key_node.start_mark)
            if key in result:
                result.duplicates += ((key, key_node.start_mark.line + 1,
                                       result.key_lines[key]),)
                self.has_duplicates = True
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


class _FastLineLoader(getattr(yaml, "CSafeLoader", _LineLoader)):  # type: ignore[misc]
    """libyaml's parser (when PyYAML has it) with the same constructor, so the same lines:
    half the time and a third less memory on a config of thousands of feeds. Its syntax
    error messages differ, so a file it rejects is parsed again by _LineLoader to report."""

    has_duplicates = False
    depth = 0
    enter = _LineLoader.enter
    construct_mapping = _LineLoader.construct_mapping
    construct_sequence = _LineLoader.construct_sequence
    _construct_mapping = _LineLoader._construct_mapping


_FastLineLoader.add_constructor("tag:yaml.org,2002:map", _FastLineLoader.construct_mapping)
_FastLineLoader.add_constructor("tag:yaml.org,2002:seq", _FastLineLoader.construct_sequence)


def load_tree(text: str) -> tuple[Any, list[tuple[tuple, int]]]:
    """The YAML tree with line numbers, and each key written twice in one mapping as
    `(path of the key, line of its first writing)` (the last one wins). Raises YAMLError."""
    for loader_class in (_FastLineLoader, _LineLoader):
        loader = loader_class(text)
        try:
            tree = loader.get_single_data()
            return tree, (_duplicates(tree) if loader.has_duplicates else [])
        except TooDeepError:
            raise  # the same answer from both loaders (and the pure one would recurse deeper)
        except yaml.YAMLError as exc:
            if "maximum nesting depth" in str(getattr(exc, "problem", "")):
                # libyaml stops at 1,000 levels, where the pure loader would recurse to death.
                raise TooDeepError(None, None, _TOO_DEEP, exc.problem_mark) from None
            if loader_class is _LineLoader:
                raise
        except RecursionError:  # the pure loader (PyYAML without libyaml) on a deep document
            raise TooDeepError(None, None, _TOO_DEEP, None) from None
        finally:
            loader.dispose()
    raise AssertionError("unreachable")


def _duplicates(tree: Any) -> list[tuple[tuple, int]]:
    found, stack = [], [((), tree)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, LineMap):
            found += [(path + (key,), first) for key, _, first in node.duplicates]
            stack += [(path + (key,), value) for key, value in node.items()]
        elif isinstance(node, LineList):
            stack += [(path + (i,), value) for i, value in enumerate(node)]
    return sorted(found, key=lambda d: line_of(tree, d[0]))


def line_of(tree: Any, loc: tuple) -> int:
    """The line of the deepest node along `loc` that exists in the YAML tree."""
    node, line = tree, getattr(tree, "line", 1)
    for step in loc:
        if isinstance(node, LineMap) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line


def dotted(loc: tuple) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"
