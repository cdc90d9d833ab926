import pytest

from monitor import errors
from monitor.errors import (ConfigError, DeliveryError, FeedError, FetchError, MonitorError,
                            ParseError, StateGoneError, StateInUseError, StoreError,
                            TranslationError)


def test_every_error_is_a_monitor_error_and_documented():
    classes = [v for v in vars(errors).values() if isinstance(v, type) and
               issubclass(v, Exception)]
    assert set(classes) == {MonitorError, ConfigError, FeedError, FetchError, ParseError,
                            TranslationError, DeliveryError, StoreError, StateGoneError,
                            StateInUseError}
    for cls in classes:
        assert issubclass(cls, MonitorError) and cls.__doc__
        assert cls.__name__ in errors.__doc__


@pytest.mark.parametrize("exc, text", [
    (FetchError("bbc", "HTTP 404\n Not Found", error_kind="http_gone"), "fetch bbc: HTTP 404 Not Found"),
    (ParseError("bbc", "not a feed"), "parse bbc: not a feed"),
    (DeliveryError("slack", "HTTP 500", transient=True), "channel slack: HTTP 500"),
    (ConfigError(["a:1: x: bad", "a:2: y: bad"]), "2 configuration errors"),
    (StoreError("state x.db: locked", hint="stop the other monitor"), "state x.db: locked"),
])
def test_errors_are_one_line(exc, text):
    assert str(exc) == text and "\n" not in str(exc)


def test_hint_is_kept():
    assert StoreError("x", hint="do y").hint == "do y"
    assert FetchError("f", "HTTP 404", error_kind="http_gone", hint="check").hint == "check"
