"""One `channels:` entry validated on its own, by its type's settings, for tests that build a
channel without a whole config file (a config file is checked by monitor.config.load_config)."""

from __future__ import annotations

from typing import Any, Mapping

from monitor.config.channels import CHANNEL_TYPES, ChannelConfig


def channel_config(entry: Mapping[str, Any]) -> ChannelConfig:
    """Raises KeyError for an unknown type and pydantic's ValidationError for a wrong value."""
    return CHANNEL_TYPES[entry["type"]].settings.model_validate(dict(entry))
