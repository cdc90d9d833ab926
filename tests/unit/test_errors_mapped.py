"""Every exception a library raises at our boundary becomes ours (STYLE §4.4 rule 1, as httpx's
tests/test_exceptions.py does for httpcore): httpx in fetch and deliver, aiosmtplib in e-mail.

Each table below names every exception class the library defines, so a library upgrade that
adds one fails here until someone decides what it means. A mapped error says what happened in
our words, never the library's class name.
"""

from __future__ import annotations

import asyncio
import inspect
import ssl

import aiosmtplib
import httpx
import pytest

from monitor.config import FetchConfig
from monitor.deliver.email import smtp_error
from monitor.deliver.http import network_error
from monitor.errors import DeliveryError, FetchError
from monitor.fetch.classify import map_httpx_error
from monitor.fetch.client import Fetcher
from monitor.model import FeedState

NOT_FROM_A_REQUEST = "programming error"  # misuse of a response or cookie jar: a bug, not a peer

# httpx class → (FetchError.error_kind, transient) for a feed, and transient for a channel.
HTTPX = {
    httpx.ConnectTimeout: ("timeout", True, True),
    httpx.ReadTimeout: ("timeout", True, True),
    httpx.WriteTimeout: ("timeout", True, True),
    httpx.PoolTimeout: ("timeout", True, True),
    httpx.TimeoutException: ("timeout", True, True),
    httpx.ConnectError: ("connect", True, True),
    httpx.ReadError: ("network", True, True),
    httpx.WriteError: ("network", True, True),
    httpx.CloseError: ("network", True, True),
    httpx.NetworkError: ("network", True, True),
    httpx.RemoteProtocolError: ("protocol", True, True),
    httpx.LocalProtocolError: ("protocol", True, True),
    httpx.ProtocolError: ("protocol", True, True),
    httpx.ProxyError: ("proxy", True, True),
    httpx.UnsupportedProtocol: ("url", False, False),
    httpx.InvalidURL: ("url", False, False),
    httpx.TooManyRedirects: ("redirect", False, False),
    httpx.DecodingError: ("decoding", True, True),
    httpx.TransportError: ("network", True, True),
    httpx.RequestError: ("network", True, True),
    httpx.HTTPError: ("network", True, True),
    httpx.HTTPStatusError: NOT_FROM_A_REQUEST,  # only from raise_for_status, which we never call
    httpx.StreamError: NOT_FROM_A_REQUEST,
    httpx.StreamConsumed: NOT_FROM_A_REQUEST,
    httpx.StreamClosed: NOT_FROM_A_REQUEST,
    httpx.ResponseNotRead: NOT_FROM_A_REQUEST,
    httpx.RequestNotRead: NOT_FROM_A_REQUEST,
    httpx.CookieConflict: NOT_FROM_A_REQUEST,
}

# aiosmtplib class → transient (True: retried; False: the alert goes dead).
SMTP_CODE = {"4xx": 451, "5xx": 554}
SMTP = {
    aiosmtplib.SMTPAuthenticationError: False,  # 535: the login is wrong; retrying will not fix it
    aiosmtplib.SMTPSenderRefused: "by code",
    aiosmtplib.SMTPRecipientRefused: "by code",
    aiosmtplib.SMTPRecipientsRefused: "by code",
    aiosmtplib.SMTPDataError: "by code",
    aiosmtplib.SMTPHeloError: "by code",
    aiosmtplib.SMTPConnectResponseError: "by code",
    aiosmtplib.SMTPResponseException: "by code",
    aiosmtplib.SMTPConnectError: True,
    aiosmtplib.SMTPConnectTimeoutError: True,
    aiosmtplib.SMTPReadTimeoutError: True,
    aiosmtplib.SMTPTimeoutError: True,
    aiosmtplib.SMTPServerDisconnected: True,
    aiosmtplib.SMTPNotSupported: True,  # STARTTLS or AUTH not offered: a server being fixed
    aiosmtplib.SMTPException: True,
}


def _defined_exceptions(module) -> set[type]:
    return {obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, BaseException)
            and obj.__module__.startswith(module.__name__)}


