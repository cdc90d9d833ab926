"""What each HTTP answer means for delivery, and Standard Webhooks signing. No sockets."""

import base64
import json
from datetime import datetime, timezone

import httpx
import pytest
import standardwebhooks

from monitor.deliver.http import Answer, body_excerpt, check_answer, retry_after_seconds
from monitor.deliver.webhook import sign, signing_key
from monitor.errors import DeliveryError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
URL = "https://discord.com/api/webhooks/123/SECRET-TOKEN"


def answer(status, body=b"", headers=None):
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    return Answer(status, httpx.Headers(headers or {}), body)


@pytest.mark.parametrize("reply, seconds", [
    (answer(429, "rate_limited", {"Retry-After": "30"}), 30.0),
    (answer(429, {"message": "You are being rate limited.", "retry_after": 0.75,
                  "global": False}, {"Retry-After": "1"}), 1.0),
    (answer(429, {"message": "You are being rate limited.", "retry_after": 2.5}), 2.5),
    (answer(429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                  "parameters": {"retry_after": 17}}), 17.0),
    (answer(429, {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 4670},
            {"Retry-After": "5"}), 5.0),
    (answer(429, {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 4670}), 4.67),
    (answer(429, "", {"Retry-After": "Wed, 25 Nov 2026 12:01:00 GMT"}), 60.0),
    (answer(429, "", {"Retry-After": "soon"}), None),
    (answer(429, {"retry_after": True}), None),
], ids=["slack header", "discord body and header: the longer wins", "discord body only",
        "telegram parameters", "matrix header", "matrix retry_after_ms only", "http date",
        "malformed header", "boolean is not a number"])
def test_retry_after_seconds_reads_every_service_shape(reply, seconds):
    got = retry_after_seconds(reply, NOW)
    assert got == pytest.approx(seconds) if seconds is not None else got is None


@pytest.mark.parametrize("status, transient", [
    (200, None), (202, None), (204, None), (408, True), (429, True), (500, True), (502, True),
    (503, True), (400, False), (401, False), (403, False), (404, False), (410, False),
    (413, False), (301, False),
])
def test_check_answer_classifies_status(status, transient):
    if transient is None:
        check_answer("ch", URL, answer(status))
        return
    with pytest.raises(DeliveryError) as info:
        check_answer("ch", URL, answer(status, "oops"), now=NOW)
    assert info.value.transient is transient
    assert f"HTTP {status}" in str(info.value)


def test_delivery_errors_never_contain_the_url_or_its_token():
    reply = answer(404, {"message": "Unknown Webhook", "code": 10015,
                         "echo": URL})
    with pytest.raises(DeliveryError) as info:
        check_answer("discord-alerts", URL, reply, secrets=[URL, "SECRET-TOKEN"])
    text = str(info.value)
    assert "SECRET-TOKEN" not in text and "/api/webhooks" not in text
    assert text.startswith("channel discord-alerts: https://discord.com answered HTTP 404")
    assert "10015 Unknown Webhook" in text
    assert info.value.hint and "retry" in info.value.hint


def test_body_excerpt_prefers_service_error_fields():
    assert body_excerpt(answer(400, {"ok": False, "error_code": 400,
                                     "description": "Bad Request: chat not found"})) \
        == "400 Bad Request: chat not found"
    assert body_excerpt(answer(403, {"errcode": "M_FORBIDDEN", "error": "not in room"})) \
        == "M_FORBIDDEN not in room"
    assert body_excerpt(answer(400, "invalid_payload")) == "invalid_payload"
    assert len(body_excerpt(answer(500, "x" * 1000))) == 200


def test_signature_is_accepted_by_the_reference_standardwebhooks_verifier():
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    body = '{"type":"alert.matched","data":{"title":"Завод"}}'.encode()
    timestamp = int(datetime.now(timezone.utc).timestamp())
    headers = {"webhook-id": "al_123", "webhook-timestamp": str(timestamp),
               "webhook-signature": sign(signing_key(secret), "al_123", timestamp, body)}
    assert standardwebhooks.Webhook(secret).verify(body, headers) == json.loads(body)
    tampered = body.replace("Завод".encode(), "Zavod".encode())
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(tampered, headers)


def test_signing_key_rejects_a_secret_without_the_prefix():
    with pytest.raises(ValueError):
        signing_key("c2VjcmV0c2VjcmV0")
