"""Dialogue state per (channel, user), kept in the database so it survives a restart."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from care.models import Conversation

IDLE_EXPIRY = timedelta(minutes=30)


def fresh() -> dict[str, Any]:
    return {"flow": None, "misses": 0, "last": []}


async def load(session: AsyncSession, channel: str, user_key: str, now: datetime) -> dict[str, Any]:
    row = await session.get(Conversation, (channel, user_key))
    if row is None or now - row.updated_at > IDLE_EXPIRY:
        return fresh()
    return {**fresh(), **row.state}


async def save(session: AsyncSession, channel: str, user_key: str, state: dict[str, Any], now: datetime) -> None:
    row = await session.get(Conversation, (channel, user_key))
    if row is None:
        session.add(Conversation(channel=channel, user_key=user_key, state=state, updated_at=now))
    else:
        row.state, row.updated_at = state, now


async def reset(session: AsyncSession, channel: str, user_key: str) -> None:
    row = await session.get(Conversation, (channel, user_key))
    if row is not None:
        await session.delete(row)
