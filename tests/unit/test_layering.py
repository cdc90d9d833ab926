"""Imports point down only (STYLE.md §4.2). A new module must be given a layer here."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "monitor"

# Lower number = lower layer. A module may import monitor modules of strictly lower layers,
# plus the exceptions in SAME_LAYER_OK and its own subpackage.
LAYERS = {
    "monitor": 0, "monitor.__main__": 9, "monitor.errors": 0, "monitor.model": 0,
    "monitor.normalize.text": 1, "monitor.retry": 1, "monitor.log": 1,
    "monitor.fetch.decompress": 1,
    "monitor.rules.stems": 1, "monitor.fetch.policy": 1,
    "monitor.redact": 0,
    "monitor.metrics": 1, "monitor.health": 4, "monitor.workers": 1,
    "monitor.language.tables": 1, "monitor.config.yaml_tree": 1, "monitor.config.values": 1,
    "monitor.story_grouping": 2,
    "monitor.parse": 2, "monitor.normalize": 2, "monitor.article": 2, "monitor.language": 2, "monitor.rules": 2,
    "monitor.render": 2,
    "monitor.config": 3, "monitor.config.problems": 1,
    "monitor.fetch": 4, "monitor.translate": 4, "monitor.deliver": 4, "monitor.store": 4,
    "monitor.outbox": 4, "monitor.new_items": 4, "monitor.duplicates": 4,
    "monitor.runtime": 5, "monitor.schedule": 5, "monitor.full_text": 5, "monitor.outbox.drain": 5,
    "monitor.pipeline": 6, "monitor.browse": 5, "monitor.indexing": 5, "monitor.web": 6,
    "monitor.check_scheduler": 6,
    "monitor.daemon": 7,
    "monitor.cli": 8,
}
SAME_LAYER_OK = {("monitor.outbox", "monitor.store"), ("monitor.runtime", "monitor.full_text")}
# Third-party libraries that only one module (or package) may touch.
ONLY_IN = {"apscheduler": {"monitor.daemon"}, "sqlite3": {"monitor.store"},
           "httpx": {"monitor.fetch", "monitor.deliver"},
           "feedparser": {"monitor.parse.feed", "monitor.parse.feedparser_parts"},
           "aiosmtplib": {"monitor.deliver.email"},
           "jinja2": {"monitor.render.template", "monitor.render.sandbox", "monitor.web"},
           "apprise": {"monitor.deliver.apprise"}, "Stemmer": {"monitor.rules.stems"},
           "selectolax": {"monitor.normalize.html"},
           "psycopg": {"monitor.store.postgres"},
           "trafilatura": {"monitor.article"}, "lxml": {"monitor.article"},
           "charset_normalizer": {"monitor.article"}}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        yield name, path


def layer_of(name):
    while name:
        if name in LAYERS:
            return LAYERS[name], name
        name = name.rpartition(".")[0]
    return None, None


def imports(path, name):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.module
                for alias in node.names:
                    yield f"{node.module}.{alias.name}"


@pytest.mark.parametrize("name, path", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_module_imports_only_lower_layers(name, path):
    mine, unit = layer_of(name)
    assert mine is not None, f"{name} has no layer in tests/unit/test_layering.py"
    for target in imports(path, name):
        if target.startswith("monitor"):
            theirs, their_unit = layer_of(target)
            if theirs is None or their_unit == unit or (unit, their_unit) in SAME_LAYER_OK:
                continue
            if their_unit == "monitor" and target != "monitor":
                continue  # `from monitor import x` of a submodule: judged by the submodule line
            assert theirs < mine or their_unit == "monitor", \
                f"{name} (layer {mine}) imports {their_unit} (layer {theirs})"
        else:
            top = target.split(".")[0]
            if top in ONLY_IN:
                assert unit in ONLY_IN[top] or name in ONLY_IN[top] or \
                    any(unit.startswith(u) or name.startswith(u + ".") for u in ONLY_IN[top]), \
                    f"{name} imports {top}, which only {sorted(ONLY_IN[top])} may use"


def test_only_cli_prints_or_exits():
    for name, path in modules():
        if name in ("monitor.cli", "monitor.__main__") or name.startswith("monitor.cli."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.id if isinstance(f, ast.Name) else \
                    (f.attr if isinstance(f, ast.Attribute) else "")
                owner = f.value.id if isinstance(f, ast.Attribute) and \
                    isinstance(f.value, ast.Name) else ""
                assert called != "print", f"{name} calls print()"
                assert not (owner == "sys" and called == "exit"), f"{name} calls sys.exit()"
