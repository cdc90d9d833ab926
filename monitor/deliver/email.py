"""E-mail over SMTP with aiosmtplib: STARTTLS, implicit TLS or plain; AUTH when configured.

aiosmtplib rather than smtplib: smtplib cannot AUTH with a non-ASCII password
(python/cpython#73936) and would block the event loop. TLS always verifies the server's
certificate (the system trust store; SSL_CERT_FILE points it elsewhere). SMTP replies map to
DeliveryError: 4xx and connection trouble are transient, 5xx and authentication failures
permanent.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from datetime import datetime, timezone
from typing import Callable

import aiosmtplib

from monitor.config.channels import EmailConfig
from monitor.errors import DeliveryError
from monitor.model import Alert
from monitor.redact import Scrubber, credential_forms
from monitor.render.email import MARKUP, email_message
from monitor.render.template import TemplateError, render_template
from monitor.render.view import alert_view

log = logging.getLogger(__name__)


class EmailChannel:
    def __init__(self, config: EmailConfig, resources: object = None, *,
                 tls_context: ssl.SSLContext | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.name = config.name
        self.template = config.template
        self.host = config.host
        self.port = config.port
        self.security = config.security
        self.username = config.username
        self.password = config.password
        self.sender = config.from_
        self.recipients = list(config.to)
        self.timeout_seconds = config.timeout
        self.tls_context = tls_context
        self.clock = clock
        # A server may quote the login it refuses (the AUTH PLAIN argument is base64 of
        # NUL user NUL password): every form of the credentials is masked in its replies.
        self.scrub = Scrubber(forms=credential_forms(self.username, self.password))

    def message(self, alert: Alert):
        body = None
        if self.template and alert.kind != "digest":
            try:
                body = render_template(self.template, alert_view(alert), MARKUP)
            except TemplateError as exc:
                raise DeliveryError(self.name, str(exc), transient=False,
                                    hint="fix the channel's template in the config") from None
        return email_message(alert, sender=self.sender, recipients=self.recipients,
                             now=self.clock(), body_text=body)

    async def send(self, alert: Alert) -> None:
        msg = self.message(alert)
        where = f"{self.host}:{self.port}"
        context = self.tls_context or ssl.create_default_context()
        try:
            # aiosmtplib's timeout is per command; `timeout` bounds the whole conversation.
            async with asyncio.timeout(self.timeout_seconds):
                errors, _ = await aiosmtplib.send(
                    msg, hostname=self.host, port=self.port,
                    username=self.username, password=self.password,
                    use_tls=self.security == "tls", start_tls=self.security == "starttls",
                    validate_certs=True,
                    tls_context=context if self.security != "none" else None,
                    timeout=self.timeout_seconds)
        except (aiosmtplib.SMTPException, OSError) as exc:  # TimeoutError and ssl's too
            raise smtp_error(self.name, where, exc, self.timeout_seconds, self._text) from None
        if errors:
            # Some recipients refused, others accepted: sending again would repeat it to them.
            refused = ", ".join(f"{addr} ({code})" for addr, (code, _) in errors.items())
            log.warning("Some recipients were refused; the others got the alert",
                        extra={"fields": {"channel": self.name, "refused": refused}})

    async def aclose(self) -> None:
        return None

    def _text(self, message: str) -> str:
        """A server's reply for an error line: one line, credentials masked, then cut."""
        return self.scrub.scrub(" ".join(str(message).split()))[:200]


def smtp_error(channel: str, where: str, exc: BaseException, timeout_seconds: float,
               text: Callable[[str], str] = lambda s: " ".join(str(s).split())[:200]
               ) -> DeliveryError:
    """An exception of an SMTP send (aiosmtplib's, ssl's, the socket's, the total deadline's
    TimeoutError) as a DeliveryError in our words: a refusal with a 5xx code or a refused login
    or certificate is permanent, everything else is worth another try
    (tests/unit/test_errors_mapped.py holds every aiosmtplib exception to that)."""
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return DeliveryError(channel, f"{where} refused the login ({exc.code} "
                             f"{text(exc.message)})", transient=False,
                             hint="check username and password")
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = sorted({r.code for r in exc.recipients})
        return DeliveryError(channel, f"{where} refused every recipient "
                             f"({', '.join(map(str, codes))})",
                             transient=all(400 <= c < 500 for c in codes))
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return DeliveryError(channel, f"{where} answered {exc.code} {text(exc.message)}",
                             transient=400 <= exc.code < 500)
    if isinstance(exc, TimeoutError):  # aiosmtplib.SMTPTimeoutError is one too
        return DeliveryError(channel, f"{where} did not answer within {timeout_seconds:g} s",
                             transient=True)
    if isinstance(exc, aiosmtplib.SMTPConnectError):
        return DeliveryError(channel, f"cannot connect to {where}: {text(str(exc))}",
                             transient=True)
    if isinstance(exc, aiosmtplib.SMTPException):  # disconnected, STARTTLS not offered, …
        return DeliveryError(channel, f"{where}: {text(str(exc))}", transient=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(channel, f"{where}: TLS certificate not trusted "
                             f"({exc.verify_message})", transient=False,
                             hint="fix the server's certificate or trust its CA (SSL_CERT_FILE)")
    return DeliveryError(channel, f"{where}: {text(str(exc))}", transient=True)

