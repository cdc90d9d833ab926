"""Every backend implements the whole `Store` interface (monitor.store), with the interface's
signature (positional parameters in its order, keyword-only ones by name, its defaults): the
pipeline, the outbox and the commands call any backend the same way."""

from __future__ import annotations

import inspect

import pytest

from monitor.store import Store
from monitor.store.postgres import PostgresStore
from monitor.store.sqlite import SqliteStore

MEMBERS = sorted(name for name, value in vars(Store).items()
                 if (callable(value) or isinstance(value, property))
                 and (not name.startswith("_") or name in ("__enter__", "__exit__")))


def parameters(function) -> dict[str, inspect.Parameter]:
    return dict(list(inspect.signature(function).parameters.items())[1:])  # without self


def test_the_interface_lists_what_callers_use():
    assert {"commit_polls", "due_outbox", "feed_state", "reopen", "is_shareable",
            "give_back_space", "cache_translations"} <= set(MEMBERS)


@pytest.mark.parametrize("backend", [SqliteStore, PostgresStore], ids=lambda b: b.__name__)
@pytest.mark.parametrize("name", MEMBERS)
def test_backend_implements_the_interface(backend, name):
    wanted = getattr(Store, name)
    got = getattr(backend, name, None)
    assert got is not None, f"{backend.__name__} has no {name}"
    if isinstance(wanted, property):
        assert isinstance(got, property), f"{backend.__name__}.{name} is not a property"
        return
    have = parameters(got)
    positional = [p for p in have.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    for n, param in enumerate(parameters(wanted).values()):
        if param.kind is param.VAR_POSITIONAL:
            continue
        if param.kind is param.POSITIONAL_OR_KEYWORD:  # callers pass these by position
            assert n < len(positional), f"{backend.__name__}.{name} takes too few arguments"
            mine = positional[n]
        else:
            assert param.name in have, f"{backend.__name__}.{name} lacks {param.name}="
            mine = have[param.name]
            assert mine.kind == param.kind, f"{backend.__name__}.{name}: {param.name} is " \
                                            f"{mine.kind.description}"
        if param.default is not param.empty:
            assert mine.default == param.default, \
                f"{backend.__name__}.{name}: {param.name} defaults to {mine.default!r}"
