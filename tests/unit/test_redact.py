"""monitor.redact: every encoded form of a secret is masked (issue 11, finding 9)."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from monitor.redact import Scrubber, credential_forms, display_url

USER, PASSWORD = "alerts@example.org", "s3cret-Пароль-42"


@pytest.mark.parametrize("form", [
    PASSWORD,
    base64.b64encode(PASSWORD.encode()).decode(),
    base64.b64encode(PASSWORD.encode()).decode().rstrip("="),
    base64.urlsafe_b64encode(PASSWORD.encode()).decode(),
    quote(PASSWORD, safe=""),
    base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode(),          # AUTH PLAIN
    base64.b64encode(f"{USER}\0{USER}\0{PASSWORD}".encode()).decode(),    # with authzid
    base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),             # HTTP Basic
    base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()[:30],     # cut short
])
def test_every_form_of_a_credential_is_masked(form):
    scrub = Scrubber(forms=credential_forms(USER, PASSWORD))
    text = f"535 5.7.8 Authentication failed for {form} (try again)"
    assert form not in scrub(text)
    assert scrub(text).startswith("535 5.7.8 Authentication failed for ***")


def test_ordinary_words_survive():
    scrub = Scrubber([PASSWORD], forms=credential_forms(USER, PASSWORD))
    text = "channel mail: smtp.example.org:587 answered 550 mailbox unavailable"
    assert scrub(text) == text


def test_config_secrets_are_masked_in_their_encodings():
    token = "xoxb-123456-abcdef"
    scrub = Scrubber([token])
    for form in (token, base64.b64encode(token.encode()).decode(), quote(token, safe="")):
        assert scrub(f"error near {form}!") == "error near ***!"


@pytest.mark.parametrize("url, shown", [
    ("https://user:pw@feeds.example.org/rss?token=abc&fmt#x",
     "https://***@feeds.example.org/rss?token=***&fmt"),
    ("https://feeds.example.org:8443/a/b", "https://feeds.example.org:8443/a/b"),
    ("http://[::1]:8080/rss", "http://[::1]:8080/rss"),
    ("file:///srv/feeds/demo.xml", "file:///srv/feeds/demo.xml"),
])
def test_display_url(url, shown):
    assert display_url(url) == shown


def test_display_url_masks_a_secret_in_the_path():
    assert display_url("https://x.org/feeds/SEKRITPATH/rss", Scrubber(["SEKRITPATH"])) == \
        "https://x.org/feeds/***/rss"


def test_env_refs_hide_values_and_reveal_them_again():
    from monitor.redact import EnvRefs

    refs = EnvRefs([("tok-123456", "FEED_TOKEN"), ("abc", "SHORT")])
    url = "https://x.org/feeds/tok-123456/rss?k=tok-123456&abc"
    hidden = refs.hide(url)
    assert hidden == "https://x.org/feeds/${FEED_TOKEN}/rss?k=${FEED_TOKEN}&abc"
    assert refs.reveal(hidden) == url
    assert refs.hide(None) is None and EnvRefs().reveal(hidden) == hidden


def test_a_url_with_userinfo_is_masked_as_the_basic_credentials_it_sends_too():
    url = "https://hookuser:hookpass-77@hooks.example.org/x"
    basic = base64.b64encode(b"hookuser:hookpass-77").decode()
    assert Scrubber([url]).scrub(f"401: bad Authorization: Basic {basic}") == \
        "401: bad Authorization: Basic ***"
