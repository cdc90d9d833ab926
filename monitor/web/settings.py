"""How the web UI is served and who may use it. Plain values; no I/O.

Loopback by default. Any other address requires a password (stored as a scrypt hash) or a
token: the UI shows feed text and lets its user re-queue alerts, so it is not left open on a
network.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from monitor.errors import MonitorError
from monitor.web.passwords import PasswordHashError, check_hash

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


@dataclass(frozen=True)
class WebSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    password_hash: str | None = None  # scrypt$…, from `monitor web --hash-password`
    token: str | None = None  # a bearer token, or typed into the login form
    # How many of the newest stored items the rule preview and a query-less search read.
    preview_items: int = 1000
    # Seconds between the matches page's checks for new matches (htmx polling).
    refresh_seconds: float = 5.0

    @property
    def requires_login(self) -> bool:
        return bool(self.password_hash or self.token)

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)

    def check(self) -> None:
        """Raises MonitorError when the settings must not be served."""
        if self.password_hash:
            try:
                check_hash(self.password_hash)
            except PasswordHashError as exc:
                raise MonitorError(f"web: password_hash: {exc}") from None
        if self.token is not None and len(self.token) < 16:
            raise MonitorError("web: token: too short (at least 16 characters)",
                               hint="e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(24))'")
        if not self.is_loopback and not self.requires_login:
            raise MonitorError(
                f"web: --host {self.host} is reachable from other machines and the web UI has "
                "no password", hint="set web.password_hash (monitor web --hash-password) or "
                                    "web.token in the config, or serve on 127.0.0.1")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; 0.0.0.0 and :: are every address, not loopback."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings_from(config, *, host: str | None = None, port: int | None = None,
                  refresh: float | None = None) -> WebSettings:
    """The config's `web:` section, the environment's MONITOR_WEB_PASSWORD_HASH and
    MONITOR_WEB_TOKEN over it, the command line's options over both."""
    section = config.web
    values = {"host": section.host, "port": section.port,
              "password_hash": section.password_hash, "token": section.token,
              "refresh_seconds": section.refresh}
    for key, var in (("password_hash", "MONITOR_WEB_PASSWORD_HASH"),
                     ("token", "MONITOR_WEB_TOKEN")):
        if os.environ.get(var):
            values[key] = os.environ[var]
    for key, value in (("host", host), ("port", port), ("refresh_seconds", refresh)):
        if value is not None:
            values[key] = value
    return WebSettings(**values)
