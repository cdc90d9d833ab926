"""config.yaml → a validated, frozen Config. Pure apart from reading the file.

YAML is loaded with a safe loader that keeps the line of every key (`yaml_tree`), `${VAR}` is
replaced from the environment, then each feed, rule and channel is validated on its own
(`schema`, `channels`), the whole file after them (`document`), the checks across parts run
(`refs`) and the rules are compiled, so that one pass reports every problem, each as
`file:line: dotted.key: problem` (`problems` words pydantic's errors).
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import ValidationError

from monitor.config.channels import CHANNEL_TYPES, ChannelConfig
from monitor.config.document import Config, ConfigFile
from monitor.config.problems import kind_of, problems_of
from monitor.config.refs import (body_without_articles, cross_check, dead_ends, items,
                                 missing_files)
from monitor.config.schema import (FEED_DEFAULT_KEYS, DefaultsConfig, FeedConfig, RuleConfig,
                                   resolve_path)
from monitor.config.values import check_query
from monitor.config.yaml_tree import LineList, LineMap, TooDeepError, dotted, line_of, load_tree
from monitor.errors import ConfigError
from monitor.rules import CompiledRules, RulesError, compile_rules


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\$")


def _substitute_env(node: Any, env: Mapping[str, str], loc: tuple, errors: list, secrets: list,
                    tree: Any, refs: dict[str, str]) -> Any:
    if isinstance(node, LineMap):
        for key in list(node):
            node[key] = _substitute_env(node[key], env, loc + (key,), errors, secrets, tree, refs)
        return node
    if isinstance(node, LineList):
        for i, value in enumerate(node):
            node[i] = _substitute_env(value, env, loc + (i,), errors, secrets, tree, refs)
        return node
    if not isinstance(node, str) or "$" not in node:
        return node

    def replace(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        if name not in env:
            errors.append((loc, f"environment variable {name} is not set"))
            return ""
        if env[name]:
            secrets.append(env[name])  # anything from the environment may be a secret
            refs.setdefault(env[name], name)
        return env[name]

    return _ENV_REF.sub(replace, node)


# ---------------------------------------------------------------------------------------------
# Validation: each part on its own, so that one pass reports every problem


def _validate_items(tree: Any, section: str, context: dict, problems: list) -> list:
    """The valid models of a list section; the problems of the others go to `problems`."""
    value = tree.get(section)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(((section,), f"must be a list, got {kind_of(value)}"))
        return []
    valid = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            problems.append(((section, index), f"must be a mapping of keys, got {kind_of(raw)}"))
            continue
        cls = _channel_model(index, raw, problems) if section == "channels" else \
            {"feeds": FeedConfig, "rules": RuleConfig}[section]
        if cls is None:
            continue
        try:
            valid.append(cls.model_validate(dict(raw), context=context))
        except ValidationError as exc:
            problems.extend(problems_of(exc, cls, (section, index)))
    return valid


def _channel_model(index: int, raw: dict, problems: list) -> type[ChannelConfig] | None:
    ctype = raw.get("type")
    known = CHANNEL_TYPES.get(ctype) if isinstance(ctype, str) else None
    if known is None:
        close = difflib.get_close_matches(str(ctype), list(CHANNEL_TYPES), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else \
            f" (one of: {', '.join(CHANNEL_TYPES)})"
        problems.append((("channels", index, "type"),
                         "required key is missing" if ctype is None else
                         f"unknown channel type '{ctype}'{hint}"))
        return None
    return known.settings


def _feed_defaults(tree: Any) -> dict[str, Any]:
    """The values of `defaults:` a feed takes when it sets none, as written (so each feed
    checks them as its own), or none when `defaults:` is invalid (reported on its own)."""
    raw = tree.get("defaults")
    if not isinstance(raw, dict):
        return {}
    try:
        DefaultsConfig.model_validate(dict(raw))
    except ValidationError:
        return {}
    return {key: raw[key] for key in FEED_DEFAULT_KEYS if raw.get(key) is not None}


def _validate_top(tree: Any, parts: dict, context: dict,
                  problems: list) -> tuple[ConfigFile | None, set]:
    """The whole config with the valid items of `parts`, and the top-level keys that were
    invalid. A config with bad sections is validated again without them, so the checks that
    need other sections (the query languages, the rules) still run on their defaults."""
    top = {k: v for k, v in tree.items() if k not in parts}
    try:
        return ConfigFile.model_validate({**top, **parts}, context=context), set()
    except ValidationError as exc:
        found = problems_of(exc, ConfigFile)
    problems.extend(found)
    bad = {loc[0] for loc, _ in found if loc}
    try:
        good = {k: v for k, v in top.items() if k not in bad}
        return ConfigFile.model_validate({**good, **parts}, context=context), bad
    except ValidationError:  # pragma: no cover - every invalid key was left out
        return None, bad


def _compile_rules(tree: Any, problems: list) -> CompiledRules | None:
    """Every rule whose query has the right shape, compiled (whatever else is wrong with it,
    so a bad query is reported beside a bad name)."""
    rules, indexes = [], []
    for index, raw in items(tree, "rules"):
        try:
            query = check_query(raw.get("query"))
        except ValueError:
            continue  # reported by the schema
        name = raw.get("name") if isinstance(raw.get("name"), str) else f"rules[{index}]"
        # Not validated as a whole (its other keys may be wrong): only its name and queries
        # are read, and only a config whose rules all validate is returned.
        rules.append(RuleConfig.model_construct(name=name, query=query))
        indexes.append(index)
    try:
        return compile_rules(rules)
    except RulesError as exc:
        for p in exc.problems:
            loc = ("rules", indexes[p.rule_index], "query") + \
                (() if p.language == "*" else (p.language,))
            problems.append((loc, f"column {p.column}: {p.message}"))
        return None


def _error_lines(problems: list, tree: Any, label: str, secrets: list[str]) -> list[str]:
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: line_of(tree, p[0]))  # stable: same line keeps its order
    lines = []
    for loc, message in unique:
        for secret in secrets:  # a value from ${VAR} never shows, even in a message about it
            message = message.replace(secret, "***")
        lines.append(f"{label}:{line_of(tree, loc)}: {dotted(loc)}: {message}")
    return lines


def load_config(path: str | os.PathLike, env: Mapping[str, str] | None = None,
                state_override: str | os.PathLike | None = None) -> Config:
    """Read and validate a config file. Raises ConfigError with every problem found."""
    path = Path(path)
    env = os.environ if env is None else env
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{label}: no such file",
                          hint="pass --config PATH or create config.yaml") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label}: cannot read: {exc}") from None
    return parse_config(text, label=label, base_dir=path.resolve().parent, env=env,
                        state_override=state_override, path=path)


def parse_config(text: str, *, label: str = "config.yaml", base_dir: Path | None = None,
                 env: Mapping[str, str] | None = None,
                 state_override: str | os.PathLike | None = None,
                 path: Path | None = None) -> Config:
    """Validate config text. Raises ConfigError."""
    env = os.environ if env is None else env
    base_dir = base_dir or Path.cwd()
    try:
        tree, duplicates = load_tree(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        kind = "" if isinstance(exc, TooDeepError) else "YAML syntax error: "
        raise ConfigError(f"{where}: {kind}{problem}"
                          + (f" ({context})" if context else "")) from None
    warnings = [f"{label}:{line_of(tree, loc)}: {dotted(loc)}: duplicate key (first on line "
                f"{first}); the last one wins" for loc, first in duplicates]
    if tree is None:
        raise ConfigError(f"{label}:1: the file is empty", hint="see the README for an example")
    if not isinstance(tree, LineMap):
        raise ConfigError(f"{label}:1: the top level must be a mapping of keys")

    problems: list[tuple[tuple, str]] = []
    secrets: list[str] = []
    refs: dict[str, str] = {}
    _substitute_env(tree, env, (), problems, secrets, tree, refs)
    # A value whose ${VAR} is not set was read as "": its checks would fail on that, in words
    # about the value ("must start with http://") the operator did not write.
    unset = {loc for loc, _ in problems}
    env_problems = len(problems)

    context = {"base_dir": base_dir, "feed_defaults": _feed_defaults(tree)}
    parts = {section: _validate_items(tree, section, context, problems)
             for section in ("feeds", "rules", "channels")}
    if "feeds" not in tree:
        problems.append((("feeds",), "required key is missing (add at least one feed)"))
    elif tree["feeds"] in (None, []):
        problems.append((("feeds",), "must have at least one feed"))
    model, bad_keys = _validate_top(tree, parts, context, problems)
    languages = tuple(model.languages) if model and "languages" not in bad_keys else None
    problems.extend(cross_check(tree, languages))
    compiled = _compile_rules(tree, problems)

    problems[env_problems:] = [p for p in problems[env_problems:] if p[0] not in unset]
    if problems:
        raise ConfigError(_error_lines(problems, tree, label, secrets))
    assert model is not None and compiled is not None
    warnings += _error_lines(dead_ends(tree), tree, label, secrets)
    warnings += _error_lines(body_without_articles(
        model.rules, any(f.full_text == "all" for f in model.feeds)), tree, label, secrets)

    warnings += _error_lines(missing_files([f.url for f in model.feeds]), tree, label, secrets)
    state = str(state_override) if state_override else (model.state or "monitor.db")
    # A database several nodes share (issue 13; monitor.store.urls.is_shared): kept as written.
    if state.startswith(("postgresql://", "postgres://")):
        state_path: Path | str = state
        default_models = base_dir / "models"
    else:
        state_path = Path(state) if state_override else resolve_path(state, base_dir)
        feeding_on_state = _feeds_reading_the_state(model.feeds, state_path)
        if feeding_on_state:
            raise ConfigError(_error_lines(feeding_on_state, tree, label, secrets))
        default_models = state_path.parent / "models"
    tr = model.translation
    models_dir = resolve_path(tr.models_dir, base_dir) if tr.models_dir else default_models
    # The file's sections as validated (not copied, not validated again), and what loading
    # found out.
    return Config.model_construct(**{
        **dict(model), "translation": tr.model_copy(update={"models_dir": str(models_dir)}),
        "path": path or base_dir / label, "state_path": state_path, "compiled_rules": compiled,
        "secrets": tuple(sorted(set(secrets), key=len, reverse=True)),
        "env_refs": tuple(refs.items()), "warnings": tuple(warnings),
        "raw": json.loads(json.dumps(tree, default=str))})


def _feeds_reading_the_state(feeds: tuple[FeedConfig, ...], state_path: Path) -> list:
    """Feeds whose file is the state file or one of SQLite's beside it: reading them with a
    plain open() would drop SQLite's locks in the daemon (see monitor.store.sqlite.statefile)."""
    own = {Path(os.path.abspath(f"{state_path}{suffix}")).resolve()
           for suffix in ("", "-wal", "-shm", "-journal", ".lock")}
    return [(("feeds", n, "url"), f"is the state file {state_path} (or one of its own files); "
             f"point the feed at a feed") for n, feed in enumerate(feeds)
            if feed.url[:5].lower() == "file:"  # urlsplit's scheme, without splitting them all
            and Path(unquote(urlsplit(feed.url).path)).resolve() in own]


