"""The web UI for the analyst: matches, search, feed health, rules with a live preview, the
outbox. Server-rendered HTML (Starlette, Jinja2), htmx for live updates (vendored in static/);
every page reads without JavaScript.

`create_app(settings, access, config)` builds the ASGI app; `monitor.web.server` serves it
(`monitor web`, or inside the daemon with `monitor run --web-port`). The front door
(`guard.Guard`) does the host check, sessions, sign-in, CSRF and security headers; handlers
read the state through `access.StateAccess` and decide with `monitor.browse`.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.errors import MonitorError
from monitor.web import feeds, login, matches, outbox, rules, search
from monitor.web.access import StateAccess
from monitor.web.context import TEMPLATES, WebContext, utcnow
from monitor.web.guard import Guard
from monitor.web.sessions import SessionStore
from monitor.web.settings import WebSettings

__all__ = ["WebSettings", "StateAccess", "create_app"]


def _home(request: Request) -> Response:
    return RedirectResponse("/matches", status_code=303)


ROUTES = [
    Route("/", _home),
    Route("/matches", matches.matches_page),
    Route("/matches/new", matches.new_matches),
    Route("/items/{key}", matches.item_page),
    Route("/search", search.search_page),
    Route("/feeds", feeds.feeds_page),
    Route("/rules", rules.rules_page),
    Route("/rules/preview", rules.preview_fragment),
    Route("/outbox", outbox.outbox_page),
    Route("/outbox/retry", outbox.retry, methods=["POST"]),
    Route("/login", login.login_form),
    Route("/login", login.login, methods=["POST"]),
    Route("/logout", login.logout, methods=["POST"]),
    Mount("/static", StaticFiles(directory=TEMPLATES.parent / "static"), name="static"),
]


def create_app(settings: WebSettings, access: StateAccess, config: Callable[[], Any], *,
               clock=utcnow) -> Guard:
    """The ASGI app. `config()` returns the current Config (the daemon's reloads show)."""
    app = Starlette(routes=ROUTES, exception_handlers={MonitorError: _state_problem,
                                                       404: _not_found})
    app.state.web = WebContext(settings, access, config, clock)
    app.state.sessions = SessionStore()
    app.state.login_lock = asyncio.Lock()
    return Guard(app, settings, app.state.sessions)


def _state_problem(request: Request, exc: MonitorError) -> Response:
    # The state cannot be read (not created yet, locked, replaced): say so on the page, with
    # the same one line and hint the CLI gives, and 503 so a monitoring probe sees it.
    web = request.app.state.web
    return web.page(request, "error.html", status=503, page_title="The state cannot be read",
                    message=str(exc), hint=exc.hint)


def _not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/static/"):
        return Response("not found\n", status_code=404, media_type="text/plain")
    return request.app.state.web.page(request, "error.html", status=404,
                                      page_title="Not found",
                                      message=f"There is no page at {request.url.path}.",
                                      hint=None)
