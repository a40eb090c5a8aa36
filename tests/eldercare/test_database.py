"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from care.db import make_engine
from care.models import Base
from eldercare.database import alembic_config
from tests.conftest import PG_URL, pg_reachable, require_or_skip


def _upgrade_and_diff(url: str, schema: str | None = None) -> list:
    from alembic import command

    config = alembic_config(url)
    if schema:
        # Point Alembic at a schema of the test's own through the engine's search path.
        import care.db as db_module

        original = db_module.make_engine
        db_module.make_engine = lambda u, **kw: original(u, schema=schema, **kw)
        try:
            command.upgrade(config, "head")
        finally:
            db_module.make_engine = original
    else:
        command.upgrade(config, "head")

    async def diff() -> list:
        engine = make_engine(url, schema=schema)
        async with engine.connect() as conn:
            result = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
            # Expression indexes are not compared by Alembic: check the one that guards double bookings.
            indexes = set((await conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'index'" if conn.dialect.name == "sqlite" else
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))).scalars())
        await engine.dispose()
        return result + ([] if "uq_orders_open_window" in indexes else ["missing uq_orders_open_window"])

    return asyncio.run(diff())


# Alembic cannot compare expression indexes; the test checks that one by name instead.
pytestmark = pytest.mark.filterwarnings("ignore:.*expression-based index")


def test_migrations_match_the_models_on_sqlite(tmp_path) -> None:
    assert _upgrade_and_diff(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}") == []


def test_migrations_match_the_models_on_postgresql() -> None:
    require_or_skip(pg_reachable(), "PostgreSQL")
    schema = f"m_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        engine = make_engine(PG_URL, pool_size=1)
        async with engine.begin() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(run(f'CREATE SCHEMA "{schema}"'))
    try:
        assert _upgrade_and_diff(PG_URL, schema) == []
    finally:
        asyncio.run(run(f'DROP SCHEMA "{schema}" CASCADE'))
