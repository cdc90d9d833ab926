"""One `monitor check` shows every problem of a config, in our words: cross-references (duplicate
names, unknown channels, query languages, a bad webhook secret) beside type errors, not only
after them, and no pydantic phrasing ("input should be a valid string") anywhere."""

from __future__ import annotations

import re

import pytest

from monitor.config import schema
from monitor.config.channels import CHANNEL_TYPES
from monitor.config import parse_config
from monitor.errors import ConfigError

EVERY_MISTAKE = """\
feeds:
  - name: bbc
    url: https://feeds.bbci.co.uk/russian/rss.xml
    interval: 15
  - name: bbc
    url: example.org/rss
    language: english
    enabled: maybe
  - url: https://x.org/f
    colour: red
  - just a string
rules:
  - name: drones
    query: {english: drone}
    channels: [slak]
  - name: factories
    query: {ru: завод, de: Fabrik}
  - name: unclosed
    query: (drone
    channels: mail
  - name: 5
    query: [drone]
channels:
  - name: slack
    type: slack
    url: http://127.0.0.1:99999/hook
  - name: hook
    type: webhook
    url: https://example.org/hook
    secret: not-a-secret
  - name: mail
    type: email
    host: smtp.example.org
    port: 587a
    from: a@example.org
    to: b@example.org
    password: ${PW}
    security: none
  - name: x
    type: slak
  - name: t
    type: telegram
    token: ${TOKEN}
    chat_id: [1]
languages: [en, ru, ua]
target_language: english
fetch:
  concurrency: 0
  max_body_size: lots
  max_redirects: 2.5
translation:
  device: gpu
health:
  channels: [ops]
delivery: 5
bogus: 1
"""

EXPECTED = [
    "c.yaml:4: feeds[0].interval: 15 has no unit: add one, e.g. 15m (units: ms, s, m, h, d, w)",
    "c.yaml:5: feeds[1].name: duplicate name 'bbc' (first on line 2)",
    "c.yaml:6: feeds[1].url: is not a URL (no http:// or https://) and no such file exists; "
    "did you mean 'https://example.org/rss'?",
    "c.yaml:7: feeds[1].language: must be a language code like en, ru, be, got 'english'",
    "c.yaml:8: feeds[1].enabled: must be true or false, got text",
    "c.yaml:9: feeds[2].name: required key is missing",
    "c.yaml:10: feeds[2].colour: unknown key 'colour'",
    "c.yaml:11: feeds[3]: must be a mapping of keys, got text",
    "c.yaml:14: rules[0].query: 'english' is not a language code like en, ru, be (a query map "
    "goes from language to query)",
    "c.yaml:15: rules[0].channels[0]: unknown channel 'slak' (did you mean 'slack'?)",
    "c.yaml:17: rules[1].query.de: language 'de' is not in languages (en, ru, ua); add it "
    "there, or no item will be detected as 'de'",
    "c.yaml:19: rules[2].query: column 1: '(' is never closed",
    "c.yaml:20: rules[2].channels: must be a list, got text",
    "c.yaml:21: rules[3].name: must be text, got a number (put it in quotes)",
    "c.yaml:22: rules[3].query: must be a query, or a map from language to query "
    "({en: drone, ru: беспилотник}), got a list",
    "c.yaml:26: channels[0].url: port 99999 is out of range (1-65535)",
    "c.yaml:30: channels[1].secret: must be a Standard Webhooks secret: whsec_ and at least 8 "
    "bytes in base64",
    "c.yaml:34: channels[2].port: must be a whole number, got text",
    "c.yaml:36: channels[2].to: must be a list, got text",
    "c.yaml:37: channels[2].password: environment variable PW is not set",
    "c.yaml:40: channels[3].type: unknown channel type 'slak' (did you mean 'slack'?)",
    "c.yaml:43: channels[4].token: environment variable TOKEN is not set",
    "c.yaml:44: channels[4].chat_id: must be a chat id: a number like -1001234567890 or "
    "@channelname, got a list",
    "c.yaml:45: languages[2]: no language profile for 'ua' (did you mean 'uk'?)",
    "c.yaml:46: target_language: must be a language code like en, ru, be, got 'english'",
    "c.yaml:48: fetch.concurrency: must be at least 1",
    "c.yaml:49: fetch.max_body_size: must be a size like 10MB or 512KiB, got 'lots'",
    "c.yaml:50: fetch.max_redirects: must be a whole number, got a fraction",
    "c.yaml:52: translation.device: must be one of cpu, cuda, auto (did you mean 'cpu'?)",
    "c.yaml:54: health.channels[0]: unknown channel 'ops' (channels: slack, hook, mail, x, t)",
    "c.yaml:55: delivery: must be a mapping of keys, got a number",
    "c.yaml:56: bogus: unknown key 'bogus'",
]


def test_one_pass_reports_every_mistake_in_our_words():
    with pytest.raises(ConfigError) as info:
        parse_config(EVERY_MISTAKE, label="c.yaml", env={})
    assert info.value.lines == EXPECTED


PYDANTIC_WORDS = re.compile(r"input should|valid (string|integer|list|dictionary|number)|"
                            r"value error|instance of|is not a valid value \(|"
                            r"after validation|\[type=", re.I)
WRONG_VALUES = [None, True, 7, 2.5, "text", [1, 2], {"a": 1}, "", -1, 10**9]


def _fields(model, prefix=""):
    for name, info in model.model_fields.items():
        yield prefix + (info.alias or name)


def _wrong_value_configs():
    base_feed = {"name": "f", "url": "https://example.org/rss"}
    channel_base = {"slack": {"url": "https://h.example/x"}, "email": {
        "host": "h", "from": "a@x.org", "to": ["b@x.org"]}, "console": {},
        "telegram": {"token": "t", "chat_id": 1}, "matrix": {
        "homeserver": "https://m.example", "room_id": "!r", "access_token": "t"},
        "webhook": {"url": "https://h.example/x"}, "apprise": {"urls": ["json://x"]},
        "discord": {"url": "https://h.example/x"}, "teams": {"url": "https://h.example/x"},
        "mattermost": {"url": "https://h.example/x"}}
    sections = {"fetch": schema.FetchConfig, "translation": schema.TranslationConfig,
                "delivery": schema.DeliveryConfig, "health": schema.HealthConfig,
                "defaults": schema.DefaultsConfig, "retention": schema.RetentionConfig}
    for value in WRONG_VALUES:
        for key in _fields(schema.FeedConfig):
            yield {"feeds": [{**base_feed, key: value}]}
        for key in _fields(schema.RuleConfig):
            yield {"feeds": [base_feed], "rules": [{"name": "r", "query": "x", key: value}]}
        for ctype, extra in channel_base.items():
            for key in _fields(CHANNEL_TYPES[ctype].settings):
                if key != "type":
                    yield {"feeds": [base_feed], "channels": [
                        {"name": "c", "type": ctype, **extra, key: value}]}
        for section, model in sections.items():
            yield {"feeds": [base_feed], section: value}
            for key in _fields(model):
                yield {"feeds": [base_feed], section: {key: value}}
        for key in ("state", "target_language", "languages", "feeds", "rules", "channels"):
            yield {"feeds": [base_feed], key: value}


def test_no_wrong_value_anywhere_gets_pydantic_phrasing():
    import yaml

    seen = 0
    for doc in _wrong_value_configs():
        try:
            parse_config(yaml.safe_dump(doc), label="c.yaml", env={})
        except ConfigError as exc:
            for line in exc.lines:
                seen += 1
                assert not PYDANTIC_WORDS.search(line), (doc, line)
    assert seen > 500  # the table above really produces errors
