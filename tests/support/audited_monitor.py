"""Run the `monitor` CLI under an audit hook that records every network call (a test tool).

    python tests/support/audited_monitor.py poll …   (MONITOR_AUDIT_LOG=path.json)

The hook is installed before monitor is imported, so import-time calls count too. At exit it
writes the recorded calls, the heavy modules that were imported, and the telemetry setting.
Python's audit events see every socket the interpreter opens (connect, DNS, sendto, urllib);
native code that opens sockets by itself (onnxruntime's telemetry) is not seen, which is why
the log also says whether onnxruntime was imported at all.
"""

from __future__ import annotations

import json
import os
import sys

WATCHED = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
           "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg", "urllib.Request",
           "http.client.connect"}
HEAVY = {"onnxruntime", "minisbd", "argostranslate", "ctranslate2", "sentencepiece", "stanza",
         "spacy"}


def main() -> int:
    log_path = os.environ["MONITOR_AUDIT_LOG"]
    events: list[dict] = []

    def hook(event: str, args: tuple) -> None:
        if event == "socket.connect":
            sock, address = args
            events.append({"event": event, "family": int(sock.family),
                           "address": list(address) if isinstance(address, tuple)
                           else str(address)})
        elif event in WATCHED:
            events.append({"event": event, "args": [repr(a)[:200] for a in args[:2]]})

    sys.addaudithook(hook)
    from monitor.cli import main as cli_main

    code = 1
    try:
        code = cli_main(sys.argv[1:])
    finally:
        modules = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
        with open(log_path, "w", encoding="utf-8") as fh:
            json.dump({"events": events, "modules": modules,
                       "ORT_DISABLE_TELEMETRY": os.environ.get("ORT_DISABLE_TELEMETRY")}, fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
