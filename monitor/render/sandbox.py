"""A Jinja2 sandbox whose rendering is bounded in time, memory and output. Pure.

Jinja2's SandboxedEnvironment keeps a template from reaching Python internals, but not from
working forever: `{{ 'x' * 10**10 }}` asks for 10 GB and nested `range(100000)` loops for
10^10 steps (issue 11, finding 14: `monitor check` sat at 9 GB). Here:

- **time**: while a template renders, a trace function (sys.settrace, this thread only)
  checks a deadline at every line of Python the render runs, the template's own loops and
  the filters it calls alike, and raises TemplateLimitError once it has passed;
- **memory**: operators on strings, lists and numbers are intercepted (`*`, `**`, `+`, `%`,
  and `~`, compiled to a checked join) and refused when their result would be over
  MAX_VALUE_CHARS or MAX_INT_BITS; every call (methods, globals, filters) is refused an int
  argument over MAX_INT_ARG, a str or list argument over MAX_VALUE_CHARS, and a known
  multiplying call (indent, replace, join, center, expandtabs, format widths) a result over
  MAX_VALUE_CHARS; namespace attributes and block captures are held to it too; lists cannot
  be mutated;
- **output**: the render is streamed and stopped past MAX_OUTPUT_CHARS.

The only work not interruptible by the deadline is one C-level operation, and those are the
ones whose sizes are checked before they run.
"""

from __future__ import annotations

import math
import re
import sys
import time
from functools import wraps
from typing import Any, Callable, Iterator

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

MAX_OUTPUT_CHARS = 100_000   # every service's message limit is under 64 KB
MAX_VALUE_CHARS = 100_000    # a string or list a template makes or passes on
MAX_INT_ARG = 100_000        # a width, count or length given to a call
MAX_INT_BITS = 4096          # a number a template computes
MAX_SOURCE_CHARS = 20_000    # a template's own text
RENDER_SECONDS = 2.0         # a template renders in about a millisecond; 2 s is a runaway

_TEMPLATE_FILENAME = "<template>"
# A width or precision in %-formatting or str.format that would pad to a huge size.
_PERCENT_WIDTH = re.compile(r"%[-+ #0]*(?:\*|\d{6,})|%[-+ #0]*\d*\.(?:\*|\d{6,})")
_FORMAT_WIDTH = re.compile(r"\{[^{}]*:[^{}]*?(?:\d{6,}|\{)")


class TemplateLimitError(Exception):
    """A template went past one of the limits; str() says which, in one line."""


def _size(value: Any, depth: int = 0) -> int:
    """Characters and items in `value`, nested containers included (what printing it would
    cost, roughly); past MAX_VALUE_CHARS it stops counting."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, (list, tuple, set, frozenset)):
        return 0
    if depth > 4 and value:
        return MAX_VALUE_CHARS + 1  # deeper nesting has no use in an alert
    total = len(value)
    for item in value:
        total += _size(item, depth + 1)
        if total > MAX_VALUE_CHARS:
            break
    return total


def _check_value(value: Any, what: str) -> Any:
    if _size(value) > MAX_VALUE_CHARS:
        raise TemplateLimitError(f"{what} would make a value of over {MAX_VALUE_CHARS:,} "
                                 f"characters or items")
    if isinstance(value, int) and not isinstance(value, bool) \
            and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"{what} would make a number of over {MAX_INT_BITS} bits")
    return value


def _check_arguments(name: str, args: tuple, kwargs: dict) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT_ARG:
            raise TemplateLimitError(f"{name}() was given {value}, over the limit of "
                                     f"{MAX_INT_ARG:,}")
        _check_value(value, f"{name}()")


def _estimate(name: str, args: tuple, kwargs: dict) -> int:
    """An upper bound of the size of what a multiplying call returns (0: not one of them).
    `args` start with the string or list the call works on."""
    if not args:
        return 0
    subject, rest = args[0], args[1:]
    if name in ("center", "ljust", "rjust", "zfill"):
        width = rest[0] if rest else kwargs.get("width", 0)
        return max(_size(subject), width if isinstance(width, int) else 0)
    if name == "expandtabs" and isinstance(subject, str):
        tab = rest[0] if rest else kwargs.get("tabsize", 8)
        return len(subject) * max(1, tab if isinstance(tab, int) else 8)
    if name == "indent" and isinstance(subject, str):
        width = rest[0] if rest else kwargs.get("width", 4)
        pad = width if isinstance(width, int) else _size(width)
        return len(subject) + (subject.count("\n") + 1) * pad
    if name == "replace" and isinstance(subject, str) and len(rest) >= 2:
        old, new = rest[0], rest[1]
        if isinstance(old, str) and isinstance(new, str):
            count = subject.count(old) if old else len(subject) + 1
            return len(subject) + count * len(new)
    if name == "join":
        return _join_size(subject, rest[0] if rest else kwargs.get("d", ""))
    if name in ("format", "format_map") and isinstance(subject, str) \
            and (_FORMAT_WIDTH.search(subject) or _PERCENT_WIDTH.search(subject)):
        return MAX_VALUE_CHARS + 1
    return 0


def _join_size(items: Any, separator: Any) -> int:
    if not isinstance(items, (list, tuple, str, dict, set, range)):
        return 0
    return len(items) * (1 + _size(separator)) + sum(_size(i) for i in items)


def _bounded_call(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (a filter) with the argument and size checks of a sandboxed call. Jinja calls
    filters directly, not through the sandbox's `call`."""
    # @pass_context / @pass_environment / @pass_eval_context filters get one more first
    # argument; `wraps` copies the marker, so Jinja passes it to this wrapper too.
    injected = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        plain = args[injected:]
        _check_arguments(name, plain[1:], kwargs)
        if _estimate(name, plain, kwargs) > MAX_VALUE_CHARS:
            raise TemplateLimitError(f"{name} would make a value of over "
                                     f"{MAX_VALUE_CHARS:,} characters")
        return _check_value(func(*args, **kwargs), name)
    return call


