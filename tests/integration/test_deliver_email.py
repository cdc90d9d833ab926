"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1): STARTTLS, implicit
TLS and plain; AUTH with a non-ASCII password; messages parsed back from the wire."""

import asyncio
import re

import pytest

from support.channel_configs import channel_config
from monitor.deliver.email import EmailChannel
from monitor.errors import DeliveryError
from support.alerts import make_alert
from support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration
PASSWORD = "пароль-Ünïcødé"


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(security="starttls", users={"alerts": PASSWORD},
                        cert_dir=tmp_path).start()
    yield server
    server.stop()


def channel(server, *, password=PASSWORD, security=None, to=("desk@example.org",
                                                                 "Редактор <editor@example.org>"),
            **extra):
    options = {"host": "127.0.0.1", "port": server.port,
               "security": security or server.security, "from": "Monitor <alerts@example.org>",
               "to": list(to), "timeout": "5s", **extra}
    if password is not None:
        options.update(username="alerts", password=password)
    return EmailChannel(channel_config({"name": "mail", "type": "email", **options}),
                        tls_context=server.client_context() if server.cert else None)


def send(ch, alert):
    async def go():
        try:
            await ch.send(alert)
        finally:
            # A connection dropped mid-handshake (untrusted certificate) closes once its
            # pending write is flushed, a few loop turns later; asyncio.run would close the loop
            # first and leave the socket to the garbage collector (a ResourceWarning in a later
            # test). A daemon's loop keeps running, so only this helper needs the wait.
            await asyncio.sleep(0.05)

    asyncio.run(go())


def test_starttls_auth_with_non_ascii_password_delivers_a_multipart_message(smtp):
    alert = make_alert(title="Завод беспилотников <script>alert(1)</script>")
    send(channel(smtp), alert)
    assert smtp.logins == ["alerts"]
    [env] = smtp.received
    assert env.recipients == ["desk@example.org", "editor@example.org"]
    raw = env.data.decode("ascii")
    assert "=?utf-8?" in raw  # the Cyrillic subject went out as RFC 2047 encoded words
    msg = env.message
    assert msg["Subject"] == "[monitor] drones: Drone factory in Yelabuga is being expanded"
    assert msg["To"].addresses[1].display_name == "Редактор"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Завод беспилотников <script>alert(1)</script>" in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>беспилотников</mark>" in html
    assert msg["Message-ID"].strip() == f"<{alert.id}@example.org>"
    assert msg["Date"].datetime.tzinfo is not None
    assert re.fullmatch(r"<story-[0-9a-f]{20}@example\.org>", msg["In-Reply-To"].strip())
    assert msg["References"].strip() == msg["In-Reply-To"].strip()
    assert msg["Auto-Submitted"] == "auto-generated"


def test_cyrillic_subject_round_trips_exactly(smtp):
    alert = make_alert(translation=None, title="Минобороны: беспилотники над Брянском — "
                                               "«массированная атака» " * 2)
    send(channel(smtp), alert)
    subject = smtp.received[0].message["Subject"]
    assert subject.startswith("[monitor] drones: Минобороны: беспилотники над Брянском — "
                              "«массированная атака»")
    assert "\n" not in subject


def test_a_title_with_crlf_cannot_inject_a_header(smtp):
    alert = make_alert(translation=None,
                       title="Breaking\r\nBcc: victim@example.net\r\nX-Evil: 1")
    send(channel(smtp), alert)
    [env] = smtp.received
    msg = env.message
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert env.recipients == ["desk@example.org", "editor@example.org"]
    assert msg["Subject"] == "[monitor] drones: Breaking Bcc: victim@example.net X-Evil: 1"


def test_a_retried_alert_keeps_its_message_id_and_alerts_of_a_story_thread(smtp):
    first = make_alert(rule="drones", translation=None)
    again = make_alert(rule="drones", translation=None)
    other_rule = make_alert(rule="factories", translation=None)
    ch = channel(smtp)
    for a in (first, again, other_rule):
        send(ch, a)
    ids = [e.message["Message-ID"].strip() for e in smtp.received]
    assert ids[0] == ids[1] != ids[2]
    roots = {e.message["References"].strip() for e in smtp.received}
    assert len(roots) == 1


def test_wrong_password_is_a_permanent_failure(smtp):
    with pytest.raises(DeliveryError) as info:
        send(channel(smtp, password="wrong"), make_alert())
    assert not info.value.transient
    assert "535" in str(info.value) and "wrong" not in str(info.value)
    assert smtp.received == []


def test_untrusted_certificate_is_refused(smtp):
    ch = channel(smtp)
    ch.tls_context = None  # the system trust store does not know the test CA
    with pytest.raises(DeliveryError) as info:
        send(ch, make_alert())
    assert "certificate" in str(info.value)
    assert smtp.received == []


def test_smtp_4xx_is_transient_and_5xx_permanent(smtp):
    smtp.data_reply = "451 4.3.0 try again later"
    with pytest.raises(DeliveryError) as info:
        send(channel(smtp), make_alert())
    assert info.value.transient
    smtp.data_reply = "554 5.7.1 rejected"
    with pytest.raises(DeliveryError) as info:
        send(channel(smtp), make_alert())
    assert not info.value.transient


def test_one_refused_recipient_does_not_stop_the_others(smtp):
    smtp.refuse["desk@example.org"] = "550 5.1.1 no such user"
    send(channel(smtp), make_alert())
    assert smtp.received[0].recipients == ["editor@example.org"]


def test_server_down_is_transient():
    from support.ports import free_port

    ch = EmailChannel(channel_config({
        "name": "mail", "type": "email", "host": "127.0.0.1", "port": free_port(),
        "security": "none", "from": "m@example.org", "to": ["r@example.org"],
        "timeout": "5s"}))
    with pytest.raises(DeliveryError) as info:
        send(ch, make_alert())
    assert info.value.transient
    assert "cannot connect" in str(info.value)


# aiosmtpd cannot tell that an implicit-TLS session is encrypted, so it warns about AUTH.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls(tmp_path):
    server = SmtpServer(security="tls", users={"alerts": PASSWORD}, cert_dir=tmp_path).start()
    try:
        send(channel(server), make_alert())
        assert len(server.received) == 1 and server.logins == ["alerts"]
    finally:
        server.stop()


def test_plain_smtp_without_auth(tmp_path):
    server = SmtpServer(security="none").start()
    try:
        send(channel(server, password=None), make_alert())
        assert len(server.received) == 1
    finally:
        server.stop()
