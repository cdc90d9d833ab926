"""Imports point down only (STYLE.md §4.2). A new module must be given a layer here, and a line
in README.md's "Code layout"."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "monitor"
README = PACKAGE.parent / "README.md"

# The layers, lowest first: the same table as README.md's "Code layout" (and STYLE.md §4.2).
# The units are monitor's top-level packages and modules; the modules of a package may import
# each other. A unit may import units of lower layers only.
LAYERS = [
    ("values", {"monitor", "monitor.errors", "monitor.model", "monitor.redact", "monitor.retry",
                "monitor.workers", "monitor.data", "monitor.failure_log"}),
    ("pure stages", {"monitor.parse", "monitor.normalize", "monitor.language", "monitor.log"}),
    ("pure stages on normalize's text", {"monitor.rules", "monitor.render", "monitor.article",
                                         "monitor.story_grouping"}),
    # Config compiles the rules and checks the templates, so it sits above them.
    ("config", {"monitor.config"}),
    ("I/O adapters, and the pipeline's pure steps over the config",
     {"monitor.fetch", "monitor.deliver", "monitor.translate", "monitor.store",
      "monitor.new_items", "monitor.duplicates", "monitor.story_tracker", "monitor.schedule",
      "monitor.browse"}),
    ("over the adapters", {"monitor.outbox", "monitor.full_text"}),
    ("wiring", {"monitor.runtime"}),
    ("the pipeline", {"monitor.pipeline", "monitor.check_scheduler"}),
    ("what the entry points serve", {"monitor.health", "monitor.metrics", "monitor.indexing",
                                     "monitor.web"}),
    ("the daemon", {"monitor.daemon"}),
    ("the command line", {"monitor.cli"}),
    ("python -m monitor", {"monitor.__main__"}),
]
LAYER = {unit: n for n, (_, units) in enumerate(LAYERS) for unit in units}
# Third-party libraries that only these modules (or packages) may touch.
ONLY_IN = {"apscheduler": {"monitor.daemon.jobs"},
           "sqlite3": {"monitor.store.sqlite"}, "psycopg": {"monitor.store.postgres"},
           "httpx": {"monitor.fetch", "monitor.deliver"},
           "feedparser": {"monitor.parse.feed", "monitor.parse.feedparser_parts"},
           "aiosmtplib": {"monitor.deliver.email"}, "apprise": {"monitor.deliver.apprise"},
           "jinja2": {"monitor.render.template", "monitor.render.sandbox", "monitor.web"},
           "Stemmer": {"monitor.rules.stems"}, "selectolax": {"monitor.normalize.html"},
           "numpy": {"monitor.language"}, "pydantic": {"monitor.config"},
           "trafilatura": {"monitor.article"}, "lxml": {"monitor.article"},
           "charset_normalizer": {"monitor.article"},
           "starlette": {"monitor.web"}, "uvicorn": {"monitor.web"}}
# The pure stages: bytes or text in, values out (STYLE.md §5.3: parse from bytes, purely). They
# may read their own package data (the language tables) but reach no network, process, state
# or sleep: none of these modules, nor the I/O libraries of ONLY_IN.
PURE_STAGES = {"monitor.parse", "monitor.normalize", "monitor.language", "monitor.rules",
               "monitor.render", "monitor.article", "monitor.story_grouping"}
IO_MODULES = {"socket", "ssl", "select", "selectors", "asyncio", "subprocess", "multiprocessing",
              "signal", "http", "urllib.request", "smtplib", "sqlite3", "shutil", "tempfile",
              "httpx", "httpcore", "psycopg", "aiosmtplib", "apprise", "apscheduler",
              "starlette", "uvicorn", "monitor.store", "monitor.fetch", "monitor.deliver"}
MAX_LINES = 400  # STYLE.md §4.1: a module past ~400 lines is split along a responsibility


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        yield name, path


def unit_of(name):
    """monitor.store.sqlite.items → monitor.store; monitor → monitor."""
    return ".".join(name.split(".")[:2])


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
    unit = unit_of(name)
    assert unit in LAYER, f"{unit} has no layer in tests/unit/test_layering.py (and README.md)"
    for target in imports(path, name):
        if target.startswith("monitor."):
            their_unit = unit_of(target)
            if their_unit == unit or their_unit not in LAYER:
                continue  # its own package; `from monitor import __version__`
            assert LAYER[their_unit] < LAYER[unit], \
                f"{name} ({LAYERS[LAYER[unit]][0]}) imports {their_unit} " \
                f"({LAYERS[LAYER[their_unit]][0]})"
        else:
            top = target.split(".")[0]
            if top in ONLY_IN:
                assert any(name == u or name.startswith(u + ".") for u in ONLY_IN[top]), \
                    f"{name} imports {top}, which only {sorted(ONLY_IN[top])} may use"


@pytest.mark.parametrize("name, path", [(n, p) for n, p in modules() if unit_of(n) in PURE_STAGES],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_pure_stages_import_no_io(name, path):
    for target in imports(path, name):
        reached = {m for m in IO_MODULES if target == m or target.startswith(m + ".")}
        assert not reached, f"{name} is a pure stage and imports {target}"


def test_pure_stages_sit_in_the_pure_layers():
    assert all(LAYERS[LAYER[unit]][0].startswith("pure stages") for unit in PURE_STAGES)


def test_the_tables_name_only_what_exists():
    names = {name for name, _ in modules()}
    assert not set(LAYER) - {unit_of(name) for name in names}, "LAYERS lists units that are gone"
    gone = {u for allowed in ONLY_IN.values() for u in allowed} - names
    assert not gone, f"ONLY_IN lists modules that are gone: {sorted(gone)}"


def test_modules_stay_under_400_lines():
    long = {name: n for name, path in modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split along a responsibility: {long}"


def readme_layout():
    """README.md's "Code layout": the paths its listing names, and its table of layers."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Code layout\n", 1)[1].split("\n## ", 1)[0]
    paths, stack, rows = set(), [], []
    for line in section.splitlines():
        if line.startswith("    ") and line.strip():  # the listing: two spaces a level
            entry = line[4:]
            depth = (len(entry) - len(entry.lstrip())) // 2
            stack[depth:] = [entry.split()[0].rstrip("/")]
            paths.add("/".join(stack))
        elif row := re.match(r"\| (\d+) \| (.+?) \|", line):
            rows.append({"monitor." + unit.strip().replace("\\_", "_")
                         for unit in row.group(2).split("·")})
    return paths, rows


def test_readme_lists_every_module_and_the_same_layers():
    listed, rows = readme_layout()
    files = {p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*.py")}
    assert not files - listed, f"README.md's Code layout misses {sorted(files - listed)}"
    gone = {p for p in listed if not (PACKAGE.parent / p).exists()}
    assert not gone, f"README.md's Code layout lists what is gone: {sorted(gone)}"
    assert rows == [units - {"monitor"} for _, units in LAYERS]


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
