"""Command line: `monitor poll|run|check|status …`. The only module that prints or exits.

`main(argv) -> int`: 0 success (failed feeds are reported, not fatal), 2 configuration or usage
error, 1 runtime error. A MonitorError prints one line `monitor: error: …` (and its hint);
anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import datetime, timezone
from typing import IO, Sequence

from monitor import __version__
from monitor.errors import ConfigError, MonitorError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with one line, like ours
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"monitor: error: {message}\n")


def _add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command shares. They are accepted before and after the command (and
    between a command and its action): the top parser holds the defaults, and the copies in
    the subparsers default to SUPPRESS, so a subparser sets only what was typed after the
    command instead of overwriting with its defaults what came before (argparse copies a
    subparser's whole namespace over the parent's). Given twice, the later one wins."""
    def default(value):
        return value if top else argparse.SUPPRESS

    parser.add_argument("--config", "-c",
                        default=default(os.environ.get("MONITOR_CONFIG") or "config.yaml"),
                        metavar="PATH",
                        help="config file (default: $MONITOR_CONFIG, else ./config.yaml)")
    parser.add_argument("--state", metavar="PATH",
                        default=default(os.environ.get("MONITOR_STATE") or None),
                        help="state file (default: $MONITOR_STATE, else the config's "
                             "`state:`, else monitor.db next to the config)")
    parser.add_argument("--log-format", choices=("text", "json"), default=default("text"),
                        help="log line format on stderr (default: text)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                        default=default(None),
                        help="log level (default: info for run, warning for poll)")
    parser.add_argument("--debug", action="store_true", default=default(False),
                        help="debug logging; re-raise errors with their traceback")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_common_options(common, top=False)
    parser = _Parser(prog="monitor", description="Multilingual news monitor with alerts.",
                     epilog="The options above may be given before or after the command "
                            "(monitor --state x.db poll, monitor poll --state x.db); given "
                            "twice, the later one wins.")
    _add_common_options(parser, top=True)
    parser.set_defaults(models_dir=None)  # --models-dir: see _add_translation_commands
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("poll", parents=[common], help="check every feed once, send alerts, exit")
    p.add_argument("--json", action="store_true", help="print one JSON document with the results")
    p.add_argument("--dry-run", action="store_true",
                   help="poll as a first poll would (every item, unconditional requests) and "
                        "list the matches; record nothing, send nothing")
    p.add_argument("--force", action="store_true", help="also check feeds that are backing off")
    p.add_argument("--feed", action="append", metavar="NAME", help="only this feed (repeatable)")
    p.set_defaults(func=cmd_poll)

    p = sub.add_parser("run", parents=[common], help="run as a daemon: poll on schedule, deliver")
    p.add_argument("--health-port", type=int, metavar="N",
                   help="serve /healthz and /metrics on 127.0.0.1:N")
    p.add_argument("--health-host", default="127.0.0.1", metavar="HOST",
                   help="address for --health-port (default 127.0.0.1)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", parents=[common], help="validate the config; exit 0 or 2")
    p.add_argument("--show", action="store_true",
                   help="print the effective config with secrets redacted")
    p.set_defaults(func=cmd_check)

    _add_translation_commands(sub, common)
    _add_alert_commands(sub, common)

    p = sub.add_parser("rules", parents=[common], help="inspect keyword rules")
    rules_sub = p.add_subparsers(dest="rules_command", metavar="ACTION", parser_class=_Parser,
                                 required=True)
    e = rules_sub.add_parser("explain", parents=[common],
                             help="show how each rule's queries parse and which stems they match")
    e.add_argument("rule", nargs="?", metavar="RULE", help="only this rule (default: all)")
    e.set_defaults(func=cmd_rules_explain)

    p = sub.add_parser("status", parents=[common], help="table of feeds and their health")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("prune", parents=[common],
                       help="delete what `retention:` lets go now and give the space back "
                            "(the daemon does it once a day)")
    p.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    p.add_argument("--json", action="store_true", help="print JSON instead of a sentence")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("detect", parents=[common],
                       help="print `language confidence` for each line of text")
    p.add_argument("text", nargs="?", default="-", metavar="TEXT | -",
                   help="the text (each line is detected on its own); - or nothing reads stdin")
    p.add_argument("--languages", default="en,ru,be,uk", metavar="LIST",
                   help="comma-separated candidate languages (default: en,ru,be,uk)")
    p.add_argument("--hint", metavar="LANG", help="the declared language, used as a weak prior")
    p.set_defaults(func=cmd_detect)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: IO[str] | None = None,
         stderr: IO[str] | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(stdout)
        return EXIT_USAGE
    try:
        return args.func(args, stdout, stderr)
    except MonitorError as exc:
        if args.debug:
            raise
        _print_error(exc, stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("monitor: interrupted\n")
        return 130


def _print_error(exc: MonitorError, stderr: IO[str]) -> None:
    if isinstance(exc, ConfigError) and len(exc.lines) > 1:
        for line in exc.lines:
            stderr.write(f"monitor: error: {line}\n")
    else:
        stderr.write(f"monitor: error: {exc}\n")
    if exc.hint:
        stderr.write(f"  hint: {exc.hint}\n")


def _load(args: argparse.Namespace):
    from monitor.config import load_config

    return load_config(args.config, state_override=args.state)


def _print_warnings(config, stderr: IO[str]) -> None:
    for warning in config.warnings:
        stderr.write(f"monitor: warning: {warning}\n")


def _setup_logging(args: argparse.Namespace, stderr: IO[str], default: str, secrets=()) -> None:
    from monitor.log import setup_logging

    setup_logging(args.log_level or default, args.log_format, stream=stderr, secrets=secrets,
                  debug=args.debug)


# -- commands --------------------------------------------------------------------------------


def cmd_check(args, stdout, stderr) -> int:
    from monitor.translate import missing_routes

    config = _load(args)
    _print_warnings(config, stderr)
    for warning in missing_routes(config.translation, config.feeds, config.target_language):
        stderr.write(f"monitor: warning: {warning}\n")
    if args.show:
        stdout.write(config.redacted())
    else:
        stdout.write(f"{args.config}: ok ({_count(len(config.feeds), 'feed')}, "
                     f"{_count(len(config.rules), 'rule')}, "
                     f"{_count(len(config.channels), 'channel')})\n")
    return EXIT_OK


def cmd_rules_explain(args, stdout, stderr) -> int:
    config = _load(args)
    if args.rule is None and not config.rules:
        stdout.write(f"{args.config}: no rules (add some under rules:)\n")
        return EXIT_OK
    try:
        lines = config.matcher.explain(args.rule)
    except KeyError:
        names = ", ".join(r.name for r in config.rules) or "none"
        raise ConfigError(f"no rule named {args.rule!r} (rules: {names})") from None
    stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def cmd_poll(args, stdout, stderr) -> int:
    from monitor.outbox.drain import drain_outbox
    from monitor.pipeline import poll
    from monitor.runtime import Runtime

    config = _load(args)
    _setup_logging(args, stderr, "error", config.secrets)
    _print_warnings(config, stderr)
    feeds = list(config.feeds)
    if args.feed:
        unknown = sorted(set(args.feed) - {f.name for f in feeds})
        if unknown:
            raise ConfigError(f"--feed: no feed named {', '.join(map(repr, unknown))}")
        feeds = [f for f in feeds if f.name in set(args.feed)]
    progress = _Progress(stderr, len([f for f in feeds if f.enabled])) \
        if stderr.isatty() and not args.debug else None
    # Alerts printed by a console channel must not corrupt the JSON document on stdout.
    alert_stream = stderr if args.json else stdout

    async def go():
        # A dry run is a first poll into an in-memory state (see Runtime), committed there
        # like any poll (so duplicates across feeds count as a first poll counts them) and
        # never delivered; the state file is only read, afterwards, to mark what it has seen.
        async with Runtime(config, stdout=alert_stream, dry_run=args.dry_run) as deps:
            report = await poll(feeds, deps, force=args.force,
                                keep_items=args.json or args.dry_run,
                                on_feed_done=progress.step if progress else None)
            if progress:
                progress.done()
            drained = None
            if not args.dry_run:
                # Everything due goes out (no row cap: a first poll of 10,000 feeds had 24,261
                # alerts); a rate-limited channel gets one window of waiting, then its rows
                # wait for the next run.
                drained = await drain_outbox(deps, max_rows=None, rate_limit_wait_seconds=65.0)
            return report, drained

    report, drained = asyncio.run(go())
    seen = _seen_in_state(config, report.items) if args.dry_run else set()
    if args.json:
        json.dump(_poll_json(report, seen, config), stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        if args.dry_run:
            _print_dry_run_matches(report, seen, stdout)
        _print_poll_summary(report, drained, args.dry_run, stdout, seen)
    return EXIT_OK


def _seen_in_state(config, items) -> set[str]:
    """The keys of `items` the state file has recorded; read-only (none without a state)."""
    from monitor.store import connect

    if not config.state_path.exists():
        return set()
    with connect(config.state_path, readonly=True, untouched=True) as store:
        return store.seen_keys([i.key for i in items])


def cmd_run(args, stdout, stderr) -> int:
    import signal

    # A stop asked for while the daemon starts (loading the config and the pipeline takes
    # about a second) is kept and honoured once it runs: `docker stop` at any moment exits 0.
    early: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: early.append(signum))
    from monitor.daemon import run_daemon

    config = _load(args)
    _print_warnings(config, stderr)
    _setup_logging(args, stderr, "info", config.secrets)
    return run_daemon(config, args=args, stdout=stdout, early_signals=early)


def cmd_prune(args, stdout, stderr) -> int:
    from monitor.errors import StateInUseError
    from monitor.store.retention import prune
    from monitor.store import connect

    config = _load(args)
    _setup_logging(args, stderr, "warning", config.secrets)
    try:
        store = connect(config.state_path, readonly=True, untouched=True) if args.dry_run \
            else connect(config.state_path, create=False, exclusive=True)
    except StateInUseError as exc:
        raise StateInUseError(str(exc), hint="the running daemon prunes the state itself "
                              "every retention.prune_every; stop it to prune now (VACUUM "
                              "needs the state to itself), or see what would go with "
                              "--dry-run") from None
    with store:
        # VACUUM only here, never in the daemon: it holds the write lock for the whole rewrite.
        report = prune(store, config.retention, datetime.now(timezone.utc),
                       dry_run=args.dry_run, allow_vacuum=True)
    if args.json:
        json.dump({"dry_run": report.dry_run, "items": report.items, "matches": report.matches,
                   "sent_alerts": report.sent_alerts, "dead_alerts": report.dead_alerts,
                   "translations": report.translations, "bytes_before": report.bytes_before,
                   "bytes_after": report.bytes_after, "bytes_freed": report.bytes_freed,
                   "space": report.space}, stdout, indent=2)
        stdout.write("\n")
        return EXIT_OK
    r, kept = report, config.retention
    stdout.write(f"{'would remove' if r.dry_run else 'removed'} {_count(r.items, 'item')} out "
                 f"of their feeds for {_days(kept.items_seconds)} (and their "
                 f"{_count(r.matches, 'match', 'matches')}), {_count(r.sent_alerts, 'alert')} "
                 f"sent over {_days(kept.sent_alerts_seconds)} ago, "
                 f"{_count(r.dead_alerts, 'dead alert')} queued over "
                 f"{_days(kept.dead_alerts_seconds)} ago, "
                 f"{_count(r.translations, 'cached translation')}\n")
    if r.dry_run:
        stdout.write(f"nothing was changed (dry run); the state is {_mb(r.bytes_before)}\n")
    else:
        stdout.write(f"gave back {_mb(r.bytes_freed)} ({r.space}); the state is now "
                     f"{_mb(r.bytes_after)}\n")
    return EXIT_OK


def _days(seconds: float | None) -> str:
    return "ever (kept)" if seconds is None else \
        f"{seconds / 86400:g} day{'' if seconds == 86400 else 's'}"


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def cmd_status(args, stdout, stderr) -> int:
    from monitor.store import connect

    from monitor.redact import EnvRefs, display_url, scrubber_for

    config = _load(args)
    scrub = scrubber_for(config.secrets)
    with connect(config.state_path, readonly=True) as store:
        store.env_refs = EnvRefs(config.env_refs)
        states = {s.name: s for s in store.feed_states()}
        counts = {f.name: store.item_count(f.name) for f in config.feeds}
        outbox = store.outbox_counts()
    rows = []
    for feed in config.feeds:
        s = states.get(feed.name)
        rows.append({
            "name": feed.name, "enabled": feed.enabled,
            # Userinfo, query values and every ${VAR} value masked; name and host stay.
            "url": display_url(s.fetch_url if s else feed.url, scrub),
            "last_success": _when(s.last_success_at) if s else None,
            "errors": s.consecutive_failures if s else 0,
            "last_error": scrub.scrub(s.last_error) if s and s.last_error else None,
            "next_due": _when(s.next_due_at) if s else None,
            "items": counts.get(feed.name, 0),
        })
    if args.json:
        json.dump({"feeds": rows, "outbox": outbox}, stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
        return EXIT_OK
    table = [("FEED", "LAST SUCCESS", "ERRORS", "ITEMS", "LAST ERROR")]
    for r in rows:
        table.append((r["name"] + ("" if r["enabled"] else " (disabled)"),
                      r["last_success"] or "never", str(r["errors"]), str(r["items"]),
                      _shorten(r["last_error"] or "", 70)))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[4] + "\n")
    stdout.write(f"\noutbox: {outbox.get('pending', 0)} pending, {outbox.get('sent', 0)} sent, "
                 f"{outbox.get('dead', 0)} dead\n")
    return EXIT_OK


def cmd_detect(args, stdout, stderr) -> int:
    from monitor.language import available_languages, detector_for

    languages = tuple(lang.strip() for lang in args.languages.split(",") if lang.strip())
    unknown = sorted(set(languages) - available_languages())
    if unknown or not languages:
        raise ConfigError(f"--languages: no language profile for {', '.join(map(repr, unknown))}"
                          if unknown else "--languages: give at least one language")
    detector = detector_for(languages)
    lines = sys.stdin if args.text == "-" else args.text.splitlines()
    for line in lines:
        language, confidence = detector.detect(line, args.hint)
        stdout.write(f"{language} {confidence:.3f}\n")
    return EXIT_OK


# -- translation models ----------------------------------------------------------------------


def _add_translation_commands(sub, common) -> None:
    models_dir = argparse.ArgumentParser(add_help=False)
    models_dir.add_argument("--models-dir", metavar="DIR", default=argparse.SUPPRESS,
                            help="translation packages folder (default: the config's "
                                 "translation.models_dir)")
    p = sub.add_parser("models", parents=[common, models_dir],
                       help="list, install or remove translation models (install FROM TO is "
                            "the only command that downloads)")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser,
                            required=True)
    q = msub.add_parser("list", parents=[common, models_dir],
                        help="installed packages and the route for each feed language")
    q.add_argument("--json", action="store_true", help="print JSON instead of a table")
    q.set_defaults(func=cmd_models_list)
    q = msub.add_parser("install", parents=[common, models_dir],
                        help="install FROM TO from the Argos index, or a .argosmodel file")
    q.add_argument("source", metavar="FROM|FILE", help="source language code, or a file")
    q.add_argument("target", metavar="TO", nargs="?", help="target language code")
    q.add_argument("--index", metavar="URL",
                   help="URL of the package index.json (default: Argos's own index)")
    q.set_defaults(func=cmd_models_install)
    q = msub.add_parser("remove", parents=[common, models_dir],
                        help="remove the FROM→TO package")
    q.add_argument("source", metavar="FROM")
    q.add_argument("target", metavar="TO")
    q.set_defaults(func=cmd_models_remove)

    p = sub.add_parser("translate", parents=[common, models_dir],
                       help="translate TEXT (or stdin) offline with the installed models")
    p.add_argument("--from", dest="source", required=True, metavar="LANG")
    p.add_argument("--to", dest="target", metavar="LANG",
                   help="target language (default: the config's target_language, else en)")
    p.add_argument("text", nargs="?", default="-", metavar="TEXT|-",
                   help="text to translate; '-' or nothing reads stdin")
    p.add_argument("--json", action="store_true",
                   help='print {"translation": …, "route": …} instead of the text')
    p.set_defaults(func=cmd_translate)


