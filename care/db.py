"""Engines and sessions for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from care.sqlite_inline import InlineConnection, connector

READERS = 4
"""SQLite connections that only read, beside the one that writes."""


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 20, schema: str | None = None) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` transactions.

    ``BEGIN IMMEDIATE`` takes SQLite's write lock at the start of each transaction, so two
    concurrent placements queue up instead of failing to upgrade a read lock (which SQLite
    reports as "database is locked"). Within one process SQLite gets a single pooled connection:
    sessions wait their turn in the pool's queue, first come first served, instead of in SQLite's
    busy handler, which sleeps in growing steps and gave seconds-long tails under load (see
    ``make bench``); a lock held by another process (a CLI command beside ``serve``) is waited for
    up to 30 s. Statements run on the event loop's thread (``care.sqlite_inline``). Sessions that
    only read get connections of their own (``Sessions.reading``).
    ``schema`` sets PostgreSQL's search path (tests use one each).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, async_creator=_sqlite_connector(url), pool_size=1, max_overflow=0,
                                     pool_timeout=60)
        _configure_sqlite(engine, begin="BEGIN IMMEDIATE")
        return engine
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                               connect_args=connect_args)


def _sqlite_connector(url: str | URL) -> Callable[[], Awaitable[InlineConnection]]:
    parsed = make_url(url)
    if parsed.query:
        raise ValueError(f"SQLite URL options are not supported: {dict(parsed.query)} (give a plain file path)")
    return connector(parsed.database or ":memory:")


def _configure_sqlite(engine: AsyncEngine, *, begin: str, read_only: bool = False) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql(begin)


def _reader_for(engine: AsyncEngine) -> AsyncEngine | None:
    """Where reading sessions go: on PostgreSQL the same pool in autocommit (a read is one round trip,
    not BEGIN, SELECT, ROLLBACK; under READ COMMITTED each statement saw its own snapshot anyway); on a
    SQLite file a read-only engine of its own, disposed with the writer's. None: the writer's sessions."""
    if not is_sqlite(engine):
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    database = engine.url.database or ""
    if database in ("", ":memory:") or "mode=memory" in str(engine.url):
        return None
    reader = create_async_engine(engine.url, async_creator=_sqlite_connector(engine.url), pool_size=READERS,
                                 max_overflow=0, pool_timeout=60)
    # Deferred BEGIN: readers see one snapshot per session and never take the write lock (WAL).
    _configure_sqlite(reader, begin="BEGIN", read_only=True)

    @event.listens_for(engine.sync_engine, "engine_disposed")
    def _dispose_reader(_engine):  # type: ignore[no-untyped-def]
        reader.sync_engine.dispose()  # runs inside AsyncEngine.dispose()'s greenlet, so it may await

    return reader


class Sessions(async_sessionmaker[AsyncSession]):
    """``sessions()`` for work that writes; ``sessions.reading()`` for work that only reads.

    On SQLite the one writing connection is shared in turn, and a reading session uses a connection
    of its own, so a turn that only reads never queues behind a placement (WAL lets readers run beside
    the writer and see every commit made before they began). On PostgreSQL both use the same pool;
    reading sessions run without a transaction of their own.
    """

    def __init__(self, engine: AsyncEngine, **kw: Any) -> None:
        super().__init__(engine, expire_on_commit=False, **kw)
        self.reader = _reader_for(engine)

    def reading(self) -> AsyncSession:
        return self(bind=self.reader) if self.reader is not None else self()

    @property
    def one_statement_writes(self) -> bool:
        """True on PostgreSQL, where work done in one statement may run outside a transaction."""
        return not is_sqlite(self.kw["bind"])

    def autocommit(self) -> AsyncSession:
        """A session whose every statement commits by itself (PostgreSQL; see ``one_statement_writes``)."""
        assert self.one_statement_writes and self.reader is not None
        return self(bind=self.reader)


SessionFactory = Sessions


async def open_pool(engine: AsyncEngine) -> int:
    """Open the pool's connections now, before callers need them; returns how many are open.

    A new PostgreSQL connection costs several round trips (authentication, type codecs); opened
    in the middle of a burst they added 50–100 ms to the turns that waited for them.
    """
    size = engine.pool.size()  # type: ignore[attr-defined]
    connections = [await engine.connect() for _ in range(size)]
    for connection in connections:
        await connection.close()
    return len(connections)


def session_factory(engine: AsyncEngine) -> Sessions:
    return Sessions(engine)
