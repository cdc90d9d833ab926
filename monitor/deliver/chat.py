"""The chat webhooks: Slack, Discord, Mattermost, Teams (one POST of JSON to a secret URL) and
Telegram (sendMessage). Each renders with its `monitor.render` module and maps its service's
answers to DeliveryError through `deliver.http.check_answer`.

Only Telegram threads a story's follow-ups: sendMessage answers with the message's id and takes
a reply to one. Slack's and Mattermost's incoming webhooks answer a bare "ok" (no id to reply
to; their bot APIs would, with a token we do not ask for), Discord's webhooks name the message
(`wait=true`) but cannot reply to one, Teams' Workflows answer 202 with nothing.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.config.channels import ChatWebhookConfig, HttpChannelConfig, TelegramConfig
from monitor.deliver import Resources
from monitor.deliver.http import Answer, SharedClient, check_answer, send_request
from monitor.deliver.threads import message_ref, reply_target
from monitor.errors import DeliveryError
from monitor.model import Alert
from monitor.render import discord, mattermost, slack, teams, telegram
from monitor.render.markup import Markup
from monitor.render.template import TemplateError, render_template
from monitor.render.view import AlertView, alert_view


class JsonPostChannel:
    """POST a JSON payload to the channel's URL; subclasses say what payload and what an
    answer means beyond its status."""

    markup: Markup  # its render module's MARKUP

    def __init__(self, config: HttpChannelConfig, resources: Resources) -> None:
        self.name = config.name
        self.type = config.type
        self.template = config.template
        self.timeout_seconds = config.timeout
        self.url = self.endpoint(config)
        self.secrets = [s for s in self.secret_values(config) if s]
        self.shared: SharedClient = resources.http.acquire()

    def endpoint(self, config: Any) -> str:
        return config.url

    def secret_values(self, config: Any) -> list[str]:
        return [config.url]

    def payload(self, view: AlertView, body: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def threaded(self, payload: dict[str, Any], alert: Alert) -> dict[str, Any]:
        """`payload` as a reply to the message `alert` follows up (services that have one)."""
        return payload

    def sent_as(self, answer: Answer) -> str | None:
        """The message ref the answer gives (monitor.deliver.threads), if any."""
        return None

    def check(self, answer: Answer) -> None:
        check_answer(self.name, self.url, answer, secrets=self.secrets)

    async def send(self, alert: Alert) -> str | None:
        view = alert_view(alert)
        body = None
        if self.template and alert.kind != "digest":
            try:
                body = render_template(self.template, view, self.markup)
            except TemplateError as exc:
                raise DeliveryError(self.name, str(exc), transient=False,
                                    hint="fix the channel's template in the config") from None
        payload = self.threaded(self.payload(view, body), alert)
        content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        answer = await send_request(self.shared, self.name, "POST", self.url, content=content,
                                    headers={"Content-Type": "application/json"},
                                    timeout_seconds=self.timeout_seconds, secrets=self.secrets)
        self.check(answer)
        return self.sent_as(answer)

    async def aclose(self) -> None:
        await self.shared.release()


class SlackChannel(JsonPostChannel):
    markup = slack.MARKUP

    def payload(self, view, body):
        return slack.slack_payload(view, body)


class DiscordChannel(JsonPostChannel):
    markup = discord.MARKUP

    def endpoint(self, config: ChatWebhookConfig) -> str:
        # wait=true: without it Discord drops a message it cannot save *without an error*.
        url = config.url
        return url + ("&" if "?" in url else "?") + "wait=true" if "wait=" not in url else url

    def payload(self, view, body):
        return discord.discord_payload(view, body)


class MattermostChannel(JsonPostChannel):
    markup = mattermost.MARKUP

    def payload(self, view, body):
        return mattermost.mattermost_payload(mattermost.mattermost_text(view, body))


class TeamsChannel(JsonPostChannel):
    """Workflows answer 202 before the flow runs: a 2xx says the request was accepted, not
    that the card was posted (use `monitor test-alert` and look at the channel)."""

    markup = teams.MARKUP

    def payload(self, view, body):
        return teams.teams_payload(view, body)


class TelegramChannel(JsonPostChannel):
    markup = telegram.MARKUP

    def __init__(self, config: TelegramConfig, resources: Resources) -> None:
        self.chat_id = config.chat_id
        super().__init__(config, resources)

    def endpoint(self, config: TelegramConfig) -> str:
        return f"{config.api_url.rstrip('/')}/bot{config.token}/sendMessage"

    def secret_values(self, config: TelegramConfig) -> list[str]:
        return [config.token]

    def payload(self, view, body):
        return telegram.telegram_payload(self.chat_id, telegram.telegram_text(view, body))

    def threaded(self, payload, alert):
        target = reply_target(alert, self.chat_id)
        if target is None or not target.isdigit():
            return payload
        return telegram.as_reply(payload, int(target))

    def sent_as(self, answer: Answer) -> str | None:
        doc = answer.json()
        result = doc.get("result") if isinstance(doc, dict) else None
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return message_ref(self.chat_id, message_id) if isinstance(message_id, int) else None

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
