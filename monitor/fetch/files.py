"""Fetch stage for local feeds (demos, tests): a file path or file:// URL → FetchResult. I/O.

The file's mtime and size make a pseudo-ETag, so an unchanged file is NOT_MODIFIED as a 304
would be; the same byte cap as for HTTP bodies applies. Imports errors and model.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from monitor.errors import FetchError
from monitor.model import FeedState, FetchResult, FetchStatus


def fetch_file(feed: str, url: str, state: FeedState, cap: int) -> FetchResult:
    """Local feeds (demos, tests): a file path or file:// URL, with an mtime/size pseudo-ETag."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path)) if parts.scheme == "file" else Path(url)
    try:
        st = path.stat()
        tag = f"file:{st.st_mtime_ns}-{st.st_size}"
        if state.etag == tag:
            return FetchResult(status=FetchStatus.NOT_MODIFIED, url=url, etag=tag)
        if st.st_size > cap:
            raise FetchError(feed, f"file of {st.st_size:,} bytes is over the {cap:,}-byte limit",
                             error_kind="too_large", transient=False)
        with open(path, "rb") as fh:
            body = fh.read(cap + 1)
    except FileNotFoundError:
        raise FetchError(feed, f"no such file: {path}", error_kind="file",
                         transient=False) from None
    except OSError as exc:
        raise FetchError(feed, f"cannot read {path}: {exc.strerror or exc}",
                         error_kind="file") from None
    if len(body) > cap:
        raise FetchError(feed, f"file is over the {cap:,}-byte limit", error_kind="too_large",
                         transient=False)
    if not body.strip():
        raise FetchError(feed, "the file is empty", error_kind="empty")
    return FetchResult(status=FetchStatus.OK, url=url, body=body, etag=tag,
                       headers={"content-location": url})
