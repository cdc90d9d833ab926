"""Message refs: what a chat channel calls the message it posted, so a story's follow-up can
reply in the first alert's thread (issue 15). Pure.

A ref is "<where> <message id>": the Telegram chat or Matrix room the message is in, then the
service's id for it (Telegram's `message_id`, Matrix's `event_id`; neither place nor id holds a
space). A follow-up replies only when its root's ref names the place the channel posts to now:
after the config moved the channel to another chat or room, the old id would name a message
there that is not the root (Telegram), or one the homeserver refuses to relate to (Matrix), so
the follow-up goes out as a message of its own instead. Refs hold no secret: no token, no URL.
"""

from __future__ import annotations

from monitor.model import Alert


def message_ref(place: str | int, message_id: str | int | None) -> str | None:
    """The ref of message `message_id` in `place`, or None when the service named none."""
    if message_id is None or isinstance(message_id, bool) or str(message_id).strip() == "":
        return None
    return f"{place} {message_id}"


def reply_target(alert: Alert, place: str | int) -> str | None:
    """The id of the message `alert` replies to in `place`: its story's first alert's message,
    when the drain found one there (Alert.follows.message_ref); None for a new message."""
    ref = alert.follows.message_ref if alert.follows is not None else None
    if not ref:
        return None
    where, _, message_id = ref.rpartition(" ")
    return message_id if where == str(place) and message_id else None
