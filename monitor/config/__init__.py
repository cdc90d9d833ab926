"""config.yaml → validated, frozen Config. Pure apart from reading the file.

YAML is loaded with a safe loader that keeps the line of every key, `${VAR}` is replaced from
the environment, then the tree is validated by pydantic models (extra keys forbidden) and turned
into the plain values of `monitor.model`. Every problem is reported at once as
`file:line: dotted.key: problem`. Rules are compiled here so a bad query fails at load time.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Union
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      ValidationInfo)

from monitor.config.yaml_tree import LineList, LineMap, TooDeepError, dotted, line_of, load_tree
from monitor.config.problems import kind_of, problems_of
from monitor.config.refs import cross_check, dead_ends, items, missing_files
from monitor.config.values import (check_chat_id, check_feed_url, check_http_url,
                                   check_language, check_query, check_webhook_secret,
                                   parse_duration, parse_rate, parse_size)
from monitor.errors import ConfigError
from monitor.rules import CompiledRules, RulesError, compile_rules
from monitor.model import (ChannelSpec, DeliverySettings, FeedSpec, FetchSettings,
                           HealthSettings, RetentionSettings, Rule, TranslationSettings)
from monitor.redact import redact_strings, redact_value, scrubber_for

DEFAULT_LANGUAGES = ("en", "ru", "be", "uk")

# ---------------------------------------------------------------------------------------------
# Value types of the schema (the parsers live in config.values)


def _feed_url(value: Any, info: ValidationInfo) -> str:
    return check_feed_url(value, (info.context or {}).get("base_dir"))


Duration = Annotated[float, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]
Rate = Annotated[float, BeforeValidator(parse_rate)]
Language = Annotated[str, BeforeValidator(check_language)]
FeedUrl = Annotated[str, BeforeValidator(_feed_url)]
HttpUrl = Annotated[str, BeforeValidator(check_http_url)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Query = Annotated[Union[str, dict[str, str]], BeforeValidator(check_query)]
ChatId = Annotated[Union[int, str], BeforeValidator(check_chat_id)]
WebhookSecret = Annotated[str, BeforeValidator(check_webhook_secret)]

# ---------------------------------------------------------------------------------------------
# Schema: one pydantic model per section. Field names are the YAML keys, no aliases.


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class FeedModel(_Section):
    name: Name
    url: FeedUrl
    language: Language | None = None
    interval: Duration | None = None
    enabled: bool = True
    max_items_per_check: int | None = Field(None, ge=1, le=1_000_000)


class RuleModel(_Section):
    name: Name
    query: Query
    channels: list[Name] | None = None


class DefaultsModel(_Section):
    interval: Duration = 900.0
    max_items_per_check: int = Field(200, ge=1, le=1_000_000)
    max_alerts_per_rule: int = Field(20, ge=1, le=1_000_000)


class FetchModel(_Section):
    concurrency: int = Field(32, ge=1, le=1024)
    per_host: int = Field(4, ge=1, le=256)
    connect_timeout: Duration = 10.0
    read_timeout: Duration = 30.0
    total_timeout: Duration = 60.0
    max_body_size: Size = 10 * 1024 * 1024
    max_redirects: int = Field(5, ge=0, le=30)
    user_agent: str = ""
    backoff_max: Duration = 24 * 3600.0
    allow_private_redirects: bool = False


class TranslationModel(_Section):
    enabled: bool = True
    models_dir: str | None = None
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    beam_size: int = Field(2, ge=1, le=16)
    intra_threads: int = Field(1, ge=0, le=64)
    apertium: bool = True
    apertium_timeout: Duration = 60.0


class DeliveryModel(_Section):
    retry_first: Duration = 30.0
    retry_max: Duration = 3600.0
    max_attempts: int = Field(20, ge=1, le=1000)
    stalled_after: Duration = 600.0


def _duration_or_never(value: Any) -> float | None:
    return None if value in ("never", None) else parse_duration(value)


KeepFor = Annotated[Union[float, None], BeforeValidator(_duration_or_never)]


class RetentionModel(_Section):
    items: KeepFor = 90 * 86400.0
    sent_alerts: KeepFor = 30 * 86400.0
    dead_alerts: KeepFor = 180 * 86400.0
    prune_every: Duration = 86400.0


class HealthModel(_Section):
    feed_failing_after: Duration = 24 * 3600.0
    channels: list[Name] = []


class _ChannelBase(_Section):
    name: Name
    type: str
    digest: Duration | None = None
    rate_limit: Rate | None = None
    template: str | None = None


class ConsoleChannel(_ChannelBase):
    type: Literal["console"]


class EmailChannel(_ChannelBase):
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: str | None = None
    from_: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    timeout: Duration = 30.0


class _HttpChannelBase(_ChannelBase):
    timeout: Duration = 20.0


class WebhookChannel(_HttpChannelBase):
    type: Literal["webhook"]
    url: HttpUrl
    secret: WebhookSecret | None = None


class _UrlChannel(_HttpChannelBase):
    url: HttpUrl


class SlackChannel(_UrlChannel):
    type: Literal["slack"]


class DiscordChannel(_UrlChannel):
    type: Literal["discord"]


class MattermostChannel(_UrlChannel):
    type: Literal["mattermost"]


class TeamsChannel(_UrlChannel):
    type: Literal["teams"]


class TelegramChannel(_HttpChannelBase):
    type: Literal["telegram"]
    token: str
    chat_id: ChatId
    api_url: HttpUrl = "https://api.telegram.org"


class MatrixChannel(_HttpChannelBase):
    type: Literal["matrix"]
    homeserver: HttpUrl
    room_id: str
    access_token: str


class AppriseChannel(_HttpChannelBase):
    type: Literal["apprise"]
    urls: list[str] = Field(min_length=1)


CHANNEL_MODELS: dict[str, type[_ChannelBase]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (ConsoleChannel, EmailChannel, WebhookChannel, SlackChannel, DiscordChannel,
              MattermostChannel, TeamsChannel, TelegramChannel, MatrixChannel, AppriseChannel)
}

# Keys whose values are secrets: redacted in `check --show`, and scrubbed from every log line.
SECRET_KEYS = {"password", "secret", "token", "access_token", "url", "urls"}
_PUBLIC_URL_TYPES = {"console", "email"}  # `url` is only a secret on channels


class ConfigModel(_Section):
    # parse_config validates each feed, rule and channel on its own (so one bad item does not
    # hide the problems of the others) and passes the valid ones in; it also checks that
    # there is at least one feed.
    feeds: list[FeedModel] = []
    rules: list[RuleModel] = []
    channels: list[_ChannelBase] = []
    state: str | None = None
    target_language: Language = "en"
    languages: list[Language] = list(DEFAULT_LANGUAGES)
    defaults: DefaultsModel = DefaultsModel()
    fetch: FetchModel = FetchModel()
    translation: TranslationModel = TranslationModel()
    health: HealthModel = HealthModel()
    delivery: DeliveryModel = DeliveryModel()
    retention: RetentionModel = RetentionModel()


# ---------------------------------------------------------------------------------------------
# The loaded config


@dataclass(frozen=True)
class Config:
    path: Path
    feeds: tuple[FeedSpec, ...]
    rules: tuple[Rule, ...]
    channels: tuple[ChannelSpec, ...]
    state_path: Path
    target_language: str
    languages: tuple[str, ...]
    fetch: FetchSettings
    translation: TranslationSettings
    health: HealthSettings
    matcher: CompiledRules
    delivery: DeliverySettings = DeliverySettings()
    retention: RetentionSettings = RetentionSettings()
    max_alerts_per_rule: int = 20  # per rule, per feed check; the rest in one summary alert
    secrets: tuple[str, ...] = ()
    env_refs: tuple[tuple[str, str], ...] = ()  # (value, VAR) for each ${VAR} used
    warnings: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    def channel(self, name: str) -> ChannelSpec:
        for spec in self.channels:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def channels_for(self, rule: Rule) -> tuple[str, ...]:
        return rule.channels or tuple(c.name for c in self.channels)

    def redacted(self) -> str:
        """The effective config as YAML with every secret replaced by `***`: the values of
        secret keys, every value that came from `${VAR}` wherever it is (a feed URL's path,
        an e-mail username), and every URL's userinfo and query values."""
        scrub = scrubber_for(self.secrets)
        shown = redact_strings(_redact(self.raw), lambda text: redact_value(text, scrub))
        return yaml.safe_dump(shown, allow_unicode=True, sort_keys=False)


