"""`monitor detect`: the language and confidence of each line of text."""

from __future__ import annotations

import sys

from monitor.cli.parser import EXIT_OK
from monitor.errors import ConfigError


def add_parser(sub, common) -> None:
    p = sub.add_parser("detect", parents=[common],
                       help="print `language confidence` for each line of text")
    p.add_argument("text", nargs="?", default="-", metavar="TEXT | -",
                   help="the text (each line is detected on its own); - or nothing reads stdin")
    p.add_argument("--languages", default="en,ru,be,uk", metavar="LIST",
                   help="comma-separated candidate languages (default: en,ru,be,uk)")
    p.add_argument("--hint", metavar="LANG", help="the declared language, used as a weak prior")
    p.set_defaults(func=cmd_detect)


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
