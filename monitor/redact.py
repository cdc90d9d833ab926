"""Keeping secrets out of what monitor shows and stores. Pure; stdlib only.

A secret is anything that came from `${VAR}` in the config, plus a channel's credentials. It
can come back in other clothes: an SMTP server that echoes the `AUTH PLAIN` argument puts
base64("\\0user\\0password") into its error reply, a URL carries a token percent-encoded, an
`Authorization: Basic` header is base64("user:password"). `secret_forms` lists the forms to
look for; `Scrubber` replaces every one of them, and the token-looking parts of URLs, with
`***`; `display_url` shows a URL without its userinfo and query, keeping what identifies it.
"""

from __future__ import annotations

import base64
import re
from typing import Iterable
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_CHARS = 4  # shorter values ("on", "1") are too common to scrub without harm

# URL parts that carry tokens even when no `${VAR}` put them there: userinfo, /bot<token>/,
# webhook paths, sig= and token= parameters.
_URL_SECRETS = [
    (re.compile(r"(https?://)[^/\s:@]+:[^/\s@]+@"), r"\1***@"),
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), r"\1***"),
    (re.compile(r"(hooks\.slack\.com/services/)[^\s\"']+"), r"\1***"),
    (re.compile(r"(/api/webhooks/\d+/)[^\s\"'/?]+"), r"\1***"),
    (re.compile(r"([?&](?:sig|token|access_token|key|api_key|apikey|password|secret)=)"
                r"[^&\s\"']+", re.I), r"\1***"),
]


def _b64(data: bytes) -> list[str]:
    standard = base64.b64encode(data).decode("ascii")
    urlsafe = base64.urlsafe_b64encode(data).decode("ascii")
    return list(dict.fromkeys([standard, standard.rstrip("="), urlsafe, urlsafe.rstrip("=")]))


def secret_forms(secret: str) -> list[str]:
    """`secret` as it may appear in text: itself, base64 (standard and URL-safe, with and
    without padding) and percent-encoded."""
    if len(secret) < MIN_SECRET_CHARS:
        return []
    raw = secret.encode("utf-8")
    return list(dict.fromkeys([secret, *_b64(raw), quote(secret, safe=""), quote_plus(secret)]))


def credential_forms(username: str | None, password: str | None) -> list[str]:
    """What a login sends, encoded, that a server may echo: SASL PLAIN (RFC 4616:
    [authzid] NUL authcid NUL passwd, base64 in SMTP AUTH), LOGIN (each of user and password
    base64 on its own line), HTTP Basic (base64 of user:password), plus the password's own
    forms."""
    forms = secret_forms(password or "")
    if username and password:
        for blob in (f"\0{username}\0{password}", f"{username}\0{username}\0{password}",
                     f"{username}:{password}"):
            forms += _b64(blob.encode("utf-8"))
        forms += _b64(username.encode("utf-8"))
    return list(dict.fromkeys(forms))


_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}")


class Scrubber:
    """Replaces every given secret, in each of its forms, and token-looking URL parts. A
    server that quotes a credential may cut it short: any run of 8 or more base64
    characters that is part of a base64 form is replaced too."""

    def __init__(self, secrets: Iterable[str] = (), *, forms: Iterable[str] = ()) -> None:
        found: set[str] = set(forms)
        for secret in secrets:
            if secret:
                found.update(secret_forms(secret))
        # Longest first, so that a secret containing another is replaced whole.
        self.forms = sorted((f for f in found if len(f) >= MIN_SECRET_CHARS), key=len,
                            reverse=True)
        self._base64 = [f for f in self.forms if _BASE64_RUN.fullmatch(f.rstrip("="))]

    def __call__(self, text: str) -> str:
        return self.scrub(text)

    def scrub(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        if self._base64:
            text = _BASE64_RUN.sub(self._fragment, text)
        for pattern, replacement in _URL_SECRETS:
            text = pattern.sub(replacement, text)
        return text

    def _fragment(self, match: re.Match) -> str:
        token = match.group()
        return MASK if any(token in form for form in self._base64) else token

    def extended(self, secrets: Iterable[str] = (), *, forms: Iterable[str] = ()) -> "Scrubber":
        return Scrubber(secrets, forms=[*self.forms, *forms])


def display_url(url: str, scrub: Scrubber | None = None) -> str:
    """A URL as shown to people: no userinfo, query or fragment (`?…` when it had a query),
    every secret in what is left masked. `scheme://host[:port]/path` identifies a feed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return MASK
    if parts.scheme not in ("http", "https"):
        text = url if scrub is None else scrub.scrub(url)
        return text
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if scrub is not None:
        shown = scrub.scrub(shown)
    return shown + ("?…" if parts.query else "")
