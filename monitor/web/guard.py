"""The web UI's front door, as ASGI middleware: host check, sessions, login, CSRF, headers.

Every request passes here before a page handler runs:
- a server on loopback answers only to loopback host names (a DNS-rebinding page elsewhere
  cannot read it through a name of its own), and refuses requests a reverse proxy forwarded
  while no password is set (a proxy would publish a loopback-only UI to the network);
- with a password or a token set, every page but /login and /static needs a signed-in session
  or `Authorization: Bearer <token>`;
- every POST carries its session's CSRF token (form field `csrf` or header `X-CSRF-Token`), and
  a cross-origin `Origin` is refused, so another site cannot re-queue alerts through a browser;
- every response carries a strict Content-Security-Policy (scripts and styles from this origin
  only, no inline code, no eval, requests only to this origin) and related headers.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote, urlsplit

from monitor.web.sessions import Session, SessionStore
from monitor.web.settings import LOOPBACK_NAMES, WebSettings, is_loopback

COOKIE = "__Host-monitor_session"  # __Host-: Secure, Path=/, no Domain (RFC 6265bis 4.1.3.2)
MAX_FORM_BYTES = 64 * 1024
OPEN_PATHS = ("/login", "/static/")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Nothing of the UI goes to a story's site with a click (and story links say noreferrer); a
    # same-origin referrer keeps the Origin header of our own POSTs (no-referrer makes
    # Chromium send "Origin: null", which the cross-origin check has to refuse).
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


class Guard:
    def __init__(self, app, settings: WebSettings, sessions: SessionStore) -> None:
        self.app = app
        self.settings = settings
        self.sessions = sessions

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _plain(send, *refusal)
            return
        session = self.sessions.get(_cookie(headers, COOKIE))
        new_cookie = None
        if session is None:
            session = self.sessions.create()
            new_cookie = session.id
        bearer = self._bearer_ok(headers)
        scope.setdefault("state", {})
        scope["state"].update(session=session, bearer=bearer, new_cookie=new_cookie)
        path = scope["path"]
        signed_in = bearer or session.is_authenticated or not self.settings.requires_login
        if not signed_in and not path.startswith(OPEN_PATHS):
            await self._to_login(scope, headers, send, new_cookie)
            return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            if not self._same_origin(scope, headers):
                await _plain(send, 403, "cross-origin request refused", new_cookie)
                return
            if not bearer:
                body = await _read_body(receive)
                if body is None:
                    await _plain(send, 413, "request too large", new_cookie)
                    return
                if not _csrf_ok(session, headers, body):
                    await _plain(send, 403, "the form has expired (no valid CSRF token): "
                                 "reload the page and try again", new_cookie)
                    return
                receive = _replay(body)
        await self.app(scope, receive, _with_headers(send, scope["state"]))

    def _refusal(self, scope, headers) -> tuple[int, str] | None:
        if self.settings.requires_login:
            return None
        host = _hostname(headers.get("host", ""))
        if self.settings.is_loopback and not (host in LOOPBACK_NAMES or is_loopback(host)):
            return 421, (f"this server answers only to loopback names (127.0.0.1, localhost), "
                         f"not {host or 'an empty Host'}")
        if "forwarded" in headers or "x-forwarded-for" in headers:
            return 403, ("this request came through a proxy and the web UI has no password: "
                         "set web.password_hash or web.token in the config")
        return None

    def _bearer_ok(self, headers) -> bool:
        token = self.settings.token
        auth = headers.get("authorization", "")
        if not token or not auth.lower().startswith("bearer "):
            return False
        return hmac.compare_digest(auth[7:].strip().encode(), token.encode())

    def _same_origin(self, scope, headers) -> bool:
        origin = headers.get("origin")
        if origin is None:  # not a browser, or an old one: the CSRF token still applies
            return True
        parts = urlsplit(origin)
        return parts.netloc == headers.get("host", "") and \
            parts.scheme in ("http", "https")

    async def _to_login(self, scope, headers, send, new_cookie) -> None:
        target = scope["path"] + ("?" + scope["query_string"].decode("latin-1")
                                  if scope.get("query_string") else "")
        location = "/login?next=" + quote(target, safe="")
        if "hx-request" in headers:  # htmx follows this header with a full page load
            extra = [(b"hx-redirect", location.encode())]
            await _plain(send, 401, "sign in first", new_cookie, extra)
            return
        await _plain(send, 303, "sign in first", new_cookie, [(b"location", location.encode())])


def set_cookie_header(session_id: str | None) -> tuple[bytes, bytes]:
    if session_id is None:  # sign out: expire it
        return b"set-cookie", f"{COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; " \
                              "SameSite=Strict".encode()
    # Secure: browsers keep it over https and on http://127.0.0.1 and localhost only; HttpOnly:
    # no script reads it; SameSite=Strict: never sent with a request another site starts.
    return b"set-cookie", f"{COOKIE}={session_id}; Path=/; Secure; HttpOnly; " \
                          "SameSite=Strict".encode()


def _with_headers(send, state):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {k.lower() for k, _ in headers}
            headers += [h for h in SECURITY_HEADERS if h[0] not in names]
            if b"cache-control" not in names:
                headers.append((b"cache-control", b"no-store"))
            cookie = state.get("set_cookie", state.get("new_cookie"))
            if cookie is not None or state.get("set_cookie_clear"):
                headers.append(set_cookie_header(None if state.get("set_cookie_clear")
                                                 else cookie))
            message = {**message, "headers": headers}
        await send(message)
    return wrapped


async def _plain(send, status: int, text: str, new_cookie: str | None = None,
                 extra: list | None = None) -> None:
    body = (text + "\n").encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), *(extra or [])]
    state = {"new_cookie": new_cookie}
    await _with_headers(send, state)({"type": "http.response.start", "status": status,
                                      "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _headers(scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}; {text}" if name == "cookie" and name in out else text
    return out


def _cookie(headers: dict[str, str], name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header: as if there were none
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rpartition(":")[0] if host.count(":") == 1 else host


async def _read_body(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}
    return receive


def _csrf_ok(session: Session, headers: dict[str, str], body: bytes) -> bool:
    given = headers.get("x-csrf-token")
    if given is None:
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=100)
        given = (form.get("csrf") or [""])[0]
    return bool(given) and hmac.compare_digest(given.encode(), session.csrf.encode())
