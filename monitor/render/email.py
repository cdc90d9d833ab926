"""E-mail alerts: one multipart/alternative message (text, then HTML). Pure; stdlib only.

Built with `email.message.EmailMessage` and `policy.default`, so a Cyrillic subject goes out as
RFC 2047 encoded words and parses back unchanged (notify.md §4). Anything that becomes a
header is one line (CR, LF and controls removed) before it is set. Message-ID is derived from
the alert id, so a retried send has the same id; every alert about one story refers to the
story's root id (In-Reply-To and References), so mail clients thread them.
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime

from monitor.model import Alert
from monitor.render.plain import render_text
from monitor.render.limits import trim
from monitor.render.markup import PLAIN, marked, safe_url
from monitor.render.view import AlertView, alert_view, digest_headline, one_line

MARKUP = PLAIN  # templates write plain text (render.template)
SUBJECT_CHARS = 200


def email_subject(view: AlertView) -> str:
    if view.kind == "digest":
        return trim(one_line(f"[monitor] {digest_headline(view)}"), SUBJECT_CHARS)
    if view.kind in ("test", "more_matches"):
        return trim(one_line(f"[monitor] {view.headline}"), SUBJECT_CHARS)
    if view.kind == "follow_up":
        # The followed alert's subject with "Re: ", so clients that thread by subject (Gmail)
        # put it under that alert as well as those that follow In-Reply-To.
        return trim(one_line(f"Re: [monitor] {view.rule}: {view.follows_title}"),
                    SUBJECT_CHARS)
    return trim(one_line(f"[monitor] {view.rule}: {view.headline}"), SUBJECT_CHARS)


def message_id(alert_id: str, domain: str) -> str:
    return f"<{alert_id}@{domain}>"


def story_id(alert: Alert, domain: str) -> str:
    """One root id per story (its first item), whatever rule matched it."""
    key = alert.follows.item_key if alert.follows else alert.item_key
    fingerprint = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return f"<story-{fingerprint}@{domain}>"


def email_text(view: AlertView, alert: Alert) -> str:
    if view.kind == "digest":
        lines = [digest_headline(view), ""]
        for item in view.items:
            lines += [f"* {item.headline}", f"  {item.feed} · {item.rule} · {item.published}",
                      f"  {item.link}", ""]
        return "\n".join(lines)
    return render_text(alert)


def email_html(view: AlertView, body_text: str | None = None) -> str:
    esc = lambda s: html.escape(s, quote=True)  # noqa: E731
    if body_text is not None:
        inner = f'<pre style="white-space:pre-wrap;font-family:inherit">{esc(body_text)}</pre>'
    elif view.kind == "digest":
        rows = "".join(f"<li>{_a(i.link, esc(i.headline))}<br><small>{esc(i.feed)} · "
                       f"{esc(i.rule)} · {esc(i.published)}</small></li>" for i in view.items)
        inner = f"<h2>{esc(digest_headline(view))}</h2><ul>{rows}</ul>"
    elif view.kind == "more_matches":
        inner = f"<h2>{esc(view.headline)}</h2>" + _sources_html(view)
    else:
        parts = [f"<h2>{_a(view.link, esc(view.headline))}</h2>"]
        if view.lead:
            parts.append(f"<p><i>{esc(view.lead)}</i></p>{_sources_html(view)}")
        if view.translated_title:
            parts.append(f"<p><i>Original:</i> {esc(view.title)}</p>")
        snippet = marked(view.snippet, esc, "<mark>", "</mark>")
        if snippet:
            parts.append(f"<blockquote>{snippet}</blockquote>")
        if view.translated_summary:
            parts.append(f"<p><b>{esc(view.target_language or '')}:</b> "
                         f"{esc(view.translated_summary)}</p>")
        elif view.translation_note:
            parts.append(f"<p><i>{esc(view.translation_note)}</i></p>")
        for label, text in ((("Article", view.article),) if view.article else ()) + \
                ((view.article_shown,) if view.translated_article else ()):
            paragraphs = "".join(f"<p>{esc(p)}</p>" for p in text.splitlines() if p.strip())
            parts.append(f"<p><b>{esc(label)}:</b></p><blockquote>{paragraphs}</blockquote>")
        if view.article_note:
            parts.append(f"<p><i>{esc(view.article_note)}</i></p>")
        facts = "".join(f"<tr><th align=left>{esc(k)}</th><td>{esc(v)}</td></tr>"
                        for k, v in view.facts)
        parts.append(f"<table>{facts}</table>")
        inner = "".join(parts)
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{inner}</body></html>'


def _sources_html(view: AlertView) -> str:
    esc = lambda s: html.escape(s, quote=True)  # noqa: E731
    rows = "".join(f"<li>{_a(s.link, esc(s.title))} <small>{esc(s.feed)} · {esc(s.published)}"
                   f"</small></li>" for s in view.sources)
    more = f"<p>…and {view.more_sources} more</p>" if view.more_sources else ""
    return f"<ul>{rows}</ul>{more}"


def _a(url: str, label: str) -> str:
    href = safe_url(url)
    return f'<a href="{html.escape(href, quote=True)}">{label}</a>' if href else label


def _set_subject(msg: EmailMessage, subject: str) -> None:
    """RFC 2047-encode the subject ourselves: policy.default's folder drops the space between
    two encoded words when it folds at one ("Брянском — «атака»" came back as "—«атака»"),
    while Header chunks the text without ever splitting at whitespace that matters."""
    if subject.isascii():
        msg["Subject"] = subject
        return
    encoded = Header(subject, "utf-8", header_name="Subject", maxlinelen=76).encode("\r\n")
    name, value = msg.policy.header_source_parse([f"Subject: {encoded}\r\n"])
    msg.set_raw(name, value)


def email_message(alert: Alert, *, sender: str, recipients: list[str], now: datetime,
                  body_text: str | None = None) -> EmailMessage:
    """The message for one alert. `body_text`: a template's output (plain text)."""
    view = alert_view(alert)
    domain = sender.rpartition("@")[2].strip(" >") or "monitor.localhost"
    msg = EmailMessage(policy=default_policy)
    _set_subject(msg, email_subject(view))
    msg["From"] = one_line(sender)
    msg["To"] = ", ".join(one_line(r) for r in recipients)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(alert.id, domain)
    if alert.kind == "match":
        root = story_id(alert, domain)
        msg["In-Reply-To"] = root
        msg["References"] = root
    elif alert.kind == "follow_up" and alert.follows is not None:
        # RFC 5322 §3.6.4: the parent's References, then the parent's Message-ID.
        parent = message_id(alert.follows.alert_id, domain)
        msg["In-Reply-To"] = parent
        msg["References"] = f"{story_id(alert, domain)} {parent}"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    msg["X-Monitor-Alert-Id"] = alert.id
    msg.set_content(body_text if body_text is not None else email_text(view, alert))
    msg.add_alternative(email_html(view, body_text), subtype="html")
    return msg
