"""Matrix client-server API: `PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}`.

The transaction id is the alert id, so a retried send (after a timeout, a 5xx, a crash before
the outbox row was marked) is recognised by the homeserver and yields the same event instead
of a second message. The access token goes in the Authorization header, never the URL.
Encrypted rooms are out of scope: use an unencrypted room for alerts.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from monitor.config.channels import MatrixConfig
from monitor.deliver import Resources
from monitor.deliver.http import SharedClient, check_answer, send_request
from monitor.errors import DeliveryError
from monitor.model import Alert
from monitor.render.matrix import MARKUP, matrix_content
from monitor.render.template import TemplateError, render_template
from monitor.render.view import alert_view


def transaction_id(alert: Alert) -> str:
    return alert.id  # already [A-Za-z0-9_], unique per (rule, item, channel) or per digest


class MatrixChannel:
    def __init__(self, config: MatrixConfig, resources: Resources) -> None:
        self.name = config.name
        self.template = config.template
        self.homeserver = config.homeserver.rstrip("/")
        self.room_id = config.room_id
        self.token = config.access_token
        self.timeout_seconds = config.timeout
        self.secrets = [self.token]
        self.shared: SharedClient = resources.http.acquire()

    def url(self, alert: Alert) -> str:
        return (f"{self.homeserver}/_matrix/client/v3/rooms/{quote(self.room_id, safe='')}"
                f"/send/m.room.message/{quote(transaction_id(alert), safe='')}")

    async def send(self, alert: Alert) -> None:
        view = alert_view(alert)
        body = None
        if self.template and alert.kind != "digest":
            try:
                body = render_template(self.template, view, MARKUP)
            except TemplateError as exc:
                raise DeliveryError(self.name, str(exc), transient=False,
                                    hint="fix the channel's template in the config") from None
        content = json.dumps(matrix_content(view, body), ensure_ascii=False).encode("utf-8")
        url = self.url(alert)
        answer = await send_request(
            self.shared, self.name, "PUT", url, content=content,
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.token}"},
            timeout_seconds=self.timeout_seconds, secrets=self.secrets)
        check_answer(self.name, url, answer, secrets=self.secrets)

    async def aclose(self) -> None:
        await self.shared.release()
