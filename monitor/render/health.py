"""Alerts about a feed itself: failing for longer than `health.feed_failing_after`, and
working again. Pure. Their ids are stable per failure episode, so a retried poll or a restart
enqueues the same alert (the outbox ignores a repeated id) rather than a second one."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from monitor.model import Alert, FeedState
from monitor.redact import Scrubber
from monitor.render import alert_id

RULE = "feed health"


def feed_failing_alert(state: FeedState, channel: str, now: datetime,
                       scrub: Scrubber | None = None) -> Alert:
    """`scrub`: the config's secrets, masked in the error and the feed's link."""
    scrub = scrub or Scrubber()
    since = state.failing_since or now
    title = f"Feed {state.name} has been failing since {since:%Y-%m-%d %H:%M} UTC"
    text = (f"{state.consecutive_failures} failed check"
            f"{'s' if state.consecutive_failures != 1 else ''} in a row. Last error: "
            f"{scrub.scrub(state.last_error or 'unknown')}. monitor keeps trying (with backoff) "
            f"and will say when it works again; `monitor status` shows every feed.")
    return _alert("feed_failing", state, channel, since, title, text, _episode(state.name, since),
                  now, scrub)


def feed_recovered_alert(state: FeedState, alerted_at: datetime, channel: str,
                         now: datetime, scrub: Scrubber | None = None) -> Alert:
    """`alerted_at`: when the failing alert of this episode was made (its identity)."""
    title = f"Feed {state.name} is working again"
    text = (f"Checked successfully at {now:%Y-%m-%d %H:%M} UTC; it had been reported failing "
            f"at {alerted_at:%Y-%m-%d %H:%M} UTC. Items published meanwhile are picked up if "
            f"the feed still lists them.")
    return _alert("feed_recovered", state, channel, now, title, text,
                  _episode(state.name, alerted_at), now, scrub or Scrubber())


def _alert(kind: str, state: FeedState, channel: str, when: datetime, title: str, text: str,
           episode: str, now: datetime, scrub: Scrubber) -> Alert:
    key = f"{kind}:{episode}"
    return Alert(id=alert_id(kind, key, channel), rule=RULE, channel=channel, feed=state.name,
                 item_key=key, item_id=key, title=title, summary=text,
                 link=_public_url(state.fetch_url, scrub), published_at=when, language="en",
                 matched_terms=(), snippet=text, created_at=now, kind=kind)


def _episode(feed: str, at: datetime) -> str:
    return f"{feed}@{at.isoformat()}"


def _public_url(url: str, scrub: Scrubber) -> str:
    """The feed URL without user info, query or fragment (they may carry a token), and with
    any secret in its path masked."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return ""
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, scrub.scrub(parts.path), "", ""))
