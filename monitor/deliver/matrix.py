"""Matrix client-server API: `PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}`.

The transaction id is the alert id, so a retried send (after a timeout, a 5xx, a crash before
the outbox row was marked) is recognised by the homeserver and yields the same event instead
of a second message. The access token goes in the Authorization header, never the URL.
Encrypted rooms are out of scope: use an unencrypted room for alerts.

A send returns the event's ref (room and event id); a story's follow-up goes in the thread of
its first alert's event (render.matrix.in_thread). A homeserver refuses (400) a relation to an
event it does not know (Synapse: "Can't send relation to unknown event": purged, or in a room
it has forgotten): the follow-up is then sent again without it, as a message of its own.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from monitor.config.channels import MatrixConfig
from monitor.deliver import Resources
from monitor.deliver.http import SharedClient, check_answer, send_request
from monitor.deliver.threads import message_ref, reply_target
from monitor.errors import DeliveryError
from monitor.model import Alert
from monitor.render.matrix import MARKUP, in_thread, matrix_content
from monitor.render.template import TemplateError, render_template
from monitor.render.view import alert_view


log = logging.getLogger(__name__)


def transaction_id(alert: Alert, threaded: bool = True) -> str:
    # The alert id is already [A-Za-z0-9_], unique per (rule, item, channel) or per digest. A
    # follow-up sent again without its refused thread is another transaction (another event).
    return alert.id if threaded else alert.id + "_unthreaded"


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

    def url(self, alert: Alert, threaded: bool = True) -> str:
        return (f"{self.homeserver}/_matrix/client/v3/rooms/{quote(self.room_id, safe='')}"
                f"/send/m.room.message/{quote(transaction_id(alert, threaded), safe='')}")

    async def send(self, alert: Alert) -> str | None:
        view = alert_view(alert)
        body = None
        if self.template and alert.kind != "digest":
            try:
                body = render_template(self.template, view, MARKUP)
            except TemplateError as exc:
                raise DeliveryError(self.name, str(exc), transient=False,
                                    hint="fix the channel's template in the config") from None
        content = matrix_content(view, body)
        root = reply_target(alert, self.room_id)
        if root is not None:
            try:
                return await self._put(self.url(alert), in_thread(content, root))
            except DeliveryError as exc:
                if exc.status != 400:
                    raise
                log.warning("The homeserver refused the follow-up's thread; sending it as a "
                            "message of its own", extra={"fields": {
                                "channel": self.name, "alert_id": alert.id, "error": str(exc)}})
        return await self._put(self.url(alert, threaded=root is None), content)

    async def _put(self, url: str, content: dict[str, Any]) -> str | None:
        """PUT one event; its ref. Raises DeliveryError."""
        answer = await send_request(
            self.shared, self.name, "PUT", url,
            content=json.dumps(content, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.token}"},
            timeout_seconds=self.timeout_seconds, secrets=self.secrets)
        check_answer(self.name, url, answer, secrets=self.secrets)
        doc = answer.json()
        event_id = doc.get("event_id") if isinstance(doc, dict) else None
        return message_ref(self.room_id, event_id) if isinstance(event_id, str) else None

    async def aclose(self) -> None:
        await self.shared.release()
