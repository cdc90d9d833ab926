"""Slack, Discord, Telegram, Teams and Mattermost channels against a real loopback receiver
that answers like each service (success shape, 429 shape, errors), checking what arrives."""

import asyncio
import json

import pytest

from support.channel_configs import channel_config
from monitor.deliver import build_channels
from monitor.errors import DeliveryError
from support.alerts import make_alert
from support.webhook_receiver import Reply, WebhookReceiver

pytestmark = pytest.mark.integration
TOKEN = "123456:AAE-secret_bot_token"


def spec_for(service, rx):
    if service == "telegram":
        return channel_config({"name": "tg", "type": "telegram", "token": TOKEN,
                               "chat_id": -100123, "api_url": rx.url(""), "timeout": "5s"})
    path = {"slack": "/services/T0/B0/slack-secret", "discord": "/api/webhooks/1/disc-secret",
            "teams": "/workflows/abc/triggers/manual/paths/invoke",
            "mattermost": "/hooks/mm-secret"}[service]
    url = rx.url(path) + ("?api-version=1&sig=teams-secret" if service == "teams" else "")
    return channel_config({"name": service, "type": service, "url": url, "timeout": "5s"})


def path_for(service):
    return {"slack": "/services/T0/B0/slack-secret", "discord": "/api/webhooks/1/disc-secret",
            "teams": "/workflows/abc/triggers/manual/paths/invoke",
            "mattermost": "/hooks/mm-secret", "telegram": f"/bot{TOKEN}/sendMessage"}[service]


SERVICES = ["slack", "discord", "telegram", "teams", "mattermost"]


@pytest.fixture(params=SERVICES)
def service(request):
    rx = WebhookReceiver(request.param).start()
    yield request.param, rx
    rx.stop()


def send(spec, alert):
    async def go():
        channels = build_channels([spec], stdout=None)
        try:
            await channels[spec.name].send(alert)
        finally:
            await channels[spec.name].aclose()
    asyncio.run(go())


def test_each_chat_channel_posts_its_documented_payload(service):
    name, rx = service
    alert = make_alert(title="@everyone <b>Завод</b> беспилотников")
    send(spec_for(name, rx), alert)
    [req] = rx.requests_to(path_for(name))
    assert req.method == "POST" and req.headers["content-type"] == "application/json"
    doc = req.json()
    dumped = json.dumps(doc, ensure_ascii=False)
    assert "@everyone" not in dumped
    assert "Drone factory in Yelabuga is being expanded" in dumped
    if name == "slack":
        assert doc["blocks"][0]["type"] == "header" and doc["unfurl_links"] is False
        assert "&lt;b&gt;Завод&lt;/b&gt;" in doc["blocks"][1]["text"]["text"]
    elif name == "discord":
        assert req.query == {"wait": ["true"]}
        assert doc["allowed_mentions"] == {"parse": []}
        assert doc["embeds"][0]["url"] == alert.link
    elif name == "telegram":
        assert doc["chat_id"] == -100123 and doc["parse_mode"] == "HTML"
        assert doc["link_preview_options"] == {"is_disabled": True}
        assert "&lt;b&gt;Завод&lt;/b&gt;" in doc["text"]
    elif name == "teams":
        assert req.query["sig"] == ["teams-secret"]
        assert doc["type"] == "message"
        assert doc["attachments"][0]["content"]["type"] == "AdaptiveCard"
    elif name == "mattermost":
        assert "\\<b\\>Завод\\</b\\>" in doc["text"]


def test_each_chat_channel_honours_its_429_shape(service):
    name, rx = service
    rx.script(path_for(name), Reply.rate_limited(name, 12))
    with pytest.raises(DeliveryError) as info:
        send(spec_for(name, rx), make_alert())
    assert info.value.transient
    # Mattermost documents only X-Ratelimit-* headers: no wait is known, backoff decides.
    expected = {"slack": 12, "discord": 13, "telegram": 12, "teams": 12, "mattermost": None}
    assert info.value.retry_after_seconds == expected[name]
    for secret in ("slack-secret", "disc-secret", "teams-secret", "mm-secret", TOKEN):
        assert secret not in str(info.value)


def test_each_chat_channel_treats_500_as_transient_and_404_as_permanent(service):
    name, rx = service
    rx.script(path_for(name), Reply(500, "internal"), Reply(404, {"message": "Unknown Webhook",
                                                                   "code": 10015}))
    spec = spec_for(name, rx)
    with pytest.raises(DeliveryError) as first:
        send(spec, make_alert())
    with pytest.raises(DeliveryError) as second:
        send(spec, make_alert())
    assert first.value.transient and not second.value.transient
    assert second.value.hint


def test_telegram_supergroup_migration_is_permanent_and_names_the_new_chat_id():
    rx = WebhookReceiver("telegram").start()
    try:
        rx.script(path_for("telegram"), Reply(400, {
            "ok": False, "error_code": 400, "description": "Bad Request: group chat was "
            "upgraded to a supergroup chat", "parameters": {"migrate_to_chat_id": -1009876}}))
        with pytest.raises(DeliveryError) as info:
            send(spec_for("telegram", rx), make_alert())
        assert not info.value.transient
        assert "-1009876" in info.value.hint
    finally:
        rx.stop()


def test_teams_accepts_with_202_and_that_counts_as_sent():
    rx = WebhookReceiver("teams").start()
    try:
        send(spec_for("teams", rx), make_alert())
        assert [r.status for r in rx.requests] == [202]
    finally:
        rx.stop()


def test_a_template_replaces_the_body_and_is_escaped_for_the_channel():
    rx = WebhookReceiver("telegram").start()
    try:
        spec = spec_for("telegram", rx)
        spec = spec.model_copy(update={
            "template": "🚨 {{ rule }}: {{ link | link(title) }}\n{{ snippet }}"})
        send(spec, make_alert(title="A <b> title"))
        text = rx.requests[0].json()["text"]
        assert text.startswith('🚨 drones: <a href="https://www.bbc.com/russian/articles/c1">'
                               "A &lt;b&gt; title</a>")
        assert "<b>беспилотников</b>" in text
    finally:
        rx.stop()
