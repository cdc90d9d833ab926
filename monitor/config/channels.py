"""Channel types: the one registry. Pure (names its transports and renderers, imports neither).

A channel type is three things, listed once in CHANNEL_TYPES:

    its settings   a model below: the keys a `channels:` entry of that type may have
    its transport  a class in monitor.deliver that sends an alert (`send`, `aclose`), built as
                   `Transport(settings, resources)` (see monitor.deliver.Resources)
    its renderer   a module in monitor.render that lays out its messages, with the `MARKUP`
                   its templates escape values for (monitor.render.markup.Markup)

A new channel type is one deliver module, one render module and one entry here.
tests/unit/config/test_config_channels.py proves every entry has all three, and that no
transport or renderer is left out. Transports and renderers are named, not imported, so
loading a config loads neither httpx nor aiosmtplib.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import BeforeValidator, Field, PlainValidator

from monitor.config.schema import Duration, Name, Section
from monitor.config.values import check_chat_id, check_http_url, check_webhook_secret, parse_rate

HttpUrl = Annotated[str, BeforeValidator(check_http_url)]
Rate = Annotated[float, BeforeValidator(parse_rate)]  # messages per minute
ChatId = Annotated[Union[int, str], PlainValidator(check_chat_id)]
WebhookSecret = Annotated[str, BeforeValidator(check_webhook_secret)]


class ChannelStoriesConfig(Section):
    """What a channel gets when a story it alerted gains reports (issue 15): `digest` one
    follow-up per check listing the new sources, `each` one follow-up per new source, `none`
    nothing (the reports are still added to the story: web UI, `poll --json`)."""

    updates: Literal["each", "digest", "none"] = "digest"


class ChannelConfig(Section):
    """The keys every channel has."""

    name: Name
    type: str
    digest: Duration | None = None  # batch matches into one message per this many seconds
    stories: ChannelStoriesConfig = ChannelStoriesConfig()
    rate_limit: Rate | None = None  # at most this many messages per minute
    template: str | None = None

    @classmethod
    def key_problems(cls, entry: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(key, problem) for keys that are wrong together, read from the entry as written
        (so they are reported in the same pass as wrong values)."""
        return []


class ConsoleConfig(ChannelConfig):
    type: Literal["console"]


class EmailConfig(ChannelConfig):
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: str | None = None
    from_: str = Field(alias="from")  # `from` is a Python keyword
    to: tuple[str, ...] = Field(min_length=1)
    timeout: Duration = 30.0

    @classmethod
    def key_problems(cls, entry: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = []
        username, password = entry.get("username"), entry.get("password")
        if (username is None) != (password is None):
            present = "password" if password is not None else "username"
            problems.append((present, "username and password must both be set, or neither"))
        if entry.get("security") == "none" and username is not None:
            problems.append(("security", "username and password need security: starttls or "
                                         "tls (no login over plain text)"))
        return problems


class HttpChannelConfig(ChannelConfig):
    timeout: Duration = 20.0


class WebhookConfig(HttpChannelConfig):
    type: Literal["webhook"]
    url: HttpUrl
    secret: WebhookSecret | None = None


class ChatWebhookConfig(HttpChannelConfig):
    """A chat service's incoming webhook: one secret URL."""

    url: HttpUrl


class SlackConfig(ChatWebhookConfig):
    type: Literal["slack"]
    # Slack's documented ceiling: about one message per second per webhook (notify.md §1).
    rate_limit: Rate | None = 60.0


class DiscordConfig(ChatWebhookConfig):
    type: Literal["discord"]


class MattermostConfig(ChatWebhookConfig):
    type: Literal["mattermost"]


class TeamsConfig(ChatWebhookConfig):
    type: Literal["teams"]


class TelegramConfig(HttpChannelConfig):
    type: Literal["telegram"]
    token: str
    chat_id: ChatId
    api_url: HttpUrl = "https://api.telegram.org"
    # Telegram's documented ceiling: 20 messages per minute per group (notify.md §1).
    rate_limit: Rate | None = 20.0


class MatrixConfig(HttpChannelConfig):
    type: Literal["matrix"]
    homeserver: HttpUrl
    room_id: str
    access_token: str


class AppriseConfig(HttpChannelConfig):
    type: Literal["apprise"]
    urls: tuple[str, ...] = Field(min_length=1)


@dataclass(frozen=True)
class ChannelType:
    """One kind of channel: its settings, its transport ("module:Class"), its renderer, and
    what `monitor test-alert` says when the service took the alert, if more than "sent"."""

    settings: type[ChannelConfig]
    transport_path: str
    renderer_path: str
    test_alert_note: str | None = None

    @property
    def name(self) -> str:
        return self.settings.model_fields["type"].annotation.__args__[0]  # type: ignore

    def transport(self) -> Any:
        module, _, name = self.transport_path.partition(":")
        return getattr(importlib.import_module(module), name)

    def renderer(self) -> Any:
        return importlib.import_module(self.renderer_path)


def _registry(*types: ChannelType) -> dict[str, ChannelType]:
    return {t.name: t for t in types}


CHANNEL_TYPES: dict[str, ChannelType] = _registry(
    ChannelType(ConsoleConfig, "monitor.deliver.console:ConsoleChannel", "monitor.render.plain"),
    ChannelType(EmailConfig, "monitor.deliver.email:EmailChannel", "monitor.render.email"),
    ChannelType(WebhookConfig, "monitor.deliver.webhook:WebhookChannel",
                "monitor.render.webhook"),
    ChannelType(SlackConfig, "monitor.deliver.chat:SlackChannel", "monitor.render.slack"),
    ChannelType(DiscordConfig, "monitor.deliver.chat:DiscordChannel", "monitor.render.discord"),
    ChannelType(MattermostConfig, "monitor.deliver.chat:MattermostChannel",
                "monitor.render.mattermost"),
    ChannelType(TeamsConfig, "monitor.deliver.chat:TeamsChannel", "monitor.render.teams",
                test_alert_note="Teams accepted the test alert (HTTP 202); Workflows answer "
                                "202 before the flow runs, so check that the card appeared in "
                                "the channel"),
    ChannelType(TelegramConfig, "monitor.deliver.chat:TelegramChannel",
                "monitor.render.telegram"),
    ChannelType(MatrixConfig, "monitor.deliver.matrix:MatrixChannel", "monitor.render.matrix"),
    ChannelType(AppriseConfig, "monitor.deliver.apprise:AppriseChannel", "monitor.render.plain"),
)

