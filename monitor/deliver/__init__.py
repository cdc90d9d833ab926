"""Deliver stage: Alert → a channel. I/O. One module per transport.

Every channel implements `Channel`: `send(alert)` delivers one alert or raises DeliveryError
(`transient=True` to retry later, False to dead-letter it). `build_channels` turns the config's
ChannelSpecs into channels; the HTTP channels of one run share one httpx client.
"""

from __future__ import annotations

from typing import IO, Protocol, Sequence

from monitor.errors import DeliveryError
from monitor.model import Alert, ChannelSpec


class Channel(Protocol):
    name: str

    async def send(self, alert: Alert) -> None:
        """Deliver one alert. Raises DeliveryError."""

    async def aclose(self) -> None:
        """Release connections."""


def build_channels(specs: Sequence[ChannelSpec], *, stdout: IO[str]) -> dict[str, Channel]:
    """One Channel per spec. Types without a transport raise DeliveryError when used."""
    from monitor.deliver.console import ConsoleChannel
    from monitor.deliver.http import SharedClient

    shared = SharedClient()
    channels: dict[str, Channel] = {}
    for spec in specs:
        if spec.type == "console":
            channels[spec.name] = ConsoleChannel(spec.name, stdout)
        elif spec.type in _HTTP_TYPES:
            channels[spec.name] = _HTTP_TYPES[spec.type]()(spec, shared)
        elif spec.type == "email":
            from monitor.deliver.email import EmailChannel

            channels[spec.name] = EmailChannel(spec)
        elif spec.type == "apprise":
            from monitor.deliver.apprise import AppriseChannel

            channels[spec.name] = AppriseChannel(spec)
        else:
            channels[spec.name] = _Unsupported(spec)
    return channels


def _webhook():
    from monitor.deliver.webhook import WebhookChannel
    return WebhookChannel


def _chat(name: str):
    def load():
        from monitor.deliver import chat
        return getattr(chat, name)
    return load


def _matrix():
    from monitor.deliver.matrix import MatrixChannel
    return MatrixChannel


_HTTP_TYPES = {"webhook": _webhook, "slack": _chat("SlackChannel"),
               "discord": _chat("DiscordChannel"), "mattermost": _chat("MattermostChannel"),
               "teams": _chat("TeamsChannel"), "telegram": _chat("TelegramChannel"),
               "matrix": _matrix}


class _Unsupported:
    """A configured channel whose transport this build does not have: alerts wait, not vanish."""

    def __init__(self, spec: ChannelSpec) -> None:
        self.name = spec.name
        self.type = spec.type

    async def send(self, alert: Alert) -> None:
        raise DeliveryError(self.name, f"channel type '{self.type}' is not supported yet",
                            transient=True)

    async def aclose(self) -> None:
        return None
