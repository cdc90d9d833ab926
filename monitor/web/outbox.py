"""The outbox page: pending and dead alerts with their last error; retry one or all."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.redact import scrubber_for
from monitor.web.context import web_context

LIMIT = 500


def outbox_page(request: Request) -> Response:
    web = web_context(request)
    with web.access.reading() as store:
        with store.snapshot():
            rows = store.outbox_rows(("pending", "dead"), limit=LIMIT)
            counts = store.outbox_counts()
    scrub = scrubber_for(web.config().secrets)  # errors were scrubbed when stored; again
    rows = [replace(r, last_error=scrub.scrub(r.last_error)) if r.last_error else r
            for r in rows]
    dead = [r for r in rows if r.status == "dead"]
    pending = [r for r in rows if r.status == "pending"]
    notice = None
    retried = request.query_params.get("retried", "")
    if retried.isdigit():
        n = int(retried)
        notice = f"{n} alert{'s' if n != 1 else ''} back in the queue: the daemon sends " \
                 "{} at its next delivery cycle.".format("them" if n != 1 else "it") if n else \
                 "Nothing to retry: no such dead alert (already retried or sent?)."
    order = ("pending", "dead", "sent")
    return web.page(request, "outbox.html", page_title="Outbox", section="/outbox",
                    dead=dead, pending=pending, notice=notice,
                    counts=[(s, counts.get(s, 0)) for s in order])


async def retry(request: Request) -> Response:
    web = web_context(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=20)
    alert_id = (form.get("alert_id") or [""])[0].strip()
    every = (form.get("all") or [""])[0] == "1"
    if not every and not alert_id.startswith("al_"):
        return Response("give alert_id=al_… or all=1\n", status_code=400,
                        media_type="text/plain")
    def write() -> int:
        with web.access.writing() as store:
            return store.retry_dead(None if every else alert_id, web.clock())
    n = await run_in_threadpool(write)
    return RedirectResponse(f"/outbox?retried={n}", status_code=303)
