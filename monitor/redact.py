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
from functools import lru_cache
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

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
    without padding) and percent-encoded; for a URL with userinfo, also the credentials it
    logs in with (HTTP Basic sends base64 of user:password)."""
    if len(secret) < MIN_SECRET_CHARS:
        return []
    raw = secret.encode("utf-8")
    forms = [secret, *_b64(raw), quote(secret, safe=""), quote_plus(secret)]
    if "@" in secret and "://" in secret:
        try:
            parts = urlsplit(secret)
            user, password = parts.username, parts.password
        except ValueError:
            user = password = None
        if user and password:
            forms += [f"{user}:{password}", *credential_forms(user, password)]
    return list(dict.fromkeys(forms))


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


@lru_cache(maxsize=8)
def scrubber_for(secrets: tuple[str, ...]) -> Scrubber:
    """One Scrubber per set of secrets (a config's), built once."""
    return Scrubber(secrets)


def display_url(url: str, scrub: Scrubber | None = None) -> str:
    """A URL as shown to people: `scheme://host[:port]/path`, which identifies a feed, with
    userinfo shown as `***@`, each query value as `***` (the names stay), no fragment, and
    every secret left in the path masked. Anything that is not an http(s) URL is only
    scrubbed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return MASK
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return scrub.scrub(url) if scrub is not None else url
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    netloc = ("***@" if "@" in parts.netloc else "") + (f"{host}:{port}" if port else host)
    query = "&".join(f"{name}={MASK}" if value else name
                     for name, value in parse_qsl(parts.query, keep_blank_values=True))
    path = scrub.scrub(parts.path) if scrub is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def redact_strings(node: Any, redact: Callable[[str], str]) -> Any:
    """A copy of a tree of dicts and lists with `redact` applied to every string in it."""
    if isinstance(node, dict):
        return {k: redact_strings(v, redact) for k, v in node.items()}
    if isinstance(node, list):
        return [redact_strings(v, redact) for v in node]
    return redact(node) if isinstance(node, str) else node


def redact_value(text: str, scrub: Scrubber) -> str:
    """A config value for display: a URL through display_url, anything else scrubbed."""
    if text[:8].lower().startswith(("http://", "https://")):
        return display_url(text, scrub)
    return scrub.scrub(text)


class EnvRefs:
    """Values from `${VAR}` and their references, so that what the state file keeps (a
    feed's URL) holds `${VAR}` instead of the secret, and is turned back when read."""

    def __init__(self, refs: Iterable[tuple[str, str]] = ()) -> None:
        """`refs`: (value, variable name) pairs."""
        pairs = {value: name for value, name in refs if len(value) >= MIN_SECRET_CHARS}
        self._hide = sorted(pairs.items(), key=lambda p: len(p[0]), reverse=True)
        self._reveal = {"${" + name + "}": value for value, name in self._hide}
        self._pattern = re.compile("|".join(re.escape(k) for k in self._reveal)) \
            if self._reveal else None

    def hide(self, text: str | None) -> str | None:
        if text and self._hide:
            for value, name in self._hide:
                if value in text:
                    text = text.replace(value, "${" + name + "}")
        return text

    def reveal(self, text: str | None) -> str | None:
        if text and self._pattern is not None and "${" in text:
            text = self._pattern.sub(lambda m: self._reveal[m.group()], text)
        return text
