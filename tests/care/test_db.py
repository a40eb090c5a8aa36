"""SQLite engines: statements on the event loop's thread, waits for other processes off it, readers apart."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from care.db import make_engine, session_factory
from care.sqlite_inline import connector


@pytest.fixture
async def sqlite_db(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "inline.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
    yield path, sessions
    await engine.dispose()


async def _ticks_while(work) -> tuple[int, object]:  # type: ignore[no-untyped-def]
    """How often another task ran on the loop while ``work`` was awaited."""
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    try:
        result = await work
    finally:
        done.set()
        await ticker
    return ticks, result


async def test_a_lock_held_by_another_process_is_waited_for_without_blocking_the_loop(sqlite_db) -> None:
    path, sessions = sqlite_db
    other = sqlite3.connect(path, isolation_level=None)  # as a CLI command beside `serve` would
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes VALUES ('from the other process')")
    asyncio.get_running_loop().call_later(0.3, other.commit)

    async def write() -> float:
        started = time.monotonic()
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO notes VALUES ('from the server')"))
        return time.monotonic() - started

    ticks, waited = await _ticks_while(write())
    other.close()
    assert waited >= 0.25  # it really waited for the other writer
    assert ticks >= 20  # ... while the loop went on serving others (a blocking wait gives ~1)
    async with sessions.reading() as session:
        bodies = (await session.execute(text("SELECT body FROM notes ORDER BY rowid"))).scalars().all()
    assert bodies == ["from the other process", "from the server"]


async def test_a_lock_never_released_fails_after_the_busy_timeout(tmp_path) -> None:
    path = tmp_path / "stuck.db"
    sqlite3.connect(path).execute("CREATE TABLE notes (body TEXT)").connection.close()
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", async_creator=connector(str(path), busy_timeout=0.2))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO notes VALUES ('never')"))
        assert 0.2 <= time.monotonic() - started < 2
    finally:
        other.rollback()
        other.close()
        await engine.dispose()


async def test_readers_see_commits_never_wait_for_the_writer_and_cannot_write(sqlite_db) -> None:
    _path, sessions = sqlite_db
    async with sessions() as writer, writer.begin():
        await writer.execute(text("INSERT INTO notes VALUES ('uncommitted')"))
        async with sessions.reading() as reader:  # the writer's transaction is still open
            assert (await reader.execute(text("SELECT count(*) FROM notes"))).scalar() == 0
    async with sessions.reading() as reader:
        assert (await reader.execute(text("SELECT count(*) FROM notes"))).scalar() == 1
        with pytest.raises(OperationalError, match="readonly"):
            await reader.execute(text("INSERT INTO notes VALUES ('sneaked')"))


async def test_a_failed_transaction_leaves_nothing_and_the_connection_usable(sqlite_db) -> None:
    _path, sessions = sqlite_db
    with pytest.raises(OperationalError):
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO notes VALUES ('half')"))
            await session.execute(text("INSERT INTO no_such_table VALUES (1)"))
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO notes VALUES ('whole')"))
    async with sessions.reading() as session:
        assert (await session.execute(text("SELECT body FROM notes"))).scalars().all() == ["whole"]


async def test_a_table_locked_within_this_connection_fails_at_once_instead_of_waiting(sqlite_db) -> None:
    """SQLITE_LOCKED is not another process's lock: waiting would never clear it."""
    _path, sessions = sqlite_db
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO notes VALUES ('a'), ('b')"))
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        async with sessions() as session, session.begin():
            connection = await session.connection()
            raw = (await connection.get_raw_connection()).driver_connection.raw
            reading = raw.execute("SELECT body FROM notes")
            reading.fetchone()  # a statement still stepping over the table …
            await session.execute(text("DROP TABLE notes"))  # … which this one may not drop meanwhile
    assert time.monotonic() - started < 1


def test_options_in_a_sqlite_url_are_refused_rather_than_ignored(tmp_path) -> None:
    with pytest.raises(ValueError, match="not supported"):
        session_factory(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}?mode=ro"))
