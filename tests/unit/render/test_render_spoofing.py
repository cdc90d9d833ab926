"""Issue 11, finding 11: no format carries a `javascript:`/`data:` link, a raw newline from a
link, or a Unicode bidi control (U+202E …): not the Matrix plain body, not the e-mail subject,
not the console text, not the webhook document."""

from __future__ import annotations

import json
import re

import pytest

from monitor.config.channels import CHANNEL_TYPES
from monitor.model import Translation
from monitor.normalize import absolute_link, normalize_entry
from monitor.render.plain import render_text
from monitor.render.discord import discord_payload
from monitor.render.email import email_message
from monitor.render.matrix import matrix_content
from monitor.render.mattermost import mattermost_payload, mattermost_text
from monitor.render.slack import slack_payload
from monitor.render.teams import teams_payload
from monitor.render.telegram import telegram_payload, telegram_text
from monitor.render.template import render_template
from monitor.render.view import alert_view
from monitor.render.webhook import webhook_body
from support.alerts import NOW, make_alert

MARKUP = {name: t.renderer().MARKUP for name, t in CHANNEL_TYPES.items()}  # by type

# U+202E (RLO) makes "Drone\u202eexe.fdp" read "Dronepdf.exe"; the others embed, isolate, mark.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SPOOF_TITLE = "Drone \u202eexe.fdp\u202c attack \u2067on\u2069 \u200fMinsk\u200e"
SPOOF_SUMMARY = "беспилотник \u202dforced\u202c text \u2066iso\u2069"
BAD_LINKS = ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)",
             "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
             " java\nscript:alert(1)", "vbscript:msgbox(1)"]
NEWLINE_LINK = "https://news.example.org/a\nINJECTED LINE\r\nmore"


def spoofed_alert(link: str, **kw):
    return make_alert(title=SPOOF_TITLE, summary=SPOOF_SUMMARY, link=link, rule="drones\u202e",
                      translation=Translation("ru", "en", "Translated \u202eeltit",
                                              "Summary \u2067x\u2069", route="argos:ru-en"),
                      **kw)


def rendered(alert) -> dict[str, str]:
    """Every format's output for one alert, as text."""
    view = alert_view(alert)
    dump = lambda doc: json.dumps(doc, ensure_ascii=False)  # noqa: E731
    message = email_message(alert, sender="Monitor <m@example.org>", recipients=["d@example.org"],
                            now=NOW)
    out = {
        "slack": dump(slack_payload(view)),
        "discord": dump(discord_payload(view)),
        "mattermost": dump(mattermost_payload(mattermost_text(view))),
        "teams": dump(teams_payload(view)),
        "telegram": dump(telegram_payload(1, telegram_text(view))),
        "matrix": dump(matrix_content(view)),
        "matrix body": matrix_content(view)["body"],
        "console": render_text(alert),
        "email subject": str(message["Subject"]),
        "email text": message.get_body(("plain",)).get_content(),
        "email html": message.get_body(("html",)).get_content(),
        "webhook": webhook_body(alert).decode(),
    }
    for fmt in ("slack", "matrix", "telegram", "discord", "email"):
        out[f"{fmt} template"] = render_template(
            "{{ link | link(title) }} {{ link }} {{ title }} {{ summary }}", view, MARKUP[fmt])
    return out


def digest_of(link: str):
    return make_alert(kind="digest", items=(spoofed_alert(link, key="a"),
                                            spoofed_alert(link, key="b")))


@pytest.mark.parametrize("link", BAD_LINKS)
@pytest.mark.parametrize("digest", [False, True], ids=["alert", "digest"])
def test_no_format_carries_a_script_or_data_link(link, digest):
    alert = digest_of(link) if digest else spoofed_alert(link)
    for fmt, text in rendered(alert).items():
        lowered = text.lower().replace("\\n", "\n")
        assert "javascript:" not in lowered and "data:text" not in lowered \
            and "vbscript:" not in lowered and "script:alert" not in lowered, (fmt, text)


@pytest.mark.parametrize("digest", [False, True], ids=["alert", "digest"])
def test_a_newline_in_a_link_never_starts_a_line(digest):
    alert = digest_of(NEWLINE_LINK) if digest else spoofed_alert(NEWLINE_LINK)
    for fmt, text in rendered(alert).items():
        for line in text.replace("\\n", "\n").replace("\\r", "\r").splitlines():
            assert not line.startswith(("INJECTED", "more")), (fmt, text)


@pytest.mark.parametrize("digest", [False, True], ids=["alert", "digest"])
def test_no_format_carries_a_bidi_control(digest):
    alert = digest_of("https://x.org/\u202eexe.fdp") if digest else \
        spoofed_alert("https://x.org/\u202eexe.fdp")
    for fmt, text in rendered(alert).items():
        decoded = json.loads(json.dumps(text))  # \u escapes in JSON count too
        assert not BIDI.search(decoded), (fmt, ascii(BIDI.search(decoded).group()))
        assert "\\u202e" not in text.lower(), fmt


def test_feed_health_alert_text_has_no_bidi_control():
    alert = make_alert(kind="feed_failing", title="Feed x has been failing",
                       summary="Last error: HTTP 500 \u202eesrever", matched_terms=())
    for fmt, text in rendered(alert).items():
        assert not BIDI.search(text), fmt


@pytest.mark.parametrize("link", BAD_LINKS + ["mailto:a@b.org", "ftp://x.org/f"])
def test_normalisation_keeps_only_http_links(link):
    assert absolute_link(link, "https://feed.example.org/rss") == ""


def test_normalisation_removes_newlines_and_bidi_from_links():
    link = absolute_link(" https://x.org/a\n\tb\u202ec ", "https://feed.example.org/rss")
    assert link == "https://x.org/abc"
    assert absolute_link("/rel\npath", "https://feed.example.org/rss") == \
        "https://feed.example.org/relpath"


def test_normalised_item_text_has_no_bidi_control():
    from monitor.model import Entry

    item = normalize_entry(Entry(guid="g", link="https://x.org/1", title=SPOOF_TITLE,
                                 summary=f"<p>{SPOOF_SUMMARY}</p>", content="",
                                 published_at=None, language=None),
                           feed="f", feed_url="", fetched_at=NOW)
    assert not BIDI.search(item.title + item.summary)


def test_a_template_own_text_loses_its_bidi_controls():
    out = render_template("\u202eALERT\u202c {{ title }}", alert_view(make_alert()),
                          MARKUP["slack"])
    assert not BIDI.search(out) and out.startswith("ALERT ")


def test_c1_controls_reach_no_format():
    alert = make_alert(title="csi\x9b31m title", summary="беспилотник \x9b2J summary")
    for fmt, text in rendered(alert).items():
        assert "\x9b" not in text and "\\u009b" not in text.lower(), fmt
