#!/usr/bin/env python3
"""Config loading speed: `load_config` of a config with many feeds, against the bare YAML parse
of the same file, in one run.

    python bench/config_load.py [--feeds 10000] [--rules 50] [--runs 5]

The config is what a large desk writes: N feeds (every third with its own `interval`, every
fifth with a `language`, one in ten a local file relative to the config), rules with
per-language queries, a console, a webhook and an e-mail channel. Timed in this process
(imports excluded): `yaml` is libyaml's safe loader on the same text (the floor: any loader reads
the YAML), `load` is `monitor.config.load_config` (line-keeping YAML, `${VAR}`, validation, cross
checks, rule compilation, the objects the code uses). Prints wall (median, best) and CPU
(median) time of --runs, and the ratio load/yaml. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import load_config  # noqa: E402

WORDS = {"en": ["drone", "factory", "sanctions", "export", "border", "attack"],
         "ru": ["беспилотник", "завод", "санкции", "экспорт", "граница", "атака"],
         "be": ["беспілотнік", "завод", "санкцыі", "экспарт", "мяжа", "атака"]}


def config_text(feeds: int, rules: int) -> str:
    lines = ["feeds:"]
    for i in range(feeds):
        lines.append(f"  - name: feed-{i}")
        if i % 10 == 9:
            lines.append(f"    url: feeds/feed-{i}.xml")
        else:
            lines.append(f"    url: https://news{i % 97}.example.org/rss/{i}.xml")
        if i % 5 == 0:
            lines.append(f"    language: {('en', 'ru', 'be')[i % 3]}")
        if i % 3 == 0:
            lines.append(f"    interval: {5 + i % 55}m")
    lines.append("rules:")
    for r in range(rules):
        lines.append(f"  - name: rule-{r}")
        lines.append("    query:")
        for lang, words in WORDS.items():
            a, b = words[r % len(words)], words[(r * 7 + 1) % len(words)]
            lines.append(f'      {lang}: {a} NEAR/8 ({b} OR "{a} {b}") -toy')
        if r % 4 == 0:
            lines.append("    channels: [hook]")
    lines += ["channels:",
              "  - {name: console, type: console}",
              "  - name: hook",
              "    type: webhook",
              "    url: https://hooks.example.org/T000/${HOOK_TOKEN}",
              "    digest: 10m",
              "  - name: desk",
              "    type: email",
              "    host: smtp.example.org",
              "    username: alerts",
              "    password: ${SMTP_PASSWORD}",
              "    from: alerts@example.org",
              "    to: [desk@example.org]",
              "fetch: {concurrency: 64, per_host: 4, max_body_size: 20MB}",
              "delivery: {retry_first: 1m, retry_max: 2h}",
              "retention: {items: 60d, sent_alerts: never}",
              "state: state/monitor.db"]
    return "\n".join(lines) + "\n"


def timed(fn, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run (CPU is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {"HOOK_TOKEN": "tok-123456", "SMTP_PASSWORD": "pw-abcdef"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        text = config_text(args.feeds, args.rules)
        path.write_text(text, encoding="utf-8")
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        config = load_config(path, env=env)  # warm up (and check it loads)
        assert len(config.feeds) == args.feeds, len(config.feeds)
        bare = timed(lambda: yaml.load(path.read_text(encoding="utf-8"), Loader=loader),
                     args.runs)
        ours = timed(lambda: load_config(path, env=env), args.runs)
    print(f"config with {args.feeds:,} feeds, {args.rules} rules, {len(text) / 1e6:.1f} MB; "
          f"{args.runs} runs (python {sys.version.split()[0]}, "
          f"{'libyaml' if loader is not yaml.SafeLoader else 'pure-Python YAML'})")
    for label, (wall, cpu) in (("yaml", bare), ("load", ours)):
        print(f"  {label:5} wall median {statistics.median(wall) * 1000:8.1f} ms, best "
              f"{min(wall) * 1000:8.1f} ms; CPU median {statistics.median(cpu) * 1000:8.1f} ms")
    print(f"  load/yaml CPU: {statistics.median(ours[1]) / statistics.median(bare[1]):.2f}x; "
          f"{statistics.median(ours[1]) / args.feeds * 1e6:.1f} us CPU per feed")


if __name__ == "__main__":
    main()
