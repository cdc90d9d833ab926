"""What every page handler shares: settings, the state, the config, templates, the clock.

`WebContext.page` renders a template with what the layout needs (navigation, the CSRF token,
the state's label) and returns the response; `fragment` renders a piece for htmx to swap in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse

from monitor import __version__
from monitor.web.access import StateAccess
from monitor.web.settings import WebSettings
from monitor.web.templating import TEMPLATES, environment

NAV = (("/matches", "Matches"), ("/search", "Search"), ("/feeds", "Feeds"),
       ("/rules", "Rules"), ("/outbox", "Outbox"))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class WebContext:
    settings: WebSettings
    access: StateAccess
    config: Callable[[], Any]  # the current Config (the daemon's changes on SIGHUP)
    clock: Callable[[], datetime] = utcnow
    env: Any = field(default_factory=environment)

    @cached_property
    def asset_version(self) -> str:
        # Changes when a static file changes, so browsers never keep a stale copy.
        fingerprint = hashlib.blake2b(__version__.encode(), digest_size=6)
        for path in sorted((TEMPLATES.parent / "static").iterdir()):
            fingerprint.update(path.read_bytes())
        return fingerprint.hexdigest()

    def page(self, request: Request, template: str, *, status: int = 200,
             **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(request, template, **context), status_code=status)

    def fragment(self, request: Request, template: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(request, template, **context))

    def render(self, request: Request, template: str, **context: Any) -> str:
        session = request.state.session
        base = {
            "csrf": session.csrf, "nav": NAV, "version": __version__,
            "asset_version": self.asset_version, "state_label": self.access.label,
            "now": self.clock(), "state_problem": None, "page_title": "",
            "section": "", "refresh_seconds": self.settings.refresh_seconds,
            "signed_in_by_session": self.settings.requires_login and session.is_authenticated,
        }
        base.update(context)
        return self.env.get_template(template).render(base)


def web_context(request: Request) -> WebContext:
    return request.app.state.web
