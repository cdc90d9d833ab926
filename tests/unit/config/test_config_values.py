"""Config values an operator gets wrong: a duration without its unit, a URL that passes a glance
but not a request (port 99999, a space in the host, no scheme). Each is one
`file:line: key: problem` line at load time, and never repeats a channel URL (it is a secret)."""

from __future__ import annotations

import typing
from pathlib import Path

import httpx
import pytest

from monitor.config import schema
from monitor.config.channels import CHANNEL_TYPES
from monitor.config.document import ConfigFile
from monitor.config import parse_config
from monitor.config.values import check_feed_url, http_url_problem
from monitor.errors import ConfigError

FEED = "feeds:\n  - name: a\n    url: https://example.org/rss\n"


def problems(text: str, base_dir: Path | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, label="c.yaml", env={}, base_dir=base_dir)
    return info.value.lines


# -- durations: every duration key needs a unit ----------------------------------------------

UNITS = "(units: ms, s, m, h, d, w)"
# (YAML that sets the key to 5, the key's dotted path in the error)
DURATION_KEYS = [
    pytest.param("feeds:\n  - name: a\n    url: https://example.org/rss\n    interval: 5\n",
                 "feeds[0].interval", id="a feed's interval"),
    pytest.param(FEED + "defaults:\n  interval: 5\n", "defaults.interval",
                 id="the default interval"),
    *[pytest.param(FEED + f"fetch:\n  {key}: 5\n", f"fetch.{key}", id=f"fetch.{key}")
      for key in ("connect_timeout", "read_timeout", "total_timeout", "backoff_max")],
    pytest.param(FEED + "translation:\n  apertium_timeout: 5\n", "translation.apertium_timeout",
                 id="translation.apertium_timeout"),
    *[pytest.param(FEED + f"delivery:\n  {key}: 5\n", f"delivery.{key}", id=f"delivery.{key}")
      for key in ("retry_first", "retry_max")],
    pytest.param(FEED + "health:\n  feed_failing_after: 5\n", "health.feed_failing_after",
                 id="health.feed_failing_after"),
    pytest.param(FEED + "channels:\n  - name: c\n    type: console\n    digest: 5\n",
                 "channels[0].digest", id="a channel's digest"),
    pytest.param(FEED + "channels:\n  - name: c\n    type: slack\n    url: https://h.example/x\n"
                 "    timeout: 5\n", "channels[0].timeout", id="an HTTP channel's timeout"),
    pytest.param(FEED + "channels:\n  - {name: c, type: email, host: h, from: a@x.org, "
                 "to: [b@x.org],\n     timeout: 5}\n", "channels[0].timeout",
                 id="an email channel's timeout"),
]


@pytest.mark.parametrize("text, key", DURATION_KEYS)
def test_a_duration_without_a_unit_is_refused(text, key):
    [line] = problems(text)
    assert line.endswith(f": {key}: 5 has no unit: add one, e.g. 5m {UNITS}"), line


def test_every_duration_key_of_the_schema_is_in_the_table_above():
    def duration_fields(model, prefix=""):
        for name, info in model.model_fields.items():
            ann = info.annotation
            args = typing.get_args(ann) or (ann,)
            if any(getattr(a, "__metadata__", None) and a is schema.Duration
                   or a == schema.Duration for a in (ann, *args)):
                yield f"{prefix}{name}"
            for a in args + (ann,):
                if isinstance(a, type) and issubclass(a, schema.Section) and \
                        a is not model:
                    yield from duration_fields(a, f"{prefix}{name}.")

    found = set(duration_fields(ConfigFile)) | {"feeds.interval"}
    for cls in (t.settings for t in CHANNEL_TYPES.values()):
        found |= {f"channels.{f}" for f in duration_fields(cls)}
    tested = {p.values[1].replace("[0]", "") for p in DURATION_KEYS}
    assert found <= tested, sorted(found - tested)


@pytest.mark.parametrize("value, message", [
    ("5 minutes", "unknown unit 'minutes' (did you mean 5m?)"),
    ("2 hours", "unknown unit 'hours' (did you mean 2h?)"),
    ("1fortnight", f"unknown unit 'fortnight' {UNITS}"),
    ("0m", "must be more than zero, got '0m'"),
    ("'5'", f"5 has no unit: add one, e.g. 5m {UNITS}"),
    ("1.5", f"1.5 has no unit: add one, e.g. 1.5m {UNITS}"),
], ids=["5 minutes suggests 5m", "2 hours suggests 2h", "an unknown unit lists the units",
        "zero", "a quoted bare number", "a bare decimal"])
