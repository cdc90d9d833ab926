"""Signing in and out (only when the UI has a password or a token)."""

from __future__ import annotations

import asyncio
import hmac
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.web.context import web_context
from monitor.web.passwords import verify_password
from monitor.web.settings import is_loopback

FAILED_DELAY_SECONDS = 1.0


def _safe_next(target: str) -> str:
    # Only a path on this site: never `//evil.example` or `https://…` (an open redirect).
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/matches"
    return target


def login_form(request: Request) -> Response:
    web = web_context(request)
    if not web.settings.requires_login or request.state.session.is_authenticated:
        return RedirectResponse(_safe_next(request.query_params.get("next", "/")),
                                status_code=303)
    return _form(request, web, problem=None, status=200)


def _form(request: Request, web, *, problem: str | None, status: int) -> Response:
    host = (request.url.hostname or "")
    insecure = request.url.scheme != "https" and not is_loopback(host)
    return web.page(request, "login.html", status=status, page_title="Sign in",
                    next=_safe_next(request.query_params.get("next", "/matches")),
                    problem=problem, insecure_transport=insecure)


async def login(request: Request) -> Response:
    web = web_context(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=20)
    given = (form.get("password") or [""])[0]
    target = _safe_next((form.get("next") or ["/matches"])[0])
    # One scrypt check at a time (32 MiB and about a second each): a flood of logins queues
    # up instead of taking the machine's memory and both cores.
    async with request.app.state.login_lock:
        ok = await run_in_threadpool(_check, web.settings, given)
        if not ok:
            await asyncio.sleep(FAILED_DELAY_SECONDS)
    if not ok:
        return _form(request, web, problem="Wrong password or token.", status=401)
    sessions = request.app.state.sessions
    sessions.drop(request.state.session.id)  # a new id at sign-in: no session fixation
    session = sessions.create(is_authenticated=True)
    request.state.session = session
    request.state.set_cookie = session.id
    return RedirectResponse(target, status_code=303)


def _check(settings, given: str) -> bool:
    if not given or len(given) > 1024:
        return False
    if settings.token and hmac.compare_digest(given.encode(), settings.token.encode()):
        return True
    return bool(settings.password_hash) and verify_password(given, settings.password_hash)


async def logout(request: Request) -> Response:
    request.app.state.sessions.drop(request.state.session.id)
    request.state.set_cookie_clear = True
    target = "/login" if web_context(request).settings.requires_login else "/matches"
    return RedirectResponse(target, status_code=303)
