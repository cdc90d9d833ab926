"""`monitor models install FROM TO`, the only networked command: read the Argos package index,
pick the newest FROM→TO package, download it, install it with `packages.install_archive`.

Downloads are ours (urllib, one attempt per link, a timeout, a size cap), not Argos's: its
downloader retries each link four times with no timeout and reports failures as raw log lines
(`ERROR (URLError(gaierror(-2, …)),)`); ours fail with one line naming the host and the reason.
"""

from __future__ import annotations

import json
import socket
import ssl
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from monitor import __version__
from monitor.errors import TranslationError
from monitor.translate.packages import (InstalledPackage, argos_settings, install_archive,
                                        version_key)

TIMEOUT_SECONDS = 60.0
MAX_INDEX_BYTES = 16 * 1024 ** 2
MAX_PACKAGE_BYTES = 4 * 1024 ** 3
HINT = ("check the network (and --index), or download the .argosmodel file elsewhere and run "
        "`monitor models install FILE`")


def install_from_index(models_dir: str | Path, from_code: str, to_code: str, *,
                       index_url: str | None = None
                       ) -> tuple[InstalledPackage, list[InstalledPackage]]:
    """Download from→to from the package index and install it. Uses the network.

    The index and the download go to a temporary folder, never the user's Argos folders.
    Raises TranslationError.
    """
    if index_url is None:
        with argos_settings(package_data_dir=Path(models_dir)) as settings:
            index_url = settings.remote_package_index
    with tempfile.TemporaryDirectory(prefix="monitor-models-") as tmp:
        index_file = Path(tmp) / "index.json"
        download(index_url, index_file, "the package index", MAX_INDEX_BYTES)
        entries = read_index(index_file)
        matching = [e for e in entries if (e.get("from_code"), e.get("to_code")) ==
                    (from_code, to_code) and e.get("type", "translate") == "translate"]
        if not matching:
            pairs = sorted({f"{e.get('from_code')}→{e.get('to_code')}" for e in entries
                            if from_code in (e.get("from_code"), e.get("to_code"))})
            raise TranslationError(
                f"models: the package index has no {from_code}→{to_code} package",
                hint=("it has: " + ", ".join(pairs)) if pairs else
                "see README, section Translation, for other routes")
        best = max(matching, key=lambda e: version_key(str(e.get("package_version", "0"))))
        links = [link for link in best.get("links") or [] if isinstance(link, str)]
        if not links:
            raise TranslationError(f"models: the package index lists no download link for "
                                   f"{from_code}→{to_code}")
        archive = Path(tmp) / f"{from_code}_{to_code}.argosmodel"
        what = f"{from_code}→{to_code} {best.get('package_version', '')}".rstrip()
        for number, link in enumerate(links, 1):
            try:
                download(link, archive, what, MAX_PACKAGE_BYTES)
                break
            except TranslationError:
                if number == len(links):
                    raise  # the last link's reason; earlier links are mirrors
        return install_archive(models_dir, archive)


def read_index(path: Path) -> list[dict]:
    """The index's entries (a JSON list of objects). Raises TranslationError."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranslationError(f"models: the package index is not valid JSON ({exc})") \
            from None
    if not isinstance(entries, list):
        raise TranslationError("models: the package index is not a JSON list of packages")
    return [e for e in entries if isinstance(e, dict)]


def download(url: str, dest: Path, what: str, max_bytes: int) -> None:
    """Save `url` to `dest`. Raises TranslationError naming the host and the reason."""
    host = urlsplit(url).netloc.rpartition("@")[2] or url
    if urlsplit(url).scheme not in ("http", "https"):
        raise TranslationError(f"models: cannot download {what}: {url!r} is not an http(s) "
                               "URL", hint=HINT)
    request = urllib.request.Request(url, headers={"User-Agent": f"monitor/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response, \
                open(dest, "wb") as out:
            size = 0
            while chunk := response.read(1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise TranslationError(f"models: cannot download {what} from {host}: "
                                           f"larger than {max_bytes // 1024 ** 2} MiB",
                                           hint=HINT)
                out.write(chunk)
    except TranslationError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TranslationError(f"models: cannot download {what} from {host}: {_reason(exc)}",
                               hint=HINT) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(cause, socket.gaierror):
        return "host name not found (offline?)"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, (TimeoutError, socket.timeout)):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({cause.verify_message})"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror[:1].lower() + cause.strerror[1:]
    return str(cause) or type(cause).__name__
