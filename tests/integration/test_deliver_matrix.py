"""The Matrix channel against a real homeserver: Synapse on 127.0.0.1 with SQLite, in its own
virtualenv (tests/support/synapse.py). A second user reads the room to see what arrived."""

import asyncio
import uuid
from dataclasses import replace
from urllib.parse import quote

import pytest

from monitor.config import parse_config
from support.channel_configs import channel_config
from monitor.deliver import Resources, build_channels
from monitor.deliver.matrix import MatrixChannel
from monitor.errors import DeliveryError
from monitor.model import Source, StoryRoot
from monitor.outbox.drain import drain_outbox
from monitor.runtime import build_deps
from monitor.store import open_store
from support.alerts import make_alert
from support.records import queue_alerts
from support.synapse import Synapse, SynapseUnavailable

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    try:
        server = Synapse(tmp_path_factory.mktemp("synapse")).start()
    except SynapseUnavailable as exc:
        pytest.fail(f"cannot run the Matrix peer: {exc}")
    yield server
    server.stop()


@pytest.fixture
def room(synapse):
    """A fresh bot (its own rate-limit bucket), a reader, and a room they share."""
    tag = uuid.uuid4().hex[:8]
    bot, reader = synapse.register(f"bot{tag}"), synapse.register(f"reader{tag}")
    return bot, reader, synapse.create_room(bot, [reader])


def spec(synapse, bot, room_id, **extra):
    return channel_config({"name": "matrix", "type": "matrix", "homeserver": synapse.url,
                           "room_id": room_id, "access_token": bot.access_token,
                           "timeout": "20s", **extra})


async def send_all(channel, alerts):
    try:
        for alert in alerts:
            await channel.send(alert)
    finally:
        await channel.aclose()


def matrix_config(synapse, bot, room_id, tmp_path):
    """A config whose one channel is the bot's Matrix room."""
    return parse_config(
        "feeds: [{name: f, url: 'http://127.0.0.1:9/x'}]\nchannels:\n"
        f"  - {{name: matrix, type: matrix, homeserver: '{synapse.url}', room_id: '{room_id}', "
        f"access_token: '{bot.access_token}'}}\n", base_dir=tmp_path, env={})


def test_alert_arrives_as_an_html_notice(synapse, room):
    bot, reader, room_id = room
    alert = make_alert(title="@room <script>x</script> Завод беспилотников")
    asyncio.run(send_all(MatrixChannel(spec(synapse, bot, room_id), Resources()), [alert]))
    [event] = synapse.messages(reader, room_id)
    assert event["sender"] == bot.user_id
    content = event["content"]
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert content["body"].startswith("Drone factory in Yelabuga is being expanded")
    assert "&lt;script&gt;" in content["formatted_body"]
    assert "<b>беспилотников</b>" in content["formatted_body"]
    assert "@room" not in content["body"]
    assert content["m.mentions"] == {}


def test_a_retried_send_reuses_the_transaction_id_and_is_not_a_second_message(synapse, room):
    bot, reader, room_id = room
    alert = make_alert()
    # The first attempt reached the server; the retry (same alert, so the same txnId) must
    # not post again. A different alert does.
    asyncio.run(send_all(MatrixChannel(spec(synapse, bot, room_id), Resources()),
                         [alert, alert, make_alert(key="other", title="Other story", translation=None)]))
    events = synapse.messages(reader, room_id)
    assert len(events) == 2
    assert events[1]["content"]["body"].startswith("Other story")


def test_outbox_after_a_lost_answer_delivers_once(synapse, room, tmp_path):
    """A send whose answer was lost (timeout) is retried by the outbox with the same txnId."""
    bot, reader, room_id = room
    config = matrix_config(synapse, bot, room_id, tmp_path)
    store = open_store(tmp_path / "state.db")
    alert = make_alert(channel="matrix")
    queue_alerts(store, [alert], now=alert.created_at)

    async def scenario():
        channels = build_channels(config.channels, stdout=None)
        # The homeserver gets the event, but the answer is "lost": the row stays pending.
        await channels["matrix"].send(alert)
        deps = build_deps(config, store, fetcher=None, channels=channels)
        report = await drain_outbox(deps, ignore_backoff=True)
        await channels["matrix"].aclose()
        return report

    report = asyncio.run(scenario())
    assert report.sent == 1
    assert len(synapse.messages(reader, room_id)) == 1
    store.close()


def test_bad_token_is_permanent(synapse, room):
    bot, reader, room_id = room
    bad = replace(bot, access_token="syt_not_a_real_token")
    with pytest.raises(DeliveryError) as info:
        asyncio.run(send_all(MatrixChannel(spec(synapse, bad, room_id), Resources()),
                             [make_alert()]))
    assert not info.value.transient
    assert "401" in str(info.value) and "M_UNKNOWN_TOKEN" in str(info.value)
    assert "syt_not_a_real_token" not in str(info.value)


def test_room_the_bot_is_not_in_is_permanent(synapse, room):
    bot, reader, room_id = room
    stranger = synapse.register(f"stranger{uuid.uuid4().hex[:8]}")
    with pytest.raises(DeliveryError) as info:
        asyncio.run(send_all(MatrixChannel(spec(synapse, stranger, room_id), Resources()),
                             [make_alert()]))
    assert not info.value.transient and "M_FORBIDDEN" in str(info.value)


