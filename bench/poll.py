#!/usr/bin/env python3
"""Polling speed: `monitor poll` against the naive feedparser loop, on one feed farm, in one run.

    python bench/poll.py [--feeds 1000] [--runs 3] [--naive-runs 1] [--farm DIR]
                         [--server auto|nginx|python] [--scale 10000] [--newsboat] [--json FILE]

Generates a farm (bench/farm.py: 1,000 RSS feeds × 30 items of en/ru/be text with HTML, ~49 MB;
or copies --farm DIR), serves it on 127.0.0.1 (nginx when installed, else a threaded Python
server, and says which), and times whole processes, start-up and imports included:

  naive      `for url in urls: feedparser.parse(url)`, one after the other (ignores ETags)
  first      `monitor poll` of the farm with an empty state (every feed 200, every item new)
  second     the same after 10 % of the feeds gained 1-3 items (ETag/Last-Modified: 900 × 304)
  quiet      a poll where nothing changed (all 304): CPU per unchanged feed
  identical  the server stops sending validators, every body is the same as last time: none
             may be parsed again
  scale      (--scale N) a first poll of an N-feed farm: peak memory must not grow with N

For each: wall time (median [min-max] of --runs), CPU (user+sys of the process and every child it
waited for), peak memory (largest summed PSS of the process tree, sampled every 20 ms), feeds/s,
items parsed/s, and the ratio to the naive loop. It checks that the first poll stored exactly the
farm's items and the second exactly the items added, and prints each goal of issue 8 with PASS or
MISS. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from farm import Farm, Server  # noqa: E402

NEWSBOAT_ANCHOR_S = 17.2  # shared/ref/perf-anchors.md, C01 (newsboat 2.21, same farm)
NAIVE = """
import sys, feedparser
items = 0
for url in open(sys.argv[1]).read().split():
    items += len(feedparser.parse(url).entries)
print(items)
"""
# Rules a desk might run: three words that must all occur, per language (about 1 % of items).
RULES = [
    ("drones", {"en": "drone attack border", "ru": "беспилотник атака граница",
                "be": "беспілотнік атака мяжа"}),
    ("sanctions", {"en": "sanctions oil export", "ru": "санкции нефть экспорт",
                   "be": "санкцыі нафта экспарт"}),
    ("elections", {"en": "election opposition protest", "ru": "выборы оппозиция протест",
                   "be": "выбары апазіцыя пратэст"}),
    ("nuclear", {"en": "nuclear plant electricity", "ru": "атомная станция электричество",
                 "be": "атамная станцыя электрычнасць"}),
    ("migrants", {"en": "migrants border crossing", "ru": "мигранты граница переход",
                  "be": "мігранты мяжа пераход"}),
    ("court", {"en": "court judge sentence", "ru": "суд судья приговор",
               "be": "суд суддзя прысуд"}),
]


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    stdout: str = ""
    stderr: str = ""


@dataclass
class Row:
    name: str
    runs: list[Run] = field(default_factory=list)
    feeds: int = 0
    items_parsed: int = 0
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)


# -- measuring a whole process -----------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run cmd to completion: wall, CPU of it and its waited-for children, peak tree PSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], sum(_pss_kb(p) for p in _descendants(proc.pid)))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = Run(wall, usage.ru_utime + usage.ru_stime, peak[0] / 1024,
                  out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{run.stderr[-3000:]}")
    return run


# -- the monitor under test --------------------------------------------------------------------


def write_config(path: Path, urls: list[str]) -> None:
    lines = ["feeds:"]
    for url in urls:
        lines += [f"  - name: {Path(url).stem}", f"    url: {url}"]
    lines.append("rules:")
    for name, queries in RULES:
        lines.append(f"  - name: {name}")
        lines.append("    query: {" + ", ".join(f"{k}: {v}" for k, v in queries.items()) + "}")
    lines += ["channels:", "  - name: desk", "    type: console",
              "translation: {enabled: false}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def monitor_poll(config: Path, state: Path) -> Run:
    return measure([sys.executable, "-m", "monitor", "poll", "--config", str(config),
                    "--state", str(state)], cwd=config.parent)


def settle(state: Path) -> None:
    """Fold the WAL into the main file, so that copying the file copies the whole state."""
    db = sqlite3.connect(state)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def copy_state(src: Path, dst: Path) -> None:
    settle(src)
    for suffix in ("-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, dst)


def stored_items(state: Path) -> dict[str, set[str]]:
    settle(state)
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        out: dict[str, set[str]] = {}
        for feed, item_id in db.execute("SELECT feed, item_id FROM items"):
            out.setdefault(feed, set()).add(item_id)
        return out
    finally:
        db.close()


def summary_line(run: Run) -> str:
    lines = [l for l in run.stdout.splitlines() if " feeds (" in l]
    return lines[-1] if lines else "(no summary line)"


def reference_items(farm: Farm) -> dict[str, set[str]]:
    """For someone else's feeds: the item ids the reference path (feedparser) gives."""
    sys.path.insert(0, str(ROOT))
    from datetime import datetime, timezone

    from monitor.errors import ParseError
    from monitor.normalize import normalize_entries
    from monitor.parse import parse_feed

    out = {}
    for name in farm.files():
        try:
            parsed = parse_feed((farm.feeds_dir / name).read_bytes(), feed=name, fast_path=False)
        except ParseError:
            continue
        items = normalize_entries(parsed.entries, feed=Path(name).stem, feed_url="",
                                  fetched_at=datetime.now(timezone.utc))
        out[Path(name).stem] = {i.id for i in items}
    return out


