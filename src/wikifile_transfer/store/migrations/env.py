"""Alembic environment of the store; run through :mod:`wikifile_transfer.store.migrate`, not ``alembic``.

``migrate`` hands over an open connection in ``config.attributes["connection"]`` (already holding the
migration lock), so the web app, the workers and the embedded mode migrate through the very engine
settings they run with (SQLite pragmas, utf8mb4). A URL in ``sqlalchemy.url`` works too, and offline mode
(``migrate sql``) prints the SQL for a DBA.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from wikifile_transfer.store.db import make_engine
from wikifile_transfer.store.models import Base, UtcDateTime

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write :class:`UtcDateTime` into new revisions as the plain column type it stands for.

    A revision is frozen history: it must not import today's models, whose types may change later. The
    Python-side conversion (aware UTC) does not matter to the schema; DATETIME(6) on MariaDB does.
    """
    if kind == "type" and isinstance(item, UtcDateTime):
        autogen_context.imports.add("from sqlalchemy.dialects import mysql")
        return 'sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")'
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table instead
        compare_type=True,
        render_item=render_item,
        **kwargs,
    )


def run_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