def test_burst_hits_the_real_rate_limit_and_the_outbox_waits_it_out(synapse, room, tmp_path):
    """Synapse's default rc_message is 0.2 messages/s with a burst of 10: the 11th alert of a
    burst gets 429 M_LIMIT_EXCEEDED with retry_after_ms, the channel pauses, nothing repeats."""
    bot, reader, room_id = room
    config = matrix_config(synapse, bot, room_id, tmp_path)
    store = open_store(tmp_path / "state.db")
    alerts = [make_alert(channel="matrix", key=f"b{i}", title=f"Burst {i}", translation=None) for i in range(12)]
    queue_alerts(store, alerts, now=alerts[0].created_at)

    async def scenario():
        channels = build_channels(config.channels, stdout=None)
        deps = build_deps(config, store, fetcher=None, channels=channels)
        first = await drain_outbox(deps)
        [row] = store.outbox_rows(("pending",), limit=1)
        wait = (row.next_attempt_at - deps.clock()).total_seconds()
        reports = [first]
        for _ in range(6):
            if not store.outbox_counts().get("pending"):
                break
            [row] = store.outbox_rows(("pending",), limit=1)
            await asyncio.sleep(max(0.0, (row.next_attempt_at - deps.clock()).total_seconds())
                                + 0.2)
            reports.append(await drain_outbox(deps))
        await channels["matrix"].aclose()
        return first, wait, row.last_error, reports

    first, wait, error, reports = asyncio.run(scenario())
    assert first.failed == 1 and 1 <= first.sent <= 11
    assert "429" in error and "M_LIMIT_EXCEEDED" in error
    assert wait >= 1.0  # the retry-after from the homeserver, not a blind retry
    assert sum(r.sent for r in reports) == 12
    bodies = [e["content"]["body"].split("\n")[0] for e in synapse.messages(reader, room_id)]
    assert bodies == [f"Burst {i}" for i in range(12)]
    store.close()


def story(channel="matrix"):
    """A story's first alert and a follow-up to it (a later report, in Russian)."""
    root = make_alert(channel=channel, key="w1", title="Russia to build a drone factory",
                      language="en", translation=None, terms=("drone",),
                      link="https://wire.example/a")
    later = make_alert(channel=channel, key="r1", link="https://ria.example/b")
    follows = StoryRoot(root.id, root.item_key, root.title, root.feed, root.link)
    return root, replace(later, kind="follow_up", follows=follows, sources=(
        Source(later.feed, later.title, later.link, later.published_at, "ru", later.item_key),))


def test_a_follow_up_goes_in_the_thread_of_its_first_alerts_event(synapse, room, tmp_path):
    """Issue 15: the follow-up's event relates (m.thread, with the reply fallback) to the event
    id the homeserver returned for the first alert, which the outbox kept with its row."""
    bot, reader, room_id = room
    config = matrix_config(synapse, bot, room_id, tmp_path)
    store = open_store(tmp_path / "state.db")
    root, follow_up = story()
    queue_alerts(store, [root, follow_up], now=root.created_at)

    async def scenario():
        channels = build_channels(config.channels, stdout=None)
        deps = build_deps(config, store, fetcher=None, channels=channels)
        report = await drain_outbox(deps, ignore_backoff=True)
        await channels["matrix"].aclose()
        return report

    assert asyncio.run(scenario()).sent == 2
    first, second = synapse.messages(reader, room_id)
    assert "m.relates_to" not in first["content"]
    assert second["content"]["m.relates_to"] == {
        "rel_type": "m.thread", "event_id": first["event_id"], "is_falling_back": True,
        "m.in_reply_to": {"event_id": first["event_id"]}}
    assert "ria.example/b" in second["content"]["body"]
    assert store.message_refs([root.id]) == {root.id: f"{room_id} {first['event_id']}"}
    # The homeserver itself counts the follow-up in the root's thread.
    thread = synapse.client.get(
        f"/_matrix/client/v1/rooms/{quote(room_id, safe='')}/relations/"
        f"{quote(first['event_id'], safe='')}/m.thread",
        headers={"Authorization": f"Bearer {reader.access_token}"}).json()
    assert [e["event_id"] for e in thread["chunk"]] == [second["event_id"]]
    store.close()


def test_a_follow_up_whose_root_event_the_homeserver_refuses_still_arrives(synapse, room,
                                                                          tmp_path):
    """The first alert's event is unknown to the homeserver (purged; a ref from before a
    restore): Synapse refuses the relation with a 400, and the follow-up goes out as a message
    of its own instead of going dead."""
    bot, reader, room_id = room
    config = matrix_config(synapse, bot, room_id, tmp_path)
    store = open_store(tmp_path / "state.db")
    root, follow_up = story()
    queue_alerts(store, [root], now=root.created_at)
    [row] = store.due_outbox(root.created_at, keep_order=True)
    store.mark_sent([row.id], root.created_at, message_ref=f"{room_id} $not-an-event-here")
    queue_alerts(store, [follow_up], now=root.created_at)

    async def scenario():
        channels = build_channels(config.channels, stdout=None)
        deps = build_deps(config, store, fetcher=None, channels=channels)
        report = await drain_outbox(deps, ignore_backoff=True)
        await channels["matrix"].aclose()
        return report

    report = asyncio.run(scenario())
    assert (report.sent, report.dead, report.failed) == (1, 0, 0)
    [event] = synapse.messages(reader, room_id)
    assert "m.relates_to" not in event["content"] and "ria.example/b" in event["content"]["body"]
    store.close()
