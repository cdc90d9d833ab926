"""The search page: stored items found with the rule query language, newest first."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from monitor.browse import search
from monitor.rules.query import QuerySyntaxError
from monitor.web.context import web_context

MAX_QUERY_CHARS = 2000


def search_page(request: Request) -> Response:
    web = web_context(request)
    query = request.query_params.get("q", "").strip()
    context = dict(page_title="Search", section="/search", query=query, error=None,
                   error_column=None, searched=False, results=[], examined=0, unindexed=0,
                   elapsed_ms=0, more_url=None)
    if not query:
        return web.page(request, "search.html", **context)
    if len(query) > MAX_QUERY_CHARS:
        context["error"] = f"the query is longer than {MAX_QUERY_CHARS} characters"
        return web.page(request, "search.html", status=400, **context)
    before = request.query_params.get("before", "")
    before_position = int(before) if before.isdigit() and len(before) < 19 else None
    try:
        with web.access.reading() as store:
            with store.snapshot():
                page = search(store, query, web.config().languages, before=before_position)
    except QuerySyntaxError as exc:
        context.update(error=f"column {exc.column}: {exc}", error_column=exc.column)
        return web.page(request, "search.html", status=400, **context)
    context.update(searched=True, results=page.results, examined=page.examined,
                   unindexed=page.unindexed, elapsed_ms=page.elapsed_ms,
                   more_url=f"/search?{urlencode({'q': query, 'before': page.next_before})}"
                   if page.next_before else None)
    return web.page(request, "search.html", **context)
