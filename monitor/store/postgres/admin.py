"""What runs on a PostgreSQL state without a PostgresStore: /healthz's write probe and
`monitor migrate`. Each opens a connection of its own and closes it."""

from __future__ import annotations

import psycopg

from monitor.errors import StoreError
from monitor.store.postgres.connection import connect, error
from monitor.store.postgres.migrations import MIGRATIONS, NewerSchemaError, migrate
from monitor.store.urls import expand, redact


def probe_writable(url: str, timeout_seconds: float = 2.0) -> str | None:
    """None when a write commits within the timeout, else why not (/healthz, in a thread)."""
    expanded, _ = expand(url)
    try:
        db = connect(expanded, application="monitor health")
    except StoreError as exc:
        return str(exc)
    try:
        db.execute(f"SET statement_timeout = {int(timeout_seconds * 1000)}")
        with db.transaction():
            db.execute("UPDATE monitor_meta SET value = value WHERE key = 'created_at'")
    except psycopg.Error as exc:
        return str(error(expanded, exc))
    finally:
        db.close()
    return None


def migrate_postgres(url: str) -> tuple[int, int]:
    """`monitor migrate`: (schema before, after). Raises StoreError."""
    expanded, secrets = expand(url)
    if secrets:
        from monitor.log import add_secrets
        add_secrets(secrets)
    db = connect(expanded)
    try:
        return migrate(db)
    except NewerSchemaError as exc:
        raise StoreError(f"state {redact(expanded)}: written by a newer monitor (schema "
                         f"{exc.version}, this one knows {len(MIGRATIONS)})",
                         hint="upgrade monitor") from None
    except psycopg.Error as exc:
        raise error(expanded, exc) from None
    finally:
        db.close()
