"""Generic JSON webhook, signed per the Standard Webhooks spec (v1, HMAC-SHA256).

Headers: `webhook-id` = the alert id (the same on every retry, so a receiver drops repeats),
`webhook-timestamp` = this attempt's Unix time, `webhook-signature` = `v1,<base64 HMAC-SHA256
of "{id}.{timestamp}.{body}">` keyed with the base64-decoded part of the `whsec_…` secret.
The exact bytes signed are the bytes sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Callable

from monitor.config.channels import WebhookConfig
from monitor.deliver import Resources
from monitor.deliver.http import SharedClient, check_answer, send_request
from monitor.model import Alert
from monitor.render.webhook import webhook_body


def signing_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret. Raises ValueError if it is not one."""
    if not secret.startswith("whsec_"):
        raise ValueError("a Standard Webhooks secret starts with whsec_")
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class WebhookChannel:
    def __init__(self, config: WebhookConfig, resources: Resources, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.name = config.name
        self.url = config.url
        secret = config.secret
        self.key = signing_key(secret) if secret else None
        self.timeout_seconds = config.timeout
        self.secrets = [self.url] + ([secret] if secret else [])
        self.shared: SharedClient = resources.http.acquire()
        self.clock = clock

    async def send(self, alert: Alert) -> None:
        body = webhook_body(alert)
        timestamp = int(self.clock())
        headers = {"Content-Type": "application/json", "webhook-id": alert.id,
                   "webhook-timestamp": str(timestamp)}
        if self.key is not None:
            headers["webhook-signature"] = sign(self.key, alert.id, timestamp, body)
        answer = await send_request(self.shared, self.name, "POST", self.url, content=body,
                                    headers=headers, timeout_seconds=self.timeout_seconds,
                                    secrets=self.secrets)
        check_answer(self.name, self.url, answer, secrets=self.secrets)

    async def aclose(self) -> None:
        await self.shared.release()