def _translation_settings(args, stderr):
    """(TranslationSettings, config or None): --models-dir needs no config file."""
    from dataclasses import replace

    from monitor.model import TranslationSettings

    _setup_logging(args, stderr, "warning")
    if args.models_dir:
        config = _load(args) if os.path.exists(args.config) else None
        base = config.translation if config else TranslationSettings()
        return replace(base, models_dir=os.path.abspath(args.models_dir)), config
    config = _load(args)
    return config.translation, config


def cmd_models_list(args, stdout, stderr) -> int:
    from monitor.translate import apertium
    from monitor.translate.packages import installed_packages
    from monitor.translate.routes import APERTIUM_MODES, find_route

    settings, config = _translation_settings(args, stderr)
    packages = installed_packages(settings.models_dir)
    modes = apertium.installed_modes() if settings.apertium else frozenset()
    pairs = [p for p, mode in APERTIUM_MODES.items() if mode in modes]
    target = config.target_language if config else "en"
    languages = sorted({f.language for f in config.feeds if f.language}) if config else []
    routes = {lang: find_route(lang, target, packages, pairs) for lang in languages}
    rows = [{"pair": f"{p.from_code}→{p.to_code}", "version": p.version,
             "size_bytes": p.size_bytes(), "path": str(p.path)} for p in packages]
    if args.json:
        json.dump({"models_dir": settings.models_dir, "packages": rows,
                   "apertium": sorted(f"{s}→{t}" for s, t in pairs),
                   "routes": {lang: r.label if r else None for lang, r in routes.items()}},
                  stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
        return EXIT_OK
    stdout.write(f"models: {settings.models_dir}\n")
    if not rows:
        stdout.write("  no packages installed (`monitor models install ru en`)\n")
    for r in rows:
        stdout.write(f"  {r['pair']:<8} {r['version']:<10} {r['size_bytes'] / 1e6:8.1f} MB  "
                     f"{r['path']}\n")
    apertium_state = ", ".join(f"{s}→{t}" for s, t in pairs) or (
        "not installed" if settings.apertium else "off (translation.apertium: false)")
    stdout.write(f"apertium: {apertium_state}\n")
    if routes:
        stdout.write(f"routes to {target}:\n")
        for lang, route in routes.items():
            stdout.write(f"  {lang:<4} {route.label if route else 'none (untranslated)'}\n")
    return EXIT_OK


def cmd_models_install(args, stdout, stderr) -> int:
    from monitor.translate.index import install_from_index
    from monitor.translate.packages import install_archive

    settings, _ = _translation_settings(args, stderr)
    if args.target is None:
        if not os.path.isfile(args.source):
            raise ConfigError(f"models install: {args.source!r} is not a file; give a file "
                              "or FROM TO (e.g. `monitor models install ru en`)")
        package, replaced = install_archive(settings.models_dir, args.source)
    else:
        stderr.write(f"monitor: looking up {args.source}→{args.target} in "
                     f"{args.index or 'the Argos package index'} (this uses the network)\n")
        package, replaced = install_from_index(settings.models_dir, args.source, args.target,
                                               index_url=args.index)
    stdout.write(f"installed {package.from_code}→{package.to_code} {package.version} in "
                 f"{package.path}\n")
    for old in replaced:
        if old.path != package.path or old.version != package.version:
            stdout.write(f"replaced {old.from_code}→{old.to_code} {old.version}\n")
    return EXIT_OK


def cmd_models_remove(args, stdout, stderr) -> int:
    from monitor.translate.packages import remove_pair

    settings, _ = _translation_settings(args, stderr)
    for package in remove_pair(settings.models_dir, args.source, args.target):
        stdout.write(f"removed {package.from_code}→{package.to_code} {package.version} "
                     f"({package.path})\n")
    return EXIT_OK


def cmd_translate(args, stdout, stderr) -> int:
    from monitor.translate.engine import ModelTranslator

    settings, config = _translation_settings(args, stderr)
    target = args.target or (config.target_language if config else "en")
    text = sys.stdin.read() if args.text == "-" else args.text
    translator = ModelTranslator(settings)
    [translation], route = translator.translate_texts([text.rstrip("\n")], args.source, target)
    if args.json:
        json.dump({"translation": translation, "route": route, "source": args.source,
                   "target": target}, stdout, ensure_ascii=False)
        stdout.write("\n")
    else:
        stdout.write(translation + "\n")
    return EXIT_OK


# -- output helpers --------------------------------------------------------------------------


def _when(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if dt else None


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _poll_json(report, seen: set[str], config) -> dict:
    """`seen`: keys the state had already recorded (a dry run shows every item). URLs and
    errors are shown without secrets (monitor.redact)."""
    from monitor.redact import display_url, scrubber_for

    scrub = scrubber_for(config.secrets)
    items_by_key = {i.key: i for i in report.items}
    return {
        "feeds": [{"name": o.name, "url": display_url(o.url, scrub), "status": o.status,
                   "http_status": o.http_status, "new_items": o.new_items,
                   "error": scrub.scrub(o.error) if o.error else o.error,
                   "error_kind": o.error_kind, "left_out": o.left_out}
                  for o in report.feeds],
        "items": [{"id": i.id, "feed": i.feed, "title": i.title, "summary": i.summary,
                   "link": i.link, "published": _iso(i.published_at), "language": i.language,
                   "seen": i.key in seen}
                  for i in report.items],
        "matches": [{"rule": m.rule, "item_id": items_by_key[m.item_key].id,
                     "feed": items_by_key[m.item_key].feed,
                     "title": items_by_key[m.item_key].title,
                     "link": items_by_key[m.item_key].link,
                     "language": items_by_key[m.item_key].language,
                     "matched_terms": list(m.matched_terms), "seen": m.item_key in seen}
                    for m in report.matches],
    }


def _print_dry_run_matches(report, seen: set[str], out: IO[str]) -> None:
    items_by_key = {i.key: i for i in report.items}
    for m in report.matches:
        item = items_by_key[m.item_key]
        mark = "  (already in the state: a poll would not alert it again)" \
            if m.item_key in seen else ""
        out.write(f"would alert {m.rule}: {item.title} ({item.feed}) {item.link}{mark}\n")


# How the poll summary names each feed status: "3 feeds (2 failed, 1 ok)".
_FEED_STATUS = {"not_modified": "not modified", "error": "failed"}


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 feed`, `2 feeds`, `1,000 matches`."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _print_poll_summary(report, drained, dry_run: bool, out: IO[str], seen: set[str]) -> None:
    by_status = report.feed_counts
    for o in report.feeds:
        if o.status == "error":
            out.write(f"{o.error}\n")
        if o.left_out:
            out.write(f"feed {o.name}: {_count(o.new_items + o.left_out, 'new item')}, more than "
                      f"max_items_per_check; the newest {o.new_items} were taken, "
                      f"{o.left_out} wait for the next checks\n")
    parts = ", ".join(f"{n} {_FEED_STATUS.get(s, s)}" for s, n in sorted(
        by_status.items(), key=lambda sn: _FEED_STATUS.get(sn[0], sn[0])))
    feeds = f"{_count(sum(by_status.values()), 'feed')} ({parts})"
    matches = _count(report.match_count, "match", "matches")
    line = f"{feeds}; {_count(report.item_count, 'new item')}; {matches}"
    if dry_run:
        line = (f"{feeds}; {_count(report.item_count, 'item')} ({len(seen)} already in the "
                f"state); {matches}; {_count(report.alert_count, 'alert')} not sent (dry run: "
                f"nothing recorded)")
    elif drained is not None:
        line += f"; alerts: {drained.sent} sent"
        if drained.failed or drained.pending:
            line += f", {drained.pending} waiting (`monitor outbox` lists them)"
        if drained.dead:
            line += f", {drained.dead} failed for good (see `monitor outbox`)"
    out.write(line + "\n")


class _Progress:
    """A one-line progress bar on a terminal's stderr, shown once a poll takes over half a
    second (a quick poll leaves no trace)."""

    DELAY_SECONDS = 0.5

    def __init__(self, stream: IO[str], total: int) -> None:
        self.stream, self.total, self.count, self.errors = stream, total, 0, 0
        self.started = time.monotonic()
        self.shown = False

    def step(self, outcome) -> None:
        self.count += 1
        self.errors += outcome.status == "error"
        if time.monotonic() - self.started < self.DELAY_SECONDS and self.count < self.total:
            return
        self.shown = True
        width = 30
        filled = width * self.count // max(1, self.total)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total}"
                          f" feeds" + (f", {self.errors} failed" if self.errors else ""))
        self.stream.flush()

    def done(self) -> None:
        if not self.shown:
            return
        self.stream.write("\r" + " " * 70 + "\r")
        self.stream.flush()


# -- alerts: test-alert, outbox ------------------------------------------------------------------


def _add_alert_commands(sub, common) -> None:
    p = sub.add_parser("test-alert", parents=[common],
                       help="send a sample alert to CHANNEL now (not through the outbox)")
    p.add_argument("channel", metavar="CHANNEL", help="a channel name from the config")
    p.set_defaults(func=cmd_test_alert)

    p = sub.add_parser("outbox", parents=[common],
                       help="list pending and dead alerts; retry dead ones; flush")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_outbox_list)
    osub = p.add_subparsers(dest="outbox_command", metavar="ACTION", parser_class=_Parser)
    q = osub.add_parser("list", parents=[common], help="pending and dead alerts (the default)")
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print JSON instead of a table")
    q.set_defaults(func=cmd_outbox_list)
    q = osub.add_parser("retry", parents=[common], help="put dead alerts back in the queue")
    which = q.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", metavar="ID",
                       help="the alert id to retry (al_…, as `monitor outbox` lists it, or "
                            "enough of its start to name one)")
    which.add_argument("--all", action="store_true", help="every dead alert")
    q.set_defaults(func=cmd_outbox_retry)
    q = osub.add_parser("flush", parents=[common],
                        help="send every pending alert now (ignoring backoff and digest "
                             "intervals, pacing rate limits), then exit")
    q.set_defaults(func=cmd_outbox_flush)


def cmd_test_alert(args, stdout, stderr) -> int:
    from monitor.deliver import build_channels
    from monitor.render.sample import sample_alert

    config = _load(args)
    _setup_logging(args, stderr, "warning", config.secrets)
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
    if spec.type == "teams":
        stdout.write(f"channel {spec.name}: Teams accepted the test alert (HTTP 202); Workflows "
                     f"answer 202 before the flow runs, so check that the card appeared in "
                     f"the channel\n")
    else:
        stdout.write(f"channel {spec.name}: test alert sent ({spec.type})\n")
    return EXIT_OK


def _open_store(config, *, readonly: bool = False):
    from monitor.store import connect

    return connect(config.state_path, create=False, readonly=readonly)


def cmd_outbox_list(args, stdout, stderr) -> int:
    config = _load(args)
    with _open_store(config, readonly=True) as store:
        rows = store.outbox_rows(("pending", "dead"), limit=10_000)
        counts = store.outbox_counts()
    if args.json:
        json.dump({"counts": counts, "alerts": [{
            "id": r.alert_id, "status": r.status, "channel": r.channel,
            "kind": r.kind, "rule": r.rule, "title": r.alert.title,
            "alerts": len(r.alert.items) or None, "attempts": r.attempts,
            "next_attempt": _when(r.next_attempt_at) if r.status == "pending" else None,
            "created": _when(r.created_at), "last_error": r.last_error} for r in rows]},
            stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
        return EXIT_OK
    table = [("ID", "STATUS", "CHANNEL", "TRIES", "NEXT TRY", "ALERT", "LAST ERROR")]
    for r in rows:
        what = f"digest of {len(r.alert.items)}" if r.kind == "digest" else \
            f"[{r.rule}] {r.alert.title}"
        table.append((r.alert_id, r.status, r.channel, str(r.attempts),
                      (_when(r.next_attempt_at) or "") if r.status == "pending" else "-",
                      _shorten(what, 50), _shorten(r.last_error or "", 90)))
    if len(table) > 1:
        widths = [max(len(row[i]) for row in table) for i in range(6)]
        for row in table:
            stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[6]
                         + "\n")
        stdout.write("\n")
    stdout.write(f"outbox: {counts.get('pending', 0)} pending, {counts.get('batched', 0)} "
                 f"waiting in a digest, {counts.get('sent', 0)} sent, {counts.get('dead', 0)} "
                 f"dead\n")
    return EXIT_OK


def cmd_outbox_retry(args, stdout, stderr) -> int:
    config = _load(args)
    with _open_store(config) as store:
        alert_id = None
        if not args.all:
            found = store.dead_alert_ids(args.id) if args.id.strip() else []
            if not found:
                raise MonitorError(f"outbox retry: no dead alert with id {args.id}",
                                   hint="`monitor outbox` lists them (ids look like al_3f2a…)")
            if len(found) > 1 and args.id not in found:
                many = f"{len(found)}+" if len(found) >= 10 else str(len(found))
                raise MonitorError(f"outbox retry: {args.id} matches {many} dead alerts",
                                   hint="give more of the id (`monitor outbox` lists them), "
                                        "or --all")
            alert_id = args.id if args.id in found else found[0]
        count = store.retry_dead(alert_id, datetime.now(timezone.utc))
    stdout.write(f"{count} dead alert{'s' if count != 1 else ''} queued again; "
                 f"`monitor outbox flush` sends them now\n")
    return EXIT_OK


def cmd_outbox_flush(args, stdout, stderr) -> int:
    from monitor.outbox.drain import drain_outbox
    from monitor.runtime import Runtime

    config = _load(args)
    _setup_logging(args, stderr, "warning", config.secrets)
    _open_store(config).close()

    async def go():
        async with Runtime(config, stdout=stdout) as deps:
            return await drain_outbox(deps, ignore_backoff=True, max_rows=None,
                                      rate_limit_wait_seconds=float("inf"))

    report = asyncio.run(go())
    line = f"alerts: {report.sent} sent"
    if report.digests:
        line += f" ({report.digests} digest{'s' if report.digests != 1 else ''})"
    if report.failed:
        line += f", {report.failed} failed and will be retried"
    if report.dead:
        line += f", {report.dead} failed for good (see `monitor outbox`)"
    stdout.write(line + f"; {report.pending} pending\n")
    return EXIT_OK if not (report.failed or report.dead) else EXIT_ERROR


def main_entry() -> None:
    """Console-script entry point (and `python -m monitor`)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `monitor poll --json | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    _exit(code)


def _exit(code: int) -> None:
    """Exit without tearing the interpreter down. Freeing a large poll's objects one by one
    takes a tenth of a second, and by now everything that matters is closed (the state, the
    HTTP clients, the channels) or is flushed here (output and logs)."""
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