def expected_items(farm: Farm) -> dict[str, set[str]]:
    guids = farm.guids()
    if guids is None:
        return reference_items(farm)
    return {Path(name).stem: set(ids) for name, ids in guids.items()}


def check(label: str, got: dict[str, set[str]], want: dict[str, set[str]]) -> str:
    missing = sum(len(want[f] - got.get(f, set())) for f in want)
    extra = sum(len(got[f] - want.get(f, set())) for f in got)
    total = sum(map(len, want.values()))
    if missing or extra:
        return f"{label}: FAIL ({total} expected, {missing} missing, {extra} unexpected)"
    return f"{label}: ok, exactly the {total} expected items"


# -- report ------------------------------------------------------------------------------------


def fmt_row(row: Row, naive: float | None) -> str:
    walls = [r.wall for r in row.runs]
    span = f"{row.wall:7.2f} [{min(walls):.2f}-{max(walls):.2f}]" if len(walls) > 1 \
        else f"{row.wall:7.2f}"
    items = f"{row.items_parsed / row.wall:9,.0f}" if row.items_parsed else f"{'-':>9}"
    ratio = f"{naive / row.wall:6.1f}x" if naive else f"{'':>7}"
    return (f"{row.name:<34}{span:>21}{row.cpu:8.2f}{row.peak_mb:8.0f}"
            f"{row.feeds / row.wall:9,.0f}{items}{ratio}  {row.note}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=1000, help="feeds in the farm (default 1000)")
    ap.add_argument("--farm", type=Path, help="use the *.xml files under DIR instead")
    ap.add_argument("--runs", type=int, default=3, help="runs of each monitor poll (median)")
    ap.add_argument("--naive-runs", type=int, default=1, help="runs of the naive loop")
    ap.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    ap.add_argument("--scale", type=int, default=0, metavar="N",
                    help="also poll an N-feed farm once and compare peak memory")
    ap.add_argument("--newsboat", action="store_true",
                    help="also time newsboat -x reload (first poll) when it is installed")
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-poll-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return run_all(args, work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


def run_all(args: argparse.Namespace, work: Path) -> int:
    t_start = time.perf_counter()
    farm_dir = work / "farm"
    shutil.rmtree(farm_dir, ignore_errors=True)
    farm = Farm.adopt(farm_dir, args.farm) if args.farm else Farm.generate(farm_dir, args.feeds)
    n = len(farm.files())
    server = Server(farm, kind=args.server)
    urls = [server.base_url + name for name in farm.files()]
    (work / "urls.txt").write_text("\n".join(urls) + "\n")
    config = work / "config.yaml"
    write_config(config, urls)
    print(f"bench/poll.py: {n} feeds, {farm.size_bytes() / 1e6:.1f} MB "
          f"({'generated' if not args.farm else args.farm}); server: {server.describe()} "
          f"on 127.0.0.1:{server.port}; {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}", flush=True)

    rows: dict[str, Row] = {}
    checks: list[str] = []
    want_first = expected_items(farm)
    items_first = sum(map(len, want_first.values()))
    with server:
        naive = rows["naive1"] = Row("naive loop, first poll", feeds=n, items_parsed=items_first)
        for _ in range(args.naive_runs):
            naive.runs.append(measure([sys.executable, "-c", NAIVE, str(work / "urls.txt")]))
        first = rows["first"] = Row("monitor poll, first poll", feeds=n, items_parsed=items_first)
        for i in range(args.runs):
            state = work / "first.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{state}{suffix}").unlink(missing_ok=True)
            first.runs.append(monitor_poll(config, state))
        first.note = summary_line(first.runs[-1])
        checks.append(check("first poll", stored_items(state), want_first))
        primed = work / "primed.db"
        copy_state(state, primed)

        if args.newsboat and shutil.which("newsboat"):
            rows["newsboat"] = newsboat(work, urls, n, items_first)

        added = farm.advance(0.1)
        want_second = expected_items(farm)
        new_ids = {f: want_second[f] - want_first.get(f, set()) for f in want_second}
        items_second = sum(len(want_second[Path(name).stem]) for name in added)
        naive2 = rows["naive2"] = Row("naive loop, second poll", feeds=n,
                                      items_parsed=sum(map(len, want_second.values())))
        for _ in range(args.naive_runs):
            naive2.runs.append(measure([sys.executable, "-c", NAIVE, str(work / "urls.txt")]))
        second = rows["second"] = Row("monitor poll, second poll", feeds=n,
                                      items_parsed=items_second)
        state = work / "second.db"
        for _ in range(args.runs):
            copy_state(primed, state)
            second.runs.append(monitor_poll(config, state))
        second.note = summary_line(second.runs[-1])
        before = stored_items(primed)
        after = stored_items(state)
        checks.append(check("second poll", {f: after.get(f, set()) - before.get(f, set())
                                            for f in after}, new_ids))

        quiet = rows["quiet"] = Row("monitor poll, nothing changed", feeds=n)
        for _ in range(args.runs):
            quiet.runs.append(monitor_poll(config, state))
        quiet.note = summary_line(quiet.runs[-1])
        one = work / "one.yaml"
        write_config(one, urls[:1])
        startup = Row("monitor poll, 1 feed unchanged", feeds=1)
        copy_state(state, work / "one.db")
        for _ in range(args.runs):
            startup.runs.append(monitor_poll(one, work / "one.db"))
        rows["startup"] = startup

    with Server(farm, kind=args.server, validators=False, port=server.port):
        same = rows["identical"] = Row("monitor poll, identical bodies", feeds=n)
        for _ in range(args.runs):
            same.runs.append(monitor_poll(config, state))
        same.note = summary_line(same.runs[-1])
        unchanged = same.note.count(f"{n} unchanged")
        checks.append(f"identical bodies: {'ok, none parsed again' if unchanged else 'FAIL'} "
                      f"({same.note})")

    if args.scale:
        rows["scale"] = scale_run(args, work, rows["first"])

    print_report(args, n, rows, checks, items_first, items_second)
    print(f"(bench took {time.perf_counter() - t_start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({
            "feeds": n, "server": server.kind, "checks": checks,
            "rows": {k: {"name": r.name, "wall_s": [x.wall for x in r.runs],
                         "cpu_s": [x.cpu for x in r.runs], "peak_mb": r.peak_mb,
                         "feeds": r.feeds, "items_parsed": r.items_parsed, "note": r.note}
                     for k, r in rows.items()}}, indent=1))
    return 0 if all("FAIL" not in c for c in checks) else 1


