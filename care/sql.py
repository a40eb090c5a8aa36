"""Small dialect-aware SQL helpers shared by the operations."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignore(session: AsyncSession, model: type, rows: list[dict[str, Any]], keys: list[str]):  # type: ignore[no-untyped-def]
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` for SQLite and PostgreSQL."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model).values(rows).on_conflict_do_nothing(index_elements=keys)
