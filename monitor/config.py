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
from urllib.parse import urlsplit

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      ValidationInfo)

from monitor.config_yaml import LineList, LineMap, TooDeepError, dotted, line_of, load_tree
from monitor.config_values import (check_feed_url, check_http_url, check_language,
                                   is_webhook_secret, parse_duration, parse_rate, parse_size)
from monitor.errors import ConfigError
from monitor.language import available_languages
from monitor.match import RuleSet, RulesError, compile_rules
from monitor.render.template import TemplateError, check_template
from monitor.model import (ChannelSpec, DeliverySettings, FeedSpec, FetchSettings,
                           HealthSettings, Rule, TranslationSettings)

DEFAULT_LANGUAGES = ("en", "ru", "be", "uk")

# ---------------------------------------------------------------------------------------------
# Value types of the schema (the parsers live in config_values)


def _feed_url(value: Any, info: ValidationInfo) -> str:
    return check_feed_url(value, (info.context or {}).get("base_dir"))


Duration = Annotated[float, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]
Rate = Annotated[float, BeforeValidator(parse_rate)]
Language = Annotated[str, BeforeValidator(check_language)]
FeedUrl = Annotated[str, BeforeValidator(_feed_url)]
HttpUrl = Annotated[str, BeforeValidator(check_http_url)]
Name = Annotated[str, Field(min_length=1, max_length=200)]

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
    query: Union[str, dict[Language, str]]
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
    secret: str | None = None


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
    chat_id: Union[int, str]
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
    feeds: list[FeedModel] = Field(min_length=1)
    rules: list[RuleModel] = []
    channels: list[dict[str, Any]] = []
    state: str | None = None
    target_language: Language = "en"
    languages: list[Language] = list(DEFAULT_LANGUAGES)
    defaults: DefaultsModel = DefaultsModel()
    fetch: FetchModel = FetchModel()
    translation: TranslationModel = TranslationModel()
    health: HealthModel = HealthModel()
    delivery: DeliveryModel = DeliveryModel()


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
    matcher: RuleSet
    delivery: DeliverySettings = DeliverySettings()
    max_alerts_per_rule: int = 20  # per rule, per feed check; the rest in one summary alert
    secrets: tuple[str, ...] = ()
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
        """The effective config as YAML with every secret replaced by `***`."""
        return yaml.safe_dump(_redact(self.raw), allow_unicode=True, sort_keys=False)


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
                    tree: Any) -> Any:
    if isinstance(node, LineMap):
        for key in list(node):
            node[key] = _substitute_env(node[key], env, loc + (key,), errors, secrets, tree)
        return node
    if isinstance(node, LineList):
        for i, value in enumerate(node):
            node[i] = _substitute_env(value, env, loc + (i,), errors, secrets, tree)
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
        return env[name]

    return _ENV_REF.sub(replace, node)


# ---------------------------------------------------------------------------------------------
# Validation


def _problem(err: dict, model: type[BaseModel] | None) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        known = []
        if model is not None:
            known = [f.alias or n for n, f in model.model_fields.items()]
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
    return msg[:1].lower() + msg[1:]


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
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


def _validation_errors(exc: ValidationError, root: type[BaseModel], prefix: tuple) -> list:
    problems = []
    for err in exc.errors():
        loc = tuple(step for step in err["loc"]
                    if not (isinstance(step, str) and ("[" in step or step in
                            ("str", "dict[str,str]", "int", "function-after", "function-before",
                             "list[str]"))))
        problems.append((prefix + loc, _problem(err, _model_at(root, loc))))
    return problems


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
    warnings = [f"{label}:{w}" for w in duplicates]
    if tree is None:
        raise ConfigError(f"{label}:1: the file is empty", hint="see the README for an example")
    if not isinstance(tree, LineMap):
        raise ConfigError(f"{label}:1: the top level must be a mapping of keys")

    problems: list[tuple[tuple, str]] = []
    secrets: list[str] = []
    _substitute_env(tree, env, (), problems, secrets, tree)

    model: ConfigModel | None = None
    try:
        model = ConfigModel.model_validate(dict(tree), context={"base_dir": base_dir})
    except ValidationError as exc:
        problems.extend(_validation_errors(exc, ConfigModel, ()))

    channel_models: list[_ChannelBase] = []
    for index, raw in enumerate(tree.get("channels") or []):
        if not isinstance(raw, dict):
            continue  # already reported by ConfigModel
        ctype = raw.get("type")
        cls = CHANNEL_MODELS.get(ctype) if isinstance(ctype, str) else None
        if cls is None:
            close = difflib.get_close_matches(str(ctype), list(CHANNEL_MODELS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else \
                f" (one of: {', '.join(CHANNEL_MODELS)})"
            problems.append((("channels", index, "type"),
                             "required key is missing" if ctype is None else
                             f"unknown channel type '{ctype}'{hint}"))
            continue
        try:
            channel_models.append(cls.model_validate(dict(raw)))
        except ValidationError as exc:
            problems.extend(_validation_errors(exc, cls, ("channels", index)))

    if model is not None:
        problems.extend(_cross_check(model, channel_models, tree))

    rules: tuple[Rule, ...] = ()
    matcher: RuleSet | None = None
    if model is not None:
        rules = tuple(Rule(r.name, {"*": r.query} if isinstance(r.query, str) else dict(r.query),
                           tuple(r.channels or ())) for r in model.rules)
        try:
            matcher = compile_rules(rules)
        except RulesError as exc:
            for p in exc.problems:
                loc = ("rules", p.rule_index, "query") + (() if p.language == "*" else (p.language,))
                problems.append((loc, f"column {p.column}: {p.message}"))

    if problems:
        problems.sort(key=lambda p: line_of(tree, p[0]))
        raise ConfigError([f"{label}:{line_of(tree, loc)}: {dotted(loc)}: {msg}"
                           for loc, msg in problems])
    assert model is not None and matcher is not None

    defaults = model.defaults
    feeds = tuple(FeedSpec(f.name, _resolve_feed_url(f.url, base_dir), f.language,
                           f.interval or defaults.interval, f.enabled,
                           f.max_items_per_check or defaults.max_items_per_check)
                  for f in model.feeds)
    channels = tuple(_channel_spec(c) for c in channel_models)
    state_path = Path(state_override) if state_override else \
        _resolve_path(model.state or "monitor.db", base_dir)
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
                                  model.delivery.max_attempts),
        max_alerts_per_rule=defaults.max_alerts_per_rule,
        matcher=matcher, secrets=tuple(sorted(set(secrets), key=len, reverse=True)),
        warnings=tuple(warnings), raw=json.loads(json.dumps(tree, default=str)),
    )


