"""`monitor run`: the daemon (monitor.daemon)."""

from __future__ import annotations

from monitor.cli.startup import print_warnings, read_config, start_logging


def add_parser(sub, common) -> None:
    p = sub.add_parser("run", parents=[common], help="run as a daemon: poll on schedule, deliver")
    p.add_argument("--health-port", type=int, metavar="N",
                   help="serve /healthz and /metrics on 127.0.0.1:N")
    p.add_argument("--health-host", default="127.0.0.1", metavar="HOST",
                   help="address for --health-port (default 127.0.0.1)")
    p.add_argument("--web-port", type=int, metavar="N",
                   help="also serve the web UI (as `monitor web`) on this port")
    p.add_argument("--web-host", default=None, metavar="HOST",
                   help="address for --web-port (default: the config's web.host, 127.0.0.1); "
                        "any other than loopback needs web.password_hash or web.token")
    p.set_defaults(func=cmd_run)


def cmd_run(args, stdout, stderr) -> int:
    import signal

    # A stop asked for while the daemon starts (loading the config and the pipeline takes
    # about a second) is kept and honoured once it runs: `docker stop` at any moment exits 0.
    early: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: early.append(signum))
    from monitor.daemon import run_daemon

    config = read_config(args)
    print_warnings(config, stderr)
    import os

    web_token = os.environ.get("MONITOR_WEB_TOKEN")  # never in a log line either
    start_logging(args, stderr, "info", (*config.secrets, *([web_token] if web_token else [])))
    return run_daemon(config, args=args, stdout=stdout, early_signals=early)
