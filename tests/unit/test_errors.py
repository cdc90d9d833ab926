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


def _classes():
    return [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]


def test_the_tree_in_the_docstring_is_the_class_tree():
    """The drawing says who inherits from whom: each name's parent is the nearest name drawn
    one level less deep above it."""
    drawn, parents = {}, []
    for line in errors.__doc__.splitlines():
        words = line.replace("├──", "   ").replace("└──", "   ").replace("│", " ").split()
        if not words or not words[0].endswith("Error"):
            continue
        depth = (len(line) - len(line.lstrip(" │├└─"))) // 4 - 1  # MonitorError at 0
        del parents[depth:]
        drawn[words[0]] = parents[-1] if parents else "Exception"
        parents.append(words[0])
    assert drawn == {cls.__name__: cls.__bases__[0].__name__ for cls in _classes()}


@pytest.mark.parametrize("cls", _classes(), ids=lambda c: c.__name__)
def test_every_error_has_the_common_attributes(cls):
    """Handlers (pipeline's feed bookkeeping, the drain, the CLI) read these without getattr."""
    exc = {ConfigError: lambda: ConfigError("a:1: x: bad"),
           FeedError: lambda: FeedError("bbc", "broken"),
           FetchError: lambda: FetchError("bbc", "HTTP 404", error_kind="http_gone"),
           ParseError: lambda: ParseError("bbc", "not a feed"),
           DeliveryError: lambda: DeliveryError("slack", "HTTP 500", transient=True)
           }.get(cls, lambda: cls("state x.db: locked"))()
    assert isinstance(exc.error_kind, str) and exc.error_kind
    assert isinstance(exc.transient, bool)
    assert exc.status is None or isinstance(exc.status, int)
    assert exc.retry_after_seconds is None or isinstance(exc.retry_after_seconds, float)
    assert exc.hint is None or isinstance(exc.hint, str)


def test_feed_errors_label_their_stage_and_are_transient_unless_told():
    assert (ParseError("bbc", "x").error_kind, ParseError("bbc", "x").transient) == ("parse", True)
    gone = FetchError("bbc", "HTTP 410", error_kind="http_gone", status=410, transient=False)
    assert (gone.error_kind, gone.status, gone.transient, gone.retry_after_seconds) == \
        ("http_gone", 410, False, None)
    slow = FetchError("bbc", "HTTP 429", error_kind="rate_limited", retry_after_seconds=120.0)
    assert slow.retry_after_seconds == 120.0 and slow.transient
    assert FeedError("bbc", "x").error_kind == "feed"


def test_a_given_attribute_does_not_leak_into_the_class():
    DeliveryError("a", "HTTP 429", transient=True, status=429, retry_after_seconds=5.0)
    fresh = DeliveryError("b", "HTTP 500", transient=True)
    assert (fresh.status, fresh.retry_after_seconds) == (None, None)
    assert DeliveryError.status is None and DeliveryError.retry_after_seconds is None
