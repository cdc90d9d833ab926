"""Parsers and checks for the config's values: durations, sizes, rates, language codes, URLs,
queries, webhook secrets. Pure; used by `config`'s schema. Each raises ValueError with a message
that reads after `file:line: key: `, and never repeats a value that may be a secret (a channel
URL carries its token; a feed URL is shown, as `check --show` shows it).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import idna

# ---------------------------------------------------------------------------------------------
# Durations, sizes, rates

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_UNIT_NAMES = ", ".join(DURATION_UNITS)
# Spellings people write for the units we have: a did-you-mean, not a second syntax.
_UNIT_SLIPS = {"sec": "s", "secs": "s", "second": "s", "seconds": "s", "min": "m",
               "mins": "m", "minute": "m", "minutes": "m", "hr": "h", "hrs": "h", "hour": "h",
               "hours": "h", "day": "d", "days": "d", "week": "w", "weeks": "w"}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.I)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2,
               "gb": 1000**3, "gib": 1024**3, None: 1}


def parse_duration(value: Any) -> float:
    """`30s`, `15m`, `2h`, `1d`, `1w`, `250ms` → seconds. A bare number is refused: `interval: 5`
    was read as 5 seconds, and most people who write it mean minutes."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise ValueError(f"must be a duration like 30s, 15m, 2h or 1d (units: {_UNIT_NAMES})")
    text = _number_text(value) if isinstance(value, (int, float)) else str(value)
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"must be a duration like 30s, 15m, 2h or 1d (units: {_UNIT_NAMES}), "
                         f"got {value!r}")
    number, unit = m.group(1), m.group(2)
    if not unit:
        raise ValueError(f"{number} has no unit: add one, e.g. {number}m (units: {_UNIT_NAMES})")
    if unit not in DURATION_UNITS:
        slip = _UNIT_SLIPS.get(unit.lower())
        hint = f"did you mean {number}{slip}?" if slip else f"units: {_UNIT_NAMES}"
        raise ValueError(f"unknown unit '{unit}' ({hint})")
    seconds = float(number) * DURATION_UNITS[unit]
    if seconds <= 0:
        raise ValueError(f"must be more than zero, got {value!r}")
    return seconds


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_size(value: Any) -> int:
    """`10MB`, `512KiB` (or a number of bytes) → bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        m = _SIZE.match(str(value)) if isinstance(value, (str, float)) else None
        if not m:
            raise ValueError("must be a size like 10MB or 512KiB"
                             + (f", got {value!r}" if isinstance(value, str) else ""))
        size = int(float(m.group(1)) * _SIZE_UNITS[m.group(2) and m.group(2).lower()])
    if size <= 0:
        raise ValueError(f"must be more than zero, got {value!r}")
    return size


def parse_rate(value: Any) -> float:
    """`20/min`, `1/s`, `100/h` → messages per minute."""
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$",
                 value) if isinstance(value, str) else None
    if not m:
        raise ValueError("must be a rate like 20/min, 1/s or 100/h"
                         + (f", got {value!r}" if isinstance(value, (str, int, float)) else ""))
    per = {"s": 1 / 60, "sec": 1 / 60, "second": 1 / 60, "m": 1, "min": 1, "minute": 1,
           "h": 60, "hour": 60}[m.group(2)]
    rate = float(m.group(1)) / per
    if rate <= 0:
        raise ValueError(f"must be more than zero, got {value!r}")
    return rate


def check_language(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{2,3}", value):
        raise ValueError("must be a language code like en, ru, be"
                         + (f", got {value!r}" if isinstance(value, (str, int, float)) else ""))
    return value


# ---------------------------------------------------------------------------------------------
# URLs

_WHITESPACE = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # httpx refuses these (InvalidURL), even encoded in YAML
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
_IPV4_LIKE = re.compile(r"[0-9.]+")
# The first path segment of a scheme-less feed `url` that names a host: `example.org/rss`,
# `www.bbc.co.uk`, `localhost:8080/feed`, `10.0.0.5/rss`.
_HOST_LIKE = re.compile(r"(?:localhost|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|"
                        r"(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]{1,62})(?::[0-9]*)?")
_FEED_FILE_SUFFIXES = {"xml", "rss", "atom", "rdf", "json", "txt", "html", "htm", "yaml", "yml"}


def _kind(value: Any) -> str:
    return ("a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict)
            else "nothing" if value is None else "true/false" if isinstance(value, bool)
            else "a number" if isinstance(value, (int, float)) else "text")


def http_url_problem(url: str) -> str | None:
    """What is wrong with an http(s) URL, or None. The message may name the host and port,
    never the path, query or user info (a webhook's token lives there)."""
    if _WHITESPACE.search(url):
        return "must not contain spaces or line breaks (write a space in a path as %20)"
    if _CONTROL.search(url):
        return "must not contain control characters (write them percent-encoded, e.g. %7F)"
    try:
        parts = urlsplit(url)
    except ValueError:  # urlsplit checks a bracketed IPv6 address itself
        bracketed = re.search(r"//[^/]*?\[([^\]/]*)\]?", url)
        return f"'[{bracketed.group(1)}]' is not a valid IPv6 address" if bracketed else \
            "is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return "must start with http:// or https://" if not scheme else \
            f"must be an http(s) URL, not {scheme}:"
    hostport = parts.netloc.rpartition("@")[2]
    if not parts.hostname:
        return "has no host name (write it as https://host/path)"
    port = _port_problem(hostport)
    if port:
        return port
    return _host_problem(parts.hostname, bracketed=hostport.startswith("["))


def _port_problem(hostport: str) -> str | None:
    after = hostport.rpartition("]")[2] if hostport.startswith("[") else hostport
    if ":" not in after:
        return None
    text = after.rpartition(":")[2]
    if text == "":
        return None  # `host:` is the default port, as browsers and httpx read it
    if not text.isdigit():
        return f"port '{text}' is not a number"
    if not 1 <= int(text) <= 65535:
        return f"port {int(text)} is out of range (1-65535)"
    return None


def _host_problem(host: str, *, bracketed: bool) -> str | None:
    if bracketed:
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return f"'[{host}]' is not a valid IPv6 address"
        return None
    if _IPV4_LIKE.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return f"'{host}' is not a valid IPv4 address"
        return None
    if len(host.rstrip(".")) > 253:
        return "host name is longer than 253 characters"
    for label in host.rstrip(".").split("."):
        if label.isascii():
            if not _HOST_LABEL.fullmatch(label) or len(label) > 63 or \
                    (label.startswith("xn--") and not _is_idna(label)):
                return f"'{host}' is not a valid host name"
        elif not _is_idna(label):
            return f"'{host}' is not a valid international domain name"
    return None


def _is_idna(label: str) -> bool:
    try:
        idna.encode(label, uts46=True)  # what httpx does with a non-ASCII host
        return True
    except (idna.IDNAError, UnicodeError):
        return False


def check_http_url(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be an http(s) URL, got {_kind(value)}")
    problem = http_url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def check_feed_url(value: Any, base_dir: Path | None) -> str:
    """A feed is an http(s) URL, a `file://` URL or a file path (relative to the config's
    folder). A scheme-less value that starts with a host name and names no file is a URL
    missing its scheme: refused with the URL it probably meant."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be an http(s) URL or a file path"
                         + ("" if isinstance(value, str) else f", got {_kind(value)}"))
    if value[:8].lower().startswith(("http://", "https://")):  # the usual case, first
        problem = http_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value
    if re.match(r"^[A-Za-z]:[\\/]", value):  # C:\feeds\demo.xml
        return value
    if looks_like_host(value) and not (base_dir and (base_dir / value).exists()):
        raise ValueError(f"is not a URL (no http:// or https://) and no such file exists; "
                         f"did you mean 'https://{value}'?")
    scheme = urlsplit(value).scheme.lower() if ":" in value else ""
    if scheme in ("http", "https"):  # http:/x, http:x
        raise ValueError("has no host name (write it as https://host/path)")
    if scheme not in ("", "file"):
        raise ValueError(f"must be an http(s) URL or a file path, got {value!r}")
    return value


def looks_like_host(value: str) -> bool:
    """Whether a scheme-less `url` starts with a host name rather than a file name."""
    if value.startswith((".", "/", "~")):
        return False
    first, slash, _ = value.partition("/")
    if not _HOST_LIKE.fullmatch(first):
        return False
    # `feed.xml` and `demo.rss` are files; `example.org` and `example.org/feed.xml` are hosts.
    return bool(slash) or first.rpartition(".")[2].lower() not in _FEED_FILE_SUFFIXES


# ---------------------------------------------------------------------------------------------
# Queries and secrets


def check_query(value: Any) -> str | dict[str, str]:
    """A rule's `query`: one string, or a map from language code to string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        for key, query in value.items():
            if not isinstance(key, str) or not re.fullmatch(r"[a-z]{2,3}", key):
                raise ValueError(f"'{key}' is not a language code like en, ru, be (a query "
                                 "map goes from language to query)")
            if not isinstance(query, str):
                raise ValueError(f"the query for '{key}' must be text, got {_kind(query)}")
        return dict(value)
    raise ValueError("must be a query, or a map from language to query "
                     f"({{en: drone, ru: беспилотник}}), got {_kind(value)}")


def check_chat_id(value: Any) -> int | str:
    """A Telegram chat: its number, or `@channelname`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        return value
    raise ValueError("must be a chat id: a number like -1001234567890 or @channelname, got "
                     f"{_kind(value)}")


def is_webhook_secret(secret: str) -> bool:
    """A Standard Webhooks secret: `whsec_` and the base64 of at least 8 bytes."""
    if not re.fullmatch(r"whsec_[A-Za-z0-9+/=]{8,}", secret):
        return False
    try:
        return len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 8
    except ValueError:
        return False


def check_webhook_secret(value: Any) -> str:
    if not isinstance(value, str) or not is_webhook_secret(value):
        raise ValueError("must be a Standard Webhooks secret: whsec_ and at least 8 bytes in "
                         "base64")
    return value
