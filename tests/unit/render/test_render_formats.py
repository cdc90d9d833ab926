"""Every channel format: documented shape, hostile feed text escaped, mass mentions neutralised,
and each service's limits respected with maximum-size content (changedetection.io #323: a
message over Discord's limit made real alerts vanish while the short test message worked)."""

import html
import json
import re

import pytest

from monitor.config.channels import CHANNEL_TYPES
from monitor.model import Source, StoryRoot, Translation
from monitor.render.discord import discord_payload
from monitor.render.email import email_message
from monitor.render.limits import utf16, utf8
from monitor.render.matrix import matrix_content
from monitor.render.mattermost import mattermost_text
from monitor.render.slack import slack_payload
from monitor.render.teams import teams_payload
from monitor.render.telegram import telegram_text
from monitor.render.template import TemplateError, check_template, render_template
from monitor.render.view import alert_view
from support.alerts import NOW, make_alert

MARKUP = {name: t.renderer().MARKUP for name, t in CHANNEL_TYPES.items()}  # by type

HOSTILE = "@everyone <script>alert(1)</script> <!channel> & [x](javascript:alert(1)) **bold**"
LONG = ("Очень длинная статья про беспилотники 😀 & <b>теги</b> " * 800).strip()


def views():
    return {
        "normal": alert_view(make_alert()),
        "hostile": alert_view(make_alert(title=HOSTILE, summary=HOSTILE + " беспилотник")),
        "long": alert_view(make_alert(title=LONG[:3000], summary=LONG,
                                      translation=Translation("ru", "en", LONG[:2000], LONG,
                                                              route="argos:ru-en"))),
        "untranslated": alert_view(make_alert(translation=Translation(
            "be", "en", note="translation unavailable: no be→en route"))),
        "follow_up": alert_view(make_alert(
            kind="follow_up", feed="outlet", link=OUTLET, follows=StoryRoot(
                "al_root", "item-0", HOSTILE, "evil", "https://evil.example/phish"),
            sources=(Source("outlet", HOSTILE, OUTLET, NOW),
                     Source("@everyone <b>x</b>", "Second copy", OUTLET + "?b", NOW)))),
        "more_matches": alert_view(make_alert(
            kind="more_matches", title="280 more matches of rule drones in feed flood",
            link="", count=280, translation=None, sources=tuple(
                Source("flood", f"{HOSTILE} {i} " + "слово " * 40, f"{OUTLET}/{i}", NOW)
                for i in range(20)))),
        "digest": alert_view(make_alert(kind="digest", items=tuple(
            make_alert(key=str(i), title=f"{HOSTILE} {i} " + "слово " * 40) for i in range(300)))),
    }


OUTLET = "https://outlet.example/2026/11/story"
CASES = list(views())


def slack_text_of(payload):
    return [b["text"]["text"] for b in payload["blocks"] if "text" in b] + \
        [e["text"] for b in payload["blocks"] for e in b.get("elements", [])]


@pytest.mark.parametrize("case", CASES)
def test_slack_block_kit_within_limits_and_escaped(case):
    payload = slack_payload(views()[case])
    assert payload["unfurl_links"] is False and payload["text"]
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["type"] == "plain_text"
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks[1:]:
        texts = [block["text"]] if "text" in block else block["elements"]
        for t in texts:
            assert t["type"] == "mrkdwn" and len(t["text"]) <= 3000
            # Only &, <, > are special; a raw < may only open one of our links.
            assert not re.search(r"<(?!https?://)", t["text"]), t["text"]
            assert "<!channel>" not in t["text"]
            assert not re.search(r"&(?!amp;|lt;|gt;)", t["text"])
    assert sum(len(t) for t in slack_text_of(payload)) <= 12000


@pytest.mark.parametrize("case", CASES)
def test_discord_embed_within_limits_with_mentions_disabled(case):
    payload = discord_payload(views()[case])
    assert payload["allowed_mentions"] == {"parse": []}
    [embed] = payload["embeds"]
    assert utf16(embed["title"]) <= 256
    assert utf16(embed["description"]) <= 4096
    assert utf16(embed.get("footer", {}).get("text", "")) <= 2048
    total = utf16(embed["title"]) + utf16(embed["description"]) + \
        utf16(embed.get("footer", {}).get("text", ""))
    assert total <= 6000
    assert "@everyone" not in json.dumps(payload, ensure_ascii=False)
    assert "](javascript:" not in embed["description"]
    if case == "normal":
        assert embed["url"] == "https://www.bbc.com/russian/articles/c1"
        assert "**беспилотников**" in embed["description"]
        assert embed["timestamp"] == "2026-11-25T09:15:00Z"


def visible(markup):
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


@pytest.mark.parametrize("case", CASES)
def test_telegram_html_within_4096_visible_units_and_well_formed(case):
    text = telegram_text(views()[case])
    assert 1 <= utf16(visible(text)) <= 4096
    assert "<script>" not in text
    tags = re.findall(r"</?([a-z]+)[^>]*>", text)
    assert set(tags) <= {"b", "i", "a"}
    stack = []
    for m in re.finditer(r"<(/?)([a-z]+)[^>]*>", text):
        if m.group(1):
            assert stack.pop() == m.group(2)
        else:
            stack.append(m.group(2))
    assert stack == []
    assert not re.search(r"&(?!amp;|lt;|gt;|quot;)", text)


