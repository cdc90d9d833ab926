"""The `store` fixture of the tests that hold both backends to one behaviour: each test runs on
a SQLite file and on a fresh database of the session's throwaway PostgreSQL cluster (over its
Unix socket: unit tests use no network). Import it into a test module to use it."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        from monitor.store import open_store
        with open_store(tmp_path / "state.db") as s:
            yield s
        return
    from monitor.store.postgres import connect_postgres
    cluster = request.getfixturevalue("postgres_cluster")
    database = request.getfixturevalue("pg_database")
    with connect_postgres(cluster.url(database, unix=True), node="test-node") as s:
        yield s