def test_duration_mistakes_say_what_to_write(value, message):
    text = f"feeds:\n  - name: a\n    url: https://example.org/rss\n    interval: {value}\n"
    assert problems(text) == [f"c.yaml:4: feeds[0].interval: {message}"]


# -- URLs ------------------------------------------------------------------------------------

CHANNEL_URL_KEYS = [("webhook", "url"), ("slack", "url"), ("discord", "url"), ("teams", "url"),
                    ("mattermost", "url"), ("telegram", "api_url"), ("matrix", "homeserver")]
EXTRA = {"telegram": "token: t, chat_id: 1", "matrix": "room_id: '!r:x', access_token: t"}


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:99999/hook?token=SECRET", "port 99999 is out of range (1-65535)"),
    ("http://example.org:0/hook?token=SECRET", "port 0 is out of range (1-65535)"),
    ("http://example.org:80a/hook?token=SECRET", "port '80a' is not a number"),
    ("http://exa mple.org/hook?token=SECRET",
     "must not contain spaces or line breaks (write a space in a path as %20)"),
    ("http://exa$mple.org/hook?token=SECRET", "'exa$mple.org' is not a valid host name"),
    ("http://-x.example.org/SECRET", "'-x.example.org' is not a valid host name"),
    ("http://x..example.org/SECRET", "'x..example.org' is not a valid host name"),
    ("http://xn--zz.example.org/SECRET", "'xn--zz.example.org' is not a valid host name"),
    ("http://999.1.1.1/SECRET", "'999.1.1.1' is not a valid IPv4 address"),
    ("http://[::g]/SECRET", "'[::g]' is not a valid IPv6 address"),
    ("hooks.slack.com/services/SECRET", "must start with http:// or https://"),
    ("ftp://example.org/SECRET", "must be an http(s) URL, not ftp:"),
    ("https:///SECRET", "has no host name (write it as https://host/path)"),
], ids=["port 99999", "port 0", "a port that is not a number", "a space in the host",
        "a dollar in the host", "a label starting with a hyphen", "an empty label",
        "a broken punycode label", "an IPv4 address out of range", "a broken IPv6 address",
        "no scheme", "ftp", "no host"])
@pytest.mark.parametrize("ctype, key", CHANNEL_URL_KEYS, ids=[f"{t} {k}" for t, k in
                                                            CHANNEL_URL_KEYS])
def test_channel_url_is_validated_fully_without_repeating_it(ctype, key, url, message):
    extra = (", " + EXTRA[ctype]) if ctype in EXTRA else ""
    text = FEED + f"channels:\n  - {{name: c, type: {ctype}, {key}: '{url}'{extra}}}\n"
    assert problems(text) == [f"c.yaml:5: channels[0].{key}: {message}"]


@pytest.mark.parametrize("url", [
    "https://hooks.slack.com/services/T0/B0/x", "http://127.0.0.1:8080/hook",
    "https://user:pa%20ss@example.org/hook", "http://[::1]:9000/", "https://bücher.de/hook",
    "https://xn--bcher-kva.de/hook", "http://localhost/hook", "http://my_host.internal:80/",
    "https://example.org:/hook", "https://EXAMPLE.org./hook",
], ids=["slack", "loopback with a port", "user info", "IPv6 literal", "an IDN host",
        "its punycode", "localhost", "an underscore (Docker names)", "an empty port",
        "upper case with a trailing dot"])
def test_valid_http_urls_pass_and_httpx_takes_them_too(url):
    assert http_url_problem(url) is None
    httpx.URL(url)  # what we accept, the client can send to


@pytest.mark.parametrize("url, message", [
    ("example.org/rss",
     "is not a URL (no http:// or https://) and no such file exists; did you mean "
     "'https://example.org/rss'?"),
    ("www.bbc.co.uk", "is not a URL (no http:// or https://) and no such file exists; "
                      "did you mean 'https://www.bbc.co.uk'?"),
    ("localhost:8080/feed", "is not a URL (no http:// or https://) and no such file exists; "
                            "did you mean 'https://localhost:8080/feed'?"),
    ("http://exa mple.org", "must not contain spaces or line breaks (write a space in a path "
                            "as %20)"),
    ("https://example.org:99999/rss", "port 99999 is out of range (1-65535)"),
    ("ftp://x.org/f", "must be an http(s) URL or a file path, got 'ftp://x.org/f'"),
], ids=["a host and path without a scheme", "a bare host", "localhost with a port",
        "a space in the host", "port 99999", "ftp"])
