"""`monitor test-alert CHANNEL`: a sample alert sent to one channel now, not through the
outbox."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from monitor.cli.parser import EXIT_OK
from monitor.cli.startup import read_config, start_logging
from monitor.errors import ConfigError


def add_parser(sub, common) -> None:
    p = sub.add_parser("test-alert", parents=[common],
                       help="send a sample alert to CHANNEL now (not through the outbox)")
    p.add_argument("channel", metavar="CHANNEL", help="a channel name from the config")
    p.set_defaults(func=cmd_test_alert)


def cmd_test_alert(args, stdout, stderr) -> int:
    from monitor.config import CHANNEL_TYPES
    from monitor.deliver import build_channels
    from monitor.render.sample import sample_alert

    config = read_config(args)
    start_logging(args, stderr, "warning", config.secrets)
    try:
        spec = config.channel(args.channel)
    except KeyError:
        names = ", ".join(c.name for c in config.channels) or "none defined"
        raise ConfigError(f"test-alert: no channel named {args.channel!r} (channels: {names})")
    alert = sample_alert(spec.name, datetime.now(timezone.utc))

    async def go():
        channels = build_channels([spec], stdout=stdout)
        try:
            await channels[spec.name].send(alert)
        finally:
            await channels[spec.name].aclose()

    asyncio.run(go())
    note = CHANNEL_TYPES[spec.type].test_alert_note
    stdout.write(f"channel {spec.name}: {note or f'test alert sent ({spec.type})'}\n")
    return EXIT_OK
