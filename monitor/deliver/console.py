"""Console channel: writes the plain-text alert to a stream (stdout from the CLI)."""

from __future__ import annotations

from typing import IO

from monitor.config.channels import ConsoleConfig
from monitor.deliver import Resources
from monitor.errors import DeliveryError
from monitor.model import Alert
from monitor.render.plain import render_text


class ConsoleChannel:
    def __init__(self, config: ConsoleConfig, resources: Resources) -> None:
        self.name = config.name
        self.stream: IO[str] | None = resources.stdout

    async def send(self, alert: Alert) -> None:
        try:
            self.stream.write(render_text(alert) + "\n\n")
            self.stream.flush()
        except (OSError, ValueError) as exc:  # closed pipe, closed stream
            raise DeliveryError(self.name, f"cannot write to the console: {exc}",
                                transient=True) from None

    async def aclose(self) -> None:
        return None
