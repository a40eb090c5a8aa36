"""Dialogue state per (channel, user), kept in the database so it survives a restart.

Read and written with two plain statements a turn (no ORM objects): this runs on every turn.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from care.models import Conversation

IDLE_EXPIRY = timedelta(minutes=30)
_TABLE = Conversation.__table__
_KEY = (_TABLE.c.channel == bindparam("b_channel")) & (_TABLE.c.user_key == bindparam("b_user_key"))
_LOAD = select(_TABLE.c.state, _TABLE.c.updated_at).where(_KEY)
_UPDATE = update(_TABLE).where(_KEY).values(state=bindparam("new_state"), updated_at=bindparam("at"))
_INSERT = insert(_TABLE)


def fresh() -> dict[str, Any]:
    return {"flow": None, "misses": 0, "last": []}


async def load(session: AsyncSession, channel: str, user_key: str, now: datetime) -> dict[str, Any]:
    row = (await session.execute(_LOAD, {"b_channel": channel, "b_user_key": user_key})).first()
    if row is None or now - row.updated_at > IDLE_EXPIRY:
        return fresh()
    return {**fresh(), **row.state}


async def save(session: AsyncSession, channel: str, user_key: str, state: dict[str, Any], now: datetime) -> None:
    result = await session.execute(_UPDATE, {"b_channel": channel, "b_user_key": user_key, "new_state": state,
                                             "at": now})
    if result.rowcount == 0:
        await session.execute(_INSERT, {"channel": channel, "user_key": user_key, "state": state, "updated_at": now})


async def reset(session: AsyncSession, channel: str, user_key: str) -> None:
    await session.execute(delete(_TABLE).where(_KEY), {"b_channel": channel, "b_user_key": user_key})
