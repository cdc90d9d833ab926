"""`monitor models list|install|remove` and `monitor translate`: the offline translation
models and a translation of any text with them."""

from __future__ import annotations

import argparse
import json
import os
import sys

from monitor.cli.parser import EXIT_OK, Parser
from monitor.cli.startup import read_config, start_logging
from monitor.errors import ConfigError


def add_parsers(sub, common) -> None:
    models_dir = argparse.ArgumentParser(add_help=False)
    models_dir.add_argument("--models-dir", metavar="DIR", default=argparse.SUPPRESS,
                            help="translation packages folder (default: the config's "
                                 "translation.models_dir)")
    p = sub.add_parser("models", parents=[common, models_dir],
                       help="list, install or remove translation models (install FROM TO is "
                            "the only command that downloads)")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", parser_class=Parser,
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
    p.add_argument("--from", dest="source", metavar="LANG",
                   help="source language (default: detected, among the config's languages)")
    p.add_argument("--to", dest="target", metavar="LANG",
                   help="target language (default: the config's target_language, else en)")
    p.add_argument("text", nargs="?", default="-", metavar="TEXT|-",
                   help="text to translate; '-' or nothing reads stdin")
    p.add_argument("--json", action="store_true",
                   help='print {"translation": …, "route": …} instead of the text')
    p.set_defaults(func=cmd_translate)


def _translation_settings(args, stderr):
    """(TranslationConfig, config or None): --models-dir needs no config file."""
    from monitor.config import TranslationConfig

    start_logging(args, stderr, "warning")
    if args.models_dir:
        config = read_config(args) if os.path.exists(args.config) else None
        base = config.translation if config else TranslationConfig()
        return base.model_copy(update={"models_dir": os.path.abspath(args.models_dir)}), config
    config = read_config(args)
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
    source = args.source or _detected_language(text, config)
    if not args.source:
        stderr.write(f"monitor: translating from {source} (detected; --from LANG to say)\n")
    translator = ModelTranslator(settings)
    [translation], route = translator.translate_texts([text.rstrip("\n")], source, target)
    if args.json:
        json.dump({"translation": translation, "route": route, "source": source,
                   "target": target}, stdout, ensure_ascii=False)
        stdout.write("\n")
    else:
        stdout.write(translation + "\n")
    return EXIT_OK


def _detected_language(text: str, config) -> str:
    """The language of `text` among the config's languages (en, ru, be, uk without one), as
    the poll detects an item's: pasting a headline should not need its language named."""
    from monitor.config.schema import DEFAULT_LANGUAGES
    from monitor.language import detect

    language, _ = detect(text, languages=config.languages if config else DEFAULT_LANGUAGES)
    if language == "und":
        raise ConfigError("translate: the text has no letters to tell its language by; "
                          "say it with --from LANG")
    return language
