"""Database wiring: the URL from settings, Alembic upgrades, and first-run demo data."""

from __future__ import annotations

import asyncio
from datetime import datetime
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from care.catalog import TZ
from care.db import SessionFactory, make_engine, session_factory
from care.demo import is_empty, load_demo, refresh_slots


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the schema to the newest revision (synchronous: call it outside a running event loop)."""
    command.upgrade(alembic_config(url), "head")


def open_database(url: str) -> tuple[AsyncEngine, SessionFactory]:
    engine = make_engine(url)
    return engine, session_factory(engine)


async def seed_if_empty(sessions: SessionFactory, now: datetime) -> dict[str, int] | None:
    """Load the demo into an empty database; otherwise make sure the coming days have slots."""
    async with sessions() as session:
        empty = await is_empty(session)
    if empty:
        return await load_demo(sessions, now)
    await refresh_slots(sessions, now)
    return None


def ensure_ready(url: str, now: datetime | None = None) -> None:
    """Schema at head and demo data present: what every sub-command needs on a fresh checkout."""
    upgrade(url)

    async def _seed() -> None:
        engine, sessions = open_database(url)
        try:
            await seed_if_empty(sessions, now or datetime.now(TZ))
        finally:
            await engine.dispose()

    asyncio.run(_seed())