def scale_run(args: argparse.Namespace, work: Path, first: Row) -> Row:
    farm = Farm.generate(work / "scale-farm", args.scale)
    server = Server(farm, kind=args.server)
    config = work / "scale.yaml"
    write_config(config, [server.base_url + name for name in farm.files()])
    row = Row(f"monitor poll, first poll, {args.scale:,} feeds", feeds=args.scale,
              items_parsed=args.scale * 30)
    with server:
        state = work / "scale.db"
        row.runs.append(monitor_poll(config, state))
    row.note = (f"peak memory {row.peak_mb:.0f} MB vs {first.peak_mb:.0f} MB at "
                f"{first.feeds:,} feeds; " + summary_line(row.runs[-1]))
    shutil.rmtree(work / "scale-farm", ignore_errors=True)
    return row


def newsboat(work: Path, urls: list[str], n: int, items: int) -> Row:
    home = work / "newsboat"
    home.mkdir(exist_ok=True)
    (home / "urls").write_text("\n".join(urls) + "\n")
    (home / "config").write_text("reload-threads 32\ndownload-retries 1\n")
    row = Row("newsboat -x reload, first poll", feeds=n, items_parsed=items)
    cache = home / "cache.db"
    cache.unlink(missing_ok=True)
    row.runs.append(measure(["newsboat", "-u", str(home / "urls"), "-C", str(home / "config"),
                             "-c", str(cache), "-x", "reload"],
                            env={**os.environ, "HOME": str(home)}))
    return row


