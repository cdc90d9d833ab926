"""Outbox → generic webhook: retries carry the same webhook-id; order is kept per channel."""

import asyncio
import base64
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.config import parse_config
from monitor.deliver import build_channels
from monitor.outbox.drain import drain_outbox
from monitor.runtime import build_deps
from monitor.store import open_store
from support.alerts import NOW, make_alert
from support.records import queue_alerts
from support.webhook_receiver import Reply

pytestmark = pytest.mark.integration
SECRET = "whsec_" + base64.b64encode(b"another-secret-for-outbox-tests").decode()


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)



def make_deps(tmp_path, channels_yaml, clock, state):
    config = parse_config("feeds: [{name: f, url: 'http://127.0.0.1:9/x'}]\n"
                          f"channels:\n{channels_yaml}", base_dir=tmp_path, env={})
    store = open_store(state)
    deps = build_deps(config, store, fetcher=None,
                      channels=build_channels(config.channels, stdout=None), clock=clock)
    return deps


async def drain(deps, **kw):
    return await drain_outbox(deps, **kw)


async def close(deps):
    for ch in deps.channels.values():
        await ch.aclose()
    deps.store.close()


def test_a_failed_webhook_is_retried_with_the_same_id_and_arrives_once(tmp_path, receiver,
                                                                       any_state):
    clock = Clock(NOW)
    deps = make_deps(tmp_path, f"  - {{name: hook, type: webhook, url: '{receiver.url()}', "
                               f"secret: '{SECRET}'}}\n", clock, any_state)
    alerts = [make_alert(key=str(i), title=f"Story {i}", channel="hook") for i in range(3)]
    queue_alerts(deps.store, alerts, now=NOW)
    receiver.script("/hook", Reply(500, "down"))

    async def scenario():
        first = await drain(deps)
        clock.advance(3600)
        second = await drain(deps)
        await close(deps)
        return first, second

    first, second = asyncio.run(scenario())
    assert (first.sent, first.failed) == (0, 1)
    assert second.sent == 3 and second.pending == 0
    requests = receiver.requests_to("/hook")
    ids = [r.headers["webhook-id"] for r in requests]
    assert ids == [alerts[0].id, alerts[0].id, alerts[1].id, alerts[2].id]
    assert [r.json()["data"]["title"] for r in receiver.delivered()] == \
        ["Story 0", "Story 1", "Story 2"]
