"""How values read in command output: counts in English, times in UTC, shortened text."""

from __future__ import annotations

from datetime import datetime, timezone


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 feed`, `2 feeds`, `1,000 matches`."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def utc_time(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if dt else None


def iso_time(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
