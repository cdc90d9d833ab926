#!/usr/bin/env python3
"""One flooding feed (issue 11 #12): `monitor poll` of one feed of N tiny matching items.

    python bench/flood.py [--items 260000] [--src DIR]

Serves an RSS feed of N items (~45 bytes each: 260,000 items is about 12 MB) on 127.0.0.1 and
runs `monitor poll` once on it, with one rule every item matches and one webhook channel whose
receiver is down (so the alerts stay queued, as a real backlog would). Prints wall time, peak
RSS of the process (os.wait4), items recorded and outbox rows queued. `--src DIR` runs the
`monitor` package found in DIR (e.g. an export of another commit) for a before/after in one
session. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def feed(n: int) -> bytes:
    items = "".join(f"<item><guid>{i}</guid><title>drone {i}</title></item>" for i in range(n))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>flood'
            f"</title>{items}</channel></rss>").encode()


def serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=260_000)
    ap.add_argument("--src", type=Path, default=ROOT, help="folder holding the monitor package")
    args = ap.parse_args()
    body = feed(args.items)
    httpd = serve(body)
    with tempfile.TemporaryDirectory() as work:
        config = Path(work) / "config.yaml"
        config.write_text(
            f"feeds: [{{name: flood, url: 'http://127.0.0.1:{httpd.server_address[1]}/f.xml', "
            f"language: en}}]\nrules: [{{name: drones, query: drone}}]\n"
            f"channels: [{{name: hook, type: webhook, url: "
            f"'http://127.0.0.1:{closed_port()}/hook', timeout: 2s}}]\n"
            f"fetch: {{max_body_size: 50MB}}\n", encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(args.src.resolve())}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "poll", "--config",
                                 str(config)], cwd=work, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        out, err = proc.communicate()
        seconds = time.perf_counter() - started
        rss_mb = _children_peak_rss_mb()
        db = sqlite3.connect(Path(work) / "monitor.db")
        items = db.execute("SELECT count(*) FROM items").fetchone()[0]
        queued = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        db.close()
    httpd.shutdown()
    print(f"feed: {args.items:,} items, {len(body) / 1e6:.1f} MB; monitor from {args.src}")
    print(f"poll: exit {proc.returncode}, {seconds:.1f} s, peak RSS {rss_mb:.0f} MB, "
          f"{items:,} items recorded, {queued:,} outbox rows queued")
    print("stdout:", out.decode(errors="replace").strip()[-300:])
    warnings = [l for l in err.decode(errors="replace").splitlines() if "WARNING" in l]
    print("warnings:", *warnings[:3], sep="\n  ")
    return 0


def _children_peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main())
