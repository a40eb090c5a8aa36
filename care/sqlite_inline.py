"""SQLite run on the event loop's own thread, under SQLAlchemy's aiosqlite dialect.

aiosqlite runs every call on a worker thread, so one statement costs three or four round trips
through the event loop (cursor, execute, fetch, close), each waiting behind whatever else the loop
has to do. Under load a placement held SQLite's one write lock across some thirty such waits and the
other placements queued behind it (``python -m bench chat``). A statement on a local SQLite file
takes microseconds and a commit's fsync a fraction of a millisecond, so these connections run them
inline and a transaction never leaves the loop while it holds the lock.

The one slow case is a lock held by another process (a CLI command beside ``serve``): SQLite's own
busy handler would sleep and block the loop, so it is off (``timeout=0``) and the wait is an
``asyncio.sleep`` between retries instead. A statement that failed with SQLITE_BUSY had no effect,
so running it again is what SQLite's handler does too.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

FIRST_WAIT, LONGEST_WAIT = 0.001, 0.05


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY: another connection holds the lock (not SQLITE_LOCKED, which waiting never clears)."""
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


class InlineCursor:
    """The part of aiosqlite's cursor SQLAlchemy uses, running each call immediately."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection.raw.cursor()
        self.arraysize = 1

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> InlineCursor:
        await self._connection.when_free(self._cursor.execute, sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # a retry must see every row again
        # Outside a transaction each row commits alone: after a busy row, the ones before it stay.
        retry = self._connection.raw is not None and self._connection.raw.in_transaction
        await self._connection.when_free(self._cursor.executemany, sql, rows, retry=retry)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size or self.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The part of ``aiosqlite.Connection`` SQLAlchemy's aiosqlite dialect uses."""

    def __init__(self, raw: sqlite3.Connection, busy_timeout: float) -> None:
        self.raw: sqlite3.Connection | None = raw
        self.busy_timeout = busy_timeout

    @property
    def _connection(self) -> sqlite3.Connection | None:
        """Checked by the dialect before commit and rollback (None once closed)."""
        return self.raw

    @property
    def isolation_level(self) -> str | None:
        return self.raw.isolation_level if self.raw else None

    @property
    def _conn(self) -> sqlite3.Connection:
        """What the dialect's isolation-level setter reaches for: not supported here."""
        raise NotImplementedError("SQLite isolation levels are not set per connection here: transactions are "
                                  "begun explicitly (BEGIN IMMEDIATE to write, BEGIN to read; see care/db.py)")

    def cursor(self) -> InlineCursor:
        if self.raw is None:
            raise ValueError("no active connection")
        return InlineCursor(self)

    async def when_free(self, call: Callable[..., Any], *args: Any, retry: bool = True) -> Any:
        """Run ``call`` now; while another process holds the lock, retry after growing sleeps."""
        deadline, wait = None, FIRST_WAIT
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if not retry or not _is_busy(error):
                    raise
                now = time.monotonic()
                deadline = deadline or now + self.busy_timeout
                if now >= deadline:
                    raise
                await asyncio.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT)

    async def commit(self) -> None:
        if self.raw is not None:
            await self.when_free(self.raw.commit)

    async def rollback(self) -> None:
        if self.raw is not None:
            self.raw.rollback()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        if self.raw is not None:
            self.raw.create_function(*args, **kw)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self.raw is not None:
            self.raw.close()
            self.raw = None


def connector(path: str, *, busy_timeout: float = 30.0) -> Callable[[], Awaitable[InlineConnection]]:
    """An ``async_creator`` for ``create_async_engine``: autocommit connections (transactions are
    begun explicitly) with SQLite's blocking busy handler turned off."""

    async def connect() -> InlineConnection:
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        return InlineConnection(raw, busy_timeout)

    return connect