def _redact(node: Any, key: str = "", channel_type: str | None = None) -> Any:
    if isinstance(node, Mapping):
        ctype = node.get("type") if isinstance(node.get("type"), str) else channel_type
        return {k: _redact(v, k, ctype) for k, v in node.items()}
    if isinstance(node, list):
        return [_redact(v, key, channel_type) for v in node]
    if key in SECRET_KEYS and channel_type and channel_type not in _PUBLIC_URL_TYPES:
        return "***"
    if key in ("password", "secret", "token", "access_token"):
        return "***"
    return node


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
            {"feeds": FeedModel, "rules": RuleModel}[section]
        if cls is None:
            continue
        try:
            valid.append(cls.model_validate(dict(raw), context=context))
        except ValidationError as exc:
            problems.extend(problems_of(exc, cls, (section, index)))
    return valid


def _channel_model(index: int, raw: dict, problems: list) -> type[_ChannelBase] | None:
    ctype = raw.get("type")
    cls = CHANNEL_MODELS.get(ctype) if isinstance(ctype, str) else None
    if cls is None:
        close = difflib.get_close_matches(str(ctype), list(CHANNEL_MODELS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else \
            f" (one of: {', '.join(CHANNEL_MODELS)})"
        problems.append((("channels", index, "type"),
                         "required key is missing" if ctype is None else
                         f"unknown channel type '{ctype}'{hint}"))
    return cls


def _validate_top(tree: Any, parts: dict, context: dict,
                  problems: list) -> tuple[ConfigModel | None, set]:
    """The whole config with the valid items of `parts`, and the top-level keys that were
    invalid. A config with bad sections is validated again without them, so the checks that
    need other sections (the query languages, the rules) still run on their defaults."""
    top = {k: v for k, v in tree.items() if k not in parts}
    try:
        return ConfigModel.model_validate({**top, **parts}, context=context), set()
    except ValidationError as exc:
        found = problems_of(exc, ConfigModel)
    problems.extend(found)
    bad = {loc[0] for loc, _ in found if loc}
    try:
        good = {k: v for k, v in top.items() if k not in bad}
        return ConfigModel.model_validate({**good, **parts}, context=context), bad
    except ValidationError:  # pragma: no cover - every invalid key was left out
        return None, bad


def _compile_rules(tree: Any, problems: list) -> tuple[tuple[Rule, ...], CompiledRules | None]:
    """Every rule whose query has the right shape, compiled (whatever else is wrong with it)."""
    rules, indexes = [], []
    for index, raw in items(tree, "rules"):
        try:
            query = check_query(raw.get("query"))
        except ValueError:
            continue  # reported by the schema
        name = raw.get("name") if isinstance(raw.get("name"), str) else f"rules[{index}]"
        listed = raw.get("channels")
        channels = tuple(c for c in listed if isinstance(c, str)) \
            if isinstance(listed, list) else ()
        rules.append(Rule(name, {"*": query} if isinstance(query, str) else dict(query),
                          channels))
        indexes.append(index)
    try:
        return tuple(rules), compile_rules(rules)
    except RulesError as exc:
        for p in exc.problems:
            loc = ("rules", indexes[p.rule_index], "query") + \
                (() if p.language == "*" else (p.language,))
            problems.append((loc, f"column {p.column}: {p.message}"))
        return tuple(rules), None


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

    context = {"base_dir": base_dir}
    parts = {section: _validate_items(tree, section, context, problems)
             for section in ("feeds", "rules", "channels")}
    if "feeds" not in tree:
        problems.append((("feeds",), "required key is missing (add at least one feed)"))
    elif tree["feeds"] in (None, []):
        problems.append((("feeds",), "must have at least one feed"))
    model, bad_keys = _validate_top(tree, parts, context, problems)
    languages = tuple(model.languages) if model and "languages" not in bad_keys else None
    problems.extend(cross_check(tree, languages))
    rules, matcher = _compile_rules(tree, problems)

    if problems:
        raise ConfigError(_error_lines(problems, tree, label, secrets))
    assert model is not None and matcher is not None
    warnings += _error_lines(dead_ends(tree), tree, label, secrets)

    defaults = model.defaults
    feeds = tuple(FeedSpec(f.name, _resolve_feed_url(f.url, base_dir), f.language,
                           f.interval or defaults.interval, f.enabled,
                           f.max_items_per_check or defaults.max_items_per_check)
                  for f in model.feeds)
    channels = tuple(_channel_spec(c) for c in model.channels)
    warnings += _error_lines(missing_files([f.url for f in feeds]), tree, label, secrets)
    state_path = Path(state_override) if state_override else \
        _resolve_path(model.state or "monitor.db", base_dir)
    feeding_on_state = _feeds_reading_the_state(feeds, state_path)
    if feeding_on_state:
        raise ConfigError(_error_lines(feeding_on_state, tree, label, secrets))
    tr = model.translation
    models_dir = _resolve_path(tr.models_dir, base_dir) if tr.models_dir else \
        state_path.parent / "models"
    f = model.fetch
    return Config(
        path=path or base_dir / label,
        feeds=feeds, rules=rules, channels=channels, state_path=state_path,
        target_language=model.target_language, languages=tuple(model.languages),
        fetch=FetchSettings(f.concurrency, f.per_host, f.connect_timeout, f.read_timeout,
                            f.total_timeout, f.max_body_size, f.max_redirects, f.user_agent,
                            f.backoff_max, f.allow_private_redirects),
        translation=TranslationSettings(tr.enabled, str(models_dir), tr.device, tr.beam_size,
                                        tr.intra_threads, tr.apertium, tr.apertium_timeout),
        health=HealthSettings(model.health.feed_failing_after, tuple(model.health.channels)),
        delivery=DeliverySettings(model.delivery.retry_first, model.delivery.retry_max,
                                  model.delivery.max_attempts, model.delivery.stalled_after),
        retention=RetentionSettings(model.retention.items, model.retention.sent_alerts,
                                    model.retention.dead_alerts, model.retention.prune_every),
        max_alerts_per_rule=defaults.max_alerts_per_rule,
        matcher=matcher, secrets=tuple(sorted(set(secrets), key=len, reverse=True)),
        env_refs=tuple(refs.items()),
        warnings=tuple(warnings), raw=json.loads(json.dumps(tree, default=str)),
    )


def _channel_spec(c: _ChannelBase) -> ChannelSpec:
    options = c.model_dump(by_alias=True, exclude={"name", "type", "digest", "rate_limit",
                                                   "template"})
    return ChannelSpec(c.name, c.type, options, c.digest, c.rate_limit, c.template)


def _feeds_reading_the_state(feeds: tuple[FeedSpec, ...], state_path: Path) -> list:
    """Feeds whose file is the state file or one of SQLite's beside it: reading them with a
    plain open() would drop SQLite's locks in the daemon (see monitor.store.sqlite.statefile)."""
    own = {Path(os.path.abspath(f"{state_path}{suffix}")).resolve()
           for suffix in ("", "-wal", "-shm", "-journal", ".lock")}
    return [(("feeds", n, "url"), f"is the state file {state_path} (or one of its own files); "
             f"point the feed at a feed") for n, feed in enumerate(feeds)
            if urlsplit(feed.url).scheme == "file"
            and Path(unquote(urlsplit(feed.url).path)).resolve() in own]


def _resolve_path(value: str, base_dir: Path) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base_dir / p)


def _resolve_feed_url(url: str, base_dir: Path) -> str:
    """Relative file paths are relative to the config file, so a config can ship its demo feeds."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    if scheme == "file":
        return url
    return _resolve_path(url, base_dir).resolve().as_uri()