def test_feed_url_mistakes(tmp_path, url, message):
    text = f"feeds:\n  - name: a\n    url: '{url}'\n"
    assert problems(text, tmp_path) == [f"c.yaml:3: feeds[0].url: {message}"]


@pytest.mark.parametrize("url", ["example.org/rss", "feeds/demo.xml", "demo.xml",
                                 "news.rss", "./example.org"],
                         ids=["a host-like path that exists", "a relative path",
                              "a file name", "a .rss file name", "a dotted relative path"])
def test_feed_file_paths_are_files(tmp_path, url):
    (tmp_path / "example.org").mkdir()
    (tmp_path / "example.org" / "rss").write_text("<rss/>")
    config = parse_config(f"feeds:\n  - name: a\n    url: '{url}'\n", env={}, base_dir=tmp_path)
    assert config.feeds[0].url == (tmp_path / url).resolve().as_uri()


def test_check_feed_url_without_a_config_folder_still_suggests_the_scheme():
    with pytest.raises(ValueError, match="did you mean 'https://example.org/rss'"):
        check_feed_url("example.org/rss", None)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/hook?token=SECRET",
                                 "http://xn--zz.example.org/SECRET",
                                 "http://exa mple.org/SECRET"],
                         ids=["port 99999", "broken punycode", "a space in the host"])
def test_sending_to_an_unusable_url_is_a_permanent_delivery_error(url):
    """Defence behind the config check: httpx raised an ExceptionGroup (port 99999) or an
    IDNAError for these, and `test-alert` showed a traceback."""
    import asyncio

    from monitor.deliver.http import SharedClient, send_request
    from monitor.errors import DeliveryError

    async def send():
        shared = SharedClient().acquire()
        try:
            await send_request(shared, "c", "POST", url, content=b"{}", headers={},
                               timeout_seconds=5)
        finally:
            await shared.release()

    with pytest.raises(DeliveryError) as info:
        asyncio.run(send())
    assert info.value.transient is False
    assert str(info.value).startswith("channel c: the configured URL for http://")
    assert "SECRET" not in str(info.value)


def test_a_feed_file_that_does_not_exist_yet_is_a_warning(tmp_path):
    config = parse_config("feeds:\n  - {name: a, url: feeds/later.xml}\n"
                          "  - {name: b, url: 'https://example.org/rss'}\n"
                          "rules: [{name: r, query: x}]\nchannels: [{name: c, type: console}]\n",
                          label="c.yaml", env={}, base_dir=tmp_path)
    assert config.warnings == (f"c.yaml:2: feeds[0].url: no such file "
                               f"{(tmp_path / 'feeds/later.xml').resolve()} (yet); the feed "
                               f"fails until it exists",)
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "later.xml").write_text("<rss/>")
    assert parse_config("feeds:\n  - {name: a, url: feeds/later.xml}\n"
                        "rules: [{name: r, query: x}]\nchannels: [{name: c, type: console}]\n",
                        label="c.yaml", env={}, base_dir=tmp_path).warnings == ()


@pytest.mark.parametrize("escape", ["\\x7f", "\\x01", "\\x1b"], ids=["DEL", "SOH", "ESC"])
def test_a_control_character_in_a_url_is_refused_where_httpx_would_refuse_it(escape):
    """httpx refuses a URL with a non-printable ASCII character (InvalidURL): config passed
    one written as a YAML escape, and `monitor poll` ended in httpx's traceback."""
    text = f'feeds:\n  - name: a\n    url: "https://example.org/feed{escape}.xml"\n' \
           f'channels:\n  - {{name: c, type: slack, url: "https://h.example/T0/{escape}"}}\n'
    message = "must not contain control characters (write them percent-encoded, e.g. %7F)"
    assert problems(text) == [f"c.yaml:3: feeds[0].url: {message}",
                              f"c.yaml:5: channels[0].url: {message}"]
    with pytest.raises(httpx.InvalidURL):
        httpx.URL(f"https://example.org/feed{escape.encode().decode('unicode_escape')}.xml")