def _httpx_error(cls: type) -> BaseException:
    if issubclass(cls, httpx.HTTPStatusError):
        request = httpx.Request("GET", "https://example.org/")
        return cls("boom", request=request, response=httpx.Response(500, request=request))
    return cls("boom")


def test_every_httpx_exception_is_in_the_table():
    assert _defined_exceptions(httpx) == set(HTTPX)


def test_every_aiosmtplib_exception_is_in_the_table():
    assert _defined_exceptions(aiosmtplib) == set(SMTP)


@pytest.mark.parametrize("cls", [c for c, v in HTTPX.items() if v != NOT_FROM_A_REQUEST],
                         ids=lambda c: c.__name__)
def test_an_httpx_exception_becomes_a_fetch_error(cls):
    error_kind, transient, _ = HTTPX[cls]
    mapped = map_httpx_error("bbc", _httpx_error(cls), FetchConfig())
    assert isinstance(mapped, FetchError)
    assert (mapped.error_kind, mapped.transient) == (error_kind, transient)
    assert cls.__name__ not in str(mapped), str(mapped)


@pytest.mark.parametrize("cls", [c for c, v in HTTPX.items() if v != NOT_FROM_A_REQUEST],
                         ids=lambda c: c.__name__)
def test_an_httpx_exception_becomes_a_delivery_error(cls):
    *_, transient = HTTPX[cls]
    mapped = network_error("slack", "https://hooks.example", _httpx_error(cls), 20.0)
    assert isinstance(mapped, DeliveryError) and mapped.transient is transient
    assert cls.__name__ not in str(mapped), str(mapped)


def _smtp_error_of(cls: type, code: int) -> BaseException:
    if issubclass(cls, aiosmtplib.SMTPRecipientsRefused):
        return cls([aiosmtplib.SMTPRecipientRefused(code, "no", "a@x.org")])
    if issubclass(cls, aiosmtplib.SMTPSenderRefused):
        return cls(code, "no", "a@x.org")
    if issubclass(cls, aiosmtplib.SMTPRecipientRefused):
        return cls(code, "no", "a@x.org")
    if issubclass(cls, aiosmtplib.SMTPResponseException):
        return cls(code, "no")
    return cls("boom")


@pytest.mark.parametrize("code", ["4xx", "5xx"])
@pytest.mark.parametrize("cls", list(SMTP), ids=lambda c: c.__name__)
def test_an_aiosmtplib_exception_becomes_a_delivery_error(cls, code):
    expected = SMTP[cls]
    if expected == "by code":
        expected = code == "4xx"
    mapped = smtp_error("mail", "smtp.example:587", _smtp_error_of(cls, SMTP_CODE[code]), 30.0)
    assert isinstance(mapped, DeliveryError) and mapped.transient is expected
    assert cls.__name__ not in str(mapped), str(mapped)


def _untrusted() -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_message = "self-signed certificate"  # what ssl sets on the ones it raises
    return exc


@pytest.mark.parametrize("exc, transient", [
    (_untrusted(), False),
    (ssl.SSLError("wrong version number"), True),
    (ConnectionResetError(104, "Connection reset by peer"), True),
    (TimeoutError(), True),
], ids=["untrusted certificate", "TLS broken", "reset", "the total deadline"])
def test_the_standard_library_errors_of_an_smtp_send_are_mapped_too(exc, transient):
    mapped = smtp_error("mail", "smtp.example:587", exc, 30.0)
    assert isinstance(mapped, DeliveryError) and mapped.transient is transient


def test_a_url_httpx_refuses_is_a_feed_error_not_a_crash():
    """A URL httpx will not build (a control character in a state written by an older
    version, or any check of ours that misses one) fails that feed, not the poll: InvalidURL
    is not an httpx.HTTPError, and escaped `Fetcher.fetch` as a traceback."""
    async def go():
        async with Fetcher(FetchConfig()) as fetcher:
            return await fetcher.fetch("bad", FeedState("bad", "http://127.0.0.1:9/f\x7f.xml"))

    with pytest.raises(FetchError) as info:
        asyncio.run(go())
    assert (info.value.error_kind, info.value.transient) == ("url", False)
