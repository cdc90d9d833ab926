"""`monitor web`: the web UI over the state (monitor.web); `--hash-password` makes the hash
that `web.password_hash` holds."""

from __future__ import annotations

import asyncio
import getpass
import os
import signal

from monitor.cli.parser import EXIT_ERROR, EXIT_OK
from monitor.cli.startup import print_warnings, read_config, start_logging
from monitor.errors import MonitorError


def add_parser(sub, common) -> None:
    p = sub.add_parser("web", parents=[common], help="serve the web UI (matches, search, feeds, "
                                                     "rules with a live preview, outbox)")
    p.add_argument("--host", default=None, metavar="HOST",
                   help="address to listen on (default 127.0.0.1; any other needs a password "
                        "or a token)")
    p.add_argument("--port", type=int, default=None, metavar="N", help="port (default 8080)")
    p.add_argument("--refresh", type=float, default=None, metavar="SECONDS",
                   help="how often the matches page asks for new matches (default 5)")
    p.add_argument("--hash-password", action="store_true",
                   help="read a password (twice, or once from a pipe) and print its hash for "
                        "web.password_hash; serve nothing")
    p.set_defaults(func=cmd_web)


def cmd_web(args, stdout, stderr) -> int:
    if args.hash_password:
        return _hash_password(stdout, stderr)
    from monitor.indexing import BackgroundIndexer
    from monitor.store import open_store
    from monitor.web.server import WebServer, build_app, listen
    from monitor.web.settings import settings_from

    config = read_config(args)
    print_warnings(config, stderr)
    secrets = list(config.secrets) + [v for v in (os.environ.get("MONITOR_WEB_TOKEN"),) if v]
    start_logging(args, stderr, "info", tuple(secrets))
    if args.refresh is not None and not 0.5 <= args.refresh <= 3600:
        raise MonitorError(f"--refresh {args.refresh:g}: give 0.5 to 3600 seconds")
    settings = settings_from(config, host=args.host, port=args.port, refresh=args.refresh)
    if args.port is not None and not 0 <= args.port <= 65535:
        raise MonitorError(f"--port {args.port}: not a port (0-65535)")
    current = ConfigOnSighup(args, config)
    app = build_app(current.get, settings)
    sock = listen(settings)
    server = WebServer(app, sock)
    stdout.write(f"monitor web: http://{_shown(settings.host)}:{server.port}/\n")
    stdout.flush()
    indexer = BackgroundIndexer(lambda: open_store(config.state_path, create=False)).start()
    try:
        asyncio.run(_serve(server, current.reload))
    finally:
        indexer.stop()
        server.close()
    return EXIT_OK


class ConfigOnSighup:
    """The config the pages read, loaded again on SIGHUP as the daemon's is (`kill -HUP` on
    every monitor after an edit): rules, feeds and channels follow the file; an invalid file
    is logged, one line per problem, and the old config kept. The state and the `web:`
    settings (address, password) stay as they were at start."""

    def __init__(self, args, config) -> None:
        self.args = args
        self.config = config

    def get(self):
        return self.config

    def reload(self) -> None:
        import logging

        from monitor.errors import ConfigError

        log = logging.getLogger("monitor.web")
        try:
            new = read_config(self.args)
        except ConfigError as exc:
            for line in exc.lines:
                log.error("Config reload failed; keeping the old config",
                          extra={"fields": {"error": line}})
            return
        if new.state_path != self.config.state_path:
            log.error("Config reload: `state` cannot change while running; keeping the old "
                      "config")
            return
        from monitor.log import add_secrets

        add_secrets(new.secrets)
        self.config = new
        log.info("Config reloaded", extra={"fields": {"feeds": len(new.feeds),
                                                      "rules": len(new.rules)}})


async def _serve(server, reload) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload)
    await server.run_until(stop)


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _hash_password(stdout, stderr) -> int:
    import sys

    from monitor.web.passwords import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            stderr.write("monitor: error: the passwords differ\n")
            return EXIT_ERROR
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        stderr.write("monitor: error: a password needs at least 8 characters\n")
        return EXIT_ERROR
    stdout.write(hash_password(password) + "\n")
    return EXIT_OK