def print_report(args, n: int, rows: dict[str, Row], checks: list[str], items_first: int,
                 items_second: int) -> None:
    naive = statistics.median([rows["naive1"].wall, rows["naive2"].wall])
    print()
    print(f"{'':<34}{'wall s median [min-max]':>21}{'CPU s':>8}{'peak MB':>8}{'feeds/s':>9}"
          f"{'items/s':>9}{'vs naive':>9}")
    for row in rows.values():
        print(fmt_row(row, naive))
    print()
    for line in checks:
        print(line)
    first, second, quiet, startup = rows["first"], rows["second"], rows["quiet"], rows["startup"]
    newsboat_s = rows["newsboat"].wall if "newsboat" in rows else NEWSBOAT_ANCHOR_S
    per_feed_ms = (quiet.cpu - startup.cpu) / max(1, n - 1) * 1000
    peak = max(r.peak_mb for k, r in rows.items() if k not in ("naive1", "naive2", "newsboat"))
    goals = [
        ("first poll wall <= 3 s", first.wall <= 3, f"{first.wall:.2f} s"),
        ("first poll >= 8x naive", naive / first.wall >= 8, f"{naive / first.wall:.1f}x"),
        ("first poll >= 5x newsboat", newsboat_s / first.wall >= 5,
         f"{newsboat_s / first.wall:.1f}x (newsboat {newsboat_s:.1f} s"
         f"{', measured' if 'newsboat' in rows else ', anchor C01'})"),
        ("second poll wall <= 1 s", second.wall <= 1, f"{second.wall:.2f} s"),
        ("second poll >= 25x naive", naive / second.wall >= 25, f"{naive / second.wall:.1f}x"),
        ("<= 1 CPU ms per unchanged feed", per_feed_ms <= 1,
         f"{per_feed_ms:.2f} ms marginal ({(quiet.cpu - startup.cpu):.2f} CPU s for {n - 1} "
         f"feeds beyond start-up; whole process {quiet.cpu / n * 1000:.2f} ms/feed)"),
        ("peak memory <= 150 MB", peak <= 150, f"{peak:.0f} MB (largest over all monitor runs)"),
    ]
    if "scale" in rows:
        grew = rows["scale"].peak_mb / first.peak_mb
        goals.append((f"memory flat from {n:,} to {args.scale:,} feeds", grew <= 1.25,
                      f"{rows['scale'].peak_mb:.0f} MB vs {first.peak_mb:.0f} MB ({grew:.2f}x)"))
    goals.append(("identical body not parsed again", all("identical" not in c or "ok" in c
                                                        for c in checks), rows["identical"].note))
    print()
    for label, ok, detail in goals:
        print(f"{'PASS' if ok else 'MISS'}  {label:<40} {detail}")


if __name__ == "__main__":
    sys.exit(main())
