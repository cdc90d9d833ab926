"""The optional Apprise channel, offline: Apprise's own `json://` plugin posting to a real
loopback receiver (Apprise is an extra; CI installs it through the test extra)."""

import asyncio

import pytest

from support.channel_configs import channel_config
from monitor.deliver.apprise import AppriseChannel
from monitor.errors import DeliveryError
from support.alerts import make_alert
from support.webhook_receiver import Reply

pytest.importorskip("apprise", reason="the apprise extra is not installed")
pytestmark = pytest.mark.integration



def channel(*urls):
    return AppriseChannel(channel_config({"name": "apprise", "type": "apprise",
                                          "urls": list(urls), "timeout": "5s"}))


def test_apprise_json_url_delivers_title_and_body(receiver):
    url = f"json://127.0.0.1:{receiver.port}/apprise"
    asyncio.run(channel(url).send(make_alert()))
    [req] = receiver.requests_to("/apprise")
    doc = req.json()
    assert doc["title"] == "[drones] Drone factory in Yelabuga is being expanded"
    assert "Завод беспилотников в Елабуге расширяют" in doc["message"]


def test_apprise_failure_is_transient(receiver):
    receiver.script("/apprise", Reply(500, "down"))
    with pytest.raises(DeliveryError) as info:
        asyncio.run(channel(f"json://127.0.0.1:{receiver.port}/apprise").send(make_alert()))
    assert info.value.transient


def test_apprise_rejects_an_unknown_url_scheme_permanently():
    with pytest.raises(DeliveryError) as info:
        asyncio.run(channel("nosuchservice://x").send(make_alert()))
    assert not info.value.transient and "urls[0]" in str(info.value)