def test_telegram_says_translation_unavailable_and_shows_the_original():
    text = telegram_text(views()["untranslated"])
    assert "translation unavailable: no be→en route" in text
    assert "Завод беспилотников в Елабуге расширяют" in text


@pytest.mark.parametrize("case", CASES)
def test_mattermost_markdown_within_limit_and_escaped(case):
    text = mattermost_text(views()[case])
    assert len(text) <= 16383
    assert "@everyone" not in text
    assert "<script>" not in text.replace("\\<script\\>", "")
    assert "](javascript:" not in text


@pytest.mark.parametrize("case", CASES)
def test_teams_adaptive_card_envelope_and_size(case):
    payload = teams_payload(views()[case])
    assert payload["type"] == "message"
    [att] = payload["attachments"]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert all(b["type"] in ("TextBlock", "FactSet") for b in card["body"])
    assert utf8(json.dumps(payload)) <= 20000
    if case == "normal":
        assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Open the story",
                                      "url": "https://www.bbc.com/russian/articles/c1"}


@pytest.mark.parametrize("case", CASES)
def test_matrix_notice_with_html_under_the_event_size_limit(case):
    content = matrix_content(views()[case])
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert content["m.mentions"] == {}
    assert utf8(json.dumps(content, ensure_ascii=False)) < 65536
    assert "<script>" not in content["formatted_body"]
    assert "@everyone" not in content["body"]


def test_email_subject_is_one_line_even_when_the_title_has_crlf():
    alert = make_alert(title="Заголовок\r\nBcc: victim@example.org", translation=None)
    msg = email_message(alert, sender="Monitor <alerts@example.org>",
                        recipients=["a@example.org"], now=NOW)
    assert msg["Subject"] == "[monitor] drones: Заголовок Bcc: victim@example.org"
    assert msg["Bcc"] is None
    assert msg["Message-ID"] == f"<{alert.id}@example.org>"
    assert msg["References"] == msg["In-Reply-To"]
    assert msg.get_content_type() == "multipart/alternative"
    html_part = msg.get_body(("html",)).get_content()
    assert "<mark>беспилотников</mark>" in html_part


def test_alerts_about_one_story_share_a_thread_root_but_not_a_message_id():
    a = make_alert(rule="drones", translation=None)
    b = make_alert(rule="factories", translation=None)
    ma, mb = (email_message(x, sender="m@example.org", recipients=["r@example.org"], now=NOW)
              for x in (a, b))
    assert ma["References"] == mb["References"]
    assert ma["Message-ID"] != mb["Message-ID"]


def test_template_escapes_values_for_the_channel_markup():
    view = alert_view(make_alert(title=HOSTILE))
    source = "{{ title }} | {{ link | link('open') }} | {{ snippet }}"
    tg = render_template(source, view, MARKUP["telegram"])
    assert "&lt;script&gt;" in tg and '<a href="https://www.bbc.com/russian/articles/c1">open</a>' in tg
    assert "<b>беспилотников</b>" in tg
    sl = render_template(source, view, MARKUP["slack"])
    assert "&lt;!channel&gt;" in sl and "<https://www.bbc.com/russian/articles/c1|open>" in sl
    dc = render_template(source, view, MARKUP["discord"])
    assert "\\<script\\>" in dc and "@\u200beveryone" in dc


def test_template_errors_are_reported_with_their_line():
    with pytest.raises(TemplateError) as info:
        check_template("line one\n{{ title", MARKUP["slack"])
    assert info.value.line == 2
    with pytest.raises(TemplateError, match="tilte"):
        check_template("{{ tilte }}", MARKUP["slack"])


def test_template_sandbox_refuses_attribute_tricks():
    with pytest.raises(TemplateError, match="unsafe"):
        check_template("{{ title.__class__.__mro__[1].__subclasses__() }}",
                       MARKUP["console"])


FORMATS = {"slack": lambda v: json.dumps(slack_payload(v), ensure_ascii=False),
           "discord": lambda v: json.dumps(discord_payload(v), ensure_ascii=False),
           "telegram": telegram_text, "mattermost": mattermost_text,
           "teams": lambda v: json.dumps(teams_payload(v), ensure_ascii=False),
           "matrix": lambda v: matrix_content(v)["formatted_body"],
           "email": lambda v: email_message(make_alert(), sender="a@b.org", recipients=["c@d.org"],
                                            now=NOW).as_string()}


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "email"])
def test_a_follow_up_names_each_new_source_with_its_own_link(fmt):
    out = FORMATS[fmt](views()["follow_up"])
    assert OUTLET in out and OUTLET + "?b" in out
    assert "Also reported by outlet, @" in out.replace("\\", "")
    assert "evil.example" not in out  # the followed alert's link stands for no source here


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "email"])
def test_a_more_matches_summary_lists_links_and_the_rest_as_a_count(fmt):
    out = FORMATS[fmt](views()["more_matches"])
    assert f"{OUTLET}/0" in out and "280 more matches of rule drones in feed flood" in out
    assert "more" in out.rsplit(f"{OUTLET}/", 1)[1]  # "…and 260 more" after the listed links
