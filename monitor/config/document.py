"""The whole config file (ConfigFile) and a loaded config (Config). Pure.

A Config is the file's validated sections (the same objects, no copies) plus what loading
found out: where the state is, the compiled rules, the values that came from `${VAR}`, the
warnings. The compiled rules are immutable; what matching learns about words is kept by the
caller's matcher, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import ConfigDict, SkipValidation

from monitor.config.channels import ChannelConfig
from monitor.config.schema import (DEFAULT_LANGUAGES, ArticlesConfig, DefaultsConfig,
                                   DeliveryConfig, FeedConfig, FetchConfig, HealthConfig,
                                   Language, RetentionConfig, RuleConfig, Section,
                                   StoriesConfig, TranslationConfig, WebConfig)
from monitor.redact import redact_strings, redact_value, scrubber_for
from monitor.rules import CompiledRules


class ConfigFile(Section):
    """config.yaml's top level. The loader validates each feed, rule and channel on its own
    (so one bad item does not hide the problems of the others) and passes the valid ones in."""

    feeds: tuple[FeedConfig, ...] = ()
    rules: tuple[RuleConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    state: str | None = None
    target_language: Language = "en"
    languages: tuple[Language, ...] = DEFAULT_LANGUAGES
    defaults: DefaultsConfig = DefaultsConfig()
    fetch: FetchConfig = FetchConfig()
    articles: ArticlesConfig = ArticlesConfig()
    translation: TranslationConfig = TranslationConfig()
    health: HealthConfig = HealthConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    retention: RetentionConfig = RetentionConfig()
    web: WebConfig = WebConfig()
    stories: StoriesConfig = StoriesConfig()


class Config(ConfigFile):
    """A loaded config: the file's sections, and what loading them found out."""

    # Built only by model_construct from the validated ConfigFile (load.py), so its validator
    # is never used: deferred, it is never built. Building it at import cost every command
    # 40 ms of start-up on the shared 2-core machine (-X importtime of this module, medians of
    # six: 53 ms, deferred 12), about 20 ms of CPU per `monitor check` (paired runs).
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    path: Path
    state_path: Path | str  # `state`, resolved (or --state); a `postgresql://` URL as written
    compiled_rules: SkipValidation[CompiledRules]  # `rules`, compiled (set by the loader)
    secrets: tuple[str, ...] = ()  # every ${VAR} value, longest first
    env_refs: tuple[tuple[str, str], ...] = ()  # (value, VAR) for each ${VAR} used
    warnings: tuple[str, ...] = ()
    raw: Mapping[str, Any] = {}  # the YAML tree as written, ${VAR}s replaced

    def channel(self, name: str) -> ChannelConfig:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(name)

    def channels_for(self, rule: RuleConfig) -> tuple[str, ...]:
        return rule.channels or tuple(c.name for c in self.channels)

    def redacted(self) -> str:
        """The effective config as YAML with every secret replaced by `***`: the values of
        secret keys, every value that came from `${VAR}` wherever it is (a feed URL's path,
        an e-mail username), and every URL's userinfo and query values."""
        scrub = scrubber_for(self.secrets)
        shown = redact_strings(_redact(self.raw), lambda text: redact_value(text, scrub))
        return yaml.safe_dump(shown, allow_unicode=True, sort_keys=False)


# Keys whose values are secrets: redacted in `check --show`, and scrubbed from every log line.
SECRET_KEYS = {"password", "secret", "token", "access_token", "url", "urls"}
_PUBLIC_URL_TYPES = {"console", "email"}  # `url` is only a secret on channels


def _redact(node: Any, key: str = "", channel_type: str | None = None) -> Any:
    if isinstance(node, Mapping):
        ctype = node.get("type") if isinstance(node.get("type"), str) else channel_type
        return {k: _redact(v, k, ctype) for k, v in node.items()}
    if isinstance(node, list):
        return [_redact(v, key, channel_type) for v in node]
    if key in SECRET_KEYS and channel_type and channel_type not in _PUBLIC_URL_TYPES:
        return "***"
    if key in ("password", "secret", "token", "access_token", "password_hash"):
        return "***"
    return node
