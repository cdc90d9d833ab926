"""Deliver stage: Alert → a channel. I/O. One module per transport.

Every channel implements `Channel`: `send(alert)` delivers one alert or raises DeliveryError
(`transient=True` to retry later, False to dead-letter it). A channel whose service names the
message it posted returns that name as a message ref (stored with the outbox row), and sends
a follow-up whose root has one (`alert.follows.message_ref`) as a reply in that thread. `build_channels` makes one per
configured channel, by the transport its type names in the registry (monitor.config.channels):
each is built as `Transport(settings, resources)`, and the HTTP channels of one run share the
one httpx client in `resources`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Protocol, Sequence

from monitor.config.channels import CHANNEL_TYPES, ChannelConfig
from monitor.errors import DeliveryError
from monitor.model import Alert

if TYPE_CHECKING:
    from monitor.deliver.http import SharedClient


class Channel(Protocol):
    name: str

    async def send(self, alert: Alert) -> str | None:
        """Deliver one alert; the message ref when the service names the message it posted
        (monitor.deliver.threads). Raises DeliveryError."""

    async def aclose(self) -> None:
        """Release connections."""


def _shared_client() -> SharedClient:
    from monitor.deliver.http import SharedClient  # httpx only once a run delivers

    return SharedClient()


@dataclass
class Resources:
    """What the channels of one run share: where the console writes, one HTTP client."""

    stdout: IO[str] | None = None
    http: SharedClient = field(default_factory=_shared_client)


def build_channels(configs: Sequence[ChannelConfig], *, stdout: IO[str] | None
                   ) -> dict[str, Channel]:
    """One Channel per configured channel. A type without a transport in this build raises
    DeliveryError when used, so its alerts wait instead of vanishing."""
    resources = Resources(stdout=stdout)
    channels: dict[str, Channel] = {}
    for config in configs:
        known = CHANNEL_TYPES.get(config.type)
        channels[config.name] = known.transport()(config, resources) if known else \
            _Unsupported(config)
    return channels


class _Unsupported:
    """A configured channel whose transport this build does not have: alerts wait, not vanish."""

    def __init__(self, config: ChannelConfig) -> None:
        self.name = config.name
        self.type = config.type

    async def send(self, alert: Alert) -> None:
        raise DeliveryError(self.name, f"channel type '{self.type}' is not supported yet",
                            transient=True)

    async def aclose(self) -> None:
        return None
