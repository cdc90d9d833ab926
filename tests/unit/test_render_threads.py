"""A story's follow-up as a reply in its first alert's thread (issue 15): the Telegram and
Matrix payloads, and which message a follow-up replies to (monitor.deliver.threads)."""

from dataclasses import replace

import pytest

from monitor.deliver.threads import message_ref, reply_target
from monitor.model import StoryRoot
from monitor.render.matrix import in_thread, matrix_content
from monitor.render.telegram import as_reply, telegram_payload
from monitor.render.view import alert_view
from support.alerts import make_alert

ROOT = StoryRoot("al_root", "item-0", "Drone factory", "wire", "https://wire.example/a")


def follow_up(ref):
    return make_alert(kind="follow_up", follows=replace(ROOT, message_ref=ref))


def test_a_telegram_reply_names_the_message_and_still_goes_out_without_it():
    plain = telegram_payload(-100123, "<b>text</b>")
    assert "reply_parameters" not in plain
    reply = telegram_payload(-100123, "<b>text</b>", reply_to=4242)
    assert reply == {**plain, "reply_parameters": {"message_id": 4242,
                                                   "allow_sending_without_reply": True}}
    assert as_reply(plain, 4242) == reply


def test_a_matrix_follow_up_is_in_the_roots_thread_with_the_reply_fallback():
    content = matrix_content(alert_view(make_alert()))
    threaded = in_thread(content, "$root:example.org")
    assert threaded["m.relates_to"] == {"rel_type": "m.thread", "event_id": "$root:example.org",
                                        "is_falling_back": True,
                                        "m.in_reply_to": {"event_id": "$root:example.org"}}
    assert {k: v for k, v in threaded.items() if k != "m.relates_to"} == content
    assert "m.relates_to" not in content


@pytest.mark.parametrize("place, message_id, ref", [
    (-100123, 4242, "-100123 4242"),
    ("@alerts_channel", 7, "@alerts_channel 7"),
    ("!room:example.org", "$ev/ent+id", "!room:example.org $ev/ent+id"),
    (-100123, None, None),
    (-100123, "", None),
    (-100123, True, None),
], ids=["telegram-chat", "telegram-username", "matrix-room", "no-id", "empty-id", "bool"])
def test_message_ref(place, message_id, ref):
    assert message_ref(place, message_id) == ref


@pytest.mark.parametrize("alert, place, target", [
    (follow_up("-100123 4242"), -100123, "4242"),
    (follow_up("!room:example.org $event"), "!room:example.org", "$event"),
    # The channel now posts elsewhere: that id would name another message (or none).
    (follow_up("-100123 4242"), -100999, None),
    (follow_up("!old:example.org $event"), "!room:example.org", None),
    (follow_up(None), -100123, None),          # the root not sent yet, or no id
    (make_alert(), -100123, None),             # not a follow-up
], ids=["telegram", "matrix", "other-chat", "other-room", "root-unknown", "not-a-follow-up"])
def test_reply_target(alert, place, target):
    assert reply_target(alert, place) == target
