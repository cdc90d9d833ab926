"""A real SMTP server on 127.0.0.1 (aiosmtpd, in-process) for e-mail tests: plain, STARTTLS or
implicit TLS, with AUTH, keeping every message parsed back with `email.policy.default`.

The self-signed certificate is made by the `openssl` command for 127.0.0.1 and localhost;
`SmtpServer.client_context()` trusts exactly it.
"""

from __future__ import annotations

import asyncio
import email
import ssl
import subprocess
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from support.ports import free_port


def make_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@dataclass
class Envelope:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=default_policy)  # type: ignore


class _Handler:
    def __init__(self, server: "SmtpServer") -> None:
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await asyncio.sleep(self.server.reply_delay_seconds)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.server.reply_delay_seconds)
        if address in self.server.refuse:
            return self.server.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.server.reply_delay_seconds)
        if self.server.data_reply:
            return self.server.data_reply
        self.server.received.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos),
                                             envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


class _EchoingAuthHandler(_Handler):
    """Refuses every login and quotes what the client sent in the refusal, as some servers
    do: the AUTH PLAIN argument (base64 of NUL user NUL password), or the base64 lines of
    AUTH LOGIN. (aiosmtpd lets a handler's auth_<MECHANISM> replace its own.)"""

    async def auth_PLAIN(self, server, args):
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 Authentication failed for {args[-1]}")

    async def auth_LOGIN(self, server, args):
        import base64

        # aiosmtplib sends the user name with the command (an initial response, RFC 4954).
        user = base64.b64decode(args[1]) if len(args) > 1 else \
            await server.challenge_auth("Username:")
        password = await server.challenge_auth("Password:")
        echoed = " ".join(base64.b64encode(v).decode() for v in (user, password)
                          if isinstance(v, bytes))
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 Authentication failed for {echoed}")


class SmtpServer:
    def __init__(self, *, security: str = "starttls", users: dict[str, str] | None = None,
                 cert_dir: Path | None = None, echo_auth: str | None = None) -> None:
        """`echo_auth`: "PLAIN" or "LOGIN": offer only that mechanism, refuse every login
        and quote the client's encoded credentials in the refusal."""
        self.security = security
        self.users = users or {}
        self.received: list[Envelope] = []
        self.refuse: dict[str, str] = {}      # recipient → reply, e.g. "550 no such user"
        self.data_reply: str | None = None    # e.g. "451 try later"
        self.reply_delay_seconds = 0.0        # before answering MAIL, RCPT and DATA: a slow server
        self.logins: list[str] = []
        self.port = free_port()
        self.cert = self.key = None
        kwargs: dict = {}
        if security != "none":
            assert cert_dir is not None
            self.cert, self.key = make_certificate(cert_dir)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.cert, self.key)
            if security == "starttls":
                kwargs.update(tls_context=ctx, require_starttls=True)
            else:
                kwargs.update(ssl_context=ctx)
        if self.users:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          # aiosmtpd only sees STARTTLS as TLS; implicit TLS is TLS from byte one.
                          auth_require_tls=security == "starttls")
        handler = _Handler(self)
        if echo_auth:
            handler = _EchoingAuthHandler(self)
            kwargs.update(auth_required=True, auth_require_tls=security == "starttls",
                          auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN")
                                                  if m != echo_auth])
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8")
            password = auth_data.password.decode("utf-8")
            if self.users.get(user) == password:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def start(self) -> "SmtpServer":
        if self.security == "tls":
            # The readiness probe would need TLS too: start without it, as aiosmtpd suggests.
            self.controller.ready_timeout = 5.0
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
