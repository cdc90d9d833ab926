"""Shared fixtures. Every server binds 127.0.0.1 on port 0; nothing leaves the machine.

Layout (tests/README.md): unit tests mirror monitor/ (tests/unit/<package>/); test folders have
no __init__.py, so every test file's basename must be unique across tests/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(ROOT / "tests"))

from support.feed_server import FeedServer  # noqa: E402
from support.webhook_receiver import WebhookReceiver  # noqa: E402


def pytest_report_header(config):
    # The fast RSS path is held to the installed feedparser (tests/unit/parse): say which.
    from importlib.metadata import version

    return f"feedparser {version('feedparser')}"


def pytest_collection_modifyitems(config, items):
    """Files with a test marked `slow` (minutes: the crash test, the cluster, 2,000 feeds,
    Synapse) run first, the rest in their usual order. Under pytest-xdist (the README's
    `-n 4 --dist loadfile`) files are handed out in this order, so the long ones start at once
    instead of one of them starting last and running on alone while the other workers idle."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: order kept otherwise


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch, tmp_path):
    """Proxy variables could route loopback requests elsewhere; HOME/XDG writes go to tmp."""
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                            "ssl_cert_file", "ssl_cert_dir", "requests_ca_bundle",
                            "monitor_config", "monitor_state"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))


@pytest.fixture
def feed_server():
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver():
    """A webhook receiver answering 200 to every POST (scripts change that per test)."""
    rx = WebhookReceiver().start()
    try:
        yield rx
    finally:
        rx.stop()


@pytest.fixture
def data_dir() -> Path:
    return DATA


# -- PostgreSQL (issue 13): one throwaway cluster per session, a fresh database per test -------

_postgres_failure: str | None = None


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL server for this test session (tests/support/postgres.py). When none
    can start, every test that needs it FAILS with the reason: it never skips."""
    global _postgres_failure
    from support.postgres import PostgresCluster, PostgresUnavailable

    if _postgres_failure is not None:
        pytest.fail(_postgres_failure, pytrace=False)
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        _postgres_failure = f"no PostgreSQL test cluster: {exc}"
        pytest.fail(_postgres_failure, pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_database(postgres_cluster):
    """The name of a fresh, empty database (from the template) for one test; dropped after."""
    name = postgres_cluster.new_database()
    try:
        yield name
    finally:
        postgres_cluster.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_state(request, tmp_path) -> str:
    """The `state` setting of a test that runs on both backends (issue 13): the SQLite file a
    config beside tmp_path uses by default (tmp_path/monitor.db), or a fresh database of the
    session's PostgreSQL cluster, by a TCP URL as an operator writes it."""
    if request.param == "sqlite":
        return str(tmp_path / "monitor.db")
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.url(request.getfixturevalue("pg_database"))
