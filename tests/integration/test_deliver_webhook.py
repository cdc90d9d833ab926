"""The generic webhook channel against a real HTTP receiver on 127.0.0.1."""

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time

import pytest
import standardwebhooks

from support.channel_configs import channel_config
from monitor.deliver import Resources
from monitor.deliver.webhook import WebhookChannel
from monitor.errors import DeliveryError
from support.alerts import make_alert
from support.webhook_receiver import Reply

pytestmark = pytest.mark.integration
SECRET = "whsec_" + base64.b64encode(b"monitor-test-secret-32-bytes-long").decode()



def channel(url, secret=SECRET, timeout=5.0):
    options = {"name": "hook", "type": "webhook", "url": url, "timeout": f"{timeout}s"}
    if secret:
        options["secret"] = secret
    return WebhookChannel(channel_config(options), Resources())


async def send(ch, alert):
    try:
        await ch.send(alert)
    finally:
        await ch.aclose()


def verify_by_hand(secret: str, headers: dict, body: bytes) -> bool:
    """Standard Webhooks v1, written from the spec without our code."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(sig.split(",", 1)[1] == expected for sig in headers["webhook-signature"].split()
               if sig.startswith("v1,"))


def test_webhook_posts_signed_json_with_the_alert_id(receiver):
    alert = make_alert()
    asyncio.run(send(channel(receiver.url()), alert))
    [req] = receiver.requests_to("/hook")
    assert req.method == "POST"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["webhook-id"] == alert.id
    assert abs(int(req.headers["webhook-timestamp"]) - time.time()) < 60
    assert verify_by_hand(SECRET, req.headers, req.body)
    assert standardwebhooks.Webhook(SECRET).verify(req.body, req.headers)["data"]["id"] == alert.id
    doc = req.json()
    assert doc["type"] == "alert.matched"
    assert doc["data"]["title"] == alert.title
    assert doc["data"]["translation"]["title"] == "Drone factory in Yelabuga is being expanded"


def test_webhook_without_a_secret_sends_no_signature(receiver):
    asyncio.run(send(channel(receiver.url(), secret=None), make_alert()))
    [req] = receiver.requests_to("/hook")
    assert "webhook-signature" not in req.headers
    assert req.headers["webhook-id"].startswith("al_")


@pytest.mark.parametrize("reply, transient, retry_after", [
    (Reply(500, "boom"), True, None),
    (Reply(503, "busy", {"Retry-After": "120"}), True, 120.0),
    (Reply.rate_limited("webhook", 7), True, 7.0),
    (Reply(408, ""), True, None),
    (Reply(400, "bad"), False, None),
    (Reply(401, "who?"), False, None),
    (Reply(404, "gone"), False, None),
    (Reply(410, "archived"), False, None),
    (Reply(302, "", {"Location": "http://127.0.0.1:1/elsewhere"}), False, None),
], ids=["500", "503 with Retry-After", "429 with Retry-After", "408", "400", "401", "404",
        "410", "redirect"])
def test_webhook_failures_are_classified(receiver, reply, transient, retry_after):
    receiver.script("/hook", reply)
    with pytest.raises(DeliveryError) as info:
        asyncio.run(send(channel(receiver.url()), make_alert()))
    assert info.value.transient is transient
    assert info.value.retry_after_seconds == retry_after
    assert "/hook" not in str(info.value)


def test_webhook_that_hangs_times_out_as_a_transient_error(receiver):
    receiver.script("/hook", Reply(hang_seconds=30))
    started = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        asyncio.run(send(channel(receiver.url(), timeout=0.5), make_alert()))
    assert time.monotonic() - started < 10
    assert info.value.transient
    assert "did not answer within 0.5 s" in str(info.value)


def test_webhook_that_drops_the_connection_is_transient(receiver):
    receiver.script("/hook", Reply(drop=True))
    with pytest.raises(DeliveryError) as info:
        asyncio.run(send(channel(receiver.url()), make_alert()))
    assert info.value.transient


def test_webhook_down_is_transient_and_names_only_the_host(receiver):
    url = receiver.url("/services/T000/B000/very-secret-token")
    receiver.stop()
    with pytest.raises(DeliveryError) as info:
        asyncio.run(send(channel(url), make_alert()))
    assert info.value.transient
    assert "very-secret-token" not in str(info.value)
    assert f"127.0.0.1:{receiver.port}" in str(info.value)


def test_httpx_does_not_log_the_webhook_url_at_info(receiver, caplog):
    """httpx logs every request with its full URL at INFO; log.py quiets it to WARNING."""
    from monitor.log import setup_logging
    import io

    stream = io.StringIO()
    setup_logging("info", stream=stream)
    url = receiver.url("/api/webhooks/1/hidden-token")
    asyncio.run(send(channel(url), make_alert()))
    assert receiver.requests_to("/api/webhooks/1/hidden-token")
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert "hidden-token" not in stream.getvalue()
    assert "HTTP Request" not in stream.getvalue()