def _cross_check(model: ConfigModel, channels: list[_ChannelBase], tree: Any) -> list:
    problems = []
    for section, items in (("feeds", model.feeds), ("rules", model.rules),
                           ("channels", channels)):
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.name in seen:
                first = line_of(tree, (section, seen[item.name], "name"))
                problems.append(((section, index, "name"),
                                 f"duplicate name '{item.name}' (first on line {first})"))
            seen.setdefault(item.name, index)
    names = [c.name for c in channels]
    for index, rule in enumerate(model.rules):
        for ci, name in enumerate(rule.channels or ()):
            if name not in names:
                problems.append((("rules", index, "channels", ci), _unknown_channel(name, names)))
    for ci, name in enumerate(model.health.channels):
        if name not in names:
            problems.append((("health", "channels", ci), _unknown_channel(name, names)))
    for index, c in enumerate(channels):
        if isinstance(c, EmailChannel) and (c.username is None) != (c.password is None):
            present = "password" if c.password is not None else "username"
            problems.append((("channels", index, present),
                             "username and password must both be set, or neither"))
        if c.template is not None:
            try:
                check_template(c.template, c.type)
            except TemplateError as exc:
                problems.append((("channels", index, "template"), str(exc)))
        if isinstance(c, EmailChannel) and c.security == "none" and c.username is not None:
            problems.append((("channels", index, "security"),
                             "username and password need security: starttls or tls "
                             "(no login over plain text)"))
        if isinstance(c, WebhookChannel) and c.secret is not None \
                and not is_webhook_secret(c.secret):
            problems.append((("channels", index, "secret"),
                             "must be a Standard Webhooks secret: whsec_<base64>"))
    known = available_languages()  # profile file names only: no detector is built here
    for index, lang in enumerate(model.languages):
        if lang not in known:
            problems.append((("languages", index), _unknown_language(lang)))
    langs = set(model.languages)
    for index, rule in enumerate(model.rules):
        if isinstance(rule.query, dict):
            for lang in rule.query:
                if lang not in langs:
                    problems.append((("rules", index, "query", lang),
                                     f"language '{lang}' is not in languages "
                                     f"({', '.join(model.languages)})"))
    return problems


def _unknown_channel(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else \
        (f" (channels: {', '.join(names)})" if names else " (no channels are defined)")
    return f"unknown channel '{name}'{hint}"


# Country codes and ISO 639-2 codes people write for the languages we know best.
_LANGUAGE_SLIPS = {"ua": "uk", "by": "be", "ukr": "uk", "bel": "be", "rus": "ru", "eng": "en"}


def _unknown_language(code: str) -> str:
    hint = f"did you mean '{_LANGUAGE_SLIPS[code]}'?" if code in _LANGUAGE_SLIPS else \
        "use an ISO 639-1 code such as en, ru, be, uk, de"
    return f"no language profile for '{code}' ({hint})"


def _channel_spec(c: _ChannelBase) -> ChannelSpec:
    options = c.model_dump(by_alias=True, exclude={"name", "type", "digest", "rate_limit",
                                                   "template"})
    return ChannelSpec(c.name, c.type, options, c.digest, c.rate_limit, c.template)


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