class BoundedNamespace(Namespace):
    """`namespace()` whose attributes are held to the value limit (a namespace is the one
    place a template keeps a value across loop iterations)."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, _check_value(value, f"setting {name}"))


class _CheckedConcat(CodeGenerator):
    """Compiles `a ~ b` to a join whose result is held to MAX_VALUE_CHARS: unrolled
    `{% set t = t ~ t %}` lines would otherwise double a string past any memory."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(', "the ~ operator")')


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment with the limits of this module. Render with `render`."""

    intercepted_binops = frozenset(["*", "**", "+", "%", "//"])
    code_generator_class = _CheckedConcat

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_call(name, func) for name, func in self.filters.items()}
        self.globals.pop("lipsum", None)  # generates text in a loop: no use in an alert
        self.globals["namespace"] = BoundedNamespace
        # Block captures ({% set x %}…{% endset %}) and macro bodies are joined by `concat`.
        self.concat = lambda pieces: _check_value("".join(pieces), "a {% set %} block")  # type: ignore

    @staticmethod
    def checked(value: Any, what: str) -> Any:
        """`value`, unless it is over the value limits (for compiled templates)."""
        return _check_value(value, what)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > MAX_INT_BITS:
                raise TemplateLimitError(f"{left} ** {right} is over {MAX_INT_BITS} bits")
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if _size(seq) and isinstance(n, int) and _size(seq) * n > MAX_VALUE_CHARS:
                    raise TemplateLimitError(f"repeating a value {n} times would make over "
                                             f"{MAX_VALUE_CHARS:,} characters or items")
        elif operator == "%" and isinstance(left, str) and _PERCENT_WIDTH.search(left):
            raise TemplateLimitError("a %-format width or precision over 99,999")
        return _check_value(super().call_binop(context, operator, left, right),
                            f"the operator {operator}")

    def call(__self, __context: Context, __obj: Any, *args: Any,  # noqa: N805
             **kwargs: Any) -> Any:
        name = getattr(__obj, "__name__", type(__obj).__name__)
        _check_arguments(name, args, {k: v for k, v in kwargs.items()
                                      if not k.startswith("_")})
        # A bound method's object; the sandbox hands out str.format wrapped (`__wrapped__`).
        subject = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(subject, (str, list, tuple)) and \
                _estimate(name, (subject, *args), kwargs) > MAX_VALUE_CHARS:
            raise TemplateLimitError(f"{name}() would make a value of over "
                                     f"{MAX_VALUE_CHARS:,} characters")
        return _check_value(super().call(__context, __obj, *args, **kwargs), f"{name}()")


def render(template: Any, context: dict[str, Any], *, seconds: float = RENDER_SECONDS,
           max_chars: int = MAX_OUTPUT_CHARS) -> str:
    """Render `template` (from a BoundedSandbox) within the limits. Raises
    TemplateLimitError, or what the template raises."""
    deadline = time.monotonic() + seconds
    out: list[str] = []
    size = 0

    def line(frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise TemplateLimitError(f"the template took over {seconds:g} s to render "
                                     f"(a loop too large?)")
        return line

    def trace(frame: Any, event: str, arg: Any) -> Any:
        # Only the template's own code is traced line by line: what it calls (filters,
        # methods) gets arguments held to MAX_INT_ARG and MAX_VALUE_CHARS, so it ends soon.
        if frame.f_code.co_filename == _TEMPLATE_FILENAME:
            return line(frame, event, arg)
        if time.monotonic() > deadline:
            raise TemplateLimitError(f"the template took over {seconds:g} s to render "
                                     f"(a loop too large?)")
        return None

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        pieces: Iterator[str] = template.generate(context)
        for piece in pieces:
            size += len(piece)
            if size > max_chars:
                raise TemplateLimitError(f"the template made over {max_chars:,} characters")
            out.append(piece)
    finally:
        sys.settrace(previous)
    return "".join(out)


def check_source(source: str) -> None:
    """Raises TemplateLimitError for a template text over MAX_SOURCE_CHARS."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateLimitError(f"the template is {len(source):,} characters long; the limit "
                                 f"is {MAX_SOURCE_CHARS:,}")
