"""Apprise (optional extra, `pip install 'monitor[apprise]'`): one channel posting to any of
Apprise's services, each given as an Apprise URL (`urls:` in the config).

Apprise is synchronous (requests in a thread pool), so it runs in a worker thread here. It
reports success per service but not why one failed, so every failure is treated as transient.
`overflow=truncate` is added to each URL: Apprise's default sends over-long text as is and lets
the service reject it. URLs carry tokens; they are never logged (the `apprise` logger is
quieted to WARNING and its lines pass the redactor).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from monitor.config.channels import AppriseConfig
from monitor.errors import DeliveryError
from monitor.model import Alert
from monitor.render.plain import MARKUP, render_text
from monitor.render.template import TemplateError, render_template
from monitor.render.view import alert_view, digest_headline

log = logging.getLogger(__name__)


def with_truncation(url: str) -> str:
    if "overflow=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "overflow=truncate"


class AppriseChannel:
    def __init__(self, config: AppriseConfig, resources: object = None) -> None:
        self.name = config.name
        self.template = config.template
        self.urls = [with_truncation(u) for u in config.urls]
        self.timeout_seconds = config.timeout
        self._apprise: Any = None

    def _load(self) -> Any:
        if self._apprise is None:
            try:
                import apprise
            except ImportError:
                raise DeliveryError(self.name, "the apprise package is not installed",
                                    transient=True,
                                    hint="pip install 'monitor[apprise]'") from None
            logging.getLogger("apprise").setLevel(logging.WARNING)
            obj = apprise.Apprise()
            for index, url in enumerate(self.urls):
                if not obj.add(url):
                    raise DeliveryError(self.name, f"urls[{index}] is not an Apprise URL "
                                        f"Apprise knows", transient=False)
            self._apprise = obj
        return self._apprise

    async def send(self, alert: Alert) -> None:
        obj = self._load()
        view = alert_view(alert)
        title = digest_headline(view) if alert.kind == "digest" else \
            f"[{view.rule}] {view.headline}"
        try:
            body = render_template(self.template, view, MARKUP) \
                if self.template and alert.kind != "digest" else render_text(alert)
        except TemplateError as exc:
            raise DeliveryError(self.name, str(exc), transient=False) from None
        try:
            # Apprise's own timeout is per request; `timeout` bounds the whole send. Its thread
            # cannot be stopped, so a service that answers after the deadline may get the
            # alert twice (once now, once on the retry).
            async with asyncio.timeout(self.timeout_seconds):
                result = await asyncio.to_thread(obj.notify, body=body, title=title,
                                                 timeout=self.timeout_seconds)
        except TimeoutError:
            raise DeliveryError(self.name, f"Apprise did not finish within "
                                f"{self.timeout_seconds:g} s", transient=True) from None
        outcomes = [bool(r) for r in result] if _iterable(result) else [bool(result)]
        if not any(outcomes):
            raise DeliveryError(self.name, f"Apprise could not notify any of its "
                                f"{len(self.urls)} service(s)", transient=True)
        if not all(outcomes):
            log.warning("Apprise notified only some services; not repeating it to the others",
                        extra={"fields": {"channel": self.name, "ok": sum(outcomes),
                                          "failed": len(outcomes) - sum(outcomes)}})

    async def aclose(self) -> None:
        self._apprise = None


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True
