"""parse_feed on hostile documents: no entity expansion, no file read, no fetch, bounded.

Unit tests run with sockets disabled, so an attempted fetch of an external entity or DTD
would fail loudly here rather than go unnoticed.
"""

import time

import pytest

from monitor.errors import ParseError
from monitor.parse import parse_feed

SECRET = "monitor-canary-c0ffee"


def doc(doctype, title):
    return (f'<?xml version="1.0"?>\n{doctype}\n<rss version="2.0"><channel><title>t</title>'
            f"<item><title>{title}</title><guid>1</guid><description>{title}</description>"
            f"</item></channel></rss>").encode()


def laughs(sep):
    decls = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)]
    return doc(f"<!DOCTYPE rss [{sep}{sep.join(decls)}{sep}]>", "&lol9;")


@pytest.mark.parametrize("sep", ["\n", ""], ids=["one-per-line", "inline"])
def test_parse_feed_does_not_expand_billion_laughs(sep):
    started = time.perf_counter()
    parsed = parse_feed(laughs(sep), feed="t")
    assert time.perf_counter() - started < 10  # generous: expansion would never finish
    assert all(len(e.title) < 100 and "lollol" not in e.title for e in parsed.entries)


def test_parse_feed_never_reads_a_local_file_through_an_entity(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    for doctype in (f'<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>',
                    f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}">]>',
                    f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;]>',
                    f'<!DOCTYPE rss SYSTEM "{secret.as_uri()}">'):
        parsed = parse_feed(doc(doctype, "a&xxe;b"), feed="t")
        assert SECRET not in repr(parsed), doctype


def test_parse_feed_never_fetches_an_external_entity_or_dtd():
    # With sockets disabled, any fetch attempt would raise inside the parser.
    for doctype in ('<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
                    '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
                    '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/rss.dtd">'):
        parsed = parse_feed(doc(doctype, "a&xxe;b"), feed="t")
        assert parsed.entries and "127.0.0.1" not in parsed.entries[0].title


def test_parse_feed_treats_a_body_that_names_a_file_as_text(tmp_path):
    """feedparser opens plain bytes as a file name when it can: a server answering a local
    path made it read that file (and `/dev/zero` made it read forever)."""
    local = tmp_path / "local.xml"
    local.write_bytes(doc("", SECRET))
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(str(local).encode(), feed="t")
    started = time.perf_counter()
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b"/dev/zero", feed="t")
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_parse_feed_is_as_safe_in_wide_encodings(tmp_path, encoding):
    """A byte search for `<!DOCTYPE` does not see one in UTF-16/32: no parse path may rely
    on it alone."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    for document in (laughs("\n"), laughs(""),
                     doc(f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>', "a&xxe;b")):
        wide = document.decode().replace('version="1.0"?>',
                                         f'version="1.0" encoding="{encoding}"?>', 1)
        parsed = parse_feed(wide.encode(encoding), feed="t")
        assert SECRET not in repr(parsed)
        assert all(len(e.title) < 100 for e in parsed.entries)
