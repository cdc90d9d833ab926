"""Browser sessions of the web UI, held in memory (a restart signs everyone out).

Server-side sessions rather than signed cookies: nothing to keep secret on disk, a logout ends
the session at once, and the cookie carries 256 random bits and nothing else. Each session has
its own CSRF token, sent back in every form and htmx request.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

IDLE_SECONDS = 12 * 3600  # a session unused this long is forgotten
MAX_AGE_SECONDS = 7 * 86400  # and any session this old
MAX_SESSIONS = 10_000  # anonymous visitors each get one: the oldest go first


@dataclass
class Session:
    id: str
    csrf: str
    created_at: float
    last_seen_at: float
    is_authenticated: bool = False
    data: dict = field(default_factory=dict)


class SessionStore:
    def __init__(self, *, clock=time.monotonic) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen_at > IDLE_SECONDS or \
                    now - session.created_at > MAX_AGE_SECONDS:
                del self._sessions[session_id]
                return None
            session.last_seen_at = now
            self._sessions.move_to_end(session_id)
            return session

    def create(self, *, is_authenticated: bool = False) -> Session:
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now,
                          is_authenticated)
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)
