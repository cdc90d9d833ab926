"""The channel registry (monitor.config.channels): each registered type has its three parts,
and nothing outside the registry lists channel types."""

from __future__ import annotations

import ast
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import monitor.deliver
import monitor.render
from monitor.config.channels import CHANNEL_TYPES, ChannelConfig
from support.channel_configs import channel_config
from monitor.deliver import Resources, build_channels
from monitor.render.markup import Markup

MONITOR = Path(monitor.deliver.__file__).resolve().parents[1]
# The least each type needs, so its settings validate (and its transport can be built).
MINIMAL = {"console": {}, "email": {"host": "h", "from": "a@x.org", "to": ["b@x.org"]},
           "webhook": {"url": "https://h.example/x"}, "slack": {"url": "https://h.example/x"},
           "discord": {"url": "https://h.example/x"}, "mattermost": {"url": "https://h.example/x"},
           "teams": {"url": "https://h.example/x"}, "telegram": {"token": "t", "chat_id": 1},
           "matrix": {"homeserver": "https://m.example", "room_id": "!r", "access_token": "t"},
           "apprise": {"urls": ["json://127.0.0.1/x"]}}


@pytest.mark.parametrize("name", list(CHANNEL_TYPES))
def test_each_registered_type_has_settings_a_transport_and_a_renderer(name):
    kind = CHANNEL_TYPES[name]
    assert issubclass(kind.settings, ChannelConfig) and kind.name == name
    settings = channel_config({"name": "c", "type": name, **MINIMAL[name]})
    assert type(settings) is kind.settings
    transport = kind.transport()
    assert transport.__module__.startswith("monitor.deliver.")
    for method in ("send", "aclose"):
        assert inspect.iscoroutinefunction(getattr(transport, method)), (name, method)
    renderer = kind.renderer()
    assert renderer.__name__.startswith("monitor.render.")
    assert isinstance(renderer.MARKUP, Markup)
    # A transport that renders templates uses its renderer's markup, not another's.
    if hasattr(transport, "markup"):
        assert transport.markup is renderer.MARKUP, name


def test_build_channels_builds_each_type_by_its_registry_entry():
    import asyncio

    configs = [channel_config({"name": n, "type": n, **MINIMAL[n]}) for n in CHANNEL_TYPES]
    channels = build_channels(configs, stdout=None)
    try:
        assert {n: type(c) for n, c in channels.items()} == \
            {n: CHANNEL_TYPES[n].transport() for n in CHANNEL_TYPES}
    finally:
        asyncio.run(_close(channels.values()))


async def _close(channels):
    for channel in channels:
        await channel.aclose()


def test_every_transport_and_markup_is_registered():
    """A deliver class with `send` or a render module with MARKUP that no type names is a
    channel type half added."""
    transports = {t.transport_path for t in CHANNEL_TYPES.values()}
    renderers = {t.renderer_path for t in CHANNEL_TYPES.values()}
    for info in pkgutil.iter_modules(monitor.deliver.__path__, "monitor.deliver."):
        module = __import__(info.name, fromlist=["_"])
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == info.name and \
                    inspect.iscoroutinefunction(getattr(obj, "send", None)) and \
                    not name.startswith("_") and name != "JsonPostChannel":
                assert f"{info.name}:{name}" in transports, f"{info.name}:{name}"
    for info in pkgutil.iter_modules(monitor.render.__path__, "monitor.render."):
        module = __import__(info.name, fromlist=["_"])
        if isinstance(getattr(module, "MARKUP", None), Markup):
            assert info.name in renderers, info.name


def test_no_code_outside_the_registry_branches_on_a_channel_type_name():
    """`if channel.type == "slack"` or a table keyed by type names is a second registry."""
    names = set(CHANNEL_TYPES)
    allowed = {MONITOR / "config" / "channels.py"}
    found = []
    for path in sorted(MONITOR.rglob("*.py")):
        if path in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and _mentions_type(node.left) and any(
                    isinstance(c, ast.Constant) and c.value in names for c in node.comparators):
                found.append(f"{path.relative_to(MONITOR)}:{node.lineno}")
            if isinstance(node, ast.Dict) and sum(
                    isinstance(k, ast.Constant) and k.value in names for k in node.keys) >= 3:
                found.append(f"{path.relative_to(MONITOR)}:{node.lineno}")
    assert found == [], found


def _mentions_type(node: ast.AST) -> bool:
    text = ast.unparse(node)
    return bool(re.search(r"(^|\.)(type|ctype|kind_of_channel)$", text))


def test_a_transport_is_built_from_settings_and_resources_only(tmp_path):
    """The one constructor shape build_channels relies on."""
    for name, kind in CHANNEL_TYPES.items():
        params = list(inspect.signature(kind.transport().__init__).parameters.values())[1:]
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                       p.POSITIONAL_OR_KEYWORD)]
        assert len(positional) == 2, (name, params)
        assert all(p.default is not p.empty for p in params[2:]), (name, params)
    assert Resources().stdout is None
