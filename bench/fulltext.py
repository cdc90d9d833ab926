#!/usr/bin/env python3
"""Full text of articles (issue 16): extraction time per page, and a first poll that fetches
the article of every matching item.

    python bench/fulltext.py extract [--repeat 5] [--data /work/shared/data]
    python bench/fulltext.py poll [--feeds 1000] [--runs 1]

`extract`: monitor.article.extract_article (decoding, bounds, trafilatura, paywall, lead) per
page, against a baseline in the same process: monitor.normalize.html.html_to_text of the whole page
(what the feed text path does to markup; no boilerplate removal, no decoding). Page sets:
  test      the article pages of tests/data/articles (en/ru/be, windows-1251, paywall, 404)
  real      the article markup real feeds carry in content:encoded / atom:content (shared
            data: Londonist, TPM, The Verge), each inside a page skeleton with a menu and footer
  hostile   pages built to be slow: 1 MB of flat <div>s, a 5,000-row table, 100,000 nested
            <div>s, 5 MB of one paragraph, a 20 MB page (cut at the 5 MB byte cap)
Prints median, p95 and max milliseconds per page (each page timed --repeat times, the best
kept, after one warm-up extraction: imports are not counted).

`poll`: the first poll of bench/poll.py's farm (bench/farm.py; --feeds, default 1000 feeds ×
30 items) whose items link to article pages on a second loopback server (farm.ArticleServer),
with bench/poll.py's rules (about 1 % of items match), run as whole `monitor poll` processes:
  off       full_text: false (the baseline, in the same run)
  matched   full_text: matched: the article of every matching item is fetched and extracted
  all       (--all) full_text: all: every new item's article, matched on its text too
For each: wall, CPU (the process and its children), peak memory, articles read (stored with
their items), alerts queued. All pages are on 127.0.0.1, so the bench sets
articles.per_host_delay to 0 and per_host to 8: with the default politeness (1 s between two
requests to one site) a real poll's articles from one site take at least a second each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from monitor.article import extract_article  # noqa: E402
from monitor.normalize.html import html_to_text  # noqa: E402

HTML = {"content-type": "text/html"}
SKELETON = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            "<body><header><nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a>"
            "</li><li><a href='/sport'>Sport</a></li><li><a href='/culture'>Culture</a></li>"
            "</ul></nav></header><main><article><h1>{title}</h1>{body}</article>"
            "<aside><h2>Most read</h2><ul><li><a href='/1'>Another story</a></li>"
            "<li><a href='/2'>And another</a></li></ul></aside></main>"
            "<footer><p>© 2026 Example Media. All rights reserved.</p></footer></body></html>")


def test_pages() -> list[tuple[str, bytes]]:
    folder = ROOT / "tests" / "data" / "articles"
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.html"))]


def real_pages(data: Path) -> list[tuple[str, bytes]]:
    """The article markup of real feeds (shared data), in a page skeleton."""
    import feedparser

    pages = []
    for path in sorted((data / "feeds").glob("*/*.xml")):
        parsed = feedparser.parse(path.read_bytes())
        for n, entry in enumerate(parsed.entries):
            body = "".join(c.value for c in entry.get("content", []))
            if len(body) < 2000:
                continue
            page = SKELETON.format(title=entry.get("title", ""), body=body)
            pages.append((f"{path.stem}#{n}", page.encode("utf-8")))
    return pages


def hostile_pages() -> list[tuple[str, bytes]]:
    mb = 1024 * 1024

    def page(body: str) -> bytes:
        return f"<html><head><title>t</title></head><body>{body}</body></html>".encode()

    return [
        ("flat divs 1 MB", page("<div class='c'><span>a b c</span></div>" * (mb // 38))),
        ("table 5,000 rows", page("<table>" + "<tr><td>cell one</td><td>two</td></tr>" * 5000
                                  + "</table>")),
        ("links 1 MB", page("<li><a href='/x'>link text</a></li>" * (mb // 35))),
        ("nested 100,000", page("<div>" * 100_000 + "deep" + "</div>" * 100_000)),
        ("one paragraph 5 MB", page("<p>" + "word " * (5 * mb // 5) + "</p>")),
        ("20 MB page", page("<p>Lorem ipsum dolor sit amet.</p>" * (20 * mb // 33))),
    ]


def timed(fn, body: bytes, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(body)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def extract_main(args: argparse.Namespace) -> None:
    def ours(body: bytes) -> object:
        return extract_article(body, HTML, "https://example.org/a")

    def baseline(body: bytes) -> object:
        return html_to_text(body.decode("utf-8", "replace"))

    extract_article(test_pages()[0][1], HTML, "https://example.org/warm-up")
    sets = [("test", test_pages())]
    if (args.data / "feeds").is_dir():
        sets.append(("real", real_pages(args.data)))
    else:
        print(f"(no {args.data}/feeds: the real set is left out)")
    sets.append(("hostile", hostile_pages()))
    print(f"{'set':8} {'pages':>5} {'KB med':>7} | {'extract ms: med':>15} {'p95':>7} {'max':>7}"
          f" | {'html_to_text ms: med':>20} {'p95':>7} {'max':>7} | ratio med")
    for name, pages in sets:
        ours_ms = [timed(ours, body, args.repeat) for _, body in pages]
        base_ms = [timed(baseline, body, args.repeat) for _, body in pages]
        kb = statistics.median(len(body) / 1024 for _, body in pages)
        print(f"{name:8} {len(pages):5} {kb:7.0f} | {statistics.median(ours_ms):15.2f} "
              f"{p95(ours_ms):7.2f} {max(ours_ms):7.2f} | {statistics.median(base_ms):20.2f} "
              f"{p95(base_ms):7.2f} {max(base_ms):7.2f} | "
              f"{statistics.median(ours_ms) / max(statistics.median(base_ms), 1e-9):.1f}x")
        if args.verbose or name == "hostile":
            for (page, body), o, b in zip(pages, ours_ms, base_ms):
                article = extract_article(body, HTML, "https://example.org/a")
                print(f"    {page:40} {len(body) / 1024:9.0f} KB {o:9.2f} ms {b:9.2f} ms  "
                      f"{article.status.value} {len(article.text):,} chars"
                      f"{' (truncated)' if article.truncated else ''}")


def poll_config(path: Path, urls: list[str], mode: str | bool) -> None:
    from poll import write_config

    write_config(path, urls)
    text = path.read_text(encoding="utf-8")
    text += (f"defaults: {{full_text: {str(mode).lower()}}}\n"
             "articles: {per_host: 8, per_host_delay: 0s}\n")
    path.write_text(text, encoding="utf-8")


def state_counts(state: Path) -> tuple[int, int, int]:
    """(items, articles read, alerts queued) in a state file."""
    import sqlite3

    from poll import settle

    settle(state)
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        items = db.execute("SELECT count(*) FROM items").fetchone()[0]
        articles = db.execute("SELECT count(*) FROM items WHERE article_status IS NOT NULL "
                              "AND article_status != 'failed'").fetchone()[0]
        alerts = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        return items, articles, alerts
    finally:
        db.close()


def poll_main(args: argparse.Namespace) -> None:
    import shutil
    import tempfile

    from farm import ArticleServer, Farm, Server
    from poll import monitor_poll

    work = Path(tempfile.mkdtemp(prefix="bench-fulltext-"))
    pages = ArticleServer().start()
    try:
        farm = Farm.generate(work / "farm", args.feeds, article_base=pages.base_url)
        with Server(farm) as server:
            urls = [server.base_url + name for name in farm.files()]
            modes: list[str | bool] = [False, "matched"] + (["all"] if args.all else [])
            print(f"bench/fulltext.py poll: {len(urls)} feeds, {farm.size_bytes() / 1e6:.1f} MB; "
                  f"feed server: {server.describe()}; article pages: Python ThreadingHTTPServer")
            print(f"{'full_text':<10}{'wall s':>9}{'CPU s':>8}{'peak MB':>9}{'items':>8}"
                  f"{'articles':>10}{'alerts':>8}{'ms CPU/article':>16}")
            base_cpu = None
            for run in range(args.runs):
                for mode in modes:
                    config = work / f"config-{mode}.yaml"
                    poll_config(config, urls, mode)
                    state = work / f"state-{mode}-{run}.db"
                    measured = monitor_poll(config, state)
                    items, articles, alerts = state_counts(state)
                    if mode is False:
                        base_cpu = measured.cpu
                    per = (f"{(measured.cpu - base_cpu) * 1000 / articles:16.1f}"
                           if articles and base_cpu is not None else f"{'-':>16}")
                    print(f"{str(mode).lower():<10}{measured.wall:9.2f}{measured.cpu:8.2f}"
                          f"{measured.peak_mb:9.0f}{items:8}{articles:10}{alerts:8}{per}",
                          flush=True)
    finally:
        pages.stop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="extraction time per page")
    extract.add_argument("--repeat", type=int, default=5)
    extract.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    extract.add_argument("--verbose", action="store_true")
    poll = sub.add_parser("poll", help="a first poll with full_text: matched against off")
    poll.add_argument("--feeds", type=int, default=1000)
    poll.add_argument("--runs", type=int, default=1)
    poll.add_argument("--all", action="store_true", help="also full_text: all")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract_main(args)
    else:
        poll_main(args)


if __name__ == "__main__":
    main()
