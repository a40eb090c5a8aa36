"""Shared fixtures: a database per test on SQLite and, when reachable, on PostgreSQL.

``ELDERCARE_TEST_PG_URL`` names the PostgreSQL server (default the local ``test`` database); with
``ELDERCARE_TEST_REQUIRE_ALL=1`` (set by CI) an unreachable server fails instead of skipping.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from care import people
from care.catalog import TZ
from care.db import SessionFactory, make_engine, session_factory
from care.demo import load_demo
from care.models import Base

PG_URL = os.environ.get("ELDERCARE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_ALL = os.environ.get("ELDERCARE_TEST_REQUIRE_ALL") == "1"
# Thursday morning, before every same-day cutoff.
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=TZ)


def pg_reachable() -> bool:
    parsed = urlparse(PG_URL.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def require_or_skip(available: bool, what: str) -> None:
    if not available:
        if REQUIRE_ALL:
            pytest.fail(f"{what} is required here (ELDERCARE_TEST_REQUIRE_ALL=1) but not available")
        pytest.skip(f"{what} not available")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """Argon2 at test strength: the same code path, a fraction of the cost."""
    people._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Database:
    url: str
    sessions: SessionFactory
    dialect: str
    schema: str | None = None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """An empty schema on SQLite (a temporary file) or PostgreSQL (a schema of its own)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield Database(url, session_factory(engine), "sqlite")
        await engine.dispose()
        return
    require_or_skip(pg_reachable(), "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL, pool_size=1)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, schema=schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield Database(PG_URL, session_factory(engine), "postgresql", schema)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def demo(db: Database) -> Database:
    """The demo stations, people and sample orders, loaded at ``NOW``."""
    await load_demo(db.sessions, NOW)
    return db
