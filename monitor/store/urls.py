"""State URLs: whether `state` names a database several nodes share, its `${VAR}` references
filled in from the environment (each value a secret), and the form messages show (password
masked). No driver is imported here: a SQLite-only install uses these too."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, quote, urlsplit

from monitor.errors import StoreError

SCHEMES = ("postgresql://", "postgres://")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

def is_shared(state: str | os.PathLike) -> bool:
    """A `postgresql://` (or `postgres://`) URL: a state several nodes share."""
    return isinstance(state, str) and state.startswith(SCHEMES)


def expand(url: str, environ: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The URL with `${VAR}` replaced, and the values replaced (secrets). Raises StoreError
    naming a variable that is not set."""
    environ = os.environ if environ is None else environ
    secrets: list[str] = []

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in environ:
            raise StoreError(f"state {redact(url)}: environment variable {name} is not set",
                             hint=f"export {name}=… before starting monitor")
        secrets.append(environ[name])
        # A password may hold URL delimiters (@ : / ?): encoded, libpq decodes it again.
        return quote(environ[name], safe="")

    return _VAR.sub(value, url.replace("$$", "\0")).replace("\0", "$"), secrets


def redact(url: str) -> str:
    """The URL as logs and errors show it: the password and `password=` masked (a file path
    is shown as it is)."""
    if not is_shared(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://***"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{hosts}" if ":" in userinfo else f"{user}@{hosts}"
    query = "&".join(f"{k}={'***' if k.lower() == 'password' else v}"
                     for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
