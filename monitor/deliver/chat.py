"""The chat webhooks: Slack, Discord, Mattermost, Teams (one POST of JSON to a secret URL) and
Telegram (sendMessage). Each renders with its `monitor.render` module and maps its service's
answers to DeliveryError through `deliver.http.check_answer`.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.deliver.http import Answer, SharedClient, check_answer, send_request
from monitor.errors import DeliveryError
from monitor.model import Alert, ChannelSpec
from monitor.render.discord import discord_payload
from monitor.render.mattermost import mattermost_payload, mattermost_text
from monitor.render.slack import slack_payload
from monitor.render.teams import teams_payload
from monitor.render.telegram import telegram_payload, telegram_text
from monitor.render.template import TemplateError, render_template
from monitor.render.view import AlertView, alert_view


class JsonPostChannel:
    """POST a JSON payload to the channel's URL; subclasses say what payload and what an
    answer means beyond its status."""

    format = ""

    def __init__(self, spec: ChannelSpec, shared: SharedClient) -> None:
        self.name = spec.name
        self.type = spec.type
        self.template = spec.template
        self.timeout_seconds = float(spec.options.get("timeout") or 20.0)
        self.url = self.endpoint(spec)
        self.secrets = [s for s in self.secret_values(spec) if s]
        self.shared = shared.acquire()

    def endpoint(self, spec: ChannelSpec) -> str:
        return spec.options["url"]

    def secret_values(self, spec: ChannelSpec) -> list[str]:
        return [spec.options.get("url", "")]

    def payload(self, view: AlertView, body: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, answer: Answer) -> None:
        check_answer(self.name, self.url, answer, secrets=self.secrets)

    async def send(self, alert: Alert) -> None:
        view = alert_view(alert)
        body = None
        if self.template and alert.kind != "digest":
            try:
                body = render_template(self.template, view, self.format)
            except TemplateError as exc:
                raise DeliveryError(self.name, str(exc), transient=False,
                                    hint="fix the channel's template in the config") from None
        content = json.dumps(self.payload(view, body), ensure_ascii=False).encode("utf-8")
        answer = await send_request(self.shared, self.name, "POST", self.url, content=content,
                                    headers={"Content-Type": "application/json"},
                                    timeout_seconds=self.timeout_seconds, secrets=self.secrets)
        self.check(answer)

    async def aclose(self) -> None:
        await self.shared.release()


class SlackChannel(JsonPostChannel):
    format = "slack"

    def payload(self, view, body):
        return slack_payload(view, body)


class DiscordChannel(JsonPostChannel):
    format = "discord"

    def endpoint(self, spec):
        # wait=true: without it Discord drops a message it cannot save *without an error*.
        url = spec.options["url"]
        return url + ("&" if "?" in url else "?") + "wait=true" if "wait=" not in url else url

    def payload(self, view, body):
        return discord_payload(view, body)


class MattermostChannel(JsonPostChannel):
    format = "mattermost"

    def payload(self, view, body):
        return mattermost_payload(mattermost_text(view, body))


class TeamsChannel(JsonPostChannel):
    """Workflows answer 202 before the flow runs: a 2xx says the request was accepted, not
    that the card was posted (use `monitor test-alert` and look at the channel)."""

    format = "teams"

    def payload(self, view, body):
        return teams_payload(view, body)


class TelegramChannel(JsonPostChannel):
    format = "telegram"

    def __init__(self, spec: ChannelSpec, shared: SharedClient) -> None:
        self.chat_id = spec.options["chat_id"]
        super().__init__(spec, shared)

    def endpoint(self, spec):
        base = str(spec.options.get("api_url") or "https://api.telegram.org").rstrip("/")
        return f"{base}/bot{spec.options['token']}/sendMessage"

    def secret_values(self, spec):
        return [spec.options["token"]]

    def payload(self, view, body):
        return telegram_payload(self.chat_id, telegram_text(view, body))

    def check(self, answer: Answer) -> None:
        doc = answer.json()
        if isinstance(doc, dict) and isinstance(doc.get("parameters"), dict) \
                and "migrate_to_chat_id" in doc["parameters"]:
            new_id = doc["parameters"]["migrate_to_chat_id"]
            raise DeliveryError(self.name, f"the group became a supergroup with chat id "
                                f"{new_id}", transient=False,
                                hint=f"set chat_id: {new_id}, then `monitor outbox retry --all`")
        check_answer(self.name, self.url, answer, secrets=self.secrets)
        if isinstance(doc, dict) and doc.get("ok") is False:  # a 200 that says it failed
            raise DeliveryError(self.name, f"Telegram refused the message: "
                                f"{doc.get('description', 'no reason given')}", transient=False)
